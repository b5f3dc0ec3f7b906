//! `medlit search` on the six made-up records of `tests/fixtures/corpus`. Every expected
//! count below was worked out by reading the fixture files, not by running medlit.

use crate::util::{fixture, stderr, stdout, CliTest};

fn corpus() -> CliTest {
    let test = CliTest::new();
    let (summary, _) = test.index(&[&fixture("corpus")]);
    assert_eq!(summary.indexed, 6);
    test
}

#[test]
fn facet_counts_over_the_whole_matching_set() {
    let test = corpus();
    let (all, code) = test.search(&[
        "",
        "--facet",
        "mesh",
        "--facet",
        "journal",
        "--facet",
        "language",
        "--facet",
        "pubtype",
        "--facet",
        "country",
        "--facet",
        "major",
        "--facet-limit",
        "4",
        "--limit",
        "1",
    ]);
    assert_eq!(code, 0);
    assert_eq!(all.total, 6);
    assert_eq!(
        all.hits.len(),
        1,
        "limit applies to hits, not to facet counting"
    );
    assert_eq!(
        all.facet("mesh"),
        [
            ("Humans", 6),
            ("Adult", 2),
            ("Male", 2),
            ("Purpura, Thrombocytopenic, Idiopathic", 2)
        ]
    );
    assert_eq!(
        all.facet("journal"),
        [
            ("Journal of Made-up Hematology", 3),
            ("Clinical Case Imaginings", 2),
            ("Annals of Imaginary Oncology", 1)
        ]
    );
    assert_eq!(all.facet("language"), [("English", 5), ("Chinese", 1)]);
    assert_eq!(
        all.facet("pubtype"),
        [
            ("Case Reports", 5),
            ("English Abstract", 1),
            ("Journal Article", 1)
        ]
    );
    assert_eq!(
        all.facet("country"),
        [
            ("United States", 2),
            ("China", 1),
            ("Germany", 1),
            ("Italy", 1)
        ]
    );
    assert_eq!(
        all.facet("major"),
        [
            ("Purpura, Thrombocytopenic, Idiopathic", 2),
            ("COVID-19", 1),
            ("Cytokine Release Syndrome", 1),
            ("Hematopoietic Stem Cell Transplantation", 1)
        ]
    );
}

#[test]
fn therapy_facet_counts_canonical_names() {
    let test = corpus();
    let (all, _) = test.search(&["", "--facet", "therapy", "--facet-limit", "100"]);
    assert_eq!(
        all.facet("therapy"),
        [
            ("dexamethasone", 3),
            ("eltrombopag", 2),
            ("car t-cell therapy", 1),
            ("hematopoietic stem cell transplantation", 1),
            ("heparin", 1),
            ("intravenous immunoglobulin", 1),
            ("prednisone", 1),
            ("remdesivir", 1),
            ("rituximab", 1),
            ("rivaroxaban", 1),
            ("splenectomy", 1),
            ("tocilizumab", 1),
        ]
    );
}

#[test]
fn facets_count_only_matching_records() {
    let test = corpus();
    let (hits, _) = test.search(&["thrombocytopenia", "--facet", "therapy", "--facet", "year"]);
    assert_eq!(hits.total, 3);
    let mut ids = hits.ids();
    ids.sort_unstable();
    assert_eq!(ids, ["10.5555/fx.1", "10.5555/fx.2", "10.5555/fx.5"]);
    assert_eq!(hits.facet("year"), [("2015", 1), ("2018", 1), ("2021", 1)]);
    assert_eq!(hits.facet("therapy")[0], ("eltrombopag", 2));
}

