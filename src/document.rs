//! The document medlit hands tantivy for one record: every value of every field of the
//! [`crate::schema`], laid out in three buffers (one text holding every text, string and
//! facet value one after the other, the stored record, and the list of values), in the
//! order of the schema's fields.
//!
//! tantivy 0.27 indexes any type that implements its `Document` trait as it is, without
//! turning it into its own `TantivyDocument` first. Building a `TantivyDocument` instead
//! cost a tenth of the parsing thread's instructions (each value written with a type code
//! and a length, its list of values grown from four entries by doubling, the stored record
//! copied in); here each value is one copy and one entry of a list sized once. tantivy
//! sorts a document's values by field before indexing them: given in that order, they sort
//! in one pass.

use std::borrow::Cow;

use tantivy::schema::document::{Document, ReferenceValue, ReferenceValueLeaf, Value};
use tantivy::schema::{Facet, Field};

use crate::mesh::{self, MeshVocabulary};
use crate::record::Record;
use crate::schema::{root_bit, FacetKind, Fields};

/// One record as tantivy indexes it (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct RecordDocument {
    /// Every text, string and facet value, one after the other.
    text: String,
    /// The stored record ([`crate::record::stored`]).
    stored: Vec<u8>,
    /// Each value and its field, in the order of the fields: 16 bytes a value.
    values: Vec<(Field, Slot)>,
}

/// Where a value lies: positions in `text` are 32-bit, so that a value takes 16 bytes with
/// its field, half of what it takes with 64-bit ones (1.3 KB less for the 80 values of a
/// real-size record). A document whose text outgrows them is refused ([`DocumentTooLarge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A text or string, `text[start..end]`.
    Text { start: u32, end: u32 },
    /// A facet in tantivy's encoding, `text[start..end]`.
    Facet { start: u32, end: u32 },
    /// A number, in two halves.
    U64 { high: u32, low: u32 },
    /// The stored record.
    Stored,
}

impl Slot {
    fn number(number: u64) -> Slot {
        Slot::U64 {
            high: (number >> 32) as u32,
            low: number as u32,
        }
    }
}

/// A record whose document would hold more text than a document can (4 GiB; no reader of
/// medlit's gives a record of even 100 MB).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the record is too large to index: its texts and their derived values exceed 4 GiB")]
pub struct DocumentTooLarge;

/// One value of a [`RecordDocument`], as tantivy reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafValue<'a> {
    /// A text or string.
    Str(&'a str),
    /// A facet, in tantivy's encoding (`Facet::encoded_str`).
    Facet(&'a str),
    /// A number.
    U64(u64),
    /// Bytes (the stored record).
    Bytes(&'a [u8]),
}

impl<'a> Value<'a> for LeafValue<'a> {
    type ArrayIter = std::iter::Empty<Self>;
    type ObjectIter = std::iter::Empty<(&'a str, Self)>;

    #[inline]
    fn as_value(&self) -> ReferenceValue<'a, Self> {
        ReferenceValue::Leaf(match *self {
            LeafValue::Str(text) => ReferenceValueLeaf::Str(text),
            LeafValue::Facet(encoded) => ReferenceValueLeaf::Facet(encoded),
            LeafValue::U64(number) => ReferenceValueLeaf::U64(number),
            LeafValue::Bytes(bytes) => ReferenceValueLeaf::Bytes(bytes),
        })
    }
}

/// The values of a [`RecordDocument`] with their fields.
#[derive(Debug, Clone)]
pub struct Values<'a> {
    document: &'a RecordDocument,
    slots: std::slice::Iter<'a, (Field, Slot)>,
}

