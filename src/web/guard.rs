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
        let gzip = accepts_gzip(request.headers());
        match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
            Ok(response) if !gzip && is_gzip(&response) => gunzip(response).await,
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

/// Whether `Accept-Encoding` lists gzip (or `*`) with a weight above 0.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && weight > 0.0
        })
}

fn is_gzip(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() == b"gzip")
}

/// `response` with its gzip body decompressed as it is sent, for a client that did not ask
/// for gzip.
async fn gunzip(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    // A kept page is one `Bytes`: collecting it copies nothing.
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(gz) => {
            parts.headers.remove(header::CONTENT_ENCODING);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, axum::body::Body::new(Gunzip::new(gz)))
        }
        Err(e) => {
            tracing::error!(error = %e, "dashboard: a kept page cannot be read");
            refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "内部错误，请管理员查看 journalctl -u spendwatch",
            )
        }
    }
}

/// A gzip body decompressed 64 KiB at a time as the connection takes it: a client that does
/// not accept gzip costs a decoder (about 40 KiB) while its page is sent, not a copy of the
/// page, and no worker is held for the whole page.
struct Gunzip {
    decoder: flate2::read::GzDecoder<std::io::Cursor<axum::body::Bytes>>,
    /// Bytes still to come, from the gzip trailer (the size modulo 2³², exact for a page):
    /// the answer carries a Content-Length rather than chunks.
    remaining: u64,
    done: bool,
}

impl Gunzip {
    const CHUNK: usize = 64 * 1024;

    fn new(gz: axum::body::Bytes) -> Gunzip {
        let remaining = gz
            .len()
            .checked_sub(4)
            .and_then(|at| gz.get(at..))
            .and_then(|t| <[u8; 4]>::try_from(t).ok())
            .map_or(0, |t| u64::from(u32::from_le_bytes(t)));
        Gunzip {
            decoder: flate2::read::GzDecoder::new(std::io::Cursor::new(gz)),
            remaining,
            done: false,
        }
    }
}

impl http_body::Body for Gunzip {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::io::Read as _;
        let mut chunk = vec![0; Gunzip::CHUNK];
        let mut filled = 0;
        while !self.done && filled < chunk.len() {
            match self.decoder.read(&mut chunk[filled..]) {
                Ok(0) => self.done = true,
                Ok(n) => filled += n,
                Err(e) => {
                    self.done = true;
                    return std::task::Poll::Ready(Some(Err(e)));
                }
            }
        }
        if filled == 0 {
            return std::task::Poll::Ready(None);
        }
        chunk.truncate(filled);
        self.remaining = self.remaining.saturating_sub(filled as u64);
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(chunk.into()))))
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_taken_when_the_client_lists_it_with_a_weight() {
        let accepts = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(
                    header::ACCEPT_ENCODING,
                    HeaderValue::from_str(v).expect("value"),
                );
            }
            accepts_gzip(&headers)
        };
        assert!(accepts(&["gzip, deflate, br"]));
        assert!(accepts(&["br;q=1.0, GZIP;q=0.5"]));
        assert!(accepts(&["*"]));
        assert!(accepts(&["identity", "gzip"]));
        assert!(!accepts(&[]));
        assert!(!accepts(&["br, deflate"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["gzip;q=0.000, identity"]));
        assert!(!accepts(&["x-gzip-not"]));
    }

    #[tokio::test]
    async fn a_kept_page_is_decompressed_for_a_client_without_gzip_with_its_length() {
        let page: String = (0..20_000)
            .map(|i| format!("<tr><td>{i}</td></tr>"))
            .collect();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, page.as_bytes()).expect("compress");
        let gz = encoder.finish().expect("compress");
        let body = Gunzip::new(gz.into());
        assert_eq!(
            http_body::Body::size_hint(&body).exact(),
            Some(page.len() as u64)
        );
        let bytes = axum::body::to_bytes(axum::body::Body::new(body), usize::MAX)
            .await
            .expect("body");
        assert!(bytes.len() > Gunzip::CHUNK, "sent in several chunks");
        assert_eq!(bytes, page.as_bytes());
    }
}
