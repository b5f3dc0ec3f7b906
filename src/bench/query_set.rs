//! The queries `medlit bench query` runs: read from a file, or drawn from the index itself.
//!
//! A query file holds one query per line, or JSON Lines with a `text` (BEIR, e.g. SciFact's
//! `queries_train.jsonl`) or `query` field; blank lines and `#` comments are skipped, and a
//! line that is not a query is reported, not fatal. Its queries form the class
//! [`QueryClass::Text`].
//!
//! Without a file, queries are drawn deterministically (a seed) from records sampled at
//! random from the index, so that they look like what people search and match something:
//! words of titles and abstracts whose document frequency is neither tiny (typos, numbers)
//! nor huge (stop words), pairs of such words adjacent in a title (phrases), author surnames
//! and MeSH headings. One class per query shape: [`QueryClass::GENERATED`]. The drawing is
//! in the `draw` submodule.

use std::io::BufRead;
use std::path::PathBuf;

use serde::Serialize;

mod draw;

pub use draw::generate;

/// Where the benchmark's queries come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuerySource {
    /// Drawn from the index (see the module docs).
    Generated,
    /// Read from this file (see the module docs).
    File(PathBuf),
}

/// The shape of a benchmark query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryClass {
    /// One word: `thrombocytopenia`.
    Term,
    /// Two or three words, all required: `platelet rituximab refractory`.
    And,
    /// Two or three words joined by OR: `platelet OR rituximab`.
    Or,
    /// A two-word phrase found in a title: `"immune thrombocytopenia"`.
    Phrase,
    /// A field tag: `rituximab[ti]` or `Chandrasekaran[au]`.
    Field,
    /// A MeSH heading, exploded when the index has a vocabulary: `"Neoplasms"[mh]`.
    Mesh,
    /// A line of a query file, as written.
    Text,
}

impl QueryClass {
    /// The classes drawn from the index, in the order they are run.
    pub const GENERATED: [QueryClass; 6] = [
        QueryClass::Term,
        QueryClass::And,
        QueryClass::Or,
        QueryClass::Phrase,
        QueryClass::Field,
        QueryClass::Mesh,
    ];

    /// The class's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            QueryClass::Term => "term",
            QueryClass::And => "and",
            QueryClass::Or => "or",
            QueryClass::Phrase => "phrase",
            QueryClass::Field => "field",
            QueryClass::Mesh => "mesh",
            QueryClass::Text => "text",
        }
    }
}

/// One query to run, with the file line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchQuery {
    /// The query as `medlit search` takes it.
    pub text: String,
    /// 1-based line of the query file; `None` for a generated query.
    pub line: Option<u64>,
}

impl BenchQuery {
    fn generated(text: String) -> BenchQuery {
        BenchQuery { text, line: None }
    }
}

/// A query left out of the benchmark, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedQuery {
    /// 1-based line of the query file; `None` for a generated query.
    pub line: Option<u64>,
    /// Its class.
    pub class: QueryClass,
    /// The query (or the line) as written.
    pub query: String,
    /// What is wrong with it.
    pub error: String,
}

/// Candidate queries by class, before they are checked by running them once.
#[derive(Debug, Clone, Default)]
pub struct QuerySet {
    /// Each class with its candidates, in the order the classes are run.
    pub classes: Vec<(QueryClass, Vec<BenchQuery>)>,
    /// Lines of a query file that hold no query.
    pub failed: Vec<FailedQuery>,
    /// Remarks for the report, e.g. a class left out because the index has nothing for it.
    pub notes: Vec<String>,
}

/// Reads a query file (see the module docs). Lines that are not a query are returned in
/// [`QuerySet::failed`]; only a read error fails.
pub fn read_query_file(reader: impl BufRead) -> std::io::Result<QuerySet> {
    let mut queries = Vec::new();
    let mut failed = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line?;
        let line_no = index as u64 + 1;
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        match query_of_line(text) {
            Ok(query) => queries.push(BenchQuery {
                text: query,
                line: Some(line_no),
            }),
            Err(error) => failed.push(FailedQuery {
                line: Some(line_no),
                class: QueryClass::Text,
                query: text.to_string(),
                error,
            }),
        }
    }
    Ok(QuerySet {
        classes: vec![(QueryClass::Text, queries)],
        failed,
        notes: Vec::new(),
    })
}

/// The query of one trimmed, non-empty line: the line itself, or for a JSON object its
/// `text` or `query` field.
fn query_of_line(text: &str) -> std::result::Result<String, String> {
    if !text.starts_with('{') {
        return Ok(text.to_string());
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("not a JSON object: {err}"))?;
    ["text", "query"]
        .iter()
        .find_map(|key| value.get(key).and_then(serde_json::Value::as_str))
        .map(str::trim)
        .filter(|query| !query.is_empty())
        .map(str::to_string)
        .ok_or_else(|| "a JSON line needs a non-empty \"text\" or \"query\" string".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(set: &QuerySet) -> Vec<(&str, Option<u64>)> {
        set.classes[0]
            .1
            .iter()
            .map(|q| (q.text.as_str(), q.line))
            .collect()
    }

    #[test]
    fn plain_lines_are_queries_except_blanks_and_comments() {
        let file = "# latency set\nrituximab\n\n  \"immune thrombocytopenia\"  \n#neoplasms[mh]\nneoplasms[mh] AND 2020[dp]\n";
        let set = read_query_file(file.as_bytes()).expect("reads");
        assert_eq!(set.classes[0].0, QueryClass::Text);
        assert_eq!(
            texts(&set),
            [
                ("rituximab", Some(2)),
                ("\"immune thrombocytopenia\"", Some(4)),
                ("neoplasms[mh] AND 2020[dp]", Some(6)),
            ]
        );
        assert!(set.failed.is_empty());
    }

    #[test]
    fn json_lines_give_their_text_or_query_field() {
        let file = concat!(
            "{\"_id\": \"0\", \"text\": \"0-dimensional biomaterials lack inductive properties.\", \"metadata\": {}}\n",
            "{\"query\": \"rituximab[ti]\"}\n",
            "{\"_id\": \"3\", \"title\": \"no text\"}\n",
            "{not json\n",
            "{\"text\": \"  \"}\n",
        );
        let set = read_query_file(file.as_bytes()).expect("reads");
        assert_eq!(
            texts(&set),
            [
                (
                    "0-dimensional biomaterials lack inductive properties.",
                    Some(1)
                ),
                ("rituximab[ti]", Some(2)),
            ]
        );
        let failed: Vec<Option<u64>> = set.failed.iter().map(|f| f.line).collect();
        assert_eq!(failed, [Some(3), Some(4), Some(5)]);
        assert!(set.failed[1].error.starts_with("not a JSON object"));
    }
}