impl<'a> Iterator for Values<'a> {
    type Item = (Field, LeafValue<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let &(field, slot) = self.slots.next()?;
        Some((field, self.document.value(slot)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.slots.size_hint()
    }
}

impl Document for RecordDocument {
    type Value<'a> = LeafValue<'a>;
    type FieldsValuesIter<'a> = Values<'a>;

    fn iter_fields_and_values(&self) -> Values<'_> {
        Values {
            document: self,
            slots: self.values.iter(),
        }
    }
}

/// Room in a document's text beyond the length of its stored record, for the derived values
/// (lower-cased keys, author short forms, facet encodings).
const EXTRA_TEXT_BYTES: usize = 4096;

/// A recycled document keeps its buffers up to this many bytes (a record with a 10 MB
/// abstract does not hold on to them for the rest of the run).
const KEPT_BYTES: usize = 1 << 20;

impl RecordDocument {
    /// The document of `record` in the schema of `fields`. The record must have its id and
    /// therapies set; with a vocabulary, its MeSH headings are also indexed under their tree
    /// paths.
    pub fn new(
        fields: &Fields,
        record: &Record,
        vocabulary: Option<&MeshVocabulary>,
    ) -> Result<RecordDocument, DocumentTooLarge> {
        let mut document = RecordDocument::default();
        document.fill(fields, record, vocabulary)?;
        Ok(document)
    }

    /// Makes this document the document of `record`, as [`Self::new`] does, in the room its
    /// buffers already have (see [`Self::clear_for_reuse`]). On an error the document is
    /// left empty.
    pub fn fill(
        &mut self,
        fields: &Fields,
        record: &Record,
        vocabulary: Option<&MeshVocabulary>,
    ) -> Result<(), DocumentTooLarge> {
        self.clear_for_reuse();
        self.stored.reserve(stored_capacity(record));
        crate::record::stored::encode(record, &mut self.stored);
        self.text.reserve(self.stored.len() + EXTRA_TEXT_BYTES);
        self.values.reserve(value_count(record));
        self.add_texts(fields, record);
        self.add_exact(fields, record);
        self.values.push((fields.record, Slot::Stored));
        if let Some(vocabulary) = vocabulary {
            self.add_tree_paths(fields, record, vocabulary);
        }
        self.add_facets(fields, record, vocabulary);
        debug_assert!(
            self.values.is_sorted_by_key(|(field, _)| *field),
            "values in the order of the schema's fields"
        );
        // The text only grew: if its end fits in 32 bits, every position written did.
        if u32::try_from(self.text.len()).is_err() {
            self.clear_for_reuse();
            return Err(DocumentTooLarge);
        }
        Ok(())
    }

    /// Empties the document, keeping the room of its buffers for [`Self::fill`]; false (and
    /// the document is best dropped) when they have no room or more than a document is kept
    /// with.
    pub fn clear_for_reuse(&mut self) -> bool {
        self.text.clear();
        self.stored.clear();
        self.values.clear();
        (1..=KEPT_BYTES).contains(&self.heap_bytes())
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the document has no value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The bytes the document holds: its texts, its stored record and its list of values.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.stored.capacity()
            + self.values.capacity() * std::mem::size_of::<(Field, Slot)>()
    }

    /// A copy of the document that takes no more memory than its contents.
    pub fn compact_copy(&self) -> RecordDocument {
        self.clone()
    }

    #[inline]
    fn value(&self, slot: Slot) -> LeafValue<'_> {
        let text = |start: u32, end: u32| self.text.get(start as usize..end as usize);
        match slot {
            Slot::Text { start, end } => LeafValue::Str(text(start, end).unwrap_or_default()),
            Slot::Facet { start, end } => LeafValue::Facet(text(start, end).unwrap_or_default()),
            Slot::U64 { high, low } => LeafValue::U64(u64::from(high) << 32 | u64::from(low)),
            Slot::Stored => LeafValue::Bytes(&self.stored),
        }
    }

    /// Appends `text` to the document's text; returns where it lies. Past 4 GiB the
    /// positions wrap, and [`Self::fill`] refuses the document.
    fn append(&mut self, text: &str) -> (u32, u32) {
        let start = self.text.len();
        self.text.push_str(text);
        (start as u32, self.text.len() as u32)
    }

    fn add_text(&mut self, field: Field, text: &str) {
        let (start, end) = self.append(text);
        self.values.push((field, Slot::Text { start, end }));
    }

    /// Adds `text` lower-cased, as `str::to_lowercase` gives it.
    fn add_lowercase(&mut self, field: Field, text: &str) {
        let (start, end) = if text.is_ascii() {
            let appended_at = self.text.len();
            let span = self.append(text);
            self.text[appended_at..].make_ascii_lowercase();
            span
        } else {
            self.append(&text.to_lowercase())
        };
        self.values.push((field, Slot::Text { start, end }));
    }

