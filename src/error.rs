//! medlit's error type. User errors (a bad query, a missing or foreign index, a bad option)
//! are kept apart from internal ones so the binary can word them for the person at the
//! keyboard; every one of them maps to exit code 2.

use std::path::PathBuf;

/// Result with medlit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a medlit command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The index directory does not exist or holds no index.
    #[error("no medlit index at {0} (build one with `medlit index FILE... --index {0}`)")]
    NoIndex(PathBuf),
    /// The directory holds something that is not a medlit index.
    #[error("{path} is not a medlit index: {reason}")]
    NotMedlitIndex {
        /// The index directory.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The index was built by a medlit with another schema version.
    #[error("the index at {path} has schema version {found}, this medlit uses version {expected}: rebuild it with `medlit index` into a new directory")]
    SchemaVersion {
        /// The index directory.
        path: PathBuf,
        /// Version stored with the index.
        found: u32,
        /// Version this build uses.
        expected: u32,
    },
    /// Another process holds the index writer lock.
    #[error("the index at {0} is being written by another process (is another `medlit index` running?); searching it works, writing must wait until that process ends. The lock is the operating system's and goes with its process, even a killed one: if no medlit process runs, the index is on a file system without working locks (e.g. NFS) and the stale lock file {0}/.tantivy-writer.lock may be deleted")]
    Locked(PathBuf),
    /// The index directory cannot be written.
    #[error("cannot write to the index at {path}: {reason}")]
    ReadOnly {
        /// The index directory.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },
    /// The query could not be parsed.
    #[error("invalid query {}: {reason}", excerpt(.query))]
    Query {
        /// The query as typed.
        query: String,
        /// What is wrong and where.
        reason: String,
    },
    /// An option has a value medlit cannot use.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The therapy lexicon is malformed.
    #[error("therapy lexicon {path}: {source}")]
    Lexicon {
        /// The lexicon file.
        path: PathBuf,
        /// What is wrong.
        source: crate::therapy::LexiconError,
    },
    /// A MeSH vocabulary file or the stored vocabulary is unusable.
    #[error("MeSH vocabulary {path}: {reason}")]
    Vocabulary {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// medlit's own JSON (commit payload, explanations) could not be written.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A stored record could not be decoded.
    #[error("stored record is corrupt: {0}")]
    StoredRecord(#[from] crate::record::stored::StoredRecordError),
    /// A record too large to be indexed.
    #[error("record {id}: {source}")]
    TooLarge {
        /// The record's id.
        id: String,
        /// What is too large.
        source: crate::document::DocumentTooLarge,
    },
    /// tantivy failed.
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The parsing threads could not be started.
    #[error("cannot start the parsing threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

impl Error {
    /// True for errors caused by the user's input rather than by medlit or the system.
    pub fn is_user_error(&self) -> bool {
        !matches!(
            self,
            Error::StoredRecord(_) | Error::Json(_) | Error::Tantivy(_) | Error::Threads(_)
        )
    }
}

/// A query quoted for an error message, cut after 100 characters so that a pasted
/// 10,000-character query does not flood the terminal.
fn excerpt(query: &str) -> String {
    const SHOWN: usize = 100;
    match query.char_indices().nth(SHOWN) {
        None => format!("{query:?}"),
        Some((cut, _)) => format!(
            "{:?}… ({} characters)",
            &query[..cut],
            query.chars().count()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_queries_are_cut_in_messages() {
        let short = Error::Query {
            query: "itp AND (".into(),
            reason: "unclosed parenthesis".into(),
        };
        assert_eq!(
            short.to_string(),
            "invalid query \"itp AND (\": unclosed parenthesis"
        );
        let long = Error::Query {
            query: "é".repeat(20_000),
            reason: "too long".into(),
        };
        let message = long.to_string();
        assert!(message.len() < 300, "{message}");
        assert!(
            message.ends_with("… (20000 characters): too long"),
            "{message}"
        );
    }
}
