//! Facet counting: how many matching records carry each MeSH heading, therapy, year,
//! journal, publication type, language or country, over the whole matching set, not just
//! the page of hits shown.
//!
//! [`FacetCounter`] replaces tantivy's `FacetCollector` for medlit's flat facets. That
//! collector turns every counted ordinal back into its term with a random dictionary lookup
//! and streams the whole dictionary to build a mapping on every query; with 3,000 MeSH
//! descriptors that cost 85 ms on 1,700 records. Here each segment counts into a dense
//! array by term ordinal, and only the ordinals that were counted are turned into terms,
//! in one sorted sequential pass over the dictionary, or, for the queries of one
//! [`crate::query::Search`], from a [`FacetNamesCache`] of each segment's values.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::{facet_field_name, root_letter, FacetKind};

/// One facet value and the number of matching records that have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetValue {
    /// The value as indexed (`Thrombocytopenia`, `rituximab`, `2025`), or for MeSH tree
    /// facets the category or descriptor name.
    pub value: String,
    /// Matching records with this value.
    pub count: u64,
    /// For MeSH tree facets: the tree number (`C15`), to drill down with `--facet mesh:C15`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
}

/// The top values of one facet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetResult {
    /// Which facet.
    pub facet: FacetKind,
    /// The facet as asked for (`mesh`, `mesh:C15`): the key in JSON output.
    pub name: String,
    /// How many distinct values the matching records have.
    pub distinct: usize,
    /// The most frequent values, most frequent first, ties by value.
    pub values: Vec<FacetValue>,
}

/// Counts of every value of one facet among the collected documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacetTally(HashMap<String, u64>);

impl FacetTally {
    /// The `limit` most frequent values, most frequent first, ties by value.
    pub fn top(&self, kind: FacetKind, limit: usize) -> FacetResult {
        let mut values: Vec<FacetValue> = self
            .0
            .iter()
            .map(|(value, &count)| FacetValue {
                value: value.clone(),
                count,
                tree: None,
            })
            .collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let distinct = values.len();
        values.truncate(limit);
        FacetResult {
            facet: kind,
            name: kind.name().to_string(),
            distinct,
            values,
        }
    }

    /// Every value with its count, most frequent first.
    pub fn all(&self, kind: FacetKind) -> Vec<FacetValue> {
        self.top(kind, usize::MAX).values
    }

    /// The per-segment tallies added up.
    fn merged(tallies: Vec<FacetTally>) -> FacetTally {
        let mut tallies = tallies.into_iter();
        let mut merged = tallies.next().unwrap_or_default();
        for tally in tallies {
            for (value, count) in tally.0 {
                *merged.0.entry(value).or_insert(0) += count;
            }
        }
        merged
    }

    /// Number of distinct values counted.
    pub fn distinct(&self) -> usize {
        self.0.len()
    }
}

/// Collector counting the values of one flat facet.
#[derive(Clone)]
pub struct FacetCounter {
    field_name: String,
    names: Option<Arc<FacetNamesCache>>,
}

impl FacetCounter {
    /// A counter for `kind`.
    pub fn new(kind: FacetKind) -> FacetCounter {
        FacetCounter {
            field_name: facet_field_name(kind),
            names: None,
        }
    }

    /// The same counter, taking the values of term ordinals from `names`.
    pub fn with_names(mut self, names: Arc<FacetNamesCache>) -> FacetCounter {
        self.names = Some(names);
        self
    }
}

