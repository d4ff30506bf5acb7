//! The fields one managedFields entry owns, kept as stored (its `fieldsV1`)
//! until a request needs them as a set.
//!
//! Most requests touch a few fields: an entry that owns none of them keeps
//! its stored `fieldsV1` as it is, neither decoded into a [`Set`] nor encoded
//! again. Whether an entry owns any of a (small) set of paths is answered by
//! looking those paths up in the stored object, so the cost follows the
//! request, not the size of what each manager owns.
//!
//! Upstream decodes and re-encodes every entry on every write, so a stored
//! object is looked into only where it spells each key as encoding does
//! (then a lookup by spelling finds what decoding would). That is checked on
//! touch, not on reading: each level of the stored object a lookup passes
//! through is checked first (keys spelled as encoding spells them, values
//! objects, `.` only as `{}` beside other keys), and an entry with a level
//! that is not is decoded into a set there and then. What no request walks
//! into is written back as it was read. An entry that does not decode when a
//! request needs it owns nothing (upstream drops managedFields it cannot
//! decode); servers only store what encoding wrote, so neither happens to an
//! object a server kept.

use serde_json::{Map, Value};

use crate::fieldpath::{PathElement, Set};

/// An entry's fields: as stored, or as a set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Owned {
    /// The stored `fieldsV1` object, in its canonical encoding, while no
    /// request has needed the set.
    stored: Option<Map<String, Value>>,
    /// The set, once decoded (or computed by this request); empty while
    /// `stored` holds the fields.
    decoded: Set,
}

impl From<Set> for Owned {
    fn from(set: Set) -> Self {
        Owned {
            stored: None,
            decoded: set,
        }
    }
}

impl Owned {
    /// Read a stored `fieldsV1` (an object), kept as it is: it is checked
    /// where a request looks into it.
    pub(crate) fn read(fields: Value) -> Result<Owned, String> {
        match fields {
            Value::Object(map) => Ok(Owned {
                stored: Some(map),
                decoded: Set::default(),
            }),
            other => Err(format!("fieldsV1 must be an object, not {other}")),
        }
    }

    /// Fields given in their encoding, as [`Set::to_fields_v1`] writes it
    /// (canonical by construction; kept as stored).
    pub(crate) fn encoded(fields: Value) -> Owned {
        match fields {
            Value::Object(map) => Owned {
                stored: Some(map),
                decoded: Set::default(),
            },
            _ => Owned::default(),
        }
    }

    /// Whether both are still as stored, stored alike.
    pub(crate) fn stored_alike(&self, other: &Owned) -> bool {
        matches!((&self.stored, &other.stored), (Some(a), Some(b)) if a == b)
    }

    /// Whether the fields are still as stored (not decoded).
    #[cfg(test)]
    fn is_stored(&self) -> bool {
        self.stored.is_some()
    }

    /// The fields as a set, decoding them if they are still as stored (a
    /// stored object that does not decode owns nothing).
    pub(crate) fn set(&mut self) -> &mut Set {
        if let Some(map) = self.stored.take() {
            self.decoded = Set::from_fields_v1_map(&map).unwrap_or_default();
        }
        &mut self.decoded
    }

    /// The stored object, when every level of it that a lookup of `paths`
    /// passes through is spelled as encoding spells it; else the fields are
    /// decoded now and `None`.
    fn stored_for(&mut self, paths: &Set) -> Option<&mut Map<String, Value>> {
        if self
            .stored
            .as_ref()
            .is_some_and(|map| walkable(map, paths, true))
        {
            return self.stored.as_mut();
        }
        self.set();
        None
    }

    /// The fields as a set, consuming them.
    pub(crate) fn into_set(mut self) -> Set {
        std::mem::take(self.set())
    }

    /// Whether no field is owned (a canonical stored object owns a field
    /// for each key it has).
    pub(crate) fn is_empty(&self) -> bool {
        match &self.stored {
            Some(map) => map.is_empty(),
            None => self.decoded.is_empty(),
        }
    }

