//! Search: turns a [`SearchRequest`] into a tantivy query, runs it with one pass of
//! collectors (count, top documents, facets) and returns [`SearchResults`].
//!
//! The user's query goes through tantivy's query parser over the default fields (title,
//! abstract, keywords, MeSH, with title weighted highest); terms are ANDed as in PubMed
//! unless [`SearchRequest::any`] asks for OR. Filters are built in code as required,
//! non-scoring clauses next to the parsed query, never pasted into the query string.

use std::ops::Bound;
use std::time::Instant;

use serde::Serialize;
use tantivy::collector::{Count, MultiCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::facets::{FacetCounter, FacetResult};
use crate::index::MedlitIndex;
use crate::record::Record;
use crate::schema::{FacetKind, Fields};

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 240;

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
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.mesh.is_empty()
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
    pub facets: Vec<FacetKind>,
    /// Values shown per facet.
    pub facet_limit: usize,
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
        map.serialize_entry(facet.facet.name(), &facet.values)?;
    }
    map.end()
}

/// Runs searches against one snapshot of an index.
pub struct Search<'a> {
    index: &'a MedlitIndex,
    searcher: Searcher,
}

impl<'a> Search<'a> {
    /// Searches the last commit of `index`.
    pub fn new(index: &'a MedlitIndex) -> Result<Search<'a>> {
        let searcher = index.reader()?.searcher();
        Ok(Search { index, searcher })
    }

    /// The tantivy searcher (for statistics and tests).
    pub fn searcher(&self) -> &Searcher {
        &self.searcher
    }

    /// The user's query with the filters as required, non-scoring clauses; also returns the
    /// parsed text query alone (for snippets) and notes for the user.
    fn build_query(
        &self,
        request: &SearchRequest,
    ) -> Result<(BooleanQuery, Box<dyn Query>, Vec<String>)> {
        let text_query = self.parse_text_query(&request.query, request.any)?;
        let mut notes = Vec::new();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.box_clone())];
        for filter in self.filter_clauses(&request.filters, &mut notes)? {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
        }
        Ok((BooleanQuery::new(clauses), text_query, notes))
    }

    /// Every record matching `request` (paging ignored), best first, with notes for the user.
    pub fn ranked_addresses(
        &self,
        request: &SearchRequest,
    ) -> Result<(Vec<DocAddress>, Vec<String>)> {
        let (query, _, notes) = self.build_query(request)?;
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
        let (query, text_query, notes) = self.build_query(request)?;

        let mut collectors = MultiCollector::new();
        let count_handle = collectors.add_collector(Count);
        let top_handle = collectors.add_collector(
            TopDocs::with_limit(request.limit.max(1))
                .and_offset(request.offset)
                .order_by_score(),
        );
        let facet_handles: Vec<_> = request
            .facets
            .iter()
            .map(|&kind| (kind, collectors.add_collector(FacetCounter::new(kind))))
            .collect();
        let mut fruits = self.searcher.search(&query, &collectors)?;
        let total = count_handle.extract(&mut fruits);
        let top = top_handle.extract(&mut fruits);
        let facets = facet_handles
            .into_iter()
            .map(|(kind, handle)| handle.extract(&mut fruits).top(kind, request.facet_limit))
            .collect();

        let snippets = SnippetGenerator::create(&self.searcher, &*text_query, fields.abstract_text);
        let mut snippets = snippets.ok();
        if let Some(generator) = snippets.as_mut() {
            generator.set_max_num_chars(SNIPPET_CHARS);
        }
        let mut hits = Vec::with_capacity(top.len());
        for (index, (score, address)) in top.into_iter().enumerate() {
            let record = self.record_at(address)?;
            let (snippet, highlights) = snippet_for(snippets.as_ref(), &record.abstract_text);
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
            });
        }
        Ok(SearchResults {
            query: request.query.clone(),
            total,
            hits,
            facets,
            notes,
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
        Ok(serde_json::from_slice(bytes)?)
    }

    /// Parses the user's query; an empty query matches everything.
    fn parse_text_query(&self, text: &str, any: bool) -> Result<Box<dyn Query>> {
        if text.trim().is_empty() {
            return Ok(Box::new(AllQuery));
        }
        let fields = &self.index.fields;
        let defaults = fields.default_search_fields();
        let mut parser = QueryParser::new(
            self.index.index.schema(),
            defaults.iter().map(|(f, _)| *f).collect(),
            self.index.index.tokenizers().clone(),
        );
        for (field, boost) in defaults {
            parser.set_field_boost(field, boost);
        }
        if !any {
            parser.set_conjunction_by_default();
        }
        parser
            .parse_query(&escape_word_apostrophes(text))
            .map_err(|err| Error::Query {
                query: text.to_string(),
                reason: query_error_reason(&err, text),
            })
    }

    /// Builds one query per filter; notes values that no record has.
    fn filter_clauses(
        &self,
        filters: &Filters,
        notes: &mut Vec<String>,
    ) -> Result<Vec<Box<dyn Query>>> {
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        let all_of = [
            (FacetKind::Mesh, &filters.mesh),
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

/// Escapes apostrophes inside words (`Gaucher's`, `Crohn's`), which tantivy's grammar would
/// otherwise read as the start of a quoted phrase.
fn escape_word_apostrophes(query: &str) -> String {
    let chars: Vec<char> = query.chars().collect();
    let mut out = String::with_capacity(query.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let inside_word = i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c == '\'' && inside_word {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A query parser error in words: what is wrong and, for syntax errors, where (tantivy's
/// parser does not say), with the fields one may use when a field is unknown.
fn query_error_reason(err: &tantivy::query::QueryParserError, query: &str) -> String {
    use tantivy::query::QueryParserError as E;
    match err {
        E::FieldDoesNotExist(field) => format!(
            "unknown field {field:?}; searchable fields are title, abstract, keywords, mesh, author, affiliation, journal, year, id, doi, pmid"
        ),
        E::SyntaxError(_) => match locate_syntax_problem(query) {
            Some(problem) => format!("syntax error: {problem}"),
            None => "syntax error; check quotes, parentheses, operators and field:value pairs".into(),
        },
        other => other.to_string(),
    }
}

/// Finds the first unclosed quote, unbalanced parenthesis, dangling operator or field
/// without a value, with its 1-based character column.
fn locate_syntax_problem(query: &str) -> Option<String> {
    let chars: Vec<char> = query.chars().collect();
    let mut open_parens = Vec::new();
    let mut quote_start = None;
    for (index, &c) in chars.iter().enumerate() {
        let column = index + 1;
        match (c, quote_start) {
            ('"', None) => quote_start = Some(column),
            ('"', Some(_)) => quote_start = None,
            (_, Some(_)) => {}
            ('(', None) => open_parens.push(column),
            (')', None) if open_parens.pop().is_none() => {
                return Some(format!("unmatched ')' at column {column}"));
            }
            (':', None) => {
                let next = chars.get(index + 1);
                if next.is_none_or(|n| n.is_whitespace() || *n == ')') {
                    return Some(format!("field without a value at column {column}"));
                }
            }
            _ => {}
        }
    }
    if let Some(column) = quote_start {
        return Some(format!("unclosed quote opened at column {column}"));
    }
    if let Some(column) = open_parens.pop() {
        return Some(format!("unclosed '(' at column {column}"));
    }
    let words: Vec<&str> = query.split_whitespace().collect();
    if let Some(last) = words.last() {
        if matches!(*last, "AND" | "OR" | "NOT") {
            let column = query
                .rfind(last)
                .map_or(0, |byte| query[..byte].chars().count() + 1);
            return Some(format!(
                "operator {last} at column {column} has nothing after it"
            ));
        }
    }
    None
}

/// The snippet text and highlight ranges for an abstract; the start of the abstract when no
/// query term occurs in it.
fn snippet_for(generator: Option<&SnippetGenerator>, text: &str) -> (String, Vec<[usize; 2]>) {
    if let Some(generator) = generator {
        let snippet = generator.snippet(text);
        if !snippet.highlighted().is_empty() {
            let ranges = merge_ranges(snippet.highlighted());
            return (snippet.fragment().to_string(), ranges);
        }
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
    let max_distance = (target.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let distance = if lower.contains(&target) || target.contains(&lower) {
                0
            } else {
                levenshtein(&target, &lower)
            };
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
    fn apostrophes_inside_words_are_escaped() {
        assert_eq!(
            escape_word_apostrophes("Gaucher's disease"),
            "Gaucher\\'s disease"
        );
        assert_eq!(
            escape_word_apostrophes("'quoted phrase'"),
            "'quoted phrase'"
        );
    }

    #[test]
    fn overlapping_highlights_merge() {
        assert_eq!(
            merge_ranges(&[232..236, 232..234, 235..236, 240..245]),
            [[232, 236], [240, 245]]
        );
    }

    #[test]
    fn syntax_problems_are_located() {
        assert_eq!(
            locate_syntax_problem("\"unclosed phrase").as_deref(),
            Some("unclosed quote opened at column 1")
        );
        assert_eq!(
            locate_syntax_problem("(a OR b").as_deref(),
            Some("unclosed '(' at column 1")
        );
        assert_eq!(
            locate_syntax_problem("a OR b)").as_deref(),
            Some("unmatched ')' at column 7")
        );
        assert_eq!(
            locate_syntax_problem("title: x").as_deref(),
            Some("field without a value at column 6")
        );
        assert_eq!(
            locate_syntax_problem("itp AND").as_deref(),
            Some("operator AND at column 5 has nothing after it")
        );
        assert_eq!(locate_syntax_problem("\"a (b\" c"), None);
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
