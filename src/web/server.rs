//! The connection loop: axum's router served over hyper's HTTP/1.1, with what `axum::serve`
//! leaves out — a deadline for a request's header (a client that connects and sends nothing
//! holds no connection for long), one for a write that makes no progress (a client that stops
//! reading its answer neither), a cap on open connections (beyond it, new ones wait in the
//! kernel's backlog), a cap on a connection's life, and a graceful stop on the daemon's
//! shutdown.

use std::future::Future as _;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower_service::Service as _;
use tracing::{debug, info, warn};

use super::{DaemonState, Now, Web, guard, router};
use crate::config::Config;

/// Open connections at most; a 65th client waits until one closes.
pub(super) const MAX_CONNECTIONS: usize = 64;
/// A write that makes no progress for this long (the client stopped reading) ends the
/// connection.
const WRITE_STALL: Duration = Duration::from_secs(10);
/// A request's header must arrive within this (also between requests of a kept-alive
/// connection).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection is closed after this long, whatever it does (pages are small: a browser
/// simply opens another).
const CONNECTION_LIFETIME: Duration = Duration::from_secs(60);
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
        // A stop is seen while all connections are busy too.
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stop.wait_for(|s| *s) => break,
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
            .serve_connection(TokioIo::new(Progressing::new(stream)), service);
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

/// A connection whose writes must make progress: a client that stops reading its answer is
/// let go after [`WRITE_STALL`] instead of holding one of the [`MAX_CONNECTIONS`].
struct Progressing {
    io: TcpStream,
    /// Set while a write waits; cleared by any progress.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Progressing {
    fn new(io: TcpStream) -> Progressing {
        Progressing { io, stalled: None }
    }

    /// `polled` of a write: progress clears the deadline; waiting starts it, and past it the
    /// write fails.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match polled {
            Poll::Ready(result) => {
                self.stalled = None;
                Poll::Ready(result)
            }
            Poll::Pending => {
                let deadline = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(WRITE_STALL)));
                match deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client stopped reading",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncRead for Progressing {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Progressing {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        this.watch(cx, polled)
    }

    /// Without it hyper copies every answer into a buffer of its own per connection before
    /// writing it (its "flatten" strategy): 50 clients of the 123 KB overview held 50 such
    /// copies. With it the cached page's bytes go to the socket as they are, with the header.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_flush(cx);
        this.watch(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
