//! Relevance evaluation: reads queries, relevance judgments (qrels) and TREC run files, and
//! scores ranked result lists with nDCG@10, Recall@100, MAP@100 and MRR@10, so a change to
//! analysis or ranking can be measured on a test collection such as SciFact or NFCorpus.
//!
//! The metrics follow trec_eval (`ndcg_cut`, `recall`, `map_cut`) as BEIR runs it through
//! pytrec_eval, and BEIR's own MRR@k: the gain of a document is its graded relevance, and a
//! grade ≤ 0 (or no judgment) means not relevant. Where this module departs from those tools
//! (only unusual inputs notice):
//!
//! - a ranking is taken in the order given (the order of [`read_trec_run`] is the rank
//!   column); trec_eval and pytrec_eval ignore that column and sort by score, ties by doc id;
//! - a document listed twice in a ranking counts at its first position and the repeat is
//!   dropped (later documents move up); trec_eval rejects such a run;
//! - [`evaluate`] averages over the queries with at least one relevant judgment. A query that
//!   was run but has none is skipped (pytrec_eval skips it only when it is not in the qrels
//!   at all, and scores a query judged only non-relevant as 0). A query with relevant
//!   judgments that was not run counts as all zeros, like trec_eval's `-c` (pytrec_eval and
//!   BEIR leave it out), so dropping queries from a run cannot raise the scores. When every
//!   judged query has a relevant document and is run, as with SciFact and NFCorpus, all
//!   conventions agree.
//!
//! Input formats, detected line by line so the caller need not name them:
//!
//! - queries ([`read_queries`]): BEIR `queries.jsonl` (`{"_id": "1", "text": "…"}`), one
//!   `ID<TAB>TEXT` per line (NFCorpus `*.queries`), or TREC topics
//!   (`<top> <num> Number: 301 <title> …</top>`, whose title is the query text);
//! - qrels ([`read_qrels`]): TREC `qid 0 docid rel` (whitespace separated; NFCorpus) or BEIR
//!   TSV `query-id corpus-id score` with that header line (SciFact);
//! - runs ([`read_trec_run`], [`write_trec_run`]): TREC `qid Q0 docid rank score tag`;
//! - documents ([`read_nfcorpus_docs`]): NFCorpus `ID<TAB>TEXT`, read as records whose text
//!   is the abstract.
//!
//! NFCorpus documents were pre-processed by the dataset's authors: lower-cased, stop words
//! removed, numbers replaced by `num`, punctuation dropped, the title run into the abstract.
//! Its queries are only lower-cased and tokenized, as in
//! `is vitamin d3 ( cholecalciferol ) preferable to d2 ?`: they keep stop words, digits and
//! punctuation, so a number in a query never matches a document. Scores on this variant are not comparable with BEIR's raw-text
//! NFCorpus.
//!
//! Blank lines are skipped everywhere. Errors name the 1-based line; the caller adds the file.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::formats::jsonl::MAX_LINE_BYTES;
use crate::formats::lines::LineReader;
use crate::record::Record;

/// Cut-off of [`QueryMetrics::ndcg_at_10`].
const NDCG_CUTOFF: usize = 10;
/// Cut-off of [`QueryMetrics::recall_at_100`].
const RECALL_CUTOFF: usize = 100;
/// Cut-off of [`QueryMetrics::map_at_100`].
const MAP_CUTOFF: usize = 100;
/// Cut-off of [`QueryMetrics::mrr_at_10`].
const MRR_CUTOFF: usize = 10;

/// Header line of a BEIR qrels file.
const BEIR_QRELS_HEADER: [&str; 3] = ["query-id", "corpus-id", "score"];

/// What can go wrong while reading evaluation files.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A line that fits none of the accepted formats, or contradicts an earlier line.
    #[error("line {line}: {reason}")]
    Parse {
        /// 1-based line number.
        line: u64,
        /// What is wrong, in words for the user.
        reason: String,
    },
    /// The input could not be read.
    #[error("read error: {0}")]
    Io(#[from] io::Error),
}

impl EvalError {
    /// True for errors in the input file rather than in reading it.
    pub fn is_user_error(&self) -> bool {
        matches!(self, EvalError::Parse { .. })
    }

    fn parse(line: u64, reason: impl Into<String>) -> EvalError {
        EvalError::Parse {
            line,
            reason: reason.into(),
        }
    }
}

/// One query of a test collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Query id, as the qrels name it.
    pub id: String,
    /// Query text, searched as plain text.
    pub text: String,
}

/// Relevance judgments: query id → document id → graded relevance.
///
/// Every judgment is kept as read, including grades ≤ 0 (judged, not relevant); the metrics
/// treat those exactly like unjudged documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Qrels {
    judgments: HashMap<String, HashMap<String, i32>>,
}

impl Qrels {
    /// Number of queries with at least one judgment (of any grade).
    pub fn num_queries(&self) -> usize {
        self.judgments.len()
    }

    /// Number of judgments over all queries.
    pub fn num_judgments(&self) -> usize {
        self.judgments.values().map(HashMap::len).sum()
    }

    /// The judgments of `query_id`: judged document id → grade. Grades ≤ 0 are included and
    /// mean "judged not relevant"; `None` when the query has no judgment at all.
    pub fn relevant(&self, query_id: &str) -> Option<&HashMap<String, i32>> {
        self.judgments.get(query_id)
    }

    /// Number of documents judged relevant (grade > 0) for `query_id`.
    pub fn num_relevant(&self, query_id: &str) -> usize {
        self.relevant(query_id).map_or(0, count_relevant)
    }

    /// The judged query ids, in no particular order.
    pub fn query_ids(&self) -> impl Iterator<Item = &str> {
        self.judgments.keys().map(String::as_str)
    }

    /// Records a judgment; returns the grade it replaces, if the pair was judged before.
    pub fn insert(&mut self, query_id: &str, doc_id: &str, relevance: i32) -> Option<i32> {
        self.judgments
            .entry(query_id.to_string())
            .or_default()
            .insert(doc_id.to_string(), relevance)
    }
}

/// The scores of one query (or their means over queries).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct QueryMetrics {
    /// nDCG@10 with graded gains.
    pub ndcg_at_10: f64,
    /// Recall@100.
    pub recall_at_100: f64,
    /// Average precision within the top 100 (its mean is MAP@100).
    pub map_at_100: f64,
    /// Reciprocal rank of the first relevant document within the top 10 (its mean is MRR@10).
    pub mrr_at_10: f64,
}

