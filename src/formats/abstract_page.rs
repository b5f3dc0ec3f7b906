//! The abstract-page text format: what PubMed-style abstract pages give when copied as text.
//!
//! ```text
//! Title of the article.
//! 10.7499/j.issn.1008-8830.2503173          <- DOI line (optional)
//! - Author:
//! Bo ZHANG                                  <- one author per line
//! 1                                         <- affiliation numbers of the author above
//! ;                                         <- separator between authors
//! Zuo LUAN
//! Author Information
//! 1. Department of Pediatrics, …            <- numbered affiliations
//! - Publication Type:English Abstract       <- value on the header line, `;`-separated
//! - Keywords:
//! Child;                                    <- one item per line, `;`-terminated
//! - MeSH:
//! Thrombocytopenia/therapy*;                <- Descriptor/qualifier, `*` = major topic
//! - From:
//! Chinese Journal of Contemporary Pediatrics
//! 2025;27(9):1128-1133                      <- year;volume(issue):pages
//! - CountryChina                            <- no colon after Country
//! - Language:Chinese
//! -
//! Abstract:
//! This report describes …
//! ```
//!
//! Sections may come in any order and any may be missing except the title. Blank lines,
//! CRLF line ends, a UTF-8 BOM and trailing spaces are ignored.
//!
//! **Several records in one file.** A record starts at a title line whose next non-empty line
//! is a DOI line (`10.NNNN/…`, also `doi:` or `https://doi.org/` forms) or the `- Author:`
//! header, once the record before it has begun its sections. Records may be separated by
//! blank lines, but need not be. A record must have a DOI line or at least one known
//! section; text that has neither is reported as "not an abstract-page record".

use std::io::BufRead;

use super::lines::LineReader;
use super::{Location, ParseError};
use crate::record::{Author, MeshHeading, Record};

/// A record larger than this is reported and skipped instead of being held in memory.
pub const MAX_RECORD_BYTES: usize = 8 << 20;

/// True when `head` (the start of a file) looks like abstract-page text: a DOI line or one of
/// the section headers within the first lines.
pub fn looks_like(head: &str) -> bool {
    head.lines().take(60).any(|line| {
        let line = line.trim();
        matches!(
            classify(line),
            Line::Section(Section::Author, _) | Line::Section(Section::Mesh, _)
        ) || (line.eq_ignore_ascii_case("- From:"))
    })
}

/// Streaming reader: yields one record (or one error) at a time.
pub struct AbstractPageReader<R> {
    lines: LineReader<R>,
    line_no: u64,
    records_started: u64,
    current: Pending,
    done: bool,
}

/// The lines of the record being read, and what has been seen of it so far.
#[derive(Default)]
struct Pending {
    lines: Vec<(u64, String)>,
    bytes: usize,
    has_section: bool,
    has_doi: bool,
    has_author: bool,
    problem: Option<String>,
    first_line: u64,
    /// Once a record is known to be bad its lines are not kept, except the last one: it may
    /// be the title of the next record.
    last_dropped: Option<(u64, String)>,
    /// The problem of the last line kept (invalid UTF-8 in a line of text), held until the
    /// next line tells whether that line is the title of the next record: the problem goes
    /// with the line, so a Latin-1 title spoils its own record, not the one before it.
    held: Option<String>,
}

impl Pending {
    fn is_blank(&self) -> bool {
        self.lines.is_empty() && self.problem.is_none()
    }

    fn push(&mut self, line_no: u64, line: String) {
        if self.lines.is_empty() && self.problem.is_none() {
            self.first_line = line_no;
        }
        if self.problem.is_some() {
            self.last_dropped = Some((line_no, line));
            return;
        }
        self.bytes += line.len();
        if self.bytes > MAX_RECORD_BYTES {
            self.problem = Some(format!(
                "record is larger than {} MiB",
                MAX_RECORD_BYTES >> 20
            ));
            self.lines.clear();
            return;
        }
        self.lines.push((line_no, line));
    }

    /// Marks the record as bad; its lines are no longer needed, except the last one.
    fn fail(&mut self, problem: String) {
        if self.problem.is_none() {
            self.problem = Some(problem);
            self.last_dropped = self.lines.pop();
            self.lines.clear();
        }
    }

