//! The ASCII word starts of a text, found 64 bytes at a time, each with the key of the text
//! there (see [`super::names`]).
//!
//! The therapy scan only looks names up where a word starts. Walking the text byte by byte to
//! find those places cost more than the look-ups: most bytes are in the middle of a word.
//! Here one pass classifies a block of 64 bytes into a bit mask of ASCII letters and digits
//! (SSE2 on x86-64, 16-byte blocks the compiler packs elsewhere), a word start is a set bit
//! whose lower neighbour is clear, and a key is read from eight bytes of the text at once.

use super::names::KEY_LEN;

/// Bytes per block of the bit masks.
const BLOCK: usize = 64;

/// The positions in a text where an ASCII letter or digit follows a byte that is neither (or
/// the start of the text), in increasing order, each with its key.
///
/// A byte before such a position may still end a non-ASCII letter (`é` in `élan`): callers
/// that care check positions after a byte ≥ 0x80.
pub(super) struct AsciiWordStarts<'t> {
    bytes: &'t [u8],
    /// Index of the block `current` describes.
    block: usize,
    /// Word-byte masks of this block and of the next (0 past the end), so that a key can be
    /// read across the blocks' border.
    current: u64,
    next: u64,
    /// Word starts of this block not yet returned.
    starts: u64,
}

impl<'t> AsciiWordStarts<'t> {
    /// The word starts of `bytes`.
    pub(super) fn new(bytes: &'t [u8]) -> AsciiWordStarts<'t> {
        let current = block_mask_at(bytes, 0);
        AsciiWordStarts {
            bytes,
            block: 0,
            current,
            next: block_mask_at(bytes, 1),
            starts: current & !(current << 1),
        }
    }

    /// Moves to the next block; false past the end of the text.
    fn advance(&mut self) -> bool {
        if (self.block + 1) * BLOCK >= self.bytes.len() {
            return false;
        }
        let carry = self.current >> (BLOCK - 1);
        self.block += 1;
        self.current = self.next;
        self.next = block_mask_at(self.bytes, self.block + 1);
        self.starts = self.current & !((self.current << 1) | carry);
        true
    }

    /// The key of the word that starts at `offset` of the current block: its first
    /// [`KEY_LEN`] bytes in lower case, the bytes after its end 0.
    fn key(&self, offset: usize) -> u64 {
        let following = match offset {
            0 => self.current,
            _ => (self.current >> offset) | (self.next << (BLOCK - offset)),
        };
        let word_len = (following.trailing_ones() as usize).min(KEY_LEN);
        let start = self.block * BLOCK + offset;
        let head: [u8; KEY_LEN] = match self.bytes.get(start..start + KEY_LEN) {
            Some(head) => head.try_into().expect("a slice of KEY_LEN bytes"),
            None => padded(self.bytes, start),
        };
        let kept = match word_len {
            KEY_LEN => u64::MAX,
            len => (1 << (8 * len)) - 1,
        };
        // `| 0x20` lowers an ASCII letter and leaves a digit as it is.
        (u64::from_le_bytes(head) | 0x2020_2020_2020_2020) & kept
    }
}

impl Iterator for AsciiWordStarts<'_> {
    /// A word start and its key.
    type Item = (usize, u64);

    #[inline]
    fn next(&mut self) -> Option<(usize, u64)> {
        while self.starts == 0 {
            if !self.advance() {
                return None;
            }
        }
        let offset = self.starts.trailing_zeros() as usize;
        self.starts &= self.starts - 1;
        Some((self.block * BLOCK + offset, self.key(offset)))
    }
}

/// The word-byte mask of block `block` of `bytes`: bit `i` set when byte `block * 64 + i` is
/// an ASCII letter or digit; 0 past the end.
fn block_mask_at(bytes: &[u8], block: usize) -> u64 {
    let start = block * BLOCK;
    match bytes.get(start..start + BLOCK) {
        Some(whole) => block_mask(whole.try_into().expect("a slice of BLOCK bytes")),
        None => block_mask(&padded(bytes, start)),
    }
}

/// The bytes of `bytes` from `start` (fewer than `N`), padded with 0 to `N`. The callers
/// read whole slices in place and come here only at the end of the text.
#[cold]
fn padded<const N: usize>(bytes: &[u8], start: usize) -> [u8; N] {
    let mut padded = [0; N];
    let rest = bytes.get(start..).unwrap_or_default();
    let kept = rest.len().min(N);
    padded[..kept].copy_from_slice(&rest[..kept]);
    padded
}

