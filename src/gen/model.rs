//! The model: what the generator learns from a sample of real records. Every distribution is
//! the sample's own (counts of values, lengths, rates); the only things made up are the
//! synthetic words of the vocabulary tails and the volume, issue and page numbers.

use std::collections::HashMap;

use super::random::Weighted;
use super::text::{tokens, TherapyForms, Vocabulary, WordCounter};
use super::unread::{UnreadBuilder, UnreadModel, UnreadParts};
use crate::error::{Error, Result};
use crate::export::pubmed_xml::{is_collective, split_label, split_name};
use crate::record::Record;

/// Words kept per vocabulary (titles, abstracts); rarer words go to the synthetic tail.
pub const MAX_WORDS: usize = 50_000;
/// Distinct values kept per list (names, affiliations, keywords, MeSH terms, journals).
pub const MAX_VALUES: usize = 50_000;

/// A journal as records name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Journal {
    pub(crate) title: Box<str>,
    pub(crate) iso: Option<Box<str>>,
    pub(crate) country: Option<Box<str>>,
}

/// A MeSH descriptor and how it is used.
#[derive(Debug, Clone)]
pub(crate) struct Descriptor {
    pub(crate) name: Box<str>,
    pub(crate) ui: Option<Box<str>>,
    /// Share of its headings that have qualifiers.
    pub(crate) qualified: f64,
}

/// What the generator learned from a sample: vocabularies, lengths, names, MeSH usage,
/// journals and rates. Build one with [`Model::learn`] or a [`ModelBuilder`]; it is the only
/// large thing a generator holds (at most [`MAX_WORDS`] words per vocabulary and
/// [`MAX_VALUES`] values per list, whatever the size of the sample).
#[derive(Debug)]
pub struct Model {
    pub(crate) records: u64,
    pub(crate) title_words: Vocabulary,
    pub(crate) title_lengths: Weighted<u32>,
    pub(crate) title_period: f64,
    pub(crate) title_therapy: f64,
    pub(crate) abstract_words: Vocabulary,
    /// Shares of records without an abstract and, among the others, with a structured one.
    pub(crate) no_abstract: f64,
    pub(crate) structured: f64,
    pub(crate) plain_lengths: Weighted<u32>,
    pub(crate) structured_lengths: Weighted<u32>,
    /// Section labels of structured abstracts (`""` for a paragraph without one).
    pub(crate) label_sequences: Weighted<Vec<Box<str>>>,
    pub(crate) sentence_lengths: Weighted<u32>,
    pub(crate) comma_rate: f64,
    /// Therapy mentions per abstract.
    pub(crate) abstract_therapies: Weighted<u32>,
    pub(crate) therapy_forms: TherapyForms,
    /// Forms the sample uses, by index into `therapy_forms`.
    pub(crate) sample_forms: Weighted<u32>,
    pub(crate) authors: Weighted<u32>,
    pub(crate) first_names: Weighted<Box<str>>,
    pub(crate) last_names: Weighted<Box<str>>,
    pub(crate) collective_rate: f64,
    pub(crate) collective_names: Weighted<Box<str>>,
    pub(crate) affiliation_counts: Weighted<u32>,
    pub(crate) affiliations: Weighted<Box<str>>,
    pub(crate) keyword_counts: Weighted<u32>,
    pub(crate) keywords: Weighted<Box<str>>,
    pub(crate) chemical_counts: Weighted<u32>,
    pub(crate) chemicals: Weighted<Box<str>>,
    pub(crate) mesh_counts: Weighted<u32>,
    pub(crate) descriptors: Vec<Descriptor>,
    pub(crate) descriptor_draw: Weighted<u32>,
    pub(crate) qualifier_counts: Weighted<u32>,
    pub(crate) qualifiers: Weighted<Box<str>>,
    /// Major-topic rate of descriptors without and with qualifiers.
    pub(crate) descriptor_major: [f64; 2],
    pub(crate) qualifier_major: f64,
    /// Share of headings with qualifiers (for descriptors the sample has not seen).
    pub(crate) qualified_rate: f64,
    /// Good–Turing share of MeSH headings the sample has not seen: drawn from
    /// `mesh_vocabulary` when one is given.
    pub(crate) unseen_mesh: f64,
    pub(crate) mesh_vocabulary: Vec<Box<str>>,
    pub(crate) journals: Weighted<Option<Journal>>,
    pub(crate) years: Weighted<Option<u16>>,
    pub(crate) languages: Weighted<Option<Box<str>>>,
    pub(crate) publication_types: Weighted<Vec<Box<str>>>,
    pub(crate) volume_rate: f64,
    pub(crate) issue_rate: f64,
    pub(crate) pages_rate: f64,
    pub(crate) locator_rate: f64,
    /// Reference lists, history dates and the other parts medlit does not read.
    pub(crate) unread: UnreadModel,
    mean_abstract_words: f64,
}

