//! `medlit search`: ranked hits, filters and facets.

use medlit::query::rank::{Feedback, Weights};
use medlit::query::{FacetSpec, Filters, Search, SearchRequest, Sort, YearRange};
use medlit::{render, MedlitIndex};

use super::{stdout_style, Outcome};
use crate::cli::IndexDir;

/// Arguments of `medlit search`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub index: IndexDir,
    /// Number of hits to show.
    #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub limit: u32,
    /// Hits to skip (for paging).
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
    /// Count the values of a facet over all matching records (repeatable): mesh, major,
    /// qualifier, therapy, year, journal, pubtype, language, country. With a MeSH vocabulary,
    /// `mesh` and `major` count the MeSH tree: `mesh` gives the top categories and
    /// `mesh:C15` (a tree number, category or descriptor name) the children of that node.
    #[arg(long = "facet", short = 'f', value_name = "FACET")]
    pub facets: Vec<FacetSpec>,
    /// Values shown per facet.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub facet_limit: usize,
    /// Order of the hits.
    #[arg(long, value_enum, default_value = "relevance")]
    pub sort: Sort,
    /// Weights of the default fields, e.g. `title=2,abstract=1,keywords=1.5,mesh=1.5`.
    #[arg(long, value_name = "WEIGHTS")]
    pub weights: Option<Weights>,
    /// Rerank the matches by pseudo-relevance feedback (terms of the first 10 hits).
    #[arg(long)]
    pub feedback: bool,
    /// Show how each hit's score was computed, and how the query was expanded.
    #[arg(long)]
    pub explain: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The query and filters that select records, shared by `search` and `export`.
#[derive(Debug, Clone, clap::Args)]
pub struct Selection {
    /// The query: terms (ANDed), "phrases", AND/OR/NOT, parentheses, field:term
    /// (title, abstract, keywords, mesh, author, affiliation, journal, year, doi, pmid).
    /// An empty query matches every record.
    #[arg(default_value = "", value_name = "QUERY")]
    pub query: String,
    /// Rank records matching any term instead of requiring all (for questions in plain words).
    #[arg(long)]
    pub any: bool,
    /// Only records with this MeSH descriptor, or (with a vocabulary) any narrower one
    /// (repeatable: all required).
    #[arg(long, value_name = "DESCRIPTOR")]
    pub mesh: Vec<String>,
    /// Only records with this MeSH descriptor as a major topic (repeatable: all required).
    #[arg(long, value_name = "DESCRIPTOR")]
    pub major: Vec<String>,
    /// `--mesh` and `--major` match the descriptor itself only, not narrower ones.
    #[arg(long)]
    pub mesh_noexp: bool,
    /// Only records with this MeSH qualifier (subheading), e.g. therapy (repeatable: all required).
    #[arg(long, value_name = "QUALIFIER")]
    pub qualifier: Vec<String>,
    /// Do not expand query words that are MeSH entry terms to their descriptor.
    #[arg(long)]
    pub no_synonyms: bool,
    /// Only records naming this therapy (canonical name; repeatable: all required).
    #[arg(long, value_name = "NAME")]
    pub therapy: Vec<String>,
    /// Only records with this publication type (repeatable: all required).
    #[arg(long, value_name = "TYPE")]
    pub pubtype: Vec<String>,
    /// Only records from this journal (repeatable: any of them).
    #[arg(long, value_name = "TITLE")]
    pub journal: Vec<String>,
    /// Only records in this language (repeatable: any of them).
    #[arg(long = "lang", value_name = "LANGUAGE")]
    pub language: Vec<String>,
    /// Only records from this country (repeatable: any of them).
    #[arg(long, value_name = "COUNTRY")]
    pub country: Vec<String>,
    /// Only records published in these years: 2015..2025, 2015.., ..2020 or 2020.
    #[arg(long, value_name = "RANGE")]
    pub year: Option<YearRange>,
}

impl Selection {
    /// A request for the selected records, without paging or facets.
    pub fn request(&self) -> SearchRequest {
        let mut request = SearchRequest::new(self.query.clone());
        request.any = self.any;
        request.synonyms = !self.no_synonyms;
        request.filters = Filters {
            major: self.major.clone(),
            qualifier: self.qualifier.clone(),
            no_explode: self.mesh_noexp,
            mesh: self.mesh.clone(),
            therapy: self.therapy.clone(),
            pubtype: self.pubtype.clone(),
            journal: self.journal.clone(),
            language: self.language.clone(),
            country: self.country.clone(),
            year: self.year,
        };
        request
    }

    /// True when neither a query nor a filter narrows the selection.
    pub fn is_everything(&self) -> bool {
        let request = self.request();
        self.query.trim().is_empty() && request.filters.is_empty()
    }
}

impl Args {
    /// The search request these arguments describe.
    pub fn request(&self) -> SearchRequest {
        let mut request = self.selection.request();
        request.limit = self.limit as usize;
        request.offset = self.offset as usize;
        request.facets = self.facets.clone();
        request.facet_limit = self.facet_limit;
        request.sort = self.sort;
        request.weights = self.weights;
        request.feedback = self.feedback.then(Feedback::default);
        request.explain = self.explain;
        request
    }
}

/// Runs `medlit search`.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let index = MedlitIndex::open(&args.index.path)?;
    let results = Search::new(&index)?.run(&args.request())?;
    for note in &results.notes {
        eprintln!("medlit: {note}");
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        render::json(&mut out, &results)?;
    } else {
        render::search_results(&mut out, &results, stdout_style())?;
        if args.explain {
            render::explanations(&mut out, &results)?;
        }
    }
    Ok(if results.total == 0 {
        Outcome::NoMatch
    } else {
        Outcome::Success
    })
}
