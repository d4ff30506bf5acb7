//! The Endpoints example server over real HTTP on 127.0.0.1: every route,
//! the status codes and query parameters kube-apiserver gives them, the
//! bookkeeping of writes (uid, creationTimestamp, resourceVersion,
//! managedFields) and the watch.
//!
//! Expected texts are kube-apiserver's, as its handlers and generic
//! registry word them (quoted in comments where they come from).

use crate::support;

use std::time::Duration;

use futures::StreamExt;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const DEPRECATION: &str =
    r#"299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice""#;
const JSON: &str = "application/json";
const MERGE: &str = "application/merge-patch+json";
const JSON_PATCH: &str = "application/json-patch+json";
const STRATEGIC: &str = "application/strategic-merge-patch+json";
const APPLY: &str = "application/apply-patch+yaml";
const NS: &str = "/api/v1/namespaces/test-namespace/endpoints";
const SEED: &str = "/api/v1/namespaces/test-namespace/endpoints/test-endpoint";

/// A response, read whole.
struct Reply {
    code: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    fn warnings(&self) -> Vec<&str> {
        self.headers
            .get_all("warning")
            .iter()
            .map(|v| v.to_str().expect("a text header"))
            .collect()
    }

    /// The Status of a failure: its code, reason and message.
    fn failure(&self) -> (u16, String, String) {
        let status = self.json();
        assert_eq!(status["kind"], "Status", "{}", self.text);
        assert_eq!(status["status"], "Failure", "{}", self.text);
        assert_eq!(status["code"], self.code.as_u16(), "{}", self.text);
        let text = |k: &str| status[k].as_str().unwrap_or("").to_string();
        (self.code.as_u16(), text("reason"), text("message"))
    }
}

/// A server and a client of it.
struct Api {
    url: String,
    http: reqwest::Client,
}

impl Api {
    fn start() -> Self {
        let server = support::start();
        Api {
            url: server.url,
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, method: Method, path: &str, content_type: &str, body: &str) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header(
                "User-Agent",
                "kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0",
            );
        if !content_type.is_empty() {
            request = request.header("Content-Type", content_type);
        }
        if !body.is_empty() {
            request = request.body(body.to_string());
        }
        let response = request.send().await.expect("a response");
        let code = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        Reply {
            code,
            headers,
            text,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, "", "").await
    }

    async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, JSON, &body.to_string()).await
    }

    async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PUT, path, JSON, &body.to_string()).await
    }

    async fn patch(&self, path: &str, content_type: &str, body: &str) -> Reply {
        self.send(Method::PATCH, path, content_type, body).await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, "", "").await
    }

    /// Create the seed object (`test-endpoint` in `test-namespace`).
    async fn seed(&self, query: &str) -> Value {
        let reply = self.post(&format!("{NS}{query}"), &seed()).await;
        assert_eq!(reply.code, 201, "{}", reply.text);
        reply.json()
    }
}

fn seed() -> Value {
    let text = std::fs::read_to_string("testdata/json/add-annotations-seed/original.json")
        .expect("the seed object");
    serde_json::from_str(&text).expect("JSON")
}

fn endpoints(namespace: &str, name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80, "protocol": "TCP"}]}]})
}

fn version(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a resourceVersion in {object}"))
}

