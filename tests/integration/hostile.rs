//! Hostile input (issue #6): for every record format, files that are empty, binary, cut
//! short, badly encoded, huge, deeply nested, entity bombs, empty records, duplicate ids and
//! control characters. Every case runs `medlit index --json` on files generated here and
//! asserts: exit status 0, no panic, the exact `indexed`/`skipped`/`records` counts, and that
//! every skip message names the file and a position in it (whole-file problems name the
//! file). The huge cases also bound the child's peak memory (RSS from `wait4`).
//!
//! RELIABILITY.md ("Hostile input") lists the cases and the behaviour chosen for each.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{stdout, CliTest, IngestJson};

/// Peak memory allowed to one `medlit index` run on the huge inputs.
const MAX_RSS_BYTES: u64 = 400 << 20;

// ---------------------------------------------------------------------------------------
// Running medlit
// ---------------------------------------------------------------------------------------

/// One `medlit index --json` run.
struct Run {
    summary: IngestJson,
    stderr: String,
    /// Peak resident memory of the child.
    peak_rss_bytes: u64,
}

impl Run {
    /// Asserts the counts of the run.
    fn counts(&self, indexed: u64, skipped: u64, records: u64) -> &Self {
        let s = &self.summary;
        assert_eq!(
            (s.indexed, s.skipped, s.records),
            (indexed, skipped, records),
            "(indexed, skipped, records); stderr:\n{}",
            self.stderr
        );
        self
    }

    /// The skip messages: `medlit: skipped PATH: …`.
    fn skips(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter_map(|line| line.strip_prefix("medlit: skipped "))
            .collect()
    }

    /// Asserts one message per skip, each naming `path` and a position in it (`line N`,
    /// `byte N` or `record N`), and each expected text in some message.
    fn messages(&self, path: &Path, expected: &[&str]) -> &Self {
        self.check_messages(path, expected, true)
    }

    /// Like [`Run::messages`], for problems with the whole file (no position).
    fn file_messages(&self, path: &Path, expected: &[&str]) -> &Self {
        self.check_messages(path, expected, false)
    }

    fn check_messages(&self, path: &Path, expected: &[&str], positioned: bool) -> &Self {
        let skips = self.skips();
        assert_eq!(skips.len() as u64, self.summary.skipped, "{}", self.stderr);
        let prefix = format!("{}: ", path.display());
        for skip in &skips {
            let rest = skip
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("message without the path {prefix:?}: {skip}"));
            if positioned {
                assert!(has_position(rest), "message without a position: {skip}");
            }
        }
        for text in expected {
            assert!(
                skips.iter().any(|skip| skip.contains(text)),
                "no message contains {text:?}:\n{}",
                self.stderr
            );
        }
        self
    }

    /// Asserts that the child's peak memory stayed under [`MAX_RSS_BYTES`].
    fn bounded_memory(&self) -> &Self {
        assert!(
            self.peak_rss_bytes < MAX_RSS_BYTES,
            "peak RSS {} MiB",
            self.peak_rss_bytes >> 20
        );
        self
    }
}

/// `line 12`, `byte 3`, `record 2` at the start of a message (after the path).
fn has_position(message: &str) -> bool {
    let location = message.split(": ").next().unwrap_or("");
    location.split(", ").any(|part| {
        let mut words = part.split(' ');
        matches!(words.next(), Some("line" | "byte" | "record"))
            && words.next().is_some_and(|n| {
                n.parse::<u64>()
                    .is_ok_and(|n| n > 0 || part.starts_with("byte"))
            })
    })
}

/// `medlit index PATH --index <test index> --json [--format F]`, asserting exit status 0 and
/// no panic.
fn index(test: &CliTest, path: &Path, format: Option<Format>) -> Run {
    let mut args = vec![
        "index".into(),
        path.as_os_str().to_owned(),
        "--index".into(),
        test.index_dir().into_os_string(),
        "--json".into(),
    ];
    if let Some(format) = format {
        args.extend(["--format".into(), format.name().into()]);
    }
    let (code, out, err, peak_rss_bytes) = run_measured(test.path(), &args);
    let stderr = String::from_utf8_lossy(&err).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code, 0, "exit status; stderr:\n{stderr}");
    let summary = serde_json::from_slice(&out).unwrap_or_else(|err| {
        panic!(
            "stdout is not the summary ({err}): {}",
            String::from_utf8_lossy(&out)
        )
    });
    Run {
        summary,
        stderr,
        peak_rss_bytes,
    }
}

