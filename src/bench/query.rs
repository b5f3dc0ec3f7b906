//! `medlit bench query`: search latency and throughput per query class, and the end-to-end
//! time of a cold `medlit search` process.
//!
//! The queries come from [`query_set`]. Each is first run once, untimed:
//! a query that fails (a syntax error in a query file) is reported and left out, and the
//! run warms the caches. Then every class is timed four ways: without and with the facets
//! [`BENCH_FACETS`], each on one thread and on all cores (a rayon pool running the class's
//! queries in parallel). A query's time is the wall-clock time of [`Search::run`] for the
//! top `limit` hits, snippets included, as `medlit search` would print them; queries per
//! second is the number of queries over the wall-clock time of the whole pass. Percentiles
//! are nearest-rank ([`percentile`]).
//!
//! The cold process is the `medlit` binary itself, spawned as `medlit search --index DIR
//! --limit N --facet mesh --facet therapy --facet year -- QUERY` with its output discarded
//! and timed from spawn to exit: start, open the index, search, print. The operating
//! system's file cache stays warm (one untimed spawn comes first), so this is the cost of a
//! new process, not of a cold disk.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::query_set::{self, BenchQuery, FailedQuery, QueryClass, QuerySet, QuerySource};
use crate::error::{Error, Result};
use crate::index::MedlitIndex;
use crate::query::{FacetSpec, Search, SearchRequest};
use crate::schema::FacetKind;

/// The facets counted in the `+facets` runs and by the cold process.
pub const BENCH_FACETS: [FacetKind; 3] = [FacetKind::Mesh, FacetKind::Therapy, FacetKind::Year];

/// Queries of each class shown in the report.
const EXAMPLES: usize = 3;

/// What `medlit bench query` runs.
#[derive(Debug, Clone)]
pub struct QueryBenchOptions {
    /// Where the queries come from.
    pub source: QuerySource,
    /// Queries per class (the first ones that run, for a file).
    pub per_class: usize,
    /// Hits per query.
    pub limit: usize,
    /// Untimed queries before each timed pass.
    pub warmup: usize,
    /// Threads of the all-cores runs (no all-cores run when 1).
    pub threads: usize,
    /// Seed of the generated queries.
    pub seed: u64,
    /// Run the queries of a file with `--any` (any term matches), as questions in plain
    /// words are searched.
    pub any: bool,
    /// The cold-process runs, if any.
    pub cold: Option<ColdRuns>,
}

/// How to time cold `medlit search` processes.
#[derive(Debug, Clone)]
pub struct ColdRuns {
    /// The `medlit` binary.
    pub binary: PathBuf,
    /// Timed processes.
    pub runs: usize,
}

/// The timings of one class, with or without facets, on some threads.
#[derive(Debug, Clone, Serialize)]
pub struct ClassReport {
    /// The class.
    pub class: QueryClass,
    /// True when the facets [`BENCH_FACETS`] were counted.
    pub facets: bool,
    /// Threads running queries.
    pub threads: usize,
    /// Timed queries.
    pub queries: usize,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 95th percentile latency, milliseconds.
    pub p95_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: f64,
    /// Mean latency, milliseconds.
    pub mean_ms: f64,
    /// Queries completed per second of wall-clock time, over all threads.
    pub queries_per_sec: f64,
}

impl ClassReport {
    /// The class's name with `+facets` when facets were counted: `term+facets`.
    pub fn label(&self) -> String {
        if self.facets {
            format!("{}+facets", self.class.name())
        } else {
            self.class.name().to_string()
        }
    }
}

