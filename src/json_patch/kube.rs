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

use super::{CopyBudget, check_count};
use crate::error::Error;

/// Apply a parsed patch to a copy of `doc`.
pub(super) fn apply(doc: &Value, patch: &Value) -> Result<Value, Error> {
    let Value::Array(ops) = patch else {
        return Err(Error::bad_request(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            go_type_name(patch)
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
                    go_type_name(other)
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
    let mut out = doc.clone();
    let mut budget = CopyBudget::default();
    for (index, op) in parsed.into_iter().enumerate() {
        let op = Op { fields: op };
        op.run(&mut out, &mut budget)
            .map_err(|message| Error::JsonPatchOperation {
                index,
                op: op.kind().to_string(),
                path: op.string("path").ok().flatten().unwrap_or_default(),
                message,
            })?;
    }
    Ok(out)
}

fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// One operation, read leniently as the Go library reads it.
struct Op<'a> {
    fields: Option<&'a Map<String, Value>>,
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
                go_type_name(other)
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

    /// `value`, `null` when absent.
    fn value(&self) -> Value {
        self.get("value").cloned().unwrap_or(Value::Null)
    }

    fn run(&self, doc: &mut Value, budget: &mut CopyBudget) -> Result<(), String> {
        match self.kind() {
            "add" => self.add(doc),
            "remove" => self.remove(doc),
            "replace" => self.replace(doc),
            "move" => self.move_(doc),
            "test" => self.test(doc),
            "copy" => self.copy(doc, budget),
            other => Err(format!("Unexpected kind: {other}")),
        }
    }

    fn add(&self, doc: &mut Value) -> Result<(), String> {
        let path = self.path("add")?;
        let (con, key) = find(doc, &path).ok_or_else(|| {
            format!("add operation does not apply: doc is missing path: \"{path}\": missing value")
        })?;
        insert(con, &key, self.value()).map_err(|e| format!("error in add for path: '{path}': {e}"))
    }

    fn remove(&self, doc: &mut Value) -> Result<(), String> {
        let path = self.path("remove")?;
        let (con, key) = find(doc, &path).ok_or_else(|| {
            format!(
                "remove operation does not apply: doc is missing path: \"{path}\": missing value"
            )
        })?;
        take(con, &key)
            .map(drop)
            .map_err(|e| format!("error in remove for path: '{path}': {e}"))
    }

    fn replace(&self, doc: &mut Value) -> Result<(), String> {
        let path = self.path("replace")?;
        if path.is_empty() {
            let value = self.value();
            if !value.is_object() && !value.is_array() {
                return Err("replace operation value must be object or array".to_string());
            }
            *doc = value;
            return Ok(());
        }
        let (con, key) = find(doc, &path).ok_or_else(|| {
            format!("replace operation does not apply: doc is missing path: {path}: missing value")
        })?;
        lookup(con, &key).map_err(|_| {
            format!("replace operation does not apply: doc is missing key: {path}: missing value")
        })?;
        set(con, &key, self.value()).map_err(|e| format!("error in remove for path: '{path}': {e}"))
    }

    fn move_(&self, doc: &mut Value) -> Result<(), String> {
        let from = self.from("move")?;
        let (con, key) = find(doc, &from).ok_or_else(|| {
            format!(
                "move operation does not apply: doc is missing from path: {from}: missing value"
            )
        })?;
        lookup(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
        let value = take(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
        let path = self.path("move")?;
        let (con, key) = find(doc, &path).ok_or_else(|| {
            format!("move operation does not apply: doc is missing destination path: {path}: missing value")
        })?;
        insert(con, &key, value).map_err(|e| format!("error in move for path: '{path}': {e}"))
    }

    fn test(&self, doc: &mut Value) -> Result<(), String> {
        let path = self.path("test")?;
        let failed = || format!("testing value {path} failed: test failed");
        let expected = self.value();
        if path.is_empty() {
            return if *doc == expected {
                Ok(())
            } else {
                Err(failed())
            };
        }
        let (con, key) = find(doc, &path).ok_or_else(|| {
            format!("test operation does not apply: is missing path: {path}: missing value")
        })?;
        let actual =
            lookup(con, &key).map_err(|e| format!("error in test for path: '{path}': {e}"))?;
        match actual {
            None if expected.is_null() => Ok(()),
            Some(v) if *v == expected => Ok(()),
            _ => Err(failed()),
        }
    }

    fn copy(&self, doc: &mut Value, budget: &mut CopyBudget) -> Result<(), String> {
        let from = self.from("copy")?;
        let (con, key) = find(doc, &from).ok_or_else(|| {
            format!(
                "copy operation does not apply: doc is missing from path: {from}: missing value"
            )
        })?;
        let value = lookup(con, &key)
            .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
            .cloned()
            .unwrap_or(Value::Null);
        let path = self
            .path("copy")
            .map_err(|_| "copy operation failed to decode path: missing value".to_string())?;
        let (con, key) = find(doc, &path).ok_or_else(|| {
            format!("copy operation does not apply: doc is missing destination path: {path}: missing value")
        })?;
        if !value.is_null() {
            budget.charge(&value)?;
        }
        insert(con, &key, value).map_err(|e| format!("error while adding value during copy: {e}"))
    }
}

/// Decode one reference token: `~1` → `/`, `~0` → `~`, in one left-to-right
/// pass; other `~` sequences stay as they are.
fn unescape(token: &str) -> String {
    if !token.contains('~') {
        return token.to_string();
    }
    let mut out = String::with_capacity(token.len());
    let mut rest = token;
    while let Some(i) = rest.find('~') {
        out.push_str(&rest[..i]);
        match rest.as_bytes().get(i + 1) {
            Some(b'1') => {
                out.push('/');
                rest = &rest[i + 2..];
            }
            Some(b'0') => {
                out.push('~');
                rest = &rest[i + 2..];
            }
            _ => {
                out.push('~');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The container that holds the last token of `path`, and that token.
/// `None` where the library reports "doc is missing path": a path with no
/// `/`, or a parent that is missing, `null` or a scalar.
fn find<'d>(doc: &'d mut Value, path: &str) -> Option<(&'d mut Value, String)> {
    let mut tokens: Vec<&str> = path.split('/').collect();
    if tokens.len() < 2 {
        return None;
    }
    let key = unescape(tokens.pop()?);
    let mut cur = doc;
    for part in &tokens[1..] {
        let part = unescape(part);
        let next = match cur {
            Value::Object(map) => map.get_mut(&part)?,
            Value::Array(items) => {
                let i = index_for_get(items.len(), &part).ok()?;
                &mut items[i]
            }
            _ => return None,
        };
        if !next.is_object() && !next.is_array() {
            return None;
        }
        cur = next;
    }
    Some((cur, key))
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, fits in 64 bits.
fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing \"{s}\": invalid syntax"));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing \"{s}\": value out of range"))
}

fn invalid_index(i: i64) -> String {
    format!("Unable to access invalid index: {i}: invalid index referenced")
}

/// Resolve an index into an array of `len` elements for get/set/remove.
fn index_for_get(len: usize, token: &str) -> Result<usize, String> {
    let raw = atoi(token)?;
    let len = len as i64;
    let i = if raw < 0 {
        if raw < -len {
            return Err(invalid_index(raw));
        }
        raw + len
    } else {
        raw
    };
    if i >= len {
        return Err(invalid_index(i));
    }
    Ok(i as usize)
}

/// The value under `key`: `Ok(None)` for a missing or `null` member or element.
fn lookup<'v>(con: &'v Value, key: &str) -> Result<Option<&'v Value>, String> {
    match con {
        Value::Object(map) => Ok(map.get(key).filter(|v| !v.is_null())),
        Value::Array(items) => {
            let i = index_for_get(items.len(), key)?;
            Ok(Some(&items[i]).filter(|v| !v.is_null()))
        }
        _ => Err("not a container".to_string()),
    }
}

fn insert(con: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match con {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            if key == "-" {
                items.push(value);
                return Ok(());
            }
            let raw = atoi(key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let size = items.len() as i64 + 1;
            if raw >= size {
                return Err(invalid_index(raw));
            }
            let i = if raw < 0 {
                if raw < -size {
                    return Err(invalid_index(raw));
                }
                raw + size
            } else {
                raw
            };
            items.insert(i as usize, value);
            Ok(())
        }
        _ => Err("not a container".to_string()),
    }
}

fn set(con: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match con {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            let i = index_for_get(items.len(), key)?;
            items[i] = value;
            Ok(())
        }
        _ => Err("not a container".to_string()),
    }
}

fn take(con: &mut Value, key: &str) -> Result<Value, String> {
    match con {
        Value::Object(map) => map
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: missing value")),
        Value::Array(items) => {
            let i = index_for_get(items.len(), key)?;
            Ok(items.remove(i))
        }
        _ => Err("not a container".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, patch: Value) -> Result<Value, Error> {
        apply(&doc, &patch)
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
