//! Server-side apply conformance: the multi-step scenarios of
//! `../shared/conformance/ssa/scenarios.json` (field ownership, apply
//! merge/prune/conflicts/force, the ownership effects of non-apply writes),
//! run through the public API and compared as the corpus's README says.
//! Skips with a note where `../shared` is absent (`KUBEPATCH_SHARED`
//! overrides the location).
//!
//! Harness rules (README "Running the vectors"):
//! * step *i* (1-based) runs at 2030-01-01T00:00:00Z + *i* seconds;
//! * a created object gets a uid (`uid-N`) from the harness; expected
//!   objects never carry `metadata.uid`, so it is stripped before comparing;
//! * the stored object is normalized like the server's decode into its kind
//!   (`omitEmpty`: drop nulls, and empty objects/arrays when the kind is a Go
//!   struct), never touching `metadata.managedFields`, which is what
//!   `kubepatch::managed::normalize` does; PUT/POST bodies are normalized
//!   before ownership is computed;
//! * a failed step leaves the stored object as it was.

use std::collections::{BTreeMap, BTreeSet};

use kubepatch::managed::{Updater, normalize, track_update, update};
use kubepatch::object::{self, Target};
use kubepatch::schema::{Schema, vocabulary};
use kubepatch::{Clock, Error, FixedClock, PatchParams, PatchRequest};
use serde_json::{Value, json};

mod common;
use common::{clock_at, same, shared};

/// An expected failure: code, reason and message (exact, or for a
/// deliberate departure possibly only a required prefix).
struct ExpectedError {
    code: u64,
    reason: String,
    message: String,
    prefix_only: bool,
}

impl std::fmt::Display for ExpectedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = json!({"code": self.code, "reason": self.reason, "message": self.message});
        let suffix = if self.prefix_only {
            " (message: prefix)"
        } else {
            ""
        };
        write!(f, "{text}{suffix}")
    }
}

/// The failure a step must give: the corpus's, except where kubepatch departs
/// from upstream on purpose. Overrides are asserted, never skipped, and each
/// checks that the corpus still records the upstream answer it replaces.
fn expected_error(scenario: &str, error: &Value) -> ExpectedError {
    let upstream = ExpectedError {
        code: error["code"].as_u64().unwrap_or(0),
        reason: error["reason"].as_str().unwrap_or("").to_string(),
        message: error["message"].as_str().unwrap_or("").to_string(),
        prefix_only: false,
    };
    match scenario {
        // Upstream answers HTTP 500 with an empty reason when the typed
        // conversion of an apply configuration fails on the client's own
        // input (a field the schema does not declare; a list-map item with
        // none of its key fields): kubernetes/kubernetes#122480, fix proposed
        // upstream, not merged. kubepatch answers 400 BadRequest with the
        // same message.
        "ep-apply-unknown-field-500" | "epk-missing-key-field" => {
            assert_eq!(
                (upstream.code, upstream.reason.as_str()),
                (500, ""),
                "{scenario}: the corpus no longer records upstream's 500; revisit the override"
            );
            ExpectedError {
                code: 400,
                reason: "BadRequest".to_string(),
                ..upstream
            }
        }
        // A failed JSON patch operation: upstream answers 422 with only the
        // fixed text and drops the library's reason; kubepatch keeps the
        // text and appends the operation and why it failed (README, "Where
        // kubepatch answers differently from kube-apiserver").
        "ep-json-patch-test-fails" => {
            let fixed = "the server rejected our request due to an error in our request";
            assert_eq!(
                (upstream.code, upstream.message.as_str()),
                (422, fixed),
                "{scenario}: the corpus no longer records upstream's fixed text; revisit the override"
            );
            ExpectedError {
                message: format!(
                    "{fixed}: json patch operation 0 (test /metadata/labels/app) failed: "
                ),
                prefix_only: true,
                ..upstream
            }
        }
        _ => upstream,
    }
}

fn meta_text<'v>(object: Option<&'v Value>, key: &str) -> Option<&'v str> {
    object?.get("metadata")?.get(key)?.as_str()
}

