//! The read-only dashboard the daemon serves (README, "The dashboard"): pages for officers
//! and leaders, a health page for the administrator, and `/healthz`, `/metrics` and
//! `/api/status` for machines.
//!
//! It reads what the daemon's checks left in the database, through a connection of its own
//! that cannot write (`PRAGMA query_only`), and never imports: a page shows the numbers the
//! last check worked with. Pages are computed on the blocking pool and kept until the
//! database, the config, the daemon's state or the day changes ([`cache`]), so a thousand
//! funds cost one computation per change, not one per visitor.
//!
//! - [`server`]: the connection loop (header timeout, connection limit, graceful stop).
//! - [`guard`]: GET and HEAD only, the trusted proxy, security headers, the request timeout.
//! - [`pages`]: the HTML (maud: escaped by default), [`metrics`]: the Prometheus text.

mod cache;
mod guard;
mod metrics;
mod pages;
mod server;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::watch;

use crate::app::snapshot::Series::Dropped;
use crate::config::Config;
use crate::store::{Store, StoreError};
pub use server::{bind, serve};

/// What the daemon tells the dashboard about itself (the health page, `/healthz`, `/metrics`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonState {
    /// When the daemon started.
    pub started: Option<DateTime<Utc>>,
    /// The last check, done or failed; `None` until the first one ends.
    pub last_check: Option<CheckOutcome>,
    /// When the next check is planned.
    pub next_check: Option<DateTime<Utc>>,
    /// When the next monthly digest is planned; `None` when it is off.
    pub next_digest: Option<DateTime<Utc>>,
}

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// The moment it ran for.
    pub at: DateTime<Utc>,
    /// Why it failed, as logged; `None` when it succeeded.
    pub error: Option<String>,
    /// How many emails it queued.
    pub emails: usize,
}

/// The current moment, as the daemon's clock says.
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What the handlers share.
#[derive(Clone)]
struct Web(Arc<Inner>);

struct Inner {
    config: watch::Receiver<Arc<Config>>,
    daemon: watch::Receiver<DaemonState>,
    now: Now,
    /// The read-only connection, opened at the first request that needs it (the daemon
    /// creates and migrates the database first); `None` until then or after a failure.
    store: Mutex<Option<Store>>,
    cache: Mutex<cache::Cache>,
    /// The last `data_version` read and when: within [`DATA_VERSION_FRESH`] of it, a kept
    /// page is answered from the cache on the connection's own task, without the blocking
    /// pool or SQLite (under load, the hop to a blocking thread and back was most of a
    /// cached answer's cost).
    seen: Mutex<Option<(Instant, i64)>>,
}

/// How long a read of `data_version` stands for the database's state: a commit by another
/// process shows at most this late.
const DATA_VERSION_FRESH: Duration = Duration::from_millis(100);

impl Web {
    fn new(
        config: watch::Receiver<Arc<Config>>,
        daemon: watch::Receiver<DaemonState>,
        now: Now,
    ) -> Web {
        Web(Arc::new(Inner {
            config,
            daemon,
            now,
            store: Mutex::new(None),
            cache: Mutex::new(cache::Cache::default()),
            seen: Mutex::new(None),
        }))
    }

