//! `medlit bench index`: ingest throughput measured against a raw tantivy baseline in the
//! same process, on the same documents, with the same schema and writer settings.
//!
//! Order of the runs (each into a fresh temporary index):
//! 1. medlit, all cores: the figure users get; peak RSS is read right after it, before any
//!    later run holds documents in memory;
//! 2. the baseline, right after it: every document built in memory first, then only tantivy
//!    timed (`add_document` from all cores, commit, merges). Held documents take many times
//!    the memory medlit's own run needs (the process peaks at 6.3 GB for 1M real-size
//!    records, medlit's run at 0.43), so they stop at a limit (by default half the memory
//!    the machine has available): then the baseline indexes only the records built so far,
//!    `baseline_records` of them, and says so. The two runs of a pair are adjacent because
//!    the machines drift: at 1M records the phases below take a quarter of an hour, and a
//!    baseline run after them measured 0.63 of the ratio's pair where the next, adjacent
//!    pair measured 0.84;
//! 3. the phases, one pass each on all cores: read + decompress; + parse; + therapy pass and
//!    document building (so each phase's time is the difference to the one before);
//! 4. medlit on one thread (rayon and tantivy);
//! 5. with `rounds` above 1, more rounds of 1 and 2 alone, for the median ratio, the baseline
//!    first in every second round so that a machine speeding up or slowing down favours
//!    neither: the machines are noisy, and one pair of runs can be 5% off either way.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use tantivy::{Index, IndexWriter};

use super::sampler::{clock_ticks_per_sec, meminfo_kib, status_kib, Sampler, ThreadCpu};
use crate::document::RecordDocument;
use crate::error::{Error, Result};
use crate::formats::chunks::ChunkReader;
use crate::formats::{Format, Parsed};
use crate::index::MedlitIndex;
use crate::ingest::{self, IngestOptions, IngestSummary, SilentObserver};
use crate::schema::Fields;
use crate::therapy::Lexicon;

/// One ingest run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// Indexing and parsing threads.
    pub threads: usize,
    /// Records indexed.
    pub records: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Records per second.
    pub records_per_sec: f64,
    /// Input megabytes (10^6 bytes, as stored) per second.
    pub mb_per_sec: f64,
    /// Of the seconds: the final commit.
    pub commit_secs: f64,
    /// Of the seconds: waiting for merges.
    pub merge_secs: f64,
    /// CPU time the process used during the run, all threads, user and system, in seconds
    /// (0 where unknown); `cpu_secs / seconds` is how many cores were busy on average.
    pub cpu_secs: f64,
    /// CPU seconds the host took from the machine's virtual CPUs during the run (all CPUs,
    /// the `steal` of `/proc/stat`; 0 where unknown or not a virtual machine): time the run
    /// could not use however ready its threads were.
    pub steal_secs: f64,
}

/// Seconds spent in each phase of the pipeline (all cores, one pass each).
#[derive(Debug, Clone, Serialize)]
pub struct Phases {
    /// Reading and decompressing the input.
    pub read_secs: f64,
    /// Parsing records.
    pub parse_secs: f64,
    /// Therapy pass and building tantivy documents.
    pub build_secs: f64,
    /// Everything tantivy does (indexing, commit, merges): the all-cores run minus the above.
    pub index_secs: f64,
}

