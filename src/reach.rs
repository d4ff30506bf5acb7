//! What a write can reach: the part of an object a patch or an applied
//! configuration can have changed, read off the request's body before it runs.
//!
//! Ownership tracking compares the object before and after a write to learn
//! which fields changed. Everything outside the reach is the same on both
//! sides by construction, so the comparison looks only inside it: its cost
//! follows the patch, not the object. Each strategy says what its body
//! reaches (`merge_patch::reach`, `strategic::reach`, `json_patch::reach`);
//! a list is reached whole (its items can move), as is anything a directive
//! like `$patch: replace` or `$retainKeys` rewrites, except a keyed list a
//! strategic patch merges by key: only the items its own items name are
//! reached ([`Items`]).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::schema::cursor::Cursor;
use crate::schema::identity::{Key, SetMember, key_of};
use crate::schema::{MergeKey, NodeId, Schema};
use crate::strategic::ident::{self, Ident};

/// The part of a document a write can change.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reach {
    /// The whole value.
    All,
    /// Only these members of an object (and within them, their reach); a
    /// value that turns out not to be an object here is reached whole.
    Fields(BTreeMap<String, Reach>),
    /// Only some items of a keyed list; a value that turns out not to be a
    /// list here is reached whole.
    Items(Box<Items>),
}

/// The items of a keyed list that a strategic merge by key can change: those
/// whose identity, read as strategic merge reads it, is one the patch's
/// items have (they merge into them, or come new), each with the reach
/// within it. Every other item stays as it is and where it is relative to
/// the others.
///
/// Only items whose keys are read alike by strategic merge and by tracking
/// take part: every key field present, a string or an integer (so that the
/// item is the same item to both). A patch whose items are not all so, or
/// that deletes or replaces items, reaches its list whole; so does a live
/// list with an item that is not so, or with a key repeated
/// (`strategic::reach` decides, on the live object).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Items {
    /// The list's merge key.
    pub(crate) key: MergeKey,
    /// The schema node of its items.
    pub(crate) node: NodeId,
    /// The patch's identities, each with the reach within its item.
    pub(crate) within: BTreeMap<Ident, Reach>,
}

impl Items {
    /// The identity of `item`, when it is an object whose key both readings
    /// read alike.
    pub(crate) fn ident(&self, item: &Value, schema: &Schema) -> Option<Ident> {
        let Value::Object(map) = item else {
            return None;
        };
        let key = key_of(
            Cursor::new(schema, self.node),
            &self.key,
            map,
            ident::READING,
        )
        .ok()?;
        plain_key(&key).then(|| ident::of_key(&key)).flatten()
    }

    /// The reach within `item`, when the patch names it.
    pub(crate) fn within_item(&self, item: &Value, schema: &Schema) -> Option<&Reach> {
        self.ident(item, schema).and_then(|id| self.within.get(&id))
    }
}

/// Whether every value of a key is a string or an integer (including the
/// keys of a set identity's members): then strategic merge and tracking
/// tell items apart alike.
fn plain_key(key: &Key<'_>) -> bool {
    let plain = |v: &Value| v.is_string() || v.is_i64() || v.is_u64();
    match key {
        Key::Fields(fields) => fields.iter().all(|(_, v)| plain(v)),
        Key::Set(_, members) => members.iter().all(|m| match m {
            SetMember::Value(v) => plain(v),
            SetMember::Key(k) => plain_key(k),
        }),
    }
}

impl Reach {
    /// Nothing at all (a JSON patch of `test` operations only).
    pub(crate) fn nothing() -> Reach {
        Reach::Fields(BTreeMap::new())
    }

    /// An object's reach is its members', recursively; anything else (a
    /// list, a scalar, `null`) reaches the whole value it lands on. This is
    /// what a merge patch and an applied configuration reach.
    pub(crate) fn of_members(value: &Value) -> Reach {
        match value {
            Value::Object(m) => Reach::Fields(
                m.iter()
                    .map(|(k, v)| (k.clone(), Reach::of_members(v)))
                    .collect(),
            ),
            _ => Reach::All,
        }
    }

