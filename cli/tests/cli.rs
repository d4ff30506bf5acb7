//! The CLI contract (README, "Output and exit codes"), checked on the built
//! `kubepatch` binary with temporary files:
//!
//! | outcome | stdout | stderr | exit |
//! |---|---|---|---|
//! | success | the new object, 4-space-indented JSON (or YAML with `-o yaml`) | warnings only | 0 |
//! | the patch failed | the `metav1.Status` as JSON | `error: <its message>` | 1 |
//! | usage error | nothing | the problem | 2 |
//!
//! The comparison with kubectl is skipped (with a note) when `kubectl` is not
//! on `PATH`; the cases that need the Kubernetes OpenAPI document are skipped
//! when `../shared` (or `$KUBEPATCH_SHARED`) is absent.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

#[path = "../../tests/common/mod.rs"]
mod common;
use common::kubectl_available;

const BIN: &str = env!("CARGO_BIN_EXE_kubepatch");

/// The seed request of the README: add an annotation with a JSON patch.
const ADD_ANNOTATION: &str =
    r#"[{"op":"add","path":"/metadata/annotations","value":{"test-key":"test-value"}}]"#;

const ACCEPTED_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        TempDir(common::temp_dir("kubepatch-cli"))
    }

    /// Write `contents` to `name` in the directory and return its path.
    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write a temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn examples() -> PathBuf {
    common::testdata().join("examples")
}

fn example(name: &str) -> String {
    std::fs::read_to_string(examples().join(name)).expect("read an example")
}

fn swagger() -> Option<PathBuf> {
    let path = common::shared()?.join(common::SWAGGER);
    path.is_file().then_some(path)
}

/// Run the binary with `args`, feeding `stdin` if given.
fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kubepatch");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait for kubepatch")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    )
}

/// JSON as `kubectl -o json` prints it: 4-space indent, final newline.
fn pretty(value: &Value) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    serde::Serialize::serialize(value, &mut ser).unwrap();
    String::from_utf8(buf).unwrap() + "\n"
}

/// A success: exit 0, the object on stdout, nothing on stderr; the object.
fn success(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", describe(out));
    assert_eq!(stderr(out), "", "{}", describe(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(out)))
}

/// A failed patch: exit 1, the Status on stdout with this code, its message
/// as the one line on stderr; the Status.
fn failure(out: &Output, code: u64) -> Value {
    assert_eq!(out.status.code(), Some(1), "{}", describe(out));
    let status: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not a Status ({e}): {}", describe(out)));
    assert_eq!(status["kind"], "Status", "{}", describe(out));
    assert_eq!(status["apiVersion"], "v1", "{}", describe(out));
    assert_eq!(status["status"], "Failure", "{}", describe(out));
    assert_eq!(status["code"], code, "{}", describe(out));
    assert!(
        stdout(out).starts_with("{\n    \"") && stdout(out).ends_with("}\n"),
        "the Status is 4-space-indented JSON: {}",
        describe(out)
    );
    let message = status["message"].as_str().expect("a message");
    assert_eq!(
        stderr(out),
        format!("error: {message}\n"),
        "{}",
        describe(out)
    );
    status
}

/// A failed patch whose stderr is in the CLI's words: exit 1, the Status on
/// stdout with this code (its message as the request words it), and
/// `stderr` exactly; the Status.
fn failure_saying(out: &Output, code: u64, expected_stderr: &str) -> Value {
    assert_eq!(out.status.code(), Some(1), "{}", describe(out));
    let status: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not a Status ({e}): {}", describe(out)));
    assert_eq!(status["kind"], "Status", "{}", describe(out));
    assert_eq!(status["status"], "Failure", "{}", describe(out));
    assert_eq!(status["code"], code, "{}", describe(out));
    assert!(
        stdout(out).starts_with("{\n    \"") && stdout(out).ends_with("}\n"),
        "the Status is 4-space-indented JSON: {}",
        describe(out)
    );
    assert_eq!(stderr(out), expected_stderr, "{}", describe(out));
    status
}