/// Runs `medlit ARGS` in `dir` with a cleared environment; returns its exit code, stdout,
/// stderr and peak RSS in bytes. The child is reaped with `wait4`, whose resource usage is
/// that one child's (`getrusage(RUSAGE_CHILDREN)` would mix in the other tests' children).
fn run_measured(dir: &Path, args: &[std::ffi::OsString]) -> (i32, Vec<u8>, Vec<u8>, u64) {
    #[allow(clippy::zombie_processes)] // reaped by `wait4` below
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("medlit"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("medlit starts");
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let err_reader = std::thread::spawn(move || {
        let mut err = Vec::new();
        err_pipe.read_to_end(&mut err).map(|_| err)
    });
    let mut out = Vec::new();
    out_pipe.read_to_end(&mut out).expect("read stdout");
    let err = err_reader
        .join()
        .expect("stderr reader")
        .expect("read stderr");
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value (plain integers and timevals).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our unreaped child and both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // Linux reports ru_maxrss in KiB.
    let peak = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    (code, out, err, peak)
}

/// `medlit ARGS --index <test index>` (no measurement), asserting exit status 0.
fn medlit_output(test: &CliTest, args: &[&str]) -> String {
    let output = test
        .medlit()
        .args(args)
        .arg("--index")
        .arg(test.index_dir())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    stdout(&output)
}

/// The ids `medlit search QUERY --json` finds.
fn search_ids(test: &CliTest, query: &str) -> Vec<String> {
    let (found, _) = test.search(&[query, "--limit", "100"]);
    let mut ids: Vec<String> = found.hits.iter().map(|h| h.id.clone()).collect();
    ids.sort();
    ids
}

// ---------------------------------------------------------------------------------------
// Generated inputs
// ---------------------------------------------------------------------------------------

/// The record formats, and id-text for the encoding cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Medline,
    Jsonl,
    Page,
    IdText,
}

const RECORD_FORMATS: [Format; 4] = [Format::Xml, Format::Medline, Format::Jsonl, Format::Page];
const ALL_FORMATS: [Format; 5] = [
    Format::Xml,
    Format::Medline,
    Format::Jsonl,
    Format::Page,
    Format::IdText,
];

/// One generated record: its text.
struct Rec {
    text: String,
    /// Where the abstract's text starts and ends within `text`.
    abstract_at: (usize, usize),
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Xml => "pubmed-xml",
            Format::Medline => "medline",
            Format::Jsonl => "jsonl",
            Format::Page => "abstract-page",
            Format::IdText => "id-text",
        }
    }

    fn file_name(self, case: &str) -> String {
        let extension = match self {
            Format::Xml => "xml",
            Format::Medline => "nbib",
            Format::Jsonl => "jsonl",
            Format::Page | Format::IdText => "txt",
        };
        format!("{case}-{}.{extension}", self.name())
    }

    /// The id medlit gives the record numbered `n`.
    fn id(self, n: u32) -> String {
        match self {
            Format::Page => format!("10.5555/hostile.{n}"),
            Format::IdText => format!("DOC-{n}"),
            _ => n.to_string(),
        }
    }

    fn header(self, declaration: &str) -> String {
        match self {
            Format::Xml => format!("<?xml version=\"1.0\"{declaration}?>\n<PubmedArticleSet>\n"),
            _ => String::new(),
        }
    }

    fn footer(self) -> &'static str {
        match self {
            Format::Xml => "</PubmedArticleSet>\n",
            _ => "",
        }
    }

    /// Record `n` with this title and abstract (written as they are: no escaping but JSON's).
    fn record(self, n: u32, title: &str, abstract_text: &str) -> Rec {
        let (before, after) = match self {
            Format::Xml => (
                format!(
                    "<PubmedArticle><MedlineCitation><PMID Version=\"1\">{n}</PMID><Article><ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText>"
                ),
                "</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n"
                    .to_string(),
            ),
            Format::Medline => (
                format!("PMID- {n}\nTI  - {title}\nAB  - "),
                "\n\n".to_string(),
            ),
            Format::Jsonl => {
                let title = serde_json::to_string(title).expect("string");
                (
                    format!("{{\"id\":\"{n}\",\"title\":{title},\"abstract\":\""),
                    "\"}\n".to_string(),
                )
            }
            Format::Page => (
                format!("{title}\n10.5555/hostile.{n}\n- MeSH:\nHumans;\n-\nAbstract:\n"),
                "\n\n".to_string(),
            ),
            Format::IdText => (format!("DOC-{n}\t{title} "), "\n".to_string()),
        };
        let abstract_text = match self {
            Format::Jsonl => {
                let quoted = serde_json::to_string(abstract_text).expect("string");
                quoted[1..quoted.len() - 1].to_string()
            }
            _ => abstract_text.to_string(),
        };
        let text = format!("{before}{abstract_text}{after}");
        Rec {
            abstract_at: (before.len(), before.len() + abstract_text.len()),
            text,
        }
    }

    /// An ordinary record.
    fn plain(self, n: u32) -> Rec {
        self.record(
            n,
            &format!("Hostile record {n} on platelets"),
            &format!("Plain abstract number {n} about thrombocytopenia and zebrafish."),
        )
    }

    /// A whole file of records.
    fn file(self, records: &[Rec]) -> String {
        let mut text = self.header("");
        for record in records {
            text.push_str(&record.text);
        }
        text.push_str(self.footer());
        text
    }

    fn plain_file(self, numbers: impl IntoIterator<Item = u32>) -> String {
        let records: Vec<Rec> = numbers.into_iter().map(|n| self.plain(n)).collect();
        self.file(&records)
    }
}

