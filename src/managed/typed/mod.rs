//! Values walked with their schema, as server-side apply sees them, split as
//! structured-merge-diff splits its typed operations: the set of fields a
//! value sets ([`Typed::field_set`]), the change set between two values
//! ([`Typed::compare`]), the merge of an applied configuration into the live
//! object ([`Typed::merge`]), and removal of paths ([`Typed::remove`]).
//!
//! This module holds the walker and what every walk shares: how a node
//! holding a value is treated (its `Shape`), the node of an object member and
//! the path element of a list item.
//!
//! ```
//! use kubepatch::managed::typed::Typed;
//! use kubepatch::schema::Schema;
//! use serde_json::json;
//!
//! let schema = Schema::endpoints();
//! let typed = Typed::new(&schema);
//! let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}});
//! let config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"labels": {"app": "web"}}});
//! let root = schema.root_of(&live).unwrap();
//! let merged = typed.merge(&live, &config, root).unwrap();
//! assert_eq!(merged["metadata"], json!({"name": "web", "labels": {"app": "web"}}));
//! let changes = typed.compare(&live, &merged, root);
//! assert_eq!(changes.added.paths().len(), 2);
//! ```

mod compare;
mod field_set;
mod merge;
mod remove;

use serde_json::{Map, Value};

use crate::fieldpath::{PathElement, value_cmp};
use crate::schema::{ListType, MergeKey, Node, NodeId, Schema, StructNode, UNTYPED, Unknown};

pub use compare::Changes;

/// A value that does not fit the schema (upstream: a typed-conversion error).
///
/// ```
/// use kubepatch::managed::typed::Typed;
/// use kubepatch::schema::Schema;
/// use serde_json::json;
///
/// fn owned(config: &serde_json::Value) -> Result<usize, Box<dyn std::error::Error>> {
///     let schema = Schema::endpoints();
///     let root = schema.root_of(config).ok_or("no such kind")?;
///     Ok(Typed::new(&schema).field_set(config, root)?.paths().len())
/// }
/// let config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"finalizers": ["a", "a"]}});
/// let err = owned(&config).unwrap_err();
/// assert_eq!(err.to_string(), r#".metadata.finalizers: duplicate entries for key [="a"]"#);
/// ```
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
    /// An object whose members are owned separately; `None` is a deduced map.
    Fields(Option<&'s StructNode>, Option<NodeId>),
    /// A set of scalars.
    Set(NodeId),
    /// A list of objects identified by a key.
    Keyed(&'s MergeKey, NodeId),
}

/// The walker: a schema and the node of the object's root.
pub struct Typed<'s> {
    schema: &'s Schema,
}

impl<'s> Typed<'s> {
    /// A walker over `schema`.
    pub fn new(schema: &'s Schema) -> Self {
        Typed { schema }
    }