    /// The owned fields that are also in `paths`, found by walking `paths`.
    pub(crate) fn common(&mut self, paths: &Set) -> Set {
        match self.stored_for(paths) {
            Some(map) => common(map, paths),
            None => self.decoded.intersection(paths),
        }
    }

    /// Stop owning `paths`. Fields still as stored stay so: the paths are
    /// taken out of the stored object where they are, which keeps it the
    /// encoding of the set that remains.
    pub(crate) fn give_up(&mut self, paths: &Set) {
        match self.stored_for(paths) {
            Some(map) => give_up(map, paths),
            None => self.decoded = self.decoded.difference(paths),
        }
    }

    /// The `fieldsV1` encoding.
    pub(crate) fn into_fields_v1(self) -> Value {
        match self.stored {
            Some(map) => Value::Object(map),
            None => self.decoded.to_fields_v1(),
        }
    }
}

/// Whether the levels of a stored `fieldsV1` object (`top`: the entry's
/// own) that a lookup of `paths` passes through, and the objects of the
/// members it finds, are spelled as encoding spells them ([`level`]).
fn walkable(map: &Map<String, Value>, paths: &Set, top: bool) -> bool {
    if !level(map, top) {
        return false;
    }
    let found = |e: &PathElement| match map.get(&e.to_fields_v1()) {
        Some(Value::Object(inner)) => Some(inner),
        _ => None,
    };
    paths
        .members()
        .filter_map(found)
        .all(|inner| level(inner, false))
        && paths
            .children()
            .all(|(e, below)| found(e).is_none_or(|inner| walkable(inner, below, false)))
}

/// Whether one level of a stored `fieldsV1` object (`top`: the entry's own,
/// where `.` means nothing) is what encoding writes there: every key a path
/// element spelled as encoding spells it, every value an object, `.` only as
/// `{}` beside other keys.
fn level(map: &Map<String, Value>, top: bool) -> bool {
    map.iter().all(|(key, value)| {
        let Value::Object(inner) = value else {
            return false;
        };
        if key == "." {
            return !top && inner.is_empty() && map.len() > 1;
        }
        canonical_key(key)
    })
}

/// Whether `key` parses as a path element that encodes back to `key`.
/// The usual keys (`f:` names, `k:` objects and `v:` values of plain
/// strings and integers) are read in place; any other is parsed and encoded
/// again.
fn canonical_key(key: &str) -> bool {
    if key.starts_with("f:") {
        return true;
    }
    let plain = if let Some(rest) = key.strip_prefix("k:") {
        plain_object(rest.as_bytes())
    } else if let Some(rest) = key.strip_prefix("v:") {
        plain_value(rest.as_bytes()).is_some_and(|end| end == rest.len())
    } else {
        false
    };
    plain || PathElement::parse(key).is_ok_and(|e| e.to_fields_v1() == key)
}

/// A JSON string that encoding writes as it is (printable ASCII, nothing
/// escaped, none of Go's HTML escapes): the index just past it.
fn plain_string(text: &[u8]) -> Option<usize> {
    if text.first() != Some(&b'"') {
        return None;
    }
    for (i, &b) in text.iter().enumerate().skip(1) {
        match b {
            b'"' => return Some(i + 1),
            b'\\' | b'<' | b'>' | b'&' => return None,
            0x20..=0x7e => {}
            _ => return None,
        }
    }
    None
}

