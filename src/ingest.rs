//! Ingestion: walks the inputs, parses files in parallel on a rayon pool of its own (see
//! [`IngestOptions::parse_threads`]), derives therapies, builds documents and feeds them to
//! one tantivy `IndexWriter`, which runs its own indexing threads.
//!
//! Commit policy: the writer commits after every [`IngestOptions::commit_every`] records sent
//! to it and once at the end. A commit is atomic (tantivy writes a new `meta.json` by rename),
//! so a run that fails or is killed leaves the index exactly as of its last commit: every
//! record of that commit, none after it. Running the same ingest again completes it, since a
//! record replaces any record with the same id.
//!
//! A record replaces any record with the same id: its delete and its add go to the writer as
//! one batch with contiguous opstamps, so two copies of one id in the same run also end as one.
//! Bad files and bad records are reported to the [`IngestObserver`] and counted; the rest of
//! the run goes on.
//!
//! Memory: besides the writer's budget, a run holds the chunks being parsed and at most
//! `QUEUED_DOCUMENTS` (1,000) documents waiting for tantivy's indexing threads, where tantivy
//! alone would queue 10,000 (see the `in_flight` module).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tantivy::indexer::UserOperation;
use tantivy::schema::document::Document;
use tantivy::{IndexWriter, Term};

use crate::document::RecordDocument;
use crate::error::Result;
use crate::formats::chunks::{Chunk, ChunkReader};
use crate::formats::{encoding, pubmed_xml, Format, Location, ParseError, Parsed};
use crate::index::{CommitInfo, MedlitIndex};
use crate::mesh::MeshVocabulary;
use crate::record::Record;
use crate::schema::Fields;
use crate::therapy::Lexicon;

pub mod direct;
mod in_flight;

use in_flight::{InFlight, TrackedDocument};

/// Documents that may be queued for tantivy's indexing threads at once (see [`in_flight`]).
const QUEUED_DOCUMENTS: usize = 1_000;

/// File name endings taken when a directory is walked; files named explicitly are always read.
/// (`.json` is left out: folders of data often hold JSON manifests that are not records.)
pub const INPUT_EXTENSIONS: &[&str] = &[
    "txt", "nbib", "medline", "xml", "jsonl", "ndjson", "gz", "zst",
];

/// How many bytes of a file are looked at to detect its format and binary content.
const HEAD_BYTES: usize = 8 * 1024;

/// Settings of one ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions<'a> {
    /// tantivy indexing threads.
    pub writer_threads: usize,
    /// Memory the writer may use in total, in bytes (split among its threads).
    pub memory_budget: usize,
    /// Force this format instead of detecting it per file.
    pub format: Option<Format>,
    /// Lexicon for the therapy pass.
    pub lexicon: &'a Lexicon,
    /// Commit after this many records (and at the end); `None`: only at the end.
    pub commit_every: Option<std::num::NonZeroU64>,
    /// Files at least this large are read with `O_DIRECT` on Linux (the default is
    /// [`direct::DIRECT_MIN_BYTES`]; `u64::MAX` reads every file through the page cache).
    pub direct_io_min_bytes: u64,
}

impl<'a> IngestOptions<'a> {
    /// The defaults of `medlit index` with this lexicon: [`Self::default_threads`], the
    /// [`DEFAULT_MEMORY_BUDGET`], formats detected, one commit at the end, and `O_DIRECT`
    /// for files of [`direct::DIRECT_MIN_BYTES`] and more.
    pub fn new(lexicon: &'a Lexicon) -> IngestOptions<'a> {
        IngestOptions {
            writer_threads: Self::default_threads(),
            memory_budget: DEFAULT_MEMORY_BUDGET,
            format: None,
            lexicon,
            commit_every: None,
            direct_io_min_bytes: direct::DIRECT_MIN_BYTES,
        }
    }

    /// Default number of indexing threads: the machine's cores, at most 8.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get().min(8))
    }

