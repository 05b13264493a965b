//! The funds and their plans: each milestone's day and share, each fund's identity and budget,
//! the texts that name a fund (which must name one fund per year), and the dates of each plan
//! in each fund's year — the shared plan checked once, whatever the number of funds.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use serde_yaml::Value;

use super::{Declared, Spec, Validator};
use crate::config::MAX_GOAL_CHARS;
use crate::config::forms::{self, day_fault, month_day, parse_month_day};
use crate::config::raw::{RawFund, RawMilestone};
use crate::core::{Fund, Milestone, Money, Share};

impl Validator<'_> {
    /// Parses the shares and days of a plan; the order is checked here too, since it does not
    /// depend on the year. Problems are reported at `path[i]`.
    pub(super) fn milestone_specs(&mut self, raw: &[RawMilestone], path: &str) -> Vec<Spec> {
        if raw.is_empty() && !self.problems.reported_at(path) {
            self.problems.add(
                path,
                "list at least one milestone, e.g. - {by: \"12-31\", share: 100%}",
            );
        }
        let specs: Vec<Spec> = raw
            .iter()
            .enumerate()
            .map(|(i, m)| Spec {
                by: m.by.as_deref().and_then(|by| {
                    let parsed = parse_month_day(by);
                    if parsed.is_none() {
                        self.problems
                            .add(format!("{path}[{i}].by"), day_fault("by", by));
                    }
                    parsed
                }),
                share: m
                    .share
                    .as_ref()
                    .and_then(|s| self.share(s, &format!("{path}[{i}].share"))),
            })
            .collect();
        let mut last_by: Option<(usize, (u32, u32))> = None;
        let mut last_share: Option<(usize, Share)> = None;
        for (i, spec) in specs.iter().enumerate() {
            if let Some(by) = spec.by {
                if let Some((j, prev)) = last_by
                    && by <= prev
                {
                    self.problems.add(
                        format!("{path}[{i}].by"),
                        format!(
                            "{} is not after {} of {path}[{j}]: milestone dates must increase \
                             down the list",
                            month_day(by),
                            month_day(prev)
                        ),
                    );
                }
                last_by = Some((i, by));
            }
            if let Some(share) = spec.share {
                if let Some((j, prev)) = last_share
                    && share <= prev
                {
                    self.problems.add(
                        format!("{path}[{i}].share"),
                        format!(
                            "{share} is not above {prev} of {path}[{j}]: shares are cumulative \
                             (the part of the budget spent by that day) and must increase"
                        ),
                    );
                }
                last_share = Some((i, share));
            }
        }
        specs
    }

    fn share(&mut self, value: &Value, path: &str) -> Option<Share> {
        forms::share(value)
            .map_err(|message| self.problems.add(path, message))
            .ok()
    }

    /// Validates every fund. Returns the valid ones, and every fund written in the file (even
    /// an invalid one), for the references of `ledger.sources`.
    pub(super) fn funds(&mut self, raw: &[RawFund], plan: &[Spec]) -> (Vec<Fund>, Vec<Declared>) {
        if raw.is_empty() && !self.problems.reported_at("funds") {
            self.problems.add(
                "funds",
                "list at least one fund, each with id, code, name, year and budget",
            );
        }
        let mut funds = Vec::with_capacity(raw.len());
        let mut seen = Seen::default();
        for (i, f) in raw.iter().enumerate() {
            funds.extend(self.fund(f, &format!("funds[{i}]"), plan, &mut seen));
        }
        self.leap_misses(seen.leap_misses);
        (funds, seen.declared)
    }

    /// Each fund's `goal:` (年度绩效目标), by fund id: non-blank and at most
    /// [`MAX_GOAL_CHARS`] characters. A fund without an id has no goal to keep.
    pub(super) fn goals(&mut self, raw: &[RawFund]) -> HashMap<String, String> {
        let mut goals = HashMap::new();
        for (i, f) in raw.iter().enumerate() {
            let Some(goal) = &f.goal else { continue };
            let at = format!("funds[{i}].goal");
            let chars = goal.trim().chars().count();
            if chars == 0 {
                self.problems.add(
                    at,
                    "is empty: write the fund's 年度绩效目标 as its 绩效目标表 writes it, or \
                     delete the key",
                );
            } else if chars > MAX_GOAL_CHARS {
                self.problems.add(
                    at,
                    format!(
                        "has {chars} characters: at most {MAX_GOAL_CHARS} fit the 监控表's \
                         cell; shorten it"
                    ),
                );
            } else if let Some(id) = &f.id {
                goals.insert(id.clone(), goal.trim().to_owned());
            }
        }
        goals
    }

    /// Validates the fund written at `at` (`funds[1]`); the fund, when it is valid.
    fn fund(&mut self, f: &RawFund, at: &str, plan: &[Spec], seen: &mut Seen) -> Option<Fund> {
        if let Some(id) = &f.id {
            self.fund_id(id, at, &seen.declared, &mut seen.ids);
            seen.declared.push(Declared {
                path: at.to_owned(),
                id: id.clone(),
                code: f.code.clone(),
                name: f.name.clone(),
            });
        }
        for (key, value) in [("code", &f.code), ("name", &f.name)] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                self.problems.add(
                    format!("{at}.{key}"),
                    format!("is empty: write e.g. {}", example_of(key)),
                );
            }
        }
        for (j, alias) in &f.aliases {
            if alias.trim().is_empty() {
                self.problems.add(
                    format!("{at}.aliases[{j}]"),
                    "is empty: delete it, or write a text that names the fund in ledger exports",
                );
            }
        }
        if let Some(year) = f.year {
            self.fund_names(f, year, at, &mut seen.names);
        }
        let budget = f
            .budget
            .as_ref()
            .and_then(|b| self.budget(b, &format!("{at}.budget")));
        for (key, list) in [("notify", &f.notify), ("escalate", &f.escalate)] {
            for (j, addr) in list {
                self.mailbox(&format!("{at}.{key}[{j}]"), key, addr);
            }
        }
        let milestones = self.fund_milestones(f, at, plan, &mut seen.leap_misses);
        let (Some(id), Some(code), Some(name), Some(year), Some(budget), Some(milestones)) =
            (&f.id, &f.code, &f.name, f.year, budget, milestones)
        else {
            return None;
        };
        Some(Fund {
            id: id.clone(),
            code: code.clone(),
            name: name.clone(),
            year,
            budget,
            milestones,
            aliases: f.aliases.iter().map(|(_, a)| a.clone()).collect(),
            notify: f.notify.iter().map(|(_, n)| n.clone()).collect(),
            escalate: f.escalate.iter().map(|(_, n)| n.clone()).collect(),
        })
    }

    /// The fund's milestones in its year, from its own `milestones` or else the shared `plan`.
    /// A 02-29 of the shared plan in a year without one goes to `leap_misses`, to be reported
    /// once for every fund concerned ([`Validator::leap_misses`]).
    fn fund_milestones(
        &mut self,
        f: &RawFund,
        at: &str,
        plan: &[Spec],
        leap_misses: &mut Vec<LeapMiss>,
    ) -> Option<Vec<Milestone>> {
        let own;
        let (specs, plan_path) = match &f.milestones {
            Some(m) => {
                own = self.milestone_specs(m, &format!("{at}.milestones"));
                (own.as_slice(), Some(format!("{at}.milestones")))
            }
            None => (plan, None),
        };
        f.year.and_then(|year| {
            milestones_in(specs, year)
                .map_err(|k| match &plan_path {
                    Some(own) => self.problems.add(
                        format!("{own}[{k}].by"),
                        format!("02-29 does not exist in {year}, the fund's year: write \"02-28\""),
                    ),
                    None => leap_misses.push((k, year, at.to_owned())),
                })
                .ok()
                .flatten()
        })
    }

    /// The shared plan's 02-29s in years without one: one problem per milestone and year,
    /// naming every fund concerned.
    fn leap_misses(&mut self, leap_misses: Vec<LeapMiss>) {
        let mut by_milestone: Vec<(usize, i32, Vec<String>)> = Vec::new();
        for (k, year, fund) in leap_misses {
            match by_milestone
                .iter_mut()
                .find(|(k2, y, _)| *k2 == k && *y == year)
            {
                Some((_, _, funds)) => funds.push(fund),
                None => by_milestone.push((k, year, vec![fund])),
            }
        }
        for (k, year, funds) in by_milestone {
            self.problems.add(
                format!("plan[{k}].by"),
                format!(
                    "02-29 does not exist in {year}, the year of {}: write \"02-28\", or give \
                     {} its own `milestones`",
                    funds.join(" and "),
                    if funds.len() == 1 {
                        "that fund"
                    } else {
                        "each of them"
                    }
                ),
            );
        }
    }

    /// `ids`: the first fund in `earlier` (by index) of each id, so that a thousand funds
    /// are not each compared with all those before them.
    fn fund_id(
        &mut self,
        id: &str,
        at: &str,
        earlier: &[Declared],
        ids: &mut HashMap<String, usize>,
    ) {
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.problems.add(
                format!("{at}.id"),
                format!(
                    "{id:?}: use ASCII letters, digits, '-' and '_' only (it is typed on the \
                     command line), e.g. {}",
                    example_of("id")
                ),
            );
        }
        if let Some(other) = ids.get(id).map(|&i| &earlier[i]) {
            self.problems.add(
                format!("{at}.id"),
                format!(
                    "{id:?} is also the id of {}: ids must be unique",
                    other.path
                ),
            );
        } else {
            ids.insert(id.to_owned(), earlier.len());
        }
    }

    /// A code, name or alias that names two funds of one year: a ledger row holding it could
    /// not be given to either. (Funds of different years may share them: the date decides.)
    fn fund_names(
        &mut self,
        f: &RawFund,
        year: i32,
        at: &str,
        names: &mut HashMap<(String, i32), (String, &'static str)>,
    ) {
        // (text, what it is, the alias' index): the key path is made only for a problem.
        let mut mine: Vec<(&str, &'static str, usize)> = Vec::new();
        for (key, value) in [("code", &f.code), ("name", &f.name), ("id", &f.id)] {
            if let Some(v) = value {
                mine.push((v, key, 0));
            }
        }
        for (j, alias) in &f.aliases {
            mine.push((alias, "alias", *j));
        }
        let mut own: Vec<&str> = Vec::new();
        for &(text, what, j) in &mine {
            if text.trim().is_empty() || own.contains(&text) {
                continue;
            }
            own.push(text);
            let path = || match what {
                "alias" => format!("{at}.aliases[{j}]"),
                key => format!("{at}.{key}"),
            };
            match names.entry((text.to_owned(), year)) {
                // Two ids are reported as ids; nothing more to say.
                Entry::Occupied(e) if e.get().1 == "id" && what == "id" => {}
                Entry::Occupied(e) => {
                    let (first, first_what) = e.get();
                    let message = if what == "code" && *first_what == "code" {
                        format!(
                            "{text:?} is also the code of {first} of {year}: a code names one \
                             fund per year"
                        )
                    } else {
                        format!(
                            "{text:?} is also the {first_what} of {first} of {year}: ledger rows \
                             naming it would all go to {first}; keep it on one fund"
                        )
                    };
                    self.problems.add(path(), message);
                }
                Entry::Vacant(e) => {
                    e.insert((at.to_owned(), what));
                }
            }
        }
    }

    fn budget(&mut self, value: &Value, path: &str) -> Option<Money> {
        forms::budget(value)
            .map_err(|message| self.problems.add(path, message))
            .ok()
    }
}

/// A milestone `k` of the shared plan that is 02-29, a year without one, and the path of the
/// fund of that year (`funds[1]`).
type LeapMiss = (usize, i32, String);

/// What the funds validated so far leave for the next one to be checked against.
#[derive(Default)]
struct Seen {
    /// Every fund written so far, even an invalid one.
    declared: Vec<Declared>,
    /// Each id of `declared`, with the index of its first fund there.
    ids: HashMap<String, usize>,
    /// (text, year) → the first fund that uses it, and as what: for texts naming two funds.
    names: HashMap<(String, i32), (String, &'static str)>,
    /// The shared plan's 02-29 in a year without one: reported once, with every fund concerned.
    leap_misses: Vec<LeapMiss>,
}

/// The dates of `specs` in `year`. `Err(k)` when milestone `k` is 02-29 and `year` has none;
/// `Ok(None)` when a milestone was refused already (or there is none).
fn milestones_in(specs: &[Spec], year: i32) -> Result<Option<Vec<Milestone>>, usize> {
    let mut out = Vec::with_capacity(specs.len());
    for (k, spec) in specs.iter().enumerate() {
        let (Some((month, day)), Some(share)) = (spec.by, spec.share) else {
            return Ok(None);
        };
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(k)?;
        out.push(Milestone { date, share });
    }
    Ok((!out.is_empty()).then_some(out))
}

fn example_of(key: &str) -> &'static str {
    match key {
        "id" => "id: network-governance",
        "code" => "code: \"13020225P00901410001D\"",
        _ => "name: 网络综合治理体系建设专项资金",
    }
}