    /// The held problem is this record's: its line stays in this record.
    fn settle(&mut self) {
        if let Some(problem) = self.held.take() {
            self.fail(problem);
        }
    }
}

impl<R: BufRead> AbstractPageReader<R> {
    /// Reads records from `reader`.
    pub fn new(reader: R) -> Self {
        AbstractPageReader {
            lines: LineReader::new(reader, MAX_RECORD_BYTES),
            line_no: 0,
            records_started: 0,
            current: Pending::default(),
            done: false,
        }
    }

    /// Reads the next line, trimmed; `Ok(None)` at the end of input. Invalid UTF-8 is decoded
    /// lossily, a line longer than [`MAX_RECORD_BYTES`] is read as empty without being held
    /// in memory, and a NUL byte empties the line; each marks the record it belongs to as bad.
    fn next_line(&mut self) -> Result<Option<(String, Option<String>)>, std::io::Error> {
        let Some(line) = self.lines.next_line()? else {
            return Ok(None);
        };
        self.line_no = line.number;
        if line.text.contains('\0') {
            return Ok(Some((
                String::new(),
                Some(format!("binary data (NUL byte) at line {}", line.number)),
            )));
        }
        let problem = line.problem.as_ref().map(ToString::to_string);
        Ok(Some((line.text.trim().to_string(), problem)))
    }

    /// Takes the finished record out of `self.current` and parses it.
    fn finish(&mut self, mut pending: Pending) -> Result<Record, ParseError> {
        pending.settle();
        self.records_started += 1;
        let location = Location {
            record: Some(self.records_started),
            line: Some(pending.first_line),
            byte: None,
        };
        if let Some(reason) = pending.problem {
            return Err(ParseError { location, reason });
        }
        parse_record(&pending.lines).map_err(|reason| ParseError { location, reason })
    }
}

impl<R: BufRead> Iterator for AbstractPageReader<R> {
    type Item = Result<Record, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let (line, problem) = match self.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    let pending = std::mem::take(&mut self.current);
                    return (!pending.is_blank()).then(|| self.finish(pending));
                }
                Err(err) => {
                    self.done = true;
                    let location = Location {
                        record: Some(self.records_started + 1),
                        line: Some(self.line_no + 1),
                        byte: None,
                    };
                    return Some(Err(ParseError {
                        location,
                        reason: format!("read error: {err}"),
                    }));
                }
            };
            let starts_record = self.starts_new_record(&line);
            let finished = if starts_record {
                Some(self.split_off_new_record())
            } else {
                None
            };
            if !line.is_empty() {
                // Not the start of a record, so a held title candidate stays where it is.
                self.current.settle();
            }
            if !line.is_empty() || problem.is_some() {
                self.note_line(&line);
                let line_no = self.line_no;
                match problem {
                    Some(problem) if !line.is_empty() && classify(&line) == Line::Text => {
                        self.current.push(line_no, line);
                        self.current.held = Some(problem);
                    }
                    Some(problem) => {
                        if self.current.lines.is_empty() {
                            self.current.first_line = line_no;
                        }
                        self.current.fail(problem);
                        if !line.is_empty() {
                            self.current.push(line_no, line);
                        }
                    }
                    None if !line.is_empty() => self.current.push(line_no, line),
                    None => {}
                }
            }
            if let Some(pending) = finished {
                if !pending.is_blank() {
                    return Some(self.finish(pending));
                }
            }
        }
    }
}

impl<R: BufRead> AbstractPageReader<R> {
    /// True when `line` (a DOI line or `- Author:`) begins a new record: the current record
    /// has already begun its sections.
    fn starts_new_record(&self, line: &str) -> bool {
        match classify(line) {
            Line::Doi(_) => self.current.has_section || self.current.has_doi,
            Line::Section(Section::Author, _) => self.current.has_author,
            _ => false,
        }
    }