/// The scores of a whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    /// Number of queries averaged: the judged queries with at least one relevant document.
    pub queries: usize,
    /// Means over those queries.
    pub mean: QueryMetrics,
    /// Each of those queries with its scores: the queries of the run in run order, then the
    /// judged queries missing from the run (all zeros) in id order.
    pub per_query: Vec<(String, QueryMetrics)>,
}

// ---------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------

/// Scores one ranking (best first) against one query's judgments.
pub fn evaluate_query(ranked: &[&str], judgments: &HashMap<String, i32>) -> QueryMetrics {
    let ranked = first_occurrences(ranked);
    QueryMetrics {
        ndcg_at_10: ndcg(NDCG_CUTOFF, &ranked, judgments),
        recall_at_100: recall(RECALL_CUTOFF, &ranked, judgments),
        map_at_100: average_precision(MAP_CUTOFF, &ranked, judgments),
        mrr_at_10: reciprocal_rank(MRR_CUTOFF, &ranked, judgments),
    }
}

/// nDCG@k: DCG of the top `k` (gain = grade, discount = log2(rank + 1)) divided by the DCG
/// of the judged relevant documents in the best order; 0 when nothing is relevant.
pub fn ndcg_at(k: usize, ranked: &[&str], judgments: &HashMap<String, i32>) -> f64 {
    ndcg(k, &first_occurrences(ranked), judgments)
}

/// Recall@k: relevant documents in the top `k` over all relevant documents; 0 when nothing
/// is relevant.
pub fn recall_at(k: usize, ranked: &[&str], judgments: &HashMap<String, i32>) -> f64 {
    recall(k, &first_occurrences(ranked), judgments)
}

/// AP@k (trec_eval `map_cut`): the sum of precision@i over the ranks i ≤ `k` that hold a
/// relevant document, divided by the number of relevant documents (all of them, not
/// min(k, R)); 0 when nothing is relevant.
pub fn ap_at(k: usize, ranked: &[&str], judgments: &HashMap<String, i32>) -> f64 {
    average_precision(k, &first_occurrences(ranked), judgments)
}

/// RR@k: 1 / rank of the first relevant document within the top `k`, else 0.
pub fn rr_at(k: usize, ranked: &[&str], judgments: &HashMap<String, i32>) -> f64 {
    reciprocal_rank(k, &first_occurrences(ranked), judgments)
}

/// Scores every query of `runs` (query id, document ids best first) that has relevant
/// judgments, and averages; see the module docs for which queries count. A query id listed
/// twice in `runs` is scored from its first entry.
pub fn evaluate(runs: &[(String, Vec<String>)], qrels: &Qrels) -> Evaluation {
    let mut seen = HashSet::new();
    let mut per_query = Vec::new();
    for (query_id, ranked) in runs {
        if !seen.insert(query_id.as_str()) {
            continue;
        }
        if let Some(judgments) = qrels.relevant(query_id).filter(|j| count_relevant(j) > 0) {
            let ranked: Vec<&str> = ranked.iter().map(String::as_str).collect();
            per_query.push((query_id.clone(), evaluate_query(&ranked, judgments)));
        }
    }
    let mut not_run: Vec<&str> = qrels
        .query_ids()
        .filter(|id| !seen.contains(id) && qrels.num_relevant(id) > 0)
        .collect();
    not_run.sort_unstable();
    per_query.extend(
        not_run
            .into_iter()
            .map(|id| (id.to_string(), QueryMetrics::default())),
    );
    Evaluation {
        queries: per_query.len(),
        mean: mean(&per_query),
        per_query,
    }
}

/// The field-wise mean; all zeros for no queries.
fn mean(per_query: &[(String, QueryMetrics)]) -> QueryMetrics {
    if per_query.is_empty() {
        return QueryMetrics::default();
    }
    let n = per_query.len() as f64;
    let sum = |field: fn(&QueryMetrics) -> f64| -> f64 {
        per_query.iter().map(|(_, m)| field(m)).sum::<f64>() / n
    };
    QueryMetrics {
        ndcg_at_10: sum(|m| m.ndcg_at_10),
        recall_at_100: sum(|m| m.recall_at_100),
        map_at_100: sum(|m| m.map_at_100),
        mrr_at_10: sum(|m| m.mrr_at_10),
    }
}

/// The ranking without repeats: each document at its first position.
fn first_occurrences<'a>(ranked: &[&'a str]) -> Vec<&'a str> {
    let mut seen = HashSet::with_capacity(ranked.len());
    ranked
        .iter()
        .copied()
        .filter(|doc| seen.insert(*doc))
        .collect()
}

/// The gain of a document: its grade when positive, else 0.
fn gain(judgments: &HashMap<String, i32>, doc: &str) -> i32 {
    judgments.get(doc).copied().unwrap_or(0).max(0)
}

fn count_relevant(judgments: &HashMap<String, i32>) -> usize {
    judgments.values().filter(|&&grade| grade > 0).count()
}

/// Discount of 1-based `rank`: log2(rank + 1).
fn discount(rank: usize) -> f64 {
    ((rank + 1) as f64).log2()
}

/// DCG of gains listed best first, cut at `k`.
fn dcg(k: usize, gains: impl Iterator<Item = i32>) -> f64 {
    gains
        .take(k)
        .enumerate()
        .filter(|&(_, gain)| gain > 0)
        .map(|(i, gain)| f64::from(gain) / discount(i + 1))
        .sum()
}

fn ndcg(k: usize, ranked: &[&str], judgments: &HashMap<String, i32>) -> f64 {
    let mut ideal: Vec<i32> = judgments.values().copied().filter(|&g| g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal_dcg = dcg(k, ideal.into_iter());
    if ideal_dcg <= 0.0 {
        return 0.0;
    }
    dcg(k, ranked.iter().map(|doc| gain(judgments, doc))) / ideal_dcg
}

fn recall(k: usize, ranked: &[&str], judgments: &HashMap<String, i32>) -> f64 {
    let relevant = count_relevant(judgments);
    if relevant == 0 {
        return 0.0;
    }
    let found = ranked
        .iter()
        .take(k)
        .filter(|doc| gain(judgments, doc) > 0)
        .count();
    found as f64 / relevant as f64
}

fn average_precision(k: usize, ranked: &[&str], judgments: &HashMap<String, i32>) -> f64 {
    let relevant = count_relevant(judgments);
    if relevant == 0 {
        return 0.0;
    }
    let mut found = 0usize;
    let mut sum = 0.0;
    for (i, doc) in ranked.iter().take(k).enumerate() {
        if gain(judgments, doc) > 0 {
            found += 1;
            sum += found as f64 / (i + 1) as f64;
        }
    }
    sum / relevant as f64
}

fn reciprocal_rank(k: usize, ranked: &[&str], judgments: &HashMap<String, i32>) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|doc| gain(judgments, doc) > 0)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

