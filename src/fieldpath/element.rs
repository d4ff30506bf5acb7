//! One step of a field path: a field name, a list-map key, a set value or an index.

use std::cmp::Ordering;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde_json::Value;

use crate::go::{go_json, render_value};

/// A path element, as server-side apply writes it in `fieldsV1`.
///
/// Cheap to clone: names, keys and values are shared, not copied, so sets
/// built from other sets (unions, differences) copy no strings.
///
/// ```
/// use kubepatch::fieldpath::PathElement;
/// use serde_json::json;
///
/// let key = PathElement::key(vec![("port".into(), json!(80)), ("name".into(), json!("http"))]);
/// assert_eq!(key.to_fields_v1(), r#"k:{"name":"http","port":80}"#);
/// assert_eq!(key.to_string(), r#"[name="http",port=80]"#);
/// assert_eq!(PathElement::parse(r#"k:{"port":80,"name":"http"}"#).unwrap(), key);
/// assert_eq!(PathElement::Field("labels".into()).to_string(), ".labels");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum PathElement {
    /// A struct field or a map key: `f:<name>`.
    Field(Arc<str>),
    /// A list-map item by its key fields (sorted by name): `k:{…}`.
    Key(Arc<[(String, Value)]>),
    /// A set item by value: `v:<json>`.
    Value(Arc<Value>),
    /// A list item by position: `i:<n>` (only read, from old servers).
    Index(usize),
}

impl Eq for PathElement {}

/// Append `s` as Go's encoder writes a JSON string: as it is when nothing in
/// it needs escaping (the usual key: printable ASCII without `"`, `\\` or
/// Go's HTML escapes), else through [`go_json`].
fn push_json_string(out: &mut String, s: &str) {
    let plain = s
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&'));
    if plain {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&go_json(&Value::String(s.to_string())));
    }
}

impl Hash for PathElement {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.view().hash(state);
    }
}

/// A hash consistent with `Value`'s equality.
fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    match v {
        Value::Null => 0u8.hash(state),
        Value::Bool(b) => (1u8, b).hash(state),
        // serde_json's numbers are equal when both are the same kind of
        // number with the same value; `0.0 == -0.0` is the one case where
        // equal floats differ in bits.
        Value::Number(n) => {
            2u8.hash(state);
            if let Some(u) = n.as_u64() {
                (0u8, u).hash(state);
            } else if let Some(i) = n.as_i64() {
                (1u8, i).hash(state);
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                (2u8, if f == 0.0 { 0 } else { f.to_bits() }).hash(state);
            }
        }
        Value::String(s) => (3u8, s).hash(state),
        Value::Array(items) => {
            (4u8, items.len()).hash(state);
            items.iter().for_each(|x| hash_value(x, state));
        }
        Value::Object(m) => {
            (5u8, m.len()).hash(state);
            for (k, x) in m {
                k.hash(state);
                hash_value(x, state);
            }
        }
    }
}

impl PathElement {
    /// A key element; the fields are sorted by name.
    pub fn key(mut fields: Vec<(String, Value)>) -> Self {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        PathElement::Key(fields.into())
    }

    /// The `fieldsV1` spelling: `f:name`, `k:{"a":1}`, `v:"x"`, `i:3`.
    pub fn to_fields_v1(&self) -> String {
        self.view().to_fields_v1()
    }

    /// Parse a `fieldsV1` key. Trailing data after a `k:`/`v:` value is an error.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (kind, rest) = text
            .split_at_checked(2)
            .ok_or_else(|| format!("invalid path element {text:?}"))?;
        match kind {
            "f:" => Ok(PathElement::Field(rest.into())),
            "k:" => match serde_json::from_str::<Value>(rest) {
                Ok(Value::Object(m)) => Ok(PathElement::key(m.into_iter().collect())),
                Ok(_) => Err(format!("invalid key element {text:?}: not an object")),
                Err(e) => Err(format!("invalid key element {text:?}: {e}")),
            },
            "v:" => serde_json::from_str(rest)
                .map(|v: Value| PathElement::Value(v.into()))
                .map_err(|e| format!("invalid value element {text:?}: {e}")),
            "i:" => rest
                .parse()
                .map(PathElement::Index)
                .map_err(|e| format!("invalid index element {text:?}: {e}")),
            _ => Err(format!("invalid path element {text:?}")),
        }
    }

    fn rank(&self) -> u8 {
        self.view().rank()
    }

    /// The element as the shared view of owned and borrowed elements.
    fn view(&self) -> View<'_> {
        match self {
            PathElement::Field(name) => View::Field(name),
            PathElement::Key(fields) => View::Key(KeyFields::Owned(fields)),
            PathElement::Value(v) => View::Value(v),
            PathElement::Index(i) => View::Index(*i),
        }
    }
}

