//! `medlit export`: write the stored records, of the whole index or of a query's hits, as
//! JSON Lines, MEDLINE, RIS or CSV.

use medlit::export::{ExportFormat, Exporter};
use medlit::query::Search;
use medlit::MedlitIndex;

use super::search::Selection;
use super::Outcome;
use crate::cli::IndexDir;

/// Arguments of `medlit export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExportFormat,
    /// Export only the records matching this query (best first); same syntax as `search`.
    #[arg(long = "query", short = 'q', value_name = "QUERY", default_value = "")]
    pub query_option: String,
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub index: IndexDir,
}

/// Runs `medlit export`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let index = MedlitIndex::open(&args.index.path)?;
    let search = Search::new(&index)?;
    let mut selection = args.selection.clone();
    if !args.query_option.is_empty() {
        selection.query = args.query_option.clone();
    }
    let addresses: Vec<_> = if selection.is_everything() {
        search.all_addresses().collect()
    } else {
        let (addresses, notes) = search.ranked_addresses(&selection.request())?;
        for note in notes {
            eprintln!("medlit: {note}");
        }
        addresses
    };
    let mut exporter = Exporter::new(args.format, std::io::stdout().lock());
    for address in &addresses {
        exporter.write(&search.record_at(*address)?)?;
    }
    drop(exporter.finish()?);
    Ok(if addresses.is_empty() {
        Outcome::NoMatch
    } else {
        Outcome::Success
    })
}
