//! Merge: an applied configuration over the live object (upstream `merge`),
//! in the one walk of the configuration that also finds the fields it sets
//! (upstream `ToFieldSet` of the configuration).

use foldhash::{HashMap, HashMapExt};

use serde_json::{Map, Value};

use super::field_set::{Encoded, Fields};
use super::{SchemaError, Shape, Typed};
use crate::fieldpath::ElementRef;
use crate::schema::NodeId;
use crate::schema::cursor::Cursor;

/// What one walk of an applied configuration over the live object finds.
pub(crate) struct Merged {
    /// The merged object: `None` when it is the live object as it is (a
    /// re-apply of what is there allocates nothing), else the live object's
    /// containers copied only along the way to what changed.
    pub result: Option<Value>,
    /// The fields the configuration sets, in their `fieldsV1` encoding (what
    /// [`Typed::field_set`] encodes to); `None` in the one case it cannot be
    /// written so, two elements that encode alike (a key of `80` and one of
    /// `80.0`), which the set keeps apart.
    pub fields: Option<Map<String, Value>>,
}

impl<'s> Typed<'s> {
    /// Merge an applied configuration into the live object (upstream `merge`).
    #[cfg(test)]
    pub fn merge(&self, live: &Value, config: &Value, node: NodeId) -> Result<Value, SchemaError> {
        Ok(self
            .merge_config(live, config, node)?
            .result
            .unwrap_or_else(|| live.clone()))
    }

    /// Merge `config` into `live` and find the fields it sets, in one walk
    /// of the configuration; a configuration that does not fit the schema
    /// (an undeclared field, an item without a key, a repeated item) is the
    /// error, the first met in that walk.
    pub(crate) fn merge_config(
        &self,
        live: &Value,
        config: &Value,
        node: NodeId,
    ) -> Result<Merged, SchemaError> {
        let mut fields = Encoded::default();
        let result = self.merge_at(live, config, node, &mut Vec::new(), &mut fields)?;
        Ok(Merged {
            result,
            fields: fields.into_map(),
        })
    }

    /// Merge `config` into `live` at `node`, writing the fields `config`
    /// sets into `here` as [`collect`](Self::collect) would.
    fn merge_at<'v, O: Fields>(
        &self,
        live: &'v Value,
        config: &'v Value,
        node: NodeId,
        path: &mut Vec<ElementRef<'v>>,
        here: &mut O,
    ) -> Result<Option<Value>, SchemaError>
    where
        's: 'v,
    {
        match (
            self.shape(node, live),
            self.shape(node, config),
            live,
            config,
        ) {
            (Shape::Fields(at), Shape::Fields(..), Value::Object(lo), Value::Object(co)) => {
                self.merge_fields(at, lo, co, path, here)
            }
            (Shape::Set(_), Shape::Set(_), Value::Array(li), Value::Array(ci))
            | (Shape::Keyed(..), Shape::Keyed(..), Value::Array(li), Value::Array(ci)) => {
                self.merge_list(li, ci, node, config, path, here)
            }
            // The config's value in place of the live one: a change unless equal.
            _ => {
                self.collect(config, node, path, here, false)?;
                Ok((live != config).then(|| config.clone()))
            }
        }
    }

    /// [`merge_at`](Self::merge_at) of two objects whose members are owned
    /// separately, at `at`.
    fn merge_fields<'v, O: Fields>(
        &self,
        at: Cursor<'s>,
        lo: &'v Map<String, Value>,
        co: &'v Map<String, Value>,
        path: &mut Vec<ElementRef<'v>>,
        here: &mut O,
    ) -> Result<Option<Value>, SchemaError>
    where
        's: 'v,
    {
        let mut changes = Vec::new();
        for (k, cv) in co {
            let (child, declared) = self.member(at, k, path)?;
            let (member, below) = self.member_parts(child, declared, cv);
            let mut sub = O::default();
            path.push(ElementRef::Field(k));
            match lo.get(k) {
                // A null for a separable map keeps the live content.
                Some(lv) if cv.is_null() && matches!(self.shape(child, lv), Shape::Fields(..)) => {}
                Some(lv) if below => {
                    if let Some(merged) = self.merge_at(lv, cv, child, path, &mut sub)? {
                        changes.push((k, merged));
                    }
                }
                // A leaf sets no fields below it.
                Some(lv) => {
                    if lv != cv {
                        changes.push((k, cv.clone()));
                    }
                }
                None => {
                    if below {
                        self.collect(cv, child, path, &mut sub, false)?;
                    }
                    changes.push((k, cv.clone()));
                }
            }
            if let Some(e) = path.pop() {
                here.element(e, member, below.then_some(sub));
            }
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

    /// [`merge_at`](Self::merge_at) of a set or keyed list.
    fn merge_list<'v, O: Fields>(
        &self,
        li: &'v [Value],
        ci: &'v [Value],
        node: NodeId,
        config: &'v Value,
        path: &mut Vec<ElementRef<'v>>,
        here: &mut O,
    ) -> Result<Option<Value>, SchemaError>
    where
        's: 'v,
    {
        let (key, item_node) = self.list_parts(node, config);
        let config_elements = self.config_elements(key, ci, path)?;
        let in_config: HashMap<&ElementRef<'v>, usize> = config_elements
            .iter()
            .enumerate()
            .map(|(i, e)| (e, i))
            .collect();
        let live_elements: Vec<Option<ElementRef<'v>>> = li
            .iter()
            .map(|item| self.item_ref(key, item, path).ok())
            .collect();
        // Each live element's first place, and how many it has.
        let mut live_index: HashMap<&ElementRef<'v>, (usize, usize)> =
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
            // A keyed item's fields are found where it is merged; a set
            // item is a field itself.
            let mut sub = O::default();
            let merged = match live_index.get(e) {
                Some(&(one, 1)) if key.is_some() => {
                    path.push(e.clone());
                    let m = self.merge_at(&li[one], &ci[r], item_node, path, &mut sub)?;
                    path.pop();
                    m.map_or(Item::Live(one), Item::New)
                }
                _ => {
                    if key.is_some() {
                        path.push(e.clone());
                        self.collect(&ci[r], item_node, path, &mut sub, false)?;
                        path.pop();
                    }
                    if li.get(out.len()) == Some(&ci[r]) {
                        Item::Live(out.len())
                    } else {
                        Item::New(ci[r].clone())
                    }
                }
            };
            here.element(e.clone(), true, key.is_some().then_some(sub));
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
        assert_eq!(typed.merge_config(&live, &part, root).unwrap().result, None);
        assert_eq!(typed.merge_config(&live, &live, root).unwrap().result, None);
        // A changed item: the merged object, live items kept in place.
        let moved = json!({"apiVersion": "v1", "kind": "Endpoints",
            "subsets": [{"addresses": [{"ip": "10.0.0.2", "nodeName": "n"}], "ports": [{"port": 80, "name": "http"}]}]});
        let merged = typed
            .merge_config(&live, &moved, root)
            .unwrap()
            .result
            .unwrap();
        assert_eq!(
            merged["subsets"][0]["addresses"],
            json!([{"ip": "10.0.0.1"}, {"ip": "10.0.0.2", "nodeName": "n"}])
        );
        assert_eq!(merged["metadata"], live["metadata"]);
        // Items in another order are a change (the config's order wins).
        let reordered = json!({"apiVersion": "v1", "kind": "Endpoints",
            "subsets": [{"addresses": [{"ip": "10.0.0.2"}, {"ip": "10.0.0.1"}], "ports": [{"port": 80, "name": "http"}]}]});
        let merged = typed
            .merge_config(&live, &reordered, root)
            .unwrap()
            .result
            .unwrap();
        assert_eq!(
            merged["subsets"][0]["addresses"],
            json!([{"ip": "10.0.0.2"}, {"ip": "10.0.0.1"}])
        );
    }
}

