//! Input formats. Each parser reads from an `impl BufRead` (never a path) and yields one
//! `Result<Parsed, ParseError>` per record, so one bad record is reported and skipped while
//! the records around it are kept. [`Format`] names a format and dispatches to its parser;
//! [`Format::detect`] recognises it from a file's first bytes, whatever the file is called.

pub mod abstract_page;
pub mod chunks;
pub mod encoding;
pub mod jsonl;
pub mod lines;
pub mod medline;
pub mod pubmed_xml;

use std::fmt;
use std::io::BufRead;

use crate::record::Record;

/// Where in its source a record, or a problem with it, was found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Location {
    /// 1-based ordinal of the record in its file (or in its chunk of a large file).
    pub record: Option<u64>,
    /// 1-based line where the record (or the problem) starts.
    pub line: Option<u64>,
    /// Byte offset of the record (or the problem) in the decompressed input.
    pub byte: Option<u64>,
}

impl Location {
    /// This location moved into a chunk that starts at `offset` bytes and `lines` newlines
    /// into its file; the record ordinal is dropped, since it only counts within the chunk.
    pub fn shifted(self, offset: u64, lines: u64, whole_file: bool) -> Location {
        Location {
            record: if whole_file { self.record } else { None },
            line: self.line.map(|line| line + lines),
            byte: self.byte.map(|byte| byte + offset),
        }
    }
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

/// What a parser yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A record to index.
    Record(Box<Record>),
    /// PMIDs to delete from the index (PubMed XML `DeleteCitation`).
    Delete(Vec<String>),
}

/// The input formats medlit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// PubMed XML (`PubmedArticleSet`, `MedlineCitationSet`), as PubMed and the baseline files write it.
    PubmedXml,
    /// MEDLINE tagged text (`PMID- `, `TI  - `…), PubMed's `.nbib` export.
    Medline,
    /// JSON Lines, one medlit record per line (also BEIR `corpus.jsonl`).
    Jsonl,
    /// PubMed abstract-page text: title, DOI, `- Author:`, `- MeSH:`, …, `Abstract:`.
    AbstractPage,
    /// `ID<TAB>TEXT` lines, as NFCorpus `*.docs` files: the text becomes the abstract.
    IdText,
}

impl Format {
    /// Recognises the format from the first bytes of a (decompressed) file; `None` when
    /// nothing fits.
    pub fn detect(head: &[u8]) -> Option<Format> {
        let text = String::from_utf8_lossy(head);
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if pubmed_xml::looks_like(trimmed) {
            Some(Format::PubmedXml)
        } else if trimmed.starts_with('{') {
            Some(Format::Jsonl)
        } else if medline::looks_like(trimmed) {
            Some(Format::Medline)
        } else if abstract_page::looks_like(trimmed) {
            Some(Format::AbstractPage)
        } else if looks_like_id_text(trimmed) {
            Some(Format::IdText)
        } else {
            None
        }
    }

    /// Parses records from `bytes`, a whole input (or a chunk of whole records) in memory.
    /// The same as [`Format::parse`] on them, but PubMed XML is parsed where it lies.
    pub fn parse_bytes<'r>(
        self,
        bytes: &'r [u8],
    ) -> Box<dyn Iterator<Item = Result<Parsed, ParseError>> + Send + 'r> {
        match self {
            Format::PubmedXml => Box::new(pubmed_xml::PubmedXmlReader::over_bytes(bytes)),
            _ => self.parse(bytes),
        }
    }

    /// Parses records from `reader`.
    pub fn parse<'r, R: BufRead + Send + 'r>(
        self,
        reader: R,
    ) -> Box<dyn Iterator<Item = Result<Parsed, ParseError>> + Send + 'r> {
        fn boxed(record: Record) -> Parsed {
            Parsed::Record(Box::new(record))
        }
        match self {
            Format::PubmedXml => Box::new(pubmed_xml::PubmedXmlReader::new(reader)),
            Format::Medline => Box::new(medline::MedlineReader::new(reader).map(|r| r.map(boxed))),
            Format::Jsonl => Box::new(jsonl::JsonlReader::new(reader).map(|r| r.map(boxed))),
            Format::AbstractPage => {
                Box::new(abstract_page::AbstractPageReader::new(reader).map(|r| r.map(boxed)))
            }
            Format::IdText => Box::new(crate::eval::read_nfcorpus_docs(reader).map(|result| {
                result.map(boxed).map_err(|err| match err {
                    crate::eval::EvalError::Parse { line, reason } => ParseError {
                        location: Location {
                            record: None,
                            line: Some(line),
                            byte: None,
                        },
                        reason,
                    },
                    other => ParseError {
                        location: Location::default(),
                        reason: other.to_string(),
                    },
                })
            })),
        }
    }

    /// Where a buffer holding the start of this format's stream can be cut after its last
    /// complete record, so the pieces can be parsed in parallel; `None` for formats that are
    /// parsed as one stream.
    pub fn last_record_end(self) -> Option<chunks::RecordEnd> {
        match self {
            Format::PubmedXml => Some(chunks::RecordEnd {
                last: pubmed_xml::last_record_end,
                next_start: None,
            }),
            Format::Jsonl | Format::IdText => Some(chunks::RecordEnd::lines()),
            Format::Medline => Some(chunks::RecordEnd {
                last: medline_last_record_end,
                next_start: Some(medline_next_record_start),
            }),
            Format::AbstractPage => None,
        }
    }

    /// The format's name as `--format` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Format::PubmedXml => "pubmed-xml",
            Format::Medline => "medline",
            Format::Jsonl => "jsonl",
            Format::AbstractPage => "abstract-page",
            Format::IdText => "id-text",
        }
    }
}

