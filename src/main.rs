//! The `spendwatch` command: parse the command line, run it, map the outcome to an exit status.
//!
//! Exit status: 0 success; 1 runtime failure (database, I/O); 2 bad usage or invalid
//! config/input. `main` does not return `Result` so that the status and the message are ours.

use std::process::ExitCode;

fn main() -> ExitCode {
    match spendwatch::cli::run(std::env::args_os()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let message = failure.to_string();
            if !message.is_empty() {
                eprintln!("{message}");
            }
            ExitCode::from(failure.exit_code())
        }
    }
}
