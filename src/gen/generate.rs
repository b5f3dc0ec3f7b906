//! Making records from a [`Model`]. Record `i` is drawn from its own random stream, seeded by
//! the seed and `i` alone, so it is the same whatever the number of records asked for, and a
//! corpus can be made in any order or in parallel.

use super::model::Model;
use super::random::Rng;
use super::text::Vocabulary;
use crate::record::{Author, MeshHeading, MeshQualifier, Record};

/// The PMID of record 0; record `i` gets `FIRST_PMID + i`.
pub const FIRST_PMID: u64 = 10_000_000;

/// Share of sprinkled therapy names taken from the forms the sample uses; the rest are drawn
/// evenly from the whole lexicon, so every therapy facet value turns up in a large corpus.
const SAMPLE_FORM_SHARE: f64 = 0.8;

/// Streams generated records; see [`super::generate`].
#[derive(Debug, Clone)]
pub struct Generator<'m> {
    model: &'m Model,
    seed: u64,
    next: u64,
    end: u64,
}

impl<'m> Generator<'m> {
    /// Records `0..records` of the corpus of `model` and `seed`.
    pub fn new(model: &'m Model, seed: u64, records: u64) -> Generator<'m> {
        Generator {
            model,
            seed,
            next: 0,
            end: records,
        }
    }

    /// Record `index` of the corpus, on its own: the same record the iterator yields at that
    /// position.
    pub fn record(&self, index: u64) -> Record {
        make_record(self.model, self.seed, index)
    }
}

impl Iterator for Generator<'_> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        if self.next >= self.end {
            return None;
        }
        let record = self.record(self.next);
        self.next += 1;
        Some(record)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.end - self.next).ok();
        (left.unwrap_or(usize::MAX), left)
    }
}

/// Record `index`: identifiers from the index, every other field drawn from the model.
fn make_record(model: &Model, seed: u64, index: u64) -> Record {
    let mut rng = Rng::for_record(seed, index);
    let pmid = (FIRST_PMID + index).to_string();
    let mut record = Record {
        id: pmid.clone(),
        pmid: Some(pmid),
        doi: Some(format!("10.5555/gen.{index}")),
        ..Record::default()
    };
    record.title = title(model, &mut rng);
    record.abstract_text = abstract_text(model, &mut rng);
    people(model, &mut rng, &mut record);
    terms(model, &mut rng, &mut record);
    source(model, &mut rng, &mut record);
    // Drawn last, so a sample without chemicals (the built-in one) makes the same records as
    // before chemicals were learned.
    chemicals(model, &mut rng, &mut record);
    record
}

fn title(model: &Model, rng: &mut Rng) -> String {
    let words = model.title_lengths.count(rng).max(2);
    let mentions = if rng.chance(model.title_therapy) {
        vec![rng.below(u64::from(words)) as u32]
    } else {
        Vec::new()
    };
    let mut text = Text::new(model, &model.title_words, mentions);
    let mut out = String::with_capacity(words as usize * 9);
    text.words(rng, &mut out, words, false);
    if rng.chance(model.title_period) {
        out.push('.');
    }
    out
}

fn abstract_text(model: &Model, rng: &mut Rng) -> String {
    if rng.chance(model.no_abstract) {
        return String::new();
    }
    let can_structure = !model.structured_lengths.is_empty() && !model.label_sequences.is_empty();
    let structured =
        can_structure && (rng.chance(model.structured) || model.plain_lengths.is_empty());
    let words = if structured {
        model.structured_lengths.count(rng)
    } else {
        model.plain_lengths.count(rng)
    };
    if words == 0 {
        return String::new();
    }
    let mentions = model.abstract_therapies.count(rng);
    let mut positions: Vec<u32> = (0..mentions)
        .map(|_| rng.below(u64::from(words)) as u32)
        .collect();
    positions.sort_unstable();
    let mut text = Text::new(model, &model.abstract_words, positions);
    let mut out = String::with_capacity(words as usize * 8);
    let labels = match model.label_sequences.sample(rng) {
        Some(labels) if structured && !labels.is_empty() => labels.as_slice(),
        _ => {
            text.words(rng, &mut out, words, true);
            return out;
        }
    };
    // Each section gets a share of the words, at least three.
    let weights: Vec<f64> = labels.iter().map(|_| 0.5 + rng.unit()).collect();
    let total: f64 = weights.iter().sum();
    for (label, weight) in labels.iter().zip(weights) {
        if !out.is_empty() {
            out.push('\n');
        }
        if !label.is_empty() {
            out.push_str(label);
            out.push_str(": ");
        }
        let share = (f64::from(words) * weight / total + 0.5) as u32;
        text.words(rng, &mut out, share.max(3), true);
    }
    out
}

