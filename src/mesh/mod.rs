//! The MeSH vocabulary: descriptors with their unique ids, preferred names, entry terms
//! (synonyms) and tree numbers, plus supplementary concepts (mostly drugs) mapped to
//! descriptors.
//!
//! [`read`] parses MeSH as users get it (NLM's descriptor XML, ASCII `d20XX.bin`,
//! `mtrees20XX.bin`, and the tab-separated form). [`MeshVocabulary`] is the compact form
//! stored with an index in `medlit-mesh/`: the descriptor table as tab-separated lines, and
//! finite-state transducers mapping lower-cased names and entry terms, tree numbers and unique
//! ids to table rows. Opening it reads four files and indexes the table's line starts, a few
//! milliseconds for all of MeSH, so searches can use it on every call.
//!
//! With a vocabulary, each MeSH heading of a record is resolved to its descriptor (by UI
//! when the record carries one, else by name or entry term: older records use names that
//! MeSH has since renamed) and indexed under its tree paths, `/C/C15/C15.378/…`, which gives
//! hierarchical facets and explosion: all records under a descriptor share the facet term of
//! its tree path, so a search for a descriptor and all its descendants is one term query per
//! tree number, whatever the size of the branch.

pub mod import;
pub mod read;

use std::path::Path;

use tantivy_fst::Map;

use crate::record::MeshHeading;

/// Name of the folder inside an index that holds its vocabulary.
pub const VOCABULARY_DIR: &str = "medlit-mesh";

/// One MeSH descriptor, as read from a vocabulary file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Descriptor {
    /// Unique id (`D013921`); empty when the source has none (tree files).
    pub ui: String,
    /// Preferred name (`Thrombocytopenia`).
    pub name: String,
    /// Tree numbers (`C15.378.140.855`).
    pub tree_numbers: Vec<String>,
    /// Entry terms: synonyms and older names (`Thrombopenia`).
    pub entry_terms: Vec<String>,
}

/// A supplementary concept record (mostly a chemical or drug) and the descriptors it is
/// mapped to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Supplementary {
    /// Unique id (`C509013`).
    pub ui: String,
    /// Name (`romiplostim`).
    pub name: String,
    /// Synonyms.
    pub synonyms: Vec<String>,
    /// Unique ids of the descriptors it maps to.
    pub mapped_to: Vec<String>,
}

/// A problem with a vocabulary file or folder.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    /// A line or element of a source file is malformed.
    #[error("line {line}: {reason}")]
    Malformed {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The file is not a MeSH vocabulary medlit reads.
    #[error("{0}")]
    Unrecognized(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A stored vocabulary is damaged.
    #[error("the stored vocabulary is damaged: {0}")]
    Damaged(String),
}

/// The top-level MeSH categories, by tree letter.
pub const CATEGORIES: [(&str, &str); 16] = [
    ("A", "Anatomy"),
    ("B", "Organisms"),
    ("C", "Diseases"),
    ("D", "Chemicals and Drugs"),
    (
        "E",
        "Analytical, Diagnostic and Therapeutic Techniques, and Equipment",
    ),
    ("F", "Psychiatry and Psychology"),
    ("G", "Phenomena and Processes"),
    ("H", "Disciplines and Occupations"),
    (
        "I",
        "Anthropology, Education, Sociology, and Social Phenomena",
    ),
    ("J", "Technology, Industry, and Agriculture"),
    ("K", "Humanities"),
    ("L", "Information Science"),
    ("M", "Named Groups"),
    ("N", "Health Care"),
    ("V", "Publication Characteristics"),
    ("Z", "Geographicals"),
];

/// The name of a category letter (`C` → `Diseases`).
pub fn category_name(letter: &str) -> Option<&'static str> {
    CATEGORIES
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(letter))
        .map(|(_, name)| *name)
}

/// The facet path of a tree number: `C15.378.140` → `[C, C15, C15.378, C15.378.140]`.
pub fn tree_path(tree_number: &str) -> Vec<String> {
    let mut path = Vec::new();
    if let Some(letter) = tree_number.get(..1) {
        path.push(letter.to_string());
    }
    if tree_number.len() <= 1 {
        return path;
    }
    let mut end = 0;
    for part in tree_number.split('.') {
        end += part.len();
        path.push(tree_number[..end].to_string());
        end += 1;
    }
    path
}

/// The parent of a tree number (`C15.378` → `C15`, `C15` → `C`), `None` for a letter.
pub fn tree_parent(tree_number: &str) -> Option<&str> {
    match tree_number.rfind('.') {
        Some(dot) => Some(&tree_number[..dot]),
        None if tree_number.len() > 1 => tree_number.get(..1),
        None => None,
    }
}

