//! The HTTP layer around [`PatchRequest`] (cargo feature `http`), on the
//! [`http`] crate's types that axum, hyper, actix and tower share.
//!
//! - [`patch_request`]: the `Content-Type`, `User-Agent` and query string of a
//!   request's head ([`PatchParams::from_query`]) into a [`PatchRequest`].
//! - [`wants_pretty`]: whether kube-apiserver would indent the response.
//! - [`response`], [`outcome_response`], [`error_response`]: an [`Outcome`]
//!   (200/201, one `Warning: 299 - "…"` header per warning) or an [`Error`]
//!   (its `metav1.Status`, with its code) into an `http::Response`, its body
//!   `application/json` as kube-apiserver's Go encoder writes it.
//!
//! [`Outcome::changed`] tells whether the result differs from the stored
//! object: when it does not, a server skips the write and keeps the
//! `resourceVersion`, as kube-apiserver does.
//!
//! A complete axum handler (axum 0.8), over a store of its own (a map
//! under a lock; `examples/endpoints_server` is the whole server):
//!
//! ```no_run
//! use std::{collections::HashMap, sync::{Arc, Mutex}};
//! use axum::{body::{Body, Bytes}, extract::{Path, State}, http::{request::Parts, Response}};
//! use kubepatch::{http as kp, object::Target};
//!
//! type Store = Arc<Mutex<HashMap<(String, String), serde_json::Value>>>;
//!
//! async fn patch_endpoints(
//!     State(store): State<Store>,
//!     Path((namespace, name)): Path<(String, String)>,
//!     parts: Parts,
//!     body: Bytes,
//! ) -> Response<Body> {
//!     // Read, patch and write under one lock: concurrent patches lose nothing.
//!     let mut objects = store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
//!     let key = (namespace.clone(), name.clone());
//!     let request = kp::patch_request(&parts, &body)
//!         .target(Target::new("endpoints", &name, Some(&namespace)));
//!     let result = match objects.get(&key) {
//!         Some(live) => request.live(live).run(),
//!         None => request.run(), // apply creates (201); other types: 404
//!     };
//!     if let Ok(outcome) = &result {
//!         if outcome.changed && !outcome.dry_run {
//!             objects.insert(key, outcome.object.clone());
//!         }
//!     }
//!     kp::response(&result, kp::wants_pretty(&parts)).map(Body::from)
//! }
//!
//! #[tokio::main]
//! async fn main() {
//!     let app = axum::Router::new()
//!         .route("/api/v1/namespaces/{namespace}/endpoints/{name}", axum::routing::patch(patch_endpoints))
//!         .with_state(Store::default());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//!     axum::serve(listener, app).await.unwrap();
//! }
//! ```
//!
//! The same steps with the `http` crate alone:
//!
//! ```
//! use kubepatch::http::{patch_request, response, wants_pretty};
//! use serde_json::json;
//!
//! let (parts, body) = http::Request::patch("/api/v1/namespaces/default/endpoints/web?fieldManager=me")
//!     .header("Content-Type", "application/merge-patch+json; charset=utf-8")
//!     .body(br#"{"metadata":{"labels":{"app":"web"}}}"#.to_vec())
//!     .unwrap()
//!     .into_parts();
//! let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"}});
//! let result = patch_request(&parts, &body).live(&live).run();
//! assert!(result.as_ref().unwrap().changed);
//! let reply = response(&result, wants_pretty(&parts));
//! assert_eq!(reply.status(), 200);
//! assert_eq!(reply.headers()["content-type"], "application/json");
//! let object: serde_json::Value = serde_json::from_slice(reply.body()).unwrap();
//! assert_eq!(object["metadata"]["labels"]["app"], "web");
//! ```

use ::http::header::{CONTENT_TYPE, HeaderValue, USER_AGENT, WARNING};
use ::http::request::Parts;
use ::http::{Response, StatusCode};
use serde_json::Value;

use crate::error::Error;
use crate::go;
use crate::params::{PatchParams, query_pairs};
use crate::request::{Outcome, PatchRequest};

