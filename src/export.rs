//! Export: writes records in formats that other tools read, so reviewers can move search
//! results into reference managers (Zotero, EndNote, Mendeley) and spreadsheets.
//!
//! - **JSON Lines** is the serde [`Record`] itself, one per line, so `medlit index` reads an
//!   export back unchanged (a lossless round trip).
//! - **MEDLINE** is PubMed's tagged text (`.nbib`); the writer lives with its parser in
//!   [`crate::formats::medline`].
//! - **RIS** is the tagged format every reference manager imports (`TY  - JOUR` … `ER  - `).
//!   Lines end with `\n` rather than the `\r\n` of the original specification: Zotero, EndNote
//!   and Mendeley accept both, and `\n` keeps the output friendly to Unix tools and diffs.
//! - **CSV** (RFC 4180) has one row per record with list fields joined by `; `, for
//!   spreadsheets and scripts.
//! - **PubMed XML** is a `<PubmedArticleSet>` as PubMed writes it, and **abstract-page** text
//!   is the layout of copied PubMed abstract pages; [`pubmed_xml`] and [`abstract_page`] say
//!   which fields each carries. Both read back through medlit's own parsers, which is what
//!   `medlit gen` relies on to produce test corpora in every input format.
//!
//! [`Exporter`] writes one record at a time and never holds more than the record at hand, so
//! an export of a whole index runs in constant memory.

pub mod abstract_page;
pub mod pubmed_xml;

use std::collections::HashSet;
use std::io::{self, BufWriter, Write};

use crate::formats::medline;
use crate::record::Record;

/// Output formats of `medlit export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// JSON Lines: one medlit record per line, readable again by `medlit index`.
    Jsonl,
    /// MEDLINE tagged text, as PubMed exports it (`.nbib`).
    Medline,
    /// RIS, for reference managers (Zotero, EndNote, Mendeley).
    Ris,
    /// CSV with a header row, for spreadsheets.
    Csv,
    /// PubMed XML (`<PubmedArticleSet>`), readable again by `medlit index`.
    PubmedXml,
    /// PubMed abstract-page text, readable again by `medlit index`.
    AbstractPage,
}

/// The CSV header; [`csv_row`] writes the fields in this order.
const CSV_HEADER: [&str; 17] = [
    "id",
    "pmid",
    "doi",
    "title",
    "authors",
    "journal",
    "year",
    "volume",
    "issue",
    "pages",
    "country",
    "language",
    "publication_types",
    "keywords",
    "mesh",
    "therapies",
    "abstract",
];

/// Separator of list values (authors, keywords, MeSH headings, …) inside one CSV field.
const LIST_SEPARATOR: &str = "; ";

/// Writes records one at a time in one format (streaming: never holds all records).
///
/// Output is buffered; call [`Exporter::finish`] at the end to flush it and to see any
/// error from the final write.
pub struct Exporter<W: Write> {
    sink: Sink<W>,
}

/// The writer for each format. CSV keeps its own buffer (boxed: it is large, and there is
/// one per export); the text formats get a `BufWriter` because they are written in many small
/// pieces.
enum Sink<W: Write> {
    Jsonl(BufWriter<W>),
    Medline(BufWriter<W>),
    Ris(BufWriter<W>),
    Csv {
        writer: Box<csv::Writer<W>>,
        header_written: bool,
    },
    PubmedXml {
        out: BufWriter<W>,
        header_written: bool,
    },
    AbstractPage {
        out: BufWriter<W>,
        records: u64,
    },
}

