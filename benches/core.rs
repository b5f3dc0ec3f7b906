//! Criterion benchmarks of the core pipeline on the embedded sample corpus: parsing,
//! analysis, the therapy pass, document building, indexing with commit, and a faceted search.
//! Each loop checks its result count so a broken pipeline cannot look fast. Where the shared
//! PubMed sample is (`../shared/data`, or `$MEDLIT_SHARED_DATA`), the tokenizer is also
//! measured on 30,000 abstracts generated from it.

#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use medlit::formats::abstract_page::AbstractPageReader;
use medlit::ingest::{self, IngestOptions, SilentObserver};
use medlit::query::{Search, SearchRequest};
use medlit::schema::{FacetKind, Fields};
use medlit::therapy::Lexicon;
use medlit::{MedlitIndex, Record};
use tantivy::tokenizer::{TokenStream, Tokenizer};

mod support;

fn sample_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample"))
}

/// The sample corpus as one abstract-page text, records separated by blank lines.
fn sample_text() -> String {
    let mut paths: Vec<_> = std::fs::read_dir(sample_dir())
        .expect("data/sample")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("sample file"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse(text: &str) -> Vec<Record> {
    AbstractPageReader::new(text.as_bytes())
        .map(|r| r.expect("sample parses"))
        .collect()
}

fn bench_parse(c: &mut Criterion) {
    let text = sample_text();
    let expected = parse(&text).len();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("abstract_page", |b| {
        b.iter(|| assert_eq!(parse(black_box(&text)).len(), expected))
    });
    group.finish();
}

fn bench_analysis(c: &mut Criterion) {
    let records = parse(&sample_text());
    let abstracts: String = records
        .iter()
        .map(|r| r.abstract_text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut tokenizer = medlit::analysis::BiomedTokenizer::new(true);
    let mut group = c.benchmark_group("analysis");
    group.throughput(Throughput::Bytes(abstracts.len() as u64));
    group.bench_function("biomed_tokenizer", |b| {
        b.iter(|| {
            let mut stream = tokenizer.token_stream(black_box(&abstracts));
            let mut count = 0usize;
            while stream.advance() {
                count += 1;
            }
            assert!(count > 1000);
        })
    });
    // Abstracts generated from the real PubMed sample: its Zipfian vocabulary with a long
    // tail, as in a large load, turns the stem cache over (the sample above fits in it, and so
    // does the vocabulary learned from it).
    let Some(model) = shared_sample_model() else {
        group.finish();
        return;
    };
    let generated: Vec<String> = medlit::gen::generate(&model, 7, 30_000)
        .map(|record| record.abstract_text)
        .collect();
    group.throughput(Throughput::Bytes(
        generated.iter().map(|text| text.len() as u64).sum(),
    ));
    group.sample_size(10);
    group.bench_function("biomed_tokenizer_30000_generated_abstracts", |b| {
        b.iter(|| {
            let mut count = 0usize;
            for text in &generated {
                let mut stream = tokenizer.token_stream(black_box(text));
                while stream.advance() {
                    count += 1;
                }
            }
            assert!(count > 1_000_000, "{count}");
        })
    });
    group.finish();
}

/// A generator model learned from `../shared/data`'s PubMed sample (or
/// `$MEDLIT_SHARED_DATA`'s), if it is there.
fn shared_sample_model() -> Option<medlit::gen::Model> {
    let sample = support::shared_pubmed_sample_path();
    let mut builder = medlit::gen::ModelBuilder::new();
    medlit::gen::read_sample(&[sample], |record| builder.add(&record)).ok()?;
    builder.build().ok()
}

fn bench_documents(c: &mut Criterion) {
    let records = parse(&sample_text());
    let lexicon = Lexicon::builtin();
    let (_, fields) = Fields::build();
    let mut group = c.benchmark_group("documents");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("therapy_pass", |b| {
        b.iter(|| {
            let found: usize = records
                .iter()
                .map(|r| lexicon.find_in_record(r).len())
                .sum();
            assert!(found >= records.len());
        })
    });
    group.bench_function("build", |b| {
        b.iter(|| {
            for record in &records {
                let _ = black_box(fields.document(record, None));
            }
        })
    });
    group.finish();
}

fn bench_index_and_search(c: &mut Criterion) {
    let options = IngestOptions {
        writer_threads: 1,
        memory_budget: 50 << 20,
        ..IngestOptions::new(Lexicon::builtin())
    };
    let files = ingest::collect_inputs(&[sample_dir().to_path_buf()], &SilentObserver);
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.bench_function("sample_corpus_with_commit", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let index = MedlitIndex::open_or_create(dir.path()).expect("index");
            let summary =
                ingest::ingest(&index, &files, &options, &SilentObserver).expect("ingest");
            assert!(summary.indexed >= 40);
        })
    });
    group.finish();

    let dir = tempfile::tempdir().expect("tempdir");
    let index = MedlitIndex::open_or_create(dir.path()).expect("index");
    ingest::ingest(&index, &files, &options, &SilentObserver).expect("ingest");
    let search = Search::new(&index).expect("searcher");
    let mut request = SearchRequest::new("thrombocytopenia");
    request.facets = vec![
        FacetKind::Mesh.into(),
        FacetKind::Therapy.into(),
        FacetKind::Year.into(),
    ];
    c.bench_function("search/term_with_3_facets", |b| {
        b.iter(|| assert!(search.run(black_box(&request)).expect("search").total >= 5))
    });
}

criterion_group!(
    benches,
    bench_parse,
    bench_analysis,
    bench_documents,
    bench_index_and_search
);
criterion_main!(benches);
