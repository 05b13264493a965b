//! The connection loop: axum's router served over hyper's HTTP/1.1, with what `axum::serve`
//! leaves out — a deadline for a request's header (a client that connects and sends nothing
//! holds no connection for long), a cap on open connections (beyond it, new ones wait in the
//! kernel's backlog), a cap on a connection's life, and a graceful stop on the daemon's
//! shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower_service::Service as _;
use tracing::{debug, info, warn};

use super::{DaemonState, Now, Web, guard, router};
use crate::config::Config;

/// Open connections at most; a 51st client waits until one closes.
pub(super) const MAX_CONNECTIONS: usize = 64;
/// A request's header must arrive within this (also between requests of a kept-alive
/// connection).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection is closed after this long, whatever it does.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(300);
/// How long a stop waits for requests in flight.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// Binds the dashboard's address (at start: a port in use stops the daemon with a message,
/// rather than a daemon without the page the administrator configured).
///
/// # Errors
/// The address cannot be bound (in use, not an address of this machine, a port below 1024
/// without the capability).
pub fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Serves the dashboard on `listener` until `stop` turns true. `config` follows reloads
/// (a changed `web.listen` takes effect at the next start); `daemon` is the daemon's state.
pub async fn serve(
    listener: std::net::TcpListener,
    config: watch::Receiver<Arc<Config>>,
    daemon: watch::Receiver<DaemonState>,
    now: Now,
    mut stop: watch::Receiver<bool>,
) {
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            warn!(error = %e, "dashboard: cannot use its socket; no dashboard");
            return;
        }
    };
    let access = guard::Access::new(config.clone());
    let app = router(Web::new(config, daemon, now), access);
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    loop {
        let Ok(permit) = connections.clone().acquire_owned().await else {
            break;
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors, say: wait rather than spin.
                warn!(error = %e, "dashboard: cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().call(request.map(axum::body::Body::new))
            },
        );
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            match tokio::time::timeout(CONNECTION_LIFETIME, connection).await {
                Ok(Err(e)) => debug!(peer = %peer, error = %e, "dashboard connection ended"),
                Err(_) => debug!(peer = %peer, "dashboard connection closed after its lifetime"),
                Ok(Ok(())) => {}
            }
            drop(permit);
        });
    }
    if tokio::time::timeout(STOP_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        debug!("dashboard: connections still open at stop were closed");
    }
    info!("dashboard stopped");
}