    /// Threads that parse records and build documents: half as many as the writer's indexing
    /// threads, at least one. Parsing and building a record costs about a sixth of what
    /// indexing it does, so these keep the indexing threads fed; more of them only take
    /// turns with the indexing threads on the cores (two instead of one on 2 cores, 100k
    /// records, median of 3 alternating runs: 3% more CPU time and wall-clock time).
    pub fn parse_threads(&self) -> usize {
        self.writer_threads.div_ceil(2)
    }
}

/// Default writer memory budget: 256 MiB.
pub const DEFAULT_MEMORY_BUDGET: usize = 256 << 20;

/// Default commit interval of `medlit index`, in records: a large load loses at most this
/// many records' work to a crash, while a corpus of ordinary size is committed once.
pub const DEFAULT_COMMIT_EVERY: u64 = 500_000;

/// A file or record that was not indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Where in the file, when the problem is one record.
    pub location: Option<Location>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(location) = &self.location {
            write!(f, ": {location}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Receives what happens during a run: problems as they are found, and progress.
pub trait IngestObserver: Sync {
    /// A file or record was skipped.
    fn skipped(&self, skipped: &Skipped);
    /// Totals so far: records sent to the writer and input bytes read.
    fn progress(&self, _records: u64, _bytes: u64) {}
    /// A commit before the end of the run made the first `records` records of the run
    /// durable and visible to searchers.
    fn committed(&self, _records: u64) {}
}

/// An observer that ignores everything.
pub struct SilentObserver;

impl IngestObserver for SilentObserver {
    fn skipped(&self, _skipped: &Skipped) {}
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct IngestSummary {
    /// Files read (including those skipped).
    pub files: u64,
    /// Records added to the index.
    pub indexed: u64,
    /// Of those, records that replaced a record with the same id.
    pub replaced: u64,
    /// PMIDs named by PubMed XML `DeleteCitation` elements (deleted when present).
    pub deleted: u64,
    /// Records and files skipped.
    pub skipped: u64,
    /// Input bytes read (as stored on disk).
    pub bytes: u64,
    /// Records in the index after the run.
    pub records: u64,
    /// Commits made, the final one included.
    pub commits: u64,
    /// Wall-clock time of the run, in seconds.
    pub elapsed_secs: f64,
    /// Of which: the commit (flushing the last segments), in seconds.
    pub commit_secs: f64,
    /// Of which: waiting for the merges the commit started, in seconds.
    pub merge_secs: f64,
}

impl IngestSummary {
    /// Indexed records per second.
    pub fn records_per_sec(&self) -> f64 {
        self.indexed as f64 / self.elapsed_secs.max(1e-9)
    }

    /// Input megabytes (10^6 bytes) per second.
    pub fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.elapsed_secs.max(1e-9)
    }
}

/// Expands directories into the files below them (sorted, only [`INPUT_EXTENSIONS`]);
/// files named directly are kept whatever their name. Paths that do not exist are reported.
pub fn collect_inputs(paths: &[PathBuf], observer: &dyn IngestObserver) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" || path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            observer.skipped(&Skipped {
                path: path.clone(),
                location: None,
                reason: "no such file or directory".into(),
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(path).sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_file() && has_input_extension(entry.path()) => {
                    files.push(entry.into_path());
                }
                Ok(_) => {}
                Err(err) => observer.skipped(&Skipped {
                    path: err.path().unwrap_or(path).to_path_buf(),
                    location: None,
                    reason: err.to_string(),
                }),
            }
        }
    }
    files
}

fn has_input_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| INPUT_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Counters shared by the parallel workers.
#[derive(Default)]
struct Counters {
    indexed: AtomicU64,
    deletions: AtomicU64,
    removed: AtomicU64,
    skipped: AtomicU64,
    bytes: AtomicU64,
}

