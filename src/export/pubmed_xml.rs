//! The PubMed XML writer: records as `<PubmedArticle>` elements of a `<PubmedArticleSet>`,
//! in the element layout of NLM's PubMed DTD, so [`crate::formats::pubmed_xml`] (and other
//! PubMed tools) read them back.
//!
//! Every field of the parser's mapping table is written: PMID, title, abstract (one
//! `AbstractText` per paragraph; a `LABEL: text` paragraph gets a `Label` attribute), authors
//! (`LastName`/`ForeName`, or `CollectiveName` for groups) with their affiliations, journal and
//! ISO abbreviation, year, volume, issue, pages, language (as its ISO 639-2 code), publication
//! types, MeSH headings with UIs, qualifiers and major-topic flags, keywords, chemicals,
//! country, DOI and PMC id. What the format cannot carry:
//!
//! - `therapies` (derived at ingest) and an `id` other than the one derived from the content;
//! - affiliations that no author refers to (PubMed XML keeps affiliations under authors);
//! - the `Last, Given` form of a name: it is written as `LastName`/`ForeName` and reads back
//!   as `Given Last`;
//! - runs of whitespace and line breaks inside a field (the parser collapses them), and empty
//!   abstract paragraphs.
//!
//! Text is escaped, so `<`, `&` and quotes survive; control characters that XML 1.0 forbids
//! are written as spaces.

use std::io::{self, Write};

use crate::formats::language_code;
use crate::record::{Author, MeshHeading, Record};

/// What [`crate::export::Exporter`] writes before the first record.
pub const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PubmedArticleSet>\n";

/// What [`crate::export::Exporter::finish`] writes after the last record.
pub const FOOTER: &str = "</PubmedArticleSet>\n";

/// Elements of a real PubMed record that medlit never reads (see the parser's unread
/// subtrees), as XML written verbatim at their places in the DTD's order. `medlit gen` fills
/// them so that generated records are as large and as nested as real ones; each is empty or
/// whole elements with their indentation and line ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnreadXml {
    /// `DateCompleted`, `DateRevised`: in `MedlineCitation`, after the PMID.
    pub dates: String,
    /// `GrantList`: in `Article`, before the publication types.
    pub grants: String,
    /// `CommentsCorrectionsList`: in `MedlineCitation`, before the MeSH headings.
    pub comments: String,
    /// `History`: first in `PubmedData`.
    pub history: String,
    /// `ReferenceList`: last in `PubmedData`.
    pub references: String,
}

/// Writes one record as a `<PubmedArticle>` element followed by a newline.
pub fn write_record(out: &mut dyn Write, record: &Record) -> io::Result<()> {
    write_record_with(out, record, &UnreadXml::default())
}

/// [`write_record`], with elements medlit does not read written at their places.
pub fn write_record_with(
    out: &mut dyn Write,
    record: &Record,
    unread: &UnreadXml,
) -> io::Result<()> {
    out.write_all(b"<PubmedArticle>\n  <MedlineCitation Status=\"MEDLINE\" Owner=\"NLM\">\n")?;
    if let Some(pmid) = non_empty(&record.pmid) {
        element(out, 4, "PMID Version=\"1\"", "PMID", pmid)?;
    }
    out.write_all(unread.dates.as_bytes())?;
    write_article(out, record, &unread.grants)?;
    out.write_all(b"    <MedlineJournalInfo>\n")?;
    if let Some(country) = non_empty(&record.country) {
        element(out, 6, "Country", "Country", country)?;
    }
    let medline_ta = non_empty(&record.journal_iso).or(non_empty(&record.journal));
    element(out, 6, "MedlineTA", "MedlineTA", medline_ta.unwrap_or(""))?;
    out.write_all(b"    </MedlineJournalInfo>\n")?;
    write_list(
        out,
        4,
        "ChemicalList",
        &record.chemicals,
        |out, chemical| {
            out.write_all(b"      <Chemical><RegistryNumber>0</RegistryNumber>")?;
            inline(out, "NameOfSubstance", "NameOfSubstance", chemical)?;
            out.write_all(b"</Chemical>\n")
        },
    )?;
    out.write_all(unread.comments.as_bytes())?;
    write_list(out, 4, "MeshHeadingList", &record.mesh, write_heading)?;
    let keyword = |out: &mut dyn Write, keyword: &String| {
        element(out, 6, "Keyword MajorTopicYN=\"N\"", "Keyword", keyword)
    };
    write_list(
        out,
        4,
        "KeywordList Owner=\"NOTNLM\"",
        &record.keywords,
        keyword,
    )?;
    out.write_all(b"  </MedlineCitation>\n  <PubmedData>\n")?;
    out.write_all(unread.history.as_bytes())?;
    out.write_all(b"    <PublicationStatus>ppublish</PublicationStatus>\n")?;
    out.write_all(b"    <ArticleIdList>\n")?;
    let ids = [
        ("pubmed", non_empty(&record.pmid)),
        ("doi", non_empty(&record.doi)),
        ("pmc", non_empty(&record.pmc)),
    ];
    for (kind, value) in ids {
        if let Some(value) = value {
            write!(out, "      <ArticleId IdType=\"{kind}\">")?;
            escape(out, value)?;
            out.write_all(b"</ArticleId>\n")?;
        }
    }
    out.write_all(b"    </ArticleIdList>\n")?;
    out.write_all(unread.references.as_bytes())?;
    out.write_all(b"  </PubmedData>\n</PubmedArticle>\n")
}

