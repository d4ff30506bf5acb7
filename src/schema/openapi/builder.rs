//! The [`Builder`]: OpenAPI schema objects to [`Schema`] nodes, one node per
//! definition, with list types, list-map keys and strategic-merge metadata.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::shapes::{
    Shape, def_name, flag, is_atomic_map, known_default, ref_of, shape, text, type_of,
};
use super::{LoadError, Options};
use crate::schema::{
    Field, KeyField, ListNode, ListType, MergeKey, Node, NodeId, Schema, Strategy, StructNode,
    UNTYPED, Unknown,
};

/// Inline schemas nested deeper than this are refused (a guard for documents
/// built in memory; parsed JSON is limited to 128 levels anyway).
const MAX_DEPTH: usize = 512;

/// Fills the arena. Definitions are built from a work list, not by recursion,
/// so a long chain of references cannot exhaust the stack.
pub(super) struct Builder<'a> {
    schema: Schema,
    defs: &'a Map<String, Value>,
    options: Options,
    /// Whether CRD rules apply (implicit ObjectMeta for embedded resources).
    crd: bool,
    memo: HashMap<Cow<'a, str>, NodeId>,
    pending: Vec<(NodeId, &'a Value, Cow<'a, str>)>,
    /// `$ref` properties whose own `x-kubernetes-map-type` overrides the
    /// definition's: (placeholder node, definition node, atomic).
    overrides: Vec<(NodeId, NodeId, bool)>,
    object_meta: Option<NodeId>,
    /// The pointer node of each definition node ([`Builder::pointer_to`]).
    pointers: HashMap<NodeId, NodeId>,
}

impl<'a> Builder<'a> {
    /// A builder over `defs` (empty for a CRD); `crd` turns on the CRD rules.
    pub(super) fn new(defs: &'a Map<String, Value>, options: Options, crd: bool) -> Self {
        Builder {
            schema: Schema::new(),
            defs,
            options,
            crd,
            memo: HashMap::new(),
            pending: Vec::new(),
            overrides: Vec::new(),
            pointers: HashMap::new(),
            object_meta: None,
        }
    }

    /// The definition's schema, following aliases (a definition that is only
    /// a `$ref`), and its final name.
    fn resolve(&self, name: Cow<'a, str>) -> Result<(&'a Value, Cow<'a, str>), LoadError> {
        let mut name = name;
        for _ in 0..=self.defs.len() {
            let defs: &'a Map<String, Value> = self.defs;
            let s = defs
                .get(name.as_ref())
                .ok_or_else(|| LoadError::UnresolvedRef {
                    definition: name.to_string(),
                })?;
            match ref_of(s) {
                Some(r) => name = def_name(r)?,
                None => return Ok((s, name)),
            }
        }
        Err(LoadError::RefCycle {
            definition: name.into_owned(),
        })
    }

    /// The node of a definition: memoized; allocated now, filled when the
    /// work list reaches it.
    pub(super) fn def(&mut self, name: &'a str) -> Result<NodeId, LoadError> {
        self.def_cow(Cow::Borrowed(name))
    }

    /// [`Builder::def`] for a name that may be owned (unescaped from a `$ref`).
    fn def_cow(&mut self, name: Cow<'a, str>) -> Result<NodeId, LoadError> {
        if let Some(&id) = self.memo.get(name.as_ref()) {
            return Ok(id);
        }
        let (s, target) = self.resolve(name.clone())?;
        if let Some(&id) = self.memo.get(target.as_ref()) {
            self.memo.insert(name, id);
            return Ok(id);
        }
        let id = match shape(s)? {
            Shape::Untyped => UNTYPED,
            Shape::Scalar => self.schema.add(Node::Scalar),
            _ => {
                let id = self.schema.add(Node::Untyped);
                self.pending.push((id, s, target.clone()));
                id
            }
        };
        self.memo.insert(target, id);
        self.memo.insert(name, id);
        Ok(id)
    }

    /// Add a node to the schema being built.
    pub(super) fn add(&mut self, node: Node) -> NodeId {
        self.schema.add(node)
    }