#[test]
fn biomedical_tokens_are_found_as_written() {
    let test = corpus();
    for (query, expected) in [
        ("IL-6", "10.5555/fx.3"),
        ("CD34+", "10.5555/fx.5"),
        ("COVID-19", "10.5555/fx.4"),
        ("99.8%", "10.5555/fx.5"),
        ("+60", "10.5555/fx.5"),
        ("\"day +60\"", "10.5555/fx.5"),
        ("CAR T-cell", "10.5555/fx.3"),
    ] {
        let (results, code) = test.search(&[query]);
        assert_eq!(code, 0, "{query} found nothing");
        assert_eq!(results.total, 1, "{query}: {:?}", results.ids());
        assert_eq!(results.hits[0].id, expected, "{query}");
    }
}

#[test]
fn expected_record_ranks_first() {
    let test = corpus();
    for (query, expected) in [
        ("rituximab thrombocytopenia", "10.5555/fx.1"),
        ("eltrombopag splenectomy", "10.5555/fx.2"),
        ("cytokine release syndrome", "10.5555/fx.3"),
        ("deep vein thrombosis", "h"),
    ] {
        let (results, _) = test.search(&[query]);
        let first = &results
            .hits
            .first()
            .unwrap_or_else(|| panic!("{query}: no hit"))
            .id;
        assert!(first.starts_with(expected), "{query}: first is {first}");
    }
}

#[test]
fn title_outweighs_abstract() {
    let test = corpus();
    // "eltrombopag" is in fx.2's title and abstract, and only in fx.5's abstract.
    let (results, _) = test.search(&["eltrombopag"]);
    assert_eq!(results.ids(), ["10.5555/fx.2", "10.5555/fx.5"]);
    assert!(results.hits[0].score > results.hits[1].score);
}

#[test]
fn terms_are_anded_by_default_and_ored_with_any() {
    let test = corpus();
    let (all_terms, _) = test.search(&["dexamethasone remdesivir"]);
    assert_eq!(all_terms.ids(), ["10.5555/fx.4"]);
    let (any_term, _) = test.search(&["dexamethasone remdesivir", "--any"]);
    assert_eq!(any_term.total, 3);
    assert_eq!(
        any_term.hits[0].id, "10.5555/fx.4",
        "the record with both terms ranks first"
    );
}

#[test]
fn boolean_operators_phrases_and_fields() {
    let test = corpus();
    let (or, _) = test.search(&["tocilizumab OR rivaroxaban"]);
    assert_eq!(or.total, 2);
    let (not, _) = test.search(&["dexamethasone NOT tocilizumab"]);
    assert_eq!(not.total, 2);
    let (phrase, _) = test.search(&["\"immune thrombocytopenia\""]);
    assert_eq!(phrase.total, 2);
    let (field, _) = test.search(&["title:thrombocytopenia"]);
    assert_eq!(field.total, 2);
    let (author, _) = test.search(&["author:muster"]);
    assert_eq!(author.ids(), ["10.5555/fx.3"]);
}

#[test]
fn filters_narrow_the_matching_set() {
    let test = corpus();
    let count = |args: &[&str]| test.search(args).0.total;
    assert_eq!(count(&["thrombocytopenia"]), 3);
    assert_eq!(count(&["thrombocytopenia", "--therapy", "eltrombopag"]), 2);
    assert_eq!(
        count(&[
            "thrombocytopenia",
            "--therapy",
            "Eltrombopag",
            "--year",
            "2019..2025"
        ]),
        1
    );
    assert_eq!(count(&["thrombocytopenia", "--year", "..2018"]), 2);
    assert_eq!(
        count(&["", "--mesh", "purpura, thrombocytopenic, idiopathic"]),
        2
    );
    assert_eq!(count(&["", "--mesh", "Humans", "--mesh", "Male"]), 2);
    assert_eq!(
        count(&["", "--journal", "Journal of Made-up Hematology"]),
        3
    );
    assert_eq!(
        count(&[
            "",
            "--journal",
            "Journal of Made-up Hematology",
            "--journal",
            "Clinical Case Imaginings"
        ]),
        5
    );
    assert_eq!(count(&["", "--lang", "chinese"]), 1);
    assert_eq!(
        count(&[
            "",
            "--pubtype",
            "case reports",
            "--country",
            "united states"
        ]),
        2
    );
}

