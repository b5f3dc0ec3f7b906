//! PubMed XML: `PubmedArticleSet` files as PubMed's "Save as XML" and the annual baseline
//! and daily update files write them, and the older `MedlineCitationSet` distribution files.
//!
//! The stream is never parsed as one document. [`PubmedXmlReader`] finds each record's bytes
//! (`<PubmedArticle>…</PubmedArticle>`, `<PubmedBookArticle>…`, a bare `<MedlineCitation>…`
//! or a `<DeleteCitation>…`) with a substring search, holding at most one record plus one read
//! block in memory (or, over a chunk already in memory, reading it where it lies), and
//! parses each record on its own with a lean reader of its markup (the `tokens` module;
//! quick-xml reads the few attributes medlit needs). So a file of any size
//! is read in bounded memory, a malformed record is reported and skipped while the records
//! around it are kept, and [`last_record_end`] lets the ingester cut a huge file into chunks
//! that rayon parses in parallel. DOCTYPE declarations are skipped, never expanded: an entity
//! other than XML's five and character references stays as written (`&foo;`).
//!
//! | PubMed XML | medlit |
//! |---|---|
//! | `MedlineCitation/PMID` | `pmid` (and `id`) |
//! | `Article/ArticleTitle` (`BookDocument/ArticleTitle` or `BookTitle`) | `title` |
//! | `Abstract/AbstractText` (with `Label`) | `abstract` (`LABEL: text`, one paragraph per section) |
//! | `Author`: `ForeName`+`LastName` (or `Initials`), `CollectiveName` | `authors[].name` |
//! | `Author/AffiliationInfo/Affiliation`, old `Author/Affiliation`, `Article/Affiliation` | `affiliations`, `authors[].affiliations` |
//! | `Journal/Title`, `Journal/ISOAbbreviation` | `journal`, `journal_iso` |
//! | `PubDate/Year`, else the year in `PubDate/MedlineDate` | `year` |
//! | `JournalIssue/Volume`, `Issue`, `Pagination/MedlinePgn` (or `StartPage-EndPage`) | `volume`, `issue`, `pages` |
//! | `Language` (ISO 639-2 code, first one) | `language` (English name) |
//! | `PublicationType` | `publication_types` |
//! | `MeshHeading`: `DescriptorName` (`UI`, `MajorTopicYN`), `QualifierName` (`MajorTopicYN`) | `mesh` |
//! | `Keyword` | `keywords` |
//! | `PubmedData/ArticleIdList/ArticleId[@IdType=doi]`, else `ELocationID[@EIdType=doi]` | `doi` |
//! | `ArticleId[@IdType=pmc]` | `pmc` |
//! | `MedlineJournalInfo/Country` | `country` |
//! | `ChemicalList/Chemical/NameOfSubstance` | `chemicals` (fed to the therapy pass) |
//! | `DeleteCitation/PMID` | deletes those PMIDs from the index |
//!
//! Inline markup in titles and abstracts (`<i>`, `<b>`, `<u>`, `<sub>`, `<sup>`, MathML)
//! becomes plain text: `CO<sub>2</sub>` reads `CO2`, `CD4<sup>+</sup>` reads `CD4+` and
//! `10<sup>9</sup>` reads `10^9`. Subtrees medlit never reads (the reference list, the
//! history dates, …: see `is_unread_subtree`) are stepped over to their end tag; the markup
//! inside them is not checked.

use std::borrow::Cow;
use std::io::BufRead;
use std::sync::LazyLock;

use memchr::arch::all::packedpair::HeuristicFrequencyRank;
use memchr::memmem::{self, Finder, FinderBuilder};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::BytesStart;

use super::{language_name, Location, ParseError, Parsed};
use crate::record::{Author, MeshHeading, MeshQualifier, Record};

mod tokens;

use tokens::{Malformed, Token, Tokens};

/// A record larger than this is reported and skipped.
pub const MAX_RECORD_BYTES: usize = 32 << 20;
/// Elements nested deeper than this make a record invalid (no real record comes close).
pub const MAX_DEPTH: usize = 64;
/// How much is read from the stream at a time.
const BLOCK_BYTES: usize = 1 << 20;

/// Record elements, as they open (the byte after the name must end the name).
const RECORD_TAGS: [&[u8]; 4] = [
    b"PubmedArticle",
    b"PubmedBookArticle",
    b"MedlineCitation",
    b"DeleteCitation",
];

/// A searcher for the closing tag of each of [`RECORD_TAGS`], built once.
static RECORD_ENDS: LazyLock<[Finder<'static>; 4]> = LazyLock::new(|| {
    RECORD_TAGS.map(|tag| {
        let closing = [b"</", tag, b">"].concat();
        FinderBuilder::new().build_forward_with_ranker_owned(MarkupIsCommon, closing)
    })
});

/// How common a byte is in XML, for the substring search that finds a record's end: it scans
/// for two of the needle's bytes at once and checks every place where both are. memchr's own
/// ranks come from prose and code, where `<` and `>` are rare, so for `</PubmedArticle>` it
/// scanned for those two, which in markup are the commonest bytes of all; the capitals of
/// element names (`P`, `A`) are rare. The search then takes a fifth fewer instructions
/// (callgrind, 2,129 real-size records). Its time (6% of parsing) hardly moved: it is the
/// first read of the record's bytes from memory, which the parse would otherwise pay.
struct MarkupIsCommon;

impl HeuristicFrequencyRank for MarkupIsCommon {
    fn rank(&self, byte: u8) -> u8 {
        match byte {
            b'<' | b'>' | b'/' | b'"' | b'=' => 255,
            _ if byte.is_ascii_whitespace() => 255,
            b'a'..=b'z' => 250,
            b'0'..=b'9' => 200,
            b'A'..=b'Z' => 150,
            _ => 100,
        }
    }
}

/// True when `head` looks like PubMed XML.
pub fn looks_like(head: &str) -> bool {
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with('<')
        && ["<PubmedArticle", "<MedlineCitation", "<DeleteCitation"]
            .iter()
            .any(|tag| head.contains(tag))
}

/// Where one record's bytes are in a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    /// End of the closing tag, or `None` when the buffer ends first.
    end: Option<usize>,
}

/// Finds the next record element starting at or after `from`.
/// In a file of `PubmedArticle`s (`wrapped`), a `<MedlineCitation>` is part of one and never
/// starts a record.
fn next_record(buf: &[u8], from: usize, wrapped: bool) -> Option<Span> {
    let mut search = from;
    loop {
        let lt = search + memchr::memchr(b'<', &buf[search..])?;
        let rest = &buf[lt + 1..];
        let found = RECORD_TAGS.iter().position(|tag| {
            !(wrapped && tag.starts_with(b"MedlineCitation"))
                && rest.starts_with(tag)
                && rest
                    .get(tag.len())
                    .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
        });
        let Some(tag) = found else {
            search = lt + 1;
            continue;
        };
        let closing = &RECORD_ENDS[tag];
        let end = closing
            .find(&buf[lt..])
            .map(|i| lt + i + closing.needle().len());
        let end = end.or_else(|| self_closing_end(buf, lt));
        return Some(Span { start: lt, end });
    }
}

/// True when `record` starts with a `PubmedArticle` or `PubmedBookArticle` tag.
fn is_wrapper(record: &[u8]) -> bool {
    record.starts_with(b"<PubmedArticle") || record.starts_with(b"<PubmedBookArticle")
}

/// The end of `<Tag …/>` starting at `start`, if the tag is self-closing.
fn self_closing_end(buf: &[u8], start: usize) -> Option<usize> {
    let gt = start + memchr::memchr(b'>', &buf[start..])?;
    (buf[gt - 1] == b'/').then_some(gt + 1)
}

/// The end of the last complete record in `buf`: where a chunk of whole records can be cut.
/// A `</MedlineCitation>` ends a record only in files without `PubmedArticle` wrappers
/// (`MedlineCitationSet`): inside a `PubmedArticle` it is followed by `PubmedData`.
pub fn last_record_end(buf: &[u8]) -> Option<usize> {
    let wrapped = last_end_of(
        buf,
        &[b"PubmedArticle", b"PubmedBookArticle", b"DeleteCitation"],
    );
    if wrapped.is_some() || memmem::find(buf, b"<PubmedArticle").is_some() {
        return wrapped;
    }
    last_end_of(buf, &[b"MedlineCitation"])
}

