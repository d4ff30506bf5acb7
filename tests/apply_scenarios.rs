//! Server-side apply scenarios: every `testdata/apply/<scenario>/scenario.json`
//! is a sequence of requests (applies, and merge/strategic/JSON patches that
//! are tracked as Updates) on one Endpoints object, each with the answer
//! kube-apiserver gives. `testdata/README.md` ("Apply scenarios") describes
//! the format. The runner uses only the public API, runs every step of every
//! scenario, and reports all mismatches (with readable diffs) at the end.

use std::fs;
use std::path::{Path, PathBuf};

use kubepatch::{PatchParams, PatchRequest};
use pretty_assertions::StrComparison;
use serde::Deserialize;
use serde_json::Value;

mod common;
use common::{clock_at, content_type, json_diff, pretty};

/// `scenario.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    description: String,
    verified: String,
    /// The object before step 0 (`null`: it does not exist).
    live: Option<Value>,
    steps: Vec<Step>,
}

/// One request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    /// A remark for the reader; not used.
    #[allow(dead_code)]
    note: Option<String>,
    /// `apply`, `json`, `merge` or `strategic`.
    request: String,
    /// The `fieldManager` query parameter (absent: not sent).
    manager: Option<String>,
    /// The `force` query parameter (absent: not sent).
    force: Option<bool>,
    /// The body: the configuration for apply, the patch otherwise.
    body: Value,
    expect: Expect,
}

/// What a step answers: either `code`, `object` and `managedFields`, or
/// `status` (and optionally `causes`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Expect {
    code: Option<u16>,
    object: Option<Value>,
    managed_fields: Option<Vec<Value>>,
    status: Option<ExpectedStatus>,
    causes: Option<Vec<ExpectedCause>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedStatus {
    code: u16,
    reason: String,
    message: String,
}

#[derive(Debug, Deserialize, PartialEq, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct ExpectedCause {
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    message: String,
    field: String,
}

fn scenarios_dir() -> PathBuf {
    common::testdata().join("apply")
}

/// The object without `metadata.managedFields`, and that list (empty when absent).
fn split_managed(object: &Value) -> (Value, Vec<Value>) {
    let mut plain = object.clone();
    let list = plain
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove("managedFields"));
    let list = match list {
        Some(Value::Array(items)) => items,
        None => Vec::new(),
        Some(other) => vec![other],
    };
    (plain, list)
}

/// The stored object a successful step leaves: its object with its managedFields.
fn stored(object: &Value, managed: &[Value]) -> Value {
    let mut out = object.clone();
    if !managed.is_empty()
        && let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut)
    {
        meta.insert("managedFields".to_string(), Value::Array(managed.to_vec()));
    }
    out
}

