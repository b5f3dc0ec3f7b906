//! `medlit bench index`: ingest throughput, phases, memory and size, against raw tantivy.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use medlit::bench::{self, IndexBenchReport};
use medlit::export::ExportFormat;
use medlit::gen::{self, Model};
use medlit::render;

use super::Outcome;

/// Arguments of `medlit bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

/// What to measure.
#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Ingest throughput at all cores and one thread, per phase, peak memory and index size,
    /// with a raw tantivy baseline on the same documents.
    Index(IndexArgs),
}

/// Arguments of `medlit bench index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Input files (any format medlit reads).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Generate this many PubMed XML records instead (learned from `--sample`).
    #[arg(long, value_name = "N")]
    pub generate: Option<u64>,
    /// Sample to learn generated records from (default: the embedded sample corpus).
    #[arg(long, value_name = "PATH")]
    pub sample: Vec<PathBuf>,
    /// Writer memory budget in MiB.
    #[arg(long, default_value_t = 256, value_name = "MIB")]
    pub memory: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `medlit bench`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let What::Index(args) = &args.what;
    let scratch = tempfile::tempdir()?;
    let mut paths = args.paths.clone();
    if let Some(records) = args.generate {
        let model = if args.sample.is_empty() {
            Model::learn(gen::builtin_sample())?
        } else {
            let mut builder = gen::ModelBuilder::new();
            gen::read_sample(&args.sample, |record| builder.add(&record))?;
            builder.build()?
        };
        let path = scratch.path().join("generated.xml");
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let out = std::io::BufWriter::with_capacity(1 << 20, file);
        gen::write(&model, 1, records, ExportFormat::PubmedXml, out)?.flush()?;
        paths.push(path);
    }
    if paths.is_empty() {
        anyhow::bail!("give input files or --generate N");
    }
    let report = bench::bench_index(&paths, args.memory << 20)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        render::json(&mut out, &report)?;
    } else {
        write_text(&mut out, &report)?;
    }
    Ok(Outcome::Success)
}

fn write_text(out: &mut dyn Write, r: &IndexBenchReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{} records, {} input ({} uncompressed)",
        r.records,
        render::human_bytes(r.input_bytes),
        render::human_bytes(r.uncompressed_bytes)
    )?;
    writeln!(
        out,
        "all cores ({}): {:.0} records/s, {:.1} MB/s, {:.2} s (commit {:.2} s, merges {:.2} s)",
        r.all_cores.threads,
        r.records_per_sec,
        r.mb_per_sec,
        r.all_cores.seconds,
        r.all_cores.commit_secs,
        r.all_cores.merge_secs
    )?;
    writeln!(
        out,
        "one thread: {:.0} records/s, {:.2} s; scaling {:.2}x",
        r.one_thread.records_per_sec, r.one_thread.seconds, r.scaling
    )?;
    writeln!(
        out,
        "raw tantivy on pre-built documents: {:.0} records/s; medlit / baseline = {:.2}",
        r.baseline_records_per_sec, r.ratio_to_baseline
    )?;
    writeln!(
        out,
        "phases (all cores): read+decompress {:.2} s, parse {:.2} s, therapies+documents {:.2} s, tantivy {:.2} s",
        r.phases.read_secs, r.phases.parse_secs, r.phases.build_secs, r.phases.index_secs
    )?;
    writeln!(
        out,
        "peak RSS {} (writer budget {}), index {} ({:.0} bytes/record, {:.2} of the uncompressed input)",
        render::human_bytes(r.peak_rss_bytes),
        render::human_bytes(r.memory_budget as u64),
        render::human_bytes(r.index_bytes),
        r.bytes_per_record,
        r.index_to_input
    )
}
