//! The abstract-page writer: records in the text layout that
//! [`crate::formats::abstract_page`] documents and reads (title, DOI line, `- Author:` with
//! affiliation numbers and `Author Information`, `- Publication Type:`, `- Keywords:`,
//! `- MeSH:`, `- From:` with the citation line, `- Country`, `- Language:`, `Abstract:`).
//!
//! The layout has no escaping, so what it carries is what its parser can tell apart:
//!
//! - not carried: PMID, PMC id, journal ISO abbreviation, MeSH UIs, chemicals, therapies;
//!   volume, issue and pages without a year (the citation line starts with the year);
//! - a DOI is written only when the parser would read the line back as that DOI;
//! - each field is one line: line breaks inside a title, name or affiliation become spaces,
//!   and empty abstract paragraphs are dropped;
//! - text that looks like structure is read as structure: a title such as `- MeSH: x`, an
//!   author name ending in a number (`Group 2`, read as affiliation 2), a `;` inside a name,
//!   keyword or MeSH term, a journal title that starts with a year, an abstract paragraph
//!   that is a DOI, a `- Author:` line or starts with `Abstract:` (that prefix is lost).
//!
//! Every record gets a `- Author:` header, even without authors: it is what starts a record
//! that has no DOI line, so records never run into each other.

use std::io::{self, Write};

use super::one_line;
use crate::record::Record;

/// Writes one record (without a blank line after it; [`crate::export::Exporter`] puts one
/// between records).
pub fn write_record(out: &mut dyn Write, record: &Record) -> io::Result<()> {
    writeln!(out, "{}", one_line(&record.title))?;
    if let Some(doi) = record.doi.as_deref().map(str::trim) {
        if doi_in_line(doi) == Some(doi) {
            writeln!(out, "{doi}")?;
        }
    }
    write_authors(out, record)?;
    let publication_types: Vec<String> = record
        .publication_types
        .iter()
        .map(|kind| one_line(kind))
        .filter(|kind| !kind.is_empty())
        .collect();
    if !publication_types.is_empty() {
        writeln!(out, "- Publication Type:{}", publication_types.join(";"))?;
    }
    let keywords = record.keywords.iter().map(|keyword| one_line(keyword));
    write_items(out, "- Keywords:", keywords)?;
    let mesh = record
        .mesh
        .iter()
        .map(|heading| one_line(&heading.to_string()));
    write_items(out, "- MeSH:", mesh)?;
    write_from(out, record)?;
    if let Some(country) = non_empty(&record.country) {
        // PubMed writes `- CountryChina`; the parser needs a colon when the name is not
        // capitalised.
        let separator = if country.starts_with(char::is_uppercase) {
            ""
        } else {
            ":"
        };
        writeln!(out, "- Country{separator}{country}")?;
    }
    if let Some(language) = non_empty(&record.language) {
        writeln!(out, "- Language:{language}")?;
    }
    let mut paragraphs = record
        .abstract_text
        .lines()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .peekable();
    if paragraphs.peek().is_some() {
        out.write_all(b"-\nAbstract:\n")?;
        for paragraph in paragraphs {
            writeln!(out, "{paragraph}")?;
        }
    }
    Ok(())
}

/// `- Author:`, one name per line followed by its affiliation numbers (`1,2`), `;` between
/// authors, then the numbered affiliations under `Author Information`.
fn write_authors(out: &mut dyn Write, record: &Record) -> io::Result<()> {
    out.write_all(b"- Author:\n")?;
    let names = record
        .authors
        .iter()
        .map(|author| (one_line(&author.name), &author.affiliations))
        .filter(|(name, _)| !name.is_empty());
    for (index, (name, affiliations)) in names.enumerate() {
        if index > 0 {
            out.write_all(b";\n")?;
        }
        writeln!(out, "{name}")?;
        if !affiliations.is_empty() {
            let numbers: Vec<String> = affiliations.iter().map(u32::to_string).collect();
            writeln!(out, "{}", numbers.join(","))?;
        }
    }
    if !record.affiliations.is_empty() {
        out.write_all(b"Author Information\n")?;
        for (index, affiliation) in record.affiliations.iter().enumerate() {
            writeln!(out, "{}. {}", index + 1, one_line(affiliation))?;
        }
    }
    Ok(())
}

/// A section of one item per line, each but the last ending with `;`.
fn write_items(
    out: &mut dyn Write,
    header: &str,
    items: impl Iterator<Item = String>,
) -> io::Result<()> {
    let mut items = items.filter(|item| !item.is_empty()).peekable();
    if items.peek().is_none() {
        return Ok(());
    }
    writeln!(out, "{header}")?;
    while let Some(item) = items.next() {
        let separator = if items.peek().is_some() { ";" } else { "" };
        writeln!(out, "{item}{separator}")?;
    }
    Ok(())
}

