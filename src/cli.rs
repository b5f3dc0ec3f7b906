//! Command-line interface: the clap types. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;

/// medlit: full-text search for biomedical literature, with MeSH and therapy facets.
#[derive(Debug, Parser)]
#[command(name = "medlit", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index files and directories of records: PubMed XML, MEDLINE, JSON Lines or
    /// abstract-page text, plain, gzip or zstd.
    Index(commands::index::Args),
    /// Search an index: BM25-ranked hits, filters and facet counts.
    Search(commands::search::Args),
    /// Score the ranking against relevance judgments: nDCG@10, Recall@100, MAP@100, MRR@10.
    Eval(commands::eval::Args),
    /// Write the stored records (all, or a query's hits) as JSON Lines, MEDLINE, RIS or CSV.
    Export(commands::export::Args),
    /// Generate a deterministic corpus of realistic made-up records (for scale tests).
    Gen(commands::gen::Args),
    /// Import a MeSH vocabulary into an index, or look a descriptor up.
    Mesh(commands::mesh::Args),
    /// Print one stored record whole (by id, PMID or DOI).
    Show(commands::show::Args),
    /// Find the records most like a given one (more-like-this over title, abstract and MeSH).
    Similar(commands::similar::Args),
    /// Show what an index holds: records, size, segments, facets, schema version.
    Stats(commands::stats::Args),
    /// Merge an index's segments into one, for the fastest searches after a large load
    /// (ingest merges only small segments, to keep its memory bounded).
    Merge(commands::merge::Args),
    /// Measure medlit: ingest throughput against raw tantivy, phases, memory, index size;
    /// search latency per query class and of a cold `medlit search` process.
    Bench(commands::bench::Args),
    /// Index the embedded sample corpus and run a faceted query on it.
    Demo(commands::demo::Args),
}

/// `--index DIR`, shared by every subcommand that uses an index.
#[derive(Debug, Clone, clap::Args)]
pub struct IndexDir {
    /// Index directory.
    #[arg(
        long = "index",
        short = 'i',
        value_name = "DIR",
        env = "MEDLIT_INDEX",
        default_value = "medlit-index"
    )]
    pub path: PathBuf,
}