/// The report of `medlit bench index`.
#[derive(Debug, Clone, Serialize)]
pub struct IndexBenchReport {
    /// Records indexed.
    pub records: u64,
    /// Input bytes, as stored.
    pub input_bytes: u64,
    /// Input bytes after decompression.
    pub uncompressed_bytes: u64,
    /// `index_bytes / uncompressed_bytes`.
    pub index_to_input: f64,
    /// medlit, all cores: records per second.
    pub records_per_sec: f64,
    /// medlit, all cores: input MB per second.
    pub mb_per_sec: f64,
    /// Raw tantivy on pre-built documents: records per second.
    pub baseline_records_per_sec: f64,
    /// `records_per_sec / baseline_records_per_sec`.
    pub ratio_to_baseline: f64,
    /// Records the baseline indexed: all of them, or those whose documents were built
    /// before they reached `baseline_memory`. A smaller index is built faster per record,
    /// so a baseline on part of the records understates medlit's ratio, if anything.
    pub baseline_records: u64,
    /// The most memory the baseline's pre-built documents may hold, in bytes (their
    /// contents, counted as they are built); `null`: no limit.
    pub baseline_memory: Option<u64>,
    /// CPU seconds the baseline used (tantivy alone); compare with `all_cores.cpu_secs`.
    pub baseline_cpu_secs: f64,
    /// The all-cores run's CPU seconds by kind of thread.
    pub thread_cpu: ThreadCpu,
    /// The baseline's CPU seconds by kind of thread (its documents were built before).
    pub baseline_thread_cpu: ThreadCpu,
    /// Peak resident memory of the process after the all-cores run, in bytes (`VmHWM`):
    /// heap and mapped files, including the index files a merge reads through mmap.
    pub peak_rss_bytes: u64,
    /// Peak anonymous resident memory (heap) during the all-cores run, sampled every 10 ms
    /// (`RssAnon`); unlike `peak_rss_bytes` it leaves out the page cache mapped by merges.
    pub peak_anon_bytes: u64,
    /// Index size on disk after the all-cores run, in bytes.
    pub index_bytes: u64,
    /// `index_bytes / records`.
    pub bytes_per_record: f64,
    /// Writer memory budget, in bytes.
    pub memory_budget: usize,
    /// The all-cores run.
    pub all_cores: Run,
    /// The one-thread run.
    pub one_thread: Run,
    /// Whether the one-thread run was confined to one CPU (Linux): then its parse thread,
    /// tantivy's indexing thread and the merge threads share one core, as on a one-core
    /// machine; otherwise they could overlap on several cores.
    pub one_thread_on_one_core: bool,
    /// `all_cores.records_per_sec / one_thread.records_per_sec`.
    pub scaling: f64,
    /// Time per phase.
    pub phases: Phases,
    /// Each round of medlit's all-cores run against the baseline, the first being the runs
    /// above (`--rounds`).
    pub rounds: Vec<Round>,
    /// The median of the rounds' ratios (`ratio_to_baseline` when there is one round).
    pub median_ratio_to_baseline: f64,
    /// The median of the rounds' CPU ratios ([`Round::cpu_ratio_to_baseline`]).
    pub median_cpu_ratio_to_baseline: f64,
    /// The median of the rounds' [`Round::parsing_share`]: with every core busy and
    /// tantivy's threads doing the same work in both runs, `1 - median_parsing_share` is
    /// the ratio to the baseline that medlit's own threads leave room for.
    pub median_parsing_share: f64,
}

/// One round of medlit's all-cores ingest and the baseline, run one after the other.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    /// Whether the baseline ran first in this round.
    pub baseline_first: bool,
    /// medlit, all cores.
    pub records_per_sec: f64,
    /// The baseline.
    pub baseline_records_per_sec: f64,
    /// `records_per_sec / baseline_records_per_sec`.
    pub ratio_to_baseline: f64,
    /// Records the baseline indexed ([`IndexBenchReport::baseline_records`]).
    pub baseline_records: u64,
    /// CPU seconds the process used during medlit's run, all threads.
    pub cpu_secs: f64,
    /// The same during the baseline's run.
    pub baseline_cpu_secs: f64,
    /// CPU seconds the host took from the machine during medlit's run ([`Run::steal_secs`]).
    pub steal_secs: f64,
    /// The same during the baseline's run.
    pub baseline_steal_secs: f64,
    /// `baseline_cpu_secs / cpu_secs`: the ratio medlit would reach if both runs kept the
    /// cores equally busy. It moves less from round to round than `ratio_to_baseline`, which
    /// also carries how busy the machine let each run be.
    pub cpu_ratio_to_baseline: f64,
    /// medlit's run: CPU seconds by kind of thread.
    pub thread_cpu: ThreadCpu,
    /// The baseline's run: CPU seconds by kind of thread.
    pub baseline_thread_cpu: ThreadCpu,
    /// medlit's run: [`ThreadCpu::parsing_share`]. Read within one run, so a machine that
    /// speeds up or slows down between runs does not move it.
    pub parsing_share: f64,
}

