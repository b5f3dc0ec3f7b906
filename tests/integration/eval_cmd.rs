//! `medlit eval` end to end on five made-up documents whose ranking is fixed by BM25 (one
//! occurrence of the query word each, shorter documents first), with metric values worked out
//! by hand:
//!
//! - q1 `aspirin` ranks d2 (2 words) then d1 (6 words); judged d2 = 2, d4 = 1 (never found).
//!   DCG@10 = 2/log2(2) = 2; IDCG = 2 + 1/log2(3); nDCG = 2 / (2 + 1/log2 3) = 0.760185…;
//!   Recall@100 = 1/2; AP@100 = (1/1)/2 = 0.5; RR@10 = 1.
//! - q2 `statin` ranks d3 then d4; judged d4 = 1. nDCG = (1/log2 3)/1 = 0.630930…;
//!   Recall = 1; AP = (1/2)/1 = 0.5; RR = 1/2.
//! - q3 (query syntax characters, run as plain text) has no judgment: not averaged.
//! - q4 is judged but not in the queries: all zeros.
//!
//! Means over q1, q2, q4: nDCG (0.760185 + 0.630930 + 0)/3, Recall 0.5, MAP 1/3, MRR 0.5.

use std::path::{Path, PathBuf};

use crate::util::{fixture, parse_json, stderr, CliTest};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EvalJson {
    queries: usize,
    judged: usize,
    ndcg_at_10: f64,
    recall_at_100: f64,
    map_at_100: f64,
    mrr_at_10: f64,
    elapsed_secs: f64,
    options: serde_json::Value,
    #[serde(default)]
    per_query: Option<Vec<(String, Metrics)>>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Metrics {
    ndcg_at_10: f64,
    recall_at_100: f64,
    map_at_100: f64,
    mrr_at_10: f64,
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn evaluation_matches_hand_computed_metrics() {
    let test = CliTest::new();
    let (summary, _) = test.index(&[&fixture("eval_e2e/corpus.jsonl")]);
    assert_eq!(summary.indexed, 5);
    let run_file = test.path().join("run.trec");
    let output = test
        .medlit()
        .arg("eval")
        .arg("--queries")
        .arg(fixture("eval_e2e/queries.jsonl"))
        .arg("--qrels")
        .arg(fixture("eval_e2e/qrels.tsv"))
        .args(["--no-feedback", "--json", "--per-query", "--run"])
        .arg(&run_file)
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let report: EvalJson = parse_json(&output);
    let log3 = 3f64.log2();
    let q1 = 2.0 / (2.0 + 1.0 / log3);
    let q2 = 1.0 / log3;
    assert_eq!((report.queries, report.judged), (3, 3));
    assert!(
        close(report.ndcg_at_10, (q1 + q2) / 3.0),
        "{}",
        report.ndcg_at_10
    );
    assert!(close(report.recall_at_100, 0.5), "{}", report.recall_at_100);
    assert!(close(report.map_at_100, 1.0 / 3.0), "{}", report.map_at_100);
    assert!(close(report.mrr_at_10, 0.5), "{}", report.mrr_at_10);
    assert!(report.elapsed_secs >= 0.0);
    assert_eq!(report.options["feedback"], serde_json::Value::Null);
    let per_query = report.per_query.expect("per query");
    let first = &per_query.iter().find(|(id, _)| id == "q1").expect("q1").1;
    assert!(close(first.ndcg_at_10, q1) && close(first.recall_at_100, 0.5));
    assert!(close(first.map_at_100, 0.5) && close(first.mrr_at_10, 1.0));

    let run = std::fs::read_to_string(&run_file).expect("run file");
    let lines: Vec<Vec<&str>> = run
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0][..4], ["q1", "Q0", "d2", "1"]);
    assert_eq!(lines[1][..4], ["q1", "Q0", "d1", "2"]);
    assert!(lines.iter().all(|l| l.len() == 6 && l[5] == "medlit"));
    assert!(
        lines.iter().any(|l| l[0] == "q3" && l[2] == "d5"),
        "q3 ran as plain text"
    );
}

/// Query and judgment files saved as UTF-16 (a Windows editor's "Unicode") are read as
/// their UTF-8 originals are: the same queries, the same judgments, the same metrics.
#[test]
fn utf16_query_and_judgment_files_give_the_same_metrics() {
    let test = CliTest::new();
    test.index(&[&fixture("eval_e2e/corpus.jsonl")]);
    let utf16 = |name: &str, path: PathBuf| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let copy = test.path().join(name);
        std::fs::write(&copy, bytes).expect("writes");
        copy
    };
    let eval = |queries: &Path, qrels: &Path| -> EvalJson {
        let output = test
            .medlit()
            .arg("eval")
            .arg("--queries")
            .arg(queries)
            .arg("--qrels")
            .arg(qrels)
            .args(["--no-feedback", "--json", "--index"])
            .arg(test.index_dir())
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", stderr(&output));
        parse_json(&output)
    };
    let plain = eval(
        &fixture("eval_e2e/queries.jsonl"),
        &fixture("eval_e2e/qrels.tsv"),
    );
    let wide = eval(
        &utf16("queries16.jsonl", fixture("eval_e2e/queries.jsonl")),
        &utf16("qrels16.tsv", fixture("eval_e2e/qrels.tsv")),
    );
    assert_eq!((wide.queries, wide.judged), (3, 3));
    assert!(
        close(wide.ndcg_at_10, plain.ndcg_at_10),
        "{}",
        wide.ndcg_at_10
    );
    assert!(
        close(wide.map_at_100, plain.map_at_100),
        "{}",
        wide.map_at_100
    );
}

#[test]
fn bad_judgment_files_name_the_file_and_line() {
    let test = CliTest::new();
    test.index(&[&fixture("eval_e2e/corpus.jsonl")]);
    let qrels = test.write("bad.qrels", "q1 0 d1 1\nq2 0 d2\n");
    let output = test
        .medlit()
        .arg("eval")
        .arg("--queries")
        .arg(fixture("eval_e2e/queries.jsonl"))
        .arg("--qrels")
        .arg(&qrels)
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("bad.qrels: line 2"),
        "{}",
        stderr(&output)
    );
}
