//! Search: turns a [`SearchRequest`] into a tantivy query, runs it with one pass of
//! collectors (count, top documents, facets) and returns [`SearchResults`].
//!
//! The user's query is parsed by [`parser`] (PubMed field tags mixed with native syntax) and
//! built by [`build`] over the default fields (title, abstract, keywords, MeSH, with title
//! weighted highest); terms are ANDed as in PubMed unless [`SearchRequest::any`] asks for OR.
//! Filters are built in code as required, non-scoring clauses next to the parsed query,
//! never pasted into the query string.

pub mod build;
pub mod parser;
pub mod rank;
pub mod snippet;

use std::ops::Bound;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tantivy::collector::{Count, MultiCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::facets::{
    FacetCounter, FacetResult, FacetTally, GlobalOrdinals, TreeChildrenCache, TreeFacetCounter,
    TreeRootCounter,
};
use crate::index::MedlitIndex;
use crate::record::Record;
use crate::schema::{names, tree_names, FacetKind, Fields};
use snippet::Snippets;

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 240;

/// A query built from a request: the whole query, the text part alone (for snippets),
/// notes for the user and the rewrites made.
struct Built {
    query: BooleanQuery,
    text_query: Box<dyn Query>,
    notes: Vec<String>,
    expansions: Vec<build::Expansion>,
}

/// How one requested facet is counted.
struct FacetPlan {
    spec: FacetSpec,
    /// For tree facets: the field and the parent path.
    tree: Option<(String, Vec<String>)>,
}

enum FacetHandle {
    Flat(tantivy::collector::FruitHandle<FacetTally>),
    Tree(tantivy::collector::FruitHandle<FacetTally>),
}

/// An inclusive range of publication years; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearRange {
    /// First year included.
    pub from: Option<u16>,
    /// Last year included.
    pub to: Option<u16>,
}

impl std::str::FromStr for YearRange {
    type Err = String;

    /// Parses `2015..2025`, `2015..`, `..2020` or `2020`.
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let year = |s: &str| -> std::result::Result<Option<u16>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse::<u16>()
                .map(Some)
                .map_err(|_| format!("{s:?} is not a year (expected e.g. 2015..2025)"))
        };
        let range = match text.split_once("..") {
            Some((from, to)) => YearRange {
                from: year(from)?,
                to: year(to)?,
            },
            None => {
                let single = year(text)?;
                YearRange {
                    from: single,
                    to: single,
                }
            }
        };
        if let (Some(from), Some(to)) = (range.from, range.to) {
            if from > to {
                return Err(format!("year range {text:?} ends before it starts"));
            }
        }
        if range.from.is_none() && range.to.is_none() {
            return Err(format!("year range {text:?} has no year"));
        }
        Ok(range)
    }
}

/// Filters: each is a required clause. Several values of `mesh`, `therapy` and `pubtype` must
/// all be present (a record has many); several values of `journal`, `language` and `country`
/// are alternatives (a record has one).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// MeSH descriptors the record must carry.
    pub mesh: Vec<String>,
    /// Therapies (canonical names) the record must name.
    pub therapy: Vec<String>,
    /// Publication types the record must have.
    pub pubtype: Vec<String>,
    /// Journals, any of which.
    pub journal: Vec<String>,
    /// Languages, any of which.
    pub language: Vec<String>,
    /// Countries, any of which.
    pub country: Vec<String>,
    /// Publication years.
    pub year: Option<YearRange>,
    /// MeSH descriptors that must be major topics of the record.
    pub major: Vec<String>,
    /// MeSH qualifiers (subheadings) the record must have.
    pub qualifier: Vec<String>,
    /// `--mesh` and `--major` do not include narrower descriptors (`--mesh-noexp`).
    pub no_explode: bool,
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.major.is_empty()
            && self.qualifier.is_empty()
            && self.mesh.is_empty()
            && self.therapy.is_empty()
            && self.pubtype.is_empty()
            && self.journal.is_empty()
            && self.language.is_empty()
            && self.country.is_empty()
            && self.year.is_none()
    }
}

