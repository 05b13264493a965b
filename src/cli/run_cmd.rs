//! `spendwatch run`: the daemon, with signals turned into control messages.
//!
//! SIGHUP reloads the config; SIGTERM and SIGINT stop after the transaction in flight.

use std::path::Path;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::Failure;
use crate::config::Config;
use crate::daemon::{self, Control, Deps};

pub(super) fn run(config_file: &Path, config: Config) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Each dashboard request waits for the one reader connection on a blocking thread:
        // without a cap, 50 visitors make 50 threads (and glibc arenas) that outlive them.
        .max_blocking_threads(8)
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let mut hangup = signal(SignalKind::hangup())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        tokio::spawn(async move {
            loop {
                let request = tokio::select! {
                    _ = hangup.recv() => Control::Reload,
                    _ = terminate.recv() => Control::Shutdown,
                    _ = interrupt.recv() => Control::Shutdown,
                };
                if control_tx.send(request).is_err() {
                    break;
                }
            }
        });
        daemon::run(config_file.to_owned(), config, Deps::system(), control_rx)
            .await
            .map_err(Failure::runtime)
    });
    // A send abandoned at the stop may still be in blocking work (a DNS lookup, a file
    // write); dropping the runtime would wait for it without limit, past systemd's
    // TimeoutStopSec. Its email stays leased and is sent after the next start.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// How long blocking work left at the stop may delay the exit.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(1);
