//! The record as the index stores it: a compact binary layout that `show`, `export` and the
//! search results decode back into the very [`Record`] that was indexed.
//!
//! Every field in [`Record`]'s declaration order; a text is its length in bytes then its
//! UTF-8 bytes, an optional text the length plus one (0 for none), a list its count then its
//! items, a number a LEB128 varint, a flag one byte. The layout has no field names and no
//! escaping: JSON cost 7% of the parsing thread during ingest (escaping every text and
//! writing every name), and stored more bytes. The schema version ([`crate::schema`]) names
//! the layout: an index written with another layout is refused before any record is read.

use super::{Author, MeshHeading, MeshQualifier, Record};

/// A stored record that cannot be decoded: the index is damaged, or was written by another
/// program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {at} of {len}")]
pub struct StoredRecordError {
    /// What is wrong.
    what: &'static str,
    /// Where the problem starts.
    at: usize,
    /// Length of the stored bytes.
    len: usize,
}

/// Appends the stored form of `record` to `out`.
pub fn encode(record: &Record, out: &mut Vec<u8>) {
    // Destructured so that a new field of `Record` does not compile until it is stored.
    let Record {
        id,
        title,
        doi,
        pmid,
        pmc,
        authors,
        affiliations,
        publication_types,
        keywords,
        mesh,
        journal,
        journal_iso,
        year,
        volume,
        issue,
        pages,
        country,
        language,
        abstract_text,
        chemicals,
        therapies,
    } = record;
    let mut writer = Writer(out);
    writer.text(id);
    writer.text(title);
    writer.optional_text(doi.as_deref());
    writer.optional_text(pmid.as_deref());
    writer.optional_text(pmc.as_deref());
    writer.list(authors, Writer::author);
    writer.texts(affiliations);
    writer.texts(publication_types);
    writer.texts(keywords);
    writer.list(mesh, Writer::heading);
    writer.optional_text(journal.as_deref());
    writer.optional_text(journal_iso.as_deref());
    writer.varint(year.map_or(0, |year| u64::from(year) + 1));
    writer.optional_text(volume.as_deref());
    writer.optional_text(issue.as_deref());
    writer.optional_text(pages.as_deref());
    writer.optional_text(country.as_deref());
    writer.optional_text(language.as_deref());
    writer.text(abstract_text);
    writer.texts(chemicals);
    writer.texts(therapies);
}

/// The record stored as `bytes` by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Record, StoredRecordError> {
    let mut reader = Reader { bytes, at: 0 };
    let record = Record {
        id: reader.text()?,
        title: reader.text()?,
        doi: reader.optional_text()?,
        pmid: reader.optional_text()?,
        pmc: reader.optional_text()?,
        authors: reader.list(Reader::author)?,
        affiliations: reader.list(Reader::text)?,
        publication_types: reader.list(Reader::text)?,
        keywords: reader.list(Reader::text)?,
        mesh: reader.list(Reader::heading)?,
        journal: reader.optional_text()?,
        journal_iso: reader.optional_text()?,
        year: reader.year()?,
        volume: reader.optional_text()?,
        issue: reader.optional_text()?,
        pages: reader.optional_text()?,
        country: reader.optional_text()?,
        language: reader.optional_text()?,
        abstract_text: reader.text()?,
        chemicals: reader.list(Reader::text)?,
        therapies: reader.list(Reader::text)?,
    };
    if reader.at != bytes.len() {
        return Err(reader.error("bytes left over after the record"));
    }
    Ok(record)
}

/// Writes the parts of the layout.
struct Writer<'o>(&'o mut Vec<u8>);

