//! Snippets: the fragment of an abstract that best shows a query's terms.
//!
//! The fragment is chosen as tantivy's `SnippetGenerator` chooses it (same candidate
//! fragments, same scores, the same one picked, tested against it), with two costs fewer.
//! tantivy clones the analyzer and allocates every token afresh for each abstract; here one
//! tokenizer is reused. And it stems every word of the abstract, where only words starting
//! with the first letter of a query term can match one: the others are not stemmed (see
//! [`BiomedTokenizer::stemming_only_initials`]). And a query with no term in the field gets
//! no tokenizing at all. On a million records this halved the ten snippets' share of a
//! search's CPU time (11.6% to 5.8%).

use std::collections::BTreeSet;
use std::ops::Range;

use rustc_hash::FxHashMap;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::tokenizer::{TokenStream, Tokenizer};
use tantivy::{Score, Searcher, Term};

use crate::analysis::BiomedTokenizer;
use crate::error::Result;
use crate::index::IndexSettings;

/// Finds the best fragment of a text for the terms of one query in one field.
pub struct Snippets {
    /// Each term's text, and its weight: `1 / (1 + document frequency)`.
    terms: FxHashMap<String, Score>,
    tokenizer: BiomedTokenizer,
    max_chars: usize,
    /// The fragment being read, and the best one so far.
    current: Fragment,
    best: Fragment,
}

/// A stretch of text and the query terms in it.
#[derive(Default)]
struct Fragment {
    start: usize,
    stop: usize,
    score: Score,
    highlighted: Vec<Range<usize>>,
}

impl Fragment {
    fn restart_at(&mut self, start: usize) {
        self.start = start;
        self.stop = start;
        self.score = 0.0;
        self.highlighted.clear();
    }
}

impl Snippets {
    /// Snippets of `field` for `query`'s terms in that field, at most `max_chars` bytes of
    /// text each, with the analyzer of an index with `settings`. Terms that no document
    /// holds are left out, as tantivy does.
    pub fn new(
        searcher: &Searcher,
        query: &dyn Query,
        field: Field,
        settings: IndexSettings,
        max_chars: usize,
    ) -> Result<Snippets> {
        let mut query_terms: BTreeSet<&Term> = BTreeSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field {
                query_terms.insert(term);
            }
        });
        let mut terms = FxHashMap::default();
        for term in query_terms {
            let value = term.value();
            let Some(text) = value.as_str() else {
                continue;
            };
            let doc_freq = searcher.doc_freq(term)?;
            if doc_freq > 0 {
                terms.insert(text.to_string(), 1.0 / (1.0 + doc_freq as Score));
            }
        }
        let initials: BTreeSet<char> = terms.keys().filter_map(|t| t.chars().next()).collect();
        let tokenizer = crate::analysis::tokenizer(settings.stemming, settings.compounds)
            .stemming_only_initials(initials);
        Ok(Snippets {
            terms,
            tokenizer,
            max_chars,
            current: Fragment::default(),
            best: Fragment::default(),
        })
    }

    /// The best fragment of `text` (its byte range) and the byte ranges of the query terms
    /// in it, relative to the fragment's start; `None` when no term occurs in `text`.
    ///
    /// Fragments are cut where the next token would end more than `max_chars` bytes after
    /// the fragment's start; a fragment scores the sum of its terms' weights (a term counts
    /// each time it occurs); the best is the highest-scoring one, the first of equals.
    pub fn best_fragment(&mut self, text: &str) -> Option<(Range<usize>, Vec<Range<usize>>)> {
        if self.terms.is_empty() {
            return None;
        }
        self.current.restart_at(0);
        self.best.restart_at(0);
        let mut stream = self.tokenizer.token_stream(text);
        while stream.advance() {
            let token = stream.token();
            if token.offset_to - self.current.start > self.max_chars {
                keep_if_better(&mut self.current, &mut self.best);
                self.current.restart_at(token.offset_from);
            }
            self.current.stop = token.offset_to;
            if let Some(&weight) = weight_of(&self.terms, &token.text) {
                self.current.score += weight;
                self.current
                    .highlighted
                    .push(token.offset_from..token.offset_to);
            }
        }
        keep_if_better(&mut self.current, &mut self.best);
        let best = &self.best;
        (best.score > 0.0).then(|| {
            let relative = best
                .highlighted
                .iter()
                .map(|range| range.start - best.start..range.end - best.start)
                .collect();
            (best.start..best.stop, relative)
        })
    }
}

