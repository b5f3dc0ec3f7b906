//! Input formats end to end: PubMed XML (with deletions), JSON Lines, compression, standard
//! input, detection by content and `export` round trips.

use crate::util::{fixture, parse_json, stderr, stdout, CliTest, IngestJson};

#[test]
fn pubmed_xml_records_are_indexed_and_deletions_applied() {
    let test = CliTest::new();
    let (summary, messages) = test.index(&[&fixture("pubmed_xml/set.xml")]);
    assert_eq!(
        (summary.indexed, summary.deleted, summary.skipped),
        (3, 2, 0),
        "{messages}"
    );
    let (hits, _) = test.search(&["romiplostim", "--facet", "therapy"]);
    assert_eq!(hits.ids(), ["90000001"]);
    assert_eq!(hits.hits[0].pmid.as_deref(), Some("90000001"));
    assert!(hits.facet("therapy").contains(&("romiplostim", 1)));
    let deletion = test.write(
        "delete.xml",
        "<PubmedArticleSet><DeleteCitation><PMID Version=\"1\">90000002</PMID></DeleteCitation></PubmedArticleSet>",
    );
    let (summary, _) = test.index(&[&deletion]);
    assert_eq!(
        (
            summary.indexed,
            summary.deleted,
            summary.replaced,
            summary.records
        ),
        (0, 1, 0, 2)
    );
    let (gone, code) = test.search(&["pmid:90000002"]);
    assert_eq!((gone.total, code), (0, 1));
}

#[test]
fn a_bad_xml_record_is_reported_with_its_line_and_the_rest_kept() {
    let test = CliTest::new();
    let xml = "<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>One</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>Two</Title></Article></MedlineCitation></PubmedArticle>\n<PubmedArticle><MedlineCitation><PMID>3</PMID><Article><ArticleTitle>Three</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n";
    let path = test.write("bad.xml", xml);
    let (summary, messages) = test.index(&[&path]);
    assert_eq!((summary.indexed, summary.skipped), (2, 1));
    assert!(
        messages.contains("bad.xml: record 2, line 4, byte 173: malformed XML"),
        "{messages}"
    );
    assert!(messages.contains("malformed XML"), "{messages}");
}

#[test]
fn jsonl_export_then_index_is_a_round_trip() {
    let test = CliTest::new();
    test.index(&[&fixture("corpus"), &fixture("pubmed_xml/set.xml")]);
    let export = test.on_index(&["export", "--format", "jsonl"]);
    assert!(export.status.success(), "{}", stderr(&export));
    let first = stdout(&export);
    assert_eq!(first.lines().count(), 9);
    let dump = test.write("dump.jsonl", &first);

    let copy = CliTest::new();
    let (summary, messages) = copy.index(&[&dump]);
    assert_eq!((summary.indexed, summary.skipped), (9, 0), "{messages}");
    let again = copy.on_index(&["export", "--format", "jsonl"]);
    let mut before: Vec<&str> = first.lines().collect();
    let second = stdout(&again);
    let mut after: Vec<&str> = second.lines().collect();
    before.sort_unstable();
    after.sort_unstable();
    assert_eq!(
        before, after,
        "records survive export and re-index unchanged"
    );
}

#[test]
fn export_of_a_query_follows_the_ranking_and_filters() {
    let test = CliTest::new();
    test.index(&[&fixture("corpus")]);
    let output = test
        .medlit()
        .args([
            "export",
            "--query",
            "eltrombopag",
            "--format",
            "ris",
            "--index",
        ])
        .arg(test.index_dir())
        .output()
        .expect("runs");
    assert!(output.status.success());
    let ris = stdout(&output);
    assert_eq!(ris.matches("TY  - JOUR").count(), 2);
    let first_title = ris
        .lines()
        .find(|l| l.starts_with("TI  - "))
        .expect("a title");
    assert!(
        first_title.contains("Eltrombopag after failed splenectomy"),
        "{ris}"
    );

    let csv = test.on_index(&["export", "--format", "csv", "--year", "2020.."]);
    let text = stdout(&csv);
    assert!(text.starts_with("id,pmid,doi,title,"), "{text}");
    assert_eq!(
        text.lines().count(),
        1 + 3,
        "header and the records of 2020 to 2022"
    );

    let none = test.on_index(&["export", "--query", "appendicitis"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(none.stdout.is_empty());
}

#[test]
fn compressed_and_piped_inputs_are_read() {
    let test = CliTest::new();
    let xml = std::fs::read(fixture("pubmed_xml/set.xml")).expect("fixture");
    let zst = test.write(
        "set.xml.zst",
        zstd::encode_all(xml.as_slice(), 3).expect("zstd"),
    );
    let (summary, _) = test.index(&[&zst]);
    assert_eq!(summary.indexed, 3);

    let output = test
        .medlit()
        .args(["index", "-", "--json", "--index"])
        .arg(test.path().join("piped"))
        .write_stdin(std::fs::read(fixture("corpus/general.txt")).expect("fixture"))
        .output()
        .expect("runs");
    let summary: IngestJson = parse_json(&output);
    assert_eq!(summary.indexed, 2);
}

#[test]
fn format_is_detected_by_content_and_can_be_forced() {
    let test = CliTest::new();
    // JSON Lines in a .txt file is still read as JSON Lines.
    let jsonl = test.write(
        "records.txt",
        "{\"title\":\"A JSON record about rituximab\",\"year\":2020}\n",
    );
    let (summary, _) = test.index(&[&jsonl]);
    assert_eq!(summary.indexed, 1);
    // Forcing the wrong format reports every record instead of guessing.
    let output = test
        .medlit()
        .args(["index", "--format", "pubmed-xml", "--json", "--index"])
        .arg(test.index_dir())
        .arg(&jsonl)
        .output()
        .expect("runs");
    let summary: IngestJson = parse_json(&output);
    assert_eq!(summary.indexed, 0);
}

#[test]
fn a_large_xml_file_is_parsed_in_chunks_with_file_wide_locations() {
    let test = CliTest::new();
    let records = 15_000;
    let bad = 14_000;
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<PubmedArticleSet>\n");
    for pmid in 1..=records {
        let title_end = if pmid == bad {
            "</Title>"
        } else {
            "</ArticleTitle>"
        };
        xml.push_str(&format!(
            "<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><ArticleTitle>Record {pmid} about \
             caf\u{e9} and rituximab{title_end}<Abstract><AbstractText>Padding text to make each record a few hundred \
             bytes long, so that the file spans several chunks.</AbstractText></Abstract></Article>\
             </MedlineCitation></PubmedArticle>\n"
        ));
    }
    xml.push_str("</PubmedArticleSet>\n");
    // The file is Latin-1, as declared.
    let latin1: Vec<u8> = xml
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1"))
        .collect();
    assert!(
        latin1.len() > 4 << 20,
        "larger than one chunk: {}",
        latin1.len()
    );
    let path = test.write("large.xml", &latin1);
    let (summary, messages) = test.index(&[&path]);
    assert_eq!(
        (summary.indexed, summary.skipped),
        (records as u64 - 1, 1),
        "{messages}"
    );
    // Line 2 + bad is the malformed record's line in the whole file, not in its chunk.
    let expected = format!("large.xml: line {}, byte ", bad + 2);
    assert!(messages.contains(&expected), "{expected} in {messages}");
    let (hits, _) = test.search(&["title:café", "--limit", "1"]);
    assert_eq!(hits.total, records - 1, "Latin-1 decoded in every chunk");
}
