//! Text encodings at the edge of ingest: input in UTF-16 with a byte-order mark, as Windows
//! tools export it, is decoded to UTF-8 as it is read, so every parser sees UTF-8 (issue #6).
//! Without this, UTF-16 files were refused as binary because of their NUL bytes.
//!
//! Decoding is a stream: memory does not depend on the file's size. A code unit that is not
//! part of a valid surrogate pair, and an odd byte at the very end, become U+FFFD (the
//! replacement character), as in every UTF-16 decoder that does not stop at the first error;
//! the record holding it is indexed with that character. A UTF-8 byte-order mark is left to
//! the parsers, which all skip it. Other encodings are not guessed: Latin-1 text is reported
//! by the parsers, record by record, with a hint to convert it.

use std::io::{self, BufRead, BufReader, Read};

/// The byte order of UTF-16 input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Little endian, BOM `FF FE` (what Windows writes as "Unicode").
    Little,
    /// Big endian, BOM `FE FF`.
    Big,
}

/// The byte order named by a UTF-16 byte-order mark at the start of `head`, if there is one.
pub fn utf16_bom(head: &[u8]) -> Option<ByteOrder> {
    match head {
        [0xFF, 0xFE, ..] => Some(ByteOrder::Little),
        [0xFE, 0xFF, ..] => Some(ByteOrder::Big),
        _ => None,
    }
}

/// `reader` as UTF-8: decoded from UTF-16 when it starts with a UTF-16 byte-order mark (the
/// mark is dropped), else unchanged.
pub fn utf8_reader<'a, R: BufRead + Send + 'a>(
    mut reader: R,
) -> io::Result<Box<dyn BufRead + Send + 'a>> {
    let head = reader.fill_buf()?;
    if let [first @ (0xFF | 0xFE)] = *head {
        // A pipe may hand out the mark's two bytes in two reads.
        reader.consume(1);
        let second = reader.fill_buf()?.first().copied();
        return match second.and_then(|second| utf16_bom(&[first, second])) {
            Some(order) => Ok(decoding(reader, order, 1)),
            None => {
                let restored = io::Cursor::new([first]).chain(reader);
                Ok(Box::new(BufReader::with_capacity(256 * 1024, restored)))
            }
        };
    }
    match utf16_bom(head) {
        Some(order) => Ok(decoding(reader, order, 2)),
        None => Ok(Box::new(reader)),
    }
}

/// A decoder of `reader` after its byte-order mark, of which `mark_left` bytes are still
/// to be consumed.
fn decoding<'a, R: BufRead + Send + 'a>(
    mut reader: R,
    order: ByteOrder,
    mark_left: usize,
) -> Box<dyn BufRead + Send + 'a> {
    reader.consume(mark_left);
    let decoder = Utf16Decoder::new(reader, order);
    Box::new(BufReader::with_capacity(256 * 1024, decoder))
}

/// Why a file holding NUL bytes in `head` is not read, in words for the user: UTF-16 or
/// UTF-32 without a byte-order mark gets a way to convert it.
pub fn binary_reason(head: &[u8]) -> String {
    let even_nuls = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nuls = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let half = head.len() / 2;
    let (nuls, endian) = if even_nuls > odd_nuls {
        (even_nuls, "be")
    } else {
        (odd_nuls, "le")
    };
    if half >= 8 && nuls * 10 >= half * 8 {
        format!(
            "binary file (contains NUL bytes); it looks like UTF-16 without a byte-order mark: convert it with iconv -f utf-16{endian} -t utf-8"
        )
    } else {
        "binary file (contains NUL bytes); not a record format medlit reads".into()
    }
}

/// Streaming UTF-16 to UTF-8 decoder.
pub struct Utf16Decoder<R> {
    inner: R,
    order: ByteOrder,
    /// An odd byte left over from the last read.
    odd: Option<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    /// Decoded UTF-8 not yet handed out.
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

impl<R: BufRead> Utf16Decoder<R> {
    /// Decodes `inner`, which holds UTF-16 in `order` (without its byte-order mark).
    pub fn new(inner: R, order: ByteOrder) -> Self {
        Utf16Decoder {
            inner,
            order,
            odd: None,
            high: None,
            out: Vec::new(),
            out_pos: 0,
            eof: false,
        }
    }

