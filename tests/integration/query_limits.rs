//! Query robustness through the CLI: hostile queries get a clear error (exit 2) or a
//! bounded answer, never a hang or a panic. The limits are documented in RELIABILITY.md.

use crate::util::{fixture, stderr, CliTest};

fn corpus() -> CliTest {
    let test = CliTest::new();
    test.index(&[&fixture("corpus")]);
    test
}

/// Runs a query that must be refused and returns its message.
fn refused(test: &CliTest, query: &str) -> String {
    let output = test.search_output(&[query], false);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("invalid query"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    assert!(
        message.len() < 400,
        "the message quotes at most an excerpt: {} bytes",
        message.len()
    );
    message
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_and_the_limit_itself_works() {
    let test = corpus();
    let deep = format!("{}leukemia{}", "(".repeat(33), ")".repeat(33));
    assert!(refused(&test, &deep).contains("parentheses nested deeper than 32 at column 33"));
    let at_limit = format!("{}tocilizumab{}", "(".repeat(32), ")".repeat(32));
    let (results, code) = test.search(&[&at_limit]);
    assert_eq!(code, 0);
    assert!(results.total > 0);
    let unbalanced = format!("leukemia{}", ")".repeat(10_000));
    refused(&test, &unbalanced);
}

#[test]
fn thousands_of_terms_are_refused_above_the_limit_and_answered_below_it() {
    let test = corpus();
    let terms = |n: usize| {
        (0..n)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    assert!(refused(&test, &terms(1_100)).contains("more than 1024 terms"));
    let (results, code) = test.search(&[&format!("{} OR tocilizumab", terms(1_000))]);
    assert_eq!(code, 0);
    assert!(results.total > 0);
}

#[test]
fn a_very_long_query_is_refused_with_a_short_message() {
    let test = corpus();
    let message = refused(&test, &"x".repeat(50_000));
    assert!(message.contains("(50000 characters)"), "{message}");
    assert!(
        message.contains("longer than 10000 characters"),
        "{message}"
    );
}

#[test]
fn a_huge_wildcard_expansion_is_capped_and_said() {
    let test = CliTest::new();
    let mut corpus = String::new();
    for i in 0..1_500 {
        corpus.push_str(&format!(
            "{{\"id\":\"w{i}\",\"title\":\"zq{i:04} study\",\"abstract\":\"a\"}}\n"
        ));
    }
    let path = test.write("wild.jsonl", corpus);
    test.index(&[&path]);
    let (results, code) = test.search(&["zq*"]);
    assert_eq!(code, 0);
    assert_eq!(
        results.total, 1_000,
        "the first 1,000 terms (alphabetically) are searched"
    );
    assert!(
        results
            .notes
            .iter()
            .any(|note| note.contains("zq* matches more than 1000 terms")),
        "{:?}",
        results.notes
    );
    let (all, _) = test.search(&["a*"]);
    assert_eq!(all.total, 1_500);
}

#[test]
fn empty_blank_and_stop_word_queries_are_answered() {
    let test = corpus();
    for query in ["", "   ", "\t"] {
        let (results, code) = test.search(&[query]);
        assert_eq!(
            (results.total, code),
            (6, 0),
            "{query:?} matches every record"
        );
    }
    let (stop, code) = test.search(&["the of and"]);
    assert!(code == 0 || code == 1, "stop words are ordinary terms");
    assert!(stop.total <= 6);
    for query in ["*", "!!! ??? ---", "\"\"", "()"] {
        let output = test.search_output(&[query], true);
        let code = output.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "{query:?}: {code:?} {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"), "{query:?}");
    }
}

#[test]
fn unknown_fields_and_tags_are_refused() {
    let test = corpus();
    assert!(refused(&test, "nosuch:leukemia").contains("unknown field \"nosuch\""));
    let message = refused(&test, "leukemia[zz]");
    assert!(message.contains("zz"), "{message}");
}