/// The report of `medlit bench query`.
#[derive(Debug, Clone, Serialize)]
pub struct QueryBenchReport {
    /// The index directory.
    pub index: String,
    /// Records in the index.
    pub records: u64,
    /// The query file, or `None` for queries drawn from the index.
    pub queries_file: Option<String>,
    /// Seed of the generated queries.
    pub seed: u64,
    /// Hits per query.
    pub limit: usize,
    /// Queries asked for per class.
    pub per_class: usize,
    /// Threads of the all-cores runs.
    pub threads: usize,
    /// Facets counted in the `+facets` runs.
    pub facets: Vec<&'static str>,
    /// Every timed pass, class by class.
    pub classes: Vec<ClassReport>,
    /// The first few queries of each class, to show what the class means.
    pub examples: std::collections::BTreeMap<&'static str, Vec<String>>,
    /// Median over every class's one-thread run with facets, milliseconds.
    pub facets_p50_ms: f64,
    /// 95th percentile over the same queries.
    pub facets_p95_ms: f64,
    /// 99th percentile over the same queries.
    pub facets_p99_ms: f64,
    /// Timed cold `medlit search` processes.
    pub cold_runs: usize,
    /// Median end-to-end time of a cold `medlit search` process, milliseconds.
    pub cold_p50_ms: Option<f64>,
    /// 95th percentile of the same.
    pub cold_p95_ms: Option<f64>,
    /// 99th percentile of the same.
    pub cold_p99_ms: Option<f64>,
    /// Queries left out, and why.
    pub failed: Vec<FailedQuery>,
    /// Remarks, e.g. a class the index has nothing for.
    pub notes: Vec<String>,
}

/// Runs the query benchmark on `index` (see the module docs).
pub fn bench_query(index: &MedlitIndex, options: &QueryBenchOptions) -> Result<QueryBenchReport> {
    let search = Search::new(index)?;
    let records = search.searcher().num_docs();
    if records == 0 {
        return Err(Error::Usage(format!(
            "the index at {} holds no records: there is nothing to search",
            index.path().display()
        )));
    }
    let mut set = match &options.source {
        QuerySource::Generated => {
            query_set::generate(index, &search, options.per_class, options.seed)?
        }
        QuerySource::File(path) => read_file(path)?,
    };
    let classes = checked_classes(&search, &mut set, options)?;
    set.failed.sort_by_key(|failed| failed.line);
    let (reports, mut facet_samples) = time_classes(&search, &classes, options)?;
    let facet_latency = Latency::of(&mut facet_samples);
    let cold = match &options.cold {
        Some(cold) if cold.runs > 0 => Some(time_cold(cold, index.path(), &classes[0], options)?),
        _ => None,
    };
    Ok(QueryBenchReport {
        index: index.path().display().to_string(),
        records,
        queries_file: match &options.source {
            QuerySource::File(path) => Some(path.display().to_string()),
            QuerySource::Generated => None,
        },
        seed: options.seed,
        limit: options.limit,
        per_class: options.per_class,
        threads: options.threads,
        facets: BENCH_FACETS.iter().map(|kind| kind.name()).collect(),
        classes: reports,
        examples: classes
            .iter()
            .map(|(class, queries)| {
                (
                    class.name(),
                    queries.iter().take(EXAMPLES).cloned().collect(),
                )
            })
            .collect(),
        facets_p50_ms: facet_latency.p50,
        facets_p95_ms: facet_latency.p95,
        facets_p99_ms: facet_latency.p99,
        cold_runs: cold.as_ref().map_or(0, |c| c.count),
        cold_p50_ms: cold.as_ref().map(|c| c.p50),
        cold_p95_ms: cold.as_ref().map(|c| c.p95),
        cold_p99_ms: cold.as_ref().map(|c| c.p99),
        failed: set.failed,
        notes: set.notes,
    })
}

/// Times every class four ways (see the module docs); also returns the latencies of the
/// one-thread passes with facets, all classes together.
fn time_classes(
    search: &Search<'_>,
    classes: &[(QueryClass, Vec<String>)],
    options: &QueryBenchOptions,
) -> Result<(Vec<ClassReport>, Vec<f64>)> {
    let mut reports = Vec::new();
    let mut facet_samples = Vec::new();
    for (class, queries) in classes {
        for facets in [false, true] {
            let requests: Vec<SearchRequest> = queries
                .iter()
                .map(|query| request(query, *class, facets, options))
                .collect();
            let mut one = timed_pass(search, &requests, 1, options.warmup)?;
            if facets {
                facet_samples.extend_from_slice(&one.samples);
            }
            reports.push(one.report(*class, facets, 1));
            if options.threads > 1 {
                let mut all = timed_pass(search, &requests, options.threads, options.warmup)?;
                reports.push(all.report(*class, facets, options.threads));
            }
        }
    }
    Ok((reports, facet_samples))
}

