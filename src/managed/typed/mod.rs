//! Values walked with their schema, as server-side apply sees them, split as
//! structured-merge-diff splits its typed operations: the set of fields a
//! value sets ([`Typed::field_set`]), the change set between two values
//! ([`Typed::compare`]), the merge of an applied configuration into the live
//! object, which finds the configuration's field set in the same walk
//! ([`Typed::merge_config`]), and removal of paths ([`Typed::remove`]).
//!
//! This module holds the walker and what every walk shares: how a node
//! holding a value is treated (its `Shape`), the node of an object member and
//! the path element of a list item, borrowed from the item while a walk
//! passes it along ([`ElementRef`]).

mod compare;
mod field_set;
mod merge;
mod remove;

pub(crate) use merge::Merged;

use serde_json::Value;

use crate::fieldpath::{ElementRef, PathElement, value_cmp};
use crate::schema::cursor::{Cursor, Member};
use crate::schema::identity::{self, Key, MissingKey, Reading, SetMember};
use crate::schema::{ListType, MergeKey, Node, NodeId, Schema, UNTYPED, Unknown};

/// A value that does not fit the schema (upstream: a typed-conversion error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// Where, rendered as upstream renders paths (`.spec.foo`).
    pub path: String,
    /// What.
    pub message: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for SchemaError {}

/// How server-side apply treats a node holding a given value.
#[derive(Clone, Copy)]
enum Shape<'s> {
    /// A scalar, or an atomic object or list: owned whole.
    Leaf,
    /// An object whose members are owned separately (a struct, a map, or an
    /// untyped object), at its node.
    Fields(Cursor<'s>),
    /// A set of scalars.
    Set(NodeId),
    /// A list of objects identified by a key.
    Keyed(&'s MergeKey, NodeId),
}

/// How apply reads list-map keys (structured-merge-diff's rules): a key
/// field set to `null` has no value, a key made of the fields that have a
/// value will do, and `$patch` is data like any other member.
pub(crate) const READING: Reading = Reading {
    null_is_a_value: false,
    every_field: false,
    skip_directives: false,
};

/// The walker of apply's typed operations over one schema; each walk takes
/// the node it starts at.
pub struct Typed<'s> {
    schema: &'s Schema,
}

impl<'s> Typed<'s> {
    /// A walker over `schema`.
    pub fn new(schema: &'s Schema) -> Self {
        Typed { schema }
    }

    fn at(&self, node: NodeId) -> Cursor<'s> {
        Cursor::new(self.schema, node)
    }

    fn shape(&self, node: NodeId, value: &Value) -> Shape<'s> {
        let at = self.at(node);
        match (at.node(), value) {
            (Node::Struct(s), Value::Object(_)) if !s.atomic => Shape::Fields(at),
            (Node::Map { atomic: false, .. } | Node::Untyped, Value::Object(_)) => {
                Shape::Fields(at)
            }
            (Node::List(l), Value::Array(_)) => match &l.list_type {
                ListType::Atomic => Shape::Leaf,
                ListType::Set => Shape::Set(l.items),
                ListType::Map(key) => Shape::Keyed(key, l.items),
            },
            _ => Shape::Leaf,
        }
    }

    /// The node of member `key` of an object at `at`, and whether it is a
    /// declared struct field; a member the struct refuses is an error.
    fn member<E: std::fmt::Display>(
        &self,
        at: Cursor<'s>,
        key: &str,
        path: &[E],
    ) -> Result<(NodeId, bool), SchemaError> {
        match at.member(key) {
            Member::Declared(f) => Ok((f.node, true)),
            Member::Undeclared(Unknown::Error | Unknown::Lenient) => Err(SchemaError {
                path: format!("{}{}", render(path), ElementRef::Field(key)),
                message: "field not declared in schema".to_string(),
            }),
            other => Ok((other.node(), false)),
        }
    }

    /// The path element of a list item: `v:` for a set, `k:` for a keyed list.
    pub(crate) fn item_element<E: std::fmt::Display>(
        &self,
        shape_key: Option<(&MergeKey, NodeId)>,
        item: &Value,
        path: &[E],
    ) -> Result<PathElement, SchemaError> {
        self.item_ref(shape_key, item, path)
            .map(ElementRef::into_owned)
    }

    /// [`item_element`](Self::item_element) borrowed from the item (a set
    /// identity, which is built, aside).
    fn item_ref<'v, E: std::fmt::Display>(
        &self,
        shape_key: Option<(&'v MergeKey, NodeId)>,
        item: &'v Value,
        path: &[E],
    ) -> Result<ElementRef<'v>, SchemaError>
    where
        's: 'v,
    {
        let err = |message: String| SchemaError {
            path: render(path),
            message,
        };
        match shape_key {
            None => match item {
                Value::Object(_) | Value::Array(_) | Value::Null => {
                    Err(err(format!("set items must be scalars, not {item}")))
                }
                v => Ok(ElementRef::Value(v)),
            },
            Some((key, items)) => {
                let Value::Object(obj) = item else {
                    return Err(err(format!(
                        "associative list items must be objects, not {item}"
                    )));
                };
                match identity::key_of(self.at(items), key, obj, READING) {
                    Ok(Key::Fields(fields)) => Ok(ElementRef::key(fields)),
                    Ok(k) => Ok(ElementRef::Owned(key_element(&k))),
                    Err(MissingKey(key)) => Err(err(omitted(key))),
                }
            }
        }
    }

    /// The key of a keyed list (`None` for a set) and the node of its items.
    fn list_parts(&self, node: NodeId, value: &Value) -> (Option<(&'s MergeKey, NodeId)>, NodeId) {
        match self.shape(node, value) {
            Shape::Keyed(k, items) => (Some((k, items)), items),
            Shape::Set(items) => (None, items),
            _ => (None, UNTYPED),
        }
    }

    /// The node below `node` along one path element.
    fn child_node(&self, node: NodeId, e: &PathElement) -> NodeId {
        let at = self.at(node);
        match (at.node(), e) {
            (Node::List(l), _) => l.items,
            (_, PathElement::Field(k)) => at.member(k).node(),
            _ => UNTYPED,
        }
    }
}

