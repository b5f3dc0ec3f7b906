//! One module per subcommand, each with its `Args` and `run`.

pub mod bench;
pub mod demo;
pub mod eval;
pub mod export;
pub mod gen;
pub mod index;
pub mod merge;
pub mod mesh;
pub mod search;
pub mod show;
pub mod similar;
pub mod stats;

use std::io::IsTerminal;

use medlit::render::Style;

/// Exit codes, as ripgrep and grep use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something was found or done.
    Success = 0,
    /// A search matched nothing.
    NoMatch = 1,
}

/// Colour on a terminal, plain markers in pipes and files.
pub fn stdout_style() -> Style {
    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Style::Color
    } else {
        Style::Plain
    }
}