impl Round {
    fn new(medlit: Measured, baseline: Measured, baseline_first: bool) -> Round {
        let Measured {
            records: _,
            records_per_sec,
            usage,
            thread_cpu,
        } = medlit;
        let Measured {
            records: baseline_records,
            records_per_sec: baseline_records_per_sec,
            usage: baseline_usage,
            thread_cpu: baseline_thread_cpu,
        } = baseline;
        Round {
            baseline_first,
            records_per_sec,
            baseline_records_per_sec,
            ratio_to_baseline: records_per_sec / baseline_records_per_sec.max(f64::MIN_POSITIVE),
            baseline_records,
            cpu_secs: usage.cpu_secs,
            baseline_cpu_secs: baseline_usage.cpu_secs,
            cpu_ratio_to_baseline: baseline_usage.cpu_secs / usage.cpu_secs.max(f64::MIN_POSITIVE),
            steal_secs: usage.steal_secs,
            baseline_steal_secs: baseline_usage.steal_secs,
            parsing_share: thread_cpu.parsing_share(),
            thread_cpu,
            baseline_thread_cpu,
        }
    }
}

/// What one run of a round measured.
#[derive(Clone, Copy)]
struct Measured {
    records: u64,
    records_per_sec: f64,
    usage: Usage,
    thread_cpu: ThreadCpu,
}

/// CPU seconds this process used, and CPU seconds the host took from the machine, between
/// two moments.
#[derive(Debug, Clone, Copy)]
struct Usage {
    cpu_secs: f64,
    steal_secs: f64,
}

impl Usage {
    /// Both clocks now, from when the process and the machine started.
    fn now() -> Usage {
        Usage {
            cpu_secs: process_cpu_secs(),
            steal_secs: machine_steal_secs(),
        }
    }