/// A few numbers about a model, for logs and tests.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModelSummary {
    /// Records learned from.
    pub records: u64,
    /// Words in the title vocabulary (before the synthetic tail).
    pub title_words: usize,
    /// Words in the abstract vocabulary (before the synthetic tail).
    pub abstract_words: usize,
    /// Share of abstract words drawn from the synthetic tail.
    pub abstract_tail_share: f64,
    /// Mean words per abstract, over records with one.
    pub mean_abstract_words: f64,
    /// Share of records without an abstract.
    pub no_abstract: f64,
    /// Share of abstracts that are structured (`LABEL: text` sections).
    pub structured: f64,
    /// Share of titles that name a therapy.
    pub title_therapy: f64,
    /// Distinct MeSH descriptors learned.
    pub mesh_descriptors: usize,
    /// Extra MeSH descriptor names given with [`Model::with_mesh_vocabulary`].
    pub mesh_vocabulary: usize,
    /// Distinct journals learned.
    pub journals: usize,
    /// Sample records whose unread parts (reference lists, history dates, …) were learned:
    /// those of a PubMed XML sample.
    pub unread_parts_records: u64,
    /// References per record in those.
    pub references_per_record: f64,
}

impl Model {
    /// Learns a model from sample records. Fails when no record has a title.
    pub fn learn(records: impl IntoIterator<Item = Record>) -> Result<Model> {
        let mut builder = ModelBuilder::new();
        for record in records {
            builder.add(&record);
        }
        builder.build()
    }

    /// Adds real MeSH descriptor names: headings the sample has not seen (its Good–Turing
    /// share of unseen descriptors) are drawn from them, so generated corpora use far more
    /// of MeSH than the sample does. Blank names and names with `/`, `*` or `;` (which the
    /// text formats cannot carry) are left out.
    pub fn with_mesh_vocabulary(mut self, names: Vec<String>) -> Model {
        let mut seen = std::collections::HashSet::new();
        self.mesh_vocabulary = names
            .into_iter()
            .map(|name| name.trim().to_string())
            .filter(|name| is_plain_line(name) && !name.contains(['/', '*', ';']))
            .filter(|name| seen.insert(name.clone()))
            .map(String::into_boxed_str)
            .collect();
        self
    }

    /// A few numbers about the model.
    pub fn summary(&self) -> ModelSummary {
        ModelSummary {
            records: self.records,
            title_words: self.title_words.len(),
            abstract_words: self.abstract_words.len(),
            abstract_tail_share: self.abstract_words.tail_share(),
            mean_abstract_words: self.mean_abstract_words,
            no_abstract: self.no_abstract,
            structured: self.structured,
            title_therapy: self.title_therapy,
            mesh_descriptors: self.descriptors.len(),
            mesh_vocabulary: self.mesh_vocabulary.len(),
            journals: self.journals.values().iter().flatten().count(),
            unread_parts_records: self.unread.records,
            references_per_record: self.unread.mean_references,
        }
    }

    /// The model without what it learned of the parts of records medlit does not read:
    /// generated PubMed XML records then carry only what medlit indexes (no reference lists,
    /// comment links, history dates, grants or completion dates), as `medlit gen` wrote
    /// them before it learned those parts.
    pub fn indexed_only(mut self) -> Model {
        self.unread = UnreadModel::default();
        self
    }
}