/// The index writer, fed from many threads with operations kept in opstamp order, and
/// committed every so many records.
///
/// tantivy stamps a batch's operations when `run` is called, but queues its deletes a moment
/// later; two threads can therefore queue their deletes out of stamp order. A segment that was
/// already written applies every delete queued after its cursor to all its documents, so an
/// out-of-order `Delete(a)` stamped before `Add(a)` could delete `a` (seen as one record in
/// six lost, now and then, with two threads). One lock around stamping and queueing keeps
/// stamps and queue in the same order; documents are still built in parallel, outside it.
/// The same lock makes each intermediate commit hold exactly the records sent before it.
///
/// A delete costs memory in tantivy's queue until the commit and a lookup in every segment at
/// the commit, so a record is only sent with a delete when its id may already be there: in
/// the index as it was when the run started (`existed`), or earlier in this run, which a
/// fixed-size Bloom filter, checked and updated under the same lock, tells with rare false
/// positives (an unneeded delete, never a missed one).
struct OrderedWriter {
    state: std::sync::Mutex<WriterState>,
    commit_every: Option<std::num::NonZeroU64>,
    in_flight: std::sync::Arc<InFlight>,
}

struct WriterState {
    writer: IndexWriter<TrackedDocument>,
    seen: SeenIds,
    /// Records sent in this run.
    sent: u64,
    /// Records sent before the last commit of this run.
    committed: u64,
    /// Commits made in this run.
    commits: u64,
}

