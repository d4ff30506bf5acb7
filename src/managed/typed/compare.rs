//! Compare: what a write added, modified and removed (upstream `Compare`).

use foldhash::{HashMap, HashMapExt};

use serde_json::Value;

use super::{Shape, Typed};
use crate::fieldpath::{PathElement, Set};
use crate::reach::Reach;
use crate::schema::{MergeKey, NodeId, UNTYPED};

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

impl Typed<'_> {
    /// `Compare(live, new)`: what a write added, modified and removed.
    pub fn compare(&self, live: &Value, new: &Value, node: NodeId) -> Changes {
        let mut changes = Changes::default();
        self.compare_at(Some(live), Some(new), node, &mut Vec::new(), &mut changes);
        changes
    }

    /// [`compare`](Self::compare) of two values that agree outside
    /// `reach`, looking only within it (no copy of either). Both must be as
    /// normalization leaves them, so that an object that is there counts as
    /// there.
    pub(crate) fn compare_within(
        &self,
        reach: &Reach,
        live: &Value,
        new: &Value,
        node: NodeId,
    ) -> Changes {
        let mut changes = Changes::default();
        self.within(
            reach,
            Some(live),
            Some(new),
            node,
            &mut Vec::new(),
            &mut changes,
        );
        changes
    }

    fn within(
        &self,
        reach: &Reach,
        live: Option<&Value>,
        new: Option<&Value>,
        node: NodeId,
        path: &mut Vec<PathElement>,
        ch: &mut Changes,
    ) {
        if let (Reach::Fields(members), Some(l @ Value::Object(lo)), Some(n @ Value::Object(no))) =
            (reach, live, new)
            && let (Shape::Fields(at), Shape::Fields(_)) =
                (self.shape(node, l), self.shape(node, n))
        {
            for (k, r) in members {
                let child = self.member(at, k, path).map(|c| c.0).unwrap_or(UNTYPED);
                path.push(PathElement::Field(k.as_str().into()));
                self.within(r, lo.get(k), no.get(k), child, path, ch);
                path.pop();
            }
            return;
        }
        self.compare_at(live, new, node, path, ch);
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
            // Equal values change nothing: the typed walk (and its path
            // elements) is spent only where they differ.
            (Some(l), Some(n)) if l == n => return,
            (Some(l), Some(n)) => (l, n),
        };
        let both_empty = is_empty(l) && is_empty(n);
        match (self.shape(node, l), self.shape(node, n)) {
            (Shape::Fields(at), Shape::Fields(..)) if !both_empty => {
                let (Value::Object(lo), Value::Object(no)) = (l, n) else {
                    return;
                };
                let mut keys: Vec<&String> = lo.keys().chain(no.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let child = self.member(at, k, path).map(|c| c.0).unwrap_or(UNTYPED);
                    path.push(PathElement::Field(k.as_str().into()));
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
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}
