//! One step of a field path: a field name, a list-map key, a set value or an index.

use std::cmp::Ordering;

use std::hash::{Hash, Hasher};

use serde_json::Value;

use crate::go::{go_json, render_value};

/// A path element, as server-side apply writes it in `fieldsV1`.
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
    Field(String),
    /// A list-map item by its key fields (sorted by name): `k:{…}`.
    Key(Vec<(String, Value)>),
    /// A set item by value: `v:<json>`.
    Value(Value),
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
        self.rank().hash(state);
        match self {
            PathElement::Field(name) => name.hash(state),
            PathElement::Key(fields) => {
                for (name, value) in fields {
                    name.hash(state);
                    hash_value(value, state);
                }
            }
            PathElement::Value(v) => hash_value(v, state),
            PathElement::Index(i) => i.hash(state),
        }
    }
}

/// A hash consistent with `Value`'s equality.
fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    match v {
        Value::Null => 0u8.hash(state),
        Value::Bool(b) => (1u8, b).hash(state),
        Value::Number(n) => (2u8, n.to_string()).hash(state),
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
        PathElement::Key(fields)
    }

    /// The `fieldsV1` spelling: `f:name`, `k:{"a":1}`, `v:"x"`, `i:3`.
    pub fn to_fields_v1(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(fields) => {
                let mut out = String::from("k:{");
                for (i, (name, value)) in fields.iter().enumerate() {
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
            PathElement::Value(v) => format!("v:{}", go_json(v)),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Parse a `fieldsV1` key. Trailing data after a `k:`/`v:` value is an error.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (kind, rest) = text
            .split_at_checked(2)
            .ok_or_else(|| format!("invalid path element {text:?}"))?;
        match kind {
            "f:" => Ok(PathElement::Field(rest.to_string())),
            "k:" => match serde_json::from_str::<Value>(rest) {
                Ok(Value::Object(m)) => Ok(PathElement::key(m.into_iter().collect())),
                Ok(_) => Err(format!("invalid key element {text:?}: not an object")),
                Err(e) => Err(format!("invalid key element {text:?}: {e}")),
            },
            "v:" => serde_json::from_str(rest)
                .map(PathElement::Value)
                .map_err(|e| format!("invalid value element {text:?}: {e}")),
            "i:" => rest
                .parse()
                .map(PathElement::Index)
                .map_err(|e| format!("invalid index element {text:?}: {e}")),
            _ => Err(format!("invalid path element {text:?}")),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            PathElement::Field(_) => 0,
            PathElement::Key(_) => 1,
            PathElement::Value(_) => 2,
            PathElement::Index(_) => 3,
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
                for ((na, va), (nb, vb)) in a.iter().zip(b) {
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
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(n, v)| format!("{n}={}", render_value(v)))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            PathElement::Value(v) => write!(f, "[={}]", render_value(v)),
            PathElement::Index(i) => write!(f, "[{i}]"),
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
            PathElement::Value(json!("a")),
            PathElement::key(vec![("port".into(), json!(80))]),
            PathElement::Index(2),
            PathElement::key(vec![("port".into(), json!(53))]),
            PathElement::Field("b".into()),
            PathElement::Value(json!(5)),
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
        let e = PathElement::Value(json!("a<b&c"));
        assert_eq!(e.to_fields_v1(), r#"v:"a\u003cb\u0026c""#);
        assert!(PathElement::parse(r#"v:"x" trailing"#).is_err());
        assert_eq!(PathElement::parse("i:3").unwrap(), PathElement::Index(3));
    }

    #[test]
    fn renders_like_smd() {
        assert_eq!(
            PathElement::Value(json!("example.com/a")).to_string(),
            r#"[="example.com/a"]"#
        );
        assert_eq!(
            PathElement::key(vec![("x".into(), json!(1e6)), ("n".into(), json!("a"))]).to_string(),
            r#"[n="a",x=1e+06]"#
        );
    }
}
