//! Therapy extraction: finds the drugs, biologics, cell therapies, procedures and radiotherapy
//! a record names in its title, abstract, keywords and MeSH: at each word start, the longest
//! name that starts there and ends a word (see `therapy/names.rs`).
//!
//! The lexicon is a TSV file (`data/therapies.tsv`, built into the binary): one line per
//! therapy, `canonical<TAB>category<TAB>synonym|synonym|…`, `#` starts a comment. Matching is
//! ASCII case-insensitive, leftmost-longest (so `methylprednisolone` is not read as
//! `prednisolone`), and only on word boundaries: the characters around a match must not be
//! letters or digits. Every synonym maps to its canonical name, which is what facets show.

mod names;
mod words;

use std::sync::OnceLock;

use self::names::{starts_word, NameTable};

use crate::mesh::MeshVocabulary;
use crate::record::Record;

/// The lexicon shipped with medlit.
pub const BUILTIN_LEXICON: &str = include_str!("../data/therapies.tsv");

/// What kind of therapy an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Small-molecule drugs.
    Drug,
    /// Antibodies, immunoglobulins, hormones and other biologics.
    Biologic,
    /// Stem cell transplantation, CAR-T and other cell therapies.
    CellTherapy,
    /// Surgery and other procedures.
    Procedure,
    /// Radiotherapy in all its forms.
    Radiotherapy,
    /// Anything else (diet, devices, physical therapy).
    Other,
}

impl Category {
    fn parse(text: &str) -> Option<Category> {
        Some(match text.trim() {
            "drug" => Category::Drug,
            "biologic" => Category::Biologic,
            "cell therapy" => Category::CellTherapy,
            "procedure" => Category::Procedure,
            "radiotherapy" => Category::Radiotherapy,
            "other" => Category::Other,
            _ => return None,
        })
    }

    /// The category as written in the lexicon.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Drug => "drug",
            Category::Biologic => "biologic",
            Category::CellTherapy => "cell therapy",
            Category::Procedure => "procedure",
            Category::Radiotherapy => "radiotherapy",
            Category::Other => "other",
        }
    }
}

/// One therapy of the lexicon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Therapy {
    /// Canonical name, shown in facets.
    pub name: String,
    /// What kind of therapy it is.
    pub category: Category,
}

/// A problem in a lexicon file.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// A line is malformed.
    #[error("line {line}: {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// A compiled therapy lexicon.
#[derive(Debug)]
pub struct Lexicon {
    therapies: Vec<Therapy>,
    /// Every name and synonym, with the index of its therapy.
    names: NameTable,
}