/// How a descriptor is used in the sample.
#[derive(Debug, Default)]
struct DescriptorUse {
    headings: u64,
    with_qualifiers: u64,
    /// The first UI seen.
    ui: Option<Box<str>>,
}

/// Learns a [`Model`] one record at a time, so a sample never has to be held in memory.
#[derive(Debug)]
pub struct ModelBuilder {
    records: u64,
    forms: TherapyForms,
    form_counts: HashMap<u32, u64>,
    title_words: WordCounter,
    title_lengths: HashMap<u32, u64>,
    titles: u64,
    titles_with_period: u64,
    titles_with_therapy: u64,
    abstract_words: WordCounter,
    without_abstract: u64,
    structured: u64,
    plain_lengths: HashMap<u32, u64>,
    structured_lengths: HashMap<u32, u64>,
    label_sequences: HashMap<Vec<Box<str>>, u64>,
    sentence_lengths: HashMap<u32, u64>,
    abstract_tokens: u64,
    commas: u64,
    abstract_therapies: HashMap<u32, u64>,
    authors: HashMap<u32, u64>,
    people: u64,
    first_names: HashMap<Box<str>, u64>,
    last_names: HashMap<Box<str>, u64>,
    collective_names: HashMap<Box<str>, u64>,
    affiliation_counts: HashMap<u32, u64>,
    affiliations: HashMap<Box<str>, u64>,
    keyword_counts: HashMap<u32, u64>,
    keywords: HashMap<Box<str>, u64>,
    chemical_counts: HashMap<u32, u64>,
    chemicals: HashMap<Box<str>, u64>,
    mesh_counts: HashMap<u32, u64>,
    descriptors: HashMap<Box<str>, DescriptorUse>,
    qualifier_counts: HashMap<u32, u64>,
    qualifiers: HashMap<Box<str>, u64>,
    /// Headings without and with qualifiers, and how many of each have a major descriptor.
    headings: [u64; 2],
    major_descriptors: [u64; 2],
    qualifier_total: u64,
    major_qualifiers: u64,
    journals: HashMap<Option<Journal>, u64>,
    years: HashMap<Option<u16>, u64>,
    languages: HashMap<Option<Box<str>>, u64>,
    publication_types: HashMap<Vec<Box<str>>, u64>,
    volumes: u64,
    issues: u64,
    pages: u64,
    locators: u64,
    unread: UnreadBuilder,
}

impl Default for ModelBuilder {
    fn default() -> Self {
        ModelBuilder::new()
    }
}

impl ModelBuilder {
    /// An empty builder.
    pub fn new() -> ModelBuilder {
        ModelBuilder {
            records: 0,
            forms: TherapyForms::builtin(),
            form_counts: HashMap::new(),
            title_words: WordCounter::default(),
            title_lengths: HashMap::new(),
            titles: 0,
            titles_with_period: 0,
            titles_with_therapy: 0,
            abstract_words: WordCounter::default(),
            without_abstract: 0,
            structured: 0,
            plain_lengths: HashMap::new(),
            structured_lengths: HashMap::new(),
            label_sequences: HashMap::new(),
            sentence_lengths: HashMap::new(),
            abstract_tokens: 0,
            commas: 0,
            abstract_therapies: HashMap::new(),
            authors: HashMap::new(),
            people: 0,
            first_names: HashMap::new(),
            last_names: HashMap::new(),
            collective_names: HashMap::new(),
            affiliation_counts: HashMap::new(),
            affiliations: HashMap::new(),
            keyword_counts: HashMap::new(),
            keywords: HashMap::new(),
            chemical_counts: HashMap::new(),
            chemicals: HashMap::new(),
            mesh_counts: HashMap::new(),
            descriptors: HashMap::new(),
            qualifier_counts: HashMap::new(),
            qualifiers: HashMap::new(),
            headings: [0; 2],
            major_descriptors: [0; 2],
            qualifier_total: 0,
            major_qualifiers: 0,
            journals: HashMap::new(),
            years: HashMap::new(),
            languages: HashMap::new(),
            publication_types: HashMap::new(),
            volumes: 0,
            issues: 0,
            pages: 0,
            locators: 0,
            unread: UnreadBuilder::default(),
        }
    }

