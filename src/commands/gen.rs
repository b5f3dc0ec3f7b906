//! `medlit gen`: a deterministic corpus of realistic made-up records, for scale tests.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use medlit::export::ExportFormat;
use medlit::gen;
use medlit::mesh::read;

use super::Outcome;

/// Arguments of `medlit gen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of records.
    #[arg(long, short = 'n', value_name = "N")]
    pub records: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "pubmed-xml")]
    pub format: ExportFormat,
    /// Seed: the same seed and sample give the same corpus, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Records to learn word and field distributions from (any input format, files or
    /// folders; default: the embedded sample corpus). Read at run time, never stored.
    #[arg(long, value_name = "PATH")]
    pub sample: Vec<PathBuf>,
    /// A MeSH vocabulary file whose descriptor names the records may also use.
    #[arg(long, value_name = "FILE")]
    pub mesh: Option<PathBuf>,
    /// Write only what medlit reads: no reference lists, comment links, history dates,
    /// grants or completion dates, which PubMed XML records otherwise get at the rates of a
    /// PubMed XML `--sample`.
    #[arg(long)]
    pub indexed_only: bool,
    /// Write here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `medlit gen`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let (mut model, summary) = gen::learn_model(&args.sample)?;
    if summary.skipped > 0 {
        eprintln!(
            "medlit: {} sample records could not be read and were left out",
            summary.skipped
        );
    }
    if args.indexed_only {
        model = model.indexed_only();
    }
    if let Some(path) = &args.mesh {
        let vocabulary = read::read_path(path).map_err(|err| medlit::Error::Vocabulary {
            path: path.clone(),
            reason: err.to_string(),
        })?;
        model = model
            .with_mesh_vocabulary(vocabulary.descriptors.into_iter().map(|d| d.name).collect());
    }
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let out = std::io::BufWriter::with_capacity(1 << 20, file);
            let mut out = gen::write(&model, args.seed, args.records, args.format, out)?;
            out.flush()?;
        }
        None => {
            let out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            let mut out = gen::write(&model, args.seed, args.records, args.format, out)?;
            out.flush()?;
        }
    }
    Ok(Outcome::Success)
}
