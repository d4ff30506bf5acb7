//! JSON Patch to the letter of RFC 6902, on the json-patch crate.
//!
//! The crate decodes and validates the patch (strict pointers and indices,
//! duplicate members refused) and performs each operation. Two things are
//! added around it: `test` compares numbers by value, as RFC 6902 §4.6 asks
//! (the crate compares their representations), and operations are applied one
//! at a time to a private copy with `patch_unsafe`, which never runs the
//! crate's rollback (that rollback can panic on a `move` to the root).

use json_patch::{Patch, PatchOperation};
use serde_json::Value;

use super::{CopyBudget, check_count};
use crate::error::Error;

pub(super) fn apply(doc: &Value, patch: &[u8]) -> Result<Value, Error> {
    let patch: Patch =
        serde_json::from_slice(patch).map_err(|e| Error::bad_request(e.to_string()))?;
    check_count(patch.0.len())?;
    let mut out = doc.clone();
    let mut budget = CopyBudget::default();
    for (index, op) in patch.0.iter().enumerate() {
        let fail = |message: String| Error::JsonPatchOperation {
            index,
            op: op_name(op).to_string(),
            path: op_path(op),
            message,
        };
        match op {
            PatchOperation::Test(test) => {
                let actual = out.pointer(test.path.as_str());
                if !actual.is_some_and(|a| rfc_equal(a, &test.value)) {
                    return Err(fail(format!(
                        "value at {} does not equal the tested value",
                        test.path
                    )));
                }
            }
            _ => {
                if let PatchOperation::Copy(copy) = op
                    && let Some(source) = out.pointer(copy.from.as_str())
                {
                    budget.charge(source).map_err(fail)?;
                }
                json_patch::patch_unsafe(&mut out, std::slice::from_ref(op))
                    .map_err(|e| fail(e.kind.to_string()))?;
            }
        }
    }
    Ok(out)
}

fn op_name(op: &PatchOperation) -> &'static str {
    match op {
        PatchOperation::Add(_) => "add",
        PatchOperation::Remove(_) => "remove",
        PatchOperation::Replace(_) => "replace",
        PatchOperation::Move(_) => "move",
        PatchOperation::Copy(_) => "copy",
        PatchOperation::Test(_) => "test",
    }
}

fn op_path(op: &PatchOperation) -> String {
    let path = match op {
        PatchOperation::Add(o) => &o.path,
        PatchOperation::Remove(o) => &o.path,
        PatchOperation::Replace(o) => &o.path,
        PatchOperation::Move(o) => &o.path,
        PatchOperation::Copy(o) => &o.path,
        PatchOperation::Test(o) => &o.path,
    };
    path.as_str().to_string()
}

/// RFC 6902 §4.6 equality: same JSON type; numbers equal by value; arrays
/// element-wise; objects by member set, order ignored.
pub(crate) fn rfc_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(i), Some(j), _, _) => i == j,
                (_, _, Some(i), Some(j)) => i == j,
                _ if x.is_f64() || y.is_f64() => x.as_f64() == y.as_f64(),
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| rfc_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| rfc_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_equality() {
        assert!(rfc_equal(&json!(1), &json!(1.0)));
        assert!(rfc_equal(&json!({"b": [100]}), &json!({"b": [1e2]})));
        assert!(!rfc_equal(&json!(true), &json!(1)));
        assert!(!rfc_equal(&json!(-1), &json!(u64::MAX)));
    }

    #[test]
    fn move_to_root_then_failure_does_not_panic() {
        let doc = json!({"foo": {"bar": {"x": 1}}});
        let patch =
            br#"[{"op":"move","from":"/foo/bar","path":""},{"op":"remove","path":"/nope"}]"#;
        let err = apply(&doc, patch).unwrap_err();
        assert_eq!(err.code(), 422);
    }

    #[test]
    fn strict_rejects_kube_leniency() {
        let doc = json!({"a": [1]});
        for p in [
            r#"[{"op":"add","path":"/a/-1","value":2}]"#,
            r#"[{"op":"add","path":"/a/01","value":2}]"#,
            r#"[{"op":"replace","path":"/b","value":2}]"#,
        ] {
            assert!(apply(&doc, p.as_bytes()).is_err(), "{p}");
        }
        assert_eq!(
            apply(&doc, br#"[{"op":"test","path":"/a/0","value":1.0}]"#).unwrap(),
            doc
        );
    }
}
