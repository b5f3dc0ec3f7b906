//! Index statistics: what `medlit stats` reports.

use serde::Serialize;
use tantivy::query::AllQuery;

use crate::error::Result;
use crate::facets::FacetCounter;
use crate::index::MedlitIndex;
use crate::schema::{FacetKind, SCHEMA_VERSION};

/// Facts about an index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    /// Index directory.
    pub path: String,
    /// Live records.
    pub records: u64,
    /// Deleted documents not yet merged away.
    pub deleted: u64,
    /// Bytes of all files in the index directory.
    pub size_bytes: u64,
    /// Searchable segments.
    pub segments: usize,
    /// Distinct values per facet.
    pub facets: std::collections::BTreeMap<&'static str, usize>,
    /// Schema version of the index (this medlit's, since others are refused on open).
    pub schema_version: u32,
    /// Version of medlit that made the last commit.
    pub medlit_version: Option<String>,
    /// Time of the last commit (RFC 3339, UTC).
    pub last_commit: Option<String>,
}

impl IndexStats {
    /// Gathers the statistics of `index`.
    pub fn gather(index: &MedlitIndex) -> Result<IndexStats> {
        let searcher = index.reader()?.searcher();
        let segments = searcher.segment_readers();
        let deleted = segments
            .iter()
            .map(|s| u64::from(s.num_deleted_docs()))
            .sum();
        let mut facet_counts = std::collections::BTreeMap::new();
        for kind in FacetKind::ALL {
            let counts = searcher.search(&AllQuery, &FacetCounter::new(kind))?;
            facet_counts.insert(kind.name(), counts.distinct());
        }
        let info = index.commit_info()?;
        Ok(IndexStats {
            path: index.path().display().to_string(),
            records: searcher.num_docs(),
            deleted,
            size_bytes: directory_size(index.path()),
            segments: segments.len(),
            facets: facet_counts,
            schema_version: SCHEMA_VERSION,
            medlit_version: info.as_ref().map(|i| i.medlit_version.clone()),
            last_commit: info.map(|i| i.committed_at),
        })
    }
}

/// Bytes of all files below `path`.
pub fn directory_size(path: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.metadata().ok())
        .filter(|meta| meta.is_file())
        .map(|meta| meta.len())
        .sum()
}