/// The end of the last closing tag of any of `tags` in `buf`. Each tag after the first is
/// only looked for after the best end found so far, so tags that never occur (most files
/// have no `PubmedBookArticle`) do not cost a backward scan of the whole buffer.
fn last_end_of(buf: &[u8], tags: &[&[u8]]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for tag in tags {
        let mut closing = Vec::with_capacity(tag.len() + 3);
        closing.extend_from_slice(b"</");
        closing.extend_from_slice(tag);
        closing.push(b'>');
        let from = best.unwrap_or(0);
        if let Some(at) = memmem::rfind(&buf[from..], &closing) {
            best = Some(from + at + closing.len());
        }
    }
    best
}

/// Streaming reader of PubMed XML, or reader of records already in memory
/// ([`PubmedXmlReader::over_bytes`], for ingest's chunks, which are then parsed in place).
pub struct PubmedXmlReader<'a, R> {
    reader: R,
    /// Read from `reader` (owned), or the whole input (borrowed).
    buffer: Cow<'a, [u8]>,
    /// Position in `buffer` where the search for the next record resumes.
    cursor: usize,
    /// Stream offset of `buffer[0]`.
    offset: u64,
    /// Newlines in the stream before `buffer[0]`, and in `buffer[..counted_to]`.
    lines_before: u64,
    counted_to: usize,
    records: u64,
    eof: bool,
    failed: bool,
    /// The encoding named by the XML declaration, once the start has been read.
    encoding: Option<Encoding>,
    /// A `PubmedArticle` or `PubmedBookArticle` has been seen: a `MedlineCitation` met while
    /// looking for the next record (inside one too large to hold) is not a record of its own.
    wrapped: bool,
}

/// A reader's buffer is kept for the next reader on its thread up to this capacity.
const KEPT_BUFFER_BYTES: usize = 8 << 20;

thread_local! {
    /// The buffer of the last streaming reader dropped on this thread, for the next one: a
    /// run over many files then spares the kernel from zeroing fresh pages for each. (Ingest
    /// parses the chunks of a large file in place, with no buffer of the reader's own.)
    static SPARE_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<R> Drop for PubmedXmlReader<'_, R> {
    fn drop(&mut self) {
        let Cow::Owned(buffer) = &mut self.buffer else {
            return;
        };
        if buffer.capacity() <= KEPT_BUFFER_BYTES {
            let mut buffer = std::mem::take(buffer);
            buffer.clear();
            // Nothing to keep once the thread's locals are gone (a reader dropped at exit).
            let _ = SPARE_BUFFER.try_with(|spare| *spare.borrow_mut() = buffer);
        }
    }
}

/// The character encodings medlit reads XML in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (also the default when no declaration names one).
    Utf8,
    /// ISO-8859-1 / Latin-1 (windows-1252 is read as Latin-1).
    Latin1,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Latin1 => "ISO-8859-1",
        }
    }
}

/// The XML declaration (`<?xml … ?>`) at the start of `head`, if any.
pub fn declaration(head: &[u8]) -> Option<&[u8]> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &head[start..];
    if !rest.starts_with(b"<?xml") {
        return None;
    }
    let end = memmem::find(rest, b"?>")?;
    Some(&rest[..end + 2])
}

/// The encoding an XML declaration names; UTF-8 when it names none or one medlit does not
/// know (records with bytes that are not UTF-8 are then reported).
pub fn declared_encoding(head: &[u8]) -> Encoding {
    let Some(declaration) = declaration(head) else {
        return Encoding::Utf8;
    };
    let text = String::from_utf8_lossy(declaration).to_ascii_lowercase();
    let latin1 = [
        "iso-8859-1",
        "iso8859-1",
        "latin1",
        "latin-1",
        "windows-1252",
        "cp1252",
    ];
    if latin1.iter().any(|name| text.contains(name)) {
        Encoding::Latin1
    } else {
        Encoding::Utf8
    }
}

impl<'a> PubmedXmlReader<'a, std::io::Empty> {
    /// Reads the records of `bytes`, an input held in memory, where they lie: nothing is
    /// copied.
    pub fn over_bytes(bytes: &'a [u8]) -> Self {
        PubmedXmlReader {
            reader: std::io::empty(),
            buffer: Cow::Borrowed(bytes),
            cursor: 0,
            offset: 0,
            lines_before: 0,
            counted_to: 0,
            records: 0,
            eof: true,
            failed: false,
            encoding: None,
            wrapped: false,
        }
    }
}

impl<R: BufRead> PubmedXmlReader<'static, R> {
    /// Reads records from `reader`.
    pub fn new(reader: R) -> Self {
        PubmedXmlReader {
            reader,
            buffer: Cow::Owned(
                SPARE_BUFFER
                    .try_with(|spare| std::mem::take(&mut *spare.borrow_mut()))
                    .unwrap_or_default(),
            ),
            cursor: 0,
            offset: 0,
            lines_before: 0,
            counted_to: 0,
            records: 0,
            eof: false,
            failed: false,
            encoding: None,
            wrapped: false,
        }
    }
}

impl<R: BufRead> PubmedXmlReader<'_, R> {
    /// Reads one more block; returns false at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        // Drop what has been consumed before growing the buffer.
        if self.cursor > 0 {
            self.count_lines_to(self.cursor);
            self.buffer.to_mut().drain(..self.cursor);
            self.offset += self.cursor as u64;
            self.counted_to -= self.cursor;
            self.cursor = 0;
        }
        let available = self.reader.fill_buf()?;
        if available.is_empty() {
            self.eof = true;
            return Ok(false);
        }
        let take = available.len().min(BLOCK_BYTES);
        self.buffer.to_mut().extend_from_slice(&available[..take]);
        self.reader.consume(take);
        Ok(true)
    }

    fn count_lines_to(&mut self, position: usize) {
        if position > self.counted_to {
            let newlines =
                memchr::memchr_iter(b'\n', &self.buffer[self.counted_to..position]).count();
            self.lines_before += newlines as u64;
            self.counted_to = position;
        }
    }

    /// Location of byte `position` of the buffer.
    fn location(&mut self, position: usize) -> Location {
        self.count_lines_to(position);
        Location {
            record: Some(self.records),
            line: Some(self.lines_before + 1),
            byte: Some(self.offset + position as u64),
        }
    }

    fn error(&mut self, position: usize, reason: String) -> ParseError {
        ParseError {
            location: self.location(position),
            reason,
        }
    }
}

impl<R: BufRead> Iterator for PubmedXmlReader<'_, R> {
    type Item = Result<Parsed, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let found = next_record(&self.buffer, self.cursor, self.wrapped);
            if let Some(Span { start, .. }) = found {
                self.wrapped |= is_wrapper(&self.buffer[start..]);
            }
            match found {
                Some(Span {
                    start,
                    end: Some(end),
                }) => {
                    self.records += 1;
                    self.cursor = end;
                    let encoding = *self
                        .encoding
                        .get_or_insert_with(|| declared_encoding(&self.buffer));
                    let result = parse_record_in(&self.buffer[start..end], encoding);
                    return Some(result.map_err(|reason| self.error(start, reason)));
                }
                Some(Span { start, end: None }) if self.buffer.len() - start > MAX_RECORD_BYTES => {
                    self.records += 1;
                    let error = self.error(
                        start,
                        format!(
                            "record is larger than {} MiB or never closed",
                            MAX_RECORD_BYTES >> 20
                        ),
                    );
                    // Resume the search after this record's opening tag.
                    self.cursor = start + 1;
                    return Some(Err(error));
                }
                Some(Span { start, end: None }) if self.eof => {
                    self.records += 1;
                    self.cursor = self.buffer.len();
                    let error = self.error(
                        start,
                        "truncated record: the input ends before its closing tag".into(),
                    );
                    return Some(Err(error));
                }
                Some(Span { start, .. }) => {
                    // Keep the partial record, drop what lies before it.
                    self.count_lines_to(start);
                    self.cursor = start;
                }
                None => {
                    // Nothing but whitespace or markup outside records: keep a small tail in
                    // case a record's opening tag is split across blocks.
                    let keep_from = self.buffer.len().saturating_sub(32).max(self.cursor);
                    self.cursor = keep_from;
                    if self.eof {
                        return None;
                    }
                }
            }
            match self.fill() {
                Ok(true) => {}
                Ok(false)
                    if self.eof
                        && next_record(&self.buffer, self.cursor, self.wrapped).is_some() => {}
                Ok(false) => return None,
                Err(err) => {
                    self.failed = true;
                    let position = self.buffer.len();
                    return Some(Err(self.error(position, format!("read error: {err}"))));
                }
            }
        }
    }
}

