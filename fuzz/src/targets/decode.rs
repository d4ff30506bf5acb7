//! The body readers on arbitrary bytes, through the public API: the YAML
//! and JSON reader of `kubepatch::read_document`, and the JSON reader of a
//! merge-patch request body. Checked: no panic, no hang or blow-up
//! (libFuzzer's timeout and RSS limits), and a body serde_json reads as a
//! JSON object or array reads as the same value through `read_document`
//! (numbers by value: `read_document` reads them in Go's model).

use kubepatch::PatchRequest;
use serde_json::{Value, json};

/// The target's checks on one input.
pub fn check(data: &[u8]) {
    let document = kubepatch::read_document(data);
    if let Ok(v) = &document {
        serde_json::to_vec(v).expect("a decoded document serializes");
    }
    let plain: Result<Value, _> = serde_json::from_slice(data);
    // Both keep the last of duplicate keys; numbers are read in Go's model
    // by read_document (`-0` the integer 0, integers beyond i64 floats), so
    // they are compared by value.
    if let (Ok(p @ (Value::Object(_) | Value::Array(_))), Ok(d)) = (&plain, &document) {
        assert!(
            same_reading(p, d),
            "a JSON body reads differently through read_document: {p} vs {d}"
        );
    }
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
    let _ = PatchRequest::new("application/merge-patch+json", data)
        .live(&live)
        .run();
}

/// The same document, numbers compared by value.
fn same_reading(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_reading(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_reading(v, w)))
        }
        _ => a == b,
    }
}