    /// The one pointer node to a definition's node. A `$ref` field is a
    /// pointer as upstream's `PatchMetaFromOpenAPI` sees a reference: object
    /// lookups see through it, and a list lookup on it uses the definition
    /// itself as the element type instead of failing (as a Go pointer field
    /// under struct tags).
    fn pointer_to(&mut self, target: NodeId) -> NodeId {
        if let Some(&id) = self.pointers.get(&target) {
            return id;
        }
        let id = self.schema.add(Node::Pointer(target));
        self.pointers.insert(target, id);
        id
    }

    /// Fill every pending definition and apply the map-type overrides.
    pub(super) fn finish(mut self) -> Result<Schema, LoadError> {
        while let Some((id, s, name)) = self.pending.pop() {
            let node = self.build_node(s, Some(name.as_ref()), 0)?;
            self.schema.set(id, node);
        }
        for (id, target, atomic) in std::mem::take(&mut self.overrides) {
            let mut node = self.schema.node(target).clone();
            match &mut node {
                Node::Struct(s) => s.atomic = atomic,
                Node::Map { atomic: a, .. } => *a = atomic,
                _ => {}
            }
            self.schema.set(id, node);
        }
        Ok(self.schema)
    }

    /// The node id of an inline schema (a definition's node for a reference).
    fn build(&mut self, s: &'a Value, depth: usize) -> Result<NodeId, LoadError> {
        if depth > MAX_DEPTH {
            return Err(LoadError::TooDeep { limit: MAX_DEPTH });
        }
        match shape(s)? {
            Shape::Ref(name) => self.def_cow(name),
            Shape::Untyped => Ok(UNTYPED),
            Shape::Scalar => Ok(self.schema.add(Node::Scalar)),
            Shape::List | Shape::Struct | Shape::Map => {
                let node = self.build_node(s, None, depth)?;
                Ok(self.schema.add(node))
            }
        }
    }

    /// The node of a non-reference schema; `owner` names the definition.
    fn build_node(
        &mut self,
        s: &'a Value,
        owner: Option<&str>,
        depth: usize,
    ) -> Result<Node, LoadError> {
        Ok(match shape(s)? {
            Shape::Ref(_) | Shape::Untyped => Node::Untyped,
            Shape::Scalar => Node::Scalar,
            Shape::List => {
                let items = match s.get("items") {
                    Some(i) if i.is_object() => self.build(i, depth + 1)?,
                    _ => UNTYPED,
                };
                Node::List(ListNode {
                    items,
                    list_type: self.list_type(s),
                })
            }
            Shape::Map => {
                let values = match s.get("additionalProperties") {
                    Some(v) if v.is_object() => self.build(v, depth + 1)?,
                    _ => UNTYPED,
                };
                Node::Map {
                    values,
                    atomic: is_atomic_map(s),
                }
            }
            Shape::Struct => Node::Struct(self.build_struct(s, owner, depth)?),
        })
    }

    /// The struct node of an object schema: its properties as fields, its
    /// unknown fields and `additionalProperties`, and for an embedded
    /// resource of a CRD, its `apiVersion`, `kind` and ObjectMeta.
    pub(super) fn build_struct(
        &mut self,
        s: &'a Value,
        owner: Option<&str>,
        depth: usize,
    ) -> Result<StructNode, LoadError> {
        let embedded = flag(s, "x-kubernetes-embedded-resource");
        let mut node = StructNode {
            fields: HashMap::new(),
            unknown: if embedded || flag(s, "x-kubernetes-preserve-unknown-fields") {
                Unknown::Untyped
            } else {
                Unknown::Error
            },
            atomic: is_atomic_map(s),
            extra: match s.get("additionalProperties") {
                Some(v) if v.is_object() => Some(self.build(v, depth + 1)?),
                Some(Value::Bool(true)) => Some(UNTYPED),
                _ => None,
            },
        };
        if let Some(properties) = s.get("properties").and_then(Value::as_object) {
            node.fields.reserve(properties.len());
            for (name, p) in properties {
                let field = self.field(p, owner, name, depth + 1)?;
                node.fields.insert(name.clone(), field);
            }
        }
        if self.crd && embedded {
            self.add_type_meta(&mut node, false);
        }
        Ok(node)
    }

