//! Queries drawn from the index itself for `medlit bench query` (see [`super`]): records
//! sampled at random, then words, phrases, surnames and MeSH headings taken from them.

use std::collections::HashMap;

use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Searcher, Term};

use super::{BenchQuery, QueryClass, QuerySet};
use crate::analysis;
use crate::error::{Error, Result};
use crate::gen::Rng;
use crate::index::MedlitIndex;
use crate::query::Search;
use crate::record::Record;

/// Draws `per_class` candidate queries of each generated class from `index` (see the module
/// docs); the same seed gives the same queries on the same index.
pub fn generate(
    index: &MedlitIndex,
    search: &Search<'_>,
    per_class: usize,
    seed: u64,
) -> Result<QuerySet> {
    let mut rng = Rng::new(seed);
    let searcher = search.searcher();
    let sample_size = (per_class * 4).clamp(100, 5_000);
    let mut records = Vec::with_capacity(sample_size);
    for address in sample_addresses(searcher, &mut rng, sample_size) {
        records.push(search.record_at(address)?);
    }
    let mut notes = Vec::new();
    let mut words = WordStats::new(index, searcher)?;
    let mut pools = Pools::of(&records, &mut words)?;
    if pools.word_count() == 0 {
        words.bounds = (1, u64::MAX);
        pools = Pools::of(&records, &mut words)?;
        notes.push(
            "the index is too small for the document-frequency bounds; words are drawn without them"
                .to_string(),
        );
    }
    let mut classes = Vec::new();
    for class in QueryClass::GENERATED {
        let queries = draw_n(per_class, &mut rng, |rng| pools.draw(class, rng));
        if queries.is_empty() {
            notes.push(format!(
                "no {} queries: the sampled records have nothing to build them from",
                class.name()
            ));
            continue;
        }
        classes.push((
            class,
            queries.into_iter().map(BenchQuery::generated).collect(),
        ));
    }
    Ok(QuerySet {
        classes,
        failed: Vec::new(),
        notes,
    })
}

/// Up to `n` values of `draw`, giving up after `10 n` attempts that draw nothing.
fn draw_n(
    n: usize,
    rng: &mut Rng,
    mut draw: impl FnMut(&mut Rng) -> Option<String>,
) -> Vec<String> {
    let mut drawn = Vec::with_capacity(n);
    let mut attempts = 0;
    while drawn.len() < n && attempts < n.saturating_mul(10) {
        attempts += 1;
        if let Some(query) = draw(rng) {
            drawn.push(query);
        }
    }
    drawn
}

/// `n` addresses of live documents drawn uniformly (with replacement); fewer only when
/// almost every document is deleted.
fn sample_addresses(searcher: &Searcher, rng: &mut Rng, n: usize) -> Vec<DocAddress> {
    let segments = searcher.segment_readers();
    let total: u64 = segments.iter().map(|s| u64::from(s.max_doc())).sum();
    let mut addresses = Vec::with_capacity(n);
    let mut attempts = 0;
    while addresses.len() < n && attempts < n * 20 && total > 0 {
        attempts += 1;
        let mut ordinal = rng.below(total);
        for (segment, reader) in segments.iter().enumerate() {
            let max_doc = u64::from(reader.max_doc());
            if ordinal >= max_doc {
                ordinal -= max_doc;
                continue;
            }
            let doc = ordinal as u32;
            if reader
                .alive_bitset()
                .is_none_or(|alive| alive.is_alive(doc))
            {
                addresses.push(DocAddress::new(segment as u32, doc));
            }
            break;
        }
    }
    addresses
}

/// Document frequencies of surface words, through the index's own analyzer, and the bounds
/// a word's frequency must be within to be drawn.
struct WordStats<'s> {
    analyzer: TextAnalyzer,
    searcher: &'s Searcher,
    fields: [tantivy::schema::Field; 2],
    cache: HashMap<String, u64>,
    /// Inclusive document-frequency bounds.
    bounds: (u64, u64),
}

