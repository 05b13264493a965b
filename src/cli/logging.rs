//! Logs on stderr: for a terminal, with time and colour; under systemd (`JOURNAL_STREAM` set),
//! without a timestamp of their own (the journal adds one) and with the `<N>` priority prefix
//! journald reads, so `journalctl -p warning` finds warnings and errors.
//!
//! Away from a terminal (the journal, a file, a pipe) every event is exactly one line: what a
//! field or message holds is shown with its line breaks, control and bidi characters escaped
//! ([`crate::report::shown`]), so a file named `a\r\nX: y.xlsx` cannot forge a journal line.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Sets up logging; `default` is the filter when `RUST_LOG` is not set.
pub(super) fn init(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let result = if std::env::var_os("JOURNAL_STREAM").is_some() {
        let format = OneLine {
            inner: Format::default()
                .without_time()
                .with_target(false)
                .with_ansi(false),
            priority: true,
        };
        builder.with_ansi(false).event_format(format).try_init()
    } else {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            builder.with_ansi(true).try_init()
        } else {
            let format = OneLine {
                inner: Format::default().with_target(false).with_ansi(false),
                priority: false,
            };
            builder.with_ansi(false).event_format(format).try_init()
        }
    };
    // Already initialised (a test harness calling run twice): keep the first.
    drop(result);
}

/// The default format, escaped to one line ([`crate::report::shown`]), behind a `<N>` syslog
/// priority when `priority`.
struct OneLine<T> {
    inner: Format<Full, T>,
    priority: bool,
}

impl<S, N, T> FormatEvent<S, N> for OneLine<T>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    T: FormatTime,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if self.priority {
            write!(writer, "<{}>", priority(*event.metadata().level()))?;
        }
        let mut line = String::new();
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        let line = line.strip_suffix('\n').unwrap_or(&line);
        writer.write_str(&crate::report::shown(line))?;
        writer.write_char('\n')
    }
}

/// The syslog priority journald reads from a `<N>` prefix.
fn priority(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}
