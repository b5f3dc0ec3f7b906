//! Ranking plain text, for evaluation and for questions typed in plain words: the text is
//! analyzed into terms (no query syntax, so a claim with parentheses or colons is just text),
//! each term is searched in the weighted default fields, and any term may match (BM25 over
//! the bag of words). Optional pseudo-relevance feedback (RM3-like) adds the terms that
//! weigh most in the first results and searches again.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{DocAddress, Term};

use super::Search;
use crate::error::{Error, Result};
use crate::schema::Fields;

/// Field weights of plain-text ranking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    /// Title.
    pub title: f32,
    /// Abstract.
    pub abstract_text: f32,
    /// Keywords and chemicals.
    pub keywords: f32,
    /// MeSH headings.
    pub mesh: f32,
}

impl Default for Weights {
    /// The weights of structured search (`medlit search`): title twice the abstract.
    /// Plain-text ranking (`medlit eval`) defaults to [`Weights::PLAIN_TEXT`].
    fn default() -> Self {
        Weights {
            title: 2.0,
            abstract_text: 1.0,
            keywords: 1.5,
            mesh: 1.5,
        }
    }
}

impl std::str::FromStr for Weights {
    type Err = String;

    /// `title=2,abstract=1,keywords=1.5,mesh=1.5` (fields left out keep their default).
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let mut weights = Weights::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not field=weight"))?;
            let value: f32 = value
                .trim()
                .parse()
                .map_err(|_| format!("{value:?} is not a number"))?;
            if !(0.0..=100.0).contains(&value) {
                return Err(format!("weight {value} is outside 0..=100"));
            }
            match name.trim() {
                "title" => weights.title = value,
                "abstract" => weights.abstract_text = value,
                "keywords" => weights.keywords = value,
                "mesh" => weights.mesh = value,
                other => {
                    return Err(format!(
                        "unknown field {other:?}; use title, abstract, keywords, mesh"
                    ))
                }
            }
        }
        Ok(weights)
    }
}

impl Weights {
    /// The weights of plain-text ranking, chosen by evaluation on SciFact and NFCorpus
    /// (EVALUATION.md): a title weighted like the abstract or more ranks worse on long,
    /// claim-like queries, whose words recur in titles of off-topic papers.
    pub const PLAIN_TEXT: Weights = Weights {
        title: 0.5,
        abstract_text: 1.0,
        keywords: 1.5,
        mesh: 1.5,
    };

    /// The default fields with these weights (fields weighted 0 left out).
    pub fn fields(&self, fields: &Fields) -> Vec<(Field, f32)> {
        [
            (fields.title, self.title),
            (fields.abstract_text, self.abstract_text),
            (fields.keywords, self.keywords),
            (fields.mesh, self.mesh),
        ]
        .into_iter()
        .filter(|(_, w)| *w > 0.0)
        .collect()
    }
}

/// Pseudo-relevance feedback settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Feedback {
    /// Top documents read.
    pub docs: usize,
    /// Expansion terms added.
    pub terms: usize,
    /// Weight of the expansion against the original query (0..1).
    pub weight: f32,
}

impl Default for Feedback {
    fn default() -> Self {
        Feedback {
            docs: 10,
            terms: 10,
            weight: 0.3,
        }
    }
}

/// How plain text is ranked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RankingOptions {
    /// Field weights.
    pub weights: Weights,
    /// Pseudo-relevance feedback, when on.
    pub feedback: Option<Feedback>,
}

/// Words too common to use as feedback terms.
const STOP_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "that",
    "this",
    "from",
    "was",
    "were",
    "are",
    "been",
    "has",
    "have",
    "had",
    "not",
    "but",
    "all",
    "can",
    "may",
    "its",
    "into",
    "than",
    "then",
    "these",
    "those",
    "there",
    "their",
    "which",
    "who",
    "whom",
    "also",
    "between",
    "after",
    "before",
    "other",
    "such",
    "more",
    "most",
    "our",
    "both",
    "each",
    "here",
    "how",
    "what",
    "when",
    "where",
    "while",
    "whether",
    "within",
    "without",
    "using",
    "use",
    "used",
    "about",
    "over",
    "under",
    "onli",
    "veri",
    "abstract",
    "studi",
    "result",
    "conclus",
    "method",
    "background",
    "num",
];

