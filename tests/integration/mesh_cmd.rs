//! The MeSH vocabulary end to end, on the six fixture records and a small vocabulary written
//! for them (`tests/fixtures/mesh/corpus_vocab.tsv`): import, explosion, tree facets,
//! synonyms, PubMed field tags, sorting and explanations. Expected counts come from reading
//! the fixtures and the vocabulary.

use crate::util::{fixture, stderr, stdout, CliTest};

/// The fixture corpus indexed, then the vocabulary imported (which re-derives the records).
fn corpus_with_vocabulary() -> CliTest {
    let test = CliTest::new();
    test.index(&[&fixture("corpus")]);
    let output = test
        .medlit()
        .args(["mesh", "import"])
        .arg(fixture("mesh/corpus_vocab.tsv"))
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("imported 16 descriptors"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("re-derived 6 records"),
        "{}",
        stdout(&output)
    );
    test
}

#[test]
fn explosion_includes_narrower_descriptors_and_noexp_does_not() {
    let test = corpus_with_vocabulary();
    let total = |args: &[&str]| test.search(args).0.total;
    // fx.5 has Thrombocytopenia; fx.1 and fx.2 have its child, Purpura ... Idiopathic.
    assert_eq!(total(&["thrombocytopenia[mh]"]), 3);
    assert_eq!(total(&["thrombocytopenia[mh:noexp]"]), 1);
    assert_eq!(total(&["mesh:thrombocytopenia"]), 3);
    assert_eq!(total(&["", "--mesh", "Thrombocytopenia"]), 3);
    assert_eq!(
        total(&["", "--mesh", "Thrombocytopenia", "--mesh-noexp"]),
        1
    );
    // Adult explodes to Aged: fx.1, fx.6 and fx.4.
    assert_eq!(total(&["adult[mh]"]), 3);
    // Major topics: fx.5's HSCT heading is starred, the other HSCT-free records are not.
    assert_eq!(
        total(&["", "--major", "Hematopoietic Stem Cell Transplantation"]),
        1
    );
    assert_eq!(total(&["thrombocytopenia[majr]"]), 2);
    let (results, _) = test.search(&["thrombocytopenia[mh]"]);
    assert_eq!(results.expansions[0].kind, "explosion");
    assert!(
        results.expansions[0].into.contains("C15.378.140.855"),
        "{}",
        results.expansions[0].into
    );
}

#[test]
fn tree_facets_count_each_record_once_per_node() {
    let test = corpus_with_vocabulary();
    let (root, _) = test.search(&["", "--facet", "mesh", "--facet-limit", "20"]);
    // Ties are ordered by tree number.
    assert_eq!(
        root.facet("mesh"),
        [
            ("Organisms", 6),
            ("Diseases", 6),
            ("Named Groups", 6),
            ("Chemicals and Drugs", 2),
            (
                "Analytical, Diagnostic and Therapeutic Techniques, and Equipment",
                2
            )
        ]
    );
    let trees: Vec<Option<&str>> = root.facets["mesh"]
        .iter()
        .map(|v| v.tree.as_deref())
        .collect();
    assert_eq!(
        trees,
        [Some("B"), Some("C"), Some("M"), Some("D"), Some("E")]
    );
    // Drill-down: ITP sits in C15 and C20; fx.1 and fx.2 count once in each branch. The
    // small vocabulary has no descriptor for these nodes, so their tree numbers are shown.
    let (diseases, _) = test.search(&["", "--facet", "mesh:Diseases"]);
    assert_eq!(
        diseases.facet("mesh:Diseases"),
        [("C15", 3), ("C20", 3), ("C01", 1), ("C08", 1), ("C14", 1)]
    );
    let (deeper, _) = test.search(&["", "--facet", "mesh:C15.378.140.855"]);
    assert_eq!(
        deeper.facet("mesh:C15.378.140.855"),
        [("C15.378.140.855.925", 2)]
    );
}

