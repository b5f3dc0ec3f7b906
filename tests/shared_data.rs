//! Tests on the real public data in `../shared` (see README, "Tests"). Built only with
//! `--features shared-data`; `.ci/run` always runs them. The data folder is
//! `$MEDLIT_SHARED_DATA`, else `../shared/data` beside the repository; a missing folder
//! fails the tests, it never skips them.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use medlit::formats::abstract_page::AbstractPageReader;
use medlit::therapy::Lexicon;

fn shared_data() -> PathBuf {
    let dir = std::env::var_os("MEDLIT_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    assert!(
        dir.is_dir(),
        "the shared data folder {} is missing: set MEDLIT_SHARED_DATA or put shared/ beside the repository",
        dir.display()
    );
    dir
}

fn seed_record_path() -> PathBuf {
    let path = shared_data().join("../seeds/000_a0a790d5c9b31914.txt");
    assert!(path.is_file(), "seed record {} is missing", path.display());
    path
}

#[test]
fn the_real_seed_record_parses_field_by_field() {
    let text = std::fs::read(seed_record_path()).expect("seed is readable");
    let records: Vec<_> = AbstractPageReader::new(text.as_slice()).collect();
    assert_eq!(records.len(), 1);
    let record = records[0].as_ref().expect("the seed parses");
    assert_eq!(record.title, "Application of umbilical cord mesenchymal stem cells in the treatment of severe immune-mediated thrombocytopenia after allogeneic hematopoietic stem cell transplantation in children.");
    assert_eq!(
        record.doi.as_deref(),
        Some("10.7499/j.issn.1008-8830.2503173")
    );
    assert_eq!(record.id, "10.7499/j.issn.1008-8830.2503173");
    let authors: Vec<(&str, &[u32])> = record
        .authors
        .iter()
        .map(|a| (a.name.as_str(), a.affiliations.as_slice()))
        .collect();
    assert_eq!(
        authors,
        [
            ("Bo ZHANG", &[1][..]),
            ("Zuo LUAN", &[][..]),
            ("Xiang-Feng TANG", &[][..]),
            ("Nan-Hai WU", &[][..])
        ]
    );
    assert_eq!(record.affiliations, ["Department of Pediatrics, Fifth People's Hospital Affiliated to Chengdu University of Chinese Medicine, Chengdu 611130, China."]);
    assert_eq!(record.publication_types, ["English Abstract"]);
    assert_eq!(
        record.keywords,
        [
            "Child",
            "Hematopoietic stem cell transplantation",
            "Immune-mediated cytopenia",
            "Immune-mediated thrombocytopenia",
            "Mesenchymal stem cell"
        ]
    );
    let mesh: Vec<String> = record.mesh.iter().map(ToString::to_string).collect();
    assert_eq!(
        mesh,
        [
            "Child",
            "Humans",
            "Hematopoietic Stem Cell Transplantation/adverse effects*",
            "Mesenchymal Stem Cell Transplantation",
            "Purpura, Thrombocytopenic, Idiopathic/etiology*",
            "Thrombocytopenia/therapy*",
            "Transplantation, Homologous",
            "Umbilical Cord/cytology*"
        ]
    );
    assert_eq!(
        record.journal.as_deref(),
        Some("Chinese Journal of Contemporary Pediatrics")
    );
    assert_eq!(record.year, Some(2025));
    assert_eq!(record.volume.as_deref(), Some("27"));
    assert_eq!(record.issue.as_deref(), Some("9"));
    assert_eq!(record.pages.as_deref(), Some("1128-1133"));
    assert_eq!(record.country.as_deref(), Some("China"));
    assert_eq!(record.language.as_deref(), Some("Chinese"));
    assert!(record
        .abstract_text
        .starts_with("This report describes two cases"));
    assert!(record
        .abstract_text
        .ends_with("disease-free survival rate."));

    let therapies = Lexicon::builtin().find_in_record(record);
    for expected in [
        "intravenous immunoglobulin",
        "cyclosporine",
        "methylprednisolone",
        "rituximab",
        "dexamethasone",
        "prednisone",
        "recombinant human thrombopoietin",
        "mesenchymal stem cell transplantation",
        "hematopoietic stem cell transplantation",
    ] {
        assert!(
            therapies.iter().any(|t| t == expected),
            "{expected} not in {therapies:?}"
        );
    }
}