/// `<Article>`: journal, title, pages, abstract, authors, language, `grants` (written as
/// given) and publication types, in the DTD's order.
fn write_article(out: &mut dyn Write, record: &Record, grants: &str) -> io::Result<()> {
    out.write_all(b"    <Article PubModel=\"Print\">\n      <Journal>\n")?;
    out.write_all(b"        <JournalIssue CitedMedium=\"Print\">\n")?;
    if let Some(volume) = non_empty(&record.volume) {
        element(out, 10, "Volume", "Volume", volume)?;
    }
    if let Some(issue) = non_empty(&record.issue) {
        element(out, 10, "Issue", "Issue", issue)?;
    }
    match record.year {
        Some(year) => writeln!(out, "          <PubDate><Year>{year:04}</Year></PubDate>")?,
        None => out.write_all(b"          <PubDate/>\n")?,
    }
    out.write_all(b"        </JournalIssue>\n")?;
    if let Some(journal) = non_empty(&record.journal) {
        element(out, 8, "Title", "Title", journal)?;
    }
    if let Some(iso) = non_empty(&record.journal_iso) {
        element(out, 8, "ISOAbbreviation", "ISOAbbreviation", iso)?;
    }
    out.write_all(b"      </Journal>\n")?;
    element(out, 6, "ArticleTitle", "ArticleTitle", &record.title)?;
    if let Some(pages) = non_empty(&record.pages) {
        out.write_all(b"      <Pagination>")?;
        inline(out, "MedlinePgn", "MedlinePgn", pages)?;
        out.write_all(b"</Pagination>\n")?;
    }
    write_abstract(out, &record.abstract_text)?;
    write_authors(out, record)?;
    if let Some(language) = non_empty(&record.language) {
        element(out, 6, "Language", "Language", language_code(language))?;
    }
    out.write_all(grants.as_bytes())?;
    write_list(
        out,
        6,
        "PublicationTypeList",
        &record.publication_types,
        |out, kind| element(out, 8, "PublicationType", "PublicationType", kind),
    )?;
    out.write_all(b"    </Article>\n")
}

/// `<Abstract>` with one `<AbstractText>` per non-empty paragraph.
fn write_abstract(out: &mut dyn Write, text: &str) -> io::Result<()> {
    let mut paragraphs = text.lines().map(str::trim).filter(|p| !p.is_empty());
    let Some(first) = paragraphs.next() else {
        return Ok(());
    };
    out.write_all(b"      <Abstract>\n")?;
    for paragraph in std::iter::once(first).chain(paragraphs) {
        out.write_all(b"        <AbstractText")?;
        let body = match split_label(paragraph) {
            Some((label, body)) => {
                out.write_all(b" Label=\"")?;
                escape(out, label)?;
                out.write_all(b"\"")?;
                body
            }
            None => paragraph,
        };
        out.write_all(b">")?;
        escape(out, body)?;
        out.write_all(b"</AbstractText>\n")?;
    }
    out.write_all(b"      </Abstract>\n")
}

/// The label of a structured-abstract paragraph, `BACKGROUND: text` or
/// `CASE PRESENTATION: text`: upper-case words before `: `, followed by some text.
pub fn split_label(paragraph: &str) -> Option<(&str, &str)> {
    let (label, body) = paragraph.split_once(": ")?;
    let body = body.trim();
    let is_label = !label.is_empty()
        && label.len() <= 60
        && label.chars().any(char::is_alphabetic)
        && !label.chars().any(char::is_lowercase)
        && label.trim() == label
        && !body.is_empty();
    is_label.then_some((label, body))
}

