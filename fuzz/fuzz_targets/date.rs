//! Dates: any text is a calendar day or a message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(day) = spendwatch::ledger::parse_date(text) {
        // A day read is one that prints back to itself.
        assert_eq!(spendwatch::ledger::parse_date(&day.to_string()), Ok(day));
    }
});
