//! Sample records to learn from: the built-in sample corpus (`data/sample`, compiled into
//! the binary so `medlit gen` works anywhere) and sample files read at run time (any input
//! format, detected; `.gz` and `.zst` decompressed), streamed one record at a time.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use super::model::ModelBuilder;
use super::unread::scan_pubmed_xml;
use crate::error::{Error, Result};
use crate::formats::abstract_page::AbstractPageReader;
use crate::formats::{Format, Parsed};
use crate::ingest::{collect_inputs, SilentObserver};
use crate::record::Record;

/// The files of `data/sample`: made-up case reports in the abstract-page format.
const BUILTIN_SAMPLE: &[&str] = &[
    include_str!("../../data/sample/batch_a.txt"),
    include_str!("../../data/sample/batch_b.txt"),
    include_str!("../../data/sample/case_001.txt"),
    include_str!("../../data/sample/case_002.txt"),
    include_str!("../../data/sample/case_003.txt"),
    include_str!("../../data/sample/case_004.txt"),
    include_str!("../../data/sample/case_005.txt"),
    include_str!("../../data/sample/case_006.txt"),
    include_str!("../../data/sample/case_007.txt"),
    include_str!("../../data/sample/case_008.txt"),
    include_str!("../../data/sample/case_009.txt"),
    include_str!("../../data/sample/case_010.txt"),
    include_str!("../../data/sample/case_011.txt"),
    include_str!("../../data/sample/case_012.txt"),
    include_str!("../../data/sample/case_013.txt"),
    include_str!("../../data/sample/case_014.txt"),
    include_str!("../../data/sample/case_015.txt"),
    include_str!("../../data/sample/case_016.txt"),
    include_str!("../../data/sample/case_017.txt"),
    include_str!("../../data/sample/case_018.txt"),
    include_str!("../../data/sample/case_019.txt"),
    include_str!("../../data/sample/case_020.txt"),
    include_str!("../../data/sample/case_021.txt"),
    include_str!("../../data/sample/case_022.txt"),
    include_str!("../../data/sample/case_023.txt"),
    include_str!("../../data/sample/case_024.txt"),
    include_str!("../../data/sample/case_025.txt"),
    include_str!("../../data/sample/case_026.txt"),
    include_str!("../../data/sample/case_027.txt"),
    include_str!("../../data/sample/case_028.txt"),
    include_str!("../../data/sample/case_029.txt"),
    include_str!("../../data/sample/case_030.txt"),
    include_str!("../../data/sample/case_031.txt"),
    include_str!("../../data/sample/case_032.txt"),
    include_str!("../../data/sample/case_033.txt"),
    include_str!("../../data/sample/case_034.txt"),
    include_str!("../../data/sample/case_035.txt"),
    include_str!("../../data/sample/case_036.txt"),
    include_str!("../../data/sample/case_037.txt"),
    include_str!("../../data/sample/case_038.txt"),
    include_str!("../../data/sample/case_039.txt"),
    include_str!("../../data/sample/case_040.txt"),
    include_str!("../../data/sample/case_041.txt"),
    include_str!("../../data/sample/case_042.txt"),
    include_str!("../../data/sample/case_043.txt"),
    include_str!("../../data/sample/case_044.txt"),
];

/// The records of the built-in sample corpus (`data/sample`).
pub fn builtin_sample() -> impl Iterator<Item = Record> {
    BUILTIN_SAMPLE
        .iter()
        .flat_map(|text| AbstractPageReader::new(text.as_bytes()).filter_map(|r| r.ok()))
}

/// What [`read_sample`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SampleSummary {
    /// Files read.
    pub files: u64,
    /// Records passed on.
    pub records: u64,
    /// Records that did not parse (left out).
    pub skipped: u64,
    /// Records whose parts medlit does not read (reference lists, history dates, …) were
    /// learned by [`learn_sample`]: those of PubMed XML files.
    pub unread_parts: u64,
}

/// Reads sample files (directories are walked as `medlit index` walks them) and passes each
/// record to `each`, so a sample of any size is read in constant memory:
///
/// ```no_run
/// # fn main() -> medlit::Result<()> {
/// let paths = ["../shared/data/pubmed_xml/pubmed_sample.xml.gz".into()];
/// let mut with_mesh = 0;
/// medlit::gen::read_sample(&paths, |record| with_mesh += u64::from(!record.mesh.is_empty()))?;
/// # Ok(()) }
/// ```
///
/// A path that does not exist or cannot be read, or a file in no known format, is an error;
/// records that do not parse are counted and left out.
pub fn read_sample(paths: &[PathBuf], mut each: impl FnMut(Record)) -> Result<SampleSummary> {
    each_sample_file(paths, |_, format, reader, summary| {
        read_records(format, reader, summary, &mut each);
        Ok(())
    })
}

/// Teaches `builder` the sample files' records, as [`read_sample`] reads them, and, in
/// PubMed XML files, the parts of each record medlit does not read (reference lists,
/// comment links, history dates, grants), which a second pass over each such file finds:
///
/// ```no_run
/// # fn main() -> medlit::Result<()> {
/// use medlit::gen::{self, ModelBuilder};
///
/// let mut builder = ModelBuilder::new();
/// let paths = ["../shared/data/pubmed_xml/pubmed_sample.xml.gz".into()];
/// gen::learn_sample(&paths, &mut builder)?;
/// let model = builder.build()?;
/// # Ok(()) }
/// ```
pub fn learn_sample(paths: &[PathBuf], builder: &mut ModelBuilder) -> Result<SampleSummary> {
    each_sample_file(paths, |file, format, reader, summary| {
        read_records(format, reader, summary, |record| builder.add(&record));
        if format == Format::PubmedXml {
            let reader = open(file).map_err(|source| Error::Io {
                path: file.to_path_buf(),
                source,
            })?;
            summary.unread_parts += scan_pubmed_xml(reader, |parts| builder.add_unread(parts));
        }
        Ok(())
    })
}

