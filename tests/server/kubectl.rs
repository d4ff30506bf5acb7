//! The real kubectl against the example Endpoints server
//! (`examples/endpoints_server`, run in this process by `support`):
//! a whole session of create, get, the three patch types, server-side apply
//! with a conflict and `--force-conflicts`, replace and delete, with client
//! validation on (no `--validate=false`: kubectl finds in the server's
//! OpenAPI v3 document that it may leave validation to the server, and sends
//! `fieldValidation=Strict`).
//!
//! kubectl runs with `--server URL`, `KUBECONFIG` an empty file and its cache
//! in a directory of its own, so that nothing of the user's is read or
//! written. Skipped, with a note, where kubectl is not installed.
//!
//! The expected outcomes are what kube-apiserver does (and what kubectl then
//! prints for it), with the lists of Endpoints keyed as kubepatch's built-in
//! Endpoints schema keys them (README, "The built-in Endpoints schema"):
//! subsets by port set, addresses by `ip`, where upstream's are atomic.

use crate::common;
use crate::support;

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};

const NAMESPACE: &str = "test-namespace";
const NAME: &str = "test-endpoint";

/// The `fieldsV1` key of the seed's subset (its port set: http, 8080), as
/// the built-in Endpoints schema keys subsets (README, "The built-in
/// Endpoints schema"; upstream's subsets are atomic).
const SUBSET_HTTP_8080: &str = r#"k:{"ports":[{"name":"http","port":8080}]}"#;

/// kubectl pointed at one server, with an empty configuration and a cache
/// directory of its own, both in a temporary directory removed on drop.
struct Kubectl {
    server: String,
    dir: PathBuf,
}

impl Kubectl {
    /// kubectl for the server at `url`, its files under a new temporary
    /// directory named after `test`.
    fn new(url: &str, test: &str) -> Kubectl {
        let dir = std::env::temp_dir().join(format!(
            "kubepatch-{test}-{}-{}",
            std::process::id(),
            url.rsplit(':').next().unwrap_or("0")
        ));
        std::fs::create_dir_all(dir.join("cache")).expect("create the temporary directory");
        std::fs::write(dir.join("kubeconfig"), "").expect("write an empty kubeconfig");
        Kubectl {
            server: url.to_string(),
            dir,
        }
    }

    /// Write `object` as JSON to `name` in the temporary directory; its path.
    fn manifest(&self, name: &str, object: &Value) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, object.to_string()).expect("write a manifest");
        path
    }

    /// Run `kubectl ARGS --server URL --cache-dir DIR`.
    fn run(&self, args: &[&str]) -> Run {
        let output = Command::new("kubectl")
            .args(args)
            .arg("--server")
            .arg(&self.server)
            .arg("--cache-dir")
            .arg(self.dir.join("cache"))
            .arg("--request-timeout=30s")
            .env("KUBECONFIG", self.dir.join("kubeconfig"))
            .env_remove("KUBECTL_EXTERNAL_DIFF")
            .output()
            .expect("run kubectl");
        Run {
            command: format!("kubectl {}", args.join(" ")),
            output,
        }
    }

    /// `kubectl get endpoints test-endpoint -n test-namespace -o json`
    /// (with `--show-managed-fields` when `managed`), parsed.
    fn get_json(&self, managed: bool) -> Value {
        let mut args = vec!["get", "endpoints", NAME, "-n", NAMESPACE, "-o", "json"];
        if managed {
            args.push("--show-managed-fields");
        }
        self.run(&args).ok().json()
    }
}

