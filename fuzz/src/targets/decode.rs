//! The body readers on arbitrary bytes, through the public API: the YAML
//! and JSON reader of `kubepatch::read_document`, and the JSON reader of a
//! merge-patch request body. Checked: no panic, no hang or blow-up
//! (libFuzzer's timeout and RSS limits), and a body serde_json reads as a
//! JSON object or array reads as the same value through `read_document`.

use kubepatch::PatchRequest;
use serde_json::{Value, json};

/// The target's checks on one input.
pub fn check(data: &[u8]) {
    let document = kubepatch::read_document(data);
    if let Ok(v) = &document {
        serde_json::to_vec(v).expect("a decoded document serializes");
    }
    let plain: Result<Value, _> = serde_json::from_slice(data);
    // Both keep the last of duplicate keys.
    if let (Ok(p @ (Value::Object(_) | Value::Array(_))), Ok(d)) = (&plain, &document) {
        assert_eq!(p, d, "a JSON body reads differently through read_document");
    }
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
    let _ = PatchRequest::new("application/merge-patch+json", data)
        .live(&live)
        .run();
}
