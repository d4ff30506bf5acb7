//! JSON Patch as kube-apiserver runs it: the v4 line of its patch library.
//!
//! The departures from RFC 6902, each reproduced on purpose (README lists them):
//! negative array indices count from the end (`add` at `-1` appends);
//! indices are read like Go's `strconv.Atoi` (`01`, `+1`); `replace` of a
//! missing object member adds it; `test` of `null` passes on a missing
//! member; a missing `value` is `null`; `copy` from a missing member copies
//! `null`; no "move into its own child" check; invalid `~` escapes are
//! literal; the first token of a path that lacks its leading `/` is ignored;
//! `add` at the root is refused and `replace` at the root takes only an object
//! or an array. Error texts follow the library's, since clients read them.

use serde_json::{Map, Value};

use super::pointer::{index_for_get, insert, lookup, set, take, unescape};
use super::{CopyBudget, check_count};
use crate::error::Error;
use crate::go::json_kind;
use crate::reach::Reach;

/// Apply a parsed patch to `doc`, in place.
pub(super) fn apply(doc: Value, patch: &Value) -> Result<Value, Error> {
    let Value::Array(ops) = patch else {
        return Err(Error::bad_request(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            json_kind(patch)
        )));
    };
    let mut parsed = Vec::with_capacity(ops.len());
    for op in ops {
        match op {
            Value::Object(map) => parsed.push(Some(map)),
            // A `null` element decodes to an empty operation in Go.
            Value::Null => parsed.push(None),
            other => {
                return Err(Error::bad_request(format!(
                    "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                    json_kind(other)
                )));
            }
        }
    }
    check_count(parsed.len())?;
    if !doc.is_object() && !doc.is_array() {
        return Err(Error::Invalid {
            message: "Invalid JSON Document".to_string(),
            details: Default::default(),
        });
    }
    let mut out = doc;
    let mut budget = CopyBudget::default();
    let nodes = LazyNodes::get();
    for (index, op) in parsed.into_iter().enumerate() {
        let op = Op { fields: op, nodes };
        op.run(&mut out, &mut budget).map_err(|fail| match fail {
            Fail::Op(message) => Error::JsonPatchOperation {
                index,
                op: op.kind().to_string(),
                path: op.string("path").ok().flatten().unwrap_or_default(),
                message,
            },
            Fail::Crash(why) => Error::Internal {
                message: format!(
                    "json patch operation {index} ({}) crashes kube-apiserver's patch library: {why}",
                    op.kind()
                ),
            },
        })?;
    }
    // Markers are written only at operations' paths (and carried only from
    // one to another): settling within the patch's reach finds every one.
    nodes.settle_within(&mut out, &super::reach(patch));
    Ok(out)
}

/// Why an operation failed: the library's error, or an input that crashes
/// the library (kube-apiserver recovers the panic and answers 500).
enum Fail {
    Op(String),
    Crash(String),
}

impl From<String> for Fail {
    fn from(message: String) -> Self {
        Fail::Op(message)
    }
}

type Step = Result<(), Fail>;

