//! Reading request bodies and objects: JSON, and YAML read with YAML 1.1
//! scalars as kube-apiserver's go-yaml v2 reads them.
//!
//! Both readers build a `serde_json::Value` and, on the way, note every
//! duplicate key (the last one wins, as in Go's decoders) so that
//! `fieldValidation` can warn about them or refuse them.

use std::cell::{Cell, RefCell};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::Error;

/// kube-apiserver's request body limit (`MaxRequestBodyBytes`, 3 MiB).
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// How many times its own size (in nodes and in scalar bytes) a YAML
/// document may grow by expanding aliases.
pub const ALIAS_EXPANSION: usize = 2;

/// The error for a YAML document whose aliases expand beyond
/// [`ALIAS_EXPANSION`]: go-yaml's wording (its threshold differs).
pub const EXCESSIVE_ALIASING: &str = "yaml: document contains excessive aliasing";

/// The deepest nesting of objects and arrays kubepatch works on (the
/// parsers stop earlier: JSON at 128, YAML at 64). Live objects handed over
/// as values and the results of JSON patches are checked against it, so no
/// recursive walk can exhaust the stack.
pub const MAX_DEPTH: usize = 1000;

/// Nesting depth of `value` (a scalar is 0, `[]` and `{}` are 1), found
/// without recursion.
///
/// ```
/// use serde_json::json;
/// assert_eq!(kubepatch::depth(&json!(1)), 0);
/// assert_eq!(kubepatch::depth(&json!({"a": [[], {"b": 1}]})), 3);
/// ```
pub fn depth(value: &Value) -> usize {
    // Only containers wait on the stack. A list's items wait as one entry
    // (the rest of the slice), a wide map's members as one (an iterator), a
    // narrow map's containers one each: a chain costs one entry, a list of
    // 100,000 objects or a map of 1,000,000 members one.
    const NARROW: usize = 16;
    enum Pending<'v> {
        One(&'v Value, usize),
        Items(&'v [Value], usize),
        Members(serde_json::map::Values<'v>, usize),
    }
    let is_container = |v: &&Value| v.is_object() || v.is_array();
    let mut deepest = 0;
    let mut stack = vec![Pending::One(value, 1)];
    while let Some(pending) = stack.pop() {
        match pending {
            Pending::One(Value::Object(m), d) => {
                deepest = deepest.max(d);
                if m.len() <= NARROW {
                    stack.extend(
                        m.values()
                            .filter(is_container)
                            .map(|c| Pending::One(c, d + 1)),
                    );
                } else {
                    stack.push(Pending::Members(m.values(), d + 1));
                }
            }
            Pending::One(Value::Array(items), d) => {
                deepest = deepest.max(d);
                stack.push(Pending::Items(items, d + 1));
            }
            Pending::One(..) => {}
            Pending::Items(items, d) => {
                if let Some((first, rest)) = items.split_first() {
                    if !rest.is_empty() {
                        stack.push(Pending::Items(rest, d));
                    }
                    if is_container(&first) {
                        stack.push(Pending::One(first, d));
                    }
                }
            }
            Pending::Members(mut members, d) => {
                if let Some(next) = members.next() {
                    stack.push(Pending::Members(members, d));
                    if is_container(&next) {
                        stack.push(Pending::One(next, d));
                    }
                }
            }
        }
    }
    deepest
}

/// Refuse a document nested deeper than [`MAX_DEPTH`] (422), naming what it is.
pub(crate) fn check_depth(value: &Value, what: &str) -> Result<usize, Error> {
    let d = depth(value);
    if d > MAX_DEPTH {
        return Err(too_deep(d, what));
    }
    Ok(d)
}

/// The 422 for a document `d` levels deep, beyond [`MAX_DEPTH`].
pub(crate) fn too_deep(d: usize, what: &str) -> Error {
    Error::Invalid {
        message: format!("{what} nests {d} levels deep, beyond the limit of {MAX_DEPTH}"),
        details: Default::default(),
    }
}

/// Drop a value of any depth without recursion (dropping a `Value` the
/// usual way recurses once per level).
pub(crate) fn dismantle(value: Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => stack.extend(m.into_iter().map(|(_, c)| c)),
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// A decoded document and the paths of the keys it held twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The document, the last of duplicate keys kept.
    pub value: Value,
    /// Paths of duplicate keys, e.g. `metadata.labels.app` or `[0].op`.
    pub duplicates: Vec<String>,
}

/// Refuse a body over [`MAX_BODY_BYTES`] with kube-apiserver's 413.
pub fn check_size(body: &[u8]) -> Result<(), Error> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::TooLarge {
            message: format!("limit is {MAX_BODY_BYTES}"),
        });
    }
    Ok(())
}