/// Check one step's expectation against the outcome; `Err` describes every mismatch.
fn check_step(
    step: &Step,
    result: Result<kubepatch::Outcome, kubepatch::Error>,
) -> Result<(), String> {
    let expect = &step.expect;
    let mut problems = Vec::new();
    match (&expect.status, result) {
        (None, Ok(outcome)) => {
            let (object, managed) = split_managed(&outcome.object);
            let want_object = expect.object.as_ref().expect("checked by validate");
            let want_managed = expect.managed_fields.as_ref().expect("checked by validate");
            let want_code = expect.code.expect("checked by validate");
            if outcome.code != want_code {
                problems.push(format!(
                    "status code {}, expected {want_code}",
                    outcome.code
                ));
            }
            if object != *want_object {
                problems.push(format!(
                    "the object differs:\n{}",
                    json_diff(want_object, &object)
                ));
            }
            let (want, got) = (Value::Array(want_managed.clone()), Value::Array(managed));
            if want != got {
                problems.push(format!("managedFields differ:\n{}", json_diff(&want, &got)));
            }
        }
        (None, Err(err)) => problems.push(format!(
            "expected success, got an error:\n{}",
            pretty(&err.to_status().to_value())
        )),
        (Some(status), Ok(outcome)) => problems.push(format!(
            "expected {} {}, got success ({}) with:\n{}",
            status.code,
            status.reason,
            outcome.code,
            pretty(&outcome.object)
        )),
        (Some(status), Err(err)) => {
            let actual = err.to_status().to_value();
            let code = actual["code"].as_u64().unwrap_or_default();
            let reason = actual["reason"].as_str().unwrap_or_default();
            let message = actual["message"].as_str().unwrap_or_default();
            if code != u64::from(status.code) || reason != status.reason {
                problems.push(format!(
                    "expected {} {}, got {code} {reason}: {message}",
                    status.code, status.reason
                ));
            }
            if message != status.message {
                problems.push(format!(
                    "the message differs:\n{}",
                    StrComparison::new(&status.message, message)
                ));
            }
            if let Some(causes) = &expect.causes {
                let listed = actual["details"]["causes"].as_array().cloned();
                let got: Vec<ExpectedCause> = listed
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .map(|(k, c)| ExpectedCause {
                        // Reasons are compared where the expectation gives one.
                        reason: causes
                            .get(k)
                            .and_then(|want| want.reason.as_ref())
                            .and(c["reason"].as_str().map(str::to_string)),
                        message: c["message"].as_str().unwrap_or_default().to_string(),
                        field: c["field"].as_str().unwrap_or_default().to_string(),
                    })
                    .collect();
                if got != *causes {
                    problems.push(format!(
                        "details.causes differ:\n{}",
                        json_diff(&serde_json::json!(causes), &serde_json::json!(got))
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The scenario file is well formed: required texts, known requests, one kind of expectation per step.
fn validate(s: &Scenario) -> Result<(), String> {
    if s.description.trim().is_empty() {
        return Err("description is empty".to_string());
    }
    if s.verified
        .strip_prefix("reasoned: ")
        .is_none_or(|r| r.trim().is_empty())
    {
        return Err(format!(
            "verified must be \"reasoned: <why>\", not {:?}",
            s.verified
        ));
    }
    if s.steps.is_empty() {
        return Err("no steps".to_string());
    }
    for (i, step) in s.steps.iter().enumerate() {
        if content_type(&step.request).is_none() {
            return Err(format!("step {i}: unknown request {:?}", step.request));
        }
        let e = &step.expect;
        let success = e.code.is_some() || e.object.is_some() || e.managed_fields.is_some();
        match (success, e.status.is_some()) {
            (true, true) => {
                return Err(format!("step {i}: expect has both a status and an object"));
            }
            (false, false) => return Err(format!("step {i}: expect is empty")),
            (true, false) => {
                if e.code.is_none() || e.object.is_none() || e.managed_fields.is_none() {
                    return Err(format!(
                        "step {i}: a success needs code, object and managedFields"
                    ));
                }
                if e.causes.is_some() {
                    return Err(format!("step {i}: causes go with a status"));
                }
            }
            (false, true) => {}
        }
    }
    Ok(())
}

/// Run one scenario; returns (steps run, failures as "step i: problem").
fn run_scenario(dir: &Path) -> Result<(usize, Vec<String>), String> {
    let path = dir.join("scenario.json");
    let text = fs::read(&path).map_err(|e| format!("cannot read scenario.json: {e}"))?;
    let scenario: Scenario =
        serde_json::from_slice(&text).map_err(|e| format!("scenario.json is not valid: {e}"))?;
    validate(&scenario)?;

    let mut live = scenario.live.clone().filter(|v| !v.is_null());
    let mut failures = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let content_type = content_type(&step.request).expect("checked by validate");
        let body = serde_json::to_vec(&step.body).expect("a Value always serializes");
        let params = PatchParams {
            field_manager: step.manager.clone(),
            force: step.force,
            ..PatchParams::default()
        };
        // Step 0 runs at 2030-01-01T00:00:00Z, step `i` `i` seconds later.
        let clock = clock_at(i as u64);
        let pristine = live.clone();
        let mut request = PatchRequest::new(content_type, &body)
            .params(params)
            .clock(&clock);
        if let Some(l) = &live {
            request = request.live(l);
        }
        let result = request.run();
        if live != pristine {
            failures.push(format!("step {i}: the request modified the live object"));
        }
        if let Err(problem) = check_step(step, result) {
            let who = step.manager.as_deref().unwrap_or("-");
            failures.push(format!(
                "step {i} ({} by {who}{}):\n{problem}",
                step.request,
                if step.force == Some(true) {
                    ", forced"
                } else {
                    ""
                }
            ));
        }
        // The next step starts from what this one is expected to store (a
        // failed request stores nothing), so one mismatch does not cascade.
        if step.expect.status.is_none() {
            let object = step.expect.object.as_ref().expect("checked by validate");
            let managed = step
                .expect
                .managed_fields
                .as_ref()
                .expect("checked by validate");
            live = Some(stored(object, managed));
        }
    }
    Ok((scenario.steps.len(), failures))
}

#[test]
fn apply_scenarios() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(scenarios_dir())
        .expect("testdata/apply exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no scenarios under testdata/apply");

    let mut failed = Vec::new();
    let mut steps = 0;
    for dir in &dirs {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        match run_scenario(dir) {
            Ok((n, failures)) => {
                steps += n;
                if !failures.is_empty() {
                    eprintln!("--- {name}\n{}\n", failures.join("\n"));
                    failed.push(name);
                }
            }
            Err(problem) => {
                eprintln!("--- {name}\n{problem}\n");
                failed.push(name);
            }
        }
    }
    println!(
        "apply scenarios: {} passed, {} failed ({steps} steps)",
        dirs.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        panic!(
            "apply scenarios: {} of {} failed:\n  {}",
            failed.len(),
            dirs.len(),
            failed.join("\n  ")
        );
    }
}