    /// How deep `value` nests where this reach walks it: the whole depth of
    /// what is reached whole, and one level for each object passed through
    /// on the way (a scalar is 0, `[]` and `{}` are 1, as
    /// [`crate::decode::depth`] counts). What is not reached is not walked.
    pub(crate) fn depth_of(&self, value: &Value) -> usize {
        // A list's items are found by identity, which needs the schema:
        // a reached list counts whole.
        match (self, value) {
            (Reach::Fields(members), Value::Object(map)) => {
                1 + members
                    .iter()
                    .filter_map(|(name, within)| map.get(name).map(|v| within.depth_of(v)))
                    .max()
                    .unwrap_or(0)
            }
            _ => crate::decode::depth(value),
        }
    }

    /// Add the member path `tokens` (reached whole from there down).
    /// A path deeper than any document can be ([`crate::decode::MAX_DEPTH`])
    /// reaches everything (the write fails anyway), so that a reach is never
    /// deeper than the bound.
    pub(crate) fn add_path(&mut self, tokens: &[String]) {
        if tokens.len() > crate::decode::MAX_DEPTH {
            *self = Reach::All;
            return;
        }
        let mut at = self;
        for token in tokens {
            match at {
                Reach::All => return,
                Reach::Fields(members) => {
                    at = members.entry(token.clone()).or_insert_with(Reach::nothing);
                }
                Reach::Items(_) => break,
            }
        }
        *at = Reach::All;
    }

    /// Add the member `name`, reached whole.
    pub(crate) fn add_whole(&mut self, name: &str) {
        self.add_path(&[name.to_string()]);
    }

    /// Add the member `name` with the reach `within` it (joined with what
    /// already reaches it).
    pub(crate) fn add_member(&mut self, name: &str, within: Reach) {
        if let Reach::Items(_) = self {
            *self = Reach::All;
        }
        if let Reach::Fields(members) = self {
            match members.get_mut(name) {
                Some(existing) => existing.join(within),
                None => {
                    members.insert(name.to_string(), within);
                }
            }
        }
    }

    /// Everything either reaches.
    pub(crate) fn join(&mut self, other: Reach) {
        match (&mut *self, other) {
            (Reach::All, _) => {}
            (Reach::Fields(_), Reach::Fields(theirs)) => {
                for (name, within) in theirs {
                    self.add_member(&name, within);
                }
            }
            // A list reached twice, or both as a list and as an object.
            _ => *self = Reach::All,
        }
    }

    /// Whether a change at the member path `path` is within the reach.
    pub(crate) fn reaches(&self, path: &[&str]) -> bool {
        match (self, path.split_first()) {
            (Reach::All, _) => true,
            (Reach::Fields(_), None) => true,
            (Reach::Fields(members), Some((first, rest))) => {
                members.get(*first).is_some_and(|r| r.reaches(rest))
            }
            (Reach::Items(_), _) => true,
        }
    }

    /// The part of `value` inside the reach, as normalization leaves it
    /// ([`crate::managed::normalize`]: `null`s gone and, with `omit_empty`,
    /// empty objects and lists): reached members are copied, and an object on
    /// the way keeps one member outside the reach (its value replaced by
    /// `true`) when it has any that normalization keeps, so that whether the
    /// object itself is there reads the same as on the whole value. A list
    /// reached by [`Items`] keeps the items the patch names and, when it has
    /// others, one `true` in their place, which no keyed list takes for an
    /// item: the list is there on both sides as it is on the whole value.
    /// Two images of values that agree outside the reach compare as the
    /// values do.
    pub(crate) fn image(&self, value: &Value, omit_empty: bool, schema: &Schema) -> Value {
        self.image_without(value, omit_empty, &[], schema)
    }