/// The `k:` path element of a key: its fields by name; a set identity is
/// one field, the child list, holding the members' keys sorted and folded.
pub(crate) fn key_element(key: &Key<'_>) -> PathElement {
    PathElement::key(key_fields(key))
}

/// The fields of a key's `k:` path element (see [`key_element`]).
pub(crate) fn key_fields(key: &Key<'_>) -> Vec<(String, Value)> {
    match key {
        Key::Fields(fields) => fields
            .iter()
            .map(|(name, v)| (name.to_string(), (*v).clone()))
            .collect(),
        Key::Set(list, members) => {
            let mut values: Vec<Value> = members
                .iter()
                .map(|m| match m {
                    SetMember::Value(v) => (*v).clone(),
                    SetMember::Key(k) => Value::Object(key_fields(k).into_iter().collect()),
                })
                .collect();
            values.sort_by(value_cmp);
            values.dedup();
            vec![(list.to_string(), Value::Array(values))]
        }
    }
}

/// SMD's words for an element none of whose key fields has a value.
fn omitted(key: &MergeKey) -> String {
    match key {
        MergeKey::Field(name) => {
            format!(
                "associative list with keys has an element that omits all key fields [{name:?}]"
            )
        }
        MergeKey::Fields(fields) => {
            let names: Vec<String> = fields.iter().map(|f| format!("{:?}", f.name)).collect();
            format!(
                "associative list with keys has an element that omits all key fields [{}] (and doesn't have default values for any key fields)",
                names.join(" ")
            )
        }
        // A set identity always exists (possibly empty): never missing.
        MergeKey::ChildSet(list) => format!("element has no set of {list}"),
    }
}

/// SMD's prefix for a problem with one list item: `element <i>: `.
fn at_element(index: usize, mut e: SchemaError) -> SchemaError {
    e.message = format!("element {index}: {}", e.message);
    e
}

/// Render a path as upstream does (`.a.b[k="v"]`).
pub(crate) fn render<E: std::fmt::Display>(path: &[E]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// The examples that documented this module, as unit tests.
#[cfg(test)]
mod examples {
    #[test]
    fn example_1() {
        use crate::managed::typed::Typed;
        use crate::schema::Schema;
        use serde_json::json;

        let schema = Schema::endpoints();
        let typed = Typed::new(&schema);
        let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}});
        let config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"labels": {"app": "web"}}});
        let root = schema.root_of(&live).unwrap();
        let merged = typed.merge(&live, &config, root).unwrap();
        assert_eq!(
            merged["metadata"],
            json!({"name": "web", "labels": {"app": "web"}})
        );
        let changes = typed.compare(&live, &merged, root);
        assert_eq!(changes.added.paths().len(), 2);
    }

    #[test]
    fn example_2() {
        use crate::managed::typed::Typed;
        use crate::schema::Schema;
        use serde_json::json;

        fn owned(config: &serde_json::Value) -> Result<usize, Box<dyn std::error::Error>> {
            let schema = Schema::endpoints();
            let root = schema.root_of(config).ok_or("no such kind")?;
            Ok(Typed::new(&schema).field_set(config, root)?.paths().len())
        }
        let config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"finalizers": ["a", "a"]}});
        let err = owned(&config).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#".metadata.finalizers: duplicate entries for key [="a"]"#
        );
    }
}