impl OrderedWriter {
    fn new(
        writer: IndexWriter<TrackedDocument>,
        commit_every: Option<std::num::NonZeroU64>,
    ) -> Self {
        OrderedWriter {
            state: std::sync::Mutex::new(WriterState {
                writer,
                seen: SeenIds::new(),
                sent: 0,
                committed: 0,
                commits: 0,
            }),
            commit_every,
            in_flight: InFlight::new(QUEUED_DOCUMENTS),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, WriterState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds `document` with the id `id`, replacing any document with that id, and commits
    /// when the interval is reached (telling `observer`).
    fn replace(
        &self,
        id: Term,
        document: RecordDocument,
        existed: bool,
        observer: &dyn IngestObserver,
    ) -> Result<()> {
        let document = self.in_flight.track(document);
        let mut state = self.lock();
        let maybe_seen = state.seen.insert(id.serialized_value_bytes());
        if existed || maybe_seen {
            state
                .writer
                .run([UserOperation::Delete(id), UserOperation::Add(document)])?;
        } else {
            state.writer.add_document(document)?;
        }
        state.sent += 1;
        let due = self
            .commit_every
            .is_some_and(|every| state.sent - state.committed >= every.get());
        if due {
            state.commit()?;
            observer.committed(state.sent);
        }
        Ok(())
    }

    /// Deletes the documents with this term.
    fn delete(&self, term: Term) {
        self.lock().writer.delete_term(term);
    }

    /// Makes the final commit and waits for merges; returns the number of commits made and
    /// the seconds spent committing and merging.
    fn finish(self) -> Result<(u64, f64, f64)> {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (commit_secs, merge_secs) = commit(state.writer)?;
        Ok((state.commits + 1, commit_secs, merge_secs))
    }
}

impl WriterState {
    /// Commits what was sent so far; merges go on in the background.
    fn commit(&mut self) -> Result<()> {
        commit_with_payload(&mut self.writer)?;
        self.committed = self.sent;
        self.commits += 1;
        Ok(())
    }
}

/// A Bloom filter of the ids sent in this run: 16 MiB whatever the corpus size, with a false
/// positive rate of about 1e-6 at one million records and 0.5% at ten million.
///
/// It is blocked: an id's four bits all lie in one 64-byte block, the one cache line of the
/// filter it reads, where four bits anywhere in 16 MiB cost four misses of the cache for every
/// record (1% of the parsing thread, perf, 100k records).
struct SeenIds {
    blocks: Vec<Block>,
}

/// [`SeenIds::BLOCK_WORDS`] words, aligned to a cache line.
#[derive(Clone, Copy)]
#[repr(align(64))]
struct Block([u64; SeenIds::BLOCK_WORDS]);

impl SeenIds {
    const BLOCK_WORDS: usize = 8;
    const BLOCKS: usize = (1 << 27) / (64 * Self::BLOCK_WORDS);
    const HASHES: u32 = 4;

    fn new() -> Self {
        SeenIds {
            blocks: vec![Block([0; Self::BLOCK_WORDS]); Self::BLOCKS],
        }
    }

    /// Records `id`; true when it may have been recorded before.
    fn insert(&mut self, id: &[u8]) -> bool {
        let hash = Self::hash(id);
        // The high bits choose the block, each nine of the low bits one of its 512 bits.
        let block = &mut self.blocks[(hash >> 40) as usize % Self::BLOCKS];
        let mut present = true;
        for i in 0..Self::HASHES {
            let bit = (hash >> (9 * i)) & 511;
            let (word, mask) = ((bit / 64) as usize, 1u64 << (bit % 64));
            present &= block.0[word] & mask != 0;
            block.0[word] |= mask;
        }
        present
    }

    /// A 64-bit hash of `id`: FxHash, its bits then mixed by MurmurHash3's finalizer so that
    /// ids that differ in one digit land in unrelated blocks.
    fn hash(id: &[u8]) -> u64 {
        use std::hash::Hasher;
        let mut hasher = rustc_hash::FxHasher::default();
        hasher.write(id);
        let mut hash = hasher.finish();
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        hash ^ (hash >> 33)
    }
}

struct Run<'a> {
    writer: OrderedWriter,
    fields: &'a Fields,
    options: &'a IngestOptions<'a>,
    observer: &'a dyn IngestObserver,
    counters: Counters,
    /// The index as it was when the run started.
    before: tantivy::Searcher,
    /// The index's MeSH vocabulary, if it has one.
    vocabulary: Option<&'a MeshVocabulary>,
}

/// Indexes `files` into `index` and commits once at the end.
pub fn ingest(
    index: &MedlitIndex,
    files: &[PathBuf],
    options: &IngestOptions,
    observer: &dyn IngestObserver,
) -> Result<IngestSummary> {
    let started = Instant::now();
    let writer = index.writer(options.writer_threads, options.memory_budget)?;
    let searcher = index.reader()?.searcher();
    let before = searcher.num_docs();
    let run = Run {
        writer: OrderedWriter::new(writer, options.commit_every),
        fields: &index.fields,
        options,
        observer,
        counters: Counters::default(),
        before: searcher,
        vocabulary: index.vocabulary()?,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(options.parse_threads())
        .thread_name(|i| format!("medlit-parse-{i}"))
        .build()?
        .install(|| files.par_iter().try_for_each(|path| run.file(path)))?;
    let Counters {
        indexed,
        deletions,
        removed,
        skipped,
        bytes,
    } = run.counters;
    let (commits, commit_secs, merge_secs) = run.writer.finish()?;
    let reader = index.reader()?;
    let after = reader.searcher().num_docs();
    let indexed = indexed.into_inner();
    let removed = removed.into_inner();
    Ok(IngestSummary {
        files: files.len() as u64,
        indexed,
        replaced: (before + indexed).saturating_sub(after + removed),
        deleted: deletions.into_inner(),
        skipped: skipped.into_inner(),
        bytes: bytes.into_inner(),
        records: after,
        commits,
        elapsed_secs: elapsed_secs(started.elapsed()),
        commit_secs,
        merge_secs,
    })
}

fn elapsed_secs(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64()
}

impl Run<'_> {
    /// Parses and indexes one file. Problems with the file or its records are reported and
    /// counted; only a failure of the index writer itself stops the run. Formats that can be
    /// cut at record ends are parsed chunk by chunk in parallel, so one huge file keeps every
    /// core busy.
    fn file(&self, path: &Path) -> Result<()> {
        let mut reader = match self.open(path) {
            Ok(reader) => reader,
            Err(reason) => {
                self.skip(path, None, reason);
                return Ok(());
            }
        };
        let format = match self.detect(reader.as_mut()) {
            Ok(format) => format,
            Err(reason) => {
                self.skip(path, None, reason);
                return Ok(());
            }
        };
        let Some(last_record_end) = format.last_record_end() else {
            return self.items(path, format.parse(reader), &Chunk::whole());
        };
        let preamble = match format {
            Format::PubmedXml => reader
                .fill_buf()
                .ok()
                .and_then(pubmed_xml::declaration)
                .filter(|d| !d.contains(&b'\n'))
                .map(<[u8]>::to_vec)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        ChunkReader::new(reader, last_record_end)
            .with_preamble(&preamble)
            .par_bridge()
            .try_for_each(|chunk| match chunk {
                Ok(chunk) => self.items(path, format.parse_bytes(&chunk.data), &chunk),
                Err(err) => {
                    self.skip(path, None, format!("read error: {err}"));
                    Ok(())
                }
            })
    }

    /// Indexes what a parser yields from one chunk of `path`.
    fn items(
        &self,
        path: &Path,
        items: impl Iterator<Item = std::result::Result<Parsed, ParseError>>,
        chunk: &Chunk,
    ) -> Result<()> {
        for item in items {
            match item {
                Ok(Parsed::Record(record)) => self.record(path, *record)?,
                Ok(Parsed::Delete(pmids)) => self.delete(&pmids)?,
                Err(err) => {
                    let location =
                        err.location
                            .shifted(chunk.offset, chunk.lines_before, chunk.whole_input);
                    self.skip(path, Some(location), err.reason);
                }
            }
        }
        Ok(())
    }

    /// Opens a file (or standard input for `-`), decompressing gzip and zstd and decoding
    /// UTF-16 (with a byte-order mark) to UTF-8 transparently. Bytes read from disk are
    /// counted for the throughput figures.
    fn open(&self, path: &Path) -> Result<Box<dyn BufRead + Send + '_>, String> {
        let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin())
        } else {
            direct::open(path, self.options.direct_io_min_bytes).map_err(|err| err.to_string())?
        };
        let counted = CountingReader {
            inner: raw,
            counter: &self.counters.bytes,
        };
        let mut reader = BufReader::with_capacity(256 * 1024, counted);
        let head = reader.fill_buf().map_err(|err| err.to_string())?;
        if head.is_empty() {
            return Err("empty file".into());
        }
        decoded(reader).map_err(|err| err.to_string())
    }

    /// The format of a file: `--format` when given, else detected from its first bytes.
    fn detect(&self, reader: &mut (dyn BufRead + Send + '_)) -> Result<Format, String> {
        let mut head = reader.fill_buf().map_err(|err| err.to_string())?;
        if head.is_empty() {
            return Err("empty file (after decompression)".into());
        }
        head = &head[..head.len().min(HEAD_BYTES)];
        if head.contains(&0) {
            return Err(encoding::binary_reason(head));
        }
        if let Some(format) = self.options.format {
            return Ok(format);
        }
        Format::detect(head).ok_or_else(|| {
            "unrecognized format: not PubMed XML, MEDLINE, JSON Lines or abstract-page text (use --format to force one)".to_string()
        })
    }

    /// Derives a record's therapies and sends it to the writer, replacing its id.
    fn record(&self, path: &Path, mut record: Record) -> Result<()> {
        record.ensure_id();
        record.therapies = self.options.lexicon.therapies_of(&record, self.vocabulary);
        let mut document = self.writer.in_flight.blank();
        if let Err(source) = document.fill(self.fields, &record, self.vocabulary) {
            let too_large = crate::Error::TooLarge {
                id: record.id,
                source,
            };
            self.skip(path, None, too_large.to_string());
            return Ok(());
        }
        let id = Term::from_field_text(self.fields.id, &record.id);
        let existed = self.before.num_docs() > 0 && self.before.doc_freq(&id)? > 0;
        self.writer.replace(id, document, existed, self.observer)?;
        let indexed = self.counters.indexed.fetch_add(1, Ordering::Relaxed) + 1;
        if indexed.is_multiple_of(256) {
            self.observer
                .progress(indexed, self.counters.bytes.load(Ordering::Relaxed));
        }
        Ok(())
    }

    /// Deletes records by PMID (PubMed XML `DeleteCitation`), counting those that were in
    /// the index when the run started.
    fn delete(&self, pmids: &[String]) -> Result<()> {
        for pmid in pmids {
            let term = Term::from_field_text(self.fields.id, pmid);
            if self.before.doc_freq(&term)? > 0 {
                self.counters.removed.fetch_add(1, Ordering::Relaxed);
            }
            self.counters.deletions.fetch_add(1, Ordering::Relaxed);
            self.writer.delete(term);
        }
        Ok(())
    }

    fn skip(&self, path: &Path, location: Option<Location>, reason: String) {
        self.counters.skipped.fetch_add(1, Ordering::Relaxed);
        self.observer.skipped(&Skipped {
            path: path.to_path_buf(),
            location,
            reason,
        });
    }
}

