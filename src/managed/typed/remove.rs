//! Remove: paths taken out of a value, and the named ancestors pruning keeps.

use serde_json::Value;

use super::{Shape, Typed};
use crate::fieldpath::{PathElement, Set};
use crate::schema::cursor::Member;
use crate::schema::{NodeId, UNTYPED};

impl Typed<'_> {
    /// Remove every path of `set` (with its subtree) from `value`.
    pub fn remove(&self, value: &mut Value, set: &Set, node: NodeId) {
        match self.shape(node, value) {
            Shape::Leaf => {}
            Shape::Fields(at) => {
                let Value::Object(obj) = value else { return };
                let keys: Vec<String> = obj.keys().cloned().collect();
                for k in keys {
                    let e = PathElement::Field(k.as_str().into());
                    if set.has_member(&e) {
                        obj.remove(&k);
                    } else if let Some(sub) = set.child(&e) {
                        let child = self
                            .member::<PathElement>(at, &k, &[])
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
                    match self.item_element::<PathElement>(key, &item, &[]) {
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
            if let PathElement::Field(k) = e
                && matches!(self.at(node).member(k), Member::Declared(_))
            {
                out.insert(path);
            }
            self.name_ancestors(child, self.child_node(node, e), path, out);
            path.pop();
        }
    }
}