#[test]
fn the_real_seed_record_is_found_by_its_biomedical_tokens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    Command::cargo_bin("medlit")
        .expect("binary")
        .arg("index")
        .arg(seed_record_path())
        .arg("--index")
        .arg(&index)
        .assert()
        .success();
    for query in [
        "UC-MSCs",
        "99.8%",
        "+60",
        "IVIG",
        "HSCT",
        "Gaucher's disease",
        "thrombocytopenia",
    ] {
        let output = Command::cargo_bin("medlit")
            .expect("binary")
            .args(["search", query, "--json", "--index"])
            .arg(&index)
            .output()
            .expect("runs");
        let results: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        assert_eq!(results["total"], 1, "{query}");
    }
}

/// Reads a file, decompressing gzip.
fn read_maybe_gz(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .expect("gunzip");
        out
    } else {
        raw
    }
}

/// Occurrences of an opening tag `<name>` or `<name …>`.
fn count_open_tags(text: &str, name: &str) -> usize {
    let plain = format!("<{name}>");
    let with_attributes = format!("<{name} ");
    text.matches(&plain).count() + text.matches(&with_attributes).count()
}

#[test]
fn every_pubmed_xml_original_parses_with_zero_errors_and_every_record() {
    use medlit::formats::pubmed_xml::PubmedXmlReader;
    use medlit::formats::Parsed;
    let dir = shared_data().join("pubmed_xml");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
            .expect("manifest is JSON");
    let entries = manifest.as_array().expect("a list");
    assert_eq!(entries.len(), 25);
    let mut total = 0;
    for entry in entries {
        let path = dir.join(entry["original_file"].as_str().expect("original_file"));
        let bytes = read_maybe_gz(&path);
        let text = String::from_utf8_lossy(&bytes);
        // Counted independently of the parser: record elements by their opening tags.
        let mut expected =
            count_open_tags(&text, "PubmedArticle") + count_open_tags(&text, "PubmedBookArticle");
        if entry["medlinecitationset_wrapped"].as_bool() == Some(true) {
            expected += count_open_tags(&text, "MedlineCitation");
        }
        let in_manifest = entry["records_in_file"].as_u64().expect("count") as usize;
        assert!(expected >= in_manifest, "{}", path.display());
        let (mut records, mut errors) = (0, Vec::new());
        for item in PubmedXmlReader::new(bytes.as_slice()) {
            match item {
                Ok(Parsed::Record(_)) => records += 1,
                Ok(Parsed::Delete(_)) => {}
                Err(err) => errors.push(err.to_string()),
            }
        }
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        assert_eq!(records, expected, "{}", path.display());
        total += records;
    }
    // 1,751 articles in the manifest's count, plus 7 book articles it does not count.
    assert_eq!(total, 1758);
}

/// Runs `medlit index` and returns its JSON summary.
fn index_json(paths: &[&Path], index: &Path) -> serde_json::Value {
    let output = Command::cargo_bin("medlit")
        .expect("binary")
        .arg("index")
        .args(paths)
        .arg("--index")
        .arg(index)
        .arg("--json")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "no record skipped: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json summary")
}

/// All stored records of an index, by id.
fn exported(index: &Path) -> std::collections::HashMap<String, medlit::Record> {
    let output = Command::cargo_bin("medlit")
        .expect("binary")
        .args(["export", "--format", "jsonl", "--index"])
        .arg(index)
        .output()
        .expect("runs");
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let record: medlit::Record = serde_json::from_str(line).expect("a record");
            (record.id.clone(), record)
        })
        .collect()
}

