//! Bounded, numbered line reading for the line-oriented inputs: MEDLINE, abstract-page text,
//! JSON Lines, id-text and the evaluation files ([`crate::eval`]) all read their lines here,
//! so they agree on line numbers, byte offsets, line ends and what is wrong with a line.
//!
//! A line is held in memory only up to a cap chosen by the caller: the rest of a longer line
//! is consumed without being stored, and the line is reported as [`LineProblem::TooLong`], so
//! a 1 GB line costs no more memory than the cap (issue #6). A line that is not UTF-8 is
//! decoded lossily and reported as [`LineProblem::InvalidUtf8`] with a hint: in practice such
//! files are Latin-1 exports. `\n` and `\r\n` line ends are removed, and a UTF-8 byte-order
//! mark at the start of the input is dropped. Reading goes on after a problem line.

use std::fmt;
use std::io::{self, BufRead};

/// Advice given with every invalid UTF-8 message: such files are nearly always Latin-1.
pub const LATIN1_HINT: &str = "is the file Latin-1? convert it with iconv -f latin1 -t utf-8";

/// What is wrong with one line. The line itself is still counted, and the next line can be
/// read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// The line (without its line end) is longer than the cap; it was not kept.
    TooLong {
        /// 1-based line number.
        line: u64,
        /// The cap, in bytes.
        limit: usize,
    },
    /// The line is not valid UTF-8.
    InvalidUtf8 {
        /// 1-based line number.
        line: u64,
        /// 1-based byte column of the first invalid byte.
        column: usize,
    },
}

impl LineProblem {
    /// The problem in words, without the line number (for callers whose location already
    /// names the line).
    pub fn reason(&self) -> String {
        match self {
            LineProblem::TooLong { limit, .. } => format!("longer than {}", mebibytes(*limit)),
            LineProblem::InvalidUtf8 { column, .. } => {
                format!("invalid UTF-8 at column {column} ({LATIN1_HINT})")
            }
        }
    }
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineProblem::TooLong { line, limit } => {
                write!(f, "line {line}: longer than {}", mebibytes(*limit))
            }
            LineProblem::InvalidUtf8 { line, column } => write!(
                f,
                "invalid UTF-8 at line {line}, column {column} ({LATIN1_HINT})"
            ),
        }
    }
}

/// `8 MiB` for caps that are whole mebibytes, else the bytes.
fn mebibytes(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// One line of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// Byte offset of the line's first byte in the input.
    pub offset: u64,
    /// The line without its line end: lossily decoded when it is not UTF-8, empty when it is
    /// too long.
    pub text: &'a str,
    /// Why the line cannot be taken as it is, if it cannot.
    pub problem: Option<LineProblem>,
}

/// Reads numbered lines of at most `max_bytes` bytes each from a [`BufRead`].
pub struct LineReader<R> {
    reader: R,
    max_bytes: usize,
    /// The current line as read, line end included, at most `max_bytes + 2` bytes.
    buf: Vec<u8>,
    /// The current line decoded lossily, when it is not UTF-8.
    lossy: String,
    lines: u64,
    /// Bytes consumed so far.
    offset: u64,
}

impl<R: BufRead> LineReader<R> {
    /// Lines of `reader`, each held only up to `max_bytes` bytes.
    pub fn new(reader: R, max_bytes: usize) -> Self {
        LineReader {
            reader,
            max_bytes,
            buf: Vec::new(),
            lossy: String::new(),
            lines: 0,
            offset: 0,
        }
    }

    /// Lines read so far (the number of the last line returned).
    pub fn lines_read(&self) -> u64 {
        self.lines
    }

