//! What is wrong with a config file: each [`Problem`] with its line and key path, the
//! [`ConfigError`] a command fails with, and the collection the readers add to as they go
//! (each problem once, sorted as the keys are in the file).

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a config file: where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line (from 1) when it is known: syntax problems have one, key problems usually not.
    pub line: Option<usize>,
    /// The key path (`funds[1].budget`); empty for whole-file problems.
    pub path: String,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl Problem {
    pub(super) fn at(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            line: None,
            path: path.into(),
            message: message.into(),
        }
    }

    pub(super) fn on_line(line: usize, message: impl Into<String>) -> Problem {
        Problem {
            line: Some(line),
            path: String::new(),
            message: message.into(),
        }
    }
}

/// Why a config could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The file could not be read at all (missing, a folder, no permission, not text in
    /// UTF-8): nothing in it was checked.
    Unreadable {
        /// The config file as given.
        file: PathBuf,
        /// Why it could not be read, in English, for the end of the message.
        reason: String,
    },
    /// The file was read; these are all its problems, each once.
    Invalid {
        /// The config file as given.
        file: PathBuf,
        /// Every problem found, each once, in the order of the keys in the file.
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    /// The config file the error is about, as given on the command line or in the environment.
    pub fn file(&self) -> &Path {
        match self {
            ConfigError::Unreadable { file, .. } | ConfigError::Invalid { file, .. } => file,
        }
    }

    /// The problems of an invalid file; none for an unreadable one.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Unreadable { .. } => &[],
            ConfigError::Invalid { problems, .. } => problems,
        }
    }

    /// One line for the end of a failed command: `the config is invalid` or `the config file
    /// cannot be read`.
    pub fn summary(&self) -> &'static str {
        match self {
            ConfigError::Unreadable { .. } => "the config file cannot be read",
            ConfigError::Invalid { .. } => "the config is invalid",
        }
    }
}

impl fmt::Display for ConfigError {
    /// One line per problem: `file:line: key.path: message`, leaving out what is not known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file().display();
        match self {
            ConfigError::Unreadable { reason, .. } => {
                write!(f, "{file}: cannot read the config file: {reason}")
            }
            ConfigError::Invalid { problems, .. } => {
                for (i, p) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{file}")?;
                    if let Some(line) = p.line {
                        write!(f, ":{line}")?;
                    }
                    if !p.path.is_empty() {
                        write!(f, ": {}", p.path)?;
                    }
                    write!(f, ": {}", p.message)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found so far. A problem is kept once however often it is found (the shared
/// plan is checked for every fund), and a key whose value was refused is not judged again.
#[derive(Debug, Default)]
pub(super) struct Problems(pub(super) Vec<Problem>);

impl Problems {
    pub(super) fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Problem::at(path, message));
    }

    pub(super) fn push(&mut self, problem: Problem) {
        if !self.0.contains(&problem) {
            self.0.push(problem);
        }
    }

    /// Whether a problem was reported at `path` or inside it (`funds` covers `funds[0].id`).
    pub(super) fn reported_at(&self, path: &str) -> bool {
        self.0.iter().any(|p| {
            p.path == path
                || p.path
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        })
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Puts the problems in the order of the keys in the file (a missing key after the keys of
    /// its section), whichever check found them.
    pub(super) fn sort_as_in(&mut self, tree: &serde_yaml::Value) {
        // Every key's path, built to rank the problems: nothing to rank with fewer than two
        // (a valid config of a thousand funds would build 8,000 paths for nothing).
        if self.0.len() < 2 {
            return;
        }
        fn walk(value: &serde_yaml::Value, path: &str, out: &mut Vec<String>) {
            match value {
                serde_yaml::Value::Mapping(map) => {
                    for (k, v) in map {
                        let key = k.as_str().map_or_else(|| format!("{k:?}"), str::to_owned);
                        let child = if path.is_empty() {
                            key
                        } else {
                            format!("{path}.{key}")
                        };
                        out.push(child.clone());
                        walk(v, &child, out);
                    }
                }
                serde_yaml::Value::Sequence(items) => {
                    for (i, v) in items.iter().enumerate() {
                        let child = format!("{path}[{i}]");
                        out.push(child.clone());
                        walk(v, &child, out);
                    }
                }
                _ => {}
            }
        }
        let mut order = vec![String::new()];
        walk(tree, "", &mut order);
        let rank = |path: &str| {
            // The last key in file order that is this path or contains it; past its section's
            // keys when the path itself is not in the file (a missing key).
            let inside = |outer: &str, inner: &str| {
                outer.is_empty()
                    || inner
                        .strip_prefix(outer)
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            };
            match order.iter().position(|p| p == path) {
                Some(i) => (i, 0),
                None => {
                    let section = order.iter().rposition(|p| inside(p, path)).unwrap_or(0);
                    let end = order[section + 1..]
                        .iter()
                        .position(|p| !inside(&order[section], p))
                        .map_or(order.len(), |i| section + 1 + i);
                    (end, 1)
                }
            }
        };
        self.0.sort_by_cached_key(|p| rank(&p.path));
    }
}
