//! The tantivy schema: which record fields are searchable text, which are exact strings,
//! which are facets, and how a [`Record`] becomes a document.
//!
//! | field | kind | from |
//! |---|---|---|
//! | `title`, `abstract`, `keywords` (with chemicals), `mesh`, `author`, `affiliation`, `journal` (with its ISO abbreviation) | full text, [`analysis::BIOMED`], positions | the record |
//! | `id`, `doi`, `pmid` | exact string (`doi` lower-cased); `id` also a fast field, for ranked lists of ids | the record |
//! | `year` | u64, indexed and fast (range queries) | the record |
//! | `facet_*` | facet, for counts | MeSH descriptors, major descriptors, qualifiers, therapies, publication types, journal, language, country, year |
//! | `key_*` | exact lower-cased string, for filters | the same values as the facets |
//! | `mesh_tree`, `major_tree` | hierarchical facet of MeSH tree paths (`/C/C15/C15.378/…`) | headings resolved through the vocabulary, all / major topics only |
//! | `mesh_roots`, `major_roots` | u64 fast field: bit *n* set when a heading sits in the MeSH category of letter `A` + *n* | the same headings; counts the tree's top level with one value per record |
//! | `record` | the whole record, stored ([`crate::record::stored`]) | the record |

use std::borrow::Cow;

use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, SchemaBuilder,
    TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};

use crate::analysis;
use crate::document::{DocumentTooLarge, RecordDocument};
use crate::mesh::MeshVocabulary;
use crate::record::Record;

/// Version of the schema below; an index built with another version is refused.
pub const SCHEMA_VERSION: u32 = 5;

/// Names of the full-text fields, as used in `field:term` queries.
pub mod names {
    /// Article title.
    pub const TITLE: &str = "title";
    /// Abstract.
    pub const ABSTRACT: &str = "abstract";
    /// Author keywords.
    pub const KEYWORDS: &str = "keywords";
    /// MeSH descriptors and qualifiers as text.
    pub const MESH: &str = "mesh";
    /// Author names.
    pub const AUTHOR: &str = "author";
    /// Affiliations.
    pub const AFFILIATION: &str = "affiliation";
    /// Journal title.
    pub const JOURNAL: &str = "journal";
    /// Record id.
    pub const ID: &str = "id";
    /// DOI, lower-cased.
    pub const DOI: &str = "doi";
    /// PubMed id.
    pub const PMID: &str = "pmid";
    /// Publication year.
    pub const YEAR: &str = "year";
    /// The stored record ([`crate::record::stored`]).
    pub const RECORD: &str = "record";
}

/// A facet medlit counts and filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FacetKind {
    /// MeSH descriptors.
    Mesh,
    /// MeSH descriptors marked as major topic.
    Major,
    /// MeSH qualifiers (subheadings).
    Qualifier,
    /// Therapies (canonical lexicon names).
    Therapy,
    /// Publication year.
    Year,
    /// Journal title.
    Journal,
    /// Publication type.
    Pubtype,
    /// Language.
    Language,
    /// Country of publication.
    Country,
}

impl FacetKind {
    /// Every facet, in display order.
    pub const ALL: [FacetKind; 9] = [
        FacetKind::Mesh,
        FacetKind::Major,
        FacetKind::Qualifier,
        FacetKind::Therapy,
        FacetKind::Year,
        FacetKind::Journal,
        FacetKind::Pubtype,
        FacetKind::Language,
        FacetKind::Country,
    ];

    /// The facet's name, as used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            FacetKind::Mesh => "mesh",
            FacetKind::Major => "major",
            FacetKind::Qualifier => "qualifier",
            FacetKind::Therapy => "therapy",
            FacetKind::Year => "year",
            FacetKind::Journal => "journal",
            FacetKind::Pubtype => "pubtype",
            FacetKind::Language => "language",
            FacetKind::Country => "country",
        }
    }

    /// The values a record has for this facet. MeSH descriptors are given by their
    /// current preferred name when the vocabulary knows them.
    pub fn values<'a>(
        self,
        record: &'a Record,
        vocabulary: Option<&'a MeshVocabulary>,
    ) -> Vec<Cow<'a, str>> {
        let mut values = Vec::new();
        self.values_into(record, vocabulary, &mut values);
        values
    }

    /// [`FacetKind::values`], written into `values` (cleared first) so that a caller asking
    /// for every facet of a record reuses one list.
    pub fn values_into<'a>(
        self,
        record: &'a Record,
        vocabulary: Option<&'a MeshVocabulary>,
        values: &mut Vec<Cow<'a, str>>,
    ) {
        let name = |heading: &'a crate::record::MeshHeading| -> Cow<'a, str> {
            Cow::Borrowed(
                vocabulary
                    .and_then(|v| v.resolve(heading))
                    .map_or(heading.descriptor.as_str(), |d| d.name),
            )
        };
        let borrowed = |texts: &'a [String]| texts.iter().map(|t| Cow::Borrowed(t.as_str()));
        values.clear();
        match self {
            FacetKind::Mesh => values.extend(record.mesh.iter().map(name)),
            FacetKind::Major => {
                values.extend(record.mesh.iter().filter(|m| m.is_major_topic()).map(name));
            }
            FacetKind::Qualifier => values.extend(
                record
                    .mesh
                    .iter()
                    .flat_map(|m| m.qualifiers.iter().map(|q| Cow::Borrowed(q.name.as_str()))),
            ),
            FacetKind::Therapy => values.extend(borrowed(&record.therapies)),
            FacetKind::Year => values.extend(record.year.map(|year| Cow::Owned(year.to_string()))),
            FacetKind::Journal => values.extend(borrowed(record.journal.as_slice())),
            FacetKind::Pubtype => values.extend(borrowed(&record.publication_types)),
            FacetKind::Language => values.extend(borrowed(record.language.as_slice())),
            FacetKind::Country => values.extend(borrowed(record.country.as_slice())),
        }
        // Blank values are dropped; `all` stops at the first letter, where `trim` would
        // look at both ends.
        values.retain(|v| !v.chars().all(char::is_whitespace));
        values.sort_unstable();
        values.dedup();
    }
}

