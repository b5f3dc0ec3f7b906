//! `medlit index`: counts, replacement by id, and bad input that is reported and skipped.

use crate::util::{fixture, parse_json, stderr, CliTest, IngestJson};

#[test]
fn reindexing_the_same_files_replaces_instead_of_duplicating() {
    let test = CliTest::new();
    let (first, _) = test.index(&[&fixture("corpus")]);
    assert_eq!(
        (first.files, first.indexed, first.replaced, first.skipped),
        (3, 6, 0, 0)
    );
    assert_eq!(first.records, 6);
    assert!(first.bytes > 0 && first.elapsed_secs > 0.0);
    assert!(first.commit_secs + first.merge_secs <= first.elapsed_secs);
    let (second, _) = test.index(&[&fixture("corpus")]);
    assert_eq!((second.indexed, second.replaced, second.records), (6, 6, 6));
    let (all, _) = test.search(&[""]);
    assert_eq!(all.total, 6);
}

#[test]
fn the_same_id_twice_in_one_run_is_kept_once() {
    let test = CliTest::new();
    let hematology = fixture("corpus/hematology.txt");
    let copy = test.write(
        "copy/hematology.txt",
        std::fs::read(&hematology).expect("fixture"),
    );
    let (summary, _) = test.index(&[&hematology, &copy]);
    assert_eq!(
        (summary.indexed, summary.replaced, summary.records),
        (4, 2, 2)
    );
}

#[test]
fn bad_files_and_records_are_reported_and_the_rest_indexed() {
    let test = CliTest::new();
    let good = std::fs::read_to_string(fixture("corpus/general.txt")).expect("fixture");
    test.write("in/empty.txt", "");
    test.write("in/binary.txt", [0u8, 159, 146, 150, 0, 1, 2, 3]);
    test.write("in/prose.txt", "Dear diary,\nnothing here is a record.\n");
    let mut mixed = b"Broken record with a bad byte\n10.5555/bad.1\nAbstract:\nca\xe9\n\n".to_vec();
    mixed.extend_from_slice(good.as_bytes());
    test.write("in/mixed.txt", mixed);
    let (summary, messages) = test.index(&[&test.path().join("in")]);
    assert_eq!(summary.files, 4);
    assert_eq!(
        summary.indexed, 2,
        "both good records of mixed.txt are kept"
    );
    assert_eq!(summary.skipped, 4, "3 bad files and 1 bad record");
    for expected in [
        "empty.txt: empty file",
        "binary.txt: binary file",
        "prose.txt: unrecognized format: not PubMed XML",
        "mixed.txt: record 1, line 1: invalid UTF-8 at line 4",
    ] {
        assert!(
            messages.contains(expected),
            "missing {expected:?} in:\n{messages}"
        );
    }
    assert!(!messages.contains("panicked"));
}

#[test]
fn a_file_that_is_not_a_record_is_skipped_even_when_named() {
    let test = CliTest::new();
    let notes = test.write("notes.txt", "- Author:\n");
    let (summary, messages) = test.index(&[&notes]);
    assert_eq!((summary.indexed, summary.skipped), (0, 1));
    assert!(
        messages.contains("notes.txt: record 1, line 1: record has no title"),
        "{messages}"
    );
}

#[test]
fn missing_paths_are_reported() {
    let test = CliTest::new();
    let (summary, messages) = test.index(&[&test.path().join("nope"), &fixture("corpus")]);
    assert_eq!(summary.indexed, 6);
    assert_eq!(summary.skipped, 1, "the missing path counts as skipped");
    assert!(
        messages.contains("nope: no such file or directory"),
        "{messages}"
    );
}

#[test]
fn gzip_input_is_read_transparently() {
    use std::io::Write;
    let test = CliTest::new();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&std::fs::read(fixture("corpus/oncology.txt")).expect("fixture"))
        .expect("compress");
    let gz = test.write("oncology.txt.gz", encoder.finish().expect("finish"));
    let (summary, _) = test.index(&[&gz]);
    assert_eq!(summary.indexed, 2);
}

