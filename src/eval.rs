//! Relevance evaluation: reads queries, relevance judgments (qrels) and TREC run files, and
//! scores ranked result lists with nDCG@10, Recall@100, MAP@100 and MRR@10, so a change to
//! analysis or ranking can be measured on a test collection such as SciFact or NFCorpus.
//!
//! The metrics follow trec_eval (`ndcg_cut`, `recall`, `map_cut`) as BEIR runs it through
//! pytrec_eval, and BEIR's own MRR@k: the gain of a document is its graded relevance, and a
//! grade ≤ 0 (or no judgment) means not relevant. Three deliberate differences from
//! trec_eval, which only matter for unusual inputs:
//!
//! - a ranking is taken in the order given (the order of [`read_trec_run`] is the rank
//!   column); trec_eval ignores that column and sorts by score, ties by doc id descending;
//! - a document listed twice in a ranking counts at its first position and the repeat is
//!   dropped (later documents move up); trec_eval rejects such a run;
//! - [`evaluate`] averages over the judged queries that have at least one relevant document,
//!   as BEIR does; a query that was run but is not in the qrels (or has no relevant document)
//!   is skipped, and a query with relevant documents that was not run counts as all zeros
//!   (trec_eval's `-c`), so leaving queries out of a run cannot raise the scores.
//!
//! Input formats, detected line by line so the caller need not name them:
//!
//! - queries ([`read_queries`]): BEIR `queries.jsonl` (`{"_id": "1", "text": "…"}`), one
//!   `ID<TAB>TEXT` per line (NFCorpus `*.queries`), or TREC topics (`<top> <num> Number: 301
//!   <title> …</top>`, whose title is the query text);
//! - qrels ([`read_qrels`]): TREC `qid 0 docid rel` (whitespace separated; NFCorpus) or BEIR
//!   TSV `query-id corpus-id score` with that header line (SciFact);
//! - runs ([`read_trec_run`], [`write_trec_run`]): TREC `qid Q0 docid rank score tag`;
//! - documents ([`read_nfcorpus_docs`]): NFCorpus `ID<TAB>TEXT`, read as records whose text
//!   is the abstract. NFCorpus text (documents and queries) was pre-processed by its authors:
//!   lower-cased, stop words removed, numbers replaced by `num`, punctuation dropped, and the
//!   title run into the abstract, so scores on it are not comparable with BEIR's raw-text
//!   NFCorpus.
//!
//! Blank lines are skipped everywhere. Errors name the 1-based line; the caller adds the file.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::formats::jsonl::MAX_LINE_BYTES;
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
/// dropped. A line longer than [`MAX_LINE_BYTES`] is reported without being held in memory.
struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    line_no: u64,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Lines {
            reader,
            buf: Vec::new(),
            line_no: 0,
        }
    }

    /// The next line and its number, or `None` at the end. After an `Err` for an oversized
    /// or non-UTF-8 line, the following lines can still be read.
    fn next_line(&mut self) -> Result<Option<(u64, &str)>, EvalError> {
        let Some(length) = self.fill_line()? else {
            return Ok(None);
        };
        self.line_no += 1;
        let line = self.line_no;
        if length > MAX_LINE_BYTES {
            let reason = format!("line is longer than {} MiB", MAX_LINE_BYTES >> 20);
            return Err(EvalError::parse(line, reason));
        }
        let mut bytes = self.buf.as_slice();
        bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Some((line, text))),
            Err(err) => Err(EvalError::parse(line, format!("not UTF-8: {err}"))),
        }
    }

    /// Reads the next line into `self.buf`, at most [`MAX_LINE_BYTES`] of it; returns the
    /// line's full length, or `None` at the end.
    fn fill_line(&mut self) -> io::Result<Option<usize>> {
        self.buf.clear();
        let mut total = 0;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok((total > 0).then_some(total));
            }
            let (chunk, found) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..=i], true),
                None => (available, false),
            };
            let room = MAX_LINE_BYTES.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = chunk.len();
            total += used;
            self.reader.consume(used);
            if found {
                return Ok(Some(total));
            }
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
            queries.push(line_no, parse_query_line(line_no, text)?)?;
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

/// One line holding a whole query: BEIR JSON or `ID<TAB>TEXT`.
fn parse_query_line(line: u64, text: &str) -> Result<Query, EvalError> {
    if text.starts_with('{') {
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
    let grade: i32 = grade.parse().map_err(|_| {
        EvalError::parse(line, format!("relevance {grade:?} is not an integer"))
    })?;
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
        return Err(EvalError::parse(line, format!("document {id:?} has no text")));
    }
    Ok(Record {
        id: id.to_string(),
        abstract_text: body.to_string(),
        ..Record::default()
    })
}