/// `<AuthorList>`: each author with the affiliations they refer to.
fn write_authors(out: &mut dyn Write, record: &Record) -> io::Result<()> {
    let authors: Vec<&Author> = record
        .authors
        .iter()
        .filter(|author| !author.name.trim().is_empty())
        .collect();
    if authors.is_empty() {
        return Ok(());
    }
    out.write_all(b"      <AuthorList CompleteYN=\"Y\">\n")?;
    for author in authors {
        out.write_all(b"        <Author ValidYN=\"Y\">\n")?;
        let name = author.name.trim();
        if is_collective(name) {
            element(out, 10, "CollectiveName", "CollectiveName", name)?;
        } else {
            let (last, given) = split_name(name);
            element(out, 10, "LastName", "LastName", last)?;
            if !given.is_empty() {
                element(out, 10, "ForeName", "ForeName", given)?;
            }
        }
        for &position in &author.affiliations {
            let text = usize::try_from(position)
                .ok()
                .and_then(|p| p.checked_sub(1))
                .and_then(|index| record.affiliations.get(index));
            if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                out.write_all(b"          <AffiliationInfo>")?;
                inline(out, "Affiliation", "Affiliation", text)?;
                out.write_all(b"</AffiliationInfo>\n")?;
            }
        }
        out.write_all(b"        </Author>\n")?;
    }
    out.write_all(b"      </AuthorList>\n")
}

/// `(last, given)` of a personal name: `Smith, Jane` and `Jane Smith` both give
/// `("Smith", "Jane")`; a single word is a last name.
pub(crate) fn split_name(name: &str) -> (&str, &str) {
    if let Some((last, given)) = last_comma_given(name) {
        return (last, given);
    }
    match name.rsplit_once(char::is_whitespace) {
        Some((given, last)) => (last, given.trim()),
        None => (name, ""),
    }
}

/// `Smith, Jane Q` and `van der Berg, Jan` as `(last, given)`: a comma between a last name
/// and given names, each of at most three words.
fn last_comma_given(name: &str) -> Option<(&str, &str)> {
    let (last, given) = name.split_once(',')?;
    let (last, given) = (last.trim(), given.trim());
    let words = |part: &str| part.split_whitespace().count();
    ((1..=3).contains(&words(last)) && (1..=3).contains(&words(given))).then_some((last, given))
}

/// True for names of groups rather than people (`Example Study Group`, or a name with a
/// comma that is not `Last, Given`), written as `CollectiveName`.
pub(crate) fn is_collective(name: &str) -> bool {
    crate::record::names_a_group(name) || (name.contains(',') && last_comma_given(name).is_none())
}

/// One `<MeshHeading>`.
fn write_heading(out: &mut dyn Write, heading: &MeshHeading) -> io::Result<()> {
    out.write_all(b"      <MeshHeading>")?;
    out.write_all(b"<DescriptorName")?;
    if let Some(ui) = non_empty(&heading.ui) {
        out.write_all(b" UI=\"")?;
        escape(out, ui)?;
        out.write_all(b"\"")?;
    }
    write!(out, " MajorTopicYN=\"{}\">", yes_no(heading.major))?;
    escape(out, &heading.descriptor)?;
    out.write_all(b"</DescriptorName>")?;
    for qualifier in &heading.qualifiers {
        write!(
            out,
            "<QualifierName MajorTopicYN=\"{}\">",
            yes_no(qualifier.major)
        )?;
        escape(out, &qualifier.name)?;
        out.write_all(b"</QualifierName>")?;
    }
    out.write_all(b"</MeshHeading>\n")
}

fn yes_no(flag: bool) -> &'static str {
    if flag {
        "Y"
    } else {
        "N"
    }
}

/// `<List>` with one item per value, or nothing when there is none; `open` may carry
/// attributes, the closing tag is its first word.
fn write_list<T>(
    out: &mut dyn Write,
    indent: usize,
    open: &str,
    items: &[T],
    mut item: impl FnMut(&mut dyn Write, &T) -> io::Result<()>,
) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let close = open.split(' ').next().unwrap_or(open);
    writeln!(out, "{:indent$}<{open}>", "")?;
    for value in items {
        item(out, value)?;
    }
    writeln!(out, "{:indent$}</{close}>", "")
}

/// `<open>text</close>` on its own line, indented by `indent` spaces.
fn element(
    out: &mut dyn Write,
    indent: usize,
    open: &str,
    close: &str,
    text: &str,
) -> io::Result<()> {
    out.write_all(&SPACES.as_bytes()[..indent.min(SPACES.len())])?;
    inline(out, open, close, text)?;
    out.write_all(b"\n")
}

/// `<open>text</close>`, where `open` may carry attributes.
fn inline(out: &mut dyn Write, open: &str, close: &str, text: &str) -> io::Result<()> {
    out.write_all(b"<")?;
    out.write_all(open.as_bytes())?;
    out.write_all(b">")?;
    escape(out, text)?;
    out.write_all(b"</")?;
    out.write_all(close.as_bytes())?;
    out.write_all(b">")
}

/// Indentation.
const SPACES: &str = "                ";

/// The value when it is set and not blank.
fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

