//! Sets of field paths, stored as a trie, and their `fieldsV1` encoding.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::element::PathElement;

/// A path: the elements from the object's root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Path(pub Vec<PathElement>);

impl std::fmt::Display for Path {
    /// As conflict messages render it: `.metadata.labels.app`, `.subsets[ip="10.0.0.1"]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.0 {
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A set of paths: a trie whose nodes may be members.
///
/// ```
/// use kubepatch::fieldpath::{PathElement, Set};
///
/// let f = |n: &str| PathElement::Field(n.into());
/// let mut s = Set::default();
/// s.insert(&[f("metadata"), f("labels"), f("app")]);
/// s.insert(&[f("metadata"), f("labels")]);
/// assert_eq!(s.to_fields_v1_string(), r#"{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}"#);
/// let back = Set::from_fields_v1(&s.to_fields_v1()).unwrap();
/// assert_eq!(back, s);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Set {
    members: BTreeSet<PathElement>,
    children: BTreeMap<PathElement, Set>,
}

impl Set {
    /// Whether the set has no paths.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.values().all(Set::is_empty)
    }

    /// Add a path (the empty path is never a member and is ignored).
    pub fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                if !self.members.contains(last) {
                    self.members.insert(last.clone());
                }
            }
            // An element already in the trie is not copied again: paths that
            // share a prefix cost the prefix once.
            [first, rest @ ..] => match self.children.get_mut(first) {
                Some(child) => child.insert(rest),
                None => self.children.entry(first.clone()).or_default().insert(rest),
            },
        }
    }

    /// Make `element` (one level below this node) a member.
    pub fn insert_member(&mut self, element: PathElement) {
        self.members.insert(element);
    }

    /// Add `child` as (or into) the subtree below `element`; an empty child adds nothing.
    pub fn insert_child(&mut self, element: PathElement, child: Set) {
        if child.is_empty() {
            return;
        }
        match self.children.entry(element) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(child);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                slot.get_mut().union_with(&child)
            }
        }
    }

    /// Whether `path` is a member.
    pub fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// The subtree below `element`, if any.
    pub fn child(&self, element: &PathElement) -> Option<&Set> {
        self.children.get(element)
    }

    /// The subtrees below this node, in SMD order.
    pub fn children(&self) -> impl Iterator<Item = (&PathElement, &Set)> {
        self.children.iter()
    }

    /// The elements that are members at this level (paths ending here).
    ///
    /// ```
    /// use kubepatch::fieldpath::{PathElement, Set};
    /// let mut set = Set::default();
    /// set.insert(&[PathElement::Field("a".into())]);
    /// assert_eq!(set.members().count(), 1);
    /// ```
    pub fn members(&self) -> impl Iterator<Item = &PathElement> {
        self.members.iter()
    }

    /// Whether `element` is a member of this node.
    pub fn has_member(&self, element: &PathElement) -> bool {
        self.members.contains(element)
    }

    /// Every path in pre-order: at each node its members (in order), then
    /// its children, recursively (the order conflict messages use).
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Vec<PathElement>, out: &mut Vec<Path>) {
        for m in &self.members {
            let mut p = prefix.clone();
            p.push(m.clone());
            out.push(Path(p));
        }
        for (e, c) in &self.children {
            prefix.push(e.clone());
            c.collect(prefix, out);
            prefix.pop();
        }
    }

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.members.len() + self.children.values().map(Set::len).sum::<usize>()
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &Set) -> Set {
        let mut out = self.clone();
        out.union_with(other);
        out
    }

    /// `self ∪= other`.
    pub fn union_with(&mut self, other: &Set) {
        for m in &other.members {
            if !self.members.contains(m) {
                self.members.insert(m.clone());
            }
        }
        for (e, c) in &other.children {
            match self.children.get_mut(e) {
                Some(mine) => mine.union_with(c),
                None => {
                    self.children.insert(e.clone(), c.clone());
                }
            }
        }
    }

    /// `self − other` (paths, not subtrees).
    pub fn difference(&self, other: &Set) -> Set {
        let members = self.members.difference(&other.members).cloned().collect();
        let mut children = BTreeMap::new();
        for (e, c) in &self.children {
            let d = match other.children.get(e) {
                Some(o) => c.difference(o),
                None => c.clone(),
            };
            if !d.is_empty() {
                children.insert(e.clone(), d);
            }
        }
        Set { members, children }
    }

    /// `self ∩ other`.
    pub fn intersection(&self, other: &Set) -> Set {
        // std's set intersection walks the smaller set; so do the children,
        // looking each up in the other side's.
        let members = self.members.intersection(&other.members).cloned().collect();
        let (small, large) = if self.children.len() <= other.children.len() {
            (self, other)
        } else {
            (other, self)
        };
        let mut children = BTreeMap::new();
        for (e, c) in &small.children {
            if let Some(o) = large.children.get(e) {
                let i = c.intersection(o);
                if !i.is_empty() {
                    children.insert(e.clone(), i);
                }
            }
        }
        Set { members, children }
    }

    /// Drop empty child nodes.
    pub fn compact(&mut self) {
        self.children.values_mut().for_each(Set::compact);
        self.children.retain(|_, c| !c.is_empty());
    }

    /// Remove one path (a member), keeping the rest.
    pub fn remove(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                self.members.remove(last);
            }
            [first, rest @ ..] => {
                if let Some(c) = self.children.get_mut(first) {
                    c.remove(rest);
                    if c.is_empty() {
                        self.children.remove(first);
                    }
                }
            }
        }
    }

    /// Remove `path` and every path below it.
    pub fn remove_subtree(&mut self, path: &[PathElement]) {
        match path {
            [] => *self = Set::default(),
            [last] => {
                self.members.remove(last);
                self.children.remove(last);
            }
            [first, rest @ ..] => {
                if let Some(c) = self.children.get_mut(first) {
                    c.remove_subtree(rest);
                    if c.is_empty() {
                        self.children.remove(first);
                    }
                }
            }
        }
    }

    /// The `fieldsV1` JSON object (key order is not significant in a
    /// `serde_json::Value`; [`Set::to_fields_v1_string`] writes upstream's order).
    pub fn to_fields_v1(&self) -> Value {
        let mut map = Map::new();
        self.write_into(&mut map);
        Value::Object(map)
    }

    fn write_into(&self, map: &mut Map<String, Value>) {
        // Members and children are both in element order: walked side by
        // side, each element is looked at once.
        let mut members = self.members.iter().peekable();
        let mut children = self.children.iter().peekable();
        loop {
            let next = match (members.peek(), children.peek()) {
                (None, None) => break,
                (Some(m), Some((c, _))) => m.cmp(c),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
            };
            let (e, member, child) = match next {
                Ordering::Less => match members.next() {
                    Some(e) => (e, true, None),
                    None => break,
                },
                Ordering::Equal => match (members.next(), children.next()) {
                    (Some(e), Some((_, c))) => (e, true, Some(c)),
                    _ => break,
                },
                Ordering::Greater => match children.next() {
                    Some((e, c)) => (e, false, Some(c)),
                    None => break,
                },
            };
            let mut inner = Map::new();
            match child.filter(|c| !c.is_empty()) {
                Some(c) => {
                    if member {
                        inner.insert(".".to_string(), Value::Object(Map::new()));
                    }
                    c.write_into(&mut inner);
                }
                None if !member => continue,
                None => {}
            }
            map.insert(e.to_fields_v1(), Value::Object(inner));
        }
    }

    /// The `fieldsV1` bytes exactly as upstream writes them: `"."` first, then
    /// elements in SMD order, compact.
    pub fn to_fields_v1_string(&self) -> String {
        let mut out = String::new();
        self.write_string(&mut out);
        out
    }

    fn write_string(&self, out: &mut String) {
        out.push('{');
        let mut keys: BTreeSet<&PathElement> = self.members.iter().collect();
        keys.extend(
            self.children
                .keys()
                .filter(|k| self.children.get(*k).is_some_and(|c| !c.is_empty())),
        );
        let mut first = true;
        for e in keys {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&serde_json::to_string(&e.to_fields_v1()).unwrap_or_default());
            out.push(':');
            match self.children.get(e).filter(|c| !c.is_empty()) {
                Some(c) => {
                    let mut inner = String::new();
                    c.write_string(&mut inner);
                    if self.members.contains(e) {
                        out.push_str("{\".\":{}");
                        if inner.len() > 2 {
                            out.push(',');
                            out.push_str(&inner[1..]);
                        } else {
                            out.push('}');
                        }
                    } else {
                        out.push_str(&inner);
                    }
                }
                None => out.push_str("{}"),
            }
        }
        out.push('}');
    }

    /// Read a `fieldsV1` object.
    pub fn from_fields_v1(v: &Value) -> Result<Set, String> {
        let Value::Object(map) = v else {
            return Err("fieldsV1 must be a JSON object".to_string());
        };
        Set::from_fields_v1_map(map)
    }

    /// [`Set::from_fields_v1`] of the object's members.
    ///
    /// ```
    /// use kubepatch::fieldpath::Set;
    /// let map = serde_json::json!({"f:data": {"f:a": {}}});
    /// let set = Set::from_fields_v1_map(map.as_object().unwrap()).unwrap();
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn from_fields_v1_map(map: &Map<String, Value>) -> Result<Set, String> {
        let mut set = Set::default();
        for (k, child) in map {
            if k == "." {
                continue;
            }
            let e = PathElement::parse(k)?;
            let Value::Object(inner) = child else {
                return Err(format!("fieldsV1 entry {k:?} must be an object"));
            };
            if inner.is_empty() || inner.contains_key(".") {
                set.members.insert(e.clone());
            }
            let sub = Set::from_fields_v1(child)?;
            if !sub.is_empty() {
                set.children.insert(e, sub);
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(n: &str) -> PathElement {
        PathElement::Field(n.into())
    }

    #[test]
    fn round_trips_upstream_bytes() {
        let text = r#"{"f:subsets":{"k:{\"name\":\"s1\"}":{".":{},"f:addresses":{"k:{\"ip\":\"10.0.0.1\"}":{".":{},"f:ip":{}}},"f:name":{},"f:ports":{"k:{\"name\":\"http\",\"port\":80}":{".":{},"f:name":{},"f:port":{},"f:protocol":{}}}}}}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        let s = Set::from_fields_v1(&v).unwrap();
        assert_eq!(s.to_fields_v1_string(), text);
        assert_eq!(s.len(), 8);
    }

    #[test]
    fn numeric_key_order() {
        let mut s = Set::default();
        for port in [80, 53, 8080] {
            s.insert(&[
                f("ports"),
                PathElement::key(vec![("port".into(), json!(port))]),
            ]);
        }
        assert_eq!(
            s.to_fields_v1_string(),
            r#"{"f:ports":{"k:{\"port\":53}":{},"k:{\"port\":80}":{},"k:{\"port\":8080}":{}}}"#
        );
    }

    #[test]
    fn set_algebra_and_order() {
        let mut a = Set::default();
        a.insert(&[f("metadata"), f("labels"), f("app")]);
        a.insert(&[f("subsets")]);
        let mut b = Set::default();
        b.insert(&[f("subsets")]);
        assert_eq!(a.intersection(&b).paths().len(), 1);
        assert_eq!(
            a.difference(&b).paths()[0].to_string(),
            ".metadata.labels.app"
        );
        let order: Vec<String> = a.paths().iter().map(ToString::to_string).collect();
        assert_eq!(order, [".subsets", ".metadata.labels.app"]);
        let mut c = a.clone();
        c.remove_subtree(&[f("metadata")]);
        assert_eq!(c, b);
    }
}
