//! The config loader: any text is a config or a list of problems, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = spendwatch::config::parse(text, Path::new("config.yaml"), Path::new("/nonexistent"));
});
