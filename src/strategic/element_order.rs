//! `$setElementOrder/<f>` (spec §6): the directive's checks, the merge of the
//! field it orders, and the final arrangement of that field by the order list.

use serde_json::{Map, Value};

use super::ident::{self, Ident};
use super::lists::Trace;
use super::lookup::lookup_list;
use super::maps::remove_directives;
use super::{Merger, PATCH, SET_ORDER, SmpError, SmpErrorKind, Step, order};
use crate::go::{go_format, go_type};
use crate::schema::{MergeKey, NodeId};

impl Merger<'_> {
    /// `$setElementOrder/<f>` (spec §6).
    pub(super) fn set_element_order(
        &mut self,
        orig: &mut Map<String, Value>,
        patch: &mut Map<String, Value>,
        directive: &str,
        order: Value,
        node: NodeId,
    ) -> Result<(), SmpError> {
        let Value::Array(order) = order else {
            return Err(self.err(
                SmpErrorKind::BadArgType,
                format!(
                    "expected a []interface {{}}, but received a {}",
                    go_type(&order)
                ),
            ));
        };
        let Some(field) = directive
            .strip_prefix(SET_ORDER)
            .and_then(|r| r.strip_prefix('/'))
        else {
            return Err(self.err(
                SmpErrorKind::BadPatchFormatForSetElementOrderList,
                "invalid patch format of setElementOrder list",
            ));
        };
        let field = field.to_string();
        let as_list = |v: Option<Value>, this: &Self| -> Result<Option<Vec<Value>>, SmpError> {
            match v {
                None => Ok(None),
                Some(Value::Array(a)) => Ok(Some(a)),
                Some(other) => Err(this.err(
                    SmpErrorKind::BadArgType,
                    format!(
                        "expected a []interface {{}}, but received a {}",
                        go_type(&other)
                    ),
                )),
            }
        };
        let original = as_list(orig.get(&field).cloned(), self)?;
        let patch_list = as_list(patch.remove(&field), self)?;
        self.path.push(Step::Key(field.clone()));
        let result = self.order_field(orig, &field, original, patch_list, order, node);
        self.path.pop();
        result
    }

    fn order_field(
        &mut self,
        orig: &mut Map<String, Value>,
        field: &str,
        original: Option<Vec<Value>>,
        patch_list: Option<Vec<Value>>,
        order: Vec<Value>,
        node: NodeId,
    ) -> Result<(), SmpError> {
        let found = lookup_list(self.schema, node, field).map_err(|e| self.lookup_err(e))?;
        let strategy = self.strategy_of(found.field)?;
        let key = found.field.and_then(|f| f.merge_key.clone());
        let item = found.node;
        let kind_is_map =
            self.element_kind(original.iter().flatten().chain(patch_list.iter().flatten()));
        if let (Some(p), false) = (&patch_list, order.is_empty()) {
            self.validate_order(p, &order, key.as_ref(), item, kind_is_map.clone()?)?;
        }
        let pre_merge = original.clone().unwrap_or_default();
        let patch_copy = patch_list.clone();
        let (merged, trace) = match (original, patch_list) {
            (None, None) => return Ok(()),
            (Some(o), None) => (o, Trace::default()),
            (None, Some(p)) => (
                p.into_iter().filter_map(remove_directives).collect(),
                Trace::default(),
            ),
            (Some(o), Some(p)) => {
                if strategy.is_merge() {
                    self.merge_slice(o, p, key.as_ref(), item, false)?
                } else {
                    (p, Trace::default())
                }
            }
        };
        let is_map = match kind_is_map? {
            Some(m) => m,
            None => {
                return Err(self.err(
                    SmpErrorKind::NoElementsForOrdering,
                    "no elements in any of the given slices",
                ));
            }
        };
        let identify = |v: &Value, this: &Self| -> Result<Ident, SmpError> {
            if !is_map {
                return ident::scalar(v).ok_or_else(|| {
                    this.err(SmpErrorKind::UpstreamPanic, "unhashable list element")
                });
            }
            let Some(k) = &key else {
                return Err(this.err(
                    SmpErrorKind::UpstreamPanic,
                    "cannot order a list of objects without merge key",
                ));
            };
            this.key_of(v, k, item)
        };
        let mut order_ids = Vec::with_capacity(order.len());
        for (i, o) in order.iter().enumerate() {
            if is_map && !o.is_object() {
                return Err(self.err(
                    SmpErrorKind::ListElementNotMap,
                    format!("value for key {i} is not a map"),
                ));
            }
            order_ids.push(identify(o, self)?);
        }
        let idents: Vec<Ident> = merged
            .iter()
            .map(|v| identify(v, self))
            .collect::<Result<_, _>>()?;
        let mut server: Vec<Ident> = pre_merge
            .iter()
            .map(|v| identify(v, self))
            .collect::<Result<_, _>>()?;
        let patch_had_replace = patch_copy
            .iter()
            .flatten()
            .any(|p| p.get(PATCH).and_then(Value::as_str) == Some("replace"));
        if is_map
            && strategy.is_merge()
            && patch_copy.is_some()
            && !trace.replaced
            && !patch_had_replace
            && trace.deleted > 0
        {
            // Upstream reads the server order from storage the merge has
            // already shifted: survivors, then up to `deleted` appended items.
            server = trace.survivors;
            server.extend(trace.appended.into_iter().take(trace.deleted));
        }
        orig.insert(
            field.to_string(),
            Value::Array(order::arrange(merged, &idents, &order_ids, &server)),
        );
        Ok(())
    }

    /// The patch list (without directive elements) must be a subsequence of the order.
    fn validate_order(
        &self,
        patch: &[Value],
        order: &[Value],
        key: Option<&MergeKey>,
        item: NodeId,
        kind: Option<bool>,
    ) -> Result<(), SmpError> {
        if patch.is_empty() {
            return Ok(());
        }
        let mut list: Vec<&Value> = patch.iter().collect();
        if let (Some(k), Some(true)) = (key, kind) {
            for p in &list {
                if !p.is_object() {
                    return Err(self.err(
                        SmpErrorKind::BadArgType,
                        format!(
                            "expected a map[string]interface {{}}, but received a {}",
                            go_type(p)
                        ),
                    ));
                }
            }
            list.retain(|p| p.get(PATCH).and_then(Value::as_str) != Some("delete"));
            let _ = k;
        }
        let (mut i, mut j) = (0, 0);
        while i < list.len() && j < order.len() {
            if list[i].get(PATCH).is_some() {
                i += 1;
                continue;
            }
            let equal = match key {
                Some(k) if kind == Some(true) => {
                    self.key_of(list[i], k, item)? == self.key_of(&order[j], k, item)?
                }
                _ => match (ident::scalar(list[i]), ident::scalar(&order[j])) {
                    (Some(a), Some(b)) => a == b,
                    (None, _) | (_, None) if list[i].is_object() && order[j].is_object() => {
                        return Err(self.err(
                            SmpErrorKind::UpstreamPanic,
                            "cannot compare objects without merge key",
                        ));
                    }
                    _ => false,
                },
            };
            if equal {
                i += 1;
            }
            j += 1;
        }
        if i < list.len() {
            return Err(self.err(
                SmpErrorKind::SetElementOrderMismatch,
                format!(
                    "The order in patch list:\n{}\n doesn't match $setElementOrder list:\n{}\n",
                    go_format(&Value::Array(patch.to_vec())),
                    go_format(&Value::Array(order.to_vec()))
                ),
            ));
        }
        Ok(())
    }
}
