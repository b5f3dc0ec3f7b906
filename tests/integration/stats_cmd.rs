//! `medlit stats`.

use crate::util::{fixture, stdout, CliTest};

#[test]
fn stats_report_records_segments_facets_and_version() {
    let test = CliTest::new();
    test.index(&[&fixture("corpus")]);
    let stats = test.stats();
    assert_eq!(stats.records, 6);
    assert_eq!(stats.deleted, 0);
    assert!(stats.segments >= 1);
    assert!(stats.size_bytes > 1000);
    assert_eq!(stats.schema_version, medlit::schema::SCHEMA_VERSION);
    assert_eq!(
        stats.medlit_version.as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert!(stats
        .last_commit
        .as_deref()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(stats.facets["mesh"], 16);
    assert_eq!(stats.facets["journal"], 3);
    assert_eq!(stats.facets["year"], 6);
    assert_eq!(stats.facets["language"], 2);
    assert!(stats.path.ends_with("index"));

    let text = test.on_index(&["stats"]);
    let text = stdout(&text);
    assert!(text.contains("records       6"), "{text}");
    let version = format!("schema        version {}", medlit::schema::SCHEMA_VERSION);
    assert!(text.contains(&version), "{text}");
}
