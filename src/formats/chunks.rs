//! Cutting one large input into chunks of whole records, so that rayon can parse the chunks
//! of a single 30,000-record baseline file on every core. The reader is read sequentially
//! (decompression is a stream); each chunk is about [`CHUNK_BYTES`] and ends after the last
//! complete record it holds. Memory stays bounded: rayon pulls chunks only as fast as its
//! threads parse them.
//!
//! A record longer than [`MAX_CHUNK_BYTES`] (a 1 GB line, say) is cut where the chunk fills
//! up. Its first part ends the chunk, where the parser reports it (too long); the rest of it
//! is then read and dropped up to the next record start ([`RecordEnd::next_start`]), so that
//! the record is reported once and the following chunk starts on a whole record (issue #6).
//!
//! Chunk buffers are recycled: a parsed chunk's buffer goes back to its reader when the chunk
//! is dropped, so a long ingest reads into the same few buffers instead of asking the
//! allocator (and the kernel, which zeroes every fresh page) for 4 MiB per chunk.

use std::io::{BufRead, Read};
use std::sync::{Arc, Mutex, PoisonError};

/// Target size of a chunk.
pub const CHUNK_BYTES: usize = 4 << 20;
/// A chunk grows up to this size looking for a record end before it is cut anyway.
pub const MAX_CHUNK_BYTES: usize = 64 << 20;

/// How far the rest of an over-long record is searched for the next record start at a time.
const RESYNC_BLOCK: u64 = 1 << 20;
/// Bytes kept between two blocks of that search, so that a record start split between them
/// is still seen.
const RESYNC_OVERLAP: usize = 16;
/// Spare room in a fresh chunk buffer for the preamble and the record that ends the chunk.
const CHUNK_SLACK: usize = 256 << 10;
/// Buffers kept for reuse; more are dropped (one per parsing thread is the steady state).
const POOLED_BUFFERS: usize = 16;

/// A position found in a buffer, if there is one.
pub type Finder = fn(&[u8]) -> Option<usize>;

/// Where a format's records end and start, for cutting a stream into chunks of whole records.
#[derive(Debug, Clone, Copy)]
pub struct RecordEnd {
    /// The end of the last complete record in a buffer, if there is one.
    pub last: Finder,
    /// In a buffer that starts inside a record, where the next record starts (never at 0);
    /// `None` if the buffer holds no record start. Formats whose parser finds the next
    /// record by itself in any input (PubMed XML) leave this out.
    pub next_start: Option<Finder>,
}

impl RecordEnd {
    /// Records that are single lines (JSON Lines, id-text).
    pub fn lines() -> RecordEnd {
        RecordEnd {
            last: |buf| memchr::memrchr(b'\n', buf).map(|i| i + 1),
            next_start: Some(next_line_start),
        }
    }
}

/// The start of the first line after the first line end in `buf`.
pub fn next_line_start(buf: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', buf).map(|i| i + 1)
}

/// Emptied chunk buffers waiting to be read into again.
#[derive(Debug, Clone, Default)]
struct BufferPool(Arc<Mutex<Vec<Vec<u8>>>>);

impl BufferPool {
    /// A buffer with room for a chunk: a returned one, still holding an earlier chunk's
    /// bytes, if there is one.
    fn take(&self) -> Vec<u8> {
        let spare = self.0.lock().unwrap_or_else(PoisonError::into_inner).pop();
        spare.unwrap_or_else(|| Vec::with_capacity(CHUNK_BYTES + CHUNK_SLACK))
    }

    /// Keeps `buffer` for a later chunk, unless enough are kept already. Its bytes stay: the
    /// next chunk overwrites them, and reading into bytes that are already initialized spares
    /// zeroing the buffer before every read.
    fn give_back(&self, buffer: Vec<u8>) {
        let mut spare = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if spare.len() < POOLED_BUFFERS && buffer.capacity() <= CHUNK_BYTES + CHUNK_SLACK {
            spare.push(buffer);
        }
    }
}

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
    /// Where `data` goes when the chunk is dropped.
    pool: Option<BufferPool>,
}

