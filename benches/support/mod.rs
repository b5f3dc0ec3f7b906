//! Shared by the criterion benches.

use std::path::{Path, PathBuf};

/// The real PubMed sample of `../shared/data` (or of `$MEDLIT_SHARED_DATA`); it may be
/// missing, and the benches that use it are then left out.
pub fn shared_pubmed_sample_path() -> PathBuf {
    std::env::var_os("MEDLIT_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
        .join("pubmed_xml/pubmed_sample.xml.gz")
}