impl<W: Write> Exporter<W> {
    /// Creates an exporter writing `format` to `out`. Nothing is written yet: CSV and PubMed
    /// XML write their header with the first record, or in [`Exporter::finish`] when there is
    /// none.
    pub fn new(format: ExportFormat, out: W) -> Self {
        let sink = match format {
            ExportFormat::Jsonl => Sink::Jsonl(BufWriter::new(out)),
            ExportFormat::Medline => Sink::Medline(BufWriter::new(out)),
            ExportFormat::Ris => Sink::Ris(BufWriter::new(out)),
            ExportFormat::Csv => Sink::Csv {
                writer: Box::new(csv::Writer::from_writer(out)),
                header_written: false,
            },
            ExportFormat::PubmedXml => Sink::PubmedXml {
                out: BufWriter::new(out),
                header_written: false,
            },
            ExportFormat::AbstractPage => Sink::AbstractPage {
                out: BufWriter::new(out),
                records: 0,
            },
        };
        Exporter { sink }
    }

    /// Writes one record.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        self.write_with(record, &pubmed_xml::UnreadXml::default())
    }

    /// Writes one record, and in PubMed XML the elements of `unread` (which medlit does not
    /// read) at their places; the other formats have no place for them.
    pub fn write_with(
        &mut self,
        record: &Record,
        unread: &pubmed_xml::UnreadXml,
    ) -> io::Result<()> {
        match &mut self.sink {
            Sink::Jsonl(out) => {
                serde_json::to_writer(&mut *out, record)?;
                out.write_all(b"\n")
            }
            Sink::Medline(out) => medline::write_record(out, record),
            Sink::Ris(out) => write_ris(out, record),
            Sink::Csv {
                writer,
                header_written,
            } => {
                if !*header_written {
                    writer.write_record(CSV_HEADER)?;
                    *header_written = true;
                }
                writer.write_record(csv_row(record))?;
                Ok(())
            }
            Sink::PubmedXml {
                out,
                header_written,
            } => {
                if !*header_written {
                    out.write_all(pubmed_xml::HEADER.as_bytes())?;
                    *header_written = true;
                }
                pubmed_xml::write_record_with(out, record, unread)
            }
            Sink::AbstractPage { out, records } => {
                if *records > 0 {
                    out.write_all(b"\n")?;
                }
                *records += 1;
                abstract_page::write_record(out, record)
            }
        }
    }

    /// Ends the export: writes the CSV or PubMed XML header if no record came and the PubMed
    /// XML closing tag, flushes everything and gives the underlying writer back.
    pub fn finish(self) -> io::Result<W> {
        let mut out = match self.sink {
            Sink::Jsonl(out)
            | Sink::Medline(out)
            | Sink::Ris(out)
            | Sink::AbstractPage { out, .. } => {
                out.into_inner().map_err(io::IntoInnerError::into_error)?
            }
            Sink::PubmedXml {
                mut out,
                header_written,
            } => {
                if !header_written {
                    out.write_all(pubmed_xml::HEADER.as_bytes())?;
                }
                out.write_all(pubmed_xml::FOOTER.as_bytes())?;
                out.into_inner().map_err(io::IntoInnerError::into_error)?
            }
            Sink::Csv {
                mut writer,
                header_written,
            } => {
                if !header_written {
                    writer.write_record(CSV_HEADER)?;
                }
                writer.into_inner().map_err(|error| error.into_error())?
            }
        };
        out.flush()?;
        Ok(out)
    }
}

/// Splits a page field into RIS start and end pages (`SP`, `EP`).
///
/// Abbreviated end pages are expanded from the start page (`1128-33` gives `1133`, `S12-5`
/// gives `S15`). A single page or an electronic locator (`e14523`) has no end page.
pub fn page_range(pages: &str) -> (String, Option<String>) {
    let pages = pages.trim();
    let Some((start, end)) = pages.split_once(['-', '\u{2013}']) else {
        return (pages.to_string(), None);
    };
    let (start, end) = (start.trim(), end.trim());
    if end.is_empty() {
        return (start.to_string(), None);
    }
    // The start page's trailing digits; their first ones complete a shorter end page.
    let digits = start.len() - start.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let end = if end.bytes().all(|b| b.is_ascii_digit()) && end.len() < digits {
        // Everything before the replaced digits: a letter prefix (`S`) and the leading digits.
        let keep = start.len() - end.len();
        format!("{}{end}", &start[..keep])
    } else {
        end.to_string()
    };
    (start.to_string(), Some(end))
}

