//! Words: how sample text is cut into words, the vocabularies learned from it (the most
//! frequent words with their frequencies, then a Zipf tail of synthetic words), and the
//! therapy names the generator sprinkles into titles and abstracts.

use std::borrow::Cow;
use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::random::{ln, Alias, Rng, ZipfTail};
use crate::therapy::{Lexicon, BUILTIN_LEXICON};

/// One word of a text and the punctuation after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token<'t> {
    /// The word without surrounding punctuation; lower-cased when it starts a sentence and is
    /// merely capitalised (`The` → `the`, but `CD4` and `ITP` stay).
    pub(crate) word: Cow<'t, str>,
    /// A `.`, `?` or `!` follows.
    pub(crate) ends_sentence: bool,
    /// A `,` or `;` follows.
    pub(crate) comma: bool,
}

/// The words of `text`: whitespace-separated, with leading and trailing punctuation removed.
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = Token<'_>> + '_ {
    let mut sentence_start = true;
    text.split_whitespace().filter_map(move |raw| {
        let not_word = |c: char| !c.is_alphanumeric();
        let head_trimmed = raw.trim_start_matches(not_word);
        let word = head_trimmed.trim_end_matches(not_word);
        let after = &head_trimmed[word.len()..];
        let ends_sentence = after.contains(['.', '?', '!']);
        let comma = !ends_sentence && after.contains([',', ';']);
        let starts = std::mem::replace(&mut sentence_start, ends_sentence);
        if word.is_empty() {
            sentence_start |= starts;
            return None;
        }
        let word = if starts && is_capitalised(word) {
            Cow::Owned(word.to_lowercase())
        } else {
            Cow::Borrowed(word)
        };
        Some(Token {
            word,
            ends_sentence,
            comma,
        })
    })
}

/// `The`, `A`, `Rituximab`: an upper-case first letter and no other upper-case letter.
fn is_capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && !chars.any(char::is_uppercase)
}

/// Counts the words of a text field while it is learned, and how the number of distinct
/// words grows with the number of words read (Heaps' law).
#[derive(Debug, Default)]
pub(crate) struct WordCounter {
    counts: HashMap<String, u64>,
    total: u64,
    /// Distinct words after 2^k words, for k = 0, 1, 2, …
    distinct_at_powers: Vec<u64>,
}

impl WordCounter {
    /// Counts one word.
    pub(crate) fn add(&mut self, word: &str) {
        self.total += 1;
        match self.counts.get_mut(word) {
            Some(count) => *count += 1,
            None => {
                self.counts.insert(word.to_string(), 1);
            }
        }
        if self.total.is_power_of_two() {
            self.distinct_at_powers.push(self.counts.len() as u64);
        }
    }

    /// Heaps' exponent β (distinct words grow like `words^β`) between the last two powers of
    /// two; 0.6 when the sample is too small to tell. Kept within `0.4..=0.8`.
    fn heaps_beta(&self) -> f64 {
        let n = self.distinct_at_powers.len();
        if n < 9 {
            return 0.6;
        }
        let (before, last) = (
            self.distinct_at_powers[n - 2],
            self.distinct_at_powers[n - 1],
        );
        let beta = ln(last as f64 / before as f64) / std::f64::consts::LN_2;
        beta.clamp(0.4, 0.8)
    }
}

/// The words a field is made of: the sample's most frequent words with their frequencies,
/// and beyond them synthetic words with Zipf frequencies, so the vocabulary keeps growing
/// with the size of the corpus as real text does.
#[derive(Debug, Clone)]
pub(crate) struct Vocabulary {
    words: Vec<Box<str>>,
    /// Draws an index into `words`, or `words.len()` for a word of the tail.
    alias: Alias,
    tail: ZipfTail,
    /// Share of the words drawn from the tail.
    tail_share: f64,
}