impl Drop for Kubectl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A finished kubectl command.
struct Run {
    command: String,
    output: Output,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Itself, after checking that it succeeded.
    fn ok(self) -> Run {
        assert!(
            self.output.status.success(),
            "{} failed ({}):\nstdout: {}\nstderr: {}",
            self.command,
            self.output.status,
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Itself, after checking that it failed with exit code 1.
    fn fails(self) -> Run {
        assert_eq!(
            self.output.status.code(),
            Some(1),
            "{} should have failed:\nstdout: {}\nstderr: {}",
            self.command,
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Its stdout, which must be one line, `line`.
    fn prints(self, line: &str) -> Run {
        assert_eq!(
            self.stdout(),
            format!("{line}\n"),
            "stdout of {}",
            self.command
        );
        self
    }

    /// Itself, after checking that it printed nothing on stdout.
    fn prints_nothing(self) -> Run {
        assert_eq!(self.stdout(), "", "stdout of {}", self.command);
        self
    }

    /// Its stderr, which must contain `text`.
    fn says(self, text: &str) -> Run {
        let stderr = self.stderr();
        assert!(
            stderr.contains(text),
            "stderr of {} lacks {text:?}:\n{stderr}",
            self.command
        );
        self
    }

    /// Its stdout parsed as JSON.
    fn json(&self) -> Value {
        serde_json::from_slice(&self.output.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not JSON ({e}): {}",
                self.command,
                self.stdout()
            )
        })
    }
}

/// The managedFields entry of `manager` in `object` (got with
/// `--show-managed-fields`).
fn managed_entry<'a>(object: &'a Value, manager: &str) -> Option<&'a Value> {
    object["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .find(|e| e["manager"] == manager)
}

/// Whether `manager` owns the field at `path` (fieldsV1 keys such as
/// `f:metadata`) of `object`.
fn owns(object: &Value, manager: &str, path: &[&str]) -> bool {
    let Some(entry) = managed_entry(object, manager) else {
        return false;
    };
    path.iter()
        .fold(&entry["fieldsV1"], |node, key| &node[*key])
        .is_object()
}

/// The seed object of the session: `test-endpoint` in `test-namespace`.
fn seed_path() -> PathBuf {
    common::testdata().join("json/add-annotations-seed/original.json")
}

/// The seed, parsed.
fn seed() -> Value {
    let text = std::fs::read_to_string(seed_path()).expect("read the seed");
    serde_json::from_str(&text).expect("the seed is JSON")
}

/// An Endpoints manifest of the session's object with `metadata` members
/// beyond name and namespace, and `subsets` when given.
fn endpoints(metadata: Value, subsets: Option<Value>) -> Value {
    let mut object = json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": NAME, "namespace": NAMESPACE},
    });
    if let (Some(meta), Some(extra)) = (object["metadata"].as_object_mut(), metadata.as_object()) {
        meta.extend(extra.clone());
    }
    if let Some(subsets) = subsets {
        object["subsets"] = subsets;
    }
    object
}

/// The whole session on `test-endpoint` in `test-namespace`: create, get,
/// patch three ways, apply server-side by two managers, replace, delete.
#[test]
fn kubectl_session() {
    const TEST: &str = "kubectl_session";
    if common::skip_without_kubectl(TEST) {
        return;
    }
    let server = support::start();
    let kubectl = Kubectl::new(&server.url, TEST);
    let seed_file = seed_path();
    let seed_file = seed_file.to_str().expect("a UTF-8 path");

    create_and_get(&kubectl, seed_file);
    patches(&kubectl);
    server_side_apply(&kubectl);
    replace(&kubectl);
    delete(&kubectl, seed_file);
}

/// `kubectl create -f` (validation left to the server), a second create
/// (AlreadyExists), an object with an unknown field (refused: Strict), then
/// `kubectl get` as a table and as JSON.
fn create_and_get(kubectl: &Kubectl, seed_file: &str) {
    kubectl
        .run(&["create", "-f", seed_file])
        .ok()
        .prints("endpoints/test-endpoint created");
    kubectl.run(&["create", "-f", seed_file]).fails().says(&format!(
        r#"Error from server (AlreadyExists): error when creating "{seed_file}": endpoints "test-endpoint" already exists"#
    ));

    // kubectl sent fieldValidation=Strict: the server refuses unknown fields.
    let mut bogus = seed();
    bogus["metadata"]["name"] = json!("bogus-endpoint");
    bogus["bogus"] = json!(true);
    let bogus_file = kubectl.manifest("bogus.json", &bogus);
    let bogus_file = bogus_file.to_str().expect("a UTF-8 path");
    kubectl
        .run(&["create", "-f", bogus_file])
        .fails()
        .says("Error from server (BadRequest)")
        .says(r#"strict decoding error: unknown field "bogus""#);

    // The list and a get by the short name (their columns: kubectl_get_table).
    let table = kubectl
        .run(&["get", "endpoints", "-n", NAMESPACE])
        .ok()
        .stdout();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "a header and one row:\n{table}");
    assert_eq!((rows[0][0], rows[1][0]), ("NAME", NAME), "{table}");
    let by_short_name = kubectl
        .run(&["get", "ep", NAME, "-n", NAMESPACE])
        .ok()
        .stdout();
    assert!(by_short_name.contains(NAME), "{by_short_name}");

    let object = kubectl.get_json(false);
    let seed = seed();
    assert_eq!(object["apiVersion"], "v1");
    assert_eq!(object["kind"], "Endpoints");
    assert_eq!(object["metadata"]["name"], NAME);
    assert_eq!(object["metadata"]["namespace"], NAMESPACE);
    assert_eq!(object["subsets"], seed["subsets"]);
    for field in ["uid", "resourceVersion", "creationTimestamp"] {
        assert!(
            object["metadata"][field].is_string(),
            "metadata.{field}: {object}"
        );
    }
    // kubectl hides managedFields unless asked.
    assert!(
        object["metadata"].get("managedFields").is_none(),
        "{object}"
    );
    let object = kubectl.get_json(true);
    let entry = managed_entry(&object, "kubectl-create").expect("kubectl-create's entry");
    assert_eq!(entry["operation"], "Update");
    assert!(owns(
        &object,
        "kubectl-create",
        &["f:subsets", SUBSET_HTTP_8080]
    ));
}

