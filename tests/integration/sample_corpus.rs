//! The embedded sample corpus in `data/sample` and `medlit demo`. The expected counts are
//! computed here by a deliberately simple, separate reading of the files: record starts are
//! counted as `- Author:` lines, MeSH descriptors as the lines of each `- MeSH:` block.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::{stdout, CliTest};

fn sample_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample"))
}

/// Every sample file's text.
fn sample_texts() -> Vec<String> {
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(sample_dir()).expect("data/sample exists") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "txt") {
            texts.push(std::fs::read_to_string(path).expect("utf-8 sample"));
        }
    }
    texts
}

/// MeSH descriptor -> number of records with it, read straight from the files.
fn mesh_counts() -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for text in sample_texts() {
        let mut in_mesh = false;
        let mut record_descriptors = Vec::new();
        for line in text.lines().chain(["- Author:"]) {
            if line == "- Author:" {
                record_descriptors.sort();
                record_descriptors.dedup();
                for descriptor in record_descriptors.drain(..) {
                    *counts.entry(descriptor).or_insert(0) += 1;
                }
            }
            if line.starts_with('-') {
                in_mesh = line == "- MeSH:";
                continue;
            }
            if in_mesh {
                let descriptor = line.trim_end_matches(';').split('/').next().unwrap_or("");
                record_descriptors.push(descriptor.trim_end_matches('*').to_string());
            }
        }
    }
    counts
}

#[test]
fn sample_corpus_indexes_completely_with_exact_mesh_counts() {
    let records: u64 = sample_texts()
        .iter()
        .map(|t| t.lines().filter(|l| *l == "- Author:").count() as u64)
        .sum();
    assert!(records >= 40, "the sample corpus has {records} records");
    let test = CliTest::new();
    let (summary, messages) = test.index(&[sample_dir()]);
    assert_eq!(summary.indexed, records, "{messages}");
    assert_eq!(summary.skipped, 0, "{messages}");

    let expected = mesh_counts();
    let (all, _) = test.search(&["", "--facet", "mesh", "--facet-limit", "100000"]);
    assert_eq!(all.total as u64, records);
    let found: BTreeMap<String, u64> = all
        .facet("mesh")
        .into_iter()
        .map(|(v, c)| (v.to_string(), c))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn every_sample_record_names_at_least_one_therapy() {
    let test = CliTest::new();
    test.index(&[sample_dir()]);
    let (all, _) = test.search(&["", "--facet", "therapy", "--facet-limit", "1000"]);
    let (with_therapy, _) = test.search(&["", "--therapy", "rituximab"]);
    assert!(
        with_therapy.total >= 3,
        "rituximab appears in several sample records"
    );
    assert!(
        all.facet("therapy").len() >= 30,
        "a varied set of therapies"
    );
}

#[test]
fn demo_indexes_the_sample_and_shows_facets() {
    let test = CliTest::new();
    let output = test.medlit().arg("demo").output().expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    assert!(text.contains("$ medlit index"), "{text}");
    assert!(text.contains("match \"thrombocytopenia\""), "{text}");
    assert!(
        text.contains("imported 635 descriptors; re-derived 52 records"),
        "{text}"
    );
    assert!(
        text.contains("\nmesh (top 6 of 6)\n  11  Organisms [B]\n  11  Diseases [C]"),
        "{text}"
    );
    assert!(text.contains("\nmesh:Diseases (top 8 of"), "{text}");
    assert!(
        text.contains("Hemic and Lymphatic Diseases [C15]"),
        "{text}"
    );
    assert!(text.contains("\ntherapy (top 8 of"), "{text}");
    assert!(
        text.contains("--therapy rituximab --year 2015..2025"),
        "{text}"
    );
}
