//! Tests on the real public data in `../shared` (see README, "Tests"). Built only with
//! `--features shared-data`; `.ci/run` always runs them. The data folder is
//! `$MEDLIT_SHARED_DATA`, else `../shared/data` beside the repository; a missing folder
//! fails the tests, it never skips them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use medlit::formats::abstract_page::AbstractPageReader;
use medlit::therapy::Lexicon;

fn shared_data() -> PathBuf {
    let dir = std::env::var_os("MEDLIT_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    assert!(
        dir.is_dir(),
        "the shared data folder {} is missing: set MEDLIT_SHARED_DATA or put shared/ beside the repository",
        dir.display()
    );
    dir
}

fn seed_record_path() -> PathBuf {
    let path = shared_data().join("../seeds/000_a0a790d5c9b31914.txt");
    assert!(path.is_file(), "seed record {} is missing", path.display());
    path
}

#[test]
fn the_real_seed_record_parses_field_by_field() {
    let text = std::fs::read(seed_record_path()).expect("seed is readable");
    let records: Vec<_> = AbstractPageReader::new(text.as_slice()).collect();
    assert_eq!(records.len(), 1);
    let record = records[0].as_ref().expect("the seed parses");
    assert_eq!(record.title, "Application of umbilical cord mesenchymal stem cells in the treatment of severe immune-mediated thrombocytopenia after allogeneic hematopoietic stem cell transplantation in children.");
    assert_eq!(
        record.doi.as_deref(),
        Some("10.7499/j.issn.1008-8830.2503173")
    );
    assert_eq!(record.id, "10.7499/j.issn.1008-8830.2503173");
    let authors: Vec<(&str, &[u32])> = record
        .authors
        .iter()
        .map(|a| (a.name.as_str(), a.affiliations.as_slice()))
        .collect();
    assert_eq!(
        authors,
        [
            ("Bo ZHANG", &[1][..]),
            ("Zuo LUAN", &[][..]),
            ("Xiang-Feng TANG", &[][..]),
            ("Nan-Hai WU", &[][..])
        ]
    );
    assert_eq!(record.affiliations, ["Department of Pediatrics, Fifth People's Hospital Affiliated to Chengdu University of Chinese Medicine, Chengdu 611130, China."]);
    assert_eq!(record.publication_types, ["English Abstract"]);
    assert_eq!(
        record.keywords,
        [
            "Child",
            "Hematopoietic stem cell transplantation",
            "Immune-mediated cytopenia",
            "Immune-mediated thrombocytopenia",
            "Mesenchymal stem cell"
        ]
    );
    let mesh: Vec<String> = record.mesh.iter().map(ToString::to_string).collect();
    assert_eq!(
        mesh,
        [
            "Child",
            "Humans",
            "Hematopoietic Stem Cell Transplantation/adverse effects*",
            "Mesenchymal Stem Cell Transplantation",
            "Purpura, Thrombocytopenic, Idiopathic/etiology*",
            "Thrombocytopenia/therapy*",
            "Transplantation, Homologous",
            "Umbilical Cord/cytology*"
        ]
    );
    assert_eq!(
        record.journal.as_deref(),
        Some("Chinese Journal of Contemporary Pediatrics")
    );
    assert_eq!(record.year, Some(2025));
    assert_eq!(record.volume.as_deref(), Some("27"));
    assert_eq!(record.issue.as_deref(), Some("9"));
    assert_eq!(record.pages.as_deref(), Some("1128-1133"));
    assert_eq!(record.country.as_deref(), Some("China"));
    assert_eq!(record.language.as_deref(), Some("Chinese"));
    assert!(record
        .abstract_text
        .starts_with("This report describes two cases"));
    assert!(record
        .abstract_text
        .ends_with("disease-free survival rate."));

    let therapies = Lexicon::builtin().find_in_record(record);
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
            therapies.iter().any(|t| t == expected),
            "{expected} not in {therapies:?}"
        );
    }
}

#[test]
fn the_real_seed_record_is_found_by_its_biomedical_tokens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    Command::cargo_bin("medlit")
        .expect("binary")
        .arg("index")
        .arg(seed_record_path())
        .arg("--index")
        .arg(&index)
        .assert()
        .success();
    for query in [
        "UC-MSCs",
        "99.8%",
        "+60",
        "IVIG",
        "HSCT",
        "Gaucher's disease",
        "thrombocytopenia",
    ] {
        let output = Command::cargo_bin("medlit")
            .expect("binary")
            .args(["search", query, "--json", "--index"])
            .arg(&index)
            .output()
            .expect("runs");
        let results: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        assert_eq!(results["total"], 1, "{query}");
    }
}