impl Lexicon {
    /// The built-in lexicon, compiled once per process.
    pub fn builtin() -> &'static Lexicon {
        static BUILTIN: OnceLock<Lexicon> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Lexicon::parse(BUILTIN_LEXICON).expect("the built-in lexicon is checked by its tests")
        })
    }

    /// Parses and compiles a lexicon in the TSV layout described in the module docs.
    pub fn parse(tsv: &str) -> Result<Lexicon, LexiconError> {
        let mut therapies = Vec::new();
        let mut names: Vec<(String, u32)> = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for (index, line) in tsv.lines().enumerate() {
            let line_no = index + 1;
            let error = |reason: String| LexiconError::Line {
                line: line_no,
                reason,
            };
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut columns = line.split('\t');
            let name = columns.next().unwrap_or_default().trim();
            let category = columns.next().unwrap_or_default();
            let synonyms = columns.next().unwrap_or_default();
            if name.is_empty() {
                return Err(error("empty canonical name".into()));
            }
            let category = Category::parse(category)
                .ok_or_else(|| error(format!("unknown category {category:?}")))?;
            let therapy_index = therapies.len() as u32;
            let spellings = std::iter::once(name).chain(synonyms.split('|'));
            for pattern in spellings.map(str::trim).filter(|p| !p.is_empty()) {
                let key = pattern.to_ascii_lowercase();
                match seen.get(&key) {
                    Some(&other) if other == therapy_index => continue,
                    Some(&other) => {
                        let other: &Therapy = &therapies[other as usize];
                        return Err(error(format!(
                            "{pattern:?} is already a name of {:?}",
                            other.name
                        )));
                    }
                    None => {
                        seen.insert(key, therapy_index);
                    }
                }
                names.push((pattern.to_string(), therapy_index));
            }
            therapies.push(Therapy {
                name: name.to_string(),
                category,
            });
        }
        let names = NameTable::new(names.iter().map(|(name, t)| (name.as_str(), *t)));
        Ok(Lexicon { therapies, names })
    }

    /// All therapies of the lexicon.
    pub fn therapies(&self) -> &[Therapy] {
        &self.therapies
    }

    /// The therapy with this canonical name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Therapy> {
        self.therapies
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// Indexes (into [`Lexicon::therapies`]) of the therapies named in `text`, appended to
    /// `found` (unsorted, possibly repeated).
    ///
    /// A name counts where it starts a word and ends one: from left to right, at every word
    /// start (no letter or digit before it) the longest name that starts there and ends a
    /// word is taken, and the scan goes on after it. So `cyclosporine A` is not read in
    /// `cyclosporine assimilation` (`cyclosporine` is), nor `CHOP chemotherapy` inside
    /// `RCHOP chemotherapy` (`chemotherapy` is).
    fn scan(&self, text: &str, found: &mut Vec<u32>) {
        if self.names.starts_with_word_bytes() {
            self.scan_word_starts(text, found);
        } else {
            self.scan_every_position(text, found);
        }
    }

    /// [`Lexicon::scan`] for a lexicon whose names all start with an ASCII letter or digit
    /// (the built-in one): only ASCII word starts can start a name, and
    /// [`words::AsciiWordStarts`] finds them a block of bytes at a time.
    fn scan_word_starts(&self, text: &str, found: &mut Vec<u32>) {
        let bytes = text.as_bytes();
        // The end of the last name found: the next may not start inside it.
        let mut resume = 0;
        for (start, key) in words::AsciiWordStarts::new(bytes) {
            if start < resume || !self.names.may_have_key(key) {
                continue;
            }
            // After a non-ASCII byte the start is one only if that character is no letter.
            if start > 0 && !bytes[start - 1].is_ascii() && !starts_word(text, start) {
                continue;
            }
            if let Some((end, therapy)) = self.names.longest_with_key(text, start, key) {
                found.push(therapy);
                resume = end;
            }
        }
    }

    /// [`Lexicon::scan`] for any lexicon: visits every position that is not inside a word or
    /// a name already found.
    fn scan_every_position(&self, text: &str, found: &mut Vec<u32>) {
        let bytes = text.as_bytes();
        let mut at = 0;
        // Whether the character before `at` is a letter or digit.
        let mut after_word = false;
        while let Some(&byte) = bytes.get(at) {
            let may_start = !after_word && self.names.may_start_with(byte);
            // At a word, the end of the word (no name starts inside one, so the scan steps
            // over the rest of it) and the key of its start, folded on the way.
            let word = names::is_word_byte(byte).then(|| names::word_end_and_key(bytes, at));
            let longest = match word {
                Some((_, key)) => may_start.then(|| self.names.longest_with_key(text, at, key)),
                None => may_start.then(|| self.names.longest_at(text, at)),
            };
            match (longest.flatten(), word) {
                (Some((end, therapy)), _) => {
                    found.push(therapy);
                    after_word = !starts_word(text, end);
                    at = end;
                }
                (None, Some((word_end, _))) => {
                    after_word = true;
                    at = word_end;
                }
                (None, None) if byte.is_ascii() => {
                    after_word = false;
                    at += 1;
                }
                (None, None) => {
                    let next = text[at..].chars().next();
                    after_word = next.is_some_and(char::is_alphanumeric);
                    at += next.map_or(1, char::len_utf8);
                }
            }
        }
    }

    /// Canonical names of the therapies named in the given texts, sorted and unique.
    ///
    /// The texts are scanned as one, each followed by a line break: no name holds one (the
    /// lexicon is read by lines), so none is found across two texts, and one scan of a
    /// record's twenty-odd short texts (keywords, chemicals, descriptors) costs less than
    /// twenty scans, each setting up its word starts.
    pub fn find<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Vec<String> {
        let mut found = Vec::new();
        JOINED_TEXTS.with_borrow_mut(|joined| {
            joined.clear();
            for text in texts {
                joined.push_str(text);
                joined.push('\n');
            }
            self.scan(joined, &mut found);
            if joined.capacity() > KEPT_JOINED_BYTES {
                *joined = String::new();
            }
        });
        found.sort_unstable();
        found.dedup();
        let mut names: Vec<String> = found
            .into_iter()
            .map(|i| self.therapies[i as usize].name.clone())
            .collect();
        names.sort_unstable();
        names
    }

    /// The therapies named in a record's title, abstract, keywords, chemicals and MeSH
    /// descriptors.
    pub fn find_in_record(&self, record: &Record) -> Vec<String> {
        let texts = [record.title.as_str(), record.abstract_text.as_str()]
            .into_iter()
            .chain(record.keywords.iter().map(String::as_str))
            .chain(record.chemicals.iter().map(String::as_str))
            .chain(record.mesh.iter().map(|m| m.descriptor.as_str()));
        self.find(texts)
    }
}

