//! Segment merging: small merges while records come in, one whole merge on demand.
//!
//! tantivy's default policy merges ever larger segments while an ingest runs. A merge reads
//! its input segments through mmap, so a process that merges a million records maps
//! gigabytes of index files, and its peak resident memory grows with the corpus (issue #5:
//! 471 MiB at 100k records, 1.6 GiB at 1M, of which about 1.1 GiB were mapped index files).
//!
//! medlit's writers therefore use a [`BoundedMergePolicy`]: only segments smaller than
//! [`MAX_MERGED_DOCS`] documents are merged, into segments no larger than that, so that a
//! merge never maps more than a few tens of megabytes. Those are the segments that
//! intermediate commits and small runs leave behind; the ones the writer flushes when its
//! memory budget fills are left as they are. [`merge_all`] (`medlit merge`) merges the whole
//! index into one segment when the user asks for it.

use std::time::Instant;

use tantivy::index::SegmentId;
use tantivy::indexer::{MergeCandidate, MergePolicy};
use tantivy::schema::document::Document;
use tantivy::{IndexWriter, SegmentMeta};

use crate::error::Result;
use crate::index::MedlitIndex;

/// Largest segment, in documents, that a merge during ingest produces.
pub const MAX_MERGED_DOCS: u32 = 25_000;
/// Fewest small segments worth a merge.
pub const MIN_SEGMENTS_IN_MERGE: usize = 4;
/// Memory budget of the writer that [`merge_all`] opens: it indexes nothing, and tantivy
/// asks at least 15 MB per indexing thread.
const MERGE_WRITER_BUDGET: usize = 16 << 20;

/// Merges only segments below a size, into segments no larger than it (see the module docs).
#[derive(Debug, Clone)]
pub struct BoundedMergePolicy {
    max_merged_docs: u32,
    min_segments: usize,
}

impl Default for BoundedMergePolicy {
    fn default() -> Self {
        BoundedMergePolicy {
            max_merged_docs: MAX_MERGED_DOCS,
            min_segments: MIN_SEGMENTS_IN_MERGE,
        }
    }
}

impl MergePolicy for BoundedMergePolicy {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let mut small: Vec<&SegmentMeta> = segments
            .iter()
            .filter(|segment| segment.max_doc() < self.max_merged_docs)
            .collect();
        small.sort_by_key(|segment| segment.max_doc());
        let mut candidates = Vec::new();
        let mut group = Vec::new();
        let mut docs = 0u32;
        for segment in small {
            if docs + segment.max_doc() > self.max_merged_docs {
                self.keep_if_worth_it(std::mem::take(&mut group), &mut candidates);
                docs = 0;
            }
            group.push(segment.id());
            docs += segment.max_doc();
        }
        self.keep_if_worth_it(group, &mut candidates);
        candidates
    }
}

impl BoundedMergePolicy {
    fn keep_if_worth_it(&self, group: Vec<SegmentId>, candidates: &mut Vec<MergeCandidate>) {
        if group.len() >= self.min_segments {
            candidates.push(MergeCandidate(group));
        }
    }
}

/// Sets medlit's merge policy on a new writer.
pub fn configure<D: Document>(writer: &IndexWriter<D>) {
    writer.set_merge_policy(Box::new(BoundedMergePolicy::default()));
}

/// What [`merge_all`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MergeSummary {
    /// Segments before the merge.
    pub segments_before: usize,
    /// Segments after it (1, or 0 for an empty index).
    pub segments_after: usize,
    /// Documents of the merged segment, deleted ones dropped.
    pub records: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Merges every segment of `index` into one, dropping deleted documents. A merge reads the
/// whole index, so it maps the index files while it runs.
pub fn merge_all(index: &MedlitIndex) -> Result<MergeSummary> {
    let started = Instant::now();
    let before = index.index.searchable_segment_metas()?;
    let mut writer: IndexWriter = index.writer(1, MERGE_WRITER_BUDGET)?;
    if before.len() > 1 || before.iter().any(SegmentMeta::has_deletes) {
        let segments: Vec<SegmentId> = before.iter().map(SegmentMeta::id).collect();
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    let after = index.index.searchable_segment_metas()?;
    Ok(MergeSummary {
        segments_before: before.len(),
        segments_after: after.len(),
        records: after.iter().map(|m| u64::from(m.num_docs())).sum(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(docs: u32) -> SegmentMeta {
        tantivy::Index::create_in_ram(tantivy::schema::Schema::builder().build())
            .new_segment_meta(SegmentId::generate_random(), docs)
    }

    fn merged_sizes(policy: &BoundedMergePolicy, docs: &[u32]) -> Vec<Vec<u32>> {
        let segments: Vec<SegmentMeta> = docs.iter().map(|&n| segment(n)).collect();
        let size_of = |id: &SegmentId| {
            segments
                .iter()
                .find(|s| s.id() == *id)
                .map(SegmentMeta::max_doc)
                .unwrap_or_default()
        };
        policy
            .compute_merge_candidates(&segments)
            .iter()
            .map(|candidate| candidate.0.iter().map(size_of).collect())
            .collect()
    }

    #[test]
    fn full_segments_are_never_merged() {
        let policy = BoundedMergePolicy::default();
        assert!(merged_sizes(&policy, &[50_000; 20]).is_empty());
        assert!(merged_sizes(&policy, &[MAX_MERGED_DOCS; 8]).is_empty());
    }

    #[test]
    fn small_segments_merge_in_groups_no_larger_than_the_cap() {
        let policy = BoundedMergePolicy::default();
        let merges = merged_sizes(&policy, &[9_000, 100, 200, 300, 400, 9_000, 9_000, 50_000]);
        assert_eq!(merges, vec![vec![100, 200, 300, 400, 9_000, 9_000]]);
        for merge in &merges {
            assert!(merge.iter().sum::<u32>() <= MAX_MERGED_DOCS);
        }
    }

    #[test]
    fn too_few_small_segments_wait() {
        let policy = BoundedMergePolicy::default();
        assert!(merged_sizes(&policy, &[10, 20, 30, 60_000]).is_empty());
    }
}
