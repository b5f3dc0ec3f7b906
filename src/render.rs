//! Output: search results, statistics and ingest summaries as text for people or JSON for
//! scripts. Every renderer writes to an `io::Write`; nothing here prints on its own.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::ingest::IngestSummary;
use crate::query::{Hit, SearchResults};
use crate::stats::IndexStats;

/// How highlights and headings are marked in text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// ANSI bold, for terminals.
    Color,
    /// `**term**`, for pipes and files.
    Plain,
}

impl Style {
    fn highlight(self, text: &str) -> String {
        match self {
            Style::Color => format!("\x1b[1;33m{text}\x1b[0m"),
            Style::Plain => format!("**{text}**"),
        }
    }

    fn bold(self, text: &str) -> String {
        match self {
            Style::Color => format!("\x1b[1m{text}\x1b[0m"),
            Style::Plain => text.to_string(),
        }
    }
}

/// `text` with control characters (C0 but tab and newline, DEL, C1) replaced by spaces, one
/// per byte so that highlight offsets stay right: records may hold them (issue #6), and
/// printed raw they would drive the terminal. JSON output keeps them, escaped.
fn printable(text: &str) -> Cow<'_, str> {
    let is_control = |c: char| c.is_control() && c != '\t' && c != '\n';
    if !text.contains(is_control) {
        return Cow::Borrowed(text);
    }
    let mut clean = String::with_capacity(text.len());
    for c in text.chars() {
        if is_control(c) {
            clean.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            clean.push(c);
        }
    }
    Cow::Owned(clean)
}

/// Writes `value` as one line of JSON.
pub fn json<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)
}

/// Writes search results for people: a header line, the hits, then the facets.
pub fn search_results(
    out: &mut dyn Write,
    results: &SearchResults,
    style: Style,
) -> io::Result<()> {
    let noun = if results.total == 1 {
        "record"
    } else {
        "records"
    };
    let shown = match (results.hits.first(), results.hits.last()) {
        (Some(first), Some(last)) => format!(", showing {}-{}", first.rank, last.rank),
        _ => String::new(),
    };
    writeln!(
        out,
        "{} {noun} match {:?}{shown} ({:.1} ms)",
        results.total, results.query, results.elapsed_ms
    )?;
    for hit in &results.hits {
        writeln!(out)?;
        search_hit(out, hit, style)?;
    }
    for facet in &results.facets {
        writeln!(out)?;
        let heading = format!(
            "{} (top {} of {})",
            facet.name,
            facet.values.len(),
            facet.distinct
        );
        writeln!(out, "{}", style.bold(&heading))?;
        let width = facet
            .values
            .first()
            .map_or(1, |v| v.count.to_string().len());
        for value in &facet.values {
            let name = printable(&value.value);
            match &value.tree {
                Some(tree) => writeln!(
                    out,
                    "  {:>width$}  {name} [{}]",
                    value.count,
                    printable(tree)
                )?,
                None => writeln!(out, "  {:>width$}  {name}", value.count)?,
            }
        }
    }
    Ok(())
}

/// Writes the query's expansions and each hit's score breakdown (`--explain`).
pub fn explanations(out: &mut dyn Write, results: &SearchResults) -> io::Result<()> {
    writeln!(out)?;
    if results.expansions.is_empty() {
        writeln!(out, "query expansions: none")?;
    } else {
        writeln!(out, "query expansions:")?;
        for expansion in &results.expansions {
            writeln!(
                out,
                "  {} ({}): {}",
                expansion.term, expansion.kind, expansion.into
            )?;
        }
    }
    for hit in &results.hits {
        writeln!(out, "\nscore of {} ({}):", hit.rank, hit.id)?;
        if let Some(explanation) = &hit.explanation {
            explanation_tree(out, explanation, 1)?;
        }
    }
    Ok(())
}

/// One node of tantivy's explanation (`value`, `description`, `details`), indented.
fn explanation_tree(out: &mut dyn Write, node: &serde_json::Value, depth: usize) -> io::Result<()> {
    let value = node
        .get("value")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    let description = node
        .get("description")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    writeln!(out, "{}{value:.4}  {description}", "  ".repeat(depth))?;
    if let Some(details) = node.get("details").and_then(serde_json::Value::as_array) {
        for child in details {
            explanation_tree(out, child, depth + 1)?;
        }
    }
    Ok(())
}

fn search_hit(out: &mut dyn Write, hit: &Hit, style: Style) -> io::Result<()> {
    writeln!(
        out,
        "{:>2}. {}",
        hit.rank,
        style.bold(&printable(&hit.title))
    )?;
    let mut meta = Vec::new();
    if let Some(year) = hit.year {
        meta.push(year.to_string());
    }
    if let Some(journal) = &hit.journal {
        meta.push(journal.clone());
    }
    meta.push(format!("score {:.2}", hit.score));
    writeln!(out, "    {}", printable(&meta.join(" · ")))?;
    let mut ids = vec![format!("id {}", hit.id)];
    if let Some(pmid) = &hit.pmid {
        ids.push(format!("PMID {pmid}"));
    }
    if let Some(doi) = &hit.doi {
        ids.push(format!("doi {doi}"));
    }
    writeln!(out, "    {}", printable(&ids.join(" · ")))?;
    if !hit.snippet.is_empty() {
        writeln!(
            out,
            "    {}",
            highlighted(&printable(&hit.snippet), &hit.highlights, style)
        )?;
    }
    Ok(())
}