/// Parse JSON, noting duplicate keys. The error is serde_json's, with line and column.
///
/// Numbers are read in Go's model (`numbers.rs`): an integer literal that
/// fits an `i64` is one (`-0` too, which serde_json reads as the float
/// `-0.0`), any other number an `f64`.
pub fn json(bytes: &[u8]) -> Result<Decoded, serde_json::Error> {
    DUPLICATE_TEXT.set(duplicate_budget(bytes.len()));
    let tracked: Tracked = serde_json::from_slice(bytes)?;
    // serde_json reads `-0` as the float `-0.0`: only a document in which
    // one came up is looked at for `-0` integers, and read again with them
    // unsigned (the usual document is read once, its bytes not scanned).
    if tracked.negative_zero
        && let Some(unsigned) = negative_zero_integers(bytes)
    {
        DUPLICATE_TEXT.set(duplicate_budget(bytes.len()));
        let tracked: Tracked = serde_json::from_slice(&unsigned)?;
        return Ok(tracked.into_decoded());
    }
    Ok(tracked.into_decoded())
}

/// Whether a value may start after `before`: it ends (blanks aside) where a
/// value may begin, so that a `-` elsewhere (invalid JSON) keeps
/// serde_json's error as it was.
fn starts_value(before: &[u8]) -> bool {
    matches!(
        before.iter().rev().find(|b| !b" \t\n\r".contains(b)),
        None | Some(b':' | b'[' | b',')
    )
}

/// The bytes with the sign of every `-0` integer literal (outside strings)
/// made a space, so that it reads as the integer 0 as Go reads it; `None`
/// (no copy) when there is none, the usual case. A space keeps every byte
/// where it was, so serde_json's error positions still hold.
fn negative_zero_integers(bytes: &[u8]) -> Option<Vec<u8>> {
    // A quick look first: most documents hold no `-0` not followed by a
    // digit, `.` or exponent (outside strings or in them, as in `web-0`).
    let is_integer_end = |b: Option<&u8>| !matches!(b, Some(b'0'..=b'9' | b'.' | b'e' | b'E'));
    let candidate = bytes
        .windows(2)
        .enumerate()
        .any(|(i, w)| w == b"-0" && is_integer_end(bytes.get(i + 2)));
    if !candidate {
        return None;
    }
    let mut signs = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b'-'
            && bytes.get(i + 1) == Some(&b'0')
            && is_integer_end(bytes.get(i + 2))
            && starts_value(&bytes[..i])
        {
            signs.push(i);
        }
    }
    if signs.is_empty() {
        return None;
    }
    let mut out = bytes.to_vec();
    for i in signs {
        out[i] = b' ';
    }
    Some(out)
}

/// How many bytes of duplicate-key paths a body of `len` bytes may report:
/// twice its size and 4 KiB. A path repeats the keys above the duplicate, so
/// without a budget a body of many duplicates deep in long keys would make
/// paths quadratic in its size; beyond the budget further duplicates are
/// left out of [`Decoded::duplicates`] (README, departures).
pub fn duplicate_budget(len: usize) -> usize {
    len.saturating_mul(2).saturating_add(4096)
}