/// splitmix64: fixed-seed pseudo-random numbers.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn encode_utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        let pair = if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        };
        bytes.extend_from_slice(&pair);
    }
    bytes
}

fn encode_latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1 character"))
        .collect()
}

fn write(test: &CliTest, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    test.write(name, contents)
}

// ---------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------

#[test]
fn empty_files_are_reported_as_empty() {
    for format in ALL_FORMATS {
        let test = CliTest::new();
        let path = write(&test, &format.file_name("empty"), "");
        index(&test, &path, None)
            .counts(0, 1, 0)
            .file_messages(&path, &["empty file"]);
        let forced = index(&test, &path, Some(format));
        forced.counts(0, 1, 0).file_messages(&path, &["empty file"]);
    }
    let test = CliTest::new();
    let gz = write(&test, "empty.jsonl.gz", gzip(b""));
    index(&test, &gz, None)
        .counts(0, 1, 0)
        .file_messages(&gz, &["empty file (after decompression)"]);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("finish")
}

#[test]
fn binary_garbage_is_refused_as_a_whole_file() {
    let mut random = Random(0x6);
    let garbage = random.bytes(64 * 1024);
    assert!(garbage[..8192].contains(&0));
    for format in RECORD_FORMATS {
        let test = CliTest::new();
        let path = write(&test, &format.file_name("garbage"), &garbage);
        index(&test, &path, Some(format))
            .counts(0, 1, 0)
            .file_messages(&path, &["binary file (contains NUL bytes)"]);
    }
}

/// A 4 KiB line of random bytes (no NUL, no newline) after record 2 of 4.
#[test]
fn a_garbage_line_between_good_records_costs_at_most_one_record() {
    let mut random = Random(0x7);
    let garbage: Vec<u8> = random
        .bytes(8 * 1024)
        .into_iter()
        .filter(|&b| b != 0 && b != b'\n')
        .take(4096)
        .collect();
    for format in RECORD_FORMATS {
        let test = CliTest::new();
        let mut bytes = format.header("").into_bytes();
        for n in 1..=4 {
            bytes.extend_from_slice(format.plain(n).text.as_bytes());
            if n == 2 {
                bytes.extend_from_slice(&garbage);
                bytes.extend_from_slice(b"\n\n");
            }
        }
        bytes.extend_from_slice(format.footer().as_bytes());
        let path = write(&test, &format.file_name("garbage-line"), bytes);
        let run = index(&test, &path, Some(format));
        match format {
            // Outside any record: not PubMed XML's business.
            Format::Xml => run.counts(4, 0, 4),
            // A line of its own, reported.
            Format::Medline | Format::Jsonl => run
                .counts(4, 1, 4)
                .messages(&path, &["invalid UTF-8 at column"]),
            // The page format has no record end: the line belongs to record 2's abstract.
            _ => run.counts(3, 1, 3).messages(
                &path,
                &["record 2, line 9: invalid UTF-8 at line 17, column 1"],
            ),
        };
    }
}

