//! `medlit merge`: merge an index's segments into one.

use std::io::Write;

use medlit::{merge, render, MedlitIndex};

use super::Outcome;
use crate::cli::IndexDir;

/// Arguments of `medlit merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub index: IndexDir,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `medlit merge`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let index = MedlitIndex::open(&args.index.path)?;
    let summary = merge::merge_all(&index)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        render::json(&mut out, &summary)?;
    } else {
        let segments = if summary.segments_before == 1 {
            "segment"
        } else {
            "segments"
        };
        writeln!(
            out,
            "merged {} {segments} into {} ({} records) in {:.1} s",
            summary.segments_before, summary.segments_after, summary.records, summary.seconds
        )?;
    }
    Ok(Outcome::Success)
}