/// What a YAML document may build: nodes, and bytes of strings (values and
/// keys), counted as the reader builds them, so that aliases cannot expand a
/// document beyond [`ALIAS_EXPANSION`] times its size. A document without
/// aliases builds at most one node per byte (plus one) and no more string
/// bytes than it has bytes (tags are not kept), so it never reaches this.
#[derive(Clone, Copy)]
struct Expansion {
    nodes: usize,
    bytes: usize,
}

impl Expansion {
    const UNLIMITED: Expansion = Expansion {
        nodes: usize::MAX,
        bytes: usize::MAX,
    };

    fn of_body(len: usize) -> Expansion {
        let scaled = len.saturating_mul(ALIAS_EXPANSION);
        Expansion {
            nodes: scaled.saturating_add(4096),
            bytes: scaled.saturating_add(65536),
        }
    }
}

thread_local! {
    /// The expansion budget of the YAML document being read on this thread
    /// (JSON has no aliases: unlimited).
    static EXPANSION: Cell<Expansion> = const { Cell::new(Expansion::UNLIMITED) };

    /// The duplicate-path budget of the document being read on this thread,
    /// set by [`json`] and [`yaml`] before they read.
    static DUPLICATE_TEXT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether a body looks like JSON (its first non-blank byte opens an object
/// or an array): kube clients send JSON as `application/apply-patch+yaml`,
/// and such bodies take the JSON path.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Parse YAML (one document) with go-yaml v2's YAML 1.1 scalars: `yes`/`no`/
/// `on`/`off`/`y`/`n` are booleans, `0644` is octal; non-string keys become
/// strings as sigs.k8s.io/yaml converts them. A body that looks like JSON
/// takes the JSON parser first.
pub fn yaml(bytes: &[u8]) -> Result<Decoded, String> {
    if looks_like_json(bytes)
        && let Ok(doc) = json(bytes)
    {
        return Ok(doc);
    }
    let mut options = serde_saphyr::Options::default();
    options.legacy_octal_numbers = true;
    options.strict_booleans = false;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    options.with_snippet = false;
    DUPLICATE_TEXT.set(duplicate_budget(bytes.len()));
    EXPANSION.set(Expansion::of_body(bytes.len()));
    let tracked: Result<Option<Tracked>, _> = serde_saphyr::from_slice_with_options(bytes, options);
    EXPANSION.set(Expansion::UNLIMITED);
    let tracked = tracked.map_err(|e| {
        let message = e.to_string();
        // The parser adds a location to the visitor's error.
        if message.contains(EXCESSIVE_ALIASING) {
            EXCESSIVE_ALIASING.to_string()
        } else {
            message
        }
    })?;
    Ok(tracked.map(Tracked::into_decoded).unwrap_or(Decoded {
        value: Value::Null,
        duplicates: vec![],
    }))
}

/// A document and the paths of its duplicate keys, read in one pass: the
/// path of the node being read is kept in one buffer (a segment pushed on the
/// way down, truncated on the way up), so each duplicate's path is written
/// once, in time linear in its length.
struct Tracked {
    value: Value,
    duplicates: Vec<String>,
    /// Whether a number read as the float `-0.0`.
    negative_zero: bool,
}

impl Tracked {
    fn into_decoded(self) -> Decoded {
        Decoded {
            value: self.value,
            duplicates: self.duplicates,
        }
    }
}

impl<'de> Deserialize<'de> for Tracked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let state = Walk {
            path: RefCell::new(Vec::new()),
            written: Cell::new(0),
            duplicates: RefCell::new(Vec::new()),
            left: Cell::new(DUPLICATE_TEXT.get()),
            expansion: Cell::new(EXPANSION.get()),
            negative_zero: Cell::new(false),
        };
        let value = de::DeserializeSeed::deserialize(Node(&state), d)?;
        Ok(Tracked {
            value,
            duplicates: state.duplicates.into_inner(),
            negative_zero: state.negative_zero.get(),
        })
    }
}