/// The object without `metadata.managedFields` (and without `metadata.uid`
/// when `uid` is false).
fn without_managed(object: &Value, uid: bool) -> Value {
    let mut out = object.clone();
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if !uid {
            meta.remove("uid");
        }
    }
    out
}

fn managed_fields(object: &Value) -> Option<&Vec<Value>> {
    object.get("metadata")?.get("managedFields")?.as_array()
}

/// An entry's identity: manager, operation, apiVersion (Update only), subresource.
fn identity(entry: &Value) -> (String, String, String, String) {
    let text = |k: &str| {
        entry
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let operation = text("operation");
    let api_version = if operation == "Update" {
        text("apiVersion")
    } else {
        String::new()
    };
    (text("manager"), operation, api_version, text("subresource"))
}

/// An entry as compared: no `time`, `fieldsV1` parsed if it is a string.
fn comparable_entry(entry: &Value) -> Value {
    let mut e = entry.clone();
    if let Some(m) = e.as_object_mut() {
        m.remove("time");
        if let Some(Value::String(text)) = m.get("fieldsV1")
            && let Ok(parsed) = serde_json::from_str::<Value>(text)
        {
            m.insert("fieldsV1".to_string(), parsed);
        }
    }
    e
}

/// A Go `%q` string at the start of `text`: its value and the rest.
fn go_unquote(text: &str) -> Option<(String, &str)> {
    let mut chars = text.strip_prefix('"')?.char_indices();
    let mut out = String::new();
    let body = &text[1..];
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                let hex = |chars: &mut std::str::CharIndices<'_>, n: usize| -> Option<u32> {
                    let digits: String = (0..n).filter_map(|_| chars.next().map(|x| x.1)).collect();
                    u32::from_str_radix(&digits, 16).ok()
                };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    'x' => out.push(char::from_u32(hex(&mut chars, 2)?)?),
                    'u' => out.push(char::from_u32(hex(&mut chars, 4)?)?),
                    'U' => out.push(char::from_u32(hex(&mut chars, 8)?)?),
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// A conflict cause back as `{manager, operation, subresource?, path}`: the
/// message is `conflict with <"name">[ with subresource <"sub">][ using <v>]`
/// and only Update identities carry `using`.
fn conflict_of(message: &str, field: &str) -> Value {
    let parsed = (|| {
        let rendered = message.strip_prefix("conflict with ")?;
        let (manager, mut rest) = go_unquote(rendered)?;
        let mut out = json!({"manager": manager, "operation": "Apply", "path": field});
        if let Some(r) = rest.strip_prefix(" with subresource ") {
            let (sub, r) = go_unquote(r)?;
            out["subresource"] = json!(sub);
            rest = r;
        }
        if rest.strip_prefix(" using ").is_some_and(|v| !v.is_empty()) {
            out["operation"] = json!("Update");
        } else if !rest.is_empty() {
            return None;
        }
        Some(out)
    })();
    parsed.unwrap_or_else(|| json!({"unparsed cause message": message, "path": field}))
}

fn sorted_set(items: impl IntoIterator<Item = Value>) -> Vec<String> {
    items
        .into_iter()
        .map(|v| v.to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

struct Run {
    schema: Schema,
    resource: String,
    omit_empty: bool,
    /// The stored object (normalized, with managedFields), if it exists.
    stored: Option<Value>,
    uids: usize,
}

enum StepResult {
    Done(Value, bool),
    Failed(Error),
    /// A step the public API cannot express, counted apart.
    Unsupported(String),
}

impl Run {
    fn target(&self, step: &Value, body: Option<&Value>) -> Target {
        let stored = self.stored.as_ref();
        let name = step
            .get("name")
            .and_then(Value::as_str)
            .or_else(|| meta_text(body, "name"))
            .or_else(|| meta_text(stored, "name"))
            .unwrap_or("");
        let namespace = meta_text(stored, "namespace").or_else(|| meta_text(body, "namespace"));
        Target::new(&self.resource, name, namespace)
    }

    /// Carry out one step; `Done(object, created)` on success.
    fn step(&self, step: &Value, clock: &FixedClock) -> StepResult {
        let manager = step["manager"].as_str().unwrap_or("");
        let params = PatchParams {
            field_manager: (!manager.is_empty()).then(|| manager.to_string()),
            force: step.get("force").and_then(Value::as_bool),
            ..PatchParams::default()
        };
        let subresource = step.get("subresource").and_then(Value::as_str);
        let live = self.stored.as_ref();
        let (content_type, body_value) = match (
            step["operation"].as_str(),
            step.get("config"),
            step.get("patch"),
            step.get("object"),
        ) {
            (Some("apply"), Some(config), _, _) => ("application/apply-patch+yaml", config),
            (Some("update"), _, Some(patch), _) => (
                step["contentType"]
                    .as_str()
                    .unwrap_or("application/merge-patch+json"),
                patch,
            ),
            (Some("update"), _, _, Some(object)) => {
                return self.put_or_post(step, manager, subresource, object, clock);
            }
            _ => return StepResult::Unsupported(format!("a step of unknown shape: {step}")),
        };
        let body = serde_json::to_vec(body_value).expect("body serializes");
        let target = self.target(
            step,
            (content_type.starts_with("application/apply")).then_some(body_value),
        );
        let mut request = PatchRequest::new(content_type, &body)
            .params(params)
            .schema(&self.schema)
            .clock(clock)
            .target(target);
        if let Some(live) = live {
            request = request.live(live);
        }
        if let Some(sub) = subresource {
            request = request.subresource(sub);
        }
        match request.run() {
            Ok(outcome) => StepResult::Done(outcome.object, live.is_none()),
            Err(e) => StepResult::Failed(e),
        }
    }

    /// Update by full replacement (PUT), or create (POST) when the object
    /// does not exist: the body is decoded (normalized) first, then ownership
    /// is tracked, then the server's identity checks run.
    fn put_or_post(
        &self,
        step: &Value,
        manager: &str,
        subresource: Option<&str>,
        object: &Value,
        clock: &FixedClock,
    ) -> StepResult {
        let mut body = object.clone();
        normalize(&mut body, self.omit_empty);
        let target = self.target(step, Some(object));
        let live = self.stored.as_ref();
        // One request, one time: read the clock once, as PatchRequest::run does.
        let now = clock.now();
        let tracked = match subresource {
            None => track_update(&self.schema, now, manager, live, body),
            Some(_) => update(
                &Updater {
                    schema: &self.schema,
                    now,
                    manager,
                    subresource,
                },
                live,
                body,
            ),
        };
        let mut new = match tracked {
            Ok(new) => new,
            Err(e) => return StepResult::Failed(e),
        };
        let checked = match live {
            Some(live) => object::finish_update(&mut new, live, &target),
            None => object::finish_create(&mut new, &target),
        };
        match checked {
            Ok(()) => StepResult::Done(new, live.is_none()),
            Err(e) => StepResult::Failed(e),
        }
    }
}

/// What differed in one step, or nothing.
fn check_success(run: &Run, expect: &Value, got: &Value, now: &str) -> Vec<String> {
    let mut diffs = Vec::new();
    let before = run.stored.as_ref();
    if let Some(want) = expect.get("object") {
        let have = without_managed(got, false);
        if !same(want, &have) {
            diffs.push(format!(
                "object\n    expected: {want}\n    got:      {have}"
            ));
        }
    }
    let have_entries: Vec<Value> = managed_fields(got)
        .map(|l| l.iter().map(comparable_entry).collect())
        .unwrap_or_default();
    let want_entries: Vec<Value> = expect
        .get("managedFields")
        .and_then(Value::as_array)
        .map(|l| l.iter().map(comparable_entry).collect())
        .unwrap_or_default();
    let have_list = got.get("metadata").and_then(|m| m.get("managedFields"));
    // Present exactly when expected (an object without entries has none).
    let presence_ok = expect.get("managedFields").is_some() == have_list.is_some();
    if !presence_ok
        || !same(
            &Value::Array(want_entries.clone()),
            &Value::Array(have_entries.clone()),
        )
    {
        diffs.push(format!(
            "managedFields (without time, in order)\n    expected: {}\n    got:      {}",
            expect.get("managedFields").unwrap_or(&json!("absent")),
            have_list.map_or("absent".to_string(), |_| Value::Array(have_entries)
                .to_string())
        ));
    }
    // Time stamps: entries stamped now belong to `timeStamped` managers;
    // every other entry kept its previous time (a new one has none, or, for a
    // capping bucket, the time of an entry it absorbed).
    let stamped: BTreeSet<&str> = expect
        .get("timeStamped")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let previous: BTreeMap<_, Option<String>> = before
        .and_then(managed_fields)
        .map(|l| {
            l.iter()
                .map(|e| {
                    (
                        identity(e),
                        e.get("time").and_then(Value::as_str).map(str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let previous_times: BTreeSet<&str> = previous.values().flatten().map(String::as_str).collect();
    let mut stamped_seen = BTreeSet::new();
    for entry in managed_fields(got).into_iter().flatten() {
        let id = identity(entry);
        let time = entry.get("time").and_then(Value::as_str);
        if time == Some(now) {
            stamped_seen.insert(id.0.clone());
            if !stamped.contains(id.0.as_str()) {
                diffs.push(format!(
                    "time: {id:?} was stamped now ({now}) but is not in timeStamped {stamped:?}"
                ));
            }
            continue;
        }
        let ok = match previous.get(&id) {
            Some(before) => time == before.as_deref(),
            None => time.is_none_or(|t| previous_times.contains(t)),
        };
        if !ok {
            diffs.push(format!(
                "time: {id:?} has {time:?}, expected its previous {:?}",
                previous.get(&id).cloned().flatten()
            ));
        }
    }
    for m in &stamped {
        if !stamped_seen.contains(*m) {
            diffs.push(format!(
                "time: {m:?} is in timeStamped but no entry of it has time {now}"
            ));
        }
    }
    let unchanged =
        before.is_some_and(|b| same(&without_managed(b, true), &without_managed(got, true)));
    let want_unchanged = expect.get("objectUnchanged").and_then(Value::as_bool) == Some(true);
    if unchanged != want_unchanged {
        diffs.push(format!(
            "objectUnchanged: expected {want_unchanged}, got {unchanged}"
        ));
    }
    diffs
}

fn check_failure(scenario: &str, expect: &Value, err: &Error) -> Vec<String> {
    let mut diffs = Vec::new();
    let status = err.to_status();
    let want = expected_error(scenario, &expect["error"]);
    let message_ok = if want.prefix_only {
        status.message.starts_with(&want.message)
    } else {
        status.message == want.message
    };
    if u64::from(status.code) != want.code || status.reason != want.reason || !message_ok {
        let have = json!({"code": status.code, "reason": status.reason, "message": status.message});
        diffs.push(format!("error\n    expected: {want}\n    got:      {have}"));
    }
    if let Some(want) = expect.get("conflicts").and_then(Value::as_array) {
        let have = status
            .details
            .as_ref()
            .map(|d| {
                d.causes
                    .iter()
                    .map(|c| conflict_of(&c.message, &c.field))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let (want, have) = (sorted_set(want.iter().cloned()), sorted_set(have));
        if want != have {
            diffs.push(format!(
                "conflicts (as a set)\n    expected: [{}]\n    got:      [{}]",
                want.join(", "),
                have.join(", ")
            ));
        }
    }
    diffs
}

#[test]
fn ssa_scenarios() {
    let Some(dir) = shared() else {
        common::skip_note("ssa_scenarios", "../shared is absent");
        return;
    };
    let path = dir.join("conformance/ssa/scenarios.json");
    let text = std::fs::read_to_string(&path).expect("scenarios.json");
    let corpus: Value = serde_json::from_str(&text).expect("scenarios.json parses");
    assert_eq!(corpus["format"], "ssa-scenarios/v1");
    let scenarios = corpus["scenarios"].as_array().expect("scenarios");

    let (mut passed, mut failed, mut unsupported) = (0, Vec::new(), Vec::new());
    for scenario in scenarios {
        let name = scenario["name"].as_str().unwrap_or("?");
        let schema_def = &corpus["schemas"][scenario["schema"].as_str().unwrap_or("")];
        let schema = vocabulary::ssa(schema_def).unwrap_or_else(|e| panic!("{name}: schema: {e}"));
        let omit_empty = schema_def["omitEmpty"].as_bool().unwrap_or(true);
        let mut stored = Some(scenario["live"].clone()).filter(|l| !l.is_null());
        if let Some(live) = stored.as_mut() {
            normalize(live, omit_empty);
        }
        let mut run = Run {
            schema,
            resource: schema_def["resource"].as_str().unwrap_or("").to_string(),
            omit_empty,
            stored,
            uids: 0,
        };
        let mut problems = Vec::new();
        let mut why_unsupported = None;
        let steps = scenario["steps"].as_array().expect("steps");
        let mut stopped_at = None;
        for (i, step) in steps.iter().enumerate() {
            let clock = clock_at(i as u64 + 1);
            let now = clock.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            let expect = &step["expect"];
            let label = format!(
                "step {} ({} by {:?})",
                i + 1,
                step["operation"].as_str().unwrap_or("?"),
                step["manager"].as_str().unwrap_or("")
            );
            match (run.step(step, &clock), expect.get("error")) {
                (StepResult::Unsupported(why), _) => {
                    why_unsupported = Some(format!("{label}: {why}"));
                    break;
                }
                (StepResult::Done(mut object, created), None) => {
                    if created {
                        run.uids += 1;
                        if let Some(meta) =
                            object.get_mut("metadata").and_then(Value::as_object_mut)
                        {
                            meta.insert("uid".to_string(), json!(format!("uid-{}", run.uids)));
                        }
                    }
                    normalize(&mut object, omit_empty);
                    let diffs = check_success(&run, expect, &object, &now);
                    run.stored = Some(object);
                    if !diffs.is_empty() {
                        problems.push(format!("{label}:\n  {}", diffs.join("\n  ")));
                        stopped_at = Some(i);
                        break;
                    }
                }
                (StepResult::Done(object, _), Some(want)) => {
                    problems.push(format!(
                        "{label}: expected error {}, but the step succeeded with\n    {object}",
                        expected_error(name, want)
                    ));
                    stopped_at = Some(i);
                    break;
                }
                (StepResult::Failed(err), None) => {
                    problems.push(format!(
                        "{label}: expected success, got error {}",
                        serde_json::to_string(&err.to_status()).unwrap_or_default()
                    ));
                    stopped_at = Some(i);
                    break;
                }
                (StepResult::Failed(err), Some(_)) => {
                    // A failed step leaves the object as it was: later steps
                    // still run on the right state.
                    let diffs = check_failure(name, expect, &err);
                    if !diffs.is_empty() {
                        problems.push(format!("{label}:\n  {}", diffs.join("\n  ")));
                    }
                }
            }
        }
        if let Some(i) = stopped_at.filter(|i| i + 1 < steps.len()) {
            problems.push(format!(
                "(steps {}..{} not run: they would start from a wrong state)",
                i + 2,
                steps.len()
            ));
        }
        if let Some(why) = why_unsupported {
            println!("UNSUPPORTED {name}: {why}");
            unsupported.push(name);
        } else if problems.is_empty() {
            passed += 1;
        } else {
            println!("FAIL {name}");
            failed.push(format!(
                "{name} [{}]\n{}",
                scenario["schema"].as_str().unwrap_or(""),
                problems.join("\n")
            ));
        }
    }
    println!(
        "ssa scenarios: {passed} passed, {} failed, {} unsupported (of {})",
        failed.len(),
        unsupported.len(),
        scenarios.len()
    );
    if !failed.is_empty() {
        panic!(
            "{} of {} ssa scenarios failed{}:\n\n{}",
            failed.len(),
            scenarios.len(),
            if unsupported.is_empty() {
                String::new()
            } else {
                format!(" (unsupported: {})", unsupported.join(", "))
            },
            failed.join("\n\n")
        );
    }
}
