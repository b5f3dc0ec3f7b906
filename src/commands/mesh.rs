//! `medlit mesh`: import a MeSH vocabulary into an index, and look descriptors up.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use medlit::ingest::{IngestOptions, DEFAULT_MEMORY_BUDGET};
use medlit::mesh;
use medlit::therapy::Lexicon;
use medlit::MedlitIndex;

use super::Outcome;
use crate::cli::IndexDir;

/// Arguments of `medlit mesh`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// What `medlit mesh` does.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Store a MeSH vocabulary with an index (NLM descYYYY.xml[.gz], dYYYY.bin, mtreesYYYY.bin,
    /// or the tab-separated descriptor and supplementary-concept files) and re-derive the MeSH
    /// paths and therapies of the records already indexed.
    Import(ImportArgs),
    /// Show a descriptor: unique id, tree numbers, entry terms (by name, entry term, UI or tree number).
    Lookup(LookupArgs),
}

/// Arguments of `medlit mesh import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Vocabulary files; their descriptors are merged.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub index: IndexDir,
}

/// Arguments of `medlit mesh lookup`.
#[derive(Debug, clap::Args)]
pub struct LookupArgs {
    /// A descriptor name, entry term, unique id (D…) or tree number.
    pub term: String,
    #[command(flatten)]
    pub index: IndexDir,
}

/// Runs `medlit mesh`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    match &args.action {
        Action::Import(import) => run_import(import),
        Action::Lookup(lookup) => run_lookup(lookup),
    }
}

fn run_import(args: &ImportArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let mut index = MedlitIndex::open_or_create(&args.index.path)?;
    let summary = mesh::import::import(
        &mut index,
        &args.files,
        Lexicon::builtin(),
        IngestOptions::default_threads(),
        DEFAULT_MEMORY_BUDGET,
    )?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "imported {} descriptors ({} supplementary concepts) into {}; re-derived {} records in {:.2} s",
        summary.descriptors,
        summary.supplementary,
        args.index.path.display(),
        summary.records,
        started.elapsed().as_secs_f64()
    )?;
    Ok(Outcome::Success)
}

fn run_lookup(args: &LookupArgs) -> anyhow::Result<Outcome> {
    let index = MedlitIndex::open(&args.index.path)?;
    let Some(vocabulary) = index.vocabulary()? else {
        anyhow::bail!(
            "the index at {} has no MeSH vocabulary (import one with `medlit mesh import`)",
            args.index.path.display()
        );
    };
    let term = args.term.trim();
    let found = vocabulary
        .by_ui(term)
        .or_else(|| vocabulary.by_tree_number(term))
        .or_else(|| vocabulary.by_name(term))
        .or_else(|| vocabulary.by_supplementary(term));
    let mut out = std::io::stdout().lock();
    let Some(descriptor) = found else {
        let suggestions = vocabulary.suggestions(term, 5);
        eprintln!(
            "medlit: no MeSH descriptor {term:?}; closest: {}",
            suggestions.join(", ")
        );
        return Ok(Outcome::NoMatch);
    };
    writeln!(out, "{} [{}]", descriptor.name, descriptor.ui)?;
    for tree in descriptor.tree_numbers() {
        let path: Vec<String> = mesh::tree_path(tree)
            .iter()
            .map(|segment| {
                vocabulary
                    .segment_name(segment)
                    .unwrap_or_else(|| segment.clone())
            })
            .collect();
        writeln!(out, "  {tree}  {}", path.join(" > "))?;
    }
    let entries: Vec<&str> = descriptor.entry_terms().collect();
    if !entries.is_empty() {
        writeln!(out, "  entry terms: {}", entries.join("; "))?;
    }
    Ok(Outcome::Success)
}
