//! The object as ownership tracking handles it: its managedFields split off
//! and put back, its normalized form, the zero object a create starts from,
//! and the system fields nobody owns.

use serde_json::{Map, Value};

use super::entries::Managers;
use crate::error::Error;
use crate::fieldpath::{PathElement, Set};
use crate::schema::{NodeId, Schema, UNTYPED};

/// Paths never tracked (upstream's `StripMeta`).
const STRIPPED: [&[&str]; 12] = [
    &["apiVersion"],
    &["kind"],
    &["metadata"],
    &["metadata", "name"],
    &["metadata", "namespace"],
    &["metadata", "creationTimestamp"],
    &["metadata", "selfLink"],
    &["metadata", "uid"],
    &["metadata", "clusterName"],
    &["metadata", "generation"],
    &["metadata", "managedFields"],
    &["metadata", "resourceVersion"],
];

/// The never-tracked paths as path elements.
fn stripped() -> impl Iterator<Item = Vec<PathElement>> {
    STRIPPED.iter().map(|path| {
        path.iter()
            .map(|f| PathElement::Field((*f).into()))
            .collect()
    })
}

/// Take the never-tracked paths out of `set`.
pub(super) fn strip(set: &mut Set) {
    for path in stripped() {
        set.remove(&path);
    }
}

/// The never-tracked paths, as a set.
pub(super) fn stripped_set() -> Set {
    let mut set = Set::default();
    for path in stripped() {
        set.insert(&path);
    }
    set
}

/// The schema node of `object`'s kind (untyped when the schema lacks it).
pub(super) fn root_of(schema: &Schema, object: &Value) -> NodeId {
    schema.root_of(object).unwrap_or(UNTYPED)
}

/// Take `metadata.managedFields` out of `object` (no copy of either).
pub(crate) fn take_managed_fields(object: &mut Value) -> Option<Value> {
    object
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove("managedFields"))
}

/// Read stored managedFields; an entry that does not decode is a 500, as
/// upstream answers a stored object it cannot read.
pub(super) fn read_managers(list: Option<Value>) -> Result<Managers, Error> {
    Managers::take(list).map_err(|e| Error::Internal {
        message: format!("failed to decode managed fields: {e}"),
    })
}

/// `object` with `managers` as its managedFields (none when they are empty).
pub(super) fn with_managers(mut object: Value, managers: Managers) -> Value {
    let meta = object
        .as_object_mut()
        .map(|o| {
            o.entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()))
        })
        .and_then(Value::as_object_mut);
    if let Some(meta) = meta {
        match managers.encode() {
            Some(list) => meta.insert("managedFields".to_string(), list),
            None => meta.remove("managedFields"),
        };
    }
    object
}

/// `value` as normalization leaves it ([`normalize`]).
pub(super) fn normalized(mut value: Value, omit_empty: bool) -> Value {
    normalize(&mut value, omit_empty);
    value
}

/// Drop `null`s and, where the schema's kinds are Go structs (`omitEmpty`),
/// empty objects and lists, as decoding into the kind does.
///
/// ```
/// use kubepatch::managed::normalize;
/// use serde_json::json;
///
/// let mut object = json!({"metadata": {"labels": {}, "annotations": null}, "subsets": []});
/// normalize(&mut object, true);
/// assert_eq!(object, json!({}));
/// ```
pub fn normalize(value: &mut Value, omit_empty: bool) {
    fn walk(v: &mut Value, omit_empty: bool) {
        match v {
            Value::Object(m) => {
                m.values_mut().for_each(|x| walk(x, omit_empty));
                m.retain(|_, x| !(x.is_null() || omit_empty && is_empty_container(x)));
            }
            Value::Array(items) => items.iter_mut().for_each(|x| walk(x, omit_empty)),
            _ => {}
        }
    }
    fn is_empty_container(v: &Value) -> bool {
        matches!(v, Value::Object(m) if m.is_empty())
            || matches!(v, Value::Array(a) if a.is_empty())
    }
    let managed = value
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove("managedFields"));
    walk(value, omit_empty);
    if let (Some(list), Some(obj)) = (managed, value.as_object_mut()) {
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("managedFields".to_string(), list);
        }
    }
}

/// Whether normalization ([`normalize`]) would leave
/// `value` as it is: no `null` member and, with `omit_empty`, no empty
/// object or list member (read without recursion).
pub(super) fn is_normal(value: &Value, omit_empty: bool) -> bool {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                for x in m.values() {
                    match x {
                        Value::Null => return false,
                        Value::Object(o) if omit_empty && o.is_empty() => return false,
                        Value::Array(a) if omit_empty && a.is_empty() => return false,
                        Value::Object(_) | Value::Array(_) => stack.push(x),
                        _ => {}
                    }
                }
            }
            Value::Array(items) => {
                stack.extend(items.iter().filter(|x| x.is_object() || x.is_array()))
            }
            _ => {}
        }
    }
    true
}

/// The zero object a create starts from.
pub(super) fn zero_object(config: &Value) -> Value {
    let mut m = Map::new();
    for k in ["apiVersion", "kind"] {
        if let Some(v) = config.get(k) {
            m.insert(k.to_string(), v.clone());
        }
    }
    Value::Object(m)
}
