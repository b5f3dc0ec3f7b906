//! Text analysis for biomedical prose.
//!
//! Abstracts are full of tokens that generic tokenizers shred: `IL-6`, `CD34+`, `COVID-19`,
//! `UC-MSCs`, `99.8%`, `day +60`. The [`BiomedTokenizer`] keeps each such compound as one
//! token *and* emits its alphanumeric parts, like a word-delimiter filter with
//! "preserve original":
//!
//! ```text
//! "IL-6 and CD34+ cells"  ->  il-6@0 il@0 6@1  and@2  cd34+@3 cd34@3  cell@4
//! ```
//!
//! The compound shares the position of its first part, so a query typed the way the abstract
//! writes it (`IL-6`) becomes a phrase that only matches the compound, while `IL 6` or `CD34`
//! still match through the parts. Plain alphabetic words are lower-cased and stemmed with the
//! English Snowball stemmer; compounds, numbers and codes are lower-cased but never stemmed,
//! so `99.8%` stays `99.8%`.
//!
//! Rules for a compound ("chunk"): a maximal run of letters, digits and the joiners
//! `- + % . _ ' ’`. Leading and trailing `-`, `.`, `_` and apostrophes are trimmed, a trailing
//! `'s` is dropped, a leading `+` is kept only before a digit (`+60`), a trailing `+` or `%`
//! only after a letter or digit. Parts split at every joiner except a `.` between two digits
//! (`99.8` is one part).

use std::cell::RefCell;

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer, TokenizerManager};

/// Name under which the stemming biomedical analyzer is registered.
pub const BIOMED: &str = "biomed";
/// Name under which the non-stemming biomedical analyzer is registered.
pub const BIOMED_NOSTEM: &str = "biomed_nostem";
/// Tokens longer than this (in bytes) are dropped: they are base64, sequences or garbage.
pub const MAX_TOKEN_BYTES: usize = 80;

/// Registers medlit's analyzers on an index's tokenizer manager. `stemming` is the index's
/// setting: the full-text fields use the [`BIOMED`] analyzer, which stems only when it is on.
pub fn register(manager: &TokenizerManager, stemming: bool, compounds: bool) {
    manager.register(BIOMED, TextAnalyzer::from(tokenizer(stemming, compounds)));
    manager.register(
        BIOMED_NOSTEM,
        TextAnalyzer::from(BiomedTokenizer::new(false)),
    );
}

/// The analyzer of an index with these settings.
pub fn tokenizer(stemming: bool, compounds: bool) -> BiomedTokenizer {
    let tokenizer = BiomedTokenizer::new(stemming);
    if compounds {
        tokenizer
    } else {
        tokenizer.without_compounds()
    }
}

/// The biomedical tokenizer: splitting, compounds, lower-casing and optional stemming in one
/// pass (see the module docs for the rules).
#[derive(Clone)]
pub struct BiomedTokenizer {
    stemmer: Option<Stemmer>,
    /// Emit compounds (`il-6`) as well as their parts.
    compounds: bool,
    /// When set, only words starting with one of these (lower-case) characters are stemmed.
    stemmed_initials: Option<Box<[char]>>,
    tokens: Vec<Token>,
    /// Scratch buffer for lower-casing.
    lowered: String,
}

/// `frostem::Stemmer` is not `Clone`; keep the algorithm and rebuild it when cloned.
struct Stemmer(frostem::Stemmer);

impl Clone for Stemmer {
    fn clone(&self) -> Self {
        Stemmer::english()
    }
}

impl Stemmer {
    fn english() -> Self {
        Stemmer(frostem::Stemmer::new(frostem::Algorithm::English))
    }

    /// Appends the stem of `word` to `out`, from this thread's [`STEMS`] when the word was
    /// seen lately. Words follow Zipf's law, so most are: a lookup costs a fraction of the
    /// Snowball algorithm, which took about a seventh of all ingest CPU time.
    fn stem_into(&self, word: &str, out: &mut String) {
        STEMS.with_borrow_mut(|stems| stems.push_stem(word, out, |word| self.0.stem(word).into()));
    }
}

/// How many words each generation of [`STEMS`] holds (together about 4.5 MiB per thread).
const STEM_CACHE_WORDS: usize = 24 * 1024;

