//! The names of a lexicon, laid out for the one question the therapy scan asks at every word
//! start: which is the longest name that starts here and ends a word?
//!
//! Names are grouped by a key made of their first [`KEY_LEN`] bytes, folded by [`fold`] so
//! that case does not matter and a short name's key is the same whatever non-word character
//! follows it in a text. At a word start a bit set of the keys (16 KiB, so it stays in the L1
//! cache) turns most positions away at once (`the`, `with`, `patients`); elsewhere the few
//! names sharing the position's key are compared, longest first. An Aho-Corasick automaton
//! walked from each word start did the same work with a cache miss at nearly every byte (a
//! table of megabytes), and one unanchored pass over the whole text read every byte of it.

/// How many leading bytes of a name make its key. Eight rather than four: `therapy` and
/// `transplant` then no longer share the key of `therapeutic hypothermia` and `transarterial
/// embolization`, so that far fewer word starts reach a comparison of names.
pub(super) const KEY_LEN: usize = 8;
/// 2^17 bits: about 1% of them set by a lexicon of a few thousand names.
const HASH_BITS: u32 = 17;

/// A name's bytes and the index of its therapy.
type Name = (Box<[u8]>, u32);

/// Every name of a lexicon with the index of its therapy, grouped by key.
#[derive(Debug)]
pub(super) struct NameTable {
    /// One bit per key hash, set for the key of every name.
    bits: Vec<u64>,
    /// Open addressing from a key to its group: `(key, group + 1)`, `(_, 0)` where empty;
    /// a power of two at least twice the number of keys.
    slots: Vec<(u64, u32)>,
    /// The names of group `g` are `names[groups[g]..groups[g + 1]]`.
    groups: Vec<usize>,
    /// Names and their therapies, by key, longest first within a key.
    names: Vec<Name>,
    /// Whether some name starts with this byte (in either ASCII case). The scan asks it
    /// before looking a position up: most lexicons have no name that starts with a space
    /// or a comma, so no position after punctuation is looked up.
    first_bytes: [bool; 256],
    /// Whether every name starts with an ASCII letter or digit, so that names need only be
    /// looked up at word starts.
    starts_with_word_bytes: bool,
}