/// Commits with [`CommitInfo`] as payload.
fn commit_with_payload<D: Document>(writer: &mut IndexWriter<D>) -> Result<()> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&serde_json::to_string(&CommitInfo::now())?);
    prepared.commit()?;
    Ok(())
}

/// A file, decompressed when it is gzip or zstd and decoded to UTF-8 when it is UTF-16 with a
/// byte-order mark, as `medlit index` reads its inputs (for query, judgment, vocabulary and
/// benchmark files).
pub fn open_path(path: &Path) -> std::io::Result<Box<dyn BufRead + Send>> {
    let file = direct::open(path, direct::DIRECT_MIN_BYTES)?;
    decoded(BufReader::with_capacity(256 * 1024, file))
}

/// `reader` as UTF-8 text: decompressed when it is gzip or zstd, then decoded when it is
/// UTF-16 with a byte-order mark.
fn decoded<'a, R: BufRead + Send + 'a>(reader: R) -> std::io::Result<Box<dyn BufRead + Send + 'a>> {
    decompressed(reader).and_then(encoding::utf8_reader)
}

/// `reader`, decompressed when it starts with a gzip or zstd magic number.
pub fn decompressed<'a, R: BufRead + Send + 'a>(
    mut reader: R,
) -> std::io::Result<Box<dyn BufRead + Send + 'a>> {
    let head = reader.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let decoder = flate2::bufread::MultiGzDecoder::new(reader);
        return Ok(Box::new(BufReader::with_capacity(256 * 1024, decoder)));
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let decoder = zstd::stream::read::Decoder::with_buffer(reader)?;
        return Ok(Box::new(BufReader::with_capacity(256 * 1024, decoder)));
    }
    Ok(Box::new(reader))
}