/// A usage error: exit 2, nothing on stdout, the problem on stderr.
fn usage_error(out: &Output) {
    assert_eq!(out.status.code(), Some(2), "{}", describe(out));
    assert_eq!(stdout(out), "", "{}", describe(out));
    assert!(!stderr(out).trim().is_empty(), "{}", describe(out));
}

fn live_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
           "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}})
}

#[test]
fn success_prints_the_object_as_four_space_json() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    let out = run(
        &[
            "-f",
            path(&live),
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"labels":{"tier":"db"}}}"#,
        ],
        None,
    );
    let object = success(&out);
    let mut expected = live_pod();
    expected["metadata"]["labels"]["tier"] = json!("db");
    assert_eq!(object, expected);
    let text = stdout(&out);
    assert_eq!(
        text,
        pretty(&object),
        "4-space-indented JSON, one final newline"
    );
    assert!(
        text.starts_with("{\n    \"apiVersion\": \"v1\",\n"),
        "{text}"
    );
}

#[test]
fn default_type_is_strategic() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    let patch = tmp.file(
        "patch.json",
        r#"{"spec":{"containers":[{"name":"sidecar","image":"envoy:1.30"}]}}"#,
    );
    let schema = swagger();
    let mut args = vec!["-f", path(&live), "--patch-file", path(&patch)];
    if let Some(s) = &schema {
        args.extend(["--schema", path(s)]);
    }
    let object = success(&run(&args, None));
    // Without a schema, Pod containers are untyped (replaced); with it, merged by name.
    let names: Vec<&str> = object["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    if schema.is_some() {
        assert_eq!(names, ["sidecar", "app"]);
    } else {
        assert_eq!(names, ["sidecar"]);
    }
}

#[test]
fn yaml_output() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    let args = |o: &'static str| {
        vec![
            "-f".to_string(),
            path(&live).to_string(),
            "--type".into(),
            "merge".into(),
            "-p".into(),
            r#"{"spec":{"nodeName":"n1"}}"#.into(),
            "-o".into(),
            o.into(),
        ]
    };
    let as_json = success(&run(
        &args("json").iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    ));
    let out = run(
        &args("yaml").iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    assert!(
        !text.trim_start().starts_with('{'),
        "YAML, not JSON: {text}"
    );
    assert!(text.contains("kind: Pod"), "{text}");
    assert!(text.contains("nodeName: n1"), "{text}");
    let parsed = kubepatch::read_document(text.as_bytes()).expect("stdout is YAML");
    assert_eq!(parsed, as_json);
}

#[test]
fn unsupported_content_type_is_415() {
    let out = run(
        &[
            "-f",
            path(&examples().join("endpoints.json")),
            "--content-type",
            "text/plain",
            "-p",
            "{}",
        ],
        None,
    );
    let status = failure(&out, 415);
    assert_eq!(status["reason"], "UnsupportedMediaType");
    let message = status["message"].as_str().unwrap();
    assert!(
        message.starts_with("the body of the request was in an unknown format"),
        "{message}"
    );
    for media in ACCEPTED_TYPES {
        assert!(message.contains(media), "{media} missing from {message:?}");
    }
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn a_body_that_is_not_json_is_400() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    for kind in ["json", "merge", "strategic"] {
        let out = run(
            &["-f", path(&live), "--type", kind, "-p", "this is not json"],
            None,
        );
        let status = failure(&out, 400);
        assert_eq!(status["reason"], "BadRequest", "--type {kind}");
    }
}

#[test]
fn dash_f_dash_reads_stdin() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    let patch = r#"{"metadata":{"annotations":{"a":"b"}}}"#;
    let from_file = success(&run(
        &["-f", path(&live), "--type", "merge", "-p", patch],
        None,
    ));
    let from_stdin = success(&run(
        &["-f", "-", "--type", "merge", "-p", patch],
        Some(&live_pod().to_string()),
    ));
    assert_eq!(from_stdin, from_file);
    assert_eq!(from_stdin["metadata"]["annotations"], json!({"a": "b"}));
    // YAML on stdin too.
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: default\n  labels:\n    app: web\nspec:\n  containers:\n  - name: app\n    image: nginx:1.25\n";
    let from_yaml = success(&run(
        &["-f", "-", "--type", "merge", "-p", patch],
        Some(yaml),
    ));
    assert_eq!(from_yaml, from_file);
    // And the patch from stdin.
    let patch_stdin = success(&run(
        &["-f", path(&live), "--type", "merge", "--patch-file", "-"],
        Some(patch),
    ));
    assert_eq!(patch_stdin, from_file);
}