impl Vocabulary {
    /// Keeps the `limit` most frequent words of `counter`. The tail gets the Good–Turing
    /// estimate of unseen words (the share of words seen once) plus the words left out, and
    /// the Zipf exponent `1/β` that gives the sample's Heaps exponent β.
    pub(crate) fn learn(counter: WordCounter, limit: usize) -> Vocabulary {
        let beta = counter.heaps_beta();
        let total = counter.total;
        let mut pairs: Vec<(String, u64)> = counter.counts.into_iter().collect();
        pairs.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let dropped: u64 = pairs.iter().skip(limit).map(|(_, c)| c).sum();
        pairs.truncate(limit);
        let seen_once = pairs.iter().filter(|(_, c)| *c == 1).count() as u64;
        let tail_share = if total == 0 {
            1.0
        } else {
            ((seen_once + dropped) as f64 / total as f64).clamp(0.001, 0.5)
        };
        let kept: u64 = pairs.iter().map(|(_, c)| c).sum();
        let mut weights: Vec<f64> = pairs
            .iter()
            .map(|(_, c)| *c as f64 / kept.max(1) as f64 * (1.0 - tail_share))
            .collect();
        weights.push(tail_share);
        Vocabulary {
            alias: Alias::new(&weights),
            tail: ZipfTail::new(pairs.len() as u64 + 1, 1.0 / beta),
            words: pairs.into_iter().map(|(w, _)| w.into_boxed_str()).collect(),
            tail_share,
        }
    }

    /// Appends one word.
    pub(crate) fn push(&self, rng: &mut Rng, out: &mut String) {
        let index = self.alias.sample(rng);
        match self.words.get(index) {
            Some(word) => out.push_str(word),
            None => push_synthetic(self.tail.sample(rng), out),
        }
    }

    /// Number of words learned.
    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }

    /// Share of words drawn from the synthetic tail.
    pub(crate) fn tail_share(&self) -> f64 {
        self.tail_share
    }
}

/// Syllables of synthetic words: 16 consonants × 4 vowels, so the 64 two-letter syllables
/// are base-64 digits.
const CONSONANTS: &[u8; 16] = b"bcdfghklmnprstvz";
const VOWELS: &[u8; 4] = b"aeio";
/// Endings of synthetic words. Their last two letters differ, so a word tells its ending,
/// hence its syllables, hence its rank: different ranks make different words.
const ENDINGS: [&str; 8] = ["ine", "ase", "itis", "oma", "ol", "in", "ide", "ate"];

/// Appends the synthetic word of tail rank `rank`: pronounceable, lower-case ASCII, unique
/// per rank (`bababine`, `kavotase`, …).
pub(crate) fn push_synthetic(rank: u64, out: &mut String) {
    let ending = ENDINGS[(rank % 8) as usize];
    // At least two syllables: the number has at least two base-64 digits.
    let mut number = rank / 8 + 64;
    let mut digits = [0u8; 12];
    let mut len = 0;
    while number > 0 {
        digits[len] = (number % 64) as u8;
        number /= 64;
        len += 1;
    }
    for &digit in digits[..len].iter().rev() {
        out.push(char::from(CONSONANTS[usize::from(digit / 4)]));
        out.push(char::from(VOWELS[usize::from(digit % 4)]));
    }
    out.push_str(ending);
}

/// The therapy names of the built-in lexicon, canonical names and synonyms, and a matcher
/// that finds them in sample text.
#[derive(Debug)]
pub(crate) struct TherapyForms {
    forms: Vec<Box<str>>,
    matcher: Option<AhoCorasick>,
}