    /// Runs `work` on the blocking pool with the reader connection, the config in effect and
    /// the daemon's state; a connection that failed is opened again next time.
    async fn with_store<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store, &Arc<Config>, &DaemonState) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, WebError> {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let config = inner.config.borrow().clone();
            let daemon = inner.daemon.borrow().clone();
            let mut slot = inner
                .store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if slot
                .as_ref()
                .is_none_or(|s| s.path() != config.database.display().to_string())
            {
                *slot = Some(Store::open_reader(&config.database)?);
                // `data_version` is per connection: a new one may start at the old value.
                lock(&inner.cache).clear();
            }
            let Some(store) = slot.as_ref() else {
                return Err(WebError::Internal("no database".to_owned()));
            };
            let result = work(store, &config, &daemon);
            if matches!(result, Err(WebError::Store(_))) {
                *slot = None;
            }
            result
        })
        .await
        .unwrap_or_else(|e| Err(WebError::Internal(e.to_string())))
    }

    /// The page at `key`, from the cache while nothing it depends on changed, else made by
    /// `make` and kept.
    async fn cached(
        &self,
        key: String,
        make: impl FnOnce(&Store, &Arc<Config>, &DaemonState, NaiveDate) -> Result<Page, WebError>
        + Send
        + 'static,
    ) -> Response {
        let inner = self.0.clone();
        let today = self.today();
        let recent = lock(&inner.seen).filter(|(at, _)| at.elapsed() < DATA_VERSION_FRESH);
        if let Some((_, data)) = recent {
            let stamp = cache::Stamp {
                data,
                config: inner.config.borrow().clone(),
                daemon: inner.daemon.borrow().clone(),
                today,
            };
            if let Some(page) = lock(&inner.cache).get(&key, &stamp) {
                return page.response();
            }
        }
        let result = self
            .with_store(move |store, config, daemon| {
                let data = store.data_version()?;
                *lock(&inner.seen) = Some((Instant::now(), data));
                let stamp = cache::Stamp {
                    data,
                    config: config.clone(),
                    daemon: daemon.clone(),
                    today,
                };
                if let Some(page) = lock(&inner.cache).get(&key, &stamp) {
                    return Ok((page, false));
                }
                let page = Arc::new(make(store, config, daemon, today)?.compressed());
                lock(&inner.cache).put(key, stamp, page.clone());
                Ok((page, true))
            })
            .await;
        match result {
            Ok((page, made)) => {
                if made {
                    // Making a page (an overview of 1,000 funds: 12.6 MiB) leaves its freed
                    // buffers resident in the arena of the thread that made it, and the code
                    // that made it mapped; given back beside the answer rather than before it.
                    crate::memory::give_back_freed_soon();
                    crate::memory::unmap_code_when_quiet();
                }
                page.response()
            }
            Err(e) => e.into_response(),
        }
    }

    /// The as-of day now: the local date in the config's time zone.
    fn today(&self) -> NaiveDate {
        let zone = self.0.config.borrow().timezone.clone();
        (self.0.now)().with_timezone(&zone).date_naive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A made page: its bytes and type.
#[derive(Debug)]
struct Page {
    content_type: &'static str,
    body: axum::body::Bytes,
    status: StatusCode,
    /// Whether `body` is gzip-compressed (pages in the cache are: see [`Page::compressed`]).
    gzip: bool,
}

impl Page {
    fn html(markup: maud::Markup) -> Page {
        Page {
            content_type: "text/html; charset=utf-8",
            body: markup.into_string().into(),
            status: StatusCode::OK,
            gzip: false,
        }
    }

    /// The page with its body gzip-compressed, as it is kept and sent: the overview of a
    /// thousand funds is a megabyte or two of repetitive markup that compresses about
    /// sixfold, so the cache holds six times more pages in the same memory and a busy
    /// overview is not limited by copying megabytes per visitor. A client that does not
    /// accept gzip gets the page decompressed ([`guard`]).
    fn compressed(self) -> Page {
        if self.gzip {
            return self;
        }
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(self.body.len() / 4),
            flate2::Compression::default(),
        );
        match std::io::Write::write_all(&mut encoder, &self.body).and_then(|()| encoder.finish()) {
            Ok(gz) => Page {
                body: gz.into(),
                gzip: true,
                ..self
            },
            Err(_) => self,
        }
    }

    fn response(&self) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if self.gzip {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response
    }
}

/// Why a request got no page.
#[derive(Debug, thiserror::Error)]
enum WebError {
    /// A query parameter is wrong: 400 with what to write.
    #[error("{0}")]
    BadRequest(String),
    /// No such fund: 404.
    #[error("{0}")]
    NotFound(String),
    /// The database cannot be read: 503 (the daemon may be migrating or the disk failing).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug or a panic on the blocking pool: 500.
    #[error("{0}")]
    Internal(String),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, text) = match &self {
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.clone()),
            WebError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
            WebError::Store(e) => {
                tracing::warn!(error = %e, "dashboard: cannot read the database");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "暂时无法读取数据库，请稍后刷新；如持续出现，请管理员查看 journalctl -u spendwatch"
                        .to_owned(),
                )
            }
            WebError::Internal(e) => {
                tracing::error!(error = %e, "dashboard: internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "内部错误，请管理员查看 journalctl -u spendwatch".to_owned(),
                )
            }
        };
        let page = Page {
            status,
            ..Page::html(pages::error_page(status, &text))
        };
        page.response()
    }
}