/// `kubectl patch` with `--type json`, `merge` and `strategic`, each checked
/// in the object got afterwards.
fn patches(kubectl: &Kubectl) {
    let patch = |kind: &str, patch: &str| {
        kubectl
            .run(&[
                "patch",
                "endpoints",
                NAME,
                "-n",
                NAMESPACE,
                "--type",
                kind,
                "-p",
                patch,
            ])
            .ok()
            .prints("endpoints/test-endpoint patched");
    };

    patch(
        "json",
        r#"[{"op":"add","path":"/metadata/labels","value":{"app":"web"}},
            {"op":"replace","path":"/subsets/0/ports/0/port","value":9090}]"#,
    );
    let object = kubectl.get_json(true);
    assert_eq!(object["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(object["subsets"][0]["ports"][0]["port"], 9090);
    assert_eq!(
        managed_entry(&object, "kubectl-patch").expect("kubectl-patch")["operation"],
        "Update"
    );
    // The built-in Endpoints schema keys a subset by its port set: a new port
    // number is a new subset, kubectl-patch's; kubectl-create's went.
    let subset_9090 = r#"k:{"ports":[{"name":"http","port":9090}]}"#;
    assert!(owns(&object, "kubectl-patch", &["f:subsets", subset_9090]));
    assert!(!owns(
        &object,
        "kubectl-create",
        &["f:subsets", SUBSET_HTTP_8080]
    ));

    // Merge: lists are replaced whole; the new port's protocol defaults to
    // TCP; the ownerReferences list is set.
    patch(
        "merge",
        r#"{"metadata":{"annotations":{"note":"merged"},
                        "ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"first","uid":"00000000-0000-0000-0000-000000000001"}]},
            "subsets":[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"name":"http","port":80}]}]}"#,
    );
    let object = kubectl.get_json(false);
    assert_eq!(
        object["subsets"],
        json!([{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}])
    );
    assert_eq!(object["metadata"]["annotations"], json!({"note": "merged"}));
    assert_eq!(object["metadata"]["labels"], json!({"app": "web"}));

    // Strategic: ownerReferences merge by uid (the new one first, as
    // upstream's merge orders a patch's new items before the live ones), a
    // label added, the annotation deleted (and with it the emptied map:
    // `omitempty`); with the built-in Endpoints schema, a subset of the same
    // port set merges into the live one, addresses by `ip`.
    patch(
        "strategic",
        r#"{"metadata":{"labels":{"tier":"backend"},"annotations":{"note":null},
                        "ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"second","uid":"00000000-0000-0000-0000-000000000002"}]},
            "subsets":[{"addresses":[{"ip":"10.0.0.2"}],"ports":[{"name":"http","port":80}]}]}"#,
    );
    let object = kubectl.get_json(false);
    assert_eq!(
        object["metadata"]["labels"],
        json!({"app": "web", "tier": "backend"})
    );
    assert!(object["metadata"].get("annotations").is_none(), "{object}");
    let owners: Vec<&Value> = object["metadata"]["ownerReferences"]
        .as_array()
        .expect("ownerReferences")
        .iter()
        .map(|o| &o["name"])
        .collect();
    assert_eq!(owners, [&json!("second"), &json!("first")]);
    assert_eq!(
        object["subsets"],
        json!([{"addresses": [{"ip": "10.0.0.2"}, {"ip": "10.0.0.1"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}])
    );

    // A patch that changes nothing.
    kubectl
        .run(&[
            "patch",
            "endpoints",
            NAME,
            "-n",
            NAMESPACE,
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"labels":{"tier":"backend"}}}"#,
        ])
        .ok()
        .prints("endpoints/test-endpoint patched (no change)");
}

