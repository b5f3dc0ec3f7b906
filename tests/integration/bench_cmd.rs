//! `medlit bench index` on the fixture corpus: the report's contract (the keys scripts read)
//! and its internal consistency. No timing is asserted.

use crate::util::{fixture, parse_json, stderr, CliTest};

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
        "index_bytes",
    ] {
        assert!(
            report[key].as_f64().is_some_and(|v| v > 0.0),
            "{key}: {report}"
        );
    }
    assert_eq!(report["records"], 6);
    assert_eq!(report["all_cores"]["records"], 6);
    assert_eq!(report["one_thread"]["records"], 6);
    assert_eq!(report["one_thread"]["threads"], 1);
    let ratio = report["records_per_sec"].as_f64().unwrap_or(0.0)
        / report["baseline_records_per_sec"].as_f64().unwrap_or(1.0);
    assert!((ratio - report["ratio_to_baseline"].as_f64().unwrap_or(0.0)).abs() < 1e-9);
    assert!(report["uncompressed_bytes"]
        .as_u64()
        .is_some_and(|b| b > 1000));
}
