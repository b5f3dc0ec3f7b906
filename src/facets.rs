//! Facet counting: how many matching records carry each MeSH heading, therapy, year,
//! journal, publication type, language or country. Counts come from tantivy's
//! `FacetCollector` over the whole matching set, not just the page of hits shown.

use serde::Serialize;
use tantivy::collector::{FacetCollector, FacetCounts};

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

/// A collector counting every value of a facet.
pub fn collector(kind: FacetKind) -> FacetCollector {
    let mut collector = FacetCollector::for_field(facet_field_name(kind));
    collector.add_facet("/");
    collector
}

/// The `limit` most frequent values in `counts`.
pub fn top_values(kind: FacetKind, counts: &FacetCounts, limit: usize) -> FacetResult {
    let mut values: Vec<FacetValue> = counts
        .get("/")
        .map(|(facet, count)| FacetValue {
            value: facet
                .to_path()
                .last()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            count,
        })
        .collect();
    let distinct = values.len();
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    values.truncate(limit);
    FacetResult {
        facet: kind,
        distinct,
        values,
    }
}

/// Every value of a facet, for suggestions and statistics.
pub fn all_values(kind: FacetKind, counts: &FacetCounts) -> Vec<FacetValue> {
    top_values(kind, counts, usize::MAX).values
}