/// Writes one record as RIS, ending with `ER  - ` and a blank line.
fn write_ris(out: &mut dyn Write, record: &Record) -> io::Result<()> {
    // Review articles stay `JOUR`: RIS has no review type, and the publication type is kept
    // in `M3` below.
    ris_tag(out, "TY", "JOUR")?;
    ris_tag(out, "TI", &record.title)?;
    for author in &record.authors {
        ris_tag(out, "AU", &author.name)?;
    }
    for affiliation in used_affiliations(record) {
        ris_tag(out, "AD", affiliation)?;
    }
    if let Some(year) = record.year {
        ris_tag(out, "PY", &year.to_string())?;
    }
    if let Some(journal) = &record.journal {
        // Zotero reads the journal from `T2`, EndNote from `JO`.
        ris_tag(out, "JO", journal)?;
        ris_tag(out, "T2", journal)?;
    }
    ris_optional(out, "VL", &record.volume)?;
    ris_optional(out, "IS", &record.issue)?;
    if let Some(pages) = &record.pages {
        let (start, end) = page_range(pages);
        ris_tag(out, "SP", &start)?;
        if let Some(end) = end {
            ris_tag(out, "EP", &end)?;
        }
    }
    ris_optional(out, "LA", &record.language)?;
    // RIS has no country tag; `CY` (place of publication) is the closest.
    ris_optional(out, "CY", &record.country)?;
    // Author keywords and MeSH descriptors, each term once (compared without case).
    let mut seen = HashSet::new();
    let terms = record.keywords.iter().map(String::as_str).chain(
        record
            .mesh
            .iter()
            .map(|heading| heading.descriptor.as_str()),
    );
    for term in terms {
        if seen.insert(term.trim().to_lowercase()) {
            ris_tag(out, "KW", term)?;
        }
    }
    ris_tag(out, "AB", &record.abstract_text)?;
    ris_optional(out, "DO", &record.doi)?;
    if let Some(pmid) = record.pmid.as_deref().map(str::trim) {
        if !pmid.is_empty() {
            ris_tag(out, "AN", pmid)?;
            ris_tag(
                out,
                "UR",
                &format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/"),
            )?;
        }
    }
    if let Some(kind) = record.publication_types.first() {
        ris_tag(out, "M3", kind)?;
    }
    if !record.therapies.is_empty() {
        let therapies = record.therapies.join(LIST_SEPARATOR);
        ris_tag(out, "N1", &format!("therapies: {therapies}"))?;
    }
    out.write_all(b"ER  - \n\n")
}

/// Writes `TAG  - value` on one line; skips empty values, since RIS readers take an empty
/// tag as an empty field.
fn ris_tag(out: &mut dyn Write, tag: &str, value: &str) -> io::Result<()> {
    let value = one_line(value);
    if value.is_empty() {
        return Ok(());
    }
    writeln!(out, "{tag}  - {value}")
}

/// [`ris_tag`] for an optional field.
fn ris_optional(out: &mut dyn Write, tag: &str, value: &Option<String>) -> io::Result<()> {
    match value {
        Some(value) => ris_tag(out, tag, value),
        None => Ok(()),
    }
}

/// Joins the lines of `text` with spaces: an RIS value ends at the end of its line.
fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The affiliations the authors refer to, in byline order and each text once. When no author
/// refers to any (some sources list affiliations only), all of them.
fn used_affiliations(record: &Record) -> Vec<&str> {
    let referenced: Vec<&str> = record
        .authors
        .iter()
        .flat_map(|author| &author.affiliations)
        .filter_map(|&position| {
            let index = usize::try_from(position).ok()?.checked_sub(1)?;
            record.affiliations.get(index).map(String::as_str)
        })
        .collect();
    let candidates = if referenced.is_empty() {
        record.affiliations.iter().map(String::as_str).collect()
    } else {
        referenced
    };
    let mut seen = HashSet::new();
    candidates
        .into_iter()
        .filter(|affiliation| seen.insert(*affiliation))
        .collect()
}

