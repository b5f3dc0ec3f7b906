//! Input formats. Each parser reads from an `impl BufRead` (never a path) and yields
//! `Result<Record, ParseError>` one record at a time, so one bad record is reported and
//! skipped while the records around it are kept. [`Format`] names a format and dispatches to
//! its parser; [`Format::detect`] guesses it from a file's first bytes.

pub mod abstract_page;
pub mod medline;

use std::fmt;
use std::io::BufRead;

use crate::record::Record;

/// Where in its source a record, or a problem with it, was found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Location {
    /// 1-based ordinal of the record in its file.
    pub record: Option<u64>,
    /// 1-based line where the record (or the problem) starts.
    pub line: Option<u64>,
    /// Byte offset of the problem in the (decompressed) input.
    pub byte: Option<u64>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(record) = self.record {
            parts.push(format!("record {record}"));
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(byte) = self.byte {
            parts.push(format!("byte {byte}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// A record that could not be parsed: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {reason}")]
pub struct ParseError {
    /// Where the record starts (or where parsing failed).
    pub location: Location,
    /// What is wrong, in words for the user.
    pub reason: String,
}

/// The input formats medlit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// PubMed abstract-page text: title, DOI, `- Author:`, `- MeSH:`, …, `Abstract:`.
    AbstractPage,
}

impl Format {
    /// Guesses the format of a file from its first bytes; `None` when nothing fits.
    pub fn detect(head: &[u8]) -> Option<Format> {
        let text = String::from_utf8_lossy(head);
        abstract_page::looks_like(&text).then_some(Format::AbstractPage)
    }

    /// Parses records from `reader`, one `Result` per record.
    pub fn parse<'r, R: BufRead + 'r>(
        self,
        reader: R,
    ) -> Box<dyn Iterator<Item = Result<Record, ParseError>> + 'r> {
        match self {
            Format::AbstractPage => Box::new(abstract_page::AbstractPageReader::new(reader)),
        }
    }

    /// Human-readable name of the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::AbstractPage => "abstract-page",
        }
    }
}