#[test]
fn usage_errors_exit_2() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    let missing = tmp.0.join("missing.json");
    let live = path(&live);
    // No -p / --patch-file.
    usage_error(&run(&["-f", live], None));
    usage_error(&run(&["-f", live, "--type", "merge"], None));
    // Unreadable files: the object, the patch, the schema; a directory.
    usage_error(&run(&["-f", path(&missing), "-p", "{}"], None));
    usage_error(&run(&["-f", path(&tmp.0), "-p", "{}"], None));
    usage_error(&run(&["-f", live, "--patch-file", path(&missing)], None));
    usage_error(&run(
        &["-f", live, "-p", "{}", "--schema", path(&missing)],
        None,
    ));
    // A bad --now.
    usage_error(&run(&["-f", live, "-p", "{}", "--now", "yesterday"], None));
    usage_error(&run(
        &["-f", live, "-p", "{}", "--now", "2024-13-01T00:00:00Z"],
        None,
    ));
    // Unknown flag values.
    usage_error(&run(&["-f", live, "-p", "{}", "--type", "xml"], None));
    usage_error(&run(&["-f", live, "-p", "{}", "-o", "toml"], None));
    // A good --now is fine.
    success(&run(
        &[
            "-f",
            live,
            "--type",
            "merge",
            "-p",
            "{}",
            "--now",
            "2024-01-01T00:00:00Z",
        ],
        None,
    ));
}

/// A live object that does not parse is a usage error too: exit 2, nothing
/// on stdout, and one line on stderr naming the file (`-` for stdin) with the
/// reader's message, which is the message of `kubepatch::read_document`.
#[test]
fn an_object_that_does_not_parse_is_a_usage_error() {
    let tmp = TempDir::new();
    let unreadable = [
        ("bracket.yaml", "a: [1, 2\n"),
        ("nested.yaml", "a: b: c\n"),
        ("truncated.json", r#"{"a":"#),
    ];
    for (name, text) in unreadable {
        let file = tmp.file(name, text);
        let out = run(&["-f", path(&file), "-p", "{}"], None);
        usage_error(&out);
        let err = kubepatch::read_document(text.as_bytes()).expect_err("does not parse");
        assert_eq!(err.code(), 400);
        assert_eq!(
            stderr(&out),
            format!("kubepatch: {}: {err}\n", path(&file)),
            "{}",
            describe(&out)
        );
    }
    let out = run(&["-f", "-", "-p", "{}"], Some("a: [1, 2\n"));
    usage_error(&out);
    assert_eq!(
        stderr(&out),
        "kubepatch: -: unclosed bracket '[' at line 1, column 4\n"
    );
}

#[test]
fn json_patch_on_the_example_matches_kubectl() {
    let endpoints = examples().join("endpoints.json");
    let out = run(
        &[
            "-f",
            path(&endpoints),
            "--type",
            "json",
            "-p",
            ADD_ANNOTATION,
        ],
        None,
    );
    let object = success(&out);
    assert_eq!(
        object["metadata"]["annotations"],
        json!({"test-key": "test-value"})
    );
    if !kubectl_available() {
        common::skip_note(
            "json_patch_on_the_example_matches_kubectl",
            "the kubectl comparison: `kubectl version --client` did not run",
        );
        return;
    }
    let theirs = common::kubectl_patch(&endpoints, "json", ADD_ANNOTATION);
    assert!(theirs.status.success(), "{}", describe(&theirs));
    assert_eq!(
        stdout(&out),
        stdout(&theirs),
        "byte for byte what kubectl prints"
    );
}

fn subsets(object: &Value) -> &Vec<Value> {
    object["subsets"].as_array().expect("subsets")
}

#[test]
fn strategic_on_endpoints_with_and_without_the_openapi_schema() {
    let endpoints = examples().join("endpoints.json");
    let add = examples().join("add-address.json");
    let original: Value = serde_json::from_str(&example("endpoints.json")).unwrap();
    let patch: Value = serde_json::from_str(&example("add-address.json")).unwrap();

    // Without --schema: the built-in schema keys subsets by their port set,
    // so the address joins the subset with ports {a:8675, b:309}.
    let merged = success(&run(
        &[
            "-f",
            path(&endpoints),
            "--type",
            "strategic",
            "--patch-file",
            path(&add),
        ],
        None,
    ));
    let list = subsets(&merged);
    assert_eq!(list.len(), 2, "{merged}");
    let port_set = |s: &Value| {
        let mut ports: Vec<(String, i64)> = s["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or("").to_string(),
                    p["port"].as_i64().unwrap(),
                )
            })
            .collect();
        ports.sort();
        ports
    };
    let target = list
        .iter()
        .find(|s| port_set(s) == [("a".to_string(), 8675), ("b".to_string(), 309)])
        .expect("the subset with ports a:8675, b:309");
    let mut ips: Vec<&str> = target["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["ip"].as_str())
        .collect();
    ips.sort();
    assert_eq!(ips, ["10.10.1.1", "10.10.2.2", "10.10.4.4"]);
    assert!(
        list.contains(&original["subsets"][1]),
        "the other subset is untouched: {merged}"
    );

    // With the Kubernetes OpenAPI document: upstream's atomic list, replaced whole.
    let Some(schema) = swagger() else {
        common::skip_note(
            "strategic_on_endpoints_with_and_without_the_openapi_schema",
            "the --schema case: ../shared (or $KUBEPATCH_SHARED) is absent",
        );
        return;
    };
    let out = run(
        &[
            "-f",
            path(&endpoints),
            "--type",
            "strategic",
            "--schema",
            path(&schema),
            "--patch-file",
            path(&add),
        ],
        None,
    );
    let replaced = success(&out);
    assert_eq!(subsets(&replaced), subsets(&patch));
    assert_eq!(replaced["metadata"], original["metadata"]);
    if kubectl_available() {
        let theirs = common::kubectl_patch(&endpoints, "strategic", &example("add-address.json"));
        assert!(theirs.status.success(), "{}", describe(&theirs));
        assert_eq!(stdout(&out), stdout(&theirs), "what kubectl prints");
    } else {
        common::skip_note(
            "strategic_on_endpoints_with_and_without_the_openapi_schema",
            "the kubectl comparison: `kubectl version --client` did not run",
        );
    }
}