    /// [`image`](Self::image), leaving out the member at the path `skip`
    /// (`metadata.managedFields`, which tracking reads apart) as if it
    /// were not there.
    pub(crate) fn image_without(
        &self,
        value: &Value,
        omit_empty: bool,
        skip: &[&str],
        schema: &Schema,
    ) -> Value {
        let skipped = |k: &str| skip.len() == 1 && skip[0] == k;
        let below = |k: &str| match skip.split_first() {
            Some((first, rest)) if *first == k => rest,
            _ => &[],
        };
        match (self, value) {
            (Reach::Fields(members), Value::Object(m)) => {
                let mut out = Map::new();
                for (k, r) in members {
                    if let Some(x) = m.get(k).filter(|_| !skipped(k)) {
                        out.insert(k.clone(), r.image_without(x, omit_empty, below(k), schema));
                    }
                }
                let kept = m.iter().find(|(k, x)| {
                    !members.contains_key(k.as_str()) && !skipped(k) && kept(x, omit_empty)
                });
                if let Some((k, _)) = kept {
                    out.insert(k.clone(), Value::Bool(true));
                }
                Value::Object(out)
            }
            (Reach::Items(items), Value::Array(list)) => {
                let mut out = Vec::new();
                let mut others = false;
                for item in list {
                    match items.within_item(item, schema) {
                        Some(r) => out.push(r.image(item, omit_empty, schema)),
                        None => others = true,
                    }
                }
                if others {
                    out.push(Value::Bool(true));
                }
                Value::Array(out)
            }
            (Reach::All, Value::Object(m)) if !skip.is_empty() => Value::Object(
                m.iter()
                    .filter(|(k, _)| !skipped(k))
                    .map(|(k, x)| {
                        (
                            k.clone(),
                            Reach::All.image_without(x, omit_empty, below(k), schema),
                        )
                    })
                    .collect(),
            ),
            _ => value.clone(),
        }
    }
}

/// A 64-bit fingerprint of what `reach` covers of `value`: its foldhash
/// under a seed drawn at random per process. Two values that agree outside
/// `reach` fingerprint alike when they are equal within it, and otherwise
/// alike only by a chance of about 2^-64 that a body cannot steer without
/// the seed. It tells whether a write changed an object that nothing else
/// compares (untracked, and handed over rather than borrowed) without
/// copying what the write reaches.
pub(crate) fn fingerprint_within(reach: &Reach, value: &Value) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static SEED: std::sync::OnceLock<foldhash::quality::RandomState> = std::sync::OnceLock::new();
    let mut hasher = SEED.get_or_init(Default::default).build_hasher();
    hash_within(reach, value, &mut hasher);
    hasher.finish()
}

/// Feed what `reach` covers of `value` to `h`: prefix-free (tags, lengths,
/// terminated strings), members in the map's order (sorted).
fn hash_within(reach: &Reach, value: &Value, h: &mut impl std::hash::Hasher) {
    use std::hash::Hash;
    match (reach, value) {
        (Reach::Fields(members), Value::Object(map)) => {
            h.write_u8(6);
            for (k, r) in members {
                match map.get(k) {
                    Some(v) => {
                        h.write_u8(1);
                        hash_within(r, v, h);
                    }
                    None => h.write_u8(0),
                }
            }
        }
        (_, Value::Null) => h.write_u8(0),
        (_, Value::Bool(b)) => {
            h.write_u8(1);
            b.hash(h);
        }
        (_, Value::Number(n)) => {
            h.write_u8(2);
            n.hash(h);
        }
        (_, Value::String(s)) => {
            h.write_u8(3);
            s.hash(h);
        }
        (_, Value::Array(items)) => {
            h.write_u8(4);
            h.write_usize(items.len());
            for x in items {
                hash_within(&Reach::All, x, h);
            }
        }
        (_, Value::Object(map)) => {
            h.write_u8(5);
            h.write_usize(map.len());
            for (k, x) in map {
                k.hash(h);
                hash_within(&Reach::All, x, h);
            }
        }
    }
}

