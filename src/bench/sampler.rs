//! What `medlit bench index` samples while a run goes on, on a thread of its own: the peak of
//! the heap (Linux keeps no high-water mark for it) and the CPU time of each kind of thread,
//! which shows where the CPU of a run goes (tantivy's indexing threads or medlit's parsing).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

/// How often the heap is sampled.
const HEAP_EVERY: Duration = Duration::from_millis(10);
/// The threads' CPU times are read every this many heap samples (every 50 ms).
const THREADS_EVERY: u32 = 5;

/// CPU seconds per kind of thread during a run, read from `/proc/self/task` every 50 ms: a
/// thread that ends loses at most its last 50 ms. All zero where unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ThreadCpu {
    /// tantivy's indexing threads (tokenizing, postings, fast fields).
    pub indexing_secs: f64,
    /// medlit's parsing threads (parsing, therapy pass, documents).
    pub parsing_secs: f64,
    /// tantivy's document-store compressor.
    pub docstore_secs: f64,
    /// Every other thread (merges, the calling thread, this sampler).
    pub other_secs: f64,
}

impl ThreadCpu {
    /// The parsing threads' share of the CPU time of the parsing, indexing and
    /// document-store threads (0 when none was measured). tantivy alone needs only the
    /// other two, so on a machine whose cores are all busy, medlit reaches at most about
    /// `1 - parsing_share` of the baseline's records/s.
    pub fn parsing_share(&self) -> f64 {
        let total = self.parsing_secs + self.indexing_secs + self.docstore_secs;
        if total > 0.0 {
            self.parsing_secs / total
        } else {
            0.0
        }
    }

    fn add(&mut self, thread_name: &str, secs: f64) {
        let slot = if thread_name.starts_with("thrd-tantivy-in") {
            &mut self.indexing_secs
        } else if thread_name.starts_with("medlit-parse") {
            &mut self.parsing_secs
        } else if thread_name.starts_with("docstore-compre") {
            &mut self.docstore_secs
        } else {
            &mut self.other_secs
        };
        *slot += secs;
    }
}

/// A sampler running until [`Sampler::stop`].
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(u64, ThreadCpu)>,
}

impl Sampler {
    /// Starts sampling.
    pub fn start() -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            let mut threads = ThreadTimes::now();
            let mut samples = 0u32;
            while !stopped.load(Ordering::Relaxed) {
                peak = peak.max(status_kib("RssAnon:") * 1024);
                samples += 1;
                if samples.is_multiple_of(THREADS_EVERY) {
                    threads.update();
                }
                std::thread::sleep(HEAP_EVERY);
            }
            threads.update();
            (peak.max(status_kib("RssAnon:") * 1024), threads.spent())
        });
        Sampler { stop, thread }
    }

    /// Stops sampling; the heap's peak in bytes (0 where unknown) and the CPU time of each
    /// kind of thread since the start.
    pub fn stop(self) -> (u64, ThreadCpu) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// The CPU ticks of every thread of this process: at the start, and as last seen.
struct ThreadTimes {
    at_start: HashMap<u64, u64>,
    last_seen: HashMap<u64, (String, u64)>,
}

impl ThreadTimes {
    fn now() -> ThreadTimes {
        let at_start = read_threads()
            .into_iter()
            .map(|(tid, _, ticks)| (tid, ticks))
            .collect();
        ThreadTimes {
            at_start,
            last_seen: HashMap::new(),
        }
    }

    fn update(&mut self) {
        for (tid, name, ticks) in read_threads() {
            self.last_seen.insert(tid, (name, ticks));
        }
    }

    /// CPU seconds spent since the start, by kind of thread.
    fn spent(&self) -> ThreadCpu {
        let tick_secs = 1.0 / clock_ticks_per_sec();
        let mut cpu = ThreadCpu::default();
        for (tid, (name, ticks)) in &self.last_seen {
            let before = self.at_start.get(tid).copied().unwrap_or(0);
            cpu.add(name, ticks.saturating_sub(before) as f64 * tick_secs);
        }
        cpu
    }
}

/// Every thread of this process: id, name and CPU ticks (user + system) so far.
fn read_threads() -> Vec<(u64, String, u64)> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| {
            let tid = task.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            let (name, ticks) = parse_stat(&stat)?;
            Some((tid, name, ticks))
        })
        .collect()
}