    /// What was used from `start` until now.
    fn since(start: Usage) -> Usage {
        let now = Usage::now();
        Usage {
            cpu_secs: now.cpu_secs - start.cpu_secs,
            steal_secs: (now.steal_secs - start.steal_secs).max(0.0),
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut sorted: Vec<f64> = values.into_iter().collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Runs the index benchmark on `paths`, files or folders (see the module docs), with the
/// writer's `memory_budget` and at most `baseline_memory` bytes of pre-built documents for
/// the baseline (`None`: no limit; see [`default_baseline_memory`]).
pub fn bench_index(
    paths: &[PathBuf],
    memory_budget: usize,
    rounds: usize,
    baseline_memory: Option<u64>,
) -> Result<IndexBenchReport> {
    let held_limit = baseline_memory.unwrap_or(u64::MAX);
    let files = &ingest::collect_inputs(paths, &SilentObserver);
    let cores = IngestOptions::default_threads();
    let lexicon = Lexicon::builtin();
    let scratch = tempfile::tempdir().map_err(|source| Error::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let all_dir = scratch.path().join("all");
    let (all, all_measured, peak_anon_bytes) =
        sampled_ingest_run(files, &all_dir, cores, memory_budget, lexicon)?;
    let peak_rss_bytes = peak_rss_bytes();
    let index_bytes = crate::stats::directory_size(&all_dir);
    let _ = std::fs::remove_dir_all(&all_dir);
    let baseline_run = baseline(
        files,
        scratch.path(),
        cores,
        memory_budget,
        lexicon,
        held_limit,
    )?;

    let (read_secs, uncompressed_bytes) = timed(|| read_all(files))?;
    let (parse_total, _) = timed(|| parse_all(files, None))?;
    let (build_total, _) = timed(|| parse_all(files, Some(lexicon)))?;
    let (one, one_core) = on_one_core(|| {
        ingest_run(
            files,
            &scratch.path().join("one"),
            1,
            memory_budget,
            lexicon,
        )
    });
    let (one, one_usage) = one?;

    let all_run = run_of(&all, cores, all_measured.usage);
    let records_per_sec = all_run.records_per_sec;
    let first_round = Round::new(all_measured, baseline_run, false);
    let ratio_to_baseline = first_round.ratio_to_baseline;
    let mut all_rounds = vec![first_round];
    for round in 1..rounds {
        all_rounds.push(another_round(
            files,
            &scratch.path().join(format!("round-{round}")),
            cores,
            memory_budget,
            lexicon,
            held_limit,
            round % 2 == 1,
        )?);
    }
    Ok(IndexBenchReport {
        records: all.indexed,
        input_bytes: all.bytes,
        uncompressed_bytes,
        index_to_input: index_bytes as f64 / uncompressed_bytes.max(1) as f64,
        records_per_sec,
        mb_per_sec: all_run.mb_per_sec,
        baseline_records_per_sec: baseline_run.records_per_sec,
        ratio_to_baseline,
        baseline_records: baseline_run.records,
        baseline_memory,
        baseline_cpu_secs: baseline_run.usage.cpu_secs,
        thread_cpu: all_measured.thread_cpu,
        baseline_thread_cpu: baseline_run.thread_cpu,
        peak_rss_bytes,
        peak_anon_bytes,
        index_bytes,
        bytes_per_record: index_bytes as f64 / all.indexed.max(1) as f64,
        memory_budget,
        scaling: records_per_sec / one.records_per_sec().max(f64::MIN_POSITIVE),
        one_thread: run_of(&one, 1, one_usage),
        one_thread_on_one_core: one_core,
        all_cores: all_run,
        phases: Phases {
            read_secs,
            parse_secs: (parse_total - read_secs).max(0.0),
            build_secs: (build_total - parse_total).max(0.0),
            index_secs: (all.elapsed_secs - build_total).max(0.0),
        },
        median_ratio_to_baseline: median(all_rounds.iter().map(|r| r.ratio_to_baseline)),
        median_cpu_ratio_to_baseline: median(all_rounds.iter().map(|r| r.cpu_ratio_to_baseline)),
        median_parsing_share: median(all_rounds.iter().map(|r| r.parsing_share)),
        rounds: all_rounds,
    })
}

/// One more round of medlit's all-cores ingest and the baseline (first when
/// `baseline_first`), in `dir`, which is removed afterwards.
fn another_round(
    files: &[PathBuf],
    dir: &Path,
    cores: usize,
    memory_budget: usize,
    lexicon: &Lexicon,
    held_limit: u64,
    baseline_first: bool,
) -> Result<Round> {
    let run_medlit = || {
        let (_, measured, _) =
            sampled_ingest_run(files, &dir.join("medlit"), cores, memory_budget, lexicon)?;
        Ok::<_, Error>(measured)
    };
    let run_baseline = || baseline(files, dir, cores, memory_budget, lexicon, held_limit);
    let (medlit, baseline) = if baseline_first {
        let baseline = run_baseline()?;
        (run_medlit()?, baseline)
    } else {
        let medlit = run_medlit()?;
        (medlit, run_baseline()?)
    };
    let _ = std::fs::remove_dir_all(dir);
    Ok(Round::new(medlit, baseline, baseline_first))
}

fn run_of(summary: &IngestSummary, threads: usize, usage: Usage) -> Run {
    Run {
        threads,
        records: summary.indexed,
        seconds: summary.elapsed_secs,
        records_per_sec: summary.records_per_sec(),
        mb_per_sec: summary.mb_per_sec(),
        commit_secs: summary.commit_secs,
        merge_secs: summary.merge_secs,
        cpu_secs: usage.cpu_secs,
        steal_secs: usage.steal_secs,
    }
}

/// [`ingest_run`] with the CPU of each kind of thread and the heap sampled: the summary,
/// what was measured, and the heap's peak in bytes.
fn sampled_ingest_run(
    files: &[PathBuf],
    dir: &Path,
    threads: usize,
    memory_budget: usize,
    lexicon: &Lexicon,
) -> Result<(IngestSummary, Measured, u64)> {
    let sampler = Sampler::start();
    let run = ingest_run(files, dir, threads, memory_budget, lexicon);
    let (peak_anon_bytes, thread_cpu) = sampler.stop();
    let (summary, usage) = run?;
    let measured = Measured {
        records: summary.indexed,
        records_per_sec: summary.records_per_sec(),
        usage,
        thread_cpu,
    };
    Ok((summary, measured, peak_anon_bytes))
}

/// medlit's ingest with `threads` tantivy indexing threads (and its own parsing pool, see
/// [`IngestOptions::parse_threads`]); also returns the CPU seconds the process used and the
/// host took meanwhile.
fn ingest_run(
    files: &[PathBuf],
    dir: &Path,
    threads: usize,
    memory_budget: usize,
    lexicon: &Lexicon,
) -> Result<(IngestSummary, Usage)> {
    let index = MedlitIndex::open_or_create(dir)?;
    let options = IngestOptions {
        writer_threads: threads,
        memory_budget,
        ..IngestOptions::new(lexicon)
    };
    let start = Usage::now();
    let summary = ingest::ingest(&index, files, &options, &SilentObserver)?;
    Ok((summary, Usage::since(start)))
}

/// CPU time this process has used so far, all threads, user and system, in seconds; 0 where
/// unknown.
#[cfg(target_os = "linux")]
fn process_cpu_secs() -> f64 {
    // SAFETY: `rusage` is plain data, zeroed is a valid value, and `getrusage` only writes
    // into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// Elsewhere CPU time is not measured.
#[cfg(not(target_os = "linux"))]
fn process_cpu_secs() -> f64 {
    0.0
}

/// CPU time the host has taken from this machine's virtual CPUs since it booted, all CPUs,
/// in seconds (the `steal` column of `/proc/stat`); 0 where unknown (no `/proc/stat`).
fn machine_steal_secs() -> f64 {
    std::fs::read_to_string("/proc/stat")
        .map(|stat| steal_secs_of(&stat, clock_ticks_per_sec()))
        .unwrap_or(0.0)
}

/// The `steal` column of the all-CPUs line of a `/proc/stat` text, in seconds; 0 when
/// missing.
fn steal_secs_of(stat: &str, ticks_per_sec: f64) -> f64 {
    let Some(all_cpus) = stat.lines().find(|line| line.starts_with("cpu ")) else {
        return 0.0;
    };
    // cpu user nice system idle iowait irq softirq steal guest guest_nice
    let steal = all_cpus.split_whitespace().nth(8);
    match steal.and_then(|ticks| ticks.parse::<f64>().ok()) {
        Some(ticks) if ticks_per_sec > 0.0 => ticks / ticks_per_sec,
        _ => 0.0,
    }
}

/// Runs `work` with this thread, and every thread it starts meanwhile, confined to the first
/// CPU it may use, then restores its CPU set; the flag says whether confining worked.
#[cfg(target_os = "linux")]
fn on_one_core<T>(work: impl FnOnce() -> T) -> (T, bool) {
    // SAFETY: `cpu_set_t` is plain data, zeroed is a valid empty set, and both calls get a
    // pointer to a set of the size passed; pid 0 is the calling thread.
    let size = std::mem::size_of::<libc::cpu_set_t>();
    let mut allowed: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    if unsafe { libc::sched_getaffinity(0, size, &mut allowed) } != 0 {
        return (work(), false);
    }
    let Some(first) =
        (0..libc::CPU_SETSIZE as usize).find(|&cpu| unsafe { libc::CPU_ISSET(cpu, &allowed) })
    else {
        return (work(), false);
    };
    let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(first, &mut one) };
    let pinned = unsafe { libc::sched_setaffinity(0, size, &one) } == 0;
    let value = work();
    if pinned {
        unsafe { libc::sched_setaffinity(0, size, &allowed) };
    }
    (value, pinned)
}

/// Elsewhere the one-thread run is not confined.
#[cfg(not(target_os = "linux"))]
fn on_one_core<T>(work: impl FnOnce() -> T) -> (T, bool) {
    (work(), false)
}

fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|err| Error::Usage(format!("cannot start {threads} threads: {err}")))
}

fn timed<T>(work: impl FnOnce() -> Result<T>) -> Result<(f64, T)> {
    let started = Instant::now();
    let value = work()?;
    Ok((started.elapsed().as_secs_f64(), value))
}

fn open(path: &Path) -> Result<Box<dyn std::io::BufRead + Send>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    ingest::open_path(path).map_err(io)
}

/// Reads and decompresses every file, discarding the bytes.
fn read_all(files: &[PathBuf]) -> Result<u64> {
    files
        .par_iter()
        .map(|path| {
            let mut reader = open(path)?;
            let mut buffer = vec![0u8; 1 << 20];
            let mut total = 0u64;
            loop {
                let n = reader.read(&mut buffer).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                if n == 0 {
                    return Ok(total);
                }
                total += n as u64;
            }
        })
        .sum()
}

/// Parses every file as ingest does (chunks on all cores); with a lexicon, also runs the
/// therapy pass and builds the documents. Returns the number of records.
fn parse_all(files: &[PathBuf], lexicon: Option<&Lexicon>) -> Result<u64> {
    let (_, fields) = Fields::build();
    let records = AtomicU64::new(0);
    let each = |parsed: Parsed| -> std::result::Result<(), Halt> {
        if let Parsed::Record(mut record) = parsed {
            if let Some(lexicon) = lexicon {
                record.ensure_id();
                record.therapies = lexicon.therapies_of(&record, None);
                let _ = std::hint::black_box(fields.document(&record, None));
            }
            records.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    };
    for_each_parsed(files, &each)?;
    Ok(records.into_inner())
}

/// Why [`for_each_parsed`] stopped before the end of its input.
enum Halt {
    /// An input could not be read.
    Failed(Error),
    /// The callback has all it wants.
    Enough,
}

impl From<Error> for Halt {
    fn from(err: Error) -> Halt {
        Halt::Failed(err)
    }
}

/// Calls `each` on every parsed item of `files`, in parallel as ingest parses, until it
/// returns [`Halt::Enough`].
fn for_each_parsed(
    files: &[PathBuf],
    each: &(dyn Fn(Parsed) -> std::result::Result<(), Halt> + Sync),
) -> Result<()> {
    let outcome = files.par_iter().try_for_each(|path| {
        let mut reader = open(path)?;
        let head = reader.fill_buf().map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let Some(format) = Format::detect(&head[..head.len().min(8192)]) else {
            let reason = format!("{}: unrecognized format", path.display());
            return Err(Halt::Failed(Error::Usage(reason)));
        };
        match format.last_record_end() {
            None => format.parse(reader).flatten().try_for_each(each),
            Some(cut) => ChunkReader::new(reader, cut)
                .par_bridge()
                .try_for_each(|chunk| {
                    let chunk = chunk.map_err(|source| Error::Io {
                        path: path.clone(),
                        source,
                    })?;
                    let result = format
                        .parse(chunk.data.as_slice())
                        .flatten()
                        .try_for_each(each);
                    result
                }),
        }
    });
    match outcome {
        Ok(()) | Err(Halt::Enough) => Ok(()),
        Err(Halt::Failed(err)) => Err(err),
    }
}

/// Raw tantivy: the same schema, analyzers and writer settings, fed with documents built
/// beforehand; returns records per second and the CPU seconds tantivy used, in all and by
/// kind of thread.
///
/// The documents stop being built once they hold `held_limit` bytes ([`document_bytes`]);
/// tantivy then indexes those built so far.
fn baseline(
    files: &[PathBuf],
    scratch: &Path,
    threads: usize,
    memory_budget: usize,
    lexicon: &Lexicon,
    held_limit: u64,
) -> Result<Measured> {
    let (schema, fields) = Fields::build();
    let documents = std::sync::Mutex::new(Vec::<RecordDocument>::new());
    let held = AtomicU64::new(0);
    let each = |parsed: Parsed| -> std::result::Result<(), Halt> {
        if let Parsed::Record(mut record) = parsed {
            record.ensure_id();
            record.therapies = lexicon.therapies_of(&record, None);
            // Built with room to spare for ingest's sake; held, a copy keeps only what it holds
            // (`shrink_to_fit` reallocates in place, which mimalloc does without freeing).
            // A record too large to index is skipped by ingest too.
            let Ok(document) = fields.document(&record, None) else {
                return Ok(());
            };
            let document = document.compact_copy();
            let bytes = document.heap_bytes() as u64;
            documents
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(document);
            if held.fetch_add(bytes, Ordering::Relaxed) + bytes >= held_limit {
                return Err(Halt::Enough);
            }
        }
        Ok(())
    };
    for_each_parsed(files, &each)?;
    let documents = documents
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let count = documents.len();
    let dir = scratch.join("baseline");
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let index = Index::create_in_dir(&dir, schema)?;
    crate::analysis::register(index.tokenizers(), true, true);
    let pool = pool(threads)?;
    let sampler = Sampler::start();
    let started = Instant::now();
    let start = Usage::now();
    let mut writer: IndexWriter<RecordDocument> =
        index.writer_with_num_threads(threads, memory_budget)?;
    crate::merge::configure(&writer);
    pool.install(|| {
        documents
            .into_par_iter()
            .try_for_each(|document| writer.add_document(document).map(|_| ()))
    })?;
    writer.commit()?;
    writer.wait_merging_threads()?;
    let records_per_sec = count as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let usage = Usage::since(start);
    let (_, thread_cpu) = sampler.stop();
    Ok(Measured {
        records: count as u64,
        records_per_sec,
        usage,
        thread_cpu,
    })
}

/// The default limit on the memory the baseline's pre-built documents may take: half of the
/// memory the machine has available now (Linux `MemAvailable`); `None` (no limit) where
/// that is unknown.
pub fn default_baseline_memory() -> Option<u64> {
    match meminfo_kib("MemAvailable:") {
        0 => None,
        kib => Some(kib * 1024 / 2),
    }
}

/// Peak resident set size of this process (Linux `VmHWM`), 0 where unknown.
pub fn peak_rss_bytes() -> u64 {
    status_kib("VmHWM:") * 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steal_is_the_eighth_number_of_the_all_cpus_line() {
        let stat = "cpu  2338211 2613 121727 857573 44989 0 4253 212788 0 0\n\
                    cpu0 1169105 1306 60863 428786 22494 0 2126 106394 0 0\n";
        assert_eq!(steal_secs_of(stat, 100.0), 2127.88);
        assert_eq!(steal_secs_of(stat, 0.0), 0.0, "unknown tick rate");
        assert_eq!(steal_secs_of("cpu  1 2 3 4\n", 100.0), 0.0, "old kernels");
        assert_eq!(steal_secs_of("cpu0 1 2 3 4 5 6 7 8\n", 100.0), 0.0);
        assert_eq!(steal_secs_of("", 100.0), 0.0);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median([0.9, 0.7, 0.8]), 0.8);
        assert_eq!(median([0.9, 0.7, 0.8, 0.6]), 0.75);
        assert_eq!(median([]), 0.0);
    }
}
