//! Amounts: any text either parses to 分 that print back to an amount parsing to the same 分,
//! or is refused; never a panic or an overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spendwatch::core::Money;

fuzz_target!(|text: &str| {
    if let Ok(money) = Money::parse(text) {
        let printed = money.to_string();
        assert_eq!(Money::parse(&printed), Ok(money), "{text:?} printed as {printed:?}");
    }
});