impl Search<'_> {
    /// The `limit` best records for plain `text`, as `(id, score)`.
    pub fn rank_text(
        &self,
        text: &str,
        limit: usize,
        options: &RankingOptions,
    ) -> Result<Vec<(String, f32)>> {
        let fields = options.weights.fields(&self.index.fields);
        // Plain text is a bag of words: a compound and its parts would count one word two or
        // three times, so the query uses the parts only (EVALUATION.md).
        let settings = self.index.settings();
        let mut analyzer = TextAnalyzer::from(crate::analysis::tokenizer(settings.stemming, false));
        let terms = unique_tokens(&mut analyzer, text);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let query = bag_of_words(&terms, &fields, 1.0);
        let limit = limit.max(1);
        let top = match options.feedback {
            None => self
                .searcher()
                .search(&query, &TopDocs::with_limit(limit).order_by_score())?,
            Some(feedback) => {
                let first = self.searcher().search(
                    &query,
                    &TopDocs::with_limit(feedback.docs.max(1)).order_by_score(),
                )?;
                let expansion = self.feedback_terms(&mut analyzer, &first, &terms, feedback)?;
                if expansion.is_empty() {
                    self.searcher()
                        .search(&query, &TopDocs::with_limit(limit).order_by_score())?
                } else {
                    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
                        Occur::Should,
                        Box::new(BoostQuery::new(query, 1.0 - feedback.weight)),
                    )];
                    let max = expansion.iter().map(|(_, w)| *w).fold(f32::MIN, f32::max);
                    for (term, weight) in &expansion {
                        let boost = feedback.weight * weight / max;
                        clauses.push((
                            Occur::Should,
                            bag_of_words(std::slice::from_ref(term), &fields, boost),
                        ));
                    }
                    let expanded = BooleanQuery::new(clauses);
                    self.searcher()
                        .search(&expanded, &TopDocs::with_limit(limit).order_by_score())?
                }
            }
        };
        top.into_iter()
            .map(|(score, address)| Ok((self.id_at(address)?, score)))
            .collect()
    }

    /// `query` reranked by pseudo-relevance feedback: the same matches, with the heaviest
    /// terms of the first `feedback.docs` of them added as optional, scoring clauses.
    pub(crate) fn with_feedback(
        &self,
        query: BooleanQuery,
        feedback: Feedback,
        weights: Option<Weights>,
        expansions: &mut Vec<super::build::Expansion>,
    ) -> Result<Box<dyn Query>> {
        let fields = match weights {
            Some(weights) => weights.fields(&self.index.fields),
            None => self.index.fields.default_search_fields().to_vec(),
        };
        let settings = self.index.settings();
        let mut analyzer = TextAnalyzer::from(crate::analysis::tokenizer(
            settings.stemming,
            settings.compounds,
        ));
        let first = self.searcher().search(
            &query,
            &TopDocs::with_limit(feedback.docs.max(1)).order_by_score(),
        )?;
        let terms = self.feedback_terms(&mut analyzer, &first, &[], feedback)?;
        if terms.is_empty() {
            return Ok(Box::new(query));
        }
        expansions.push(super::build::Expansion {
            term: "(feedback)".into(),
            kind: "feedback",
            into: terms
                .iter()
                .map(|(t, _)| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
        let max = terms.iter().map(|(_, w)| *w).fold(f32::MIN, f32::max);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(query))];
        for (term, weight) in &terms {
            let boost = feedback.weight * weight / max;
            clauses.push((
                Occur::Should,
                bag_of_words(std::slice::from_ref(term), &fields, boost),
            ));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// The record id of a document, from the id fast field.
    pub fn id_at(&self, address: DocAddress) -> Result<String> {
        let segment = self.searcher().segment_reader(address.segment_ord);
        let column = segment
            .fast_fields()
            .str(crate::schema::names::ID)?
            .ok_or_else(|| Error::Usage("the index has no id column".into()))?;
        let mut id = String::new();
        if let Some(ord) = column.term_ords(address.doc_id).next() {
            column
                .ord_to_str(ord, &mut id)
                .map_err(|err| Error::Tantivy(err.into()))?;
        }
        Ok(id)
    }

    /// The heaviest terms of the first results (relevance model: each document's term
    /// frequencies, normalized by its length, weighted by its share of the scores), leaving
    /// out query terms, stop words, numbers and short tokens.
    fn feedback_terms(
        &self,
        analyzer: &mut TextAnalyzer,
        first: &[(f32, DocAddress)],
        query_terms: &[String],
        feedback: Feedback,
    ) -> Result<Vec<(String, f32)>> {
        let total: f32 = first.iter().map(|(score, _)| score.exp().min(1e30)).sum();
        let mut weights: HashMap<String, f32> = HashMap::new();
        for (score, address) in first {
            let record = self.record_at(*address)?;
            let text = format!("{} {}", record.title, record.abstract_text);
            let tokens = tokens(analyzer, &text);
            if tokens.is_empty() {
                continue;
            }
            let share = score.exp().min(1e30) / total.max(f32::MIN_POSITIVE);
            let length = tokens.len() as f32;
            for token in tokens {
                *weights.entry(token).or_insert(0.0) += share / length;
            }
        }
        let mut ranked: Vec<(String, f32)> = weights
            .into_iter()
            .filter(|(term, _)| {
                term.len() >= 3
                    && !term.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && !STOP_WORDS.contains(&term.as_str())
                    && !query_terms.contains(term)
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(feedback.terms);
        Ok(ranked)
    }
}

/// Every term of `terms` in every field, any may match.
fn bag_of_words(terms: &[String], fields: &[(Field, f32)], boost: f32) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len() * fields.len());
    for term in terms {
        for &(field, weight) in fields {
            let query = TermQuery::new(
                Term::from_field_text(field, term),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(query), weight * boost)),
            ));
        }
    }
    Box::new(BooleanQuery::new(clauses))
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

fn unique_tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    tokens(analyzer, text)
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_parse_and_reject_nonsense() {
        let weights: Weights = "title=3, mesh=0".parse().expect("parses");
        assert_eq!(
            (weights.title, weights.abstract_text, weights.mesh),
            (3.0, 1.0, 0.0)
        );
        assert!("title".parse::<Weights>().is_err());
        assert!("body=1".parse::<Weights>().is_err());
        assert!("title=-1".parse::<Weights>().is_err());
    }
}