/// Times cold `medlit search` processes running the queries of one class.
fn time_cold(
    cold: &ColdRuns,
    index: &Path,
    (class, queries): &(QueryClass, Vec<String>),
    options: &QueryBenchOptions,
) -> Result<Latency> {
    let any = options.any && *class == QueryClass::Text;
    let mut samples = cold_latencies(cold, index, queries, options.limit, any)?;
    Ok(Latency::of(&mut samples))
}

fn read_file(path: &Path) -> Result<QuerySet> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let reader = crate::ingest::open_path(path).map_err(io)?;
    query_set::read_query_file(reader).map_err(io)
}

/// The request a benchmark query is run with.
fn request(
    query: &str,
    class: QueryClass,
    facets: bool,
    options: &QueryBenchOptions,
) -> SearchRequest {
    let mut request = SearchRequest::new(query);
    request.limit = options.limit.max(1);
    request.any = options.any && class == QueryClass::Text;
    if facets {
        request.facets = BENCH_FACETS
            .iter()
            .map(|&kind| FacetSpec::from(kind))
            .collect();
    }
    request
}

/// Runs each candidate once (untimed) and keeps the first `per_class` that succeed; the
/// others go to `set.failed`. Fails when no class has a query left.
fn checked_classes(
    search: &Search<'_>,
    set: &mut QuerySet,
    options: &QueryBenchOptions,
) -> Result<Vec<(QueryClass, Vec<String>)>> {
    let mut classes = Vec::new();
    for (class, candidates) in std::mem::take(&mut set.classes) {
        let kept = checked(search, class, candidates, options, &mut set.failed);
        if kept.is_empty() {
            set.notes.push(format!(
                "no {} query ran; the class is left out",
                class.name()
            ));
        } else {
            classes.push((class, kept));
        }
    }
    if classes.is_empty() {
        return Err(Error::Usage(format!(
            "no query to run ({} could not be used; see the queries' errors with --json)",
            set.failed.len()
        )));
    }
    Ok(classes)
}

fn checked(
    search: &Search<'_>,
    class: QueryClass,
    candidates: Vec<BenchQuery>,
    options: &QueryBenchOptions,
    failed: &mut Vec<FailedQuery>,
) -> Vec<String> {
    let mut kept = Vec::new();
    for query in candidates {
        if kept.len() >= options.per_class {
            break;
        }
        match search.run(&request(&query.text, class, false, options)) {
            Ok(_) => kept.push(query.text),
            Err(err) => failed.push(FailedQuery {
                line: query.line,
                class,
                query: query.text,
                error: err.to_string(),
            }),
        }
    }
    kept
}

/// The latencies of one pass over some requests and its wall-clock time.
struct Pass {
    samples: Vec<f64>,
    wall_secs: f64,
}

impl Pass {
    fn report(&mut self, class: QueryClass, facets: bool, threads: usize) -> ClassReport {
        let queries = self.samples.len();
        let latency = Latency::of(&mut self.samples);
        ClassReport {
            class,
            facets,
            threads,
            queries,
            p50_ms: latency.p50,
            p95_ms: latency.p95,
            p99_ms: latency.p99,
            mean_ms: latency.mean,
            queries_per_sec: queries as f64 / self.wall_secs.max(1e-9),
        }
    }
}

/// Runs the first `warmup` requests untimed, then times each request, on `threads` threads.
fn timed_pass(
    search: &Search<'_>,
    requests: &[SearchRequest],
    threads: usize,
    warmup: usize,
) -> Result<Pass> {
    for request in requests.iter().take(warmup) {
        search.run(request)?;
    }
    let started = Instant::now();
    let samples = if threads <= 1 {
        requests
            .iter()
            .map(|request| time_one(search, request))
            .collect::<Result<Vec<f64>>>()?
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|err| Error::Usage(format!("cannot start {threads} threads: {err}")))?;
        pool.install(|| {
            requests
                .par_iter()
                .map(|request| time_one(search, request))
                .collect::<Result<Vec<f64>>>()
        })?
    };
    Ok(Pass {
        samples,
        wall_secs: started.elapsed().as_secs_f64(),
    })
}

/// Milliseconds `search` takes to run `request`.
fn time_one(search: &Search<'_>, request: &SearchRequest) -> Result<f64> {
    let started = Instant::now();
    let results = search.run(request)?;
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    std::hint::black_box(results);
    Ok(elapsed)
}

