//! Kubernetes strategic merge patch, driven by a [`Schema`].
//!
//! One walk over the patch: maps merge key by key; lists merge by their
//! field's strategy and merge key (elements matched through a hash index built
//! once per list); directives (`$patch`, `$retainKeys`,
//! `$setElementOrder/<f>`, `$deleteFromPrimitiveList/<f>`) act where upstream
//! says; merged lists are ordered as upstream orders them.
//!
//! ```
//! use kubepatch::{schema::Schema, strategic};
//! use serde_json::json;
//!
//! let schema = Schema::endpoints();
//! let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
//!     "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "http", "port": 80}]}]});
//! let patch = json!({"subsets": [{"addresses": [{"ip": "10.0.0.2"}], "ports": [{"name": "http", "port": 80}]}]});
//! let out = strategic::apply(&live, patch, &schema).unwrap();
//! assert_eq!(out["subsets"][0]["addresses"], json!([{"ip": "10.0.0.2"}, {"ip": "10.0.0.1"}]));
//! ```

mod element_order;
mod errors;
pub(crate) mod ident;
mod lists;
mod lookup;
mod maps;
mod order;

pub use errors::{SmpError, SmpErrorKind};
pub use lookup::{Lookup, LookupError, lookup_list, lookup_struct};

use foldhash::{HashMap, HashMapExt};

use serde_json::{Map, Value};

use crate::reach::{Items, Reach};
use crate::schema::{Field, MergeKey, Node, NodeId, Schema, Strategy, UNTYPED};
use ident::Ident;

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER: &str = "$setElementOrder";
const DELETE_FROM: &str = "$deleteFromPrimitiveList";

/// Apply `patch` to a copy of `original`, with the schema's root for the
/// original's kind (or its default root; untyped if it has neither).
///
/// ```
/// use kubepatch::{schema::Schema, strategic};
/// use serde_json::json;
/// let out = strategic::apply(&json!({"metadata": {"finalizers": ["a", "b"]}}),
///     json!({"metadata": {"finalizers": ["c"]}}), &Schema::endpoints()).unwrap();
/// assert_eq!(out["metadata"]["finalizers"], json!(["c", "a", "b"]));
/// ```
pub fn apply(original: &Value, patch: Value, schema: &Schema) -> Result<Value, SmpError> {
    let root = schema.root_of(original).unwrap_or(UNTYPED);
    apply_with_root(original, patch, schema, root)
}

/// As [`apply`], with an explicit root node.
pub fn apply_with_root(
    original: &Value,
    patch: Value,
    schema: &Schema,
    root: NodeId,
) -> Result<Value, SmpError> {
    let merger = Merger {
        schema,
        path: Vec::new(),
    };
    for (value, what) in [(original, "the original"), (&patch, "the patch")] {
        let depth = crate::decode::depth(value);
        if depth > crate::decode::MAX_DEPTH {
            return Err(merger.err(
                SmpErrorKind::TooDeep,
                format!(
                    "{what} nests {depth} levels deep, beyond the limit of {}",
                    crate::decode::MAX_DEPTH
                ),
            ));
        }
    }
    merge_with_root(original.clone(), patch, schema, root)
}

/// Strategic merge at the root for `original`'s kind, in place of the
/// original (no copy of it), for a caller that has bounded both depths
/// already (the request).
pub(crate) fn merge(original: Value, patch: Value, schema: &Schema) -> Result<Value, SmpError> {
    let root = schema.root_of(&original).unwrap_or(UNTYPED);
    merge_with_root(original, patch, schema, root)
}

fn merge_with_root(
    original: Value,
    patch: Value,
    schema: &Schema,
    root: NodeId,
) -> Result<Value, SmpError> {
    let mut merger = Merger {
        schema,
        path: Vec::new(),
    };
    let mut doc = match original {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        _ => return Err(merger.err(SmpErrorKind::BadJSONDoc, "invalid JSON document")),
    };
    let patch = match patch {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        _ => return Err(merger.err(SmpErrorKind::BadJSONDoc, "invalid JSON document")),
    };
    merger.merge_map(&mut doc, patch, root)?;
    Ok(Value::Object(doc))
}

/// What a strategic patch can change on `live`, merged at the root of its
/// kind in `schema`: its members, recursively, as the merge walks them; any
/// list, a scalar or `null` the whole value at its key, as is an object whose
/// field is replaced, not merged; the field a `$setElementOrder/<f>` or
/// `$deleteFromPrimitiveList/<f>` names, whole; and the whole map that
/// carries `$patch` or `$retainKeys` (or any other `$` key, which the merge
/// refuses).
///
/// Told apart `by_item` (when there is tracking to do, the only use of it),
/// a keyed list the merge merges by key reaches only the items the patch's
/// items name ([`crate::reach::Items`]), when that is worth it and sound:
/// the list is short or the patch names under a quarter of it, none of its items
/// deletes or replaces, and every item on both sides has a plain key, none
/// repeated among the live ones.
pub(crate) fn reach(patch: &Value, schema: &Schema, live: &Value, by_item: bool) -> Reach {
    let root = schema.root_of(live).unwrap_or(UNTYPED);
    reach_at(patch, schema, root, by_item.then_some(live))
}

