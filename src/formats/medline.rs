//! MEDLINE tagged text, the format of PubMed's "Send to: Citation manager" (`.nbib`) and
//! "Format: PubMed" (`.txt`) exports: the reader turns it into [`Record`]s and
//! [`write_record`] writes it back for `medlit export --format medline`.
//!
//! ```text
//! PMID- 90000101                            <- a record starts with its PMID line
//! DP  - 2019 Mar 15                         <- TAG (left-aligned, padded to 4) + "- " + value
//! TI  - Eltrombopag versus watchful waiting in children with newly diagnosed immune
//!       thrombocytopenia.                   <- continuation: the line is indented
//! FAU - Chen, Xiao-Ming
//! AU  - Chen XM
//! AD  - Department of Pediatrics, …       <- belongs to the author above
//! MH  - Hydrazines/adverse effects/*therapeutic use
//!                                           <- a blank line ends the record
//! ```
//!
//! Records are separated by blank lines; a `PMID- ` line also starts a new record when the
//! record before it is not followed by a blank line. A value continues on the following lines
//! that are indented (PubMed uses six spaces); the pieces are joined with one space, and runs
//! of whitespace inside a value become one space. CRLF line ends and a UTF-8 BOM are
//! tolerated.
//!
//! | Tag | Record field | Notes |
//! |---|---|---|
//! | `PMID` | `pmid`, `id` | `id` from [`Record::ensure_id`] (PMID, else DOI, else a hash) |
//! | `TI` | `title` | first `TI`; `BTI` (book title) when there is no `TI` |
//! | `AB` | `abstract_text` | several `AB` fields are kept as paragraphs (`\n`) |
//! | `FAU` | `authors` | full name as written (`Casbon, James A`) |
//! | `AU` | `authors` | only in records without any `FAU` (older records) |
//! | `CN` | `authors` | collective name (`… Study Group`), in byline order |
//! | `AD` | `affiliations` | the affiliation of the author above it; the same text is stored once and reused by position; `AD` before the first author (MEDLINE before 2014) goes to the first author |
//! | `JT` | `journal` | `TA` (abbreviation) when there is no `JT` |
//! | `TA` | `journal_iso` | |
//! | `PMC` | `pmc` | |
//! | `DP` | `year` | first 4-digit year: `2019 Mar 15`, `2018 Winter`, `2020 Jan-Feb` |
//! | `VI`, `IP`, `PG` | `volume`, `issue`, `pages` | first of each |
//! | `LA` | `language` | first `LA`; ISO 639-2 codes (`eng`, `chi`, `ger`, …) become English names, others are kept as written |
//! | `PT` | `publication_types` | |
//! | `MH` | `mesh` | [`MeshHeading::parse`]; `*` marks a major topic (`*Humans`, `Anemia/*drug therapy`) |
//! | `OT` | `keywords` | |
//! | `RN`, `NM` | `chemicals` | substance names (`RN  - 4F4X42SYQ6 (Rituximab)` gives `Rituximab`, `NM  - romiplostim` gives `romiplostim`), each once (ignoring case); they feed the therapy pass. An `RN` without a name in parentheses is skipped; the writer writes them back as `NM` |
//! | `AID`, `LID` | `doi` | the first value ending in `[doi]`, suffix removed; `AID` preferred over `LID` |
//! | `PL` | `country` | |
//!
//! Other tags (`OWN`, `STAT`, `IS`, `SO`, `PHST`, `AUID`, `TT`, …) are ignored.
//!
//! **Errors.** A record with neither a PMID nor a title, a block of text with no `TAG - value`
//! line at all ("not a MEDLINE record") and a record larger than [`MAX_RECORD_BYTES`] are each
//! reported as one [`ParseError`] at the record's first line and skipped; a record with a line
//! that is not UTF-8 (a Latin-1 file, typically) or longer than [`MAX_RECORD_BYTES`] is
//! reported at that line, which is never held whole in memory. The records around a bad one
//! are still read. Other lines that are neither a tag line nor a continuation are ignored.
//! A record with a PMID and nothing else is indexed: its id is the PMID.
//!
//! **Writing.** [`write_record`] writes the fields above (`FAU` + `AU` + `AD` per author, `CN`
//! for names that look collective, `TA` = `journal_iso`, `DP` = the year, `LA` as an ISO code when the
//! name is known, `MH` with MEDLINE's leading `*`, keywords as `OT`, the DOI as
//! `AID - … [doi]`), wrapping values at [`WRAP_COLUMNS`]. Reading what it writes gives the same
//! record back, except that line breaks and runs of whitespace inside values become single
//! spaces, MeSH unique identifiers (which MEDLINE does not carry) are dropped, and
//! affiliations are renumbered in order of first use. Affiliations no author refers to are
//! written before the first author, where MEDLINE put the (first author's) affiliation before
//! 2014, so they come back attached to the first author.

use std::io::{BufRead, Write};

use super::lines::{LineProblem, LineReader};
use super::{language_code, language_name, Location, ParseError};
use crate::record::{Author, MeshHeading, Record};

/// A record larger than this is reported and skipped instead of being held in memory.
pub const MAX_RECORD_BYTES: usize = 8 << 20;

/// [`write_record`] wraps values so that lines are at most this wide (in characters), unless a
/// single word is longer.
pub const WRAP_COLUMNS: usize = 82;

/// Continuation lines start with this indent.
const INDENT: &str = "      ";

/// True when `head` (the start of a file) looks like MEDLINE tagged text: one of its first
/// non-empty lines starts with `PMID- `. A leading BOM and blank lines are allowed.
pub fn looks_like(head: &str) -> bool {
    head.trim_start_matches('\u{feff}')
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.trim().is_empty())
        .take(10)
        .any(|line| line.starts_with("PMID- ") || line.trim_end() == "PMID-")
}

/// Streaming reader: yields one record (or one error) at a time.
pub struct MedlineReader<R> {
    lines: LineReader<R>,
    records_started: u64,
    current: Pending,
    done: bool,
}