/// Six records cut at fixed pseudo-random offsets. PubMed XML and JSON Lines mark the end
/// of a record, so a cut anywhere keeps exactly the records that ended before it and
/// reports the cut one. MEDLINE and abstract-page records have no end mark: a record cut
/// inside its abstract is indexed with the text before the cut.
#[test]
fn truncated_files_keep_every_record_before_the_cut() {
    let mut random = Random(0x8);
    for format in RECORD_FORMATS {
        let records: Vec<Rec> = (1..=6).map(|n| format.plain(n)).collect();
        let text = format.file(&records);
        let mut starts = Vec::new();
        let mut at = format.header("").len();
        for record in &records {
            starts.push(at);
            at += record.text.len();
        }
        for case in 0..4 {
            let (cut, expected) = match format {
                Format::Xml | Format::Jsonl => {
                    let cut = random.below(text.len());
                    (cut, marked_end_expectation(format, &records, &starts, cut))
                }
                _ => {
                    let k = random.below(records.len());
                    let (from, to) = records[k].abstract_at;
                    let cut = starts[k] + from + 1 + random.below(to - from - 2);
                    (cut, (k as u64 + 1, 0))
                }
            };
            let test = CliTest::new();
            let name = format.file_name(&format!("cut{case}"));
            let path = write(&test, &name, &text.as_bytes()[..cut]);
            let (indexed, skipped) = expected;
            let run = index(&test, &path, Some(format));
            run.counts(indexed, skipped, indexed);
            if skipped > 0 {
                let reason = match format {
                    Format::Xml => "truncated record",
                    _ => "not a medlit JSON record: EOF while parsing",
                };
                run.messages(&path, &[reason]);
            }
        }
    }
}

/// (indexed, skipped) for PubMed XML or JSON Lines cut at `cut`: a record is whole once
/// all but its final newline is there, and seen (so reported when cut) once
/// `<PubmedArticle>` (the byte after the name included) or the first byte of the line is.
fn marked_end_expectation(
    format: Format,
    records: &[Rec],
    starts: &[usize],
    cut: usize,
) -> (u64, u64) {
    let seen_after = match format {
        Format::Xml => "<PubmedArticle>".len(),
        _ => 1,
    };
    let mut counts = (0, 0);
    for (record, &start) in records.iter().zip(starts) {
        let end = start + record.text.len();
        if cut >= end - 1 {
            counts.0 += 1;
        } else if cut >= start + seen_after {
            counts.1 += 1;
        }
    }
    counts
}

#[test]
fn invalid_utf8_costs_only_its_record() {
    for format in RECORD_FORMATS {
        let test = CliTest::new();
        let mut bytes = format.header("").into_bytes();
        for n in 1..=4 {
            let mut record = format.plain(n).text.into_bytes();
            if n == 3 {
                let at = format.plain(n).abstract_at.0 + 5;
                record.splice(at..at, [0xC3, 0x28, 0xFF]);
            }
            bytes.extend_from_slice(&record);
        }
        bytes.extend_from_slice(format.footer().as_bytes());
        let path = write(&test, &format.file_name("invalid-utf8"), bytes);
        index(&test, &path, None)
            .counts(3, 1, 3)
            .messages(&path, &["invalid UTF-8"]);
        assert!(!search_ids(&test, "zebrafish").contains(&format.id(3)));
    }
}

/// Records 2 and 4 say "café" in Latin-1. PubMed XML that declares ISO-8859-1 is decoded;
/// everywhere else those two records are reported, with a hint to convert the file.
#[test]
fn latin1_text_is_decoded_when_declared_and_reported_otherwise() {
    for format in ALL_FORMATS {
        for declared in [false, true] {
            if declared && format != Format::Xml {
                continue;
            }
            let test = CliTest::new();
            let records: Vec<Rec> = (1..=5)
                .map(|n| {
                    let title = if n % 2 == 0 {
                        format!("Caf\u{e9} record {n}")
                    } else {
                        format!("Plain record {n}")
                    };
                    format.record(n, &title, "Latin text about platelets.")
                })
                .collect();
            let declaration = if declared {
                " encoding=\"ISO-8859-1\""
            } else {
                ""
            };
            let mut text = format.header(declaration);
            for record in &records {
                text.push_str(&record.text);
            }
            text.push_str(format.footer());
            let name = format.file_name(if declared {
                "latin1-declared"
            } else {
                "latin1"
            });
            let path = write(&test, &name, encode_latin1(&text));
            let run = index(&test, &path, None);
            if declared {
                run.counts(5, 0, 5);
                assert_eq!(search_ids(&test, "café"), [format.id(2), format.id(4)]);
            } else {
                let hint = if format == Format::Xml {
                    "is it Latin-1?"
                } else {
                    "(is the file Latin-1? convert it with iconv -f latin1 -t utf-8)"
                };
                run.counts(3, 2, 3)
                    .messages(&path, &["invalid UTF-8", hint]);
            }
        }
    }
}

