//! Merging maps: the map-level directives (`$patch` on a map,
//! `$retainKeys`), the order in which a patch's keys are taken (spec §3), the
//! merge of one key, and the cleaning of values inserted as they are.

use foldhash::HashSet;

use serde_json::{Map, Value};

use super::ident::class;
use super::lookup::{lookup_list, lookup_struct};
use super::{DELETE_FROM, Merger, PATCH, RETAIN_KEYS, SET_ORDER, SmpError, SmpErrorKind, Step};
use crate::go::go_format;
use crate::schema::{NodeId, Strategy};

impl Merger<'_> {
    /// `mergeMap`: merge `patch` into `orig` (spec §3, steps 1–4 in order).
    pub(super) fn merge_map(
        &mut self,
        orig: &mut Map<String, Value>,
        mut patch: Map<String, Value>,
        node: NodeId,
    ) -> Result<(), SmpError> {
        // Step 1: `$patch` on the map.
        if let Some(directive) = patch.remove(PATCH) {
            match directive.as_str() {
                Some("replace") => *orig = patch,
                Some("delete") => orig.clear(),
                _ => {
                    let mut shown = patch.clone();
                    shown.insert(PATCH.to_string(), directive.clone());
                    return Err(self.err(
                        SmpErrorKind::BadPatchType,
                        format!(
                            "unknown patch type: {} in map: {}",
                            go_format(&directive),
                            go_format(&Value::Object(shown))
                        ),
                    ));
                }
            }
            return Ok(());
        }
        // Step 2: `$retainKeys`.
        if let Some(retain) = patch.remove(RETAIN_KEYS) {
            self.retain_keys(orig, &patch, retain)?;
        }
        // Step 3: `$setElementOrder/<f>`, before any ordinary key.
        let orders: Vec<String> = patch
            .keys()
            .filter(|k| k.starts_with(SET_ORDER))
            .cloned()
            .collect();
        for key in orders {
            let order = patch.remove(&key).unwrap_or(Value::Null);
            self.set_element_order(orig, &mut patch, &key, order, node)?;
        }
        // Step 4: ordinary keys, then delete lists (merge `<f>` before deleting from it).
        if !patch.keys().any(|k| k.starts_with(DELETE_FROM)) {
            // The usual patch: no delete list to hold back.
            for (key, value) in patch {
                self.merge_key(orig, key, value, node)?;
            }
            return Ok(());
        }
        let (deletes, ordinary): (Vec<_>, Vec<_>) = patch
            .into_iter()
            .partition(|(k, _)| k.starts_with(DELETE_FROM));
        for (key, value) in ordinary.into_iter().chain(deletes) {
            self.merge_key(orig, key, value, node)?;
        }
        Ok(())
    }

    fn retain_keys(
        &self,
        orig: &mut Map<String, Value>,
        patch: &Map<String, Value>,
        retain: Value,
    ) -> Result<(), SmpError> {
        let bad = || {
            self.err(
                SmpErrorKind::BadPatchFormatForRetainKeys,
                "invalid patch format of retainKeys",
            )
        };
        let Value::Array(list) = retain else {
            return Err(bad());
        };
        // A set: membership per key is O(1), so the step is linear in the keys.
        let keep: HashSet<&str> = list.iter().filter_map(Value::as_str).collect();
        for (k, v) in patch {
            if !v.is_null()
                && !k.starts_with(DELETE_FROM)
                && !k.starts_with(SET_ORDER)
                && !keep.contains(k.as_str())
            {
                return Err(bad());
            }
        }
        orig.retain(|k, _| keep.contains(k.as_str()));
        Ok(())
    }

    /// Step 4 for one key.
    fn merge_key(
        &mut self,
        orig: &mut Map<String, Value>,
        key: String,
        value: Value,
        node: NodeId,
    ) -> Result<(), SmpError> {
        let (key, delete_list) = match key.strip_prefix(DELETE_FROM) {
            Some(rest) => match rest.strip_prefix('/') {
                Some(field) => (field.to_string(), true),
                None => {
                    return Err(self.err(
                        SmpErrorKind::BadPatchFormatForPrimitiveList,
                        "invalid patch format of primitive list",
                    ));
                }
            },
            None => (key, false),
        };
        if value.is_null() {
            orig.remove(&key);
            return Ok(());
        }
        let Some(current) = orig.get_mut(&key) else {
            if !delete_list && let Some(clean) = cleaned(value) {
                orig.insert(key, clean);
            }
            return Ok(());
        };
        let (cur_class, new_class) = (class(current), class(&value));
        if cur_class != new_class {
            if !delete_list {
                match cleaned(value) {
                    Some(clean) => *current = clean,
                    None => {
                        orig.remove(&key);
                    }
                }
            }
            return Ok(());
        }
        self.path.push(Step::Key(key.clone()));
        let result = match (current, value) {
            (Value::Object(cur), Value::Object(p)) => {
                let found =
                    lookup_struct(self.schema, node, &key).map_err(|e| self.lookup_err(e))?;
                if self.strategy_of(found.field)? == Strategy::Replace {
                    *cur = p;
                    Ok(())
                } else {
                    self.merge_map(cur, p, found.node)
                }
            }
            (Value::Array(cur), Value::Array(p)) => {
                let found = lookup_list(self.schema, node, &key).map_err(|e| self.lookup_err(e))?;
                let strategy = self.strategy_of(found.field)?;
                if strategy.is_merge() || delete_list {
                    let original = std::mem::take(cur);
                    let key_spec = found.field.and_then(|f| f.merge_key.as_ref());
                    let (merged, _) =
                        self.merge_slice(original, p, key_spec, found.node, delete_list)?;
                    *cur = merged;
                } else {
                    *cur = p;
                }
                Ok(())
            }
            (cur, p) => {
                *cur = p;
                Ok(())
            }
        };
        self.path.pop();
        result
    }
}

/// Clean a value inserted where the original has nothing (or something of
/// another type): drop `null` object members recursively (list elements
/// stay), then drop every object carrying `$patch`. `None` when the value
/// itself is such an object.
pub(super) fn cleaned(mut value: Value) -> Option<Value> {
    discard_nulls(&mut value);
    remove_directives(value)
}

fn discard_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(discard_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_nulls),
        _ => {}
    }
}

pub(super) fn remove_directives(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.contains_key(PATCH) {
                return None;
            }
            Some(Value::Object(
                m.into_iter()
                    .filter_map(|(k, x)| remove_directives(x).map(|x| (k, x)))
                    .collect(),
            ))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(remove_directives).collect(),
        )),
        other => Some(other),
    }
}
