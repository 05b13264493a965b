//! The `spendwatch` command: parse the command line, run it, map the outcome to an exit status.
//!
//! Exit status ([`ExitKind`]): 0 success; 1 runtime failure (database, I/O); 2 bad usage or
//! invalid config/input. `main` does not return `Result` so that the status and the message are
//! ours.

use std::process::ExitCode;

use spendwatch::cli::ExitKind;

fn main() -> ExitCode {
    let kind = match spendwatch::cli::run(std::env::args_os()) {
        Ok(()) => ExitKind::Ok,
        Err(failure) => {
            let message = failure.to_string();
            if !message.is_empty() {
                eprintln!("{message}");
            }
            failure.kind()
        }
    };
    ExitCode::from(kind.code())
}