/// One line of input, decoded.
struct InputLine {
    text: String,
    /// Why the record holding this line is bad (invalid UTF-8, too long).
    problem: Option<String>,
}

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line<'a> {
    Blank,
    /// `TAG - value`: the tag without its padding, and the value.
    Tag(&'a str, &'a str),
    /// An indented line continuing the value above it.
    Continuation(&'a str),
    /// Anything else.
    Garbage,
}

fn classify(line: &str) -> Line<'_> {
    if line.trim().is_empty() {
        return Line::Blank;
    }
    if line.starts_with([' ', '\t']) {
        return Line::Continuation(line.trim());
    }
    let bytes = line.as_bytes();
    if bytes.len() < 5 || bytes[4] != b'-' || !bytes[..4].is_ascii() {
        return Line::Garbage;
    }
    if bytes.len() > 5 && bytes[5] != b' ' {
        return Line::Garbage;
    }
    let tag = line[..4].trim_end_matches(' ');
    let well_formed = tag.starts_with(|c: char| c.is_ascii_uppercase())
        && tag
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !well_formed {
        return Line::Garbage;
    }
    Line::Tag(tag, line[5..].trim())
}

/// A tag with its value, continuation lines included.
#[derive(Debug)]
struct Field {
    tag: String,
    value: String,
}

/// The record being read.
#[derive(Default)]
struct Pending {
    first_line: Option<u64>,
    fields: Vec<Field>,
    bytes: usize,
    has_tags: bool,
    /// Once set, the record will be reported as bad; its fields are not kept.
    problem: Option<String>,
    /// The line the problem is on, when it is one line's: the record is reported there.
    problem_line: Option<u64>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.first_line.is_none()
    }

    fn push(&mut self, line_no: u64, line: &InputLine) {
        self.first_line.get_or_insert(line_no);
        let kind = classify(&line.text);
        self.has_tags |= matches!(kind, Line::Tag(..));
        if let Some(problem) = &line.problem {
            if self.problem.is_none() {
                self.problem_line = Some(line_no);
            }
            self.fail(problem.clone());
        }
        if self.problem.is_some() {
            return;
        }
        self.bytes += line.text.len();
        if self.bytes > MAX_RECORD_BYTES {
            self.fail(too_large());
            return;
        }
        match kind {
            Line::Tag(tag, value) => {
                let mut field = Field {
                    tag: tag.to_string(),
                    value: String::new(),
                };
                push_words(&mut field.value, value);
                self.fields.push(field);
            }
            Line::Continuation(text) => {
                // A continuation before any tag is garbage, and ignored like it.
                if let Some(field) = self.fields.last_mut() {
                    push_words(&mut field.value, text);
                }
            }
            Line::Blank | Line::Garbage => {}
        }
    }

    fn fail(&mut self, problem: String) {
        if self.problem.is_none() {
            self.problem = Some(problem);
            self.fields = Vec::new();
        }
    }
}

fn too_large() -> String {
    format!("record is larger than {} MiB", MAX_RECORD_BYTES >> 20)
}

/// Appends the words of `text` to `value`, one space between words.
fn push_words(value: &mut String, text: &str) {
    for word in text.split_whitespace() {
        if !value.is_empty() {
            value.push(' ');
        }
        value.push_str(word);
    }
}

impl<R: BufRead> MedlineReader<R> {
    /// Reads records from `reader`.
    pub fn new(reader: R) -> Self {
        MedlineReader {
            lines: LineReader::new(reader, MAX_RECORD_BYTES),
            records_started: 0,
            current: Pending::default(),
            done: false,
        }
    }

    /// Reads the next line without its line end; `Ok(None)` at the end of input. Invalid
    /// UTF-8 is decoded lossily, and a line longer than [`MAX_RECORD_BYTES`] is skipped
    /// without being held in memory, both noted as the line's problem.
    fn next_line(&mut self) -> std::io::Result<Option<InputLine>> {
        let Some(line) = self.lines.next_line()? else {
            return Ok(None);
        };
        let text = match line.problem {
            // Not blank, so that it cannot end the record it spoils.
            Some(LineProblem::TooLong { .. }) => "\u{fffd}".to_string(),
            _ => line.text.to_string(),
        };
        Ok(Some(InputLine {
            text,
            problem: line.problem.map(|problem| problem.reason()),
        }))
    }

    /// Parses a finished record, or reports why it is bad.
    fn finish(&mut self, pending: Pending) -> Result<Record, ParseError> {
        self.records_started += 1;
        let location = Location {
            record: Some(self.records_started),
            line: pending.problem_line.or(pending.first_line),
            byte: None,
        };
        let reason = if let Some(problem) = pending.problem {
            problem
        } else if !pending.has_tags {
            "not a MEDLINE record: no `TAG - value` line".to_string()
        } else {
            match build_record(&pending.fields) {
                Ok(record) => return Ok(record),
                Err(reason) => reason,
            }
        };
        Err(ParseError { location, reason })
    }
}

impl<R: BufRead> Iterator for MedlineReader<R> {
    type Item = Result<Record, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let line = match self.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    let pending = std::mem::take(&mut self.current);
                    return (!pending.is_empty()).then(|| self.finish(pending));
                }
                Err(err) => {
                    self.done = true;
                    let location = Location {
                        record: Some(self.records_started + 1),
                        line: Some(self.lines.lines_read() + 1),
                        byte: None,
                    };
                    return Some(Err(ParseError {
                        location,
                        reason: format!("read error: {err}"),
                    }));
                }
            };
            let kind = classify(&line.text);
            if kind == Line::Blank && line.problem.is_none() {
                if !self.current.is_empty() {
                    let pending = std::mem::take(&mut self.current);
                    return Some(self.finish(pending));
                }
                continue;
            }
            // A PMID line right after a record (no blank line between them) starts a new one.
            let finished = if matches!(kind, Line::Tag("PMID", _)) && self.current.has_tags {
                Some(std::mem::take(&mut self.current))
            } else {
                None
            };
            let line_no = self.lines.lines_read();
            self.current.push(line_no, &line);
            if let Some(pending) = finished {
                return Some(self.finish(pending));
            }
        }
    }
}