/// Which field the text being read belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Pmid,
    DeletedPmid,
    Title,
    BookTitle,
    AbstractText,
    LastName,
    ForeName,
    Initials,
    CollectiveName,
    Affiliation,
    Journal,
    JournalIso,
    Volume,
    Issue,
    Year,
    MedlineDate,
    MedlinePgn,
    StartPage,
    EndPage,
    Language,
    PublicationType,
    Descriptor,
    Qualifier,
    Keyword,
    ArticleId,
    ElocationDoi,
    Country,
    Substance,
}

/// The kinds of `PubmedData/ArticleIdList/ArticleId` that medlit keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArticleIdType {
    Doi,
    Pmc,
}

/// Elements whose whole subtree medlit never reads: the parser steps over them to their end
/// tag without handling their contents (a third of a real PubMed record's bytes: the
/// reference list alone is a sixth). Only their end tag is looked for: what is malformed
/// inside them does not cost the record, as bytes that are not UTF-8 there do not.
fn is_unread_subtree(name: &[u8]) -> bool {
    matches!(
        name,
        b"ReferenceList"
            | b"History"
            | b"CommentsCorrectionsList"
            | b"GrantList"
            | b"InvestigatorList"
            | b"OtherAbstract"
            | b"DateCompleted"
            | b"DateRevised"
            | b"ArticleDate"
            | b"SupplMeshList"
            | b"GeneSymbolList"
            | b"PersonalNameSubjectList"
            | b"DataBankList"
    )
}

/// Elements that are markup inside text, not structure, by local name. MathML (`mml:math`
/// and its children) needs no entry: no element it holds opens a field, so its text joins
/// the field being read as the text of any unknown element inside it does.
fn is_inline(name: &[u8]) -> bool {
    matches!(
        name,
        b"i" | b"b" | b"u" | b"sub" | b"sup" | b"em" | b"strong"
    )
}

/// The state of one record being parsed.
#[derive(Default)]
struct RecordParser<'a> {
    record: Record,
    /// Element names from the record root down to the current element.
    path: ElementPath<'a>,
    target: Option<Target>,
    /// Depth of the element that opened `target`.
    target_depth: usize,
    /// The target's text while it is one unescaped piece of the record, as most are: it is
    /// then copied once, into the field, instead of into `text` first.
    piece: Option<&'a str>,
    /// The target's text once it has more pieces (or an escaped one).
    text: String,
    deleted: Vec<String>,
    is_delete: bool,
    // Per-element scratch.
    author: Option<PendingAuthor>,
    abstract_label: Option<String>,
    abstract_parts: Vec<String>,
    article_id_type: Option<ArticleIdType>,
    heading: Option<MeshHeading>,
    qualifier_major: bool,
    descriptor_major: bool,
    descriptor_ui: Option<String>,
    start_page: Option<String>,
    end_page: Option<String>,
    elocation_doi: Option<String>,
    medline_date_year: Option<u16>,
    book_title: Option<String>,
    article_affiliation: Option<String>,
    /// `<sup>` depth, for `10^9`.
    in_sup: bool,
}

/// Element names from a record's root down to the current element, as slices of the
/// record's bytes: entering an element copies no name and allocates nothing.
struct ElementPath<'a> {
    names: Vec<&'a [u8]>,
}

impl Default for ElementPath<'_> {
    /// Room for the usual depth of a PubMed record (`PubmedArticle`, `MedlineCitation`,
    /// `Article`, `AuthorList`, `Author`, `AffiliationInfo`, `Affiliation`: 7 levels), so
    /// that a record's path is allocated once rather than grown.
    fn default() -> Self {
        ElementPath {
            names: Vec::with_capacity(16),
        }
    }
}

impl<'a> ElementPath<'a> {
    fn len(&self) -> usize {
        self.names.len()
    }

    fn push(&mut self, name: &'a [u8]) {
        self.names.push(name);
    }

    fn pop(&mut self) {
        self.names.pop();
    }

    /// The name `levels` above the current element (0: the current element itself); empty
    /// above the root.
    fn up(&self, levels: usize) -> &'a [u8] {
        match self.names.len().checked_sub(levels + 1) {
            Some(i) => self.names[i],
            None => b"",
        }
    }
}

#[derive(Default)]
struct PendingAuthor {
    last: String,
    fore: String,
    initials: String,
    collective: String,
    affiliations: Vec<String>,
}

/// The error for bytes that are not UTF-8 at `position` of a record.
fn invalid_utf8(position: usize, encoding: Encoding) -> String {
    format!(
        "invalid UTF-8 at byte {position} of the record (the file declares {}, or nothing; is it Latin-1? declare encoding=\"ISO-8859-1\" or convert it with iconv -f latin1 -t utf-8)",
        encoding.name()
    )
}

/// Parses one UTF-8 record element (`<PubmedArticle>…</PubmedArticle>` and its kin).
pub fn parse_record(bytes: &[u8]) -> Result<Parsed, String> {
    parse_record_in(bytes, Encoding::Utf8)
}

/// Parses one record element in the given encoding. Bytes that are not valid in it, in a text
/// that medlit keeps, make the record invalid: a wrong encoding declaration costs the records
/// it garbles, not the file. Texts medlit does not read (the reference list, say) are never
/// decoded, so they cost nothing and cannot cost the record.
pub fn parse_record_in(bytes: &[u8], encoding: Encoding) -> Result<Parsed, String> {
    let transcoded: String;
    let bytes = match encoding {
        Encoding::Utf8 => bytes,
        Encoding::Latin1 => {
            transcoded = bytes.iter().map(|&b| char::from(b)).collect();
            transcoded.as_bytes()
        }
    };
    // One pass over the whole record usually settles that it is UTF-8; the texts medlit keeps
    // are then sliced from it without checking each again.
    let whole = simdutf8::basic::from_utf8(bytes).ok();
    let mut tokens = Tokens::new(bytes);
    let mut parser = RecordParser::default();
    while let Some(token) = tokens.next_token().map_err(malformed)? {
        match token {
            Token::Start {
                tag,
                name_len,
                empty,
            } => {
                let tag = StartTag::new(tag, name_len);
                if !empty && parser.target.is_none() && is_unread_subtree(tag.local_name) {
                    tokens.skip_element().map_err(malformed)?;
                } else {
                    parser.start(&tag)?;
                    if empty {
                        parser.end();
                    }
                }
            }
            Token::End { .. } => parser.end(),
            Token::Text { .. } if parser.target.is_none() => {}
            Token::Text { text, at, escaped } => {
                let checked = whole.and_then(|whole| whole.get(at..at + text.len()));
                let text = match checked {
                    Some(text) => text,
                    None => std::str::from_utf8(text)
                        .map_err(|err| invalid_utf8(at + err.valid_up_to(), encoding))?,
                };
                parser.text(text, escaped);
            }
            Token::CData(data) => parser.push_text(&String::from_utf8_lossy(data)),
        }
    }
    parser.finish()
}

/// The error for XML that is not well-formed.
fn malformed(error: Malformed) -> String {
    format!(
        "malformed XML at byte {} of the record: {}",
        error.at, error.reason
    )
}

/// A start tag: what lies between `<` and `>` (or `/>`), its name the first `name_len`
/// bytes.
struct StartTag<'a> {
    tag: &'a [u8],
    name_len: usize,
    /// The element's name without its namespace prefix, found once.
    local_name: &'a [u8],
}

impl<'a> StartTag<'a> {
    fn new(tag: &'a [u8], name_len: usize) -> Self {
        StartTag {
            tag,
            name_len,
            local_name: local_name(&tag[..name_len]),
        }
    }

    /// The value of attribute `key` (entities replaced).
    fn attribute(&self, key: &[u8]) -> Option<String> {
        match plain_attribute(self.tag, self.name_len, key) {
            Some(value) => value.map(str::to_owned),
            None => attribute(&self.element(), key),
        }
    }

    /// Whether attribute `key` has the value `expected`.
    fn attribute_is(&self, key: &[u8], expected: &[u8]) -> bool {
        self.attribute_among(key, &[expected]).is_some()
    }

    /// Which of `choices` attribute `key` has as its value.
    fn attribute_among(&self, key: &[u8], choices: &[&[u8]]) -> Option<usize> {
        match plain_attribute(self.tag, self.name_len, key) {
            Some(value) => choices
                .iter()
                .position(|c| Some(*c) == value.map(str::as_bytes)),
            None => attribute_among(&self.element(), key, choices),
        }
    }

    /// The tag for reading its attributes with quick-xml (bytes that are not UTF-8 become
    /// U+FFFD).
    fn element(&self) -> BytesStart<'a> {
        match String::from_utf8_lossy(self.tag) {
            Cow::Borrowed(tag) => BytesStart::from_content(tag, self.name_len),
            Cow::Owned(tag) => {
                let name_len = tag.find([' ', '\t', '\r', '\n']).unwrap_or(tag.len());
                BytesStart::from_content(tag, name_len)
            }
        }
    }
}