#[test]
fn a_failed_run_leaves_the_committed_index_searchable() {
    let test = CliTest::new();
    test.index(&[&fixture("corpus/general.txt")]);
    // A lexicon that does not parse stops the run before anything is written.
    let lexicon = test.write("bad.tsv", "aspirin\tpill\t\n");
    let output = test
        .medlit()
        .args(["index", "--therapies"])
        .arg(&lexicon)
        .arg(fixture("corpus"))
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("bad.tsv: line 1: unknown category \"pill\""),
        "{}",
        stderr(&output)
    );
    let (all, _) = test.search(&[""]);
    assert_eq!(all.total, 2);
}

#[test]
fn a_custom_lexicon_replaces_the_builtin_one() {
    let test = CliTest::new();
    let lexicon = test.write(
        "mini.tsv",
        "# mini\nsteroid pulse\tdrug\tdexamethasone|prednisone\n",
    );
    let output = test
        .medlit()
        .args(["index", "--json", "--therapies"])
        .arg(&lexicon)
        .arg(fixture("corpus"))
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    let summary: IngestJson = parse_json(&output);
    assert_eq!(summary.indexed, 6);
    let (all, _) = test.search(&["", "--facet", "therapy"]);
    assert_eq!(all.facet("therapy"), [("steroid pulse", 4)]);
}

#[test]
fn a_non_index_directory_is_refused() {
    let test = CliTest::new();
    test.write("notindex/readme.txt", "hello");
    let output = test
        .medlit()
        .args(["index"])
        .arg(fixture("corpus"))
        .arg("--index")
        .arg(test.path().join("notindex"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not a medlit index"),
        "{}",
        stderr(&output)
    );
}

/// Starts `medlit index -`, which takes the writer lock and then waits for standard input,
/// and returns it once it has been running for `settle`.
fn start_waiting_writer(
    test: &CliTest,
    settle: std::time::Duration,
) -> Option<std::process::Child> {
    use std::process::Stdio;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("medlit"))
        .args(["index", "-", "--quiet", "--index"])
        .arg(test.index_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("first writer starts");
    std::thread::sleep(settle);
    match child.try_wait().expect("poll") {
        None => Some(child),
        Some(_) => None,
    }
}

#[test]
fn a_second_writer_is_refused_while_searching_still_works() {
    use std::io::Write;
    let test = CliTest::new();
    test.index(&[&fixture("corpus/general.txt")]);
    // The first writer may lose the race for the lock on a loaded machine: then try again
    // with a longer head start.
    let mut refused = None;
    for attempt in 1..=5 {
        let Some(mut first) =
            start_waiting_writer(&test, std::time::Duration::from_millis(300 * attempt))
        else {
            continue;
        };
        let output = test
            .medlit()
            .arg("index")
            .arg(fixture("corpus/oncology.txt"))
            .arg("--index")
            .arg(test.index_dir())
            .output()
            .expect("runs");
        if output.status.code() != Some(2) {
            first.kill().expect("kill");
            first.wait().expect("reaped");
            continue;
        }
        refused = Some((first, stderr(&output)));
        break;
    }
    let (mut first, message) = refused.expect("a second writer is refused while the first runs");
    assert!(
        message.contains("is being written by another process"),
        "{message}"
    );
    let (during, _) = test.search(&[""]);
    assert_eq!(
        during.total, 2,
        "searching works during a write and sees the last commit"
    );
    let mut stdin = first.stdin.take().expect("stdin");
    stdin
        .write_all(&std::fs::read(fixture("corpus/hematology.txt")).expect("fixture"))
        .expect("feed stdin");
    drop(stdin);
    assert!(first.wait().expect("first writer ends").success());
    let (after, _) = test.search(&[""]);
    assert_eq!(
        after.total,
        during.total + 2,
        "the first writer committed its two records"
    );
}

#[test]
fn an_error_says_its_cause_once() {
    let test = CliTest::new();
    test.index(&[&fixture("corpus")]);
    let output = test.on_index(&["bench", "query", "--queries", "nope.txt"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("nope.txt: No such file"), "{message}");
    assert_eq!(
        message.matches("No such file or directory").count(),
        1,
        "{message}"
    );
}