impl NameTable {
    /// Indexes `names`, each with the index of its therapy. Names should differ in more than
    /// ASCII case; of two that do not, either may be found.
    pub(super) fn new<'n>(names: impl IntoIterator<Item = (&'n str, u32)>) -> NameTable {
        let mut names: Vec<(u64, Box<[u8]>, u32)> = names
            .into_iter()
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, therapy)| (key(name.as_bytes()), name.as_bytes().into(), therapy))
            .collect();
        names.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.len().cmp(&a.1.len())));
        let keys = names.chunk_by(|a, b| a.0 == b.0).count();
        let mut table = NameTable {
            bits: vec![0; (1 << HASH_BITS) / 64],
            slots: vec![(0, 0); (2 * keys).next_power_of_two().max(2)],
            groups: Vec::with_capacity(keys + 1),
            names: Vec::with_capacity(names.len()),
            first_bytes: [false; 256],
            starts_with_word_bytes: names.iter().all(|(_, name, _)| is_word_byte(name[0])),
        };
        let mut last_key = None;
        for (index, (key, name, therapy)) in names.into_iter().enumerate() {
            if last_key != Some(key) {
                last_key = Some(key);
                table.groups.push(index);
                table.insert_key(key, table.groups.len() as u32);
            }
            if let Some(&first) = name.first() {
                table.first_bytes[usize::from(first.to_ascii_lowercase())] = true;
                table.first_bytes[usize::from(first.to_ascii_uppercase())] = true;
            }
            table.names.push((name, therapy));
        }
        table.groups.push(table.names.len());
        table
    }

    fn insert_key(&mut self, key: u64, group_plus_one: u32) {
        let bit = hash(key);
        self.bits[bit / 64] |= 1 << (bit % 64);
        let mask = self.slots.len() - 1;
        let mut slot = bit & mask;
        while self.slots[slot].1 != 0 {
            slot = (slot + 1) & mask;
        }
        self.slots[slot] = (key, group_plus_one);
    }

    /// Whether some name may have this key: false for most words of a text (`the`, `with`),
    /// at the cost of one bit test. Inlined into the scan, so that those words cost no call.
    #[inline(always)]
    pub(super) fn may_have_key(&self, key: u64) -> bool {
        self.has_bit(hash(key))
    }

    #[inline(always)]
    fn has_bit(&self, bit: usize) -> bool {
        self.bits[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The group of names with this key.
    #[inline]
    fn group(&self, key: u64) -> Option<&[Name]> {
        let bit = hash(key);
        if !self.has_bit(bit) {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut slot = bit & mask;
        loop {
            match self.slots[slot] {
                (_, 0) => return None,
                (found, group) if found == key => {
                    let group = group as usize - 1;
                    return Some(&self.names[self.groups[group]..self.groups[group + 1]]);
                }
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Whether every name starts with an ASCII letter or digit.
    pub(super) fn starts_with_word_bytes(&self) -> bool {
        self.starts_with_word_bytes
    }

    /// Whether some name starts with `byte` (ASCII case aside).
    #[inline]
    pub(super) fn may_start_with(&self, byte: u8) -> bool {
        self.first_bytes[usize::from(byte)]
    }

    /// The end and therapy of the longest name that starts at byte `at` of `text` and ends a
    /// word there (no letter or digit follows it).
    #[inline]
    pub(super) fn longest_at(&self, text: &str, at: usize) -> Option<(usize, u32)> {
        let rest = text.as_bytes().get(at..)?;
        self.longest_with_key(text, at, key(rest))
    }

    /// [`NameTable::longest_at`], given the key of the text at `at`.
    #[inline]
    pub(super) fn longest_with_key(&self, text: &str, at: usize, key: u64) -> Option<(usize, u32)> {
        let rest = text.as_bytes().get(at..)?;
        self.group(key)?
            .iter()
            .find(|(name, _)| {
                rest.get(..name.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(name))
                    && ends_word(text, at + name.len())
            })
            .map(|(name, therapy)| (at + name.len(), *therapy))
    }
}

/// The key of a name, or of the text at a position: its first [`KEY_LEN`] bytes folded, up to
/// and including the first that folds to 0 after the first byte, padded with 0. A name found
/// in a text has the same key as the text there: the bytes agree once folded, and a name
/// shorter than the key is followed by a byte that folds to 0 (or by the end of the text).
#[inline]
pub(super) fn key(bytes: &[u8]) -> u64 {
    let mut key = 0;
    for (index, &byte) in bytes.iter().take(KEY_LEN).enumerate() {
        let folded = fold(byte);
        key |= u64::from(folded) << (8 * index);
        if folded == 0 && index > 0 {
            break;
        }
    }
    key
}

/// The end of the word (ASCII letters and digits) that starts at `start` of `bytes`, and the
/// key of the text there: the scan steps over each word anyway, and folds its first bytes into
/// the key on the way. Equal to [`key`] where a word starts, since the byte after a word folds
/// to 0.
#[inline]
pub(super) fn word_end_and_key(bytes: &[u8], start: usize) -> (usize, u64) {
    let mut key = 0;
    let mut end = start;
    while let Some(folded) = bytes.get(end).map(|&byte| fold(byte)).filter(|&f| f != 0) {
        let index = end - start;
        if index < KEY_LEN {
            key |= u64::from(folded) << (8 * index);
        }
        end += 1;
    }
    (end, key)
}

/// [`fold`] of every byte, computed once.
const FOLDED: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        if b.is_ascii_alphanumeric() {
            table[byte] = b.to_ascii_lowercase();
        }
        byte += 1;
    }
    table
};

/// An ASCII letter in lower case, an ASCII digit as is, any other byte 0: two bytes taken as
/// equal (ASCII case aside) fold to the same value, and every byte that can follow a name
/// that ends a word folds to 0.
#[inline]
fn fold(byte: u8) -> u8 {
    FOLDED[usize::from(byte)]
}

/// Whether `byte` is an ASCII letter or digit (one table lookup).
#[inline]
pub(super) fn is_word_byte(byte: u8) -> bool {
    fold(byte) != 0
}

#[inline]
fn hash(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - HASH_BITS)) as usize
}

/// True when no letter or digit comes before byte `start` of `text`.
pub(super) fn starts_word(text: &str, start: usize) -> bool {
    !text[..start]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

/// True when `end` is a character boundary of `text` and no letter or digit follows it.
pub(super) fn ends_word(text: &str, end: usize) -> bool {
    text.get(end..)
        .is_some_and(|rest| !rest.chars().next().is_some_and(char::is_alphanumeric))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(names: &[&str]) -> NameTable {
        NameTable::new(names.iter().copied().zip(0..))
    }

    #[test]
    fn the_longest_name_that_ends_a_word_is_found() {
        let names = table(&["stem cell", "stem cell transplantation", "ECT", "A"]);
        let text = "Stem cell transplantations; stem cell. ECT, A";
        assert_eq!(names.longest_at(text, 0), Some((9, 0)));
        assert_eq!(names.longest_at(text, 28), Some((37, 0)));
        assert_eq!(names.longest_at(text, 39), Some((42, 2)));
        assert_eq!(names.longest_at(text, 44), Some((45, 3)));
        assert_eq!(names.longest_at("ECTé", 0), None);
        assert_eq!(
            names.longest_at("direct", 3),
            Some((6, 2)),
            "the caller checks the start"
        );
        assert_eq!(names.longest_at("directly", 3), None);
    }

    #[test]
    fn word_keys_are_the_keys_of_word_starts() {
        let text = b"Ab12 cyclosporinE-A, x ECT\xc3\xa9 5";
        for start in 0..text.len() {
            if is_word_byte(text[start]) {
                let (end, word_key) = word_end_and_key(text, start);
                assert_eq!(word_key, key(&text[start..]), "at {start}");
                assert!(text[start..end].iter().all(|&b| is_word_byte(b)));
                assert!(text.get(end).is_none_or(|&b| !is_word_byte(b)));
            }
        }
    }

    #[test]
    fn keys_ignore_case_and_what_follows_a_short_name() {
        assert_eq!(key(b"ECT"), key(b"ect, and"));
        assert_eq!(key(b"ECT"), key("ect\u{a0}".as_bytes()));
        assert_eq!(key(b"5-FU"), key(b"5 mg"));
        assert_ne!(key(b"ther"), key(b"the "));
        assert_eq!(key(b""), 0);
    }

    #[test]
    fn common_words_are_turned_away_by_the_bit_set() {
        let lexicon = super::super::Lexicon::builtin();
        for word in ["the ", "with ", "of ", "and ", "case ", "were "] {
            let bit = hash(key(word.as_bytes()));
            assert_eq!(
                lexicon.names.bits[bit / 64] & (1 << (bit % 64)),
                0,
                "{word}"
            );
        }
    }
}
