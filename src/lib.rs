//! # kubepatch
//!
//! What a Kubernetes API server does with a `PATCH` request: given the live
//! object, the request's `Content-Type`, its body and its query parameters
//! (`fieldManager`, `force`, `dryRun`, `fieldValidation`), return the new
//! object or a Kubernetes-shaped error.
//!
//! | Content-Type | strategy | module |
//! |---|---|---|
//! | `application/json-patch+json` | JSON Patch, RFC 6902 | [`json_patch`] |
//! | `application/merge-patch+json` | JSON Merge Patch, RFC 7386 | [`merge_patch`] |
//! | `application/strategic-merge-patch+json` | strategic merge patch | [`strategic`] |
//! | `application/apply-patch+yaml` | server-side apply | [`managed`] |
//!
//! Anything else is `415 Unsupported Media Type`.
//!
//! ## How a request travels
//!
//! [`PatchRequest::run`] is the one entry point (or [`PatchRequest::run_on`],
//! which takes the live object by value); it does no I/O.
//! 1. [`content_type`]: the media type names the strategy ([`PatchType`]), or 415.
//! 2. [`params`]: the query parameters are checked ([`PatchParams`]), 400/422.
//! 3. The body is decoded (JSON, or YAML as kube-apiserver reads it) and
//!    checked under `fieldValidation`; the [`clock`] is read once.
//! 4. What the body can change is read off it (the crate-private `reach`):
//!    the live object's depth is checked there, and ownership tracking
//!    copies only that part of it.
//! 5. The strategy, in place of the live object: [`json_patch`],
//!    [`merge_patch`], [`strategic`] (which walks the value with its
//!    [`schema`]), or apply in [`managed`].
//! 6. The result is decoded into its kind's type, within the reach
//!    ([`unknown_fields`]): the members its schema does not declare are
//!    dropped and reported under `fieldValidation` (warnings, or a 422 under
//!    `Strict`), unless [`PatchRequest::preserve_unknown_fields`] keeps
//!    them. A server decodes a create's or a replace's body the same way
//!    ([`unknown_fields::undeclared`]).
//! 7. [`managed`] records who owns which fields in `metadata.managedFields`
//!    ([`fieldpath`] sets), comparing within the reach and looking into
//!    each stored entry only along the changed paths; an apply copies only
//!    what its merge changes and finds its conflicts (409) here.
//! 8. [`object`]: name, namespace, uid and system fields as upstream keeps
//!    them; the [`Outcome`] (200/201, warnings), or an [`Error`] that renders
//!    as a `metav1.Status`.
//!
//! [`field`] words a server's own validation failures (a 422 with
//! `details.causes`) as kube-apiserver's `field.ErrorList` does.
//!
//! With the cargo feature `http`, `kubepatch::http` reads a
//! [`PatchRequest`] off an `http::request::Parts` and its body (query
//! string, `Content-Type`, `User-Agent`) and turns the [`Outcome`] or the
//! [`Error`] into an `http::Response`, as kube-apiserver writes it.
//!
//! Numbers are read and written as kube-apiserver's Go code holds them (an
//! integer that fits an int64, else a float64): [`numbers`] writes a result
//! as `kubectl -o json` prints it.
//!
//! Strategic merge and apply walk a value with its schema through one
//! crate-private cursor and identify list elements by one rule; what each
//! reads differently from the other is a short, named list beside its code.
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

#![deny(missing_docs)]

pub mod clock;
pub mod content_type;
mod decode;
pub mod error;
pub mod field;
pub mod fieldpath;
mod go;
#[cfg(feature = "http")]
pub mod http;
pub mod json_patch;
pub mod managed;
pub mod merge_patch;
pub mod mode;
pub mod numbers;
pub mod object;
pub mod params;
mod reach;
pub mod request;
pub mod schema;
pub mod strategic;
pub mod unknown_fields;
mod validation;

// Strategic merge and apply identify list elements alike (a test).
#[cfg(test)]
mod identity_agreement;
// Tracking within a write's reach agrees with tracking of the whole (a test).
#[cfg(test)]
mod reach_agreement;

pub use clock::{Clock, FixedClock, SystemClock};
pub use content_type::PatchType;
pub use decode::{ALIAS_EXPANSION, EXCESSIVE_ALIASING, MAX_BODY_BYTES, MAX_DEPTH, depth};
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
