//! `medlit gen`: the same seed gives the same corpus, and a PubMed XML sample teaches it the
//! parts of records medlit does not read (reference lists, comment links), which
//! `--indexed-only` leaves out.

use crate::util::{fixture, stderr, CliTest};

/// `medlit gen ARGS` in `test`'s directory, asserting success; its standard output.
fn gen(test: &CliTest, args: &[&str]) -> String {
    let output = test.medlit().arg("gen").args(args).output().expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn the_same_seed_gives_the_same_corpus() {
    let test = CliTest::new();
    let first = gen(&test, &["-n", "30", "--seed", "3"]);
    assert_eq!(first, gen(&test, &["-n", "30", "--seed", "3"]));
    assert_ne!(first, gen(&test, &["-n", "30", "--seed", "4"]));
    assert_eq!(first.matches("<PubmedArticle>").count(), 30);
}

#[test]
fn a_pubmed_xml_sample_gives_reference_lists_unless_indexed_only() {
    let test = CliTest::new();
    let sample = fixture("pubmed_xml/set.xml");
    let sample = sample.to_str().expect("UTF-8 path");
    let args = ["-n", "200", "--sample", sample];
    let full = gen(&test, &args);
    let lean = gen(&test, &[&args[..], &["--indexed-only"]].concat());
    // One of the sample's two records has a reference list and a comment link; each part is
    // drawn on its own, at the sample's rate.
    for part in [
        "<ReferenceList>",
        "<CommentsCorrections RefType=\"CommentIn\">",
    ] {
        let records = full.matches(part).count();
        assert!((60..140).contains(&records), "{part}: {records} of 200");
    }
    assert!(!lean.contains("<ReferenceList>") && !lean.contains("<CommentsCorrections"));
    // Those parts are all medlit skips: both corpora index to the same records.
    let exported = |name: &str, corpus: &str| {
        let path = test.write(name, corpus);
        let index = test.path().join(format!("{name}.index"));
        let output = test
            .medlit()
            .arg("index")
            .arg(&path)
            .arg("--index")
            .arg(&index)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", stderr(&output));
        let output = test
            .medlit()
            .args(["export", "--format", "jsonl", "--index"])
            .arg(&index)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", stderr(&output));
        let mut lines: Vec<String> = String::from_utf8(output.stdout)
            .expect("UTF-8")
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    let records = exported("full.xml", &full);
    assert_eq!(records.len(), 200);
    assert_eq!(records, exported("lean.xml", &lean));
}