/// Stems in two generations: when the recent one is full it becomes the older one, and a word
/// found there moves back to the recent one. The words in use survive the turnover, where a
/// cache emptied when full would stem them all again (Zipfian text fills 16,000 words every
/// few hundred records). On 30,000 generated records the Snowball stemmer runs 61% less
/// often than with one generation of 16,000 words, emptied when full.
#[derive(Default)]
struct StemCache {
    recent: FxHashMap<Box<str>, Box<str>>,
    older: FxHashMap<Box<str>, Box<str>>,
}

impl StemCache {
    /// Appends the stem of `word` to `out`: the cached one, else the one `stem` computes.
    fn push_stem(&mut self, word: &str, out: &mut String, stem: impl FnOnce(&str) -> Box<str>) {
        if let Some(cached) = self.recent.get(word) {
            out.push_str(cached);
            return;
        }
        let stem = self.older.remove(word).unwrap_or_else(|| stem(word));
        out.push_str(&stem);
        self.insert(word, stem);
    }

    fn insert(&mut self, word: &str, stem: Box<str>) {
        if self.recent.len() >= STEM_CACHE_WORDS {
            // The older generation's table is emptied and reused rather than grown anew.
            std::mem::swap(&mut self.recent, &mut self.older);
            self.recent.clear();
        }
        self.recent.insert(word.into(), stem);
    }
}

thread_local! {
    /// English stems of the words this thread stemmed lately. One per thread rather than per
    /// tokenizer: tantivy clones the analyzer for every field of every segment it writes, and
    /// its indexing threads live for the whole load.
    static STEMS: RefCell<StemCache> = RefCell::default();
}

impl BiomedTokenizer {
    /// A tokenizer that stems plain words when `stem` is true.
    pub fn new(stem: bool) -> Self {
        BiomedTokenizer {
            stemmer: stem.then(Stemmer::english),
            compounds: true,
            stemmed_initials: None,
            tokens: Vec::new(),
            lowered: String::new(),
        }
    }

    /// The same tokenizer without compound tokens: `IL-6` gives only `il` and `6`, as a
    /// generic word tokenizer would (for comparisons in the evaluation).
    pub fn without_compounds(mut self) -> Self {
        self.compounds = false;
        self
    }

    /// The same tokenizer, but a word whose lower-cased first character is none of
    /// `initials` is lower-cased and not stemmed. The English stem of a word starts with the
    /// word's first letter, so such a word can equal none of a few known terms starting with
    /// `initials`, stemmed or not: for finding those terms (snippets), the stemming is
    /// wasted.
    pub fn stemming_only_initials(mut self, initials: impl IntoIterator<Item = char>) -> Self {
        self.stemmed_initials = Some(initials.into_iter().collect());
        self
    }

    /// Whether the lower-cased word in `self.lowered` is to be stemmed.
    fn stems_lowered(&self) -> bool {
        match (&self.stemmed_initials, self.lowered.chars().next()) {
            (None, _) => true,
            (Some(initials), Some(first)) => initials.contains(&first),
            (Some(_), None) => false,
        }
    }

    /// Tokenizes `text` into `self.tokens` (reusing their buffers).
    fn fill(&mut self, text: &str) {
        let mut count = 0;
        let mut position = 0;
        for (start, end) in chunks(text) {
            let chunk = &text[start..end];
            let mut parts = parts(chunk).peekable();
            let single_part = matches!(parts.peek(), Some(&(s, e)) if s == 0 && e == chunk.len());
            if !single_part && self.compounds {
                self.push(&mut count, chunk, start, end, position, false);
            }
            for (part_start, part_end) in parts {
                let part = &chunk[part_start..part_end];
                let stem = part.chars().all(char::is_alphabetic);
                self.push(
                    &mut count,
                    part,
                    start + part_start,
                    start + part_end,
                    position,
                    stem,
                );
                position += 1;
            }
        }
        self.tokens.truncate(count);
    }

    /// Writes one token at index `count`, lower-cased and stemmed if asked and possible.
    fn push(
        &mut self,
        count: &mut usize,
        text: &str,
        offset_from: usize,
        offset_to: usize,
        position: usize,
        stem: bool,
    ) {
        if text.len() > MAX_TOKEN_BYTES {
            return;
        }
        self.lowered.clear();
        if text.is_ascii() {
            self.lowered.push_str(text);
            self.lowered.make_ascii_lowercase();
        } else {
            self.lowered
                .extend(text.chars().flat_map(char::to_lowercase));
        }
        let stem = stem && self.stems_lowered();
        if *count == self.tokens.len() {
            self.tokens.push(Token::default());
        }
        let token = &mut self.tokens[*count];
        token.text.clear();
        match (&self.stemmer, stem) {
            (Some(stemmer), true) => stemmer.stem_into(&self.lowered, &mut token.text),
            _ => token.text.push_str(&self.lowered),
        }
        token.offset_from = offset_from;
        token.offset_to = offset_to;
        token.position = position;
        token.position_length = 1;
        *count += 1;
    }
}