/// The [`PatchRequest`] a request's head and body make: its `Content-Type`
/// (parameters such as `; charset=utf-8` accepted), its `User-Agent` (the
/// field manager of a non-apply patch that names none) and the parameters of
/// its query string ([`PatchParams::from_query`]). A header that is not
/// text is read as absent (an absent `Content-Type` is a 415).
///
/// Add the live object, the [`Target`](crate::object::Target) the URL names
/// and the schema, then [`run`](PatchRequest::run) it.
///
/// ```
/// use kubepatch::http::patch_request;
///
/// let (parts, body) = http::Request::patch("/x?fieldManager=ctrl&force=true")
///     .header("Content-Type", "application/apply-patch+yaml")
///     .body(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n".to_vec())
///     .unwrap()
///     .into_parts();
/// let outcome = patch_request(&parts, &body).run().unwrap();
/// assert_eq!(outcome.code, 201);
/// assert_eq!(outcome.object["metadata"]["managedFields"][0]["manager"], "ctrl");
/// ```
pub fn patch_request<'a>(parts: &'a Parts, body: &'a [u8]) -> PatchRequest<'a> {
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let mut request = PatchRequest::new(header(CONTENT_TYPE).unwrap_or(""), body)
        .params(PatchParams::from_query(parts.uri.query().unwrap_or("")));
    if let Some(agent) = header(USER_AGENT) {
        request = request.user_agent(agent);
    }
    request
}

/// Whether kube-apiserver indents its response to this request (its
/// `isPrettyPrint`): the first `pretty` parameter when it is not empty, read
/// as Go's `strconv.ParseBool` (`1`, `t`, `T`, `TRUE`, `true`, `True`; any
/// other value is false); else whether the `User-Agent` starts with `curl`,
/// `Wget` or `Mozilla/5.0`.
///
/// ```
/// use kubepatch::http::wants_pretty;
///
/// let head = |uri: &str, agent: &str| http::Request::patch(uri).header("User-Agent", agent).body(()).unwrap().into_parts().0;
/// assert!(wants_pretty(&head("/x?pretty=1", "kubectl/v1.32")));
/// assert!(wants_pretty(&head("/x", "curl/8.5.0")));
/// assert!(!wants_pretty(&head("/x?pretty=false", "curl/8.5.0")));
/// assert!(!wants_pretty(&head("/x?pretty=yes", "kubectl/v1.32")));
/// ```
pub fn wants_pretty(parts: &Parts) -> bool {
    let query = parts.uri.query().unwrap_or("");
    let pretty = query_pairs(query).find_map(|(k, v)| (k == "pretty").then_some(v));
    // url.Values.Get is the first value; an empty one falls through to the
    // user agent, as upstream's `len(pp) > 0` test does.
    if let Some(value) = pretty.filter(|v| !v.is_empty()) {
        return matches!(value.as_str(), "1" | "t" | "T" | "TRUE" | "true" | "True");
    }
    let agent = parts
        .headers
        .get(USER_AGENT)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    [&b"curl"[..], b"Wget", b"Mozilla/5.0"]
        .iter()
        .any(|prefix| agent.starts_with(prefix))
}

/// The response kube-apiserver sends for `result`: [`outcome_response`] or
/// [`error_response`].
///
/// ```
/// let result = kubepatch::PatchRequest::new("text/plain", b"{}").run();
/// let reply = kubepatch::http::response(&result, false);
/// assert_eq!(reply.status(), 415);
/// ```
pub fn response(result: &Result<Outcome, Error>, pretty: bool) -> Response<Vec<u8>> {
    match result {
        Ok(outcome) => outcome_response(outcome, pretty),
        Err(error) => error_response(error, pretty),
    }
}

