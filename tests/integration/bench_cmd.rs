//! `medlit bench index` on the fixture corpus and `medlit bench query` on the sample corpus:
//! the reports' contracts (the keys scripts read) and their internal consistency. No timing
//! is asserted beyond its order (p50 <= p95 <= p99).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde::Deserialize;

use crate::util::{fixture, parse_json, stderr, stdout, CliTest};

/// `--rounds 3`: three ratios, the first the full run's, and their median.
#[test]
fn bench_index_rounds_report_the_median_ratio() {
    let test = CliTest::new();
    let output = test
        .medlit()
        .args([
            "bench", "index", "--json", "--memory", "64", "--rounds", "3",
        ])
        .arg(fixture("corpus"))
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = parse_json(&output);
    let rounds = report["rounds"].as_array().cloned().unwrap_or_default();
    assert_eq!(rounds.len(), 3, "{report}");
    // medlit first in the first round (the full run's pair), the baseline first in the
    // second, medlit first again in the third.
    let baseline_first: Vec<_> = rounds.iter().map(|r| &r["baseline_first"]).collect();
    assert_eq!(baseline_first, [false, true, false], "{report}");
    // Each round's ratio is medlit's figure over the baseline's (records/s), or the
    // baseline's over medlit's (CPU seconds); the first round is the full run.
    let mut ratios = checked_ratios(
        &rounds,
        "ratio_to_baseline",
        "records_per_sec",
        "baseline_records_per_sec",
    );
    assert_eq!(rounds[0]["ratio_to_baseline"], report["ratio_to_baseline"]);
    ratios.sort_by(f64::total_cmp);
    assert_eq!(report["median_ratio_to_baseline"].as_f64(), Some(ratios[1]));
    let mut cpu_ratios = checked_ratios(
        &rounds,
        "cpu_ratio_to_baseline",
        "baseline_cpu_secs",
        "cpu_secs",
    );
    assert_eq!(rounds[0]["cpu_secs"], report["all_cores"]["cpu_secs"]);
    assert_eq!(rounds[0]["baseline_cpu_secs"], report["baseline_cpu_secs"]);
    cpu_ratios.sort_by(f64::total_cmp);
    assert_eq!(
        report["median_cpu_ratio_to_baseline"].as_f64(),
        Some(cpu_ratios[1])
    );
    // Each round's parsing share is read from its own medlit run's threads; the baseline
    // has no parsing threads while it is timed (its documents were built before).
    assert_eq!(rounds[0]["thread_cpu"], report["thread_cpu"]);
    assert_eq!(
        rounds[0]["baseline_thread_cpu"],
        report["baseline_thread_cpu"]
    );
    let mut shares: Vec<f64> = rounds.iter().map(checked_parsing_share).collect();
    shares.sort_by(f64::total_cmp);
    assert_eq!(report["median_parsing_share"].as_f64(), Some(shares[1]));
    assert_bench_index_refuses(&test, &["--rounds", "0"]);
}

/// A round's `parsing_share`, checked against its medlit run's CPU seconds by thread.
fn checked_parsing_share(round: &serde_json::Value) -> f64 {
    let secs = |by_thread: &str, kind: &str| round[by_thread][kind].as_f64().unwrap_or(-1.0);
    let (parsing, indexing, docstore) = (
        secs("thread_cpu", "parsing_secs"),
        secs("thread_cpu", "indexing_secs"),
        secs("thread_cpu", "docstore_secs"),
    );
    assert!(
        parsing >= 0.0 && indexing >= 0.0 && docstore >= 0.0,
        "{round}"
    );
    assert_eq!(secs("baseline_thread_cpu", "parsing_secs"), 0.0, "{round}");
    let total = parsing + indexing + docstore;
    let expected = if total > 0.0 { parsing / total } else { 0.0 };
    let share = round["parsing_share"].as_f64().unwrap_or(-1.0);
    assert!((share - expected).abs() < 1e-9, "{round}");
    share
}

