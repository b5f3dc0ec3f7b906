//! Property tests for every parser: no input makes one panic, damage to a file costs only the
//! records at and after the damage, and what the exporters write reads back as the same
//! record, as does what the index stores.
//!
//! The case counts are modest so the suite stays fast in debug builds; a longer hunt is
//! `PROPTEST_CASES=5000 cargo test --release --test properties`. Failures are not persisted
//! to a regressions file: a failing case is printed, and a crash worth keeping becomes an
//! explicit test at the end of this file. The fuzz targets in `fuzz/` cover the same parsers
//! with coverage guidance.

use std::collections::BTreeSet;

use medlit::export::{ExportFormat, Exporter};
use medlit::formats::{Format, Parsed};
use medlit::record::{stored, Author, MeshHeading, MeshQualifier, Record};
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::{select, Index};

const PUBMED_XML: &[u8] = include_bytes!("fixtures/pubmed_xml/set.xml");
const MEDLINE: &[u8] = include_bytes!("fixtures/medline/sample.nbib");
const ABSTRACT_SINGLE: &[u8] = include_bytes!("fixtures/abstract_page/single.txt");
const ABSTRACT_MULTI: &[u8] = include_bytes!("fixtures/abstract_page/multi.txt");
const CORPUS_GENERAL: &[u8] = include_bytes!("fixtures/corpus/general.txt");
const CORPUS_HEMATOLOGY: &[u8] = include_bytes!("fixtures/corpus/hematology.txt");
const CORPUS_ONCOLOGY: &[u8] = include_bytes!("fixtures/corpus/oncology.txt");
const JSONL: &[u8] = include_bytes!("fixtures/eval_e2e/corpus.jsonl");
const MESH_FILES: [&[u8]; 4] = [
    include_bytes!("fixtures/mesh/descriptors_small.tsv"),
    include_bytes!("fixtures/mesh/corpus_vocab.tsv"),
    include_bytes!("fixtures/mesh/d_small.bin"),
    include_bytes!("fixtures/mesh/desc_small.xml"),
];

const ALL_FORMATS: [Format; 5] = [
    Format::PubmedXml,
    Format::Medline,
    Format::Jsonl,
    Format::AbstractPage,
    Format::IdText,
];

/// `cases` unless `PROPTEST_CASES` says otherwise; no regression files are written.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Parses `bytes`, consuming every item, and counts the items that parsed.
fn count_ok(format: Format, bytes: &[u8]) -> usize {
    format.parse(bytes).filter(Result::is_ok).count()
}

/// Parses `text`, expecting only records.
fn parse_records(format: Format, text: &[u8]) -> Vec<Record> {
    format
        .parse(text)
        .map(|item| match item {
            Ok(Parsed::Record(record)) => *record,
            Ok(Parsed::Delete(pmids)) => panic!("unexpected delete of {pmids:?}"),
            Err(err) => panic!("{err}\n--- input ---\n{}", String::from_utf8_lossy(text)),
        })
        .collect()
}

fn export(format: ExportFormat, records: &[Record]) -> Vec<u8> {
    let mut exporter = Exporter::new(format, Vec::new());
    for record in records {
        exporter.write(record).expect("writing to a Vec");
    }
    exporter.finish().expect("writing to a Vec")
}

// ---------------------------------------------------------------------------------------
// Damaged input
// ---------------------------------------------------------------------------------------

