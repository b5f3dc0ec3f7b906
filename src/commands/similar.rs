//! `medlit similar ID`: the records most like a given one.

use medlit::query::Search;
use medlit::{render, MedlitIndex};

use super::{stdout_style, Outcome};
use crate::cli::IndexDir;

/// Arguments of `medlit similar`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Record id, PMID or DOI.
    pub id: String,
    #[command(flatten)]
    pub index: IndexDir,
    /// Number of records to show.
    #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `medlit similar`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let index = MedlitIndex::open(&args.index.path)?;
    let results = Search::new(&index)?.similar(&args.id, args.limit as usize)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        render::json(&mut out, &results)?;
    } else {
        render::search_results(&mut out, &results, stdout_style())?;
    }
    Ok(if results.total == 0 {
        Outcome::NoMatch
    } else {
        Outcome::Success
    })
}
