//! The on-disk index: creating, opening and checking it, and the metadata medlit keeps in
//! each commit (schema version, medlit version, commit time).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::directory::error::{LockError, OpenReadError};
use tantivy::schema::document::Document;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyError};

use crate::analysis;
use crate::error::{Error, Result};
use crate::mesh::MeshVocabulary;
use crate::schema::{Fields, SCHEMA_VERSION};

/// Settings chosen when an index is created and kept with it (`medlit-settings.json`):
/// the analysis the index was built with must also analyze its queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSettings {
    /// Stem English words (`transplantations` → `transplant`).
    pub stemming: bool,
    /// Keep biomedical compounds (`IL-6`, `CD34+`) as tokens besides their parts.
    #[serde(default = "yes")]
    pub compounds: bool,
}

fn yes() -> bool {
    true
}

impl Default for IndexSettings {
    fn default() -> Self {
        IndexSettings {
            stemming: true,
            compounds: true,
        }
    }
}

const SETTINGS_FILE: &str = "medlit-settings.json";

impl IndexSettings {
    fn load(path: &Path) -> Result<IndexSettings> {
        match std::fs::read(path.join(SETTINGS_FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|err| Error::NotMedlitIndex {
                path: path.to_path_buf(),
                reason: format!("its {SETTINGS_FILE} is unreadable ({err})"),
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(IndexSettings::default()),
            Err(source) => Err(Error::Io {
                path: path.join(SETTINGS_FILE),
                source,
            }),
        }
    }

    /// Writes the settings atomically (a temporary file renamed over the old one), so a
    /// process killed meanwhile leaves either no file or a whole one.
    fn save(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self)?;
        let io_error = |source| Error::Io {
            path: path.join(SETTINGS_FILE),
            source,
        };
        let temporary = path.join(format!("{SETTINGS_FILE}.tmp"));
        std::fs::write(&temporary, bytes).map_err(io_error)?;
        std::fs::rename(&temporary, path.join(SETTINGS_FILE)).map_err(io_error)
    }
}

/// Metadata medlit stores as the payload of every commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    /// Schema version the index was written with.
    pub schema_version: u32,
    /// Version of medlit that committed.
    pub medlit_version: String,
    /// Commit time, RFC 3339, UTC.
    pub committed_at: String,
}

impl CommitInfo {
    /// Metadata for a commit made now.
    pub fn now() -> CommitInfo {
        let now = time::OffsetDateTime::now_utc();
        let committed_at = now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| now.unix_timestamp().to_string());
        CommitInfo {
            schema_version: SCHEMA_VERSION,
            medlit_version: env!("CARGO_PKG_VERSION").to_string(),
            committed_at,
        }
    }
}

/// A medlit index: the tantivy index, its field handles and where it lives.
pub struct MedlitIndex {
    /// The tantivy index, with medlit's analyzers registered.
    pub index: Index,
    /// Handles of the schema's fields.
    pub fields: Fields,
    path: PathBuf,
    vocabulary: std::sync::OnceLock<Option<MeshVocabulary>>,
    settings: IndexSettings,
}

impl MedlitIndex {
    /// Opens an existing index for searching.
    pub fn open(path: &Path) -> Result<MedlitIndex> {
        if !path.join("meta.json").is_file() {
            if path.is_dir() && path.read_dir().is_ok_and(|mut d| d.next().is_some()) {
                return Err(Error::NotMedlitIndex {
                    path: path.to_path_buf(),
                    reason: "it has no meta.json".into(),
                });
            }
            return Err(Error::NoIndex(path.to_path_buf()));
        }
        let index = Index::open_in_dir(path).map_err(|err| open_error(path, err))?;
        MedlitIndex::checked(index, path)
    }

    /// Opens the index at `path`, creating it (and the directory) when there is none yet.
    pub fn open_or_create(path: &Path) -> Result<MedlitIndex> {
        MedlitIndex::open_or_create_with(path, IndexSettings::default())
    }

