//! To field set: the fields a value sets (upstream `ToFieldSet`), strictly
//! for an applied configuration and leniently for a stored object, and every
//! path a value holds.

use std::collections::HashMap;

use serde_json::{Map, Value};

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

    /// [`field_set`](Self::field_set) written straight into its `fieldsV1`
    /// encoding (what [`Set::to_fields_v1`] writes), with no set built: the
    /// same walk and errors. `None` in the one case the encoding cannot be
    /// written so: two elements that encode alike (a key of `80` and one of
    /// `80.0`), which the set keeps apart.
    pub(crate) fn field_set_encoded(
        &self,
        value: &Value,
        node: NodeId,
    ) -> Result<Option<Map<String, Value>>, SchemaError> {
        let mut out = Encoded::default();
        self.collect(value, node, &mut Vec::new(), &mut out, false)?;
        Ok((!out.collided).then_some(out.map))
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
    /// below it: each element at its level once, each subtree built once.
    fn collect<O: Fields>(
        &self,
        value: &Value,
        node: NodeId,
        path: &mut Vec<PathElement>,
        here: &mut O,
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
                    let empty_map = matches!(v, Value::Object(m) if m.is_empty());
                    let leaf = matches!(self.shape(child, v), Shape::Leaf);
                    let member = v.is_null() || empty_map || !declared || leaf;
                    path.push(PathElement::Field(k.clone()));
                    let sub = if !v.is_null() && !leaf {
                        let mut sub = O::default();
                        self.collect(v, child, path, &mut sub, lenient)?;
                        Some(sub)
                    } else {
                        None
                    };
                    // The element just pushed: taken back, not copied.
                    if let Some(e) = path.pop() {
                        here.element(e, member, sub);
                    }
                }
            }
            Shape::Set(_) | Shape::Keyed(..) => {
                let Value::Array(items) = value else {
                    return Ok(());
                };
                let (key, item_node) = self.list_parts(node, value);
                let mut elements = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    match self.item_element(key, item, path) {
                        Ok(e) => elements.push((e, item)),
                        Err(_) if lenient => continue,
                        Err(e) => return Err(at_element(index, e)),
                    }
                }
                let mut counts: HashMap<&PathElement, usize> =
                    HashMap::with_capacity(elements.len());
                for (e, _) in &elements {
                    let n = counts.entry(e).or_insert(0);
                    *n += 1;
                    if *n > 1 && !lenient {
                        return Err(SchemaError {
                            path: render(path),
                            message: format!("duplicate entries for key {e}"),
                        });
                    }
                }
                let units: Vec<bool> = elements
                    .iter()
                    .map(|(e, _)| counts.get(e).is_some_and(|n| *n > 1))
                    .collect();
                drop(counts);
                for ((e, item), unit) in elements.into_iter().zip(units) {
                    if key.is_some() && !unit {
                        let mut sub = O::default();
                        path.push(e);
                        self.collect(item, item_node, path, &mut sub, lenient)?;
                        if let Some(e) = path.pop() {
                            here.element(e, true, Some(sub));
                        }
                    } else {
                        here.element(e, true, None);
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

/// Where [`Typed::collect`] writes the fields it finds, one element of a
/// level at a time.
trait Fields: Default {
    /// Element `e` of this level: a member itself when `member`, with the
    /// fields below it in `below`.
    fn element(&mut self, e: PathElement, member: bool, below: Option<Self>);
}

impl Fields for Set {
    fn element(&mut self, e: PathElement, member: bool, below: Option<Set>) {
        match below {
            Some(below) if !below.is_empty() => {
                if member {
                    self.insert_member(e.clone());
                }
                self.insert_child(e, below);
            }
            _ if member => self.insert_member(e),
            _ => {}
        }
    }
}

/// A level of a `fieldsV1` object being written.
#[derive(Default)]
struct Encoded {
    map: Map<String, Value>,
    /// Whether two elements encoded alike (below this level too).
    collided: bool,
}

impl Fields for Encoded {
    fn element(&mut self, e: PathElement, member: bool, below: Option<Encoded>) {
        let (mut inner, collided) = match below {
            Some(below) => (below.map, below.collided),
            None => (Map::new(), false),
        };
        self.collided |= collided;
        if inner.is_empty() && !member {
            return;
        }
        if member && !inner.is_empty() {
            inner.insert(".".to_string(), Value::Object(Map::new()));
        }
        if self
            .map
            .insert(e.to_fields_v1(), Value::Object(inner))
            .is_some()
        {
            self.collided = true;
        }
    }
}
