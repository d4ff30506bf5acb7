//! The merge-key-to-identity rule: what makes two elements of a keyed list
//! the same element.
//!
//! One rule serves strategic merge and server-side apply. An element's
//! [`Key`] is read off the element under its list's [`MergeKey`]:
//!
//! * a key field has a value when the element holds it (not `null`), or when
//!   the field has a default;
//! * a [`MergeKey::ChildSet`] key is the set of the keys of the elements of
//!   the named child list (an EndpointSubset *is* its set of ports), read by
//!   the child list's own merge key, or by value where it has none.
//!
//! What the two strategies read differently is a [`Reading`], whose every
//! field names one difference; each strategy keeps its reading beside its own
//! code. Each then turns the [`Key`] into its own identity: strategic merge a
//! hashable value, apply a `k:` path element.

use serde_json::{Map, Value};

use super::MergeKey;
use super::cursor::Cursor;

/// How a strategy reads keys where strategic merge and apply differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reading {
    /// An explicit `null` in a key field without a default is a key value
    /// (upstream strategic merge looks its merge key up by presence), rather
    /// than no value.
    pub null_is_a_value: bool,
    /// Every key field must have a value (upstream strategic merge requires
    /// its merge key), rather than a key made of the fields that have one
    /// (structured-merge-diff), which fails only when none has.
    pub every_field: bool,
    /// Child elements that carry `$patch` are instructions, not members of
    /// a set identity.
    pub skip_directives: bool,
}

/// The identity of one list element, borrowed from the element and the schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Key<'a> {
    /// The key fields that have a value, with their values, in key order.
    Fields(Vec<(&'a str, &'a Value)>),
    /// A set identity: the child list's name and its members' keys, in list
    /// order, repeats included (each strategy sorts and folds them its way).
    Set(&'a str, Vec<SetMember<'a>>),
}

/// One member of a set identity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SetMember<'a> {
    /// A child without a key of its own: identified by its value.
    Value(&'a Value),
    /// A keyed child.
    Key(Key<'a>),
}

/// Why an element has no key: the key (the element's own, or a child's) none
/// of whose fields — or, read with [`Reading::every_field`], one of whose
/// fields — has a value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MissingKey<'a>(pub &'a MergeKey);

/// The key of element `elem` of a list whose elements are at `items`.
pub(crate) fn key_of<'a>(
    items: Cursor<'a>,
    key: &'a MergeKey,
    elem: &'a Map<String, Value>,
    reading: Reading,
) -> Result<Key<'a>, MissingKey<'a>> {
    let value_of = |name: &str, default: Option<&'a Value>| -> Option<&'a Value> {
        match (elem.get(name), default) {
            (Some(v), _) if !v.is_null() => Some(v),
            (_, Some(d)) => Some(d),
            (Some(v), None) if reading.null_is_a_value => Some(v),
            _ => None,
        }
    };
    match key {
        MergeKey::Field(name) => match value_of(name, None) {
            Some(v) => Ok(Key::Fields(vec![(name.as_str(), v)])),
            None => Err(MissingKey(key)),
        },
        MergeKey::Fields(fields) => {
            let mut parts = Vec::with_capacity(fields.len());
            for f in fields {
                match value_of(&f.name, f.default.as_ref()) {
                    Some(v) => parts.push((f.name.as_str(), v)),
                    None if reading.every_field => return Err(MissingKey(key)),
                    None => {}
                }
            }
            if parts.is_empty() {
                return Err(MissingKey(key));
            }
            Ok(Key::Fields(parts))
        }
        MergeKey::ChildSet(list) => {
            let child = items.child_list(list);
            let mut members = Vec::new();
            if let Some(Value::Array(children)) = elem.get(list.as_str()) {
                members.reserve(children.len());
                for c in children {
                    let member = match (c, child) {
                        (Value::Object(m), _)
                            if reading.skip_directives && m.contains_key("$patch") =>
                        {
                            continue;
                        }
                        (Value::Object(m), Some((child_items, Some(child_key)))) => {
                            SetMember::Key(key_of(child_items, child_key, m, reading)?)
                        }
                        (other, _) => SetMember::Value(other),
                    };
                    members.push(member);
                }
            }
            Ok(Key::Set(list.as_str(), members))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::Schema;

    const LENIENT: Reading = Reading {
        null_is_a_value: false,
        every_field: false,
        skip_directives: false,
    };
    const STRICT: Reading = Reading {
        null_is_a_value: true,
        every_field: true,
        skip_directives: true,
    };

    fn subsets(schema: &Schema) -> (Cursor<'_>, &MergeKey) {
        let root = Cursor::new(schema, schema.root_for("v1", "Endpoints").unwrap());
        let (items, key) = root.child_list("subsets").unwrap();
        (items, key.unwrap())
    }

    #[test]
    fn port_set_identity_reads_child_keys_with_defaults() {
        let schema = Schema::endpoints();
        let (items, key) = subsets(&schema);
        let elem = json!({"ports": [{"port": 80}, {"port": 53, "name": "dns"}]});
        let got = key_of(items, key, elem.as_object().unwrap(), LENIENT).unwrap();
        let Key::Set(list, members) = got else {
            panic!("a subset has a set identity")
        };
        assert_eq!(list, "ports");
        assert_eq!(
            members,
            vec![
                SetMember::Key(Key::Fields(vec![
                    ("port", &json!(80)),
                    ("name", &json!(""))
                ])),
                SetMember::Key(Key::Fields(vec![
                    ("port", &json!(53)),
                    ("name", &json!("dns"))
                ])),
            ]
        );
    }

    #[test]
    fn readings_differ_only_where_named() {
        let schema = Schema::endpoints();
        let (items, key) = subsets(&schema);
        let (ports, port_key) = items.child_list("ports").unwrap();
        let port_key = port_key.unwrap();
        // A null port: no value when read leniently (the default name alone
        // keys it), a null value when read strictly.
        let null_port = json!({"port": null});
        let m = null_port.as_object().unwrap();
        assert_eq!(
            key_of(ports, port_key, m, LENIENT).unwrap(),
            Key::Fields(vec![("name", &json!(""))])
        );
        assert_eq!(
            key_of(ports, port_key, m, STRICT).unwrap(),
            Key::Fields(vec![("port", &Value::Null), ("name", &json!(""))])
        );
        // An absent port: a partial key leniently, no key strictly.
        let no_port = json!({"name": "x"});
        let m = no_port.as_object().unwrap();
        assert!(key_of(ports, port_key, m, LENIENT).is_ok());
        assert!(key_of(ports, port_key, m, STRICT).is_err());
        // A directive child is no member when directives are skipped.
        let with_directive = json!({"ports": [{"port": 80}, {"$patch": "delete", "port": 81}]});
        let m = with_directive.as_object().unwrap();
        let count = |r| match key_of(items, key, m, r).unwrap() {
            Key::Set(_, members) => members.len(),
            Key::Fields(_) => unreachable!("subsets have a set identity"),
        };
        assert_eq!((count(LENIENT), count(STRICT)), (2, 1));
    }
}