/// `(manager, operation)` of each managedFields entry.
fn managers(object: &Value) -> Vec<(String, String)> {
    object["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let text = |k: &str| e[k].as_str().unwrap_or("").to_string();
                    (text("manager"), text("operation"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The object without what the server adds (uid, timestamps, version,
/// managedFields).
fn user_part(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(meta) = object["metadata"].as_object_mut() {
        for key in [
            "uid",
            "creationTimestamp",
            "resourceVersion",
            "managedFields",
        ] {
            meta.remove(key);
        }
    }
    object
}

#[tokio::test]
async fn create_get_and_bookkeeping() {
    let api = Api::start();
    let reply = api
        .post(&format!("{NS}?fieldManager=creator"), &seed())
        .await;
    assert_eq!(reply.code, 201, "{}", reply.text);
    assert_eq!(reply.headers["content-type"], JSON);
    assert_eq!(reply.warnings(), [DEPRECATION]);
    // Go's encoder: compact, with a final newline.
    assert!(reply.text.ends_with("}\n"), "{}", reply.text);
    let created = reply.json();
    assert_eq!(user_part(&created), seed());
    let meta = &created["metadata"];
    // uid: a version-4 UUID, as upstream's uuid.NewUUID.
    let uid = meta["uid"].as_str().expect("a uid");
    let groups: Vec<usize> = uid.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{uid}");
    assert_eq!(&uid[14..15], "4", "{uid}");
    // creationTimestamp: RFC 3339 in seconds, UTC.
    let created_at = meta["creationTimestamp"].as_str().expect("a timestamp");
    assert_eq!(
        created_at.len(),
        "2026-01-01T00:00:00Z".len(),
        "{created_at}"
    );
    assert!(created_at.ends_with('Z'));
    assert!(created_at.parse::<jiff::Timestamp>().is_ok());
    assert_eq!(meta["resourceVersion"], "1");
    // Endpoints' strategy sets no generation.
    assert!(meta.get("generation").is_none());
    // The create is recorded as an Update by the fieldManager; the fields
    // are keyed as kubepatch's Endpoints schema keys them (a subset by
    // its ports, an address by ip, a port by port and name).
    let entries = meta["managedFields"].as_array().expect("managedFields");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["manager"], "creator");
    assert_eq!(entries[0]["operation"], "Update");
    assert_eq!(entries[0]["apiVersion"], "v1");
    assert_eq!(entries[0]["fieldsType"], "FieldsV1");
    assert_eq!(entries[0]["time"].as_str().map(str::len), Some(20));
    assert_eq!(
        entries[0]["fieldsV1"],
        json!({"f:subsets": {".": {}, r#"k:{"ports":[{"name":"http","port":8080}]}"#: {
            ".": {},
            "f:addresses": {".": {}, r#"k:{"ip":"192.168.0.10"}"#: {".": {}, "f:ip": {}}},
            "f:ports": {".": {}, r#"k:{"name":"http","port":8080}"#: {
                ".": {}, "f:name": {}, "f:port": {}, "f:protocol": {}}}}}})
    );

    let got = api.get(SEED).await;
    assert_eq!(got.code, 200);
    assert_eq!(got.warnings(), [DEPRECATION]);
    assert_eq!(got.json(), created);

    // upstream's errors.NewAlreadyExists.
    let again = api.post(NS, &seed()).await;
    assert_eq!(
        again.failure(),
        (
            409,
            "AlreadyExists".into(),
            r#"endpoints "test-endpoint" already exists"#.into()
        )
    );
    assert_eq!(
        again.json()["details"],
        json!({"name": "test-endpoint", "kind": "endpoints"})
    );
    assert_eq!(again.warnings(), [DEPRECATION]);

    let missing = api.get(&format!("{NS}/nope")).await;
    assert_eq!(
        missing.failure(),
        (
            404,
            "NotFound".into(),
            r#"endpoints "nope" not found"#.into()
        )
    );
    assert_eq!(missing.warnings(), [DEPRECATION]);
    // Byte for byte as kube-apiserver writes a Status (struct order).
    assert_eq!(
        missing.text,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"endpoints \\\"nope\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"nope\",\"kind\":\"endpoints\"},\"code\":404}\n"
    );
}

#[tokio::test]
async fn create_checks_its_body() {
    let api = Api::start();
    // Without a name or generateName: ObjectMeta validation's 422.
    let mut nameless = seed();
    nameless["metadata"]["name"] = json!("");
    let reply = api.post(NS, &nameless).await;
    assert_eq!(
        reply.failure(),
        (
            422,
            "Invalid".into(),
            r#"Endpoints "" is invalid: metadata.name: Required value: name or generateName is required"#
                .into()
        )
    );
    // generateName: the prefix and five characters.
    let mut generated = seed();
    generated["metadata"] = json!({"generateName": "web-"});
    let reply = api.post(NS, &generated).await;
    assert_eq!(reply.code, 201, "{}", reply.text);
    let name = reply.json()["metadata"]["name"]
        .as_str()
        .expect("a name")
        .to_string();
    assert!(name.starts_with("web-") && name.len() == 9, "{name}");
    assert_eq!(reply.json()["metadata"]["namespace"], "test-namespace");
    // A namespace other than the URL's (rest.BeforeCreate's words).
    let mut elsewhere = seed();
    elsewhere["metadata"]["namespace"] = json!("other");
    let reply = api.post(NS, &elsewhere).await;
    assert_eq!(
        reply.failure(),
        (
            400,
            "BadRequest".into(),
            "the namespace of the provided object does not match the namespace sent on the request"
                .into()
        )
    );
    // Not JSON or YAML: 415 with the accepted media types.
    let reply = api
        .send(Method::POST, NS, "text/plain", &seed().to_string())
        .await;
    let (code, reason, message) = reply.failure();
    assert_eq!((code, reason.as_str()), (415, "UnsupportedMediaType"));
    assert_eq!(
        message,
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"
    );
    // YAML is read as JSON is.
    let yaml = "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: from-yaml\nsubsets:\n- addresses:\n  - ip: 10.1.1.1\n  ports:\n  - port: 53\n    protocol: UDP\n";
    let reply = api.send(Method::POST, NS, "application/yaml", yaml).await;
    assert_eq!(reply.code, 201, "{}", reply.text);
    assert_eq!(reply.json()["subsets"][0]["ports"][0]["port"], 53);
    // Another group version: upstream's create handler refuses it.
    let mut foreign = seed();
    foreign["apiVersion"] = json!("v2");
    let reply = api.post(NS, &foreign).await;
    assert_eq!(
        reply.failure(),
        (
            400,
            "BadRequest".into(),
            "the API version in the data (v2) does not match the expected API version (v1)".into()
        )
    );
    // A uid in the body is replaced (FillObjectMetaSystemFields).
    let mut with_uid = endpoints("test-namespace", "with-uid", json!({}));
    with_uid["metadata"]["uid"] = json!("11111111-1111-4111-8111-111111111111");
    let reply = api.post(NS, &with_uid).await;
    assert_eq!(reply.code, 201, "{}", reply.text);
    assert_ne!(
        reply.json()["metadata"]["uid"],
        "11111111-1111-4111-8111-111111111111"
    );
}

#[tokio::test]
async fn field_validation_on_create_and_replace() {
    let api = Api::start();
    let mut body = seed();
    body["bogus"] = json!(1);
    body["subsets"][0]["addresses"][0]["extra"] = json!("x");
    // Strict: the decoder's strict errors, a 400 (upstream's
    // transformDecodeError of a strict decoding error).
    let reply = api
        .post(&format!("{NS}?fieldValidation=Strict"), &body)
        .await;
    assert_eq!(
        reply.failure(),
        (
            400,
            "BadRequest".into(),
            r#"strict decoding error: unknown field "bogus", unknown field "subsets[0].addresses[0].extra""#
                .into()
        )
    );
    assert_eq!(api.get(SEED).await.code, 404);
    // Warn (the default): one warning each, after the deprecation.
    let reply = api.post(NS, &body).await;
    assert_eq!(reply.code, 201, "{}", reply.text);
    assert_eq!(
        reply.warnings(),
        [
            DEPRECATION,
            r#"299 - "unknown field \"bogus\"""#,
            r#"299 - "unknown field \"subsets[0].addresses[0].extra\"""#
        ]
    );
    assert_eq!(user_part(&reply.json()), seed(), "unknown fields dropped");
    // Ignore: dropped without a word.
    let put = api
        .put(&format!("{SEED}?fieldValidation=Ignore"), &body)
        .await;
    assert_eq!(put.code, 200, "{}", put.text);
    assert_eq!(put.warnings(), [DEPRECATION]);
    assert_eq!(user_part(&put.json()), seed());
    // An unknown directive: UpdateOptions validation.
    let bad = api
        .put(&format!("{SEED}?fieldValidation=Loud"), &seed())
        .await;
    let (code, reason, message) = bad.failure();
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    assert!(
        message.starts_with(r#"UpdateOptions.meta.k8s.io "" is invalid: fieldValidation"#),
        "{message}"
    );
}

#[tokio::test]
async fn replace() {
    let api = Api::start();
    let created = api.seed("?fieldManager=creator").await;
    let mut body = created.clone();
    body["metadata"]["labels"] = json!({"app": "web"});
    let reply = api.put(&format!("{SEED}?fieldManager=editor"), &body).await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    assert_eq!(reply.warnings(), [DEPRECATION]);
    let replaced = reply.json();
    assert_eq!(version(&replaced), version(&created) + 1);
    assert_eq!(replaced["metadata"]["uid"], created["metadata"]["uid"]);
    assert_eq!(
        replaced["metadata"]["creationTimestamp"],
        created["metadata"]["creationTimestamp"]
    );
    assert_eq!(
        managers(&replaced),
        pairs(&[("creator", "Update"), ("editor", "Update")])
    );
    assert_eq!(
        replaced["metadata"]["managedFields"][1]["fieldsV1"],
        json!({"f:metadata": {"f:labels": {".": {}, "f:app": {}}}})
    );

    // The old resourceVersion: upstream's OptimisticLockErrorMsg.
    let stale = api.put(SEED, &body).await;
    assert_eq!(
        stale.failure(),
        (
            409,
            "Conflict".into(),
            r#"Operation cannot be fulfilled on endpoints "test-endpoint": the object has been modified; please apply your changes to the latest version and try again"#
                .into()
        )
    );
    assert_eq!(stale.warnings(), [DEPRECATION]);

    // Without resourceVersion: unconditional (Endpoints allow it). The same
    // content again changes nothing: the resourceVersion stays.
    let mut unconditional = replaced.clone();
    unconditional["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("resourceVersion");
    let same = api
        .put(&format!("{SEED}?fieldManager=editor"), &unconditional)
        .await;
    assert_eq!(same.code, 200, "{}", same.text);
    assert_eq!(same.json(), replaced);

    // The name and namespace must be the URL's (upstream's checkName).
    let other = api.put(&format!("{NS}/other"), &body).await;
    assert_eq!(
        other.failure(),
        (
            400,
            "BadRequest".into(),
            "the name of the object (test-endpoint) does not match the name on the URL (other)"
                .into()
        )
    );
    let mut moved = body.clone();
    moved["metadata"]["namespace"] = json!("elsewhere");
    let reply = api.put(SEED, &moved).await;
    assert_eq!(
        reply.failure(),
        (
            400,
            "BadRequest".into(),
            "the namespace of the object (elsewhere) does not match the namespace on the URL (test-namespace)"
                .into()
        )
    );

    // A uid in the body is a precondition (409 when it is not the stored one).
    let mut other_uid = replaced.clone();
    other_uid["metadata"]["uid"] = json!("00000000-0000-4000-8000-000000000000");
    let reply = api.put(SEED, &other_uid).await;
    assert_eq!(
        reply.failure(),
        (
            409,
            "Conflict".into(),
            format!(
                r#"Operation cannot be fulfilled on endpoints "test-endpoint": Precondition failed: UID in precondition: 00000000-0000-4000-8000-000000000000, UID in object meta: {}"#,
                created["metadata"]["uid"].as_str().expect("a uid")
            )
        )
    );

    // Endpoints' strategy allows create on update: PUT of a missing
    // object creates it, 201.
    let fresh = endpoints("test-namespace", "fresh", json!({}));
    let reply = api.put(&format!("{NS}/fresh"), &fresh).await;
    assert_eq!(reply.code, 201, "{}", reply.text);
    let made = reply.json();
    // The empty labels are not written (omitempty).
    let mut unlabelled = fresh.clone();
    unlabelled["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("labels");
    assert_eq!(user_part(&made), unlabelled);
    assert!(made["metadata"]["uid"].is_string());
    assert_eq!(managers(&made), pairs(&[("kubectl", "Update")]));
    assert_eq!(version(&made), version(&replaced) + 1);
}

#[tokio::test]
async fn patch_types_and_codes() {
    let api = Api::start();
    let created = api.seed("?fieldManager=creator").await;

    // The seed example: kubectl's result (testdata's expected.json).
    let patch = std::fs::read_to_string("testdata/json/add-annotations-seed/patch.json")
        .expect("the seed patch");
    let reply = api.patch(SEED, JSON_PATCH, &patch).await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    assert_eq!(reply.warnings(), [DEPRECATION]);
    let patched = reply.json();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string("testdata/json/add-annotations-seed/expected.json")
            .expect("expected.json"),
    )
    .expect("JSON");
    assert_eq!(user_part(&patched), expected);
    assert_eq!(version(&patched), version(&created) + 1);
    assert_eq!(patched["metadata"]["uid"], created["metadata"]["uid"]);
    // Without fieldManager: the User-Agent's program (prefixFromUserAgent).
    assert_eq!(
        managers(&patched),
        pairs(&[("creator", "Update"), ("kubectl", "Update")])
    );

    // Removing the last label leaves no `labels: {}` (Go's omitempty on
    // the decoded object); adding an empty map where none was is no change.
    let labelled = api
        .patch(SEED, MERGE, r#"{"metadata":{"labels":{"x":"1"}}}"#)
        .await
        .json();
    let unlabelled = api
        .patch(SEED, STRATEGIC, r#"{"metadata":{"labels":{"x":null}}}"#)
        .await;
    assert_eq!(unlabelled.code, 200, "{}", unlabelled.text);
    let unlabelled = unlabelled.json();
    assert!(
        unlabelled["metadata"].get("labels").is_none(),
        "{unlabelled}"
    );
    assert_eq!(version(&unlabelled), version(&labelled) + 1);
    let empty = api
        .patch(SEED, MERGE, r#"{"metadata":{"labels":{}}}"#)
        .await
        .json();
    assert_eq!(empty, unlabelled);
    let patched = unlabelled;

    // A patch that changes nothing keeps the resourceVersion.
    let noop = api
        .patch(
            SEED,
            MERGE,
            r#"{"metadata":{"annotations":{"test-key":"test-value"}}}"#,
        )
        .await;
    assert_eq!(noop.code, 200, "{}", noop.text);
    assert_eq!(noop.json(), patched);

    // Strategic merge: a new address joins the subset with the same ports.
    let reply = api
        .patch(
            &format!("{SEED}?fieldManager=smp"),
            STRATEGIC,
            r#"{"subsets":[{"ports":[{"name":"http","port":8080,"protocol":"TCP"}],"addresses":[{"ip":"192.168.0.11"}]}]}"#,
        )
        .await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    let ips: Vec<Value> = reply.json()["subsets"][0]["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .map(|a| a["ip"].clone())
        .collect();
    assert_eq!(ips.len(), 2);
    assert!(ips.contains(&json!("192.168.0.11")) && ips.contains(&json!("192.168.0.10")));

    // 404 for a missing object (all but apply).
    let missing = api.patch(&format!("{NS}/nope"), MERGE, "{}").await;
    assert_eq!(
        missing.failure(),
        (
            404,
            "NotFound".into(),
            r#"endpoints "nope" not found"#.into()
        )
    );
    assert_eq!(missing.warnings(), [DEPRECATION]);
    // 415 for a media type no patch has.
    let (code, reason, _) = api.patch(SEED, "text/plain", "{}").await.failure();
    assert_eq!((code, reason.as_str()), (415, "UnsupportedMediaType"));
    // 422: a JSON patch test that fails.
    let failed = api
        .patch(
            SEED,
            JSON_PATCH,
            r#"[{"op":"test","path":"/kind","value":"Pod"}]"#,
        )
        .await;
    assert_eq!(failed.failure().0, 422);
    // 400: a body that is not JSON.
    assert_eq!(api.patch(SEED, MERGE, "{").await.failure().0, 400);
    // 422: force on a non-apply patch (ValidatePatchOptions).
    let forced = api.patch(&format!("{SEED}?force=true"), MERGE, "{}").await;
    let (code, _, message) = forced.failure();
    assert_eq!(code, 422);
    assert!(
        message.ends_with("force: Forbidden: may not be specified for non-apply patch"),
        "{message}"
    );
    // 409: a stale resourceVersion in the patch.
    let stale = api
        .patch(
            SEED,
            MERGE,
            r#"{"metadata":{"resourceVersion":"1","labels":{"a":"b"}}}"#,
        )
        .await;
    assert_eq!(stale.failure().0, 409);
    // fieldValidation on a patch: Strict refuses an unknown field (422),
    // Warn warns after the deprecation warning.
    let strict = api
        .patch(
            &format!("{SEED}?fieldValidation=Strict"),
            MERGE,
            r#"{"bogus":1}"#,
        )
        .await;
    assert_eq!(strict.failure().0, 422);
    let warned = api.patch(SEED, MERGE, r#"{"bogus":1}"#).await;
    assert_eq!(warned.code, 200);
    assert_eq!(
        warned.warnings(),
        [DEPRECATION, r#"299 - "unknown field \"bogus\"""#]
    );
}

#[tokio::test]
async fn apply_creates_and_conflicts() {
    let api = Api::start();
    let config =
        "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: applied\n  labels:\n    app: web\n";
    // Apply of a missing object creates it.
    let path = format!("{NS}/applied");
    let without_manager = api.patch(&path, APPLY, config).await;
    let (code, _, message) = without_manager.failure();
    assert_eq!(code, 422);
    assert!(
        message.ends_with("fieldManager: Required value: is required for apply patch"),
        "{message}"
    );
    let reply = api
        .patch(&format!("{path}?fieldManager=ctrl-a"), APPLY, config)
        .await;
    assert_eq!(reply.code, 201, "{}", reply.text);
    assert_eq!(reply.warnings(), [DEPRECATION]);
    let created = reply.json();
    assert_eq!(created["metadata"]["namespace"], "test-namespace");
    assert!(created["metadata"]["uid"].is_string());
    assert!(created["metadata"]["creationTimestamp"].is_string());
    assert_eq!(version(&created), 1);
    assert_eq!(managers(&created), pairs(&[("ctrl-a", "Apply")]));
    assert_eq!(
        created["metadata"]["managedFields"][0]["fieldsV1"],
        json!({"f:metadata": {"f:labels": {"f:app": {}}}})
    );
    // The same apply again changes nothing.
    let again = api
        .patch(&format!("{path}?fieldManager=ctrl-a"), APPLY, config)
        .await;
    assert_eq!(again.code, 200);
    assert_eq!(again.json(), created);
    // Another manager's value for the same field: a conflict, then forced.
    let other = config.replace("app: web", "app: api");
    let conflict = api
        .patch(&format!("{path}?fieldManager=ctrl-b"), APPLY, &other)
        .await;
    assert_eq!(
        conflict.failure(),
        (
            409,
            "Conflict".into(),
            r#"Apply failed with 1 conflict: conflict with "ctrl-a": .metadata.labels.app"#.into()
        )
    );
    let forced = api
        .patch(
            &format!("{path}?fieldManager=ctrl-b&force=true"),
            APPLY,
            &other,
        )
        .await;
    assert_eq!(forced.code, 200, "{}", forced.text);
    let forced = forced.json();
    assert_eq!(forced["metadata"]["labels"]["app"], "api");
    assert_eq!(managers(&forced), pairs(&[("ctrl-b", "Apply")]));
    assert_eq!(version(&forced), 2);
}

#[tokio::test]
async fn dry_run_stores_nothing() {
    let api = Api::start();
    // A dry-run create: answered, not stored, no resourceVersion.
    let reply = api.post(&format!("{NS}?dryRun=All"), &seed()).await;
    assert_eq!(reply.code, 201, "{}", reply.text);
    let would = reply.json();
    assert_eq!(user_part(&would), seed());
    assert!(would["metadata"].get("resourceVersion").is_none());
    assert_eq!(api.get(SEED).await.code, 404);

    let created = api.seed("").await;
    let label = r#"{"metadata":{"labels":{"dry":"run"}}}"#;
    let reply = api.patch(&format!("{SEED}?dryRun=All"), MERGE, label).await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    assert_eq!(reply.json()["metadata"]["labels"]["dry"], "run");
    assert_eq!(api.get(SEED).await.json(), created);

    let mut body = created.clone();
    body["metadata"]["labels"] = json!({"dry": "put"});
    let reply = api.put(&format!("{SEED}?dryRun=All"), &body).await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    assert_eq!(reply.json()["metadata"]["labels"]["dry"], "put");
    assert_eq!(api.get(SEED).await.json(), created);

    let apply = "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: test-endpoint\n  labels:\n    dry: apply\n";
    let reply = api
        .patch(&format!("{SEED}?dryRun=All&fieldManager=a"), APPLY, apply)
        .await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    assert_eq!(api.get(SEED).await.json(), created);

    let reply = api.delete(&format!("{SEED}?dryRun=All")).await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    assert_eq!(api.get(SEED).await.json(), created);
    let reply = api.delete(&format!("{NS}?dryRun=All")).await;
    assert_eq!(reply.code, 200);
    assert_eq!(reply.json()["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(api.get(SEED).await.json(), created);

    // Only All is a dry run (ValidatePatchOptions' words, for each kind).
    let bad = api
        .patch(&format!("{SEED}?dryRun=Some"), MERGE, label)
        .await;
    assert_eq!(
        bad.failure(),
        (
            422,
            "Invalid".into(),
            r#"PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All""#
                .into()
        )
    );
    let bad = api.post(&format!("{NS}?dryRun=Some"), &seed()).await;
    assert_eq!(
        bad.failure().2,
        r#"CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All""#
    );
    assert_eq!(api.get(SEED).await.json(), created);
}

#[tokio::test]
async fn pretty_output() {
    let api = Api::start();
    api.seed("").await;
    let pretty = api.get(&format!("{SEED}?pretty=true")).await;
    assert!(
        pretty.text.starts_with("{\n  \"apiVersion\": \"v1\",\n"),
        "{}",
        pretty.text
    );
    assert!(
        pretty.text.ends_with('}'),
        "json.MarshalIndent: no final newline"
    );
    let compact = api.get(&format!("{SEED}?pretty=false")).await;
    assert!(compact.text.starts_with("{\"apiVersion\":\"v1\","));
    assert_eq!(pretty.json(), compact.json());
    // Errors too.
    let missing = api.get(&format!("{NS}/nope?pretty=1")).await;
    assert!(
        missing.text.starts_with(
            "{\n  \"kind\": \"Status\",\n  \"apiVersion\": \"v1\",\n  \"metadata\": {},\n"
        ),
        "{}",
        missing.text
    );
}

#[tokio::test]
async fn delete_and_delete_collection() {
    let api = Api::start();
    let created = api.seed("").await;
    // finalizeDelete: a Status Success naming the object, its kind the resource.
    let reply = api.delete(SEED).await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    assert_eq!(reply.warnings(), [DEPRECATION]);
    assert_eq!(
        reply.json(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": "test-endpoint", "kind": "endpoints", "uid": created["metadata"]["uid"]}})
    );
    let uid = created["metadata"]["uid"].as_str().expect("a uid");
    assert_eq!(
        reply.text,
        format!(
            "{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Success\",\"details\":{{\"name\":\"test-endpoint\",\"kind\":\"endpoints\",\"uid\":\"{uid}\"}}}}\n"
        )
    );
    assert_eq!(api.get(SEED).await.code, 404);
    let again = api.delete(SEED).await;
    assert_eq!(
        again.failure(),
        (
            404,
            "NotFound".into(),
            r#"endpoints "test-endpoint" not found"#.into()
        )
    );

    for (name, tier) in [("a", "web"), ("b", "web"), ("c", "db")] {
        let reply = api
            .post(
                NS,
                &endpoints("test-namespace", name, json!({"tier": tier})),
            )
            .await;
        assert_eq!(reply.code, 201);
    }
    let reply = api.delete(&format!("{NS}?labelSelector=tier%3Dweb")).await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    let deleted = reply.json();
    assert_eq!(deleted["kind"], "EndpointsList");
    let names: Vec<&str> = deleted["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect();
    assert_eq!(names, ["a", "b"]);
    let left = api.get(NS).await.json();
    assert_eq!(left["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(left["items"][0]["metadata"]["name"], "c");
}

#[tokio::test]
async fn lists_and_selectors() {
    let api = Api::start();
    for (namespace, name, labels) in [
        (
            "test-namespace",
            "web",
            json!({"app": "web", "tier": "front"}),
        ),
        ("test-namespace", "db", json!({"app": "db"})),
        ("other", "cache", json!({"app": "cache", "tier": "back"})),
    ] {
        let reply = api
            .post(
                &format!("/api/v1/namespaces/{namespace}/endpoints"),
                &endpoints(namespace, name, labels),
            )
            .await;
        assert_eq!(reply.code, 201, "{}", reply.text);
    }
    let all = api.get("/api/v1/endpoints").await;
    assert_eq!(all.code, 200);
    assert_eq!(all.warnings(), [DEPRECATION]);
    let all = all.json();
    assert_eq!(all["apiVersion"], "v1");
    assert_eq!(all["kind"], "EndpointsList");
    assert_eq!(all["metadata"], json!({"resourceVersion": "3"}));
    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
            .collect()
    };
    // Items without apiVersion and kind, as a typed list's are encoded.
    let first = &all["items"][0];
    assert!(
        first.get("apiVersion").is_none() && first.get("kind").is_none(),
        "{first}"
    );
    assert_eq!(first["metadata"]["namespace"], "other");
    // Namespace, then name: etcd's key order.
    assert_eq!(names(&all), ["cache", "db", "web"]);
    assert_eq!(names(&api.get(NS).await.json()), ["db", "web"]);
    // watch=0 and watch=false are no watch (ListOptions' booleans).
    for query in ["watch=0", "watch=False"] {
        let reply = api.get(&format!("{NS}?{query}")).await;
        assert_eq!(reply.json()["kind"], "EndpointsList", "{query}");
    }
    for (query, expected) in [
        ("labelSelector=app%3Dweb", &["web"][..]),
        ("labelSelector=app%3D%3Dweb", &["web"]),
        ("labelSelector=app!%3Dweb", &["cache", "db"]),
        ("labelSelector=tier", &["cache", "web"]),
        ("labelSelector=!tier", &["db"]),
        ("labelSelector=app+in+(db,cache)", &["cache", "db"]),
        ("labelSelector=app%20notin%20(db)", &["cache", "web"]),
        ("labelSelector=app,tier%3Dfront", &["web"]),
        ("fieldSelector=metadata.name%3Ddb", &["db"]),
        ("fieldSelector=metadata.namespace!%3Dother", &["db", "web"]),
        (
            "fieldSelector=metadata.namespace%3D%3Dother,metadata.name%3Dcache",
            &["cache"],
        ),
        (
            "labelSelector=app&fieldSelector=metadata.name!%3Dweb",
            &["cache", "db"],
        ),
    ] {
        let reply = api.get(&format!("/api/v1/endpoints?{query}")).await;
        assert_eq!(reply.code, 200, "{query}: {}", reply.text);
        assert_eq!(names(&reply.json()), expected, "{query}");
    }
    let bad = api.get("/api/v1/endpoints?labelSelector=app+in+(db").await;
    assert_eq!(bad.failure().0, 400);
    let bad = api.get(&format!("{NS}?fieldSelector=spec.x%3D1")).await;
    assert_eq!(
        bad.failure(),
        (
            400,
            "BadRequest".into(),
            "field label not supported: spec.x".into()
        )
    );
}

#[tokio::test]
async fn methods_and_paths() {
    let api = Api::start();
    for (method, path) in [
        (Method::POST, SEED),
        (Method::PUT, NS),
        (Method::PATCH, NS),
        (Method::POST, "/api/v1/endpoints"),
        (Method::DELETE, "/api/v1/endpoints"),
    ] {
        let reply = api.send(method.clone(), path, JSON, "{}").await;
        assert_eq!(
            reply.failure(),
            (
                405,
                "MethodNotAllowed".into(),
                "the server does not allow this method on the requested resource".into()
            ),
            "{method} {path}"
        );
    }
    for path in [
        "/api/v1/namespaces/x/pods",
        "/nope",
        "/api/v1/namespaces/x/endpoints/a/b",
    ] {
        let reply = api.get(path).await;
        assert_eq!(
            reply.failure(),
            (
                404,
                "NotFound".into(),
                "the server could not find the requested resource".into()
            ),
            "{path}"
        );
    }
}

/// A watch, its response head read: the server has subscribed to the
/// store's events before it answers, so writes from now on are seen.
async fn open_watch(api: &Api, path: &str) -> reqwest::Response {
    let response = api
        .http
        .get(format!("{}{path}", api.url))
        .send()
        .await
        .expect("a watch");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], JSON);
    assert_eq!(response.headers()["warning"], DEPRECATION);
    response
}

/// A watch's events until `count` came or the stream ended.
async fn read_events(response: reqwest::Response, count: usize) -> Vec<Value> {
    let mut stream = response.bytes_stream();
    let mut buffer = Vec::new();
    let mut events = Vec::new();
    while events.len() < count {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
        let Ok(Some(Ok(chunk))) = chunk else { break };
        buffer.extend_from_slice(&chunk);
        while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            events.push(serde_json::from_slice(&line).expect("one JSON event a line"));
        }
    }
    events
}

/// The events of a watch until `count` came or it ended.
async fn watch_lines(api: &Api, path: &str, count: usize) -> Vec<Value> {
    read_events(open_watch(api, path).await, count).await
}

fn kinds_and_versions(events: &[Value]) -> Vec<(String, u64)> {
    events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_string(),
                version(&e["object"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn watch_sees_each_write_once_in_order() {
    let api = Api::start();
    let existing = api.seed("").await;
    // The watch starts with the existing object, then follows.
    let response = open_watch(&api, &format!("{NS}?watch=true&timeoutSeconds=5")).await;
    let watcher = tokio::spawn(read_events(response, 4));
    let other = api
        .post(
            "/api/v1/namespaces/other/endpoints",
            &endpoints("other", "x", json!({})),
        )
        .await;
    assert_eq!(other.code, 201, "other namespaces are not watched");
    let patched = api
        .patch(SEED, MERGE, r#"{"metadata":{"labels":{"a":"1"}}}"#)
        .await
        .json();
    let noop = api
        .patch(SEED, MERGE, r#"{"metadata":{"labels":{"a":"1"}}}"#)
        .await;
    assert_eq!(noop.code, 200, "a no-op: no event");
    let created = api
        .post(NS, &endpoints("test-namespace", "second", json!({})))
        .await
        .json();
    assert_eq!(api.delete(SEED).await.code, 200);
    let events = watcher.await.expect("the watcher");
    let seen = kinds_and_versions(&events);
    assert_eq!(
        seen,
        [
            ("ADDED".to_string(), version(&existing)),
            ("MODIFIED".to_string(), version(&patched)),
            ("ADDED".to_string(), version(&created)),
            ("DELETED".to_string(), version(&created) + 1),
        ]
    );
    assert_eq!(events[1]["object"], patched);
    assert_eq!(events[3]["object"]["metadata"]["name"], "test-endpoint");

    // From a resourceVersion: the writes after it, in order, replayed.
    let from = version(&existing);
    let replay = watch_lines(
        &api,
        &format!("{NS}?watch=1&resourceVersion={from}&timeoutSeconds=1&allowWatchBookmarks=true"),
        10,
    )
    .await;
    assert_eq!(
        kinds_and_versions(&replay),
        [
            ("MODIFIED".to_string(), version(&patched)),
            ("ADDED".to_string(), version(&created)),
            ("DELETED".to_string(), version(&created) + 1),
        ]
    );
    // Across namespaces, with a selector.
    let selected = watch_lines(
        &api,
        "/api/v1/endpoints?watch=true&timeoutSeconds=1&fieldSelector=metadata.namespace%3Dother",
        10,
    )
    .await;
    assert_eq!(kinds_and_versions(&selected), [("ADDED".to_string(), 2)]);
}

#[tokio::test]
async fn watch_list_sends_initial_events_then_a_bookmark() {
    let api = Api::start();
    let created = api.seed("").await;
    let response = open_watch(
        &api,
        &format!("{NS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=5"),
    )
    .await;
    let watcher = tokio::spawn(read_events(response, 3));
    let patched = api
        .patch(SEED, MERGE, r#"{"metadata":{"labels":{"a":"1"}}}"#)
        .await
        .json();
    let events = watcher.await.expect("the watcher");
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"], created);
    assert_eq!(
        events[1],
        json!({"type": "BOOKMARK", "object": {"kind": "Endpoints", "apiVersion": "v1",
            "metadata": {"resourceVersion": "1", "annotations": {"k8s.io/initial-events-end": "true"}}}})
    );
    assert_eq!(events[2]["type"], "MODIFIED");
    assert_eq!(events[2]["object"], patched);
}

#[tokio::test]
async fn watch_selection_and_expiry() {
    let api = Api::start();
    let created = api
        .post(NS, &endpoints("test-namespace", "w", json!({"app": "a"})))
        .await
        .json();
    let path = format!("{NS}/w");
    // Leaving the selection is a DELETED, entering it an ADDED.
    let relabel = |app: &'static str| format!(r#"{{"metadata":{{"labels":{{"app":"{app}"}}}}}}"#);
    let out = api.patch(&path, MERGE, &relabel("b")).await.json();
    let back = api.patch(&path, MERGE, &relabel("a")).await.json();
    let events = watch_lines(
        &api,
        &format!(
            "{NS}?watch=true&labelSelector=app%3Da&resourceVersion={}&timeoutSeconds=1",
            version(&created)
        ),
        10,
    )
    .await;
    assert_eq!(
        kinds_and_versions(&events),
        [
            ("DELETED".to_string(), version(&out)),
            ("ADDED".to_string(), version(&back)),
        ]
    );

    // More writes than the history keeps: a watch from the first one is
    // too old (upstream's watch cache: an ERROR event, 410 Expired).
    for i in 0..100 {
        let reply = api
            .patch(
                &path,
                MERGE,
                &format!(r#"{{"metadata":{{"labels":{{"i":"{i}"}}}}}}"#),
            )
            .await;
        assert_eq!(reply.code, 200);
    }
    let expired = watch_lines(&api, &format!("{NS}?watch=true&resourceVersion=1"), 5).await;
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(expired[0]["type"], "ERROR");
    assert_eq!(
        expired[0]["object"],
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "too old resource version: 1 (3)", "reason": "Expired", "code": 410})
    );
}

/// Defaulting and validation run on every write; a patch is defaulted
/// before it is tracked, as upstream defaults while decoding.
#[tokio::test]
async fn every_write_is_defaulted_and_validated() {
    let api = Api::start();
    // SetDefaults_Endpoints: a port without protocol is TCP.
    let mut body = endpoints("test-namespace", "defaulted", json!({}));
    body["subsets"][0]["ports"][0]
        .as_object_mut()
        .expect("a port")
        .remove("protocol");
    let reply = api.post(NS, &body).await;
    assert_eq!(reply.code, 201, "{}", reply.text);
    assert_eq!(reply.json()["subsets"][0]["ports"][0]["protocol"], "TCP");

    // validatePort: upstream's IsValidPortNum text, through NewInvalid.
    let invalid = r#"Endpoints "bad" is invalid: subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"#;
    let mut bad = endpoints("test-namespace", "bad", json!({}));
    bad["subsets"][0]["ports"][0]["port"] = json!(0);
    let reply = api.post(NS, &bad).await;
    assert_eq!(reply.failure(), (422, "Invalid".into(), invalid.into()));
    assert_eq!(
        reply.json()["details"]["causes"],
        json!([{"reason": "FieldValueInvalid", "message": "Invalid value: 0: must be between 1 and 65535, inclusive", "field": "subsets[0].ports[0].port"}])
    );
    assert_eq!(api.get(&format!("{NS}/bad")).await.code, 404);
    let reply = api.put(&format!("{NS}/bad"), &bad).await;
    assert_eq!(reply.failure(), (422, "Invalid".into(), invalid.into()));
    let apply = "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: bad\nsubsets:\n- addresses:\n  - ip: 10.0.0.1\n  ports:\n  - port: 0\n    protocol: TCP\n";
    let reply = api
        .patch(&format!("{NS}/bad?fieldManager=a"), APPLY, apply)
        .await;
    assert_eq!(reply.failure().0, 422);
    assert_eq!(api.get(&format!("{NS}/bad")).await.code, 404);

    // A patch that breaks the stored object: refused, nothing stored.
    let stored = api.get(&format!("{NS}/defaulted")).await.json();
    let reply = api
        .patch(
            &format!("{NS}/defaulted"),
            JSON_PATCH,
            r#"[{"op":"replace","path":"/subsets/0/addresses/0/ip","value":"not-an-ip"}]"#,
        )
        .await;
    assert_eq!(reply.failure().0, 422);
    assert_eq!(api.get(&format!("{NS}/defaulted")).await.json(), stored);

    // A patch that only removes a defaulted value changes nothing: the
    // default comes back before the no-op test, as upstream decodes it.
    let reply = api
        .patch(
            &format!("{NS}/defaulted?fieldManager=remover"),
            JSON_PATCH,
            r#"[{"op":"remove","path":"/subsets/0/ports/0/protocol"}]"#,
        )
        .await;
    assert_eq!(reply.code, 200, "{}", reply.text);
    assert_eq!(reply.json(), stored);
    assert_eq!(api.get(&format!("{NS}/defaulted")).await.json(), stored);
}

/// What `kubectl get` asks for.
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

#[tokio::test]
async fn tables_for_kubectl_get() {
    let api = Api::start();
    let created = api.seed("").await;
    let get = |path: String| {
        api.http
            .get(format!("{}{path}", api.url))
            .header("Accept", TABLE)
            .send()
    };
    let one: Value = get(SEED.to_string())
        .await
        .expect("a table")
        .json()
        .await
        .expect("JSON");
    assert_eq!(one["kind"], "Table");
    assert_eq!(one["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(one["metadata"], json!({"resourceVersion": "1"}));
    let columns: Vec<&str> = one["columnDefinitions"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    // pkg/printers/internalversion's endpointColumnDefinitions.
    assert_eq!(columns, ["Name", "Endpoints", "Age"]);
    let cells = &one["rows"][0]["cells"];
    assert_eq!(cells[0], "test-endpoint");
    assert_eq!(cells[1], "192.168.0.10:8080");
    assert!(
        cells[2].as_str().is_some_and(|age| age.ends_with('s')),
        "{cells}"
    );
    // includeObject=Metadata, the default: the row's PartialObjectMetadata.
    assert_eq!(
        one["rows"][0]["object"],
        json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": created["metadata"]})
    );

    let list: Value = get(format!("{NS}?includeObject=None"))
        .await
        .expect("a table")
        .json()
        .await
        .expect("JSON");
    assert_eq!(list["kind"], "Table");
    assert_eq!(list["rows"].as_array().map(Vec::len), Some(1));
    assert!(list["rows"][0].get("object").is_none());

    // A watch of Tables: one row each, the column definitions only first.
    let response = get(format!("{NS}?watch=true&timeoutSeconds=5"))
        .await
        .expect("a watch");
    let watcher = tokio::spawn(read_events(response, 2));
    api.patch(SEED, MERGE, r#"{"metadata":{"labels":{"a":"1"}}}"#)
        .await;
    let events = watcher.await.expect("the watcher");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["object"]["kind"], "Table");
    assert_eq!(
        events[0]["object"]["columnDefinitions"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(events[1]["type"], "MODIFIED");
    assert_eq!(events[1]["object"]["columnDefinitions"], Value::Null);
    assert_eq!(
        events[1]["object"]["metadata"],
        json!({"resourceVersion": "2"})
    );
    assert_eq!(events[1]["object"]["rows"][0]["cells"][0], "test-endpoint");
}
