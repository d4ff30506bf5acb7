//! Helpers shared by the integration tests: each test file that needs them
//! says `mod common;` (Cargo does not build `tests/common/mod.rs` as a test
//! of its own). Every test binary compiles this module separately, so items a
//! binary does not use are marked `#[allow(dead_code)]`.
//!
//! - where the data lives: `testdata/`, the shared corpus (`../shared`, or
//!   `$KUBEPATCH_SHARED`) and the Kubernetes OpenAPI document in it;
//! - the media types of the four patch strategies;
//! - [`generate`]: the seeded PRNG of the generated tests and the random
//!   values and objects they are built from; the numeric environment
//!   overrides of their seeds and sizes;
//! - the step clock of the apply tests;
//! - JSON comparison and printing;
//! - running `kubectl patch --local`, one case or many in parallel, for the
//!   differential tests.

pub mod generate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use kubepatch::{FixedClock, Mode};
use pretty_assertions::StrComparison;
use serde_json::Value;

// ---------------------------------------------------------------------------
// Where the data lives.

/// The repository root, where the library's `Cargo.toml` is. The tests of
/// the CLI crate (`cli/`, package `kubepatch-cli`) include this module too,
/// and their manifest directory is one level down.
#[allow(dead_code)]
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if env!("CARGO_PKG_NAME") == "kubepatch-cli" {
        manifest.join("..")
    } else {
        manifest.to_path_buf()
    }
}

/// The repository's `testdata/` folder.
#[allow(dead_code)]
pub fn testdata() -> PathBuf {
    root().join("testdata")
}

/// The CRD manifest of the custom resource `Widget` (`example.com/v1`),
/// relative to [`testdata`].
#[allow(dead_code)]
pub const WIDGETS_CRD: &str = "crd/widgets.yaml";

/// Where the shared corpus is expected: `$KUBEPATCH_SHARED` when set, else
/// `../shared` next to the repository. It may not exist.
#[allow(dead_code)]
pub fn shared_location() -> PathBuf {
    std::env::var_os("KUBEPATCH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"))
}

/// The shared corpus ([`shared_location`]), or `None` when it is not a
/// directory; the caller prints its own skip note.
#[allow(dead_code)]
pub fn shared() -> Option<PathBuf> {
    let dir = shared_location();
    dir.is_dir().then_some(dir)
}

/// The Kubernetes v1.36 OpenAPI document, relative to the shared corpus.
#[allow(dead_code)]
pub const SWAGGER: &str = "openapi/kubernetes-v1.36-swagger.json";

// ---------------------------------------------------------------------------
// Media types.

#[allow(dead_code)]
pub const JSON_PATCH: &str = "application/json-patch+json";
#[allow(dead_code)]
pub const MERGE_PATCH: &str = "application/merge-patch+json";
#[allow(dead_code)]
pub const STRATEGIC: &str = "application/strategic-merge-patch+json";
#[allow(dead_code)]
pub const APPLY: &str = "application/apply-patch+yaml";

/// The Content-Type a request or strategy name (`json`, `merge`,
/// `strategic`, `apply`) stands for.
#[allow(dead_code)]
pub fn content_type(name: &str) -> Option<&'static str> {
    match name {
        "json" => Some(JSON_PATCH),
        "merge" => Some(MERGE_PATCH),
        "strategic" => Some(STRATEGIC),
        "apply" => Some(APPLY),
        _ => None,
    }
}

#[allow(dead_code)]
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Rfc => "rfc",
        Mode::Kubernetes => "kubernetes",
    }
}

/// A number from the environment variable `name`: decimal, or hex after `0x`.
#[allow(dead_code)]
pub fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// A new directory `<prefix>-<pid>-<n>` in the system temp dir (`n` counts
/// the calls in this test binary); the caller removes it.
#[allow(dead_code)]
pub fn temp_dir(prefix: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    dir
}

// ---------------------------------------------------------------------------
// Time.

/// A clock `seconds` after 2030-01-01T00:00:00Z, where the apply tests start.
#[allow(dead_code)]
pub fn clock_at(seconds: u64) -> FixedClock {
    let start: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    FixedClock(start + jiff::SignedDuration::from_secs(seconds as i64))
}

// ---------------------------------------------------------------------------
// JSON.

/// Numbers compare by value (upstream prints an integral float as an
/// integer); everything else strictly; list order matters.
#[allow(dead_code)]
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// `value` as `serde_json` pretty-prints it (2-space indent).
#[allow(dead_code)]
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("a Value always serializes")
}