// ---------------------------------------------------------------------------------------
// Line reading
// ---------------------------------------------------------------------------------------

/// Numbered UTF-8 lines of a stream, without their line ending; a leading byte-order mark is
/// dropped. A line longer than [`MAX_LINE_BYTES`] is reported without being held in memory
/// (the shared reader of [`crate::formats::lines`]).
struct Lines<R> {
    inner: LineReader<R>,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Lines {
            inner: LineReader::new(reader, MAX_LINE_BYTES),
        }
    }

    /// The next line and its number, or `None` at the end. After an `Err` for an oversized
    /// or non-UTF-8 line, the following lines can still be read.
    fn next_line(&mut self) -> Result<Option<(u64, &str)>, EvalError> {
        let Some(line) = self.inner.next_line()? else {
            return Ok(None);
        };
        match line.problem {
            Some(problem) => Err(EvalError::parse(line.number, problem.reason())),
            None => Ok(Some((line.number, line.text))),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------

/// Reads queries in any of the formats of the module docs, in file order. Each line is
/// recognised by itself: `{` starts a BEIR JSON line, `<top>` a TREC topic (which runs to its
/// `</top>`), anything else must be `ID<TAB>TEXT`. A query id may appear only once.
pub fn read_queries(reader: impl BufRead) -> Result<Vec<Query>, EvalError> {
    let mut lines = Lines::new(reader);
    let mut queries = QueryList::default();
    let mut topic: Option<Topic> = None;
    while let Some((line_no, line)) = lines.next_line()? {
        let text = line.trim();
        if topic.is_none() && text.starts_with("<top>") {
            topic = Some(Topic::new(line_no));
        }
        if let Some(open) = topic.as_mut() {
            open.text.push_str(text);
            open.text.push('\n');
            if text.contains("</top>") {
                let query = open.parse()?;
                queries.push(open.start_line, query)?;
                topic = None;
            }
            continue;
        }
        if !text.is_empty() {
            queries.push(line_no, parse_query_line(line_no, line)?)?;
        }
    }
    match topic {
        Some(open) => Err(EvalError::parse(
            open.start_line,
            "<top> is never closed by </top>",
        )),
        None => Ok(queries.queries),
    }
}

/// Queries read so far, with the line each id was first seen on.
#[derive(Default)]
struct QueryList {
    queries: Vec<Query>,
    lines: HashMap<String, u64>,
}

impl QueryList {
    fn push(&mut self, line: u64, query: Query) -> Result<(), EvalError> {
        if let Some(first) = self.lines.get(&query.id) {
            let reason = format!("query id {:?} already appeared on line {first}", query.id);
            return Err(EvalError::parse(line, reason));
        }
        self.lines.insert(query.id.clone(), line);
        self.queries.push(query);
        Ok(())
    }
}

/// One line holding a whole query: BEIR JSON or `ID<TAB>TEXT`. The line is not trimmed
/// first, so that `ID<TAB>` followed by blanks is reported as a query without text.
fn parse_query_line(line: u64, text: &str) -> Result<Query, EvalError> {
    if text.trim_start().starts_with('{') {
        let query: BeirQuery = serde_json::from_str(text)
            .map_err(|err| EvalError::parse(line, format!("not a BEIR query: {err}")))?;
        return checked_query(line, query.id.into_string(), query.text);
    }
    match text.split_once('\t') {
        Some((id, query)) => checked_query(line, id.to_string(), query.to_string()),
        None => Err(EvalError::parse(
            line,
            "expected a BEIR JSON query, ID<TAB>TEXT or a TREC <top> topic",
        )),
    }
}

/// A query with its id and text trimmed, both required.
fn checked_query(line: u64, id: String, text: String) -> Result<Query, EvalError> {
    let (id, text) = (id.trim(), text.trim());
    if id.is_empty() {
        return Err(EvalError::parse(line, "query has no id"));
    }
    if text.is_empty() {
        return Err(EvalError::parse(line, format!("query {id:?} has no text")));
    }
    Ok(Query {
        id: id.to_string(),
        text: text.to_string(),
    })
}

/// A BEIR `queries.jsonl` line; `metadata` and other fields are ignored.
#[derive(Deserialize)]
struct BeirQuery {
    #[serde(rename = "_id", alias = "id")]
    id: JsonId,
    text: String,
}

/// BEIR ids are strings, but a number is accepted as well.
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonId {
    Text(String),
    Number(i64),
}

impl JsonId {
    fn into_string(self) -> String {
        match self {
            JsonId::Text(text) => text,
            JsonId::Number(number) => number.to_string(),
        }
    }
}

/// A TREC topic being collected, from its `<top>` line to its `</top>` line.
struct Topic {
    start_line: u64,
    text: String,
}

impl Topic {
    fn new(start_line: u64) -> Self {
        Topic {
            start_line,
            text: String::new(),
        }
    }

    /// The query of a complete topic: `<num>` (without `Number:`) and `<title>` (without
    /// `Topic:`), whether or not the tags are closed.
    fn parse(&self) -> Result<Query, EvalError> {
        let line = self.start_line;
        let num = tag_text(&self.text, "<num>")
            .map(|num| strip_label(num, "Number:"))
            .filter(|num| !num.is_empty())
            .ok_or_else(|| EvalError::parse(line, "topic has no <num>"))?;
        let title = tag_text(&self.text, "<title>")
            .map(|title| strip_label(title, "Topic:"))
            .filter(|title| !title.is_empty())
            .ok_or_else(|| EvalError::parse(line, format!("topic {num} has no <title>")))?;
        Ok(Query {
            id: num.to_string(),
            text: title.split_whitespace().collect::<Vec<_>>().join(" "),
        })
    }
}

/// The text after `tag` up to the next tag, trimmed.
fn tag_text<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let start = text.find(tag)? + tag.len();
    let rest = &text[start..];
    let end = rest.find('<').unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// `text` without a leading `label` (ASCII case-insensitive), trimmed.
fn strip_label<'a>(text: &'a str, label: &str) -> &'a str {
    match text.get(..label.len()) {
        Some(head) if head.eq_ignore_ascii_case(label) => text[label.len()..].trim(),
        _ => text,
    }
}

