//! To field set: the fields a value sets (upstream `ToFieldSet`), strictly
//! for an applied configuration and leniently for a stored object, and every
//! path a value holds.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use serde_json::{Map, Value};

use super::{SchemaError, Shape, Typed, at_element, render};
use crate::fieldpath::{ElementRef, PathElement, Set};
use crate::schema::{MergeKey, NodeId, UNTYPED};

impl<'s> Typed<'s> {
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
    /// below it: each element at its level once, each subtree built once.
    pub(super) fn collect<'v, O: Fields>(
        &self,
        value: &'v Value,
        node: NodeId,
        path: &mut Vec<ElementRef<'v>>,
        here: &mut O,
        lenient: bool,
    ) -> Result<(), SchemaError>
    where
        's: 'v,
    {
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
                    let (member, below) = self.member_parts(child, declared, v);
                    path.push(ElementRef::Field(k));
                    let sub = if below {
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
                let elements: Vec<(ElementRef<'v>, &Value)> = if lenient {
                    items
                        .iter()
                        .filter_map(|item| self.item_ref(key, item, path).ok().map(|e| (e, item)))
                        .collect()
                } else {
                    self.config_elements(key, items, path)?
                        .into_iter()
                        .zip(items)
                        .collect()
                };
                // Strictly read, a repeat was an error above.
                let units = if lenient {
                    repeated(elements.iter().map(|(e, _)| e))
                } else {
                    vec![false; elements.len()]
                };
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

    /// Whether an object member holding `v` at `child` is a field of its own
    /// (a leaf, a null, an empty map, an undeclared member) and whether the
    /// fields below it count.
    pub(super) fn member_parts(&self, child: NodeId, declared: bool, v: &Value) -> (bool, bool) {
        let empty_map = matches!(v, Value::Object(m) if m.is_empty());
        let leaf = matches!(self.shape(child, v), Shape::Leaf);
        (
            v.is_null() || empty_map || !declared || leaf,
            !v.is_null() && !leaf,
        )
    }

    /// The elements of an applied configuration's list items, in order. An
    /// item without one is an error, and so is a repeat, reported first when
    /// it comes before that item.
    pub(super) fn config_elements<'v, E: std::fmt::Display>(
        &self,
        key: Option<(&'v MergeKey, NodeId)>,
        items: &'v [Value],
        path: &[E],
    ) -> Result<Vec<ElementRef<'v>>, SchemaError>
    where
        's: 'v,
    {
        let mut elements = Vec::with_capacity(items.len());
        let mut unkeyed = None;
        for (i, item) in items.iter().enumerate() {
            match self.item_ref(key, item, path) {
                Ok(e) => elements.push(e),
                Err(e) => {
                    unkeyed = Some(at_element(i, e));
                    break;
                }
            }
        }
        let mut seen: HashSet<&ElementRef<'v>> = HashSet::with_capacity(elements.len());
        for e in &elements {
            if !seen.insert(e) {
                return Err(SchemaError {
                    path: render(path),
                    message: format!("duplicate entries for key {e}"),
                });
            }
        }
        drop(seen);
        match unkeyed {
            Some(e) => Err(e),
            None => Ok(elements),
        }
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
                        path.push(PathElement::Field(k.as_str().into()));
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

/// For each element, whether it occurs more than once among `elements`.
fn repeated<'e, 'v: 'e>(elements: impl Iterator<Item = &'e ElementRef<'v>> + Clone) -> Vec<bool> {
    let mut counts: HashMap<&ElementRef<'v>, usize> = HashMap::new();
    for e in elements.clone() {
        *counts.entry(e).or_insert(0) += 1;
    }
    elements
        .map(|e| counts.get(e).is_some_and(|n| *n > 1))
        .collect()
}

/// Where [`Typed::collect`] writes the fields it finds, one element of a
/// level at a time.
pub(crate) trait Fields: Default {
    /// Element `e` of this level: a member itself when `member`, with the
    /// fields below it in `below`.
    fn element(&mut self, e: ElementRef<'_>, member: bool, below: Option<Self>);
}

impl Fields for Set {
    fn element(&mut self, e: ElementRef<'_>, member: bool, below: Option<Set>) {
        match below {
            Some(below) if !below.is_empty() => {
                let e = e.into_owned();
                if member {
                    self.insert_member(e.clone());
                }
                self.insert_child(e, below);
            }
            _ if member => self.insert_member(e.into_owned()),
            _ => {}
        }
    }
}

/// A level of a `fieldsV1` object being written: the fields a value sets
/// (what [`Set::to_fields_v1`] writes of [`Typed::field_set`]), with no set
/// built.
#[derive(Default)]
pub(crate) struct Encoded {
    map: Map<String, Value>,
    /// Whether two elements encoded alike (below this level too): `80` and
    /// `80.0`, which a set keeps apart.
    collided: bool,
}

impl Encoded {
    /// The encoding, or `None` where it cannot be written so (two elements
    /// encoded alike).
    pub(crate) fn into_map(self) -> Option<Map<String, Value>> {
        (!self.collided).then_some(self.map)
    }
}

impl Fields for Encoded {
    fn element(&mut self, e: ElementRef<'_>, member: bool, below: Option<Encoded>) {
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