    /// Bytes consumed so far: the offset of the next line.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next line, or `None` at the end of the input. An I/O error ends the input for
    /// the caller (the reader may not be usable after it).
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        let start = self.offset;
        let Some((length, overflowed)) = self.fill()? else {
            return Ok(None);
        };
        self.lines += 1;
        self.offset += length;
        let number = self.lines;
        let mut bytes = self.buf.as_slice();
        bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if number == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        if overflowed || bytes.len() > self.max_bytes {
            return Ok(Some(Line {
                number,
                offset: start,
                text: "",
                problem: Some(LineProblem::TooLong {
                    line: number,
                    limit: self.max_bytes,
                }),
            }));
        }
        let line = match std::str::from_utf8(bytes) {
            Ok(text) => Line {
                number,
                offset: start,
                text,
                problem: None,
            },
            Err(err) => {
                self.lossy = String::from_utf8_lossy(bytes).into_owned();
                Line {
                    number,
                    offset: start,
                    text: &self.lossy,
                    problem: Some(LineProblem::InvalidUtf8 {
                        line: number,
                        column: err.valid_up_to() + 1,
                    }),
                }
            }
        };
        Ok(Some(line))
    }

    /// Reads the next line into `self.buf`, keeping at most `max_bytes + 2` bytes of it (room
    /// for a `\r\n` after a line of exactly the cap). Returns the bytes the line took in the
    /// input and whether some were not kept, or `None` at the end.
    fn fill(&mut self) -> io::Result<Option<(u64, bool)>> {
        self.buf.clear();
        let keep = self.max_bytes.saturating_add(2);
        let mut total = 0u64;
        let mut overflowed = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if available.is_empty() {
                return Ok((total > 0).then_some((total, overflowed)));
            }
            let (piece, found) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..=i], true),
                None => (available, false),
            };
            let room = keep.saturating_sub(self.buf.len());
            overflowed |= piece.len() > room;
            self.buf.extend_from_slice(&piece[..piece.len().min(room)]);
            let used = piece.len();
            total += used as u64;
            self.reader.consume(used);
            if found {
                return Ok(Some((total, overflowed)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// (number, offset, text, problem) of every line.
    fn all(input: &[u8], max: usize) -> Vec<(u64, u64, String, Option<LineProblem>)> {
        let mut reader = LineReader::new(input, max);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().expect("in-memory read") {
            lines.push((
                line.number,
                line.offset,
                line.text.to_string(),
                line.problem,
            ));
        }
        lines
    }

    #[test]
    fn line_ends_bom_and_offsets() {
        let lines = all(b"\xEF\xBB\xBFone\r\ntwo\n\nthree", 100);
        let texts: Vec<(u64, u64, &str)> = lines
            .iter()
            .map(|(n, o, t, _)| (*n, *o, t.as_str()))
            .collect();
        assert_eq!(
            texts,
            [(1, 0, "one"), (2, 8, "two"), (3, 12, ""), (4, 13, "three")]
        );
        assert!(lines.iter().all(|l| l.3.is_none()));
    }

    #[test]
    fn a_bom_after_the_first_line_is_text() {
        let lines = all(b"a\n\xEF\xBB\xBFb\n", 100);
        assert_eq!(lines[1].2, "\u{feff}b");
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_and_reported_with_a_hint() {
        let lines = all(b"ok\ncaf\xe9 au lait\nnext\n", 100);
        assert_eq!(lines[1].2, "caf\u{fffd} au lait");
        let problem = lines[1].3.clone().expect("invalid");
        assert_eq!(problem, LineProblem::InvalidUtf8 { line: 2, column: 4 });
        assert_eq!(
            problem.to_string(),
            "invalid UTF-8 at line 2, column 4 (is the file Latin-1? convert it with iconv -f latin1 -t utf-8)"
        );
        assert!(problem.reason().starts_with("invalid UTF-8 at column 4 ("));
        assert_eq!((lines[2].2.as_str(), lines[2].3.clone()), ("next", None));
    }

    #[test]
    fn the_cap_applies_to_the_line_without_its_end() {
        let lines = all(b"12345\r\n123456\nabc", 5);
        assert_eq!((lines[0].2.as_str(), lines[0].3.clone()), ("12345", None));
        assert_eq!(lines[1].3, Some(LineProblem::TooLong { line: 2, limit: 5 }));
        assert_eq!(lines[1].2, "");
        assert_eq!(
            (lines[2].0, lines[2].1, lines[2].2.as_str()),
            (3, 14, "abc")
        );
    }

    #[test]
    fn a_huge_line_is_skipped_without_being_held() {
        // 64 MiB of one line, then a short one; the cap is 1 MiB.
        let huge = io::repeat(b'x').take(64 << 20);
        let input = io::BufReader::new(huge.chain(&b"\nafter\n"[..]));
        let mut reader = LineReader::new(input, 1 << 20);
        let first = reader.next_line().expect("read").expect("a line");
        assert_eq!(
            first.problem.expect("too long").to_string(),
            "line 1: longer than 1 MiB"
        );
        assert!(
            reader.buf.capacity() <= 4 << 20,
            "{}",
            reader.buf.capacity()
        );
        let next = reader.next_line().expect("read").expect("a line");
        assert_eq!(
            (next.number, next.offset, next.text),
            (2, (64 << 20) + 1, "after")
        );
        assert!(reader.next_line().expect("read").is_none());
    }

    #[test]
    fn caps_that_are_not_whole_mebibytes_are_given_in_bytes() {
        let problem = LineProblem::TooLong {
            line: 3,
            limit: 100,
        };
        assert_eq!(problem.reason(), "longer than 100 bytes");
    }

    #[test]
    fn empty_input_has_no_line() {
        assert!(all(b"", 10).is_empty());
        assert_eq!(all(b"\n", 10).len(), 1);
    }
}