#[test]
fn a_crd_schema_refuses_strategic_merge() {
    let tmp = TempDir::new();
    let crd = common::testdata().join(common::WIDGETS_CRD);
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget",
                        "metadata": {"name": "w1", "namespace": "default"},
                        "spec": {"size": 1, "tags": ["a"]}});
    let live = tmp.file("widget.json", &widget.to_string());
    let patch = r#"{"spec":{"size":2}}"#;
    let base = ["-f", path(&live), "--schema", path(&crd), "-p", patch];

    let message = "the body of the request was in an unknown format - accepted media types include: \
         application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";
    let out = run(&[&base[..], &["--type", "strategic"]].concat(), None);
    // The Status is the server's; stderr adds the way out, as `kubectl
    // patch --local` does ("strategic merge patch is not supported for
    // example.com/v1, Kind=Widget locally, try --type merge").
    let status = failure_saying(
        &out,
        415,
        &format!(
            "error: {message}\nstrategic merge patch is not supported for Widget (example.com/v1): \
             the --schema document gives it no strategic merge rules (a CRD's kinds have none, \
             nor has a kind the document lacks); \
             try --type merge (or json, or apply)\n"
        ),
    );
    assert_eq!(status["message"], message);
    assert_eq!(status["reason"], "UnsupportedMediaType");
    // The default type is strategic too.
    let default = run(&base, None);
    assert_eq!(stdout(&default), stdout(&out));
    let out = default;
    assert!(
        stderr(&out).contains("try --type merge"),
        "{}",
        describe(&out)
    );
    // A raw --content-type 415 keeps the plain message.
    let out = run(
        &[
            "-f",
            path(&live),
            "--content-type",
            "text/plain",
            "-p",
            patch,
        ],
        None,
    );
    failure(&out, 415);

    let out = run(&[&base[..], &["--type", "merge"]].concat(), None);
    let object = success(&out);
    let mut expected = widget.clone();
    expected["spec"]["size"] = json!(2);
    assert_eq!(object, expected);
}