    /// Moves the title candidate (the last non-empty, non-structural line) into a fresh
    /// record and returns the record it ended.
    fn split_off_new_record(&mut self) -> Pending {
        let mut finished = std::mem::take(&mut self.current);
        let held = finished.held.take();
        let title = if finished.problem.is_some() {
            finished.last_dropped.take()
        } else {
            finished.lines.pop()
        };
        let owner = match title {
            Some((line_no, text)) if matches!(classify(&text), Line::Text) => {
                self.current.push(line_no, text);
                &mut self.current
            }
            Some(line) if finished.problem.is_none() => {
                finished.lines.push(line);
                &mut finished
            }
            _ => &mut finished,
        };
        if let Some(problem) = held {
            owner.fail(problem);
        }
        finished
    }

    /// Updates what the current record has seen.
    fn note_line(&mut self, line: &str) {
        match classify(line) {
            Line::Doi(_) if !self.current.has_section => self.current.has_doi = true,
            Line::Section(section, _) => {
                self.current.has_section = true;
                self.current.has_author |= section == Section::Author;
            }
            Line::AbstractHeader(_) => self.current.has_section = true,
            _ => {}
        }
    }
}

/// The sections of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Head,
    Author,
    AuthorInformation,
    PublicationType,
    Keywords,
    Mesh,
    From,
    Country,
    Language,
    Abstract,
    /// A lone `-` line or an unknown `- Name:` header: its lines are ignored.
    Ignored,
}