/// Writes running text: words from a vocabulary, with therapy names at chosen positions.
struct Text<'m> {
    model: &'m Model,
    vocabulary: &'m Vocabulary,
    /// Word positions (sorted, counted over the whole text) that get a therapy name.
    mentions: Vec<u32>,
    next_mention: usize,
    position: u32,
}

impl<'m> Text<'m> {
    fn new(model: &'m Model, vocabulary: &'m Vocabulary, mentions: Vec<u32>) -> Text<'m> {
        Text {
            model,
            vocabulary,
            mentions,
            next_mention: 0,
            position: 0,
        }
    }

    /// Appends `count` words. As `sentences`, they are cut into sentences of the sample's
    /// lengths, with commas at its rate and a capital at the start of each; otherwise only
    /// the first word gets a capital (a title).
    fn words(&mut self, rng: &mut Rng, out: &mut String, count: u32, sentences: bool) {
        let mut left_in_sentence = 0u32;
        for index in 0..count {
            if index > 0 {
                out.push(' ');
            }
            let capital = if sentences {
                left_in_sentence == 0
            } else {
                index == 0
            };
            if left_in_sentence == 0 {
                left_in_sentence = self.model.sentence_lengths.count(rng).max(1);
            }
            let start = out.len();
            if self.mentions.get(self.next_mention) == Some(&self.position) {
                while self.mentions.get(self.next_mention) == Some(&self.position) {
                    self.next_mention += 1;
                }
                out.push_str(therapy_form(self.model, rng));
            } else {
                self.vocabulary.push(rng, out);
            }
            self.position += 1;
            if capital {
                if let Some(first) = out.get_mut(start..start + 1) {
                    first.make_ascii_uppercase();
                }
            }
            left_in_sentence -= 1;
            if sentences {
                if left_in_sentence == 0 || index + 1 == count {
                    out.push('.');
                    left_in_sentence = 0;
                } else if rng.chance(self.model.comma_rate) {
                    out.push(',');
                }
            }
        }
    }
}

/// A therapy name: mostly the forms the sample uses, as often as it uses them; otherwise any
/// canonical name or synonym of the lexicon.
fn therapy_form<'m>(model: &'m Model, rng: &mut Rng) -> &'m str {
    let forms = &model.therapy_forms;
    if !model.sample_forms.is_empty() && rng.chance(SAMPLE_FORM_SHARE) {
        if let Some(&index) = model.sample_forms.sample(rng) {
            return forms.form(index);
        }
    }
    forms.form(rng.below(forms.len() as u64) as u32)
}

/// Authors (recombined first and last names, or a group) and their affiliations.
fn people(model: &Model, rng: &mut Rng, record: &mut Record) {
    let count = model.authors.count(rng);
    for _ in 0..count {
        let name = if rng.chance(model.collective_rate) {
            model
                .collective_names
                .sample(rng)
                .map(|name| name.to_string())
        } else {
            match (model.first_names.sample(rng), model.last_names.sample(rng)) {
                (Some(first), Some(last)) => Some(format!("{first} {last}")),
                (None, Some(last)) => Some(last.to_string()),
                _ => None,
            }
        };
        if let Some(name) = name {
            record.authors.push(Author {
                name,
                affiliations: Vec::new(),
            });
        }
    }
    let wanted = (model.affiliation_counts.count(rng) as usize).min(record.authors.len());
    distinct(rng, wanted, &mut record.affiliations, |rng| {
        model.affiliations.sample(rng).map(|a| a.to_string())
    });
    // Positions are introduced in order (each author either brings the next affiliation or
    // shares one already named), so the affiliations list in the order a reader of the byline
    // meets them, which is how every parser numbers them.
    let total = record.affiliations.len();
    let mut introduced = 0;
    for (index, author) in record.authors.iter_mut().enumerate() {
        if total == 0 {
            break;
        }
        if introduced < total && (index == 0 || rng.chance(0.5)) {
            introduced += 1;
            author.affiliations.push(introduced as u32);
        } else {
            author
                .affiliations
                .push(1 + rng.below(introduced as u64) as u32);
        }
    }
    if let Some(last) = record.authors.last_mut() {
        for position in introduced + 1..=total {
            last.affiliations.push(position as u32);
        }
    }
}

