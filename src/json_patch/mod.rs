//! JSON Patch (RFC 6902), as kube-apiserver applies it or to the letter.
//!
//! [`apply`] takes the document by reference and returns the patched copy, so
//! a failing patch cannot touch the caller's object. Errors carry the failing
//! operation's index and op.
//!
//! ```
//! use kubepatch::{json_patch, Mode};
//! use serde_json::json;
//!
//! let doc = json!({"subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]});
//! let patch = br#"[{"op": "add", "path": "/subsets/0/addresses/-1", "value": {"ip": "10.0.0.2"}}]"#;
//! let out = json_patch::apply(&doc, patch, Mode::Kubernetes).unwrap();
//! assert_eq!(out["subsets"][0]["addresses"][1]["ip"], "10.0.0.2");
//!
//! // The same negative index is not RFC 6902.
//! let err = json_patch::apply(&doc, patch, Mode::Rfc).unwrap_err();
//! assert_eq!(err.code(), 422);
//! ```

mod kube;
mod pointer;
mod rfc;

use serde_json::Value;

use crate::decode;
use crate::error::Error;
use crate::mode::Mode;
use crate::reach::Reach;

/// kube-apiserver's cap on operations in one JSON patch (413 above it).
pub const MAX_OPERATIONS: usize = 10_000;

/// kube-apiserver's cap on bytes copied by `copy` operations in one patch
/// (`JSONPatchMaxCopyBytes`, 3 MiB), counted as the serialized size of each
/// copied value.
pub const MAX_COPY_BYTES: usize = 3 * 1024 * 1024;

/// Apply the JSON patch `patch` (the request body) to `doc` and return the result.
///
/// Errors: 400 when the body is not a JSON array of objects, 413 beyond
/// [`MAX_OPERATIONS`], 422 ([`Error::JsonPatchOperation`]) when an operation
/// fails or the copies exceed [`MAX_COPY_BYTES`].
///
/// ```
/// use kubepatch::{json_patch, Mode, Error};
/// let doc = serde_json::json!({"a": 1});
/// let err = json_patch::apply(&doc, br#"[{"op":"test","path":"/a","value":2}]"#, Mode::Kubernetes).unwrap_err();
/// match err {
///     Error::JsonPatchOperation { index, op, .. } => assert_eq!((index, op.as_str()), (0, "test")),
///     other => panic!("{other}"),
/// }
/// ```
pub fn apply(doc: &Value, patch: &[u8], mode: Mode) -> Result<Value, Error> {
    match mode {
        Mode::Kubernetes => {
            let ops = decode::json(patch)
                .map_err(|e| Error::bad_request(e.to_string()))?
                .value;
            apply_value(doc, &ops, mode)
        }
        Mode::Rfc => {
            if let Ok(ops) = serde_json::from_slice::<Value>(patch) {
                check_depth_bound(decode::depth(doc), &ops)?;
            }
            rfc::apply(doc, patch)
        }
    }
}

/// As [`apply`], for a patch already parsed.
///
/// ```
/// use kubepatch::{json_patch, Mode};
/// use serde_json::json;
/// let out = json_patch::apply_value(&json!({}), &json!([{"op":"add","path":"/x","value":1}]), Mode::Rfc).unwrap();
/// assert_eq!(out, json!({"x": 1}));
/// ```
pub fn apply_value(doc: &Value, patch: &Value, mode: Mode) -> Result<Value, Error> {
    apply_in_place(doc.clone(), decode::depth(doc), patch, mode)
}

/// [`apply_value`] in place of `doc` (no copy of it in Kubernetes mode),
/// for a caller that knows the document's depth (the request).
pub(crate) fn apply_in_place(
    doc: Value,
    doc_depth: usize,
    patch: &Value,
    mode: Mode,
) -> Result<Value, Error> {
    check_depth_bound(doc_depth, patch)?;
    match mode {
        Mode::Kubernetes => kube::apply(doc, patch),
        Mode::Rfc => {
            let bytes = serde_json::to_vec(patch).map_err(|e| Error::bad_request(e.to_string()))?;
            rfc::apply(&doc, &bytes)
        }
    }
}

