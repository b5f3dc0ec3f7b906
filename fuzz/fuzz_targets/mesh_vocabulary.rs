//! Fuzzes the MeSH vocabulary readers (TSV, trees, ASCII, XML, detected from the content)
//! on any bytes; they must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(medlit::mesh::read::read(data));
});