/// `- From:` with the journal and the citation line `2025;27(9):1128-1133`.
fn write_from(out: &mut dyn Write, record: &Record) -> io::Result<()> {
    let journal = record
        .journal
        .as_deref()
        .map(one_line)
        .filter(|j| !j.is_empty());
    if journal.is_none() && record.year.is_none() {
        return Ok(());
    }
    out.write_all(b"- From:\n")?;
    if let Some(journal) = journal {
        writeln!(out, "{journal}")?;
    }
    if let Some(year) = record.year {
        write!(out, "{year:04}")?;
        let volume = non_empty(&record.volume);
        let issue = non_empty(&record.issue);
        if let Some(volume) = &volume {
            write!(out, ";{volume}")?;
        }
        if let Some(issue) = issue {
            // `2025;(9)`: without the `;` the parser would not look for an issue.
            let separator = if volume.is_none() { ";" } else { "" };
            write!(out, "{separator}({issue})")?;
        }
        if let Some(pages) = non_empty(&record.pages) {
            write!(out, ":{pages}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The value, trimmed and on one line, when it is set and not blank.
fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(one_line)
        .filter(|value| !value.is_empty())
}

/// The DOI the abstract-page parser reads from `line` (the same rules: `10.NNNN/suffix`,
/// optionally behind `doi:` or a `doi.org` URL, no whitespace, trailing dots dropped).
fn doi_in_line(line: &str) -> Option<&str> {
    let mut doi = line;
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ] {
        let head = doi.get(..prefix.len());
        if head.is_some_and(|head| head.eq_ignore_ascii_case(prefix)) {
            doi = doi[prefix.len()..].trim_start();
            break;
        }
    }
    let rest = doi.strip_prefix("10.")?;
    let (registrant, suffix) = rest.split_once('/')?;
    let valid = registrant.len() >= 4
        && registrant.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !suffix.is_empty()
        && !doi.contains(char::is_whitespace);
    valid.then_some(doi.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{export, parse_all, tricky_records};
    use super::*;
    use crate::export::ExportFormat;
    use crate::formats::Format;

    /// What the abstract-page format keeps of a record.
    fn carried(mut record: Record) -> Record {
        record.pmid = None;
        record.pmc = None;
        record.journal_iso = None;
        record.chemicals.clear();
        record.therapies.clear();
        for heading in &mut record.mesh {
            heading.ui = None;
        }
        record.id.clear();
        record.ensure_id();
        record
    }

    #[test]
    fn records_round_trip_through_the_abstract_page_parser() {
        let records = tricky_records();
        let output = export(ExportFormat::AbstractPage, &records);
        let expected: Vec<Record> = records.into_iter().map(carried).collect();
        assert_eq!(
            parse_all(Format::AbstractPage, &output),
            expected,
            "{output}"
        );
    }

    #[test]
    fn the_layout_is_the_documented_one() {
        let output = export(ExportFormat::AbstractPage, &tricky_records()[..1]);
        let expected = "\
Platelets < 20 × 10^9/L & \"steroid-refractory\" ITP: a 'case' report.
10.5555/medlit.<2025>&11
- Author:
Jane Q Doe
1,2
;
Wei LI
2
;
Sean O'Brien
2,3
;
Example Study Group
Author Information
1. Department of Hematology & Oncology, <Example> Hospital, Lyon, France.
2. Institute \"Example\", Paris, France.
3. Unit 3, Example University, Dublin, Ireland.
- Publication Type:Case Reports;Journal Article
- Keywords:
ITP;
romiplostim & eltrombopag
- MeSH:
Humans;
Purpura, Thrombocytopenic, Idiopathic/drug therapy*/blood;
Receptors, Thrombopoietin*/agonists
- From:
Journal of Example Hematology & Transfusion
2021;12(3):101-105
- CountryFrance
- Language:English
-
Abstract:
BACKGROUND: Immune thrombocytopenia (ITP) & its <treatment>.
CASE PRESENTATION: A 34-year-old woman \"received\" romiplostim; platelets > 150.
CONCLUSIONS: It worked.
";
        assert_eq!(output, expected);
    }

    #[test]
    fn records_without_doi_or_authors_do_not_run_together() {
        let bare = |title: &str| {
            let mut record = Record {
                title: title.into(),
                abstract_text: "Some text.".into(),
                ..Record::default()
            };
            record.ensure_id();
            record
        };
        let records = vec![bare("First bare record"), bare("Second bare record")];
        let output = export(ExportFormat::AbstractPage, &records);
        assert_eq!(
            parse_all(Format::AbstractPage, &output),
            records,
            "{output}"
        );
    }

    #[test]
    fn dois_the_parser_would_change_are_left_out() {
        assert_eq!(doi_in_line("10.5555/x"), Some("10.5555/x"));
        assert_eq!(doi_in_line("10.5555/x."), Some("10.5555/x"));
        assert_eq!(doi_in_line("10.55/x"), None);
        let record = Record {
            title: "Short registrant".into(),
            doi: Some("10.55/x".into()),
            ..Record::default()
        };
        let output = export(ExportFormat::AbstractPage, &[record]);
        assert_eq!(output, "Short registrant\n- Author:\n");
    }

    #[test]
    fn lower_case_countries_get_a_colon() {
        let record = Record {
            title: "T".into(),
            country: Some("china".into()),
            ..Record::default()
        };
        let output = export(ExportFormat::AbstractPage, &[record]);
        assert!(output.contains("- Country:china\n"), "{output}");
        let parsed = parse_all(Format::AbstractPage, &output);
        assert_eq!(parsed[0].country.as_deref(), Some("china"));
    }
}
