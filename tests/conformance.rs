//! Conformance against the shared suites in `../shared/conformance`:
//!
//! - `json-patch-tests/{tests,spec_tests}.json` (RFC 6902, json-patch/json-patch-tests);
//! - `merge-patch/cases.json` (RFC 7396 vectors).
//!
//! [`Mode::Rfc`] must pass every enabled record. [`Mode::Kubernetes`] runs the
//! same records to pin down, record by record, where kube-apiserver (the v4
//! line of evanphx/json-patch) departs from the RFCs: the departures listed
//! below must be exactly the records that disagree with the suites, and each
//! must give what kube-apiserver gives.
//!
//! The shared folder is `$KUBEPATCH_SHARED` when set, else `../shared`
//! relative to the crate. Where it is absent each test prints a note and
//! passes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kubepatch::{Error, Mode, json_patch, merge_patch};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

mod common;
use common::mode_name;

// ---------------------------------------------------------------------------
// Locating and reading the data
// ---------------------------------------------------------------------------

/// The shared folder, or `None` (after a note on stderr) when it is absent.
fn shared_dir(test: &str) -> Option<PathBuf> {
    let dir = common::shared_location();
    if dir.join("conformance").is_dir() {
        Some(dir)
    } else {
        common::skip_note(
            test,
            &format!(
                "shared conformance data not found at {} (set KUBEPATCH_SHARED)",
                dir.display()
            ),
        );
        None
    }
}

/// A file of the shared folder, or `None` (after a note) when it is missing.
fn shared_file(test: &str, relative: &str) -> Option<(PathBuf, Vec<u8>)> {
    let path = shared_dir(test)?.join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some((path, bytes)),
        Err(e) => {
            common::skip_note(test, &format!("cannot read {}: {e}", path.display()));
            None
        }
    }
}

/// The two JSON Patch suite files, in the order they are reported.
const JSON_PATCH_FILES: [&str; 2] = ["tests.json", "spec_tests.json"];

/// One record of the JSON Patch suite.
struct Record {
    /// 0-based position in the file's array.
    index: usize,
    doc: Value,
    /// The patch exactly as the file spells it (duplicate members included).
    patch_text: Vec<u8>,
    want: Want,
    disabled: bool,
    comment: String,
}

/// What a record (or a merge vector) asks for.
#[derive(Debug, Clone, PartialEq)]
enum Want {
    /// Success with this document.
    Result(Value),
    /// Failure (the suite's message is for people only and is not compared).
    Error,
    /// Success, whatever the document.
    Success,
}

/// Read one suite file. Each record's patch bytes are cut from the raw text,
/// so that duplicate members reach the patch decoder (see the suite's README).
fn load_records(name: &str, bytes: &[u8]) -> Vec<Record> {
    let parsed: Vec<Value> =
        serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name}: not a JSON array: {e}"));
    let raw: Vec<RawRecord> =
        serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name}: raw records: {e}"));
    assert_eq!(raw.len(), parsed.len(), "{name}: raw records");
    parsed
        .into_iter()
        .zip(raw)
        .enumerate()
        .map(|(index, (record, raw))| {
            let patch_text = raw
                .patch
                .unwrap_or_else(|| panic!("{name} #{index}: no `patch` member"))
                .get()
                .as_bytes();
            let reparsed: Value =
                serde_json::from_slice(patch_text).expect("raw patch text is JSON");
            assert_eq!(
                reparsed, record["patch"],
                "{name} #{index}: raw patch text differs from the parsed one"
            );
            let want = if let Some(expected) = record.get("expected") {
                Want::Result(expected.clone())
            } else if record.get("error").is_some() {
                Want::Error
            } else {
                Want::Success
            };
            Record {
                index,
                doc: record["doc"].clone(),
                patch_text: patch_text.to_vec(),
                want,
                disabled: record.get("disabled") == Some(&Value::Bool(true)),
                comment: record
                    .get("comment")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            }
        })
        .collect()
}