#[cfg(test)]
mod one_walk {
    use super::*;
    use crate::schema::Schema;
    use serde_json::json;

    /// The fields the merge walk finds are the configuration's field set,
    /// whatever of the live object it walks beside, and a configuration
    /// that does not fit is the same error either way.
    #[test]
    fn the_merge_finds_the_field_set() {
        let schema = Schema::endpoints();
        let typed = Typed::new(&schema);
        let live = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "web", "labels": {"a": "1"}, "finalizers": ["x"], "annotations": "odd"},
            "subsets": [{"addresses": [{"ip": "10.0.0.1", "targetRef": {"kind": "Pod", "name": "p"}}, {"ip": "10.0.0.2"}],
                         "ports": [{"port": 80, "name": "http"}]}]});
        let root = schema.root_of(&live).unwrap();
        let configs = [
            // Every branch: a member the live object lacks, a null, an empty
            // map, a leaf, a set, a keyed item merged and one added, a map
            // where the live object holds a scalar.
            json!({"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"labels": {"a": "2", "b": null}, "annotations": {"n": "1"}, "finalizers": ["x", "y"], "ownerReferences": []},
                "subsets": [{"addresses": [{"ip": "10.0.0.2", "nodeName": "n"}, {"ip": "10.0.0.3", "targetRef": {"name": "q"}}],
                             "ports": [{"port": 80, "name": "http"}]}]}),
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"labels": null}}),
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"labels": {}}, "subsets": []}),
            json!({"apiVersion": "v1", "kind": "Endpoints",
                "subsets": [{"addresses": [{"ip": "10.0.0.9"}], "ports": [{"port": 53, "protocol": "UDP"}]}]}),
            live.clone(),
            // Misfits: an undeclared field where the live object has none
            // and where it has the parent, a repeat, an item without a key.
            json!({"apiVersion": "v1", "kind": "Endpoints", "subsets": [{"addresses": [{"ip": "10.0.0.1", "bogus": 1}]}]}),
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"bogus": 1}}),
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"finalizers": ["a", "a"]}}),
            json!({"apiVersion": "v1", "kind": "Endpoints", "subsets": [{"addresses": [{"ip": "10.0.0.7"}, {"ip": "10.0.0.7"}]}]}),
            json!({"apiVersion": "v1", "kind": "Endpoints", "subsets": [{"addresses": [{"nodeName": "n"}]}]}),
            json!({"apiVersion": "v1", "kind": "Endpoints", "subsets": [{"ports": [{"port": 1}, {"port": 1}, {"name": "x", "port": null}]}]}),
        ];
        for config in &configs {
            for over in [&live, config] {
                let walked = typed.merge_config(over, config, root);
                let alone = typed.field_set(config, root);
                match (walked, alone) {
                    (Ok(walked), Ok(set)) => {
                        assert_eq!(
                            walked.fields.map(Value::Object),
                            Some(set.to_fields_v1()),
                            "{config}"
                        );
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "{config}"),
                    (a, b) => panic!(
                        "{config}: the walk gave {:?}, the set {b:?}",
                        a.map(|m| m.fields)
                    ),
                }
            }
        }
    }
}