/// Writes `text` with XML's special characters escaped (quotes too, so it also serves for
/// attribute values) and forbidden control characters replaced by spaces.
fn escape(out: &mut dyn Write, text: &str) -> io::Result<()> {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let Some(replacement) = escaped_byte(byte) else {
            continue;
        };
        out.write_all(&bytes[start..i])?;
        out.write_all(replacement.as_bytes())?;
        start = i + 1;
    }
    out.write_all(&bytes[start..])
}

/// [`escape`] into a string.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    let mut start = 0;
    for (i, &byte) in text.as_bytes().iter().enumerate() {
        let Some(replacement) = escaped_byte(byte) else {
            continue;
        };
        // Cut at an ASCII byte: both sides are UTF-8.
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// What XML text needs instead of `byte`: an entity for a special character, a space for a
/// control character XML 1.0 forbids; `None` for a byte written as it is.
fn escaped_byte(byte: u8) -> Option<&'static str> {
    match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&apos;"),
        b'\t' | b'\n' | b'\r' => None,
        0..=0x1f => Some(" "),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{export, parse_all, tricky_records};
    use super::*;
    use crate::export::ExportFormat;
    use crate::formats::Format;

    fn round_trip(records: &[Record]) -> Vec<Record> {
        parse_all(Format::PubmedXml, &export(ExportFormat::PubmedXml, records))
    }

    #[test]
    fn records_round_trip_through_the_pubmed_xml_parser() {
        let records = tricky_records();
        assert_eq!(round_trip(&records), records);
    }

    #[test]
    fn special_characters_are_escaped() {
        let output = export(ExportFormat::PubmedXml, &tricky_records()[..1]);
        assert!(
            output.contains("<ArticleTitle>Platelets &lt; 20 × 10^9/L &amp; &quot;steroid-refractory&quot; ITP: a &apos;case&apos; report.</ArticleTitle>"),
            "{output}"
        );
        assert!(output.contains(
            "<AbstractText Label=\"CASE PRESENTATION\">A 34-year-old woman &quot;received&quot;"
        ));
        assert!(output.contains("<DescriptorName UI=\"D016553\" MajorTopicYN=\"N\">Purpura, Thrombocytopenic, Idiopathic</DescriptorName><QualifierName MajorTopicYN=\"Y\">drug therapy</QualifierName>"));
        assert!(output.contains("<CollectiveName>Example Study Group</CollectiveName>"));
    }

    #[test]
    fn last_comma_given_names_are_split_and_read_as_given_last() {
        let record = Record {
            id: "1".into(),
            pmid: Some("1".into()),
            title: "T".into(),
            authors: vec![Author {
                name: "Casbon, James A".into(),
                affiliations: Vec::new(),
            }],
            ..Record::default()
        };
        let output = export(ExportFormat::PubmedXml, std::slice::from_ref(&record));
        assert!(output.contains("<LastName>Casbon</LastName>"), "{output}");
        assert!(output.contains("<ForeName>James A</ForeName>"), "{output}");
        assert_eq!(round_trip(&[record])[0].authors[0].name, "James A Casbon");
    }

    #[test]
    fn groups_are_collective_names() {
        assert!(is_collective("Example Study Group"));
        assert!(is_collective("CSD of Epidemiology Biostatistics, AIEOP"));
        assert!(!is_collective("van der Berg, Jan"));
        assert!(!is_collective("Jane Q Doe"));
        assert_eq!(split_name("van der Berg, Jan"), ("van der Berg", "Jan"));
        assert_eq!(split_name("Jane Q Doe"), ("Doe", "Jane Q"));
        assert_eq!(split_name("Plato"), ("Plato", ""));
    }

    #[test]
    fn control_characters_become_spaces_and_unreferenced_affiliations_are_dropped() {
        let record = Record {
            id: "2".into(),
            pmid: Some("2".into()),
            title: "Bell\u{7}and\u{0}null".into(),
            authors: vec![Author {
                name: "Ann Example".into(),
                affiliations: vec![2],
            }],
            affiliations: vec!["Unused.".into(), "Used.".into()],
            ..Record::default()
        };
        let parsed = round_trip(&[record]);
        assert_eq!(parsed[0].title, "Bell and null");
        assert_eq!(parsed[0].affiliations, ["Used."]);
        assert_eq!(parsed[0].authors[0].affiliations, [1]);
    }

    #[test]
    fn labels_are_upper_case_prefixes_with_text() {
        assert_eq!(
            split_label("CASE PRESENTATION: A woman."),
            Some(("CASE PRESENTATION", "A woman."))
        );
        assert_eq!(split_label("Conclusion: mixed case."), None);
        assert_eq!(split_label("RESULTS: "), None);
        assert_eq!(split_label("No label here."), None);
    }
}