    /// Adds the facet `/value`, encoded as `Facet::from_path([value])` encodes it: a one-step
    /// path is the step itself.
    fn add_top_level_facet(&mut self, field: Field, value: &str) {
        let (start, end) = self.append(value);
        self.values.push((field, Slot::Facet { start, end }));
    }

    fn add_facet(&mut self, field: Field, facet: &Facet) {
        let (start, end) = self.append(facet.encoded_str());
        self.values.push((field, Slot::Facet { start, end }));
    }

    /// The full-text fields: title, abstract, keywords (with chemicals), MeSH, authors (with
    /// PubMed's short form), affiliations and journal (with its ISO abbreviation).
    fn add_texts(&mut self, fields: &Fields, record: &Record) {
        self.add_text(fields.title, &record.title);
        if !record.abstract_text.is_empty() {
            self.add_text(fields.abstract_text, &record.abstract_text);
        }
        for keyword in record.keywords.iter().chain(&record.chemicals) {
            self.add_text(fields.keywords, keyword);
        }
        for heading in &record.mesh {
            self.add_text(fields.mesh, &heading.descriptor);
            for qualifier in &heading.qualifiers {
                self.add_text(fields.mesh, &qualifier.name);
            }
        }
        let mut short = String::new();
        for author in &record.authors {
            self.add_text(fields.author, &author.name);
            if write_pubmed_author_form(&author.name, &mut short) {
                self.add_text(fields.author, &short);
            }
        }
        for affiliation in &record.affiliations {
            self.add_text(fields.affiliation, affiliation);
        }
        for journal in record.journal.iter().chain(&record.journal_iso) {
            self.add_text(fields.journal, journal);
        }
    }

    /// The exact fields: id, DOI (lower-cased), PMID and year.
    fn add_exact(&mut self, fields: &Fields, record: &Record) {
        self.add_text(fields.id, &record.id);
        if let Some(doi) = &record.doi {
            self.add_lowercase(fields.doi, doi);
        }
        if let Some(pmid) = &record.pmid {
            self.add_text(fields.pmid, pmid);
        }
        if let Some(year) = record.year {
            self.values
                .push((fields.year, Slot::number(u64::from(year))));
        }
    }

    /// Each resolved heading under every tree path of its descriptor (all headings, then
    /// major topics), and the top-level categories as bit sets.
    fn add_tree_paths(&mut self, fields: &Fields, record: &Record, vocabulary: &MeshVocabulary) {
        let mut seen = std::collections::HashSet::new();
        let mut major_paths = Vec::new();
        let (mut roots, mut major_roots) = (0u64, 0u64);
        for heading in &record.mesh {
            let Some(descriptor) = vocabulary.resolve(heading) else {
                continue;
            };
            for tree_number in descriptor.tree_numbers() {
                if !seen.insert(tree_number) {
                    continue;
                }
                let facet = Facet::from_path(mesh::tree_path(tree_number));
                let root = root_bit(tree_number);
                self.add_facet(fields.mesh_tree, &facet);
                roots |= root;
                if heading.is_major_topic() {
                    major_paths.push(facet);
                    major_roots |= root;
                }
            }
        }
        for facet in &major_paths {
            self.add_facet(fields.major_tree, facet);
        }
        if roots != 0 {
            self.values.push((fields.mesh_roots, Slot::number(roots)));
        }
        if major_roots != 0 {
            self.values
                .push((fields.major_roots, Slot::number(major_roots)));
        }
    }

    /// Every facet's values, each as a facet and as a lower-cased key (the journal's key also
    /// takes its ISO abbreviation).
    fn add_facets(
        &mut self,
        fields: &Fields,
        record: &Record,
        vocabulary: Option<&MeshVocabulary>,
    ) {
        let mut values: Vec<Cow<'_, str>> = Vec::new();
        for kind in FacetKind::ALL {
            kind.values_into(record, vocabulary, &mut values);
            let facet = fields.facet(kind);
            for value in &values {
                self.add_top_level_facet(facet, value);
            }
            let key = fields.key(kind);
            for value in &values {
                self.add_lowercase(key, value);
            }
            if kind == FacetKind::Journal {
                if let Some(iso) = &record.journal_iso {
                    self.add_lowercase(key, iso);
                }
            }
        }
    }
}