/// Counts the bytes that pass through it.
struct CountingReader<'a, R> {
    inner: R,
    counter: &'a AtomicU64,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Re-derives every stored record's MeSH paths, facet values and therapies with
/// `vocabulary` and `lexicon`, from the records stored in the index (no source files), and
/// commits. Returns the number of records rewritten.
pub fn rederive(
    index: &MedlitIndex,
    vocabulary: Option<&MeshVocabulary>,
    lexicon: &Lexicon,
    writer_threads: usize,
    memory_budget: usize,
) -> Result<u64> {
    let search = crate::query::Search::new(index)?;
    let addresses: Vec<tantivy::DocAddress> = search.all_addresses().collect();
    let writer = index.writer(writer_threads, memory_budget)?;
    let rewritten = AtomicU64::new(0);
    let ordered = OrderedWriter::new(writer, None);
    addresses
        .par_iter()
        .try_for_each(|&address| -> Result<()> {
            let mut record = search.record_at(address)?;
            record.therapies = lexicon.therapies_of(&record, vocabulary);
            let document = index
                .fields
                .document(&record, vocabulary)
                .map_err(|source| crate::Error::TooLarge {
                    id: record.id.clone(),
                    source,
                })?;
            let id = Term::from_field_text(index.fields.id, &record.id);
            ordered.replace(id, document, true, &SilentObserver)?;
            rewritten.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })?;
    ordered.finish()?;
    Ok(rewritten.into_inner())
}

