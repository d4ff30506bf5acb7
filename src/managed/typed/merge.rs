//! Merge: an applied configuration over the live object (upstream `merge`).

use std::collections::HashMap;

use serde_json::Value;

use super::{SchemaError, Shape, Typed, at_element, render};
use crate::fieldpath::PathElement;
use crate::schema::NodeId;

impl Typed<'_> {
    /// Merge an applied configuration into the live object (upstream `merge`).
    #[cfg(test)]
    pub fn merge(&self, live: &Value, config: &Value, node: NodeId) -> Result<Value, SchemaError> {
        Ok(self
            .merge_changes(live, config, node)?
            .unwrap_or_else(|| live.clone()))
    }

    /// [`merge`](Self::merge), copying only what changes: `None` when the
    /// result is the live object as it is (a re-apply of what is there
    /// allocates nothing), else the merged object, with the live object's
    /// containers copied only along the way to what changed.
    pub fn merge_changes(
        &self,
        live: &Value,
        config: &Value,
        node: NodeId,
    ) -> Result<Option<Value>, SchemaError> {
        self.merge_at(live, config, node, &mut Vec::new())
    }

    fn merge_at(
        &self,
        live: &Value,
        config: &Value,
        node: NodeId,
        path: &mut Vec<PathElement>,
    ) -> Result<Option<Value>, SchemaError> {
        // The config's value in place of the live one: a change unless equal.
        let replaced = || (live != config).then(|| config.clone());
        match (self.shape(node, live), self.shape(node, config)) {
            (Shape::Fields(at), Shape::Fields(..)) => {
                let (Value::Object(lo), Value::Object(co)) = (live, config) else {
                    return Ok(replaced());
                };
                let mut changes = Vec::new();
                for (k, cv) in co {
                    let (child, _) = self.member(at, k, path)?;
                    path.push(PathElement::Field(k.clone()));
                    match lo.get(k) {
                        // A null for a separable map keeps the live content.
                        Some(lv)
                            if cv.is_null()
                                && matches!(self.shape(child, lv), Shape::Fields(..)) => {}
                        Some(lv) => {
                            if let Some(merged) = self.merge_at(lv, cv, child, path)? {
                                changes.push((k, merged));
                            }
                        }
                        None => changes.push((k, cv.clone())),
                    }
                    path.pop();
                }
                if changes.is_empty() {
                    return Ok(None);
                }
                let mut out = lo.clone();
                for (k, v) in changes {
                    out.insert(k.clone(), v);
                }
                Ok(Some(Value::Object(out)))
            }
            (Shape::Set(_), Shape::Set(_)) | (Shape::Keyed(..), Shape::Keyed(..)) => {
                let (Value::Array(li), Value::Array(ci)) = (live, config) else {
                    return Ok(replaced());
                };
                let (key, item_node) = self.list_parts(node, config);
                // The config's elements up to the first item without one;
                // a repeat among them is the error, else that item's.
                let mut config_elements = Vec::with_capacity(ci.len());
                let mut unkeyed = None;
                for (i, item) in ci.iter().enumerate() {
                    match self.item_element(key, item, path) {
                        Ok(e) => config_elements.push(e),
                        Err(e) => {
                            unkeyed = Some(at_element(i, e));
                            break;
                        }
                    }
                }
                let mut in_config: HashMap<&PathElement, usize> =
                    HashMap::with_capacity(config_elements.len());
                for (i, e) in config_elements.iter().enumerate() {
                    if in_config.insert(e, i).is_some() {
                        return Err(SchemaError {
                            path: render(path),
                            message: format!("duplicate entries for key {e}"),
                        });
                    }
                }
                if let Some(e) = unkeyed {
                    return Err(e);
                }
                let live_elements: Vec<Option<PathElement>> = li
                    .iter()
                    .map(|item| self.item_element(key, item, path).ok())
                    .collect();
                // Each live element's first place, and how many it has.
                let mut live_index: HashMap<&PathElement, (usize, usize)> =
                    HashMap::with_capacity(li.len());
                for (i, e) in live_elements.iter().enumerate() {
                    if let Some(e) = e {
                        live_index.entry(e).or_insert((i, 0)).1 += 1;
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
                        out.push(Item::Live(l));
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
                    let merged = match live_index.get(e) {
                        Some(&(one, 1)) if key.is_some() => {
                            path.push(e.clone());
                            let m = self.merge_at(&li[one], &ci[r], item_node, path)?;
                            path.pop();
                            m.map_or(Item::Live(one), Item::New)
                        }
                        _ if li.get(out.len()) == Some(&ci[r]) => Item::Live(out.len()),
                        _ => Item::New(ci[r].clone()),
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
                let same = out.len() == li.len()
                    && out
                        .iter()
                        .enumerate()
                        .all(|(i, item)| matches!(item, Item::Live(j) if *j == i));
                if same {
                    return Ok(None);
                }
                let items = out
                    .into_iter()
                    .map(|item| match item {
                        Item::Live(i) => li[i].clone(),
                        Item::New(v) => v,
                    })
                    .collect();
                Ok(Some(Value::Array(items)))
            }
            _ => Ok(replaced()),
        }
    }
}

/// One item of a merged list: a live item as it is (by position), or a new value.
enum Item {
    Live(usize),
    New(Value),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;
    use serde_json::json;

    #[test]
    fn only_a_change_is_copied() {
        let schema = Schema::endpoints();
        let typed = Typed::new(&schema);
        let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "labels": {"a": "1"}},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 80, "name": "http"}]}]});
        let root = schema.root_of(&live).unwrap();
        // What is there already, in part or whole: unchanged, nothing copied.
        let part = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"labels": {"a": "1"}},
            "subsets": [{"addresses": [{"ip": "10.0.0.2"}], "ports": [{"port": 80, "name": "http"}]}]});
        assert_eq!(typed.merge_changes(&live, &part, root).unwrap(), None);
        assert_eq!(typed.merge_changes(&live, &live, root).unwrap(), None);
        // A changed item: the merged object, live items kept in place.
        let moved = json!({"apiVersion": "v1", "kind": "Endpoints",
            "subsets": [{"addresses": [{"ip": "10.0.0.2", "nodeName": "n"}], "ports": [{"port": 80, "name": "http"}]}]});
        let merged = typed.merge_changes(&live, &moved, root).unwrap().unwrap();
        assert_eq!(
            merged["subsets"][0]["addresses"],
            json!([{"ip": "10.0.0.1"}, {"ip": "10.0.0.2", "nodeName": "n"}])
        );
        assert_eq!(merged["metadata"], live["metadata"]);
        // Items in another order are a change (the config's order wins).
        let reordered = json!({"apiVersion": "v1", "kind": "Endpoints",
            "subsets": [{"addresses": [{"ip": "10.0.0.2"}, {"ip": "10.0.0.1"}], "ports": [{"port": 80, "name": "http"}]}]});
        let merged = typed
            .merge_changes(&live, &reordered, root)
            .unwrap()
            .unwrap();
        assert_eq!(
            merged["subsets"][0]["addresses"],
            json!([{"ip": "10.0.0.2"}, {"ip": "10.0.0.1"}])
        );
    }
}
