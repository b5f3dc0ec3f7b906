//! Test helpers: a temporary workspace running the `medlit` binary, and typed views of its
//! JSON output (`deny_unknown_fields`, so a renamed or added key fails the tests).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde::Deserialize;

/// A temporary directory in which `medlit` runs with a cleared environment.
pub struct CliTest {
    dir: tempfile::TempDir,
}

impl CliTest {
    pub fn new() -> CliTest {
        CliTest {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The index directory used by [`CliTest::index`] and [`CliTest::search`].
    pub fn index_dir(&self) -> PathBuf {
        self.dir.path().join("index")
    }

    /// `medlit` with no inherited environment, run inside the temporary directory.
    pub fn medlit(&self) -> Command {
        let mut command = Command::cargo_bin("medlit").expect("medlit binary is built");
        command
            .current_dir(self.dir.path())
            .env_clear()
            .env("NO_COLOR", "1");
        command
    }

    /// Writes `contents` to a file in the temporary directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// `medlit index PATHS --index <index_dir> --json`, asserting success.
    pub fn index(&self, paths: &[&Path]) -> (IngestJson, String) {
        let output = self
            .medlit()
            .arg("index")
            .args(paths)
            .arg("--index")
            .arg(self.index_dir())
            .arg("--json")
            .output()
            .expect("runs");
        assert!(output.status.success(), "index failed: {}", stderr(&output));
        (parse_json(&output), stderr(&output))
    }

    /// `medlit ARGS --index <index_dir>`, raw.
    pub fn on_index(&self, args: &[&str]) -> Output {
        self.medlit()
            .args(args)
            .arg("--index")
            .arg(self.index_dir())
            .output()
            .expect("runs")
    }

    /// `medlit ARGS --index <index_dir>` (ARGS asking for `--json`), asserting success; its
    /// output parsed.
    pub fn json_on_index<T: for<'de> Deserialize<'de>>(&self, args: &[&str]) -> T {
        let output = self.on_index(args);
        assert!(
            output.status.success(),
            "medlit {args:?} failed: {}",
            stderr(&output)
        );
        parse_json(&output)
    }

    /// `medlit stats --json --index <index_dir>`, asserting success.
    pub fn stats(&self) -> StatsJson {
        self.json_on_index(&["stats", "--json"])
    }

    /// `medlit search ARGS --index <index_dir> --json` and its exit code.
    pub fn search(&self, args: &[&str]) -> (SearchJson, i32) {
        let output = self.search_output(args, true);
        let code = output.status.code().expect("exit code");
        assert!(code == 0 || code == 1, "search failed: {}", stderr(&output));
        (parse_json(&output), code)
    }

    /// `medlit search ARGS --index <index_dir>`, raw.
    pub fn search_output(&self, args: &[&str], json: bool) -> Output {
        let mut command = self.medlit();
        command
            .arg("search")
            .args(args)
            .arg("--index")
            .arg(self.index_dir());
        if json {
            command.arg("--json");
        }
        command.output().expect("runs")
    }
}

pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn parse_json<T: for<'de> Deserialize<'de>>(output: &Output) -> T {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not the expected JSON ({err}): {}",
            stdout(output)
        )
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestJson {
    pub files: u64,
    pub indexed: u64,
    pub replaced: u64,
    pub deleted: u64,
    pub skipped: u64,
    pub bytes: u64,
    pub records: u64,
    pub commits: u64,
    pub elapsed_secs: f64,
    pub commit_secs: f64,
    pub merge_secs: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchJson {
    pub query: String,
    pub total: usize,
    pub hits: Vec<HitJson>,
    pub facets: BTreeMap<String, Vec<FacetValueJson>>,
    pub notes: Vec<String>,
    pub expansions: Vec<ExpansionJson>,
    pub elapsed_ms: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpansionJson {
    pub term: String,
    pub kind: String,
    pub into: String,
}

impl SearchJson {
    pub fn ids(&self) -> Vec<&str> {
        self.hits.iter().map(|h| h.id.as_str()).collect()
    }

    /// The facet's values as `(value, count)` pairs, in output order.
    pub fn facet(&self, name: &str) -> Vec<(&str, u64)> {
        self.facets
            .get(name)
            .unwrap_or_else(|| panic!("facet {name} missing"))
            .iter()
            .map(|v| (v.value.as_str(), v.count))
            .collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HitJson {
    pub rank: usize,
    pub score: f32,
    pub id: String,
    pub title: String,
    pub year: Option<u16>,
    pub journal: Option<String>,
    pub doi: Option<String>,
    pub pmid: Option<String>,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
    #[serde(default)]
    pub explanation: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacetValueJson {
    pub value: String,
    pub count: u64,
    #[serde(default)]
    pub tree: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsJson {
    pub path: String,
    pub records: u64,
    pub deleted: u64,
    pub size_bytes: u64,
    pub segments: usize,
    pub facets: BTreeMap<String, usize>,
    pub schema_version: u32,
    pub medlit_version: Option<String>,
    pub last_commit: Option<String>,
}
