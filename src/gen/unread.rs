//! The parts of a real PubMed record that medlit never reads: the reference list, the comment
//! and correction links, the history dates, the grants and the completion and revision
//! dates. They are a third of a real record's bytes, and the parser has to step over them,
//! so a generated corpus without them would be half the size of a real one for the same
//! records and would make ingest look faster than it is on real files.
//!
//! Their shapes are learned from the raw XML of a PubMed sample ([`scan_pubmed_xml`]: how
//! many references, how long their citations, which identifiers they carry; which comment
//! types, history statuses and grant agencies, and how often), and [`UnreadModel::render`]
//! writes them for a generated record. Their contents are made up from the rest of the
//! model (citations from its names, title words and journals), never copied from the sample.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::model::{count, ratio, Model, MAX_VALUES};
use super::random::{Rng, Weighted};
use crate::export::pubmed_xml::{escape_into, UnreadXml};
use crate::formats::pubmed_xml::attribute;
use crate::record::Record;

/// The unread parts of one sample record, as [`scan_pubmed_xml`] finds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UnreadParts {
    pub(crate) references: Vec<ReferenceShape>,
    /// `RefType` of each `CommentsCorrections`.
    pub(crate) comments: Vec<Box<str>>,
    /// `PubStatus` of each `History/PubMedPubDate`, in order.
    pub(crate) history: Vec<Box<str>>,
    pub(crate) grants: Vec<Grant>,
    pub(crate) completed: bool,
    pub(crate) revised: bool,
}

/// One `ReferenceList/Reference`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ReferenceShape {
    /// Words of its `Citation`.
    pub(crate) citation_words: u32,
    /// `IdType` of each of its `ArticleId`s, in order.
    pub(crate) ids: Vec<Box<str>>,
}

/// One `GrantList/Grant` without its number.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Grant {
    pub(crate) acronym: Option<Box<str>>,
    pub(crate) agency: Option<Box<str>>,
    pub(crate) country: Option<Box<str>>,
}

/// Finds the unread parts of each `PubmedArticle` of a PubMed XML stream and passes them to
/// `each`. Returns the number of records scanned; the scan ends at the first XML that is not
/// well-formed (the records themselves are read, and their errors reported, by the parser).
pub(crate) fn scan_pubmed_xml(reader: impl BufRead, mut each: impl FnMut(UnreadParts)) -> u64 {
    let mut reader = Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut parts = UnreadParts::default();
    let mut records = 0;
    loop {
        buf.clear();
        let Ok(event) = reader.read_event_into(&mut buf) else {
            return records;
        };
        match event {
            Event::Start(start) => {
                parts.start(&path, &start);
                path.push(start.local_name().as_ref().to_vec());
            }
            Event::Empty(start) => parts.start(&path, &start),
            Event::End(_) => {
                let closed = path.pop();
                if closed.as_deref() == Some(b"PubmedArticle".as_slice()) {
                    records += 1;
                    each(std::mem::take(&mut parts));
                }
            }
            Event::Text(text) => {
                if let Ok(text) = text.unescape() {
                    parts.text(&path, &text);
                }
            }
            Event::Eof => return records,
            _ => {}
        }
    }
}

impl UnreadParts {
    /// An element opens under `path`.
    fn start(&mut self, path: &[Vec<u8>], element: &BytesStart) {
        let parent = path.last().map_or(&[][..], Vec::as_slice);
        let grandparent = path.len().checked_sub(2).map_or(&[][..], |i| &path[i][..]);
        match (grandparent, parent, element.local_name().as_ref()) {
            (_, b"ReferenceList", b"Reference") => self.references.push(ReferenceShape::default()),
            (b"Reference", b"ArticleIdList", b"ArticleId") => {
                if let Some(reference) = self.references.last_mut() {
                    reference.ids.push(attribute_value(element, b"IdType"));
                }
            }
            (_, b"CommentsCorrectionsList", b"CommentsCorrections") => {
                self.comments.push(attribute_value(element, b"RefType"));
            }
            (_, b"History", b"PubMedPubDate") => {
                self.history.push(attribute_value(element, b"PubStatus"))
            }
            (_, b"GrantList", b"Grant") => self.grants.push(Grant::default()),
            (_, b"MedlineCitation", b"DateCompleted") => self.completed = true,
            (_, b"MedlineCitation", b"DateRevised") => self.revised = true,
            _ => {}
        }
    }

