//! The `medlit` binary: parses the command line, runs the subcommand from the library and
//! maps the outcome to an exit code (0 found, 1 nothing matched, 2 error).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// mimalloc instead of the system allocator: parsing allocates many small strings on every
/// core while tantivy indexes, where glibc's malloc spent about 8% of ingest CPU.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Index(args) => commands::index::run(args),
        Command::Search(args) => commands::search::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Gen(args) => commands::gen::run(args),
        Command::Mesh(args) => commands::mesh::run(args),
        Command::Show(args) => commands::show::run(args),
        Command::Similar(args) => commands::similar::run(args),
        Command::Stats(args) => commands::stats::run(args),
        Command::Merge(args) => commands::merge::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Demo(args) => commands::demo::run(args),
    };
    match result {
        Ok(outcome) => ExitCode::from(outcome as u8),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("medlit: error: {}", message(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each cause said once: medlit's errors often quote their cause
/// already (`FILE: No such file or directory`), and `{:#}` would repeat it.
fn message(err: &anyhow::Error) -> String {
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    message
}

/// A closed stdout (`medlit search … | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