/// A compiled vocabulary, ready for lookups.
pub struct MeshVocabulary {
    /// `ui \t name \t tree|tree \t entry|entry` lines, one per descriptor.
    table: Vec<u8>,
    /// Start of each line of `table`.
    lines: Vec<u32>,
    /// Lower-cased preferred names and entry terms → row.
    terms: Map<Vec<u8>>,
    /// Tree numbers → row.
    trees: Map<Vec<u8>>,
    /// Unique ids → row.
    uis: Map<Vec<u8>>,
    /// Lower-cased supplementary concept names and synonyms → row of the first descriptor
    /// they map to. The largest table and only needed for lookups of drug names, so a
    /// stored vocabulary reads it on first use.
    supplementary: std::sync::OnceLock<Map<Vec<u8>>>,
    /// Where a loaded vocabulary lives, to read `supplementary` from.
    dir: Option<std::path::PathBuf>,
}

/// A row of the descriptor table, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DescriptorRef<'v> {
    /// Row number.
    pub row: u32,
    /// Unique id (may be empty).
    pub ui: &'v str,
    /// Preferred name.
    pub name: &'v str,
    trees: &'v str,
    entries: &'v str,
}

impl<'v> DescriptorRef<'v> {
    /// Tree numbers.
    pub fn tree_numbers(&self) -> impl Iterator<Item = &'v str> {
        self.trees.split('|').filter(|t| !t.is_empty())
    }

    /// Entry terms.
    pub fn entry_terms(&self) -> impl Iterator<Item = &'v str> {
        self.entries.split('|').filter(|t| !t.is_empty())
    }
}

/// Marks entry terms while the term table is sorted.
const ENTRY_FLAG: u64 = 1 << 40;

const FILES: [&str; 5] = [
    "descriptors.tsv",
    "terms.fst",
    "trees.fst",
    "uis.fst",
    "supplementary.fst",
];