    /// Learns from one record.
    pub fn add(&mut self, record: &Record) {
        self.records += 1;
        self.learn_title(&record.title);
        self.learn_abstract(&record.abstract_text);
        self.learn_people(record);
        self.learn_terms(record);
        self.learn_source(record);
    }

    /// Learns from the parts of one PubMed XML record that medlit does not read.
    pub(crate) fn add_unread(&mut self, parts: UnreadParts) {
        self.unread.add(parts);
    }

    fn learn_title(&mut self, title: &str) {
        let mut found = Vec::new();
        let stripped = self.forms.strip(title, &mut found);
        let mut words = found.len() as u32;
        for token in tokens(&stripped) {
            self.title_words.add(&token.word);
            words += 1;
        }
        if words == 0 {
            return;
        }
        self.titles += 1;
        count(&mut self.title_lengths, words);
        self.titles_with_period += u64::from(title.trim_end().ends_with('.'));
        self.titles_with_therapy += u64::from(!found.is_empty());
        for form in found {
            count(&mut self.form_counts, form);
        }
    }

    fn learn_abstract(&mut self, text: &str) {
        let mut labels: Vec<Box<str>> = Vec::new();
        let mut body = String::new();
        for paragraph in text.lines().map(str::trim).filter(|p| !p.is_empty()) {
            let (label, text) = match split_label(paragraph) {
                Some((label, text)) if !label.eq_ignore_ascii_case("abstract") => (label, text),
                _ => ("", paragraph),
            };
            labels.push(label.into());
            body.push_str(text);
            body.push('\n');
        }
        if labels.is_empty() {
            self.without_abstract += 1;
            return;
        }
        let mut found = Vec::new();
        let stripped = self.forms.strip(&body, &mut found);
        let mut words = found.len() as u32;
        let mut sentence = 0;
        for token in tokens(&stripped) {
            self.abstract_words.add(&token.word);
            words += 1;
            sentence += 1;
            self.commas += u64::from(token.comma);
            if token.ends_sentence {
                count(&mut self.sentence_lengths, sentence);
                sentence = 0;
            }
        }
        if sentence > 0 {
            count(&mut self.sentence_lengths, sentence);
        }
        self.abstract_tokens += u64::from(words);
        count(&mut self.abstract_therapies, found.len() as u32);
        for form in found {
            count(&mut self.form_counts, form);
        }
        if labels.iter().any(|label| !label.is_empty()) {
            self.structured += 1;
            count(&mut self.structured_lengths, words);
            count(&mut self.label_sequences, labels);
        } else {
            count(&mut self.plain_lengths, words);
        }
    }

    fn learn_people(&mut self, record: &Record) {
        let names: Vec<&str> = record
            .authors
            .iter()
            .map(|author| author.name.trim())
            .filter(|name| !name.is_empty())
            .collect();
        count(&mut self.authors, names.len() as u32);
        for name in &names {
            if is_collective(name) {
                if is_plain_item(name) {
                    count(&mut self.collective_names, Box::from(*name));
                }
                continue;
            }
            self.people += 1;
            let (last, given) = split_name(name);
            // Names the abstract-page layout would misread (`Group 2`) are not learned.
            let numeric = |part: &str| !part.chars().any(char::is_alphabetic);
            if is_plain_item(last) && !numeric(last) {
                count(&mut self.last_names, Box::from(last));
            }
            if is_plain_item(given) && !numeric(given) {
                count(&mut self.first_names, Box::from(given));
            }
        }
        if names.is_empty() {
            return;
        }
        count_list(
            &record.affiliations,
            is_plain_line,
            &mut self.affiliation_counts,
            &mut self.affiliations,
        );
    }

