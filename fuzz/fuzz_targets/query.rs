//! Fuzzes the query parser on any UTF-8 string, in both the default (AND) and `--any`
//! modes; it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(query) = std::str::from_utf8(data) {
        let _ = std::hint::black_box(medlit::query::parser::parse(query, false));
        let _ = std::hint::black_box(medlit::query::parser::parse(query, true));
    }
});