/// `kubectl apply --server-side` by manager `a`, then by `b` changing a field
/// `a` owns: a conflict; with `--force-conflicts`, `b` takes the field.
fn server_side_apply(kubectl: &Kubectl) {
    let by_a = kubectl.manifest(
        "apply-a.json",
        &endpoints(
            json!({"labels": {"managed-by-a": "yes"}, "annotations": {"applied-by": "a"}}),
            None,
        ),
    );
    let by_b = kubectl.manifest(
        "apply-b.json",
        &endpoints(json!({"annotations": {"applied-by": "b"}}), None),
    );
    let (by_a, by_b) = (
        by_a.to_str().expect("a UTF-8 path"),
        by_b.to_str().expect("a UTF-8 path"),
    );

    kubectl
        .run(&["apply", "--server-side", "--field-manager=a", "-f", by_a])
        .ok()
        .prints("endpoints/test-endpoint serverside-applied");
    let object = kubectl.get_json(true);
    assert_eq!(
        object["metadata"]["annotations"],
        json!({"applied-by": "a"})
    );
    assert_eq!(
        managed_entry(&object, "a").expect("a's entry")["operation"],
        "Apply"
    );
    assert!(owns(
        &object,
        "a",
        &["f:metadata", "f:annotations", "f:applied-by"]
    ));

    kubectl
        .run(&["apply", "--server-side", "--field-manager=b", "-f", by_b])
        .fails()
        .says(
            r#"Apply failed with 1 conflict: conflict with "a": .metadata.annotations.applied-by"#,
        )
        .says("--force-conflicts");
    assert_eq!(
        kubectl.get_json(false)["metadata"]["annotations"],
        json!({"applied-by": "a"})
    );

    kubectl
        .run(&[
            "apply",
            "--server-side",
            "--field-manager=b",
            "--force-conflicts",
            "-f",
            by_b,
        ])
        .ok()
        .prints("endpoints/test-endpoint serverside-applied");
    let object = kubectl.get_json(true);
    assert_eq!(
        object["metadata"]["annotations"],
        json!({"applied-by": "b"})
    );
    assert_eq!(
        managed_entry(&object, "b").expect("b's entry")["operation"],
        "Apply"
    );
    assert!(owns(
        &object,
        "b",
        &["f:metadata", "f:annotations", "f:applied-by"]
    ));
    assert!(!owns(
        &object,
        "a",
        &["f:metadata", "f:annotations", "f:applied-by"]
    ));
    // a keeps what b did not take.
    assert!(owns(
        &object,
        "a",
        &["f:metadata", "f:labels", "f:managed-by-a"]
    ));
    assert_eq!(
        object["metadata"]["labels"],
        json!({"app": "web", "managed-by-a": "yes", "tier": "backend"})
    );
}