impl Ord for PathElement {
    /// SMD's order: fields < keys < values < indices; fields by name, keys
    /// field by field (name, then value), values by [`value_cmp`], indices
    /// numerically.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PathElement::Field(a), PathElement::Field(b)) => a.cmp(b),
            (PathElement::Key(a), PathElement::Key(b)) => {
                for ((na, va), (nb, vb)) in a.iter().zip(b.iter()) {
                    let o = na.cmp(nb).then_with(|| value_cmp(va, vb));
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (PathElement::Value(a), PathElement::Value(b)) => value_cmp(a, b),
            (PathElement::Index(a), PathElement::Index(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for PathElement {
    /// As conflict messages render it: `.name`, `[k1="v",k2=1]`, `[="v"]`, `[3]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view().fmt(f)
    }
}

/// A path element borrowed from the value (and schema) it was read off:
/// what a walk passes along, hashes and encodes, made a [`PathElement`]
/// only where a set keeps it. It equals, hashes, encodes and renders as the
/// owned element does.
#[derive(Debug, Clone)]
pub(crate) enum ElementRef<'a> {
    /// A field name or map key.
    Field(&'a str),
    /// A list-map item's key fields, sorted by name.
    Key(Vec<(&'a str, &'a Value)>),
    /// A set item.
    Value(&'a Value),
    /// An element that had to be built (a set identity).
    Owned(PathElement),
}

impl<'a> ElementRef<'a> {
    /// A key element; the fields are sorted by name.
    pub(crate) fn key(mut fields: Vec<(&'a str, &'a Value)>) -> Self {
        fields.sort_by(|a, b| a.0.cmp(b.0));
        ElementRef::Key(fields)
    }

    /// The owned element: the one copy a set that keeps it makes.
    pub(crate) fn into_owned(self) -> PathElement {
        match self {
            ElementRef::Field(name) => PathElement::Field(name.into()),
            ElementRef::Key(fields) => PathElement::Key(
                fields
                    .into_iter()
                    .map(|(n, v)| (n.to_string(), v.clone()))
                    .collect(),
            ),
            ElementRef::Value(v) => PathElement::Value(Arc::new(v.clone())),
            ElementRef::Owned(e) => e,
        }
    }

    /// The `fieldsV1` spelling, as [`PathElement::to_fields_v1`].
    pub(crate) fn to_fields_v1(&self) -> String {
        self.view().to_fields_v1()
    }

    fn view(&self) -> View<'_> {
        match self {
            ElementRef::Field(name) => View::Field(name),
            ElementRef::Key(fields) => View::Key(KeyFields::Borrowed(fields)),
            ElementRef::Value(v) => View::Value(v),
            ElementRef::Owned(e) => e.view(),
        }
    }
}

impl PartialEq for ElementRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.view() == other.view()
    }
}

impl Eq for ElementRef<'_> {}

impl Hash for ElementRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.view().hash(state);
    }
}

impl std::fmt::Display for ElementRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view().fmt(f)
    }
}

/// What owned and borrowed elements share: equality, hash, encoding and
/// rendering, written once.
#[derive(Clone, Copy)]
enum View<'x> {
    Field(&'x str),
    Key(KeyFields<'x>),
    Value(&'x Value),
    Index(usize),
}

/// Key fields, owned or borrowed, read as `(name, value)` pairs.
#[derive(Clone, Copy)]
enum KeyFields<'x> {
    Owned(&'x [(String, Value)]),
    Borrowed(&'x [(&'x str, &'x Value)]),
}

impl<'x> KeyFields<'x> {
    fn pairs(self) -> impl Iterator<Item = (&'x str, &'x Value)> {
        let (owned, borrowed) = match self {
            KeyFields::Owned(f) => (f, &[][..]),
            KeyFields::Borrowed(f) => (&[][..], f),
        };
        owned
            .iter()
            .map(|(n, v)| (n.as_str(), v))
            .chain(borrowed.iter().copied())
    }

    fn len(self) -> usize {
        match self {
            KeyFields::Owned(f) => f.len(),
            KeyFields::Borrowed(f) => f.len(),
        }
    }
}

impl PartialEq for View<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (View::Field(a), View::Field(b)) => a == b,
            (View::Key(a), View::Key(b)) => a.len() == b.len() && a.pairs().eq(b.pairs()),
            (View::Value(a), View::Value(b)) => a == b,
            (View::Index(a), View::Index(b)) => a == b,
            _ => false,
        }
    }
}

