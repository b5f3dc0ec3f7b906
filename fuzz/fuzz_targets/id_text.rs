//! Fuzzes the `ID<TAB>TEXT` parser: any bytes, every item consumed; it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medlit::formats::Format;

fuzz_target!(|data: &[u8]| {
    for item in Format::IdText.parse(data) {
        let _ = std::hint::black_box(item);
    }
});
