//! Element identities: what makes two list elements "the same" element.
//!
//! A scalar is its own identity, compared strictly (integer 80 is not float
//! 80.0, `true` is not 1). An object in a keyed list is identified by its
//! [`MergeKey`]: one field, several fields (with defaults), or the set of the
//! keys of one of its child lists.

use serde_json::{Map, Value};

use crate::schema::cursor::Cursor;
use crate::schema::identity::{self, Key, Reading, SetMember};
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

/// How strategic merge reads keys where it differs from apply: upstream
/// looks its merge key up by presence, so an explicit `null` is a key value
/// and an absent key field is `ErrNoMergeKey`; `$patch` elements of a child
/// list are instructions, not members of a port set.
pub(crate) const READING: Reading = Reading {
    null_is_a_value: true,
    every_field: true,
    skip_directives: true,
};

/// The identity of object `elem` of a list whose elements have node `item`,
/// under `key`: the shared key rule, read as strategic merge reads it.
pub(crate) fn of_element(
    elem: &Map<String, Value>,
    key: &MergeKey,
    schema: &Schema,
    item: NodeId,
) -> Result<Ident, KeyProblem> {
    let key = identity::key_of(Cursor::new(schema, item), key, elem, READING)
        .map_err(|_| KeyProblem::Missing)?;
    of_key(&key).ok_or(KeyProblem::Uncomparable)
}

/// A key as a hashable identity: the value of a one-field key, a tuple of
/// several, the sorted and folded members of a set; `None` where a key value
/// is an object or a list.
pub(crate) fn of_key(key: &Key<'_>) -> Option<Ident> {
    match key {
        Key::Fields(fields) => match fields.as_slice() {
            [(_, v)] => scalar(v),
            many => many
                .iter()
                .map(|(_, v)| scalar(v))
                .collect::<Option<_>>()
                .map(Ident::Tuple),
        },
        Key::Set(_, members) => {
            let mut idents = members
                .iter()
                .map(|m| match m {
                    SetMember::Value(v) => scalar(v),
                    SetMember::Key(k) => of_key(k),
                })
                .collect::<Option<Vec<_>>>()?;
            idents.sort();
            idents.dedup();
            Some(Ident::Set(idents))
        }
    }
}
