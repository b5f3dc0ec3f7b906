//! Facet counting: how many matching records carry each MeSH heading, therapy, year,
//! journal, publication type, language or country, over the whole matching set, not just
//! the page of hits shown.
//!
//! [`FacetCounter`] replaces tantivy's `FacetCollector` for medlit's flat facets. That
//! collector turns every counted ordinal back into its term with a random dictionary lookup
//! and streams the whole dictionary to build a mapping on every query; with 3,000 MeSH
//! descriptors that cost 85 ms on 1,700 records. Here each segment counts into a dense
//! array by term ordinal, and only the ordinals that were counted are turned into terms,
//! in one sorted sequential pass over the dictionary.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::{facet_field_name, FacetKind};

/// One facet value and the number of matching records that have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetValue {
    /// The value as indexed (`Thrombocytopenia`, `rituximab`, `2025`).
    pub value: String,
    /// Matching records with this value.
    pub count: u64,
}

/// The top values of one facet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetResult {
    /// Which facet.
    pub facet: FacetKind,
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
            })
            .collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let distinct = values.len();
        values.truncate(limit);
        FacetResult {
            facet: kind,
            distinct,
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
}

/// Collector counting the values of one flat facet.
#[derive(Debug, Clone)]
pub struct FacetCounter {
    field_name: String,
}

impl FacetCounter {
    /// A counter for `kind`.
    pub fn new(kind: FacetKind) -> FacetCounter {
        FacetCounter {
            field_name: facet_field_name(kind),
        }
    }
}

impl Collector for FacetCounter {
    type Fruit = FacetTally;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let reader = reader.facet_reader(&self.field_name)?;
        let counts = vec![0u32; reader.num_facets()];
        Ok(SegmentFacetCounter { reader, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetTally>) -> tantivy::Result<FacetTally> {
        let mut fruits = fruits.into_iter();
        let mut merged = fruits.next().unwrap_or_default();
        for fruit in fruits {
            for (value, count) in fruit.0 {
                *merged.0.entry(value).or_insert(0) += count;
            }
        }
        Ok(merged)
    }
}

/// Per-segment half of [`FacetCounter`].
pub struct SegmentFacetCounter {
    reader: FacetReader,
    counts: Vec<u32>,
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
