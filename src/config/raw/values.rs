//! Reading one value of the config's YAML tree as the kind its key needs — a section of known
//! keys, a required value, a text, a whole number in a range, true/false, a duration, a list —
//! reporting a refusal once with what to write instead. Which keys a section has and what they
//! hold is [`super`]'s (raw.rs); this file knows kinds of values, not settings.

use serde_yaml::{Mapping, Value};

use crate::config::Problems;
use crate::config::keys::{SECTIONS, TOP, closest, example, renamed};
use crate::config::raw::Texts;

/// A mapping being read: its known keys (unknown ones were reported) and its key path.
pub(super) struct Section<'v> {
    path: String,
    entries: Vec<(&'v str, &'v Value)>,
    /// Known keys that an unknown key was taken for ("did you mean"): not reported missing.
    suggested: Vec<&'static str>,
}

impl<'v> Section<'v> {
    /// The value of `key`; `None` when absent or empty.
    pub(super) fn get(&self, key: &str) -> Option<&'v Value> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_null())
    }

    /// Whether `key` is written at all, even with an empty value.
    pub(super) fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| *k == key)
    }

    pub(super) fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

/// Reads values out of the tree, reporting each refusal once to `problems`.
pub(super) struct Reader<'p> {
    pub problems: &'p mut Problems,
}

