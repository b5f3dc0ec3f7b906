//! The record model: one bibliographic record (case report, abstract, article) as medlit
//! understands it, whatever format it came from.
//!
//! Every input format parses into [`Record`]; the index stores it whole ([`stored`]), so
//! `export` and `show` give back exactly what was indexed. The serde field names are the JSON
//! Lines schema that medlit reads and writes, so they are a stable contract.

pub mod stored;

use serde::{Deserialize, Serialize};

/// One bibliographic record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    /// Stable identifier: the PMID when known, else the lower-cased DOI, else a hash of
    /// title, journal and year (see [`Record::derive_id`]). BEIR's `_id` is read as the id.
    #[serde(alias = "_id")]
    pub id: String,
    /// Article title.
    pub title: String,
    /// Digital Object Identifier, as written in the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    /// PubMed identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmid: Option<String>,
    /// PubMed Central identifier (`PMC1234567`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmc: Option<String>,
    /// Authors in byline order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Author>,
    /// Affiliations; an author's `affiliations` are 1-based positions in this list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<String>,
    /// Publication types (`Case Reports`, `English Abstract`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub publication_types: Vec<String>,
    /// Author keywords.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// MeSH headings with their qualifiers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mesh: Vec<MeshHeading>,
    /// Journal title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
    /// ISO abbreviation of the journal title (`J Clin Oncol`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_iso: Option<String>,
    /// Publication year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// Journal volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    /// Journal issue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    /// Pages or electronic locator (`1128-1133`, `e14523`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    /// Country of publication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Language of the article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Abstract text; paragraphs separated by newlines. BEIR's `text` is read as the abstract.
    #[serde(
        rename = "abstract",
        alias = "text",
        skip_serializing_if = "String::is_empty"
    )]
    pub abstract_text: String,
    /// Chemicals and substances (PubMed `ChemicalList`, MEDLINE `RN`/`NM`); they feed the
    /// therapy pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chemicals: Vec<String>,
    /// Therapies named in the record, as canonical lexicon names (derived at ingest).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub therapies: Vec<String>,
}

/// An author and the affiliations they belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Author {
    /// Name as written in the source (`Bo ZHANG`, `Smith, John`).
    pub name: String,
    /// 1-based positions in [`Record::affiliations`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<u32>,
}

/// A MeSH heading: a descriptor with optional qualifiers, each possibly a major topic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeshHeading {
    /// Descriptor name (`Thrombocytopenia`).
    pub descriptor: String,
    /// Descriptor unique identifier (`D013921`) when the source gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ui: Option<String>,
    /// The descriptor itself is a major topic (`*Humans`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub major: bool,
    /// Subheadings (`therapy`, `adverse effects`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub qualifiers: Vec<MeshQualifier>,
}

/// A MeSH qualifier (subheading) attached to a descriptor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeshQualifier {
    /// Qualifier name (`therapy`).
    pub name: String,
    /// This descriptor/qualifier pair is a major topic (`Thrombocytopenia/therapy*`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub major: bool,
}

impl MeshHeading {
    /// Parses the display form used by PubMed pages and MEDLINE files:
    /// `Descriptor/qualifier/qualifier`, where `*` before or after a part marks it as a major
    /// topic (`Thrombocytopenia/therapy*`, `*Humans`, `Thrombocytopenia/*therapy`).
    /// Returns `None` when there is no descriptor.
    pub fn parse(text: &str) -> Option<MeshHeading> {
        let mut parts = text.split('/').map(split_major_mark);
        let (descriptor, major) = parts.next()?;
        if descriptor.is_empty() {
            return None;
        }
        let qualifiers = parts
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, major)| MeshQualifier {
                name: name.to_string(),
                major,
            })
            .collect();
        Some(MeshHeading {
            descriptor: descriptor.to_string(),
            ui: None,
            major,
            qualifiers,
        })
    }

    /// True when the descriptor or any of its qualifiers is a major topic (PubMed `[majr]`).
    pub fn is_major_topic(&self) -> bool {
        self.major || self.qualifiers.iter().any(|q| q.major)
    }
}

impl std::fmt::Display for MeshHeading {
    /// Writes the PubMed display form, `Thrombocytopenia/therapy*`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.descriptor)?;
        if self.major {
            f.write_str("*")?;
        }
        for qualifier in &self.qualifiers {
            write!(f, "/{}", qualifier.name)?;
            if qualifier.major {
                f.write_str("*")?;
            }
        }
        Ok(())
    }
}

/// Splits a leading or trailing `*` off a heading part: `("therapy", true)`.
fn split_major_mark(part: &str) -> (&str, bool) {
    let part = part.trim();
    if let Some(rest) = part.strip_prefix('*') {
        (rest.trim(), true)
    } else if let Some(rest) = part.strip_suffix('*') {
        (rest.trim(), true)
    } else {
        (part, false)
    }
}

