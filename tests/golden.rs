//! Golden cases: every `testdata/<strategy>/<case>/` directory is one PATCH
//! request and the answer kube-apiserver gives to it. `testdata/README.md`
//! describes the layout; this runner walks every strategy directory except
//! `examples`, runs each case through the public API and reports every
//! failure at the end (with a readable diff), not just the first.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use kubepatch::{FixedClock, Mode, PatchParams, PatchRequest};
use serde::Deserialize;
use serde_json::Value;

mod common;
use common::{json_diff, pretty, testdata};

/// The clock a case runs with when `case.json` gives no `now`.
const DEFAULT_NOW: &str = "2024-01-01T00:00:00Z";

/// Directories of `testdata/` that hold no cases.
const NOT_STRATEGIES: &[&str] = &["examples", "apply", "crd"];

/// The files a case directory may hold (besides `*.md` notes).
const KNOWN_FILES: &[&str] = &[
    "case.json",
    "original.json",
    "patch.json",
    "patch.yaml",
    "expected.json",
    "expected-status.json",
    "expected-warnings.json",
];

/// `case.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CaseFile {
    description: String,
    verified: String,
    content_type: Option<String>,
    field_manager: Option<String>,
    force: Option<bool>,
    dry_run: Option<Vec<String>>,
    field_validation: Option<String>,
    mode: Option<String>,
    now: Option<String>,
    preserve_unknown_fields: Option<bool>,
}

/// `expected-status.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ExpectedStatus {
    code: u16,
    reason: String,
    message: Option<String>,
    message_contains: Option<String>,
}

/// What a case expects.
enum Expected {
    Object {
        object: Value,
        warnings: Vec<String>,
    },
    Status(ExpectedStatus),
}

/// Subdirectories of `dir`, sorted by name.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Every case directory, as (strategy, case directory), sorted.
fn all_cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    for strategy_dir in subdirs(&testdata()) {
        let strategy = file_name(&strategy_dir);
        if NOT_STRATEGIES.contains(&strategy.as_str()) {
            continue;
        }
        for case_dir in subdirs(&strategy_dir) {
            cases.push((strategy.clone(), case_dir));
        }
    }
    cases
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", file_name(path)))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{} is not valid: {e}", file_name(path)))
}

fn read_optional_json(path: &Path) -> Result<Option<Value>, String> {
    if path.exists() {
        read_json(path).map(Some)
    } else {
        Ok(None)
    }
}

fn read_live(path: &Path) -> Result<Option<Value>, String> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", file_name(path)))?;
    kubepatch::read_document(&bytes)
        .map(Some)
        .map_err(|e| format!("{} is not valid: {e}", file_name(path)))
}

/// Check the directory holds only known files, and exactly one of each
/// required alternative.
fn check_files(dir: &Path) -> Result<(), String> {
    let names: BTreeSet<String> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read the case directory: {e}"))?
        .map(|entry| file_name(&entry.expect("directory entry").path()))
        .collect();
    let unknown: Vec<&String> = names
        .iter()
        .filter(|n| !KNOWN_FILES.contains(&n.as_str()) && !n.ends_with(".md"))
        .collect();
    if !unknown.is_empty() {
        return Err(format!("unknown files in the case directory: {unknown:?}"));
    }
    if !names.contains("case.json") {
        return Err("case.json is missing".to_string());
    }
    match (names.contains("patch.json"), names.contains("patch.yaml")) {
        (true, true) => return Err("both patch.json and patch.yaml are present".to_string()),
        (false, false) => return Err("the body (patch.json or patch.yaml) is missing".to_string()),
        _ => {}
    }
    match (
        names.contains("expected.json"),
        names.contains("expected-status.json"),
    ) {
        (true, true) => {
            return Err("both expected.json and expected-status.json are present".to_string());
        }
        (false, false) => {
            return Err("one of expected.json or expected-status.json is required".to_string());
        }
        (false, true) if names.contains("expected-warnings.json") => {
            return Err("expected-warnings.json goes only with expected.json".to_string());
        }
        _ => {}
    }
    Ok(())
}

fn check_case_file(case: &CaseFile) -> Result<(), String> {
    if case.description.trim().is_empty() {
        return Err("case.json: description is empty".to_string());
    }
    let reasoned = case.verified.strip_prefix("reasoned: ").map(str::trim);
    if case.verified != "kubectl" && reasoned.is_none_or(str::is_empty) {
        return Err(format!(
            "case.json: verified must be \"kubectl\" or \"reasoned: <why>\", not {:?}",
            case.verified
        ));
    }
    Ok(())
}