#[test]
fn the_pubmed_sample_indexes_completely_with_exact_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let sample = shared_data().join("pubmed_xml/pubmed_sample.xml.gz");
    let summary = index_json(&[&sample], &index);
    let text = String::from_utf8_lossy(&read_maybe_gz(&sample)).into_owned();
    let in_file = count_open_tags(&text, "PubmedArticle") as u64;
    assert_eq!(in_file, 1733, "the README's count");
    assert_eq!(summary["indexed"], in_file);
    assert_eq!(summary["skipped"], 0);
    assert_eq!(summary["records"], in_file);

    let records = exported(&index);
    let r = &records["17942999"];
    assert_eq!(r.title, "Neuroplasticity in the processing of pitch dimensions: a multidimensional scaling analysis of the mismatch negativity.");
    assert_eq!(
        r.journal.as_deref(),
        Some("Restorative neurology and neuroscience")
    );
    assert_eq!(r.journal_iso.as_deref(), Some("Restor. Neurol. Neurosci."));
    assert_eq!(
        (
            r.year,
            r.volume.as_deref(),
            r.issue.as_deref(),
            r.pages.as_deref()
        ),
        (Some(2007), Some("25"), Some("3-4"), Some("195-210"))
    );
    assert_eq!(r.authors[0].name, "Bharath Chandrasekaran");
    assert_eq!(r.affiliations, ["Department of Speech Language & Hearing Sciences, Purdue University, West Lafayette, IN 47907-2038, USA."]);
    assert!(r
        .abstract_text
        .starts_with("PURPOSE: An auditory electrophysiological study"));
    assert_eq!(r.abstract_text.lines().count(), 4, "four labelled sections");
    assert_eq!(r.country.as_deref(), Some("Netherlands"));
    let pitch = r
        .mesh
        .iter()
        .find(|m| m.descriptor == "Pitch Perception")
        .expect("heading");
    assert_eq!(pitch.to_string(), "Pitch Perception/physiology*");
    assert_eq!(pitch.ui.as_deref(), Some("D010898"));

    let r = &records["25320599"];
    assert_eq!(r.doi.as_deref(), Some("10.4314/ahs.v14i2.25"));
    assert_eq!(r.pmc.as_deref(), Some("PMC4196389"));
    assert_eq!(r.publication_types[0], "Case Reports");
    assert_eq!(
        r.keywords,
        [
            "BRCA2 gene",
            "breast cancer",
            "genetic counseling",
            "male",
            "mutation"
        ]
    );
    assert_eq!(r.chemicals, ["Codon, Nonsense"]);
    assert_eq!(r.authors.len(), 6);
    assert_eq!(r.affiliations.len(), 3);
    assert!(r.mesh.iter().any(|m| m.to_string() == "Genes, BRCA2*"));
    assert!(
        r.abstract_text.contains("c.6428C>A"),
        "entities decode: {}",
        r.abstract_text
    );
}

#[test]
fn all_of_pubmed_xml_indexes_with_duplicates_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let summary = index_json(&[&shared_data().join("pubmed_xml")], &index);
    // 1,733 unique articles plus 7 book articles; everything else replaced a copy.
    assert_eq!(summary["records"], 1740);
    assert_eq!(summary["skipped"], 0);
    let indexed = summary["indexed"].as_u64().expect("count");
    assert_eq!(indexed, 1758 + 1733, "originals and the merged sample");
    assert_eq!(summary["replaced"].as_u64().expect("count"), indexed - 1740);
}

#[test]
fn every_medline_file_parses_with_zero_errors() {
    use medlit::formats::medline::MedlineReader;
    let dir = shared_data().join("citation_formats");
    let mut total = 0;
    for (name, expected) in [
        ("medline_biopython_pubmed_result1.txt", 1),
        ("medline_biopython_pubmed_result2.txt", 4),
        ("medline_biopython_pubmed_result3.txt", 1),
        ("medline_dreamytang_pubmed_result.txt", 7),
        ("medline_lushl9301_pubmed_result.txt", 2),
    ] {
        let bytes = std::fs::read(dir.join(name)).expect("file");
        let pmid_lines = String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| l.starts_with("PMID-"))
            .count();
        assert_eq!(pmid_lines, expected, "{name}: README count");
        let results: Vec<_> = MedlineReader::new(bytes.as_slice()).collect();
        let errors: Vec<String> = results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(ToString::to_string)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(results.len(), expected, "{name}");
        for record in results.iter().flatten() {
            assert!(
                record.pmid.is_some() && !record.title.is_empty(),
                "{name}: {record:?}"
            );
        }
        total += expected;
    }
    let index_dir = tempfile::tempdir().expect("tempdir");
    let index = index_dir.path().join("index");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("medline_"))
        })
        .collect();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let summary = index_json(&paths, &index);
    assert_eq!(
        summary["indexed"], total as u64,
        "detected as MEDLINE by content, not by name"
    );
}

