//! `department:`: the 主管部门 the 监控表 names — a name to print, and its code if written.

use super::Validator;
use crate::config::raw::RawDepartment;
use crate::config::{Department, MAX_DEPARTMENT_CHARS};

impl Validator<'_> {
    /// The department as written; `None` when its name is missing or refused (reported).
    pub(super) fn department(&mut self, raw: RawDepartment) -> Option<Department> {
        let mut ok = true;
        for (key, value) in [("name", &raw.name), ("code", &raw.code)] {
            let Some(text) = value else { continue };
            let at = format!("department.{key}");
            if text.trim().is_empty() {
                let e_g = if key == "name" {
                    "name: 中共唐山市路南区委网络安全和信息化委员会办公室"
                } else {
                    "code: \"244001\" (or delete the key)"
                };
                self.problems.add(at, format!("is empty: write e.g. {e_g}"));
                ok = false;
            } else if text.chars().count() > MAX_DEPARTMENT_CHARS {
                self.problems.add(
                    at,
                    format!(
                        "has {} characters: at most {MAX_DEPARTMENT_CHARS} fit the form's cells; \
                         write the name as the budget writes it",
                        text.chars().count()
                    ),
                );
                ok = false;
            }
        }
        let name = raw.name.filter(|_| ok)?;
        Some(Department {
            name: name.trim().to_owned(),
            code: raw.code.map(|c| c.trim().to_owned()),
        })
    }
}