impl Reader<'_> {
    pub(super) fn top<'v>(&mut self, tree: &'v Value) -> Option<Section<'v>> {
        match tree {
            Value::Mapping(map) => Some(self.keys(map, String::new(), TOP)),
            other => {
                self.problems.add(
                    "",
                    format!(
                        "the file holds {}, not settings: a config is `key: value` lines \
                         starting at the left margin (timezone:, ledger:, alerts:, email:, \
                         plan:, funds:)",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    /// The sub-section `key` of `s`: an empty one when absent or empty, `None` (reported) when
    /// its value is not a mapping.
    pub(super) fn section<'v>(
        &mut self,
        s: &Section<'v>,
        key: &str,
        keys: &'static [&'static str],
    ) -> Option<Section<'v>> {
        let path = s.child(key);
        match s.get(key) {
            None => Some(Section {
                path,
                entries: Vec::new(),
                suggested: Vec::new(),
            }),
            Some(Value::Mapping(map)) => Some(self.keys(map, path, keys)),
            Some(Value::String(host)) if key == "smtp" => {
                self.problems.add(
                    path,
                    format!(
                        "{:?} is a single value: name the server in the section, smtp: {{host: \
                         {}}}",
                        host,
                        flow_item(host)
                    ),
                );
                None
            }
            Some(Value::String(name)) if key == "levels" => {
                self.problems.add(
                    path,
                    format!(
                        "{:?} is a single value: name the preset in the section, levels: \
                         {{preset: {}}}",
                        name,
                        flow_item(name)
                    ),
                );
                None
            }
            Some(other) => {
                self.problems.add(
                    path,
                    format!(
                        "{} was given: write its settings as `key: value` lines indented under \
                         `{key}:` (its keys: {}), e.g. `  {}`",
                        describe(other),
                        keys.join(", "),
                        example(keys[0]),
                    ),
                );
                None
            }
        }
    }

    /// Checks the keys of `map` against `keys`, reporting the others with the likely fix.
    pub(super) fn keys<'v>(
        &mut self,
        map: &'v Mapping,
        path: String,
        keys: &'static [&'static str],
    ) -> Section<'v> {
        let mut section = Section {
            path,
            entries: Vec::new(),
            suggested: Vec::new(),
        };
        for (k, v) in map {
            let Some(key) = k.as_str() else {
                self.problems.add(
                    section.path.clone(),
                    format!(
                        "{} is not a key here: the keys are {}",
                        describe(k),
                        keys.join(", ")
                    ),
                );
                continue;
            };
            if keys.contains(&key) {
                section.entries.push((key, v));
                continue;
            }
            let at = section.child(key);
            let lower = key.to_lowercase();
            if lower.contains("passw") || lower == "pwd" || lower == "pass" {
                self.problems.add(at, PASSWORD);
                continue;
            }
            let message = if let Some(known) = renamed(key, keys).or_else(|| closest(key, keys)) {
                section.suggested.push(known);
                format!("unknown key; did you mean `{known}`?")
            } else {
                let places: Vec<&str> = SECTIONS
                    .iter()
                    .filter(|(_, other)| !std::ptr::eq(*other, keys) && other.contains(&key))
                    .map(|(place, _)| *place)
                    .collect();
                if places.is_empty() {
                    format!("unknown key; the keys here are {}", keys.join(", "))
                } else {
                    format!(
                        "not a key here; it belongs {}: check its indentation",
                        places.join(" or ")
                    )
                }
            };
            self.problems.add(at, message);
        }
        section
    }

    /// The value of a required key, reporting it missing (unless an unknown key was taken for
    /// it, which says so already) or empty.
    pub(super) fn required<'v>(&mut self, s: &Section<'v>, key: &str) -> Option<&'v Value> {
        self.required_as(s, key, example(key))
    }

    /// [`Self::required`] with the line to write given (for a key whose usual example is
    /// another section's, such as an indicator's `name`).
    pub(super) fn required_as<'v>(
        &mut self,
        s: &Section<'v>,
        key: &str,
        e_g: &str,
    ) -> Option<&'v Value> {
        let value = s.get(key);
        if value.is_none() {
            if s.has(key) {
                self.problems
                    .add(s.child(key), format!("is empty: write e.g. {e_g}"));
            } else if !s.suggested.contains(&key) {
                self.problems
                    .add(s.path.clone(), format!("missing `{key}`: add e.g. {e_g}"));
            }
        }
        value
    }

    /// Text where text is expected; a number or `true` gets the quotes that make it text.
    pub(super) fn text(&mut self, s: &Section<'_>, key: &str) -> Option<String> {
        match s.get(key)? {
            // The key path only for a problem (each fund has four texts).
            Value::String(text) => Some(text.clone()),
            value => self.text_value(value, &s.child(key), key),
        }
    }

    pub(super) fn text_value(&mut self, value: &Value, path: &str, key: &str) -> Option<String> {
        let message = match value {
            Value::String(text) => return Some(text.clone()),
            Value::Number(_) | Value::Bool(_) => format!(
                "{} is read as a {}: put it in quotes to make it text, e.g. \"{}\"",
                describe(value),
                if value.is_bool() {
                    "yes/no value"
                } else {
                    "number"
                },
                describe(value)
            ),
            other => format!(
                "{} was given: write one value, e.g. {}",
                describe(other),
                example(key)
            ),
        };
        self.problems.add(path, message);
        None
    }

    /// A whole number from `min` to `max`.
    pub(super) fn whole(&mut self, s: &Section<'_>, key: &str, min: i64, max: i64) -> Option<i64> {
        let value = s.get(key)?;
        let message = match value {
            Value::Number(n) => match n.as_i64() {
                Some(n) if (min..=max).contains(&n) => return Some(n),
                Some(n) => format!(
                    "{n} is out of range: write a whole number from {min} to {max}, e.g. {}",
                    example(key)
                ),
                None => format!("{n} is not a whole number: write e.g. {}", example(key)),
            },
            Value::String(text) if text.trim().parse::<i64>().is_ok() => format!(
                "{text:?} is in quotes: write the number without them, e.g. {}",
                example(key)
            ),
            other => format!(
                "{} is not a number: write a whole number in digits, e.g. {}",
                describe(other),
                example(key)
            ),
        };
        self.problems.add(s.child(key), message);
        None
    }

    pub(super) fn flag(&mut self, s: &Section<'_>, key: &str) -> Option<bool> {
        let value = s.get(key)?;
        if let Value::Bool(b) = value {
            return Some(*b);
        }
        let meant = match value.as_str().map(|t| t.trim().to_lowercase()).as_deref() {
            Some("yes" | "on" | "y" | "是" | "开" | "true") => " (for yes, write true)",
            Some("no" | "off" | "n" | "否" | "关" | "false") => " (for no, write false)",
            _ => "",
        };
        self.problems.add(
            s.child(key),
            format!(
                "{} is not true or false: write {key}: true or {key}: false{meant}",
                describe(value)
            ),
        );
        None
    }

    /// A duration as text (`7d`); a bare number is refused with the units it may have meant.
    pub(super) fn duration(&mut self, s: &Section<'_>, key: &str) -> Option<String> {
        match s.get(key)? {
            Value::Number(n) => {
                self.problems.add(
                    s.child(key),
                    format!(
                        "{n} has no unit: write {n}d for days, {n}h for hours or {n}m for minutes"
                    ),
                );
                None
            }
            value => self.text_value(value, &s.child(key), key),
        }
    }

    /// The items of a list (with their indexes); a single value where a list belongs is
    /// refused with the list to write.
    pub(super) fn list<'v>(&mut self, s: &Section<'v>, key: &str) -> Vec<(usize, &'v Value)> {
        let Some(value) = s.get(key) else {
            return Vec::new();
        };
        let message = match value {
            Value::Sequence(items) => return items.iter().enumerate().collect(),
            _ if key == "funds" => format!(
                "{} was given: write a list under `funds:`, each fund starting with `- `, e.g. \
                 - {{id: network-governance, code: \"13020225P00901410001D\", name: …, year: \
                 2025, budget: 15.00万元}}",
                describe(value)
            ),
            _ if key == "rules" => format!(
                "{} was given: write a list under `rules:`, each rule starting with `- `, e.g. \
                 - {{level: 橙, behind: time, points: 15, basis: 区财政局预算执行通报}}",
                describe(value)
            ),
            _ if key == "items" => format!(
                "{} was given: write a list under `items:`, each indicator starting with `- `, \
                 e.g. - {{id: yq-reports, tier1: 产出, tier2: 数量, name: 上报涉唐舆情数量, \
                 comparator: \"≥\", target: 1000, unit: 条, progress: cumulative-time}}",
                describe(value)
            ),
            _ if key == "plan" || key == "milestones" => format!(
                "{} was given: write a list under `{key}:`, each milestone starting with `- `, \
                 e.g. - {{by: \"06-30\", share: 50%}}",
                describe(value)
            ),
            Value::String(text) => {
                let items: Vec<String> = text
                    .split([',', '，', ';', '；', '、'])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(flow_item)
                    .collect();
                format!(
                    "{} is a single value: write a list, even of one item: {key}: [{}]",
                    describe(value),
                    items.join(", ")
                )
            }
            other => format!(
                "{} was given: write a list, e.g. {}",
                describe(other),
                example(key)
            ),
        };
        self.problems.add(s.child(key), message);
        Vec::new()
    }

    /// A list of texts; other items are reported at their index.
    pub(super) fn texts(&mut self, s: &Section<'_>, key: &str) -> Texts {
        let items = self.list(s, key);
        if items.is_empty() {
            // Most funds have no aliases, notify or escalate: no key path to format.
            return Texts::new();
        }
        let path = s.child(key);
        items
            .into_iter()
            .filter_map(|(i, v)| {
                let at = format!("{path}[{i}]");
                if key == "subtotal_words" && v.is_number() {
                    // Quoting it would not help: a bare number is refused as a word anyway.
                    self.problems.add(
                        at,
                        format!(
                            "{} is a number: a subtotal word is the text of a subtotal row, \
                             e.g. 当前合计",
                            describe(v)
                        ),
                    );
                    return None;
                }
                self.text_value(v, &at, key).map(|t| (i, t))
            })
            .collect()
    }
}

/// The refusal of a `password` key; the value is never shown.
pub(in crate::config) const PASSWORD: &str = "the password must not be written in config.yaml: put it in a \
     file named by `password_file` (or a systemd credential), or set SPENDWATCH_SMTP_PASSWORD, \
     and delete this key";

/// A YAML value as the user wrote it, for messages.
pub(in crate::config) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "an empty value".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".to_owned(),
        Value::Mapping(_) => "a section of `key: value` lines".to_owned(),
        Value::Tagged(t) => format!("a value tagged {} (remove the tag)", t.tag),
    }
}

/// `text` as an item of a `[…]` list: in quotes when YAML would read it otherwise.
fn flow_item(text: &str) -> String {
    let plain = !text.is_empty()
        && !text.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_whitespace())
        && !text.contains(|c: char| ",[]{}".contains(c))
        && !text.contains(": ")
        && !text.contains(" #");
    if plain {
        text.to_owned()
    } else {
        format!("{text:?}")
    }
}