/// Pieces of every format's structure, inserted to make damage that parsers notice.
const FRAGMENTS: &[&str] = &[
    "\n",
    "\n\n",
    "\r\n",
    "\u{feff}",
    "\u{0}",
    "\u{fffd}",
    "<PubmedArticle>",
    "</PubmedArticle>",
    "<MedlineCitation>",
    "<DeleteCitation><PMID>1</PMID>",
    "<AbstractText Label=\"X\">",
    "<sup>",
    "&amp;",
    "&#0;",
    "&foo;",
    "<![CDATA[",
    "<!DOCTYPE x [<!ENTITY a \"b\">]>",
    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
    "PMID- ",
    "PMID- 1\n",
    "TI  - ",
    "AD  - x\n",
    "      continued\n",
    "MH  - */*/",
    "- Author:\n",
    "- MeSH:\n",
    "- From:\n",
    "Author Information\n",
    "1. ",
    "10.5555/x\n",
    "2020;1(2):3-4\n",
    "Abstract:\n",
    "{\"title\":\"t\"}\n",
    "{",
    "\t",
];

/// One way of damaging a file.
#[derive(Debug, Clone)]
enum Damage {
    /// Cut the file at an offset.
    Truncate(Index),
    /// XOR bytes with non-zero masks.
    Flip(Vec<(Index, u8)>),
    /// Insert bytes at an offset.
    Insert(Index, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    let inserted = prop_oneof![
        vec(any::<u8>(), 1..32),
        select(FRAGMENTS).prop_map(|fragment| fragment.as_bytes().to_vec()),
    ];
    prop_oneof![
        any::<Index>().prop_map(Damage::Truncate),
        vec((any::<Index>(), 1..=255u8), 1..8).prop_map(Damage::Flip),
        (any::<Index>(), inserted).prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
    ]
}

impl Damage {
    /// The damaged copy of `input`, and the offset of its first damaged byte (`None` when a
    /// cut at the very end left it whole).
    fn apply(&self, input: &[u8]) -> (Vec<u8>, Option<usize>) {
        let mut output = input.to_vec();
        match self {
            Damage::Truncate(at) => {
                let at = at.index(input.len() + 1);
                output.truncate(at);
                (output, (at < input.len()).then_some(at))
            }
            Damage::Flip(flips) => {
                let mut first = input.len();
                for (at, mask) in flips {
                    let at = at.index(input.len());
                    output[at] ^= mask;
                    first = first.min(at);
                }
                (output, Some(first))
            }
            Damage::Insert(at, bytes) => {
                let at = at.index(input.len() + 1);
                output.splice(at..at, bytes.iter().copied());
                (output, Some(at))
            }
        }
    }
}

/// The end of a last record that text appended to the file would still belong to.
const OPEN: usize = usize::MAX;

/// Byte offsets after which each PubMed XML item (record or deletion) is complete.
fn pubmed_xml_ends(input: &[u8]) -> Vec<usize> {
    let text = std::str::from_utf8(input).expect("fixture is UTF-8");
    let mut ends: Vec<usize> = [
        "</PubmedArticle>",
        "</PubmedBookArticle>",
        "</DeleteCitation>",
    ]
    .iter()
    .flat_map(|tag| text.match_indices(tag).map(|(at, tag)| at + tag.len()))
    .collect();
    ends.sort_unstable();
    ends
}

/// A MEDLINE record is finished by the blank line before the next `PMID- ` line; the last
/// one only by a blank line of its own.
fn medline_ends(input: &[u8]) -> Vec<usize> {
    let text = std::str::from_utf8(input).expect("fixture is UTF-8");
    let mut ends: Vec<usize> = text
        .match_indices("\nPMID- ")
        .map(|(at, _)| at + 1)
        .skip_while(|&at| text[..at].trim().is_empty())
        .collect();
    ends.push(if input.ends_with(b"\n\n") {
        input.len()
    } else {
        OPEN
    });
    ends
}

/// A JSON Lines record is finished by its newline.
fn jsonl_ends(input: &[u8]) -> Vec<usize> {
    let mut ends: Vec<usize> = input
        .iter()
        .enumerate()
        .filter(|&(_, &byte)| byte == b'\n')
        .map(|(at, _)| at + 1)
        .collect();
    if input.last() != Some(&b'\n') {
        ends.push(OPEN);
    }
    ends
}

/// An abstract-page record is only known to be finished once the next record's title line
/// and the DOI or `- Author:` line after it have been read: an error in that title line
/// still belongs to the record before it. The last record takes any text appended to it.
fn abstract_page_ends(input: &[u8]) -> Vec<usize> {
    let text = std::str::from_utf8(input).expect("fixture is UTF-8");
    let mut lines = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        lines.push((line.trim(), start + line.len()));
        start += line.len();
    }
    let is_doi = |line: &str| {
        line.starts_with("10.") || line.starts_with("doi:") || line.starts_with("https://doi.org/")
    };
    let mut ends = Vec::new();
    for (index, &(line, _)) in lines.iter().enumerate() {
        if line.is_empty() || line.starts_with('-') || is_doi(line) {
            continue;
        }
        let next = lines[index + 1..].iter().find(|(next, _)| !next.is_empty());
        if let Some(&(next, next_end)) = next {
            if is_doi(next) || next == "- Author:" {
                ends.push(next_end);
            }
        }
    }
    // Each title closes the record before it; the first title closes nothing.
    ends.remove(0);
    ends.push(OPEN);
    ends
}

