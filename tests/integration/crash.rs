//! Crash safety and concurrent use: `medlit index` killed with SIGKILL at several points of a
//! large ingest, `medlit merge` killed while it merges, searching while an ingest runs, and
//! index directories that cannot be used.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::util::{stderr, CliTest, StatsJson};

/// Records in the generated corpus, and the commit interval used with it.
const RECORDS: u64 = 12_000;
const COMMIT_EVERY: u64 = 1_000;

/// A JSON Lines corpus of `RECORDS` distinct records, big enough to be cut into several
/// chunks parsed in parallel.
fn write_corpus(test: &CliTest) -> PathBuf {
    const WORDS: [&str; 16] = [
        "leukemia",
        "marrow",
        "transplant",
        "tumor",
        "dose",
        "trial",
        "survival",
        "immune",
        "receptor",
        "mutation",
        "lymphoma",
        "platelet",
        "infusion",
        "relapse",
        "cohort",
        "graft",
    ];
    let mut text = String::new();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut word = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        WORDS[(state % WORDS.len() as u64) as usize]
    };
    for i in 0..RECORDS {
        let title: Vec<&str> = (0..8).map(|_| word()).collect();
        let abstract_text: Vec<&str> = (0..120).map(|_| word()).collect();
        let record = serde_json::json!({
            "id": format!("crash:{i}"),
            "title": title.join(" "),
            "abstract": abstract_text.join(" "),
        });
        text.push_str(&record.to_string());
        text.push('\n');
    }
    test.write("corpus.jsonl", text)
}

/// Starts `medlit index corpus --commit-every COMMIT_EVERY` with stderr piped.
fn start_ingest(test: &CliTest, corpus: &Path) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("medlit"))
        .arg("index")
        .arg(corpus)
        .arg("--index")
        .arg(test.index_dir())
        .args([
            "--commit-every",
            &COMMIT_EVERY.to_string(),
            "--threads",
            "2",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("medlit index starts")
}

/// Reads the child's stderr until it has reported `commits` intermediate commits (or ended);
/// returns the record counts it reported as committed.
fn wait_for_commits(child: &mut Child, commits: usize) -> Vec<u64> {
    let stderr = child.stderr.as_mut().expect("stderr is piped");
    let mut reported = Vec::new();
    if commits == 0 {
        return reported;
    }
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("stderr is text");
        assert!(!line.contains("panicked"), "{line}");
        if let Some(rest) = line.strip_prefix("medlit: committed: the first ") {
            let count = rest.split(' ').next().expect("a count");
            reported.push(count.parse().expect("a number"));
            if reported.len() == commits {
                break;
            }
        }
    }
    reported
}

/// The ids of every record in the index, through `medlit export`.
fn ids_in_index(test: &CliTest) -> Vec<String> {
    let output = test.on_index(&["export", "--format", "jsonl"]);
    assert!(output.status.success(), "{}", stderr(&output));
    output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            let record: serde_json::Value = serde_json::from_slice(line).expect("JSON line");
            record["id"].as_str().expect("an id").to_string()
        })
        .collect()
}

/// Kills an ingest after `commits` intermediate commits (0: right after it starts), then
/// checks the index and completes the ingest by running it again.
fn kill_after(commits: usize) {
    let test = CliTest::new();
    let corpus = write_corpus(&test);
    let mut child = start_ingest(&test, &corpus);
    let reported = wait_for_commits(&mut child, commits);
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("reaped");
    let seen = reported.last().copied().unwrap_or(0);

    if test.index_dir().join("meta.json").exists() {
        let kept = test.stats().records;
        assert!(
            kept.is_multiple_of(COMMIT_EVERY),
            "after a kill ({status}) the index holds exactly the records of a commit, not {kept}"
        );
        assert!(kept >= seen, "a reported commit was lost: {kept} < {seen}");
        assert!(kept <= RECORDS);
        let ids = ids_in_index(&test);
        assert_eq!(ids.len() as u64, kept);
        let (all, _) = test.search(&[""]);
        assert_eq!(all.total as u64, kept, "the kept records answer queries");
        let (some, _) = test.search(&["leukemia AND relapse"]);
        assert!(kept == 0 || some.total > 0);
    }

    let (summary, message) = test.index(&[&corpus]);
    assert!(!message.contains("panicked"), "{message}");
    assert_eq!(summary.indexed, RECORDS);
    assert_eq!(summary.records, RECORDS, "no duplicates after the re-run");
    assert_eq!(
        summary.commits, 1,
        "the default interval commits a small run once"
    );
    let mut ids = ids_in_index(&test);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as u64, RECORDS);
    let (one, _) = test.search(&["id:crash:4321"]);
    assert_eq!(one.total, 1);
}

