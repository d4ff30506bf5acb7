//! `metadata.managedFields` and `fieldsV1` from arbitrary JSON. The input is
//! one JSON document (other inputs are skipped): an object is a `fieldsV1`
//! set (and becomes the one Apply entry of a managedFields list), an array is
//! a whole managedFields list.
//!
//! Checked:
//! - the `fieldpath` round trip: a `fieldsV1` object that
//!   `Set::from_fields_v1` reads encodes (`to_fields_v1`) to an object that
//!   reads again to the same set and encodes to the same object; the exact
//!   bytes of `to_fields_v1_string` are that object; every key that
//!   `PathElement::parse` reads encodes to a key that parses to an element
//!   with the same encoding;
//! - through the public API, a live Endpoints carrying the fuzzed
//!   managedFields given to a merge patch, a strategic merge patch, an apply
//!   and a forced apply: no panic, every error a 4xx/5xx whose `to_status()`
//!   agrees with `code()`, the live object unchanged, and every `fieldsV1`
//!   of a successful result round-trips as above.

use kubepatch::fieldpath::{PathElement, Set};
use kubepatch::{PatchParams, PatchRequest};
use serde_json::{Value, json};

use crate::common::{check_error, clock};

/// Decode, encode, decode, encode: the two encodings agree, and the exact
/// string encoding is the same object. Returns whether `fields` decoded.
fn round_trip(fields: &Value) -> bool {
    if let Value::Object(map) = fields {
        for key in map.keys() {
            if let Ok(e) = PathElement::parse(key) {
                let encoded = e.to_fields_v1();
                let again = PathElement::parse(&encoded)
                    .unwrap_or_else(|err| panic!("{key:?} encodes to {encoded:?}: {err}"));
                assert_eq!(again.to_fields_v1(), encoded, "key {key:?}");
            }
        }
    }
    let Ok(set) = Set::from_fields_v1(fields) else {
        return false;
    };
    let first = set.to_fields_v1();
    let decoded = Set::from_fields_v1(&first)
        .unwrap_or_else(|e| panic!("the encoding of {fields} does not decode: {e}\n{first}"));
    assert_eq!(decoded, set, "decoding {first} gives another set");
    let second = decoded.to_fields_v1();
    assert_eq!(first, second, "the second encoding differs (from {fields})");
    let exact = set.to_fields_v1_string();
    let parsed: Value = serde_json::from_str(&exact)
        .unwrap_or_else(|e| panic!("to_fields_v1_string is not JSON: {e}: {exact}"));
    assert_eq!(parsed, first, "to_fields_v1_string and to_fields_v1 differ");
    true
}

fn entries_round_trip(list: &Value) {
    for entry in list.as_array().into_iter().flatten() {
        if let Some(fields) = entry.get("fieldsV1") {
            round_trip(fields);
        }
    }
}

/// The target's checks on one input.
pub fn check(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let managed = match &value {
        Value::Array(_) => {
            entries_round_trip(&value);
            value
        }
        other => {
            round_trip(other);
            json!([{"manager": "ctrl-a", "operation": "Apply", "apiVersion": "v1",
                "time": "2030-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": other}])
        }
    };
    let live = json!({"apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "x"},
            "finalizers": ["example.com/a"], "managedFields": managed},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "a", "port": 80, "protocol": "TCP"}]}]});
    let before = live.clone();
    let config = br#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web","namespace":"default","labels":{"app":"y","tier":"db"}},"subsets":[{"addresses":[{"ip":"10.0.0.2"}],"ports":[{"name":"a","port":80,"protocol":"TCP"}]}]}"#;
    let requests: [(&str, &[u8], PatchParams); 4] = [
        (
            "application/merge-patch+json",
            br#"{"metadata":{"labels":{"app":"z"}}}"#,
            PatchParams::default().field_manager("kubectl-edit"),
        ),
        (
            "application/strategic-merge-patch+json",
            br#"{"subsets":[{"addresses":[{"ip":"10.0.0.3"}],"ports":[{"name":"a","port":80}]}]}"#,
            PatchParams::default(),
        ),
        (
            "application/apply-patch+yaml",
            config,
            PatchParams::apply("ctrl-b"),
        ),
        (
            "application/apply-patch+yaml",
            config,
            PatchParams::apply("ctrl-a").force(),
        ),
    ];
    let clock = clock(5);
    for (content_type, body, params) in requests {
        let result = PatchRequest::new(content_type, body)
            .live(&live)
            .params(params)
            .clock(&clock)
            .run();
        match result {
            Ok(out) => {
                assert_eq!(out.code, 200, "{content_type}");
                entries_round_trip(&out.object["metadata"]["managedFields"]);
            }
            Err(e) => check_error(&e),
        }
    }
    assert_eq!(live, before, "the live object was modified");
}
