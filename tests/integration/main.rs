//! CLI integration tests: one binary, one module per topic. Every test runs the real
//! `medlit` binary in a temporary directory with a cleared environment.

mod bench_cmd;
mod crash;
mod eval_cmd;
mod formats;
mod gen_cmd;
#[cfg(target_os = "linux")]
mod hostile;
mod index_cmd;
mod merge_cmd;
mod mesh_cmd;
mod query_limits;
mod records_cmd;
mod sample_corpus;
mod search_cmd;
mod stats_cmd;
mod util;