impl Hash for View<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            View::Field(name) => name.hash(state),
            View::Key(fields) => {
                for (name, value) in fields.pairs() {
                    name.hash(state);
                    hash_value(value, state);
                }
            }
            View::Value(v) => hash_value(v, state),
            View::Index(i) => i.hash(state),
        }
    }
}

impl View<'_> {
    fn rank(self) -> u8 {
        match self {
            View::Field(_) => 0,
            View::Key(_) => 1,
            View::Value(_) => 2,
            View::Index(_) => 3,
        }
    }

    fn to_fields_v1(self) -> String {
        match self {
            View::Field(name) => {
                let mut out = String::with_capacity(2 + name.len());
                out.push_str("f:");
                out.push_str(name);
                out
            }
            View::Key(fields) => {
                let mut out = String::from("k:{");
                for (i, (name, value)) in fields.pairs().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_json_string(&mut out, name);
                    out.push(':');
                    match value {
                        Value::String(s) => push_json_string(&mut out, s),
                        other => out.push_str(&go_json(other)),
                    }
                }
                out.push('}');
                out
            }
            View::Value(v) => format!("v:{}", go_json(v)),
            View::Index(i) => format!("i:{i}"),
        }
    }

    fn fmt(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            View::Field(name) => write!(f, ".{name}"),
            View::Key(fields) => {
                let parts: Vec<String> = fields
                    .pairs()
                    .map(|(n, v)| format!("{n}={}", render_value(v)))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            View::Value(v) => write!(f, "[={}]", render_value(v)),
            View::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// SMD's value order: numbers (compared numerically) < strings < booleans
/// (false < true) < lists < maps < null.
pub fn value_cmp(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Number(_) => 0,
            Value::String(_) => 1,
            Value::Bool(_) => 2,
            Value::Array(_) => 3,
            Value::Object(_) => 4,
            Value::Null => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i.cmp(&j),
            _ => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(Ordering::Equal),
        },
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = value_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        // serde_json maps iterate in key order.
        (Value::Object(x), Value::Object(y)) => {
            for ((kx, vx), (ky, vy)) in x.iter().zip(y) {
                let o = kx.cmp(ky).then_with(|| value_cmp(vx, vy));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn order_is_smds() {
        let mut v = [
            PathElement::Index(10),
            PathElement::Value(json!("a").into()),
            PathElement::key(vec![("port".into(), json!(80))]),
            PathElement::Index(2),
            PathElement::key(vec![("port".into(), json!(53))]),
            PathElement::Field("b".into()),
            PathElement::Value(json!(5).into()),
            PathElement::Field("a".into()),
        ];
        v.sort();
        let spelled: Vec<String> = v.iter().map(PathElement::to_fields_v1).collect();
        assert_eq!(
            spelled,
            [
                "f:a",
                "f:b",
                r#"k:{"port":53}"#,
                r#"k:{"port":80}"#,
                "v:5",
                r#"v:"a""#,
                "i:2",
                "i:10"
            ]
        );
    }

    #[test]
    fn escapes_like_go() {
        let e = PathElement::Value(json!("a<b&c").into());
        assert_eq!(e.to_fields_v1(), r#"v:"a\u003cb\u0026c""#);
        assert!(PathElement::parse(r#"v:"x" trailing"#).is_err());
        assert_eq!(PathElement::parse("i:3").unwrap(), PathElement::Index(3));
    }

    #[test]
    fn renders_like_smd() {
        assert_eq!(
            PathElement::Value(json!("example.com/a").into()).to_string(),
            r#"[="example.com/a"]"#
        );
        assert_eq!(
            PathElement::key(vec![("x".into(), json!(1e6)), ("n".into(), json!("a"))]).to_string(),
            r#"[n="a",x=1e+06]"#
        );
    }
}