impl Collector for FacetCounter {
    type Fruit = FacetTally;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let reader = segment.facet_reader(&self.field_name)?;
        let counts = vec![0u32; reader.num_facets()];
        let names = self.names.as_ref().and_then(|cache| {
            cache.names((segment.segment_id(), self.field_name.clone()), &reader)
        });
        Ok(SegmentFacetCounter {
            reader,
            counts,
            names,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetTally>) -> tantivy::Result<FacetTally> {
        Ok(FacetTally::merged(fruits))
    }
}

/// Per-segment half of [`FacetCounter`].
pub struct SegmentFacetCounter {
    reader: FacetReader,
    counts: Vec<u32>,
    /// The segment's facet values by ordinal, when the cache holds them.
    names: Option<Arc<Vec<String>>>,
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = FacetTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for ord in self.reader.facet_ords(doc) {
            if let Some(count) = self.counts.get_mut(ord as usize) {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> FacetTally {
        if let Some(names) = &self.names {
            let counted = names.iter().zip(&self.counts).filter(|(_, &n)| n > 0);
            let tally = counted.map(|(name, &n)| (name.clone(), u64::from(n)));
            return FacetTally(tally.collect());
        }
        let ords: Vec<u64> = (0u64..)
            .zip(&self.counts)
            .filter(|(_, &count)| count > 0)
            .map(|(ord, _)| ord)
            .collect();
        let mut tally = HashMap::with_capacity(ords.len());
        let mut counts = ords.iter().map(|&ord| self.counts[ord as usize]);
        let lookup = self
            .reader
            .facet_dict()
            .sorted_ords_to_term_cb(&ords, |term| {
                let count = counts.next().unwrap_or(0);
                tally.insert(facet_value(term), u64::from(count));
            });
        debug_assert!(lookup.is_ok());
        FacetTally(tally)
    }
}

/// The display value of a flat facet term (tantivy separates path segments with NUL).
fn facet_value(encoded: &[u8]) -> String {
    let last = encoded.rsplit(|&b| b == 0).next().unwrap_or(encoded);
    String::from_utf8_lossy(last).into_owned()
}

/// Collector counting the children of one node of a hierarchical facet (the MeSH tree):
/// each matching record counts once per child, however many of its paths pass through it.
#[derive(Clone)]
pub struct TreeFacetCounter {
    field_name: String,
    /// Encoded parent facet (segments joined by NUL); empty for the root.
    parent: Vec<u8>,
    cache: Arc<TreeChildrenCache>,
}

impl TreeFacetCounter {
    /// Counts the children of `parent` (path segments; empty for the root) in `field_name`,
    /// reusing the children found by earlier queries through `cache`.
    pub fn new(
        field_name: &str,
        parent: &[String],
        cache: Arc<TreeChildrenCache>,
    ) -> TreeFacetCounter {
        TreeFacetCounter {
            field_name: field_name.to_string(),
            parent: parent.join("\0").into_bytes(),
            cache,
        }
    }

    /// The children of the parent in one segment: from the cache, or found and cached.
    fn children_in(
        &self,
        segment: SegmentId,
        reader: &FacetReader,
    ) -> tantivy::Result<Arc<ChildRanges>> {
        let key = (segment, self.field_name.clone(), self.parent.clone());
        if let Some(found) = self.cache.0.get(&key) {
            return Ok(found);
        }
        let (prefix, end) = self.bounds();
        let found = Arc::new(ChildRanges::find(
            reader.facet_dict(),
            &prefix,
            end.as_deref(),
        )?);
        self.cache.0.insert(key, Arc::clone(&found), 1);
        Ok(found)
    }

    /// The prefix of every term below the parent (`parent\0`, empty for the root) and the
    /// first term after them (`parent\x01`, none for the root).
    fn bounds(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        if self.parent.is_empty() {
            return (Vec::new(), None);
        }
        let mut prefix = self.parent.clone();
        prefix.push(0);
        let mut end = self.parent.clone();
        end.push(1);
        (prefix, Some(end))
    }
}

/// Collector counting the top level of the MeSH tree (the category letters) from the
/// per-record bit set of categories: one value per record instead of every tree path of
/// every heading, which made the root of the tree the dearest facet on large result sets.
#[derive(Debug, Clone)]
pub struct TreeRootCounter {
    field_name: String,
}

impl TreeRootCounter {
    /// Counts the categories in the bit-set field `field_name` (see
    /// [`crate::schema::tree_names::roots_of`]).
    pub fn new(field_name: &str) -> TreeRootCounter {
        TreeRootCounter {
            field_name: field_name.to_string(),
        }
    }
}

impl Collector for TreeRootCounter {
    type Fruit = FacetTally;
    type Child = SegmentRootCounter;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentRootCounter> {
        Ok(SegmentRootCounter {
            roots: reader.fast_fields().u64(&self.field_name)?,
            counts: [0; 64],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetTally>) -> tantivy::Result<FacetTally> {
        Ok(FacetTally::merged(fruits))
    }
}

/// Per-segment half of [`TreeRootCounter`].
pub struct SegmentRootCounter {
    roots: tantivy::columnar::Column<u64>,
    counts: [u32; 64],
}

impl SegmentCollector for SegmentRootCounter {
    type Fruit = FacetTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some(mut roots) = self.roots.first(doc) else {
            return;
        };
        while roots != 0 {
            self.counts[roots.trailing_zeros() as usize] += 1;
            roots &= roots - 1;
        }
    }

    fn harvest(self) -> FacetTally {
        let tally = (0u32..)
            .zip(self.counts)
            .filter(|(_, count)| *count > 0)
            .filter_map(|(bit, count)| Some((root_letter(bit)?.to_string(), u64::from(count))))
            .collect();
        FacetTally(tally)
    }
}

/// Key of [`FacetNamesCache`]: a segment and a facet field.
type NamesKey = (SegmentId, String);

/// The values of flat facets by term ordinal, per segment and field, kept across the
/// queries of one [`crate::query::Search`]. Turning a segment's ordinals into values reads
/// blocks of its facet dictionary, and every block read sets up a zstd decoder: on an index
/// of a few dozen segments that cost more than the counting (14% of a query benchmark's
/// CPU in `ZSTD_createDCtx`). A segment's values are read whole at its second query, so that
/// a process that runs one search (`medlit search`) still reads only the values it counted.
/// Only dictionaries of at most [`FacetNamesCache::MAX_TERMS`] values are kept (therapies,
/// journals, languages…); the cache is emptied when it holds [`FacetNamesCache::CAPACITY`]
/// values.
pub struct FacetNamesCache(SegmentCache<NamesKey, Option<Arc<Vec<String>>>>);

impl Default for FacetNamesCache {
    fn default() -> Self {
        FacetNamesCache(SegmentCache::new(Self::CAPACITY))
    }
}

impl FacetNamesCache {
    /// Largest dictionary kept, in values.
    pub const MAX_TERMS: usize = 50_000;
    /// Most values kept in all.
    pub const CAPACITY: usize = 1_000_000;

    /// The values of `reader`'s dictionary by ordinal, read once per segment and field;
    /// `None` for a dictionary too large to keep, or one that cannot be read.
    fn names(&self, key: NamesKey, reader: &FacetReader) -> Option<Arc<Vec<String>>> {
        if reader.num_facets() > Self::MAX_TERMS {
            return None;
        }
        match self.0.get(&key) {
            Some(Some(names)) => return Some(names),
            Some(None) => {}
            // First query of this segment: note it, and look up only what it counted.
            None => {
                self.0.insert(key, None, 0);
                return None;
            }
        }
        let names = Arc::new(all_values(reader)?);
        self.0.insert(key, Some(Arc::clone(&names)), names.len());
        Some(names)
    }
}

/// Every value of a flat facet's dictionary, by ordinal.
fn all_values(reader: &FacetReader) -> Option<Vec<String>> {
    let mut stream = reader.facet_dict().stream().ok()?;
    let mut values = Vec::with_capacity(reader.num_facets());
    while stream.advance() {
        values.push(facet_value(stream.key()));
    }
    (values.len() == reader.num_facets()).then_some(values)
}

/// Key of [`TreeChildrenCache`]: a segment, a facet field and an encoded parent node.
type ChildrenKey = (SegmentId, String, Vec<u8>);

/// The children of tree-facet nodes found per segment, kept across the queries of one
/// [`crate::query::Search`]: a faceted query then costs only the counting. Bounded: emptied
/// when it holds [`TreeChildrenCache::CAPACITY`] nodes.
pub struct TreeChildrenCache(SegmentCache<ChildrenKey, Arc<ChildRanges>>);

impl Default for TreeChildrenCache {
    fn default() -> Self {
        TreeChildrenCache(SegmentCache::new(Self::CAPACITY))
    }
}

impl TreeChildrenCache {
    /// Most nodes kept.
    pub const CAPACITY: usize = 4096;
}

/// What the queries of one [`crate::query::Search`] work out per segment, kept for the next
/// ones (a segment never changes). Each entry has a weight; when an insert would take the
/// total past the capacity, everything is dropped first.
struct SegmentCache<K, V> {
    held: Mutex<Held<K, V>>,
    capacity: usize,
}

/// The entries of a [`SegmentCache`], each with its weight, and their total weight.
struct Held<K, V> {
    entries: HashMap<K, (V, usize)>,
    total: usize,
}

impl<K: Eq + std::hash::Hash, V: Clone> SegmentCache<K, V> {
    fn new(capacity: usize) -> Self {
        SegmentCache {
            held: Mutex::new(Held {
                entries: HashMap::new(),
                total: 0,
            }),
            capacity,
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        self.lock().entries.get(key).map(|(value, _)| value.clone())
    }

    fn insert(&self, key: K, value: V, weight: usize) {
        let mut held = self.lock();
        if let Some((_, old)) = held.entries.remove(&key) {
            held.total -= old;
        }
        if held.total + weight > self.capacity {
            held.entries.clear();
            held.total = 0;
        }
        held.entries.insert(key, (value, weight));
        held.total += weight;
    }

    /// Every value held, in no order.
    #[cfg(test)]
    fn values(&self) -> Vec<V> {
        let held = self.lock();
        held.entries
            .values()
            .map(|(value, _)| value.clone())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held<K, V>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The children of a node of a hierarchical facet in one segment, with the term ordinals
/// each child's paths occupy (a child's terms are contiguous in the sorted dictionary).
pub struct ChildRanges {
    /// Ordinal of the first term below the node.
    first_ord: u64,
    /// Child index of each term ordinal from `first_ord` on.
    child_of_ord: Vec<u32>,
    children: Vec<String>,
}

impl ChildRanges {
    /// Finds the children by seeking from one child straight to the next (`child\x01` is
    /// the first key after every path below `child`): one dictionary lookup per child
    /// instead of a pass over every term below the node, which at the MeSH root of a large
    /// index is hundreds of thousands of terms on every query.
    fn find(
        dictionary: &tantivy::columnar::Dictionary,
        prefix: &[u8],
        end: Option<&[u8]>,
    ) -> std::io::Result<ChildRanges> {
        let first_ord_at = |key: &[u8]| -> std::io::Result<Option<(u64, Vec<u8>)>> {
            let mut range = dictionary.range().ge(key);
            if let Some(end) = end {
                range = range.lt(end);
            }
            let mut stream = range.into_stream()?;
            Ok(stream
                .advance()
                .then(|| (stream.term_ord(), stream.key().to_vec())))
        };
        let mut starts = Vec::new();
        let mut children = Vec::new();
        let mut cursor = prefix.to_vec();
        while let Some((ord, key)) = first_ord_at(&cursor)? {
            let rest = &key[prefix.len().min(key.len())..];
            let child = rest.split(|&b| b == 0).next().unwrap_or(rest);
            starts.push(ord);
            children.push(String::from_utf8_lossy(child).into_owned());
            cursor.truncate(prefix.len());
            cursor.extend_from_slice(child);
            cursor.push(1);
        }
        let end_ord = match end {
            Some(end) => {
                let mut stream = dictionary.range().ge(end).into_stream()?;
                if stream.advance() {
                    stream.term_ord()
                } else {
                    dictionary.num_terms() as u64
                }
            }
            None => dictionary.num_terms() as u64,
        };
        let first_ord = starts.first().copied().unwrap_or(end_ord);
        let mut child_of_ord = vec![0u32; end_ord.saturating_sub(first_ord) as usize];
        for (child, &start) in starts.iter().enumerate() {
            let stop = starts.get(child + 1).copied().unwrap_or(end_ord);
            let range = (start - first_ord) as usize..(stop.saturating_sub(first_ord)) as usize;
            if let Some(slots) = child_of_ord.get_mut(range) {
                slots.fill(child as u32);
            }
        }
        Ok(ChildRanges {
            first_ord,
            child_of_ord,
            children,
        })
    }
}

impl Collector for TreeFacetCounter {
    type Fruit = FacetTally;
    type Child = SegmentTreeCounter;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        segment_reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTreeCounter> {
        let reader = segment_reader.facet_reader(&self.field_name)?;
        let children = self.children_in(segment_reader.segment_id(), &reader)?;
        let counts = vec![0u32; children.children.len()];
        Ok(SegmentTreeCounter {
            reader,
            children,
            counts,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetTally>) -> tantivy::Result<FacetTally> {
        Ok(FacetTally::merged(fruits))
    }
}

/// Per-segment half of [`TreeFacetCounter`].
pub struct SegmentTreeCounter {
    reader: FacetReader,
    children: Arc<ChildRanges>,
    counts: Vec<u32>,
}

impl SegmentCollector for SegmentTreeCounter {
    type Fruit = FacetTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let mut last = u32::MAX;
        for ord in self.reader.facet_ords(doc) {
            let Some(offset) = ord.checked_sub(self.children.first_ord) else {
                continue;
            };
            let Some(&child) = self.children.child_of_ord.get(offset as usize) else {
                continue;
            };
            // A document's ordinals are sorted and a child's terms are contiguous, so its
            // repeated paths through one child are adjacent.
            if child != last {
                self.counts[child as usize] += 1;
                last = child;
            }
        }
    }

    fn harvest(self) -> FacetTally {
        let tally = self
            .children
            .children
            .iter()
            .zip(self.counts)
            .filter(|(_, count)| *count > 0)
            .map(|(child, count)| (child.clone(), u64::from(count)))
            .collect();
        FacetTally(tally)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;
    use tantivy::query::AllQuery;

    fn record(id: &str, therapies: &[&str]) -> Record {
        Record {
            id: id.into(),
            title: format!("record {id}"),
            therapies: therapies.iter().map(|t| t.to_string()).collect(),
            ..Record::default()
        }
    }

    #[test]
    fn cached_values_count_the_same_as_dictionary_lookups() {
        let (schema, fields) = crate::schema::Fields::build();
        let index = tantivy::Index::create_in_ram(schema);
        crate::analysis::register(index.tokenizers(), true, true);
        let mut writer: tantivy::IndexWriter = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        let segments = [
            vec![record("a", &["rituximab", "ivig"]), record("b", &["ivig"])],
            vec![record("c", &["eltrombopag"]), record("d", &[])],
            vec![record("e", &["ivig", "eltrombopag", "rituximab"])],
        ];
        for records in &segments {
            for record in records {
                let document = fields.document(record, None);
                writer.add_document(document).expect("add");
            }
            writer.commit().expect("commit");
        }
        let searcher = index.reader().expect("reader").searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let plain = FacetCounter::new(FacetKind::Therapy);
        let names = Arc::new(FacetNamesCache::default());
        let cached = FacetCounter::new(FacetKind::Therapy).with_names(Arc::clone(&names));
        let expected = searcher.search(&AllQuery, &plain).expect("search");
        assert_eq!(expected.0.get("ivig"), Some(&3));
        assert_eq!(expected.0.get("eltrombopag"), Some(&2));
        let count = |counter: &FacetCounter| searcher.search(&AllQuery, counter).expect("search").0;
        assert_eq!(
            count(&cached),
            expected.0,
            "first query: dictionary lookups"
        );
        assert!(names.0.values().iter().all(Option::is_none));
        assert_eq!(
            count(&cached),
            expected.0,
            "second query: values read whole"
        );
        assert_eq!(
            names.0.values().iter().flatten().count(),
            3,
            "one per segment"
        );
        assert_eq!(count(&cached), expected.0, "later queries: from the cache");
    }
}