impl Drop for Chunk {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            pool.give_back(std::mem::take(&mut self.data));
        }
    }
}

impl Chunk {
    /// A stand-in for an input parsed as one stream: no shift of locations.
    pub fn whole() -> Chunk {
        Chunk {
            data: Vec::new(),
            offset: 0,
            lines_before: 0,
            whole_input: true,
            pool: None,
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
    /// The last chunk was cut inside a record: drop the rest of it before the next chunk.
    inside_record: bool,
    /// Buffers of dropped chunks.
    pool: BufferPool,
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
            inside_record: false,
            pool: BufferPool::default(),
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
        if self.inside_record {
            self.inside_record = false;
            if let Some(next_start) = self.last_record_end.next_start {
                self.skip_to_record_start(next_start)?;
            }
        }
        // `data[..filled]` is this chunk so far; the bytes after it are scratch.
        let mut data = self.pool.take();
        let mut filled = 0;
        if !self.first {
            copy_into(&mut data, &mut filled, &self.preamble);
        }
        let start = filled;
        copy_into(&mut data, &mut filled, &self.carry);
        self.carry.clear();
        let mut target = CHUNK_BYTES;
        let cut = loop {
            let body = filled - start;
            if body < target {
                let end = start + target;
                if data.len() < end {
                    data.resize(end, 0);
                }
                let read = read_some(&mut self.reader, &mut data[filled..end])?;
                if read == 0 {
                    self.done = true;
                    break filled;
                }
                filled += read;
                continue;
            }
            match (self.last_record_end.last)(&data[start..filled]) {
                Some(end) if end > 0 => break start + end,
                _ if target >= MAX_CHUNK_BYTES => {
                    self.inside_record = true;
                    break filled;
                }
                _ => target = (target * 2).min(MAX_CHUNK_BYTES),
            }
        };
        if filled == start {
            self.pool.give_back(data);
            return Ok(None);
        }
        self.carry.extend_from_slice(&data[cut..filled]);
        data.truncate(cut);
        let whole_input = self.first && self.done && self.carry.is_empty();
        let body = &data[start..];
        let length = body.len() as u64;
        let newlines = memchr::memchr_iter(b'\n', body).count() as u64;
        let offset = self.offset.saturating_sub(start as u64);
        self.first = false;
        let chunk = Chunk {
            offset,
            lines_before: self.lines,
            whole_input,
            data,
            pool: Some(self.pool.clone()),
        };
        self.offset += length;
        self.lines += newlines;
        Ok(Some(chunk))
    }
}

/// Copies `bytes` into `data` at `filled`, growing `data` if it is too short.
fn copy_into(data: &mut Vec<u8>, filled: &mut usize, bytes: &[u8]) {
    let end = *filled + bytes.len();
    if data.len() < end {
        data.resize(end, 0);
    }
    data[*filled..end].copy_from_slice(bytes);
    *filled = end;
}

/// One read into `buffer`, retried when a signal interrupts it; 0 at the end of the input.
fn read_some(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match reader.read(buffer) {
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            result => return result,
        }
    }
}

impl<R: BufRead> ChunkReader<R> {
    /// Reads and drops input up to the next record start: the rest of a record that was cut
    /// because it did not fit in a chunk. Offsets and line counts go on counting.
    fn skip_to_record_start(&mut self, next_start: Finder) -> std::io::Result<()> {
        let mut window = std::mem::take(&mut self.carry);
        loop {
            if let Some(start) = next_start(&window) {
                self.drop_front(&mut window, start);
                self.carry = window;
                return Ok(());
            }
            let keep_from = window.len().saturating_sub(RESYNC_OVERLAP);
            self.drop_front(&mut window, keep_from);
            let read = (&mut self.reader)
                .take(RESYNC_BLOCK)
                .read_to_end(&mut window)?;
            if read == 0 {
                let rest = window.len();
                self.drop_front(&mut window, rest);
                self.done = true;
                return Ok(());
            }
        }
    }