    fn learn_terms(&mut self, record: &Record) {
        count_list(
            &record.keywords,
            is_plain_item,
            &mut self.keyword_counts,
            &mut self.keywords,
        );
        count_list(
            &record.chemicals,
            is_plain_item,
            &mut self.chemical_counts,
            &mut self.chemicals,
        );
        let headings: Vec<_> = record
            .mesh
            .iter()
            .filter(|h| is_plain_item(&h.descriptor) && !h.descriptor.contains(['/', '*']))
            .collect();
        count(&mut self.mesh_counts, headings.len() as u32);
        for heading in headings {
            let qualifiers: Vec<_> = heading
                .qualifiers
                .iter()
                .filter(|q| is_plain_item(&q.name) && !q.name.contains(['/', '*']))
                .collect();
            let class = usize::from(!qualifiers.is_empty());
            let entry = self
                .descriptors
                .entry(Box::from(heading.descriptor.trim()))
                .or_default();
            entry.headings += 1;
            entry.with_qualifiers += class as u64;
            if entry.ui.is_none() {
                entry.ui = heading.ui.as_deref().map(Box::from);
            }
            self.headings[class] += 1;
            self.major_descriptors[class] += u64::from(heading.major);
            if !qualifiers.is_empty() {
                count(&mut self.qualifier_counts, qualifiers.len() as u32);
            }
            for qualifier in qualifiers {
                count(&mut self.qualifiers, Box::from(qualifier.name.trim()));
                self.qualifier_total += 1;
                self.major_qualifiers += u64::from(qualifier.major);
            }
        }
    }

    fn learn_source(&mut self, record: &Record) {
        let plain = |value: &Option<String>| {
            value
                .as_deref()
                .map(one_line)
                .filter(|v| is_plain_item(v))
                .map(String::into_boxed_str)
        };
        let journal = plain(&record.journal).map(|title| Journal {
            title,
            iso: plain(&record.journal_iso),
            country: plain(&record.country),
        });
        count(&mut self.journals, journal);
        count(&mut self.years, record.year);
        count(&mut self.languages, plain(&record.language));
        let kinds: Vec<Box<str>> = record
            .publication_types
            .iter()
            .map(|kind| one_line(kind))
            .filter(|kind| is_plain_item(kind))
            .map(String::into_boxed_str)
            .collect();
        count(&mut self.publication_types, kinds);
        self.volumes += u64::from(record.volume.is_some());
        self.issues += u64::from(record.issue.is_some());
        if let Some(pages) = &record.pages {
            self.pages += 1;
            self.locators += u64::from(pages.trim_start().starts_with(['e', 'E']));
        }
    }

