//! # kubepatch
//!
//! What a Kubernetes API server does with a `PATCH` request: given the live
//! object, the request's `Content-Type`, its body and its query parameters,
//! return the new object or a Kubernetes-shaped error.
//!
//! | Content-Type | strategy | module |
//! |---|---|---|
//! | `application/json-patch+json` | JSON Patch, RFC 6902 | [`json_patch`] |
//! | `application/merge-patch+json` | JSON Merge Patch, RFC 7386 | [`merge_patch`] |
//! | `application/strategic-merge-patch+json` | strategic merge patch | (next) |
//! | `application/apply-patch+yaml` | server-side apply | (next) |
//!
//! A request travels: [`content_type`] → [`params`] (checks) → [`decode`]
//! (body) → the strategy → [`object`] (identity and system fields) →
//! [`Outcome`], or an [`Error`] that renders as a `metav1.Status`.
//!
//! ```
//! use kubepatch::{PatchParams, PatchRequest};
//! use serde_json::json;
//!
//! let live = json!({
//!     "apiVersion": "v1", "kind": "Endpoints",
//!     "metadata": {"name": "mysvc", "namespace": "default", "labels": {"app": "a"}}
//! });
//! let out = PatchRequest::new("application/merge-patch+json", br#"{"metadata":{"labels":{"app":null,"tier":"db"}}}"#)
//!     .live(&live)
//!     .params(PatchParams::default().field_manager("me"))
//!     .run()
//!     .unwrap();
//! assert_eq!(out.object["metadata"]["labels"], json!({"tier": "db"}));
//!
//! let err = PatchRequest::new("text/plain", b"{}").live(&live).run().unwrap_err();
//! assert_eq!(err.to_status().code, 415);
//! ```

#![warn(missing_docs)]

pub mod clock;
pub mod content_type;
pub mod decode;
pub mod error;
pub mod field;
pub mod fieldpath;
mod go;
pub mod json_patch;
pub mod managed;
pub mod merge_patch;
pub mod mode;
pub mod object;
pub mod params;
pub mod request;
pub mod schema;
pub mod strategic;
pub mod validation;

pub use clock::{Clock, FixedClock, SystemClock};
pub use content_type::PatchType;
pub use error::{Error, Status, StatusCause, StatusDetails};
pub use mode::Mode;
pub use params::{FieldValidation, PatchParams};
pub use request::{Outcome, PatchRequest};

/// Carry out one PATCH request: the same as [`PatchRequest::run`].
///
/// ```
/// let err = kubepatch::patch(&kubepatch::PatchRequest::new("application/json-patch+json", b"[]")).unwrap_err();
/// assert_eq!(err.code(), 404);
/// ```
pub fn patch(request: &PatchRequest<'_>) -> Result<Outcome, Error> {
    request.run()
}

/// Read a document (a live object, a configuration) from JSON or YAML bytes,
/// as the `kubepatch` CLI reads its `-f` file: YAML 1.1 scalars as
/// kube-apiserver's go-yaml v2 reads them (`on` is `true`, `0644` is 420),
/// the last of duplicate keys kept, and empty input read as `null`.
/// Unreadable input is a 400 [`Error::BadRequest`] with the parser's message.
///
/// ```
/// use serde_json::json;
///
/// let pod = kubepatch::read_document(b"kind: Pod\nmetadata:\n  name: web\nspec:\n  hostNetwork: on\n").unwrap();
/// assert_eq!(pod, json!({"kind": "Pod", "metadata": {"name": "web"}, "spec": {"hostNetwork": true}}));
/// assert_eq!(kubepatch::read_document(br#"{"kind": "Pod"}"#).unwrap(), json!({"kind": "Pod"}));
///
/// let err = kubepatch::read_document(b"a: [1, 2\n").unwrap_err();
/// assert_eq!(err.code(), 400);
/// assert_eq!(err.to_string(), "unclosed bracket '[' at line 1, column 4");
/// ```
pub fn read_document(bytes: &[u8]) -> Result<serde_json::Value, Error> {
    decode::yaml(bytes)
        .map(|doc| doc.value)
        .map_err(Error::bad_request)
}