/// The library keeps two kinds of `null` that behave unlike a stored `null`:
/// the node an `add`/`replace` writes for an explicit `"value": null` (its
/// raw bytes are nil) and a copy of such a node (raw bytes `null`, which
/// decode as an empty object). While a patch runs they are held as marker
/// strings no request can know (a per-process random text of
/// [`MARKER_LEN`] bytes: one small allocation, so that a chain of `copy`
/// operations, charged by serialized size, costs about what copies of a
/// stored `null` cost); they become plain `null` at the end.
#[derive(Clone, Copy)]
struct LazyNodes {
    key: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lazy {
    /// A nil pointer: a stored `null`, a missing member, a nested `null`.
    Nil,
    /// Written from an explicit `"value": null`.
    RawNil,
    /// A copy of a `RawNil`: raw bytes `null`.
    RawNull,
    /// Anything else.
    Value,
}

/// Length of a marker: a NUL, `kp`, 16 hex digits of the key, and `0`
/// (`RawNil`) or `1` (`RawNull`).
const MARKER_LEN: usize = 20;

impl LazyNodes {
    fn get() -> Self {
        static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(&KEY as *const _ as usize);
            format!("\u{0}kp{:016x}", h.finish())
        });
        LazyNodes { key }
    }

    fn marker(self, kind: Lazy) -> Value {
        let mut s = String::with_capacity(MARKER_LEN);
        s.push_str(self.key);
        s.push(if kind == Lazy::RawNull { '1' } else { '0' });
        Value::String(s)
    }

    fn kind(self, v: &Value) -> Lazy {
        match v {
            Value::Null => Lazy::Nil,
            Value::String(s) if s.len() == MARKER_LEN && s.starts_with(self.key) => {
                match s.as_bytes()[MARKER_LEN - 1] {
                    b'0' => Lazy::RawNil,
                    b'1' => Lazy::RawNull,
                    _ => Lazy::Value,
                }
            }
            _ => Lazy::Value,
        }
    }

    /// `v` as the library serializes it: markers as `null`.
    fn settled(self, v: &Value) -> Settled<'_> {
        Settled {
            value: v,
            nodes: self,
        }
    }

    /// Replace every marker by `null` where `reach` reaches into `v`.
    fn settle_within(self, v: &mut Value, reach: &Reach) {
        match (reach, v) {
            (Reach::Fields(members), Value::Object(m)) => {
                for (name, within) in members {
                    if let Some(x) = m.get_mut(name) {
                        self.settle_within(x, within);
                    }
                }
            }
            (_, v) => self.settle(v),
        }
    }

    /// Replace every marker by `null`.
    fn settle(self, v: &mut Value) {
        if self.kind(v) != Lazy::Value {
            *v = Value::Null;
            return;
        }
        match v {
            Value::Object(m) => m.values_mut().for_each(|x| self.settle(x)),
            Value::Array(items) => items.iter_mut().for_each(|x| self.settle(x)),
            _ => {}
        }
    }

    /// The library's node equality (`lazyNode.equal`) between a document
    /// node `n` and a node `o` of the test value, both non-nil.
    fn equal(self, n: &Value, o: &Value) -> Result<bool, Fail> {
        let crash = || Fail::Crash("a test compared arrays holding null".to_string());
        match (self.kind(n), n) {
            (Lazy::RawNil, _) => Ok(self.kind(o) == Lazy::RawNil),
            (Lazy::RawNull, _) => Ok(matches!(o, Value::Object(m) if m.is_empty())),
            (_, Value::Object(doc)) => {
                let Value::Object(other) = o else {
                    return Ok(false);
                };
                if self.kind(o) != Lazy::Value || doc.len() != other.len() {
                    return Ok(false);
                }
                for (k, v) in doc {
                    let Some(ov) = other.get(k) else {
                        return Ok(false);
                    };
                    match (v.is_null(), ov.is_null()) {
                        (true, true) => continue,
                        (false, false) => {}
                        _ => return Ok(false),
                    }
                    if !self.equal(v, ov)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            (_, Value::Array(items)) => {
                let Value::Array(other) = o else {
                    return Ok(false);
                };
                if items.len() != other.len() {
                    return Ok(false);
                }
                for (a, b) in items.iter().zip(other) {
                    if a.is_null() || b.is_null() {
                        return Err(crash());
                    }
                    if !self.equal(a, b)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            _ => Ok(self.kind(o) == Lazy::Value && n == o),
        }
    }
}

/// A value serialized with its markers as `null`, without copying it.
struct Settled<'v> {
    value: &'v Value,
    nodes: LazyNodes,
}

impl serde::Serialize for Settled<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        if self.nodes.kind(self.value) != Lazy::Value {
            return s.serialize_unit();
        }
        match self.value {
            Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, &self.nodes.settled(v))?;
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(&self.nodes.settled(v))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

/// One operation, read leniently as the Go library reads it.
struct Op<'a> {
    fields: Option<&'a Map<String, Value>>,
    nodes: LazyNodes,
}

impl Op<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.fields
            .and_then(|m| m.get(name))
            .filter(|v| !v.is_null())
    }

    /// `op`, or `unknown` when absent or not a string.
    fn kind(&self) -> &str {
        match self.get("op") {
            Some(Value::String(s)) => s,
            _ => "unknown",
        }
    }

    /// A string member: `Ok(None)` when absent, `Err` when not a string.
    fn string(&self, name: &str) -> Result<Option<String>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!(
                "json: cannot unmarshal {} into Go value of type string",
                json_kind(other)
            )),
        }
    }

    fn path(&self, what: &str) -> Result<String, String> {
        match self.string("path") {
            Ok(Some(p)) => Ok(p),
            Ok(None) => Err(format!(
                "{what} operation failed to decode path: missing value"
            )),
            Err(e) => Err(format!("{what} operation failed to decode path: {e}")),
        }
    }

    fn from(&self, what: &str) -> Result<String, String> {
        match self.string("from") {
            Ok(Some(p)) => Ok(p),
            Ok(None) => Err(format!(
                "{what} operation failed to decode from: missing value"
            )),
            Err(e) => Err(format!("{what} operation failed to decode from: {e}")),
        }
    }

    /// `value`: a stored-style `null` when absent, the library's nil-raw node
    /// for an explicit `null`.
    fn value(&self) -> Value {
        match self.fields.and_then(|m| m.get("value")) {
            None => Value::Null,
            Some(Value::Null) => self.nodes.marker(Lazy::RawNil),
            Some(v) => v.clone(),
        }
    }

    fn run(&self, doc: &mut Value, budget: &mut CopyBudget) -> Step {
        match self.kind() {
            "add" => self.add(doc),
            "remove" => self.remove(doc),
            "replace" => self.replace(doc),
            "move" => self.move_(doc),
            "test" => self.test(doc),
            "copy" => self.copy(doc, budget),
            other => Err(format!("Unexpected kind: {other}").into()),
        }
    }

    fn add(&self, doc: &mut Value) -> Step {
        let path = self.path("add")?;
        let (con, key) = find(doc, &path, self.nodes)?.ok_or_else(|| {
            format!("add operation does not apply: doc is missing path: \"{path}\": missing value")
        })?;
        insert(con, &key, self.value())
            .map_err(|e| format!("error in add for path: '{path}': {e}"))?;
        Ok(())
    }

    fn remove(&self, doc: &mut Value) -> Step {
        let path = self.path("remove")?;
        let (con, key) = find(doc, &path, self.nodes)?.ok_or_else(|| {
            format!(
                "remove operation does not apply: doc is missing path: \"{path}\": missing value"
            )
        })?;
        take(con, &key).map_err(|e| format!("error in remove for path: '{path}': {e}"))?;
        Ok(())
    }

    fn replace(&self, doc: &mut Value) -> Step {
        let path = self.path("replace")?;
        if path.is_empty() {
            let value = self.value();
            // An explicit `null` leaves the document as it is: the library's
            // error for it wraps a nil error, which is no error at all
            // (`kubectl patch --local` applies such a patch as a no-op).
            if self.nodes.kind(&value) == Lazy::RawNil {
                return Ok(());
            }
            if !value.is_object() && !value.is_array() {
                return Err("replace operation value must be object or array"
                    .to_string()
                    .into());
            }
            *doc = value;
            return Ok(());
        }
        let (con, key) = find(doc, &path, self.nodes)?.ok_or_else(|| {
            format!("replace operation does not apply: doc is missing path: {path}: missing value")
        })?;
        lookup(con, &key).map_err(|_| {
            format!("replace operation does not apply: doc is missing key: {path}: missing value")
        })?;
        set(con, &key, self.value())
            .map_err(|e| format!("error in remove for path: '{path}': {e}"))?;
        Ok(())
    }

    fn move_(&self, doc: &mut Value) -> Step {
        let from = self.from("move")?;
        let (con, key) = find(doc, &from, self.nodes)?.ok_or_else(|| {
            format!(
                "move operation does not apply: doc is missing from path: {from}: missing value"
            )
        })?;
        lookup(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
        let value = take(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
        let path = self.path("move")?;
        let (con, key) = find(doc, &path, self.nodes)?.ok_or_else(|| {
            format!("move operation does not apply: doc is missing destination path: {path}: missing value")
        })?;
        insert(con, &key, value).map_err(|e| format!("error in move for path: '{path}': {e}"))?;
        Ok(())
    }

    fn test(&self, doc: &mut Value) -> Step {
        let path = self.path("test")?;
        let failed = || Fail::Op(format!("testing value {path} failed: test failed"));
        let expected = self
            .fields
            .and_then(|m| m.get("value"))
            .map(|_| self.value());
        if path.is_empty() {
            let Some(expected) = expected else {
                return Err(Fail::Crash(
                    "a test of the root without a value".to_string(),
                ));
            };
            return if self.nodes.equal(doc, &expected)? {
                Ok(())
            } else {
                Err(failed())
            };
        }
        let (con, key) = find(doc, &path, self.nodes)?.ok_or_else(|| {
            format!("test operation does not apply: is missing path: {path}: missing value")
        })?;
        let actual =
            lookup(con, &key).map_err(|e| format!("error in test for path: '{path}': {e}"))?;
        match (actual, expected) {
            (None, None) => Ok(()),
            (None, Some(e)) if self.nodes.kind(&e) == Lazy::RawNil => Ok(()),
            (None, _) | (Some(_), None) => Err(failed()),
            (Some(v), Some(e)) => {
                if self.nodes.equal(v, &e)? {
                    Ok(())
                } else {
                    Err(failed())
                }
            }
        }
    }

    fn copy(&self, doc: &mut Value, budget: &mut CopyBudget) -> Step {
        let from = self.from("copy")?;
        let (con, key) = find(doc, &from, self.nodes)?.ok_or_else(|| {
            format!(
                "copy operation does not apply: doc is missing from path: {from}: missing value"
            )
        })?;
        let value = match lookup(con, &key)
            .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
        {
            None => Value::Null,
            // A deep copy goes through the node's bytes: a nil-raw node becomes raw `null`.
            Some(v) if self.nodes.kind(v) != Lazy::Value => self.nodes.marker(Lazy::RawNull),
            Some(v) => v.clone(),
        };
        let path = self
            .path("copy")
            .map_err(|_| "copy operation failed to decode path: missing value".to_string())?;
        let (con, key) = find(doc, &path, self.nodes)?.ok_or_else(|| {
            format!("copy operation does not apply: doc is missing destination path: {path}: missing value")
        })?;
        if !value.is_null() {
            budget.charge(&self.nodes.settled(&value))?;
        }
        insert(con, &key, value)
            .map_err(|e| format!("error while adding value during copy: {e}"))?;
        Ok(())
    }
}

/// The container that holds the last token of `path`, and that token.
/// `None` where the library reports "doc is missing path": a path with no
/// `/`, or a parent that is missing, `null` or a scalar.
/// Descending into one of the library's special `null` nodes crashes it.
fn find<'d>(
    doc: &'d mut Value,
    path: &str,
    nodes: LazyNodes,
) -> Result<Option<(&'d mut Value, String)>, Fail> {
    let mut tokens: Vec<&str> = path.split('/').collect();
    let Some(last) = tokens.pop().filter(|_| !tokens.is_empty()) else {
        return Ok(None);
    };
    let key = unescape(last);
    let mut cur = doc;
    for part in &tokens[1..] {
        let part = unescape(part);
        let next = match cur {
            Value::Object(map) => map.get_mut(&part),
            Value::Array(items) => match index_for_get(items.len(), &part) {
                Ok(i) => Some(&mut items[i]),
                Err(_) => None,
            },
            _ => None,
        };
        let Some(next) = next else { return Ok(None) };
        if nodes.kind(next) != Lazy::Value && !next.is_null() {
            return Err(Fail::Crash(format!(
                "{path} descends into a null written by an earlier operation"
            )));
        }
        if !next.is_object() && !next.is_array() {
            return Ok(None);
        }
        cur = next;
    }
    Ok(Some((cur, key)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, patch: Value) -> Result<Value, Error> {
        apply(doc, &patch)
    }

    #[test]
    fn negative_and_lenient_indices() {
        let doc = json!({"a": [1, 2, 3]});
        assert_eq!(
            run(doc.clone(), json!([{"op":"add","path":"/a/-1","value":9}])).unwrap(),
            json!({"a":[1,2,3,9]})
        );
        assert_eq!(
            run(doc.clone(), json!([{"op":"add","path":"/a/-4","value":9}])).unwrap(),
            json!({"a":[9,1,2,3]})
        );
        assert!(run(doc.clone(), json!([{"op":"add","path":"/a/-5","value":9}])).is_err());
        assert_eq!(
            run(
                doc.clone(),
                json!([{"op":"replace","path":"/a/-1","value":9}])
            )
            .unwrap(),
            json!({"a":[1,2,9]})
        );
        assert_eq!(
            run(doc.clone(), json!([{"op":"remove","path":"/a/-3"}])).unwrap(),
            json!({"a":[2,3]})
        );
        assert_eq!(
            run(doc.clone(), json!([{"op":"add","path":"/a/01","value":9}])).unwrap(),
            json!({"a":[1,9,2,3]})
        );
        assert_eq!(
            run(doc.clone(), json!([{"op":"add","path":"/a/+1","value":9}])).unwrap(),
            json!({"a":[1,9,2,3]})
        );
        assert!(run(doc.clone(), json!([{"op":"add","path":"/a/1e0","value":9}])).is_err());
        assert!(run(doc, json!([{"op":"remove","path":"/a/-"}])).is_err());
    }

    #[test]
    fn lenient_members() {
        let doc = json!({"a": {"b": 1}});
        assert_eq!(
            run(
                doc.clone(),
                json!([{"op":"replace","path":"/a/c","value":2}])
            )
            .unwrap(),
            json!({"a":{"b":1,"c":2}})
        );
        assert!(
            run(
                doc.clone(),
                json!([{"op":"test","path":"/a/zz","value":null}])
            )
            .is_ok()
        );
        assert_eq!(
            run(doc.clone(), json!([{"op":"add","path":"/a/c"}])).unwrap(),
            json!({"a":{"b":1,"c":null}})
        );
        assert_eq!(
            run(
                doc.clone(),
                json!([{"op":"copy","from":"/a/zz","path":"/a/c"}])
            )
            .unwrap(),
            json!({"a":{"b":1,"c":null}})
        );
        assert_eq!(
            run(doc.clone(), json!([{"op":"add","path":"/a/~2","value":3}])).unwrap(),
            json!({"a":{"b":1,"~2":3}})
        );
        assert_eq!(
            run(doc.clone(), json!([{"op":"add","path":"x/c","value":3}])).unwrap(),
            json!({"a":{"b":1},"c":3})
        );
        assert!(run(doc.clone(), json!([{"op":"add","path":"","value":{}}])).is_err());
        assert!(run(doc.clone(), json!([{"op":"replace","path":"","value":5}])).is_err());
        assert_eq!(
            run(doc, json!([{"op":"replace","path":"","value":[1]}])).unwrap(),
            json!([1])
        );
    }

    /// `replace` of the root with an explicit `null` is a no-op, as
    /// `kubectl patch --local` (v4.12 of the library) shows; without a
    /// `value` it is refused.
    #[test]
    fn replace_root_with_explicit_null() {
        let doc = json!({"kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(
            run(
                doc.clone(),
                json!([{"op":"replace","path":"","value":null}])
            )
            .unwrap(),
            doc
        );
        assert_eq!(
            run(
                doc.clone(),
                json!([{"op":"replace","path":"","value":null},{"op":"add","path":"/x","value":1}])
            )
            .unwrap(),
            json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "x": 1})
        );
        assert!(run(doc, json!([{"op":"replace","path":""}])).is_err());
    }

    #[test]
    fn move_into_shifted_child() {
        let doc = json!({"arr": [{"k": 1}, {"k": 2}]});
        let out = run(
            doc,
            json!([{"op":"move","from":"/arr/0","path":"/arr/0/moved"}]),
        )
        .unwrap();
        assert_eq!(out, json!({"arr": [{"k": 2, "moved": {"k": 1}}]}));
    }

    #[test]
    fn errors_name_operation() {
        let err = run(
            json!({"a":1}),
            json!([{"op":"add","path":"/b","value":1},{"op":"remove","path":"/zz"}]),
        )
        .unwrap_err();
        assert_eq!(
            err,
            Error::JsonPatchOperation {
                index: 1,
                op: "remove".into(),
                path: "/zz".into(),
                message: "error in remove for path: '/zz': Unable to remove nonexistent key: zz: missing value".into()
            }
        );
        let err = run(json!({}), json!([{"op":"frob","path":"/a"}])).unwrap_err();
        assert!(err.to_string().contains("Unexpected kind: frob"));
        assert_eq!(run(json!({}), json!({"op":"add"})).unwrap_err().code(), 400);
        assert_eq!(run(json!({}), json!([1])).unwrap_err().code(), 400);
        assert_eq!(run(json!({}), json!([null])).unwrap_err().code(), 422);
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(unescape("a~1b~0c"), "a/b~c");
        assert_eq!(unescape("~"), "~");
        assert_eq!(unescape("~~1"), "~/");
    }
}