/// A line diff of two JSON values, expected on the left.
#[allow(dead_code)]
pub fn json_diff(expected: &Value, actual: &Value) -> String {
    let (expected, actual) = (pretty(expected), pretty(actual));
    format!(
        "(< expected, > actual)\n{}",
        StrComparison::new(&expected, &actual)
    )
}

/// Remove `metadata.managedFields`, as kubectl does when it prints an object
/// (`--show-managed-fields=false`).
#[allow(dead_code)]
pub fn strip_managed_fields(object: &mut Value) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
}

// ---------------------------------------------------------------------------
// kubectl.

#[allow(dead_code)]
pub fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// True, after a note naming `test`, when kubectl cannot run.
#[allow(dead_code)]
pub fn skip_without_kubectl(test: &str) -> bool {
    if kubectl_available() {
        return false;
    }
    skip_note(
        test,
        "`kubectl version --client` did not run (kubectl not on PATH)",
    );
    true
}

/// Say that `test` (or a part of it) was skipped and why, where plain
/// `cargo test` shows it: `note: <test>: SKIPPED, <why>`.
///
/// libtest captures what `println!` and `eprintln!` write and shows it only
/// for a failed test, so a skip note printed that way is never seen. This
/// writes the line to the process's stderr itself (one write, so lines of
/// tests running in parallel do not interleave); it appears in `cargo test`
/// output among the `test … ok` lines.
#[allow(dead_code)]
pub fn skip_note(test: &str, why: &str) {
    use std::io::Write;
    let line = format!("note: {test}: SKIPPED, {why}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// `kubectl patch --local -f <file> --type <patch_type> -p <patch> -o json`.
#[allow(dead_code)]
pub fn kubectl_patch(file: &Path, patch_type: &str, patch: &str) -> Output {
    Command::new("kubectl")
        .args(["patch", "--local", "-f"])
        .arg(file)
        .args(["--type", patch_type, "-p", patch, "-o", "json"])
        .output()
        .expect("run kubectl")
}

/// What one side made of a case: the object, or a one-line error.
#[allow(dead_code)]
pub type Outcome = Result<Value, String>;

#[allow(dead_code)]
pub fn show(outcome: &Outcome) -> String {
    match outcome {
        Ok(v) => format!("ok {v}"),
        Err(e) => format!("error: {e}"),
    }
}

/// Whether kubectl and kubepatch agree: the same object as Go writes it
/// (`1.0` is `1`: kubepatch keeps a float where kubectl's text reads back as
/// an integer), or both an error.
#[allow(dead_code)]
pub fn agree(theirs: &Outcome, ours: &Outcome) -> bool {
    match (theirs, ours) {
        (Ok(a), Ok(b)) => kubepatch::numbers::to_json(a) == kubepatch::numbers::to_json(b),
        (Err(_), Err(_)) => true,
        _ => false,
    }
}

/// Run `object` through [`kubectl_patch`], from the temp file `case-<index>.json`
/// in `dir` (removed afterwards). A failure is `exit <code>: <first stderr line>`.
#[allow(dead_code)]
pub fn run_kubectl(
    dir: &Path,
    index: usize,
    object: &Value,
    patch_type: &str,
    patch: &str,
) -> Outcome {
    let file: PathBuf = dir.join(format!("case-{index}.json"));
    std::fs::write(&file, serde_json::to_vec(object).unwrap()).expect("write the object file");
    let out = kubectl_patch(&file, patch_type, patch);
    let _ = std::fs::remove_file(&file);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or("").to_string();
        return Err(format!("exit {:?}: {first}", out.status.code()));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "kubectl printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Call `run(dir, i)` for every case `i` in `0..count` on `workers` threads,
/// in a fresh [`temp_dir`] named after `prefix` (removed afterwards), and
/// collect the outcomes by case; `run` returns `None` for a case it skips.
#[allow(dead_code)]
pub fn run_kubectl_all(
    prefix: &str,
    workers: usize,
    count: usize,
    run: impl Fn(&Path, usize) -> Option<Outcome> + Sync,
) -> BTreeMap<usize, Outcome> {
    let dir = temp_dir(prefix);
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<usize, Outcome>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    if let Some(out) = run(&dir, i) {
                        results.lock().unwrap().insert(i, out);
                    }
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    results.into_inner().unwrap()
}

/// Print one case where kubectl and kubepatch disagree; `tag` follows the
/// case number in the heading.
#[allow(dead_code)]
pub fn print_mismatch(
    index: usize,
    tag: &str,
    object: &Value,
    patch: &str,
    theirs: &Outcome,
    ours: &Outcome,
) {
    println!("\n--- mismatch in case {index} {tag}");
    println!("object:    {object}");
    println!("patch:     {patch}");
    println!("kubectl:   {}", show(theirs));
    println!("kubepatch: {}", show(ours));
}