/// Makes `current` the best fragment when it scores higher (an earlier fragment wins a
/// tie). `current` is restarted by the caller.
fn keep_if_better(current: &mut Fragment, best: &mut Fragment) {
    if current.score > 0.0 && current.score > best.score {
        std::mem::swap(current, best);
    }
}

/// A token's weight as a query term. tantivy looks tokens up lower-cased; medlit's tokens
/// already are, but for the rare token with a character that lower-cases to another.
fn weight_of<'a>(terms: &'a FxHashMap<String, Score>, token: &str) -> Option<&'a Score> {
    if token.bytes().any(|b| b.is_ascii_uppercase()) || !token.is_ascii() {
        terms.get(&token.to_lowercase())
    } else {
        terms.get(token)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::snippet::SnippetGenerator;
    use tantivy::tokenizer::TextAnalyzer;

    use super::*;
    use crate::index::MedlitIndex;
    use crate::ingest::{collect_inputs, ingest, IngestOptions, SilentObserver};
    use crate::query::{Search, SNIPPET_CHARS};
    use crate::therapy::Lexicon;

    /// Queries of one to three words of the sample's abstracts, as the abstract's terms.
    fn queries(field: Field, abstracts: &[String]) -> Vec<BooleanQuery> {
        let mut analyzer = TextAnalyzer::from(crate::analysis::tokenizer(true, true));
        let mut words = Vec::new();
        for text in abstracts {
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {
                words.push(stream.token().text.clone());
            }
        }
        words
            .iter()
            .step_by(80)
            .enumerate()
            .map(|(n, first)| {
                let more = words.iter().skip(n * 11).step_by(97).take(n % 3);
                let clauses = std::iter::once(first)
                    .chain(more)
                    .map(|word| {
                        let term = Term::from_field_text(field, word);
                        let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                        (Occur::Should, Box::new(query) as Box<dyn Query>)
                    })
                    .collect();
                BooleanQuery::new(clauses)
            })
            .collect()
    }

    #[test]
    fn fragments_are_tantivys() {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = MedlitIndex::open_or_create(dir.path()).expect("index");
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
        let options = IngestOptions::new(Lexicon::builtin());
        let files = collect_inputs(&[sample], &SilentObserver);
        ingest(&index, &files, &options, &SilentObserver).expect("ingest");
        let search = Search::new(&index).expect("search");
        let searcher = search.searcher();
        let field = index.fields.abstract_text;
        let abstracts: Vec<String> = crate::gen::builtin_sample()
            .map(|record| record.abstract_text)
            .collect();
        let queries = queries(field, &abstracts);
        assert_eq!(searcher.num_docs(), abstracts.len() as u64);
        assert!(queries.len() > 100, "{}", queries.len());
        let (mut found, mut compared) = (0, 0);
        for query in &queries {
            let mut theirs = SnippetGenerator::create(searcher, query, field).expect("tantivy");
            theirs.set_max_num_chars(SNIPPET_CHARS);
            let mut ours = Snippets::new(searcher, query, field, index.settings(), SNIPPET_CHARS)
                .expect("ours");
            for text in &abstracts {
                let expected = theirs.snippet(text);
                let expected = (!expected.highlighted().is_empty())
                    .then(|| (expected.fragment_range(), expected.highlighted().to_vec()));
                assert_eq!(ours.best_fragment(text), expected, "{query:?} in {text}");
                found += usize::from(expected.is_some());
                compared += 1;
            }
        }
        // Over half the pairs have a match (4,071 of 7,280): both kinds are compared.
        assert!(found > 2_000, "{found} of {compared}");
    }
}