impl<'s> WordStats<'s> {
    fn new(index: &MedlitIndex, searcher: &'s Searcher) -> Result<WordStats<'s>> {
        let analyzer = index
            .index
            .tokenizers()
            .get(analysis::BIOMED)
            .ok_or_else(|| Error::Usage("the index has no biomed analyzer".into()))?;
        let docs = searcher.num_docs();
        // At least 5 records (1 in small indexes), at most a fifth of them: skips typos and
        // stop words alike.
        let min = (docs / 200).clamp(1, 5);
        let bounds = (min, (docs / 5).max(min));
        Ok(WordStats {
            analyzer,
            searcher,
            fields: [index.fields.title, index.fields.abstract_text],
            cache: HashMap::new(),
            bounds,
        })
    }

    /// The number of records with `word` (lower-case) in the title or the abstract, at least.
    fn doc_freq(&mut self, word: &str) -> Result<u64> {
        if let Some(&known) = self.cache.get(word) {
            return Ok(known);
        }
        let mut stream = self.analyzer.token_stream(word);
        let token = if stream.advance() {
            stream.token().text.clone()
        } else {
            String::new()
        };
        let mut freq = 0;
        if !token.is_empty() {
            for field in self.fields {
                freq = freq.max(
                    self.searcher
                        .doc_freq(&Term::from_field_text(field, &token))?,
                );
            }
        }
        self.cache.insert(word.to_string(), freq);
        Ok(freq)
    }

    /// True when `word` is frequent enough, and not too frequent, to be drawn.
    fn is_good(&mut self, word: &str) -> Result<bool> {
        let freq = self.doc_freq(word)?;
        Ok(freq >= self.bounds.0 && freq <= self.bounds.1)
    }
}

/// What one sampled record offers to queries.
#[derive(Debug, Default)]
struct RecordPool {
    /// Good words of the title.
    title_words: Vec<String>,
    /// Good words of the title and the start of the abstract.
    words: Vec<String>,
    /// Adjacent good words of the title.
    phrases: Vec<(String, String)>,
    /// Author surnames.
    surnames: Vec<String>,
    /// MeSH descriptors.
    mesh: Vec<String>,
}

/// Words of the abstract considered, from its start: enough for variety, bounded cost.
const ABSTRACT_WORDS: usize = 100;

impl RecordPool {
    fn of(record: &Record, words: &mut WordStats<'_>) -> Result<RecordPool> {
        let mut pool = RecordPool::default();
        let title: Vec<Option<String>> = record.title.split(' ').map(clean_word).collect();
        for pair in title.windows(2) {
            if let [Some(first), Some(second)] = pair {
                if words.is_good(first)? && words.is_good(second)? {
                    pool.phrases.push((first.clone(), second.clone()));
                }
            }
        }
        for word in title.into_iter().flatten() {
            if words.is_good(&word)? {
                push_new(&mut pool.title_words, word);
            }
        }
        pool.words = pool.title_words.clone();
        let abstract_words = record
            .abstract_text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .take(ABSTRACT_WORDS);
        for word in abstract_words.filter_map(clean_word) {
            if words.is_good(&word)? {
                push_new(&mut pool.words, word);
            }
        }
        pool.surnames = record
            .authors
            .iter()
            .filter_map(|author| surname(&author.name))
            .collect();
        pool.mesh = record
            .mesh
            .iter()
            .map(|heading| heading.descriptor.trim().to_string())
            .filter(|descriptor| !descriptor.is_empty() && !descriptor.contains('"'))
            .collect();
        Ok(pool)
    }
}

fn push_new(words: &mut Vec<String>, word: String) {
    if !words.contains(&word) {
        words.push(word);
    }
}

/// English function words long enough to pass [`clean_word`]: nobody searches for them, and
/// in a small index the document-frequency bound does not catch them all.
const FUNCTION_WORDS: &[&str] = &[
    "about", "after", "also", "among", "been", "before", "being", "between", "both", "could",
    "does", "during", "each", "from", "have", "into", "more", "most", "only", "other", "over",
    "should", "some", "such", "than", "that", "their", "then", "there", "these", "they", "this",
    "those", "under", "upon", "very", "well", "were", "what", "when", "where", "which", "while",
    "whose", "will", "with", "within", "without", "would",
];

/// A word as people type it in a query: ASCII letters only, 4 to 24 of them, lower-cased,
/// not a function word; anything else (`cancer:`, `IL-6`, `2020`, `with`) is not a word here.
fn clean_word(raw: &str) -> Option<String> {
    let ok = (4..=24).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphabetic());
    let word = ok.then(|| raw.to_ascii_lowercase())?;
    (!FUNCTION_WORDS.contains(&word.as_str())).then_some(word)
}

/// The surname of an author name as written: before the comma of `Smith, John`, else the
/// last word of `John Smith`; `None` unless it is made of letters (and `-`, `'`).
fn surname(name: &str) -> Option<String> {
    let last = match name.split_once(',') {
        Some((last, _)) => last.trim(),
        None => name.split_whitespace().last()?,
    };
    let letters = last.chars().filter(|c| c.is_alphabetic()).count();
    let ok = letters >= 2
        && last
            .chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'');
    ok.then(|| last.to_string())
}

/// The pools of every sampled record.
struct Pools(Vec<RecordPool>);

impl Pools {
    fn of(records: &[Record], words: &mut WordStats<'_>) -> Result<Pools> {
        let pools = records
            .iter()
            .map(|record| RecordPool::of(record, words))
            .collect::<Result<Vec<_>>>()?;
        Ok(Pools(pools))
    }