/// UTF-16 with a byte-order mark (LE and BE) and UTF-8 with one: everything is indexed,
/// non-ASCII text included.
#[test]
fn utf16_and_byte_order_marks_are_read_like_utf8() {
    for format in ALL_FORMATS {
        let records: Vec<Rec> = (1..=5)
            .map(|n| {
                format.record(
                    n,
                    &format!("Naïve café record {n} 𝛼-helix"),
                    "Zürich 漢字 text.",
                )
            })
            .collect();
        let mut text = format.header(" encoding=\"UTF-16\"");
        for record in &records {
            text.push_str(&record.text);
        }
        text.push_str(format.footer());
        let utf8_bom = [b"\xEF\xBB\xBF".as_slice(), format.file(&records).as_bytes()].concat();
        let inputs = [
            ("utf16le", encode_utf16(&text, true)),
            ("utf16be", encode_utf16(&text, false)),
            ("utf8bom", utf8_bom),
        ];
        for (case, bytes) in inputs {
            let test = CliTest::new();
            let path = write(&test, &format.file_name(case), bytes);
            index(&test, &path, None).counts(5, 0, 5);
            let all: Vec<String> = (1..=5).map(|n| format.id(n)).collect();
            let mut expected = all.clone();
            expected.sort();
            assert_eq!(search_ids(&test, "café"), expected, "{format:?} {case}");
            assert_eq!(search_ids(&test, "zürich"), expected, "{format:?} {case}");
        }
    }
}

#[test]
fn utf16_without_a_byte_order_mark_gets_a_conversion_hint() {
    let test = CliTest::new();
    let bytes = encode_utf16(&Format::Medline.plain_file(1..=3), true);
    let path = write(&test, "nobom.nbib", &bytes[2..]);
    index(&test, &path, None)
        .counts(0, 1, 0)
        .file_messages(&path, &["looks like UTF-16 without a byte-order mark: convert it with iconv -f utf-16le -t utf-8"]);
}

/// A 10 MB line in record 3 of 5. The line formats cap a line (8 MiB for MEDLINE and
/// abstract-page, 16 MiB for JSON Lines) before holding it; PubMed XML caps a record at
/// 32 MiB, so its 10 MB abstract is indexed.
#[test]
fn a_10_mb_line_is_skipped_or_indexed_in_bounded_memory() {
    // 10,240 words of 1,000 letters: as long as 2 million short words, indexed much faster.
    let huge = format!("{} ", "abcdefghij".repeat(100)).repeat(10 << 10);
    for format in RECORD_FORMATS {
        let test = CliTest::new();
        let records: Vec<Rec> = (1..=5)
            .map(|n| {
                if n == 3 {
                    format.record(n, "Huge record", &huge)
                } else {
                    format.plain(n)
                }
            })
            .collect();
        let path = write(&test, &format.file_name("10mb"), format.file(&records));
        let run = index(&test, &path, None);
        run.bounded_memory();
        match format {
            Format::Xml | Format::Jsonl => {
                run.counts(5, 0, 5);
                assert_eq!(search_ids(&test, "huge"), [format.id(3)]);
            }
            Format::Medline => {
                run.counts(4, 1, 4)
                    .messages(&path, &["line 11: longer than 8 MiB"]);
            }
            _ => {
                run.counts(4, 1, 4)
                    .messages(&path, &["line 23: longer than 8 MiB"]);
            }
        }
    }
}

