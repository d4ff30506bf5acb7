//! JSON Merge Patch (RFC 7386/7396), as kube-apiserver applies it or to the letter.
//!
//! In [`Mode::Kubernetes`] the patch must be an object or an array (a `null`
//! or scalar patch is 400 `Invalid JSON Patch`), and a patch value that lands
//! where the target has no object (absent, `null`, an array or a scalar) has
//! its `null`s pruned recursively, through arrays too. A patch value that
//! replaces an object member wholesale (an array or a scalar over an object)
//! is kept as sent. [`Mode::Rfc`] is the RFC's algorithm (the json-patch crate).
//!
//! ```
//! use kubepatch::{merge_patch, Mode};
//! use serde_json::json;
//!
//! let doc = json!({"metadata": {"labels": {"a": "1", "b": "2"}}});
//! let patch = json!({"metadata": {"labels": {"a": null, "c": "3"}}});
//! let out = merge_patch::apply(&doc, &patch, Mode::Kubernetes).unwrap();
//! assert_eq!(out, json!({"metadata": {"labels": {"b": "2", "c": "3"}}}));
//!
//! // Kubernetes refuses a scalar patch; the RFC replaces the document with it.
//! assert_eq!(merge_patch::apply(&doc, &json!("x"), Mode::Kubernetes).unwrap_err().code(), 400);
//! assert_eq!(merge_patch::apply(&doc, &json!("x"), Mode::Rfc).unwrap(), json!("x"));
//! ```

use serde_json::{Map, Value};

use crate::error::Error;
use crate::mode::Mode;
use crate::reach::Reach;

/// Apply `patch` to a copy of `doc`.
pub fn apply(doc: &Value, patch: &Value, mode: Mode) -> Result<Value, Error> {
    crate::decode::check_depth(doc, "the live object")?;
    crate::decode::check_depth(patch, "the patch")?;
    merge(doc.clone(), patch.clone(), mode)
}

/// [`apply`] in place of `doc` (no copy of it), for a caller that has
/// bounded both depths already (the request).
pub(crate) fn merge(mut doc: Value, patch: Value, mode: Mode) -> Result<Value, Error> {
    match mode {
        Mode::Rfc => {
            json_patch::merge(&mut doc, &patch);
            Ok(doc)
        }
        Mode::Kubernetes => kube(doc, patch),
    }
}

/// What a merge patch can change: its members, recursively; anything that
/// is not an object replaces the whole value at its key.
pub(crate) fn reach(patch: &Value) -> Reach {
    Reach::of_members(patch)
}

fn kube(doc: Value, patch: Value) -> Result<Value, Error> {
    if doc.is_null() {
        return Err(Error::bad_request("Invalid JSON Document"));
    }
    match (doc, patch) {
        (Value::Object(mut target), Value::Object(patch)) => {
            merge_objects(&mut target, patch);
            Ok(Value::Object(target))
        }
        // A document that is not an object becomes the (pruned) patch.
        (_, patch @ (Value::Object(_) | Value::Array(_))) => Ok(pruned(patch)),
        _ => Err(Error::bad_request("Invalid JSON Patch")),
    }
}

fn merge_objects(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            target.remove(&key);
            continue;
        }
        match target.get_mut(&key) {
            Some(current @ Value::Object(_)) => match (current, value) {
                (Value::Object(cur), Value::Object(p)) => merge_objects(cur, p),
                // An object replaced by a non-object keeps the patch value as sent.
                (cur, value) => *cur = value,
            },
            Some(current) if !current.is_null() => *current = pruned(value),
            _ => {
                target.insert(key, pruned(value));
            }
        }
    }
}

/// Remove `null` members of objects, recursively, through arrays too; `null`
/// array elements stay.
fn pruned(mut value: Value) -> Value {
    prune(&mut value);
    value
}

fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(prune);
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn k(doc: Value, patch: Value) -> Value {
        apply(&doc, &patch, Mode::Kubernetes).unwrap()
    }

    #[test]
    fn evanphx_pruning() {
        assert_eq!(
            k(json!({"a": [1]}), json!({"a": [{"b": null, "c": 1}]})),
            json!({"a": [{"c": 1}]})
        );
        assert_eq!(
            k(json!({}), json!({"a": [{"b": null}]})),
            json!({"a": [{}]})
        );
        assert_eq!(
            k(json!({"a": {"x": 1}}), json!({"a": [{"b": null}]})),
            json!({"a": [{"b": null}]})
        );
        assert_eq!(
            k(
                json!({"a": null}),
                json!({"a": {"b": null, "c": {"d": null}}})
            ),
            json!({"a": {"c": {}}})
        );
        assert_eq!(
            k(json!({"a": 1}), json!([{"b": null}, null])),
            json!([{}, null])
        );
        assert_eq!(
            k(json!({"a": [null, 1]}), json!({"a": [null, 2]})),
            json!({"a": [null, 2]})
        );
    }

    #[test]
    fn refuses_null_and_scalars() {
        for p in [json!(null), json!(1), json!("x"), json!(true)] {
            assert_eq!(
                apply(&json!({}), &p, Mode::Kubernetes)
                    .unwrap_err()
                    .to_string(),
                "Invalid JSON Patch"
            );
        }
    }
}
