//! MEDLINE tagged text (PubMed's `.nbib` / "MEDLINE" export). Placeholder: being written.

use std::io::{BufRead, Write};

use super::ParseError;
use crate::record::Record;

/// True when `head` looks like MEDLINE tagged text.
pub fn looks_like(head: &str) -> bool {
    head.lines().any(|l| l.starts_with("PMID- "))
}

/// Streaming MEDLINE reader.
pub struct MedlineReader<R> {
    reader: R,
}

impl<R: BufRead> MedlineReader<R> {
    /// Reads records from `reader`.
    pub fn new(reader: R) -> Self {
        MedlineReader { reader }
    }
}

impl<R: BufRead> Iterator for MedlineReader<R> {
    type Item = Result<Record, ParseError>;
    fn next(&mut self) -> Option<Self::Item> {
        let _ = &mut self.reader;
        None
    }
}

/// Writes one record as MEDLINE tagged text, followed by a blank line.
pub fn write_record(out: &mut dyn Write, record: &Record) -> std::io::Result<()> {
    writeln!(out, "PMID- {}", record.pmid.as_deref().unwrap_or(&record.id))?;
    writeln!(out)
}
