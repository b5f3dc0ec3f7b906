//! Fuzzes the decoder of the record stored in the index on any bytes (a damaged index); it
//! must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(medlit::record::stored::decode(data));
});