    /// Like [`MedlitIndex::open_or_create`]; a new index gets `settings`, an existing one
    /// keeps its own.
    pub fn open_or_create_with(path: &Path, settings: IndexSettings) -> Result<MedlitIndex> {
        if path.join("meta.json").is_file() {
            return MedlitIndex::open(path);
        }
        if !holds_only_leftovers(path) {
            return Err(Error::NotMedlitIndex {
                path: path.to_path_buf(),
                reason: "the directory is not empty and has no meta.json; choose an empty or new directory".into(),
            });
        }
        std::fs::create_dir_all(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        // The settings first, meta.json (written atomically by tantivy) last: until
        // meta.json exists, the directory is still taken for a new one.
        settings.save(path)?;
        let (schema, fields) = Fields::build();
        let index = Index::create_in_dir(path, schema).map_err(|err| open_error(path, err))?;
        analysis::register(index.tokenizers(), settings.stemming, settings.compounds);
        Ok(MedlitIndex {
            index,
            fields,
            path: path.to_path_buf(),
            vocabulary: std::sync::OnceLock::new(),
            settings,
        })
    }

    /// Checks that `index` has medlit's schema and version, and registers the analyzers.
    fn checked(index: Index, path: &Path) -> Result<MedlitIndex> {
        let not_medlit = |reason: &str| Error::NotMedlitIndex {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        if let Some(info) = read_commit_info(&index)? {
            if info.schema_version != SCHEMA_VERSION {
                return Err(Error::SchemaVersion {
                    path: path.to_path_buf(),
                    found: info.schema_version,
                    expected: SCHEMA_VERSION,
                });
            }
        }
        let (expected, _) = Fields::build();
        if index.schema() != expected {
            return Err(not_medlit("its schema is not the one this medlit writes"));
        }
        let fields =
            Fields::from_schema(&index.schema()).ok_or_else(|| not_medlit("fields are missing"))?;
        let settings = IndexSettings::load(path)?;
        analysis::register(index.tokenizers(), settings.stemming, settings.compounds);
        Ok(MedlitIndex {
            index,
            fields,
            path: path.to_path_buf(),
            vocabulary: std::sync::OnceLock::new(),
            settings,
        })
    }

    /// The MeSH vocabulary stored with the index, loaded on first use; `None` without one.
    pub fn vocabulary(&self) -> Result<Option<&MeshVocabulary>> {
        if let Some(loaded) = self.vocabulary.get() {
            return Ok(loaded.as_ref());
        }
        let loaded = MeshVocabulary::load(&self.path).map_err(|err| Error::Vocabulary {
            path: self.path.join(crate::mesh::VOCABULARY_DIR),
            reason: err.to_string(),
        })?;
        Ok(self.vocabulary.get_or_init(|| loaded).as_ref())
    }

    /// Forgets the loaded vocabulary (after a new one was stored).
    pub fn reload_vocabulary(&mut self) {
        self.vocabulary = std::sync::OnceLock::new();
    }

    /// The settings the index was created with.
    pub fn settings(&self) -> IndexSettings {
        self.settings
    }

    /// Where the index lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A reader that sees the last commit (reload it to see later ones).
    pub fn reader(&self) -> Result<IndexReader> {
        Ok(self
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?)
    }

    /// Takes the writer lock and creates a writer with `threads` indexing threads sharing
    /// `memory_budget` bytes, merging as [`crate::merge`] describes.
    pub fn writer<D: Document>(
        &self,
        threads: usize,
        memory_budget: usize,
    ) -> Result<IndexWriter<D>> {
        self.check_writable()?;
        let writer = self
            .index
            .writer_with_num_threads::<D>(threads, memory_budget)
            .map_err(|err| match err {
                TantivyError::LockFailure(LockError::LockBusy, _) => {
                    Error::Locked(self.path.clone())
                }
                TantivyError::LockFailure(LockError::IoError(io), _) => Error::ReadOnly {
                    path: self.path.clone(),
                    reason: io.to_string(),
                },
                other => Error::Tantivy(other),
            })?;
        crate::merge::configure(&writer);
        Ok(writer)
    }

    /// Fails with [`Error::ReadOnly`] when no file can be created in the index directory,
    /// before any work is done (tantivy would only find out when it writes a segment).
    fn check_writable(&self) -> Result<()> {
        tempfile::Builder::new()
            .prefix(".medlit-write-probe")
            .tempfile_in(&self.path)
            .map(drop)
            .map_err(|err| Error::ReadOnly {
                path: self.path.clone(),
                reason: err.kind().to_string(),
            })
    }

    /// Metadata of the last commit, if any commit carried it.
    pub fn commit_info(&self) -> Result<Option<CommitInfo>> {
        read_commit_info(&self.index)
    }
}

/// True when `path` is missing, empty, or holds only what a medlit process killed while
/// creating an index there leaves behind (settings and tantivy's lock files).
fn holds_only_leftovers(path: &Path) -> bool {
    let Ok(entries) = path.read_dir() else {
        return !path.exists();
    };
    entries.flatten().all(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name == SETTINGS_FILE
            || name == format!("{SETTINGS_FILE}.tmp")
            || (name.starts_with(".tantivy-") && name.ends_with(".lock"))
    })
}

fn read_commit_info(index: &Index) -> Result<Option<CommitInfo>> {
    let metas = index.load_metas()?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|payload| serde_json::from_str(payload).ok()))
}

fn open_error(path: &Path, err: TantivyError) -> Error {
    match err {
        TantivyError::OpenReadError(OpenReadError::FileDoesNotExist(_)) => {
            Error::NoIndex(path.to_path_buf())
        }
        TantivyError::OpenDirectoryError(err) => Error::NotMedlitIndex {
            path: path.to_path_buf(),
            reason: err.to_string(),
        },
        TantivyError::DataCorruption(err) => Error::NotMedlitIndex {
            path: path.to_path_buf(),
            reason: format!("{err:?}"),
        },
        TantivyError::SchemaError(reason) => Error::NotMedlitIndex {
            path: path.to_path_buf(),
            reason,
        },
        other => Error::Tantivy(other),
    }
}
