//! The corpus generator behind `medlit gen`: makes any number of realistic, made-up records
//! for scale benchmarks, deterministically (the same sample and seed give the same bytes).
//!
//! A [`Model`] learns from a sample of real records (the built-in [`builtin_sample`], or
//! files read with [`learn_sample`], such as the PubMed XML sample of `../shared/data`):
//!
//! - title and abstract vocabularies, each the sample's [`MAX_WORDS`] most frequent words
//!   with their frequencies, then a Zipf tail of synthetic words (`kavotase`) that gets the
//!   Good–Turing share of unseen words and the exponent that gives the sample's Heaps' law,
//!   so the vocabulary keeps growing with the corpus as real text does;
//! - the distributions of title and abstract lengths, sentence lengths and commas, the rate
//!   of structured abstracts and their section labels;
//! - the rate at which titles and abstracts name therapies, and which names they use: the
//!   generator sprinkles names of the built-in therapy lexicon at that rate, so the therapy
//!   facet is populated (learned text has them removed, so they are not counted twice);
//! - numbers of authors, affiliations, keywords, chemicals and MeSH headings per record; first
//!   and last names (recombined); affiliations, keywords, chemicals, journals (with ISO
//!   abbreviation and country), years, languages, publication types with their
//!   frequencies; MeSH descriptors and qualifiers with their frequencies, qualifier rates
//!   and major-topic rates. With
//!   [`Model::with_mesh_vocabulary`], headings the sample has not seen are drawn from real
//!   MeSH names;
//! - from a PubMed XML sample, the shapes of the parts of a record medlit never reads
//!   (reference lists, comment links, history dates, grants; see `unread`), which
//!   [`write()`] adds to generated PubMed XML so that its records are as large as real ones
//!   ([`Model::indexed_only`] leaves them out).
//!
//! [`generate`] streams records: record `i` gets PMID `10000000 + i` ([`FIRST_PMID`]), DOI
//! `10.5555/gen.<i>` and its own random stream seeded by the seed and `i`, so it is the same
//! in a corpus of any size. Nothing but the model is held, so five million records take the
//! memory of one; [`write()`] sends them through an [`Exporter`] in any export format (PubMed
//! XML, MEDLINE, JSON Lines and abstract-page text read back with medlit's parsers).
//! Random numbers and distributions are implemented here with basic arithmetic only, so the
//! output does not change with the platform or a dependency's version.
//!
//! ```
//! use medlit::export::ExportFormat;
//! use medlit::gen::{self, Model};
//!
//! let model = Model::learn(gen::builtin_sample()).expect("the sample has records");
//! let records: Vec<_> = gen::generate(&model, 42, 3).collect();
//! assert_eq!(records[2].pmid.as_deref(), Some("10000002"));
//! let xml = gen::write(&model, 42, 3, ExportFormat::PubmedXml, Vec::new()).expect("in memory");
//! assert!(xml.starts_with(b"<?xml"));
//! ```

mod generate;
mod model;
mod random;
mod sample;
mod text;
mod unread;

use std::io::{self, Write};
use std::path::PathBuf;

use crate::error::Result;
use crate::export::{ExportFormat, Exporter};

pub use generate::{Generator, FIRST_PMID};
pub use model::{Model, ModelBuilder, ModelSummary, MAX_VALUES, MAX_WORDS};
pub(crate) use random::Rng;
pub use sample::{builtin_sample, learn_sample, read_sample, SampleSummary};

/// The model of the sample files at `paths` (learned with [`learn_sample`], so the parts of
/// PubMed XML records medlit does not read are learned too), or of the built-in sample when
/// `paths` is empty; with what was read of the files.
pub fn learn_model(paths: &[PathBuf]) -> Result<(Model, SampleSummary)> {
    if paths.is_empty() {
        return Ok((Model::learn(builtin_sample())?, SampleSummary::default()));
    }
    let mut builder = ModelBuilder::new();
    let summary = learn_sample(paths, &mut builder)?;
    Ok((builder.build()?, summary))
}

/// The records `0..records` of the corpus of `model` and `seed`, made one at a time.
pub fn generate(model: &Model, seed: u64, records: u64) -> Generator<'_> {
    Generator::new(model, seed, records)
}