impl Tokenizer for BiomedTokenizer {
    type TokenStream<'a> = BiomedTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BiomedTokenStream<'a> {
        self.fill(text);
        BiomedTokenStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

/// Token stream over the tokens a [`BiomedTokenizer`] computed.
pub struct BiomedTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl TokenStream for BiomedTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '+' | '%' | '.' | '_' | '\'' | '’')
}

fn is_chunk_char(c: char) -> bool {
    c.is_alphanumeric() || is_joiner(c)
}

/// Byte ranges of the chunks of `text`, trimmed by the module-level rules.
fn chunks(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || loop {
        let (start, _) = rest.by_ref().find(|&(_, c)| is_chunk_char(c))?;
        let mut end = text.len();
        while let Some(&(offset, c)) = rest.peek() {
            if !is_chunk_char(c) {
                end = offset;
                break;
            }
            rest.next();
        }
        if let Some(range) = trim_chunk(text, start, end) {
            return Some(range);
        }
    })
}

/// Trims joiners off the ends of a chunk; `None` when nothing alphanumeric is left.
fn trim_chunk(text: &str, mut start: usize, mut end: usize) -> Option<(usize, usize)> {
    let chunk = &text[start..end];
    let first_alnum = chunk.find(char::is_alphanumeric)?;
    let last_alnum = chunk.rfind(char::is_alphanumeric)?;
    let last_alnum_end = last_alnum + chunk[last_alnum..].chars().next()?.len_utf8();
    let keep_plus = first_alnum > 0
        && chunk[..first_alnum].ends_with('+')
        && chunk[first_alnum..].starts_with(|c: char| c.is_ascii_digit());
    let new_start = if keep_plus {
        first_alnum - 1
    } else {
        first_alnum
    };
    let mut new_end = last_alnum_end;
    let tail = &chunk[last_alnum_end..];
    if tail.starts_with('+') || tail.starts_with('%') {
        new_end += 1;
    }
    end = start + new_end;
    start += new_start;
    let trimmed = &text[start..end];
    for suffix in ["'s", "’s", "'S", "’S"] {
        if let Some(stripped) = trimmed.strip_suffix(suffix) {
            if stripped.chars().any(char::is_alphanumeric) {
                end -= suffix.len();
            }
            break;
        }
    }
    Some((start, end))
}

