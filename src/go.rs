//! How Go and upstream write things in messages.
//!
//! kube-apiserver's messages are made by Go code: `%q` quoting, `%v` of
//! decoded JSON values, Go's type names, `encoding/json`'s escaping,
//! structured-merge-diff's rendering of values, `strconv.Atoi`'s errors.
//! Reproducing a message byte for byte means writing values the way those
//! Go functions do; the helpers for it live here, whichever module prints
//! the message.

use serde_json::Value;

use crate::numbers;

/// Quote a string as Go's `%q` does: double quotes, `\"`, `\\`, `\n`, `\t`,
/// `\r`, `\a`…, `\xNN` for other control bytes below U+0080 and `\uNNNN`/
/// `\UNNNNNNNN` for non-printable characters above it.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint`, approximated without Unicode tables: the space is
/// printable; control characters, other white space, line and paragraph
/// separators, format characters, private-use characters and noncharacters are
/// not. Unassigned code points count as printable (Go says they are not).
pub(crate) fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format = matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F);
    let private = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    let nonchar = matches!(u, 0xFDD0..=0xFDEF) || (u & 0xFFFE) == 0xFFFE;
    !(format || private || nonchar)
}

/// The kind of a JSON value as Go's decoder names it in type errors
/// (`json: cannot unmarshal array into …`).
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's `%v` rendering of a decoded JSON value, as upstream messages show
/// documents (`map[name:a value:1]`, `[1 2]`, `<nil>`).
pub(crate) fn go_format(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_v(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(go_format).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => format!(
            "map[{}]",
            map.iter()
                .map(|(k, v)| format!("{k}:{}", go_format(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// Go's type name of a decoded JSON value, as `ErrBadArgType` messages show
/// it: a number is an `int64` when it fits one, else a `float64`.
pub(crate) fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Go's `%v` of a decoded number: an int64 in decimal, a float64 as `%g`
/// with the shortest digits (`1`, `1.5`, `1e+06`, `1e-07`).
fn number_v(n: &serde_json::Number) -> String {
    match numbers::go_float(n) {
        Some(f) => numbers::format_g(f).to_string(),
        None => n.to_string(),
    }
}

/// Compact JSON as Go's `encoding/json` writes it: `<`, `>`, `&`, U+2028 and
/// U+2029 escaped; object keys sorted; numbers as Go writes them (`1.0` is
/// `1`, [`numbers::format_json`]).
pub(crate) fn go_json(v: &Value) -> String {
    escape_html(numbers::to_json(v))
}

/// As [`go_json`], indented as Go's `json.MarshalIndent(v, "", "  ")`
/// indents (what kube-apiserver writes for `pretty=true`).
#[cfg(feature = "http")]
pub(crate) fn go_json_pretty(v: &Value) -> String {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = numbers::GoFormatter(serde_json::ser::PrettyFormatter::with_indent(b"  "));
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // As in `numbers::to_json`: writing a Value to a Vec cannot fail, and
    // what is written is UTF-8 (the value's strings and ASCII).
    let _ = v.serialize(&mut ser);
    escape_html(String::from_utf8(out).unwrap_or_default())
}

/// Go's `encoding/json` HTML-safe escapes of `<`, `>`, `&`, U+2028, U+2029.
fn escape_html(text: String) -> String {
    if !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A value as SMD's `value.ToString` renders it in messages: strings quoted
/// as Go's `%q`, numbers, `true`/`false`, `null`, lists `[a,b]`, maps `{k=v}`.
pub(crate) fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => go_quote(s),
        Value::Number(n) => number_v(n),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(render_value).collect::<Vec<_>>().join(",")
        ),
        Value::Object(m) => {
            let mut parts: Vec<(&String, &Value)> = m.iter().collect();
            parts.sort_by(|a, b| a.0.cmp(b.0));
            format!(
                "{{{}}}",
                parts
                    .iter()
                    .map(|(k, v)| format!("{k}={}", render_value(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        }
    }
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, fits in 64 bits; the
/// error is its message.
pub(crate) fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing \"{s}\": invalid syntax"));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing \"{s}\": value out of range"))
}

/// `group/version, Kind=Kind` as upstream prints a GroupVersionKind.
pub(crate) fn gvk(object: &Value) -> String {
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={kind}")
}

/// `namespace/name` as upstream prints an object reference.
pub(crate) fn object_ref(object: &Value) -> String {
    let meta = object.get("metadata");
    let text = |k: &str| {
        meta.and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    format!("{}/{}", text("namespace"), text("name"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("plain"), "\"plain\"");
        assert_eq!(go_quote("tab\there"), "\"tab\\there\"");
        assert_eq!(go_quote("\u{7f}"), "\"\\x7f\"");
        assert_eq!(go_quote("\u{200b}"), "\"\\u200b\"");
        assert_eq!(go_quote("é✓"), "\"é✓\"");
        assert_eq!(go_quote("a\u{1}\"b"), r#""a\x01\"b""#);
    }

    #[test]
    fn printable_like_go() {
        assert!(is_go_printable(' '));
        assert!(is_go_printable('é'));
        assert!(!is_go_printable('\u{a0}'));
        assert!(!is_go_printable('\u{feff}'));
        assert!(!is_go_printable('\u{e000}'));
        assert!(!is_go_printable('\u{fffe}'));
    }

    #[test]
    fn kinds_like_go_decoder() {
        assert_eq!(json_kind(&json!([1])), "array");
        assert_eq!(json_kind(&json!({})), "object");
        assert_eq!(json_kind(&json!(1.5)), "number");
        assert_eq!(json_kind(&json!(null)), "null");
    }

    #[test]
    fn formats_like_go_v() {
        assert_eq!(go_format(&json!(null)), "<nil>");
        assert_eq!(
            go_format(&json!({"name": "a", "value": 1})),
            "map[name:a value:1]"
        );
        assert_eq!(go_format(&json!([1, "x", [true]])), "[1 x [true]]");
    }

    #[test]
    fn type_names_like_go() {
        assert_eq!(go_type(&json!(null)), "<nil>");
        assert_eq!(go_type(&json!(80)), "int64");
        assert_eq!(go_type(&json!(80.0)), "float64");
        assert_eq!(go_type(&json!(u64::MAX)), "float64");
        assert_eq!(go_type(&json!("a")), "string");
        assert_eq!(go_type(&json!([])), "[]interface {}");
        assert_eq!(go_type(&json!({})), "map[string]interface {}");
    }

    #[test]
    fn json_escapes_like_go() {
        assert_eq!(go_json(&json!("a<b&c")), r#""a\u003cb\u0026c""#);
        assert_eq!(
            go_json(&json!({"b": 1, "a": "\u{2028}"})),
            r#"{"a":"\u2028","b":1}"#
        );
        assert_eq!(go_json(&json!([1, "x"])), r#"[1,"x"]"#);
    }

    #[test]
    fn renders_like_smd() {
        assert_eq!(render_value(&json!(1.5)), "1.5");
        assert_eq!(render_value(&json!(1e6)), "1e+06");
        assert_eq!(render_value(&json!(1.5e-5)), "1.5e-05");
        assert_eq!(render_value(&json!({"b": 1, "a": "x"})), r#"{a="x",b=1}"#);
    }

    #[test]
    fn atoi_like_strconv() {
        assert_eq!(atoi("+1"), Ok(1));
        assert_eq!(atoi("-01"), Ok(-1));
        assert_eq!(
            atoi("1e0"),
            Err("strconv.Atoi: parsing \"1e0\": invalid syntax".to_string())
        );
        assert_eq!(
            atoi("-"),
            Err("strconv.Atoi: parsing \"-\": invalid syntax".to_string())
        );
        assert_eq!(
            atoi("99999999999999999999"),
            Err("strconv.Atoi: parsing \"99999999999999999999\": value out of range".to_string())
        );
    }

    #[test]
    fn renders_as_go_does() {
        let object = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod"}});
        assert_eq!(gvk(&object), "apps/v1, Kind=Deployment");
        assert_eq!(object_ref(&object), "prod/web");
        let core = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}});
        assert_eq!(gvk(&core), "/v1, Kind=Endpoints");
        assert_eq!(object_ref(&core), "/web");
    }
}