/// The highest page number taken (a million pages of 50 entries: more than any fund has), so
/// that the offset cannot overflow.
const MAX_PAGE: u64 = 1_000_000;

/// The query parameters pages understand, checked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Params {
    /// `as_of=YYYY-MM-DD`: the day to show, like `status --as-of`.
    as_of: Option<NaiveDate>,
    /// `sort=gap`: the overview ordered by the gap to 序时, furthest behind first.
    sort_by_gap: bool,
    /// `page=N` (from 1): the page of a fund's entries.
    page: u64,
}

impl Params {
    fn parse(raw: Option<&str>) -> Result<Params, WebError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|_| WebError::BadRequest("网址中的参数无法识别".to_owned()))?;
        let mut params = Params {
            page: 1,
            ..Params::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "as_of" if !value.is_empty() => {
                    params.as_of =
                        Some(NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| {
                            WebError::BadRequest(format!(
                                "as_of={} 不是有效日期：请写成 as_of=2025-07-15",
                                pages::shown(&value)
                            ))
                        })?);
                }
                "sort" => params.sort_by_gap = value == "gap",
                "page" => {
                    params.page = value
                        .parse()
                        .ok()
                        .filter(|p| (1..=MAX_PAGE).contains(p))
                        .ok_or_else(|| {
                            WebError::BadRequest(format!(
                                "page={} 不是页码：请写从 1 起的整数",
                                pages::shown(&value)
                            ))
                        })?;
                }
                _ => {}
            }
        }
        Ok(params)
    }

    /// The parameters as a canonical query string (`as_of=…&sort=gap&page=2`), for links
    /// and the cache key.
    fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(day) = self.as_of {
            parts.push(format!("as_of={day}"));
        }
        if self.sort_by_gap {
            parts.push("sort=gap".to_owned());
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
    }
}

/// The router: every page and endpoint, behind the guard.
fn router(web: Web, access: guard::Access) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/fund/{id}", get(fund))
        .route("/alerts", get(alerts))
        .route("/health", get(health))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/api/status", get(api_status))
        .route("/assets/style.css", get(style))
        .fallback(not_found)
        .with_state(web)
        .layer(axum::middleware::from_fn_with_state(access, guard::guard))
}

