//! `medlit eval`: run a set of queries as plain text and score the ranking against relevance
//! judgments (nDCG@10, Recall@100, MAP@100, MRR@10).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use medlit::eval::{self, Evaluation};
use medlit::query::rank::{Feedback, RankingOptions, Weights};
use medlit::query::Search;
use medlit::MedlitIndex;
use rayon::prelude::*;
use serde::Serialize;

use super::Outcome;
use crate::cli::IndexDir;

/// Arguments of `medlit eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Queries: BEIR queries.jsonl, `ID<TAB>TEXT` lines, or TREC topics (plain or gzip).
    #[arg(long, value_name = "FILE")]
    pub queries: PathBuf,
    /// Judgments: TREC qrels (`qid 0 docid rel`) or BEIR qrels TSV (plain or gzip).
    #[arg(long, value_name = "FILE")]
    pub qrels: PathBuf,
    #[command(flatten)]
    pub index: IndexDir,
    /// Write the top 100 of every query to this TREC run file (`qid Q0 docid rank score tag`).
    #[arg(long, value_name = "FILE")]
    pub run: Option<PathBuf>,
    /// Tag in the run file's last column.
    #[arg(long, default_value = "medlit")]
    pub tag: String,
    #[command(flatten)]
    pub ranking: RankingArgs,
    /// Print per-query figures too.
    #[arg(long)]
    pub per_query: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Ranking options shared by `eval` (and documented in EVALUATION.md).
#[derive(Debug, Clone, clap::Args)]
pub struct RankingArgs {
    /// Field weights, e.g. `title=0.5,abstract=1,keywords=1.5,mesh=1.5` (0 leaves a field out).
    #[arg(
        long,
        value_name = "WEIGHTS",
        default_value = "title=0.5,abstract=1,keywords=1.5,mesh=1.5"
    )]
    pub weights: Weights,
    /// Turn off pseudo-relevance feedback (on by default: each query is expanded with the
    /// heaviest terms of its first results).
    #[arg(long)]
    pub no_feedback: bool,
    /// Feedback: documents read.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub feedback_docs: usize,
    /// Feedback: terms added.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub feedback_terms: usize,
    /// Feedback: weight of the added terms against the query (0..1).
    #[arg(long, default_value_t = 0.3, value_name = "W")]
    pub feedback_weight: f32,
}

impl RankingArgs {
    /// The ranking options these arguments describe.
    pub fn options(&self) -> RankingOptions {
        RankingOptions {
            weights: self.weights,
            feedback: (!self.no_feedback).then_some(Feedback {
                docs: self.feedback_docs,
                terms: self.feedback_terms,
                weight: self.feedback_weight.clamp(0.0, 1.0),
            }),
        }
    }
}

/// Depth of every ranking (Recall@100, MAP@100 and the run file need 100).
const DEPTH: usize = 100;

#[derive(Serialize)]
struct Report<'a> {
    queries: usize,
    judged: usize,
    ndcg_at_10: f64,
    recall_at_100: f64,
    map_at_100: f64,
    mrr_at_10: f64,
    elapsed_secs: f64,
    options: RankingOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_query: Option<&'a [(String, eval::QueryMetrics)]>,
}

/// Runs `medlit eval`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let queries = eval::read_queries(open(&args.queries)?)
        .map_err(|err| anyhow::anyhow!("{}: {err}", args.queries.display()))?;
    let qrels = eval::read_qrels(open(&args.qrels)?)
        .map_err(|err| anyhow::anyhow!("{}: {err}", args.qrels.display()))?;
    let index = MedlitIndex::open(&args.index.path)?;
    let search = Search::new(&index)?;
    let options = args.ranking.options();
    let started = Instant::now();
    let rankings: Vec<(String, Vec<(String, f32)>)> = queries
        .par_iter()
        .map(|query| {
            Ok((
                query.id.clone(),
                search.rank_text(&query.text, DEPTH, &options)?,
            ))
        })
        .collect::<medlit::Result<_>>()?;
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(path) = &args.run {
        write_run(path, &rankings, &args.tag)?;
    }
    let runs: Vec<(String, Vec<String>)> = rankings
        .iter()
        .map(|(id, ranked)| {
            (
                id.clone(),
                ranked.iter().map(|(doc, _)| doc.clone()).collect(),
            )
        })
        .collect();
    let evaluation = eval::evaluate(&runs, &qrels);
    let mut out = std::io::stdout().lock();
    if args.json {
        let report = report(&evaluation, queries.len(), elapsed, options, args.per_query);
        medlit::render::json(&mut out, &report)?;
    } else {
        write_text(
            &mut out,
            &evaluation,
            queries.len(),
            elapsed,
            args.per_query,
        )?;
    }
    Ok(Outcome::Success)
}

fn report(
    evaluation: &Evaluation,
    queries: usize,
    elapsed: f64,
    options: RankingOptions,
    per_query: bool,
) -> Report<'_> {
    Report {
        queries,
        judged: evaluation.queries,
        ndcg_at_10: evaluation.mean.ndcg_at_10,
        recall_at_100: evaluation.mean.recall_at_100,
        map_at_100: evaluation.mean.map_at_100,
        mrr_at_10: evaluation.mean.mrr_at_10,
        elapsed_secs: elapsed,
        options,
        per_query: per_query.then_some(evaluation.per_query.as_slice()),
    }
}

fn write_text(
    out: &mut dyn Write,
    evaluation: &Evaluation,
    queries: usize,
    elapsed: f64,
    per_query: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{queries} queries run, {} judged, in {elapsed:.2} s",
        evaluation.queries
    )?;
    let mean = &evaluation.mean;
    writeln!(out, "nDCG@10     {:.4}", mean.ndcg_at_10)?;
    writeln!(out, "Recall@100  {:.4}", mean.recall_at_100)?;
    writeln!(out, "MAP@100     {:.4}", mean.map_at_100)?;
    writeln!(out, "MRR@10      {:.4}", mean.mrr_at_10)?;
    if per_query {
        writeln!(out, "\nquery\tnDCG@10\tRecall@100\tMAP@100\tMRR@10")?;
        for (id, m) in &evaluation.per_query {
            writeln!(
                out,
                "{id}\t{:.4}\t{:.4}\t{:.4}\t{:.4}",
                m.ndcg_at_10, m.recall_at_100, m.map_at_100, m.mrr_at_10
            )?;
        }
    }
    Ok(())
}

fn write_run(
    path: &Path,
    rankings: &[(String, Vec<(String, f32)>)],
    tag: &str,
) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for (query, ranked) in rankings {
        eval::write_trec_run(&mut out, query, ranked, tag)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A file as a reader, decompressed when it is gzip or zstd.
fn open(path: &Path) -> anyhow::Result<Box<dyn BufRead + Send>> {
    medlit::ingest::open_path(path).with_context(|| format!("cannot read {}", path.display()))
}