/// Run one case; `Err` holds everything that did not match.
fn run_case(strategy: &str, dir: &Path) -> Result<(), String> {
    check_files(dir)?;
    let case: CaseFile = read_json(&dir.join("case.json"))?;
    check_case_file(&case)?;

    let content_type = match (&case.content_type, common::content_type(strategy)) {
        (Some(ct), _) => ct.clone(),
        (None, Some(ct)) => ct.to_string(),
        (None, None) => {
            return Err(format!(
                "no Content-Type for the strategy directory {strategy:?}; set contentType in case.json"
            ));
        }
    };
    let mode = match case.mode.as_deref() {
        None | Some("kubernetes") => Mode::Kubernetes,
        Some("rfc") => Mode::Rfc,
        Some(other) => return Err(format!("case.json: unknown mode {other:?}")),
    };
    let now = case.now.as_deref().unwrap_or(DEFAULT_NOW);
    let clock = FixedClock(
        now.parse()
            .map_err(|e| format!("case.json: now {now:?} is not RFC 3339: {e}"))?,
    );
    let params = PatchParams {
        field_manager: case.field_manager.clone(),
        force: case.force,
        dry_run: case.dry_run.clone().unwrap_or_default(),
        field_validation: case.field_validation.clone(),
    };

    // Two parses of the live object: one is handed to the request, the other
    // proves the request left it alone. Read as kube-apiserver decodes what it
    // stored (Go's numbers: `-0` is the integer 0), as the CLI reads `-f`.
    let live = read_live(&dir.join("original.json"))?;
    let pristine = read_live(&dir.join("original.json"))?;
    let body_path = ["patch.json", "patch.yaml"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.exists())
        .expect("check_files found a body");
    let body = fs::read(&body_path).map_err(|e| format!("cannot read the body: {e}"))?;

    let expected = match read_optional_json(&dir.join("expected.json"))? {
        Some(object) => {
            let warnings = match read_optional_json(&dir.join("expected-warnings.json"))? {
                Some(list) => serde_json::from_value(list).map_err(|e| {
                    format!("expected-warnings.json must be a list of strings: {e}")
                })?,
                None => Vec::new(),
            };
            Expected::Object { object, warnings }
        }
        None => Expected::Status(read_json(&dir.join("expected-status.json"))?),
    };
    if let Expected::Status(status) = &expected
        && status.message.is_some()
        && status.message_contains.is_some()
    {
        return Err("expected-status.json: give message or messageContains, not both".to_string());
    }

    let mut request = PatchRequest::new(&content_type, &body)
        .params(params)
        .mode(mode)
        .clock(&clock)
        .preserve_unknown_fields(case.preserve_unknown_fields.unwrap_or(false));
    if let Some(live) = &live {
        request = request.live(live);
    }
    let result = request.run();

    let mut problems = Vec::new();
    if live != pristine {
        problems.push(format!(
            "the live object was modified by the request:\n{}",
            json_diff(
                pristine.as_ref().unwrap_or(&Value::Null),
                live.as_ref().unwrap_or(&Value::Null)
            )
        ));
    }
    match (expected, result) {
        (Expected::Object { object, warnings }, Ok(outcome)) => {
            // Compared as kube-apiserver writes them (Go's numbers: `1.0`
            // is `1`), which is what kubectl printed into expected.json.
            if kubepatch::numbers::to_json(&outcome.object) != kubepatch::numbers::to_json(&object)
            {
                problems.push(format!(
                    "the object differs:\n{}",
                    json_diff(&object, &outcome.object)
                ));
            }
            // Apply creates (201) when there is no live object; everything else is 200.
            let code = if live.is_none() { 201 } else { 200 };
            if outcome.code != code {
                problems.push(format!("status code {}, expected {code}", outcome.code));
            }
            if outcome.warnings != warnings {
                problems.push(format!(
                    "warnings differ:\n{}",
                    json_diff(
                        &serde_json::json!(warnings),
                        &serde_json::json!(outcome.warnings)
                    )
                ));
            }
        }
        (Expected::Object { .. }, Err(err)) => {
            problems.push(format!(
                "expected an object, got an error:\n{}",
                pretty(&err.to_status().to_value())
            ));
        }
        (Expected::Status(status), Ok(outcome)) => {
            problems.push(format!(
                "expected a {} {} error, got success with:\n{}",
                status.code,
                status.reason,
                pretty(&outcome.object)
            ));
        }
        (Expected::Status(expected), Err(err)) => {
            let actual = err.to_status();
            if actual.code != expected.code || actual.reason != expected.reason {
                problems.push(format!(
                    "expected {} {}, got {} {}: {}",
                    expected.code, expected.reason, actual.code, actual.reason, actual.message
                ));
            }
            if let Some(message) = &expected.message
                && actual.message != *message
            {
                problems.push(format!(
                    "the message differs:\n  expected: {message}\n  actual:   {}",
                    actual.message
                ));
            }
            if let Some(part) = &expected.message_contains
                && !actual.message.contains(part.as_str())
            {
                problems.push(format!(
                    "the message does not contain {part:?}:\n  {}",
                    actual.message
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn golden() {
    let cases = all_cases();
    assert!(
        !cases.is_empty(),
        "no golden cases under {}",
        testdata().display()
    );

    let mut failures = Vec::new();
    for (strategy, dir) in &cases {
        let name = format!("{strategy}/{}", file_name(dir));
        if let Err(problem) = run_case(strategy, dir) {
            failures.push(format!("--- {name}\n{problem}"));
        }
    }
    let passed = cases.len() - failures.len();
    for failure in &failures {
        eprintln!("{failure}\n");
    }
    println!("golden: {} cases, {passed} passed", cases.len());
    if !failures.is_empty() {
        let names: Vec<&str> = failures
            .iter()
            .map(|f| {
                f.lines()
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches("--- ")
            })
            .collect();
        panic!(
            "golden: {} of {} cases failed:\n  {}",
            failures.len(),
            cases.len(),
            names.join("\n  ")
        );
    }
}