/// The fixtures with the ends of their records.
fn damaged_fixtures() -> Vec<(&'static str, Format, &'static [u8], Vec<usize>)> {
    let abstract_pages = [
        ("abstract_page/single.txt", ABSTRACT_SINGLE),
        ("abstract_page/multi.txt", ABSTRACT_MULTI),
        ("corpus/general.txt", CORPUS_GENERAL),
        ("corpus/hematology.txt", CORPUS_HEMATOLOGY),
        ("corpus/oncology.txt", CORPUS_ONCOLOGY),
    ];
    let mut fixtures = vec![
        (
            "pubmed_xml/set.xml",
            Format::PubmedXml,
            PUBMED_XML,
            pubmed_xml_ends(PUBMED_XML),
        ),
        (
            "medline/sample.nbib",
            Format::Medline,
            MEDLINE,
            medline_ends(MEDLINE),
        ),
        (
            "eval_e2e/corpus.jsonl",
            Format::Jsonl,
            JSONL,
            jsonl_ends(JSONL),
        ),
    ];
    for (name, bytes) in abstract_pages {
        fixtures.push((name, Format::AbstractPage, bytes, abstract_page_ends(bytes)));
    }
    fixtures
}

#[test]
fn fixtures_parse_to_as_many_items_as_their_record_ends() {
    for (name, format, bytes, ends) in damaged_fixtures() {
        let items: Vec<_> = format.parse(bytes).collect();
        assert!(items.iter().all(Result::is_ok), "{name}: {items:?}");
        assert_eq!(items.len(), ends.len(), "{name}: {ends:?}");
    }
}

/// Lines of every fixture, for inputs that mix formats.
fn fixture_lines() -> Vec<&'static [u8]> {
    [
        PUBMED_XML,
        MEDLINE,
        ABSTRACT_MULTI,
        CORPUS_HEMATOLOGY,
        JSONL,
        MESH_FILES[0],
        MESH_FILES[2],
        MESH_FILES[3],
    ]
    .iter()
    .flat_map(|bytes| bytes.split_inclusive(|&b| b == b'\n'))
    .collect()
}