impl MeshVocabulary {
    /// Compiles descriptors and supplementary concepts. Descriptors with the same name are
    /// merged (tree files list a name once per tree number).
    pub fn build(
        descriptors: Vec<Descriptor>,
        supplementary: &[Supplementary],
    ) -> Result<MeshVocabulary, MeshError> {
        let descriptors = merge_by_name(descriptors);
        let mut table = Vec::new();
        let mut terms: Vec<(String, u64)> = Vec::new();
        let mut trees: Vec<(String, u64)> = Vec::new();
        let mut uis: Vec<(String, u64)> = Vec::new();
        for (row, descriptor) in descriptors.iter().enumerate() {
            let row = row as u64;
            let clean = |s: &str| s.replace(['\t', '\n', '\r', '|'], " ");
            let line = format!(
                "{}\t{}\t{}\t{}\n",
                clean(&descriptor.ui),
                clean(&descriptor.name),
                descriptor
                    .tree_numbers
                    .iter()
                    .map(|t| clean(t))
                    .collect::<Vec<_>>()
                    .join("|"),
                descriptor
                    .entry_terms
                    .iter()
                    .map(|t| clean(t))
                    .collect::<Vec<_>>()
                    .join("|"),
            );
            table.extend_from_slice(line.as_bytes());
            // Preferred names win over entry terms that collide with them: the entry flag sits
            // above the row, so a preferred name sorts first.
            terms.push((descriptor.name.to_lowercase(), row));
            terms.extend(
                descriptor
                    .entry_terms
                    .iter()
                    .map(|t| (t.to_lowercase(), ENTRY_FLAG | row)),
            );
            trees.extend(descriptor.tree_numbers.iter().map(|t| (t.clone(), row)));
            if !descriptor.ui.is_empty() {
                uis.push((descriptor.ui.clone(), row));
            }
        }
        let by_ui: std::collections::HashMap<&str, u64> = descriptors
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.ui.is_empty())
            .map(|(row, d)| (d.ui.as_str(), row as u64))
            .collect();
        let mut supplementary_terms: Vec<(String, u64)> = Vec::new();
        for concept in supplementary {
            let Some(&row) = concept
                .mapped_to
                .iter()
                .find_map(|ui| by_ui.get(ui.as_str()))
            else {
                continue;
            };
            supplementary_terms.push((concept.name.to_lowercase(), row));
            supplementary_terms.extend(concept.synonyms.iter().map(|s| (s.to_lowercase(), row)));
        }
        let terms = fst_map(terms, |value| value & !ENTRY_FLAG)?;
        let vocabulary = MeshVocabulary {
            lines: line_starts(&table),
            table,
            terms,
            trees: fst_map(trees, |v| v)?,
            uis: fst_map(uis, |v| v)?,
            supplementary: std::sync::OnceLock::from(fst_map(supplementary_terms, |v| v)?),
            dir: None,
        };
        Ok(vocabulary)
    }

    /// Writes the vocabulary into `index_dir/medlit-mesh`, replacing any earlier one only
    /// once the new one is completely written.
    pub fn save(&self, index_dir: &Path) -> Result<(), MeshError> {
        let target = index_dir.join(VOCABULARY_DIR);
        let staging = index_dir.join(format!("{VOCABULARY_DIR}.new"));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        let contents: [Vec<u8>; 5] = [
            self.table.clone(),
            self.terms.as_fst().to_vec(),
            self.trees.as_fst().to_vec(),
            self.uis.as_fst().to_vec(),
            self.supplementary_map().as_fst().to_vec(),
        ];
        for (name, bytes) in FILES.iter().zip(contents) {
            std::fs::write(staging.join(name), bytes)?;
        }
        let old = index_dir.join(format!("{VOCABULARY_DIR}.old"));
        let _ = std::fs::remove_dir_all(&old);
        if target.exists() {
            std::fs::rename(&target, &old)?;
        }
        std::fs::rename(&staging, &target)?;
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    }

    /// Opens the vocabulary stored with an index; `None` when the index has none.
    pub fn load(index_dir: &Path) -> Result<Option<MeshVocabulary>, MeshError> {
        let dir = index_dir.join(VOCABULARY_DIR);
        if !dir.is_dir() {
            return Ok(None);
        }
        let read = |name: &str| std::fs::read(dir.join(name));
        let map = |name: &str| -> Result<Map<Vec<u8>>, MeshError> {
            Map::from_bytes(read(name)?).map_err(|e| MeshError::Damaged(format!("{name}: {e}")))
        };
        let table = read(FILES[0])?;
        let vocabulary = MeshVocabulary {
            lines: line_starts(&table),
            table,
            terms: map(FILES[1])?,
            trees: map(FILES[2])?,
            uis: map(FILES[3])?,
            supplementary: std::sync::OnceLock::new(),
            dir: Some(dir.clone()),
        };
        if !dir.join(FILES[4]).is_file() {
            return Err(MeshError::Damaged(format!("{} is missing", FILES[4])));
        }
        if std::str::from_utf8(&vocabulary.table).is_err() {
            return Err(MeshError::Damaged("descriptors.tsv is not UTF-8".into()));
        }
        Ok(Some(vocabulary))
    }

    /// Number of descriptors.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when there is no descriptor.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The descriptor in `row`.
    pub fn descriptor(&self, row: u32) -> Option<DescriptorRef<'_>> {
        let start = *self.lines.get(row as usize)? as usize;
        let end = self
            .lines
            .get(row as usize + 1)
            .map_or(self.table.len(), |&e| e as usize);
        let line = std::str::from_utf8(&self.table[start..end])
            .ok()?
            .trim_end_matches('\n');
        let mut columns = line.split('\t');
        Some(DescriptorRef {
            row,
            ui: columns.next()?,
            name: columns.next()?,
            trees: columns.next().unwrap_or(""),
            entries: columns.next().unwrap_or(""),
        })
    }

    /// Every descriptor, in table order.
    pub fn descriptors(&self) -> impl Iterator<Item = DescriptorRef<'_>> {
        (0..self.lines.len() as u32).filter_map(|row| self.descriptor(row))
    }

    /// The descriptor with this unique id.
    pub fn by_ui(&self, ui: &str) -> Option<DescriptorRef<'_>> {
        self.row(&self.uis, ui.trim())
    }

    /// The descriptor with this preferred name or entry term (case-insensitive).
    pub fn by_name(&self, name: &str) -> Option<DescriptorRef<'_>> {
        self.row(&self.terms, &name.trim().to_lowercase())
    }

    /// The descriptor with this tree number.
    pub fn by_tree_number(&self, tree_number: &str) -> Option<DescriptorRef<'_>> {
        self.row(&self.trees, tree_number.trim())
    }

    /// The descriptor a supplementary concept (a drug or chemical name) maps to.
    pub fn by_supplementary(&self, name: &str) -> Option<DescriptorRef<'_>> {
        self.row(self.supplementary_map(), &name.trim().to_lowercase())
    }

    /// The supplementary table, read from disk on first use; empty if it cannot be read.
    fn supplementary_map(&self) -> &Map<Vec<u8>> {
        self.supplementary.get_or_init(|| {
            self.dir
                .as_ref()
                .and_then(|dir| std::fs::read(dir.join(FILES[4])).ok())
                .and_then(|bytes| Map::from_bytes(bytes).ok())
                .or_else(|| Map::from_iter(std::iter::empty::<(&[u8], u64)>()).ok())
                .unwrap_or_else(unreachable_empty_map)
        })
    }

    fn row(&self, map: &Map<Vec<u8>>, key: &str) -> Option<DescriptorRef<'_>> {
        let row = u32::try_from(map.get(key)?).ok()?;
        self.descriptor(row)
    }

    /// A record's heading resolved to its descriptor: by UI when it has one, else by name
    /// or entry term.
    pub fn resolve(&self, heading: &MeshHeading) -> Option<DescriptorRef<'_>> {
        heading
            .ui
            .as_deref()
            .and_then(|ui| self.by_ui(ui))
            .or_else(|| self.by_name(&heading.descriptor))
    }

    /// A descriptor, a tree number (`C15.378`) or a category (`C`, `Diseases`) named by a
    /// user, as the tree number(s) it stands for.
    pub fn tree_numbers_for(&self, text: &str) -> Vec<String> {
        let text = text.trim().trim_start_matches('/');
        if let Some((letter, _)) = CATEGORIES
            .iter()
            .find(|(l, n)| l.eq_ignore_ascii_case(text) || n.eq_ignore_ascii_case(text))
        {
            return vec![letter.to_string()];
        }
        if self.by_tree_number(text).is_some() {
            return vec![text.to_string()];
        }
        self.by_name(text)
            .map(|d| d.tree_numbers().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// A display name for a tree path segment: the category name for a letter, else the
    /// descriptor's preferred name.
    pub fn segment_name(&self, segment: &str) -> Option<String> {
        if segment.len() == 1 {
            return category_name(segment).map(str::to_string);
        }
        self.by_tree_number(segment).map(|d| d.name.to_string())
    }

    /// Up to `n` preferred names closest to `name`.
    pub fn suggestions(&self, name: &str, n: usize) -> Vec<String> {
        let names: Vec<&str> = self.descriptors().map(|d| d.name).collect();
        crate::query::closest(name, names.into_iter(), n)
    }
}

/// An empty map; building one cannot fail.
fn unreachable_empty_map() -> Map<Vec<u8>> {
    match Map::from_iter(std::iter::empty::<(&[u8], u64)>()) {
        Ok(map) => map,
        Err(err) => panic!("an empty FST always builds: {err}"),
    }
}

fn line_starts(table: &[u8]) -> Vec<u32> {
    let mut starts = Vec::new();
    let mut start = 0usize;
    for newline in memchr::memchr_iter(b'\n', table) {
        starts.push(start as u32);
        start = newline + 1;
    }
    if start < table.len() {
        starts.push(start as u32);
    }
    starts
}

/// An FST from `(key, value)` pairs; on duplicate keys the smallest value wins, then
/// `finish` turns the stored value into the mapped one.
fn fst_map(
    mut pairs: Vec<(String, u64)>,
    finish: impl Fn(u64) -> u64,
) -> Result<Map<Vec<u8>>, MeshError> {
    pairs.retain(|(key, _)| !key.is_empty());
    pairs.sort();
    pairs.dedup_by(|later, earlier| later.0 == earlier.0);
    Map::from_iter(pairs.into_iter().map(|(k, v)| (k, finish(v))))
        .map_err(|e| MeshError::Damaged(format!("cannot build a lookup table: {e}")))
}

/// Merges descriptors that share a preferred name (and UI), keeping all tree numbers and
/// entry terms, in first-seen order.
fn merge_by_name(descriptors: Vec<Descriptor>) -> Vec<Descriptor> {
    let mut merged: Vec<Descriptor> = Vec::with_capacity(descriptors.len());
    let mut index: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::with_capacity(descriptors.len());
    for descriptor in descriptors {
        let key = (descriptor.ui.clone(), descriptor.name.clone());
        match index.get(&key) {
            Some(&at) => {
                let target = &mut merged[at];
                for tree in descriptor.tree_numbers {
                    if !target.tree_numbers.contains(&tree) {
                        target.tree_numbers.push(tree);
                    }
                }
                for entry in descriptor.entry_terms {
                    if !target.entry_terms.contains(&entry) {
                        target.entry_terms.push(entry);
                    }
                }
            }
            None => {
                index.insert(key, merged.len());
                merged.push(descriptor);
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> MeshVocabulary {
        let descriptors = vec![
            Descriptor {
                ui: "D013921".into(),
                name: "Thrombocytopenia".into(),
                tree_numbers: vec!["C15.378.140.855".into()],
                entry_terms: vec!["Thrombopenia".into()],
            },
            Descriptor {
                ui: "D016553".into(),
                name: "Purpura, Thrombocytopenic, Idiopathic".into(),
                tree_numbers: vec!["C15.378.140.855.925.750".into(), "C20.111.759".into()],
                entry_terms: vec!["ITP".into(), "Immune Thrombocytopenia".into()],
            },
            Descriptor {
                ui: "D016130".into(),
                name: "Cyclosporine".into(),
                tree_numbers: vec!["D12.644.641.200".into()],
                entry_terms: vec!["Ciclosporin".into(), "Cyclosporin A".into()],
            },
        ];
        let supplementary = vec![Supplementary {
            ui: "C509013".into(),
            name: "romiplostim".into(),
            synonyms: vec!["AMG 531".into()],
            mapped_to: vec!["D016130".into()],
        }];
        MeshVocabulary::build(descriptors, &supplementary).expect("builds")
    }

    #[test]
    fn lookups_by_ui_name_entry_term_tree_and_supplementary() {
        let vocabulary = small();
        assert_eq!(vocabulary.len(), 3);
        assert_eq!(
            vocabulary.by_ui("D016553").expect("ui").name,
            "Purpura, Thrombocytopenic, Idiopathic"
        );
        assert_eq!(vocabulary.by_name("itp").expect("entry").ui, "D016553");
        assert_eq!(
            vocabulary.by_name("CICLOSPORIN").expect("entry").name,
            "Cyclosporine"
        );
        assert_eq!(
            vocabulary
                .by_tree_number("C15.378.140.855")
                .expect("tree")
                .name,
            "Thrombocytopenia"
        );
        assert_eq!(
            vocabulary.by_supplementary("AMG 531").expect("scr").name,
            "Cyclosporine"
        );
        let itp = vocabulary
            .by_name("Purpura, Thrombocytopenic, Idiopathic")
            .expect("name");
        assert_eq!(
            itp.tree_numbers().collect::<Vec<_>>(),
            ["C15.378.140.855.925.750", "C20.111.759"]
        );
        assert!(vocabulary.by_name("nothing").is_none());
    }

    #[test]
    fn save_and_load_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(MeshVocabulary::load(dir.path()).expect("loads").is_none());
        small().save(dir.path()).expect("saves");
        let loaded = MeshVocabulary::load(dir.path())
            .expect("loads")
            .expect("present");
        assert_eq!(loaded.len(), 3);
        assert_eq!(loaded.by_name("thrombopenia").expect("entry").ui, "D013921");
        // Saving again replaces it.
        small().save(dir.path()).expect("saves again");
        assert!(MeshVocabulary::load(dir.path()).expect("loads").is_some());
    }

    #[test]
    fn tree_paths_and_parents() {
        assert_eq!(tree_path("C"), ["C"]);
        assert_eq!(
            tree_path("C15.378.140"),
            ["C", "C15", "C15.378", "C15.378.140"]
        );
        assert_eq!(tree_parent("C15.378"), Some("C15"));
        assert_eq!(tree_parent("C15"), Some("C"));
        assert_eq!(tree_parent("C"), None);
    }

    #[test]
    fn users_name_descriptors_tree_numbers_or_categories() {
        let vocabulary = small();
        assert_eq!(vocabulary.tree_numbers_for("Diseases"), ["C"]);
        assert_eq!(
            vocabulary.tree_numbers_for("C15.378.140.855"),
            ["C15.378.140.855"]
        );
        assert_eq!(
            vocabulary.tree_numbers_for("ITP"),
            ["C15.378.140.855.925.750", "C20.111.759"]
        );
        assert!(vocabulary.tree_numbers_for("Unknown").is_empty());
        assert_eq!(vocabulary.segment_name("C").as_deref(), Some("Diseases"));
        assert_eq!(
            vocabulary.suggestions("Thrombocytopnia", 2),
            ["Thrombocytopenia"]
        );
    }

    #[test]
    fn tree_file_duplicates_merge() {
        let vocabulary = MeshVocabulary::build(
            vec![
                Descriptor {
                    name: "Breast".into(),
                    tree_numbers: vec!["A01.236".into()],
                    ..Descriptor::default()
                },
                Descriptor {
                    name: "Breast".into(),
                    tree_numbers: vec!["A01.911".into()],
                    ..Descriptor::default()
                },
            ],
            &[],
        )
        .expect("builds");
        assert_eq!(vocabulary.len(), 1);
        assert_eq!(
            vocabulary
                .by_name("breast")
                .expect("name")
                .tree_numbers()
                .count(),
            2
        );
    }
}
