//! Readers for MeSH as users get it. Each returns every descriptor or a clear error with the
//! line where the file stops making sense; nothing is stored until a whole file has been read,
//! so a truncated or wrong file leaves the vocabulary already in the index untouched.
//!
//! | format | layout |
//! |---|---|
//! | [`Source::Tsv`] | `UI\tname\tentry|entry\ttree|tree[\t…]`, as in `../shared/data/mesh/mesh_descriptors.tsv.gz` |
//! | [`Source::SupplementaryTsv`] | `UI\tname\tsynonym|synonym\tD…,D…` (supplementary concepts) |
//! | [`Source::Trees`] | NLM's `mtreesYYYY.bin`: `Name;TreeNumber` |
//! | [`Source::Ascii`] | NLM's `dYYYY.bin`: `*NEWRECORD`, `MH = `, `UI = `, `MN = `, `ENTRY = `/`PRINT ENTRY = ` |
//! | [`Source::Xml`] | NLM's `descYYYY.xml` (`DescriptorRecordSet`), streamed |

use std::io::BufRead;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{Descriptor, MeshError, Supplementary};

/// What a vocabulary file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Descriptors, tab-separated.
    Tsv,
    /// Supplementary concepts, tab-separated.
    SupplementaryTsv,
    /// `mtreesYYYY.bin`.
    Trees,
    /// `dYYYY.bin`.
    Ascii,
    /// `descYYYY.xml`.
    Xml,
}

/// Recognises a vocabulary file from its first bytes.
pub fn detect(head: &[u8]) -> Result<Source, MeshError> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let first = text.lines().next().unwrap_or("");
    if text.starts_with('<') {
        if text.contains("<DescriptorRecord") {
            return Ok(Source::Xml);
        }
        return Err(MeshError::Unrecognized(
            "an XML file without DescriptorRecord elements (not NLM's descYYYY.xml)".into(),
        ));
    }
    if first.starts_with("*NEWRECORD") {
        return Ok(Source::Ascii);
    }
    let columns: Vec<&str> = first.split('\t').collect();
    if columns.len() >= 4
        && columns[0].starts_with('D')
        && columns[0][1..].chars().all(|c| c.is_ascii_digit())
    {
        return Ok(Source::Tsv);
    }
    if columns.len() >= 4
        && columns[0].starts_with('C')
        && columns[0][1..].chars().all(|c| c.is_ascii_digit())
    {
        return Ok(Source::SupplementaryTsv);
    }
    if let Some((_, tree)) = first.rsplit_once(';') {
        if is_tree_number(tree.trim()) {
            return Ok(Source::Trees);
        }
    }
    Err(MeshError::Unrecognized(format!(
        "not a MeSH file medlit reads (descYYYY.xml, dYYYY.bin, mtreesYYYY.bin or the tab-separated form); it starts with {:?}",
        first.chars().take(60).collect::<String>()
    )))
}

/// True for `C15.378.140`-shaped text.
pub fn is_tree_number(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && text.len() >= 3
        && text[1..]
            .split('.')
            .all(|part| part.len() >= 2 && part.chars().all(|c| c.is_ascii_digit()))
}

/// What a vocabulary file gave.
#[derive(Debug, Default)]
pub struct Vocabulary {
    /// Descriptors.
    pub descriptors: Vec<Descriptor>,
    /// Supplementary concepts.
    pub supplementary: Vec<Supplementary>,
}

/// Reads a vocabulary file of any supported kind.
pub fn read(mut reader: impl BufRead) -> Result<Vocabulary, MeshError> {
    let source = detect(reader.fill_buf()?)?;
    let mut vocabulary = Vocabulary::default();
    match source {
        Source::Tsv => vocabulary.descriptors = read_tsv(reader)?,
        Source::SupplementaryTsv => vocabulary.supplementary = read_supplementary_tsv(reader)?,
        Source::Trees => vocabulary.descriptors = read_trees(reader)?,
        Source::Ascii => vocabulary.descriptors = read_ascii(reader)?,
        Source::Xml => vocabulary.descriptors = read_xml(reader)?,
    }
    Ok(vocabulary)
}

/// Reads a vocabulary file from disk, plain, gzip or zstd.
pub fn read_path(path: &std::path::Path) -> Result<Vocabulary, MeshError> {
    read(crate::ingest::open_path(path)?)
}

