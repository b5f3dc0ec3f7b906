//! JSON Lines in medlit's own schema: one serialized [`Record`] per line, exactly what
//! `medlit export --format jsonl` writes, so export and index round-trip. A BEIR
//! `corpus.jsonl` line (`_id`, `title`, `text`) reads as a record too: `_id` becomes the id
//! and `text` the abstract. Blank lines are skipped; a line that is not a JSON object of
//! that shape is reported with its line number and skipped.

use std::io::BufRead;

use super::lines::LineReader;
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
    lines: LineReader<R>,
    records: u64,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// Reads records from `reader`.
    pub fn new(reader: R) -> Self {
        JsonlReader {
            lines: LineReader::new(reader, MAX_LINE_BYTES),
            records: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Record, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let line = match self.lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(err) => {
                    self.done = true;
                    let (line, byte) = (self.lines.lines_read() + 1, self.lines.offset());
                    let location = location(self.records + 1, line, byte);
                    let reason = format!("read error: {err}");
                    return Some(Err(ParseError { location, reason }));
                }
            };
            // A byte-order mark on any line: files joined with `cat` keep theirs.
            let text = line.text.trim_start_matches('\u{feff}');
            if text.trim_ascii().is_empty() && line.problem.is_none() {
                continue;
            }
            self.records += 1;
            let location = location(self.records, line.number, line.offset);
            let parsed = match &line.problem {
                Some(problem) => Err(problem.reason()),
                None => parse_line(text.trim_ascii()),
            };
            return Some(parsed.map_err(|reason| ParseError { location, reason }));
        }
        None
    }
}

fn location(record: u64, line: u64, byte: u64) -> Location {
    Location {
        record: Some(record),
        line: Some(line),
        byte: Some(byte),
    }
}

/// One non-blank line as a record.
fn parse_line(text: &str) -> Result<Record, String> {
    let mut record = serde_json::from_str::<Record>(text)
        .map_err(|err| format!("not a medlit JSON record: {err}"))?;
    record.ensure_id();
    if record.title.trim().is_empty() && record.abstract_text.trim().is_empty() {
        return Err("record has neither a title nor an abstract".into());
    }
    Ok(record)
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
    fn latin1_lines_are_reported_with_a_hint_and_the_rest_kept() {
        let bytes = b"{\"title\":\"caf\xe9\"}\n{\"title\":\"ok\"}\n";
        let parsed: Vec<_> = JsonlReader::new(&bytes[..]).collect();
        let error = parsed[0].as_ref().expect_err("Latin-1");
        assert_eq!(
            error.reason,
            "invalid UTF-8 at column 14 (is the file Latin-1? convert it with iconv -f latin1 -t utf-8)"
        );
        assert_eq!(error.location.line, Some(1));
        assert_eq!(parsed[1].as_ref().expect("second").title, "ok");
    }

    #[test]
    fn a_bom_on_any_line_is_ignored() {
        let parsed = parse("\u{feff}{\"title\":\"a\"}\n\u{feff}{\"title\":\"b\"}\n");
        assert!(parsed.iter().all(Result::is_ok), "{parsed:?}");
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