/// Attribute `key` of a tag in the plain form nearly every PubMed tag has: ASCII
/// `name="value"` pairs after white space, names without a prefix, values of printable
/// characters without `&` or `<`. `None` when the tag is not plain, for quick-xml to read;
/// else `Some` of the first value of `key`, if any. quick-xml reads plain tags the same way
/// (a unit test compares them), but building its reader and iterator for every tag with
/// attributes took 4% of parsing.
fn plain_attribute<'t>(tag: &'t [u8], name_len: usize, key: &[u8]) -> Option<Option<&'t str>> {
    let mut rest = tag.get(name_len..)?;
    loop {
        let spaces = run_of(rest, &PLAIN_SPACE);
        rest = &rest[spaces..];
        if rest.is_empty() {
            return Some(None);
        }
        let name = &rest[..run_of(rest, &PLAIN_NAME)];
        let quoted = rest[name.len()..].strip_prefix(b"=\"")?;
        let value = &quoted[..run_of(quoted, &PLAIN_VALUE)];
        if spaces == 0 || name.is_empty() || quoted.get(value.len()) != Some(&b'"') {
            return None;
        }
        if name == key {
            // quick-xml's reader would find this one first too.
            return Some(std::str::from_utf8(value).ok());
        }
        rest = &quoted[value.len() + 1..];
    }
}

/// A table of the bytes `b` for which `$is_in` holds.
macro_rules! byte_class {
    (|$b:ident| $is_in:expr) => {{
        let mut table = [false; 256];
        let mut index = 0;
        while index < 256 {
            let $b = index as u8;
            table[index] = $is_in;
            index += 1;
        }
        table
    }};
}