/// Generates `records` records and writes them to `out` in `format`, one at a time; gives
/// `out` back, flushed.
pub fn write<W: Write>(
    model: &Model,
    seed: u64,
    records: u64,
    format: ExportFormat,
    out: W,
) -> io::Result<W> {
    let mut exporter = Exporter::new(format, out);
    let generator = generate(model, seed, records);
    // Only PubMed XML has a place for them (a model that learned none renders nothing).
    let with_unread = format == ExportFormat::PubmedXml;
    for index in 0..records {
        let record = generator.record(index);
        if with_unread {
            // A stream of its own, so the records are the same with and without these parts.
            let mut rng = Rng::for_record(seed ^ UNREAD_PARTS_STREAM, index);
            let unread = model.unread.render(model, &mut rng, &record);
            exporter.write_with(&record, &unread)?;
        } else {
            exporter.write(&record)?;
        }
    }
    exporter.finish()
}

/// Mixed into the seed for the random streams of the parts of records medlit does not read.
const UNREAD_PARTS_STREAM: u64 = 0x756e_7265_6164_0001;

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::OnceLock;

    use super::*;
    use crate::formats::{Format, Parsed};
    use crate::record::{MeshHeading, Record};
    use crate::therapy::Lexicon;

    /// The model of the built-in sample, learned once.
    fn model() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::learn(builtin_sample()).expect("the sample has records"))
    }

    fn bytes(format: ExportFormat, seed: u64, records: u64) -> Vec<u8> {
        write(model(), seed, records, format, Vec::new()).expect("writes to memory")
    }

    const FORMATS: [(ExportFormat, Format); 4] = [
        (ExportFormat::PubmedXml, Format::PubmedXml),
        (ExportFormat::Medline, Format::Medline),
        (ExportFormat::Jsonl, Format::Jsonl),
        (ExportFormat::AbstractPage, Format::AbstractPage),
    ];

    fn parse(format: Format, bytes: &[u8]) -> (Vec<Record>, Vec<String>) {
        let mut records = Vec::new();
        let mut errors = Vec::new();
        for parsed in format.parse(bytes) {
            match parsed {
                Ok(Parsed::Record(record)) => records.push(*record),
                Ok(Parsed::Delete(pmids)) => errors.push(format!("delete {pmids:?}")),
                Err(error) => errors.push(error.to_string()),
            }
        }
        (records, errors)
    }

    /// Words of the abstracts (or titles) of `records`, with their counts.
    fn word_counts<'r>(texts: impl Iterator<Item = &'r str>) -> HashMap<String, u64> {
        let mut counts = HashMap::new();
        for text in texts {
            for token in text::tokens(text) {
                *counts.entry(token.word.into_owned()).or_default() += 1;
            }
        }
        counts
    }

    fn ranked(counts: &HashMap<String, u64>) -> Vec<&str> {
        let mut words: Vec<(&str, u64)> = counts.iter().map(|(w, c)| (w.as_str(), *c)).collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        words.into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_others() {
        for (format, _) in FORMATS {
            let first = bytes(format, 7, 200);
            assert_eq!(first, bytes(format, 7, 200), "{format:?}");
            assert_ne!(first, bytes(format, 8, 200), "{format:?}");
        }
        // A model learned again (new hash maps, new iteration orders) makes the same corpus.
        let again = Model::learn(builtin_sample()).expect("learns");
        let output = write(&again, 7, 200, ExportFormat::Jsonl, Vec::new()).expect("writes");
        assert_eq!(output, bytes(ExportFormat::Jsonl, 7, 200));
    }

    #[test]
    fn a_record_is_the_same_in_a_corpus_of_any_size() {
        let short: Vec<Record> = generate(model(), 3, 10).collect();
        let long: Vec<Record> = generate(model(), 3, 1000).take(10).collect();
        assert_eq!(short, long);
        let generator = generate(model(), 3, 1000);
        assert_eq!(generator.size_hint(), (1000, Some(1000)));
        assert_eq!(generator.clone().nth(577), Some(generator.record(577)));
    }

    #[test]
    fn records_have_unique_ids_and_every_field_a_record_needs() {
        let records: Vec<Record> = generate(model(), 1, 300).collect();
        for (index, record) in records.iter().enumerate() {
            let pmid = (FIRST_PMID + index as u64).to_string();
            assert_eq!(record.id, pmid);
            assert_eq!(record.pmid.as_deref(), Some(pmid.as_str()));
            assert_eq!(record.doi, Some(format!("10.5555/gen.{index}")));
            assert!(
                record.title.split_whitespace().count() >= 2,
                "{}",
                record.title
            );
            assert!(record.title.starts_with(|c: char| !c.is_ascii_lowercase()));
            for author in &record.authors {
                for &position in &author.affiliations {
                    assert!((1..=record.affiliations.len() as u32).contains(&position));
                }
            }
        }
        let with = |test: fn(&Record) -> bool| records.iter().filter(|r| test(r)).count();
        assert!(with(|r| !r.abstract_text.is_empty()) > 250);
        assert!(with(|r| !r.authors.is_empty()) > 250);
        assert!(with(|r| !r.mesh.is_empty()) > 250);
        assert!(with(|r| r.mesh.iter().any(MeshHeading::is_major_topic)) > 200);
        assert!(with(|r| r.mesh.iter().any(|h| !h.qualifiers.is_empty())) > 200);
        assert!(with(|r| r.journal.is_some() && r.year.is_some()) > 250);
        assert!(with(|r| !r.keywords.is_empty()) > 200);
    }

    #[test]
    fn generated_records_parse_back_with_every_parser() {
        let expected: Vec<Record> = generate(model(), 11, 500).collect();
        for (export, format) in FORMATS {
            let (parsed, errors) = parse(format, &bytes(export, 11, 500));
            assert!(errors.is_empty(), "{format:?}: {errors:?}");
            assert_eq!(parsed.len(), 500, "{format:?}");
            let ids: Vec<&str> = parsed.iter().map(|r| r.id.as_str()).collect();
            let expected_ids: Vec<&str> = expected
                .iter()
                .map(|r| match format {
                    // The abstract-page layout has no PMID: the DOI is the id.
                    Format::AbstractPage => r.doi.as_deref().unwrap_or_default(),
                    _ => r.id.as_str(),
                })
                .collect();
            assert_eq!(ids, expected_ids, "{format:?}");
        }
    }

    #[test]
    fn generated_records_survive_pubmed_xml_jsonl_and_abstract_pages_whole() {
        let expected: Vec<Record> = generate(model(), 12, 300).collect();
        for format in [Format::PubmedXml, Format::Jsonl] {
            let export = FORMATS
                .iter()
                .find(|(_, f)| *f == format)
                .expect("listed")
                .0;
            assert_eq!(
                parse(format, &bytes(export, 12, 300)).0,
                expected,
                "{format:?}"
            );
        }
        let carried: Vec<Record> = expected
            .into_iter()
            .map(|mut record| {
                record.pmid = None;
                record.journal_iso = None;
                record.mesh.iter_mut().for_each(|heading| heading.ui = None);
                record.id = record.doi.clone().unwrap_or_default();
                record
            })
            .collect();
        let (parsed, _) = parse(
            Format::AbstractPage,
            &bytes(ExportFormat::AbstractPage, 12, 300),
        );
        assert_eq!(parsed, carried);
    }

    #[test]
    fn abstracts_are_as_long_as_the_sample_s_and_use_its_frequent_words() {
        let sample: Vec<Record> = builtin_sample().collect();
        let generated: Vec<Record> = generate(model(), 5, 2_000).collect();
        let mean_words = |records: &[Record]| {
            let lengths: Vec<usize> = records
                .iter()
                .filter(|r| !r.abstract_text.is_empty())
                .map(|r| text::tokens(&r.abstract_text).count())
                .collect();
            lengths.iter().sum::<usize>() as f64 / lengths.len() as f64
        };
        let ratio = mean_words(&generated) / mean_words(&sample);
        assert!((0.85..=1.15).contains(&ratio), "{ratio}");
        let sample_counts = word_counts(sample.iter().map(|r| r.abstract_text.as_str()));
        let generated_counts = word_counts(generated.iter().map(|r| r.abstract_text.as_str()));
        let top = ranked(&sample_counts);
        let most_frequent = ranked(&generated_counts)[0];
        assert!(
            top[..5].contains(&most_frequent),
            "{most_frequent} not in {:?}",
            &top[..5]
        );
    }

    #[test]
    fn the_vocabulary_keeps_growing_with_the_corpus() {
        let distinct = |records: u64| {
            let records: Vec<Record> = generate(model(), 9, records).collect();
            word_counts(records.iter().map(|r| r.abstract_text.as_str())).len()
        };
        let (small, medium, large) = (distinct(200), distinct(1_000), distinct(5_000));
        assert!(small < medium && medium < large, "{small} {medium} {large}");
        // Heaps' law: sublinear, but far from saturated.
        assert!(large as f64 > 1.5 * medium as f64, "{medium} {large}");
        assert!((large as f64) < 5.0 * medium as f64, "{medium} {large}");
    }

    #[test]
    fn therapies_are_named_at_the_sample_s_rate() {
        let lexicon = Lexicon::builtin();
        let share = |records: &[Record]| {
            let named = records
                .iter()
                .filter(|r| {
                    !lexicon
                        .find([r.title.as_str(), &r.abstract_text])
                        .is_empty()
                })
                .count();
            named as f64 / records.len() as f64
        };
        let sample: Vec<Record> = builtin_sample().collect();
        let generated: Vec<Record> = generate(model(), 4, 2_000).collect();
        let (expected, got) = (share(&sample), share(&generated));
        assert!(
            (got - expected).abs() < 0.1,
            "sample {expected}, generated {got}"
        );
        let mut therapies = std::collections::HashSet::new();
        for record in &generated {
            therapies.extend(lexicon.find_in_record(record));
        }
        assert!(therapies.len() > 100, "{}", therapies.len());
    }

    #[test]
    fn structured_abstracts_come_at_the_sample_s_rate_with_its_labels() {
        let record = |index: usize| {
            let abstract_text = if index.is_multiple_of(4) {
                "BACKGROUND: Little is known.\nMETHODS: We looked at many patients.\nRESULTS: They improved a lot over time.".to_string()
            } else {
                "Patients with a rare disease improved after treatment in this study.".to_string()
            };
            Record {
                title: format!("A study number {index}"),
                abstract_text,
                ..Record::default()
            }
        };
        let model = Model::learn((0..400).map(record)).expect("learns");
        assert!((model.summary().structured - 0.25).abs() < 1e-9);
        let records: Vec<Record> = generate(&model, 2, 2_000).collect();
        let structured: Vec<&Record> = records
            .iter()
            .filter(|r| r.abstract_text.starts_with("BACKGROUND: "))
            .collect();
        let share = structured.len() as f64 / records.len() as f64;
        assert!((0.21..0.29).contains(&share), "{share}");
        let paragraphs: Vec<&str> = structured[0].abstract_text.lines().collect();
        assert_eq!(paragraphs.len(), 3);
        assert!(paragraphs[1].starts_with("METHODS: ") && paragraphs[2].starts_with("RESULTS: "));
    }

    #[test]
    fn a_mesh_vocabulary_supplies_descriptors_the_sample_never_used() {
        let names: Vec<String> = (0..1_000)
            .map(|i| format!("Made-up Descriptor {i}"))
            .collect();
        let with_vocabulary = Model::learn(builtin_sample())
            .expect("learns")
            .with_mesh_vocabulary(names);
        assert_eq!(with_vocabulary.summary().mesh_vocabulary, 1_000);
        let records: Vec<Record> = generate(&with_vocabulary, 6, 500).collect();
        let headings: Vec<&MeshHeading> = records.iter().flat_map(|r| &r.mesh).collect();
        let made_up = headings
            .iter()
            .filter(|h| h.descriptor.starts_with("Made-up Descriptor"))
            .count();
        let share = made_up as f64 / headings.len() as f64;
        assert!((0.02..0.6).contains(&share), "{share}");
        assert!(generate(model(), 6, 500)
            .all(|r| r.mesh.iter().all(|h| !h.descriptor.starts_with("Made-up"))));
    }

    #[test]
    fn chemicals_come_at_the_sample_s_rate_from_its_names() {
        let record = |index: usize| Record {
            title: format!("A study number {index}"),
            chemicals: if index.is_multiple_of(2) {
                vec!["Rituximab".into(), "Prednisone".into()]
            } else {
                Vec::new()
            },
            ..Record::default()
        };
        let learned = Model::learn((0..400).map(record)).expect("learns");
        let records: Vec<Record> = generate(&learned, 3, 2_000).collect();
        let with = records.iter().filter(|r| !r.chemicals.is_empty()).count();
        assert!((800..1_200).contains(&with), "{with} of 2000");
        let mut both = 0;
        for record in records.iter().filter(|r| !r.chemicals.is_empty()) {
            let mut names = record.chemicals.clone();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), record.chemicals.len(), "{names:?}");
            assert!(names.iter().all(|n| n == "Prednisone" || n == "Rituximab"));
            both += usize::from(names.len() == 2);
        }
        // Two names are drawn for each (a draw that repeats one is retried a few times).
        assert!(both * 100 >= with * 95, "{both} of {with}");
        // The built-in sample has none, so its corpus has none either.
        assert!(generate(model(), 3, 200).all(|r| r.chemicals.is_empty()));
    }

    /// A PubMed XML sample of the built-in records, each with three references, a comment
    /// link, two history dates and a completion date.
    fn pubmed_sample_with_unread_parts(dir: &std::path::Path) -> PathBuf {
        let reference = concat!(
            "<Reference><Citation>Smith J. A title. Blood. 2001;1:2-3</Citation>",
            "<ArticleIdList><ArticleId IdType=\"pubmed\">5</ArticleId></ArticleIdList>",
            "</Reference>\n",
        );
        let unread = crate::export::pubmed_xml::UnreadXml {
            dates: "    <DateCompleted><Year>2010</Year></DateCompleted>\n".into(),
            grants: String::new(),
            comments: concat!(
                "<CommentsCorrectionsList><CommentsCorrections RefType=\"CommentIn\">",
                "<RefSource>Blood. 2001</RefSource></CommentsCorrections>",
                "</CommentsCorrectionsList>\n",
            )
            .into(),
            history: concat!(
                "<History><PubMedPubDate PubStatus=\"received\"><Year>2009</Year></PubMedPubDate>",
                "<PubMedPubDate PubStatus=\"pubmed\"><Year>2010</Year></PubMedPubDate></History>\n",
            )
            .into(),
            references: format!(
                "    <ReferenceList>\n{}    </ReferenceList>\n",
                reference.repeat(3)
            ),
        };
        let mut exporter = Exporter::new(ExportFormat::PubmedXml, Vec::new());
        for record in builtin_sample() {
            exporter.write_with(&record, &unread).expect("in memory");
        }
        let path = dir.join("sample.xml");
        std::fs::write(&path, exporter.finish().expect("in memory")).expect("writes");
        path
    }

    #[test]
    fn pubmed_xml_records_get_the_sample_s_unread_parts_and_read_the_same() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let sample = [pubmed_sample_with_unread_parts(dir.path())];
        let (model, summary) = learn_model(&sample).expect("learns");
        assert_eq!((summary.records, summary.unread_parts), (52, 52));
        assert_eq!(model.summary().references_per_record, 3.0);
        let full = write(&model, 5, 100, ExportFormat::PubmedXml, Vec::new()).expect("writes");
        let text = String::from_utf8(full.clone()).expect("UTF-8");
        assert_eq!(text.matches("<Reference>").count(), 300);
        assert_eq!(text.matches("<ArticleId IdType=\"pubmed\">").count(), 400);
        assert_eq!(
            text.matches("<CommentsCorrections RefType=\"CommentIn\">")
                .count(),
            100
        );
        assert_eq!(
            text.matches("<PubMedPubDate PubStatus=\"received\">")
                .count(),
            100
        );
        assert_eq!(text.matches("<DateCompleted>").count(), 100);

        let (lean_model, _) = learn_model(&sample).expect("learns");
        let lean_model = lean_model.indexed_only();
        let lean = write(&lean_model, 5, 100, ExportFormat::PubmedXml, Vec::new()).expect("writes");
        assert!(!String::from_utf8_lossy(&lean).contains("<ReferenceList>"));
        assert!(
            full.len() > lean.len() + 100 * 300,
            "{} {}",
            full.len(),
            lean.len()
        );
        let (records, errors) = parse(Format::PubmedXml, &full);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(records.len(), 100);
        assert_eq!(records, parse(Format::PubmedXml, &lean).0);
        // The other formats have no place for them.
        let jsonl = |model: &Model| write(model, 5, 100, ExportFormat::Jsonl, Vec::new());
        assert_eq!(
            jsonl(&model).expect("writes"),
            jsonl(&lean_model).expect("writes")
        );
    }

    #[test]
    fn a_sample_without_titles_is_refused() {
        let error = Model::learn(Vec::new()).expect_err("nothing to learn");
        assert!(
            error.to_string().contains("none of the 0 sample records"),
            "{error}"
        );
        let untitled = Record {
            abstract_text: "Text only.".into(),
            ..Record::default()
        };
        assert!(Model::learn([untitled]).is_err());
    }

    /// Counts what is written and keeps nothing.
    struct CountingWriter {
        bytes: u64,
        lines: u64,
    }

    impl Write for CountingWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.bytes += buf.len() as u64;
            self.lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn two_hundred_thousand_records_stream_through_a_counting_writer() {
        // Memory: the generator holds the model and a counter; each record is dropped once
        // written, and the exporter holds only its buffer. So this runs in the memory of one
        // record, whatever the count (5 million included). A model of short records keeps
        // the test quick in debug builds; the streaming is the same for any model.
        let short = |index: usize| Record {
            title: format!("Short title number {index}"),
            abstract_text: "A few words of text, and a few more words to end.".into(),
            ..Record::default()
        };
        let model = Model::learn((0..20).map(short)).expect("learns");
        let counter = CountingWriter { bytes: 0, lines: 0 };
        let counter = write(&model, 13, 200_000, ExportFormat::Jsonl, counter).expect("writes");
        assert_eq!(counter.lines, 200_000);
        assert!(counter.bytes > 200_000 * 100, "{}", counter.bytes);
    }
}