    /// Text inside the element at the end of `path`.
    fn text(&mut self, path: &[Vec<u8>], text: &str) {
        let Some((name, above)) = path.split_last() else {
            return;
        };
        let parent = above.last().map_or(&[][..], Vec::as_slice);
        let value = || Some(text.trim()).filter(|v| !v.is_empty()).map(Box::from);
        match (parent, name.as_slice()) {
            (b"Reference", b"Citation") => {
                if let Some(reference) = self.references.last_mut() {
                    reference.citation_words += text.split_whitespace().count() as u32;
                }
            }
            (b"Grant", b"Acronym") => self.grant_field(|grant| grant.acronym = value()),
            (b"Grant", b"Agency") => self.grant_field(|grant| grant.agency = value()),
            (b"Grant", b"Country") => self.grant_field(|grant| grant.country = value()),
            _ => {}
        }
    }

    fn grant_field(&mut self, set: impl FnOnce(&mut Grant)) {
        if let Some(grant) = self.grants.last_mut() {
            set(grant);
        }
    }
}

/// The value of attribute `name`, trimmed; empty when absent.
fn attribute_value(element: &BytesStart, name: &[u8]) -> Box<str> {
    attribute(element, name).map_or_else(Box::default, |value| Box::from(value.trim()))
}

/// Learns an [`UnreadModel`] one sample record at a time.
#[derive(Debug, Default)]
pub(crate) struct UnreadBuilder {
    records: u64,
    reference_counts: HashMap<u32, u64>,
    citation_lengths: HashMap<u32, u64>,
    reference_ids: HashMap<Vec<Box<str>>, u64>,
    comment_counts: HashMap<u32, u64>,
    comment_types: HashMap<Box<str>, u64>,
    histories: HashMap<Vec<Box<str>>, u64>,
    grant_counts: HashMap<u32, u64>,
    grants: HashMap<Grant, u64>,
    completed: u64,
    revised: u64,
}

impl UnreadBuilder {
    /// Learns from the unread parts of one record.
    pub(crate) fn add(&mut self, parts: UnreadParts) {
        self.records += 1;
        count(&mut self.reference_counts, parts.references.len() as u32);
        for reference in parts.references {
            count(&mut self.citation_lengths, reference.citation_words);
            count(&mut self.reference_ids, reference.ids);
        }
        count(&mut self.comment_counts, parts.comments.len() as u32);
        for kind in parts.comments.into_iter().filter(|k| is_name(k)) {
            count(&mut self.comment_types, kind);
        }
        // Records without a history count too: they draw an empty one.
        if parts.history.iter().all(|s| is_name(s)) {
            count(&mut self.histories, parts.history);
        }
        count(&mut self.grant_counts, parts.grants.len() as u32);
        for grant in parts.grants {
            count(&mut self.grants, grant);
        }
        self.completed += u64::from(parts.completed);
        self.revised += u64::from(parts.revised);
    }

    /// The model; empty (nothing is rendered) when no record was scanned.
    pub(crate) fn build(self) -> UnreadModel {
        let lengths = |counts: HashMap<u32, u64>| Weighted::from_counts(counts, usize::MAX).0;
        let rate = |part: u64| ratio(part, self.records);
        let references: u64 = self
            .reference_counts
            .iter()
            .map(|(&n, &records)| u64::from(n) * records)
            .sum();
        UnreadModel {
            records: self.records,
            mean_references: rate(references),
            completed_rate: rate(self.completed),
            revised_rate: rate(self.revised),
            reference_counts: lengths(self.reference_counts),
            citation_lengths: lengths(self.citation_lengths),
            reference_ids: Weighted::from_counts(self.reference_ids, MAX_VALUES).0,
            comment_counts: lengths(self.comment_counts),
            comment_types: Weighted::from_counts(self.comment_types, MAX_VALUES).0,
            histories: Weighted::from_counts(self.histories, MAX_VALUES).0,
            grant_counts: lengths(self.grant_counts),
            grants: Weighted::from_counts(self.grants, MAX_VALUES).0,
        }
    }
}