/// One step of the path being read: a map key or a list index.
enum Step {
    Key(String),
    Index(usize),
}

impl Step {
    /// How many bytes the step adds to a written path that is `before` long.
    fn width(&self, before: usize) -> usize {
        match self {
            Step::Key(k) => usize::from(before > 0) + k.len(),
            Step::Index(i) => 2 + i.checked_ilog10().unwrap_or(0) as usize + 1,
        }
    }
}

/// The state of one read: the current path, the duplicates found, and what
/// is left of the duplicate-path budget. The path is kept as steps and
/// written out only for a duplicate, so reading costs no formatting.
struct Walk {
    /// The steps, each with the written length of the path before it.
    path: RefCell<Vec<(Step, usize)>>,
    /// The written length of the whole path.
    written: Cell<usize>,
    duplicates: RefCell<Vec<String>>,
    left: Cell<usize>,
    expansion: Cell<Expansion>,
    /// Whether a number read as the float `-0.0`.
    negative_zero: Cell<bool>,
}

impl Walk {
    /// Charge one node of `bytes` string bytes to the expansion budget.
    fn charge<E: de::Error>(&self, bytes: usize) -> Result<(), E> {
        let Expansion { nodes, bytes: left } = self.expansion.get();
        match (nodes.checked_sub(1), left.checked_sub(bytes)) {
            (Some(nodes), Some(bytes)) => {
                self.expansion.set(Expansion { nodes, bytes });
                Ok(())
            }
            _ => Err(E::custom(EXCESSIVE_ALIASING)),
        }
    }

    fn push(&self, step: Step) {
        let before = self.written.get();
        self.written.set(before + step.width(before));
        self.path.borrow_mut().push((step, before));
    }

    /// Leave the last step; a key comes back to its caller.
    fn pop(&self) -> Option<String> {
        let (step, before) = self.path.borrow_mut().pop()?;
        self.written.set(before);
        match step {
            Step::Key(key) => Some(key),
            Step::Index(_) => None,
        }
    }

    /// Note the current path, then `key`, as a duplicate, within the
    /// budget: `a.b[0].c`.
    fn duplicate(&self, key: &str) {
        use std::fmt::Write;
        let written = self.written.get();
        let length = written + usize::from(written > 0) + key.len();
        let Some(left) = self.left.get().checked_sub(length) else {
            // Beyond the budget: not written out, so that each further
            // duplicate costs nothing.
            self.left.set(0);
            return;
        };
        self.left.set(left);
        let mut text = String::with_capacity(length);
        for (step, _) in self.path.borrow().iter() {
            match step {
                Step::Key(k) => {
                    if !text.is_empty() {
                        text.push('.');
                    }
                    text.push_str(k);
                }
                // Writing to a String cannot fail.
                Step::Index(i) => {
                    let _ = write!(text, "[{i}]");
                }
            }
        }
        if !text.is_empty() {
            text.push('.');
        }
        text.push_str(key);
        self.duplicates.borrow_mut().push(text);
    }
}

/// Reads one node at the walk's current path.
#[derive(Clone, Copy)]
struct Node<'w>(&'w Walk);