/// Runs `medlit search ARGS --json` on `index`.
fn search_json(index: &Path, args: &[&str]) -> serde_json::Value {
    let output = Command::cargo_bin("medlit")
        .expect("binary")
        .arg("search")
        .args(args)
        .arg("--json")
        .arg("--index")
        .arg(index)
        .output()
        .expect("runs");
    assert!(
        matches!(output.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json")
}

/// The PubMed sample indexed and the real MeSH vocabulary imported.
fn pubmed_sample_with_mesh(dir: &Path) -> PathBuf {
    let index = dir.join("index");
    index_json(
        &[&shared_data().join("pubmed_xml/pubmed_sample.xml.gz")],
        &index,
    );
    let mesh = shared_data().join("mesh");
    let output = Command::cargo_bin("medlit")
        .expect("binary")
        .args(["mesh", "import"])
        .arg(mesh.join("mesh_descriptors.tsv.gz"))
        .arg(mesh.join("mesh_supplementary.tsv.gz"))
        .arg("--index")
        .arg(&index)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("imported 30764 descriptors (323304 supplementary concepts)"),
        "{text}"
    );
    assert!(text.contains("re-derived 1733 records"), "{text}");
    index
}

#[test]
fn real_mesh_explosion_drill_down_and_synonyms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = pubmed_sample_with_mesh(dir.path());
    let total = |args: &[&str]| search_json(&index, args)["total"].as_u64().expect("total");

    // Explosion: Neoplasms [C04] with its descendants finds records indexed only with
    // narrower descriptors.
    let exploded = total(&["neoplasms[mh]"]);
    let exact = total(&["neoplasms[mh:noexp]"]);
    assert!(exploded > exact, "{exploded} > {exact}");
    let narrower_only = total(&["neoplasms[mh] NOT neoplasms[mh:noexp]"]);
    assert_eq!(narrower_only, exploded - exact);
    assert!(narrower_only > 100, "{narrower_only}");

    // Drill-down adds up: the records under C04 counted from its parent equal the explosion,
    // every child counts at most its parent, and the children with the records at C04 itself
    // cover the node.
    let diseases = search_json(&index, &["", "--facet", "mesh:C", "--facet-limit", "100"]);
    let c04 = diseases["facets"]["mesh:C"]
        .as_array()
        .expect("values")
        .iter()
        .find(|v| v["tree"] == "C04")
        .expect("C04 among the children of C");
    assert_eq!(c04["value"], "Neoplasms");
    assert_eq!(c04["count"].as_u64(), Some(exploded));
    let children = search_json(&index, &["", "--facet", "mesh:C04", "--facet-limit", "100"]);
    let counts: Vec<u64> = children["facets"]["mesh:C04"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["count"].as_u64().expect("count"))
        .collect();
    assert!(counts.iter().all(|&c| c <= exploded));
    assert!(counts.iter().sum::<u64>() + exact >= exploded);
    let roots = search_json(&index, &["", "--facet", "mesh"]);
    let diseases_total = roots["facets"]["mesh"]
        .as_array()
        .expect("values")
        .iter()
        .find(|v| v["tree"] == "C")
        .and_then(|v| v["count"].as_u64())
        .expect("Diseases");
    assert!(diseases_total >= exploded);

    // Entry terms: "Ciclosporin" is an entry term of Cyclosporine.
    let ciclosporin = search_json(&index, &["ciclosporin"]);
    assert_eq!(
        ciclosporin["expansions"][0]["into"],
        "MeSH Cyclosporine [D016572]"
    );
    assert!(ciclosporin["total"].as_u64().expect("total") >= total(&["cyclosporine[mh:noexp]"]));

    // Unknown headings get suggestions from the real vocabulary.
    let unknown = search_json(&index, &["", "--mesh", "Neoplasmss"]);
    assert!(
        unknown["notes"][0]
            .as_str()
            .expect("note")
            .contains("closest: Neoplasms"),
        "{}",
        unknown["notes"]
    );
}

