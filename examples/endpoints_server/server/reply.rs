//! Responses as kube-apiserver writes them: `application/json` as Go's
//! encoder writes it (compact with a final newline, or indented by two
//! spaces under `pretty`), the deprecation warning of v1 Endpoints first
//! among the `Warning` headers, errors as `metav1.Status`.

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, HeaderValue, WARNING};
use axum::http::{Response, StatusCode};
use kubepatch::numbers::GoFormatter;
use kubepatch::{Error, Status, StatusDetails};
use serde::Serialize;
use serde_json::Value;

/// The warning kube-apiserver (v1.33+) sends with every response about v1
/// Endpoints.
pub const DEPRECATION: &str =
    "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/// A response.
pub type Reply = Response<Body>;

/// `value` as Go's `encoding/json` writes it: numbers as Go prints them,
/// `<`, `>`, `&`, U+2028 and U+2029 escaped; compact with a final newline
/// (`json.Encoder`), or `json.MarshalIndent(v, "", "  ")`. A `Value`'s keys
/// come sorted, as Go writes a map (and kubepatch::http writes objects); a
/// struct's in their declared order, as Go writes a struct (a [`Status`]:
/// `kind`, `apiVersion`, `metadata`, `status`, …).
pub fn go_json<T: Serialize + ?Sized>(value: &T, pretty: bool) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing a Value or a Status into a Vec cannot fail: keys are strings
    // and numbers finite; a failure would leave a shorter body, never a panic.
    let _ = if pretty {
        let indent = serde_json::ser::PrettyFormatter::with_indent(b"  ");
        value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            GoFormatter(indent),
        ))
    } else {
        let compact = serde_json::ser::CompactFormatter;
        value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            GoFormatter(compact),
        ))
    };
    if !pretty {
        out.push(b'\n');
    }
    escape_html(out)
}

/// Go's HTML-safe escapes. The bytes escaped are ASCII or whole UTF-8
/// sequences, so the output stays UTF-8.
fn escape_html(text: Vec<u8>) -> Vec<u8> {
    const LS: &[u8] = "\u{2028}".as_bytes();
    const PS: &[u8] = "\u{2029}".as_bytes();
    let special = |b: &u8| matches!(b, b'<' | b'>' | b'&' | 0xE2);
    if !text.iter().any(special) {
        return text;
    }
    let mut out = Vec::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let (escape, used): (&[u8], usize) = match rest[0] {
            b'<' => (b"\\u003c", 1),
            b'>' => (b"\\u003e", 1),
            b'&' => (b"\\u0026", 1),
            _ if rest.starts_with(LS) => (b"\\u2028", 3),
            _ if rest.starts_with(PS) => (b"\\u2029", 3),
            _ => (&rest[..1], 1),
        };
        out.extend_from_slice(escape);
        i += used;
    }
    out
}

/// A response with `code` and `body`, its `Warning` headers the deprecation
/// warning then `warnings` (as kubepatch's [`warning_headers`] writes
/// them: repeats and empty texts skipped).
///
/// [`warning_headers`]: kubepatch::http::warning_headers
pub fn json<T: Serialize + ?Sized>(
    code: u16,
    body: &T,
    warnings: &[String],
    pretty: bool,
) -> Reply {
    let mut all = Vec::with_capacity(warnings.len() + 1);
    all.push(DEPRECATION.to_string());
    all.extend(warnings.iter().cloned());
    let mut reply = Response::new(Body::from(go_json(body, pretty)));
    *reply.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = reply.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for header in kubepatch::http::warning_headers(&all) {
        headers.append(WARNING, header);
    }
    reply
}

/// An object, 200 or 201.
pub fn object(code: u16, object: &Value, warnings: &[String], pretty: bool) -> Reply {
    json(code, object, warnings, pretty)
}

/// A failed request: the error's code and `metav1.Status`.
pub fn error(error: &Error, pretty: bool) -> Reply {
    status(&error.to_status(), pretty)
}

/// A `metav1.Status` with its code.
pub fn status(status: &Status, pretty: bool) -> Reply {
    json(status.code, status, &[], pretty)
}

/// A 400 `BadRequest`.
pub fn bad_request(message: impl Into<String>) -> Error {
    Error::BadRequest {
        message: message.into(),
    }
}

/// `409 AlreadyExists`: `endpoints "NAME" already exists`, as upstream's
/// `errors.NewAlreadyExists` writes it.
pub fn already_exists(name: &str) -> Status {
    let mut status = Status::failure(
        409,
        "AlreadyExists",
        format!("endpoints {} already exists", quoted(name)),
    );
    status.details = Some(StatusDetails {
        name: name.to_string(),
        kind: "endpoints".to_string(),
        ..StatusDetails::default()
    });
    status
}

/// A response outside the Endpoints routes: no deprecation warning.
pub fn plain_status(status: &Status) -> Reply {
    let mut reply = Response::new(Body::from(go_json(status, false)));
    *reply.status_mut() =
        StatusCode::from_u16(status.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    reply
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    reply
}

/// `404` for a path no route serves, as kube-apiserver's not-found handler
/// answers it (`details: {}` included).
pub fn path_not_found() -> Reply {
    plain_failure(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
}

/// `405` for a method a route does not serve, as go-restful's answer
/// comes out of kube-apiserver. The deprecation warning is added by the
/// handlers of the Endpoints routes upstream, which a refused method never
/// reaches: none here either.
pub fn method_not_allowed() -> Reply {
    plain_failure(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    )
}

/// A failure with empty `details` and no warning ([`plain_status`]).
fn plain_failure(code: u16, reason: &str, message: &str) -> Reply {
    let mut status = Status::failure(code, reason, message);
    status.details = Some(StatusDetails::default());
    plain_status(&status)
}

/// The `Status` Success of a delete, as upstream's `finalizeDelete` writes
/// it: `details.kind` is the resource (upstream: "Yes we set Kind field to
/// resource"), `details.group` is empty for core and so omitted.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    kind: &'static str,
    api_version: &'static str,
    metadata: kubepatch::error::StatusMetadata,
    status: &'static str,
    details: DeletedDetails,
}

/// What a [`Deleted`] names.
#[derive(Serialize)]
struct DeletedDetails {
    name: String,
    kind: &'static str,
    uid: String,
}

impl Deleted {
    /// The Status of the deleted Endpoints `name` whose uid was `uid`.
    pub fn new(name: &str, uid: &str) -> Self {
        Deleted {
            kind: "Status",
            api_version: "v1",
            metadata: kubepatch::error::StatusMetadata::default(),
            status: "Success",
            details: DeletedDetails {
                name: name.to_string(),
                kind: "endpoints",
                uid: uid.to_string(),
            },
        }
    }
}

/// A string as Go's `%q` writes it (JSON's quoting, for the names a URL
/// segment holds, is the same but for control characters).
pub fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}