/// A successful PATCH's response: its code (200, or 201 for a create),
/// `Content-Type: application/json`, one `Warning` header per warning
/// ([`warning_headers`]) and the object as apimachinery's JSON serializer
/// writes it (`doEncode`): compact with a final newline (`encoding/json`'s
/// `Encoder`), or, when `pretty`, indented by two spaces without one
/// (json-iterator's `MarshalIndent`, HTML-escaping and sorting keys as the
/// standard library does); `<`, `>` and `&` escaped either way.
///
/// ```
/// use kubepatch::PatchRequest;
/// let live = serde_json::json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "a"}});
/// let outcome = PatchRequest::new("application/merge-patch+json", br#"{"bogus":1}"#)
///     .live(&live)
///     .run()
///     .unwrap();
/// let reply = kubepatch::http::outcome_response(&outcome, false);
/// assert_eq!(reply.headers()["warning"], r#"299 - "unknown field \"bogus\"""#);
/// assert_eq!(reply.body(), br#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"a"}}
/// "#);
/// ```
pub fn outcome_response(outcome: &Outcome, pretty: bool) -> Response<Vec<u8>> {
    let mut reply = json_response(outcome.code, &outcome.object, pretty);
    for header in warning_headers(&outcome.warnings) {
        reply.headers_mut().append(WARNING, header);
    }
    reply
}

/// A failed PATCH's response: the error's code, `Content-Type:
/// application/json` and its `metav1.Status` ([`Error::to_status`]), written
/// as [`outcome_response`] writes an object. A client reads the body back
/// as a [`Status`](crate::Status).
///
/// ```
/// use kubepatch::{Error, Status};
/// let error = Error::NotFound { resource: "endpoints".into(), name: "web".into() };
/// let reply = kubepatch::http::error_response(&error, false);
/// assert_eq!(reply.status(), 404);
/// let status: Status = serde_json::from_slice(reply.body()).unwrap();
/// assert_eq!(status, error.to_status());
/// ```
pub fn error_response(error: &Error, pretty: bool) -> Response<Vec<u8>> {
    json_response(error.code(), &error.to_status().to_value(), pretty)
}

fn json_response(code: u16, body: &Value, pretty: bool) -> Response<Vec<u8>> {
    let text = if pretty {
        go::go_json_pretty(body)
    } else {
        let mut text = go::go_json(body);
        text.push('\n');
        text
    };
    let mut reply = Response::new(text.into_bytes());
    // Every code kubepatch returns (200, 201, 400-500) is a valid status.
    *reply.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    reply
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    reply
}

/// Total length, in characters, of the warnings sent before they are cut.
const TRUNCATE_AT_TOTAL: usize = 4 * 1024;
/// Length, in characters, each warning is cut to once the total is exceeded.
const TRUNCATE_ITEM: usize = 256;

/// The `Warning` header values kube-apiserver's warning recorder writes for
/// these warnings, in order: `299 - "<text>"` with `"` and `\` escaped
/// (apimachinery's `NewWarningHeader`). As the recorder does, it skips empty
/// texts, repeats and texts with control characters (which it cannot
/// format), and once the texts exceed 4096 characters in all it cuts each
/// to 256 and stops adding when that total is reached again.
///
/// ```
/// use kubepatch::http::warning_headers;
/// let warnings = [r#"unknown field "spec.x""#.to_string(), r"a\b".to_string(), r"a\b".to_string()];
/// let headers = warning_headers(&warnings);
/// assert_eq!(headers.len(), 2);
/// assert_eq!(headers[0], r#"299 - "unknown field \"spec.x\"""#);
/// assert_eq!(headers[1], r#"299 - "a\\b""#);
/// ```
pub fn warning_headers(warnings: &[String]) -> Vec<HeaderValue> {
    // The recorder's state, as upstream's `recorder.AddWarning` keeps it.
    let mut recorded: Vec<&str> = Vec::new();
    let mut headers: Vec<HeaderValue> = Vec::new();
    let mut written = 0;
    let mut truncating = false;
    for text in warnings.iter().map(String::as_str) {
        if text.is_empty() {
            continue;
        }
        if truncating && written >= TRUNCATE_AT_TOTAL {
            break;
        }
        if recorded.contains(&text) {
            continue;
        }
        recorded.push(text);
        let (cut, length) = if truncating {
            truncated(text)
        } else {
            (text, text.chars().count())
        };
        let Some(header) = warning_header(cut) else {
            continue;
        };
        if written + length <= TRUNCATE_AT_TOTAL || truncating {
            written += length;
            headers.push(header);
            continue;
        }
        // Over the limit: start again with every warning so far cut short.
        truncating = true;
        written = 0;
        headers.clear();
        for text in &recorded {
            let (cut, length) = truncated(text);
            if let Some(header) = warning_header(cut) {
                written += length;
                headers.push(header);
            }
        }
    }
    headers
}