/// Room for the stored form of `record`: its texts and a few bytes for each of them.
fn stored_capacity(record: &Record) -> usize {
    let texts = record.title.len()
        + record.abstract_text.len()
        + record
            .authors
            .iter()
            .map(|a| a.name.len() + 4)
            .sum::<usize>()
        + record.affiliations.iter().map(String::len).sum::<usize>()
        + record
            .mesh
            .iter()
            .map(|m| m.descriptor.len() + 16)
            .sum::<usize>();
    texts + 1024
}

/// At least the number of values the document of `record` has without a vocabulary.
fn value_count(record: &Record) -> usize {
    let qualifiers: usize = record.mesh.iter().map(|m| m.qualifiers.len()).sum();
    // Title, abstract, journal and its abbreviation, id, DOI, PMID, year, stored record and
    // the year's, journal's, language's and country's facets and keys.
    16 + record.keywords.len()
        + record.chemicals.len()
        + 5 * record.mesh.len()
        + 3 * qualifiers
        + 2 * record.authors.len()
        + record.affiliations.len()
        + 2 * record.therapies.len()
        + 2 * record.publication_types.len()
}

/// Writes PubMed's short author form, for `Smith J[au]`, into `out`: `John Q Smith` →
/// `Smith JQ`, `Smith, John` → `Smith J`. False, and `out` left alone, for one-word and
/// collective names.
pub fn write_pubmed_author_form(name: &str, out: &mut String) -> bool {
    let person = name.trim().contains([' ', ',']) && !crate::record::names_a_group(name);
    if person {
        crate::record::write_short_author_name(name, out);
    }
    person
}

#[cfg(test)]
mod tests {
    use tantivy::TantivyDocument;

    use super::*;

    /// The document of every field as `TantivyDocument`'s own methods build it, value by
    /// value in the order `RecordDocument` gives them: what the old builder wrote.
    fn tantivy_document(document: &RecordDocument) -> TantivyDocument {
        let mut expected = TantivyDocument::default();
        for (field, value) in document.iter_fields_and_values() {
            match value {
                LeafValue::Str(text) => expected.add_text(field, text),
                LeafValue::Facet(encoded) => {
                    expected.add_leaf_field_value(field, ReferenceValueLeaf::Facet(encoded))
                }
                LeafValue::U64(number) => expected.add_u64(field, number),
                LeafValue::Bytes(bytes) => expected.add_bytes(field, bytes),
            }
        }
        expected
    }

    fn sample_record() -> Record {
        let mut record = Record {
            title: "Rituximab for immune thrombocytopenia: a case report.".into(),
            doi: Some("10.5555/Example.1".into()),
            authors: ["Ann Lee", "Bo ZHANG", "Example Study Group"]
                .into_iter()
                .map(|name| crate::record::Author {
                    name: name.into(),
                    affiliations: Vec::new(),
                })
                .collect(),
            mesh: [
                "Thrombocytopenia/therapy*",
                "*Humans",
                "Rituximab/therapeutic use",
            ]
            .iter()
            .filter_map(|h| crate::record::MeshHeading::parse(h))
            .collect(),
            year: Some(2025),
            ..Record::default()
        };
        record.ensure_id();
        record.therapies = crate::therapy::Lexicon::builtin().therapies_of(&record, None);
        record
    }

    #[test]
    fn top_level_facets_are_those_tantivy_builds() {
        let (_, fields) = Fields::build();
        let field = fields.facet(FacetKind::Mesh);
        for value in ["Humans", "Rituximab/therapeutic use", "", "café au lait"] {
            let mut ours = RecordDocument::default();
            ours.add_top_level_facet(field, value);
            let mut theirs = TantivyDocument::default();
            theirs.add_facet(field, Facet::from_path([value]));
            assert_eq!(tantivy_document(&ours), theirs, "{value:?}");
        }
    }

