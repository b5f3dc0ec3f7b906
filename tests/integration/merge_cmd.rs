//! Merging: small segments are merged during ingest, `medlit merge` merges everything.

use crate::util::{fixture, stderr, stdout, CliTest};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeJson {
    segments_before: usize,
    segments_after: usize,
    records: u64,
    seconds: f64,
}

fn merge(test: &CliTest) -> MergeJson {
    test.json_on_index(&["merge", "--json"])
}

/// `medlit index PATH` on one indexing thread, so that a run writes one segment.
fn index_one_thread(test: &CliTest, path: &std::path::Path) {
    let path = path.to_str().expect("a UTF-8 path");
    let output = test.on_index(&["index", path, "--threads", "1"]);
    assert!(output.status.success(), "index failed: {}", stderr(&output));
}

#[test]
fn four_small_runs_leave_one_merged_segment() {
    let test = CliTest::new();
    let files = ["general.txt", "hematology.txt", "oncology.txt"];
    for file in files {
        index_one_thread(&test, &fixture("corpus").join(file));
    }
    assert_eq!(test.stats().segments, 3, "three runs, three small segments");
    let extra = test.write(
        "extra.nbib",
        "PMID- 99000001\nTI  - A case of anemia treated with iron.\n",
    );
    index_one_thread(&test, &extra);
    let stats = test.stats();
    assert_eq!(stats.segments, 1, "the fourth small segment starts a merge");
    assert_eq!(stats.records, 7);
}

#[test]
fn merge_makes_one_segment_and_drops_replaced_records() {
    let test = CliTest::new();
    index_one_thread(&test, &fixture("corpus"));
    index_one_thread(&test, &fixture("corpus/oncology.txt"));
    let before = test.stats();
    assert_eq!(before.records, 6);
    assert_eq!(before.deleted, 2, "the second run replaced two records");
    let (hits_before, _) = test.search(&["thrombocytopenia"]);

    let summary = merge(&test);
    assert_eq!(summary.segments_before, before.segments);
    assert_eq!(summary.segments_after, 1);
    assert_eq!(summary.records, 6);
    assert!(summary.seconds >= 0.0);
    let after = test.stats();
    assert_eq!((after.segments, after.records, after.deleted), (1, 6, 0));
    let (hits_after, _) = test.search(&["thrombocytopenia"]);
    assert_eq!(hits_after.total, hits_before.total);

    let again = merge(&test);
    assert_eq!((again.segments_before, again.segments_after), (1, 1));
    let text = stdout(&test.on_index(&["merge"]));
    assert!(
        text.starts_with("merged 1 segment into 1 (6 records) in "),
        "{text}"
    );
}

#[test]
fn merge_without_an_index_fails_with_exit_2() {
    let test = CliTest::new();
    let output = test.on_index(&["merge"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("index"), "{}", stderr(&output));
}