/// What a JSON patch can change: the member path of each operation's
/// `path` (and a `move`'s or `copy`'s `from`: a copy reads it), reached whole
/// from there; a `test` changes nothing. A path that is not a pointer into
/// the document (the root, or anything malformed) reaches the whole document. Indices are member names
/// here: a reach that meets a list takes it whole.
pub(crate) fn reach(ops: &Value) -> Reach {
    let Value::Array(ops) = ops else {
        return Reach::All;
    };
    let mut reach = Reach::nothing();
    let mut add = |pointer: Option<&Value>| match pointer.and_then(Value::as_str) {
        Some(p) if p.starts_with('/') => {
            let tokens: Vec<String> = p[1..].split('/').map(pointer::unescape).collect();
            reach.add_path(&tokens);
        }
        _ => reach = Reach::All,
    };
    for op in ops.iter().filter_map(Value::as_object) {
        match op.get("op").and_then(Value::as_str) {
            Some("test") => {}
            // `copy` changes only `path`, but reads `from`: its depth
            // counts for the bound on the result's.
            Some("move" | "copy") => {
                add(op.get("from"));
                add(op.get("path"));
            }
            _ => add(op.get("path")),
        }
    }
    reach
}

/// Refuse, before any operation runs, a patch that could nest the document
/// deeper than [`decode::MAX_DEPTH`] (422, our own limit: upstream has none).
///
/// The bound, linear in the patch: an `add` or `replace` leaves the depth at
/// most the larger of the document's and the path's level plus the value's
/// depth; a `copy` or `move` places a value found at the level of `from`
/// (so no deeper than the document below it) at the level of `path`, and
/// can deepen the document by at most the difference.
fn check_depth_bound(doc_depth: usize, patch: &Value) -> Result<(), Error> {
    let Value::Array(ops) = patch else {
        return Ok(());
    };
    let level = |op: &serde_json::Map<String, Value>, name: &str| {
        op.get(name)
            .and_then(Value::as_str)
            .map_or(0, |p| p.matches('/').count())
    };
    let mut base = doc_depth;
    let mut growth = 0usize;
    for op in ops.iter().filter_map(Value::as_object) {
        match op.get("op").and_then(Value::as_str) {
            Some("add" | "replace") => {
                let value = op.get("value").map_or(0, decode::depth);
                base = base.max(level(op, "path").saturating_add(value));
            }
            Some("copy" | "move") => {
                growth = growth.saturating_add(level(op, "path").saturating_sub(level(op, "from")));
            }
            _ => {}
        }
    }
    let bound = base.saturating_add(growth);
    if bound > decode::MAX_DEPTH {
        return Err(Error::Invalid {
            message: format!(
                "the JSON patch could nest the object {bound} levels deep, beyond the limit of {}",
                decode::MAX_DEPTH
            ),
            details: Default::default(),
        });
    }
    Ok(())
}

/// Refuse more than [`MAX_OPERATIONS`] operations with kube-apiserver's 413.
fn check_count(count: usize) -> Result<(), Error> {
    if count > MAX_OPERATIONS {
        return Err(Error::TooLarge {
            message: format!(
                "The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, got {count}"
            ),
        });
    }
    Ok(())
}

/// Running total of bytes copied by `copy` operations.
#[derive(Default)]
struct CopyBudget {
    used: usize,
}

impl CopyBudget {
    /// Charge the serialized size of `value`, as Go's encoder writes it
    /// (`<`, `>` and `&` escaped to six bytes each). Errors with upstream's
    /// wording once the total exceeds [`MAX_COPY_BYTES`].
    ///
    /// The size is counted as the bytes are written, so that charging a
    /// large value allocates nothing.
    fn charge(&mut self, value: &impl serde::Serialize) -> Result<(), String> {
        let mut counter = SizeCounter::default();
        serde_json::to_writer(&mut counter, value).map_err(|e| e.to_string())?;
        self.used = self
            .used
            .saturating_add(counter.bytes)
            .saturating_add(5 * counter.escaped);
        if self.used > MAX_COPY_BYTES {
            return Err(format!(
                "Unable to complete the copy, the accumulated size increase of copy is {}, exceeding the limit {}",
                self.used, MAX_COPY_BYTES
            ));
        }
        Ok(())
    }
}

/// An `io::Write` that only counts: bytes, and those Go escapes to six.
#[derive(Default)]
struct SizeCounter {
    bytes: usize,
    escaped: usize,
}

impl std::io::Write for SizeCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len();
        self.escaped += buf
            .iter()
            .filter(|b| matches!(b, b'<' | b'>' | b'&'))
            .count();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