    fn word_count(&self) -> usize {
        self.0.iter().map(|pool| pool.words.len()).sum()
    }

    /// A random record's pool among those `usable`.
    fn pick(&self, rng: &mut Rng, usable: impl Fn(&RecordPool) -> bool) -> Option<&RecordPool> {
        let candidates: Vec<&RecordPool> = self.0.iter().filter(|p| usable(p)).collect();
        pick(rng, &candidates).copied()
    }

    /// One query of `class`, or `None` when this draw found nothing.
    fn draw(&self, class: QueryClass, rng: &mut Rng) -> Option<String> {
        match class {
            QueryClass::Term => {
                let pool = self.pick(rng, |p| !p.words.is_empty())?;
                pick(rng, &pool.words).cloned()
            }
            QueryClass::And => {
                let pool = self.pick(rng, |p| p.words.len() >= 2)?;
                let k = 2 + rng.below(2) as usize;
                Some(distinct(rng, &pool.words, k).join(" "))
            }
            QueryClass::Or => {
                let k = 2 + rng.below(2) as usize;
                let mut chosen: Vec<String> = Vec::with_capacity(k);
                for _ in 0..k {
                    let pool = self.pick(rng, |p| !p.words.is_empty())?;
                    push_new(&mut chosen, pick(rng, &pool.words)?.clone());
                }
                (chosen.len() >= 2).then(|| chosen.join(" OR "))
            }
            QueryClass::Phrase => {
                let pool = self.pick(rng, |p| !p.phrases.is_empty())?;
                let (first, second) = pick(rng, &pool.phrases)?;
                Some(format!("\"{first} {second}\""))
            }
            QueryClass::Field => self.draw_field(rng),
            QueryClass::Mesh => {
                let pool = self.pick(rng, |p| !p.mesh.is_empty())?;
                Some(format!("\"{}\"[mh]", pick(rng, &pool.mesh)?))
            }
            QueryClass::Text => None,
        }
    }

    /// `word[ti]` or `Surname[au]`, half and half when the records have both.
    fn draw_field(&self, rng: &mut Rng) -> Option<String> {
        let has_titles = self.0.iter().any(|p| !p.title_words.is_empty());
        let has_authors = self.0.iter().any(|p| !p.surnames.is_empty());
        let author = match (has_titles, has_authors) {
            (false, false) => return None,
            (true, true) => rng.below(2) == 1,
            (_, has_authors) => has_authors,
        };
        if author {
            let pool = self.pick(rng, |p| !p.surnames.is_empty())?;
            Some(format!("{}[au]", pick(rng, &pool.surnames)?))
        } else {
            let pool = self.pick(rng, |p| !p.title_words.is_empty())?;
            Some(format!("{}[ti]", pick(rng, &pool.title_words)?))
        }
    }
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> Option<&'a T> {
    items.get(rng.below(items.len() as u64) as usize)
}

/// Up to `k` distinct items of `items`, in random order.
fn distinct(rng: &mut Rng, items: &[String], k: usize) -> Vec<String> {
    let mut remaining: Vec<&String> = items.iter().collect();
    let mut chosen = Vec::with_capacity(k);
    while chosen.len() < k && !remaining.is_empty() {
        let at = rng.below(remaining.len() as u64) as usize;
        chosen.push(remaining.swap_remove(at).clone());
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surnames_come_from_either_name_order() {
        assert_eq!(surname("Smith, John").as_deref(), Some("Smith"));
        assert_eq!(
            surname("Bharath Chandrasekaran").as_deref(),
            Some("Chandrasekaran")
        );
        assert_eq!(surname("Anne-Marie O'Neil").as_deref(), Some("O'Neil"));
        assert_eq!(surname("Group 7"), None);
        assert_eq!(surname(""), None);
    }

    #[test]
    fn clean_words_are_plain_letters() {
        assert_eq!(clean_word("Rituximab").as_deref(), Some("rituximab"));
        assert_eq!(clean_word("cancer:"), None);
        assert_eq!(clean_word("IL-6"), None);
        assert_eq!(clean_word("the"), None);
        assert_eq!(clean_word("Whose"), None);
    }

    #[test]
    fn random_draws_stay_in_range_and_repeat_with_the_seed() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for n in [1, 2, 3, 10, 1000] {
            let x = a.below(n);
            assert!(x < n);
            assert_eq!(x, b.below(n));
        }
        assert_eq!(Rng::new(1).below(0), 0);
        let words: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut chosen = distinct(&mut a, &words, 5);
        chosen.sort();
        assert_eq!(chosen, words);
    }
}