/// Each round's `key`, checked against its `numerator / denominator`, both of which must be
/// positive.
fn checked_ratios(
    rounds: &[serde_json::Value],
    key: &str,
    numerator: &str,
    denominator: &str,
) -> Vec<f64> {
    rounds
        .iter()
        .map(|round| {
            let (top, bottom) = (
                round[numerator].as_f64().unwrap_or(0.0),
                round[denominator].as_f64().unwrap_or(0.0),
            );
            assert!(top > 0.0 && bottom > 0.0, "{round}");
            let ratio = round[key].as_f64().unwrap_or(0.0);
            assert!((ratio - top / bottom).abs() < 1e-9, "{key}: {round}");
            ratio
        })
        .collect()
}

/// `--baseline-memory 1`: the baseline's documents stop at 1 MiB, so it indexes only part of
/// the 400 generated records (about 5 KB of document each), and both reports say so.
#[test]
fn the_baseline_holds_its_documents_within_the_memory_limit() {
    let test = CliTest::new();
    let run = |json: bool| {
        let mut command = test.medlit();
        command.args([
            "bench",
            "index",
            "--generate",
            "400",
            "--memory",
            "64",
            "--baseline-memory",
            "1",
        ]);
        if json {
            command.arg("--json");
        }
        let output = command.output().expect("runs");
        assert!(output.status.success(), "{}", stderr(&output));
        output
    };
    let report: serde_json::Value = parse_json(&run(true));
    assert_eq!(report["records"], 400, "{report}");
    assert_eq!(report["baseline_memory"], 1 << 20, "{report}");
    let held = report["baseline_records"].as_u64().unwrap_or(0);
    assert!((1..400).contains(&held), "{report}");
    assert_eq!(report["rounds"][0]["baseline_records"], held);
    let text = stdout(&run(false));
    assert!(
        text.contains("the baseline indexed ") && text.contains(" of the 400 records"),
        "{text}"
    );
    assert_bench_index_refuses(&test, &["--baseline-memory", "0"]);
}

/// `medlit bench index` with `options` on the fixture corpus is a usage error (exit 2).
fn assert_bench_index_refuses(test: &CliTest, options: &[&str]) {
    let refused = test
        .medlit()
        .args(["bench", "index"])
        .args(options)
        .arg(fixture("corpus"))
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
}