/// The snippet with its highlighted ranges marked, on one line.
fn highlighted(snippet: &str, ranges: &[[usize; 2]], style: Style) -> String {
    let mut out = String::with_capacity(snippet.len() + ranges.len() * 8);
    let mut last = 0;
    for &[start, end] in ranges {
        let (Some(before), Some(word)) = (snippet.get(last..start), snippet.get(start..end)) else {
            continue;
        };
        out.push_str(before);
        out.push_str(&style.highlight(word));
        last = end;
    }
    out.push_str(snippet.get(last..).unwrap_or_default());
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes a whole record for people (`medlit show`).
pub fn record(out: &mut dyn Write, record: &crate::record::Record) -> io::Result<()> {
    writeln!(out, "{}", printable(&record.title))?;
    let mut ids = vec![format!("id {}", record.id)];
    ids.extend(record.pmid.iter().map(|p| format!("PMID {p}")));
    ids.extend(record.pmc.iter().map(|p| format!("PMC {p}")));
    ids.extend(record.doi.iter().map(|d| format!("doi {d}")));
    writeln!(out, "{}", printable(&ids.join(" · ")))?;
    let field = |out: &mut dyn Write, name: &str, value: &str| -> io::Result<()> {
        if value.is_empty() {
            Ok(())
        } else {
            writeln!(out, "{name:<17}{}", printable(value))
        }
    };
    let authors: Vec<String> = record
        .authors
        .iter()
        .map(|a| {
            if a.affiliations.is_empty() {
                a.name.clone()
            } else {
                let numbers: Vec<String> = a.affiliations.iter().map(u32::to_string).collect();
                format!("{} ({})", a.name, numbers.join(","))
            }
        })
        .collect();
    field(out, "authors", &authors.join("; "))?;
    for (number, affiliation) in record.affiliations.iter().enumerate() {
        field(out, &format!("  {}.", number + 1), affiliation)?;
    }
    let journal = match (&record.journal, &record.journal_iso) {
        (Some(journal), Some(iso)) => format!("{journal} ({iso})"),
        (Some(journal), None) => journal.clone(),
        (None, Some(iso)) => iso.clone(),
        (None, None) => String::new(),
    };
    field(out, "journal", &journal)?;
    field(out, "citation", &record.citation())?;
    field(out, "country", record.country.as_deref().unwrap_or(""))?;
    field(out, "language", record.language.as_deref().unwrap_or(""))?;
    field(
        out,
        "publication type",
        &record.publication_types.join("; "),
    )?;
    field(out, "keywords", &record.keywords.join("; "))?;
    let mesh: Vec<String> = record.mesh.iter().map(ToString::to_string).collect();
    field(out, "MeSH", &mesh.join("; "))?;
    field(out, "chemicals", &record.chemicals.join("; "))?;
    field(out, "therapies", &record.therapies.join("; "))?;
    if !record.abstract_text.is_empty() {
        writeln!(out, "\n{}", printable(&record.abstract_text))?;
    }
    Ok(())
}

/// Writes the closing summary of `medlit index`.
pub fn ingest_summary(out: &mut dyn Write, summary: &IngestSummary) -> io::Result<()> {
    writeln!(
        out,
        "indexed {} records from {} files ({} replaced an earlier record with the same id), skipped {}",
        summary.indexed, summary.files, summary.replaced, summary.skipped
    )?;
    writeln!(
        out,
        "{:.2} s, {:.0} records/s, {:.2} MB/s; the index now holds {} records",
        summary.elapsed_secs,
        summary.records_per_sec(),
        summary.mb_per_sec(),
        summary.records
    )
}

/// Writes `medlit stats` for people.
pub fn index_stats(out: &mut dyn Write, stats: &IndexStats) -> io::Result<()> {
    writeln!(out, "index         {}", stats.path)?;
    writeln!(out, "records       {}", stats.records)?;
    match stats.deleted {
        0 => writeln!(out, "deleted       0")?,
        n => writeln!(out, "deleted       {n} (space freed by `medlit merge`)")?,
    }
    writeln!(
        out,
        "size on disk  {} ({} bytes)",
        human_bytes(stats.size_bytes),
        stats.size_bytes
    )?;
    writeln!(out, "segments      {}", stats.segments)?;
    let written_by = stats
        .medlit_version
        .as_deref()
        .map(|v| format!(", written by medlit {v}"))
        .unwrap_or_default();
    writeln!(
        out,
        "schema        version {}{written_by}",
        stats.schema_version
    )?;
    writeln!(
        out,
        "last commit   {}",
        stats.last_commit.as_deref().unwrap_or("never")
    )?;
    writeln!(out, "distinct facet values")?;
    for (facet, count) in &stats.facets {
        writeln!(out, "  {facet:<10} {count}")?;
    }
    Ok(())
}

/// `1.5 MB`, `312 kB`, `12 B` (powers of 1000).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_are_marked_and_whitespace_folded() {
        let text = "immune  thrombocytopenia\nafter HSCT";
        let marked = highlighted(text, &[[8, 24]], Style::Plain);
        assert_eq!(marked, "immune **thrombocytopenia** after HSCT");
    }

    #[test]
    fn out_of_range_highlights_are_ignored() {
        assert_eq!(highlighted("abc", &[[2, 10]], Style::Plain), "abc");
    }

    #[test]
    fn control_characters_are_not_printed() {
        let text = "bell\x07 esc\x1b[31m red\r\u{9b}x\ttab\nline";
        let clean = printable(text);
        assert_eq!(clean, "bell  esc [31m red   x\ttab\nline");
        assert_eq!(clean.len(), text.len());
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn bytes_are_humanized() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
    }
}