/// The bytes of [`plain_attribute`]'s tags: white space, name bytes (ASCII letters, digits,
/// `_`, `-`, `.`) and value bytes (printable ASCII but `"`, `&` and `<`).
const PLAIN_SPACE: [bool; 256] = byte_class!(|b| tokens::is_whitespace(b));
const PLAIN_NAME: [bool; 256] =
    byte_class!(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
const PLAIN_VALUE: [bool; 256] =
    byte_class!(|b| matches!(b, b' '..=b'~') && !matches!(b, b'"' | b'&' | b'<'));

/// How many bytes at the start of `bytes` are in `class`.
fn run_of(bytes: &[u8], class: &[bool; 256]) -> usize {
    bytes
        .iter()
        .position(|&b| !class[usize::from(b)])
        .unwrap_or(bytes.len())
}

/// `name` without its namespace prefix (`mml:math`: `math`). Names are short: a plain
/// search beats `memchr`'s call and set-up, which took 4% of parsing on every tag, and most
/// have no prefix, which two overlapping words settle without a loop (the loop was the
/// hottest line of parsing, 2% of its time).
fn local_name(name: &[u8]) -> &[u8] {
    if !has_colon(name) {
        return name;
    }
    match name.iter().position(|&b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// Whether `name` holds a `:`: for 4 to 16 bytes, from two overlapping loads (SWAR), as
/// `same_name` compares names.
fn has_colon(name: &[u8]) -> bool {
    let any_colon = |word: u64| tokens::bytes_equal(word, b':') != 0;
    let len = name.len();
    match (name.first_chunk::<8>(), name.last_chunk::<8>()) {
        (Some(first), Some(last)) if len <= 16 => {
            any_colon(u64::from_le_bytes(*first)) || any_colon(u64::from_le_bytes(*last))
        }
        _ => match (name.first_chunk::<4>(), name.last_chunk::<4>()) {
            (Some(first), Some(last)) if len < 8 => {
                any_colon(u64::from(u32::from_le_bytes(*first)))
                    || any_colon(u64::from(u32::from_le_bytes(*last)))
            }
            _ => name.contains(&b':'),
        },
    }
}

impl<'a> RecordParser<'a> {
    fn start(&mut self, tag: &StartTag<'a>) -> Result<(), String> {
        let name = tag.local_name;
        // Inline markup counts too: 10 million nested `<i>` would cost gigabytes of path.
        if self.path.len() >= MAX_DEPTH {
            return Err(format!("elements nested deeper than {MAX_DEPTH} levels"));
        }
        if self.target.is_some() && is_inline(name) {
            if name == b"sup" {
                self.in_sup = true;
            }
            self.path.push(name);
            return Ok(());
        }
        let parent = self.path.up(0);
        // The element's name first: most elements are none of these, and fail on it at once.
        let target = match (name, parent) {
            (b"DeleteCitation", b"") => {
                self.is_delete = true;
                None
            }
            (b"PMID", b"DeleteCitation") => Some(Target::DeletedPmid),
            (b"PMID", b"MedlineCitation") | (b"PMID", b"BookDocument") => Some(Target::Pmid),
            (b"ArticleTitle", b"Article") | (b"ArticleTitle", b"BookDocument") => {
                Some(Target::Title)
            }
            (b"BookTitle", b"Book") => Some(Target::BookTitle),
            (b"AbstractText", b"Abstract") => {
                self.abstract_label = tag.attribute(b"Label");
                Some(Target::AbstractText)
            }
            (b"Author", b"AuthorList") => {
                self.author = Some(PendingAuthor::default());
                None
            }
            (b"LastName", b"Author") => Some(Target::LastName),
            (b"ForeName", b"Author") | (b"FirstName", b"Author") => Some(Target::ForeName),
            (b"Initials", b"Author") => Some(Target::Initials),
            (b"CollectiveName", b"Author") => Some(Target::CollectiveName),
            (b"Affiliation", b"AffiliationInfo")
            | (b"Affiliation", b"Author")
            | (b"Affiliation", b"Article") => Some(Target::Affiliation),
            (b"Title", b"Journal") => Some(Target::Journal),
            (b"ISOAbbreviation", b"Journal") => Some(Target::JournalIso),
            (b"Volume", b"JournalIssue") | (b"Volume", b"Book") => Some(Target::Volume),
            (b"Issue", b"JournalIssue") => Some(Target::Issue),
            (b"Year", b"PubDate") => Some(Target::Year),
            (b"MedlineDate", b"PubDate") => Some(Target::MedlineDate),
            (b"MedlinePgn", b"Pagination") => Some(Target::MedlinePgn),
            (b"StartPage", b"Pagination") => Some(Target::StartPage),
            (b"EndPage", b"Pagination") => Some(Target::EndPage),
            (b"Language", b"Article") | (b"Language", b"BookDocument") => Some(Target::Language),
            (b"PublicationType", b"PublicationTypeList") => Some(Target::PublicationType),
            (b"DescriptorName", b"MeshHeading") => {
                self.descriptor_ui = tag.attribute(b"UI");
                self.descriptor_major = tag.attribute_is(b"MajorTopicYN", b"Y");
                Some(Target::Descriptor)
            }
            (b"QualifierName", b"MeshHeading") => {
                self.qualifier_major = tag.attribute_is(b"MajorTopicYN", b"Y");
                Some(Target::Qualifier)
            }
            (b"Keyword", b"KeywordList") => Some(Target::Keyword),
            (b"ArticleId", b"ArticleIdList") if self.in_pubmed_data_ids() => {
                self.article_id_type = match tag.attribute_among(b"IdType", &[b"doi", b"pmc"]) {
                    Some(0) => Some(ArticleIdType::Doi),
                    Some(_) => Some(ArticleIdType::Pmc),
                    None => None,
                };
                Some(Target::ArticleId)
            }
            (b"ELocationID", b"Article") => {
                let is_doi = tag.attribute_is(b"EIdType", b"doi");
                is_doi.then_some(Target::ElocationDoi)
            }
            (b"Country", b"MedlineJournalInfo") => Some(Target::Country),
            (b"NameOfSubstance", b"Chemical") => Some(Target::Substance),
            _ => None,
        };
        self.path.push(name);
        if let Some(target) = target {
            self.target = Some(target);
            self.target_depth = self.path.len();
            self.piece = None;
            self.text.clear();
        }
        Ok(())
    }

    /// `PubmedData/ArticleIdList`, not the id lists of cited references.
    fn in_pubmed_data_ids(&self) -> bool {
        self.path.up(1) == b"PubmedData"
    }

    /// Adds a text to the field being read, `escaped` when it holds a `&`; an entity other
    /// than XML's five and character references stays as written.
    fn text(&mut self, text: &'a str, escaped: bool) {
        if !escaped {
            self.push_piece(text);
        } else {
            let unescaped = quick_xml::escape::unescape(text).unwrap_or(Cow::Borrowed(text));
            self.push_text(&unescaped);
        }
    }

    /// Adds a piece of the record's text to the field being read: kept as a slice while it
    /// is the only one.
    fn push_piece(&mut self, piece: &'a str) {
        if self.target.is_some() && !self.in_sup && self.piece.is_none() && self.text.is_empty() {
            self.piece = Some(piece);
        } else {
            self.push_text(piece);
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.target.is_none() {
            return;
        }
        if let Some(piece) = self.piece.take() {
            self.text.push_str(piece);
        }
        if self.in_sup {
            let is_sign = matches!(text.trim(), "+" | "-" | "−" | "±");
            let after_alnum = self.text.chars().last().is_some_and(char::is_alphanumeric);
            if !is_sign && after_alnum {
                self.text.push('^');
            }
        }
        self.text.push_str(text);
    }

    /// Closes the current element: its name is the last of the path (the tokenizer checked
    /// that the end tag matches it).
    fn end(&mut self) {
        let name = self.path.up(0);
        if name == b"sup" {
            self.in_sup = false;
        }
        let ends_author = name == b"Author" && self.path.up(1) == b"AuthorList";
        let ends_heading = name == b"MeshHeading";
        let depth = self.path.len();
        if self.target.is_some() && depth == self.target_depth {
            if let Some(target) = self.target.take() {
                let text = match self.piece.take() {
                    Some(piece) => clean_text(piece),
                    None => clean_text(&self.text),
                };
                self.store(target, text);
            }
        }
        if ends_author {
            self.finish_author();
        } else if ends_heading {
            if let Some(heading) = self.heading.take() {
                self.record.mesh.push(heading);
            }
        }
        self.path.pop();
    }

    fn store(&mut self, target: Target, text: String) {
        let record = &mut self.record;
        match target {
            Target::Pmid => set_once(&mut record.pmid, text),
            Target::DeletedPmid => self.deleted.push(text),
            Target::Title => record.title = text,
            Target::BookTitle => self.book_title = Some(text),
            Target::AbstractText => {
                let label = self.abstract_label.take().filter(|l| !l.is_empty());
                let paragraph = match label {
                    Some(label) if !text.is_empty() => format!("{label}: {text}"),
                    Some(label) => label,
                    None => text,
                };
                if !paragraph.is_empty() {
                    self.abstract_parts.push(paragraph);
                }
            }
            Target::LastName => self.author_field(|a| a.last = text),
            Target::ForeName => self.author_field(|a| a.fore = text),
            Target::Initials => self.author_field(|a| a.initials = text),
            Target::CollectiveName => self.author_field(|a| a.collective = text),
            Target::Affiliation => match self.author.as_mut() {
                Some(author) => author.affiliations.push(text),
                // Old records: one `Article/Affiliation`, the first author's.
                None => set_once(&mut self.article_affiliation, text),
            },
            Target::Journal => set_once(&mut record.journal, text),
            Target::JournalIso => set_once(&mut record.journal_iso, text),
            Target::Volume => set_once(&mut record.volume, text),
            Target::Issue => set_once(&mut record.issue, text),
            Target::Year => {
                if record.year.is_none() {
                    record.year = first_year(&text);
                }
            }
            Target::MedlineDate => self.medline_date_year = first_year(&text),
            Target::MedlinePgn => set_once(&mut record.pages, text),
            Target::StartPage => self.start_page = Some(text),
            Target::EndPage => self.end_page = Some(text),
            Target::Language => {
                if record.language.is_none() && !text.is_empty() {
                    record.language = Some(language_name(&text));
                }
            }
            Target::PublicationType => push_nonempty(&mut record.publication_types, text),
            Target::Descriptor => {
                self.heading = Some(MeshHeading {
                    descriptor: text,
                    ui: self.descriptor_ui.take(),
                    major: self.descriptor_major,
                    qualifiers: Vec::new(),
                })
            }
            Target::Qualifier => {
                if let Some(heading) = self.heading.as_mut() {
                    heading.qualifiers.push(MeshQualifier {
                        name: text,
                        major: self.qualifier_major,
                    });
                }
            }
            Target::Keyword => push_nonempty(&mut record.keywords, text),
            Target::ArticleId => match self.article_id_type.take() {
                Some(ArticleIdType::Doi) => set_once(&mut record.doi, text),
                Some(ArticleIdType::Pmc) => set_once(&mut record.pmc, text),
                None => {}
            },
            Target::ElocationDoi => set_once(&mut self.elocation_doi, text),
            Target::Country => set_once(&mut record.country, text),
            Target::Substance => push_nonempty(&mut record.chemicals, text),
        }
    }

    fn author_field(&mut self, set: impl FnOnce(&mut PendingAuthor)) {
        if let Some(author) = self.author.as_mut() {
            set(author);
        }
    }

    fn finish_author(&mut self) {
        let Some(author) = self.author.take() else {
            return;
        };
        let given = if author.fore.is_empty() {
            &author.initials
        } else {
            &author.fore
        };
        let name = match (given.is_empty(), author.last.is_empty()) {
            (_, true) => author.collective.clone(),
            (true, false) => author.last.clone(),
            (false, false) => [given.as_str(), " ", &author.last].concat(),
        };
        if name.is_empty() {
            return;
        }
        let mut positions = Vec::new();
        for affiliation in author.affiliations {
            let position = affiliation_position(&mut self.record.affiliations, affiliation);
            push_unique(&mut positions, position);
        }
        self.record.authors.push(Author {
            name,
            affiliations: positions,
        });
    }

    fn finish(mut self) -> Result<Parsed, String> {
        if self.is_delete {
            return Ok(Parsed::Delete(self.deleted));
        }
        let record = &mut self.record;
        if record.title.is_empty() {
            if let Some(book_title) = self.book_title.take() {
                record.title = book_title;
            }
        }
        if record.year.is_none() {
            record.year = self.medline_date_year;
        }
        if record.pages.is_none() {
            record.pages = match (self.start_page.take(), self.end_page.take()) {
                (Some(start), Some(end)) if !end.is_empty() => Some(format!("{start}-{end}")),
                (Some(start), _) => Some(start),
                _ => None,
            };
        }
        if record.doi.is_none() {
            record.doi = self.elocation_doi.take();
        }
        if let Some(affiliation) = self.article_affiliation.take() {
            let position = affiliation_position(&mut record.affiliations, affiliation);
            if let Some(first) = record.authors.first_mut() {
                push_unique(&mut first.affiliations, position);
            }
        }
        record.abstract_text = self.abstract_parts.join("\n");
        if record.pmid.is_none() && record.title.is_empty() {
            return Err("record has neither a PMID nor a title".into());
        }
        record.ensure_id();
        Ok(Parsed::Record(Box::new(self.record)))
    }
}

pub(crate) fn attribute(element: &BytesStart, key: &[u8]) -> Option<String> {
    find_attribute(element, key).map(|a| match a.unescape_value() {
        Ok(value) => value.into_owned(),
        Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
    })
}

/// The first well-formed attribute `key` of `element`. Attributes are not checked for
/// duplicates: that check allocated a list for every element with attributes, and the first
/// of two duplicates was the one found anyway.
fn find_attribute<'e>(element: &'e BytesStart, key: &[u8]) -> Option<Attribute<'e>> {
    let mut attributes = element.attributes();
    attributes
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
}

/// Which of `choices` attribute `key` of `element` has as its value, compared without
/// allocating unless the value holds an entity.
fn attribute_among(element: &BytesStart, key: &[u8], choices: &[&[u8]]) -> Option<usize> {
    let attribute = find_attribute(element, key)?;
    if memchr::memchr(b'&', &attribute.value).is_none() {
        return choices
            .iter()
            .position(|choice| *choice == &*attribute.value);
    }
    let value = attribute.unescape_value().ok()?;
    choices
        .iter()
        .position(|choice| *choice == value.as_bytes())
}

/// `text` with runs of whitespace (XML line breaks inside text) collapsed into single
/// spaces, in a string of its own length: a field's text is copied out of the record (or of
/// the buffer that gathers a text of several pieces) once, rather than grown in a new string
/// from nothing (-1.3% instructions).
fn clean_text(text: &str) -> String {
    if is_clean(text) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `text` has no white space but single spaces between words, so that
/// [`clean_text`] would return it unchanged (most element texts are clean).
fn is_clean(text: &str) -> bool {
    let bytes = text.as_bytes();
    let edges_clean = bytes.first() != Some(&b' ') && bytes.last() != Some(&b' ');
    if edges_clean && !may_need_cleaning(bytes) {
        return true;
    }
    let mut after_space = true;
    for (i, &byte) in text.as_bytes().iter().enumerate() {
        match byte {
            b' ' if after_space => return false,
            b' ' => after_space = true,
            b'\t'..=b'\r' => return false,
            // Lead bytes of the other Unicode spaces (U+0085, U+00A0, U+1680, U+2000-U+205F,
            // U+3000); `i` is a character boundary there.
            0xC2 | 0xE1..=0xE3 if text[i..].starts_with(char::is_whitespace) => return false,
            _ => after_space = false,
        }
    }
    !after_space || text.is_empty()
}

/// Whether `bytes` has a control byte, a lead byte of a Unicode space, or two spaces in a
/// row: one branch-free pass over blocks of 32 bytes that the compiler vectorizes. Only texts
/// it flags take [`is_clean`]'s exact walk. The last block is copied into a padded one, so
/// short texts (names, years, MeSH terms: most texts) take one vector pass too instead of a
/// walk byte by byte.
fn may_need_cleaning(bytes: &[u8]) -> bool {
    fn flag(byte: u8, next: u8) -> u8 {
        u8::from(byte < 0x20)
            | u8::from(byte == 0xC2)
            | u8::from(byte.wrapping_sub(0xE1) < 3)
            | (u8::from(byte == b' ') & u8::from(next == b' '))
    }
    fn flags(heads: &[u8; 32], nexts: &[u8; 32]) -> u8 {
        heads
            .iter()
            .zip(nexts)
            .fold(0, |flags, (&byte, &next)| flags | flag(byte, next))
    }
    let Some(all_but_last) = bytes.len().checked_sub(1) else {
        return false;
    };
    // Each byte but the last, beside the byte after it.
    let (heads, _) = bytes[..all_but_last].as_chunks::<32>();
    let (nexts, _) = bytes[1..].as_chunks::<32>();
    if heads
        .iter()
        .zip(nexts)
        .any(|(head, next)| flags(head, next) != 0)
    {
        return true;
    }
    // The rest, up to 32 bytes, its last byte followed by a letter as by nothing.
    let tail = &bytes[heads.len() * 32..];
    let mut padded = [b'a'; 33];
    padded[..tail.len()].copy_from_slice(tail);
    let ([head @ .., _], [_, next @ ..]) = (&padded, &padded);
    flags(head, next) != 0
}

fn set_once(slot: &mut Option<String>, text: String) {
    if slot.is_none() && !text.is_empty() {
        *slot = Some(text);
    }
}

fn push_nonempty(list: &mut Vec<String>, text: String) {
    if !text.is_empty() {
        list.push(text);
    }
}

fn push_unique(list: &mut Vec<u32>, value: u32) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// 1-based position of `affiliation` in `list`, appending it when new.
fn affiliation_position(list: &mut Vec<String>, affiliation: String) -> u32 {
    let index = match list.iter().position(|a| *a == affiliation) {
        Some(index) => index,
        None => {
            list.push(affiliation);
            list.len() - 1
        }
    };
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// The first four-digit year in `text` (`1998 Dec-1999 Jan` → 1998).
fn first_year(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    bytes.windows(4).enumerate().find_map(|(i, w)| {
        let boundary_before = i == 0 || !bytes[i - 1].is_ascii_digit();
        let boundary_after = bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        let digits = w.iter().all(u8::is_ascii_digit);
        (digits && boundary_before && boundary_after)
            .then(|| std::str::from_utf8(w).ok()?.parse().ok())
            .flatten()
            .filter(|year| (1000..=2999).contains(year))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = include_str!("../../tests/fixtures/pubmed_xml/set.xml");

    fn parse_all(text: &[u8]) -> Vec<Result<Parsed, ParseError>> {
        PubmedXmlReader::new(text).collect()
    }

    fn records(text: &[u8]) -> Vec<Record> {
        parse_all(text)
            .into_iter()
            .filter_map(|r| match r.expect("parses") {
                Parsed::Record(record) => Some(*record),
                Parsed::Delete(_) => None,
            })
            .collect()
    }

    #[test]
    fn records_in_memory_read_the_same_as_a_stream() {
        let mut input = SET.replace("</PubmedArticleSet>", "");
        input.push_str("<PubmedArticle><MedlineCitation><PMID>8</PMID><Article><ArticleTitle>Bad</Title></Article></MedlineCitation></PubmedArticle>\n");
        input.push_str(
            "<PubmedArticle><MedlineCitation><PMID>9</PMID><Article><ArticleTitle>Cut short",
        );
        let debug = |items: Vec<Result<Parsed, ParseError>>| format!("{items:?}");
        let streamed = debug(PubmedXmlReader::new(input.as_bytes()).collect());
        let in_place = debug(PubmedXmlReader::over_bytes(input.as_bytes()).collect());
        assert_eq!(in_place, streamed);
        assert!(
            streamed.contains("malformed XML") && streamed.contains("truncated record"),
            "{streamed}"
        );
    }

    #[test]
    fn the_first_of_duplicate_attributes_counts() {
        let record = |major: &str| {
            format!("<PubmedArticle><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>T</ArticleTitle></Article><MeshHeadingList><MeshHeading><DescriptorName {major}>Humans</DescriptorName></MeshHeading></MeshHeadingList></MedlineCitation></PubmedArticle>")
        };
        let first_yes = records(record(r#"MajorTopicYN="Y" MajorTopicYN="N""#).as_bytes());
        assert!(first_yes[0].mesh[0].major);
        let first_no = records(record(r#"MajorTopicYN="N" MajorTopicYN="Y""#).as_bytes());
        assert!(!first_no[0].mesh[0].major);
    }

    #[test]
    fn plain_tags_are_read_without_quick_xml_and_others_with_it() {
        let descriptor = br#"DescriptorName UI="D006801" MajorTopicYN="N""#;
        assert_eq!(
            plain_attribute(descriptor, 14, b"UI"),
            Some(Some("D006801"))
        );
        assert_eq!(plain_attribute(descriptor, 14, b"Label"), Some(None));
        assert_eq!(plain_attribute(b"AbstractText", 12, b"Label"), Some(None));
        for not_plain in [
            &br#"A Label="A &amp; B""#[..],
            br#"A Label='x'"#,
            br#"A Label = "x""#,
            br#"A xml:Label="x""#,
            br#"A a="1"Label="x""#,
            "A Label=\"caf\u{e9}\"".as_bytes(),
        ] {
            assert_eq!(
                plain_attribute(not_plain, 1, b"Label"),
                None,
                "{not_plain:?}"
            );
        }
    }

    /// Pieces of the attributes of a tag, plain or not.
    const ATTRIBUTE_PIECES: &[&str] = &[
        " ",
        "\t",
        "\n",
        "K",
        "k",
        "x",
        "=",
        "\"",
        "'",
        "&amp;",
        "&",
        "<",
        ">",
        ":",
        "-",
        "/",
        "\u{e9}",
        "K=\"v\"",
        "K=\"w\"",
        "x=\"1\"",
        "K='q'",
        "p:K=\"n\"",
        "K=\"a&amp;b\"",
        "K=\"&lt;\"",
        "K=\"x\ty\"",
        "K=\"\u{e9}\"",
        "K=\"a<b\"",
        "K=\"a>b\"",
        "K=\"\"",
    ];

    proptest::proptest! {
        #[test]
        fn plain_attributes_are_what_quick_xml_reads(
            picks in proptest::collection::vec(0..ATTRIBUTE_PIECES.len(), 0..12),
        ) {
            let tag: String = std::iter::once("E")
                .chain(picks.iter().map(|&i| ATTRIBUTE_PIECES[i]))
                .collect();
            if let Some(plain) = plain_attribute(tag.as_bytes(), 1, b"K") {
                let element = BytesStart::from_content(tag.as_str(), 1);
                let expected = attribute(&element, b"K");
                proptest::prop_assert_eq!(plain.map(str::to_owned), expected, "{}", tag);
            }
        }
    }

    #[test]
    fn a_reader_does_not_see_what_the_last_one_left_in_its_buffer() {
        // The first reader stops after one record, with the rest of the set still buffered;
        // the next reader on this thread takes over that buffer.
        let mut first = PubmedXmlReader::new(SET.as_bytes());
        assert!(first.next().is_some());
        drop(first);
        let second = records(SET.as_bytes());
        assert_eq!(second.len(), 3);
        assert_eq!(second[0].pmid.as_deref(), Some("90000001"));
    }

    #[test]
    fn every_field_of_a_full_record() {
        let all = records(SET.as_bytes());
        assert_eq!(all.len(), 3);
        let r = &all[0];
        assert_eq!(r.pmid.as_deref(), Some("90000001"));
        assert_eq!(r.id, "90000001");
        assert_eq!(r.title, "Romiplostim in CD4+ T-cell lymphopenia with 10^9/L platelets and CO2 retention: a case report.");
        assert_eq!(
            r.abstract_text,
            "BACKGROUND: Immune thrombocytopenia (ITP) & its treatment.\nCASE PRESENTATION: A 34-year-old woman received romiplostim; platelets rose to 150 × 10^9/L.\nCONCLUSIONS: Romiplostim worked."
        );
        let authors: Vec<(&str, &[u32])> = r
            .authors
            .iter()
            .map(|a| (a.name.as_str(), a.affiliations.as_slice()))
            .collect();
        assert_eq!(
            authors,
            [
                ("Jane Q Doe", &[1, 2][..]),
                ("J Roe", &[2][..]),
                ("Example Study Group", &[][..])
            ]
        );
        assert_eq!(
            r.affiliations,
            [
                "Department of Hematology, Example Hospital, Lyon, France.",
                "Example Institute, Paris, France."
            ]
        );
        assert_eq!(r.journal.as_deref(), Some("Journal of Example Hematology"));
        assert_eq!(r.journal_iso.as_deref(), Some("J Ex Hematol"));
        assert_eq!(
            (
                r.year,
                r.volume.as_deref(),
                r.issue.as_deref(),
                r.pages.as_deref()
            ),
            (Some(2021), Some("12"), Some("3"), Some("101-105"))
        );
        assert_eq!(r.language.as_deref(), Some("English"));
        assert_eq!(r.publication_types, ["Case Reports", "Journal Article"]);
        let mesh: Vec<String> = r.mesh.iter().map(ToString::to_string).collect();
        assert_eq!(
            mesh,
            [
                "Humans",
                "Purpura, Thrombocytopenic, Idiopathic/drug therapy*",
                "Receptors, Thrombopoietin*/agonists"
            ]
        );
        assert_eq!(r.mesh[1].ui.as_deref(), Some("D016553"));
        assert_eq!(r.keywords, ["ITP", "romiplostim"]);
        assert_eq!(r.doi.as_deref(), Some("10.5555/jeh.2021.001"));
        assert_eq!(r.pmc.as_deref(), Some("PMC9000001"));
        assert_eq!(r.country.as_deref(), Some("France"));
        assert_eq!(r.chemicals, ["Receptors, Thrombopoietin", "romiplostim"]);
    }

    #[test]
    fn old_records_use_medline_date_and_article_affiliation() {
        let all = records(SET.as_bytes());
        let r = &all[1];
        assert_eq!(r.pmid.as_deref(), Some("90000002"));
        assert_eq!(r.year, Some(1998));
        assert_eq!(r.pages.as_deref(), Some("45-9"));
        assert_eq!(r.authors[0].affiliations, [1]);
        assert_eq!(r.affiliations, ["Old Department, Example City."]);
        assert_eq!(
            r.doi.as_deref(),
            Some("10.5555/old.1998"),
            "ELocationID doi is the fallback"
        );
        assert_eq!(r.language.as_deref(), Some("German"));
        assert!(r.abstract_text.is_empty());
    }

    #[test]
    fn book_articles_take_the_book_title() {
        let all = records(SET.as_bytes());
        assert_eq!(all[2].title, "Example Book of Hematology");
        assert_eq!(all[2].pmid.as_deref(), Some("90000003"));
        assert_eq!(all[2].year, Some(2019));
    }

    #[test]
    fn delete_citation_lists_pmids() {
        let parsed = parse_all(SET.as_bytes());
        let deletes: Vec<Vec<String>> = parsed
            .into_iter()
            .filter_map(|r| match r.expect("parses") {
                Parsed::Delete(pmids) => Some(pmids),
                Parsed::Record(_) => None,
            })
            .collect();
        assert_eq!(
            deletes,
            [vec!["80000001".to_string(), "80000002".to_string()]]
        );
    }

    #[test]
    fn a_malformed_record_is_skipped_and_its_neighbours_kept() {
        let text = "<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>One</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>Two</Title></Article></MedlineCitation></PubmedArticle>\n<PubmedArticle><MedlineCitation><PMID>3</PMID><Article><ArticleTitle>Three</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>";
        let results = parse_all(text.as_bytes());
        assert_eq!(results.len(), 3);
        let error = results[1].as_ref().expect_err("second is malformed");
        assert_eq!(error.location.record, Some(2));
        assert_eq!(error.location.line, Some(3));
        assert!(error.reason.contains("malformed XML"), "{}", error.reason);
        assert!(matches!(&results[2], Ok(Parsed::Record(r)) if r.title == "Three"));
    }

    #[test]
    fn a_truncated_file_keeps_the_complete_records() {
        let cut = &SET.as_bytes()[..SET.find("90000002").expect("second pmid")];
        let results = parse_all(cut);
        assert!(matches!(&results[0], Ok(Parsed::Record(r)) if r.id == "90000001"));
        let error = results
            .last()
            .expect("an error")
            .as_ref()
            .expect_err("truncated");
        assert!(
            error.reason.contains("truncated record"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn small_blocks_find_the_same_records() {
        let whole = records(SET.as_bytes());
        let reader = std::io::BufReader::with_capacity(7, SET.as_bytes());
        let pieces: Vec<Record> = PubmedXmlReader::new(reader)
            .filter_map(|r| match r.expect("parses") {
                Parsed::Record(record) => Some(*record),
                Parsed::Delete(_) => None,
            })
            .collect();
        assert_eq!(pieces, whole);
    }

    #[test]
    fn entities_are_never_expanded_beyond_xml_builtins() {
        let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\"><!ENTITY ext SYSTEM \"file:///etc/passwd\">]>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>A &lol2; &ext; &amp; &#945;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>";
        let all = records(text.as_bytes());
        assert_eq!(all.len(), 1);
        assert!(all[0].title.contains("&lol2;"), "{}", all[0].title);
        assert!(!all[0].title.contains("root:"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut text = String::from("<PubmedArticle><MedlineCitation><PMID>9</PMID>");
        text.push_str(&"<x>".repeat(100));
        text.push_str(&"</x>".repeat(100));
        text.push_str("</MedlineCitation></PubmedArticle>");
        let results = parse_all(text.as_bytes());
        assert!(results[0]
            .as_ref()
            .expect_err("too deep")
            .reason
            .contains("nested deeper"));
    }

    #[test]
    fn a_record_too_large_to_hold_is_reported_once() {
        // Its `<MedlineCitation>` must not be taken for a record of its own.
        let mut text = String::from("<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>");
        text.push_str(&"x".repeat(MAX_RECORD_BYTES + (4 << 20)));
        text.push_str("</ArticleTitle></Article></MedlineCitation></PubmedArticle>");
        text.push_str("<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>Two</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>");
        let results = parse_all(text.as_bytes());
        let reasons: Vec<Option<&str>> = results
            .iter()
            .map(|r| r.as_ref().err().map(|e| e.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [Some("record is larger than 32 MiB or never closed"), None]
        );
    }

    #[test]
    fn mathml_in_a_title_reads_as_its_text() {
        let text = "<PubmedArticle><MedlineCitation><PMID>9</PMID><Article><ArticleTitle>Counts of <mml:math xmlns:mml=\"http://www.w3.org/1998/Math/MathML\"><mml:msub><mml:mi>CD</mml:mi><mml:mn>4</mml:mn></mml:msub></mml:math> cells</ArticleTitle><Abstract><AbstractText>Kept.</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>";
        let records = records(text.as_bytes());
        assert_eq!(records[0].title, "Counts of CD4 cells");
        assert_eq!(records[0].abstract_text, "Kept.");
    }

    #[test]
    fn deep_inline_markup_is_refused_too() {
        let title = format!("{}x{}", "<i>".repeat(100_000), "</i>".repeat(100_000));
        let text = format!(
            "<PubmedArticle><MedlineCitation><PMID>9</PMID><Article><ArticleTitle>{title}</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        );
        let results = parse_all(text.as_bytes());
        assert!(results[0]
            .as_ref()
            .expect_err("too deep")
            .reason
            .contains("nested deeper than 64 levels"));
        let shallow = "<PubmedArticle><MedlineCitation><PMID>9</PMID><Article><ArticleTitle>a <i><b>b<sup>2</sup></b></i></ArticleTitle></Article></MedlineCitation></PubmedArticle>";
        let results = parse_all(shallow.as_bytes());
        assert!(results[0].is_ok(), "{results:?}");
    }

    #[test]
    fn cut_points_fall_after_whole_records() {
        let end = last_record_end(SET.as_bytes()).expect("records");
        assert!(
            SET[..end].ends_with("</DeleteCitation>")
                || SET[..end].ends_with("</PubmedBookArticle>")
                || SET[..end].ends_with("</PubmedArticle>")
        );
        assert_eq!(last_record_end(b"<PubmedArticleSet>"), None);
    }

    #[test]
    fn a_cut_never_falls_inside_a_pubmed_article() {
        let article = "<PubmedArticle><MedlineCitation><PMID>1</PMID></MedlineCitation><PubmedData></PubmedData></PubmedArticle>\n";
        let mut buf = article.repeat(3);
        buf.push_str("<PubmedArticle><MedlineCitation><PMID>4</PMID></MedlineCitation><PubmedDa");
        assert_eq!(last_record_end(buf.as_bytes()), Some(3 * article.len() - 1));
        let bare = "<MedlineCitationSet><MedlineCitation><PMID>1</PMID></MedlineCitation><MedlineCitation><PMID>2";
        assert_eq!(
            last_record_end(bare.as_bytes()),
            bare.find("<MedlineCitation><PMID>2")
        );
    }

    #[test]
    fn years_are_found_in_medline_dates() {
        assert_eq!(first_year("1998 Dec-1999 Jan"), Some(1998));
        assert_eq!(first_year("Winter 2018"), Some(2018));
        assert_eq!(first_year("12345"), None);
    }

    #[test]
    fn latin1_files_are_decoded_and_undeclared_latin1_is_reported() {
        let record = b"<PubmedArticle><MedlineCitation><PMID>5</PMID><Article><ArticleTitle>Caf\xe9 au lait spots</ArticleTitle></Article></MedlineCitation></PubmedArticle>";
        let mut declared =
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<PubmedArticleSet>".to_vec();
        declared.extend_from_slice(record);
        let all = records(&declared);
        assert_eq!(all[0].title, "Café au lait spots");
        let mut wrong =
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PubmedArticleSet>\n".to_vec();
        wrong.extend_from_slice(record);
        wrong.extend_from_slice(b"\n<PubmedArticle><MedlineCitation><PMID>6</PMID><Article><ArticleTitle>Fine</ArticleTitle></Article></MedlineCitation></PubmedArticle>");
        let results = parse_all(&wrong);
        let error = results[0].as_ref().expect_err("not UTF-8");
        assert!(
            error
                .reason
                .contains("invalid UTF-8 at byte 72 of the record"),
            "{}",
            error.reason
        );
        assert_eq!(error.location.line, Some(3));
        assert!(matches!(&results[1], Ok(Parsed::Record(r)) if r.title == "Fine"));
    }

    #[test]
    fn unread_subtrees_are_stepped_over_and_parsing_resumes_after_them() {
        let text = br#"<PubmedArticle><MedlineCitation><PMID>7</PMID><DateCompleted><Year>1999</Year></DateCompleted><Article><ArticleTitle>Kept</ArticleTitle><Abstract><AbstractText>Main.</AbstractText></Abstract></Article><OtherAbstract><AbstractText>Autre.</AbstractText></OtherAbstract><CommentsCorrectionsList><CommentsCorrections><PMID>9</PMID></CommentsCorrections></CommentsCorrectionsList></MedlineCitation><PubmedData><History><PubMedPubDate><Year>2001</Year></PubMedPubDate></History><ArticleIdList><ArticleId IdType="doi">10.1/kept</ArticleId></ArticleIdList><ReferenceList><Reference><ArticleIdList><ArticleId IdType="doi">10.1/cited</ArticleId></ArticleIdList></Reference><ReferenceList><Reference><Citation>Nested</Citation></Reference></ReferenceList><ReferenceList/></ReferenceList><ReferenceList><Reference><Citation>Second</Citation></Reference></ReferenceList></PubmedData></PubmedArticle>"#;
        let Ok(Parsed::Record(record)) = parse_record(text) else {
            panic!("parses");
        };
        assert_eq!(record.pmid.as_deref(), Some("7"));
        assert_eq!(record.title, "Kept");
        assert_eq!(record.abstract_text, "Main.");
        assert_eq!(record.doi.as_deref(), Some("10.1/kept"));
        assert_eq!(record.year, None, "no year outside PubDate");
    }

    #[test]
    fn an_unread_subtree_must_be_closed_but_is_not_checked_inside() {
        let text = b"<PubmedArticle><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>Kept</ArticleTitle></Article></MedlineCitation><PubmedData><ReferenceList><Reference><Citation>Cut</Reference></ReferenceList></PubmedData></PubmedArticle>";
        let Ok(Parsed::Record(record)) = parse_record(text) else {
            panic!("markup medlit does not read does not cost the record");
        };
        assert_eq!(record.title, "Kept");
        let unclosed = b"<PubmedArticle><MedlineCitation><PMID>7</PMID></MedlineCitation><PubmedData><ReferenceList><Reference></Reference></PubmedData></PubmedArticle>";
        let error = parse_record(unclosed).err().unwrap_or_default();
        assert_eq!(
            error,
            "malformed XML at byte 76 of the record: ill-formed document: `<ReferenceList>` is not closed before the end of the record"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_cost_the_record_only_in_texts_medlit_keeps() {
        let unread = b"<PubmedArticle><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>Fine</ArticleTitle></Article></MedlineCitation><PubmedData><ReferenceList><Reference><Citation>Caf\xe9</Citation></Reference></ReferenceList></PubmedData></PubmedArticle>";
        let Ok(Parsed::Record(record)) = parse_record(unread) else {
            panic!("a bad byte outside the texts medlit reads is ignored");
        };
        assert_eq!(record.title, "Fine");
        let read = b"<PubmedArticle><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>Fine &amp; caf\xe9</ArticleTitle></Article></MedlineCitation></PubmedArticle>";
        let error = parse_record(read).err().unwrap_or_default();
        assert!(
            error.starts_with("invalid UTF-8 at byte 83 of the record"),
            "{error}"
        );
    }

    #[test]
    fn declarations_are_found() {
        assert_eq!(
            declaration(b"\n<?xml version=\"1.0\"?><a/>"),
            Some(&b"<?xml version=\"1.0\"?>"[..])
        );
        assert_eq!(declaration(b"<PubmedArticleSet>"), None);
        assert_eq!(
            declared_encoding(b"<?xml version='1.0' encoding='windows-1252'?>"),
            Encoding::Latin1
        );
        assert_eq!(declared_encoding(b"<?xml version='1.0'?>"), Encoding::Utf8);
    }

    #[test]
    fn detection() {
        assert!(looks_like(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE x>\n<PubmedArticleSet>"
        ));
        assert!(!looks_like("PMID- 1\n"));
    }

    #[test]
    fn long_texts_are_flagged_wherever_the_white_space_is() {
        let clean =
            "Plasma exchange and rituximab in thrombotic purpura: a case series of nine adults, "
                .repeat(2);
        assert!(!may_need_cleaning(clean.as_bytes()));
        assert!(is_clean(clean.trim_end()));
        for at in 0..clean.len() {
            if !clean.is_char_boundary(at) {
                continue;
            }
            for inserted in ["  ", "\n", "\t", "\u{a0}", "\u{2009}", "\u{3000}"] {
                let mut text = clean.clone();
                text.insert_str(at, inserted);
                assert!(may_need_cleaning(text.as_bytes()), "{inserted:?} at {at}");
            }
        }
    }

    #[test]
    fn names_lose_their_prefix_whatever_their_length() {
        for length in 0..24 {
            for colon in 0..length {
                let mut name = vec![b'n'; length];
                name[colon] = b':';
                assert!(has_colon(&name), "{name:?}");
                assert_eq!(local_name(&name), &name[colon + 1..]);
            }
            // Bytes beside `:` (0x3A) and with its low bits, which a borrow could confuse.
            let plain: Vec<u8> = [b'9', b';', b'z', 0xBA]
                .into_iter()
                .cycle()
                .take(length)
                .collect();
            assert!(!has_colon(&plain));
            assert_eq!(local_name(&plain), plain);
        }
    }

    #[test]
    fn clean_text_keeps_clean_text_and_collapses_any_white_space() {
        let pieces = [
            " ", "a", "\t", "\n", "\u{a0}", "–", "\u{2009}", "é", "\u{3000}", "\u{85}", "\u{1680}",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
                .collect();
            texts.extend(longer);
        }
        for text in texts {
            let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(clean_text(&text), expected, "{text:?}");
        }
    }
}