/// Passes every record `format` reads from `reader` to `each`, counting them in `summary`.
fn read_records(
    format: Format,
    reader: impl BufRead + Send + 'static,
    summary: &mut SampleSummary,
    mut each: impl FnMut(Record),
) {
    for parsed in format.parse(reader) {
        match parsed {
            Ok(Parsed::Record(record)) => {
                summary.records += 1;
                each(*record);
            }
            Ok(Parsed::Delete(_)) => {}
            Err(_) => summary.skipped += 1,
        }
    }
}

/// Opens each sample file (walking directories), detects its format and passes it to
/// `read`.
fn each_sample_file(
    paths: &[PathBuf],
    mut read: impl FnMut(&Path, Format, Box<dyn BufRead + Send>, &mut SampleSummary) -> Result<()>,
) -> Result<SampleSummary> {
    for path in paths {
        if !path.exists() {
            return Err(Error::Io {
                path: path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file or directory",
                ),
            });
        }
    }
    let mut summary = SampleSummary::default();
    for file in collect_inputs(paths, &SilentObserver) {
        summary.files += 1;
        let io_error = |source| Error::Io {
            path: file.clone(),
            source,
        };
        let reader = open(&file).map_err(io_error)?;
        let (head, reader) = peek(reader).map_err(io_error)?;
        let format = Format::detect(&head).ok_or_else(|| {
            Error::Usage(format!(
                "{}: not a sample medlit can read (PubMed XML, MEDLINE, JSON Lines or abstract-page text)",
                file.display()
            ))
        })?;
        read(&file, format, Box::new(reader), &mut summary)?;
    }
    Ok(summary)
}

/// Opens a file, decompressing gzip and zstd (recognised by their magic bytes).
fn open(path: &Path) -> std::io::Result<Box<dyn BufRead + Send>> {
    let mut reader = BufReader::with_capacity(1 << 16, File::open(path)?);
    let magic = reader.fill_buf()?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        let decoder = flate2::bufread::MultiGzDecoder::new(reader);
        Ok(Box::new(BufReader::with_capacity(1 << 16, decoder)))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let decoder = zstd::stream::read::Decoder::with_buffer(reader)?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, decoder)))
    } else {
        Ok(Box::new(reader))
    }
}

/// The first bytes of `reader` (to detect the format) and a reader that still yields them.
fn peek(mut reader: Box<dyn BufRead + Send>) -> std::io::Result<(Vec<u8>, impl BufRead + Send)> {
    let mut head = Vec::with_capacity(8 * 1024);
    (&mut reader).take(8 * 1024).read_to_end(&mut head)?;
    let rest = Cursor::new(head.clone()).chain(reader);
    Ok((head, rest))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::export::ExportFormat;
    use crate::gen::{generate, Model};

    #[test]
    fn the_builtin_sample_is_the_sample_directory() {
        let records: Vec<Record> = builtin_sample().collect();
        // 44 files of one record and two of four.
        assert_eq!(BUILTIN_SAMPLE.len(), 46);
        assert_eq!(records.len(), 52);
        assert!(records.iter().all(|r| !r.title.is_empty()));
    }

    #[test]
    fn sample_files_of_any_format_and_compression_are_read() {
        let model = Model::learn(builtin_sample()).expect("learns");
        let records: Vec<Record> = generate(&model, 1, 20).collect();
        let export = |format| {
            let mut exporter = crate::export::Exporter::new(format, Vec::new());
            for record in &records {
                exporter.write(record).expect("in memory");
            }
            exporter.finish().expect("in memory")
        };
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gzip.write_all(&export(ExportFormat::PubmedXml))
            .expect("in memory");
        let files = [
            ("a.xml.gz", gzip.finish().expect("in memory")),
            (
                "b.txt.zst",
                zstd::encode_all(export(ExportFormat::AbstractPage).as_slice(), 1)
                    .expect("in memory"),
            ),
            ("c.nbib", export(ExportFormat::Medline)),
            ("notes.md", b"not a sample".to_vec()),
        ];
        for (name, bytes) in &files {
            std::fs::write(dir.path().join(name), bytes).expect("writes");
        }
        let mut titles = Vec::new();
        let summary =
            read_sample(&[dir.path().to_path_buf()], |r| titles.push(r.title)).expect("reads");
        assert_eq!(
            summary,
            SampleSummary {
                files: 3,
                records: 60,
                skipped: 0,
                unread_parts: 0,
            }
        );
        assert_eq!(titles[20], records[0].title);

        // learn_sample also scans the PubMed XML file (gzip) for the parts medlit skips.
        let mut builder = ModelBuilder::new();
        let summary = learn_sample(&[dir.path().to_path_buf()], &mut builder).expect("reads");
        assert_eq!((summary.records, summary.unread_parts), (60, 20));

        let error = read_sample(&[dir.path().join("notes.md")], |_| {}).expect_err("unknown");
        assert!(error.to_string().contains("not a sample"), "{error}");
        let error = read_sample(&[dir.path().join("missing.xml")], |_| {}).expect_err("missing");
        assert!(error.to_string().contains("no such file"), "{error}");
    }
}
