//! `medlit bench`: measurements of medlit itself, in-process so that the figures compare.
//!
//! - [`index`]: ingest throughput, phases, memory and index size against a raw tantivy
//!   baseline (`medlit bench index`);
//! - [`query`]: search latency percentiles and throughput per query class, with and without
//!   facets, on one thread and on all cores, plus the end-to-end time of a cold
//!   `medlit search` process (`medlit bench query`);
//! - [`query_set`]: the queries [`query`] runs, read from a file or drawn from the index;
//! - [`sampler`]: the heap's peak and the CPU time per kind of thread during a run.

pub mod index;
pub mod query;
pub mod query_set;
pub mod sampler;

pub use index::{
    bench_index, default_baseline_memory, peak_rss_bytes, IndexBenchReport, Phases, Round, Run,
};
pub use query::{bench_query, ClassReport, ColdRuns, QueryBenchOptions, QueryBenchReport};
pub use query_set::{FailedQuery, QueryClass, QuerySource};
pub use sampler::ThreadCpu;