/// `text` cut to [`TRUNCATE_ITEM`] characters, and its length in characters.
fn truncated(text: &str) -> (&str, usize) {
    match text.char_indices().nth(TRUNCATE_ITEM) {
        Some((at, _)) => (&text[..at], TRUNCATE_ITEM),
        None => (text, text.chars().count()),
    }
}

/// One `Warning` header value, `299 - "<text>"`, or `None` when `text` holds
/// a control character (upstream's `NewWarningHeader` refuses it).
fn warning_header(text: &str) -> Option<HeaderValue> {
    if text.chars().any(char::is_control) {
        return None;
    }
    let mut value = String::with_capacity(text.len() + 8);
    value.push_str("299 - \"");
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            value.push('\\');
        }
        value.push(c);
    }
    value.push('"');
    // Without control characters every byte is one a header value may hold
    // (visible ASCII, space, or a byte of a multi-byte UTF-8 character).
    HeaderValue::from_bytes(value.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;
    use serde_json::json;

    fn head(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = ::http::Request::patch(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn endpoints() -> Value {
        json!({"apiVersion": "v1", "kind": "Endpoints",
               "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}}})
    }

    #[test]
    fn head_into_request() {
        let live = endpoints();
        let parts = head(
            "/api/v1/namespaces/default/endpoints/web?dryRun=All&pretty=true",
            &[
                (
                    "content-type",
                    "Application/Merge-Patch+JSON ; charset=utf-8",
                ),
                ("user-agent", "my-ctrl/1.2 (linux)"),
            ],
        );
        let body = br#"{"metadata":{"labels":{"tier":"db"}}}"#;
        let outcome = patch_request(&parts, body).live(&live).run().unwrap();
        assert!(outcome.dry_run);
        assert!(outcome.changed);
        // The User-Agent up to its `/` is the manager of an update that
        // names none (upstream's `prefixFromUserAgent`).
        assert_eq!(outcome.object["metadata"]["labels"]["tier"], "db");

        // Without a Content-Type: a 415, as upstream answers an empty one.
        let parts = head("/x", &[]);
        let err = patch_request(&parts, b"{}").live(&live).run().unwrap_err();
        assert_eq!(err.code(), 415);

        // force on a non-apply patch, read from the query: refused (422).
        let parts = head(
            "/x?force=false",
            &[("content-type", "application/merge-patch+json")],
        );
        let err = patch_request(&parts, b"{}").live(&live).run().unwrap_err();
        assert_eq!(err.code(), 422);
        assert!(
            err.to_string()
                .ends_with("force: Forbidden: may not be specified for non-apply patch")
        );
    }

    #[test]
    fn user_agent_names_the_manager() {
        let mut live = endpoints();
        live["metadata"]["managedFields"] = json!([{"manager": "x", "operation": "Update",
            "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {}}}}]);
        let parts = head(
            "/x",
            &[
                ("content-type", "application/merge-patch+json"),
                ("user-agent", "my-ctrl/1.2 (linux)"),
            ],
        );
        let outcome = patch_request(&parts, br#"{"metadata":{"labels":{"b":"1"}}}"#)
            .live(&live)
            .run()
            .unwrap();
        let managers: Vec<_> = outcome.object["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["manager"].clone())
            .collect();
        assert!(managers.contains(&json!("my-ctrl")), "{managers:?}");
    }

    #[test]
    fn pretty_as_is_pretty_print() {
        // strconv.ParseBool's true and false spellings; anything else is an
        // error, which upstream reads as false.
        for (uri, agent, expected) in [
            ("/x?pretty=true", "kubectl", true),
            ("/x?pretty=T", "kubectl", true),
            ("/x?pretty=TRUE", "kubectl", true),
            ("/x?pretty=tRUE", "kubectl", false),
            ("/x?pretty=0", "curl/8", false),
            ("/x?pretty=", "curl/8", true),
            ("/x?pretty", "Wget/1.21", true),
            ("/x", "Mozilla/5.0 (X11)", true),
            ("/x", "Mozilla/4.0", false),
            ("/x?pretty=1&pretty=0", "kubectl", true),
            ("/x", "kubectl/v1.32", false),
        ] {
            let parts = head(uri, &[("user-agent", agent)]);
            assert_eq!(wants_pretty(&parts), expected, "{uri} {agent}");
        }
        assert!(!wants_pretty(&head("/x", &[])));
    }

    #[test]
    fn outcome_into_response() {
        let live = endpoints();
        let outcome = PatchRequest::new(
            "application/merge-patch+json",
            br#"{"metadata":{"labels":{"a":"<b>"}},"z":1,"y":2}"#,
        )
        .live(&live)
        .run()
        .unwrap();
        let reply = outcome_response(&outcome, false);
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(reply.headers()[CONTENT_TYPE], "application/json");
        let warnings: Vec<_> = reply.headers().get_all(WARNING).iter().collect();
        assert_eq!(
            warnings,
            [
                r#"299 - "unknown field \"y\"""#,
                r#"299 - "unknown field \"z\"""#
            ]
        );
        // Go's encoder: sorted keys, `<` `>` escaped, a final newline.
        assert_eq!(
            std::str::from_utf8(reply.body()).unwrap(),
            "{\"apiVersion\":\"v1\",\"kind\":\"Endpoints\",\"metadata\":{\"labels\":{\"a\":\"\\u003cb\\u003e\",\"app\":\"web\"},\"name\":\"web\",\"namespace\":\"default\"}}\n"
        );
        // json.MarshalIndent(obj, "", "  "): no final newline.
        let reply = outcome_response(&outcome, true);
        assert_eq!(
            std::str::from_utf8(reply.body()).unwrap(),
            "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Endpoints\",\n  \"metadata\": {\n    \"labels\": {\n      \"a\": \"\\u003cb\\u003e\",\n      \"app\": \"web\"\n    },\n    \"name\": \"web\",\n    \"namespace\": \"default\"\n  }\n}"
        );

        let created = PatchRequest::new(
            "application/apply-patch+yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        )
        .params(PatchParams::apply("me"))
        .run()
        .unwrap();
        assert!(created.changed);
        assert_eq!(
            outcome_response(&created, false).status(),
            StatusCode::CREATED
        );
    }

    #[test]
    fn error_into_response() {
        let err = PatchRequest::new(
            "application/json-patch+json",
            br#"[{"op":"test","path":"/kind","value":"Pod"}]"#,
        )
        .live(&endpoints())
        .run()
        .unwrap_err();
        for pretty in [false, true] {
            let reply = error_response(&err, pretty);
            assert_eq!(reply.status().as_u16(), 422);
            assert_eq!(reply.headers()[CONTENT_TYPE], "application/json");
            assert!(reply.headers().get(WARNING).is_none());
            let status: Status = serde_json::from_slice(reply.body()).unwrap();
            assert_eq!(status, err.to_status());
            assert_eq!(reply.body().ends_with(b"\n"), !pretty);
        }
        let via = response(&Err(err.clone()), false);
        assert_eq!(via.body(), error_response(&err, false).body());
    }

    #[test]
    fn status_round_trips() {
        let details = crate::StatusDetails {
            name: "n".into(),
            group: "meta.k8s.io".into(),
            kind: "PatchOptions".into(),
            causes: vec![crate::StatusCause {
                reason: "FieldValueRequired".into(),
                message: "Required value".into(),
                field: "fieldManager".into(),
            }],
        };
        let err = Error::Invalid {
            message: "m".into(),
            details,
        };
        let status = err.to_status();
        let back: Status = serde_json::from_str(&serde_json::to_string(&status).unwrap()).unwrap();
        assert_eq!(back, status);
        // Members kubepatch never writes are ignored; kind must be Status.
        let read: Status = serde_json::from_str(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{"resourceVersion":"1"},"status":"Success","code":200,"details":{"uid":"u","retryAfterSeconds":3}}"#,
        )
        .unwrap();
        assert_eq!(
            (read.status, read.code, read.message.as_str()),
            ("Success", 200, "")
        );
        assert!(
            serde_json::from_str::<Status>(
                r#"{"kind":"Status","apiVersion":"v2","status":"Failure"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn warnings_as_the_recorder_writes_them() {
        let w = |s: &str| s.to_string();
        // Empty, repeated and control-character texts are skipped.
        let headers = warning_headers(&[w(""), w("a"), w("a"), w("tab\there"), w("é \"q\"")]);
        assert_eq!(headers, ["299 - \"a\"", "299 - \"é \\\"q\\\"\""]);

        // 16 warnings of 300 characters: 13 fit in 4096 (3900); the 14th
        // exceeds it, so all so far are cut to 256 (14 × 256 = 3584), the
        // 15th brings 3840, the 16th 4096: every one is sent, cut.
        let long: Vec<String> = (0..16)
            .map(|i| format!("{i:02}{}", "x".repeat(298)))
            .collect();
        let headers = warning_headers(&long);
        assert_eq!(headers.len(), 16);
        assert!(headers.iter().all(|h| h.len() == "299 - \"\"".len() + 256));
        // A 17th warning comes after the total is reached: dropped.
        let mut more = long.clone();
        more.push(w("late"));
        assert_eq!(warning_headers(&more).len(), 16);
        // Under the limit nothing is cut.
        let headers = warning_headers(&long[..13]);
        assert!(headers.iter().all(|h| h.len() == "299 - \"\"".len() + 300));
    }

    #[test]
    fn no_op_keeps_changed_false() {
        let live = endpoints();
        for (content_type, body) in [
            (
                "application/merge-patch+json",
                &br#"{"metadata":{"labels":{"app":"web"}}}"#[..],
            ),
            (
                "application/json-patch+json",
                br#"[{"op":"test","path":"/kind","value":"Endpoints"}]"#,
            ),
            (
                "application/strategic-merge-patch+json",
                br#"{"metadata":{"labels":{"app":"web"}}}"#,
            ),
        ] {
            let outcome = PatchRequest::new(content_type, body)
                .live(&live)
                .run()
                .unwrap();
            assert!(!outcome.changed, "{content_type}");
            assert_eq!(outcome.object, live);
        }
        // Tracked: an update that changes nothing adds no entry and moves no
        // timestamp; one that changes a label rewrites them.
        let mut tracked = live.clone();
        tracked["metadata"]["managedFields"] = json!([{"manager": "x", "operation": "Update",
            "apiVersion": "v1", "time": "2020-01-01T00:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}}}]);
        let request = |body: &[u8]| {
            PatchRequest::new("application/merge-patch+json", body)
                .params(PatchParams::default().field_manager("other"))
                .live(&tracked)
                .run()
                .unwrap()
        };
        let outcome = request(br#"{"metadata":{"labels":{"app":"web"}}}"#);
        assert!(!outcome.changed);
        assert_eq!(outcome.object, tracked);
        let outcome = request(br#"{"metadata":{"labels":{"app":"db"}}}"#);
        assert!(outcome.changed);
        // The label passes from x to other; x, owning nothing, goes.
        assert_eq!(
            outcome.object["metadata"]["managedFields"][0]["manager"],
            "other"
        );
        // Apply by a new manager: the values stay, managedFields do not.
        let clock = crate::FixedClock(jiff::Timestamp::UNIX_EPOCH);
        let apply = PatchRequest::new(
            "application/apply-patch+yaml",
            b"apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: web\n  namespace: default\n  labels:\n    app: web\n",
        )
        .params(PatchParams::apply("me"))
        .clock(&clock);
        let first = apply.clone().live(&live).run().unwrap();
        assert!(first.changed);
        // The same apply again: nothing moves, timestamps included.
        let again = apply.live(&first.object).run().unwrap();
        assert!(!again.changed);
        assert_eq!(again.object, first.object);
    }
}