/// `ID<TAB>TEXT` lines: an id without spaces, a tab, then text.
fn looks_like_id_text(head: &str) -> bool {
    let mut lines = head
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(5)
        .peekable();
    lines.peek().is_some()
        && lines.all(|line| {
            line.split_once('\t').is_some_and(|(id, text)| {
                !id.is_empty() && id.len() <= 64 && !id.contains(' ') && !text.trim().is_empty()
            })
        })
}

/// MEDLINE records start at `PMID- ` lines and end at blank lines: cut before the last
/// `PMID- ` line or after the last empty line, whichever comes later.
fn medline_last_record_end(buf: &[u8]) -> Option<usize> {
    let before_pmid = memchr::memmem::rfind(buf, b"\nPMID-").map(|i| i + 1);
    let after_blank = [&b"\n\n"[..], b"\n\r\n"]
        .iter()
        .filter_map(|blank| memchr::memmem::rfind(buf, blank).map(|i| i + blank.len()))
        .max();
    before_pmid.max(after_blank).filter(|&i| i > 0)
}

/// In a buffer that starts inside a MEDLINE record, the start of the first line after a
/// line end that is blank or a `PMID-` line.
fn medline_next_record_start(buf: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'\n', buf)
        .map(|i| i + 1)
        .find(|&start| {
            let line = &buf[start..];
            let blank =
                memchr::memchr(b'\n', line).is_some_and(|end| line[..end].trim_ascii().is_empty());
            blank || line.starts_with(b"PMID-")
        })
}

/// ISO 639-2 codes as MEDLINE and PubMed XML write them, and the names medlit stores.
const LANGUAGES: &[(&str, &str)] = &[
    ("eng", "English"),
    ("chi", "Chinese"),
    ("jpn", "Japanese"),
    ("ger", "German"),
    ("fre", "French"),
    ("spa", "Spanish"),
    ("ita", "Italian"),
    ("por", "Portuguese"),
    ("rus", "Russian"),
    ("kor", "Korean"),
    ("dut", "Dutch"),
    ("pol", "Polish"),
    ("tur", "Turkish"),
    ("swe", "Swedish"),
    ("dan", "Danish"),
    ("nor", "Norwegian"),
    ("fin", "Finnish"),
    ("cze", "Czech"),
    ("hun", "Hungarian"),
    ("gre", "Greek"),
    ("heb", "Hebrew"),
    ("ara", "Arabic"),
    ("per", "Persian"),
    ("ukr", "Ukrainian"),
    ("hrv", "Croatian"),
    ("srp", "Serbian"),
    ("slv", "Slovenian"),
    ("slo", "Slovak"),
    ("rum", "Romanian"),
    ("bul", "Bulgarian"),
    ("lit", "Lithuanian"),
    ("tha", "Thai"),
    ("vie", "Vietnamese"),
    ("ind", "Indonesian"),
    ("mul", "Multiple languages"),
];

/// English name of an ISO 639-2 language code (`eng`, `ENG`); anything else is returned
/// as written.
pub fn language_name(code: &str) -> String {
    let code = code.trim();
    LANGUAGES
        .iter()
        .find(|(iso, _)| iso.eq_ignore_ascii_case(code))
        .map_or(code, |(_, name)| name)
        .to_string()
}

/// The ISO 639-2 code of a language name, or the name itself when it has no known code.
pub fn language_code(name: &str) -> &str {
    LANGUAGES
        .iter()
        .find(|(_, english)| english.eq_ignore_ascii_case(name.trim()))
        .map_or(name, |(iso, _)| iso)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_content() {
        assert_eq!(
            Format::detect(b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<PubmedArticleSet>"),
            Some(Format::PubmedXml)
        );
        assert_eq!(Format::detect(b"  {\"id\": \"1\"}\n"), Some(Format::Jsonl));
        assert_eq!(
            Format::detect(b"\nPMID- 123\nTI  - x\n"),
            Some(Format::Medline)
        );
        assert_eq!(
            Format::detect(b"Title\n10.5555/x\n- Author:\nA B\n"),
            Some(Format::AbstractPage)
        );
        assert_eq!(
            Format::detect(b"MED-10\tstatin breast cancer survival\nMED-14\tother text\n"),
            Some(Format::IdText)
        );
        assert_eq!(Format::detect(b"hello world"), None);
        assert_eq!(Format::detect(b"<html><body>"), None);
    }

    #[test]
    fn medline_cut_points() {
        assert_eq!(
            medline_last_record_end(b"PMID- 1\nTI  - a\n\nPMID- 2\nTI  - b"),
            Some(17)
        );
        assert_eq!(medline_last_record_end(b"PMID- 1\nTI  - a\n"), None);
        assert_eq!(
            medline_last_record_end(b"TI  - a\r\n\r\nTI  - b\r\nAB  - c"),
            Some(11)
        );
    }

    #[test]
    fn medline_next_record_starts() {
        assert_eq!(
            medline_next_record_start(b"xxxx\n      more\nPMID- 2\n"),
            Some(16)
        );
        assert_eq!(medline_next_record_start(b"xxxx\n  \r\nTI  - y\n"), Some(5));
        assert_eq!(medline_next_record_start(b"PMID- 1\nAB  - x"), None);
        assert_eq!(medline_next_record_start(b"xx\n  "), None);
    }

    #[test]
    fn language_codes() {
        assert_eq!(language_name("eng"), "English");
        assert_eq!(language_name("ENG"), "English");
        assert_eq!(language_name("Chinese"), "Chinese");
        assert_eq!(language_code("German"), "ger");
        assert_eq!(language_code("Klingon"), "Klingon");
    }
}