/// A search to run.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query as the user typed it; empty matches every record.
    pub query: String,
    /// Hits to return (at least 1).
    pub limit: usize,
    /// Hits to skip first.
    pub offset: usize,
    /// Match records having any of the terms (ranked), instead of all of them.
    pub any: bool,
    /// Required clauses.
    pub filters: Filters,
    /// Facets to count over the whole matching set.
    pub facets: Vec<FacetSpec>,
    /// Values shown per facet.
    pub facet_limit: usize,
    /// Order of the hits.
    pub sort: Sort,
    /// Add each hit's score breakdown.
    pub explain: bool,
    /// Expand MeSH entry terms in the query to their descriptors.
    pub synonyms: bool,
    /// Weights of the default fields (`None`: the search defaults, title ×2).
    pub weights: Option<rank::Weights>,
    /// Pseudo-relevance feedback: rerank the matches with the heaviest terms of the first ones.
    pub feedback: Option<rank::Feedback>,
}

/// Order of the hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Sort {
    /// Best BM25 score first.
    #[default]
    Relevance,
    /// Newest publication year first.
    Date,
}

/// A facet to count, optionally below a node of the MeSH tree: `mesh`, `mesh:C15`,
/// `mesh:/Diseases/Hemic and Lymphatic Diseases`, `major:Neoplasms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetSpec {
    /// Which facet.
    pub kind: FacetKind,
    /// For `mesh` and `major`: the node whose children are counted.
    pub path: Option<String>,
}

impl std::str::FromStr for FacetSpec {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let (name, path) = match text.split_once(':') {
            Some((name, path)) => (
                name,
                Some(path.trim().to_string()).filter(|p| !p.is_empty()),
            ),
            None => (text, None),
        };
        let kind = FacetKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = FacetKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown facet {name:?}; facets are {}", names.join(", "))
            })?;
        if path.is_some() && !matches!(kind, FacetKind::Mesh | FacetKind::Major) {
            return Err(format!(
                "only mesh and major facets take a tree path, not {name}"
            ));
        }
        Ok(FacetSpec { kind, path })
    }
}

impl From<FacetKind> for FacetSpec {
    fn from(kind: FacetKind) -> Self {
        FacetSpec { kind, path: None }
    }
}

impl SearchRequest {
    /// A request for `query` with the defaults: 10 hits, no filters, no facets.
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            limit: 10,
            offset: 0,
            any: false,
            filters: Filters::default(),
            facets: Vec::new(),
            facet_limit: 10,
            sort: Sort::Relevance,
            explain: false,
            synonyms: true,
            weights: None,
            feedback: None,
        }
    }
}

/// One ranked hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// 1-based rank (counting the offset).
    pub rank: usize,
    /// BM25 score.
    pub score: f32,
    /// Record id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Publication year.
    pub year: Option<u16>,
    /// Journal.
    pub journal: Option<String>,
    /// DOI.
    pub doi: Option<String>,
    /// PMID.
    pub pmid: Option<String>,
    /// A passage of the abstract around the matched terms, plain text.
    pub snippet: String,
    /// Byte ranges of `snippet` that match query terms.
    pub highlights: Vec<[usize; 2]>,
    /// With `--explain`: how the score was computed (tantivy's explanation tree).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<serde_json::Value>,
}

/// What a search found.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// The query as typed.
    pub query: String,
    /// Number of matching records.
    pub total: usize,
    /// The requested page of hits.
    pub hits: Vec<Hit>,
    /// Facet counts over all matching records, in the order asked.
    #[serde(serialize_with = "serialize_facets")]
    pub facets: Vec<FacetResult>,
    /// Remarks for the user, e.g. a filter value no record has.
    pub notes: Vec<String>,
    /// Rewrites of the query: MeSH synonyms, explosions, truncations.
    pub expansions: Vec<build::Expansion>,
    /// Time spent searching, in milliseconds.
    pub elapsed_ms: f64,
}

/// `facets` as a JSON object: facet name to a list of `{"value", "count"}`.
fn serialize_facets<S: serde::Serializer>(
    facets: &[FacetResult],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(facets.len()))?;
    for facet in facets {
        map.serialize_entry(&facet.name, &facet.values)?;
    }
    map.end()
}