/// `kubectl replace -f`: the object becomes the manifest (labels, annotations
/// and owner references gone); managers lose the fields that went, and one
/// left with none (b) disappears.
fn replace(kubectl: &Kubectl) {
    let before = kubectl.get_json(false);
    let subsets = json!([{"addresses": [{"ip": "192.168.0.20"}], "ports": [{"name": "https", "port": 8443, "protocol": "TCP"}]}]);
    let manifest = kubectl.manifest("replace.json", &endpoints(json!({}), Some(subsets.clone())));
    kubectl
        .run(&["replace", "-f", manifest.to_str().expect("a UTF-8 path")])
        .ok()
        .prints("endpoints/test-endpoint replaced");
    let object = kubectl.get_json(true);
    assert_eq!(object["subsets"], subsets);
    for gone in ["labels", "annotations", "ownerReferences"] {
        assert!(
            object["metadata"].get(gone).is_none(),
            "metadata.{gone}: {object}"
        );
    }
    assert_eq!(object["metadata"]["uid"], before["metadata"]["uid"]);
    assert_eq!(
        object["metadata"]["creationTimestamp"],
        before["metadata"]["creationTimestamp"]
    );
    assert_ne!(
        object["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    let entry = managed_entry(&object, "kubectl-replace").expect("kubectl-replace's entry");
    assert_eq!(entry["operation"], "Update");
    let subset = r#"k:{"ports":[{"name":"https","port":8443}]}"#;
    assert!(owns(&object, "kubectl-replace", &["f:subsets", subset]));
    assert!(
        managed_entry(&object, "b").is_none(),
        "b owned only the annotation: {object}"
    );
    assert!(
        managed_entry(&object, "a").is_none(),
        "a owned only a label and metadata: {object}"
    );
}

/// `kubectl delete`, then get: NotFound; list: nothing.
fn delete(kubectl: &Kubectl, seed_file: &str) {
    kubectl
        .run(&["delete", "endpoints", NAME, "-n", NAMESPACE])
        .ok()
        .prints(r#"endpoints "test-endpoint" deleted"#);
    kubectl
        .run(&["get", "endpoints", NAME, "-n", NAMESPACE])
        .fails()
        .says(r#"Error from server (NotFound): endpoints "test-endpoint" not found"#);
    kubectl
        .run(&["get", "endpoints", "-n", NAMESPACE])
        .ok()
        .prints_nothing()
        .says("No resources found in test-namespace namespace.");
    kubectl
        .run(&["delete", "-f", seed_file])
        .fails()
        .says(&format!(
            r#"Error from server (NotFound): error when deleting "{seed_file}": endpoints "test-endpoint" not found"#
        ));
}

/// What discovery gives kubectl: the resource table, the server's version
/// and the OpenAPI v3 schema `kubectl explain` reads.
#[test]
fn kubectl_discovery() {
    const TEST: &str = "kubectl_discovery";
    if common::skip_without_kubectl(TEST) {
        return;
    }
    let server = support::start();
    let kubectl = Kubectl::new(&server.url, TEST);

    let resources = kubectl.run(&["api-resources"]).ok().stdout();
    let rows: Vec<Vec<&str>> = resources
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows.first().map(Vec::as_slice),
        Some(&["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"][..]),
        "{resources}"
    );
    assert!(
        rows.contains(&vec!["endpoints", "ep", "v1", "true", "Endpoints"]),
        "{resources}"
    );

    let version = kubectl.run(&["version", "-o", "json"]).ok().json();
    let server_version = &version["serverVersion"];
    assert_eq!(server_version["gitVersion"], "v1.36.0");
    assert_eq!(server_version["major"], "1");
    assert_eq!(server_version["minor"], "36");

    let explained = kubectl
        .run(&["explain", "endpoints.subsets.ports"])
        .ok()
        .stdout();
    assert!(explained.contains("KIND:       Endpoints"), "{explained}");
    assert!(explained.contains("VERSION:    v1"), "{explained}");
    assert!(
        explained.contains("FIELD: ports <[]EndpointPort>"),
        "{explained}"
    );
}

/// `kubectl get` prints kube-apiserver's table for Endpoints: it asks for a
/// `meta.k8s.io/v1` Table (`Accept: application/json;as=Table;v=v1;
/// g=meta.k8s.io,…`), whose columns are NAME, ENDPOINTS (the addresses with
/// their ports) and AGE.
#[test]
fn kubectl_get_table() {
    const TEST: &str = "kubectl_get_table";
    if common::skip_without_kubectl(TEST) {
        return;
    }
    let server = support::start();
    let kubectl = Kubectl::new(&server.url, TEST);
    let seed_file = seed_path();
    kubectl
        .run(&["create", "-f", seed_file.to_str().expect("a UTF-8 path")])
        .ok();
    for args in [
        &["get", "endpoints", "-n", NAMESPACE][..],
        &["get", "ep", NAME, "-n", NAMESPACE][..],
    ] {
        let table = kubectl.run(args).ok().stdout();
        let rows: Vec<Vec<&str>> = table
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(rows.len(), 2, "a header and one row:\n{table}");
        assert_eq!(rows[0], ["NAME", "ENDPOINTS", "AGE"], "{table}");
        assert_eq!(rows[1][..2], [NAME, "192.168.0.10:8080"], "{table}");
    }
}