/// Whether two values that agree outside `reach` are equal, looking only
/// within it.
pub(crate) fn equal_within(reach: &Reach, a: &Value, b: &Value) -> bool {
    match (reach, a, b) {
        (Reach::Fields(members), Value::Object(x), Value::Object(y)) => {
            members.iter().all(|(k, r)| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => equal_within(r, p, q),
                (None, None) => true,
                _ => false,
            })
        }
        _ => a == b,
    }
}

/// Whether normalization keeps `value`: not `null` and, with `omit_empty`,
/// not an object whose members it all drops nor an empty list.
fn kept(value: &Value, omit_empty: bool) -> bool {
    match value {
        Value::Null => false,
        Value::Object(m) => !omit_empty || m.values().any(|x| kept(x, omit_empty)),
        Value::Array(a) => !omit_empty || !a.is_empty(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_reach_down_to_non_objects() {
        let r = Reach::of_members(&json!({"metadata": {"labels": {"a": "1"}}, "subsets": []}));
        assert!(r.reaches(&["metadata", "labels", "a"]));
        assert!(r.reaches(&["subsets", "x"]));
        assert!(!r.reaches(&["metadata", "name"]));
        assert!(!r.reaches(&["kind"]));
    }

    #[test]
    fn depth_is_counted_where_reached() {
        let v = json!({"a": {"b": [[[1]]]}, "deep": [[[[[[[]]]]]]], "c": 1});
        assert_eq!(crate::decode::depth(&v), 8);
        let r = Reach::of_members(&json!({"a": {"b": 1}}));
        assert_eq!(r.depth_of(&v), 5);
        assert_eq!(Reach::nothing().depth_of(&v), 1);
        assert_eq!(Reach::of_members(&json!({"x": 1})).depth_of(&v), 1);
        assert_eq!(Reach::All.depth_of(&v), 8);
        // Not an object where the reach expects one: counted whole.
        assert_eq!(r.depth_of(&json!([[1]])), 2);
    }

    #[test]
    fn paths_add_up() {
        let mut r = Reach::nothing();
        assert!(!r.reaches(&["a"]));
        r.add_path(&["a".into(), "b".into()]);
        r.add_whole("c");
        assert!(r.reaches(&["a", "b", "z"]) && r.reaches(&["c"]) && !r.reaches(&["a", "x"]));
        r.add_member("a", Reach::of_members(&serde_json::json!({"x": 1})));
        assert!(r.reaches(&["a", "x"]) && r.reaches(&["a", "b"]) && !r.reaches(&["a", "y"]));
        r.add_member("c", Reach::nothing());
        assert!(r.reaches(&["c", "anything"]));
        r.add_path(&[]);
        assert_eq!(r, Reach::All);
    }

    #[test]
    fn an_image_keeps_what_decides_presence() {
        let schema = Schema::endpoints();
        let r = Reach::of_members(&json!({"spec": {"replicas": null}}));
        // `spec` keeps another member: it stays there when `replicas` goes.
        let v = json!({"kind": "X", "spec": {"replicas": 1, "paused": true}, "status": {}});
        assert_eq!(
            r.image(&v, true, &schema),
            json!({"kind": true, "spec": {"paused": true, "replicas": 1}})
        );
        // Only empty members besides: nothing to keep.
        let v = json!({"spec": {"replicas": 1, "template": {"x": null}, "list": []}});
        assert_eq!(r.image(&v, true, &schema), json!({"spec": {"replicas": 1}}));
        // Without omit_empty only nulls go.
        assert_eq!(
            r.image(&v, false, &schema),
            json!({"spec": {"list": true, "replicas": 1}})
        );
        // A value that is not an object where the reach expects one: whole.
        let v = json!({"spec": [1, 2]});
        assert_eq!(r.image(&v, true, &schema), json!({"spec": [1, 2]}));
    }
}
