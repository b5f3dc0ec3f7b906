//! `medlit stats`: what an index holds.

use medlit::stats::IndexStats;
use medlit::{render, MedlitIndex};

use super::Outcome;
use crate::cli::IndexDir;

/// Arguments of `medlit stats`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub index: IndexDir,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `medlit stats`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let index = MedlitIndex::open(&args.index.path)?;
    let stats = IndexStats::gather(&index)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        render::json(&mut out, &stats)?;
    } else {
        render::index_stats(&mut out, &stats)?;
    }
    Ok(Outcome::Success)
}