/// Runs searches against one snapshot of an index.
pub struct Search<'a> {
    index: &'a MedlitIndex,
    searcher: Searcher,
    /// MeSH tree nodes' children per segment, found once for all queries of this search.
    tree_children: Arc<TreeChildrenCache>,
    /// Flat facets' values numbered across segments, for all queries of this search.
    global_ordinals: Arc<GlobalOrdinals>,
}

impl<'a> Search<'a> {
    /// Searches the last commit of `index`.
    pub fn new(index: &'a MedlitIndex) -> Result<Search<'a>> {
        let searcher = index.reader()?.searcher();
        Ok(Search {
            index,
            searcher,
            tree_children: Arc::default(),
            global_ordinals: Arc::default(),
        })
    }

    /// The tantivy searcher (for statistics and tests).
    pub fn searcher(&self) -> &Searcher {
        &self.searcher
    }

    /// The user's query with the filters as required, non-scoring clauses; also returns the
    /// parsed text query alone (for snippets) and notes for the user.
    fn build_query(&self, request: &SearchRequest) -> Result<Built> {
        let node = parser::parse(&request.query, request.any).map_err(|err| Error::Query {
            query: request.query.clone(),
            reason: err.to_string(),
        })?;
        let mut builder = self.builder(request.weights)?;
        builder.synonyms = request.synonyms;
        let text_query = builder.build(&node).map_err(|err| Error::Query {
            query: request.query.clone(),
            reason: err.to_string(),
        })?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.box_clone())];
        for filter in self.filter_clauses(&request.filters, &mut builder)? {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
        }
        Ok(Built {
            query: BooleanQuery::new(clauses),
            text_query,
            notes: std::mem::take(&mut builder.notes),
            expansions: std::mem::take(&mut builder.expansions),
        })
    }

    fn builder(&self, weights: Option<rank::Weights>) -> Result<build::Builder<'_>> {
        let fields = &self.index.fields;
        let default_fields = match weights {
            Some(weights) => weights.fields(fields),
            None => fields.default_search_fields().to_vec(),
        };
        Ok(build::Builder::new(
            fields,
            self.index.vocabulary()?,
            &self.searcher,
            default_fields,
            self.index.settings(),
        ))
    }

    /// Every record matching `request` (paging ignored), best first, with notes for the user.
    pub fn ranked_addresses(
        &self,
        request: &SearchRequest,
    ) -> Result<(Vec<DocAddress>, Vec<String>)> {
        let Built { query, notes, .. } = self.build_query(request)?;
        let total = self.searcher.search(&query, &Count)?;
        if total == 0 {
            return Ok((Vec::new(), notes));
        }
        let top = self
            .searcher
            .search(&query, &TopDocs::with_limit(total).order_by_score())?;
        Ok((top.into_iter().map(|(_, address)| address).collect(), notes))
    }

    /// Every live record of the index, in index order.
    pub fn all_addresses(&self) -> impl Iterator<Item = DocAddress> + '_ {
        self.searcher
            .segment_readers()
            .iter()
            .enumerate()
            .flat_map(|(segment, reader)| {
                reader
                    .doc_ids_alive()
                    .map(move |doc| DocAddress::new(segment as u32, doc))
            })
    }

    /// Runs `request`.
    pub fn run(&self, request: &SearchRequest) -> Result<SearchResults> {
        let started = Instant::now();
        let fields = &self.index.fields;
        let Built {
            query,
            text_query,
            mut notes,
            mut expansions,
        } = self.build_query(request)?;
        let query = match request.feedback {
            Some(feedback) => {
                self.with_feedback(query, feedback, request.weights, &mut expansions)?
            }
            None => Box::new(query),
        };

        let mut collectors = MultiCollector::new();
        let count_handle = collectors.add_collector(Count);
        let top_docs = TopDocs::with_limit(request.limit.max(1)).and_offset(request.offset);
        let (score_handle, date_handle) = match request.sort {
            Sort::Relevance => (
                Some(collectors.add_collector(top_docs.order_by_score())),
                None,
            ),
            Sort::Date => (
                None,
                Some(collectors.add_collector(
                    top_docs.order_by_fast_field::<u64>(names::YEAR, tantivy::Order::Desc),
                )),
            ),
        };
        let mut facet_plans = Vec::with_capacity(request.facets.len());
        for spec in &request.facets {
            facet_plans.push(self.facet_plan(spec, &mut notes)?);
        }
        let facet_handles: Vec<_> = facet_plans
            .iter()
            .map(|plan| match &plan.tree {
                Some((field, parent)) => {
                    // The top level has a bit-set field of its own: one value per record.
                    let roots = tree_names::roots_of(field).filter(|_| parent.is_empty());
                    FacetHandle::Tree(match roots {
                        Some(roots) => collectors.add_collector(TreeRootCounter::new(roots)),
                        None => collectors.add_collector(TreeFacetCounter::new(
                            field,
                            parent,
                            Arc::clone(&self.tree_children),
                        )),
                    })
                }
                None => FacetHandle::Flat(
                    collectors.add_collector(
                        FacetCounter::new(plan.spec.kind)
                            .with_global_ordinals(Arc::clone(&self.global_ordinals)),
                    ),
                ),
            })
            .collect();
        let mut fruits = self.searcher.search(&query, &collectors)?;
        let total = count_handle.extract(&mut fruits);
        let top: Vec<(f32, DocAddress)> = match (score_handle, date_handle) {
            (Some(handle), _) => handle.extract(&mut fruits),
            (None, Some(handle)) => handle
                .extract(&mut fruits)
                .into_iter()
                .map(|(year, address)| (year.unwrap_or(0) as f32, address))
                .collect(),
            (None, None) => Vec::new(),
        };
        let mut facets = Vec::with_capacity(facet_plans.len());
        for (plan, handle) in facet_plans.iter().zip(facet_handles) {
            let tally = match handle {
                FacetHandle::Tree(handle) => handle.extract(&mut fruits),
                FacetHandle::Flat(handle) => handle.extract(&mut fruits),
            };
            facets.push(self.facet_result(plan, &tally, request.facet_limit)?);
        }

        let mut snippets = Snippets::new(
            &self.searcher,
            &*text_query,
            fields.abstract_text,
            self.index.settings(),
            SNIPPET_CHARS,
        )
        .ok();
        let mut hits = Vec::with_capacity(top.len());
        for (index, (score, address)) in top.into_iter().enumerate() {
            let record = self.record_at(address)?;
            let (snippet, highlights) = snippet_for(snippets.as_mut(), &record.abstract_text);
            // Sorting by date gives no score, and --explain needs the breakdown: explain each
            // hit once when either asks for it.
            let explained = if request.explain || request.sort == Sort::Date {
                Some(query.explain(&self.searcher, address)?)
            } else {
                None
            };
            let score = match (&explained, request.sort) {
                (Some(explanation), Sort::Date) => explanation.value(),
                _ => score,
            };
            let explanation = match explained.filter(|_| request.explain) {
                Some(explanation) => Some(serde_json::to_value(&explanation)?),
                None => None,
            };
            hits.push(Hit {
                rank: request.offset + index + 1,
                score,
                id: record.id,
                title: record.title,
                year: record.year,
                journal: record.journal,
                doi: record.doi,
                pmid: record.pmid,
                snippet,
                highlights,
                explanation,
            });
        }
        Ok(SearchResults {
            query: request.query.clone(),
            total,
            hits,
            facets,
            notes,
            expansions,
            elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
        })
    }

    /// How a facet will be counted: flat, or below a node of the MeSH tree when the index
    /// has a vocabulary.
    fn facet_plan(&self, spec: &FacetSpec, notes: &mut Vec<String>) -> Result<FacetPlan> {
        let tree_field = match spec.kind {
            FacetKind::Mesh => Some(tree_names::MESH_TREE),
            FacetKind::Major => Some(tree_names::MAJOR_TREE),
            _ => None,
        };
        let vocabulary = self.index.vocabulary()?;
        let (Some(field), Some(vocabulary)) = (tree_field, vocabulary) else {
            if spec.path.is_some() {
                notes.push(format!(
                    "the index has no MeSH vocabulary, so {} is counted flat (import one with `medlit mesh import`)",
                    spec.kind.name()
                ));
            }
            return Ok(FacetPlan {
                spec: spec.clone(),
                tree: None,
            });
        };
        let parent = match &spec.path {
            None => Vec::new(),
            Some(path) => {
                let last = path
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(path);
                let trees = vocabulary.tree_numbers_for(last);
                let Some(first) = trees.first() else {
                    let suggestions = vocabulary.suggestions(last, 3);
                    return Err(Error::Usage(format!(
                        "no MeSH tree node {last:?}{}",
                        if suggestions.is_empty() {
                            String::new()
                        } else {
                            format!("; closest: {}", suggestions.join(", "))
                        }
                    )));
                };
                if trees.len() > 1 {
                    notes.push(format!(
                        "{last} sits in {} branches ({}); counting below {first} (name a tree number to choose)",
                        trees.len(),
                        trees.join(", ")
                    ));
                }
                crate::mesh::tree_path(first)
            }
        };
        Ok(FacetPlan {
            spec: spec.clone(),
            tree: Some((field.to_string(), parent)),
        })
    }

    fn facet_result(
        &self,
        plan: &FacetPlan,
        tally: &FacetTally,
        limit: usize,
    ) -> Result<FacetResult> {
        let mut result = tally.top(plan.spec.kind, limit);
        if let Some(path) = &plan.spec.path {
            result.name = format!("{}:{path}", plan.spec.kind.name());
        }
        if plan.tree.is_some() {
            if let Some(vocabulary) = self.index.vocabulary()? {
                for value in &mut result.values {
                    let tree = std::mem::take(&mut value.value);
                    value.value = vocabulary
                        .segment_name(&tree)
                        .unwrap_or_else(|| tree.clone());
                    value.tree = Some(tree);
                }
            }
        }
        Ok(result)
    }

    /// The address of the record with this id (or PMID, or DOI).
    pub fn find(&self, id: &str) -> Result<Option<DocAddress>> {
        let fields = &self.index.fields;
        let id = id.trim();
        for term in [
            Term::from_field_text(fields.id, id),
            Term::from_field_text(fields.pmid, id),
            Term::from_field_text(fields.doi, &id.to_lowercase()),
            Term::from_field_text(fields.id, &id.to_lowercase()),
        ] {
            let query = TermQuery::new(term, IndexRecordOption::Basic);
            let found = self
                .searcher
                .search(&query, &TopDocs::with_limit(1).order_by_score())?;
            if let Some((_, address)) = found.into_iter().next() {
                return Ok(Some(address));
            }
        }
        Ok(None)
    }

    /// Records most like the one with `id`: more-like-this over its title, abstract and MeSH
    /// headings, the record itself left out.
    pub fn similar(&self, id: &str, limit: usize) -> Result<SearchResults> {
        let started = Instant::now();
        let fields = &self.index.fields;
        let address = self.find(id)?.ok_or_else(|| {
            Error::Usage(format!(
                "no record with id, PMID or DOI {id:?} in the index"
            ))
        })?;
        let record = self.record_at(address)?;
        let text = |value: &str| vec![tantivy::schema::OwnedValue::Str(value.to_string())];
        let mesh: Vec<tantivy::schema::OwnedValue> = record
            .mesh
            .iter()
            .map(|m| tantivy::schema::OwnedValue::Str(m.descriptor.clone()))
            .collect();
        let like = tantivy::query::MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_min_term_frequency(1)
            .with_max_query_terms(40)
            .with_min_word_length(3)
            .with_document_fields(vec![
                (fields.title, text(&record.title)),
                (fields.abstract_text, text(&record.abstract_text)),
                (fields.mesh, mesh),
            ]);
        let itself = TermQuery::new(
            Term::from_field_text(fields.id, &record.id),
            IndexRecordOption::Basic,
        );
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(like) as Box<dyn Query>),
            (Occur::MustNot, Box::new(itself)),
        ]);
        let (top, total) = self.searcher.search(
            &query,
            &(TopDocs::with_limit(limit.max(1)).order_by_score(), Count),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (rank, (score, address)) in top.into_iter().enumerate() {
            let found = self.record_at(address)?;
            hits.push(Hit {
                rank: rank + 1,
                score,
                snippet: truncate_chars(&found.abstract_text, SNIPPET_CHARS),
                highlights: Vec::new(),
                id: found.id,
                title: found.title,
                year: found.year,
                journal: found.journal,
                doi: found.doi,
                pmid: found.pmid,
                explanation: None,
            });
        }
        Ok(SearchResults {
            query: format!("similar to {}", record.id),
            total,
            hits,
            facets: Vec::new(),
            notes: Vec::new(),
            expansions: Vec::new(),
            elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
        })
    }

    /// The stored record of a document.
    pub fn record_at(&self, address: DocAddress) -> Result<Record> {
        let doc: TantivyDocument = self.searcher.doc(address)?;
        let bytes = doc
            .get_first(self.index.fields.record)
            .and_then(|v| v.as_bytes())
            .ok_or_else(|| Error::Usage("a document has no stored record".into()))?;
        Ok(crate::record::stored::decode(bytes)?)
    }

    /// Builds one query per filter; notes values that no record has.
    fn filter_clauses(
        &self,
        filters: &Filters,
        builder: &mut build::Builder<'_>,
    ) -> Result<Vec<Box<dyn Query>>> {
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        let with_vocabulary = self.index.vocabulary()?.is_some();
        for (values, major) in [(&filters.mesh, false), (&filters.major, true)] {
            for value in values {
                if with_vocabulary {
                    let tag = if major {
                        parser::Tag::Major {
                            explode: !filters.no_explode,
                        }
                    } else {
                        parser::Tag::Mesh {
                            explode: !filters.no_explode,
                        }
                    };
                    let node = parser::Node::Term(parser::Term {
                        text: value.clone(),
                        phrase: true,
                        prefix: false,
                        target: parser::Target::Tag(tag),
                        range: None,
                        column: 1,
                    });
                    clauses.push(builder.build(&node)?);
                } else {
                    let kind = if major {
                        FacetKind::Major
                    } else {
                        FacetKind::Mesh
                    };
                    clauses.push(self.value_query(kind, value, &mut builder.notes)?);
                }
            }
        }
        let notes = &mut builder.notes;
        let all_of = [
            (FacetKind::Qualifier, &filters.qualifier),
            (FacetKind::Therapy, &filters.therapy),
            (FacetKind::Pubtype, &filters.pubtype),
        ];
        for (kind, values) in all_of {
            for value in values {
                clauses.push(self.value_query(kind, value, notes)?);
            }
        }
        let any_of = [
            (FacetKind::Journal, &filters.journal),
            (FacetKind::Language, &filters.language),
            (FacetKind::Country, &filters.country),
        ];
        for (kind, values) in any_of {
            if values.is_empty() {
                continue;
            }
            let alternatives = values
                .iter()
                .map(|value| Ok((Occur::Should, self.value_query(kind, value, notes)?)))
                .collect::<Result<Vec<_>>>()?;
            clauses.push(Box::new(BooleanQuery::new(alternatives)));
        }
        if let Some(range) = filters.year {
            clauses.push(Box::new(year_query(&self.index.fields, range)));
        }
        Ok(clauses)
    }

    /// Exact, case-insensitive match of one facet value.
    fn value_query(
        &self,
        kind: FacetKind,
        value: &str,
        notes: &mut Vec<String>,
    ) -> Result<Box<dyn Query>> {
        let term = Term::from_field_text(self.index.fields.key(kind), &value.trim().to_lowercase());
        if self.searcher.doc_freq(&term)? == 0 {
            notes.push(self.unknown_value_note(kind, value)?);
        }
        Ok(Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
    }

    /// "no record has …", with the closest values the index does have.
    fn unknown_value_note(&self, kind: FacetKind, value: &str) -> Result<String> {
        let known = self
            .searcher
            .search(&AllQuery, &FacetCounter::new(kind))?
            .all(kind);
        let suggestions = closest(value, known.iter().map(|v| v.value.as_str()), 3);
        let mut note = format!("no record in the index has {} {value:?}", kind.name());
        if !suggestions.is_empty() {
            note.push_str(&format!("; closest: {}", suggestions.join(", ")));
        }
        Ok(note)
    }
}

