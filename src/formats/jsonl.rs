//! JSON Lines in medlit's own schema: one serialized [`Record`] per line, exactly what
//! `medlit export --format jsonl` writes, so export and index round-trip. A BEIR
//! `corpus.jsonl` line (`_id`, `title`, `text`) reads as a record too: `_id` becomes the id
//! and `text` the abstract. Blank lines are skipped; a line that is not a JSON object of
//! that shape is reported with its line number and skipped.

use std::io::BufRead;

use super::{Location, ParseError};
use crate::record::Record;

/// A line longer than this is reported and skipped without being held in memory.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Where a buffer can be cut after its last complete line.
pub fn last_record_end(buf: &[u8]) -> Option<usize> {
    memchr::memrchr(b'\n', buf).map(|i| i + 1)
}

/// Streaming JSON Lines reader.
pub struct JsonlReader<R> {
    reader: R,
    line: Vec<u8>,
    line_no: u64,
    offset: u64,
    records: u64,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// Reads records from `reader`.
    pub fn new(reader: R) -> Self {
        JsonlReader {
            reader,
            line: Vec::new(),
            line_no: 0,
            offset: 0,
            records: 0,
            done: false,
        }
    }

    /// Reads the next line into `self.line`, at most [`MAX_LINE_BYTES`] of it; returns the
    /// line's full length, or `None` at the end.
    fn read_line(&mut self) -> std::io::Result<Option<usize>> {
        self.line.clear();
        let mut total = 0;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok((total > 0).then_some(total));
            }
            let (chunk, found) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..=i], true),
                None => (available, false),
            };
            let room = MAX_LINE_BYTES.saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = chunk.len();
            total += used;
            self.reader.consume(used);
            if found {
                return Ok(Some(total));
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Record, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let start = self.offset;
            let length = match self.read_line() {
                Ok(Some(length)) => length,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(err) => {
                    self.done = true;
                    return Some(Err(self.error(start, format!("read error: {err}"))));
                }
            };
            self.line_no += 1;
            self.offset += length as u64;
            let text = trim_ascii(&self.line);
            let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            if text.is_empty() {
                continue;
            }
            self.records += 1;
            if length > MAX_LINE_BYTES {
                return Some(Err(self.error(
                    start,
                    format!("line is longer than {} MiB", MAX_LINE_BYTES >> 20),
                )));
            }
            return Some(match serde_json::from_slice::<Record>(text) {
                Ok(mut record) => {
                    record.ensure_id();
                    if record.title.trim().is_empty() && record.abstract_text.trim().is_empty() {
                        Err(self.error(start, "record has neither a title nor an abstract".into()))
                    } else {
                        Ok(record)
                    }
                }
                Err(err) => Err(self.error(start, format!("not a medlit JSON record: {err}"))),
            });
        }
        None
    }
}

impl<R> JsonlReader<R> {
    fn error(&self, start: u64, reason: String) -> ParseError {
        ParseError {
            location: Location {
                record: Some(self.records),
                line: Some(self.line_no),
                byte: Some(start),
            },
            reason,
        }
    }
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Result<Record, ParseError>> {
        JsonlReader::new(text.as_bytes()).collect()
    }

    #[test]
    fn records_round_trip_through_json() {
        let record = Record {
            id: "42".into(),
            title: "A title".into(),
            pmid: Some("42".into()),
            year: Some(2020),
            keywords: vec!["a".into(), "b".into()],
            mesh: crate::record::MeshHeading::parse("Thrombocytopenia/therapy*")
                .into_iter()
                .collect(),
            abstract_text: "Text.".into(),
            ..Record::default()
        };
        let line = serde_json::to_string(&record).expect("serializes");
        let parsed = parse(&format!("{line}\n\n{line}"));
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].as_ref().expect("parses"), &record);
    }

    #[test]
    fn beir_lines_read_as_records() {
        let parsed = parse("{\"_id\": \"4983\", \"title\": \"Microstructural development\", \"text\": \"Alterations of the architecture...\", \"metadata\": {}}\n");
        let record = parsed[0].as_ref().expect("parses");
        assert_eq!(record.id, "4983");
        assert_eq!(record.abstract_text, "Alterations of the architecture...");
    }

    #[test]
    fn a_bad_line_is_reported_with_its_line_and_the_rest_kept() {
        let parsed = parse("{\"id\":\"1\",\"title\":\"ok\"}\n{\"id\":\"2\",\"title\":\"x\",\"year\":\"twenty\"}\nnot json\n{\"id\":\"3\",\"title\":\"ok\"}\n{}\n");
        assert_eq!(parsed.len(), 5);
        assert!(parsed[0].is_ok() && parsed[3].is_ok());
        let wrong_type = parsed[1].as_ref().expect_err("year is a string");
        assert_eq!(wrong_type.location.line, Some(2));
        assert!(
            wrong_type.reason.contains("invalid type"),
            "{}",
            wrong_type.reason
        );
        let garbage = parsed[2].as_ref().expect_err("not json");
        assert_eq!(
            (garbage.location.line, garbage.location.byte),
            (Some(3), Some(63))
        );
        assert!(parsed[4]
            .as_ref()
            .expect_err("empty")
            .reason
            .contains("neither a title"));
    }

    #[test]
    fn overlong_lines_are_skipped() {
        let long = format!(
            "{{\"title\":\"{}\"}}\n{{\"title\":\"next\"}}\n",
            "x".repeat(MAX_LINE_BYTES + 10)
        );
        let parsed = parse(&long);
        assert!(parsed[0]
            .as_ref()
            .expect_err("too long")
            .reason
            .contains("longer than"));
        assert_eq!(parsed[1].as_ref().expect("next").title, "next");
    }
}