/// The name and user + system ticks of a `/proc/*/stat` line. The name is in parentheses
/// and may hold spaces and parentheses itself, so the fields are counted from the last `)`.
fn parse_stat(stat: &str) -> Option<(String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_string();
    let mut fields = stat.get(close + 2..)?.split_whitespace();
    // After the name: state (field 3) … utime (14), stime (15).
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((name, utime + stime))
}

/// Clock ticks per second of the CPU times in `/proc` (`_SC_CLK_TCK`; 100 where unknown).
#[cfg(target_os = "linux")]
pub fn clock_ticks_per_sec() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

/// Elsewhere the usual 100.
#[cfg(not(target_os = "linux"))]
pub fn clock_ticks_per_sec() -> f64 {
    100.0
}

/// A `kB` line of `/proc/self/status`, 0 where unknown.
pub fn status_kib(key: &str) -> u64 {
    proc_kib("/proc/self/status", key)
}

/// A `kB` line of `/proc/meminfo` (the whole machine's memory), 0 where unknown.
pub fn meminfo_kib(key: &str) -> u64 {
    proc_kib("/proc/meminfo", key)
}

/// The number of the line of `path` that starts with `key`, 0 where unknown.
fn proc_kib(path: &str, key: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| kib_of(&text, key))
        .unwrap_or(0)
}

/// The number after `key` in `text`, a `/proc` file of `key value kB` lines.
fn kib_of(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_give_name_and_ticks_even_with_parentheses_in_the_name() {
        let line = "4242 (thrd-tantivy-in) S 1 2 3 4 5 6 7 8 9 10 1500 250 0 0 20 0 1 0";
        assert_eq!(
            parse_stat(line),
            Some(("thrd-tantivy-in".to_string(), 1750))
        );
        let odd = "7 (a (b) c) R 1 2 3 4 5 6 7 8 9 10 3 4 0 0";
        assert_eq!(parse_stat(odd), Some(("a (b) c".to_string(), 7)));
        assert_eq!(parse_stat("7 (cut"), None);
    }

    #[test]
    fn proc_lines_are_read_by_key() {
        let meminfo = "MemTotal:       24576000 kB\nMemFree:        20000000 kB\nMemAvailable:   23000000 kB\n";
        assert_eq!(kib_of(meminfo, "MemAvailable:"), Some(23_000_000));
        assert_eq!(kib_of(meminfo, "MemFree:"), Some(20_000_000));
        assert_eq!(kib_of(meminfo, "SwapTotal:"), None);
        assert_eq!(kib_of("MemAvailable: lots kB", "MemAvailable:"), None);
    }

    #[test]
    fn threads_are_sorted_into_kinds() {
        let mut cpu = ThreadCpu::default();
        cpu.add("thrd-tantivy-in0", 2.0);
        cpu.add("thrd-tantivy-in1", 1.0);
        cpu.add("medlit-parse-0", 0.5);
        cpu.add("docstore-compre", 0.25);
        cpu.add("merge_thread_0", 0.125);
        assert_eq!(
            cpu,
            ThreadCpu {
                indexing_secs: 3.0,
                parsing_secs: 0.5,
                docstore_secs: 0.25,
                other_secs: 0.125,
            }
        );
    }

    #[test]
    fn the_parsing_share_leaves_out_other_threads() {
        let cpu = ThreadCpu {
            indexing_secs: 6.0,
            parsing_secs: 1.5,
            docstore_secs: 0.5,
            other_secs: 100.0,
        };
        assert_eq!(cpu.parsing_share(), 0.1875);
        assert_eq!(ThreadCpu::default().parsing_share(), 0.0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_busy_thread_is_counted() {
        let sampler = Sampler::start();
        let busy = std::thread::Builder::new()
            .name("medlit-parse-9".into())
            .spawn(|| {
                let started = std::time::Instant::now();
                let mut x = 0u64;
                while started.elapsed() < Duration::from_millis(300) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
                x
            })
            .expect("spawns");
        // The sampler reads the threads every 50 ms; join only after it has seen this one.
        std::thread::sleep(Duration::from_millis(250));
        busy.join().expect("joins");
        let (_, cpu) = sampler.stop();
        assert!(cpu.parsing_secs > 0.0, "{cpu:?}");
    }
}
