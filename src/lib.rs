//! medlit: a full-text search engine for biomedical literature.
//!
//! Records (case reports, abstracts) come in through a [`formats`] parser as [`Record`]s, get
//! their therapies derived by the [`therapy`] lexicon, become tantivy documents
//! ([`document`]) in the [`schema`] and are written by [`ingest`] in parallel. [`query`] runs BM25 searches with
//! filters and [`facets`]; [`render`] prints the results.
//!
//! ```
//! use medlit::formats::abstract_page::AbstractPageReader;
//!
//! let text = "A case of immune thrombocytopenia treated with rituximab.\n\
//!             10.5555/example.1\n- MeSH:\nThrombocytopenia/therapy*\n";
//! let records: Vec<_> = AbstractPageReader::new(text.as_bytes()).collect();
//! let record = records[0].as_ref().expect("parses");
//! assert_eq!(record.id, "10.5555/example.1");
//! assert_eq!(medlit::therapy::Lexicon::builtin().find_in_record(record), ["rituximab"]);
//! ```

#![deny(missing_docs)]

pub mod analysis;
pub mod bench;
pub mod document;
pub mod error;
pub mod eval;
pub mod export;
pub mod facets;
pub mod formats;
pub mod gen;
pub mod index;
pub mod ingest;
pub mod merge;
pub mod mesh;
pub mod query;
pub mod record;
pub mod render;
pub mod schema;
pub mod stats;
pub mod therapy;

pub use error::{Error, Result};
pub use index::MedlitIndex;
pub use record::Record;