/// Handles of every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Title text.
    pub title: Field,
    /// Abstract text.
    pub abstract_text: Field,
    /// Keywords text.
    pub keywords: Field,
    /// MeSH text.
    pub mesh: Field,
    /// Author names text.
    pub author: Field,
    /// Affiliations text.
    pub affiliation: Field,
    /// Journal text.
    pub journal: Field,
    /// Exact id.
    pub id: Field,
    /// Exact DOI (lower-cased).
    pub doi: Field,
    /// Exact PMID.
    pub pmid: Field,
    /// Year (u64, fast).
    pub year: Field,
    /// The whole record, stored ([`crate::record::stored`]).
    pub record: Field,
    /// MeSH tree paths of every heading (hierarchical facet; needs a vocabulary).
    pub mesh_tree: Field,
    /// MeSH tree paths of major-topic headings.
    pub major_tree: Field,
    /// Top-level MeSH categories of every heading, as a bit set of letters.
    pub mesh_roots: Field,
    /// Top-level MeSH categories of major-topic headings.
    pub major_roots: Field,
    facets: Vec<(FacetKind, Field, Field)>,
}

/// Names of the hierarchical MeSH facet fields.
pub mod tree_names {
    /// All headings.
    pub const MESH_TREE: &str = "mesh_tree";
    /// Major-topic headings.
    pub const MAJOR_TREE: &str = "major_tree";
    /// Top-level categories of all headings (bit set of letters).
    pub const MESH_ROOTS: &str = "mesh_roots";
    /// Top-level categories of major-topic headings.
    pub const MAJOR_ROOTS: &str = "major_roots";

    /// The bit-set field holding the top level of a tree facet field.
    pub fn roots_of(tree_field: &str) -> Option<&'static str> {
        match tree_field {
            MESH_TREE => Some(MESH_ROOTS),
            MAJOR_TREE => Some(MAJOR_ROOTS),
            _ => None,
        }
    }
}

