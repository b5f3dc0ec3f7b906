//! Parse-only benchmarks, one per input format, in records/s and MB/s (criterion reports
//! bytes/s as throughput). The corpora are made-up fixtures of this repository, repeated to a
//! useful size; when the real PubMed sample of `../shared/data` is present (or
//! `$MEDLIT_SHARED_DATA` names it), it is benchmarked too.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medlit::formats::{Format, Parsed};

mod support;

fn fixture(relative: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `count` copies of the records between `first_record` and `end` in `text`, wrapped in
/// `prefix` and `suffix`.
fn repeat_records(
    text: &[u8],
    first_record: &str,
    end: &str,
    count: usize,
    prefix: &str,
    suffix: &str,
) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    let start = text.find(first_record).expect("first record");
    let stop = text.rfind(end).expect("end") + end.len();
    let body = &text[start..stop];
    let mut out = String::from(prefix);
    for _ in 0..count {
        out.push_str(body);
        out.push('\n');
    }
    out.push_str(suffix);
    out.into_bytes()
}

fn count_records(format: Format, bytes: &[u8]) -> usize {
    format
        .parse(bytes)
        .filter(|item| matches!(item, Ok(Parsed::Record(_))))
        .count()
}

fn bench_format(c: &mut Criterion, name: &str, format: Format, bytes: &[u8]) {
    let expected = count_records(format, bytes);
    assert!(expected > 0, "{name}: no records");
    let mut group = c.benchmark_group(format!("parse/{name}"));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function(format!("{expected} records"), |b| {
        b.iter(|| assert_eq!(count_records(format, black_box(bytes)), expected))
    });
    group.finish();
}

fn shared_pubmed_sample() -> Option<Vec<u8>> {
    use std::io::Read;
    let raw = std::fs::read(support::shared_pubmed_sample_path()).ok()?;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(raw.as_slice())
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

fn benches(c: &mut Criterion) {
    let xml = repeat_records(
        &fixture("pubmed_xml/set.xml"),
        "<PubmedArticle>",
        "</PubmedBookArticle>",
        300,
        "<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n",
        "</PubmedArticleSet>\n",
    );
    bench_format(c, "pubmed_xml", Format::PubmedXml, &xml);
    if let Some(sample) = shared_pubmed_sample() {
        bench_format(c, "pubmed_xml_shared_sample", Format::PubmedXml, &sample);
    }
    let medline = fixture("medline/sample.nbib").repeat(300);
    bench_format(c, "medline", Format::Medline, &medline);
    let records: Vec<medlit::Record> = Format::PubmedXml
        .parse(xml.as_slice())
        .filter_map(|item| match item {
            Ok(Parsed::Record(record)) => Some(*record),
            _ => None,
        })
        .collect();
    let jsonl: Vec<u8> = records
        .iter()
        .flat_map(|r| {
            let mut line = serde_json::to_vec(r).expect("serializes");
            line.push(b'\n');
            line
        })
        .collect();
    bench_format(c, "jsonl", Format::Jsonl, &jsonl);
    let abstract_page = [fixture("abstract_page/single.txt"), b"\n".to_vec()]
        .concat()
        .repeat(300);
    bench_format(c, "abstract_page", Format::AbstractPage, &abstract_page);
}

criterion_group!(formats, benches);
criterion_main!(formats);