    #[test]
    fn values_come_in_the_order_of_the_fields_with_every_field_of_the_record() {
        let (_, fields) = Fields::build();
        let record = sample_record();
        let document = RecordDocument::new(&fields, &record, None).expect("small record");
        let values: Vec<_> = document.iter_fields_and_values().collect();
        assert!(values.is_sorted_by_key(|(field, _)| *field));
        let texts = |field: Field| -> Vec<LeafValue<'_>> {
            values
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, v)| *v)
                .collect()
        };
        assert_eq!(texts(fields.title), [LeafValue::Str(&record.title)]);
        assert_eq!(
            texts(fields.doi),
            [LeafValue::Str("10.5555/example.1")],
            "lower-cased"
        );
        assert_eq!(
            texts(fields.author),
            [
                LeafValue::Str("Ann Lee"),
                LeafValue::Str("Lee A"),
                LeafValue::Str("Bo ZHANG"),
                LeafValue::Str("ZHANG B"),
                LeafValue::Str("Example Study Group"),
            ]
        );
        assert_eq!(
            texts(fields.facet(FacetKind::Major)),
            [
                LeafValue::Facet("Humans"),
                LeafValue::Facet("Thrombocytopenia")
            ]
        );
        assert_eq!(
            texts(fields.key(FacetKind::Mesh)),
            [
                LeafValue::Str("humans"),
                LeafValue::Str("rituximab"),
                LeafValue::Str("thrombocytopenia")
            ]
        );
        assert_eq!(
            texts(fields.facet(FacetKind::Therapy)),
            [LeafValue::Facet("rituximab")]
        );
        let mut stored = Vec::new();
        crate::record::stored::encode(&record, &mut stored);
        assert_eq!(texts(fields.record), [LeafValue::Bytes(&stored)]);
    }

    #[test]
    fn a_compact_copy_holds_the_same_values_in_less_memory() {
        let (_, fields) = Fields::build();
        let document = RecordDocument::new(&fields, &sample_record(), None).expect("small record");
        let copy = document.compact_copy();
        assert!(copy.heap_bytes() < document.heap_bytes());
        assert!(copy
            .iter_fields_and_values()
            .eq(document.iter_fields_and_values()));
        assert_eq!(copy.len(), document.len());
    }

    #[test]
    fn a_refilled_document_is_the_new_one() {
        let (_, fields) = Fields::build();
        let mut document =
            RecordDocument::new(&fields, &sample_record(), None).expect("small record");
        let other = Record {
            id: "2".into(),
            title: "Eltrombopag".into(),
            ..Record::default()
        };
        let room = document.heap_bytes();
        document.fill(&fields, &other, None).expect("small record");
        let fresh = RecordDocument::new(&fields, &other, None).expect("small record");
        assert!(document
            .iter_fields_and_values()
            .eq(fresh.iter_fields_and_values()));
        assert_eq!(document.heap_bytes(), room, "filled in the room it had");
        assert!(
            !RecordDocument::default().clear_for_reuse(),
            "no room to keep"
        );
        let huge = Record {
            abstract_text: "x".repeat(KEPT_BYTES),
            ..other
        };
        let mut huge = RecordDocument::new(&fields, &huge, None).expect("under 4 GiB");
        assert!(!huge.clear_for_reuse(), "too much room to keep");
    }

    #[test]
    fn a_value_takes_sixteen_bytes_and_numbers_keep_all_their_bits() {
        assert_eq!(std::mem::size_of::<(Field, Slot)>(), 16);
        let document = RecordDocument::default();
        for number in [0, 1, u64::from(u32::MAX), 1 << 40 | 7, u64::MAX] {
            assert_eq!(document.value(Slot::number(number)), LeafValue::U64(number));
        }
    }

    #[test]
    fn lowercase_keys_are_those_of_to_lowercase() {
        let field = Field::from_field_id(0);
        for text in ["Humans", "ODYSSEUS", "ὈΔΥΣΣΕΎΣ", "Ärzte", "İstanbul", ""] {
            let mut document = RecordDocument::default();
            document.add_lowercase(field, "Kept");
            document.add_lowercase(field, text);
            let lowered: Vec<_> = document.iter_fields_and_values().map(|(_, v)| v).collect();
            assert_eq!(
                lowered,
                [LeafValue::Str("kept"), LeafValue::Str(&text.to_lowercase())]
            );
        }
    }

    #[test]
    fn pubmed_author_forms_are_written_for_people_only() {
        let mut out = String::from("kept");
        assert!(!write_pubmed_author_form(
            "Cochrane Collaboration Group",
            &mut out
        ));
        assert!(!write_pubmed_author_form("Plato", &mut out));
        assert_eq!(out, "kept");
        assert!(write_pubmed_author_form("John Q Smith", &mut out));
        assert_eq!(out, "Smith JQ");
    }
}
