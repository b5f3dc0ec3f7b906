//! `medlit show` and `medlit similar`.

use crate::util::{fixture, parse_json, stderr, stdout, CliTest, SearchJson};

#[test]
fn show_prints_a_whole_record_by_id_pmid_or_doi() {
    let test = CliTest::new();
    test.index(&[&fixture("corpus"), &fixture("pubmed_xml/set.xml")]);
    let show = |args: &[&str]| {
        test.medlit()
            .arg("show")
            .args(args)
            .arg("--index")
            .arg(test.index_dir())
            .output()
            .expect("runs")
    };
    let text = stdout(&show(&["10.5555/FX.3"]));
    assert!(
        text.starts_with("Tocilizumab for cytokine release syndrome"),
        "{text}"
    );
    assert!(
        text.contains("authors          Dieter MUSTER (1,2); Eva PROBE (2)"),
        "{text}"
    );
    assert!(text.contains("citation         2022;8(2):77-80"), "{text}");
    assert!(text.contains("MeSH             Cytokine Release Syndrome/drug therapy*; Humans; Interleukin-6/blood; Male"), "{text}");
    let json = show(&["90000001", "--json"]);
    let record: medlit::Record = parse_json(&json);
    assert_eq!(record.pmc.as_deref(), Some("PMC9000001"));
    assert_eq!(
        record.chemicals,
        ["Receptors, Thrombopoietin", "romiplostim"]
    );
    let missing = show(&["nope"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no record with id, PMID or DOI \"nope\""));
}

#[test]
fn similar_finds_the_record_on_the_same_topic() {
    let test = CliTest::new();
    test.index(&[&fixture("corpus")]);
    let output = test.on_index(&["similar", "10.5555/fx.1", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let results: SearchJson = parse_json(&output);
    assert_eq!(
        results.hits[0].id, "10.5555/fx.2",
        "the other immune thrombocytopenia record"
    );
    assert!(
        !results.ids().contains(&"10.5555/fx.1"),
        "the record itself is left out"
    );
    let unknown = test.on_index(&["similar", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
}