// ---------------------------------------------------------------------------------------
// Qrels
// ---------------------------------------------------------------------------------------

/// Reads judgments, TREC (`qid 0 docid rel`) or BEIR TSV (`query-id corpus-id score` header,
/// then `qid docid score`), recognised line by line by their number of fields. The grade must
/// be an integer. A pair judged twice with the same grade is accepted, with different grades
/// it is an error.
pub fn read_qrels(reader: impl BufRead) -> Result<Qrels, EvalError> {
    let mut lines = Lines::new(reader);
    let mut qrels = Qrels::default();
    let mut first = true;
    while let Some((line_no, line)) = lines.next_line()? {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let header = first && fields == BEIR_QRELS_HEADER;
        first = false;
        if !header {
            add_judgment(&mut qrels, line_no, &fields)?;
        }
    }
    Ok(qrels)
}

/// Adds the judgment on one qrels line, split into fields.
fn add_judgment(qrels: &mut Qrels, line: u64, fields: &[&str]) -> Result<(), EvalError> {
    let (query_id, doc_id, grade) = match *fields {
        [query_id, _, doc_id, grade] => (query_id, doc_id, grade),
        [query_id, doc_id, grade] => (query_id, doc_id, grade),
        _ => {
            let reason = format!(
                "expected `qid 0 docid rel` or `query-id corpus-id score`, found {} fields",
                fields.len()
            );
            return Err(EvalError::parse(line, reason));
        }
    };
    let grade: i32 = grade
        .parse()
        .map_err(|_| EvalError::parse(line, format!("relevance {grade:?} is not an integer")))?;
    match qrels.insert(query_id, doc_id, grade) {
        Some(previous) if previous != grade => Err(EvalError::parse(
            line,
            format!("query {query_id:?} judges {doc_id:?} again, {grade} after {previous}"),
        )),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Run files
// ---------------------------------------------------------------------------------------

/// Writes one query's ranking (document id, score; best first) as TREC run lines
/// `qid Q0 docid rank score tag`, rank from 1 and score with 6 decimals. Ids and tag must be
/// non-empty and free of whitespace, or the line could not be read back.
pub fn write_trec_run(
    out: &mut dyn Write,
    query_id: &str,
    ranked: &[(String, f32)],
    tag: &str,
) -> io::Result<()> {
    check_run_field("query id", query_id)?;
    check_run_field("tag", tag)?;
    for (rank, (doc_id, score)) in ranked.iter().enumerate() {
        check_run_field("document id", doc_id)?;
        writeln!(out, "{query_id} Q0 {doc_id} {} {score:.6} {tag}", rank + 1)?;
    }
    Ok(())
}

fn check_run_field(what: &str, value: &str) -> io::Result<()> {
    if value.is_empty() || value.contains(char::is_whitespace) {
        let message = format!("{what} {value:?} cannot be written to a TREC run file");
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    Ok(())
}

/// Reads a TREC run file (`qid Q0 docid rank score tag`) into rankings: queries in order of
/// first appearance, documents by the rank column, equal ranks by score (highest first),
/// then in file order.
pub fn read_trec_run(reader: impl BufRead) -> Result<Vec<(String, Vec<String>)>, EvalError> {
    let mut lines = Lines::new(reader);
    let mut order: HashMap<String, usize> = HashMap::new();
    let mut runs: Vec<(String, Vec<RunEntry>)> = Vec::new();
    while let Some((line_no, line)) = lines.next_line()? {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let (query_id, entry) = parse_run_line(line_no, &fields)?;
        let slot = *order.entry(query_id.to_string()).or_insert_with(|| {
            runs.push((query_id.to_string(), Vec::new()));
            runs.len() - 1
        });
        runs[slot].1.push(entry);
    }
    Ok(runs
        .into_iter()
        .map(|(query_id, entries)| (query_id, ranked_doc_ids(entries)))
        .collect())
}

/// One line of a run file.
struct RunEntry {
    doc_id: String,
    rank: i64,
    score: f64,
}

fn parse_run_line<'a>(line: u64, fields: &[&'a str]) -> Result<(&'a str, RunEntry), EvalError> {
    let [query_id, _, doc_id, rank, score, _] = *fields else {
        let reason = format!(
            "expected `qid Q0 docid rank score tag`, found {} fields",
            fields.len()
        );
        return Err(EvalError::parse(line, reason));
    };
    let rank = rank
        .parse()
        .map_err(|_| EvalError::parse(line, format!("rank {rank:?} is not an integer")))?;
    let score = score
        .parse()
        .map_err(|_| EvalError::parse(line, format!("score {score:?} is not a number")))?;
    let entry = RunEntry {
        doc_id: doc_id.to_string(),
        rank,
        score,
    };
    Ok((query_id, entry))
}

/// Document ids by rank, then by score descending; the sort is stable, so file order breaks
/// the remaining ties.
fn ranked_doc_ids(mut entries: Vec<RunEntry>) -> Vec<String> {
    entries.sort_by(|a, b| a.rank.cmp(&b.rank).then(b.score.total_cmp(&a.score)));
    entries.into_iter().map(|entry| entry.doc_id).collect()
}

// ---------------------------------------------------------------------------------------
// NFCorpus documents
// ---------------------------------------------------------------------------------------

/// Reads NFCorpus `*.docs` lines, `ID<TAB>TEXT`, as records with that id and the text as
/// their abstract (the title stays empty: NFCorpus runs it into the text). A bad line is
/// reported with its number and the lines after it are still read.
pub fn read_nfcorpus_docs(reader: impl BufRead) -> impl Iterator<Item = Result<Record, EvalError>> {
    let mut lines = Lines::new(reader);
    let mut done = false;
    std::iter::from_fn(move || {
        while !done {
            match lines.next_line() {
                Ok(None) => done = true,
                Ok(Some((_, line))) if line.trim().is_empty() => {}
                Ok(Some((line_no, line))) => return Some(parse_nfcorpus_doc(line_no, line)),
                Err(err @ EvalError::Parse { .. }) => return Some(Err(err)),
                Err(err) => {
                    done = true;
                    return Some(Err(err));
                }
            }
        }
        None
    })
}

fn parse_nfcorpus_doc(line: u64, text: &str) -> Result<Record, EvalError> {
    let Some((id, body)) = text.split_once('\t') else {
        return Err(EvalError::parse(line, "expected ID<TAB>TEXT"));
    };
    let (id, body) = (id.trim(), body.trim());
    if id.is_empty() {
        return Err(EvalError::parse(line, "document has no id"));
    }
    if body.is_empty() {
        return Err(EvalError::parse(
            line,
            format!("document {id:?} has no text"),
        ));
    }
    Ok(Record {
        id: id.to_string(),
        abstract_text: body.to_string(),
        ..Record::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QRELS_TREC: &str = include_str!("../tests/fixtures/eval/qrels.trec");
    const QRELS_TSV: &str = include_str!("../tests/fixtures/eval/qrels.tsv");
    const QUERIES_JSONL: &str = include_str!("../tests/fixtures/eval/queries.jsonl");
    const QUERIES_TSV: &str = include_str!("../tests/fixtures/eval/queries.tsv");
    const RUN_TREC: &str = include_str!("../tests/fixtures/eval/run.trec");

    const TOLERANCE: f64 = 1e-9;

    fn assert_close(actual: f64, expected: f64, what: &str) {
        assert!(
            (actual - expected).abs() < TOLERANCE,
            "{what}: got {actual}, expected {expected}"
        );
    }

    fn assert_metrics(actual: &QueryMetrics, expected: [f64; 4], what: &str) {
        assert_close(actual.ndcg_at_10, expected[0], &format!("{what} nDCG@10"));
        assert_close(
            actual.recall_at_100,
            expected[1],
            &format!("{what} Recall@100"),
        );
        assert_close(actual.map_at_100, expected[2], &format!("{what} AP@100"));
        assert_close(actual.mrr_at_10, expected[3], &format!("{what} RR@10"));
    }

    fn judgments(pairs: &[(&str, i32)]) -> HashMap<String, i32> {
        pairs.iter().map(|&(d, g)| (d.to_string(), g)).collect()
    }

    fn parse_error_line(err: EvalError) -> (u64, String) {
        match err {
            EvalError::Parse { line, reason } => (line, reason),
            EvalError::Io(err) => panic!("expected a parse error, got {err}"),
        }
    }

    // The fixture collection, by hand. Discount of rank r is log2(r + 1):
    //   log2(2) = 1, log2(3) = 1.584962500721156, log2(4) = 2, log2(5) = 2.321928094887362,
    //   log2(6) = 2.584962500721156; so 1/log2(3) = 0.6309297535714575,
    //   1/log2(5) = 0.43067655807339306, 1/log2(6) = 0.38685280723454163.
    //
    // q1: judged D3=1, D5=0, D7=1, D8=1, so R = 3 (D5 is judged not relevant).
    //   run (sorted by the rank column; the rank-12 line comes 6th in the file):
    //   1 D5(0) 2 D9 3 D3(1) 4 D1 5 D2 6 D4 7 D6 8 D15 9 D16 10 D17 11 D18 12 D7(1);
    //   D8 is never retrieved. First relevant document at rank 3.
    //   DCG@10  = 1/log2(4) = 0.5                       (D7 at rank 12 is past the cut)
    //   IDCG@10 = 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 0.6309297535714575 + 0.5
    //           = 2.1309297535714578
    //   nDCG@10 = 0.5 / 2.1309297535714578 = 0.23463936301137822
    //   Recall@100 = 2 retrieved (D3, D7) / 3 = 0.6666666666666666
    //   AP@100  = (P@3 + P@12) / 3 = (1/3 + 2/12) / 3 = (1/2) / 3 = 0.16666666666666666
    //   RR@10   = 1/3
    //
    // q2: judged D10=3, D11=2, D12=1, D13=1, so R = 4, grades not in ideal order.
    //   run: 1 D11 2 D12 3 D11 (repeat, dropped) 4 D10 5 D14 6 D13, which counts as
    //   1 D11(2) 2 D12(1) 3 D10(3) 4 D14(0) 5 D13(1).
    //   DCG@10  = 2/1 + 1/log2(3) + 3/log2(4) + 0/log2(5) + 1/log2(6)
    //           = 2 + 0.6309297535714575 + 1.5 + 0 + 0.38685280723454163 = 4.517782560805999
    //   IDCG@10 = 3/1 + 2/log2(3) + 1/log2(4) + 1/log2(5)
    //           = 3 + 1.261859507142915 + 0.5 + 0.43067655807339306 = 5.192536065216308
    //   nDCG@10 = 4.517782560805999 / 5.192536065216308 = 0.8700531886662591
    //   (keeping the repeat would put D10 at rank 4 and D13 at 6: 0.8240995461860888)
    //   Recall@100 = 4/4 = 1
    //   AP@100  = (1/1 + 2/2 + 3/3 + 4/5) / 4 = 3.8 / 4 = 0.95
    //   RR@10   = 1/1 = 1
    //
    // q3: judged D20=2, D21=1 but not in the run: all zeros, and it counts.
    // q4: in the run, not in the qrels: skipped.
    //
    // Means over q1, q2, q3:
    //   nDCG@10    = (0.23463936301137822 + 0.8700531886662591 + 0) / 3 = 0.36823085055921245
    //   Recall@100 = (2/3 + 1 + 0) / 3 = 5/9 = 0.5555555555555556
    //   MAP@100    = (1/6 + 0.95 + 0) / 3 = 1.1166666666666667 / 3 = 0.37222222222222223
    //   MRR@10     = (1/3 + 1 + 0) / 3 = 4/9 = 0.4444444444444444
    const Q1: [f64; 4] = [0.23463936301137822, 2.0 / 3.0, 1.0 / 6.0, 1.0 / 3.0];
    const Q2: [f64; 4] = [0.8700531886662591, 1.0, 0.95, 1.0];
    const Q3: [f64; 4] = [0.0; 4];
    const MEAN: [f64; 4] = [
        0.36823085055921245,
        0.5555555555555556,
        0.37222222222222223,
        0.4444444444444444,
    ];

    fn fixture_evaluation() -> Evaluation {
        let qrels = read_qrels(QRELS_TREC.as_bytes()).expect("fixture qrels");
        let runs = read_trec_run(RUN_TREC.as_bytes()).expect("fixture run");
        evaluate(&runs, &qrels)
    }

    #[test]
    fn fixture_queries_score_as_computed_by_hand() {
        let evaluation = fixture_evaluation();
        let ids: Vec<&str> = evaluation
            .per_query
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(
            ids,
            ["q1", "q2", "q3"],
            "q4 is skipped, q3 comes after the run"
        );
        assert_metrics(&evaluation.per_query[0].1, Q1, "q1");
        assert_metrics(&evaluation.per_query[1].1, Q2, "q2");
        assert_metrics(&evaluation.per_query[2].1, Q3, "q3");
    }

    #[test]
    fn fixture_means_are_over_judged_queries_with_unrun_ones_as_zero() {
        let evaluation = fixture_evaluation();
        assert_eq!(evaluation.queries, 3);
        assert_metrics(&evaluation.mean, MEAN, "mean");
    }

    #[test]
    fn fixture_queries_score_the_same_one_by_one() {
        let qrels = read_qrels(QRELS_TREC.as_bytes()).expect("fixture qrels");
        let runs = read_trec_run(RUN_TREC.as_bytes()).expect("fixture run");
        for ((query_id, ranked), expected) in runs.iter().zip([Q1, Q2]) {
            let ranked: Vec<&str> = ranked.iter().map(String::as_str).collect();
            let judged = qrels.relevant(query_id).expect("judged");
            assert_metrics(&evaluate_query(&ranked, judged), expected, query_id);
        }
    }

    #[test]
    fn a_repeated_document_counts_once_at_its_first_rank() {
        let judged = judgments(&[("a", 1), ("b", 1)]);
        // Deduplicated: x a b. Kept as is, b would be at rank 4.
        let ranked = ["x", "a", "x", "b"];
        assert_close(rr_at(10, &ranked, &judged), 0.5, "RR");
        assert_close(
            ap_at(100, &ranked, &judged),
            (1.0 / 2.0 + 2.0 / 3.0) / 2.0,
            "AP",
        );
        assert_close(recall_at(2, &["a", "a", "b"], &judged), 1.0, "recall@2");
        let expected_ndcg = (1.0 / 3f64.log2() + 1.0 / 2.0) / (1.0 + 1.0 / 3f64.log2());
        assert_close(ndcg_at(10, &ranked, &judged), expected_ndcg, "nDCG");
    }

    #[test]
    fn cutoffs_limit_every_metric() {
        let judged = judgments(&[("a", 2), ("b", 1), ("c", 1)]);
        let ranked = ["x", "y", "a", "b"];
        assert_eq!(rr_at(2, &ranked, &judged), 0.0);
        assert_close(rr_at(3, &ranked, &judged), 1.0 / 3.0, "RR@3");
        assert_close(recall_at(3, &ranked, &judged), 1.0 / 3.0, "recall@3");
        // AP divides by all 3 relevant documents, not by min(k, R) = 1.
        assert_close(ap_at(3, &ranked, &judged), (1.0 / 3.0) / 3.0, "AP@3");
        // nDCG@1: IDCG@1 = 2, DCG@1 = 0.
        assert_eq!(ndcg_at(1, &ranked, &judged), 0.0);
        for k in [0, 1] {
            assert_eq!(ap_at(k, &ranked, &judged), 0.0);
        }
    }

    #[test]
    fn grades_at_or_below_zero_are_not_relevant() {
        let judged = judgments(&[("a", 0), ("b", -1)]);
        let ranked = ["a", "b"];
        assert_eq!(evaluate_query(&ranked, &judged), QueryMetrics::default());
        let judged = judgments(&[("a", 0), ("b", -1), ("c", 1)]);
        let metrics = evaluate_query(&["a", "b", "c"], &judged);
        assert_close(metrics.ndcg_at_10, 1.0 / 2.0, "c at rank 3: (1/log2 4) / 1");
        assert_close(metrics.mrr_at_10, 1.0 / 3.0, "RR");
    }

    #[test]
    fn queries_without_relevant_judgments_are_not_averaged() {
        let mut qrels = Qrels::default();
        qrels.insert("only-zero", "a", 0);
        qrels.insert("judged", "a", 1);
        qrels.insert("unrun", "b", 1);
        let runs = vec![
            ("only-zero".to_string(), vec!["a".to_string()]),
            ("judged".to_string(), vec!["a".to_string()]),
            ("unjudged".to_string(), vec!["a".to_string()]),
            ("judged".to_string(), vec!["x".to_string()]),
        ];
        let evaluation = evaluate(&runs, &qrels);
        let ids: Vec<&str> = evaluation
            .per_query
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(
            ids,
            ["judged", "unrun"],
            "first entry of a repeated query wins"
        );
        assert_eq!(evaluation.queries, 2);
        assert_metrics(
            &evaluation.mean,
            [0.5; 4],
            "mean of a perfect and an unrun query",
        );
    }

    #[test]
    fn nothing_to_average_gives_zeros() {
        let evaluation = evaluate(&[], &Qrels::default());
        assert_eq!(evaluation.queries, 0);
        assert_eq!(evaluation.mean, QueryMetrics::default());
    }

    /// 64-bit linear congruential generator (Knuth's MMIX constants); the high bits are
    /// good enough to draw test rankings.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) % n as u64) as usize
        }
    }

    /// nDCG@k, Recall@k, AP@k and RR@k written straight from their definitions, sharing no
    /// code with the module.
    fn naive_metrics(k: usize, ranked: &[&str], judged: &HashMap<String, i32>) -> [f64; 4] {
        let mut unique: Vec<&str> = Vec::new();
        for doc in ranked {
            if !unique.contains(doc) {
                unique.push(doc);
            }
        }
        let rel = |doc: &str| match judged.get(doc) {
            Some(&grade) if grade > 0 => grade,
            _ => 0,
        };
        let top: Vec<i32> = unique.iter().take(k).map(|doc| rel(doc)).collect();
        let total_relevant = judged.values().filter(|&&grade| grade > 0).count();

        let mut dcg = 0.0;
        for (i, &grade) in top.iter().enumerate() {
            dcg += f64::from(grade) / (i as f64 + 2.0).log2();
        }
        let mut ideal: Vec<i32> = judged.values().copied().filter(|&g| g > 0).collect();
        ideal.sort();
        ideal.reverse();
        let mut idcg = 0.0;
        for (i, &grade) in ideal.iter().take(k).enumerate() {
            idcg += f64::from(grade) / (i as f64 + 2.0).log2();
        }
        let ndcg = if idcg > 0.0 { dcg / idcg } else { 0.0 };

        let hits = top.iter().filter(|&&grade| grade > 0).count();
        let recall = if total_relevant > 0 {
            hits as f64 / total_relevant as f64
        } else {
            0.0
        };

        let mut precision_sum = 0.0;
        for i in 1..=top.len() {
            if top[i - 1] > 0 {
                let relevant_in_top_i = top[..i].iter().filter(|&&grade| grade > 0).count();
                precision_sum += relevant_in_top_i as f64 / i as f64;
            }
        }
        let ap = if total_relevant > 0 {
            precision_sum / total_relevant as f64
        } else {
            0.0
        };

        let mut rr = 0.0;
        for (i, &grade) in top.iter().enumerate() {
            if grade > 0 {
                rr = 1.0 / (i + 1) as f64;
                break;
            }
        }
        [ndcg, recall, ap, rr]
    }

    #[test]
    fn metrics_agree_with_a_naive_implementation_on_random_rankings() {
        let pool: Vec<String> = (0..150).map(|i| format!("d{i}")).collect();
        // Grades -1, 0, 1, 2, 3 over the first 25 documents: 15 relevant, in three grades.
        let judged: HashMap<String, i32> = (0..25)
            .map(|i| (pool[i].clone(), (i % 5) as i32 - 1))
            .collect();
        let mut rng = Lcg(20_240_601);
        for round in 0..400 {
            let length = rng.below(161);
            let ranked: Vec<&str> = (0..length).map(|_| pool[rng.below(150)].as_str()).collect();
            let metrics = evaluate_query(&ranked, &judged);
            let expected = [
                naive_metrics(10, &ranked, &judged)[0],
                naive_metrics(100, &ranked, &judged)[1],
                naive_metrics(100, &ranked, &judged)[2],
                naive_metrics(10, &ranked, &judged)[3],
            ];
            let actual = [
                metrics.ndcg_at_10,
                metrics.recall_at_100,
                metrics.map_at_100,
                metrics.mrr_at_10,
            ];
            for (a, e) in actual.iter().zip(expected) {
                assert!(
                    (a - e).abs() < 1e-12,
                    "round {round}: {actual:?} vs {expected:?}"
                );
            }
            let k = rng.below(40);
            let generic = [
                ndcg_at(k, &ranked, &judged),
                recall_at(k, &ranked, &judged),
                ap_at(k, &ranked, &judged),
                rr_at(k, &ranked, &judged),
            ];
            let naive = naive_metrics(k, &ranked, &judged);
            for (a, e) in generic.iter().zip(naive) {
                assert!(
                    (a - e).abs() < 1e-12,
                    "round {round}, k {k}: {generic:?} vs {naive:?}"
                );
            }
        }
    }

    #[test]
    fn both_qrels_forms_read_the_same() {
        let trec = read_qrels(QRELS_TREC.as_bytes()).expect("trec");
        let beir = read_qrels(QRELS_TSV.as_bytes()).expect("beir");
        assert_eq!(trec, beir);
        assert_eq!(trec.num_queries(), 3);
        assert_eq!(trec.num_judgments(), 10);
        assert_eq!(trec.num_relevant("q1"), 3, "D5 is judged 0");
        assert_eq!(trec.relevant("q2").and_then(|j| j.get("D10")), Some(&3));
        assert_eq!(trec.relevant("q4"), None);
    }

    #[test]
    fn qrels_accept_tabs_crlf_and_blank_lines() {
        let qrels =
            read_qrels("\u{feff}q1\t0\tD1\t2\r\n\r\nq1 0 D2 1\n".as_bytes()).expect("qrels");
        assert_eq!(qrels.num_relevant("q1"), 2);
        assert_eq!(qrels.relevant("q1").and_then(|j| j.get("D1")), Some(&2));
    }

    #[test]
    fn malformed_qrels_lines_are_reported_with_their_number() {
        let err = read_qrels("q1 0 D1 1\n\nq1 0 D2 high\n".as_bytes()).expect_err("bad grade");
        let (line, reason) = parse_error_line(err);
        assert_eq!(line, 3);
        assert!(reason.contains("\"high\" is not an integer"), "{reason}");

        let err = read_qrels("q1 D1\n".as_bytes()).expect_err("two fields");
        assert_eq!(parse_error_line(err).0, 1);

        let err = read_qrels("q1 0 D1 1\nq1 0 D1 2\n".as_bytes()).expect_err("conflict");
        let (line, reason) = parse_error_line(err);
        assert_eq!(line, 2);
        assert!(reason.contains("again, 2 after 1"), "{reason}");
        assert!(
            read_qrels("q1 0 D1 1\nq1 0 D1 1\n".as_bytes()).is_ok(),
            "same grade twice"
        );
    }

    #[test]
    fn a_beir_header_is_only_skipped_on_the_first_line() {
        let err = read_qrels("q1\tD1\t1\nquery-id\tcorpus-id\tscore\n".as_bytes())
            .expect_err("header in the middle");
        assert_eq!(parse_error_line(err).0, 2);
    }

    #[test]
    fn both_query_forms_read_the_same() {
        let jsonl = read_queries(QUERIES_JSONL.as_bytes()).expect("jsonl");
        let tsv = read_queries(QUERIES_TSV.as_bytes()).expect("tsv");
        assert_eq!(jsonl, tsv);
        assert_eq!(jsonl.len(), 4);
        assert_eq!(
            jsonl[1],
            Query {
                id: "q2".into(),
                text: "vitamin D supplementation in chronic kidney disease".into()
            }
        );
    }

    #[test]
    fn beir_query_ids_may_be_numbers() {
        let queries = read_queries("{\"_id\": 7, \"text\": \"x\"}\n".as_bytes()).expect("reads");
        assert_eq!(queries[0].id, "7");
    }

    #[test]
    fn malformed_query_lines_are_reported_with_their_number() {
        let cases: [(&str, u64, &str); 5] = [
            ("q1\tok\n\nno tab here\n", 3, "ID<TAB>TEXT"),
            ("q1\tok\n{\"text\": \"no id\"}\n", 2, "missing field `_id`"),
            ("q1\t   \n", 1, "has no text"),
            ("q1\tone\nq1\ttwo\n", 2, "already appeared on line 1"),
            (
                "q1\tok\n{\"_id\": \"q2\", \"text\": \n",
                2,
                "not a BEIR query",
            ),
        ];
        for (input, expected_line, expected_reason) in cases {
            let err = read_queries(input.as_bytes()).expect_err(input);
            let (line, reason) = parse_error_line(err);
            assert_eq!(line, expected_line, "{input:?}");
            assert!(reason.contains(expected_reason), "{input:?}: {reason}");
        }
    }

    #[test]
    fn non_utf8_lines_are_reported_with_their_number() {
        let err = read_queries(&b"q1\tok\nq2\t\xff\n"[..]).expect_err("not UTF-8");
        let (line, reason) = parse_error_line(err);
        assert_eq!(line, 2);
        assert!(
            reason.starts_with("invalid UTF-8 at column 4 (is the file Latin-1?"),
            "{reason}"
        );
    }

    #[test]
    fn trec_topics_use_number_and_title() {
        let topics = "<top>\n\n<num> Number: 301\n<title> International Organized Crime\n\n\
                      <desc> Description:\nIdentify organizations that participate in \
                      international criminal activity.\n\n<narr> Narrative:\nA relevant \
                      document must name the organization.\n</top>\n\n\n<top>\n<num> Number: \
                      051 \n<title> Topic: Airbus Subsidies\n  and Trade\n<desc> Description:\n\
                      Subsidies.\n</top>\n<top> <num>q3</num> <title>closed tags</title> </top>\n";
        let queries = read_queries(topics.as_bytes()).expect("topics");
        let pairs: Vec<(&str, &str)> = queries
            .iter()
            .map(|q| (q.id.as_str(), q.text.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("301", "International Organized Crime"),
                ("051", "Airbus Subsidies and Trade"),
                ("q3", "closed tags"),
            ]
        );
    }

    #[test]
    fn broken_trec_topics_are_reported_at_their_top_line() {
        let err = read_queries("q0\tx\n<top>\n<num> Number: 1\n</top>\n".as_bytes())
            .expect_err("no title");
        let (line, reason) = parse_error_line(err);
        assert_eq!(line, 2);
        assert!(reason.contains("topic 1 has no <title>"), "{reason}");
        let err = read_queries("<top>\n<num> 1\n<title> t\n".as_bytes()).expect_err("never closed");
        let (line, reason) = parse_error_line(err);
        assert_eq!(line, 1);
        assert!(reason.contains("never closed"), "{reason}");
    }

    #[test]
    fn run_files_round_trip() {
        let ranked = vec![
            ("MED-10".to_string(), 12.345_678_f32),
            ("MED-2427".to_string(), 3.5),
            ("MED-14".to_string(), 3.5),
            ("MED-1".to_string(), -0.25),
        ];
        let mut out = Vec::new();
        write_trec_run(&mut out, "PLAIN-2", &ranked, "medlit-bm25").expect("writes");
        write_trec_run(&mut out, "PLAIN-3", &ranked[..1], "medlit-bm25").expect("writes");
        let text = String::from_utf8(out).expect("UTF-8");
        assert_eq!(
            text.lines().next(),
            Some("PLAIN-2 Q0 MED-10 1 12.345678 medlit-bm25")
        );
        assert_eq!(
            text.lines().nth(3),
            Some("PLAIN-2 Q0 MED-1 4 -0.250000 medlit-bm25")
        );
        let runs = read_trec_run(text.as_bytes()).expect("reads");
        let ids = |entries: &[(String, f32)]| -> Vec<String> {
            entries.iter().map(|(id, _)| id.clone()).collect()
        };
        assert_eq!(
            runs,
            [
                ("PLAIN-2".to_string(), ids(&ranked)),
                ("PLAIN-3".to_string(), ids(&ranked[..1])),
            ]
        );
    }

    #[test]
    fn run_files_are_ordered_by_rank_then_score() {
        let text = "q Q0 c 3 1.0 t\nq Q0 b 2 0.5 t\nq Q0 a 2 0.9 t\nq Q0 d 3 1.0 t\n";
        let runs = read_trec_run(text.as_bytes()).expect("reads");
        assert_eq!(runs[0].1, ["a", "b", "c", "d"]);
    }

    #[test]
    fn malformed_run_lines_are_reported_with_their_number() {
        let err = read_trec_run("q Q0 a 1 1.0 t\nq Q0 b 2 0.5\n".as_bytes()).expect_err("5");
        assert_eq!(parse_error_line(err).0, 2);
        let err = read_trec_run("q Q0 a first 1.0 t\n".as_bytes()).expect_err("rank");
        assert!(parse_error_line(err).1.contains("rank \"first\""));
        let err = read_trec_run("q Q0 a 1 high t\n".as_bytes()).expect_err("score");
        assert!(parse_error_line(err).1.contains("score \"high\""));
    }

    #[test]
    fn run_writer_refuses_ids_it_could_not_read_back() {
        let mut out = Vec::new();
        let ranked = vec![("two words".to_string(), 1.0)];
        let err = write_trec_run(&mut out, "q", &ranked, "t").expect_err("space in doc id");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(
            write_trec_run(&mut out, "", &[], "t").is_err(),
            "empty query id"
        );
        assert!(out.is_empty());
    }

    #[test]
    fn nfcorpus_docs_read_as_abstracts_and_bad_lines_are_skipped() {
        let text = "MED-10\tstatin breast cancer survival num \nno tab\n\n\
                    MED-14\t \nMED-1261\t catalytic doses fructose";
        let docs: Vec<_> = read_nfcorpus_docs(text.as_bytes()).collect();
        assert_eq!(docs.len(), 4);
        let first = docs[0].as_ref().expect("first");
        assert_eq!(first.id, "MED-10");
        assert_eq!(first.abstract_text, "statin breast cancer survival num");
        assert!(first.title.is_empty());
        let messages: Vec<String> = docs
            .iter()
            .filter_map(|d| d.as_ref().err().map(ToString::to_string))
            .collect();
        assert_eq!(
            messages,
            [
                "line 2: expected ID<TAB>TEXT",
                "line 4: document \"MED-14\" has no text"
            ]
        );
        let last = docs[3].as_ref().expect("last line without newline");
        assert_eq!(
            (last.id.as_str(), last.abstract_text.as_str()),
            ("MED-1261", "catalytic doses fructose")
        );
    }
}