async fn overview(State(web): State<Web>, RawQuery(raw): RawQuery) -> Response {
    let params = match Params::parse(raw.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let key = format!("/?{}", params.query());
    web.cached(key, move |store, config, _, today| {
        let day = params.as_of.unwrap_or(today);
        // Kept: each fund's row draws its spending line.
        let snapshot = crate::app::snapshot::read(store, config, day)?;
        Ok(Page::html(pages::overview::page(
            config, &snapshot, &params,
        )))
    })
    .await
}

async fn fund(State(web): State<Web>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Response {
    let params = match Params::parse(raw.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let key = format!("/fund/{id}?{}", params.query());
    web.cached(key, move |store, config, _, today| {
        let day = params.as_of.unwrap_or(today);
        let Some(snapshot) = crate::app::snapshot::read_fund(store, config, &id, day)? else {
            return Err(WebError::NotFound(format!(
                "没有编号为 {} 的资金：请从总览页进入",
                pages::shown(&id)
            )));
        };
        let total = store.fund_entry_count(&id, day)?;
        let pages = pages::fund::pages(total);
        if params.page > pages {
            return Err(WebError::NotFound(format!(
                "明细只有 {pages} 页：请从第 1 页翻起"
            )));
        }
        let offset = (params.page - 1) * pages::fund::PAGE_SIZE;
        let entries = store.fund_entries(&id, day, offset, pages::fund::PAGE_SIZE)?;
        Ok(Page::html(pages::fund::page(
            config, &snapshot, &entries, total, &params,
        )))
    })
    .await
}

async fn alerts(State(web): State<Web>, RawQuery(raw): RawQuery) -> Response {
    let params = match Params::parse(raw.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    web.cached(
        format!("/alerts?{}", params.query()),
        move |store, config, _, today| {
            let rows = store.alert_rows()?;
            let events = store.alert_events(pages::alerts::HISTORY)?;
            let explanations = store.explanations()?;
            Ok(Page::html(pages::alerts::page(
                config,
                &rows,
                &events,
                &explanations,
                params.as_of.unwrap_or(today),
                &params,
            )))
        },
    )
    .await
}

async fn health(State(web): State<Web>) -> Response {
    web.cached("/health".to_owned(), |store, config, daemon, _| {
        let facts = pages::health::Facts::read(store)?;
        Ok(Page::html(pages::health::page(config, daemon, &facts)))
    })
    .await
}

/// 200 `ok` when the last check succeeded and mail is not failing; 503 with the reason
/// otherwise (a monitoring system shows the body).
async fn healthz(State(web): State<Web>) -> Response {
    let result = web
        .with_store(|store, _, daemon| Ok((store.outbox_health()?, daemon.clone())))
        .await;
    let (status, text) = match result {
        Ok((outbox, daemon)) => match healthz_problem(&daemon, &outbox) {
            None => (StatusCode::OK, "ok\n".to_owned()),
            Some(problem) => (StatusCode::SERVICE_UNAVAILABLE, format!("{problem}\n")),
        },
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database not readable: {e}\n"),
        ),
    };
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Why the daemon is unhealthy, in a line for monitoring; `None` when it is healthy.
fn healthz_problem(daemon: &DaemonState, outbox: &crate::store::OutboxHealth) -> Option<String> {
    match &daemon.last_check {
        None => return Some("starting: no check has finished yet".to_owned()),
        Some(CheckOutcome { error: Some(e), .. }) => {
            return Some(format!("last check failed: {}", pages::shown(e)));
        }
        Some(_) => {}
    }
    if outbox.failing() {
        return Some(format!(
            "mail failing: {} given up, {} waiting after a failed attempt; last error: {}",
            outbox.failed,
            outbox.retrying,
            pages::shown(outbox.last_error.as_deref().unwrap_or("-"))
        ));
    }
    None
}

async fn metrics_text(State(web): State<Web>) -> Response {
    web.cached("/metrics".to_owned(), |store, config, daemon, today| {
        let snapshot = crate::app::snapshot::read_as(store, config, today, Dropped)?;
        let outbox = store.outbox_health()?;
        let text = metrics::render(&metrics::Inputs {
            snapshot: &snapshot,
            outbox: &outbox,
            daemon,
            last_ledger_change: store.last_source_change()?,
        });
        Ok(Page {
            content_type: metrics::CONTENT_TYPE,
            body: text.into(),
            status: StatusCode::OK,
            gzip: false,
        })
    })
    .await
}

async fn api_status(State(web): State<Web>, RawQuery(raw): RawQuery) -> Response {
    let params = match Params::parse(raw.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let key = format!("/api/status?{}", params.query());
    web.cached(key, move |store, config, _, today| {
        let snapshot =
            crate::app::snapshot::read_as(store, config, params.as_of.unwrap_or(today), Dropped)?;
        Ok(Page {
            content_type: "application/json",
            body: crate::report::status_json::status_json(&snapshot).into(),
            status: StatusCode::OK,
            gzip: false,
        })
    })
    .await
}

async fn style() -> Response {
    let mut response = pages::STYLE.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    response
}

async fn not_found() -> Response {
    WebError::NotFound("没有这个页面：请从总览页进入".to_owned()).into_response()
}

/// The address the dashboard listens on, as the journal says it.
pub fn describe(addr: SocketAddr) -> String {
    format!("http://{addr}/")
}

#[cfg(test)]
mod tests;
