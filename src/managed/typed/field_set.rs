//! To field set: the fields a value sets (upstream `ToFieldSet`), strictly
//! for an applied configuration and leniently for a stored object, and every
//! path a value holds.

use std::collections::HashMap;

use serde_json::Value;

use super::{SchemaError, Shape, Typed, at_element, render};
use crate::fieldpath::{PathElement, Set};
use crate::schema::{NodeId, UNTYPED};

impl Typed<'_> {
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
            Shape::Fields(at) => {
                let Value::Object(obj) = value else {
                    return Ok(());
                };
                for (k, v) in obj {
                    let (child, declared) = match self.member(at, k, path) {
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

    /// Every path in `value`, containers included (what a write adds or removes).
    pub(super) fn all_paths(
        &self,
        value: &Value,
        node: NodeId,
        path: &mut Vec<PathElement>,
        out: &mut Set,
    ) {
        out.insert(path);
        match self.shape(node, value) {
            Shape::Leaf => {}
            Shape::Fields(at) => {
                if let Value::Object(obj) = value {
                    for (k, v) in obj {
                        let child = self.member(at, k, path).map(|c| c.0).unwrap_or(UNTYPED);
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
}
