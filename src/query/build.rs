//! Turns a parsed query ([`parser::Node`]) into a tantivy query over medlit's schema.
//!
//! Text is analyzed with the same biomedical analyzer as the index: a word that analyzes to
//! one token is a term query, a compound (`IL-6`) or a phrase is a phrase query with the
//! analyzer's positions. Unfielded terms search title (×2), abstract, keywords (×1.5) and
//! MeSH text (×1.5). With a vocabulary, MeSH headings (`[mh]`, `mesh:`) are exploded through
//! their tree paths, and a word or phrase that is a MeSH entry term also matches records
//! indexed with its descriptor; each such expansion is reported.

use std::ops::Bound;

use serde::Serialize;
use tantivy::query::{
    BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::parser::{self, Node, Tag, Target};
use crate::analysis;
use crate::formats::language_name;
use crate::mesh::{self, MeshVocabulary};
use crate::schema::{FacetKind, Fields};

/// Most index terms a truncated word (`thromb*`) may expand to.
pub const MAX_EXPANSIONS: usize = 1_000;

/// A rewrite the query went through, reported with `--explain` and in `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expansion {
    /// The term as typed.
    pub term: String,
    /// `synonym`, `explosion`, `truncation` or `unknown`.
    pub kind: &'static str,
    /// What it now also (or instead) matches.
    pub into: String,
}

/// Everything the builder needs from the index.
pub struct Builder<'a> {
    /// Field handles.
    pub fields: &'a Fields,
    /// The index's vocabulary, if any.
    pub vocabulary: Option<&'a MeshVocabulary>,
    /// For truncation: the term dictionaries.
    pub searcher: &'a Searcher,
    /// The field boosts of unfielded terms.
    pub default_fields: Vec<(Field, f32)>,
    /// Expand words that are MeSH entry terms to their descriptor.
    pub synonyms: bool,
    analyzer: TextAnalyzer,
    /// Rewrites made so far.
    pub expansions: Vec<Expansion>,
    /// Remarks for the user (unknown headings and their closest names).
    pub notes: Vec<String>,
}