/// Spawns `cold.runs` timed `medlit search` processes (after one untimed), cycling through
/// `queries`, and returns their times in milliseconds.
fn cold_latencies(
    cold: &ColdRuns,
    index: &Path,
    queries: &[String],
    limit: usize,
    any: bool,
) -> Result<Vec<f64>> {
    let mut samples = Vec::with_capacity(cold.runs);
    for run in 0..=cold.runs {
        let query = &queries[run % queries.len()];
        let elapsed = time_process(cold, search_command(cold, index, query, limit, any), query)?;
        if run > 0 {
            samples.push(elapsed);
        }
    }
    Ok(samples)
}

/// `medlit search` as a person would type it, with the benchmark's facets.
fn search_command(cold: &ColdRuns, index: &Path, query: &str, limit: usize, any: bool) -> Command {
    let mut command = Command::new(&cold.binary);
    command
        .arg("search")
        .arg("--index")
        .arg(index)
        .arg("--limit")
        .arg(limit.max(1).to_string());
    for kind in BENCH_FACETS {
        command.arg("--facet").arg(kind.name());
    }
    if any {
        command.arg("--any");
    }
    command.arg("--").arg(query);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Milliseconds from spawning `command` to its exit; an error unless it exits with 0 (hits)
/// or 1 (no hits).
fn time_process(cold: &ColdRuns, mut command: Command, query: &str) -> Result<f64> {
    let started = Instant::now();
    let output = command.output().map_err(|source| Error::Io {
        path: cold.binary.clone(),
        source,
    })?;
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(Error::Usage(format!(
            "`{} search` failed on {query:?} ({}): {}",
            cold.binary.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(elapsed)
}

/// Percentiles and mean of some latencies.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Latency {
    count: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    mean: f64,
}

impl Latency {
    /// Sorts `samples` and summarizes them; all zeros for none.
    fn of(samples: &mut [f64]) -> Latency {
        samples.sort_by(f64::total_cmp);
        let mean = if samples.is_empty() {
            0.0
        } else {
            samples.iter().sum::<f64>() / samples.len() as f64
        };
        Latency {
            count: samples.len(),
            p50: percentile(samples, 50),
            p95: percentile(samples, 95),
            p99: percentile(samples, 99),
            mean,
        }
    }
}

/// The `p`-th percentile (1 to 100) of ascending `sorted` values by the nearest-rank method:
/// the smallest value with at least `p`% of the values at or below it. 0 for no values.
pub fn percentile(sorted: &[f64], p: u32) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let n = sorted.len();
    let rank = (p as usize * n).div_ceil(100).clamp(1, n);
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50), 50.0);
        assert_eq!(percentile(&values, 95), 95.0);
        assert_eq!(percentile(&values, 99), 99.0);
        assert_eq!(percentile(&values, 100), 100.0);
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&twenty, 50), 10.0);
        assert_eq!(percentile(&twenty, 95), 19.0);
        assert_eq!(percentile(&twenty, 99), 20.0);
        assert_eq!(percentile(&[7.0], 1), 7.0);
        assert_eq!(percentile(&[7.0], 99), 7.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 50), 2.0);
        assert_eq!(percentile(&[], 50), 0.0);
    }

    #[test]
    fn latency_sorts_before_taking_percentiles() {
        let mut samples = vec![9.0, 1.0, 5.0, 3.0];
        let latency = Latency::of(&mut samples);
        assert_eq!(samples, [1.0, 3.0, 5.0, 9.0]);
        assert_eq!((latency.p50, latency.p95, latency.p99), (3.0, 9.0, 9.0));
        assert_eq!(latency.mean, 4.5);
        assert_eq!(latency.count, 4);
        assert_eq!(Latency::of(&mut []).p99, 0.0);
    }

    #[test]
    fn class_labels_mark_facet_runs() {
        let mut pass = Pass {
            samples: vec![2.0, 1.0],
            wall_secs: 0.5,
        };
        let report = pass.report(QueryClass::Mesh, true, 2);
        assert_eq!(report.label(), "mesh+facets");
        assert_eq!(report.queries_per_sec, 4.0);
        assert_eq!(pass.report(QueryClass::Term, false, 1).label(), "term");
    }
}