/// Keywords and MeSH headings.
fn terms(model: &Model, rng: &mut Rng, record: &mut Record) {
    let wanted = model.keyword_counts.count(rng) as usize;
    distinct(rng, wanted, &mut record.keywords, |rng| {
        model.keywords.sample(rng).map(|k| k.to_string())
    });
    let wanted = model.mesh_counts.count(rng) as usize;
    let mut attempts = wanted * 4;
    while record.mesh.len() < wanted && attempts > 0 {
        attempts -= 1;
        let Some(mut heading) = heading(model, rng) else {
            continue;
        };
        if record
            .mesh
            .iter()
            .any(|h| h.descriptor == heading.descriptor)
        {
            continue;
        }
        if !heading.qualifiers.is_empty() {
            let wanted = model.qualifier_counts.count(rng).max(1) as usize;
            let mut names = Vec::new();
            distinct(rng, wanted, &mut names, |rng| {
                model.qualifiers.sample(rng).map(|q| q.to_string())
            });
            heading.qualifiers = names
                .into_iter()
                .map(|name| MeshQualifier {
                    name,
                    major: rng.chance(model.qualifier_major),
                })
                .collect();
        }
        let class = usize::from(!heading.qualifiers.is_empty());
        heading.major = rng.chance(model.descriptor_major[class]);
        record.mesh.push(heading);
    }
}

/// A descriptor: one the sample used, or (at the sample's rate of unseen descriptors) one of
/// the MeSH vocabulary. Its qualifiers are only marked here (one placeholder when it gets
/// any) and drawn by the caller.
fn heading(model: &Model, rng: &mut Rng) -> Option<MeshHeading> {
    let vocabulary = &model.mesh_vocabulary;
    let (descriptor, ui, qualified) = if !vocabulary.is_empty() && rng.chance(model.unseen_mesh) {
        let name = &vocabulary[rng.below(vocabulary.len() as u64) as usize];
        (name.to_string(), None, model.qualified_rate)
    } else {
        let index = *model.descriptor_draw.sample(rng)?;
        let descriptor = model.descriptors.get(index as usize)?;
        (
            descriptor.name.to_string(),
            descriptor.ui.as_deref().map(str::to_string),
            descriptor.qualified,
        )
    };
    let qualifiers = if rng.chance(qualified) {
        vec![MeshQualifier::default()]
    } else {
        Vec::new()
    };
    Some(MeshHeading {
        descriptor,
        ui,
        major: false,
        qualifiers,
    })
}

/// Journal (with its ISO abbreviation and country), year, volume, issue, pages, language and
/// publication types.
fn source(model: &Model, rng: &mut Rng, record: &mut Record) {
    if let Some(Some(journal)) = model.journals.sample(rng) {
        record.journal = Some(journal.title.to_string());
        record.journal_iso = journal.iso.as_deref().map(str::to_string);
        record.country = journal.country.as_deref().map(str::to_string);
    }
    record.year = model.years.sample(rng).copied().flatten();
    if rng.chance(model.volume_rate) {
        record.volume = Some((1 + rng.below(60)).to_string());
    }
    if rng.chance(model.issue_rate) {
        record.issue = Some((1 + rng.below(12)).to_string());
    }
    if rng.chance(model.pages_rate) {
        record.pages = Some(if rng.chance(model.locator_rate) {
            format!("e{}", 10_000 + rng.below(90_000))
        } else {
            let start = 1 + rng.below(2_000);
            let end = start + rng.below(15);
            if end > start {
                format!("{start}-{end}")
            } else {
                start.to_string()
            }
        });
    }
    if let Some(Some(language)) = model.languages.sample(rng) {
        record.language = Some(language.to_string());
    }
    if let Some(kinds) = model.publication_types.sample(rng) {
        record.publication_types = kinds.iter().map(|k| k.to_string()).collect();
    }
}

/// Chemicals and substances (PubMed's `ChemicalList`), which feed the therapy pass.
fn chemicals(model: &Model, rng: &mut Rng, record: &mut Record) {
    let wanted = model.chemical_counts.count(rng) as usize;
    distinct(rng, wanted, &mut record.chemicals, |rng| {
        model.chemicals.sample(rng).map(|c| c.to_string())
    });
}

/// Fills `list` up to `wanted` distinct values from `draw`, giving up after a few repeats
/// (a small pool may not have enough).
fn distinct(
    rng: &mut Rng,
    wanted: usize,
    list: &mut Vec<String>,
    mut draw: impl FnMut(&mut Rng) -> Option<String>,
) {
    let mut attempts = wanted * 4;
    while list.len() < wanted && attempts > 0 {
        attempts -= 1;
        match draw(rng) {
            Some(value) if !list.contains(&value) => list.push(value),
            Some(_) => {}
            None => return,
        }
    }
}