#[test]
fn force_conflicts_is_only_for_apply() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    let out = run(
        &[
            "-f",
            path(&live),
            "--type",
            "merge",
            "-p",
            "{}",
            "--force-conflicts",
        ],
        None,
    );
    let status = failure(&out, 422);
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(
        status["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch"
    );
}

/// Server-side apply through the CLI: create, a conflicting second manager
/// (409 naming field and manager), then the same with --force-conflicts
/// (ownership of the field moves).
#[test]
fn apply_conflict_and_force_through_the_cli() {
    let dir = TempDir::new();
    let config = |app: &str| {
        format!(
            "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: web\n  namespace: default\n  labels:\n    app: {app}\n"
        )
    };
    let first = dir.file("a.yaml", &config("web"));
    let out = run(
        &[
            "--type",
            "apply",
            "--field-manager",
            "ctrl-a",
            "--now",
            "2030-01-01T00:00:00Z",
            "--patch-file",
            path(&first),
        ],
        None,
    );
    let created = success(&out);
    assert_eq!(created["metadata"]["managedFields"][0]["manager"], "ctrl-a");
    let live = dir.file("live.json", &created.to_string());

    let second = dir.file("b.yaml", &config("api"));
    let args = [
        "--type",
        "apply",
        "-f",
        path(&live),
        "--field-manager",
        "ctrl-b",
        "--now",
        "2030-01-01T00:00:01Z",
        "--patch-file",
        path(&second),
    ];
    let message = r#"Apply failed with 1 conflict: conflict with "ctrl-a": .metadata.labels.app"#;
    // stderr: the message, then kubectl's hint (`kubectl apply --server-side`
    // prints the same hint, naming "the apply command").
    let status = failure_saying(
        &run(&args, None),
        409,
        &format!("error: {message}\n{CONFLICT_HINT}"),
    );
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(status["message"], message);
    assert_eq!(
        status["details"]["causes"],
        json!([{"reason": "FieldManagerConflict", "message": "conflict with \"ctrl-a\"", "field": ".metadata.labels.app"}])
    );

    let mut forced = args.to_vec();
    forced.push("--force-conflicts");
    let object = success(&run(&forced, None));
    assert_eq!(object["metadata"]["labels"]["app"], "api");
    let entries = object["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields");
    assert_eq!(entries.len(), 1, "ctrl-a lost its only field: {entries:?}");
    assert_eq!(entries[0]["manager"], "ctrl-b");
    assert_eq!(
        entries[0]["fieldsV1"],
        json!({"f:metadata": {"f:labels": {"f:app": {}}}})
    );
}

/// kubectl's hint after a server-side apply conflict (kubectl's
/// `apply.go`), with "the apply command" as "the command" and "manifest" as
/// "configuration".
const CONFLICT_HINT: &str = "\
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the command
  with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  configuration to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your configuration to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
";