#[test]
fn entry_terms_expand_to_their_descriptor() {
    let test = corpus_with_vocabulary();
    // No record says "Werlhof"; fx.1 and fx.2 are indexed with the heading it names.
    let (results, code) = test.search(&["\"Werlhof Disease\""]);
    assert_eq!(code, 0);
    let mut ids = results.ids();
    ids.sort_unstable();
    assert_eq!(ids, ["10.5555/fx.1", "10.5555/fx.2"]);
    assert_eq!(results.expansions[0].kind, "synonym");
    assert_eq!(results.expansions[0].term, "Werlhof Disease");
    assert_eq!(
        results.expansions[0].into,
        "MeSH Purpura, Thrombocytopenic, Idiopathic [D016553]"
    );
    let (plain, _) = test.search(&["\"Werlhof Disease\"", "--no-synonyms"]);
    assert_eq!(plain.total, 0);
}

#[test]
fn the_issues_pubmed_query_works() {
    let test = corpus_with_vocabulary();
    let (results, _) =
        test.search(&["(thrombocytopenia[mh] OR ITP[tiab]) AND rituximab[tiab] AND 2010:2025[dp]"]);
    assert_eq!(results.ids(), ["10.5555/fx.1"]);
}

#[test]
fn unknown_headings_suggest_the_closest_names() {
    let test = corpus_with_vocabulary();
    let (results, code) = test.search(&["", "--mesh", "Thrombocytopnia"]);
    assert_eq!((results.total, code), (0, 1));
    assert!(
        results
            .notes
            .iter()
            .any(|n| n.contains("closest: Thrombocytopenia")),
        "{:?}",
        results.notes
    );
}

#[test]
fn a_bad_vocabulary_file_keeps_the_existing_vocabulary() {
    let test = corpus_with_vocabulary();
    let bad = test.write("bad.tsv", "D000001\tName\t\tA01\nnot a descriptor line\n");
    let output = test
        .medlit()
        .args(["mesh", "import"])
        .arg(&bad)
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("bad.tsv: line 2: expected"),
        "{}",
        stderr(&output)
    );
    let lookup = test.on_index(&["mesh", "lookup", "ITP"]);
    assert!(lookup.status.success());
    let text = stdout(&lookup);
    assert!(
        text.starts_with("Purpura, Thrombocytopenic, Idiopathic [D016553]"),
        "{text}"
    );
    assert!(text.contains("C15.378.140.855.925.750  Diseases > C15 > C15.378 > C15.378.140 > Thrombocytopenia > C15.378.140.855.925 > Purpura, Thrombocytopenic, Idiopathic"), "{text}");
}

#[test]
fn pubmed_field_tags_without_a_vocabulary() {
    let test = CliTest::new();
    test.index(&[&fixture("corpus")]);
    let total = |query: &str| test.search(&[query]).0.total;
    assert_eq!(total("thrombocytopenia[ti]"), 2);
    assert_eq!(total("thrombocytopenia[tiab]"), 3);
    assert_eq!(total("Muster D[au]"), 1);
    assert_eq!(total("case reports[pt]"), 5);
    assert_eq!(total("chinese[la]"), 1);
    assert_eq!(total("chi[la]"), 1);
    assert_eq!(total("Journal of Made-up Hematology[ta]"), 3);
    assert_eq!(total("10.5555/FX.3[doi]"), 1);
    assert_eq!(total("drug therapy[sh]"), 4);
    assert_eq!(total("2020:2022[dp]"), 3);
    assert_eq!(total("thromb*"), 4);
    assert_eq!(total("thromb* NOT deep"), 3);
    assert_eq!(total("humans[mh] -rituximab"), 5);
    // Without a vocabulary a heading matches as written, not exploded.
    assert_eq!(total("thrombocytopenia[mh]"), 1);
}

#[test]
fn sort_by_date_and_explain() {
    let test = CliTest::new();
    test.index(&[&fixture("corpus")]);
    let (by_date, _) = test.search(&["", "--sort", "date"]);
    let years: Vec<u16> = by_date.hits.iter().filter_map(|h| h.year).collect();
    assert_eq!(years, [2022, 2021, 2020, 2018, 2015, 2012]);
    let (explained, _) = test.search(&["tocilizumab", "--explain"]);
    let explanation = explained.hits[0].explanation.as_ref().expect("explanation");
    let value = explanation["value"].as_f64().expect("value");
    assert!((value - f64::from(explained.hits[0].score)).abs() < 1e-4);
    let text = test.search_output(&["tocilizumab", "--explain"], false);
    assert!(
        stdout(&text).contains("score of 1 (10.5555/fx.3):"),
        "{}",
        stdout(&text)
    );
}
