//! What an OpenAPI schema object is: its [`Shape`], and the small readers
//! of its keys and `$ref`s the builder decides by.

use std::borrow::Cow;

use serde_json::Value;

use super::LoadError;

/// Defaults of list-map key fields that upstream declares (`+default=` markers,
/// present in kube-apiserver's in-process OpenAPI) but that published OpenAPI v2
/// documents, such as the official client's `swagger.json`, leave out. Used only
/// when the document gives no `default` of its own.
const KNOWN_KEY_DEFAULTS: &[(&str, &str, &str)] = &[
    ("io.k8s.api.core.v1.ContainerPort", "protocol", "TCP"),
    ("io.k8s.api.core.v1.ServicePort", "protocol", "TCP"),
];

/// What a schema object is, before building it.
pub(super) enum Shape<'a> {
    /// A reference to the named definition (`$ref`, or v3 `allOf: [{$ref}]`).
    Ref(Cow<'a, str>),
    /// Nothing known: no type and no properties, or an unknown type.
    Untyped,
    /// A string, number, boolean or int-or-string.
    Scalar,
    /// An `array`.
    List,
    /// An object with `properties`, or an embedded resource.
    Struct,
    /// An object with only an `additionalProperties` schema.
    Map,
}

/// Whether the boolean `key` is `true`.
pub(super) fn flag(s: &Value, key: &str) -> bool {
    s.get(key).and_then(Value::as_bool) == Some(true)
}

/// The string `key`.
pub(super) fn text<'a>(s: &'a Value, key: &str) -> Option<&'a str> {
    s.get(key).and_then(Value::as_str)
}

/// The `type`, also from an OpenAPI 3.1 list such as `["string", "null"]`.
pub(super) fn type_of(s: &Value) -> Option<&str> {
    match s.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// The definition name a schema refers to: `$ref`, or the first `allOf`
/// member's `$ref` (how OpenAPI v3 documents attach a description or default
/// to a reference).
pub(super) fn ref_of(s: &Value) -> Option<&str> {
    if let Some(r) = text(s, "$ref") {
        return Some(r);
    }
    s.get("allOf")?
        .as_array()?
        .first()
        .and_then(|first| text(first, "$ref"))
}

/// The definition name in a `$ref` to `#/definitions/<name>` (v2) or
/// `#/components/schemas/<name>` (v3), with JSON Pointer escapes undone.
pub(super) fn def_name(reference: &str) -> Result<Cow<'_, str>, LoadError> {
    let name = reference
        .strip_prefix("#/definitions/")
        .or_else(|| reference.strip_prefix("#/components/schemas/"))
        .ok_or_else(|| LoadError::UnsupportedRef {
            reference: reference.to_string(),
        })?;
    if name.contains('~') {
        Ok(Cow::Owned(name.replace("~1", "/").replace("~0", "~")))
    } else {
        Ok(Cow::Borrowed(name))
    }
}

/// What the schema object `s` is.
pub(super) fn shape(s: &Value) -> Result<Shape<'_>, LoadError> {
    if let Some(r) = ref_of(s) {
        return Ok(Shape::Ref(def_name(r)?));
    }
    if flag(s, "x-kubernetes-int-or-string") {
        return Ok(Shape::Scalar);
    }
    Ok(match type_of(s) {
        Some("array") => Shape::List,
        Some("string" | "integer" | "number" | "boolean") => Shape::Scalar,
        Some("object") | None => {
            let has_properties = s
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty());
            if has_properties || flag(s, "x-kubernetes-embedded-resource") {
                Shape::Struct
            } else if s.get("additionalProperties").is_some_and(Value::is_object) {
                Shape::Map
            } else {
                Shape::Untyped
            }
        }
        Some(_) => Shape::Untyped,
    })
}

/// Whether `x-kubernetes-map-type` is `atomic`.
pub(super) fn is_atomic_map(s: &Value) -> bool {
    text(s, "x-kubernetes-map-type") == Some("atomic")
}

/// The default upstream declares for `field` of the definition `owner`
/// ([`KNOWN_KEY_DEFAULTS`]).
pub(super) fn known_default(owner: &str, field: &str) -> Option<Value> {
    KNOWN_KEY_DEFAULTS
        .iter()
        .find(|(o, f, _)| *o == owner && *f == field)
        .map(|(_, _, d)| Value::String(d.to_string()))
}