/// Inputs stitched together from fixture lines of any format, with some random bytes.
fn line_soup() -> impl Strategy<Value = Vec<u8>> {
    let lines = fixture_lines();
    let piece = prop_oneof![
        4 => select(lines).prop_map(<[u8]>::to_vec),
        1 => vec(any::<u8>(), 0..16),
    ];
    vec(piece, 0..48).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..4096)) {
        for format in ALL_FORMATS {
            count_ok(format, &bytes);
        }
    }

    #[test]
    fn parsers_never_panic_on_mixed_fixture_lines(bytes in line_soup()) {
        for format in ALL_FORMATS {
            count_ok(format, &bytes);
        }
        let _ = medlit::mesh::read::read(bytes.as_slice());
    }

    #[test]
    fn damage_keeps_the_records_before_it(
        fixture in any::<Index>(),
        damage in damage(),
    ) {
        let fixtures = damaged_fixtures();
        let (name, format, input, ends) = &fixtures[fixture.index(fixtures.len())];
        let (damaged, first_damaged) = damage.apply(input);
        let complete = match first_damaged {
            Some(first) => ends.iter().filter(|&&end| end <= first).count(),
            None => ends.len(),
        };
        let ok = count_ok(*format, &damaged);
        prop_assert!(
            ok >= complete,
            "{name} with {damage:?} (first damaged byte {first_damaged:?}): {ok} items parsed, \
             but {complete} records end before the damage\n--- input ---\n{}",
            String::from_utf8_lossy(&damaged)
        );
    }

    #[test]
    fn damaged_input_never_panics_any_parser(
        fixture in any::<Index>(),
        damage in damage(),
    ) {
        let fixtures = damaged_fixtures();
        let (_, _, input, _) = &fixtures[fixture.index(fixtures.len())];
        let (damaged, _) = damage.apply(input);
        for format in ALL_FORMATS {
            count_ok(format, &damaged);
        }
    }

    #[test]
    fn mesh_reader_never_panics(
        bytes in vec(any::<u8>(), 0..4096),
        fixture in select(&MESH_FILES[..]),
        damage in damage(),
    ) {
        let _ = medlit::mesh::read::read(bytes.as_slice());
        let (damaged, _) = damage.apply(fixture);
        let _ = medlit::mesh::read::read(damaged.as_slice());
    }
}

// ---------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------

/// The pieces of the query language.
const QUERY_TOKENS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "TO",
    "(",
    ")",
    "\"",
    "[",
    "]",
    ":",
    "*",
    "-",
    "+",
    "[mh]",
    "[mh:noexp]",
    "[majr]",
    "[majr:noexp]",
    "[sh]",
    "[ti]",
    "[ab]",
    "[tiab]",
    "[tw]",
    "[all]",
    "[au]",
    "[pt]",
    "[la]",
    "[ta]",
    "[journal]",
    "[dp]",
    "[pmid]",
    "[doi]",
    "[xx]",
    "title:",
    "abstract:",
    "keywords:",
    "mesh:",
    "author:",
    "affiliation:",
    "journal:",
    "year:",
    "id:",
    "doi:",
    "pmid:",
    "nofield:",
    "2015:2025[dp]",
    "year:[2015 TO 2020]",
    "[2015 TO",
    "thromb*",
    "*",
    "-covid",
    "\"immune thrombocytopenia\"",
    "Smith J[au]",
    "IL-6",
    "CD34+",
    "10.5555/x",
    "é",
    "\u{fffd}",
    "\u{0}",
    "\t",
    "\n",
];

fn grammar_query() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        3 => select(QUERY_TOKENS).prop_map(str::to_string),
        1 => "[a-zA-Z0-9]{1,8}",
        1 => "\\PC{1,4}",
    ];
    vec((token, select(&["", " ", " ", "  "][..])), 0..40).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(token, separator)| token + separator)
            .collect()
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn query_parser_never_panics_on_arbitrary_strings(query in any::<String>()) {
        let _ = medlit::query::parser::parse(&query, false);
        let _ = medlit::query::parser::parse(&query, true);
    }

    #[test]
    fn query_parser_never_panics_on_query_like_strings(query in grammar_query()) {
        let _ = medlit::query::parser::parse(&query, false);
        let _ = medlit::query::parser::parse(&query, true);
    }

    #[test]
    fn query_parser_refuses_deep_nesting_without_panicking(
        depth in 0usize..100,
        word in "[a-z]{1,6}",
        closed in any::<bool>(),
    ) {
        let closing = if closed { ")".repeat(depth) } else { String::new() };
        let query = format!("{}{word}{closing}", "(".repeat(depth));
        let parsed = medlit::query::parser::parse(&query, false);
        if depth > 32 {
            prop_assert!(parsed.is_err(), "{query}: {parsed:?}");
        }
    }
}