fn year_query(fields: &Fields, range: YearRange) -> RangeQuery {
    let bound = |year: Option<u16>| match year {
        Some(year) => Bound::Included(Term::from_field_u64(fields.year, u64::from(year))),
        None => Bound::Unbounded,
    };
    RangeQuery::new(bound(range.from), bound(range.to))
}

/// The snippet text and highlight ranges for an abstract; the start of the abstract when no
/// query term occurs in it.
fn snippet_for(snippets: Option<&mut Snippets>, text: &str) -> (String, Vec<[usize; 2]>) {
    if let Some((fragment, highlighted)) = snippets.and_then(|s| s.best_fragment(text)) {
        return (text[fragment].to_string(), merge_ranges(&highlighted));
    }
    (truncate_chars(text, SNIPPET_CHARS), Vec::new())
}

/// Sorted, non-overlapping ranges: a compound (`IL-6`) and its parts (`IL`, `6`) are all
/// highlighted, and must be shown once.
fn merge_ranges(ranges: &[std::ops::Range<usize>]) -> Vec<[usize; 2]> {
    let mut sorted: Vec<[usize; 2]> = ranges.iter().map(|r| [r.start, r.end]).collect();
    sorted.sort_unstable();
    let mut merged: Vec<[usize; 2]> = Vec::with_capacity(sorted.len());
    for [start, end] in sorted {
        match merged.last_mut() {
            Some(last) if start <= last[1] => last[1] = last[1].max(end),
            _ => merged.push([start, end]),
        }
    }
    merged
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => {
            let cut = text[..end].rfind(' ').unwrap_or(end);
            format!("{}…", &text[..cut])
        }
        None => text.to_string(),
    }
}