impl<'a> Builder<'a> {
    /// A builder for one query; `stemming` must be the index's setting.
    pub fn new(
        fields: &'a Fields,
        vocabulary: Option<&'a MeshVocabulary>,
        searcher: &'a Searcher,
        default_fields: Vec<(Field, f32)>,
        settings: crate::index::IndexSettings,
    ) -> Builder<'a> {
        Builder {
            fields,
            vocabulary,
            searcher,
            default_fields,
            synonyms: true,
            analyzer: TextAnalyzer::from(analysis::tokenizer(
                settings.stemming,
                settings.compounds,
            )),
            expansions: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The tantivy query for `node`.
    pub fn build(&mut self, node: &Node) -> tantivy::Result<Box<dyn Query>> {
        Ok(match node {
            Node::Term(term) => self.term(term)?,
            Node::Or(alternatives) => {
                let clauses = alternatives
                    .iter()
                    .map(|n| Ok((Occur::Should, self.build(n)?)))
                    .collect::<tantivy::Result<Vec<_>>>()?;
                Box::new(BooleanQuery::new(clauses))
            }
            Node::And { must, not } if must.is_empty() && not.is_empty() => {
                Box::new(tantivy::query::AllQuery)
            }
            Node::And { must, not } => {
                let mut clauses = Vec::with_capacity(must.len() + not.len());
                for node in must {
                    clauses.push((Occur::Must, self.build(node)?));
                }
                for node in not {
                    clauses.push((Occur::MustNot, self.build(node)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
        })
    }

    fn term(&mut self, term: &parser::Term) -> tantivy::Result<Box<dyn Query>> {
        let fields = self.fields;
        let text = term.text.trim();
        Ok(match term.target {
            Target::Default => {
                let mut query = self.text_query(text, term.prefix, &self.default_fields.clone())?;
                if self.synonyms && !term.prefix {
                    query = self.with_synonym(text, query);
                }
                query
            }
            Target::Tag(tag) => match tag {
                Tag::Title => self.text_query(text, term.prefix, &[(fields.title, 1.0)])?,
                Tag::Abstract => {
                    self.text_query(text, term.prefix, &[(fields.abstract_text, 1.0)])?
                }
                Tag::TitleAbstract => self.text_query(
                    text,
                    term.prefix,
                    &[
                        (fields.title, 2.0),
                        (fields.abstract_text, 1.0),
                        (fields.keywords, 1.5),
                    ],
                )?,
                Tag::All => self.text_query(text, term.prefix, &self.default_fields.clone())?,
                Tag::Author => self.phrase_in(text, fields.author),
                Tag::Mesh { explode } => self.heading(text, explode, false),
                Tag::Major { explode } => self.heading(text, explode, true),
                Tag::Qualifier => self.key(FacetKind::Qualifier, text),
                Tag::PublicationType => self.key(FacetKind::Pubtype, text),
                Tag::Language => self.key(FacetKind::Language, &language_name(text)),
                Tag::Journal => self.key(FacetKind::Journal, text),
                Tag::Date => self.date(text, term.column)?,
                Tag::Pmid => exact(fields.pmid, text),
                Tag::Doi => exact(fields.doi, &text.to_lowercase()),
            },
            Target::Field(field) => {
                use parser::Field as F;
                match field {
                    F::Title => self.fielded(term, fields.title)?,
                    F::Abstract => self.fielded(term, fields.abstract_text)?,
                    F::Keywords => self.fielded(term, fields.keywords)?,
                    F::Author => self.fielded(term, fields.author)?,
                    F::Affiliation => self.fielded(term, fields.affiliation)?,
                    F::Journal => self.fielded(term, fields.journal)?,
                    F::Mesh => match self.vocabulary.and_then(|v| v.by_name(text)) {
                        Some(_) => self.heading(text, true, false),
                        None => self.fielded(term, fields.mesh)?,
                    },
                    F::Year => match &term.range {
                        Some((from, to)) => self.year_range(from, to, term.column)?,
                        None => self.date(text, term.column)?,
                    },
                    F::Id => exact(fields.id, text),
                    F::Doi => exact(fields.doi, &text.to_lowercase()),
                    F::Pmid => exact(fields.pmid, text),
                }
            }
        })
    }

    fn fielded(&mut self, term: &parser::Term, field: Field) -> tantivy::Result<Box<dyn Query>> {
        self.text_query(term.text.trim(), term.prefix, &[(field, 1.0)])
    }

    /// A word, compound or phrase in the given fields, scored and boosted per field.
    fn text_query(
        &mut self,
        text: &str,
        prefix: bool,
        fields: &[(Field, f32)],
    ) -> tantivy::Result<Box<dyn Query>> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = if prefix {
            let expanded = self.prefix_terms(text, fields)?;
            expanded
                .into_iter()
                .map(|(boost, terms)| {
                    let query: Box<dyn Query> = Box::new(BooleanQuery::new_multiterms_query(terms));
                    (Occur::Should, boosted(query, boost))
                })
                .collect()
        } else {
            fields
                .iter()
                .filter_map(|&(field, boost)| {
                    self.analyzed(text, field)
                        .map(|query| (Occur::Should, boosted(query, boost)))
                })
                .collect()
        };
        Ok(match clauses.len() {
            0 => Box::new(EmptyQuery),
            1 => clauses
                .into_iter()
                .next()
                .map(|(_, q)| q)
                .unwrap_or_else(|| Box::new(EmptyQuery)),
            _ => Box::new(BooleanQuery::new(clauses)),
        })
    }

    /// The analyzed form of `text` in `field`: one term, or a phrase with positions.
    fn analyzed(&mut self, text: &str, field: Field) -> Option<Box<dyn Query>> {
        let mut terms: Vec<(usize, Term)> = Vec::new();
        let mut stream = self.analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            terms.push((token.position, Term::from_field_text(field, &token.text)));
        }
        match terms.len() {
            0 => None,
            1 => terms.pop().map(|(_, term)| {
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>
            }),
            _ => Some(Box::new(PhraseQuery::new_with_offset(terms))),
        }
    }

    /// Index terms starting with `prefix` (lower-cased) in each field, at most
    /// [`MAX_EXPANSIONS`] in all.
    fn prefix_terms(
        &mut self,
        prefix: &str,
        fields: &[(Field, f32)],
    ) -> tantivy::Result<Vec<(f32, Vec<Term>)>> {
        let prefix = prefix.to_lowercase();
        let mut out = Vec::new();
        let mut total = 0;
        let mut truncated = false;
        for &(field, boost) in fields {
            let mut words: Vec<Vec<u8>> = Vec::new();
            for segment in self.searcher.segment_readers() {
                let inverted = segment.inverted_index(field)?;
                let mut stream = inverted
                    .terms()
                    .range()
                    .ge(prefix.as_bytes())
                    .into_stream()?;
                while stream.advance() {
                    let key = stream.key();
                    if !key.starts_with(prefix.as_bytes()) {
                        break;
                    }
                    if words.len() >= MAX_EXPANSIONS {
                        truncated = true;
                        break;
                    }
                    words.push(key.to_vec());
                }
            }
            words.sort_unstable();
            words.dedup();
            total = total.max(words.len());
            let terms = words
                .iter()
                .map(|w| Term::from_field_text(field, &String::from_utf8_lossy(w)))
                .collect();
            out.push((boost, terms));
        }
        self.expansions.push(Expansion {
            term: format!("{prefix}*"),
            kind: "truncation",
            into: format!(
                "{total} index terms{}",
                if truncated { " (limit reached)" } else { "" }
            ),
        });
        if truncated {
            self.notes.push(format!(
                "{prefix}* matches more than {MAX_EXPANSIONS} terms; only the first {MAX_EXPANSIONS} (alphabetically) are searched: use a longer prefix"
            ));
        }
        Ok(out)
    }

    /// `query` OR (records indexed with the MeSH descriptor whose entry term `text` is).
    fn with_synonym(&mut self, text: &str, query: Box<dyn Query>) -> Box<dyn Query> {
        let Some(descriptor) = self.vocabulary.and_then(|v| v.by_name(text)) else {
            return query;
        };
        let heading = self.key(FacetKind::Mesh, descriptor.name);
        self.expansions.push(Expansion {
            term: text.to_string(),
            kind: "synonym",
            into: format!("MeSH {} [{}]", descriptor.name, descriptor.ui),
        });
        Box::new(BooleanQuery::new(vec![
            (Occur::Should, query),
            (Occur::Should, boosted(heading, 1.5)),
        ]))
    }

    /// A MeSH heading: with a vocabulary, its descriptor and (exploded) every descendant;
    /// without one, the heading name as indexed.
    fn heading(&mut self, text: &str, explode: bool, major: bool) -> Box<dyn Query> {
        let kind = if major {
            FacetKind::Major
        } else {
            FacetKind::Mesh
        };
        let Some(vocabulary) = self.vocabulary else {
            return self.key(kind, text);
        };
        let trees = vocabulary.tree_numbers_for(text);
        if trees.is_empty() {
            let suggestions = vocabulary.suggestions(text, 3);
            self.notes.push(format!(
                "no MeSH heading {text:?} in the vocabulary{}",
                if suggestions.is_empty() {
                    String::new()
                } else {
                    format!("; closest: {}", suggestions.join(", "))
                }
            ));
            self.expansions.push(Expansion {
                term: text.to_string(),
                kind: "unknown",
                into: "the heading as written".into(),
            });
            return self.key(kind, text);
        }
        let name = vocabulary
            .by_name(text)
            .map_or_else(|| text.to_string(), |d| d.name.to_string());
        if !explode {
            return self.key(kind, &name);
        }
        let field = if major {
            self.fields.major_tree
        } else {
            self.fields.mesh_tree
        };
        self.expansions.push(Expansion {
            term: text.to_string(),
            kind: "explosion",
            into: format!("{name} and its descendants ({})", trees.join(", ")),
        });
        let clauses: Vec<(Occur, Box<dyn Query>)> = trees
            .iter()
            .map(|tree| {
                let facet = Facet::from_path(mesh::tree_path(tree));
                let term = Term::from_facet(field, &facet);
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    fn key(&self, kind: FacetKind, value: &str) -> Box<dyn Query> {
        exact(self.fields.key(kind), &value.trim().to_lowercase())
    }

    fn phrase_in(&mut self, text: &str, field: Field) -> Box<dyn Query> {
        self.analyzed(text, field)
            .unwrap_or_else(|| Box::new(EmptyQuery))
    }

    /// `2020`, `2015:2025`, `2015/01/01:2020/12/31`.
    fn date(&self, text: &str, column: usize) -> tantivy::Result<Box<dyn Query>> {
        let (from, to) = text.split_once(':').unwrap_or((text, text));
        self.year_range(from, to, column)
    }

    fn year_range(&self, from: &str, to: &str, column: usize) -> tantivy::Result<Box<dyn Query>> {
        let year = |text: &str| -> tantivy::Result<Bound<Term>> {
            let text = text.trim();
            if text.is_empty() || text == "*" || text == "3000" {
                return Ok(Bound::Unbounded);
            }
            let digits: String = text.chars().take(4).collect();
            let year: u64 = digits.parse().map_err(|_| {
                tantivy::TantivyError::InvalidArgument(format!(
                    "{text:?} is not a year (column {column})"
                ))
            })?;
            Ok(Bound::Included(Term::from_field_u64(
                self.fields.year,
                year,
            )))
        };
        Ok(Box::new(RangeQuery::new(year(from)?, year(to)?)))
    }
}

fn exact(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}