    /// The model. Fails when no record had a title.
    pub fn build(self) -> Result<Model> {
        if self.titles == 0 {
            return Err(Error::Usage(format!(
                "cannot learn a corpus model: none of the {} sample records has a title",
                self.records
            )));
        }
        let records = self.records as f64;
        let with_abstract = self.records - self.without_abstract;
        let table = |counts: HashMap<Box<str>, u64>| Weighted::from_counts(counts, MAX_VALUES).0;
        let lengths = |counts: HashMap<u32, u64>| Weighted::from_counts(counts, usize::MAX).0;
        let total_descriptor_uses: u64 = self.descriptors.values().map(|d| d.headings).sum();
        let seen_once = self
            .descriptors
            .values()
            .filter(|d| d.headings == 1)
            .count() as u64;
        let mut descriptor_list: Vec<(Box<str>, DescriptorUse)> =
            self.descriptors.into_iter().collect();
        descriptor_list
            .sort_unstable_by(|a, b| b.1.headings.cmp(&a.1.headings).then_with(|| a.0.cmp(&b.0)));
        descriptor_list.truncate(MAX_VALUES);
        let descriptor_draw = Weighted::from_counts(
            descriptor_list
                .iter()
                .enumerate()
                .map(|(index, (_, used))| (index as u32, used.headings)),
            usize::MAX,
        )
        .0;
        let descriptors = descriptor_list
            .into_iter()
            .map(|(name, used)| Descriptor {
                name,
                ui: used.ui,
                qualified: ratio(used.with_qualifiers, used.headings),
            })
            .collect();
        let all_lengths = self
            .plain_lengths
            .iter()
            .chain(&self.structured_lengths)
            .map(|(&words, &n)| u64::from(words) * n)
            .sum::<u64>();
        Ok(Model {
            records: self.records,
            title_words: Vocabulary::learn(self.title_words, MAX_WORDS),
            title_lengths: lengths(self.title_lengths),
            title_period: ratio(self.titles_with_period, self.titles),
            title_therapy: ratio(self.titles_with_therapy, self.titles),
            abstract_words: Vocabulary::learn(self.abstract_words, MAX_WORDS),
            no_abstract: self.without_abstract as f64 / records,
            structured: ratio(self.structured, with_abstract),
            plain_lengths: lengths(self.plain_lengths),
            structured_lengths: lengths(self.structured_lengths),
            label_sequences: Weighted::from_counts(self.label_sequences, MAX_VALUES).0,
            sentence_lengths: lengths(self.sentence_lengths),
            comma_rate: ratio(self.commas, self.abstract_tokens),
            abstract_therapies: lengths(self.abstract_therapies),
            therapy_forms: self.forms,
            sample_forms: Weighted::from_counts(self.form_counts, usize::MAX).0,
            authors: lengths(self.authors),
            first_names: table(self.first_names),
            last_names: table(self.last_names),
            collective_rate: ratio(
                self.collective_names.values().sum(),
                self.people + self.collective_names.values().sum::<u64>(),
            ),
            collective_names: table(self.collective_names),
            affiliation_counts: lengths(self.affiliation_counts),
            affiliations: table(self.affiliations),
            keyword_counts: lengths(self.keyword_counts),
            keywords: table(self.keywords),
            chemical_counts: lengths(self.chemical_counts),
            chemicals: table(self.chemicals),
            mesh_counts: lengths(self.mesh_counts),
            descriptors,
            descriptor_draw,
            qualifier_counts: lengths(self.qualifier_counts),
            qualifiers: table(self.qualifiers),
            descriptor_major: [
                ratio(self.major_descriptors[0], self.headings[0]),
                ratio(self.major_descriptors[1], self.headings[1]),
            ],
            qualifier_major: ratio(self.major_qualifiers, self.qualifier_total),
            qualified_rate: ratio(self.headings[1], self.headings[0] + self.headings[1]),
            unseen_mesh: ratio(seen_once, total_descriptor_uses).clamp(0.02, 0.5),
            mesh_vocabulary: Vec::new(),
            journals: Weighted::from_counts(self.journals, MAX_VALUES).0,
            years: Weighted::from_counts(self.years, usize::MAX).0,
            languages: Weighted::from_counts(self.languages, MAX_VALUES).0,
            publication_types: Weighted::from_counts(self.publication_types, MAX_VALUES).0,
            volume_rate: self.volumes as f64 / records,
            issue_rate: self.issues as f64 / records,
            pages_rate: self.pages as f64 / records,
            locator_rate: ratio(self.locators, self.pages),
            unread: self.unread.build(),
            mean_abstract_words: ratio(all_lengths, with_abstract),
        })
    }
}

pub(super) fn count<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, u64>, key: K) {
    *counts.entry(key).or_default() += 1;
}

/// Counts a record's list of values: how many it has that `keep` accepts (each joined into
/// one line) in `lengths`, and each of those values in `values`.
fn count_list(
    list: &[String],
    keep: fn(&str) -> bool,
    lengths: &mut HashMap<u32, u64>,
    values: &mut HashMap<Box<str>, u64>,
) {
    let kept: Vec<String> = list
        .iter()
        .map(|value| one_line(value))
        .filter(|value| keep(value))
        .collect();
    count(lengths, kept.len() as u32);
    for value in kept {
        count(values, value.into_boxed_str());
    }
}

/// `part / whole`, 0 when `whole` is 0.
pub(super) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The lines of `text` joined by spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value every output format can carry on a line of its own: not blank, and not something
/// the abstract-page layout would read as structure (`- Section:`, a DOI, `Abstract`).
fn is_plain_line(text: &str) -> bool {
    let text = text.trim();
    let lower = text.get(..8).map(str::to_ascii_lowercase);
    !text.is_empty()
        && !text.starts_with('-')
        && !text.starts_with("10.")
        && !text.contains(['\n', '\r'])
        && lower.is_none_or(|l| l != "abstract")
        && !text.eq_ignore_ascii_case("author information")
}

/// [`is_plain_line`] for an item of a `;`-separated list.
fn is_plain_item(text: &str) -> bool {
    is_plain_line(text) && !text.contains(';')
}
