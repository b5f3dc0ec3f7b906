//! Facet counting: how many matching records carry each MeSH heading, therapy, year,
//! journal, publication type, language or country, over the whole matching set, not just
//! the page of hits shown.
//!
//! [`FacetCounter`] replaces tantivy's `FacetCollector` for medlit's flat facets. That
//! collector turns every counted ordinal back into its term with a random dictionary lookup
//! and streams the whole dictionary to build a mapping on every query; with 3,000 MeSH
//! descriptors that cost 85 ms on 1,700 records. Here each segment counts into a dense
//! array by term ordinal. For the queries of one [`crate::query::Search`], the segments'
//! counts are then added up by [`GlobalOrdinals`], numbers shared by all segments, and only
//! the values that were counted are named, once; otherwise each segment turns the ordinals
//! it counted into values in one sorted sequential pass over its dictionary.

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

/// Counts of every value of one facet among the collected documents: each value once, in
/// no order.
#[derive(Debug, Clone, Default)]
pub struct FacetTally(Vec<(Arc<str>, u64)>);

impl FacetTally {
    /// The `limit` most frequent values, most frequent first, ties by value. Only those are
    /// sorted and copied out.
    pub fn top(&self, kind: FacetKind, limit: usize) -> FacetResult {
        let ranking =
            |a: &&(Arc<str>, u64), b: &&(Arc<str>, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
        let mut ranked: Vec<&(Arc<str>, u64)> = self.0.iter().collect();
        if limit < ranked.len() {
            ranked.select_nth_unstable_by(limit, ranking);
            ranked.truncate(limit);
        }
        ranked.sort_unstable_by(ranking);
        let values = ranked
            .into_iter()
            .map(|(value, count)| FacetValue {
                value: value.to_string(),
                count: *count,
                tree: None,
            })
            .collect();
        FacetResult {
            facet: kind,
            name: kind.name().to_string(),
            distinct: self.0.len(),
            values,
        }
    }

    /// Every value with its count, most frequent first.
    pub fn all(&self, kind: FacetKind) -> Vec<FacetValue> {
        self.top(kind, usize::MAX).values
    }

    /// Number of distinct values counted.
    pub fn distinct(&self) -> usize {
        self.0.len()
    }

    /// The count of `value`, if any matching record has it.
    #[cfg(test)]
    fn count(&self, value: &str) -> Option<u64> {
        self.0
            .iter()
            .find(|(counted, _)| &**counted == value)
            .map(|&(_, count)| count)
    }
}

/// The segments' counts added up: counts by global ordinal in a dense array, counts by
/// value by value.
struct Sums {
    by_ordinal: Vec<u64>,
    by_value: HashMap<Arc<str>, u64>,
}

impl Sums {
    /// Adds up `segments`, whose global ordinals are all below `ordinals`.
    fn of(segments: Vec<SegmentTally>, ordinals: usize) -> Sums {
        let mut by_ordinal = vec![0u64; ordinals];
        let mut by_value: HashMap<Arc<str>, u64> = HashMap::new();
        for segment in segments {
            match segment {
                SegmentTally::Ordinals { counts, global } => {
                    for (&count, &ordinal) in counts.iter().zip(global.iter()) {
                        if let Some(total) = by_ordinal.get_mut(ordinal as usize) {
                            *total += u64::from(count);
                        }
                    }
                }
                SegmentTally::Values(counted) => {
                    for (value, count) in counted {
                        *by_value.entry(value).or_insert(0) += count;
                    }
                }
            }
        }
        Sums {
            by_ordinal,
            by_value,
        }
    }

    /// The tally of `segments` that counted by value only.
    fn by_value(segments: Vec<SegmentTally>) -> FacetTally {
        Sums::of(segments, 0).named(&[])
    }

    /// The tally, naming the counts by global ordinal from `values` (by global ordinal).
    fn named(self, values: &[Arc<str>]) -> FacetTally {
        let Sums {
            by_ordinal,
            mut by_value,
        } = self;
        let counted_by_ordinal = values
            .iter()
            .zip(by_ordinal)
            .filter(|&(_, count)| count > 0);
        if by_value.is_empty() {
            let tally = counted_by_ordinal.map(|(value, count)| (Arc::clone(value), count));
            return FacetTally(tally.collect());
        }
        for (value, count) in counted_by_ordinal {
            *by_value.entry(Arc::clone(value)).or_insert(0) += count;
        }
        FacetTally(by_value.into_iter().collect())
    }
}

/// What one segment counted, added up with the other segments' by
/// [`Collector::merge_fruits`].
pub enum SegmentTally {
    /// Counts by the segment's term ordinal, and the global ordinal of each term ordinal.
    Ordinals {
        /// Matching records per term ordinal.
        counts: Vec<u32>,
        /// Global ordinal per term ordinal (see [`GlobalOrdinals`]).
        global: Arc<Vec<u32>>,
    },
    /// Counts by value.
    Values(Vec<(Arc<str>, u64)>),
}

/// Collector counting the values of one flat facet.
#[derive(Clone)]
pub struct FacetCounter {
    field_name: String,
    global: Option<Arc<GlobalOrdinals>>,
}

impl FacetCounter {
    /// A counter for `kind`.
    pub fn new(kind: FacetKind) -> FacetCounter {
        FacetCounter {
            field_name: facet_field_name(kind),
            global: None,
        }
    }

