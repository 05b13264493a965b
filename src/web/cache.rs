//! Made pages, kept until something they were made from changes: the database (SQLite's
//! `data_version`), the config (a reload), the daemon's state (a check) or the day.
//!
//! Bounded by bytes ([`MAX_BYTES`]): the whole cache is let go when a page would pass the
//! bound, which is rare (the pages of one day) and simpler than an eviction order.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::{DaemonState, Page};
use crate::config::Config;

/// At most this many bytes of pages are kept (gzip-compressed): the overview of a thousand
/// funds is about 400 KB, so a handful of days and sort orders fit, and the daemon's memory
/// stays small.
const MAX_BYTES: usize = 4 << 20;

/// What a page was made from.
#[derive(Debug, Clone)]
pub(super) struct Stamp {
    /// `PRAGMA data_version` of the reader connection.
    pub data: i64,
    /// The config in effect (compared by identity: a reload makes a new one).
    pub config: Arc<Config>,
    /// The daemon's state.
    pub daemon: DaemonState,
    /// The as-of day of pages without `as_of`.
    pub today: NaiveDate,
}

impl PartialEq for Stamp {
    fn eq(&self, other: &Stamp) -> bool {
        self.data == other.data
            && Arc::ptr_eq(&self.config, &other.config)
            && self.daemon == other.daemon
            && self.today == other.today
    }
}

/// The pages, by path and canonical query.
#[derive(Debug, Default)]
pub(super) struct Cache {
    pages: HashMap<String, (Stamp, Arc<Page>)>,
    bytes: usize,
}

impl Cache {
    /// The page kept for `key` if it was made from `stamp`.
    pub(super) fn get(&self, key: &str, stamp: &Stamp) -> Option<Arc<Page>> {
        self.pages
            .get(key)
            .filter(|(made, _)| made == stamp)
            .map(|(_, page)| page.clone())
    }

    /// Lets every page go.
    pub(super) fn clear(&mut self) {
        self.pages.clear();
        self.bytes = 0;
    }

    /// Keeps `page` for `key`, made from `stamp`; pages made from another stamp go.
    pub(super) fn put(&mut self, key: String, stamp: Stamp, page: Arc<Page>) {
        let size = page.body.len() + key.len();
        if size > MAX_BYTES {
            return;
        }
        // Pages of an older stamp will not be asked for again.
        if self.pages.values().any(|(made, _)| *made != stamp) || self.bytes + size > MAX_BYTES {
            self.clear();
        }
        if let Some((_, old)) = self.pages.insert(key.clone(), (stamp, page)) {
            self.bytes -= old.body.len() + key.len();
        }
        self.bytes += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    fn config() -> Arc<Config> {
        Arc::new(
            crate::config::parse(
                "funds: [{id: a, code: C, name: 甲, year: 2025, budget: 1000}]\n",
                std::path::Path::new("config.yaml"),
                std::path::Path::new("/tmp"),
            )
            .expect("config"),
        )
    }

    fn page(text: &str) -> Arc<Page> {
        Arc::new(Page {
            content_type: "text/html",
            body: text.to_owned().into(),
            status: StatusCode::OK,
            gzip: false,
        })
    }

    #[test]
    fn a_page_is_kept_until_anything_it_was_made_from_changes() {
        let config = config();
        let stamp = Stamp {
            data: 1,
            config: config.clone(),
            daemon: DaemonState::default(),
            today: NaiveDate::from_ymd_opt(2025, 7, 15).expect("day"),
        };
        let mut cache = Cache::default();
        cache.put("/".to_owned(), stamp.clone(), page("a"));
        assert!(cache.get("/", &stamp).is_some());
        assert!(cache.get("/alerts", &stamp).is_none());
        let newer = Stamp {
            data: 2,
            ..stamp.clone()
        };
        assert!(cache.get("/", &newer).is_none(), "the database changed");
        let reloaded = Stamp {
            config: self::config(),
            ..stamp.clone()
        };
        assert!(
            cache.get("/", &reloaded).is_none(),
            "the config was reloaded"
        );
        let tomorrow = Stamp {
            today: stamp.today.succ_opt().expect("day"),
            ..stamp.clone()
        };
        assert!(cache.get("/", &tomorrow).is_none(), "the day changed");
        // A page of the new state lets the old ones go.
        cache.put("/x".to_owned(), newer.clone(), page("b"));
        assert!(cache.get("/", &stamp).is_none());
        assert_eq!(cache.bytes, 3);
    }

    #[test]
    fn the_cache_stays_within_its_bound() {
        let stamp = Stamp {
            data: 1,
            config: config(),
            daemon: DaemonState::default(),
            today: NaiveDate::from_ymd_opt(2025, 7, 15).expect("day"),
        };
        let mut cache = Cache::default();
        let big = "x".repeat(MAX_BYTES / 3);
        for i in 0..10 {
            cache.put(format!("/{i}"), stamp.clone(), page(&big));
            assert!(cache.bytes <= MAX_BYTES);
        }
        cache.put(
            "/huge".to_owned(),
            stamp.clone(),
            page(&"y".repeat(MAX_BYTES + 1)),
        );
        assert!(cache.get("/huge", &stamp).is_none(), "too large to keep");
    }
}