/// [`JOINED_TEXTS`] is kept between calls up to this capacity.
const KEPT_JOINED_BYTES: usize = 1 << 20;

thread_local! {
    /// The texts of the last [`Lexicon::find`] on this thread, joined; reused.
    static JOINED_TEXTS: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Tree branches whose descriptors are therapies whenever a record is indexed with them:
/// Therapeutics (E02) and Surgical Procedures, Operative (E04).
pub const THERAPY_BRANCHES: [&str; 2] = ["E02", "E04"];
/// Drug branches of Chemicals and Drugs: pharmacologic classes by therapeutic use
/// (D27.505.954) and pharmaceutical preparations (D26).
pub const DRUG_BRANCHES: [&str; 2] = ["D27.505.954", "D26"];
/// Qualifiers that say a chemical heading (any D branch) was given as a treatment.
pub const DRUG_QUALIFIERS: [&str; 2] = ["therapeutic use", "administration & dosage"];

impl Lexicon {
    /// Every therapy of a record: lexicon matches in its text, and, with a vocabulary, the
    /// MeSH headings that are therapies (see [`mesh_therapies`]), each under one canonical
    /// name (the lexicon's when it knows the descriptor, else the lower-cased descriptor).
    pub fn therapies_of(
        &self,
        record: &Record,
        vocabulary: Option<&MeshVocabulary>,
    ) -> Vec<String> {
        let mut names = self.find_in_record(record);
        if let Some(vocabulary) = vocabulary {
            for descriptor in mesh_therapies(record, vocabulary) {
                let canonical = self
                    .find([descriptor.as_str()])
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| descriptor.to_lowercase());
                names.push(canonical);
            }
            names.sort_unstable();
            names.dedup();
        }
        names
    }
}