#[test]
fn killed_at_the_start_the_index_is_empty_or_absent_and_a_rerun_completes_it() {
    kill_after(0);
}

#[test]
fn killed_after_the_first_commit_the_index_keeps_it() {
    kill_after(1);
}

#[test]
fn killed_midway_the_index_keeps_the_last_commit() {
    kill_after(5);
}

#[test]
fn killed_near_the_end_the_index_keeps_the_last_commit() {
    kill_after(10);
}

#[test]
fn searching_during_an_ingest_sees_the_committed_records() {
    let test = CliTest::new();
    let corpus = write_corpus(&test);
    let mut child = start_ingest(&test, &corpus);
    let reported = wait_for_commits(&mut child, 2);
    assert_eq!(reported, [COMMIT_EVERY, 2 * COMMIT_EVERY]);
    let (during, _) = test.search(&["", "--limit", "1"]);
    let finished = child.try_wait().expect("poll").is_some();
    assert!(
        during.total as u64 >= 2 * COMMIT_EVERY
            && (during.total as u64).is_multiple_of(COMMIT_EVERY),
        "{}",
        during.total
    );
    let second = test
        .medlit()
        .arg("index")
        .arg(&corpus)
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    if !finished && child.try_wait().expect("poll").is_none() {
        assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
        let message = stderr(&second);
        assert!(
            message.contains("is being written by another process"),
            "{message}"
        );
        assert!(message.contains(".tantivy-writer.lock"), "{message}");
    }
    // Drain stderr so the writer never blocks on a full pipe, then let it finish.
    wait_for_commits(&mut child, usize::MAX);
    assert!(child.wait().expect("reaped").success());
    assert_eq!(test.stats().records, RECORDS);
}

#[test]
fn a_read_only_index_can_be_searched_but_not_written() {
    let test = CliTest::new();
    let corpus = crate::util::fixture("corpus/general.txt");
    test.index(&[&corpus]);
    let Some(_guard) = ReadOnly::make(&test.index_dir()) else {
        eprintln!("skipped: cannot make a directory read-only here (neither chmod nor chattr)");
        return;
    };
    let (all, code) = test.search(&[""]);
    assert_eq!((all.total, code), (2, 0));
    let output = test
        .medlit()
        .arg("index")
        .arg(crate::util::fixture("corpus/oncology.txt"))
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("cannot write to the index at"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
}

/// Makes a directory read-only for the test (chmod, and `chattr +i` when running as root,
/// whom permission bits do not stop); undone on drop.
struct ReadOnly {
    path: PathBuf,
    immutable: bool,
}

impl ReadOnly {
    fn make(path: &Path) -> Option<ReadOnly> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555)).ok()?;
        let mut guard = ReadOnly {
            path: path.to_path_buf(),
            immutable: false,
        };
        if !guard.is_writable() {
            return Some(guard);
        }
        guard.immutable = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        (!guard.is_writable()).then_some(guard)
    }

    fn is_writable(&self) -> bool {
        let probe = self.path.join(".write-probe");
        let writable = std::fs::write(&probe, b"x").is_ok();
        let _ = std::fs::remove_file(probe);
        writable
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
        }
        let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn an_index_of_another_schema_version_is_refused_with_the_way_out() {
    let test = CliTest::new();
    test.index(&[&crate::util::fixture("corpus/general.txt")]);
    let meta_path = test.index_dir().join("meta.json");
    let meta = std::fs::read_to_string(&meta_path).expect("meta.json");
    let current = medlit::schema::SCHEMA_VERSION;
    let older = meta.replace(
        &format!("\\\"schema_version\\\":{current}"),
        &format!("\\\"schema_version\\\":{}", current - 1),
    );
    assert_ne!(
        meta, older,
        "the payload carries the schema version: {meta}"
    );
    std::fs::write(&meta_path, older).expect("rewrite meta.json");
    for command in [&["search", "x"][..], &["index", "-"][..], &["stats"][..]] {
        let output = test
            .medlit()
            .args(command)
            .arg("--index")
            .arg(test.index_dir())
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        let message = stderr(&output);
        assert!(
            message.contains(&format!(
                "has schema version {}, this medlit uses version {current}",
                current - 1
            )) && message.contains("rebuild it"),
            "{command:?}: {message}"
        );
    }
}

