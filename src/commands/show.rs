//! `medlit show ID`: one stored record, whole.

use medlit::query::Search;
use medlit::{render, MedlitIndex};

use super::Outcome;
use crate::cli::IndexDir;

/// Arguments of `medlit show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Record id, PMID or DOI.
    pub id: String,
    #[command(flatten)]
    pub index: IndexDir,
    /// Print the record as JSON (medlit's record schema).
    #[arg(long)]
    pub json: bool,
}

/// Runs `medlit show`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let index = MedlitIndex::open(&args.index.path)?;
    let search = Search::new(&index)?;
    let Some(address) = search.find(&args.id)? else {
        eprintln!("medlit: no record with id, PMID or DOI {:?}", args.id);
        return Ok(Outcome::NoMatch);
    };
    let record = search.record_at(address)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        render::json(&mut out, &record)?;
    } else {
        render::record(&mut out, &record)?;
    }
    Ok(Outcome::Success)
}