/// [`reach`] of `patch`, a map merged at `node` into `live` (`None`: not
/// told apart by item, or nothing there).
fn reach_at(patch: &Value, schema: &Schema, node: NodeId, live: Option<&Value>) -> Reach {
    let Value::Object(members) = patch else {
        return Reach::All;
    };
    let mut reach = Reach::nothing();
    for (key, value) in members {
        let directed = key
            .strip_prefix(SET_ORDER)
            .or_else(|| key.strip_prefix(DELETE_FROM));
        match directed.map(|rest| rest.strip_prefix('/')) {
            Some(Some(field)) => reach.add_whole(field),
            Some(None) => return Reach::All,
            None if key.starts_with('$') => return Reach::All,
            None => {
                let there = live.and_then(|l| l.get(key));
                reach.add_member(key, member_reach(key, value, schema, node, there));
            }
        }
    }
    reach
}

/// What the patch value `value` of member `key` of a map at `node` reaches,
/// where the live object holds `live`.
fn member_reach(
    key: &str,
    value: &Value,
    schema: &Schema,
    node: NodeId,
    live: Option<&Value>,
) -> Reach {
    let strategy = |field: Option<&Field>| field.map_or(Strategy::Default, |f| f.strategy.clone());
    match (value, live) {
        (Value::Object(_), _) => match lookup::lookup_struct(schema, node, key) {
            Ok(found) if strategy(found.field) != Strategy::Replace => {
                reach_at(value, schema, found.node, live)
            }
            _ => Reach::All,
        },
        (Value::Array(patch_items), Some(Value::Array(live_items)))
            if !patch_items.is_empty() && worth_telling_apart(patch_items, live_items) =>
        {
            let Ok(found) = lookup::lookup_list(schema, node, key) else {
                return Reach::All;
            };
            match found.field.and_then(|f| f.merge_key.as_ref()) {
                Some(merge_key) if strategy(found.field).is_merge() => {
                    items_reach(patch_items, live_items, merge_key, schema, found.node)
                }
                _ => Reach::All,
            }
        }
        _ => Reach::All,
    }
}

/// Whether to tell the items of a list apart: a short list costs little
/// either way; of a long one, worth it while the patch names under a quarter.
fn worth_telling_apart(patch_items: &[Value], live_items: &[Value]) -> bool {
    const SHORT: usize = 64;
    live_items.len() <= SHORT || patch_items.len().saturating_mul(4) <= live_items.len()
}

/// The items of a keyed list that `patch_items` name, each with its reach
/// within the live item it merges into; the whole list where that is not
/// sound ([`reach`]).
fn items_reach(
    patch_items: &[Value],
    live_items: &[Value],
    key: &MergeKey,
    schema: &Schema,
    node: NodeId,
) -> Reach {
    let mut items = Items {
        key: key.clone(),
        node,
        within: Default::default(),
    };
    let mut live: HashMap<Ident, &Value> = HashMap::with_capacity(live_items.len());
    for item in live_items {
        let Some(id) = items.ident(item, schema) else {
            return Reach::All;
        };
        if live.insert(id, item).is_some() {
            return Reach::All;
        }
    }
    for item in patch_items {
        let named = item
            .as_object()
            .filter(|m| !m.contains_key(PATCH))
            .and_then(|_| items.ident(item, schema));
        let Some(id) = named else {
            return Reach::All;
        };
        let mut within = reach_at(item, schema, node, live.get(&id).copied());
        if let MergeKey::ChildSet(list) = key {
            // The child list is the item's identity: whole in its images,
            // so that tracking reads the identity there.
            within.add_whole(list);
        }
        match items.within.get_mut(&id) {
            Some(existing) => existing.join(within),
            None => {
                items.within.insert(id, within);
            }
        }
    }
    Reach::Items(Box::new(items))
}

/// One strategic merge in progress: the schema it follows and the path of
/// the patch field being merged (for error messages). Its methods are spread
/// over this module's files by what they merge.
struct Merger<'s> {
    schema: &'s Schema,
    path: Vec<Step>,
}

/// One step of [`Merger::path`]: a key, or a list element's index (written
/// out only if an error names the path).
enum Step {
    Key(String),
    Index(usize),
}

impl Merger<'_> {
    fn err(&self, kind: SmpErrorKind, message: impl Into<String>) -> SmpError {
        let mut path = String::new();
        for step in &self.path {
            match step {
                Step::Key(key) => {
                    if !key.starts_with('[') && !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Step::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        SmpError {
            kind,
            message: message.into(),
            path,
        }
    }

    fn lookup_err(&self, e: LookupError) -> SmpError {
        let kind = match e {
            LookupError::UnknownField(_) => SmpErrorKind::UnknownField,
            LookupError::NotStruct(_) => SmpErrorKind::SchemaNotStruct,
            LookupError::NotList => SmpErrorKind::SchemaNotList,
            LookupError::SliceOfSlice => SmpErrorKind::SchemaSliceOfSlice,
        };
        self.err(kind, e.to_string())
    }

    fn strategy_of(&self, field: Option<&Field>) -> Result<Strategy, SmpError> {
        match field.map(|f| &f.strategy) {
            Some(Strategy::Invalid(msg)) => {
                Err(self.err(SmpErrorKind::BadPatchStrategyInSchema, msg.clone()))
            }
            Some(s) => Ok(s.clone()),
            None => Ok(Strategy::Default),
        }
    }
}

impl Node {
    /// Whether strategic merge treats this node as "no information".
    pub fn is_untyped(&self) -> bool {
        matches!(self, Node::Untyped)
    }
}