/// Byte ranges (relative to `chunk`) of its alphanumeric parts; `.` between digits is kept.
fn parts(chunk: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = chunk.as_bytes();
    let is_separator = move |offset: usize, c: char| -> bool {
        if c == '.' {
            let digit_before = offset > 0 && bytes[offset - 1].is_ascii_digit();
            let digit_after = bytes.get(offset + 1).is_some_and(u8::is_ascii_digit);
            !(digit_before && digit_after)
        } else {
            !c.is_alphanumeric()
        }
    };
    let mut chars = chunk.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = chars
            .by_ref()
            .find(|&(offset, c)| !is_separator(offset, c))?;
        let mut end = chunk.len();
        while let Some(&(offset, c)) = chars.peek() {
            if is_separator(offset, c) {
                end = offset;
                break;
            }
            chars.next();
        }
        Some((start, end))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize)> {
        let mut tokenizer = BiomedTokenizer::new(true);
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    fn texts(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn compounds_keep_original_and_parts_at_same_position() {
        assert_eq!(
            tokens("IL-6 and CD34+ cells"),
            vec![
                ("il-6".into(), 0),
                ("il".into(), 0),
                ("6".into(), 1),
                ("and".into(), 2),
                ("cd34+".into(), 3),
                ("cd34".into(), 3),
                ("cell".into(), 4),
            ]
        );
    }

    #[test]
    fn percentages_and_day_markers_survive() {
        assert_eq!(
            texts("rate of 99.8% on day +25."),
            vec!["rate", "of", "99.8%", "99.8", "on", "day", "+25", "25"]
        );
    }

    #[test]
    fn virus_and_cell_names_survive() {
        assert_eq!(texts("COVID-19"), vec!["covid-19", "covid", "19"]);
        assert_eq!(texts("(UC-MSCs)"), vec!["uc-mscs", "uc", "mscs"]);
    }

    /// Every token of `text` as (text, from, to, position).
    fn all_of(tokenizer: &mut BiomedTokenizer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = stream.token();
            out.push((
                token.text.clone(),
                token.offset_from,
                token.offset_to,
                token.position,
            ));
        }
        out
    }

    /// The words of the built-in sample corpus, and the exceptions of Snowball's English
    /// stemmer (words it does not stem by its rules).
    fn many_words() -> String {
        let mut text = String::from(
            "skis skies dying lying tying idly gently ugly early only singly sky news howe \
             atlas cosmos bias andes yelling youth Yttrium inning outing canning herring \
             earring proceed exceed succeed generously communities arsenic",
        );
        for record in crate::gen::builtin_sample() {
            text.push(' ');
            text.push_str(&record.title);
            text.push(' ');
            text.push_str(&record.abstract_text);
        }
        text
    }

    #[test]
    fn english_stems_keep_the_first_letter() {
        let text = many_words();
        let stemmed = all_of(&mut BiomedTokenizer::new(true), &text);
        let lowered = all_of(&mut BiomedTokenizer::new(false), &text);
        assert_eq!(stemmed.len(), lowered.len());
        assert!(stemmed.len() > 5_000, "{}", stemmed.len());
        let mut changed = 0;
        for (stem, word) in stemmed.iter().zip(&lowered) {
            assert_eq!(stem.0.chars().next(), word.0.chars().next(), "{word:?}");
            changed += usize::from(stem.0 != word.0);
        }
        assert!(changed > 500, "{changed}");
    }

    #[test]
    fn stemming_only_initials_leaves_other_words_unstemmed() {
        let text = many_words();
        let initials = ['t', 'c', 's'];
        let all = all_of(&mut BiomedTokenizer::new(true), &text);
        let lowered = all_of(&mut BiomedTokenizer::new(false), &text);
        let some = all_of(
            &mut BiomedTokenizer::new(true).stemming_only_initials(initials),
            &text,
        );
        assert_eq!(some.len(), all.len());
        for ((some, all), lowered) in some.iter().zip(&all).zip(&lowered) {
            let stemmed = some.0.starts_with(initials);
            assert_eq!(some, if stemmed { all } else { lowered });
        }
    }

    #[test]
    fn plain_words_are_lowercased_and_stemmed() {
        assert_eq!(
            texts("Transplantations, Children!"),
            vec!["transplant", "children"]
        );
    }

    #[test]
    fn cached_stems_are_the_stemmers_even_after_the_cache_is_emptied() {
        let stemmer = Stemmer::english();
        // Alphabetic words in base 26 with English endings, more than the cache holds.
        let word = |n: usize| -> String {
            let mut letters: String = (0..4)
                .map(|i| char::from(b'a' + (n / 26usize.pow(i) % 26) as u8))
                .collect();
            letters.push_str(["ing", "ations", "ies", "ed", "ly"][n % 5]);
            letters
        };
        for round in 0..2 {
            // Both generations turn over, and the first words come back after that.
            for n in (0..2 * STEM_CACHE_WORDS + 100).chain(0..50) {
                let text = word(n);
                let expected = stemmer.0.stem(&text).into_owned();
                assert_eq!(texts(&text), [expected], "round {round}, {text}");
            }
        }
    }

    #[test]
    fn possessive_is_dropped() {
        assert_eq!(texts("Gaucher's disease"), vec!["gaucher", "diseas"]);
    }

    #[test]
    fn sentence_punctuation_is_trimmed() {
        assert_eq!(texts("- end. -x- ..."), vec!["end", "x"]);
    }

    #[test]
    fn unstemmed_analyzer_keeps_words() {
        let mut tokenizer = BiomedTokenizer::new(false);
        let mut stream = tokenizer.token_stream("Transplantations");
        assert!(stream.advance());
        assert_eq!(stream.token().text, "transplantations");
    }

    #[test]
    fn overlong_tokens_are_dropped() {
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(texts(&format!("x {long} y")), vec!["x", "y"]);
    }

    #[test]
    fn non_ascii_text_is_lowercased() {
        assert_eq!(texts("Ärzte-Ödem"), vec!["ärzte-ödem", "ärzte", "ödem"]);
    }
}
