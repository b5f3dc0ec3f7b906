//! Cutting one large input into chunks of whole records, so that rayon can parse the chunks
//! of a single 30,000-record baseline file on every core. The reader is read sequentially
//! (decompression is a stream); each chunk is about [`CHUNK_BYTES`] and ends after the last
//! complete record it holds. Memory stays bounded: rayon pulls chunks only as fast as its
//! threads parse them.

use std::io::{BufRead, Read};

/// Target size of a chunk.
pub const CHUNK_BYTES: usize = 4 << 20;
/// A chunk grows up to this size looking for a record end before it is cut anyway.
pub const MAX_CHUNK_BYTES: usize = 64 << 20;

/// Finds where a buffer can be cut: the end of the last complete record in it.
pub type RecordEnd = fn(&[u8]) -> Option<usize>;

/// A piece of the input holding whole records.
#[derive(Debug)]
pub struct Chunk {
    /// The bytes.
    pub data: Vec<u8>,
    /// Offset of `data[0]` in the (decompressed) input.
    pub offset: u64,
    /// Newlines in the input before `data[0]`.
    pub lines_before: u64,
    /// This chunk is the whole input (record ordinals are then file-wide).
    pub whole_input: bool,
}

impl Chunk {
    /// A stand-in for an input parsed as one stream: no shift of locations.
    pub fn whole() -> Chunk {
        Chunk {
            data: Vec::new(),
            offset: 0,
            lines_before: 0,
            whole_input: true,
        }
    }
}

/// Splits a reader into [`Chunk`]s at record ends found by `last_record_end`.
pub struct ChunkReader<R> {
    reader: R,
    last_record_end: RecordEnd,
    carry: Vec<u8>,
    offset: u64,
    lines: u64,
    first: bool,
    done: bool,
    /// Bytes put before every chunk but the first (an XML declaration, so that each chunk
    /// knows its encoding).
    preamble: Vec<u8>,
}

impl<R: BufRead> ChunkReader<R> {
    /// Chunks of `reader`, cut where `last_record_end` says a record ends.
    pub fn new(reader: R, last_record_end: RecordEnd) -> Self {
        ChunkReader {
            reader,
            last_record_end,
            carry: Vec::new(),
            offset: 0,
            lines: 0,
            first: true,
            done: false,
            preamble: Vec::new(),
        }
    }

    /// Puts `preamble` before every chunk after the first. The chunk's `offset` accounts for
    /// it, so byte offsets of the original input stay right; it must hold no newline.
    pub fn with_preamble(mut self, preamble: &[u8]) -> Self {
        debug_assert!(!preamble.contains(&b'\n'));
        self.preamble = preamble.to_vec();
        self
    }

    fn next_chunk(&mut self) -> std::io::Result<Option<Chunk>> {
        let mut data = std::mem::take(&mut self.carry);
        let mut target = CHUNK_BYTES;
        let cut = loop {
            if data.len() < target {
                let want = (target - data.len()) as u64;
                let read = (&mut self.reader).take(want).read_to_end(&mut data)?;
                if read == 0 {
                    self.done = true;
                    break data.len();
                }
                continue;
            }
            match (self.last_record_end)(&data) {
                Some(end) if end > 0 => break end,
                _ if target >= MAX_CHUNK_BYTES => break data.len(),
                _ => target = (target * 2).min(MAX_CHUNK_BYTES),
            }
        };
        if data.is_empty() {
            return Ok(None);
        }
        self.carry = data.split_off(cut);
        let whole_input = self.first && self.done && self.carry.is_empty();
        let length = data.len() as u64;
        let newlines = memchr::memchr_iter(b'\n', &data).count() as u64;
        let (data, offset) = if self.first || self.preamble.is_empty() {
            (data, self.offset)
        } else {
            let mut with_preamble = Vec::with_capacity(self.preamble.len() + data.len());
            with_preamble.extend_from_slice(&self.preamble);
            with_preamble.extend_from_slice(&data);
            (
                with_preamble,
                self.offset.saturating_sub(self.preamble.len() as u64),
            )
        };
        self.first = false;
        let chunk = Chunk {
            offset,
            lines_before: self.lines,
            whole_input,
            data,
        };
        self.offset += length;
        self.lines += newlines;
        Ok(Some(chunk))
    }
}

impl<R: BufRead> Iterator for ChunkReader<R> {
    type Item = std::io::Result<Chunk>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done && self.carry.is_empty() {
            return None;
        }
        match self.next_chunk() {
            Ok(Some(chunk)) => Some(Ok(chunk)),
            Ok(None) => None,
            Err(err) => {
                self.done = true;
                self.carry.clear();
                Some(Err(err))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_end(buf: &[u8]) -> Option<usize> {
        memchr::memrchr(b'\n', buf).map(|i| i + 1)
    }

    #[test]
    fn chunks_hold_whole_lines_and_cover_the_input() {
        let line = "x".repeat(999) + "\n";
        let input = line.repeat(10_000);
        let chunks: Vec<Chunk> = ChunkReader::new(input.as_bytes(), lines_end)
            .map(|c| c.expect("chunk"))
            .collect();
        assert!(chunks.len() >= 2);
        let mut joined = Vec::new();
        let mut lines = 0;
        for chunk in &chunks {
            assert!(chunk.data.ends_with(b"\n"));
            assert_eq!(chunk.offset as usize, joined.len());
            assert_eq!(chunk.lines_before, lines);
            assert!(!chunk.whole_input);
            lines += chunk.data.iter().filter(|&&b| b == b'\n').count() as u64;
            joined.extend_from_slice(&chunk.data);
        }
        assert_eq!(joined, input.as_bytes());
    }

    #[test]
    fn the_preamble_leads_every_later_chunk() {
        let line = "y".repeat(999) + "\n";
        let input = format!("<?xml?>{}", line.repeat(5_000));
        let chunks: Vec<Chunk> = ChunkReader::new(input.as_bytes(), lines_end)
            .with_preamble(b"<?xml?>")
            .map(|c| c.expect("chunk"))
            .collect();
        assert!(chunks.len() >= 2);
        for chunk in &chunks[1..] {
            assert!(chunk.data.starts_with(b"<?xml?>y"));
            let first_y = chunk.offset as usize + 7;
            assert_eq!(&input.as_bytes()[first_y..first_y + 3], b"yyy");
            assert_eq!(
                input.as_bytes()[first_y - 1],
                b'\n',
                "a chunk starts at a line start"
            );
        }
    }

    #[test]
    fn a_small_input_is_one_whole_chunk() {
        let chunks: Vec<Chunk> = ChunkReader::new(&b"a\nb"[..], lines_end)
            .map(|c| c.expect("chunk"))
            .collect();
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].whole_input);
        assert_eq!(chunks[0].data, b"a\nb");
    }

    #[test]
    fn empty_input_has_no_chunk() {
        assert_eq!(ChunkReader::new(&b""[..], lines_end).count(), 0);
    }
}