#[test]
fn query_parser_limits_do_not_panic() {
    let many_terms = vec!["a"; 2000].join(" ");
    let long = "x".repeat(20_000);
    let many_tags = vec!["a[mh]"; 2000].join(" OR ");
    for query in [many_terms, long, many_tags] {
        assert!(medlit::query::parser::parse(&query, false).is_err());
    }
}

// ---------------------------------------------------------------------------------------
// Round trips through the exporters
// ---------------------------------------------------------------------------------------

/// A word: no whitespace (any Unicode whitespace) and no control or unassigned character.
const WORD: &str = "[^\\s\\p{C}]{1,8}";

/// Words joined by single spaces: the text every format carries unchanged.
fn text(words: &'static str, max_words: usize) -> impl Strategy<Value = String> {
    vec(words, 1..=max_words).prop_map(|words| words.join(" "))
}

/// Names of people (no comma, so PubMed XML writes `ForeName LastName`) and of groups.
fn author_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text("[^\\s\\p{C},]{1,8}", 3),
        1 => select(&["Example Study Group", "Plato", "Ana María GARCÍA"][..])
            .prop_map(str::to_string),
    ]
}

/// Languages whose names survive `language_code` and `language_name` (a code such as `eng`
/// comes back as `English`).
const LANGUAGE_NAMES: &[&str] = &["English", "Chinese", "French", "German", "Esperanto"];

/// Abstract paragraphs, some with a structured-abstract label.
fn paragraph() -> impl Strategy<Value = String> {
    let label = prop::option::of(select(
        &["BACKGROUND", "CASE PRESENTATION", "CONCLUSIONS"][..],
    ));
    (label, text(WORD, 20)).prop_map(|(label, body)| match label {
        Some(label) => format!("{label}: {body}"),
        None => body,
    })
}

/// A MeSH heading; names hold no `/` or `*`, which mark qualifiers and major topics.
fn heading(with_ui: bool) -> impl Strategy<Value = MeshHeading> {
    const PART: &str = "[^\\s\\p{C}/*]{1,8}";
    let ui = if with_ui {
        prop::option::of("D[0-9]{6}").boxed()
    } else {
        Just(None).boxed()
    };
    (
        text(PART, 3),
        ui,
        any::<bool>(),
        vec((text(PART, 2), any::<bool>()), 0..3),
    )
        .prop_map(|(descriptor, ui, major, qualifiers)| MeshHeading {
            descriptor,
            ui,
            major,
            qualifiers: qualifiers
                .into_iter()
                .map(|(name, major)| MeshQualifier { name, major })
                .collect(),
        })
}

/// Authors and affiliations in the form readers give back: affiliations distinct, numbered
/// in order of first use, each referred to by some author, no author listing one twice.
fn authors() -> impl Strategy<Value = (Vec<Author>, Vec<String>)> {
    (
        btree_set(text(WORD, 6), 0..4),
        vec((author_name(), vec(any::<Index>(), 0..3)), 0..4),
    )
        .prop_map(|(pool, picks): (BTreeSet<String>, _)| {
            let pool: Vec<String> = pool.into_iter().collect();
            let mut affiliations: Vec<String> = Vec::new();
            let authors = picks
                .into_iter()
                .map(|(name, picks)| {
                    let mut positions = Vec::new();
                    for pick in picks.iter().filter(|_| !pool.is_empty()) {
                        let text = &pool[pick.index(pool.len())];
                        let index = match affiliations.iter().position(|a| a == text) {
                            Some(index) => index,
                            None => {
                                affiliations.push(text.clone());
                                affiliations.len() - 1
                            }
                        };
                        let position = u32::try_from(index + 1).expect("few affiliations");
                        if !positions.contains(&position) {
                            positions.push(position);
                        }
                    }
                    Author {
                        name,
                        affiliations: positions,
                    }
                })
                .collect();
            (authors, affiliations)
        })
}