/// One CSV row in the order of [`CSV_HEADER`]; missing values are empty.
fn csv_row(record: &Record) -> [String; 17] {
    let optional = |value: &Option<String>| value.clone().unwrap_or_default();
    let join = |values: &[String]| values.join(LIST_SEPARATOR);
    let authors: Vec<String> = record.authors.iter().map(|a| a.name.clone()).collect();
    let mesh: Vec<String> = record.mesh.iter().map(ToString::to_string).collect();
    [
        record.id.clone(),
        optional(&record.pmid),
        optional(&record.doi),
        record.title.clone(),
        join(&authors),
        optional(&record.journal),
        record.year.map(|year| year.to_string()).unwrap_or_default(),
        optional(&record.volume),
        optional(&record.issue),
        optional(&record.pages),
        optional(&record.country),
        optional(&record.language),
        join(&record.publication_types),
        join(&record.keywords),
        join(&mesh),
        join(&record.therapies),
        record.abstract_text.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Author, MeshHeading, MeshQualifier};

    /// A made-up record with every field set.
    fn full_record() -> Record {
        Record {
            id: "40000001".into(),
            title: "Rituximab for refractory immune thrombocytopenia: a case report".into(),
            doi: Some("10.5555/medlit.2025.001".into()),
            pmid: Some("40000001".into()),
            authors: vec![
                Author {
                    name: "Smith, Jane".into(),
                    affiliations: vec![1],
                },
                Author {
                    name: "Bo ZHANG".into(),
                    affiliations: vec![1, 2],
                },
            ],
            affiliations: vec![
                "Department of Hematology, Example Hospital, Springfield, USA.".into(),
                "Institute of Immunology, Example University, Shanghai, China.".into(),
            ],
            publication_types: vec!["Case Reports".into(), "Journal Article".into()],
            keywords: vec!["immune thrombocytopenia".into(), "rituximab".into()],
            mesh: vec![
                MeshHeading {
                    descriptor: "Thrombocytopenia".into(),
                    ui: Some("D013921".into()),
                    major: false,
                    qualifiers: vec![MeshQualifier {
                        name: "therapy".into(),
                        major: true,
                    }],
                },
                MeshHeading {
                    descriptor: "Humans".into(),
                    ..MeshHeading::default()
                },
            ],
            journal: Some("Journal of Example Hematology".into()),
            journal_iso: Some("J Ex Hematol".into()),
            pmc: Some("PMC9000001".into()),
            chemicals: vec!["Rituximab".into()],
            year: Some(2025),
            volume: Some("27".into()),
            issue: Some("9".into()),
            pages: Some("1128-33".into()),
            country: Some("England".into()),
            language: Some("eng".into()),
            abstract_text: "A woman, 54, had platelets of 3 x 10^9/L.\nRituximab restored them."
                .into(),
            therapies: vec!["rituximab".into(), "prednisone".into()],
        }
    }

    /// Exports `records` to a string.
    pub(super) fn export(format: ExportFormat, records: &[Record]) -> String {
        let mut exporter = Exporter::new(format, Vec::new());
        for record in records {
            exporter.write(record).expect("write to a Vec");
        }
        let bytes = exporter.finish().expect("flush to a Vec");
        String::from_utf8(bytes).expect("exports are UTF-8")
    }

    #[test]
    fn ris_writes_every_field_of_a_full_record() {
        let expected = "\
TY  - JOUR
TI  - Rituximab for refractory immune thrombocytopenia: a case report
AU  - Smith, Jane
AU  - Bo ZHANG
AD  - Department of Hematology, Example Hospital, Springfield, USA.
AD  - Institute of Immunology, Example University, Shanghai, China.
PY  - 2025
JO  - Journal of Example Hematology
T2  - Journal of Example Hematology
VL  - 27
IS  - 9
SP  - 1128
EP  - 1133
LA  - eng
CY  - England
KW  - immune thrombocytopenia
KW  - rituximab
KW  - Thrombocytopenia
KW  - Humans
AB  - A woman, 54, had platelets of 3 x 10^9/L. Rituximab restored them.
DO  - 10.5555/medlit.2025.001
AN  - 40000001
UR  - https://pubmed.ncbi.nlm.nih.gov/40000001/
M3  - Case Reports
N1  - therapies: rituximab; prednisone
ER  - 

";
        assert_eq!(export(ExportFormat::Ris, &[full_record()]), expected);
    }

    #[test]
    fn ris_skips_missing_fields() {
        let record = Record {
            id: "h0".into(),
            title: "Only a title".into(),
            ..Record::default()
        };
        assert_eq!(
            export(ExportFormat::Ris, &[record]),
            "TY  - JOUR\nTI  - Only a title\nER  - \n\n"
        );
    }

    #[test]
    fn ris_lists_only_affiliations_that_authors_use() {
        let mut record = full_record();
        record.authors.truncate(1);
        record.affiliations.push(
            "Department of Hematology, Example Hospital, Springfield, USA.".into(), // duplicate
        );
        record.authors[0].affiliations = vec![3, 1, 9];
        let ris = export(ExportFormat::Ris, &[record]);
        let ad: Vec<&str> = ris.lines().filter(|l| l.starts_with("AD  - ")).collect();
        assert_eq!(
            ad,
            ["AD  - Department of Hematology, Example Hospital, Springfield, USA."]
        );
    }

    #[test]
    fn page_range_splits_full_ranges() {
        assert_eq!(
            page_range("1128-1133"),
            ("1128".to_string(), Some("1133".to_string()))
        );
    }

    #[test]
    fn page_range_expands_abbreviated_end_pages() {
        assert_eq!(
            page_range("1128-33"),
            ("1128".to_string(), Some("1133".to_string()))
        );
        assert_eq!(
            page_range("1198-205"),
            ("1198".to_string(), Some("1205".to_string()))
        );
        assert_eq!(
            page_range("S12-5"),
            ("S12".to_string(), Some("S15".to_string()))
        );
        assert_eq!(
            page_range("99-101"),
            ("99".to_string(), Some("101".to_string()))
        );
    }

    #[test]
    fn page_range_keeps_electronic_locators_and_single_pages_as_start() {
        assert_eq!(page_range("e14523"), ("e14523".to_string(), None));
        assert_eq!(page_range("12"), ("12".to_string(), None));
        assert_eq!(page_range(" 12- "), ("12".to_string(), None));
    }

    #[test]
    fn csv_round_trips_through_a_csv_reader() {
        let mut tricky = full_record();
        tricky.title = "Platelets, \"steroids\"\nand rituximab".into();
        let output = export(ExportFormat::Csv, &[full_record(), tricky]);
        let mut reader = csv::Reader::from_reader(output.as_bytes());
        let header = reader.headers().expect("header").clone();
        assert_eq!(header.iter().collect::<Vec<_>>(), CSV_HEADER);
        let rows: Vec<csv::StringRecord> = reader
            .records()
            .collect::<Result<_, _>>()
            .expect("valid CSV");
        assert_eq!(rows.len(), 2);
        let field = |row: &csv::StringRecord, name: &str| {
            let index = CSV_HEADER.iter().position(|h| *h == name).expect("column");
            row.get(index).expect("field").to_string()
        };
        let row = &rows[0];
        assert_eq!(row.len(), CSV_HEADER.len());
        assert_eq!(field(row, "id"), "40000001");
        assert_eq!(field(row, "authors"), "Smith, Jane; Bo ZHANG");
        assert_eq!(field(row, "year"), "2025");
        assert_eq!(field(row, "pages"), "1128-33");
        assert_eq!(
            field(row, "publication_types"),
            "Case Reports; Journal Article"
        );
        assert_eq!(field(row, "mesh"), "Thrombocytopenia/therapy*; Humans");
        assert_eq!(field(row, "therapies"), "rituximab; prednisone");
        assert_eq!(field(row, "abstract"), full_record().abstract_text);
        assert_eq!(
            field(&rows[1], "title"),
            "Platelets, \"steroids\"\nand rituximab"
        );
    }

    #[test]
    fn csv_leaves_missing_values_empty() {
        let record = Record {
            id: "h1".into(),
            title: "Bare".into(),
            ..Record::default()
        };
        let output = export(ExportFormat::Csv, &[record]);
        let mut reader = csv::Reader::from_reader(output.as_bytes());
        let row = reader
            .records()
            .next()
            .expect("one row")
            .expect("valid CSV");
        let empty = row.iter().filter(|value| value.is_empty()).count();
        assert_eq!(empty, CSV_HEADER.len() - 2);
    }

    #[test]
    fn csv_without_records_writes_only_the_header() {
        assert_eq!(
            export(ExportFormat::Csv, &[]),
            format!("{}\n", CSV_HEADER.join(","))
        );
    }

    #[test]
    fn jsonl_round_trips_records_one_per_line() {
        let minimal = Record {
            id: "h2".into(),
            title: "Line\nbreak".into(),
            ..Record::default()
        };
        let mut other = full_record();
        other.id = "40000002".into();
        other.pmid = Some("40000002".into());
        let records = vec![full_record(), minimal, other];
        let output = export(ExportFormat::Jsonl, &records);
        assert_eq!(output.lines().count(), records.len());
        let parsed: Vec<Record> = output
            .lines()
            .map(|line| serde_json::from_str(line).expect("a record per line"))
            .collect();
        assert_eq!(parsed, records);
    }

    #[test]
    fn medline_delegates_to_the_medline_writer() {
        let output = export(ExportFormat::Medline, &[full_record()]);
        assert!(output.starts_with("PMID- 40000001"), "{output}");
    }

    /// Made-up records that test what the PubMed XML and abstract-page writers must carry:
    /// XML special characters and quotes, a structured abstract, MeSH headings with UIs,
    /// qualifiers and major flags, several affiliations, missing fields.
    pub(super) fn tricky_records() -> Vec<Record> {
        let heading =
            |descriptor: &str, ui: Option<&str>, major: bool, qualifiers: &[(&str, bool)]| {
                MeshHeading {
                    descriptor: descriptor.into(),
                    ui: ui.map(Into::into),
                    major,
                    qualifiers: qualifiers
                        .iter()
                        .map(|&(name, major)| MeshQualifier {
                            name: name.into(),
                            major,
                        })
                        .collect(),
                }
            };
        let author = |name: &str, affiliations: &[u32]| Author {
            name: name.into(),
            affiliations: affiliations.to_vec(),
        };
        let structured = Record {
            id: "40000011".into(),
            pmid: Some("40000011".into()),
            pmc: Some("PMC9000011".into()),
            doi: Some("10.5555/medlit.<2025>&11".into()),
            title: "Platelets < 20 × 10^9/L & \"steroid-refractory\" ITP: a 'case' report.".into(),
            abstract_text: "BACKGROUND: Immune thrombocytopenia (ITP) & its <treatment>.\n\
                            CASE PRESENTATION: A 34-year-old woman \"received\" romiplostim; platelets > 150.\n\
                            CONCLUSIONS: It worked."
                .into(),
            authors: vec![
                author("Jane Q Doe", &[1, 2]),
                author("Wei LI", &[2]),
                author("Sean O'Brien", &[2, 3]),
                author("Example Study Group", &[]),
            ],
            affiliations: vec![
                "Department of Hematology & Oncology, <Example> Hospital, Lyon, France.".into(),
                "Institute \"Example\", Paris, France.".into(),
                "Unit 3, Example University, Dublin, Ireland.".into(),
            ],
            publication_types: vec!["Case Reports".into(), "Journal Article".into()],
            keywords: vec!["ITP".into(), "romiplostim & eltrombopag".into()],
            mesh: vec![
                heading("Humans", Some("D006801"), false, &[]),
                heading(
                    "Purpura, Thrombocytopenic, Idiopathic",
                    Some("D016553"),
                    false,
                    &[("drug therapy", true), ("blood", false)],
                ),
                heading("Receptors, Thrombopoietin", None, true, &[("agonists", false)]),
            ],
            journal: Some("Journal of Example Hematology & Transfusion".into()),
            journal_iso: Some("J Ex Hematol Transfus".into()),
            year: Some(2021),
            volume: Some("12".into()),
            issue: Some("3".into()),
            pages: Some("101-105".into()),
            country: Some("France".into()),
            language: Some("English".into()),
            chemicals: vec!["Receptors, Thrombopoietin".into(), "romiplostim".into()],
            therapies: Vec::new(),
        };
        let minimal = Record {
            id: "40000012".into(),
            pmid: Some("40000012".into()),
            title: "Only a title".into(),
            ..Record::default()
        };
        let plain = Record {
            id: "40000013".into(),
            pmid: Some("40000013".into()),
            title: "Conclusion: lower-case words before a colon are not a label".into(),
            abstract_text: "First paragraph with <b>markup</b> kept as text.\n\
                            Conclusion: a mixed-case prefix stays in the paragraph."
                .into(),
            authors: vec![author("Plato", &[]), author("Ana María GARCÍA", &[])],
            journal: Some("Zhonghua Xue Ye Xue Za Zhi".into()),
            year: Some(2020),
            issue: Some("4".into()),
            pages: Some("e14523".into()),
            country: Some("China".into()),
            language: Some("Chinese".into()),
            mesh: vec![heading("Anemia", None, false, &[("etiology", false)])],
            ..Record::default()
        };
        let without_ids = Record {
            id: String::new(),
            title: "A record with neither PMID nor DOI".into(),
            abstract_text: "Text.".into(),
            journal: Some("Some Journal".into()),
            year: Some(1998),
            ..Record::default()
        };
        let mut records = vec![structured, minimal, plain, without_ids];
        for record in &mut records {
            record.ensure_id();
        }
        records
    }

    /// Parses `text` with `format`, expecting no errors and no deletions.
    pub(super) fn parse_all(format: crate::formats::Format, text: &str) -> Vec<Record> {
        format
            .parse(text.as_bytes())
            .map(|parsed| match parsed.expect("parses") {
                crate::formats::Parsed::Record(record) => *record,
                crate::formats::Parsed::Delete(pmids) => panic!("unexpected delete {pmids:?}"),
            })
            .collect()
    }

    #[test]
    fn pubmed_xml_without_records_is_an_empty_set() {
        assert_eq!(
            export(ExportFormat::PubmedXml, &[]),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PubmedArticleSet>\n</PubmedArticleSet>\n"
        );
    }

    #[test]
    fn pubmed_xml_wraps_records_in_one_set() {
        let output = export(ExportFormat::PubmedXml, &tricky_records());
        assert!(output.starts_with(pubmed_xml::HEADER), "{output}");
        assert!(output.ends_with("</PubmedArticle>\n</PubmedArticleSet>\n"));
        assert_eq!(output.matches("<PubmedArticleSet>").count(), 1);
        assert_eq!(output.matches("<PubmedArticle>").count(), 4);
        assert_eq!(
            crate::formats::Format::detect(output.as_bytes()),
            Some(crate::formats::Format::PubmedXml)
        );
    }

    #[test]
    fn abstract_page_separates_records_by_one_blank_line() {
        let output = export(ExportFormat::AbstractPage, &tricky_records());
        assert_eq!(output.matches("\n\n").count(), 3, "{output}");
        assert!(!output.starts_with('\n') && output.ends_with(".\n") && !output.ends_with("\n\n"));
        assert_eq!(export(ExportFormat::AbstractPage, &[]), "");
        assert_eq!(
            crate::formats::Format::detect(output.as_bytes()),
            Some(crate::formats::Format::AbstractPage)
        );
    }
}