impl<'de> de::DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        let value = d.deserialize_any(self)?;
        let bytes = match &value {
            Value::String(s) => s.len(),
            _ => 0,
        };
        self.0.charge(bytes)?;
        Ok(value)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        // Go decodes an integer beyond int64 as a float64 (numbers.rs).
        Ok(match i64::try_from(v) {
            Ok(i) => Value::Number(i.into()),
            Err(_) => Value::Number(Number::from_f64(v as f64).unwrap_or_else(|| v.into())),
        })
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        match i64::try_from(v) {
            Ok(i) => self.visit_i64(i),
            Err(_) => match u64::try_from(v) {
                Ok(u) => self.visit_u64(u),
                Err(_) => self.visit_f64(v as f64),
            },
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        match u64::try_from(v) {
            Ok(u) => self.visit_u64(u),
            Err(_) => self.visit_f64(v as f64),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        if v == 0.0 && v.is_sign_negative() {
            self.0.negative_zero.set(true);
        }
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{v} is not a JSON number")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let walk = self.0;
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            walk.push(Step::Index(items.len()));
            let item = seq.next_element_seed(self);
            walk.pop();
            match item? {
                Some(v) => items.push(v),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let walk = self.0;
        let mut object = Map::new();
        while let Some(Key(key)) = map.next_key::<Key>()? {
            walk.charge(key.len())?;
            walk.push(Step::Key(key));
            let child = map.next_value_seed(self);
            // The key comes back from the path it was lent to.
            let key = walk.pop().unwrap_or_default();
            let child = child?;
            match object.entry(key) {
                serde_json::map::Entry::Occupied(mut held) => {
                    walk.duplicate(held.key());
                    held.insert(child);
                }
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(child);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

/// A map key: strings as they are, other scalars spelled as sigs.k8s.io/yaml
/// spells them when it turns YAML keys into JSON keys.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a scalar map key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Key, E> {
        Ok(Key(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Key, E> {
        Ok(Key("null".to_string()))
    }
    fn visit_none<E>(self) -> Result<Key, E> {
        Ok(Key("null".to_string()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn depth_of_wide_and_narrow_containers() {
        // A wide map (beyond NARROW members) and a long list, each holding
        // one deeper member somewhere in the middle.
        let mut wide = serde_json::Map::new();
        for i in 0..40 {
            wide.insert(format!("k{i:02}"), serde_json::json!({"x": 1}));
        }
        wide.insert("k20".to_string(), serde_json::json!({"x": [[{"y": []}]]}));
        let mut list: Vec<Value> = (0..50).map(|_| serde_json::json!([1])).collect();
        list[25] = serde_json::json!([[[[]]]]);
        let doc = serde_json::json!({"wide": wide, "list": list, "narrow": {"a": {"b": {}}}});
        // root 1, wide 2, k20 3, x [ 4, [ 5, { 6, y [] 7
        assert_eq!(depth(&doc), 7);
        assert_eq!(depth(&serde_json::json!({"list": list})), 6);
        assert_eq!(depth(&serde_json::json!({"narrow": {"a": {"b": {}}}})), 4);
        assert_eq!(depth(&serde_json::json!([])), 1);
        assert_eq!(depth(&serde_json::json!("s")), 0);
    }

    use super::*;
    use serde_json::json as j;

    #[test]
    fn duplicate_paths() {
        let doc = json(br#"[{"op":"add","op":"remove"},{"v":{"a":1,"a":2}}]"#).unwrap();
        assert_eq!(
            doc.duplicates,
            vec!["[0].op".to_string(), "[1].v.a".to_string()]
        );
        let doc = json(br#"{"m":{"l":[{"x":1,"x":1}]}}"#).unwrap();
        assert_eq!(doc.duplicates, vec!["m.l[0].x".to_string()]);
    }

    #[test]
    fn yaml_11_scalars() {
        let doc =
            yaml(b"a: on\nb: off\nc: Yes\nd: n\ne: 010\nf: 12\ng: '010'\nh: null\ni: ~\n").unwrap();
        assert_eq!(
            doc.value,
            j!({"a": true, "b": false, "c": true, "d": false, "e": 8, "f": 12, "g": "010", "h": null, "i": null})
        );
    }

    #[test]
    fn yaml_duplicates_and_keys() {
        let doc = yaml(b"a: 1\na: 2\n1: x\ntrue: z\n").unwrap();
        assert_eq!(doc.value, j!({"a": 2, "1": "x", "true": "z"}));
        assert_eq!(doc.duplicates, vec!["a".to_string()]);
    }

    #[test]
    fn yaml_errors_are_messages() {
        assert!(yaml(b"a: [1, 2\n").is_err());
        assert!(yaml(b"a: b: c\n").is_err());
    }

    #[test]
    fn numbers_in_go_model() {
        // Go: an integer literal that fits int64 is one (`-0` too), anything
        // else a float64 (numbers.rs).
        let doc = json(br#"{"a":-0,"b":-0.0,"c":18446744073709551615,"d":9223372036854775807,"e":[-0, 1.0],"f":"web-0","g":"-0"}"#).unwrap();
        let v = &doc.value;
        assert_eq!(v["a"].as_i64(), Some(0));
        assert!(
            v["b"]
                .as_f64()
                .is_some_and(|f| f == 0.0 && f.is_sign_negative())
        );
        assert!(!v["b"].is_i64());
        assert_eq!(v["c"].as_f64(), Some(18446744073709551615.0));
        assert!(!v["c"].is_u64());
        assert_eq!(v["d"].as_i64(), Some(i64::MAX));
        assert_eq!(v["e"][0].as_i64(), Some(0));
        assert!(v["e"][1].is_f64());
        assert_eq!(v["f"], "web-0");
        assert_eq!(v["g"], "-0");
        let doc = json(b"[ -0 ,\n-0]").unwrap();
        assert_eq!(doc.value, j!([0, 0]));
        assert!(doc.value[1].is_i64());
        // Invalid JSON keeps serde_json's error and position.
        for bad in [&b"{\"a\":1-0}"[..], b"[--0]", b"[-00]"] {
            let plain: Result<Value, _> = serde_json::from_slice(bad);
            assert_eq!(
                json(bad).unwrap_err().to_string(),
                plain.unwrap_err().to_string()
            );
        }
        let doc = yaml(b"a: -0\nb: 18446744073709551615\nc: 1.0\nd: 7\n").unwrap();
        assert!(doc.value["a"].is_i64());
        assert!(doc.value["b"].is_f64());
        assert!(doc.value["c"].is_f64());
        assert_eq!(doc.value["d"].as_i64(), Some(7));
    }

    #[test]
    fn json_in_yaml_clothing() {
        let doc = yaml(br#"  {"kind": "Endpoints", "x": [1, 2.5]}"#).unwrap();
        assert_eq!(doc.value, j!({"kind": "Endpoints", "x": [1, 2.5]}));
    }
}

/// The examples that documented this module, as unit tests.
#[cfg(test)]
mod examples {
    #[test]
    fn example_1() {
        use crate::decode::{json, yaml};

        let doc = json(br#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(doc.value, serde_json::json!({"a": 2}));
        assert_eq!(doc.duplicates, vec!["a".to_string()]);

        let doc = yaml(b"mode: 0644\nenabled: on\n").unwrap();
        assert_eq!(doc.value, serde_json::json!({"mode": 420, "enabled": true}));
    }

    #[test]
    fn example_2() {
        let big = vec![b' '; crate::decode::MAX_BODY_BYTES + 1];
        assert_eq!(crate::decode::check_size(&big).unwrap_err().code(), 413);
    }

    #[test]
    fn example_3() {
        let err = crate::decode::json(b"{\"a\":").unwrap_err();
        assert!(err.to_string().contains("line 1 column 5"));
    }

    #[test]
    fn example_4() {
        let doc = crate::decode::yaml(b"{\"apiVersion\": \"v1\"}").unwrap();
        assert_eq!(doc.value["apiVersion"], "v1");
        let doc = crate::decode::yaml(b"a: yes\nb: 'yes'\n").unwrap();
        assert_eq!(doc.value, serde_json::json!({"a": true, "b": "yes"}));
    }
}