/// A record that MEDLINE and PubMed XML carry without loss: single-spaced text, ids in
/// their usual shapes, a derived `id`, no `therapies`, chemicals distinct ignoring case,
/// `journal_iso` only with a journal. `paragraphs` is the most abstract paragraphs (MEDLINE
/// joins them into one); `with_ui` allows MeSH unique identifiers (MEDLINE drops them).
fn portable_record(paragraphs: usize, with_ui: bool) -> impl Strategy<Value = Record> {
    let ids = (
        prop::option::of("[1-9][0-9]{0,8}"),
        prop::option::of("10\\.[0-9]{4}/[a-zA-Z0-9.()_-]{1,16}"),
        prop::option::of("PMC[0-9]{1,8}"),
    );
    let lists = (
        vec(text(WORD, 3), 0..3),
        vec(text(WORD, 3), 0..4),
        vec(heading(with_ui), 0..4),
        vec(text(WORD, 3), 0..3),
    );
    let source = (
        prop::option::of(text(WORD, 6)),
        prop::option::of(text(WORD, 3)),
        prop::option::of(1000u16..=2999),
        prop::option::of(text(WORD, 1)),
        prop::option::of(text(WORD, 1)),
        prop::option::of(text(WORD, 2)),
        prop::option::of(text(WORD, 2)),
        prop::option::of(select(LANGUAGE_NAMES).prop_map(str::to_string)),
    );
    (
        ids,
        text(WORD, 12),
        vec(paragraph(), 0..=paragraphs),
        authors(),
        lists,
        source,
    )
        .prop_map(
            |(
                (pmid, doi, pmc),
                title,
                abstract_paragraphs,
                (authors, affiliations),
                (publication_types, keywords, mesh, chemicals),
                (journal, journal_iso, year, volume, issue, pages, country, language),
            )| {
                let mut distinct_chemicals: Vec<String> = Vec::new();
                for chemical in chemicals {
                    if !distinct_chemicals
                        .iter()
                        .any(|known| known.eq_ignore_ascii_case(&chemical))
                    {
                        distinct_chemicals.push(chemical);
                    }
                }
                let journal_iso = journal_iso.filter(|_| journal.is_some());
                let mut record = Record {
                    id: String::new(),
                    title,
                    doi,
                    pmid,
                    pmc,
                    authors,
                    affiliations,
                    publication_types,
                    keywords,
                    mesh,
                    journal,
                    journal_iso,
                    year,
                    volume,
                    issue,
                    pages,
                    country,
                    language,
                    abstract_text: abstract_paragraphs.join("\n"),
                    chemicals: distinct_chemicals,
                    therapies: Vec::new(),
                };
                record.ensure_id();
                record
            },
        )
}

/// Any string at all: JSON Lines carries every one.
fn any_text() -> impl Strategy<Value = String> {
    any::<String>()
}