/// Up to `n` of `candidates` closest to `target`: substring matches first, then by edit
/// distance (case-insensitive), at most a third of the target's length away.
pub fn closest<'c>(
    target: &str,
    candidates: impl Iterator<Item = &'c str>,
    n: usize,
) -> Vec<String> {
    let target = target.to_lowercase();
    let target_chars = target.chars().count();
    let max_distance = (target_chars / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            if lower.contains(&target) || target.contains(&lower) {
                return Some((0, candidate));
            }
            // The edit distance is at least the difference in length: most of the 30,000
            // MeSH names are ruled out without computing it.
            if lower.chars().count().abs_diff(target_chars) > max_distance {
                return None;
            }
            let distance = levenshtein(&target, &lower);
            (distance <= max_distance).then_some((distance, candidate))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(n)
        .map(|(_, c)| c.to_string())
        .collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_ranges_parse() {
        let r: YearRange = "2015..2025".parse().expect("range");
        assert_eq!((r.from, r.to), (Some(2015), Some(2025)));
        let r: YearRange = "2015..".parse().expect("open end");
        assert_eq!((r.from, r.to), (Some(2015), None));
        let r: YearRange = "..2020".parse().expect("open start");
        assert_eq!((r.from, r.to), (None, Some(2020)));
        let r: YearRange = "2020".parse().expect("single");
        assert_eq!((r.from, r.to), (Some(2020), Some(2020)));
        assert!("2025..2015".parse::<YearRange>().is_err());
        assert!("..".parse::<YearRange>().is_err());
        assert!("twenty".parse::<YearRange>().is_err());
    }

    #[test]
    fn closest_prefers_substrings_then_small_edits() {
        let known = [
            "Thrombocytopenia",
            "Purpura, Thrombocytopenic, Idiopathic",
            "Humans",
        ];
        assert_eq!(
            closest("thrombocytopenia", known.into_iter(), 3),
            ["Thrombocytopenia"]
        );
        assert_eq!(
            closest("Thrombocytopnia", known.into_iter(), 3),
            ["Thrombocytopenia"]
        );
        assert!(closest("zzz", known.into_iter(), 3).is_empty());
    }

    #[test]
    fn overlapping_highlights_merge() {
        assert_eq!(
            merge_ranges(&[232..236, 232..234, 235..236, 240..245]),
            [[232, 236], [240, 245]]
        );
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
    }

    #[test]
    fn snippet_falls_back_to_abstract_start() {
        let text = "word ".repeat(100);
        let (snippet, highlights) = snippet_for(None, &text);
        assert!(snippet.ends_with('…'));
        assert!(snippet.chars().count() <= SNIPPET_CHARS + 1);
        assert!(highlights.is_empty());
    }
}