/// `-p` and `--patch-file` take YAML for every type, as kubectl's do: the
/// same patch as YAML and as JSON gives the same object, and kubectl (with
/// the YAML) prints the same bytes.
#[test]
fn yaml_patches_for_every_type() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    let cases = [
        (
            "json",
            "- op: add\n  path: /metadata/labels/tier\n  value: db\n- {op: remove, path: /metadata/labels/app}\n",
            r#"[{"op":"add","path":"/metadata/labels/tier","value":"db"},{"op":"remove","path":"/metadata/labels/app"}]"#,
        ),
        (
            "merge",
            "metadata:\n  labels:\n    app: null\n    tier: db\n",
            r#"{"metadata":{"labels":{"app":null,"tier":"db"}}}"#,
        ),
        (
            "strategic",
            "metadata:\n  labels:\n    tier: db\nspec:\n  nodeName: n1\n",
            r#"{"metadata":{"labels":{"tier":"db"}},"spec":{"nodeName":"n1"}}"#,
        ),
    ];
    let kubectl = kubectl_available();
    for (kind, yaml, json) in cases {
        let from_json = success(&run(&["-f", path(&live), "--type", kind, "-p", json], None));
        let out = run(&["-f", path(&live), "--type", kind, "-p", yaml], None);
        assert_eq!(success(&out), from_json, "--type {kind} -p YAML");
        let file = tmp.file(&format!("{kind}.yaml"), yaml);
        let from_file = run(
            &[
                "-f",
                path(&live),
                "--type",
                kind,
                "--patch-file",
                path(&file),
            ],
            None,
        );
        assert_eq!(
            success(&from_file),
            from_json,
            "--type {kind} --patch-file YAML"
        );
        if kubectl {
            let theirs = common::kubectl_patch(&live, kind, yaml);
            assert!(theirs.status.success(), "{}", describe(&theirs));
            assert_eq!(
                stdout(&out),
                stdout(&theirs),
                "--type {kind}: what kubectl prints"
            );
        }
    }
    // The labels as expected, by reasoning: `app` removed, `tier` added.
    let out = run(
        &["-f", path(&live), "--type", "merge", "-p", cases[1].1],
        None,
    );
    assert_eq!(success(&out)["metadata"]["labels"], json!({"tier": "db"}));
    // Apply's body was YAML already.
    let out = run(
        &[
            "--type",
            "apply",
            "--field-manager",
            "m",
            "--now",
            "2030-01-01T00:00:00Z",
            "-p",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n",
        ],
        None,
    );
    assert_eq!(success(&out)["data"], json!({"a": "1"}));
    if !kubectl {
        common::skip_note(
            "yaml_patches_for_every_type",
            "the kubectl comparison: `kubectl version --client` did not run",
        );
    }
}

/// YAML patches read with go-yaml v2's YAML 1.1 scalars, as kubectl reads
/// them: `on` is true, `0644` is 420, a quoted `"yes"` is a string.
#[test]
fn yaml_patch_scalars_read_as_kubectl_reads_them() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    let patch =
        "metadata:\n  annotations:\n    quoted: \"yes\"\nspec:\n  x: on\n  mode: 0644\n  n: ~\n";
    // `spec.x` and `spec.mode` are no Pod fields: kept, as kubectl keeps them.
    let out = run(
        &[
            "-f",
            path(&live),
            "--type",
            "merge",
            "--preserve-unknown-fields",
            "-p",
            patch,
        ],
        None,
    );
    let object = success(&out);
    assert_eq!(object["metadata"]["annotations"], json!({"quoted": "yes"}));
    assert_eq!(object["spec"]["x"], json!(true));
    assert_eq!(object["spec"]["mode"], json!(420));
    assert!(
        object["spec"].get("n").is_none(),
        "a null in a merge patch deletes"
    );
    if kubectl_available() {
        let theirs = common::kubectl_patch(&live, "merge", patch);
        assert!(theirs.status.success(), "{}", describe(&theirs));
        assert_eq!(stdout(&out), stdout(&theirs), "what kubectl prints");
    } else {
        common::skip_note(
            "yaml_patch_scalars_read_as_kubectl_reads_them",
            "the kubectl comparison: `kubectl version --client` did not run",
        );
    }
}

/// A `-p` value that starts with `-` (a YAML list: a JSON patch) or `---`
/// (a document start) is the patch, not a flag, as kubectl takes it.
#[test]
fn a_patch_starting_with_a_dash_is_accepted() {
    let tmp = TempDir::new();
    let live = tmp.file("pod.json", &live_pod().to_string());
    let live = path(&live);
    let list = "- op: add\n  path: /metadata/labels/tier\n  value: db\n";
    let document = "---\nmetadata:\n  labels:\n    tier: db\n";
    let mut expected = live_pod();
    expected["metadata"]["labels"]["tier"] = json!("db");
    for args in [
        vec!["-f", live, "--type", "json", "-p", list],
        vec!["-f", live, "--type", "json", "--patch", list],
        vec!["-f", live, "--type", "json", "-p", &format!("---\n{list}")],
        vec!["-f", live, "--type", "merge", "-p", document],
        vec!["-f", live, "-p", document],
        vec!["-p", list, "-f", live, "--type", "json"],
    ] {
        assert_eq!(success(&run(&args, None)), expected, "{args:?}");
    }
    // A list where strategic merge wants an object: the patch reaches the
    // request (400), it is not taken for a flag (2).
    let out = run(&["-f", live, "-p", "- a"], None);
    failure(&out, 400);
    if kubectl_available() {
        let theirs = common::kubectl_patch(Path::new(live), "json", list);
        assert!(theirs.status.success(), "{}", describe(&theirs));
        let ours = run(&["-f", live, "--type", "json", "-p", list], None);
        assert_eq!(stdout(&ours), stdout(&theirs));
    } else {
        common::skip_note(
            "a_patch_starting_with_a_dash_is_accepted",
            "the kubectl comparison: `kubectl version --client` did not run",
        );
    }
}