/// `medlit eval … --json` on `index`, the mean nDCG@10.
fn eval_ndcg(index: &Path, queries: &Path, qrels: &Path, options: &[&str]) -> f64 {
    let output = Command::cargo_bin("medlit")
        .expect("binary")
        .arg("eval")
        .arg("--queries")
        .arg(queries)
        .arg("--qrels")
        .arg(qrels)
        .args(options)
        .arg("--json")
        .arg("--index")
        .arg(index)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    report["ndcg_at_10"].as_f64().expect("nDCG@10")
}

#[test]
fn scifact_and_nfcorpus_rank_above_plain_bm25_and_the_published_figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scifact = shared_data().join("scifact");
    let index = dir.path().join("scifact");
    let summary = index_json(&[&scifact.join("corpus.jsonl.gz")], &index);
    assert_eq!(summary["indexed"], 5183);
    let queries = scifact.join("queries_train.jsonl");
    let qrels = scifact.join("qrels/train.tsv");
    let bm25 = eval_ndcg(
        &index,
        &queries,
        &qrels,
        &[
            "--weights",
            "title=1,abstract=1,keywords=0,mesh=0",
            "--no-feedback",
        ],
    );
    let default = eval_ndcg(&index, &queries, &qrels, &[]);
    assert!(
        default >= bm25,
        "default {default} below plain BM25 {bm25} measured in the same run"
    );
    assert!(
        default > 0.679,
        "SciFact train nDCG@10 {default} not above the published BM25 range"
    );

    let nfcorpus = shared_data().join("nfcorpus");
    let index = dir.path().join("nfcorpus");
    let summary = index_json(&[&nfcorpus.join("test.docs.gz")], &index);
    assert_eq!(summary["indexed"], 3162);
    let default = eval_ndcg(
        &index,
        &nfcorpus.join("test.titles.queries.gz"),
        &nfcorpus.join("test.2-1-0.qrel.gz"),
        &[],
    );
    assert!(
        default >= 0.325,
        "NFCorpus test nDCG@10 {default} below the published BM25 0.325"
    );
}

/// The generator learns the real sample's shapes, including the parts medlit never reads, so
/// generated PubMed XML is about as large per record, with as many references, chemicals
/// and history dates, as the real records it learned from.
#[test]
fn a_corpus_generated_from_the_pubmed_sample_has_real_records_shapes() {
    use medlit::export::ExportFormat;
    let sample_path = shared_data().join("pubmed_xml/pubmed_sample.xml.gz");
    let sample = String::from_utf8(read_maybe_gz(&sample_path)).expect("UTF-8");
    let (model, summary) = medlit::gen::learn_model(&[sample_path]).expect("learns");
    assert_eq!(summary.skipped, 0);
    assert_eq!(summary.unread_parts, summary.records);
    let records = 3_000;
    let generated = medlit::gen::write(&model, 1, records, ExportFormat::PubmedXml, Vec::new())
        .expect("writes to memory");
    let generated = String::from_utf8(generated).expect("UTF-8");
    let per_record = |text: &str, count: f64| text.len() as f64 / count;
    let sample_records = count_open_tags(&sample, "PubmedArticle") as f64;
    let (real, made) = (
        per_record(&sample, sample_records),
        per_record(&generated, records as f64),
    );
    // Real records also carry investigators and longer MeSH lists: within 30%.
    assert!(
        (0.7..1.15).contains(&(made / real)),
        "{made:.0} vs {real:.0} bytes per record"
    );
    for tag in [
        "Reference",
        "Chemical",
        "PubMedPubDate",
        "CommentsCorrections",
    ] {
        let real = count_open_tags(&sample, tag) as f64 / sample_records;
        let made = count_open_tags(&generated, tag) as f64 / records as f64;
        assert!(
            (0.75..1.33).contains(&(made / real)),
            "{tag}: {made:.2} per generated record, {real:.2} per real one"
        );
    }
}