/// Builds a record from its fields.
fn build_record(fields: &[Field]) -> Result<Record, String> {
    let mut builder = RecordBuilder {
        fau_present: fields.iter().any(|f| f.tag == "FAU"),
        ..RecordBuilder::default()
    };
    for field in fields {
        builder.field(&field.tag, &field.value);
    }
    builder.finish()
}

/// Accumulates the parts of a record while its fields are read.
#[derive(Default)]
struct RecordBuilder {
    record: Record,
    /// The record has `FAU` lines, so its `AU` lines are only short forms of them.
    fau_present: bool,
    book_title: Option<String>,
    abbreviation: Option<String>,
    abstract_parts: Vec<String>,
    aid_doi: Option<String>,
    lid_doi: Option<String>,
    substances: Vec<String>,
    /// Affiliations (positions) met before the first author.
    leading_affiliations: Vec<u32>,
}

impl RecordBuilder {
    fn field(&mut self, tag: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let record = &mut self.record;
        match tag {
            "PMID" => set_once(&mut record.pmid, value),
            "TI" if record.title.is_empty() => record.title = value.to_string(),
            "BTI" => set_once(&mut self.book_title, value),
            "AB" => self.abstract_parts.push(value.to_string()),
            "FAU" | "CN" => self.author(value),
            "AU" if !self.fau_present => self.author(value),
            "AD" => self.affiliation(value),
            "JT" => set_once(&mut record.journal, value),
            "TA" => {
                set_once(&mut self.abbreviation, value);
                set_once(&mut record.journal_iso, value);
            }
            "PMC" => set_once(&mut record.pmc, value),
            "DP" if record.year.is_none() => record.year = first_year(value),
            "VI" => set_once(&mut record.volume, value),
            "IP" => set_once(&mut record.issue, value),
            "PG" => set_once(&mut record.pages, value),
            "PL" => set_once(&mut record.country, value),
            "LA" => set_once(&mut record.language, &language_name(value)),
            "PT" => record.publication_types.push(value.to_string()),
            "MH" => record.mesh.extend(MeshHeading::parse(value)),
            "OT" => record.keywords.push(value.to_string()),
            "RN" => self.substances.extend(registry_name(value)),
            "NM" => self.substances.push(value.to_string()),
            "AID" => {
                if let Some(doi) = doi_value(value) {
                    set_once(&mut self.aid_doi, doi);
                }
            }
            "LID" => {
                if let Some(doi) = doi_value(value) {
                    set_once(&mut self.lid_doi, doi);
                }
            }
            _ => {}
        }
    }

    fn author(&mut self, name: &str) {
        let affiliations = if self.record.authors.is_empty() {
            std::mem::take(&mut self.leading_affiliations)
        } else {
            Vec::new()
        };
        self.record.authors.push(Author {
            name: name.to_string(),
            affiliations,
        });
    }

    /// Stores the affiliation once and links it to the author above.
    fn affiliation(&mut self, text: &str) {
        let affiliations = &mut self.record.affiliations;
        let index = match affiliations.iter().position(|a| a == text) {
            Some(index) => index,
            None => {
                affiliations.push(text.to_string());
                affiliations.len() - 1
            }
        };
        let Ok(position) = u32::try_from(index + 1) else {
            return;
        };
        let links = match self.record.authors.last_mut() {
            Some(author) => &mut author.affiliations,
            None => &mut self.leading_affiliations,
        };
        if !links.contains(&position) {
            links.push(position);
        }
    }

    fn finish(mut self) -> Result<Record, String> {
        let record = &mut self.record;
        if record.title.is_empty() {
            record.title = self.book_title.take().unwrap_or_default();
        }
        if record.pmid.is_none() && record.title.is_empty() {
            return Err("record has neither PMID nor title".into());
        }
        if record.journal.is_none() {
            record.journal = self.abbreviation.take();
        }
        record.doi = self.aid_doi.take().or(self.lid_doi.take());
        record.abstract_text = self.abstract_parts.join("\n");
        for substance in std::mem::take(&mut self.substances) {
            let known = record
                .chemicals
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&substance));
            if !known {
                record.chemicals.push(substance);
            }
        }
        // Positions of affiliations met before any author, in a record without authors, stay
        // only in `affiliations`.
        record.ensure_id();
        Ok(self.record)
    }
}

fn set_once(slot: &mut Option<String>, value: &str) {
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value.to_string());
    }
}

/// The first year in a `DP` value: a run of exactly four digits between 1000 and 2999.
fn first_year(text: &str) -> Option<u16> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 4)
        .filter_map(|run| run.parse::<u16>().ok())
        .find(|year| (1000..=2999).contains(year))
}