/// Without `-f`, a non-apply patch keeps the contract's 404 Status, and
/// stderr says what is missing in the CLI's words.
#[test]
fn a_missing_object_is_named_as_the_missing_dash_f() {
    for (kind, patch) in [
        ("merge", r#"{"metadata":{"labels":{"a":"b"}}}"#),
        ("json", ADD_ANNOTATION),
        ("strategic", "metadata: {labels: {a: b}}"),
    ] {
        let out = run(&["--type", kind, "-p", patch], None);
        let status = failure_saying(
            &out,
            404,
            &format!(
                "error: no object was given with -f: a {kind} patch needs the live object \
                 (-f FILE, or -f - for stdin); only --type apply creates one\n"
            ),
        );
        assert_eq!(status["reason"], "NotFound");
        assert!(!stderr(&out).contains("not found"), "{}", describe(&out));
    }
}

/// Apply without `--field-manager`: the 422 Status as the server words it
/// (`fieldManager: Required value`), stderr naming the flag.
#[test]
fn apply_without_a_manager_names_the_flag() {
    let out = run(
        &[
            "--type",
            "apply",
            "-p",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        ],
        None,
    );
    let status = failure_saying(
        &out,
        422,
        "error: apply needs a field manager: name it with --field-manager NAME\n",
    );
    assert_eq!(
        status["message"],
        r#"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#
    );
    assert_eq!(status["details"]["causes"][0]["field"], "fieldManager");
}

/// `--help` shows an example per strategy, apply with a conflict, `--schema`
/// with a cluster's OpenAPI document and with a CRD, and the exit codes.
#[test]
fn help_has_examples_and_exit_codes() {
    let out = run(&["--help"], None);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let text = stdout(&out);
    let examples = text.split_once("Examples:").expect("an Examples section").1;
    let commands: Vec<&str> = examples
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("kubepatch "))
        .collect();
    let has = |needle: &str| commands.iter().any(|c| c.contains(needle));
    assert!(
        has("--type merge") && has("--type json") && has("--type apply"),
        "{text}"
    );
    assert!(
        commands.iter().any(|c| !c.contains("--type")),
        "the default, strategic: {text}"
    );
    assert!(has("--force-conflicts"), "{text}");
    assert!(
        examples.contains("kubectl get --raw /openapi/v2 > swagger.json"),
        "{text}"
    );
    assert!(
        has("--schema swagger.json") && has("--schema crd.yaml"),
        "{text}"
    );
    assert!(examples.contains("kubectl get crd "), "{text}");
    let codes = text
        .split_once("Output and exit codes:")
        .expect("the exit codes")
        .1;
    for code in ["  0  success", "  1  the patch failed", "  2  usage error"] {
        assert!(codes.contains(code), "{code:?} missing: {text}");
    }
}

