//! The body of a create or a replace, decoded as kube-apiserver decodes it
//! into a `v1.Endpoints`: JSON or YAML, the kind and apiVersion checked
//! (and filled in when absent, from the URL), and the members the type does
//! not declare reported under `fieldValidation` and dropped.
//!
//! The undeclared members are found as kubepatch decodes a PATCH result
//! ([`kubepatch::unknown_fields::undeclared`]): `unknown field "<path>"`
//! (paths as `subsets[0].addresses[0].x`), in the order of the decoded map
//! (keys sorted) rather than the body's. Duplicate keys are not reported
//! (the last one is kept, as Go's decoder keeps it).

use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use kubepatch::schema::{Node, NodeId, Schema};
use kubepatch::{Error, FieldValidation};
use serde_json::Value;

use super::reply::bad_request;

/// The media types a create or replace accepts. (Upstream also accepts
/// protobuf, and CBOR where enabled; this server decodes neither, so it
/// does not offer them.)
const ACCEPTED: [&str; 2] = ["application/json", "application/yaml"];

/// The body, decoded; with the warnings of its unknown fields under `Warn`.
pub fn decode(
    parts: &Parts,
    body: &[u8],
    validation: FieldValidation,
) -> Result<(Value, Vec<String>), Error> {
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut object = match media.as_str() {
        "application/json" => serde_json::from_slice(body).map_err(|e| {
            bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?,
        "application/yaml" => kubepatch::read_document(body)?,
        _ => {
            return Err(Error::UnsupportedMediaType {
                content_type: content_type.to_string(),
                accepted: ACCEPTED.to_vec(),
            });
        }
    };
    check_kind(&mut object)?;
    let drop = validation != FieldValidation::Strict;
    let messages = kubepatch::unknown_fields::undeclared(&mut object, super::schema(), drop);
    match validation {
        FieldValidation::Strict if !messages.is_empty() => Err(bad_request(format!(
            "strict decoding error: {}",
            messages.join(", ")
        ))),
        FieldValidation::Warn => Ok((object, messages)),
        _ => Ok((object, Vec::new())),
    }
}

/// An object, of kind Endpoints in v1: absent `apiVersion` and `kind` are
/// the URL's (upstream decodes with the URL's kind as default); others are
/// a 400, worded as upstream's create handler words a foreign group
/// version, and a foreign kind as its decoder refuses it.
fn check_kind(object: &mut Value) -> Result<(), Error> {
    let Value::Object(members) = object else {
        return Err(bad_request(format!(
            "couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}",
            json_kind(object)
        )));
    };
    for (key, expected) in [("apiVersion", "v1"), ("kind", "Endpoints")] {
        match members.get(key) {
            None | Some(Value::Null) => {
                members.insert(key.to_string(), Value::String(expected.to_string()));
            }
            Some(Value::String(s)) if s.is_empty() => {
                members.insert(key.to_string(), Value::String(expected.to_string()));
            }
            Some(Value::String(s)) if s == expected => {}
            Some(other) if key == "apiVersion" => {
                let shown = other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_string);
                return Err(bad_request(format!(
                    "the API version in the data ({shown}) does not match the expected API version (v1)"
                )));
            }
            Some(other) => {
                let shown = other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_string);
                return Err(bad_request(format!(
                    "the object provided is unrecognized (must be of type Endpoints): no kind {} is registered for version \"v1\"",
                    super::reply::quoted(&shown)
                )));
            }
        }
    }
    Ok(())
}

/// What Go's `omitempty` does to an Endpoints: every map and slice of
/// `v1.Endpoints` and `ObjectMeta` carries it, so once an object is decoded
/// into the type and written out again, a `null`, `{}` or `[]` there is
/// gone (`labels: {}` left by a patch that removed the last label, an
/// empty `subsets`). Children are cleaned first, so a map emptied by the
/// cleaning goes too. managedFields entries are untyped: untouched.
/// Returns whether anything was removed.
pub fn omit_empty(schema: &Schema, node: NodeId, value: &mut Value) -> bool {
    let mut removed = false;
    match (schema.node(node), value) {
        (Node::Pointer(to), value) => return omit_empty(schema, *to, value),
        (Node::Struct(s), Value::Object(members)) => {
            for (key, member) in members.iter_mut() {
                if let Some(field) = s.fields.get(key) {
                    removed |= omit_empty(schema, field.node, member);
                }
            }
            members.retain(|key, member| {
                let collection = s
                    .fields
                    .get(key)
                    .is_some_and(|f| is_collection(schema, f.node));
                let empty = match member {
                    Value::Null => true,
                    Value::Object(m) => m.is_empty(),
                    Value::Array(a) => a.is_empty(),
                    _ => false,
                };
                let keep = !(collection && empty);
                removed |= !keep;
                keep
            });
        }
        (Node::Map { values, .. }, Value::Object(members)) => {
            for member in members.values_mut() {
                removed |= omit_empty(schema, *values, member);
            }
        }
        (Node::List(list), Value::Array(items)) => {
            for item in items {
                removed |= omit_empty(schema, list.items, item);
            }
        }
        _ => {}
    }
    removed
}

/// Whether `node` is (points to) a map or a list: a Go map or slice.
fn is_collection(schema: &Schema, mut node: NodeId) -> bool {
    for _ in 0..=schema.len() {
        match schema.node(node) {
            Node::Pointer(to) => node = *to,
            Node::Map { .. } | Node::List(_) => return true,
            _ => return false,
        }
    }
    false
}

/// Go's name of a JSON value's type, as `encoding/json` words it.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_maps_and_lists_are_omitted() {
        let schema = Schema::endpoints();
        let root = schema.root_for("v1", "Endpoints").expect("a root");
        let mut object = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "a", "labels": {}, "annotations": null, "finalizers": [],
                "managedFields": [{"manager": "m", "fieldsV1": {"f:metadata": {}}}]},
            "subsets": [{"addresses": [], "ports": [{"port": 80, "name": ""}]}]});
        assert!(omit_empty(&schema, root, &mut object));
        assert_eq!(
            object,
            json!({"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": "a",
                    "managedFields": [{"manager": "m", "fieldsV1": {"f:metadata": {}}}]},
                "subsets": [{"ports": [{"port": 80, "name": ""}]}]})
        );
        assert!(!omit_empty(&schema, root, &mut object));
        // A subset emptied of its lists stays (a struct), its list with it.
        let mut object = json!({"subsets": [{"addresses": []}]});
        omit_empty(&schema, root, &mut object);
        assert_eq!(object, json!({"subsets": [{}]}));
    }

    #[test]
    fn unknown_members_by_path() {
        let mut object = json!({"apiVersion": "v1", "kind": "Endpoints", "x": 1,
            "metadata": {"name": "a", "labels": {"k": "v"}, "y": 2},
            "subsets": [{"addresses": [{"ip": "1.2.3.4", "z": 3}]}]});
        let unknown =
            kubepatch::unknown_fields::undeclared(&mut object, super::super::schema(), true);
        let paths = ["metadata.y", "subsets[0].addresses[0].z", "x"];
        let expected: Vec<String> = paths
            .iter()
            .map(|p| format!("unknown field \"{p}\""))
            .collect();
        assert_eq!(unknown, expected);
        assert_eq!(
            object,
            json!({"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": "a", "labels": {"k": "v"}},
                "subsets": [{"addresses": [{"ip": "1.2.3.4"}]}]})
        );
    }
}