impl Fields {
    /// Builds the schema and the handles of its fields.
    pub fn build() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = text_options();
        let fields = Fields {
            title: builder.add_text_field(names::TITLE, text.clone()),
            abstract_text: builder.add_text_field(names::ABSTRACT, text.clone()),
            keywords: builder.add_text_field(names::KEYWORDS, text.clone()),
            mesh: builder.add_text_field(names::MESH, text.clone()),
            author: builder.add_text_field(names::AUTHOR, text.clone()),
            affiliation: builder.add_text_field(names::AFFILIATION, text.clone()),
            journal: builder.add_text_field(names::JOURNAL, text),
            id: builder.add_text_field(names::ID, STRING | STORED | FAST),
            doi: builder.add_text_field(names::DOI, STRING),
            pmid: builder.add_text_field(names::PMID, STRING),
            year: builder.add_u64_field(
                names::YEAR,
                NumericOptions::default().set_indexed().set_fast(),
            ),
            record: builder.add_bytes_field(names::RECORD, STORED),
            mesh_tree: builder.add_facet_field(tree_names::MESH_TREE, FacetOptions::default()),
            major_tree: builder.add_facet_field(tree_names::MAJOR_TREE, FacetOptions::default()),
            mesh_roots: builder.add_u64_field(tree_names::MESH_ROOTS, FAST),
            major_roots: builder.add_u64_field(tree_names::MAJOR_ROOTS, FAST),
            facets: FacetKind::ALL
                .iter()
                .map(|&kind| add_facet_fields(&mut builder, kind))
                .collect(),
        };
        (builder.build(), fields)
    }

    /// Looks the fields up in an existing schema; `None` if one is missing.
    pub fn from_schema(schema: &Schema) -> Option<Fields> {
        let get = |name: &str| schema.get_field(name).ok();
        Some(Fields {
            title: get(names::TITLE)?,
            abstract_text: get(names::ABSTRACT)?,
            keywords: get(names::KEYWORDS)?,
            mesh: get(names::MESH)?,
            author: get(names::AUTHOR)?,
            affiliation: get(names::AFFILIATION)?,
            journal: get(names::JOURNAL)?,
            id: get(names::ID)?,
            doi: get(names::DOI)?,
            pmid: get(names::PMID)?,
            year: get(names::YEAR)?,
            record: get(names::RECORD)?,
            mesh_tree: get(tree_names::MESH_TREE)?,
            major_tree: get(tree_names::MAJOR_TREE)?,
            mesh_roots: get(tree_names::MESH_ROOTS)?,
            major_roots: get(tree_names::MAJOR_ROOTS)?,
            facets: FacetKind::ALL
                .iter()
                .map(|&kind| {
                    Some((
                        kind,
                        get(&facet_field_name(kind))?,
                        get(&key_field_name(kind))?,
                    ))
                })
                .collect::<Option<Vec<_>>>()?,
        })
    }

    /// The facet field counted for `kind`.
    pub fn facet(&self, kind: FacetKind) -> Field {
        self.facet_and_key(kind).0
    }

    /// The exact, lower-cased field filtered on for `kind`.
    pub fn key(&self, kind: FacetKind) -> Field {
        self.facet_and_key(kind).1
    }

    fn facet_and_key(&self, kind: FacetKind) -> (Field, Field) {
        let (_, facet, key) = self
            .facets
            .iter()
            .find(|(k, _, _)| *k == kind)
            .expect("every facet kind has fields");
        (*facet, *key)
    }

    /// The full-text fields searched when a query names no field, with their default boosts.
    pub fn default_search_fields(&self) -> [(Field, f32); 4] {
        [
            (self.title, 2.0),
            (self.abstract_text, 1.0),
            (self.keywords, 1.5),
            (self.mesh, 1.5),
        ]
    }

    /// Turns a record into the document tantivy indexes: [`RecordDocument::new`] in this
    /// schema.
    pub fn document(
        &self,
        record: &Record,
        vocabulary: Option<&MeshVocabulary>,
    ) -> Result<RecordDocument, DocumentTooLarge> {
        RecordDocument::new(self, record, vocabulary)
    }
}

/// The bit of a tree number's category letter (`C15.378` → bit 2); 0 for anything else.
pub fn root_bit(tree_number: &str) -> u64 {
    match tree_number.as_bytes().first() {
        Some(&letter @ b'A'..=b'Z') => 1 << (letter - b'A'),
        _ => 0,
    }
}

/// The category letter of a bit of [`root_bit`].
pub fn root_letter(bit: u32) -> Option<char> {
    u8::try_from(bit)
        .ok()
        .filter(|&bit| bit < 26)
        .map(|bit| char::from(b'A' + bit))
}

fn text_options() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analysis::BIOMED)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

/// Name of the schema field that holds the facet `kind`.
pub fn facet_field_name(kind: FacetKind) -> String {
    format!("facet_{}", kind.name())
}

fn key_field_name(kind: FacetKind) -> String {
    format!("key_{}", kind.name())
}

fn add_facet_fields(builder: &mut SchemaBuilder, kind: FacetKind) -> (FacetKind, Field, Field) {
    let facet = builder.add_facet_field(&facet_field_name(kind), FacetOptions::default());
    let key = builder.add_text_field(&key_field_name(kind), STRING);
    (kind, facet, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::MeshHeading;

    #[test]
    fn category_bits_round_trip_and_ignore_non_letters() {
        assert_eq!(root_bit("C15.378"), 1 << 2);
        assert_eq!(root_bit("A"), 1);
        assert_eq!(root_bit("Z01.107"), 1 << 25);
        assert_eq!(root_bit(""), 0);
        assert_eq!(root_bit("c15"), 0);
        assert_eq!(root_bit("15"), 0);
        for letter in 'A'..='Z' {
            let bit = root_bit(&letter.to_string()).trailing_zeros();
            assert_eq!(root_letter(bit), Some(letter));
        }
        assert_eq!(root_letter(26), None);
        assert_eq!(root_letter(63), None);
    }

    #[test]
    fn schema_round_trips_through_field_lookup() {
        let (schema, fields) = Fields::build();
        let found = Fields::from_schema(&schema).expect("all fields present");
        assert_eq!(found.title, fields.title);
        assert_eq!(
            found.key(FacetKind::Therapy),
            fields.key(FacetKind::Therapy)
        );
    }

    #[test]
    fn major_facet_takes_headings_with_any_major_part() {
        let record = Record {
            mesh: [
                "Humans",
                "Thrombocytopenia/therapy*",
                "*Child",
                "Child/blood",
            ]
            .iter()
            .filter_map(|h| MeshHeading::parse(h))
            .collect(),
            ..Record::default()
        };
        assert_eq!(
            FacetKind::Major.values(&record, None),
            ["Child", "Thrombocytopenia"]
        );
        assert_eq!(
            FacetKind::Mesh.values(&record, None),
            ["Child", "Humans", "Thrombocytopenia"]
        );
        assert_eq!(
            FacetKind::Qualifier.values(&record, None),
            ["blood", "therapy"]
        );
    }
}