    /// Decodes the next block of input into `self.out`.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        let input = match self.inner.fill_buf() {
            Ok(input) => input,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(err) => return Err(err),
        };
        if input.is_empty() {
            self.eof = true;
            if self.odd.take().is_some() || self.high.take().is_some() {
                push_char(&mut self.out, char::REPLACEMENT_CHARACTER);
            }
            return Ok(());
        }
        let length = input.len();
        let order = self.order;
        let mut bytes = input;
        let mut units = Vec::with_capacity(length / 2 + 1);
        if let Some(first) = self.odd.take() {
            units.push(unit(order, first, bytes[0]));
            bytes = &bytes[1..];
        }
        let pairs = bytes.chunks_exact(2);
        self.odd = pairs.remainder().first().copied();
        units.extend(pairs.map(|pair| unit(order, pair[0], pair[1])));
        self.inner.consume(length);
        for unit in units {
            self.push_unit(unit);
        }
        Ok(())
    }

    fn push_unit(&mut self, unit: u16) {
        let is_low = (0xDC00..=0xDFFF).contains(&unit);
        if let Some(high) = self.high.take() {
            if is_low {
                let code =
                    0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
                push_char(&mut self.out, c);
                return;
            }
            push_char(&mut self.out, char::REPLACEMENT_CHARACTER);
        }
        if (0xD800..=0xDBFF).contains(&unit) {
            self.high = Some(unit);
        } else {
            let c = char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER);
            push_char(&mut self.out, c);
        }
    }
}

/// One UTF-16 code unit from its two bytes.
fn unit(order: ByteOrder, a: u8, b: u8) -> u16 {
    match order {
        ByteOrder::Little => u16::from_le_bytes([a, b]),
        ByteOrder::Big => u16::from_be_bytes([a, b]),
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

impl<R: BufRead> Read for Utf16Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.refill()?;
        }
        let available = &self.out[self.out_pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, order: ByteOrder) -> Vec<u8> {
        let mut bytes = match order {
            ByteOrder::Little => vec![0xFF, 0xFE],
            ByteOrder::Big => vec![0xFE, 0xFF],
        };
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&match order {
                ByteOrder::Little => unit.to_le_bytes(),
                ByteOrder::Big => unit.to_be_bytes(),
            });
        }
        bytes
    }

    fn decoded(bytes: &[u8]) -> String {
        let mut text = String::new();
        utf8_reader(bytes)
            .expect("in memory")
            .read_to_string(&mut text)
            .expect("UTF-8 out");
        text
    }

    /// A reader handing out `step` bytes at a time, to split units and pairs across reads.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(self.data.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    const TEXT: &str = "PMID- 1\r\nTI  - Café, naïve 𝛼-helix 😀 and 漢字\n";

    #[test]
    fn both_byte_orders_decode_to_utf8() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            assert_eq!(decoded(&utf16(TEXT, order)), TEXT);
        }
    }

    #[test]
    fn units_split_across_reads_decode_the_same() {
        let bytes = utf16(TEXT, ByteOrder::Little);
        for step in [1, 2, 3, 5] {
            let reader = BufReader::with_capacity(step, Trickle { data: &bytes, step });
            let mut text = String::new();
            utf8_reader(reader)
                .expect("reader")
                .read_to_string(&mut text)
                .expect("UTF-8 out");
            assert_eq!(text, TEXT, "step {step}");
        }
    }

    #[test]
    fn lone_surrogates_and_an_odd_last_byte_become_replacement_characters() {
        // "a", lone low surrogate, "b", high surrogate followed by "c", then a high
        // surrogate at the end, then one odd byte.
        let units: [u16; 6] = [0x61, 0xDC00, 0x62, 0xD800, 0x63, 0xD801];
        let mut bytes = vec![0xFF, 0xFE];
        for unit in units {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        bytes.push(0x41);
        assert_eq!(decoded(&bytes), "a\u{fffd}b\u{fffd}c\u{fffd}");
    }

    #[test]
    fn input_without_a_utf16_bom_is_untouched() {
        assert_eq!(decoded(b"\xEF\xBB\xBFplain"), "\u{feff}plain");
        assert_eq!(decoded(b""), "");
    }

    #[test]
    fn utf16_without_bom_is_named_in_the_binary_message() {
        let mut bytes = utf16("PMID- 1\nTI  - x\n", ByteOrder::Little);
        bytes.drain(..2);
        assert!(binary_reason(&bytes).contains("iconv -f utf-16le"));
        let mut bytes = utf16("PMID- 1\nTI  - x\n", ByteOrder::Big);
        bytes.drain(..2);
        assert!(binary_reason(&bytes).contains("iconv -f utf-16be"));
        assert!(binary_reason(&[0, 1, 2, 3, 200, 0, 17]).contains("not a record format"));
    }
}
