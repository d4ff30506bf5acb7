//! Values walked with their schema, as server-side apply sees them: the set
//! of fields a value sets, the change set between two values, the merge of an
//! applied configuration into the live object, and removal of paths.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::fieldpath::{PathElement, Set, value_cmp};
use crate::schema::{ListType, MergeKey, Node, NodeId, Schema, StructNode, UNTYPED, Unknown};

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

/// The three disjoint change sets of a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Paths in the new value only (containers and everything below).
    pub added: Set,
    /// Leaves on both sides with different values.
    pub modified: Set,
    /// Paths in the live value only.
    pub removed: Set,
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

    /// The fields `value` sets (upstream `ToFieldSet`), rooted at `node`.
    /// Duplicate list items are an error here, as in an applied configuration.
    pub fn field_set(&self, value: &Value, node: NodeId) -> Result<Set, SchemaError> {
        let mut out = Set::default();
        self.collect(value, node, &mut Vec::new(), &mut out, false)?;
        Ok(out)
    }

    /// The fields of a stored object: items whose key is duplicated (which a
    /// live object may hold) are owned as a whole, and items without a usable
    /// key are skipped, as upstream converts live objects.
    pub fn live_field_set(&self, value: &Value, node: NodeId) -> Set {
        let mut out = Set::default();
        // Lenient collection reports no errors: undeclared fields are skipped too.
        let _ = self.collect(value, node, &mut Vec::new(), &mut out, true);
        out
    }

    /// Fill `here`, the trie node of `value`'s own path, with the paths
    /// below it: each member at its level, each subtree built once.
    fn collect(
        &self,
        value: &Value,
        node: NodeId,
        path: &mut Vec<PathElement>,
        here: &mut Set,
        lenient: bool,
    ) -> Result<(), SchemaError> {
        match self.shape(node, value) {
            Shape::Leaf => {}
            Shape::Fields(s, extra) => {
                let Value::Object(obj) = value else {
                    return Ok(());
                };
                for (k, v) in obj {
                    let (child, declared) = match self.member(s, extra, k, path) {
                        Ok(found) => found,
                        Err(_) if lenient => (UNTYPED, false),
                        Err(e) => return Err(e),
                    };
                    let e = PathElement::Field(k.clone());
                    let empty_map = matches!(v, Value::Object(m) if m.is_empty());
                    let leaf = matches!(self.shape(child, v), Shape::Leaf);
                    if v.is_null() || empty_map || !declared || leaf {
                        here.insert_member(e.clone());
                    }
                    if !v.is_null() && !leaf {
                        let mut sub = Set::default();
                        path.push(e.clone());
                        self.collect(v, child, path, &mut sub, lenient)?;
                        path.pop();
                        here.insert_child(e, sub);
                    }
                }
            }
            Shape::Set(_) | Shape::Keyed(..) => {
                let Value::Array(items) = value else {
                    return Ok(());
                };
                let (key, item_node) = self.list_parts(node, value);
                let mut elements = Vec::with_capacity(items.len());
                let mut counts: HashMap<PathElement, usize> = HashMap::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let e = match self.item_element(key, item, path) {
                        Ok(e) => e,
                        Err(_) if lenient => continue,
                        Err(e) => return Err(at_element(index, e)),
                    };
                    let n = counts.entry(e.clone()).or_insert(0);
                    *n += 1;
                    if *n > 1 && !lenient {
                        return Err(SchemaError {
                            path: render(path),
                            message: format!("duplicate entries for key {e}"),
                        });
                    }
                    elements.push((e, item));
                }
                for (e, item) in elements {
                    let unit = counts.get(&e).is_some_and(|n| *n > 1);
                    here.insert_member(e.clone());
                    if key.is_some() && !unit {
                        let mut sub = Set::default();
                        path.push(e.clone());
                        self.collect(item, item_node, path, &mut sub, lenient)?;
                        path.pop();
                        here.insert_child(e, sub);
                    }
                }
            }
        }
        Ok(())
    }

    fn list_parts(&self, node: NodeId, value: &Value) -> (Option<(&'s MergeKey, NodeId)>, NodeId) {
        match self.shape(node, value) {
            Shape::Keyed(k, items) => (Some((k, items)), items),
            Shape::Set(items) => (None, items),
            _ => (None, UNTYPED),
        }
    }

    /// Every path in `value`, containers included (what a write adds or removes).
    fn all_paths(&self, value: &Value, node: NodeId, path: &mut Vec<PathElement>, out: &mut Set) {
        out.insert(path);
        match self.shape(node, value) {
            Shape::Leaf => {}
            Shape::Fields(s, extra) => {
                if let Value::Object(obj) = value {
                    for (k, v) in obj {
                        let child = self
                            .member(s, extra, k, path)
                            .map(|c| c.0)
                            .unwrap_or(UNTYPED);
                        path.push(PathElement::Field(k.clone()));
                        self.all_paths(v, child, path, out);
                        path.pop();
                    }
                }
            }
            Shape::Set(_) | Shape::Keyed(..) => {
                if let Value::Array(items) = value {
                    let (key, item_node) = self.list_parts(node, value);
                    for item in items {
                        let Ok(e) = self.item_element(key, item, path) else {
                            continue;
                        };
                        path.push(e);
                        if key.is_some() {
                            self.all_paths(item, item_node, path, out);
                        } else {
                            out.insert(path);
                        }
                        path.pop();
                    }
                }
            }
        }
    }

    /// `Compare(live, new)`: what a write added, modified and removed.
    pub fn compare(&self, live: &Value, new: &Value, node: NodeId) -> Changes {
        let mut changes = Changes::default();
        self.compare_at(Some(live), Some(new), node, &mut Vec::new(), &mut changes);
        changes
    }

    fn compare_at(
        &self,
        live: Option<&Value>,
        new: Option<&Value>,
        node: NodeId,
        path: &mut Vec<PathElement>,
        ch: &mut Changes,
    ) {
        let (l, n) = match (live, new) {
            (None, None) => return,
            (Some(l), None) => return self.all_paths(l, node, path, &mut ch.removed),
            (None, Some(n)) => return self.all_paths(n, node, path, &mut ch.added),
            (Some(l), Some(n)) => (l, n),
        };
        let both_empty = is_empty(l) && is_empty(n);
        match (self.shape(node, l), self.shape(node, n)) {
            (Shape::Fields(s, extra), Shape::Fields(..)) if !both_empty => {
                let (Value::Object(lo), Value::Object(no)) = (l, n) else {
                    return;
                };
                let mut keys: Vec<&String> = lo.keys().chain(no.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let child = self
                        .member(s, extra, k, path)
                        .map(|c| c.0)
                        .unwrap_or(UNTYPED);
                    path.push(PathElement::Field(k.clone()));
                    self.compare_at(lo.get(k), no.get(k), child, path, ch);
                    path.pop();
                }
            }
            (Shape::Set(_), Shape::Set(_)) | (Shape::Keyed(..), Shape::Keyed(..))
                if !both_empty =>
            {
                let (key, item_node) = self.list_parts(node, n);
                let lg = self.group(l, key, path);
                let ng = self.group(n, key, path);
                let mut elements: Vec<&PathElement> = lg.keys().chain(ng.keys()).collect();
                elements.sort();
                elements.dedup();
                for e in elements {
                    let (li, ni) = (lg.get(e), ng.get(e));
                    path.push(e.clone());
                    let unit = li.is_some_and(|g| g.len() > 1) || ni.is_some_and(|g| g.len() > 1);
                    match (li, ni) {
                        (Some(a), Some(b)) if unit => {
                            if a != b {
                                ch.modified.insert(path);
                            }
                        }
                        (Some(_), None) if unit => ch.removed.insert(path),
                        (None, Some(_)) if unit => ch.added.insert(path),
                        _ if key.is_none() => match (li, ni) {
                            (Some(_), None) => ch.removed.insert(path),
                            (None, Some(_)) => ch.added.insert(path),
                            _ => {}
                        },
                        _ => {
                            self.compare_at(li.map(|g| g[0]), ni.map(|g| g[0]), item_node, path, ch)
                        }
                    }
                    path.pop();
                }
            }
            _ => {
                if l != n {
                    ch.modified.insert(path);
                }
            }
        }
    }

    /// Items of a set or keyed list grouped by their element (invalid items skipped).
    fn group<'v>(
        &self,
        list: &'v Value,
        key: Option<(&MergeKey, NodeId)>,
        path: &[PathElement],
    ) -> HashMap<PathElement, Vec<&'v Value>> {
        let mut groups: HashMap<PathElement, Vec<&Value>> = HashMap::new();
        if let Value::Array(items) = list {
            for item in items {
                if let Ok(e) = self.item_element(key, item, path) {
                    groups.entry(e).or_default().push(item);
                }
            }
        }
        groups
    }

    /// Merge an applied configuration into the live object (upstream `merge`).
    pub fn merge(&self, live: &Value, config: &Value, node: NodeId) -> Result<Value, SchemaError> {
        self.merge_at(live, config, node, &mut Vec::new())
    }

    fn merge_at(
        &self,
        live: &Value,
        config: &Value,
        node: NodeId,
        path: &mut Vec<PathElement>,
    ) -> Result<Value, SchemaError> {
        match (self.shape(node, live), self.shape(node, config)) {
            (Shape::Fields(s, extra), Shape::Fields(..)) => {
                let (Value::Object(lo), Value::Object(co)) = (live, config) else {
                    return Ok(config.clone());
                };
                let mut out = lo.clone();
                for (k, cv) in co {
                    let (child, _) = self.member(s, extra, k, path)?;
                    path.push(PathElement::Field(k.clone()));
                    match lo.get(k) {
                        // A null for a separable map keeps the live content.
                        Some(lv)
                            if cv.is_null()
                                && matches!(self.shape(child, lv), Shape::Fields(..)) => {}
                        Some(lv) => {
                            let merged = self.merge_at(lv, cv, child, path)?;
                            out.insert(k.clone(), merged);
                        }
                        None => {
                            out.insert(k.clone(), cv.clone());
                        }
                    }
                    path.pop();
                }
                Ok(Value::Object(out))
            }
            (Shape::Set(_), Shape::Set(_)) | (Shape::Keyed(..), Shape::Keyed(..)) => {
                let (Value::Array(li), Value::Array(ci)) = (live, config) else {
                    return Ok(config.clone());
                };
                let (key, item_node) = self.list_parts(node, config);
                let mut config_elements = Vec::with_capacity(ci.len());
                let mut in_config = HashMap::with_capacity(ci.len());
                for (i, item) in ci.iter().enumerate() {
                    let e = self
                        .item_element(key, item, path)
                        .map_err(|e| at_element(i, e))?;
                    if in_config.insert(e.clone(), i).is_some() {
                        return Err(SchemaError {
                            path: render(path),
                            message: format!("duplicate entries for key {e}"),
                        });
                    }
                    config_elements.push(e);
                }
                let live_elements: Vec<Option<PathElement>> = li
                    .iter()
                    .map(|item| self.item_element(key, item, path).ok())
                    .collect();
                let mut live_index: HashMap<&PathElement, Vec<usize>> = HashMap::new();
                for (i, e) in live_elements.iter().enumerate() {
                    if let Some(e) = e {
                        live_index.entry(e).or_default().push(i);
                    }
                }
                let live_only = |i: usize| {
                    live_elements[i]
                        .as_ref()
                        .is_none_or(|e| !in_config.contains_key(e))
                };
                // Config items come out in config order; a live-only item comes
                // out when the live cursor reaches it; a live item the config
                // also holds is skipped until its turn in config order.
                let mut shared = config_elements
                    .iter()
                    .filter(|e| live_index.contains_key(e))
                    .peekable();
                let mut out = Vec::with_capacity(li.len() + ci.len());
                let (mut l, mut r) = (0, 0);
                while l < li.len() || r < ci.len() {
                    if l < li.len() && live_only(l) {
                        out.push(li[l].clone());
                        l += 1;
                        continue;
                    }
                    if l < li.len() && r < ci.len() {
                        let here = live_elements[l].as_ref();
                        if here != Some(&config_elements[r])
                            && shared.peek().is_some_and(|next| Some(*next) != here)
                        {
                            l += 1;
                            continue;
                        }
                    }
                    if r >= ci.len() {
                        // Only shared live items remain: all emitted in config order.
                        l += 1;
                        continue;
                    }
                    let e = &config_elements[r];
                    let merged = match live_index.get(e).map(Vec::as_slice) {
                        Some([one]) if key.is_some() => {
                            path.push(e.clone());
                            let m = self.merge_at(&li[*one], &ci[r], item_node, path)?;
                            path.pop();
                            m
                        }
                        _ => ci[r].clone(),
                    };
                    out.push(merged);
                    if l < li.len() && live_elements[l].as_ref() == Some(e) {
                        l += 1;
                    }
                    if shared.peek().is_some_and(|next| *next == e) {
                        shared.next();
                    }
                    r += 1;
                }
                Ok(Value::Array(out))
            }
            _ => Ok(config.clone()),
        }
    }

    /// Remove every path of `set` (with its subtree) from `value`.
    pub fn remove(&self, value: &mut Value, set: &Set, node: NodeId) {
        match self.shape(node, value) {
            Shape::Leaf => {}
            Shape::Fields(s, extra) => {
                let Value::Object(obj) = value else { return };
                let keys: Vec<String> = obj.keys().cloned().collect();
                for k in keys {
                    let e = PathElement::Field(k.clone());
                    if set.has_member(&e) {
                        obj.remove(&k);
                    } else if let Some(sub) = set.child(&e) {
                        let child = self
                            .member(s, extra, &k, &[])
                            .map(|c| c.0)
                            .unwrap_or(UNTYPED);
                        if let Some(v) = obj.get_mut(&k) {
                            self.remove(v, sub, child);
                        }
                    }
                }
            }
            Shape::Set(_) | Shape::Keyed(..) => {
                let (key, item_node) = self.list_parts(node, value);
                let Value::Array(items) = value else { return };
                let old = std::mem::take(items);
                for mut item in old {
                    match self.item_element(key, &item, &[]) {
                        Ok(e) if set.has_member(&e) => continue,
                        Ok(e) => {
                            if let Some(sub) = set.child(&e) {
                                self.remove(&mut item, sub, item_node);
                            }
                        }
                        Err(_) => {}
                    }
                    items.push(item);
                }
            }
        }
    }

    /// `s` plus every ancestor that is a declared struct field (upstream
    /// `EnsureNamedFieldsAreMembers`): containers that survive pruning while
    /// someone owns something inside them.
    pub fn with_named_ancestors(&self, set: &Set, node: NodeId) -> Set {
        let mut out = set.clone();
        self.name_ancestors(set, node, &mut Vec::new(), &mut out);
        out
    }

    /// One walk over the trie: a child that has descendants and is a
    /// declared field of a struct becomes a member.
    fn name_ancestors(&self, set: &Set, node: NodeId, path: &mut Vec<PathElement>, out: &mut Set) {
        for (e, child) in set.children() {
            if child.is_empty() {
                continue;
            }
            path.push(e.clone());
            if let (Node::Struct(s), PathElement::Field(k)) = (self.resolve(node), e)
                && s.fields.contains_key(k)
            {
                out.insert(path);
            }
            self.name_ancestors(child, self.child_node(node, e), path, out);
            path.pop();
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

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
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
