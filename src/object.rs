//! What kube-apiserver checks and restores on a patched object before it
//! stores it: identity (`kind`, `apiVersion`, name, namespace), system fields
//! an update cannot change, and optimistic concurrency.
//!
//! ```
//! use kubepatch::object::Target;
//! use serde_json::json;
//!
//! let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"}});
//! let target = Target::of(&live).unwrap();
//! assert_eq!((target.resource.as_str(), target.name.as_str()), ("endpoints", "web"));
//! assert_eq!(target.namespace.as_deref(), Some("default"));
//! ```

use serde_json::{Map, Value};

use crate::error::{Error, StatusDetails};
use crate::field::{self, FieldError};
use crate::go;

/// The object a request is addressed to: what the URL
/// `/api/v1/namespaces/{namespace}/{resource}/{name}` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Lower-case plural resource (`endpoints`).
    pub resource: String,
    /// The object's name.
    pub name: String,
    /// The namespace, `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
}

impl Target {
    /// A target for `resource/name` in `namespace`.
    ///
    /// ```
    /// let t = kubepatch::object::Target::new("endpoints", "web", Some("default"));
    /// assert_eq!(t.name, "web");
    /// ```
    pub fn new(resource: &str, name: &str, namespace: Option<&str>) -> Self {
        Target {
            resource: resource.to_string(),
            name: name.to_string(),
            namespace: namespace.map(str::to_string),
        }
    }

    /// The target an object names itself (as `kubectl patch --local` takes
    /// it): resource from its `kind`, name and namespace from its metadata.
    /// `None` for something that is not an object.
    pub fn of(object: &Value) -> Option<Self> {
        let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
        let meta = object.get("metadata");
        let text = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str);
        object.is_object().then(|| Target {
            resource: resource_of(kind),
            name: text("name").unwrap_or("").to_string(),
            namespace: text("namespace").map(str::to_string),
        })
    }
}

/// The lower-case plural resource for a kind, by the English rules the
/// Kubernetes REST mapper uses (`Endpoints` → `endpoints`,
/// `NetworkPolicy` → `networkpolicies`, `Ingress` → `ingresses`).
///
/// ```
/// assert_eq!(kubepatch::object::resource_of("ConfigMap"), "configmaps");
/// assert_eq!(kubepatch::object::resource_of("Endpoints"), "endpoints");
/// assert_eq!(kubepatch::object::resource_of("NetworkPolicy"), "networkpolicies");
/// ```
pub fn resource_of(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.is_empty() || lower == "endpoints" {
        return lower;
    }
    if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if lower.ends_with('s')
        || lower.ends_with("sh")
        || lower.ends_with("ch")
        || lower.ends_with('x')
    {
        return format!("{lower}es");
    }
    format!("{lower}s")
}

/// Check the patched object against the request and the stored one, and
/// restore what an update cannot change, as kube-apiserver's decode, PATCH
/// handler and generic registry do:
/// - the result must be an object; `kind`/`apiVersion` removed by the patch
///   are restored, changed ones do not decode into the kind (422);
/// - `metadata.name` must equal the URL's name and the namespace the
///   request's (400); an empty namespace is filled in;
/// - `metadata.uid` cannot change (422); a `resourceVersion` other than the
///   stored one is a stale write (409);
/// - `generation`, `creationTimestamp`, `deletionTimestamp` and
///   `deletionGracePeriodSeconds` keep their stored values.
pub fn finish_update(result: &mut Value, live: &Value, target: &Target) -> Result<(), Error> {
    decodes_as_kind(result, live)?;
    check_identity(result, target)?;
    let Some(old_meta) = live.get("metadata").and_then(Value::as_object) else {
        return Ok(());
    };
    let meta = metadata_mut(result)?;
    if let (Some(Value::String(old)), Some(Value::String(new))) =
        (old_meta.get("uid"), meta.get("uid"))
        && old != new
    {
        let kind = live.get("kind").and_then(Value::as_str).unwrap_or("");
        let group = group_of(live);
        return Err(field::invalid(
            kind,
            &group,
            &target.name,
            vec![FieldError::invalid(
                "metadata.uid",
                new,
                "field is immutable",
            )],
        ));
    }
    if let (Some(Value::String(old)), Some(Value::String(new))) =
        (old_meta.get("resourceVersion"), meta.get("resourceVersion"))
        && old != new
    {
        return Err(Error::Conflict {
            message: format!(
                "Operation cannot be fulfilled on {} {}: the object has been modified; please apply your changes to the latest version and try again",
                qualified_resource(target, live),
                go::go_quote(&target.name)
            ),
            details: StatusDetails {
                name: target.name.clone(),
                group: group_of(live),
                kind: target.resource.clone(),
                causes: vec![],
            },
        });
    }
    restore_system_fields(meta, old_meta);
    Ok(())
}