/// A 17 MiB JSON line is over the 16 MiB cap: skipped without being held, once.
#[test]
fn a_json_line_over_the_cap_is_skipped_once() {
    let test = CliTest::new();
    let mut text = Format::Jsonl.plain_file(1..=2);
    text.push_str(&format!(
        "{{\"id\":\"big\",\"title\":\"{}\"}}\n",
        "y".repeat(17 << 20)
    ));
    text.push_str(&Format::Jsonl.plain_file(3..=4));
    let path = write(&test, "17mib.jsonl", text);
    index(&test, &path, None)
        .bounded_memory()
        .counts(4, 1, 4)
        .messages(&path, &["line 3, byte", "longer than 16 MiB"]);
}

/// A million tiny JSON Lines records and three bad lines among them, through the CLI: every
/// good one indexed, the count exact, memory bounded.
#[test]
fn a_million_tiny_records_are_all_counted() {
    let test = CliTest::new();
    let mut text = String::with_capacity(40 << 20);
    for n in 0..1_000_000u32 {
        if n % 250_000 == 100 {
            text.push_str("{\"id\":\n");
        }
        writeln!(text, "{{\"id\":\"{n}\",\"title\":\"t{n}\"}}").expect("to a string");
    }
    let path = write(&test, "million.jsonl", text);
    index(&test, &path, None)
        .bounded_memory()
        .counts(1_000_000, 4, 1_000_000)
        .messages(&path, &["not a medlit JSON record"]);
}

/// 100,000 nested elements inside a record, 100,000 nested `<i>` in a title (refused: deeper
/// than 64), and a record wrapped in 100,000 elements (found: records are found by their
/// tags, not by walking the tree).
#[test]
fn deeply_nested_xml_is_refused_per_record() {
    let test = CliTest::new();
    let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    let italics = format!("{}x{}", "<i>".repeat(100_000), "</i>".repeat(100_000));
    let xml = Format::Xml;
    let mut text = xml.header("");
    text.push_str(&xml.plain(1).text);
    text.push_str(&format!(
        "<PubmedArticle><MedlineCitation><PMID>2</PMID>{deep}</MedlineCitation></PubmedArticle>\n"
    ));
    text.push_str(&xml.plain(3).text);
    text.push_str(&xml.record(4, &italics, "Italic.").text);
    text.push_str(&"<x>".repeat(100_000));
    text.push_str(&xml.plain(5).text);
    text.push_str(&"</x>".repeat(100_000));
    text.push_str(xml.footer());
    let path = write(&test, "deep.xml", text);
    index(&test, &path, None)
        .bounded_memory()
        .counts(3, 2, 3)
        .messages(&path, &["nested deeper than 64 levels"]);
    assert_eq!(search_ids(&test, "zebrafish"), ["1", "3", "5"]);
}

/// Billion laughs, an external entity and an external parameter entity: the DOCTYPE is
/// never read, `&lol9;` and `&xxe;` stay as written and /etc/passwd is not read.
#[test]
fn entity_bombs_and_external_entities_are_never_expanded() {
    let test = CliTest::new();
    let mut doctype = String::from("<!DOCTYPE PubmedArticleSet [\n<!ENTITY lol \"lol\">\n");
    for level in 1..=9 {
        let inner = if level == 1 {
            "&lol;".to_string()
        } else {
            format!("&lol{};", level - 1)
        };
        doctype.push_str(&format!("<!ENTITY lol{level} \"{}\">\n", inner.repeat(10)));
    }
    doctype.push_str("<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n");
    doctype.push_str("<!ENTITY % remote SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n%remote;\n]>\n");
    let xml = Format::Xml;
    let mut text = String::from("<?xml version=\"1.0\"?>\n");
    text.push_str(&doctype);
    text.push_str("<PubmedArticleSet>\n");
    text.push_str(&xml.plain(1).text);
    text.push_str(
        &xml.record(2, "Laughs &lol9; here", "Bomb &lol9;&lol9;.")
            .text,
    );
    text.push_str(&xml.record(3, "Leak &xxe; there", "Passwd &xxe; text.").text);
    text.push_str(xml.footer());
    let path = write(&test, "bombs.xml", text);
    index(&test, &path, None).bounded_memory().counts(3, 0, 3);
    for (id, literal) in [("2", "&lol9;"), ("3", "&xxe;")] {
        let shown = medlit_output(&test, &["show", id]);
        assert!(shown.contains(literal), "{shown}");
        assert!(!shown.contains("root:"), "{shown}");
        assert!(!shown.contains("lollol"), "{shown}");
    }
    let found = medlit_output(&test, &["search", "leak OR laughs OR passwd", "--json"]);
    assert!(!found.contains("root:"), "{found}");
}