impl Record {
    /// The identifier a record gets from its content: the PMID when known, else the DOI
    /// (lower-cased, since DOIs are case-insensitive), else `h` followed by a 64-bit FNV-1a
    /// hash of the lower-cased title, journal and year. The hash is fixed by this code, not by
    /// the Rust version, so ids stay stable across builds.
    pub fn derive_id(&self) -> String {
        if let Some(pmid) = self.pmid.as_deref().filter(|p| !p.is_empty()) {
            return pmid.to_string();
        }
        if let Some(doi) = self.doi.as_deref().filter(|d| !d.is_empty()) {
            return doi.to_lowercase();
        }
        let mut hasher = Fnv1a::default();
        hasher.write(self.title.trim().to_lowercase().as_bytes());
        hasher.write(&[0x1f]);
        hasher.write(
            self.journal
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .as_bytes(),
        );
        hasher.write(&[0x1f]);
        hasher.write(
            self.year
                .map(|y| y.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        format!("h{:016x}", hasher.finish())
    }

    /// Sets [`Record::id`] from the content when it is empty.
    pub fn ensure_id(&mut self) {
        if self.id.trim().is_empty() {
            self.id = self.derive_id();
        }
    }

    /// The citation in PubMed's form, `2025;27(9):1128-1133`, as far as it is known.
    pub fn citation(&self) -> String {
        let mut out = String::new();
        if let Some(year) = self.year {
            out.push_str(&year.to_string());
        }
        if let Some(volume) = &self.volume {
            out.push(';');
            out.push_str(volume);
        }
        if let Some(issue) = &self.issue {
            out.push('(');
            out.push_str(issue);
            out.push(')');
        }
        if let Some(pages) = &self.pages {
            out.push(':');
            out.push_str(pages);
        }
        out
    }
}

/// True when an author name contains a word that marks a group rather than a person
/// (`Example Study Group`, `… Consortium`).
pub fn names_a_group(name: &str) -> bool {
    if name.is_ascii() {
        // Bytes are characters here; most names are ASCII, and this skips decoding them.
        return name
            .as_bytes()
            .split(|b| !b.is_ascii_alphanumeric())
            .any(is_group_word);
    }
    name.split(|c: char| !c.is_alphanumeric())
        .any(|word| is_group_word(word.as_bytes()))
}

/// Words that mark an author name as a group, lower-case.
const GROUP_WORDS: [&str; 16] = [
    "group",
    "groups",
    "consortium",
    "committee",
    "network",
    "investigators",
    "society",
    "association",
    "team",
    "collaboration",
    "collaborative",
    "collaborators",
    "registry",
    "council",
    "foundation",
    "force",
];

/// The length of the longest of [`GROUP_WORDS`].
const LONGEST_GROUP_WORD: usize = {
    let mut longest = 0;
    let mut index = 0;
    while index < GROUP_WORDS.len() {
        if GROUP_WORDS[index].len() > longest {
            longest = GROUP_WORDS[index].len();
        }
        index += 1;
    }
    longest
};

/// Whether `word` is one of [`GROUP_WORDS`], in any case. Every author of every record
/// passes here, so most words are turned away by their first letter and length alone
/// ([`GROUP_WORD_LENGTHS`]); the rest are lower-cased once into a small buffer and compared
/// as they are, rather than compared without case with each group word in turn.
fn is_group_word(word: &[u8]) -> bool {
    let (Some(first), true) = (word.first(), word.len() < 16) else {
        return false;
    };
    let lengths = match first.to_ascii_lowercase() {
        letter @ b'a'..=b'z' => GROUP_WORD_LENGTHS[usize::from(letter - b'a')],
        _ => 0,
    };
    if lengths & (1 << word.len()) == 0 {
        return false;
    }
    let mut lower = [0u8; LONGEST_GROUP_WORD];
    let Some(lower) = lower.get_mut(..word.len()) else {
        return false;
    };
    for (to, from) in lower.iter_mut().zip(word) {
        *to = from.to_ascii_lowercase();
    }
    GROUP_WORDS
        .iter()
        .any(|group_word| group_word.as_bytes() == lower)
}

/// For each letter `a` to `z`, the lengths of the [`GROUP_WORDS`] it starts, as bits.
const GROUP_WORD_LENGTHS: [u16; 26] = {
    let mut lengths = [0u16; 26];
    let mut index = 0;
    while index < GROUP_WORDS.len() {
        let word = GROUP_WORDS[index].as_bytes();
        lengths[(word[0] - b'a') as usize] |= 1 << word.len();
        index += 1;
    }
    lengths
};

/// PubMed's short author form, `Last Initials`, from `Last, First Middle` or
/// `First Middle Last`: `Casbon, James A` and `James A Casbon` give `Casbon JA`. A one-word
/// name is returned as it is.
pub fn short_author_name(name: &str) -> String {
    let mut short = String::with_capacity(name.len());
    write_short_author_name(name, &mut short);
    short
}

/// [`short_author_name`], written into `out` (cleared first) so that a caller naming many
/// authors reuses one buffer.
pub fn write_short_author_name(name: &str, out: &mut String) {
    out.clear();
    let (last, given) = match name.split_once(',') {
        Some((last, given)) => (last.trim(), given),
        None => match name.trim().rsplit_once(char::is_whitespace) {
            Some((given, last)) => (last, given),
            None => {
                out.push_str(name.trim());
                return;
            }
        },
    };
    out.push_str(last);
    out.push(' ');
    let parts = given.split(|c: char| c.is_whitespace() || c == '-' || c == '.');
    for initial in parts.filter_map(|part| part.chars().find(|c| c.is_alphabetic())) {
        if initial.is_ascii() {
            out.push(initial.to_ascii_uppercase());
        } else {
            out.extend(initial.to_uppercase());
        }
    }
    if out.len() == last.len() + 1 {
        out.pop();
    }
}

/// 64-bit FNV-1a: tiny, stable and good enough to tell titles apart.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesh_heading_parses_trailing_star_on_qualifier() {
        let heading = MeshHeading::parse("Thrombocytopenia/therapy*").expect("heading");
        assert_eq!(heading.descriptor, "Thrombocytopenia");
        assert!(!heading.major);
        assert_eq!(heading.qualifiers.len(), 1);
        assert_eq!(heading.qualifiers[0].name, "therapy");
        assert!(heading.qualifiers[0].major);
        assert!(heading.is_major_topic());
        assert_eq!(heading.to_string(), "Thrombocytopenia/therapy*");
    }