/// Bit `i` set when `block[i]` is an ASCII letter or digit.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
fn block_mask(block: &[u8; BLOCK]) -> u64 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };
    let (lanes, _) = block.as_chunks::<16>();
    lanes.iter().enumerate().fold(0, |mask, (index, lane)| {
        // SAFETY: SSE2 is part of x86-64, and `_mm_loadu_si128` reads 16 bytes from any
        // alignment: `lane` is exactly 16 bytes.
        let bits = unsafe {
            let bytes = _mm_loadu_si128(lane.as_ptr().cast());
            // x < n, unsigned: min(x, n - 1) == x.
            let digit = _mm_sub_epi8(bytes, _mm_set1_epi8(b'0' as i8));
            let is_digit = _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit);
            let lower = _mm_or_si128(bytes, _mm_set1_epi8(0x20));
            let letter = _mm_sub_epi8(lower, _mm_set1_epi8(b'a' as i8));
            let is_letter = _mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(25)), letter);
            _mm_movemask_epi8(_mm_or_si128(is_digit, is_letter)) as u16
        };
        mask | (u64::from(bits) << (16 * index))
    })
}

/// Bit `i` set when `block[i]` is an ASCII letter or digit.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline]
fn block_mask(block: &[u8; BLOCK]) -> u64 {
    portable_block_mask(block)
}

/// [`block_mask`] without SIMD: lanes of 16 bytes, which compilers pack into one mask each.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn portable_block_mask(block: &[u8; BLOCK]) -> u64 {
    let (lanes, _) = block.as_chunks::<16>();
    lanes.iter().enumerate().fold(0, |mask, (index, lane)| {
        let bits = lane.iter().enumerate().fold(0u16, |bits, (bit, &byte)| {
            bits | (u16::from(byte.is_ascii_alphanumeric()) << bit)
        });
        mask | (u64::from(bits) << (16 * index))
    })
}

#[cfg(test)]
mod tests {
    use super::super::names::key;
    use super::*;

    /// The word starts of `bytes`, byte by byte, with the keys the name table gives them.
    fn word_starts_one_by_one(bytes: &[u8]) -> Vec<(usize, u64)> {
        (0..bytes.len())
            .filter(|&at| {
                bytes[at].is_ascii_alphanumeric()
                    && (at == 0 || !bytes[at - 1].is_ascii_alphanumeric())
            })
            .map(|at| (at, key(&bytes[at..])))
            .collect()
    }

    #[test]
    fn every_byte_is_classified_as_the_standard_library_does() {
        let all: Vec<u8> = (0..=255).collect();
        for window in all.windows(BLOCK).chain([&all[192..]]) {
            let mut block = [0; BLOCK];
            block[..window.len()].copy_from_slice(window);
            let expected = block.iter().enumerate().fold(0, |mask, (i, b)| {
                mask | u64::from(b.is_ascii_alphanumeric()) << i
            });
            assert_eq!(block_mask(&block), expected);
            assert_eq!(portable_block_mask(&block), expected);
        }
    }

    #[test]
    fn words_across_block_borders_have_whole_keys() {
        for shift in 0..80 {
            let text = format!("{}Cyclosporine 5-FU é1x ab", "-".repeat(shift));
            assert_eq!(
                AsciiWordStarts::new(text.as_bytes()).collect::<Vec<_>>(),
                word_starts_one_by_one(text.as_bytes()),
                "after {shift} dashes"
            );
        }
    }

    #[test]
    fn empty_and_wordless_texts_have_no_starts() {
        assert_eq!(AsciiWordStarts::new(b"").next(), None);
        assert_eq!(AsciiWordStarts::new("—, ;\u{a0}".as_bytes()).next(), None);
    }

    proptest::proptest! {
        #[test]
        fn word_starts_are_those_found_byte_by_byte(text in "[aZ09é .\\-]{0,300}") {
            proptest::prop_assert_eq!(
                AsciiWordStarts::new(text.as_bytes()).collect::<Vec<_>>(),
                word_starts_one_by_one(text.as_bytes())
            );
        }
    }
}