/// Records with every field missing. Behaviour: a record needs an id source and some text
/// to be worth indexing, as each format defines it — a MEDLINE or PubMed XML record with a
/// PMID alone is kept under that PMID; `{}`, a JSON record with only an id, an XML record
/// with nothing, a MEDLINE record with neither PMID nor title and a page without a title
/// are skipped with the reason.
#[test]
fn records_with_every_field_missing() {
    // (format, the empty records, (indexed, skipped) with two good records, reason)
    let cases = [
        (
            Format::Xml,
            "<PubmedArticle></PubmedArticle>\n<PubmedArticle><MedlineCitation><PMID>7</PMID></MedlineCitation></PubmedArticle>\n",
            (3, 1),
            "record has neither a PMID nor a title",
        ),
        (
            Format::Medline,
            "PMID- 7\n\nOWN - NLM\n\n",
            (3, 1),
            "record has neither PMID nor title",
        ),
        (
            Format::Jsonl,
            "{}\n{\"id\":\"7\"}\n{\"title\":\"Only a title\"}\n",
            (3, 2),
            "record has neither a title nor an abstract",
        ),
        (
            Format::Page,
            "- Author:\n\nLonely title\n10.5555/hostile.7\n\n",
            (3, 1),
            "record has no title",
        ),
    ];
    for (format, empties, (indexed, skipped), reason) in cases {
        let test = CliTest::new();
        let mut text = format.header("");
        text.push_str(empties);
        text.push_str(&format.plain(1).text);
        text.push_str(&format.plain(2).text);
        text.push_str(format.footer());
        let path = write(&test, &format.file_name("empty-fields"), text);
        index(&test, &path, Some(format))
            .counts(indexed, skipped, indexed)
            .messages(&path, &[reason]);
        if format != Format::Jsonl {
            let shown = medlit_output(&test, &["show", &format.id(7)]);
            assert!(shown.contains(&format!("id {}", format.id(7))), "{shown}");
        }
    }
}

/// The same id twice in one file and again in a second run: one record per id, with the
/// replacements counted.
#[test]
fn duplicate_ids_end_as_one_record_each() {
    for format in RECORD_FORMATS {
        let test = CliTest::new();
        let first: Vec<Rec> = [1, 2, 2, 3, 1].iter().map(|&n| format.plain(n)).collect();
        let path = write(&test, &format.file_name("dups"), format.file(&first));
        let run = index(&test, &path, None);
        run.counts(5, 0, 3);
        assert_eq!(run.summary.replaced, 2, "{format:?}");
        let second: Vec<Rec> = [3, 4, 3].iter().map(|&n| format.plain(n)).collect();
        let again = write(&test, &format.file_name("dups-again"), format.file(&second));
        let run = index(&test, &again, None);
        run.counts(3, 0, 4);
        assert_eq!(run.summary.replaced, 2, "{format:?}");
    }
}

/// Control characters in a title and an abstract: indexed and searchable, printed as
/// spaces by `show` and `search` (never raw to the terminal), kept in `--json`.
#[test]
fn control_characters_are_indexed_and_never_printed_raw() {
    let title = "Bell\u{7} and escape\u{1b}[31m red\u{1b}[0m gecko";
    let abstract_text = "Form\u{c}feed \u{1}start del\u{7f} carriage\rreturn gecko.";
    for format in RECORD_FORMATS {
        let test = CliTest::new();
        let records = [
            format.plain(1),
            format.record(2, title, abstract_text),
            format.plain(3),
        ];
        let path = write(&test, &format.file_name("controls"), format.file(&records));
        index(&test, &path, None).counts(3, 0, 3);
        assert_eq!(search_ids(&test, "gecko"), [format.id(2)]);
        assert_eq!(search_ids(&test, "red"), [format.id(2)]);
        for output in [
            medlit_output(&test, &["show", &format.id(2)]),
            medlit_output(&test, &["search", "gecko"]),
        ] {
            let raw: Vec<char> = output
                .chars()
                .filter(|&c| c.is_control() && c != '\n' && c != '\t')
                .collect();
            assert!(raw.is_empty(), "{format:?}: {raw:?} in\n{output}");
            assert!(output.contains("escape [31m red"), "{output}");
        }
        let json = medlit_output(&test, &["show", &format.id(2), "--json"]);
        let record: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(record["title"], title, "{format:?}");
    }
}