/// The part of a live object [`finish_update`] reads (its kind, name and
/// the system fields of its metadata): taken before a write that consumes
/// the live object, so that no copy of the rest is needed.
pub(crate) fn head(live: &Value) -> Value {
    let Value::Object(object) = live else {
        return Value::Null;
    };
    let mut out = serde_json::Map::new();
    for key in ["apiVersion", "kind"] {
        if let Some(v) = object.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    if let Some(meta) = object.get("metadata") {
        let kept = match meta {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, _)| {
                        matches!(
                            k.as_str(),
                            "name"
                                | "namespace"
                                | "uid"
                                | "resourceVersion"
                                | "generation"
                                | "creationTimestamp"
                                | "deletionTimestamp"
                                | "deletionGracePeriodSeconds"
                        )
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            other => other.clone(),
        };
        out.insert("metadata".to_string(), kept);
    }
    Value::Object(out)
}

/// Check an object an apply is about to create: it may not bring a `uid`
/// (409, as kube-apiserver answers), its namespace and name must fit the
/// URL, and system fields it carries are wiped (`WipeObjectMetaSystemFields`).
/// The caller's storage assigns `uid`, `creationTimestamp` and `resourceVersion`.
pub fn finish_create(result: &mut Value, target: &Target) -> Result<(), Error> {
    if let Some(uid) = result
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    {
        return Err(Error::Conflict {
            message: format!(
                "Operation cannot be fulfilled on {} {}: uid mismatch: the provided object specified uid {uid}, and no existing object was found",
                target.resource,
                go::go_quote(&target.name)
            ),
            details: StatusDetails {
                name: target.name.clone(),
                kind: target.resource.clone(),
                ..StatusDetails::default()
            },
        });
    }
    check_identity(result, target)?;
    let meta = metadata_mut(result)?;
    for system in [
        "creationTimestamp",
        "uid",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
    ] {
        meta.remove(system);
    }
    Ok(())
}

/// What the generic registry's `BeforeUpdate` keeps from the stored object:
/// the generation always; `creationTimestamp` and `deletionTimestamp` when
/// the stored object has them; `deletionGracePeriodSeconds` and `uid` when
/// the result lost them.
fn restore_system_fields(meta: &mut Map<String, Value>, old: &Map<String, Value>) {
    let present = |m: &Map<String, Value>, k: &str| m.get(k).is_some_and(|v| !v.is_null());
    match old.get("generation") {
        Some(g) if !g.is_null() => meta.insert("generation".to_string(), g.clone()),
        _ => meta.remove("generation"),
    };
    for (key, only_if_missing) in [
        ("creationTimestamp", false),
        ("deletionTimestamp", false),
        ("deletionGracePeriodSeconds", true),
        ("uid", true),
    ] {
        if present(old, key) && !(only_if_missing && present(meta, key)) {
            meta.insert(key.to_string(), old[key].clone());
        }
    }
}

/// The object must be a JSON object that decodes into the live object's kind.
fn decodes_as_kind(result: &mut Value, live: &Value) -> Result<(), Error> {
    let decode_error = |result: &Value, why: String| {
        let text = serde_json::to_string(result).unwrap_or_default();
        field::invalid("", "", "", vec![FieldError::invalid("patch", &text, &why)])
    };
    let Value::Object(obj) = result else {
        let why = format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            go::json_kind(result)
        );
        return Err(decode_error(result, why));
    };
    for key in ["apiVersion", "kind"] {
        let stored = live.get(key).cloned().unwrap_or(Value::Null);
        match obj.get(key) {
            None | Some(Value::Null) => {
                if !stored.is_null() {
                    obj.insert(key.to_string(), stored);
                }
            }
            Some(v) if *v == stored => {}
            Some(v) => {
                let why = format!(
                    "{key} {} does not match the kind of the object being patched ({})",
                    serde_json::to_string(v).unwrap_or_default(),
                    serde_json::to_string(&stored).unwrap_or_default()
                );
                return Err(decode_error(result, why));
            }
        }
    }
    if let Some(meta) = result.get("metadata")
        && !meta.is_object()
        && !meta.is_null()
    {
        let why = format!(
            "json: cannot unmarshal {} into Go struct field .metadata of type v1.ObjectMeta",
            go::json_kind(meta)
        );
        return Err(decode_error(result, why));
    }
    Ok(())
}