    /// The same counter, adding the segments' counts up by the ordinals of `global`.
    pub fn with_global_ordinals(mut self, global: Arc<GlobalOrdinals>) -> FacetCounter {
        self.global = Some(global);
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
        let global = self.global.as_ref().and_then(|global| {
            global.of_segment((segment.segment_id(), self.field_name.clone()), &reader)
        });
        Ok(SegmentFacetCounter {
            reader,
            counts,
            global,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentTally>) -> tantivy::Result<FacetTally> {
        Ok(match &self.global {
            Some(global) => {
                // Every global ordinal in the fruits was given before this call.
                let sums = Sums::of(fruits, global.count(&self.field_name));
                global.with_values(&self.field_name, |values| sums.named(values))
            }
            None => Sums::by_value(fruits),
        })
    }
}

/// Per-segment half of [`FacetCounter`].
pub struct SegmentFacetCounter {
    reader: FacetReader,
    counts: Vec<u32>,
    /// The global ordinal of each of the segment's term ordinals, when known.
    global: Option<Arc<Vec<u32>>>,
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = SegmentTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for ord in self.reader.facet_ords(doc) {
            if let Some(count) = self.counts.get_mut(ord as usize) {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> SegmentTally {
        if let Some(global) = self.global {
            return SegmentTally::Ordinals {
                counts: self.counts,
                global,
            };
        }
        let ords: Vec<u64> = (0u64..)
            .zip(&self.counts)
            .filter(|(_, &count)| count > 0)
            .map(|(ord, _)| ord)
            .collect();
        let mut tally = Vec::with_capacity(ords.len());
        let mut counts = ords.iter().map(|&ord| self.counts[ord as usize]);
        let lookup = self
            .reader
            .facet_dict()
            .sorted_ords_to_term_cb(&ords, |term| {
                let count = counts.next().unwrap_or(0);
                tally.push((Arc::from(facet_value(term).as_ref()), u64::from(count)));
            });
        debug_assert!(lookup.is_ok());
        SegmentTally::Values(tally)
    }
}

/// The display value of a flat facet term (tantivy separates path segments with NUL).
fn facet_value(encoded: &[u8]) -> std::borrow::Cow<'_, str> {
    let last = encoded.rsplit(|&b| b == 0).next().unwrap_or(encoded);
    String::from_utf8_lossy(last)
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

    fn merge_fruits(&self, fruits: Vec<SegmentTally>) -> tantivy::Result<FacetTally> {
        Ok(Sums::by_value(fruits))
    }
}

/// Per-segment half of [`TreeRootCounter`].
pub struct SegmentRootCounter {
    roots: tantivy::columnar::Column<u64>,
    counts: [u32; 64],
}

impl SegmentCollector for SegmentRootCounter {
    type Fruit = SegmentTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some(mut roots) = self.roots.first(doc) else {
            return;
        };
        while roots != 0 {
            self.counts[roots.trailing_zeros() as usize] += 1;
            roots &= roots - 1;
        }
    }

    fn harvest(self) -> SegmentTally {
        let tally = (0u32..)
            .zip(self.counts)
            .filter(|(_, count)| *count > 0)
            .filter_map(|(bit, count)| {
                let letter = root_letter(bit)?.to_string();
                Some((Arc::from(letter), u64::from(count)))
            })
            .collect();
        SegmentTally::Values(tally)
    }
}

/// Key of [`GlobalOrdinals`]' segments: a segment and a facet field.
type SegmentField = (SegmentId, String);

/// Numbers for the values of flat facets shared by every segment (global ordinals), kept
/// across the queries of one [`crate::query::Search`], and each segment's term ordinals
/// mapped to them. A query then adds up the segments' counts in one dense array and names
/// only the values it counted, once: naming every counted value in every segment and adding
/// the names up in a hash map was the dearest part of a faceted query on a large result set
/// (a fifth of `medlit bench query`'s CPU on 1M records in 28 segments, with 7,862
/// therapies). Naming a segment's ordinals from its dictionary reads blocks of it, and every
/// block read sets up a zstd decoder (14% of a query benchmark's CPU in `ZSTD_createDCtx`
/// when it was done per query), so a segment's dictionary is read whole at its second
/// query; a process that runs one search (`medlit search`) still reads only the values it
/// counted. Only dictionaries of at most [`GlobalOrdinals::MAX_TERMS`] values are mapped
/// (therapies, journals, MeSH headings…); the segments' maps are dropped when they hold
/// [`GlobalOrdinals::CAPACITY`] ordinals. The values themselves are kept as long as the
/// search: at most the distinct values of those facets in the index.
pub struct GlobalOrdinals {
    segments: SegmentCache<SegmentField, Option<Arc<Vec<u32>>>>,
    fields: Mutex<HashMap<String, FieldValues>>,
}

/// The values of one flat facet by global ordinal, and back.
#[derive(Default)]
struct FieldValues {
    values: Vec<Arc<str>>,
    ordinal_of: HashMap<Arc<str>, u32>,
}

impl FieldValues {
    /// The global ordinal of `value`, given now if it has none; `None` past `u32::MAX`
    /// values.
    fn ordinal(&mut self, value: &str) -> Option<u32> {
        if let Some(&ordinal) = self.ordinal_of.get(value) {
            return Some(ordinal);
        }
        let ordinal = u32::try_from(self.values.len()).ok()?;
        let value: Arc<str> = Arc::from(value);
        self.values.push(Arc::clone(&value));
        self.ordinal_of.insert(value, ordinal);
        Some(ordinal)
    }
}

impl Default for GlobalOrdinals {
    fn default() -> Self {
        GlobalOrdinals {
            segments: SegmentCache::new(Self::CAPACITY),
            fields: Mutex::default(),
        }
    }
}

impl GlobalOrdinals {
    /// Largest dictionary mapped, in values.
    pub const MAX_TERMS: usize = 50_000;
    /// Most segment ordinals mapped in all.
    pub const CAPACITY: usize = 1_000_000;

    /// The global ordinal of each term ordinal of `reader` (a segment's facet field), mapped
    /// once per segment and field at its second query; `None` at the first query, for a
    /// dictionary too large to map, or one that cannot be read.
    fn of_segment(&self, key: SegmentField, reader: &FacetReader) -> Option<Arc<Vec<u32>>> {
        if reader.num_facets() > Self::MAX_TERMS {
            return None;
        }
        match self.segments.get(&key) {
            Some(Some(global)) => return Some(global),
            Some(None) => {}
            // First query of this segment: note it, and look up only what it counted.
            None => {
                self.segments.insert(key, None, 0);
                return None;
            }
        }
        let global = Arc::new(self.map_segment(&key.1, reader)?);
        self.segments
            .insert(key, Some(Arc::clone(&global)), global.len());
        Some(global)
    }

    /// Reads `reader`'s dictionary whole and gives each of its values its global ordinal in
    /// `field`, in term-ordinal order.
    fn map_segment(&self, field: &str, reader: &FacetReader) -> Option<Vec<u32>> {
        let mut stream = reader.facet_dict().stream().ok()?;
        let mut fields = self.lock_fields();
        let values = fields.entry(field.to_string()).or_default();
        let mut global = Vec::with_capacity(reader.num_facets());
        while stream.advance() {
            global.push(values.ordinal(&facet_value(stream.key()))?);
        }
        (global.len() == reader.num_facets()).then_some(global)
    }

    /// How many values of `field` have a global ordinal.
    fn count(&self, field: &str) -> usize {
        self.lock_fields()
            .get(field)
            .map_or(0, |field| field.values.len())
    }

    /// Calls `work` with the values of `field` by global ordinal.
    fn with_values<T>(&self, field: &str, work: impl FnOnce(&[Arc<str>]) -> T) -> T {
        let fields = self.lock_fields();
        let values = fields.get(field).map_or(&[][..], |field| &field.values);
        work(values)
    }

    fn lock_fields(&self) -> std::sync::MutexGuard<'_, HashMap<String, FieldValues>> {
        self.fields
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
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
    children: Vec<Arc<str>>,
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
            children.push(Arc::from(String::from_utf8_lossy(child).as_ref()));
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

    fn merge_fruits(&self, fruits: Vec<SegmentTally>) -> tantivy::Result<FacetTally> {
        Ok(Sums::by_value(fruits))
    }
}

/// Per-segment half of [`TreeFacetCounter`].
pub struct SegmentTreeCounter {
    reader: FacetReader,
    children: Arc<ChildRanges>,
    counts: Vec<u32>,
}

impl SegmentCollector for SegmentTreeCounter {
    type Fruit = SegmentTally;

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

    fn harvest(self) -> SegmentTally {
        let tally = self
            .children
            .children
            .iter()
            .zip(self.counts)
            .filter(|(_, count)| *count > 0)
            .map(|(child, count)| (Arc::clone(child), u64::from(count)))
            .collect();
        SegmentTally::Values(tally)
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
        let mut writer: tantivy::IndexWriter<crate::document::RecordDocument> = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        let segments = [
            vec![record("a", &["rituximab", "ivig"]), record("b", &["ivig"])],
            vec![record("c", &["eltrombopag"]), record("d", &[])],
            vec![record("e", &["ivig", "eltrombopag", "rituximab"])],
        ];
        for records in &segments {
            for record in records {
                let document = fields.document(record, None).expect("small record");
                writer.add_document(document).expect("add");
            }
            writer.commit().expect("commit");
        }
        let searcher = index.reader().expect("reader").searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let plain = FacetCounter::new(FacetKind::Therapy);
        let global = Arc::new(GlobalOrdinals::default());
        let cached =
            FacetCounter::new(FacetKind::Therapy).with_global_ordinals(Arc::clone(&global));
        let count = |counter: &FacetCounter| {
            let tally = searcher.search(&AllQuery, counter).expect("search");
            tally.all(FacetKind::Therapy)
        };
        let expected = count(&plain);
        let values: Vec<(&str, u64)> = expected
            .iter()
            .map(|value| (value.value.as_str(), value.count))
            .collect();
        assert_eq!(values, [("ivig", 3), ("eltrombopag", 2), ("rituximab", 2)]);
        assert_eq!(count(&cached), expected, "first query: dictionary lookups");
        assert!(global.segments.values().iter().all(Option::is_none));
        assert_eq!(count(&cached), expected, "second query: values read whole");
        assert_eq!(
            global.segments.values().iter().flatten().count(),
            3,
            "one per segment"
        );
        assert_eq!(global.count(&facet_field_name(FacetKind::Therapy)), 3);
        assert_eq!(count(&cached), expected, "later queries: from the cache");
    }

    /// A segment's tally by value, for [`Sums`].
    fn by_value(counts: &[(&str, u64)]) -> SegmentTally {
        let counts = counts.iter().map(|&(value, n)| (Arc::from(value), n));
        SegmentTally::Values(counts.collect())
    }

    #[test]
    fn sums_add_ordinals_and_values_alike() {
        let values: Vec<Arc<str>> = ["ivig", "rituximab", "eltrombopag"]
            .into_iter()
            .map(Arc::from)
            .collect();
        let segments = vec![
            SegmentTally::Ordinals {
                counts: vec![2, 0, 1],
                global: Arc::new(vec![1, 2, 0]),
            },
            SegmentTally::Ordinals {
                counts: vec![4],
                global: Arc::new(vec![0]),
            },
            by_value(&[("ivig", 1), ("steroids", 5)]),
        ];
        let tally = Sums::of(segments, values.len()).named(&values);
        assert_eq!(tally.distinct(), 3, "eltrombopag counted nowhere");
        assert_eq!(tally.count("ivig"), Some(6));
        assert_eq!(tally.count("rituximab"), Some(2));
        assert_eq!(tally.count("steroids"), Some(5));
        assert_eq!(tally.count("eltrombopag"), None);
        let only_ordinals = vec![SegmentTally::Ordinals {
            counts: vec![0, 3, 3],
            global: Arc::new(vec![0, 1, 2]),
        }];
        let tally = Sums::of(only_ordinals, values.len()).named(&values);
        let top = tally.top(FacetKind::Therapy, 1);
        assert_eq!(top.distinct, 2);
        assert_eq!(top.values.len(), 1);
        assert_eq!(top.values[0].value, "eltrombopag", "ties by value");
    }

    #[test]
    fn top_ranks_by_count_then_value_and_keeps_the_distinct_count() {
        let tally = Sums::by_value(vec![by_value(&[("b", 2), ("a", 2), ("c", 5), ("d", 1)])]);
        for limit in 0..6 {
            let top = tally.top(FacetKind::Therapy, limit);
            let expected = ["c", "a", "b", "d"];
            let values: Vec<&str> = top.values.iter().map(|v| v.value.as_str()).collect();
            assert_eq!(values, expected[..limit.min(4)], "limit {limit}");
            assert_eq!(top.distinct, 4);
        }
    }
}