/// The text of one record's `patch` member, exactly as the file spells it.
#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow)]
    patch: Option<&'a RawValue>,
}

/// Whether `got` is what `want` asks for; `Err` explains a disagreement.
fn check(want: &Want, got: &Result<Value, Error>) -> Result<(), String> {
    match (want, got) {
        (Want::Result(expected), Ok(doc)) if doc == expected => Ok(()),
        (Want::Result(expected), Ok(doc)) => Err(format!("expected {expected}, got {doc}")),
        (Want::Result(expected), Err(e)) => {
            Err(format!("expected {expected}, got error {} {e}", e.code()))
        }
        (Want::Error, Err(_)) => Ok(()),
        (Want::Error, Ok(doc)) => Err(format!("expected an error, got {doc}")),
        (Want::Success, Ok(_)) => Ok(()),
        (Want::Success, Err(e)) => Err(format!("expected success, got error {} {e}", e.code())),
    }
}

/// What an implementation gives, for comparing with the departure tables.
#[derive(Debug, PartialEq)]
enum Got {
    Ok(Value),
    /// The HTTP status of the error.
    Err(u16),
}

fn got(result: &Result<Value, Error>) -> Got {
    match result {
        Ok(v) => Got::Ok(v.clone()),
        Err(e) => Got::Err(e.code()),
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad JSON in the test table {text}: {e}"))
}

// ---------------------------------------------------------------------------
// JSON Patch, RFC 6902
// ---------------------------------------------------------------------------

/// The outcome of one suite file in one mode.
struct FileRun {
    file: &'static str,
    passed: usize,
    skipped: usize,
    /// Disagreeing records: index → (explanation, outcome).
    failed: BTreeMap<usize, (String, Got)>,
}

/// Run every enabled record of both files in `mode`, printing a line per
/// file and one for both.
fn run_json_patch_suite(test: &str, mode: Mode) -> Option<Vec<FileRun>> {
    let mut out = Vec::new();
    for file in JSON_PATCH_FILES {
        let (_, bytes) = shared_file(test, &format!("conformance/json-patch-tests/{file}"))?;
        let records = load_records(file, &bytes);
        let mut failed = BTreeMap::new();
        let (mut passed, mut skipped, mut disabled_would_pass) = (0, 0, 0);
        for r in &records {
            if r.disabled {
                // Not counted; run anyway so the note below can say how they fare.
                skipped += 1;
                if check(&r.want, &json_patch::apply(&r.doc, &r.patch_text, mode)).is_ok() {
                    disabled_would_pass += 1;
                }
                continue;
            }
            let result = json_patch::apply(&r.doc, &r.patch_text, mode);
            match check(&r.want, &result) {
                Ok(()) => passed += 1,
                Err(why) => {
                    let patch = String::from_utf8_lossy(&r.patch_text);
                    let why = format!(
                        "{why} (doc {}, patch {patch}, comment {:?})",
                        r.doc, r.comment
                    );
                    failed.insert(r.index, (why, got(&result)));
                }
            }
        }
        println!(
            "json-patch suite ({}) {file}: {passed} passed, {} {}, {skipped} skipped (disabled; \
             for information, {disabled_would_pass} of them would pass)",
            mode_name(mode),
            failed.len(),
            disagreeing(mode)
        );
        out.push(FileRun {
            file,
            passed,
            skipped,
            failed,
        });
    }
    println!(
        "json-patch suite ({}): {} passed, {} {}, {} skipped (disabled)",
        mode_name(mode),
        out.iter().map(|f| f.passed).sum::<usize>(),
        out.iter().map(|f| f.failed.len()).sum::<usize>(),
        disagreeing(mode),
        out.iter().map(|f| f.skipped).sum::<usize>()
    );
    Some(out)
}

/// What a record that disagrees with the suite is called in a report: in
/// RFC mode a failure; in Kubernetes mode a departure, each one pinned (the
/// test fails on any departure not in its table).
fn disagreeing(mode: Mode) -> &'static str {
    match mode {
        Mode::Rfc => "failed",
        Mode::Kubernetes => "departures (pinned, checked against the table)",
    }
}