#[test]
fn a_directory_left_by_a_killed_creation_is_taken_as_new() {
    let test = CliTest::new();
    std::fs::create_dir_all(test.index_dir()).expect("dir");
    test.write("index/medlit-settings.json.tmp", "{\"stemm");
    test.write("index/.tantivy-writer.lock", "");
    let (summary, _) = test.index(&[&crate::util::fixture("corpus/general.txt")]);
    assert_eq!(summary.records, 2);
}

/// `medlit merge` killed with SIGKILL at several moments: the index always opens with every
/// record, searchable, and a merge run to the end then leaves one segment.
#[test]
fn a_killed_merge_leaves_every_record_in_the_index() {
    let test = CliTest::new();
    let corpus = write_corpus(&test);
    // Indexing the corpus twice replaces every record (the merges during ingest may already
    // have dropped the replaced copies). One record indexed again on its own adds a segment
    // and a deleted copy, unless it makes enough small segments for the merge policy, which
    // then merges them all away; it is indexed again until the merge has work to do. After
    // such a merge there is one segment, so the next run always leaves two.
    for _ in 0..2 {
        let mut child = start_ingest(&test, &corpus);
        wait_for_commits(&mut child, usize::MAX);
        assert!(child.wait().expect("reaped").success());
    }
    let again = test.write(
        "again.jsonl",
        "{\"id\":\"crash:4321\",\"title\":\"leukemia relapse\"}\n",
    );
    let has_work = |stats: &StatsJson| stats.segments > 1 && stats.deleted > 0;
    let mut before = test.stats();
    for _ in 0..=medlit::merge::MIN_SEGMENTS_IN_MERGE {
        if has_work(&before) {
            break;
        }
        test.index(&[&again]);
        before = test.stats();
    }
    assert_eq!(before.records, RECORDS);
    assert!(has_work(&before), "{before:?}");

    let mut killed_unmerged = 0;
    for delay_ms in [20, 150, 300, 400, 500, 600, 700, 850, 1000, 1500] {
        let mut merge = Command::new(assert_cmd::cargo::cargo_bin("medlit"))
            .args(["merge", "--index"])
            .arg(test.index_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("medlit merge starts");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // It may have finished already; killing a reaped-but-not-waited child is harmless.
        let _ = merge.kill();
        merge.wait().expect("reaped");
        let stats = test.stats();
        eprintln!(
            "merge killed after {delay_ms} ms: {} segments, {} deleted",
            stats.segments, stats.deleted
        );
        assert_eq!(stats.records, RECORDS, "after a kill at {delay_ms} ms");
        let (all, _) = test.search(&[""]);
        assert_eq!(all.total as u64, RECORDS);
        let (one, _) = test.search(&["id:crash:4321"]);
        assert_eq!(one.total, 1, "one copy of a replaced record");
        killed_unmerged += usize::from(stats.segments > 1);
    }
    eprintln!("{killed_unmerged} kills left the index unmerged");

    let output = test.on_index(&["merge"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let after = test.stats();
    assert_eq!(
        (after.segments, after.deleted, after.records),
        (1, 0, RECORDS)
    );
    assert_eq!(ids_in_index(&test).len() as u64, RECORDS);
}