    #[test]
    fn mesh_heading_parses_medline_leading_star() {
        let heading =
            MeshHeading::parse("*Purpura, Thrombocytopenic, Idiopathic").expect("heading");
        assert_eq!(heading.descriptor, "Purpura, Thrombocytopenic, Idiopathic");
        assert!(heading.major);
        assert!(heading.qualifiers.is_empty());
        let heading = MeshHeading::parse("Anemia/*drug therapy/etiology").expect("heading");
        assert_eq!(heading.qualifiers[0].name, "drug therapy");
        assert!(heading.qualifiers[0].major);
        assert!(!heading.qualifiers[1].major);
    }

    #[test]
    fn mesh_heading_without_star_is_not_major() {
        let heading = MeshHeading::parse("Humans").expect("heading");
        assert!(!heading.is_major_topic());
        assert!(MeshHeading::parse("  ").is_none());
    }

    #[test]
    fn id_prefers_pmid_then_doi_then_hash() {
        let mut record = Record {
            title: "A title".into(),
            doi: Some("10.1000/ABC".into()),
            pmid: Some("123".into()),
            ..Record::default()
        };
        assert_eq!(record.derive_id(), "123");
        record.pmid = None;
        assert_eq!(record.derive_id(), "10.1000/abc");
        record.doi = None;
        let hashed = record.derive_id();
        assert!(hashed.starts_with('h') && hashed.len() == 17, "{hashed}");
        assert_eq!(hashed, record.derive_id(), "hash is stable");
        record.year = Some(2020);
        assert_ne!(hashed, record.derive_id(), "year is part of the hash");
    }

    #[test]
    fn citation_is_written_like_pubmed() {
        let record = Record {
            year: Some(2025),
            volume: Some("27".into()),
            issue: Some("9".into()),
            pages: Some("1128-1133".into()),
            ..Record::default()
        };
        assert_eq!(record.citation(), "2025;27(9):1128-1133");
    }

    #[test]
    fn group_words_are_whole_words_in_any_case() {
        for (name, group) in [
            ("Example Study Group", true),
            ("ALPHA CONSORTIUM", true),
            ("Team-Alpha", true),
            ("Straße Registry", true),
            ("Groupé Martin", false),
            ("Grouper Jones", false),
            ("Smith J", false),
            ("Éric Teamster", false),
            ("", false),
            ("Collaboratorsx Trial", false),
        ] {
            assert_eq!(names_a_group(name), group, "{name:?}");
        }
        for word in GROUP_WORDS {
            let title_case = format!("{}{}", word[..1].to_uppercase(), &word[1..]);
            assert!(names_a_group(&format!("The {title_case} of X")), "{word}");
            assert!(
                !names_a_group(&format!("The {title_case}x of X")),
                "{word}x"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn group_words_are_found_by_letter_and_length(word in "[a-zA-Z]{0,16}") {
            let lower = word.to_ascii_lowercase();
            proptest::prop_assert_eq!(
                is_group_word(word.as_bytes()),
                GROUP_WORDS.contains(&lower.as_str())
            );
        }
    }

    #[test]
    fn short_author_names_are_last_name_and_initials() {
        for (name, short) in [
            ("Casbon, James A", "Casbon JA"),
            ("James A Casbon", "Casbon JA"),
            ("Jean-Luc Picard", "Picard JL"),
            ("  Émile  Zola ", "Zola É"),
            ("Zoë ßtraße", "ßtraße Z"),
            ("Smith, émile", "Smith É"),
            ("Smith", "Smith"),
            ("Smith, ", "Smith"),
            ("Smith, 3", "Smith"),
        ] {
            assert_eq!(short_author_name(name), short, "{name:?}");
        }
        let mut reused = String::from("left over");
        write_short_author_name("Ann Lee", &mut reused);
        assert_eq!(reused, "Lee A");
    }
}
