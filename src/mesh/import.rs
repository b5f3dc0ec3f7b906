//! Importing a vocabulary into an index: read every file, build the compact vocabulary,
//! re-derive the stored records with it, then store it. A file that fails to read stops the
//! import before anything changes.

use std::path::PathBuf;

use super::{read, MeshVocabulary};
use crate::error::{Error, Result};
use crate::index::MedlitIndex;
use crate::ingest;
use crate::therapy::Lexicon;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Descriptors in the new vocabulary.
    pub descriptors: usize,
    /// Supplementary concepts read.
    pub supplementary: usize,
    /// Stored records re-derived.
    pub records: u64,
}

/// Imports the vocabulary files into `index` (see the module docs).
pub fn import(
    index: &mut MedlitIndex,
    files: &[PathBuf],
    lexicon: &Lexicon,
    writer_threads: usize,
    memory_budget: usize,
) -> Result<ImportSummary> {
    let mut descriptors = Vec::new();
    let mut supplementary = Vec::new();
    for file in files {
        let vocabulary = read::read_path(file).map_err(|err| Error::Vocabulary {
            path: file.clone(),
            reason: err.to_string(),
        })?;
        descriptors.extend(vocabulary.descriptors);
        supplementary.extend(vocabulary.supplementary);
    }
    let vocabulary_error = |reason: String| Error::Vocabulary {
        path: files.first().cloned().unwrap_or_default(),
        reason,
    };
    if descriptors.is_empty() {
        return Err(vocabulary_error(
            "no descriptors in these files: give a descriptor or tree file too".into(),
        ));
    }
    let vocabulary = MeshVocabulary::build(descriptors, &supplementary)
        .map_err(|err| vocabulary_error(err.to_string()))?;
    let records = ingest::rederive(
        index,
        Some(&vocabulary),
        lexicon,
        writer_threads,
        memory_budget,
    )?;
    vocabulary
        .save(index.path())
        .map_err(|err| Error::Vocabulary {
            path: index.path().join(super::VOCABULARY_DIR),
            reason: err.to_string(),
        })?;
    index.reload_vocabulary();
    Ok(ImportSummary {
        descriptors: vocabulary.len(),
        supplementary: supplementary.len(),
        records,
    })
}