#[test]
fn bench_index_reports_throughput_against_the_baseline() {
    let test = CliTest::new();
    let output = test
        .medlit()
        .args(["bench", "index", "--json", "--memory", "64"])
        .arg(fixture("corpus"))
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = parse_json(&output);
    for key in [
        "records_per_sec",
        "mb_per_sec",
        "baseline_records_per_sec",
        "ratio_to_baseline",
        "peak_rss_bytes",
        "peak_anon_bytes",
        "index_bytes",
    ] {
        assert!(
            report[key].as_f64().is_some_and(|v| v > 0.0),
            "{key}: {report}"
        );
    }
    assert_eq!(report["records"], 6);
    assert_eq!(report["baseline_records"], 6);
    assert_eq!(report["all_cores"]["records"], 6);
    assert_eq!(report["one_thread"]["records"], 6);
    assert_eq!(report["one_thread"]["threads"], 1);
    assert_eq!(report["one_thread_on_one_core"], true);
    let ratio = report["records_per_sec"].as_f64().unwrap_or(0.0)
        / report["baseline_records_per_sec"].as_f64().unwrap_or(1.0);
    assert!((ratio - report["ratio_to_baseline"].as_f64().unwrap_or(0.0)).abs() < 1e-9);
    assert_eq!(report["rounds"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        report["median_ratio_to_baseline"],
        report["ratio_to_baseline"]
    );
    assert_eq!(
        report["median_cpu_ratio_to_baseline"],
        report["rounds"][0]["cpu_ratio_to_baseline"]
    );
    assert!(report["uncompressed_bytes"]
        .as_u64()
        .is_some_and(|b| b > 1000));
    // CPU time is the run's own, not the process's so far: confined to one core, the
    // one-thread run cannot use more CPU time than its wall-clock time.
    let one = &report["one_thread"];
    let (one_cpu, one_secs) = (one["cpu_secs"].as_f64(), one["seconds"].as_f64());
    assert!(
        one_cpu
            .zip(one_secs)
            .is_some_and(|(cpu, secs)| (0.0..=secs + 0.02).contains(&cpu)),
        "{one}"
    );
    for cpu in [
        &report["all_cores"]["cpu_secs"],
        &report["baseline_cpu_secs"],
    ] {
        assert!(cpu.as_f64().is_some_and(|c| c >= 0.0), "{report}");
    }
    // CPU by kind of thread: each part of the run's own CPU time, never more than it.
    for (by_thread, total) in [
        ("thread_cpu", &report["all_cores"]["cpu_secs"]),
        ("baseline_thread_cpu", &report["baseline_cpu_secs"]),
    ] {
        let parts = [
            "indexing_secs",
            "parsing_secs",
            "docstore_secs",
            "other_secs",
        ]
        .map(|kind| report[by_thread][kind].as_f64());
        assert!(
            parts.iter().all(|p| p.is_some_and(|p| p >= 0.0)),
            "{report}"
        );
        let sum: f64 = parts.iter().flatten().sum();
        let total = total.as_f64().unwrap_or(0.0);
        assert!(sum <= total + 0.05, "{by_thread} {sum} > {total}");
    }
}

/// `medlit bench query --json`, every key named (`deny_unknown_fields`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryBenchJson {
    index: String,
    records: u64,
    queries_file: Option<String>,
    seed: u64,
    limit: usize,
    per_class: usize,
    threads: usize,
    facets: Vec<String>,
    classes: Vec<ClassJson>,
    examples: BTreeMap<String, Vec<String>>,
    facets_p50_ms: f64,
    facets_p95_ms: f64,
    facets_p99_ms: f64,
    cold_runs: usize,
    cold_p50_ms: Option<f64>,
    cold_p95_ms: Option<f64>,
    cold_p99_ms: Option<f64>,
    failed: Vec<FailedJson>,
    notes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassJson {
    class: String,
    facets: bool,
    threads: usize,
    queries: usize,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
    queries_per_sec: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailedJson {
    line: Option<u64>,
    class: String,
    query: String,
    error: String,
}

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// The sample corpus indexed with the sample MeSH vocabulary (so `[mh]` explodes); returns
/// the number of records.
fn sample_index(test: &CliTest) -> u64 {
    let (ingest, _) = test.index(&[&sample_dir()]);
    let output = test
        .medlit()
        .args(["mesh", "import"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mesh_sample.tsv"))
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    ingest.indexed
}

fn bench_query(test: &CliTest, args: &[&str]) -> Output {
    test.medlit()
        .args(["bench", "query", "--index"])
        .arg(test.index_dir())
        .args(args)
        .output()
        .expect("runs")
}

fn assert_ordered(what: &str, p50: f64, p95: f64, p99: f64) {
    assert!(
        0.0 < p50 && p50 <= p95 && p95 <= p99,
        "{what}: p50 {p50}, p95 {p95}, p99 {p99}"
    );
}

#[test]
fn bench_query_times_every_class_with_and_without_facets_and_a_cold_search() {
    let test = CliTest::new();
    let records = sample_index(&test);
    let args = [
        "--per-class",
        "5",
        "--cold-runs",
        "2",
        "--warmup",
        "1",
        "--threads",
        "2",
        "--json",
    ];
    let output = bench_query(&test, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: QueryBenchJson = parse_json(&output);
    assert_eq!(report.records, records);
    assert_eq!(report.index, test.index_dir().display().to_string());
    assert_eq!(report.queries_file, None);
    assert_eq!((report.seed, report.limit, report.per_class), (1, 10, 5));
    assert_eq!(report.threads, 2);
    assert_eq!(report.facets, ["mesh", "therapy", "year"]);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let classes = ["term", "and", "or", "phrase", "field", "mesh"];
    let mut runs = Vec::new();
    for class in &report.classes {
        assert_eq!(class.queries, 5, "{class:?}");
        assert_ordered(&class.class, class.p50_ms, class.p95_ms, class.p99_ms);
        assert!(class.mean_ms > 0.0 && class.mean_ms <= class.p99_ms.max(class.mean_ms));
        assert!(class.queries_per_sec > 0.0, "{class:?}");
        runs.push((class.class.as_str(), class.facets, class.threads));
    }
    let expected: Vec<(&str, bool, usize)> = classes
        .iter()
        .flat_map(|&c| [(c, false, 1), (c, false, 2), (c, true, 1), (c, true, 2)])
        .collect();
    assert_eq!(runs, expected);
    assert_eq!(
        report.examples.keys().collect::<Vec<_>>(),
        ["and", "field", "mesh", "or", "phrase", "term"]
    );
    assert!(report.examples["mesh"].iter().all(|q| q.ends_with("[mh]")));
    assert!(report.examples["or"].iter().all(|q| q.contains(" OR ")));
    assert!(report.examples["phrase"].iter().all(|q| q.starts_with('"')));
    assert_ordered(
        "facets",
        report.facets_p50_ms,
        report.facets_p95_ms,
        report.facets_p99_ms,
    );
    assert_eq!(report.cold_runs, 2);
    let cold = (report.cold_p50_ms, report.cold_p95_ms, report.cold_p99_ms);
    let (Some(p50), Some(p95), Some(p99)) = cold else {
        panic!("cold runs not measured: {cold:?}");
    };
    assert_ordered("cold", p50, p95, p99);

    // The same seed draws the same queries.
    let again = bench_query(
        &test,
        &[
            "--per-class",
            "5",
            "--cold-runs",
            "0",
            "--threads",
            "1",
            "--json",
        ],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    let again: QueryBenchJson = parse_json(&again);
    assert_eq!(again.examples, report.examples);
    assert_eq!(again.classes.len(), classes.len() * 2);
    assert_eq!((again.cold_runs, again.cold_p50_ms), (0, None));
}

#[test]
fn bench_query_runs_a_query_file_and_reports_the_queries_it_cannot_run() {
    let test = CliTest::new();
    sample_index(&test);
    let file = test.write(
        "queries.jsonl",
        concat!(
            "# plain lines and BEIR JSON lines mixed\n",
            "thrombocytopenia\n",
            "\n",
            "{\"_id\": \"7\", \"text\": \"rituximab for immune thrombocytopenia\", \"metadata\": {}}\n",
            "(platelet AND\n",
            "{\"query\": \"neoplasms[mh]\"}\n",
            "{\"_id\": \"9\"}\n",
        ),
    );
    let file = file.to_str().expect("utf-8 path");
    let output = bench_query(
        &test,
        &[
            "--queries",
            file,
            "--any",
            "--cold-runs",
            "1",
            "--threads",
            "1",
            "--json",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report: QueryBenchJson = parse_json(&output);
    assert_eq!(report.queries_file.as_deref(), Some(file));
    assert_eq!(
        report.examples["text"],
        [
            "thrombocytopenia",
            "rituximab for immune thrombocytopenia",
            "neoplasms[mh]"
        ]
    );
    let runs: Vec<(&str, bool, usize, usize)> = report
        .classes
        .iter()
        .map(|c| (c.class.as_str(), c.facets, c.threads, c.queries))
        .collect();
    assert_eq!(runs, [("text", false, 1, 3), ("text", true, 1, 3)]);
    let failed: Vec<(Option<u64>, &str, &str)> = report
        .failed
        .iter()
        .map(|f| (f.line, f.class.as_str(), f.query.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (Some(5), "text", "(platelet AND"),
            (Some(7), "text", "{\"_id\": \"9\"}")
        ]
    );
    assert!(
        report.failed[0].error.contains("AND"),
        "{:?}",
        report.failed
    );
    assert!(stderr(&output).contains("line 5"), "{}", stderr(&output));
    assert_eq!(report.cold_runs, 1);

    let text = bench_query(&test, &["--queries", file, "--cold-runs", "0"]);
    assert!(text.status.success(), "{}", stderr(&text));
    let table = stdout(&text);
    let header = table.lines().nth(1).unwrap_or_default();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["class", "threads", "queries", "p50", "ms", "p95", "ms", "p99", "ms", "qps"]
    );
    assert!(table.contains("\ntext+facets "), "{table}");
    assert!(
        table.contains("cold `medlit search` not measured"),
        "{table}"
    );
    assert!(table.contains("2 queries skipped"), "{table}");
}

#[test]
fn bench_query_refuses_a_missing_or_empty_index() {
    let test = CliTest::new();
    let missing = bench_query(&test, &["--cold-runs", "0"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no medlit index at"),
        "{}",
        stderr(&missing)
    );
    let empty = test.write("empty.jsonl", "");
    test.index(&[&empty]);
    let output = bench_query(&test, &["--cold-runs", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("holds no records"),
        "{}",
        stderr(&output)
    );
}