/// What a (trimmed) line is.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    Doi(&'a str),
    /// A section header with the text that follows it on the same line.
    Section(Section, &'a str),
    AbstractHeader(&'a str),
    Dash,
    Text,
}

fn classify(line: &str) -> Line<'_> {
    if let Some(doi) = doi_in_line(line) {
        return Line::Doi(doi);
    }
    if let Some(rest) = strip_prefix_ignore_case(line, "abstract:") {
        return Line::AbstractHeader(rest.trim());
    }
    if line.eq_ignore_ascii_case("abstract") {
        return Line::AbstractHeader("");
    }
    if line.eq_ignore_ascii_case("author information") {
        return Line::Section(Section::AuthorInformation, "");
    }
    let Some(rest) = line.strip_prefix('-') else {
        return Line::Text;
    };
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Line::Dash;
    }
    if let Some(country) = strip_prefix_ignore_case(rest, "country") {
        let boundary = country
            .chars()
            .next()
            .is_none_or(|c| c == ':' || c.is_whitespace() || c.is_uppercase());
        if boundary {
            return Line::Section(Section::Country, country.trim_start_matches(':').trim());
        }
    }
    let Some((name, value)) = rest.split_once(':') else {
        return Line::Text;
    };
    let section = match name.trim().to_ascii_lowercase().as_str() {
        "author" | "authors" => Section::Author,
        "publication type" | "publication types" => Section::PublicationType,
        "keywords" | "keyword" => Section::Keywords,
        "mesh" | "mesh terms" => Section::Mesh,
        "from" | "source" => Section::From,
        "language" | "languages" => Section::Language,
        "country" => Section::Country,
        _ => return Line::Text,
    };
    Line::Section(section, value.trim())
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// The DOI when the whole line is one: `10.NNNN/suffix`, optionally behind `doi:` or a
/// `doi.org` URL.
fn doi_in_line(line: &str) -> Option<&str> {
    let mut doi = line;
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ] {
        if let Some(rest) = strip_prefix_ignore_case(doi, prefix) {
            doi = rest.trim_start();
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

/// Parses the lines of one record.
fn parse_record(lines: &[(u64, String)]) -> Result<Record, String> {
    let mut builder = RecordBuilder::default();
    let mut section = Section::Head;
    let mut seen_structure = false;
    for (_, line) in lines {
        match classify(line) {
            Line::Doi(doi) if section == Section::Head => {
                builder.record.doi = Some(doi.to_string());
                seen_structure = true;
            }
            Line::Section(next, value) => {
                if next == Section::AuthorInformation && section != Section::Author {
                    builder.content(section, line);
                    continue;
                }
                section = next;
                seen_structure = true;
                if !value.is_empty() {
                    builder.content(section, value);
                }
            }
            Line::AbstractHeader(value) => {
                section = Section::Abstract;
                seen_structure = true;
                if !value.is_empty() {
                    builder.content(section, value);
                }
            }
            Line::Dash if section != Section::Abstract => section = Section::Ignored,
            _ => builder.content(section, line),
        }
    }
    if !seen_structure {
        return Err("not an abstract-page record: no DOI line and no section such as `- Author:`, `- MeSH:` or `Abstract:`".into());
    }
    builder.finish()
}

/// Accumulates the parts of a record while its lines are read.
#[derive(Default)]
struct RecordBuilder {
    record: Record,
    title: Vec<String>,
    from: Vec<String>,
    abstract_lines: Vec<String>,
    /// An author line ended with `;`, so the next name starts a new author.
    author_closed: bool,
}

impl RecordBuilder {
    fn content(&mut self, section: Section, text: &str) {
        match section {
            Section::Head => self.title.push(text.to_string()),
            Section::Author => self.author_line(text),
            Section::AuthorInformation => self.affiliation_line(text),
            Section::PublicationType => push_items(&mut self.record.publication_types, text),
            Section::Keywords => push_items(&mut self.record.keywords, text),
            Section::Mesh => {
                let headings = items(text).filter_map(MeshHeading::parse);
                self.record.mesh.extend(headings);
            }
            Section::From => self.from.push(text.to_string()),
            Section::Country => set_once(&mut self.record.country, text),
            Section::Language => set_once(&mut self.record.language, text),
            Section::Abstract => self.abstract_lines.push(text.to_string()),
            Section::Ignored => {}
        }
    }

    /// Author lines: a name, affiliation numbers (`1` or `1,2`), or `;` between authors.
    /// Several may share a line: `Bo ZHANG 1; Zuo LUAN`.
    fn author_line(&mut self, text: &str) {
        for (index, part) in text.split(';').enumerate() {
            if index > 0 {
                self.author_closed = true;
            }
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if let Some(numbers) = affiliation_numbers(part) {
                self.add_affiliation_numbers(numbers);
                continue;
            }
            let (name, numbers) = match part.rsplit_once(char::is_whitespace) {
                Some((name, tail)) => match affiliation_numbers(tail) {
                    Some(numbers) => (name.trim(), numbers),
                    None => (part, Vec::new()),
                },
                None => (part, Vec::new()),
            };
            self.record.authors.push(Author {
                name: name.to_string(),
                affiliations: Vec::new(),
            });
            self.author_closed = false;
            self.add_affiliation_numbers(numbers);
        }
    }

    fn add_affiliation_numbers(&mut self, numbers: Vec<u32>) {
        if self.author_closed {
            return;
        }
        if let Some(author) = self.record.authors.last_mut() {
            for number in numbers {
                if !author.affiliations.contains(&number) {
                    author.affiliations.push(number);
                }
            }
        }
    }

    /// `1. Department of …`: the number is dropped, the order kept.
    fn affiliation_line(&mut self, text: &str) {
        let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let body = if digits > 0 {
            text[digits..].trim_start_matches(['.', ')']).trim()
        } else {
            text
        };
        if !body.is_empty() {
            self.record.affiliations.push(body.to_string());
        }
    }

    fn finish(mut self) -> Result<Record, String> {
        let title = self.title.join(" ");
        if title.trim().is_empty() {
            return Err("record has no title".into());
        }
        self.record.title = title;
        self.apply_from();
        self.record.abstract_text = self.abstract_lines.join("\n");
        self.record.ensure_id();
        Ok(self.record)
    }

    /// `- From:` holds the journal and the citation line, in either order.
    fn apply_from(&mut self) {
        let mut journal = Vec::new();
        for line in std::mem::take(&mut self.from) {
            match parse_citation(&line) {
                Some(citation) if self.record.year.is_none() => {
                    self.record.year = Some(citation.year);
                    self.record.volume = citation.volume;
                    self.record.issue = citation.issue;
                    self.record.pages = citation.pages;
                }
                _ => journal.push(line),
            }
        }
        if !journal.is_empty() {
            self.record.journal = Some(journal.join(" "));
        }
    }
}

/// The parts of a PubMed citation, `2025;27(9):1128-1133`.
#[derive(Debug, PartialEq, Eq)]
struct Citation {
    year: u16,
    volume: Option<String>,
    issue: Option<String>,
    pages: Option<String>,
}

/// Parses `year[ month][;volume][(issue)][:pages]`; `None` unless it starts with a year.
fn parse_citation(line: &str) -> Option<Citation> {
    let year: u16 = line.get(..4)?.parse().ok()?;
    if !(1000..=2999).contains(&year) {
        return None;
    }
    let rest = &line[4..];
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let (before_pages, pages) = match rest.split_once(':') {
        Some((before, pages)) => (before, non_empty(pages)),
        None => (rest, None),
    };
    let volume_part = before_pages.split_once(';').map_or("", |(_, v)| v);
    let (volume, issue) = match volume_part.split_once('(') {
        Some((volume, issue)) => (non_empty(volume), non_empty(issue.trim_end_matches(')'))),
        None => (non_empty(volume_part), None),
    };
    Some(Citation {
        year,
        volume,
        issue,
        pages,
    })
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// `1`, `1,2`, `1, 3`: affiliation numbers, or `None` if `text` is anything else.
fn affiliation_numbers(text: &str) -> Option<Vec<u32>> {
    let numbers: Option<Vec<u32>> = text
        .split([',', ' '])
        .filter(|n| !n.is_empty())
        .map(|n| n.parse().ok())
        .collect();
    numbers.filter(|n| !n.is_empty())
}

fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn push_items(list: &mut Vec<String>, text: &str) {
    list.extend(items(text).map(str::to_string));
}

fn set_once(slot: &mut Option<String>, text: &str) {
    let text = text.trim().trim_end_matches(';').trim();
    if slot.is_none() && !text.is_empty() {
        *slot = Some(text.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_LIKE: &str = include_str!("../../tests/fixtures/abstract_page/single.txt");
    const MULTI: &str = include_str!("../../tests/fixtures/abstract_page/multi.txt");

    fn parse_all(text: &str) -> Vec<Result<Record, ParseError>> {
        AbstractPageReader::new(text.as_bytes()).collect()
    }

    fn parse_one(text: &str) -> Record {
        let mut results = parse_all(text);
        assert_eq!(results.len(), 1, "one record expected");
        results.remove(0).expect("record parses")
    }

    #[test]
    fn every_field_of_the_seed_layout_is_parsed() {
        let record = parse_one(SEED_LIKE);
        assert_eq!(
            record.title,
            "Use of umbilical cord mesenchymal stromal cells for refractory immune thrombocytopenia after haploidentical transplantation in two adolescents."
        );
        assert_eq!(
            record.doi.as_deref(),
            Some("10.5555/j.issn.2024-0001.2401007")
        );
        assert_eq!(record.id, "10.5555/j.issn.2024-0001.2401007");
        let names: Vec<&str> = record.authors.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            ["Wei-Min LIU", "Hong QIAO", "Jia-Yi SONG", "Rui-Xin ZHOU"]
        );
        assert_eq!(record.authors[0].affiliations, [1]);
        assert_eq!(record.authors[1].affiliations, [1, 2]);
        assert!(record.authors[2].affiliations.is_empty());
        assert_eq!(record.authors[3].affiliations, [2]);
        assert_eq!(
            record.affiliations,
            [
                "Department of Hematology, Example Children's Hospital, Hangzhou 310000, China.",
                "Stem Cell Laboratory, Example University School of Medicine, Hangzhou 310000, China."
            ]
        );
        assert_eq!(record.publication_types, ["English Abstract"]);
        assert_eq!(
            record.keywords,
            [
                "Adolescent",
                "Immune thrombocytopenia",
                "Mesenchymal stromal cell",
                "Haploidentical transplantation"
            ]
        );
        let mesh: Vec<String> = record.mesh.iter().map(ToString::to_string).collect();
        assert_eq!(
            mesh,
            [
                "Adolescent",
                "Humans",
                "Hematopoietic Stem Cell Transplantation/adverse effects*",
                "Mesenchymal Stem Cell Transplantation",
                "Purpura, Thrombocytopenic, Idiopathic/etiology*/therapy",
                "Thrombocytopenia/therapy*",
                "Transplantation, Haploidentical"
            ]
        );
        assert!(record.mesh[5].is_major_topic());
        assert!(!record.mesh[1].is_major_topic());
        assert_eq!(
            record.journal.as_deref(),
            Some("Chinese Journal of Contemporary Pediatrics")
        );
        assert_eq!(record.year, Some(2024));
        assert_eq!(record.volume.as_deref(), Some("26"));
        assert_eq!(record.issue.as_deref(), Some("3"));
        assert_eq!(record.pages.as_deref(), Some("301-306"));
        assert_eq!(record.country.as_deref(), Some("China"));
        assert_eq!(record.language.as_deref(), Some("Chinese"));
        assert!(record
            .abstract_text
            .starts_with("This report describes two adolescents"));
        assert!(record.abstract_text.ends_with("second-line therapies."));
        assert!(record.abstract_text.contains("99.8% on day +21"));
        assert!(record.pmid.is_none());
        assert!(
            record.therapies.is_empty(),
            "therapies are derived at ingest, not parse"
        );
    }

    #[test]
    fn crlf_blank_lines_and_bom_are_tolerated() {
        let messy = format!("\u{feff}\r\n\r\n{}", SEED_LIKE.replace('\n', "\r\n\r\n"));
        let clean = parse_one(SEED_LIKE);
        assert_eq!(parse_one(&messy), clean);
    }

    #[test]
    fn reordered_and_missing_sections_are_tolerated() {
        let text = "A short title\n- Language:English\nAbstract:\nText here.\n- MeSH:\nHumans\n- From:\n2019;45:112-118\nSome Journal\n";
        let record = parse_one(text);
        assert_eq!(record.title, "A short title");
        assert_eq!(record.language.as_deref(), Some("English"));
        assert_eq!(record.abstract_text, "Text here.");
        assert_eq!(record.mesh.len(), 1);
        assert_eq!(record.journal.as_deref(), Some("Some Journal"));
        assert_eq!(
            (
                record.year,
                record.volume.as_deref(),
                record.issue.as_deref()
            ),
            (Some(2019), Some("45"), None)
        );
        assert_eq!(record.pages.as_deref(), Some("112-118"));
        assert!(record.id.starts_with('h'), "no PMID or DOI: hashed id");
    }

    #[test]
    fn multi_record_file_splits_on_title_before_doi_or_author() {
        let records: Vec<Record> = parse_all(MULTI)
            .into_iter()
            .map(|r| r.expect("parses"))
            .collect();
        let titles: Vec<&str> = records.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "First made-up record about rituximab.",
                "Second record, without a DOI line.",
                "Third record follows without a blank line."
            ]
        );
        assert_eq!(
            records[0].abstract_text,
            "Rituximab was given.\nA second paragraph."
        );
        assert!(records[1].doi.is_none());
        assert_eq!(records[1].authors.len(), 1);
        assert_eq!(records[2].doi.as_deref(), Some("10.5555/third.3"));
        assert_eq!(records[2].country.as_deref(), Some("United States"));
    }

    #[test]
    fn garbage_text_is_not_a_record() {
        let results = parse_all("just some words\nand more words\n");
        assert_eq!(results.len(), 1);
        let error = results[0].clone().expect_err("not a record");
        assert!(
            error.reason.contains("not an abstract-page record"),
            "{}",
            error.reason
        );
        assert_eq!(error.location.record, Some(1));
        assert_eq!(error.location.line, Some(1));
    }

    #[test]
    fn invalid_utf8_spoils_only_its_record() {
        let mut bytes =
            b"Good one\n10.5555/a.1\n- MeSH:\nHumans\n\nBad one\n10.5555/b.2\nAbstract:\n".to_vec();
        bytes.extend_from_slice(b"caf\xe9\n\nThird\n10.5555/c.3\nAbstract:\nfine\n");
        let results: Vec<_> = AbstractPageReader::new(bytes.as_slice()).collect();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().expect("first").title, "Good one");
        let error = results[1].as_ref().expect_err("second is bad");
        assert!(
            error.reason.contains("invalid UTF-8 at line 9"),
            "{}",
            error.reason
        );
        assert_eq!(error.location.record, Some(2));
        assert_eq!(results[2].as_ref().expect("third").title, "Third");
    }

    #[test]
    fn a_line_over_the_cap_spoils_its_record_only() {
        let mut text =
            String::from("One\n10.5555/a.1\nAbstract:\nfine\n\nTwo\n10.5555/b.2\nAbstract:\n");
        text.push_str(&"w".repeat(MAX_RECORD_BYTES + 1));
        text.push_str("\n\nThree\n10.5555/c.3\nAbstract:\nfine too\n");
        let results = parse_all(&text);
        assert_eq!(results.len(), 3);
        let error = results[1].as_ref().expect_err("too long");
        assert_eq!(error.reason, "line 9: longer than 8 MiB");
        assert_eq!(
            (error.location.record, error.location.line),
            (Some(2), Some(6))
        );
        assert_eq!(results[2].as_ref().expect("third").title, "Three");
    }

    #[test]
    fn a_latin1_title_spoils_its_own_record_not_the_one_before() {
        let mut bytes = b"Good one\n10.5555/a.1\nAbstract:\nfine\n\n".to_vec();
        bytes.extend_from_slice(b"Caf\xe9 title\n10.5555/b.2\nAbstract:\nfine\n\n");
        bytes.extend_from_slice(b"Third\n10.5555/c.3\nAbstract:\ncaf\xe9\nNext\nmore\n");
        let results: Vec<_> = AbstractPageReader::new(bytes.as_slice()).collect();
        assert_eq!(results.len(), 3, "{results:?}");
        assert_eq!(
            results[0].as_ref().expect("first is fine").title,
            "Good one"
        );
        let error = results[1].as_ref().expect_err("Latin-1 title");
        assert_eq!(
            (error.location.record, error.location.line),
            (Some(2), Some(6))
        );
        assert!(
            error
                .reason
                .starts_with("invalid UTF-8 at line 6, column 4 (is the file Latin-1?"),
            "{}",
            error.reason
        );
        let error = results[2]
            .as_ref()
            .expect_err("Latin-1 abstract line, then more text");
        assert!(
            error.reason.starts_with("invalid UTF-8 at line 14"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn record_without_title_is_an_error() {
        let results = parse_all("10.5555/x.1\n- MeSH:\nHumans\n");
        assert!(results[0]
            .as_ref()
            .expect_err("no title")
            .reason
            .contains("no title"));
    }

    #[test]
    fn citation_forms() {
        let c = parse_citation("2025;27(9):1128-1133").expect("citation");
        assert_eq!(
            c,
            Citation {
                year: 2025,
                volume: Some("27".into()),
                issue: Some("9".into()),
                pages: Some("1128-1133".into())
            }
        );
        let c = parse_citation("2021;13(4):e14523").expect("citation");
        assert_eq!(c.pages.as_deref(), Some("e14523"));
        let c = parse_citation("2020 Mar;12:45").expect("citation");
        assert_eq!((c.year, c.volume.as_deref()), (2020, Some("12")));
        assert!(parse_citation("Chinese Journal").is_none());
        assert!(parse_citation("20251;1").is_none());
    }

    #[test]
    fn doi_forms() {
        assert_eq!(
            doi_in_line("10.7499/j.issn.1008-8830.2503173"),
            Some("10.7499/j.issn.1008-8830.2503173")
        );
        assert_eq!(doi_in_line("doi: 10.1000/xyz."), Some("10.1000/xyz"));
        assert_eq!(
            doi_in_line("https://doi.org/10.1000/xyz"),
            Some("10.1000/xyz")
        );
        assert_eq!(doi_in_line("10. Another line"), None);
        assert_eq!(doi_in_line("10.1000/has space"), None);
    }

    #[test]
    fn country_without_colon() {
        assert_eq!(
            classify("- CountryChina"),
            Line::Section(Section::Country, "China")
        );
        assert_eq!(
            classify("- Country: United States"),
            Line::Section(Section::Country, "United States")
        );
        assert_eq!(classify("- Countries differ"), Line::Text);
    }

    #[test]
    fn detection_looks_for_sections() {
        assert!(looks_like(SEED_LIKE));
        assert!(!looks_like("PMID- 123\nTI  - x\n"));
    }
}