/// A plain string, or an integer as encoding writes it (no sign on zero, no
/// leading zero, few enough digits to stay an integer): the index past it.
fn plain_value(text: &[u8]) -> Option<usize> {
    if text.first() == Some(&b'"') {
        return plain_string(text);
    }
    let digits_at = usize::from(text.first() == Some(&b'-'));
    let digits = text[digits_at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let leading_zero = digits > 1 && text[digits_at] == b'0';
    let negative_zero = digits_at == 1 && digits == 1 && text[1] == b'0';
    (digits > 0 && digits <= 18 && !leading_zero && !negative_zero).then_some(digits_at + digits)
}

/// `{"a":…,"b":…}` with names in strictly increasing order and plain values:
/// exactly what encoding writes for such a key.
fn plain_object(text: &[u8]) -> bool {
    let mut at = 1;
    if text.first() != Some(&b'{') || text.get(1) == Some(&b'}') {
        return false;
    }
    let mut previous: Option<&[u8]> = None;
    loop {
        let Some(name_end) = plain_string(&text[at..]).map(|n| at + n) else {
            return false;
        };
        let name = &text[at + 1..name_end - 1];
        if previous.is_some_and(|p| p >= name) || text.get(name_end) != Some(&b':') {
            return false;
        }
        previous = Some(name);
        let Some(value_end) = plain_value(&text[name_end + 1..]).map(|n| name_end + 1 + n) else {
            return false;
        };
        match text.get(value_end) {
            Some(b',') => at = value_end + 1,
            Some(b'}') => return value_end + 1 == text.len(),
            _ => return false,
        }
    }
}

/// Whether the stored object owns the element `e` itself (not only fields below it).
fn owns<'m>(map: &'m Map<String, Value>, e: &PathElement) -> Option<&'m Map<String, Value>> {
    match map.get(&e.to_fields_v1()) {
        Some(Value::Object(inner)) => Some(inner),
        _ => None,
    }
}

fn is_member(inner: &Map<String, Value>) -> bool {
    inner.is_empty() || inner.contains_key(".")
}

fn common(map: &Map<String, Value>, paths: &Set) -> Set {
    let mut out = Set::default();
    for e in paths.members() {
        if owns(map, e).is_some_and(is_member) {
            out.insert_member(e.clone());
        }
    }
    for (e, below) in paths.children() {
        if let Some(inner) = owns(map, e) {
            out.insert_child(e.clone(), common(inner, below));
        }
    }
    out
}

