//! `medlit index`: parse files in parallel and add their records to an index.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use medlit::formats::Format;
use medlit::index::IndexSettings;
use medlit::ingest::{self, IngestObserver, IngestOptions, IngestSummary, Skipped};
use medlit::therapy::Lexicon;
use medlit::{render, MedlitIndex};

use super::Outcome;
use crate::cli::IndexDir;

/// Arguments of `medlit index`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files and directories to index (`-` reads standard input). Directories are walked for
    /// .txt, .nbib, .medline, .xml, .jsonl, .ndjson, .gz and .zst files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub index: IndexDir,
    /// Indexing threads of the index writer [default: cores, at most 8].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: Option<u16>,
    /// Memory budget of the index writer in MiB, shared by its threads (at least 15 per thread).
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u32).range(16..=65536))]
    pub memory: u32,
    /// Commit after every N records (and at the end), so that a crash or kill loses at most
    /// the records since the last commit; 0 commits only at the end.
    #[arg(long, value_name = "N", default_value_t = ingest::DEFAULT_COMMIT_EVERY)]
    pub commit_every: u64,
    /// Read every file as this format instead of detecting it.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Therapy lexicon TSV to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub therapies: Option<PathBuf>,
    /// Create the index without English stemming (only for a new index: an index keeps the
    /// analysis it was built with).
    #[arg(long)]
    pub no_stemming: bool,
    /// Create the index without biomedical compound tokens (`IL-6` only as `il` and `6`);
    /// only for a new index, for comparisons.
    #[arg(long)]
    pub no_compounds: bool,
    /// Read large files (64 MiB and more) through the page cache instead of with `O_DIRECT`:
    /// faster only where the disk is much slower than indexing and the file is cached.
    #[arg(long)]
    pub no_direct_io: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `medlit index`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let lexicon = load_lexicon(args.therapies.as_ref())?;
    let threads = args
        .threads
        .map_or_else(IngestOptions::default_threads, usize::from);
    let memory_budget = (args.memory as usize) << 20;
    if memory_budget / threads < 15 << 20 {
        anyhow::bail!(
            "--memory {} MiB is too little for {threads} threads: tantivy needs at least 15 MiB per thread",
            args.memory
        );
    }
    let options = IngestOptions {
        writer_threads: threads,
        memory_budget,
        format: args.format,
        lexicon: &lexicon,
        commit_every: std::num::NonZeroU64::new(args.commit_every),
        direct_io_min_bytes: if args.no_direct_io {
            u64::MAX
        } else {
            ingest::direct::DIRECT_MIN_BYTES
        },
    };
    let observer = CliObserver::new(!args.quiet && std::io::stderr().is_terminal())
        .reporting_commits(!args.quiet);
    let settings = IndexSettings {
        stemming: !args.no_stemming,
        compounds: !args.no_compounds,
    };
    let summary = index_paths(&args.index.path, &args.paths, &options, &observer, settings)?;
    observer.finish();
    let mut out = std::io::stdout().lock();
    if args.json {
        render::json(&mut out, &summary)?;
    } else {
        render::ingest_summary(&mut out, &summary)?;
    }
    Ok(Outcome::Success)
}

/// Opens or creates the index and ingests `paths` into it.
pub fn index_paths(
    index_dir: &std::path::Path,
    paths: &[PathBuf],
    options: &IngestOptions,
    observer: &dyn IngestObserver,
    settings: IndexSettings,
) -> anyhow::Result<IngestSummary> {
    let index = MedlitIndex::open_or_create_with(index_dir, settings)?;
    let walking = CountingObserver {
        inner: observer,
        skipped: AtomicU64::new(0),
    };
    let files = ingest::collect_inputs(paths, &walking);
    let mut summary = ingest::ingest(&index, &files, options, observer)?;
    // Paths that do not exist or cannot be walked count as skipped too.
    summary.skipped += walking.skipped.into_inner();
    Ok(summary)
}

/// Passes everything on to `inner` and counts the skipped inputs.
struct CountingObserver<'a> {
    inner: &'a dyn IngestObserver,
    skipped: AtomicU64,
}

impl IngestObserver for CountingObserver<'_> {
    fn skipped(&self, skipped: &Skipped) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
        self.inner.skipped(skipped);
    }
}

/// The lexicon named by `--therapies`, or the built-in one.
pub fn load_lexicon(path: Option<&PathBuf>) -> anyhow::Result<LexiconRef> {
    let Some(path) = path else {
        return Ok(LexiconRef::Builtin(Lexicon::builtin()));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the therapy lexicon {}", path.display()))?;
    let lexicon = Lexicon::parse(&text).map_err(|source| medlit::Error::Lexicon {
        path: path.clone(),
        source,
    })?;
    Ok(LexiconRef::Loaded(Box::new(lexicon)))
}

/// The built-in lexicon or one loaded from a file.
pub enum LexiconRef {
    /// Compiled into medlit.
    Builtin(&'static Lexicon),
    /// Read from `--therapies`.
    Loaded(Box<Lexicon>),
}

impl std::ops::Deref for LexiconRef {
    type Target = Lexicon;

    fn deref(&self) -> &Lexicon {
        match self {
            LexiconRef::Builtin(lexicon) => lexicon,
            LexiconRef::Loaded(lexicon) => lexicon,
        }
    }
}

/// Reports skipped inputs on stderr and shows progress on a terminal.
pub struct CliObserver {
    bar: Option<ProgressBar>,
    report_commits: bool,
    started: Instant,
    skipped: Mutex<u64>,
}

impl CliObserver {
    /// An observer with a progress bar when `progress` is true.
    pub fn new(progress: bool) -> CliObserver {
        let bar = progress.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        CliObserver {
            bar,
            report_commits: false,
            started: Instant::now(),
            skipped: Mutex::new(0),
        }
    }

    /// Also says on stderr when an intermediate commit is made.
    pub fn reporting_commits(mut self, report: bool) -> CliObserver {
        self.report_commits = report;
        self
    }

    /// Prints a message on stderr without breaking the progress bar.
    fn say(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{message}")),
            None => eprintln!("{message}"),
        }
    }

    /// Clears the progress bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl IngestObserver for CliObserver {
    fn skipped(&self, skipped: &Skipped) {
        if let Ok(mut count) = self.skipped.lock() {
            *count += 1;
        }
        self.say(&format!("medlit: skipped {skipped}"));
    }

    fn committed(&self, records: u64) {
        if self.report_commits {
            self.say(&format!(
                "medlit: committed: the first {records} records of this run are in the index"
            ));
        }
    }

    fn progress(&self, records: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            let secs = self.started.elapsed().as_secs_f64().max(1e-6);
            bar.set_message(format!(
                "{records} records · {:.0} records/s · {:.1} MB/s",
                records as f64 / secs,
                bytes as f64 / 1e6 / secs
            ));
        }
    }
}