/// A comment type or history status that can be written as an attribute as it is.
fn is_name(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the generator learned about the unread parts of real records.
#[derive(Debug, Default)]
pub(crate) struct UnreadModel {
    /// Sample records scanned: 0 for a sample that is not PubMed XML, and then no record
    /// gets unread parts.
    pub(crate) records: u64,
    /// References per sample record.
    pub(crate) mean_references: f64,
    reference_counts: Weighted<u32>,
    citation_lengths: Weighted<u32>,
    reference_ids: Weighted<Vec<Box<str>>>,
    comment_counts: Weighted<u32>,
    comment_types: Weighted<Box<str>>,
    histories: Weighted<Vec<Box<str>>>,
    grant_counts: Weighted<u32>,
    grants: Weighted<Grant>,
    completed_rate: f64,
    revised_rate: f64,
}

/// Month abbreviations of PubMed's citations.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Words of a citation's source part (`J Clin Oncol. 2004 Mar;22(5):812-9`).
const SOURCE_WORDS: u32 = 5;

/// A year for dates when the record has none.
const DEFAULT_YEAR: u16 = 2010;

impl UnreadModel {
    /// The unread parts of `record`, drawn from `rng`; all empty when the model learned none.
    pub(crate) fn render(&self, model: &Model, rng: &mut Rng, record: &Record) -> UnreadXml {
        let mut xml = UnreadXml::default();
        if self.records == 0 {
            return xml;
        }
        let year = record.year.unwrap_or(DEFAULT_YEAR);
        if rng.chance(self.completed_rate) {
            date(&mut xml.dates, 4, "DateCompleted", year, rng);
        }
        if rng.chance(self.revised_rate) {
            date(
                &mut xml.dates,
                4,
                "DateRevised",
                year.saturating_add(rng.below(8) as u16),
                rng,
            );
        }
        self.grants(&mut xml.grants, rng);
        self.comments(&mut xml.comments, model, rng);
        self.history(&mut xml.history, year, rng);
        self.references(&mut xml.references, model, rng);
        xml
    }

    fn grants(&self, out: &mut String, rng: &mut Rng) {
        let count = self.grant_counts.count(rng);
        if count == 0 {
            return;
        }
        out.push_str("      <GrantList CompleteYN=\"Y\">\n");
        for _ in 0..count {
            let Some(grant) = self.grants.sample(rng) else {
                break;
            };
            out.push_str("        <Grant>\n");
            let number = format!("R01 {:02}{:06}", rng.below(100), rng.below(1_000_000));
            leaf(out, 10, "GrantID", &number);
            let fields = [
                ("Acronym", &grant.acronym),
                ("Agency", &grant.agency),
                ("Country", &grant.country),
            ];
            for (name, value) in fields {
                if let Some(value) = value {
                    leaf(out, 10, name, value);
                }
            }
            out.push_str("        </Grant>\n");
        }
        out.push_str("      </GrantList>\n");
    }

    fn comments(&self, out: &mut String, model: &Model, rng: &mut Rng) {
        let count = self.comment_counts.count(rng);
        if count == 0 {
            return;
        }
        out.push_str("    <CommentsCorrectionsList>\n");
        for _ in 0..count {
            let kind = self.comment_types.sample(rng).map_or("Cites", |k| k);
            let _ = writeln!(out, "      <CommentsCorrections RefType=\"{kind}\">");
            let mut source = String::new();
            citation_source(&mut source, model, rng);
            leaf(out, 8, "RefSource", &source);
            let _ = writeln!(out, "        <PMID Version=\"1\">{}</PMID>", pmid(rng));
            out.push_str("      </CommentsCorrections>\n");
        }
        out.push_str("    </CommentsCorrectionsList>\n");
    }

    fn history(&self, out: &mut String, year: u16, rng: &mut Rng) {
        let statuses = match self.histories.sample(rng) {
            Some(statuses) if !statuses.is_empty() => statuses,
            _ => return,
        };
        out.push_str("    <History>\n");
        for status in statuses {
            let _ = writeln!(out, "      <PubMedPubDate PubStatus=\"{status}\">");
            let _ = writeln!(out, "        <Year>{year}</Year>");
            let _ = writeln!(out, "        <Month>{}</Month>", 1 + rng.below(12));
            let _ = writeln!(out, "        <Day>{}</Day>", 1 + rng.below(28));
            if matches!(&**status, "entrez" | "pubmed" | "medline") {
                let _ = writeln!(out, "        <Hour>{}</Hour>", rng.below(24));
                let _ = writeln!(out, "        <Minute>{}</Minute>", rng.below(60));
            }
            out.push_str("      </PubMedPubDate>\n");
        }
        out.push_str("    </History>\n");
    }

    fn references(&self, out: &mut String, model: &Model, rng: &mut Rng) {
        let count = self.reference_counts.count(rng);
        if count == 0 {
            return;
        }
        out.push_str("    <ReferenceList>\n");
        let mut citation = String::new();
        for _ in 0..count {
            citation.clear();
            let words = self.citation_lengths.count(rng);
            write_citation(&mut citation, model, rng, words);
            out.push_str("      <Reference>\n");
            leaf(out, 8, "Citation", &citation);
            let ids = self
                .reference_ids
                .sample(rng)
                .map_or(&[][..], Vec::as_slice);
            if !ids.is_empty() {
                out.push_str("        <ArticleIdList>\n");
                for kind in ids {
                    out.push_str("          <ArticleId IdType=\"");
                    escape_into(out, kind);
                    let _ = writeln!(out, "\">{}</ArticleId>", article_id(kind, rng));
                }
                out.push_str("        </ArticleIdList>\n");
            }
            out.push_str("      </Reference>\n");
        }
        out.push_str("    </ReferenceList>\n");
    }
}

/// A citation of about `words` words: authors, a title from the title vocabulary and the
/// source (`Ann Hematol. 2011 May;90(5):581-7`), as PubMed writes reference citations. Short
/// citations are the source alone.
fn write_citation(out: &mut String, model: &Model, rng: &mut Rng, words: u32) {
    let mut left = words.saturating_sub(SOURCE_WORDS);
    if left >= 4 {
        let authors = (left / 4).clamp(1, 6);
        for index in 0..authors {
            if index > 0 {
                out.push_str(", ");
            }
            let last = model.last_names.sample(rng).map_or("Smith", |n| n);
            out.push_str(last);
            out.push(' ');
            out.push(char::from(b'A' + rng.below(26) as u8));
            if rng.chance(0.5) {
                out.push(char::from(b'A' + rng.below(26) as u8));
            }
        }
        out.push_str(". ");
        left -= 2 * authors;
        for index in 0..left {
            if index > 0 {
                out.push(' ');
            }
            model.title_words.push(rng, out);
        }
        out.push_str(". ");
    }
    citation_source(out, model, rng);
}

/// A citation's source: journal abbreviation, date, volume, issue and pages.
fn citation_source(out: &mut String, model: &Model, rng: &mut Rng) {
    let journal = match model.journals.sample(rng) {
        Some(Some(journal)) => journal.iso.as_deref().unwrap_or(&journal.title),
        _ => "J Med",
    };
    let first = 1 + rng.below(2_000);
    let _ = write!(
        out,
        "{journal}. {} {};{}({}):{first}-{}",
        1960 + rng.below(65),
        MONTHS[rng.below(12) as usize],
        1 + rng.below(120),
        1 + rng.below(12),
        first + 1 + rng.below(20),
    );
}

/// An identifier of the kind `kind` (`pubmed`, `doi`, `pmc`, …).
fn article_id(kind: &str, rng: &mut Rng) -> String {
    match kind {
        "pubmed" => pmid(rng).to_string(),
        "pmc" => format!("PMC{}", 1_000_000 + rng.below(9_000_000)),
        "doi" => format!("10.5555/ref.{}", rng.below(100_000_000)),
        _ => rng.below(100_000_000).to_string(),
    }
}

/// A PMID of a cited article.
fn pmid(rng: &mut Rng) -> u64 {
    100_000 + rng.below(39_000_000)
}

/// A date element (`<DateCompleted>` and its kin) at `indent`.
fn date(out: &mut String, indent: usize, name: &str, year: u16, rng: &mut Rng) {
    let _ = writeln!(
        out,
        "{:indent$}<{name}><Year>{year}</Year><Month>{:02}</Month><Day>{:02}</Day></{name}>",
        "",
        1 + rng.below(12),
        1 + rng.below(28),
    );
}

/// `<name>text</name>` on its own line at `indent`, the text escaped.
fn leaf(out: &mut String, indent: usize, name: &str, text: &str) {
    let _ = write!(out, "{:indent$}<{name}>", "");
    escape_into(out, text);
    let _ = writeln!(out, "</{name}>");
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedArticle>
  <MedlineCitation Status="MEDLINE">
    <PMID Version="1">1</PMID>
    <DateCompleted><Year>2010</Year></DateCompleted>
    <Article>
      <ArticleTitle>One</ArticleTitle>
      <GrantList CompleteYN="Y">
        <Grant><GrantID>R01 1</GrantID><Acronym>DC</Acronym><Agency>NIDCD NIH HHS</Agency><Country>United States</Country></Grant>
      </GrantList>
    </Article>
    <CommentsCorrectionsList>
      <CommentsCorrections RefType="CommentIn"><RefSource>Blood. 2001</RefSource></CommentsCorrections>
      <CommentsCorrections RefType="Cites"><RefSource>Blood. 2002</RefSource></CommentsCorrections>
    </CommentsCorrectionsList>
  </MedlineCitation>
  <PubmedData>
    <History>
      <PubMedPubDate PubStatus="received"><Year>2009</Year></PubMedPubDate>
      <PubMedPubDate PubStatus="pubmed"><Year>2010</Year></PubMedPubDate>
    </History>
    <ArticleIdList><ArticleId IdType="pubmed">1</ArticleId></ArticleIdList>
    <ReferenceList>
      <Reference><Citation>Smith J, Doe A. A title &amp; more. Blood. 2001;1:2-3</Citation>
        <ArticleIdList><ArticleId IdType="doi">10.1/x</ArticleId><ArticleId IdType="pubmed">5</ArticleId></ArticleIdList>
      </Reference>
      <Reference><Citation>Lancet. 1999</Citation></Reference>
    </ReferenceList>
  </PubmedData>
</PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="1">2</PMID><DateRevised/></MedlineCitation></PubmedArticle>
</PubmedArticleSet>
"#;

    fn scanned(xml: &str) -> (u64, Vec<UnreadParts>) {
        let mut parts = Vec::new();
        let records = scan_pubmed_xml(xml.as_bytes(), |p| parts.push(p));
        (records, parts)
    }

    fn names(values: &[&str]) -> Vec<Box<str>> {
        values.iter().map(|&v| Box::from(v)).collect()
    }

    #[test]
    fn the_scan_finds_each_record_s_unread_parts() {
        let (records, parts) = scanned(SAMPLE);
        assert_eq!(records, 2);
        let first = &parts[0];
        assert_eq!(
            first.references,
            vec![
                ReferenceShape {
                    // `Smith J, Doe A. A title & more. Blood. 2001;1:2-3`
                    citation_words: 10,
                    ids: names(&["doi", "pubmed"]),
                },
                ReferenceShape {
                    citation_words: 2,
                    ids: Vec::new(),
                },
            ]
        );
        assert_eq!(first.comments, names(&["CommentIn", "Cites"]));
        assert_eq!(first.history, names(&["received", "pubmed"]));
        assert_eq!(
            first.grants,
            vec![Grant {
                acronym: Some("DC".into()),
                agency: Some("NIDCD NIH HHS".into()),
                country: Some("United States".into()),
            }]
        );
        assert!(first.completed && !first.revised);
        let second = &parts[1];
        assert!(second.references.is_empty() && second.history.is_empty());
        assert!(second.revised && !second.completed);
    }

    #[test]
    fn the_scan_stops_at_malformed_xml_and_keeps_what_it_found() {
        let broken = SAMPLE.replace(
            "<PubmedArticle><MedlineCitation>",
            "<PubmedArticle><Medline>",
        );
        let (records, parts) = scanned(&broken);
        assert_eq!(records, 1);
        assert_eq!(parts[0].references.len(), 2);
    }

    #[test]
    fn rendered_parts_have_the_sample_s_shapes_and_parse_as_xml() {
        let mut builder = UnreadBuilder::default();
        scan_pubmed_xml(SAMPLE.as_bytes(), |p| builder.add(p));
        let unread = builder.build();
        let model = Model::learn(crate::gen::builtin_sample()).expect("learns");
        let record = Record {
            year: Some(2015),
            ..Record::default()
        };
        let mut references = Vec::new();
        let mut histories = Vec::new();
        for index in 0..400 {
            let xml = unread.render(&model, &mut Rng::for_record(3, index), &record);
            references.push(xml.references.matches("<Reference>").count());
            histories.push(xml.history.matches("<PubMedPubDate").count());
            for part in [
                &xml.dates,
                &xml.grants,
                &xml.comments,
                &xml.history,
                &xml.references,
            ] {
                let mut reader = Reader::from_str(part);
                reader.config_mut().check_end_names = true;
                loop {
                    match reader.read_event() {
                        Ok(Event::Eof) => break,
                        Ok(_) => {}
                        Err(error) => panic!("{error} in {part}"),
                    }
                }
            }
            if !xml.history.is_empty() {
                assert!(xml.history.contains("<Year>2015</Year>"), "{}", xml.history);
            }
        }
        // Half the sample's records have two references and half none; one has a history.
        let with = references.iter().filter(|&&n| n > 0).count();
        assert!((140..260).contains(&with), "{with} of 400 with references");
        assert!(references.iter().all(|&n| n == 0 || n == 2));
        assert!(histories.iter().all(|&n| n == 0 || n == 2));
        assert!(histories.contains(&0) && histories.contains(&2));
        assert_eq!(unread.mean_references, 1.0);
    }

    #[test]
    fn a_model_that_learned_nothing_renders_nothing() {
        let model = Model::learn(crate::gen::builtin_sample()).expect("learns");
        let unread = UnreadBuilder::default().build();
        let xml = unread.render(&model, &mut Rng::new(1), &Record::default());
        assert_eq!(xml, UnreadXml::default());
    }
}
