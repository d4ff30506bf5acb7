//! Element identities: what makes two list elements "the same" element.
//!
//! A scalar is its own identity, compared strictly (integer 80 is not float
//! 80.0, `true` is not 1). An object in a keyed list is identified by its
//! [`MergeKey`]: one field, several fields (with defaults), or the set of the
//! keys of one of its child lists.

use serde_json::{Map, Value};

use crate::schema::{MergeKey, NodeId, Schema};

/// A hashable identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Ident {
    Null,
    Bool(bool),
    Int(i64),
    /// An f64 by its bits (`-0.0` folded into `0.0`).
    Float(u64),
    Str(String),
    Tuple(Vec<Ident>),
    Set(Vec<Ident>),
}

/// The seven value classes of the strategic-merge value model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Null,
    Bool,
    Int,
    Float,
    Str,
    List,
    Object,
}

pub(crate) fn class(v: &Value) -> Class {
    match v {
        Value::Null => Class::Null,
        Value::Bool(_) => Class::Bool,
        Value::Number(n) if n.is_i64() => Class::Int,
        Value::Number(_) => Class::Float,
        Value::String(_) => Class::Str,
        Value::Array(_) => Class::List,
        Value::Object(_) => Class::Object,
    }
}

/// The identity of a scalar; `None` for an object or a list (not comparable).
pub(crate) fn scalar(v: &Value) -> Option<Ident> {
    Some(match v {
        Value::Null => Ident::Null,
        Value::Bool(b) => Ident::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ident::Int(i),
            None => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Ident::Float(if f == 0.0 { 0 } else { f.to_bits() })
            }
        },
        Value::String(s) => Ident::Str(s.clone()),
        Value::Array(_) | Value::Object(_) => return None,
    })
}

/// Why an element has no usable key.
pub(crate) enum KeyProblem {
    /// A key field is absent (and has no default).
    Missing,
    /// A key value is an object or a list (upstream crashes comparing them).
    Uncomparable,
}

/// The identity of object `elem` of a list whose elements have node `item`,
/// under `key`.
pub(crate) fn of_element(
    elem: &Map<String, Value>,
    key: &MergeKey,
    schema: &Schema,
    item: NodeId,
) -> Result<Ident, KeyProblem> {
    match key {
        MergeKey::Field(name) => {
            let v = elem.get(name).ok_or(KeyProblem::Missing)?;
            scalar(v).ok_or(KeyProblem::Uncomparable)
        }
        MergeKey::Fields(fields) => {
            let mut parts = Vec::with_capacity(fields.len());
            for f in fields {
                let v = match (elem.get(&f.name), &f.default) {
                    (Some(v), _) if !v.is_null() => v,
                    (_, Some(d)) => d,
                    (Some(v), None) => v,
                    (None, None) => return Err(KeyProblem::Missing),
                };
                parts.push(scalar(v).ok_or(KeyProblem::Uncomparable)?);
            }
            Ok(Ident::Tuple(parts))
        }
        MergeKey::ChildSet(list) => {
            let mut members = Vec::new();
            if let Some(Value::Array(children)) = elem.get(list) {
                let child = schema.lookup_list(item, list).ok();
                let child_key = child
                    .and_then(|c| c.field)
                    .and_then(|f| f.merge_key.as_ref());
                for c in children {
                    let ident = match (c, child_key, child) {
                        (Value::Object(m), _, _) if m.contains_key("$patch") => continue,
                        (Value::Object(m), Some(k), Some(l)) => of_element(m, k, schema, l.node)?,
                        (other, _, _) => scalar(other).ok_or(KeyProblem::Uncomparable)?,
                    };
                    members.push(ident);
                }
            }
            members.sort();
            members.dedup();
            Ok(Ident::Set(members))
        }
    }
}
