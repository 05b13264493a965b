//! What every request passes before and after its handler: GET and HEAD only (the dashboard
//! changes nothing), the office reverse proxy when one is configured, a deadline, and the
//! security headers of every response.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;
use tracing::debug;

use super::pages;
use crate::config::Config;

/// A handler that takes longer than this (a database busy for long) answers 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The longest user name taken from the proxy's header.
const MAX_USER_CHARS: usize = 128;

/// No script at all, styles and images only from the dashboard itself (the SVG charts are
/// inline markup, not images), no framing, no forms posting anywhere, no base URL games.
pub(super) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Who may see the dashboard: the settings of `web:` in effect (they follow reloads).
#[derive(Clone)]
pub(super) struct Access(watch::Receiver<Arc<Config>>);

impl Access {
    pub(super) fn new(config: watch::Receiver<Arc<Config>>) -> Access {
        Access(config)
    }
}

/// The guard around every handler.
pub(super) async fn guard(
    State(access): State<Access>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut r = refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            "本页面只读：只接受 GET 和 HEAD 请求",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        r
    } else if let Err(reason) = admitted(&access, peer, request.headers()) {
        debug!(peer = %peer, path = %request.uri().path(), reason, "dashboard: request refused");
        refusal(
            StatusCode::FORBIDDEN,
            "无权访问：请通过单位的统一登录入口（反向代理）打开本页面",
        )
    } else {
        match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
            Ok(response) => response,
            Err(_) => refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "页面生成超时（数据库繁忙），请稍后刷新",
            ),
        }
    };
    secure(response.headers_mut());
    response
}

/// Whether the request may be answered: always without `web.trusted_proxies`; with them only
/// from one of those addresses and with a user name in `web.user_header`.
fn admitted(access: &Access, peer: SocketAddr, headers: &HeaderMap) -> Result<(), &'static str> {
    let config = access.0.borrow();
    let web = &config.web;
    if web.trusted_proxies.is_empty() {
        return Ok(());
    }
    if !web.trusted_proxies.contains(&peer.ip().to_canonical()) {
        return Err("not from a trusted proxy");
    }
    let user = headers
        .get(web.user_header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|u| !u.is_empty() && u.chars().count() <= MAX_USER_CHARS);
    match user {
        Some(user) => {
            debug!(user = %pages::shown(user), "dashboard: request from a signed-in user");
            Ok(())
        }
        None => Err("the proxy sent no user name"),
    }
}

fn refusal(status: StatusCode, text: &str) -> Response {
    let mut response = (status, pages::error_page(status, text).into_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The security headers every response carries.
fn secure(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Figures change with every check: a browser or proxy must not show yesterday's.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}