    fn resolve(&self, mut id: NodeId) -> &'s Node {
        for _ in 0..=self.schema.len() {
            match self.schema.node(id) {
                Node::Pointer(to) => id = *to,
                other => return other,
            }
        }
        self.schema.node(UNTYPED)
    }

    fn shape(&self, node: NodeId, value: &Value) -> Shape<'s> {
        match (self.resolve(node), value) {
            (Node::Struct(s), Value::Object(_)) if !s.atomic => Shape::Fields(Some(s), s.extra),
            (
                Node::Map {
                    values,
                    atomic: false,
                },
                Value::Object(_),
            ) => Shape::Fields(None, Some(*values)),
            (Node::Untyped, Value::Object(_)) => Shape::Fields(None, None),
            (Node::List(l), Value::Array(_)) => match &l.list_type {
                ListType::Atomic => Shape::Leaf,
                ListType::Set => Shape::Set(l.items),
                ListType::Map(key) => Shape::Keyed(key, l.items),
            },
            _ => Shape::Leaf,
        }
    }

    /// The node of member `key` of an object of shape `Fields(s, extra)`, and
    /// whether it is a declared struct field.
    fn member(
        &self,
        s: Option<&StructNode>,
        extra: Option<NodeId>,
        key: &str,
        path: &[PathElement],
    ) -> Result<(NodeId, bool), SchemaError> {
        if let Some(f) = s.and_then(|s| s.fields.get(key)) {
            return Ok((f.node, true));
        }
        match (s, extra) {
            (_, Some(values)) => Ok((values, false)),
            (None, None) => Ok((UNTYPED, false)),
            (Some(s), None) if s.unknown == Unknown::Untyped => Ok((UNTYPED, false)),
            (Some(_), None) => {
                let mut p = path.to_vec();
                p.push(PathElement::Field(key.to_string()));
                Err(SchemaError {
                    path: render(&p),
                    message: "field not declared in schema".to_string(),
                })
            }
        }
    }

    /// The path element of a list item: `v:` for a set, `k:` for a keyed list.
    pub(crate) fn item_element(
        &self,
        shape_key: Option<(&MergeKey, NodeId)>,
        item: &Value,
        path: &[PathElement],
    ) -> Result<PathElement, SchemaError> {
        let err = |message: String| SchemaError {
            path: render(path),
            message,
        };
        match shape_key {
            None => match item {
                Value::Object(_) | Value::Array(_) | Value::Null => {
                    Err(err(format!("set items must be scalars, not {item}")))
                }
                v => Ok(PathElement::Value(v.clone())),
            },
            Some((key, items)) => {
                let Value::Object(obj) = item else {
                    return Err(err(format!(
                        "associative list items must be objects, not {item}"
                    )));
                };
                Ok(PathElement::key(
                    self.key_fields(key, items, obj).map_err(err)?,
                ))
            }
        }
    }

    fn key_fields(
        &self,
        key: &MergeKey,
        items: NodeId,
        obj: &Map<String, Value>,
    ) -> Result<Vec<(String, Value)>, String> {
        match key {
            MergeKey::Field(name) => match obj.get(name) {
                Some(v) => Ok(vec![(name.clone(), v.clone())]),
                None => Err(format!(
                    "associative list with keys has an element that omits all key fields [{name:?}]"
                )),
            },
            MergeKey::Fields(fields) => {
                let mut out = Vec::with_capacity(fields.len());
                for f in fields {
                    match (obj.get(&f.name), &f.default) {
                        (Some(v), _) if !v.is_null() => out.push((f.name.clone(), v.clone())),
                        (_, Some(d)) => out.push((f.name.clone(), d.clone())),
                        _ => {}
                    }
                }
                if out.is_empty() {
                    let names: Vec<String> =
                        fields.iter().map(|f| format!("{:?}", f.name)).collect();
                    return Err(format!(
                        "associative list with keys has an element that omits all key fields [{}] (and doesn't have default values for any key fields)",
                        names.join(" ")
                    ));
                }
                Ok(out)
            }
            MergeKey::ChildSet(list) => {
                let child = match self.resolve(items) {
                    Node::Struct(s) => s.fields.get(list).map(|f| f.node),
                    _ => None,
                };
                let child_key = child.and_then(|c| match self.resolve(c) {
                    Node::List(l) => match &l.list_type {
                        ListType::Map(k) => Some((k, l.items)),
                        _ => None,
                    },
                    _ => None,
                });
                let mut members = Vec::new();
                if let Some(Value::Array(children)) = obj.get(list) {
                    for c in children {
                        let member = match (c, child_key) {
                            (Value::Object(m), Some((k, ci))) => {
                                Value::Object(self.key_fields(k, ci, m)?.into_iter().collect())
                            }
                            (other, _) => other.clone(),
                        };
                        members.push(member);
                    }
                }
                members.sort_by(value_cmp);
                members.dedup();
                Ok(vec![(list.clone(), Value::Array(members))])
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
        match (self.resolve(node), e) {
            (Node::Struct(s), PathElement::Field(k)) => s
                .fields
                .get(k)
                .map(|f| f.node)
                .or(s.extra)
                .unwrap_or(UNTYPED),
            (Node::Map { values, .. }, PathElement::Field(_)) => *values,
            (Node::List(l), _) => l.items,
            _ => UNTYPED,
        }
    }
}

/// SMD's prefix for a problem with one list item: `element <i>: `.
fn at_element(index: usize, mut e: SchemaError) -> SchemaError {
    e.message = format!("element {index}: {}", e.message);
    e
}

/// Render a path as upstream does (`.a.b[k="v"]`).
pub(crate) fn render(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}