    /// A struct field: its node and strategic-merge metadata.
    fn field(
        &mut self,
        p: &'a Value,
        owner: Option<&str>,
        name: &str,
        depth: usize,
    ) -> Result<Field, LoadError> {
        let mut node = self.build(p, depth)?;
        if ref_of(p).is_some() && node != UNTYPED {
            if let Some(map_type) = text(p, "x-kubernetes-map-type") {
                // SMD: the reference's own map type overrides the definition's.
                let id = self.schema.add(Node::Untyped);
                self.overrides.push((id, node, map_type == "atomic"));
                node = self.schema.add(Node::Pointer(id));
            } else {
                node = self.pointer_to(node);
            }
        }
        let composite = if self.options.list_map_keys_for_strategic && type_of(p) == Some("array") {
            self.list_map_keys(p).map(MergeKey::Fields)
        } else {
            None
        };
        let merge_key = composite.or_else(|| {
            text(p, "x-kubernetes-patch-merge-key").map(|k| MergeKey::Field(k.to_string()))
        });
        Ok(Field {
            node,
            strategy: Strategy::parse(text(p, "x-kubernetes-patch-strategy").unwrap_or("")),
            merge_key,
            default: p
                .get("default")
                .cloned()
                .or_else(|| owner.and_then(|o| known_default(o, name))),
        })
    }

    /// SMD's list type (`getListElementRelationship`): an explicit
    /// `x-kubernetes-list-type` wins; otherwise the patch extensions decide.
    fn list_type(&self, s: &'a Value) -> ListType {
        match text(s, "x-kubernetes-list-type") {
            Some("atomic") => return ListType::Atomic,
            Some("set") => return ListType::Set,
            Some("map") => {
                if let Some(keys) = self.list_map_keys(s) {
                    return ListType::Map(MergeKey::Fields(keys));
                }
            }
            _ => {}
        }
        let merge = text(s, "x-kubernetes-patch-strategy")
            .is_some_and(|ps| ps.split(',').any(|p| p.trim() == "merge"));
        match (merge, text(s, "x-kubernetes-patch-merge-key")) {
            (true, Some(key)) => ListType::Map(MergeKey::Field(key.to_string())),
            (true, None) => ListType::Set,
            (false, _) => ListType::Atomic,
        }
    }

    /// The keys of an `x-kubernetes-list-type: map` array, each with the
    /// default its item schema declares.
    fn list_map_keys(&self, s: &'a Value) -> Option<Vec<KeyField>> {
        if text(s, "x-kubernetes-list-type") != Some("map") {
            return None;
        }
        let keys = s.get("x-kubernetes-list-map-keys")?.as_array()?;
        if keys.is_empty() {
            return None;
        }
        let (items, owner) = match s.get("items") {
            Some(i) => match ref_of(i).map(def_name) {
                Some(Ok(name)) => match self.resolve(name) {
                    Ok((s, n)) => (Some(s), Some(n)),
                    Err(_) => (None, None),
                },
                _ => (Some(i), None),
            },
            None => (None, None),
        };
        let fields = keys
            .iter()
            .filter_map(Value::as_str)
            .map(|key| KeyField {
                name: key.to_string(),
                default: items
                    .and_then(|i| i.get("properties"))
                    .and_then(|p| p.get(key))
                    .and_then(|p| p.get("default"))
                    .cloned()
                    .or_else(|| owner.as_deref().and_then(|o| known_default(o, key))),
            })
            .collect();
        Some(fields)
    }
    /// `apiVersion` and `kind` if missing; `metadata` as ObjectMeta (always at
    /// a CRD root, as kube-apiserver replaces it; if missing or without
    /// properties in an embedded resource).
    pub(super) fn add_type_meta(&mut self, node: &mut StructNode, root: bool) {
        for key in ["apiVersion", "kind"] {
            if !node.fields.contains_key(key) {
                let id = self.schema.add(Node::Scalar);
                node.fields.insert(key.to_string(), Field::plain(id));
            }
        }
        let replace = root
            || match node.fields.get("metadata") {
                None => true,
                Some(f) => !self.schema.node(f.node).is_struct(),
            };
        if replace {
            let meta = self.object_meta();
            node.fields
                .insert("metadata".to_string(), Field::plain(meta));
        }
    }

    /// ObjectMeta as apimachinery declares it (one node per schema), as the
    /// built-in schema builds it, with undeclared fields refused.
    fn object_meta(&mut self) -> NodeId {
        if let Some(id) = self.object_meta {
            return id;
        }
        let scalar = self.schema.add(Node::Scalar);
        let id = crate::schema::endpoints::object_meta(&mut self.schema, scalar, Unknown::Error);
        self.object_meta = Some(id);
        id
    }
}
