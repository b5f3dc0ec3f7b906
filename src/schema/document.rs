//! [`RecordDocument`]: a record's tantivy document, made of the strings the parser already
//! allocated. tantivy's own `TantivyDocument` copies every text into a buffer of its own;
//! this document takes the record's strings over and lends them to the indexer, so a text
//! is written once, by the parser, before tantivy tokenizes it (issue #5: the copies were
//! a tenth of the parsing thread's time).

use tantivy::schema::document::{Document, ReferenceValue, ReferenceValueLeaf, Value};
use tantivy::schema::{Facet, Field};

/// One value of a [`RecordDocument`], owned by it.
#[derive(Debug)]
enum Owned {
    Text(String),
    Facet(Facet),
    U64(u64),
    Bytes(Vec<u8>),
}

/// A record's document for tantivy: the values of each field, in the order they are indexed
/// (tantivy groups them by field, keeping that order within a field).
#[derive(Debug, Default)]
pub struct RecordDocument {
    values: Vec<(Field, Owned)>,
}

impl RecordDocument {
    /// An empty document with room for `values` values.
    pub fn with_capacity(values: usize) -> RecordDocument {
        RecordDocument {
            values: Vec::with_capacity(values),
        }
    }

    /// Adds a text, taking the string over.
    pub fn add_text(&mut self, field: Field, text: String) {
        self.values.push((field, Owned::Text(text)));
    }

    /// Adds a facet.
    pub fn add_facet(&mut self, field: Field, facet: Facet) {
        self.values.push((field, Owned::Facet(facet)));
    }

    /// Adds an unsigned integer.
    pub fn add_u64(&mut self, field: Field, value: u64) {
        self.values.push((field, Owned::U64(value)));
    }

    /// Adds bytes, taking the buffer over.
    pub fn add_bytes(&mut self, field: Field, bytes: Vec<u8>) {
        self.values.push((field, Owned::Bytes(bytes)));
    }

    /// The texts of `field`, in the order they were added.
    pub fn texts(&self, field: Field) -> impl Iterator<Item = &str> + '_ {
        self.of(field).filter_map(|value| match value {
            Owned::Text(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// The facets of `field`, in the order they were added.
    pub fn facets(&self, field: Field) -> impl Iterator<Item = &Facet> + '_ {
        self.of(field).filter_map(|value| match value {
            Owned::Facet(facet) => Some(facet),
            _ => None,
        })
    }

    /// The unsigned integers of `field`, in the order they were added.
    pub fn u64s(&self, field: Field) -> impl Iterator<Item = u64> + '_ {
        self.of(field).filter_map(|value| match value {
            Owned::U64(value) => Some(*value),
            _ => None,
        })
    }

    fn of(&self, field: Field) -> impl Iterator<Item = &Owned> + '_ {
        self.values
            .iter()
            .filter(move |(of, _)| *of == field)
            .map(|(_, value)| value)
    }
}

/// A value of a [`RecordDocument`] as tantivy reads it: borrowed from the document.
#[derive(Debug, Clone)]
pub struct LentValue<'a>(ReferenceValueLeaf<'a>);

impl<'a> Value<'a> for LentValue<'a> {
    type ArrayIter = std::iter::Empty<LentValue<'a>>;
    type ObjectIter = std::iter::Empty<(&'a str, LentValue<'a>)>;

    fn as_value(&self) -> ReferenceValue<'a, Self> {
        ReferenceValue::Leaf(self.0.clone())
    }
}

/// Lends one value to tantivy.
fn lend((field, value): &(Field, Owned)) -> (Field, LentValue<'_>) {
    let leaf = match value {
        Owned::Text(text) => ReferenceValueLeaf::Str(text),
        Owned::Facet(facet) => ReferenceValueLeaf::Facet(facet.encoded_str()),
        Owned::U64(value) => ReferenceValueLeaf::U64(*value),
        Owned::Bytes(bytes) => ReferenceValueLeaf::Bytes(bytes),
    };
    (*field, LentValue(leaf))
}

/// The iterator tantivy walks a [`RecordDocument`] with.
pub struct LentValues<'a>(std::slice::Iter<'a, (Field, Owned)>);

impl<'a> Iterator for LentValues<'a> {
    type Item = (Field, LentValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(lend)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl Document for RecordDocument {
    type Value<'a> = LentValue<'a>;
    type FieldsValuesIter<'a> = LentValues<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        LentValues(self.values.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{Schema, FAST, STORED, STRING, TEXT};
    use tantivy::{Index, TantivyDocument};

    #[test]
    fn tantivy_indexes_and_stores_what_the_document_lends() {
        let mut builder = Schema::builder();
        let text = builder.add_text_field("text", TEXT | STORED);
        let key = builder.add_text_field("key", STRING);
        let year = builder.add_u64_field("year", FAST | STORED);
        let bytes = builder.add_bytes_field("bytes", STORED);
        let facet = builder.add_facet_field("facet", tantivy::schema::FacetOptions::default());
        let index = Index::create_in_ram(builder.build());
        let mut writer = index
            .writer_with_num_threads::<RecordDocument>(1, 15_000_000)
            .expect("writer");
        let mut document = RecordDocument::default();
        document.add_text(text, "heart failure".into());
        document.add_u64(year, 2019);
        document.add_text(text, "after cardiac surgery".into());
        document.add_text(key, "abc".into());
        document.add_bytes(bytes, b"{}".to_vec());
        document.add_facet(facet, Facet::from_path(["Humans"]));
        writer.add_document(document).expect("add");
        writer.commit().expect("commit");

        let searcher = index.reader().expect("reader").searcher();
        let count = |field: Field, word: &str| {
            let term = tantivy::Term::from_field_text(field, word);
            searcher.doc_freq(&term).expect("doc freq")
        };
        assert_eq!(count(text, "heart"), 1);
        assert_eq!(count(text, "surgery"), 1);
        assert_eq!(count(key, "abc"), 1);
        let facet_term = tantivy::Term::from_facet(facet, &Facet::from_path(["Humans"]));
        assert_eq!(searcher.doc_freq(&facet_term).expect("doc freq"), 1);
        let stored: TantivyDocument = searcher
            .doc(tantivy::DocAddress::new(0, 0))
            .expect("stored");
        let texts: Vec<&str> = stored
            .get_all(text)
            .filter_map(|value| value.as_str())
            .collect();
        assert_eq!(texts, ["heart failure", "after cardiac surgery"]);
        assert_eq!(stored.get_first(year).and_then(|v| v.as_u64()), Some(2019));
        assert_eq!(
            stored.get_first(bytes).and_then(|v| v.as_bytes()),
            Some(&b"{}"[..])
        );
    }

    #[test]
    fn values_are_read_back_by_field_in_order() {
        let mut builder = Schema::builder();
        let a = builder.add_text_field("a", TEXT);
        let b = builder.add_u64_field("b", FAST);
        let mut document = RecordDocument::with_capacity(3);
        document.add_text(a, "one".into());
        document.add_u64(b, 7);
        document.add_text(a, "two".into());
        assert_eq!(document.texts(a).collect::<Vec<_>>(), ["one", "two"]);
        assert_eq!(document.u64s(b).collect::<Vec<_>>(), [7]);
        assert_eq!(document.iter_fields_and_values().count(), 3);
    }
}