impl Writer<'_> {
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    fn count(&mut self, count: usize) {
        self.varint(count as u64);
    }

    fn text(&mut self, text: &str) {
        self.count(text.len());
        self.0.extend_from_slice(text.as_bytes());
    }

    fn optional_text(&mut self, text: Option<&str>) {
        match text {
            None => self.varint(0),
            Some(text) => {
                self.count(text.len() + 1);
                self.0.extend_from_slice(text.as_bytes());
            }
        }
    }

    fn flag(&mut self, flag: bool) {
        self.0.push(u8::from(flag));
    }

    /// A list: its count, then each item as `item` writes it.
    fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) {
        self.count(items.len());
        for each in items {
            item(self, each);
        }
    }

    fn texts(&mut self, texts: &[String]) {
        self.list(texts, |writer, text| writer.text(text));
    }

    fn author(&mut self, author: &Author) {
        let Author { name, affiliations } = author;
        self.text(name);
        self.list(affiliations, |writer, &affiliation| {
            writer.varint(u64::from(affiliation));
        });
    }

    fn heading(&mut self, heading: &MeshHeading) {
        let MeshHeading {
            descriptor,
            ui,
            major,
            qualifiers,
        } = heading;
        self.text(descriptor);
        self.optional_text(ui.as_deref());
        self.flag(*major);
        self.list(qualifiers, |writer, MeshQualifier { name, major }| {
            writer.text(name);
            writer.flag(*major);
        });
    }
}

/// Items a list is allocated for before they are read.
const PRESIZED_ITEMS: usize = 64;