/// Lines of a text file with their numbers; invalid UTF-8 is an error naming the line.
fn numbered_lines(reader: impl BufRead) -> impl Iterator<Item = Result<(u64, String), MeshError>> {
    let mut line_no = 0;
    reader.split(b'\n').map(move |line| {
        line_no += 1;
        let bytes = line?;
        let text = String::from_utf8(bytes).map_err(|_| MeshError::Malformed {
            line: line_no,
            reason: "not UTF-8".into(),
        })?;
        Ok((line_no, text.trim_end_matches('\r').to_string()))
    })
}

fn list(text: &str, separator: char) -> Vec<String> {
    text.split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `UI \t name \t entries \t trees [\t …]`.
pub fn read_tsv(reader: impl BufRead) -> Result<Vec<Descriptor>, MeshError> {
    let mut descriptors = Vec::new();
    for line in numbered_lines(reader) {
        let (line_no, text) = line?;
        if text.trim().is_empty() {
            continue;
        }
        let columns: Vec<&str> = text.split('\t').collect();
        if columns.len() < 4 || !columns[0].starts_with('D') || columns[1].trim().is_empty() {
            return Err(MeshError::Malformed {
                line: line_no,
                reason: "expected `UI<TAB>name<TAB>entry terms<TAB>tree numbers`".into(),
            });
        }
        let tree_numbers = list(columns[3], '|');
        if let Some(bad) = tree_numbers.iter().find(|t| !is_tree_number(t)) {
            return Err(MeshError::Malformed {
                line: line_no,
                reason: format!("{bad:?} is not a tree number"),
            });
        }
        descriptors.push(Descriptor {
            ui: columns[0].trim().to_string(),
            name: columns[1].trim().to_string(),
            entry_terms: list(columns[2], '|'),
            tree_numbers,
        });
    }
    Ok(descriptors)
}

/// `UI \t name \t synonyms \t D…,D…`.
pub fn read_supplementary_tsv(reader: impl BufRead) -> Result<Vec<Supplementary>, MeshError> {
    let mut concepts = Vec::new();
    for line in numbered_lines(reader) {
        let (line_no, text) = line?;
        if text.trim().is_empty() {
            continue;
        }
        let columns: Vec<&str> = text.split('\t').collect();
        if columns.len() < 4 || columns[1].trim().is_empty() {
            return Err(MeshError::Malformed {
                line: line_no,
                reason: "expected `UI<TAB>name<TAB>synonyms<TAB>mapped descriptor UIs`".into(),
            });
        }
        concepts.push(Supplementary {
            ui: columns[0].trim().to_string(),
            name: columns[1].trim().to_string(),
            synonyms: list(columns[2], '|'),
            mapped_to: list(columns[3], ','),
        });
    }
    Ok(concepts)
}

/// `Name;TreeNumber`, one line per tree number.
pub fn read_trees(reader: impl BufRead) -> Result<Vec<Descriptor>, MeshError> {
    let mut descriptors = Vec::new();
    for line in numbered_lines(reader) {
        let (line_no, text) = line?;
        if text.trim().is_empty() {
            continue;
        }
        let Some((name, tree)) = text.rsplit_once(';') else {
            return Err(MeshError::Malformed {
                line: line_no,
                reason: "expected `Name;TreeNumber`".into(),
            });
        };
        if !is_tree_number(tree.trim()) || name.trim().is_empty() {
            return Err(MeshError::Malformed {
                line: line_no,
                reason: format!("{:?} is not `Name;TreeNumber`", text),
            });
        }
        descriptors.push(Descriptor {
            name: name.trim().to_string(),
            tree_numbers: vec![tree.trim().to_string()],
            ..Descriptor::default()
        });
    }
    Ok(descriptors)
}

/// NLM's ASCII descriptor file.
pub fn read_ascii(reader: impl BufRead) -> Result<Vec<Descriptor>, MeshError> {
    let mut descriptors = Vec::new();
    let mut current: Option<(u64, Descriptor)> = None;
    let finish = |current: Option<(u64, Descriptor)>, descriptors: &mut Vec<Descriptor>| {
        if let Some((line, descriptor)) = current {
            if descriptor.name.is_empty() {
                return Err(MeshError::Malformed {
                    line,
                    reason: "record without `MH = `".into(),
                });
            }
            descriptors.push(descriptor);
        }
        Ok(())
    };
    for line in numbered_lines(reader) {
        let (line_no, text) = line?;
        if text.starts_with("*NEWRECORD") {
            finish(current.take(), &mut descriptors)?;
            current = Some((line_no, Descriptor::default()));
            continue;
        }
        let Some((key, value)) = text.split_once(" = ") else {
            continue;
        };
        let Some((_, descriptor)) = current.as_mut() else {
            return Err(MeshError::Malformed {
                line: line_no,
                reason: "field before the first `*NEWRECORD`".into(),
            });
        };
        let value = value.trim();
        match key.trim() {
            "MH" => descriptor.name = value.to_string(),
            "UI" => descriptor.ui = value.to_string(),
            "MN" => descriptor.tree_numbers.push(value.to_string()),
            "ENTRY" | "PRINT ENTRY" => {
                let term = value.split('|').next().unwrap_or("").trim();
                if !term.is_empty() {
                    descriptor.entry_terms.push(term.to_string());
                }
            }
            _ => {}
        }
    }
    finish(current.take(), &mut descriptors)?;
    Ok(descriptors)
}

/// NLM's descriptor XML, streamed one `DescriptorRecord` at a time.
pub fn read_xml(reader: impl BufRead) -> Result<Vec<Descriptor>, MeshError> {
    let mut xml = Reader::from_reader(reader);
    xml.config_mut().check_end_names = true;
    let mut buffer = Vec::new();
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut descriptors = Vec::new();
    let mut current: Option<Descriptor> = None;
    let mut text = String::new();
    loop {
        let position = xml.buffer_position();
        let event = xml
            .read_event_into(&mut buffer)
            .map_err(|err| MeshError::Malformed {
                line: 0,
                reason: format!("malformed XML near byte {position}: {err}"),
            })?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_vec();
                if name == b"DescriptorRecord" {
                    current = Some(Descriptor::default());
                }
                path.push(name);
                text.clear();
            }
            Event::End(_) => {
                if let Some(descriptor) = current.as_mut() {
                    store_xml_text(&path, descriptor, text.trim());
                }
                if path.last().is_some_and(|n| n == b"DescriptorRecord") {
                    if let Some(descriptor) = current.take() {
                        if descriptor.ui.is_empty() || descriptor.name.is_empty() {
                            return Err(MeshError::Malformed {
                                line: 0,
                                reason: format!(
                                    "a DescriptorRecord near byte {position} has no UI or name"
                                ),
                            });
                        }
                        descriptors.push(descriptor);
                    }
                }
                path.pop();
                text.clear();
            }
            Event::Text(t) => {
                let decoded = t.unescape().map_err(|err| MeshError::Malformed {
                    line: 0,
                    reason: format!("bad text near byte {position}: {err}"),
                })?;
                text.push_str(&decoded);
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    if !path.is_empty() || current.is_some() {
        return Err(MeshError::Malformed {
            line: 0,
            reason: "the file ends inside a DescriptorRecord (truncated?)".into(),
        });
    }
    if descriptors.is_empty() {
        return Err(MeshError::Unrecognized(
            "no DescriptorRecord in the file".into(),
        ));
    }
    Ok(descriptors)
}

/// Puts the text of the element that just closed where it belongs.
fn store_xml_text(path: &[Vec<u8>], descriptor: &mut Descriptor, text: &str) {
    let n = path.len();
    let at = |i: usize| {
        path.get(n.wrapping_sub(i))
            .map(Vec::as_slice)
            .unwrap_or(b"")
    };
    match (at(3), at(2), at(1)) {
        (_, b"DescriptorRecord", b"DescriptorUI") => descriptor.ui = text.to_string(),
        (b"DescriptorRecord", b"DescriptorName", b"String") => descriptor.name = text.to_string(),
        (_, b"TreeNumberList", b"TreeNumber") => descriptor.tree_numbers.push(text.to_string()),
        (b"TermList", b"Term", b"String")
            if text != descriptor.name && !descriptor.entry_terms.iter().any(|t| t == text) =>
        {
            descriptor.entry_terms.push(text.to_string());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = include_str!("../../tests/fixtures/mesh/desc_small.xml");
    const ASCII: &str = include_str!("../../tests/fixtures/mesh/d_small.bin");
    const TREES: &str = include_str!("../../tests/fixtures/mesh/mtrees_small.bin");
    const TSV: &str = include_str!("../../tests/fixtures/mesh/descriptors_small.tsv");

    fn by_name<'d>(descriptors: &'d [Descriptor], name: &str) -> &'d Descriptor {
        descriptors
            .iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn every_format_is_detected() {
        assert_eq!(detect(XML.as_bytes()).expect("xml"), Source::Xml);
        assert_eq!(detect(ASCII.as_bytes()).expect("ascii"), Source::Ascii);
        assert_eq!(detect(TREES.as_bytes()).expect("trees"), Source::Trees);
        assert_eq!(detect(TSV.as_bytes()).expect("tsv"), Source::Tsv);
        assert_eq!(
            detect(b"C000002\tbevonium\t\tD001561\n").expect("scr"),
            Source::SupplementaryTsv
        );
        assert!(detect(b"hello world").is_err());
        assert!(detect(b"<html></html>").is_err());
    }

    #[test]
    fn xml_descriptors_with_entry_terms_and_trees() {
        let descriptors = read_xml(XML.as_bytes()).expect("reads");
        assert_eq!(descriptors.len(), 3);
        let itp = by_name(&descriptors, "Purpura, Thrombocytopenic, Idiopathic");
        assert_eq!(itp.ui, "D016553");
        assert_eq!(
            itp.tree_numbers,
            [
                "C15.378.100.802.687",
                "C15.378.140.855.925.750",
                "C20.111.759"
            ]
        );
        assert_eq!(
            itp.entry_terms,
            ["Immune Thrombocytopenia", "ITP", "Werlhof Disease"]
        );
    }

    #[test]
    fn ascii_descriptors() {
        let descriptors = read_ascii(ASCII.as_bytes()).expect("reads");
        assert_eq!(descriptors.len(), 3);
        let cyclosporine = by_name(&descriptors, "Cyclosporine");
        assert_eq!(cyclosporine.ui, "D016572");
        assert_eq!(
            cyclosporine.tree_numbers,
            ["D02.540.505.250", "D12.644.641.200"]
        );
        assert_eq!(
            cyclosporine.entry_terms,
            ["Ciclosporin", "Cyclosporin", "Cyclosporin A"]
        );
    }

    #[test]
    fn tree_file_lines() {
        let descriptors = read_trees(TREES.as_bytes()).expect("reads");
        assert_eq!(descriptors.len(), 7);
        assert_eq!(descriptors[0].name, "Hemic and Lymphatic Diseases");
        assert!(descriptors.iter().all(|d| d.ui.is_empty()));
    }

    #[test]
    fn tsv_descriptors() {
        let descriptors = read_tsv(TSV.as_bytes()).expect("reads");
        assert_eq!(descriptors.len(), 4);
        let thrombocytopenia = by_name(&descriptors, "Thrombocytopenia");
        assert_eq!(
            thrombocytopenia.entry_terms,
            ["Thrombopenia", "Thrombocytopenias"]
        );
    }

    #[test]
    fn truncated_and_wrong_files_are_errors_with_lines() {
        let cut = &XML[..XML.rfind("</DescriptorRecord>").expect("a record end")];
        assert!(read_xml(cut.as_bytes())
            .expect_err("truncated")
            .to_string()
            .contains("truncated"));
        let error = read_tsv("D000001\tName\t\tA01\nnot a line\n".as_bytes()).expect_err("bad");
        assert_eq!(
            error.to_string(),
            "line 2: expected `UI<TAB>name<TAB>entry terms<TAB>tree numbers`"
        );
        let error = read_trees("Body Regions;A01\nBroken line\n".as_bytes()).expect_err("bad");
        assert!(error.to_string().starts_with("line 2:"), "{error}");
        let error = read_ascii("MH = Orphan\n".as_bytes()).expect_err("bad");
        assert!(error.to_string().contains("before the first"), "{error}");
    }

    #[test]
    fn tree_numbers_are_recognised() {
        assert!(is_tree_number("C15.378.140"));
        assert!(is_tree_number("A01"));
        assert!(!is_tree_number("C"));
        assert!(!is_tree_number("Diseases"));
        assert!(!is_tree_number("C15.3x"));
    }
}