/// Commits with medlit's metadata as payload and waits for the merges the commit started;
/// returns the seconds spent committing and merging.
fn commit<D: Document>(mut writer: IndexWriter<D>) -> Result<(f64, f64)> {
    let commit_started = Instant::now();
    commit_with_payload(&mut writer)?;
    let merge_started = Instant::now();
    writer.wait_merging_threads()?;
    Ok((
        (merge_started - commit_started).as_secs_f64(),
        merge_started.elapsed().as_secs_f64(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_ids_remember_what_they_saw() {
        let mut seen = SeenIds::new();
        assert!(!seen.insert(b"10.5555/a"));
        assert!(seen.insert(b"10.5555/a"));
        let false_positives = (0..100_000)
            .filter(|i| seen.insert(format!("id-{i}").as_bytes()))
            .count();
        assert!(false_positives < 5, "{false_positives}");
        assert!(seen.insert(b"id-42"));
    }

    #[test]
    fn seen_ids_keep_few_false_positives_at_a_million() {
        let mut seen = SeenIds::new();
        for pmid in 10_000_000..11_000_000u64 {
            seen.insert(pmid.to_string().as_bytes());
        }
        let false_positives = (20_000_000..20_100_000u64)
            .filter(|pmid| seen.insert(pmid.to_string().as_bytes()))
            .count();
        // About 1e-6 expected: 0.1 of these 100,000.
        assert!(false_positives <= 3, "{false_positives}");
    }

    /// A PubMed XML file of `count` small records: 1.5 MB for 6,000, more than one block
    /// of the direct reader.
    fn pubmed_xml(count: usize) -> String {
        let mut xml = String::from("<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n");
        for pmid in 1..=count {
            xml.push_str(&format!(
                "<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article>\
                 <ArticleTitle>Rituximab for immune thrombocytopenia, case {pmid}</ArticleTitle>\
                 <Abstract><AbstractText>A patient was given rituximab.</AbstractText></Abstract>\
                 </Article></MedlineCitation></PubmedArticle>\n"
            ));
        }
        xml.push_str("</PubmedArticleSet>\n");
        xml
    }

    #[test]
    fn direct_io_indexes_what_the_page_cache_does() {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("corpus.xml");
        std::fs::write(&input, pubmed_xml(6_000)).expect("write");
        let index_with = |name: &str, direct_io_min_bytes: u64| {
            let index = MedlitIndex::open_or_create(&dir.path().join(name)).expect("index");
            let options = IngestOptions {
                writer_threads: 1,
                memory_budget: 50 << 20,
                direct_io_min_bytes,
                ..IngestOptions::new(Lexicon::builtin())
            };
            let summary = ingest(
                &index,
                std::slice::from_ref(&input),
                &options,
                &SilentObserver,
            )
            .expect("ingest");
            (summary.indexed, summary.skipped, summary.bytes)
        };
        let direct = index_with("direct", 0);
        assert_eq!(
            direct,
            (6_000, 0, std::fs::metadata(&input).expect("size").len())
        );
        assert_eq!(index_with("buffered", u64::MAX), direct);
    }
}