/// The substance name of an `RN` value, `4F4X42SYQ6 (Rituximab)`: the text inside the
/// parentheses (which may hold parentheses of its own).
fn registry_name(value: &str) -> Option<String> {
    let (_, rest) = value.split_once('(')?;
    let name = rest.strip_suffix(')').unwrap_or(rest).trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The DOI in an `AID`/`LID` value such as `10.1186/1471-2105-7-10 [doi]`.
fn doi_value(value: &str) -> Option<&str> {
    let split = value.len().checked_sub(5)?;
    let suffix = value.get(split..)?;
    if !suffix.eq_ignore_ascii_case("[doi]") {
        return None;
    }
    let doi = value[..split].trim();
    (!doi.is_empty()).then_some(doi)
}

/// Writes one record as MEDLINE tagged text, followed by a blank line. Fields that are empty
/// are left out (so is `PMID` when the record has none).
pub fn write_record(out: &mut dyn Write, record: &Record) -> std::io::Result<()> {
    if let Some(pmid) = &record.pmid {
        write_field(out, "PMID", pmid)?;
    }
    write_field(out, "TI", &record.title)?;
    write_field(out, "AB", &record.abstract_text)?;
    write_authors(out, record)?;
    if let Some(journal) = &record.journal {
        write_field(out, "JT", journal)?;
    }
    write_optional(out, "TA", &record.journal_iso)?;
    write_optional(out, "PMC", &record.pmc)?;
    if let Some(year) = record.year {
        write_field(out, "DP", &year.to_string())?;
    }
    write_optional(out, "VI", &record.volume)?;
    write_optional(out, "IP", &record.issue)?;
    write_optional(out, "PG", &record.pages)?;
    if let Some(language) = &record.language {
        write_field(out, "LA", language_code(language))?;
    }
    for publication_type in &record.publication_types {
        write_field(out, "PT", publication_type)?;
    }
    for heading in &record.mesh {
        write_field(out, "MH", &medline_heading(heading))?;
    }
    for keyword in &record.keywords {
        write_field(out, "OT", keyword)?;
    }
    for chemical in &record.chemicals {
        write_field(out, "NM", chemical)?;
    }
    if let Some(doi) = record.doi.as_deref().filter(|d| !d.trim().is_empty()) {
        write_field(out, "AID", &format!("{} [doi]", doi.trim()))?;
    }
    write_optional(out, "PL", &record.country)?;
    writeln!(out)
}

/// `FAU`/`AU` (or `CN`) per author, each followed by `AD` for the author's affiliations.
fn write_authors(out: &mut dyn Write, record: &Record) -> std::io::Result<()> {
    let affiliation = |position: u32| {
        let index = usize::try_from(position).ok()?.checked_sub(1)?;
        record.affiliations.get(index)
    };
    let authors: Vec<&Author> = record
        .authors
        .iter()
        .filter(|a| !a.name.trim().is_empty())
        .collect();
    for (index, text) in record.affiliations.iter().enumerate() {
        let referenced = authors.iter().any(|a| {
            a.affiliations
                .iter()
                .any(|&p| usize::try_from(p).ok() == Some(index + 1))
        });
        if !referenced {
            write_field(out, "AD", text)?;
        }
    }
    for author in authors {
        if is_collective(&author.name) {
            write_field(out, "CN", &author.name)?;
        } else {
            write_field(out, "FAU", &author.name)?;
            write_field(out, "AU", &crate::record::short_author_name(&author.name))?;
        }
        for &position in &author.affiliations {
            if let Some(text) = affiliation(position) {
                write_field(out, "AD", text)?;
            }
        }
    }
    Ok(())
}

fn write_optional(out: &mut dyn Write, tag: &str, value: &Option<String>) -> std::io::Result<()> {
    match value {
        Some(value) => write_field(out, tag, value),
        None => Ok(()),
    }
}

/// Writes `TAG - value`, wrapped at [`WRAP_COLUMNS`] with indented continuation lines.
/// Nothing is written for an empty value.
fn write_field(out: &mut dyn Write, tag: &str, value: &str) -> std::io::Result<()> {
    let mut words = value.split_whitespace();
    let Some(first) = words.next() else {
        return Ok(());
    };
    let mut line = format!("{tag:<4}- {first}");
    let mut width = line.chars().count();
    for word in words {
        let len = word.chars().count();
        if width + 1 + len > WRAP_COLUMNS {
            writeln!(out, "{line}")?;
            line.clear();
            line.push_str(INDENT);
            line.push_str(word);
            width = INDENT.len() + len;
        } else {
            line.push(' ');
            line.push_str(word);
            width += 1 + len;
        }
    }
    writeln!(out, "{line}")
}

/// MEDLINE's form of a heading: `*` before the major descriptor or qualifier.
fn medline_heading(heading: &MeshHeading) -> String {
    let mut text = String::new();
    if heading.major {
        text.push('*');
    }
    text.push_str(&heading.descriptor);
    for qualifier in &heading.qualifiers {
        text.push('/');
        if qualifier.major {
            text.push('*');
        }
        text.push_str(&qualifier.name);
    }
    text
}

/// True for names of groups rather than people (`… Study Group`, `… Consortium`), which
/// MEDLINE writes as `CN`.
fn is_collective(name: &str) -> bool {
    !name.contains(',') && crate::record::names_a_group(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../tests/fixtures/medline/sample.nbib");

    fn parse_all(text: &str) -> Vec<Result<Record, ParseError>> {
        MedlineReader::new(text.as_bytes()).collect()
    }

    fn parse_ok(text: &str) -> Vec<Record> {
        parse_all(text)
            .into_iter()
            .map(|r| r.expect("record parses"))
            .collect()
    }

    fn parse_one(text: &str) -> Record {
        let mut records = parse_ok(text);
        assert_eq!(records.len(), 1, "one record expected");
        records.remove(0)
    }

    fn mesh_strings(record: &Record) -> Vec<String> {
        record.mesh.iter().map(ToString::to_string).collect()
    }

    fn author_names(record: &Record) -> Vec<&str> {
        record.authors.iter().map(|a| a.name.as_str()).collect()
    }

    fn written(record: &Record) -> String {
        let mut out = Vec::new();
        write_record(&mut out, record).expect("writes to memory");
        String::from_utf8(out).expect("writer writes UTF-8")
    }

    #[test]
    fn sample_has_three_records() {
        let records = parse_ok(SAMPLE);
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["90000101", "90000202", "90000303"]);
    }

    #[test]
    fn structured_abstract_record_maps_every_field() {
        let record = parse_ok(SAMPLE).remove(0);
        assert_eq!(record.id, "90000101");
        assert_eq!(record.pmid.as_deref(), Some("90000101"));
        assert_eq!(
            record.title,
            "Eltrombopag versus watchful waiting in children with newly diagnosed immune thrombocytopenia: an invented randomized trial."
        );
        assert_eq!(record.doi.as_deref(), Some("10.5555/medlit.2019.0301"));
        assert_eq!(
            record.abstract_text,
            "BACKGROUND: Children with newly diagnosed immune thrombocytopenia (ITP) often \
             recover without treatment. This invented trial compares eltrombopag with watchful \
             waiting. METHODS: Sixty children aged 1 to 14 years were randomly assigned to \
             eltrombopag or observation for 6 weeks. RESULTS: Platelet counts above 50 x \
             10(9)/L on day 14 were reached by 21 of 30 children given eltrombopag and 12 of \
             30 observed children (P = 0.02). CONCLUSIONS: Eltrombopag raised platelet counts \
             sooner; bleeding scores did not differ."
        );
        // Pre-2014 layout: one AD before the authors, the first author's.
        assert_eq!(author_names(&record), ["Chen, Xiao-Ming", "Wang, Li"]);
        assert_eq!(record.authors[0].affiliations, [1]);
        assert!(record.authors[1].affiliations.is_empty());
        assert_eq!(
            record.affiliations,
            ["Department of Pediatrics, Example Children's Hospital, Suzhou 215000, China. first.author@example.org"]
        );
        assert_eq!(
            record.journal.as_deref(),
            Some("Journal of example pediatrics")
        );
        assert_eq!(record.year, Some(2019));
        assert_eq!(record.volume.as_deref(), Some("21"));
        assert_eq!(record.issue.as_deref(), Some("3"));
        assert_eq!(record.pages.as_deref(), Some("245-251"));
        assert_eq!(record.language.as_deref(), Some("Chinese"));
        assert_eq!(record.country.as_deref(), Some("China"));
        assert_eq!(
            record.publication_types,
            [
                "English Abstract",
                "Journal Article",
                "Randomized Controlled Trial"
            ]
        );
        assert_eq!(
            mesh_strings(&record),
            [
                "Acute Disease",
                "Benzoates/therapeutic use*",
                "Child",
                "Humans",
                "Hydrazines/adverse effects/therapeutic use*",
                "Purpura, Thrombocytopenic, Idiopathic*/blood/drug therapy",
                "Watchful Waiting"
            ]
        );
        assert!(record.mesh.iter().all(|m| m.ui.is_none()));
        assert!(record.keywords.is_empty());
        assert!(
            record.therapies.is_empty(),
            "therapies are derived at ingest"
        );
    }

    #[test]
    fn authors_with_several_and_shared_affiliations() {
        let record = parse_ok(SAMPLE).remove(1);
        assert_eq!(record.id, "90000202");
        assert_eq!(record.pmid.as_deref(), Some("90000202"));
        assert_eq!(
            record.title,
            "Romiplostim for refractory immune thrombocytopenia after allogeneic hematopoietic stem cell transplantation: an invented case series."
        );
        assert_eq!(record.doi.as_deref(), Some("10.5555/medlit.2020.10234"));
        assert!(record.abstract_text.starts_with("Thrombocytopenia after"));
        assert!(record
            .abstract_text
            .ends_with("and no thrombotic events were seen."));
        assert!(!record.abstract_text.contains("  "));
        assert_eq!(
            author_names(&record),
            [
                "Okafor, Adaeze N",
                "Lindqvist, Erik",
                "Haddad, Samir",
                "Moreau, Claire"
            ]
        );
        let links: Vec<&[u32]> = record
            .authors
            .iter()
            .map(|a| a.affiliations.as_slice())
            .collect();
        assert_eq!(links, [&[1][..], &[1, 2], &[2], &[]]);
        assert_eq!(
            record.affiliations,
            [
                "Division of Hematology, Example University Medical Center, Springfield, IL, USA.",
                "Transplant Unit, Example General Hospital, Springfield, IL, USA."
            ]
        );
        assert_eq!(
            record.journal.as_deref(),
            Some("Example hematology reports")
        );
        assert_eq!(record.year, Some(2020));
        assert_eq!(record.volume.as_deref(), Some("12"));
        assert_eq!(record.issue.as_deref(), Some("1"));
        assert_eq!(record.pages.as_deref(), Some("e10234"));
        assert_eq!(record.language.as_deref(), Some("English"));
        assert_eq!(record.country.as_deref(), Some("United States"));
        assert_eq!(
            record.publication_types,
            ["Case Reports", "Journal Article"]
        );
        assert!(record.mesh.is_empty());
        assert_eq!(
            record.keywords,
            [
                "Romiplostim",
                "immune thrombocytopenia",
                "stem cell transplantation"
            ]
        );
    }

    #[test]
    fn collective_author_chemicals_and_aid_doi() {
        let record = parse_ok(SAMPLE).remove(2);
        assert_eq!(record.id, "90000303");
        assert_eq!(record.pmid.as_deref(), Some("90000303"));
        assert_eq!(
            record.title,
            "[Rituximab and romiplostim in chronic immune thrombocytopenia: results of an invented registry]."
        );
        assert_eq!(record.doi.as_deref(), Some("10.5555/medlit.2018.0409"));
        assert_eq!(
            record.abstract_text,
            "Data from an invented multicentre registry of 118 adults with chronic immune \
             thrombocytopenia were analysed. Rituximab led to a response in 52 of 97 patients \
             and romiplostim in 41 of 55 patients."
        );
        assert_eq!(
            author_names(&record),
            ["Becker, Jonas", "German Example ITP Registry Group"]
        );
        assert_eq!(record.authors[0].affiliations, [1]);
        assert!(record.authors[1].affiliations.is_empty());
        assert_eq!(
            record.affiliations,
            ["Klinik für Hämatologie, Beispiel-Universitätsklinikum, Leipzig, Germany."]
        );
        assert_eq!(
            record.journal.as_deref(),
            Some("Example medizinische Wochenschrift")
        );
        assert_eq!(record.year, Some(2018));
        assert_eq!(record.volume.as_deref(), Some("45"));
        assert_eq!(record.issue.as_deref(), Some("4"));
        assert_eq!(record.pages.as_deref(), Some("301-9"));
        assert_eq!(record.language.as_deref(), Some("German"));
        assert_eq!(record.country.as_deref(), Some("Germany"));
        assert_eq!(
            record.publication_types,
            ["English Abstract", "Journal Article", "Multicenter Study"]
        );
        assert_eq!(
            mesh_strings(&record),
            [
                "Adult",
                "Antibodies, Monoclonal, Murine-Derived/therapeutic use*",
                "Chronic Disease",
                "Humans",
                "Purpura, Thrombocytopenic, Idiopathic*/blood/drug therapy*",
                "Recombinant Fusion Proteins/therapeutic use*",
                "Registries*",
                "Rituximab/adverse effects/therapeutic use*"
            ]
        );
        assert_eq!(record.keywords, ["chronic ITP", "rituximab"]);
        // RN/NM substance names, each once.
        assert_eq!(
            record.chemicals,
            [
                "Antibodies, Monoclonal, Murine-Derived",
                "Recombinant Fusion Proteins",
                "Rituximab",
                "romiplostim"
            ]
        );
    }

    #[test]
    fn au_is_used_when_there_is_no_fau() {
        let text = "PMID- 1\nTI  - T\nAU  - Smith J\nAD  - Lab A\nAU  - Doe R\nCN  - Example Group\nAD  - Lab A\n";
        let record = parse_one(text);
        assert_eq!(author_names(&record), ["Smith J", "Doe R", "Example Group"]);
        assert_eq!(record.authors[0].affiliations, [1]);
        assert!(record.authors[1].affiliations.is_empty());
        assert_eq!(record.authors[2].affiliations, [1]);
        assert_eq!(record.affiliations, ["Lab A"]);
    }

    #[test]
    fn fau_wins_over_au_in_any_order() {
        let text =
            "PMID- 1\nTI  - T\nFAU - Smith, John\nFAU - Doe, Rita\nAU  - Smith J\nAU  - Doe R\n";
        assert_eq!(author_names(&parse_one(text)), ["Smith, John", "Doe, Rita"]);
    }

    #[test]
    fn doi_prefers_aid_then_lid() {
        let text =
            "PMID- 1\nTI  - T\nLID - 10.5555/lid [doi]\nAID - X1 [pii]\nAID - 10.5555/aid [doi]\n";
        assert_eq!(parse_one(text).doi.as_deref(), Some("10.5555/aid"));
        let text = "PMID- 1\nTI  - T\nLID - e123 [pii]\nLID - 10.5555/lid [doi]\nAID - X1 [pii]\n";
        assert_eq!(parse_one(text).doi.as_deref(), Some("10.5555/lid"));
        let text = "PMID- 1\nTI  - T\nAID - [doi]\nAID - 10.5555/x [pii]\n";
        assert_eq!(parse_one(text).doi, None);
    }

    #[test]
    fn book_title_and_journal_abbreviation_are_fallbacks() {
        let record = parse_one("PMID- 1\nBTI - A Book\nTA  - J Ex\n");
        assert_eq!(record.title, "A Book");
        assert_eq!(record.journal.as_deref(), Some("J Ex"));
        let record = parse_one(
            "PMID- 1\nTI  - Chapter\nBTI - A Book\nTA  - J Ex\nJT  - Journal of examples\n",
        );
        assert_eq!(record.title, "Chapter");
        assert_eq!(record.journal.as_deref(), Some("Journal of examples"));
    }

    #[test]
    fn year_is_the_first_four_digit_year() {
        for (date, year) in [
            ("2019 Mar 15", Some(2019)),
            ("2018 Winter", Some(2018)),
            ("2020 Jan-Feb", Some(2020)),
            ("Spring 1998", Some(1998)),
            ("2001-2002", Some(2001)),
            ("20180717", None),
            ("undated", None),
        ] {
            let record = parse_one(&format!("PMID- 1\nDP  - {date}\n"));
            assert_eq!(record.year, year, "{date}");
        }
    }

    #[test]
    fn language_codes_become_names() {
        for (code, name) in [
            ("eng", "English"),
            ("ENG", "English"),
            ("jpn", "Japanese"),
            ("fre", "French"),
            ("tur", "Turkish"),
            ("xyz", "xyz"),
        ] {
            let record = parse_one(&format!("PMID- 1\nLA  - {code}\nLA  - spa\n"));
            assert_eq!(record.language.as_deref(), Some(name), "{code}");
        }
        assert_eq!(language_code("English"), "eng");
        assert_eq!(language_code("Klingon"), "Klingon");
    }

    #[test]
    fn registry_numbers_give_substance_names() {
        assert_eq!(
            registry_name("4F4X42SYQ6 (Rituximab)").as_deref(),
            Some("Rituximab")
        );
        assert_eq!(
            registry_name("EC 3.4.21.5 (Thrombin)").as_deref(),
            Some("Thrombin")
        );
        assert_eq!(
            registry_name("0 (Interleukin-1 (IL-1))").as_deref(),
            Some("Interleukin-1 (IL-1)")
        );
        assert_eq!(registry_name("0"), None);
        assert_eq!(registry_name("0 ()"), None);
    }

    #[test]
    fn crlf_bom_and_extra_blank_lines_are_tolerated() {
        let messy = format!("\u{feff}\r\n\r\n{}\r\n\r\n", SAMPLE.replace('\n', "\r\n"));
        assert_eq!(parse_ok(&messy), parse_ok(SAMPLE));
        let spaced = SAMPLE.replace("\n\nPMID", "\n \n\t\n\nPMID");
        assert_eq!(parse_ok(&spaced), parse_ok(SAMPLE));
    }

    #[test]
    fn pmid_line_starts_a_record_without_blank_line() {
        let joined = SAMPLE.replace("\n\nPMID", "\nPMID");
        assert_eq!(parse_ok(&joined), parse_ok(SAMPLE));
    }

    #[test]
    fn record_without_pmid_or_title_is_an_error() {
        let text =
            "PMID- 1\nTI  - First\n\nOWN - NLM\nAB  - Only an abstract.\n\nPMID- 3\nTI  - Third\n";
        let results = parse_all(text);
        assert_eq!(results.len(), 3);
        let error = results[1].clone().expect_err("no PMID, no title");
        assert_eq!(error.reason, "record has neither PMID nor title");
        assert_eq!(error.location.record, Some(2));
        assert_eq!(error.location.line, Some(4));
        assert_eq!(results[2].as_ref().expect("third").title, "Third");
    }

    #[test]
    fn a_record_with_only_a_pmid_is_kept_under_that_id() {
        let results = parse_all("PMID- 1\n\nPMID- 2\nTI  - Two\n");
        let first = results[0].as_ref().expect("a PMID is enough");
        assert_eq!((first.id.as_str(), first.title.as_str()), ("1", ""));
        assert_eq!(results[1].as_ref().expect("second").id, "2");
    }

    #[test]
    fn a_long_line_on_its_own_is_one_error_and_reading_goes_on() {
        let text = format!(
            "PMID- 1\nTI  - One\n\n{}\n\nPMID- 2\nTI  - Two\n",
            "z".repeat(MAX_RECORD_BYTES + 1)
        );
        let results = parse_all(&text);
        assert_eq!(results.len(), 3);
        let error = results[1].as_ref().expect_err("long line");
        assert_eq!(error.reason, "longer than 8 MiB");
        assert_eq!(
            (error.location.record, error.location.line),
            (Some(2), Some(4))
        );
        assert_eq!(results[2].as_ref().expect("after").title, "Two");
    }

    #[test]
    fn record_without_pmid_gets_doi_or_hash_id() {
        let record = parse_one("TI  - No PMID here\nAID - 10.5555/ABC [doi]\n");
        assert_eq!(record.pmid, None);
        assert_eq!(record.id, "10.5555/abc");
        let record = parse_one("TI  - No PMID here\nJT  - J\nDP  - 2001\n");
        assert!(record.id.starts_with('h'), "{}", record.id);
    }

    #[test]
    fn garbage_lines_are_ignored_but_garbage_alone_is_not_a_record() {
        let text =
            "PMID- 1\nthis is not a tag line\nTI  - Title\n      continued\nab  - lower case\n";
        let record = parse_one(text);
        assert_eq!(record.title, "Title continued");
        let results = parse_all("Dear editor,\n      indented text\n\nPMID- 2\nTI  - Fine\n");
        assert_eq!(results.len(), 2);
        let error = results[0].clone().expect_err("garbage");
        assert!(
            error.reason.starts_with("not a MEDLINE record"),
            "{}",
            error.reason
        );
        assert_eq!(error.location.record, Some(1));
        assert_eq!(error.location.line, Some(1));
        assert_eq!(results[1].as_ref().expect("second").title, "Fine");
    }

    #[test]
    fn invalid_utf8_spoils_only_its_record() {
        let mut bytes = b"PMID- 1\nTI  - Good\n\nPMID- 2\nTI  - Bad\nAB  - caf".to_vec();
        bytes.extend_from_slice(b"\xe9\n      more\n\nPMID- 3\nTI  - Also good\n");
        let results: Vec<_> = MedlineReader::new(bytes.as_slice()).collect();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().expect("first").title, "Good");
        let error = results[1].as_ref().expect_err("second is bad");
        assert_eq!(
            error.reason,
            "invalid UTF-8 at column 10 (is the file Latin-1? convert it with iconv -f latin1 -t utf-8)"
        );
        assert_eq!(error.location.record, Some(2));
        assert_eq!(error.location.line, Some(6), "the bad line");
        assert_eq!(results[2].as_ref().expect("third").title, "Also good");
    }

    #[test]
    fn oversized_records_and_lines_are_skipped() {
        let long_words = "word ".repeat(MAX_RECORD_BYTES / 5 / 1000 + 1);
        let mut text = String::from("PMID- 1\nTI  - Huge\n");
        for _ in 0..1000 {
            text.push_str("      ");
            text.push_str(&long_words);
            text.push('\n');
        }
        text.push_str("\nPMID- 2\nTI  - Small\n");
        text.push_str(&format!(
            "\nPMID- 3\nAB  - {}\n",
            "x".repeat(MAX_RECORD_BYTES + 10)
        ));
        text.push_str("\nOWN - NLM\n\nPMID- 5\nTI  - After\n");
        let results = parse_all(&text);
        assert_eq!(results.len(), 5);
        let error = results[0].as_ref().expect_err("too large");
        assert_eq!(error.reason, "record is larger than 8 MiB");
        let error = results[2].as_ref().expect_err("line too long");
        assert_eq!(error.reason, "longer than 8 MiB");
        assert_eq!(
            results[0].as_ref().expect_err("huge").location.line,
            Some(1)
        );
        assert_eq!(results[1].as_ref().expect("small").title, "Small");
        assert_eq!(
            results[2].as_ref().expect_err("long").location.line,
            Some(1008),
            "the long line"
        );
        // The skipped line counts as one line.
        let error = results[3].as_ref().expect_err("no PMID, no title");
        assert_eq!(error.location.line, Some(1010));
        assert_eq!(results[4].as_ref().expect("after").title, "After");
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        let all: Vec<u8> = (0..=255).collect();
        inputs.push(all.clone());
        inputs.push(all.iter().rev().copied().collect());
        inputs.push(all.iter().map(|b| b.wrapping_mul(167)).collect());
        let mut state = 0x2545_f491_u32;
        let mut noisy = Vec::new();
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let byte = match state % 8 {
                0 => b'\n',
                1 => b' ',
                2 => b'-',
                _ => (state >> 8) as u8,
            };
            noisy.push(byte);
        }
        inputs.push(noisy);
        let prefixes: [&[u8]; 6] = [
            b"PMID-",
            b"PMID- ",
            b"PMID-\n",
            b"    - x\n",
            b"      \n",
            b"\xEF\xBB",
        ];
        for prefix in prefixes {
            inputs.push(prefix.to_vec());
        }
        let sample = SAMPLE.as_bytes();
        for end in (0..sample.len()).step_by(7) {
            inputs.push(sample[..end].to_vec());
        }
        for input in &inputs {
            for result in MedlineReader::new(input.as_slice()) {
                let _ = result;
            }
        }
        let lone = parse_all("PMID-");
        assert_eq!(lone.len(), 1);
        assert_eq!(
            lone[0].as_ref().expect_err("empty PMID").reason,
            "record has neither PMID nor title"
        );
    }

    #[test]
    fn detection_needs_a_pmid_line_near_the_start() {
        assert!(looks_like(SAMPLE));
        assert!(looks_like("\u{feff}\r\n\r\nPMID- 123\r\nTI  - x\r\n"));
        assert!(!looks_like("Title\n10.5555/x\n- Author:\nA B\n"));
        assert!(!looks_like("TI  - no pmid\n"));
        let late = format!("{}PMID- 1\n", "line\n".repeat(20));
        assert!(!looks_like(&late));
    }

    #[test]
    fn writer_wraps_long_values_like_pubmed() {
        let record = Record {
            pmid: Some("42".into()),
            title: "word ".repeat(40),
            ..Record::default()
        };
        let text = written(&record);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "PMID- 42");
        assert!(lines[1].starts_with("TI  - word word"));
        assert!(lines[2].starts_with("      word"));
        assert!(
            lines.iter().all(|l| l.chars().count() <= WRAP_COLUMNS),
            "{text}"
        );
        assert!(lines[1].chars().count() > WRAP_COLUMNS - 5);
        assert_eq!(lines.last(), Some(&""), "a blank line ends the record");
    }

    #[test]
    fn writer_leaves_out_missing_pmid_and_empty_fields() {
        let record = Record {
            title: "Only a title".into(),
            journal: Some("J".into()),
            ..Record::default()
        };
        assert_eq!(written(&record), "TI  - Only a title\nJT  - J\n\n");
    }

    #[test]
    fn writer_uses_medline_mesh_marks_and_short_names() {
        let record = Record {
            pmid: Some("7".into()),
            authors: vec![
                Author {
                    name: "Casbon, James A".into(),
                    affiliations: vec![],
                },
                Author {
                    name: "Lu-Lu Lin".into(),
                    affiliations: vec![],
                },
                Author {
                    name: "Plato".into(),
                    affiliations: vec![],
                },
                Author {
                    name: "ITP Study Group".into(),
                    affiliations: vec![],
                },
            ],
            mesh: vec![
                MeshHeading::parse("Thrombocytopenia/therapy*").expect("heading"),
                MeshHeading::parse("Humans*").expect("heading"),
            ],
            language: Some("Japanese".into()),
            doi: Some("10.5555/x".into()),
            ..Record::default()
        };
        let text = written(&record);
        for line in [
            "FAU - Casbon, James A\nAU  - Casbon JA\n",
            "FAU - Lu-Lu Lin\nAU  - Lin LL\n",
            "FAU - Plato\nAU  - Plato\n",
            "CN  - ITP Study Group\n",
            "MH  - Thrombocytopenia/*therapy\nMH  - *Humans\n",
            "LA  - jpn\n",
            "AID - 10.5555/x [doi]\n",
        ] {
            assert!(text.contains(line), "{line} missing in:\n{text}");
        }
    }

    fn made_up_records() -> Vec<Record> {
        let shared = "Department of Hematology, Example University Hospital, 1 Example Road, Exampleton, Exampleland.";
        let mut records = vec![
            Record {
                pmid: Some("90000901".into()),
                title: "A deliberately long made-up title about immune thrombocytopenia, rituximab, romiplostim, eltrombopag and the many ways an invented cohort of patients could respond to them over several years".into(),
                doi: Some("10.5555/medlit.rt.1".into()),
                abstract_text: "BACKGROUND: ".to_string() + &"This invented abstract sentence repeats to make a long value. ".repeat(30) + "CONCLUSIONS: It wraps.",
                authors: vec![
                    Author { name: "Okafor, Adaeze N".into(), affiliations: vec![1] },
                    Author { name: "Lindqvist, Erik".into(), affiliations: vec![1, 2] },
                    Author { name: "Haddad, Samir".into(), affiliations: vec![2] },
                    Author { name: "Moreau, Claire".into(), affiliations: vec![] },
                    Author { name: "Example Thrombocytopenia Consortium".into(), affiliations: vec![1] },
                ],
                affiliations: vec![shared.into(), "Transplant Unit, Example General Hospital, a place with a long address that needs wrapping too, Exampleland.".into()],
                publication_types: vec!["Journal Article".into(), "Randomized Controlled Trial".into()],
                keywords: vec!["immune thrombocytopenia".into(), "Rituximab".into()],
                mesh: vec![
                    MeshHeading::parse("*Purpura, Thrombocytopenic, Idiopathic/blood/*drug therapy").expect("heading"),
                    MeshHeading::parse("Humans").expect("heading"),
                    MeshHeading::parse("Rituximab/adverse effects/*therapeutic use").expect("heading"),
                ],
                journal: Some("Journal of invented hematology".into()),
                year: Some(2021),
                volume: Some("33".into()),
                issue: Some("2 Suppl 1".into()),
                pages: Some("101-9".into()),
                country: Some("United States".into()),
                language: Some("English".into()),
                ..Record::default()
            },
            Record {
                title: "No PMID, only a DOI.".into(),
                doi: Some("10.5555/MEDLIT.RT.2".into()),
                language: Some("Esperanto".into()),
                year: Some(1999),
                ..Record::default()
            },
            Record {
                title: "No PMID and no DOI: the id is a hash.".into(),
                journal: Some("Example hashes".into()),
                year: Some(2005),
                abstract_text: "Short.".into(),
                authors: vec![Author { name: "Bo ZHANG".into(), affiliations: vec![1] }],
                affiliations: vec!["Lab, Example".into()],
                language: Some("Chinese".into()),
                ..Record::default()
            },
        ];
        for record in &mut records {
            record.ensure_id();
        }
        records
    }

    #[test]
    fn written_records_read_back_the_same() {
        let originals = made_up_records();
        let mut text = Vec::new();
        for record in &originals {
            write_record(&mut text, record).expect("writes");
        }
        let text = String::from_utf8(text).expect("UTF-8");
        assert!(
            text.lines().all(|l| l.chars().count() <= WRAP_COLUMNS),
            "{text}"
        );
        let read_back = parse_ok(&text);
        assert_eq!(read_back, originals);
        assert_eq!(read_back[1].id, "10.5555/medlit.rt.2");
        assert!(read_back[2].id.starts_with('h'));
    }

    #[test]
    fn sample_round_trips_through_the_writer() {
        let originals = parse_ok(SAMPLE);
        let mut text = Vec::new();
        for record in &originals {
            write_record(&mut text, record).expect("writes");
        }
        let text = String::from_utf8(text).expect("UTF-8");
        assert_eq!(parse_ok(&text), originals);
    }

    #[test]
    fn unreferenced_affiliations_are_kept() {
        let record = Record {
            pmid: Some("5".into()),
            title: "T".into(),
            affiliations: vec!["Somewhere".into()],
            ..Record::default()
        };
        let mut expected = record.clone();
        expected.ensure_id();
        assert_eq!(parse_one(&written(&record)), expected);
    }
}