impl TherapyForms {
    /// The forms of [`Lexicon::builtin`]: each therapy's canonical name and the synonyms the
    /// lexicon file gives it.
    pub(crate) fn builtin() -> TherapyForms {
        let lexicon = Lexicon::builtin();
        let mut synonyms: HashMap<&str, Vec<&str>> = HashMap::new();
        for line in BUILTIN_LEXICON.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut columns = line.split('\t');
            let name = columns.next().unwrap_or_default().trim();
            let listed = columns.nth(1).unwrap_or_default();
            synonyms
                .entry(name)
                .or_default()
                .extend(listed.split('|').map(str::trim).filter(|s| !s.is_empty()));
        }
        let mut seen = std::collections::HashSet::new();
        let mut forms: Vec<Box<str>> = Vec::new();
        for therapy in lexicon.therapies() {
            let names = std::iter::once(therapy.name.as_str()).chain(
                synonyms
                    .get(therapy.name.as_str())
                    .into_iter()
                    .flatten()
                    .copied(),
            );
            for form in names {
                if seen.insert(form.to_ascii_lowercase()) {
                    forms.push(Box::from(form));
                }
            }
        }
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(forms.iter().map(|f| f.as_bytes()))
            .ok();
        TherapyForms { forms, matcher }
    }

    /// `text` with every therapy it names (on word boundaries, as the lexicon matches) replaced
    /// by a space; the indexes of the forms found are appended to `found`.
    pub(crate) fn strip<'t>(&self, text: &'t str, found: &mut Vec<u32>) -> Cow<'t, str> {
        let Some(matcher) = &self.matcher else {
            return Cow::Borrowed(text);
        };
        let mut out = String::new();
        let mut copied = 0;
        for m in matcher.find_iter(text) {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            out.push_str(&text[copied..m.start()]);
            out.push(' ');
            copied = m.end();
            found.push(m.pattern().as_u32());
        }
        if copied == 0 {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }

    /// The form with this index.
    pub(crate) fn form(&self, index: u32) -> &str {
        self.forms.get(index as usize).map_or("", |f| f)
    }

    /// Number of forms.
    pub(crate) fn len(&self) -> usize {
        self.forms.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokens(text).map(|t| t.word.into_owned()).collect()
    }

    #[test]
    fn words_lose_punctuation_and_sentence_capitals() {
        assert_eq!(
            words("The (ITP) patient, aged 54, improved. Rituximab; CD4+ T-cells: 10^9/L."),
            [
                "the",
                "ITP",
                "patient",
                "aged",
                "54",
                "improved",
                "rituximab",
                "CD4",
                "T-cells",
                "10^9/L"
            ]
        );
        let tokens: Vec<Token> = tokens("A b, c. -- D").collect();
        assert!(tokens[1].comma && tokens[2].ends_sentence);
        assert_eq!(
            tokens[3].word, "d",
            "a sentence still starts after a lone dash"
        );
    }

    #[test]
    fn synthetic_words_are_distinct_per_rank() {
        let mut seen = std::collections::HashSet::new();
        for rank in 0..100_000u64 {
            let mut word = String::new();
            push_synthetic(rank, &mut word);
            assert!(word.bytes().all(|b| b.is_ascii_lowercase()), "{word}");
            assert!(seen.insert(word), "rank {rank}");
        }
        let mut first = String::new();
        push_synthetic(0, &mut first);
        assert_eq!(first, "bebaine");
    }

    #[test]
    fn vocabulary_keeps_frequent_words_and_a_tail_for_the_rest() {
        let mut counter = WordCounter::default();
        for word in ["the"; 50]
            .into_iter()
            .chain(["of"; 30])
            .chain(["rare", "once"])
        {
            counter.add(word);
        }
        let vocabulary = Vocabulary::learn(counter, 2);
        assert_eq!(vocabulary.len(), 2);
        // Two words left out of 82.
        assert!((vocabulary.tail_share() - 2.0 / 82.0).abs() < 1e-12);
        let mut rng = Rng::new(5);
        let mut the = 0;
        for _ in 0..10_000 {
            let mut out = String::new();
            vocabulary.push(&mut rng, &mut out);
            the += usize::from(out == "the");
        }
        assert!((5_700..6_300).contains(&the), "{the}");
    }

    #[test]
    fn therapies_are_stripped_on_word_boundaries() {
        let forms = TherapyForms::builtin();
        assert!(forms.len() > 1000, "{}", forms.len());
        let mut found = Vec::new();
        let text = "Rituximab and IVIG, not rituximabs or methylprednisolone.";
        let stripped = forms.strip(text, &mut found);
        let names: Vec<&str> = found.iter().map(|&i| forms.form(i)).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&"methylprednisolone"), "{names:?}");
        assert!(stripped.contains("rituximabs"), "{stripped}");
        assert!(!stripped.contains("IVIG"), "{stripped}");
    }
}