#[test]
fn json_patch_suite_rfc() {
    let Some(files) = run_json_patch_suite("json_patch_suite_rfc", Mode::Rfc) else {
        return;
    };
    let mut failures = Vec::new();
    for run in &files {
        for (index, (why, _)) in &run.failed {
            failures.push(format!("{} #{index}: {why}", run.file));
        }
    }
    // 92 + 16 enabled records, 3 + 1 disabled (see the suite's README).
    let enabled: usize = files.iter().map(|f| f.passed + f.failed.len()).sum();
    assert_eq!(enabled, 108, "the suite should hold 108 enabled records");
    assert!(
        failures.is_empty(),
        "RFC mode disagrees with the suite:\n{}",
        failures.join("\n")
    );
}

/// The enabled records on which kube-apiserver (evanphx/json-patch v4 line)
/// disagrees with the suite, with what it gives instead: a document, or the
/// HTTP status of the error (a failing operation is 422 Invalid).
///
/// These are the ten records `json-patch-tests/README.md` lists for the v4
/// line, each a deliberate v4 behaviour in `spec/json-patch-and-merge.md`.
/// `spec_tests.json` has none.
fn kube_json_patch_departures() -> Vec<(&'static str, usize, Got)> {
    vec![
        // #11 `add` at the root `""` (object → array). Spec §2.3 item 9: `add`
        // at `""` is an error in v4 ("doc is missing path"); RFC replaces the document.
        ("tests.json", 11, Got::Err(422)),
        // #12 `add` at the root `""` (array → object). §2.3 item 9, as #11.
        ("tests.json", 12, Got::Err(422)),
        // #19 `add` at `/bar/-1`. §2.3 item 1 and §3 row 15: negative indexes
        // count from the end (`SupportNegativeIndices` left at true, a
        // supported Kubernetes feature); for `add`, -1 appends.
        ("tests.json", 19, Got::Ok(json(r#"{"bar":[1,2,"5"]}"#))),
        // #63 `add` at the root `""` with an object. §2.3 item 9, as #11.
        ("tests.json", 63, Got::Err(422)),
        // #77 `add` without `value`. §2.3 item 5 and §3 row 31: a missing
        // `value` is `null`, so `null` is appended.
        ("tests.json", 77, Got::Ok(json("[1,null]"))),
        // #78 `replace` without `value`. §2.3 item 5: the element becomes `null`.
        ("tests.json", 78, Got::Ok(json("[null]"))),
        // #79 `test` without `value` against `[null]`. §2.3 item 5: the missing
        // `value` is `null`, which equals the element, so the test passes.
        // (#80, the same against `[false]`, fails in v4 too and agrees.)
        ("tests.json", 79, Got::Ok(json("[null]"))),
        // #82 `copy` from a missing member. §2.3 item 6 and §3 row 30: v4
        // copies `null` instead of failing.
        ("tests.json", 82, Got::Ok(json(r#"{"foo":null}"#))),
        // #87 `test` at `/00`. §2.3 item 2 and §3 rows 9-10: indexes are read
        // with Go's strconv.Atoi, so `00` is index 0 and the test passes.
        ("tests.json", 87, Got::Ok(json(r#"["foo","bar"]"#))),
        // #88 `test` at `/01`. §2.3 item 2, as #87: index 1, passes.
        ("tests.json", 88, Got::Ok(json(r#"["foo","bar"]"#))),
    ]
}

#[test]
fn json_patch_suite_kubernetes_departures() {
    let Some(files) =
        run_json_patch_suite("json_patch_suite_kubernetes_departures", Mode::Kubernetes)
    else {
        return;
    };
    let expected = kube_json_patch_departures();
    let mut problems = Vec::new();
    for FileRun { file, failed, .. } in &files {
        for (index, (why, outcome)) in failed {
            match expected.iter().find(|(f, i, _)| f == file && i == index) {
                None => problems.push(format!("{file} #{index}: unexpected departure: {why}")),
                Some((_, _, want)) if want != outcome => problems.push(format!(
                    "{file} #{index}: departs as expected but gives {outcome:?}, kube-apiserver gives {want:?}: {why}"
                )),
                Some(_) => {}
            }
        }
    }
    for (file, index, want) in &expected {
        let departed = files
            .iter()
            .any(|f| f.file == *file && f.failed.contains_key(index));
        if !departed {
            problems.push(format!("{file} #{index}: expected kube-apiserver's departure {want:?}, but it agrees with the suite"));
        }
    }
    println!(
        "json-patch suite (kubernetes): {} departures expected",
        expected.len()
    );
    assert!(
        problems.is_empty(),
        "Kubernetes mode against the suite:\n{}",
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------
// JSON Merge Patch, RFC 7396
// ---------------------------------------------------------------------------

struct MergeCase {
    name: String,
    original: Value,
    patch: Value,
    expected: Value,
}

fn load_merge_cases(test: &str) -> Option<Vec<MergeCase>> {
    let (path, bytes) = shared_file(test, "conformance/merge-patch/cases.json")?;
    let cases: Vec<Value> = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{}: not a JSON array: {e}", path.display()));
    Some(
        cases
            .into_iter()
            .map(|c| MergeCase {
                name: c["name"].as_str().expect("case name").to_string(),
                original: c["original"].clone(),
                patch: c["patch"].clone(),
                expected: c["expected"].clone(),
            })
            .collect(),
    )
}

/// Disagreeing merge vectors: name → (explanation, outcome).
type MergeFailures = BTreeMap<String, (String, Got)>;

/// Run every vector in `mode`: the total and the disagreeing ones (name → explanation, outcome).
fn run_merge_cases(test: &str, mode: Mode) -> Option<(usize, MergeFailures)> {
    let cases = load_merge_cases(test)?;
    let mut failed = BTreeMap::new();
    for c in &cases {
        let result = merge_patch::apply(&c.original, &c.patch, mode);
        if let Err(why) = check(&Want::Result(c.expected.clone()), &result) {
            let why = format!("{why} (original {}, patch {})", c.original, c.patch);
            failed.insert(c.name.clone(), (why, got(&result)));
        }
    }
    println!(
        "merge-patch vectors ({}): {} passed, {} {}",
        mode_name(mode),
        cases.len() - failed.len(),
        failed.len(),
        disagreeing(mode)
    );
    Some((cases.len(), failed))
}

#[test]
fn merge_patch_vectors_rfc() {
    let Some((total, failed)) = run_merge_cases("merge_patch_vectors_rfc", Mode::Rfc) else {
        return;
    };
    assert_eq!(total, 45, "merge-patch/cases.json should hold 45 vectors");
    let failures: Vec<String> = failed
        .iter()
        .map(|(name, (why, _))| format!("{name}: {why}"))
        .collect();
    assert!(
        failures.is_empty(),
        "RFC mode disagrees with the vectors:\n{}",
        failures.join("\n")
    );
}

/// The vectors on which kube-apiserver (evanphx/json-patch v4 `MergePatch`)
/// disagrees with RFC 7396, with what it gives instead (a bad patch or a bad
/// document is 400 BadRequest).
///
/// This is exactly the list of `merge-patch/README.md` for the v4 line; the
/// behaviours are spec §2.2 (400 on `ErrBadJSONPatch`) and §2.3 item 14.
///
/// kube-apiserver's target is always the stored object, a JSON object, so the
/// vectors with a non-object target (`null`, a string, a number, an array)
/// cannot arise through a PATCH request, and a kube mode would be free to
/// treat them either way. kubepatch's merge engine takes the documents as
/// given and reproduces evanphx on them too: a `null` document is refused
/// (`ErrBadJSONDoc`), any other non-object document becomes the pruned patch
/// (evanphx's "not a doc, turn straight into the patch"), which agrees with
/// the RFC wherever the patch holds no `null` to prune inside an array
/// (A-09, A-10, A-14, `edge-non-object-target-string`,
/// `edge-non-object-target-number-nested-null-pruned`,
/// `edge-empty-object-patch-on-array-target-yields-empty-object`). So the
/// set below is the README's eight, with nothing added or removed; the two
/// `null`-target entries document the engine rather than anything a request
/// can reach.
fn kube_merge_departures() -> Vec<(&'static str, Got)> {
    vec![
        // Patch `null`: evanphx refuses it (ErrBadJSONPatch), kube-apiserver
        // answers 400 Bad Request (spec §2.2, §2.3 item 14). RFC gives `null`.
        ("rfc7396-appendix-A-11", Got::Err(400)),
        // Patch `"bar"`: a scalar patch is refused the same way (400).
        ("rfc7396-appendix-A-12", Got::Err(400)),
        // Patch `42`: only a top-level object or array patch is accepted (400).
        ("edge-non-object-patch-number", Got::Err(400)),
        // Patch `true` on `[1]`: a scalar patch, 400 whatever the target.
        ("edge-non-object-patch-boolean-on-array", Got::Err(400)),
        // Target `null`: evanphx refuses a `null` document (ErrBadJSONDoc, 400).
        // Unreachable through a request (the live object is an object).
        ("edge-non-object-target-null", Got::Err(400)),
        // Target `null`, patch `"x"`: the document is checked first and is
        // refused (400); the scalar patch would be too. Unreachable as above.
        ("edge-non-object-patch-string-on-null-target", Got::Err(400)),
        // Patch `{"a":[{"b":null,"c":1}]}` on `{"a":[1]}`: the target member is
        // not an object, so evanphx prunes nulls from the new value
        // recursively, through arrays too (§2.3 item 14); the RFC keeps arrays
        // as sent. kubectl shows the same.
        (
            "edge-null-member-inside-object-inside-array-is-kept",
            Got::Ok(json(r#"{"a":[{"c":1}]}"#)),
        ),
        // Top-level array patch `[{"b":null}]`: always pruned this way (§2.3
        // item 14), giving `[{}]`.
        (
            "edge-toplevel-array-patch-keeps-nested-nulls",
            Got::Ok(json("[{}]")),
        ),
    ]
}

#[test]
fn merge_patch_vectors_kubernetes_departures() {
    let Some((total, failed)) = run_merge_cases(
        "merge_patch_vectors_kubernetes_departures",
        Mode::Kubernetes,
    ) else {
        return;
    };
    let expected = kube_merge_departures();
    let mut problems = Vec::new();
    for (name, (why, outcome)) in &failed {
        match expected.iter().find(|(n, _)| n == name) {
            None => problems.push(format!("{name}: unexpected departure: {why}")),
            Some((_, want)) if want != outcome => problems.push(format!(
                "{name}: departs as expected but gives {outcome:?}, kube-apiserver gives {want:?}: {why}"
            )),
            Some(_) => {}
        }
    }
    for (name, want) in &expected {
        if !failed.contains_key(*name) {
            problems.push(format!(
                "{name}: expected kube-apiserver's departure {want:?}, but it agrees with the RFC"
            ));
        }
    }
    println!(
        "merge-patch vectors (kubernetes): {} agree with RFC 7396, {} depart (expected departures: {})",
        total - failed.len(),
        failed.len(),
        expected.len()
    );
    assert!(
        problems.is_empty(),
        "Kubernetes mode against the vectors:\n{}",
        problems.join("\n")
    );
}