/// Preferred names of a record's MeSH headings that are therapies: descriptors under
/// [`THERAPY_BRANCHES`] or [`DRUG_BRANCHES`], and any Chemicals and Drugs (D) descriptor
/// qualified as given ([`DRUG_QUALIFIERS`], e.g. `Rituximab/therapeutic use`).
pub fn mesh_therapies(record: &Record, vocabulary: &MeshVocabulary) -> Vec<String> {
    let mut names = Vec::new();
    for heading in &record.mesh {
        let Some(descriptor) = vocabulary.resolve(heading) else {
            continue;
        };
        let given_as_drug = heading
            .qualifiers
            .iter()
            .any(|q| DRUG_QUALIFIERS.contains(&q.name.as_str()));
        let is_therapy = descriptor.tree_numbers().any(|tree| {
            let under = |branch: &str| tree == branch || tree.starts_with(&format!("{branch}."));
            THERAPY_BRANCHES.iter().any(|b| under(b))
                || DRUG_BRANCHES.iter().any(|b| under(b))
                || (given_as_drug && tree.starts_with('D'))
        });
        if is_therapy {
            names.push(descriptor.name.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::names::ends_word;
    use super::*;

    const SEED_ABSTRACT: &str = "This report describes two cases of severe immune-mediated thrombocytopenia after allogeneic hematopoietic stem cell transplantation (HSCT) who were treated with umbilical cord mesenchymal stem cells (UC-MSCs). Case 1 was a child with severe aplastic anemia who underwent haploidentical bone marrow and peripheral blood HSCT, with a chimerism rate of 99.8% on day +25 and severe immune-mediated thrombocytopenia on day +60. After intravenous immunoglobulin (IVIG) pulse therapy, platelet count increased temporarily but then decreased, while cyclosporine, methylprednisolone, and rituximab had a poor therapeutic effect. Case 2 was a child with Gaucher's disease who underwent unrelated umbilical cord blood HSCT, with a chimerism rate of 96.35% on day +41 and severe immune-mediated thrombocytopenia on day +153. After three sessions of IVIG pulse therapy, the platelet count increased initially but subsequently decreased. Therapies with dexamethasone, prednisone, cyclosporine, and recombinant human thrombopoietin also yielded a poor response. Both children received three sessions of UC-MSCs infusion, and platelet counts increased and were subsequently maintained within the normal range.";

    #[test]
    fn builtin_lexicon_is_large_and_valid() {
        let lexicon = Lexicon::parse(BUILTIN_LEXICON).expect("built-in lexicon parses");
        assert!(
            lexicon.therapies().len() >= 300,
            "{}",
            lexicon.therapies().len()
        );
        for category in [
            Category::Drug,
            Category::Biologic,
            Category::CellTherapy,
            Category::Procedure,
            Category::Radiotherapy,
        ] {
            assert!(
                lexicon.therapies().iter().any(|t| t.category == category),
                "{category:?}"
            );
        }
    }

    #[test]
    fn seed_abstract_yields_its_therapies() {
        let found = Lexicon::builtin().find([SEED_ABSTRACT]);
        for expected in [
            "intravenous immunoglobulin",
            "cyclosporine",
            "methylprednisolone",
            "rituximab",
            "dexamethasone",
            "prednisone",
            "recombinant human thrombopoietin",
            "mesenchymal stem cell transplantation",
            "hematopoietic stem cell transplantation",
        ] {
            assert!(
                found.iter().any(|f| f == expected),
                "{expected} missing from {found:?}"
            );
        }
        assert!(!found.iter().any(|f| f == "prednisolone"), "{found:?}");
    }

    #[test]
    fn matches_need_word_boundaries() {
        let lexicon = Lexicon::parse("rituximab\tbiologic\tRTX|anti-CD20\n").expect("parses");
        assert_eq!(lexicon.find(["RTX and Rituximab."]), ["rituximab"]);
        assert!(lexicon.find(["RTXs rituximabs xrituximab"]).is_empty());
        assert_eq!(lexicon.find(["(anti-CD20)"]), ["rituximab"]);
    }

    #[test]
    fn a_name_inside_a_word_neither_matches_nor_hides_the_next_one() {
        let lexicon = Lexicon::parse(
            "CHOP\tdrug\tCHOP chemotherapy\nchemotherapy\tdrug\t\nelectroconvulsive therapy\tprocedure\tECT\n",
        )
        .expect("parses");
        assert_eq!(lexicon.find(["RCHOP chemotherapy"]), ["chemotherapy"]);
        assert_eq!(lexicon.find(["CHOP chemotherapy"]), ["CHOP"]);
        assert!(lexicon.find(["direct effects", "sections"]).is_empty());
        assert_eq!(
            lexicon.find(["after ECT, chemotherapy", "äCHOP chemotherapy"]),
            ["chemotherapy", "electroconvulsive therapy"]
        );
    }

    #[test]
    fn no_name_is_found_across_two_texts() {
        let lexicon = Lexicon::parse(
            "hematopoietic stem cell transplantation\tcell therapy\tHSCT\nanti-CD20\tbiologic\t\n",
        )
        .expect("parses");
        assert!(lexicon
            .find(["hematopoietic stem cell", "transplantation"])
            .is_empty());
        assert!(lexicon.find(["anti", "CD20"]).is_empty());
        assert_eq!(
            lexicon.find(["after", "HSCT", "", "anti-CD20"]),
            ["anti-CD20", "hematopoietic stem cell transplantation"]
        );
    }

    #[test]
    fn the_longest_name_that_ends_a_word_wins() {
        let lexicon =
            Lexicon::parse("cyclosporine\tdrug\tcyclosporine A\nA\tdrug\t\n").expect("parses");
        assert_eq!(
            lexicon.find(["cyclosporine assimilation"]),
            ["cyclosporine"]
        );
        assert_eq!(lexicon.find(["cyclosporine A."]), ["cyclosporine"]);
        assert_eq!(lexicon.find(["cyclosporinea A"]), ["A"]);
    }

    #[test]
    fn longest_synonym_wins() {
        let lexicon = Lexicon::parse(
            "stem cell transplantation\tcell therapy\t\nhematopoietic stem cell transplantation\tcell therapy\tHSCT\n",
        )
        .expect("parses");
        assert_eq!(
            lexicon.find(["after hematopoietic stem cell transplantation"]),
            ["hematopoietic stem cell transplantation"]
        );
    }

    #[test]
    fn mesh_headings_that_are_therapies_join_the_lexicon_matches() {
        use crate::mesh::Descriptor;
        let descriptor = |ui: &str, name: &str, tree: &str| Descriptor {
            ui: ui.into(),
            name: name.into(),
            tree_numbers: vec![tree.into()],
            entry_terms: Vec::new(),
        };
        let vocabulary = MeshVocabulary::build(
            vec![
                descriptor("D1", "Splenectomy", "E04.579.850"),
                descriptor("D2", "Rituximab", "D12.776.124.486.485.114.224.060.500"),
                descriptor("D3", "Interleukin-6", "D12.644.276.374.465"),
                descriptor("D4", "Plasmapheresis", "E02.095.147.500.500"),
                descriptor("D5", "Thrombocytopenia", "C15.378.140.855"),
            ],
            &[],
        )
        .expect("builds");
        let record = Record {
            title: "A case".into(),
            mesh: [
                "Splenectomy",
                "Rituximab/therapeutic use",
                "Interleukin-6/blood",
                "Plasmapheresis",
                "Thrombocytopenia/therapy",
            ]
            .iter()
            .filter_map(|h| crate::record::MeshHeading::parse(h))
            .collect(),
            ..Record::default()
        };
        assert_eq!(
            mesh_therapies(&record, &vocabulary),
            ["Splenectomy", "Rituximab", "Plasmapheresis"]
        );
        let lexicon = Lexicon::parse(
            "plasma exchange\tprocedure\tplasmapheresis\nsplenectomy\tprocedure\t\n",
        )
        .expect("parses");
        // Lexicon names win; a descriptor the lexicon lacks is kept in lower case.
        assert_eq!(
            lexicon.therapies_of(&record, Some(&vocabulary)),
            ["plasma exchange", "rituximab", "splenectomy"]
        );
        assert_eq!(
            lexicon.therapies_of(&record, None),
            ["plasma exchange", "splenectomy"]
        );
    }

    /// The rule of [`Lexicon::scan`] by brute force: at each word start, from left to right,
    /// the longest name (ASCII case-insensitive) that starts there and ends a word.
    fn reference_scan(names: &[(String, u32)], text: &str) -> Vec<u32> {
        let mut found = Vec::new();
        let mut at = 0;
        while at < text.len() {
            if starts_word(text, at) {
                let rest = &text.as_bytes()[at..];
                let longest = names
                    .iter()
                    .filter(|(name, _)| {
                        rest.get(..name.len())
                            .is_some_and(|head| head.eq_ignore_ascii_case(name.as_bytes()))
                            && ends_word(text, at + name.len())
                    })
                    .max_by_key(|(name, _)| name.len());
                if let Some((name, therapy)) = longest {
                    found.push(*therapy);
                    at += name.len();
                    continue;
                }
            }
            at += text[at..].chars().next().map_or(1, char::len_utf8);
        }
        found
    }

    /// Every name of a lexicon file with the index of its therapy, as `Lexicon::parse`
    /// numbers them.
    fn names_of(tsv: &str) -> Vec<(String, u32)> {
        let lines = tsv
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
        let mut names: Vec<(String, u32)> = Vec::new();
        for (therapy, line) in lines.enumerate() {
            let mut columns = line.split('\t');
            let canonical = columns.next().unwrap_or_default();
            let synonyms = columns.nth(1).unwrap_or_default().split('|');
            for name in std::iter::once(canonical).chain(synonyms).map(str::trim) {
                if !name.is_empty() && !names.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                    names.push((name.to_string(), therapy as u32));
                }
            }
        }
        names
    }

    fn scanned(lexicon: &Lexicon, text: &str) -> Vec<u32> {
        let mut found = Vec::new();
        lexicon.scan(text, &mut found);
        found
    }

    /// Words that start, end, contain or nearly are names of the built-in lexicon.
    const NEAR_NAMES: &[&str] = &[
        "the",
        "inter",
        "interferon",
        "interferon alfa",
        "interferons",
        "cyclosporine",
        "cyclosporine A",
        "A",
        "RCHOP",
        "CHOP",
        "chemotherapy",
        "ECT",
        "direct",
        "MTX",
        "MTX-",
        "stem cell",
        "stem cell transplantation",
        "hematopoietic",
        "IVIG",
        "5-FU",
        "anti-CD20",
        "é",
        "Ärzte",
        "\u{a0}",
        "ß",
        "x",
        "1",
        "-",
        "(",
        ")",
        ",",
        " ",
    ];

    /// A lexicon file with one drug per name, trimmed; empty names and names already taken
    /// (ASCII case aside) left out.
    fn lexicon_of(raw_names: &[String]) -> String {
        let mut tsv = String::new();
        for name in raw_names.iter().map(|name| name.trim()) {
            let taken = tsv.lines().any(|line| {
                line.split('\t')
                    .next()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            });
            if !name.is_empty() && !taken {
                tsv.push_str(&format!("{name}\tdrug\t\n"));
            }
        }
        tsv
    }

    proptest::proptest! {
        #[test]
        fn scan_takes_the_longest_name_at_each_word_start(
            raw_names in proptest::collection::vec("[abAB1é.\\- ]{1,6}", 1..8),
            text in "[abAB1é.\\- ]{0,40}",
        ) {
            let tsv = lexicon_of(&raw_names);
            proptest::prop_assume!(!tsv.is_empty());
            let lexicon = Lexicon::parse(&tsv).expect("parses");
            proptest::prop_assert_eq!(scanned(&lexicon, &text), reference_scan(&names_of(&tsv), &text));
        }

        #[test]
        fn word_start_scan_follows_the_rule_over_long_texts(
            raw_names in proptest::collection::vec("[abAB1][abAB1é.\\- ]{0,5}", 1..8),
            text in "[abAB1é.\\- ]{0,200}",
        ) {
            let tsv = lexicon_of(&raw_names);
            let lexicon = Lexicon::parse(&tsv).expect("parses");
            proptest::prop_assert!(lexicon.names.starts_with_word_bytes());
            proptest::prop_assert_eq!(scanned(&lexicon, &text), reference_scan(&names_of(&tsv), &text));
            let mut every_position = Vec::new();
            lexicon.scan_every_position(&text, &mut every_position);
            proptest::prop_assert_eq!(scanned(&lexicon, &text), every_position);
        }

        #[test]
        fn scan_with_the_builtin_lexicon_follows_the_rule(
            words in proptest::collection::vec(proptest::sample::select(NEAR_NAMES), 0..24),
        ) {
            let text = words.concat();
            let names = names_of(BUILTIN_LEXICON);
            proptest::prop_assert_eq!(scanned(Lexicon::builtin(), &text), reference_scan(&names, &text));
        }
    }

    #[test]
    fn every_builtin_name_is_found_in_any_case() {
        let lexicon = Lexicon::builtin();
        for (name, therapy) in names_of(BUILTIN_LEXICON) {
            for text in [name.clone(), format!("{name}."), name.to_ascii_uppercase()] {
                assert_eq!(scanned(lexicon, &text), [therapy], "{text:?}");
            }
        }
    }

    #[test]
    fn bad_lexicon_lines_are_reported_with_line_numbers() {
        let error = Lexicon::parse("# header\nfoo\tpotion\t\n").expect_err("bad category");
        assert_eq!(error.to_string(), "line 2: unknown category \"potion\"");
        let error = Lexicon::parse("a\tdrug\tx\nb\tdrug\tX\n").expect_err("duplicate");
        assert!(error.to_string().starts_with("line 2:"), "{error}");
    }
}
