//! `medlit demo`: index the sample corpus shipped in `data/sample` and run a faceted query,
//! so a new user sees the whole product work with nothing else installed.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use medlit::ingest::{IngestOptions, DEFAULT_MEMORY_BUDGET};
use medlit::query::{Search, SearchRequest};
use medlit::schema::FacetKind;
use medlit::therapy::Lexicon;
use medlit::{render, MedlitIndex};

use super::{index::index_paths, index::CliObserver, stdout_style, Outcome};

/// Arguments of `medlit demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the demo index in this directory (default: a temporary directory, removed after).
    #[arg(long = "index", value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// The sample corpus to index.
    #[arg(long, value_name = "DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample"))]
    pub data: PathBuf,
    /// The MeSH vocabulary to import (written for the sample corpus).
    #[arg(long, value_name = "FILE", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mesh_sample.tsv"))]
    pub vocabulary: PathBuf,
    /// The query to run on it.
    #[arg(long, default_value = "thrombocytopenia")]
    pub query: String,
}

/// Runs `medlit demo`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let temporary = tempfile::tempdir()?;
    let index_dir = args
        .index
        .clone()
        .unwrap_or_else(|| temporary.path().join("index"));
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "$ medlit index {} --index {}",
        args.data.display(),
        index_dir.display()
    )?;
    let options = IngestOptions::new(Lexicon::builtin());
    let observer = CliObserver::new(std::io::stderr().is_terminal());
    let summary = index_paths(
        &index_dir,
        std::slice::from_ref(&args.data),
        &options,
        &observer,
        medlit::index::IndexSettings::default(),
    )?;
    observer.finish();
    render::ingest_summary(&mut out, &summary)?;

    let mut index = MedlitIndex::open(&index_dir)?;
    writeln!(
        out,
        "\n$ medlit mesh import {} --index {}",
        args.vocabulary.display(),
        index_dir.display()
    )?;
    let imported = medlit::mesh::import::import(
        &mut index,
        std::slice::from_ref(&args.vocabulary),
        Lexicon::builtin(),
        IngestOptions::default_threads(),
        DEFAULT_MEMORY_BUDGET,
    )?;
    writeln!(
        out,
        "imported {} descriptors; re-derived {} records",
        imported.descriptors, imported.records
    )?;
    let search = Search::new(&index)?;
    let mut request = SearchRequest::new(args.query.clone());
    request.limit = 3;
    request.facets = vec![
        FacetKind::Mesh.into(),
        "mesh:Diseases".parse().map_err(anyhow::Error::msg)?,
        FacetKind::Therapy.into(),
        FacetKind::Year.into(),
    ];
    request.facet_limit = 8;
    writeln!(
        out,
        "\n$ medlit search {:?} --limit 3 --facet mesh --facet mesh:Diseases --facet therapy --facet year --facet-limit 8\n",
        args.query
    )?;
    let results = search.run(&request)?;
    render::search_results(&mut out, &results, stdout_style())?;

    let mut filtered = SearchRequest::new(format!("{}[mh]", args.query));
    filtered.limit = 3;
    filtered.filters.therapy = vec!["rituximab".into()];
    filtered.filters.year = Some("2015..2025".parse().map_err(anyhow::Error::msg)?);
    writeln!(
        out,
        "\n$ medlit search {:?} --therapy rituximab --year 2015..2025 --limit 3\n",
        filtered.query
    )?;
    render::search_results(&mut out, &search.run(&filtered)?, stdout_style())?;
    Ok(Outcome::Success)
}