/// Reads the parts of the layout, checking each against the bytes left.
struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, what: &'static str) -> StoredRecordError {
        StoredRecordError {
            what,
            at: self.at,
            len: self.bytes.len(),
        }
    }

    fn byte(&mut self) -> Result<u8, StoredRecordError> {
        let byte = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| self.error("record cut short"))?;
        self.at += 1;
        Ok(byte)
    }

    fn varint(&mut self) -> Result<u64, StoredRecordError> {
        let start = self.at;
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            // The tenth byte holds bit 63 only.
            if shift == 63 && byte > 1 {
                break;
            }
            value |= u64::from(byte & 0x7F) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        self.at = start;
        Err(self.error("number longer than 64 bits"))
    }

    /// A length or count, which cannot exceed the bytes left (every item takes one at least).
    fn count(&mut self) -> Result<usize, StoredRecordError> {
        let start = self.at;
        let count = self.varint()?;
        match usize::try_from(count) {
            Ok(count) if count <= self.bytes.len() - self.at => Ok(count),
            _ => {
                self.at = start;
                Err(self.error("length beyond the end of the record"))
            }
        }
    }

    fn text_of_len(&mut self, len: usize) -> Result<String, StoredRecordError> {
        let bytes = &self.bytes[self.at..self.at + len];
        let text = std::str::from_utf8(bytes).map_err(|_| self.error("text not UTF-8"))?;
        self.at += len;
        Ok(text.to_string())
    }

    fn text(&mut self) -> Result<String, StoredRecordError> {
        let len = self.count()?;
        self.text_of_len(len)
    }

    fn optional_text(&mut self) -> Result<Option<String>, StoredRecordError> {
        match self.count()? {
            0 => Ok(None),
            len_plus_one => self.text_of_len(len_plus_one - 1).map(Some),
        }
    }

    fn flag(&mut self) -> Result<bool, StoredRecordError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => {
                self.at -= 1;
                Err(self.error("flag neither 0 nor 1"))
            }
        }
    }

    fn u32(&mut self) -> Result<u32, StoredRecordError> {
        let start = self.at;
        let value = self.varint()?;
        u32::try_from(value).map_err(|_| {
            self.at = start;
            self.error("number beyond 32 bits")
        })
    }

    fn year(&mut self) -> Result<Option<u16>, StoredRecordError> {
        let start = self.at;
        match self.varint()? {
            0 => Ok(None),
            year_plus_one => u16::try_from(year_plus_one - 1).map(Some).map_err(|_| {
                self.at = start;
                self.error("year beyond 65535")
            }),
        }
    }

    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, StoredRecordError>,
    ) -> Result<Vec<T>, StoredRecordError> {
        let count = self.count()?;
        // A damaged count is bounded by the bytes left, not by what its items take in memory
        // (a MeSH heading is 80 bytes): room for a few, then growth as items really come.
        let mut items = Vec::with_capacity(count.min(PRESIZED_ITEMS));
        for _ in 0..count {
            items.push(item(self)?);
        }
        Ok(items)
    }

    fn author(&mut self) -> Result<Author, StoredRecordError> {
        Ok(Author {
            name: self.text()?,
            affiliations: self.list(Reader::u32)?,
        })
    }

    fn heading(&mut self) -> Result<MeshHeading, StoredRecordError> {
        Ok(MeshHeading {
            descriptor: self.text()?,
            ui: self.optional_text()?,
            major: self.flag()?,
            qualifiers: self.list(|reader| {
                Ok(MeshQualifier {
                    name: reader.text()?,
                    major: reader.flag()?,
                })
            })?,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn seed_like_record() -> Record {
        Record {
            id: "10.1186/s13256-024-04379-w".into(),
            title: "Mesenchymal stem cells for \"immune\" thrombocytopenia: two cases".into(),
            doi: Some("10.1186/s13256-024-04379-w".into()),
            authors: vec![Author {
                name: "Bo ZHANG".into(),
                affiliations: vec![1, 2],
            }],
            affiliations: vec!["Chongqing, China".into(), "Peking".into()],
            mesh: vec![MeshHeading {
                descriptor: "Thrombocytopenia".into(),
                ui: None,
                major: true,
                qualifiers: vec![MeshQualifier {
                    name: "therapy".into(),
                    major: false,
                }],
            }],
            year: Some(2024),
            abstract_text: "Case 1 was a child.\nCase 2 — Gaucher's disease.".into(),
            therapies: vec!["rituximab".into()],
            ..Record::default()
        }
    }

    #[test]
    fn a_record_comes_back_as_it_was_stored() {
        for record in [Record::default(), seed_like_record()] {
            let mut bytes = Vec::new();
            encode(&record, &mut bytes);
            assert_eq!(decode(&bytes), Ok(record));
        }
    }

    #[test]
    fn numbers_past_64_bits_are_refused() {
        let mut reader = Reader {
            bytes: &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            at: 0,
        };
        assert_eq!(reader.varint(), Ok(u64::MAX));
        let mut reader = Reader {
            bytes: &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],
            at: 0,
        };
        assert_eq!(
            reader.varint().expect_err("65 bits").to_string(),
            "number longer than 64 bits at byte 0 of 10"
        );
    }

    #[test]
    fn an_empty_text_and_a_missing_one_stay_apart() {
        let record = Record {
            doi: Some(String::new()),
            year: Some(0),
            ..Record::default()
        };
        let mut bytes = Vec::new();
        encode(&record, &mut bytes);
        assert_eq!(decode(&bytes), Ok(record));
    }

    #[test]
    fn damaged_records_are_refused_with_the_place() {
        let mut bytes = Vec::new();
        encode(&seed_like_record(), &mut bytes);
        // The last text, `rituximab`, has lost its last 3 bytes: its length is 10 from the end.
        assert_eq!(
            decode(&bytes[..bytes.len() - 3])
                .expect_err("cut")
                .to_string(),
            format!(
                "length beyond the end of the record at byte {} of {}",
                bytes.len() - 10,
                bytes.len() - 3
            )
        );
        // Its count (1) is 11 from the end, with nothing after it.
        assert_eq!(
            decode(&bytes[..bytes.len() - 10])
                .expect_err("cut")
                .to_string(),
            format!(
                "length beyond the end of the record at byte {} of {}",
                bytes.len() - 11,
                bytes.len() - 10
            )
        );
        assert_eq!(
            decode(&[]).expect_err("empty").to_string(),
            "record cut short at byte 0 of 0"
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            decode(&longer).expect_err("too long").to_string(),
            format!(
                "bytes left over after the record at byte {0} of {1}",
                bytes.len(),
                bytes.len() + 1
            )
        );
        // The id's length says 200 bytes follow.
        let mut too_long = bytes.clone();
        too_long[0] = 200;
        assert_eq!(
            decode(&too_long).expect_err("length").to_string(),
            format!(
                "length beyond the end of the record at byte 0 of {}",
                bytes.len()
            )
        );
        let mut not_utf8 = bytes.clone();
        not_utf8[1] = 0xFF;
        assert_eq!(
            decode(&not_utf8).expect_err("utf-8").to_string(),
            format!("text not UTF-8 at byte 1 of {}", bytes.len())
        );
    }

    proptest! {
        #[test]
        fn any_bytes_decode_or_are_refused_without_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let _ = decode(&bytes);
        }
    }
}