    /// Drops the first `n` bytes of `window`, counting them as read.
    fn drop_front(&mut self, window: &mut Vec<u8>, n: usize) {
        self.offset += n as u64;
        self.lines += memchr::memchr_iter(b'\n', &window[..n]).count() as u64;
        window.drain(..n);
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

    #[test]
    fn recycled_buffers_show_nothing_of_earlier_chunks() {
        // Long lines first, then short ones: a later chunk ends well before where an earlier
        // one, read into the same buffer, did.
        let mut input = Vec::new();
        for n in 0..4_500 {
            input.extend_from_slice(format!("{n} {}\n", "long".repeat(500)).as_bytes());
        }
        for n in 0..20_000 {
            input.extend_from_slice(format!("{n} short\n").as_bytes());
        }
        let mut joined = Vec::new();
        let mut chunks = 0;
        for chunk in ChunkReader::new(input.as_slice(), RecordEnd::lines()) {
            let chunk = chunk.expect("chunk");
            assert_eq!(chunk.offset as usize, joined.len());
            joined.extend_from_slice(&chunk.data);
            chunks += 1;
        }
        assert!(chunks >= 3, "{chunks} chunks");
        assert!(joined == input, "the chunks join up to the input");
    }

    #[test]
    fn chunks_hold_whole_lines_and_cover_the_input() {
        let line = "x".repeat(999) + "\n";
        let input = line.repeat(10_000);
        let chunks: Vec<Chunk> = ChunkReader::new(input.as_bytes(), RecordEnd::lines())
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
        let chunks: Vec<Chunk> = ChunkReader::new(input.as_bytes(), RecordEnd::lines())
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
        let chunks: Vec<Chunk> = ChunkReader::new(&b"a\nb"[..], RecordEnd::lines())
            .map(|c| c.expect("chunk"))
            .collect();
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].whole_input);
        assert_eq!(chunks[0].data, b"a\nb");
    }

    #[test]
    fn empty_input_has_no_chunk() {
        assert_eq!(ChunkReader::new(&b""[..], RecordEnd::lines()).count(), 0);
    }

    #[test]
    fn a_record_longer_than_a_chunk_is_cut_once_and_the_rest_dropped() {
        let long = MAX_CHUNK_BYTES + (3 << 20);
        let mut input = b"a\n".to_vec();
        input.resize(2 + long, b'x');
        input.extend_from_slice(b"\nb\nc\n");
        let chunks: Vec<Chunk> = ChunkReader::new(input.as_slice(), RecordEnd::lines())
            .map(|c| c.expect("chunk"))
            .collect();
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].data, b"a\n");
        assert_eq!(chunks[1].data.len(), MAX_CHUNK_BYTES);
        assert!(!chunks[1].data.contains(&b'\n'));
        assert_eq!(chunks[2].data, b"b\nc\n");
        assert_eq!(chunks[2].offset as usize, 2 + long + 1);
        assert_eq!(chunks[2].lines_before, 2);
    }

    #[test]
    fn an_over_long_record_at_the_end_leaves_no_chunk_behind() {
        let mut input = vec![b'y'; MAX_CHUNK_BYTES + 10];
        input.push(b'\n');
        let chunks: Vec<Chunk> = ChunkReader::new(input.as_slice(), RecordEnd::lines())
            .map(|c| c.expect("chunk"))
            .collect();
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].data.len(), MAX_CHUNK_BYTES);
    }

    #[test]
    fn without_next_start_the_rest_is_kept() {
        let cut = RecordEnd {
            last: |buf| memchr::memrchr(b'\n', buf).map(|i| i + 1),
            next_start: None,
        };
        let mut input = vec![b'z'; MAX_CHUNK_BYTES + 10];
        input.extend_from_slice(b"\nq\n");
        let chunks: Vec<Chunk> = ChunkReader::new(input.as_slice(), cut)
            .map(|c| c.expect("chunk"))
            .collect();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[1].data, b"zzzzzzzzzz\nq\n");
    }
}