#[test]
fn filters_do_not_change_scores() {
    let test = corpus();
    let (plain, _) = test.search(&["thrombocytopenia"]);
    let (filtered, _) = test.search(&["thrombocytopenia", "--year", "2000..2030"]);
    let scores = |r: &crate::util::SearchJson| r.hits.iter().map(|h| h.score).collect::<Vec<_>>();
    assert_eq!(scores(&plain), scores(&filtered));
}

#[test]
fn unknown_filter_value_is_noted_with_suggestions() {
    let test = corpus();
    let (results, code) = test.search(&["", "--mesh", "Thrombocytopnia"]);
    assert_eq!((results.total, code), (0, 1));
    assert_eq!(results.notes.len(), 1);
    assert!(
        results.notes[0].contains("closest: Thrombocytopenia"),
        "{}",
        results.notes[0]
    );
}

#[test]
fn paging_with_limit_and_offset() {
    let test = corpus();
    let (page1, _) = test.search(&["", "--limit", "4"]);
    let (page2, _) = test.search(&["", "--limit", "4", "--offset", "4"]);
    assert_eq!((page1.hits.len(), page2.hits.len()), (4, 2));
    assert_eq!(page2.hits[0].rank, 5);
    let mut all: Vec<&str> = page1.ids().into_iter().chain(page2.ids()).collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 6);
}

#[test]
fn json_hits_carry_record_fields_and_highlighted_snippets() {
    let test = corpus();
    let (results, _) = test.search(&["tocilizumab"]);
    assert_eq!(results.query, "tocilizumab");
    let hit = &results.hits[0];
    assert_eq!(hit.rank, 1);
    assert_eq!(hit.year, Some(2022));
    assert_eq!(hit.journal.as_deref(), Some("Annals of Imaginary Oncology"));
    assert_eq!(hit.doi.as_deref(), Some("10.5555/fx.3"));
    assert_eq!(hit.pmid, None);
    assert!(hit.title.starts_with("Tocilizumab for cytokine"));
    let [start, end] = hit.highlights[0];
    assert_eq!(&hit.snippet[start..end], "Tocilizumab");
    assert!(results.elapsed_ms >= 0.0);
}

#[test]
fn text_output_shows_rank_score_and_snippet() {
    let test = corpus();
    let output = test.search_output(&["tocilizumab", "--facet", "therapy"], false);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("1 record match \"tocilizumab\""), "{text}");
    assert!(
        text.contains(" 1. Tocilizumab for cytokine release syndrome"),
        "{text}"
    );
    assert!(
        text.contains("2022 · Annals of Imaginary Oncology · score "),
        "{text}"
    );
    assert!(text.contains("doi 10.5555/fx.3"), "{text}");
    assert!(text.contains("**Tocilizumab** and dexamethasone"), "{text}");
    assert!(text.contains("therapy (top 3 of 3)"), "{text}");
}

#[test]
fn no_match_exits_1_and_bad_query_exits_2() {
    let test = corpus();
    let (none, code) = test.search(&["appendicitis"]);
    assert_eq!((none.total, code), (0, 1));
    for (bad, reason) in [
        ("nosuchfield:x", "unknown field \"nosuchfield\""),
        ("\"unclosed", "unclosed quote at column 1"),
        ("itp AND (a OR", "OR has nothing after it at column 14"),
        ("title:(", "field title: has no value at column 7"),
    ] {
        let output = test.search_output(&[bad], false);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let message = stderr(&output);
        assert!(message.contains("invalid query"), "{bad}: {message}");
        assert!(message.contains(reason), "{bad}: {message}");
        assert!(!message.contains("panicked"), "{message}");
    }
}

#[test]
fn missing_index_is_a_clear_error() {
    let test = CliTest::new();
    let output = test.search_output(&["x"], false);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no medlit index at"),
        "{}",
        stderr(&output)
    );
}
