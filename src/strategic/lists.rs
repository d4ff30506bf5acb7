//! Merging lists (spec §4): the element kind of a list, lists of scalars
//! (with `$deleteFromPrimitiveList`), lists of objects by merge key (with
//! `$patch` elements), and the [`Trace`] of how a list was merged.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use serde_json::Value;

use super::ident::{self, Class, Ident, KeyProblem, class};
use super::{Merger, PATCH, SmpError, SmpErrorKind, Step, order};
use crate::go::{go_format, go_type, render_value};
use crate::managed::typed::key_fields;
use crate::schema::cursor::Cursor;
use crate::schema::identity;
use crate::schema::{MergeKey, NodeId};

/// How a list was merged, for `$setElementOrder`'s server order.
#[derive(Default)]
pub(super) struct Trace {
    /// The list after `$patch: delete` elements removed their matches.
    pub(super) survivors: Vec<Ident>,
    /// Identities of elements appended by the merge, in order.
    pub(super) appended: Vec<Ident>,
    /// How many original elements were deleted.
    pub(super) deleted: usize,
    /// Whether a `{"$patch": "replace"}` element took over the list.
    pub(super) replaced: bool,
}

impl Merger<'_> {
    /// The element kind of a list (spec §4.2 step 1): `Ok(true)` for objects.
    pub(super) fn element_kind<'v>(
        &self,
        lists: impl IntoIterator<Item = &'v Value>,
    ) -> Result<Option<bool>, SmpError> {
        let mut first: Option<Class> = None;
        for v in lists {
            let c = class(v);
            match first {
                None => match c {
                    Class::List => {
                        return Err(self.err(
                            SmpErrorKind::NoListOfLists,
                            "lists of lists are not supported",
                        ));
                    }
                    Class::Null => {
                        return Err(self.err(
                            SmpErrorKind::UpstreamPanic,
                            "a merged list may not start with null",
                        ));
                    }
                    _ => first = Some(c),
                },
                Some(f) if f != c => {
                    return Err(self.err(
                        SmpErrorKind::MismatchedListElementTypes,
                        format!("list element types are not identical: {}", go_format(v)),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(first.map(|c| c == Class::Object))
    }

    /// `mergeSlice` (spec §4.2): returns the merged list and how it was merged.
    pub(super) fn merge_slice(
        &mut self,
        original: Vec<Value>,
        patch: Vec<Value>,
        key: Option<&MergeKey>,
        item: NodeId,
        delete_list: bool,
    ) -> Result<(Vec<Value>, Trace), SmpError> {
        if original.is_empty() && patch.is_empty() {
            return Ok((original, Trace::default()));
        }
        let is_map = self
            .element_kind(original.iter().chain(patch.iter()))?
            .unwrap_or(false);
        if !is_map {
            return self
                .merge_primitives(original, patch, delete_list)
                .map(|l| (l, Trace::default()));
        }
        let Some(key) = key else {
            return Err(self.err(
                SmpErrorKind::MergeListWithoutMergeKey,
                "cannot merge lists without merge key for the list's element type",
            ));
        };
        self.merge_objects(original, patch, key, item)
    }

    fn merge_primitives(
        &self,
        original: Vec<Value>,
        patch: Vec<Value>,
        delete_list: bool,
    ) -> Result<Vec<Value>, SmpError> {
        let ident = |v: &Value| {
            ident::scalar(v)
                .ok_or_else(|| self.err(SmpErrorKind::UpstreamPanic, "unhashable list element"))
        };
        if delete_list {
            let doomed: HashSet<Ident> = patch.iter().map(ident).collect::<Result<_, _>>()?;
            let mut kept = Vec::with_capacity(original.len());
            for v in original {
                if !doomed.contains(&ident(&v)?) {
                    kept.push(v);
                }
            }
            return Ok(kept);
        }
        let server: Vec<Ident> = original.iter().map(ident).collect::<Result<_, _>>()?;
        let order: Vec<Ident> = patch.iter().map(ident).collect::<Result<_, _>>()?;
        let mut seen = HashSet::with_capacity(server.len() + order.len());
        let mut merged = Vec::with_capacity(server.len() + order.len());
        let mut idents = Vec::with_capacity(server.len() + order.len());
        for (v, id) in original
            .into_iter()
            .zip(server.iter())
            .chain(patch.into_iter().zip(order.iter()))
        {
            if seen.insert(id.clone()) {
                merged.push(v);
                idents.push(id.clone());
            }
        }
        Ok(order::arrange(merged, &idents, &order, &server))
    }

    pub(super) fn key_of(
        &self,
        elem: &Value,
        key: &MergeKey,
        item: NodeId,
    ) -> Result<Ident, SmpError> {
        let Value::Object(map) = elem else {
            return Err(self.err(
                SmpErrorKind::BadArgType,
                format!(
                    "expected a map[string]interface {{}}, but received a {}",
                    go_type(elem)
                ),
            ));
        };
        ident::of_element(map, key, self.schema, item).map_err(|p| match p {
            KeyProblem::Missing => self.err(
                SmpErrorKind::NoMergeKey,
                format!(
                    "map: {} does not contain declared merge key: {}",
                    go_format(elem),
                    key.describe()
                ),
            ),
            KeyProblem::Uncomparable => self.err(
                SmpErrorKind::UpstreamPanic,
                "a merge key value may not be an object or a list",
            ),
        })
    }

    fn merge_objects(
        &mut self,
        mut list: Vec<Value>,
        patch: Vec<Value>,
        key: &MergeKey,
        item: NodeId,
    ) -> Result<(Vec<Value>, Trace), SmpError> {
        let mut trace = Trace::default();
        // Directive elements.
        let mut effective = Vec::with_capacity(patch.len());
        let mut doomed = HashSet::new();
        for (at, p) in patch.into_iter().enumerate() {
            let directive = p.as_object().and_then(|m| m.get(PATCH)).cloned();
            match directive {
                None => effective.push((at, p)),
                Some(d) => match d.as_str() {
                    Some("delete") => {
                        doomed.insert(self.key_of(&p, key, item)?);
                    }
                    Some("replace") => trace.replaced = true,
                    Some("merge") => {
                        return Err(self.err(
                            SmpErrorKind::ListMergeDirectiveUnsupported,
                            "merging lists cannot yet be specified in the patch",
                        ));
                    }
                    _ => {
                        return Err(self.err(
                            SmpErrorKind::BadPatchType,
                            format!(
                                "unknown patch type: {} in map: {}",
                                go_format(&d),
                                go_format(&p)
                            ),
                        ));
                    }
                },
            }
        }
        if !doomed.is_empty() {
            let before = list.len();
            let mut kept = Vec::with_capacity(before);
            for v in list {
                // Elements without a usable key cannot match a deletion.
                let matched = v
                    .as_object()
                    .and_then(|m| ident::of_element(m, key, self.schema, item).ok())
                    .is_some_and(|id| doomed.contains(&id));
                if !matched {
                    kept.push(v);
                }
            }
            trace.deleted = before - kept.len();
            list = kept;
        }
        if trace.replaced {
            list = std::mem::take(&mut effective)
                .into_iter()
                .map(|(_, p)| p)
                .collect();
        }
        let server: Vec<Ident> = list
            .iter()
            .map(|v| self.key_of(v, key, item))
            .collect::<Result<_, _>>()?;

        // Merge by key: a hash index of the server's first occurrences
        // (borrowed), and one of what the patch appends.
        let mut index: HashMap<&Ident, usize> = HashMap::with_capacity(server.len());
        let mut repeated = false;
        for (i, id) in server.iter().enumerate() {
            match index.entry(id) {
                std::collections::hash_map::Entry::Occupied(_) => repeated = true,
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        let mut appended_at: HashMap<Ident, usize> = HashMap::new();
        let mut order = Vec::with_capacity(effective.len());
        // Where each patch element landed, and whether those places rise
        // with the patch order: then, with nothing new, no identity changed
        // and none repeated, arranging leaves the server's order as it is.
        let mut merged_at = Vec::with_capacity(effective.len());
        let mut rising = true;
        for (at, p) in effective {
            let id = self.key_of(&p, key, item)?;
            let found = index.get(&id).or_else(|| appended_at.get(&id)).copied();
            match found {
                Some(i) => {
                    rising &= merged_at.last().is_none_or(|&last| last < i);
                    merged_at.push(i);
                    if let (Value::Object(target), Value::Object(p)) = (&mut list[i], p) {
                        self.path.push(Step::Index(i));
                        let merged = self.merge_map(target, p, item);
                        self.path.pop();
                        merged?;
                    }
                }
                None => {
                    if let MergeKey::ChildSet(_) = key {
                        self.check_new_subset(&p, at, &list, key, item)?;
                    }
                    rising = false;
                    appended_at.insert(id.clone(), list.len());
                    trace.appended.push(id.clone());
                    list.push(p);
                }
            }
            order.push(id);
        }
        drop(index);
        // Identities after the merge: only merged elements can have changed
        // theirs (or lost their key, an error as upstream answers it).
        // (An element appended by the patch may be merged into by a later
        // one: its place is past the server's.)
        let mut changed = Vec::new();
        for &i in &merged_at {
            let now = self.key_of(&list[i], key, item)?;
            if server.get(i) != Some(&now) {
                changed.push((i, now));
            }
        }
        let arranged = if rising && !repeated && changed.is_empty() {
            list
        } else {
            let mut idents = server.clone();
            idents.extend(trace.appended.iter().cloned());
            for (i, now) in changed {
                idents[i] = now;
            }
            order::arrange(list, &idents, &order, &server)
        };
        trace.survivors = server;
        Ok((arranged, trace))
    }

    /// A new element of a list keyed by a set of its child list's keys (an
    /// Endpoints subset, which *is* its set of ports) is added as sent; a
    /// `$patch: delete` inside it can delete nothing, and only means that the
    /// patch missed the subset it meant (it named another port set): 422,
    /// naming the port set looked for and those of the live subsets.
    /// `new` is element `at` of the patch list; `live` the list it merges into.
    fn check_new_subset(
        &self,
        new: &Value,
        at: usize,
        live: &[Value],
        key: &MergeKey,
        item: NodeId,
    ) -> Result<(), SmpError> {
        let mut inside = String::new();
        if !holds_delete(new, &mut inside) {
            return Ok(());
        }
        let port_set = |v: &Value| {
            let Value::Object(m) = v else {
                return go_format(v);
            };
            let at = Cursor::new(self.schema, item);
            match identity::key_of(at, key, m, ident::READING) {
                Ok(k) => key_fields(&k)
                    .into_iter()
                    .map(|(_, members)| render_value(&members))
                    .collect(),
                Err(_) => "(none)".to_string(),
            }
        };
        let live_sets: Vec<String> = live.iter().map(port_set).collect();
        let live_sets = match live_sets.as_slice() {
            [] => "there are no live subsets".to_string(),
            [one] => format!("the live subset has {one}"),
            many => format!("the live subsets have {}", many.join(", ")),
        };
        let mut e = self.err(
            SmpErrorKind::DeleteInNewSubset,
            format!(
                "$patch: delete inside a new subset: no live subset has its port set {}, so it has nothing to delete ({live_sets}); a subset is found by its whole port set",
                port_set(new)
            ),
        );
        e.path = format!("{}[{at}]{inside}", e.path);
        Err(e)
    }
}

/// Whether a member of `value`, at any depth, is an object with `$patch:
/// delete`; `path` is then the path to the first found (`.addresses[0]`).
fn holds_delete(value: &Value, path: &mut String) -> bool {
    let len = path.len();
    let found = match value {
        Value::Object(m) => m.iter().any(|(k, v)| {
            path.truncate(len);
            path.push('.');
            path.push_str(k);
            is_delete(v) || holds_delete(v, path)
        }),
        Value::Array(items) => items.iter().enumerate().any(|(i, v)| {
            path.truncate(len);
            path.push_str(&format!("[{i}]"));
            is_delete(v) || holds_delete(v, path)
        }),
        _ => false,
    };
    if !found {
        path.truncate(len);
    }
    found
}

/// Whether `value` is an object with `$patch: delete`.
fn is_delete(value: &Value) -> bool {
    value
        .get(PATCH)
        .is_some_and(|d| d.as_str() == Some("delete"))
}