/// Take `paths` out of a canonical stored object, keeping it canonical: an
/// element whose last field below goes is dropped unless it is itself owned
/// (then it is `{}`); an owned element with fields below keeps them and
/// loses its `.`.
fn give_up(map: &mut Map<String, Value>, paths: &Set) {
    for (e, below) in paths.children() {
        let key = e.to_fields_v1();
        let Some(Value::Object(inner)) = map.get_mut(&key) else {
            continue;
        };
        if inner.is_empty() {
            // Owned itself with nothing below: nothing below to give up.
            continue;
        }
        give_up(inner, below);
        if inner.is_empty() {
            // Only fields below it were owned, and they are gone.
            map.remove(&key);
        } else if inner.len() == 1 && inner.contains_key(".") {
            // Owned itself, nothing below any more.
            inner.clear();
        }
    }
    for e in paths.members() {
        let key = e.to_fields_v1();
        let Some(Value::Object(inner)) = map.get_mut(&key) else {
            continue;
        };
        if inner.is_empty() {
            map.remove(&key);
        } else {
            inner.remove(".");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored(v: Value) -> Owned {
        Owned::read(v).expect("decodes")
    }

    fn f(name: &str) -> PathElement {
        PathElement::Field(name.into())
    }

    #[test]
    fn canonical_fields_stay_as_stored() {
        let v = json!({"f:metadata": {"f:labels": {"f:a": {}}},
            "f:subsets": {"k:{\"ip\":\"10.0.0.1\"}": {".": {}, "f:ip": {}}}});
        assert!(stored(v.clone()).is_stored());
        assert_eq!(stored(v.clone()).into_fields_v1(), v);
        // Anything encoding would spell otherwise is decoded where a lookup
        // passes through it, and only then.
        for odd in [
            json!({"f:a": {".": {}}}),
            json!({".": {}, "f:a": {}}),
            json!({"k:{\"port\":80,\"name\":\"x\"}": {}}),
            json!({"k:{ \"ip\":\"1\"}": {}}),
            json!({"i:01": {}}),
            json!({"f:a": {".": {"x": {}}, "f:b": {}}}),
        ] {
            let set = Set::from_fields_v1(&odd).expect("decodes");
            let mut read = stored(odd);
            assert!(read.is_stored());
            assert_eq!(read.common(&set), set);
            assert!(!read.is_stored());
        }
        // Beside a level a lookup does not pass through: left as stored.
        let odd = json!({"f:metadata": {"f:labels": {"f:a": {}}}, "f:spec": {"i:01": {}}});
        let mut read = stored(odd.clone());
        let mut label = Set::default();
        label.insert(&[f("metadata"), f("labels"), f("a")]);
        assert_eq!(read.common(&label), label);
        read.give_up(&label);
        assert!(read.is_stored());
        assert_eq!(read.into_fields_v1(), json!({"f:spec": {"i:01": {}}}));
        // Not an object: refused on reading. Not decodable where touched:
        // owns nothing.
        assert!(Owned::read(json!(["f:a"])).is_err());
        let mut junk = stored(json!({"x:a": {}}));
        assert_eq!(junk.common(&label), Set::default());
        assert!(junk.is_empty());
        // Read in place or parsed, a key is canonical exactly when encoding
        // its element gives it back.
        for key in [
            r#"k:{"ip":"10.0.0.1"}"#,
            r#"k:{"name":"http","port":80}"#,
            r#"k:{"port":80,"name":"http"}"#,
            r#"k:{"name":"a","name":"b"}"#,
            r#"k:{"port":-0}"#,
            r#"k:{"port":0}"#,
            r#"k:{"port":007}"#,
            r#"k:{"port":1.0}"#,
            r#"k:{"port":12345678901234567890123}"#,
            r#"k:{"a":"<b>"}"#,
            r#"k:{"a":"<b>"}"#,
            r#"k:{"a":"x"y"}"#,
            r#"k:{}"#,
            r#"k:{"a":"b"} "#,
            r#"k:{"ports":[{"name":"dns","port":53}]}"#,
            r#"v:"example.com/a""#,
            r#"v:12"#,
            r#"v:-3"#,
            r#"v:"a"x"#,
            r#"v:true"#,
        ] {
            let by_parsing = PathElement::parse(key).is_ok_and(|e| e.to_fields_v1() == key);
            assert_eq!(canonical_key(key), by_parsing, "{key}");
        }
        let mut not_objects = stored(json!({"f:a": 1}));
        assert_eq!(not_objects.common(&label), Set::default());
    }

    #[test]
    fn lookups_agree_with_the_decoded_set() {
        let v = json!({"f:metadata": {"f:labels": {".": {}, "f:a": {}}},
            "f:subsets": {"k:{\"ip\":\"10.0.0.1\"}": {".": {}, "f:ip": {}}}});
        let mut raw = stored(v.clone());
        let set = Set::from_fields_v1(&v).expect("decodes");
        let mut labels = Set::default();
        labels.insert(&[f("metadata"), f("labels")]);
        let mut label_b = Set::default();
        label_b.insert(&[f("metadata"), f("labels"), f("b")]);
        let mut ip = Set::default();
        ip.insert(&[
            f("subsets"),
            PathElement::key(vec![("ip".to_string(), json!("10.0.0.1"))]),
            f("ip"),
        ]);
        // An element owned itself, with paths below it given up: it stays.
        let mut below_a = Set::default();
        below_a.insert(&[f("metadata"), f("labels"), f("a"), f("x")]);
        let mut label_a = Set::default();
        label_a.insert(&[f("metadata"), f("labels"), f("a")]);
        let mut labels_and_a = labels.clone();
        labels_and_a.union_with(&label_a);
        let mut subset_and_ip = ip.clone();
        subset_and_ip.insert(&[
            f("subsets"),
            PathElement::key(vec![("ip".to_string(), json!("10.0.0.1"))]),
        ]);
        for paths in [
            below_a,
            labels,
            label_b,
            label_a,
            labels_and_a,
            ip,
            subset_and_ip,
            set.clone(),
            Set::default(),
        ] {
            assert_eq!(raw.common(&paths), set.intersection(&paths));
            let mut given = raw.clone();
            given.give_up(&paths);
            assert!(given.is_stored(), "given up in place");
            let rest = set.difference(&paths);
            assert_eq!(given.is_empty(), rest.is_empty());
            assert_eq!(given.clone().into_fields_v1(), rest.to_fields_v1());
            assert_eq!(given.into_set(), rest);
        }
    }
}