/// Namespace, then name, of the result against the URL: an empty namespace
/// is filled in, another one is refused (400); the name must be present and
/// equal the URL's (400).
pub(crate) fn check_identity(result: &mut Value, target: &Target) -> Result<(), Error> {
    let meta = metadata_mut(result)?;
    if let Some(ns) = &target.namespace {
        match meta.get("namespace").and_then(Value::as_str) {
            None | Some("") => {
                meta.insert("namespace".to_string(), Value::String(ns.clone()));
            }
            Some(own) if own == ns => {}
            Some(_) => {
                return Err(Error::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
        }
    }
    let name = meta.get("name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() {
        return Err(Error::bad_request(format!(
            "the name of the object ({} based on URL) was undeterminable: name must be provided",
            target.name
        )));
    }
    if name != target.name {
        return Err(Error::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            target.name
        )));
    }
    Ok(())
}

fn metadata_mut(result: &mut Value) -> Result<&mut Map<String, Value>, Error> {
    let obj = result
        .as_object_mut()
        .ok_or_else(|| Error::bad_request("the patched object is not a JSON object"))?;
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if meta.is_null() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
        .ok_or_else(|| Error::bad_request("metadata of the patched object is not a JSON object"))
}

fn group_of(obj: &Value) -> String {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    api_version
        .rsplit_once('/')
        .map(|(g, _)| g.to_string())
        .unwrap_or_default()
}

fn qualified_resource(target: &Target, live: &Value) -> String {
    let group = group_of(live);
    if group.is_empty() {
        target.resource.clone()
    } else {
        format!("{}.{group}", target.resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live() -> Value {
        json!({"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web","namespace":"ns","uid":"u1","resourceVersion":"7","creationTimestamp":"2024-01-01T00:00:00Z","generation":1}})
    }

    #[test]
    fn restores_kind_and_system_fields() {
        let t = Target::of(&live()).unwrap();
        let mut r = json!({"metadata":{"name":"web","generation":5}});
        finish_update(&mut r, &live(), &t).unwrap();
        assert_eq!(r["kind"], "Endpoints");
        assert_eq!(r["apiVersion"], "v1");
        assert_eq!(r["metadata"]["generation"], 1);
        assert_eq!(r["metadata"]["uid"], "u1");
        assert_eq!(r["metadata"]["namespace"], "ns");
        assert_eq!(r["metadata"]["creationTimestamp"], "2024-01-01T00:00:00Z");
    }

    #[test]
    fn refuses_identity_changes() {
        let t = Target::of(&live()).unwrap();
        let cases = [
            (json!({"kind":"Pod","metadata":{"name":"web"}}), 422),
            (json!({"metadata":{"name":"other"}}), 400),
            (json!({"metadata":{"name":"web","namespace":"other"}}), 400),
            (json!({"metadata":{"name":"web","uid":"u2"}}), 422),
            (
                json!({"metadata":{"name":"web","resourceVersion":"6"}}),
                409,
            ),
            (json!([1]), 422),
        ];
        for (mut r, code) in cases {
            let err = finish_update(&mut r, &live(), &t).unwrap_err();
            assert_eq!(err.code(), code, "{r}");
        }
        let mut r = json!({"metadata":{"name":"other"}});
        assert_eq!(
            finish_update(&mut r, &live(), &t).unwrap_err().to_string(),
            "the name of the object (other) does not match the name on the URL (web)"
        );
        let mut r = json!({"metadata":{"name":"web","resourceVersion":"6"}});
        assert_eq!(
            finish_update(&mut r, &live(), &t).unwrap_err().to_string(),
            "Operation cannot be fulfilled on endpoints \"web\": the object has been modified; please apply your changes to the latest version and try again"
        );
    }
}