/// A record with arbitrary strings everywhere; only the title must not be blank, since a
/// record needs a title or an abstract.
fn any_record() -> impl Strategy<Value = Record> {
    let ids = (
        prop_oneof![Just(String::new()), any_text()],
        prop::option::of(any_text()),
        prop::option::of(any_text()),
        prop::option::of(any_text()),
    );
    let people = (
        vec((any_text(), vec(any::<u32>(), 0..3)), 0..3),
        vec(any_text(), 0..3),
    );
    let qualifier =
        (any_text(), any::<bool>()).prop_map(|(name, major)| MeshQualifier { name, major });
    let heading = (
        any_text(),
        prop::option::of(any_text()),
        any::<bool>(),
        vec(qualifier, 0..3),
    )
        .prop_map(|(descriptor, ui, major, qualifiers)| MeshHeading {
            descriptor,
            ui,
            major,
            qualifiers,
        });
    let lists = (
        vec(any_text(), 0..3),
        vec(any_text(), 0..3),
        vec(heading, 0..3),
        vec(any_text(), 0..3),
        vec(any_text(), 0..3),
    );
    let source = (
        prop::option::of(any_text()),
        prop::option::of(any_text()),
        prop::option::of(any::<u16>()),
        prop::option::of(any_text()),
        prop::option::of(any_text()),
        prop::option::of(any_text()),
        prop::option::of(any_text()),
        prop::option::of(any_text()),
    );
    (
        ids,
        ("\\S", any_text()).prop_map(|(first, rest)| first + &rest),
        any_text(),
        people,
        lists,
        source,
    )
        .prop_map(
            |(
                (id, doi, pmid, pmc),
                title,
                abstract_text,
                (authors, affiliations),
                (publication_types, keywords, mesh, chemicals, therapies),
                (journal, journal_iso, year, volume, issue, pages, country, language),
            )| {
                let mut record = Record {
                    id,
                    title,
                    doi,
                    pmid,
                    pmc,
                    authors: authors
                        .into_iter()
                        .map(|(name, affiliations)| Author { name, affiliations })
                        .collect(),
                    affiliations,
                    publication_types,
                    keywords,
                    mesh,
                    journal,
                    journal_iso,
                    year,
                    volume,
                    issue,
                    pages,
                    country,
                    language,
                    abstract_text,
                    chemicals,
                    therapies,
                };
                // What the reader does to a record without an id.
                record.ensure_id();
                record
            },
        )
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn jsonl_round_trips_any_record(records in vec(any_record(), 1..4)) {
        let output = export(ExportFormat::Jsonl, &records);
        prop_assert_eq!(parse_records(Format::Jsonl, &output), records);
    }

    #[test]
    fn jsonl_round_trips_portable_records(records in vec(portable_record(4, true), 1..4)) {
        let output = export(ExportFormat::Jsonl, &records);
        prop_assert_eq!(parse_records(Format::Jsonl, &output), records);
    }

    #[test]
    fn medline_round_trips_portable_records(records in vec(portable_record(1, false), 1..4)) {
        let output = export(ExportFormat::Medline, &records);
        prop_assert_eq!(
            parse_records(Format::Medline, &output),
            records,
            "--- MEDLINE ---\n{}",
            String::from_utf8_lossy(&output)
        );
    }

    #[test]
    fn pubmed_xml_round_trips_portable_records(records in vec(portable_record(4, true), 1..4)) {
        let output = export(ExportFormat::PubmedXml, &records);
        prop_assert_eq!(
            parse_records(Format::PubmedXml, &output),
            records,
            "--- PubMed XML ---\n{}",
            String::from_utf8_lossy(&output)
        );
    }
}

// ---------------------------------------------------------------------------------------
// The record as the index stores it
// ---------------------------------------------------------------------------------------

fn stored(record: &Record) -> Vec<u8> {
    let mut bytes = Vec::new();
    stored::encode(record, &mut bytes);
    bytes
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn every_record_comes_back_from_its_stored_form(record in any_record()) {
        prop_assert_eq!(stored::decode(&stored(&record)), Ok(record));
    }

    #[test]
    fn a_stored_record_with_a_byte_changed_decodes_or_is_refused(
        record in any_record(),
        at in any::<Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = stored(&record);
        let at = at.index(bytes.len());
        bytes[at] = byte;
        let _ = stored::decode(&bytes);
    }

    #[test]
    fn every_cut_of_a_stored_record_is_refused(record in any_record(), cut in any::<Index>()) {
        let bytes = stored(&record);
        prop_assert!(stored::decode(&bytes[..cut.index(bytes.len())]).is_err());
    }
}