/// `-o yaml` writes strings as `kubectl -o yaml` does: the expected file is
/// kubectl's output for the object (`kubectl patch --local -f
/// yaml-strings.json --type merge -p '{}' -o yaml`), and is checked against
/// kubectl again where kubectl runs.
#[test]
fn yaml_output_quotes_strings_as_kubectl_does() {
    let dir = common::testdata().join("cli");
    let object = dir.join("yaml-strings.json");
    let expected = std::fs::read_to_string(dir.join("yaml-strings.kubectl.yaml")).unwrap();
    let out = run(
        &[
            "-f",
            path(&object),
            "--type",
            "merge",
            "-p",
            "{}",
            "-o",
            "yaml",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    pretty_assertions::assert_eq!(stdout(&out), expected);
    // Spot checks, by reasoning about go-yaml's rules: an IP reads back as a
    // string, so it is plain; `yes` would read as a boolean, so it is quoted.
    assert!(expected.contains("\n  ip: 10.0.0.1\n"));
    assert!(expected.contains("\n  \"yes\": \"yes\"\n"));
    assert!(expected.contains("\n  colon-space: 'a: b'\n"));
    // And the YAML reads back as the object, but for two strings that
    // kubepatch's YAML reader takes otherwise than go-yaml: `oN` (a boolean
    // to it, a string to go-yaml, which knows only on/On/ON) and a U+2028
    // line separator, which go-yaml writes followed by the indentation.
    let mut as_json: Value =
        serde_json::from_str(&std::fs::read_to_string(&object).unwrap()).unwrap();
    let mut read = kubepatch::read_document(expected.as_bytes()).unwrap();
    for key in ["mixed-case-on", "line-sep"] {
        as_json["data"].as_object_mut().unwrap().remove(key);
        read["data"].as_object_mut().unwrap().remove(key);
    }
    assert_eq!(read, as_json);
    if !kubectl_available() {
        common::skip_note(
            "yaml_output_quotes_strings_as_kubectl_does",
            "the kubectl comparison: `kubectl version --client` did not run",
        );
        return;
    }
    let theirs = Command::new("kubectl")
        .args(["patch", "--local", "-f"])
        .arg(&object)
        .args(["--type", "merge", "-p", "{}", "-o", "yaml"])
        .output()
        .expect("run kubectl");
    assert!(theirs.status.success(), "{}", describe(&theirs));
    pretty_assertions::assert_eq!(
        stdout(&theirs),
        expected,
        "the expected file is kubectl's output"
    );
}

#[test]
fn unknown_fields_are_dropped_with_a_warning_or_kept_on_request() {
    let Some(schema) = swagger() else {
        common::skip_note(
            "unknown_fields_are_dropped_with_a_warning_or_kept_on_request",
            "../shared (or $KUBEPATCH_SHARED) is absent",
        );
        return;
    };
    let dir = TempDir::new();
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}});
    let live = dir.file("deployment.json", &pretty(&deployment));
    let patch = r#"{"spec":{"replicas":2,"bogusField":true}}"#;
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "-f",
            path(&live),
            "--type",
            "merge",
            "--schema",
            path(&schema),
            "-p",
            patch,
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run_with = |extra: &[&'static str]| {
        let a = args(extra);
        run(&a.iter().map(String::as_str).collect::<Vec<_>>(), None)
    };

    // Warn (the default): the field goes, one warning line on stderr, exit 0.
    let out = run_with(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        stderr(&out),
        "Warning: unknown field \"spec.bogusField\"\n",
        "{}",
        describe(&out)
    );
    let decoded: Value = serde_json::from_slice(&out.stdout).expect("the object");
    let mut expected = deployment.clone();
    expected["spec"]["replicas"] = json!(2);
    assert_eq!(decoded, expected);

    // Ignore: the same object, nothing on stderr.
    assert_eq!(
        success(&run_with(&["--field-validation", "Ignore"])),
        expected
    );

    // Strict: the patch fails with upstream's 422.
    let status = failure(&run_with(&["--field-validation", "Strict"]), 422);
    let message = status["message"].as_str().expect("a message");
    assert!(
        message.ends_with(r#"": strict decoding error: unknown field "spec.bogusField""#),
        "{message}"
    );

    // --preserve-unknown-fields: kept, no warning; what kubectl prints.
    let out = run_with(&["--preserve-unknown-fields"]);
    let kept = success(&out);
    assert_eq!(kept["spec"]["bogusField"], true);
    if kubectl_available() {
        let theirs = common::kubectl_patch(&live, "merge", patch);
        assert!(theirs.status.success(), "{}", describe(&theirs));
        assert_eq!(stdout(&out), stdout(&theirs), "what kubectl prints");
    }
}
