//! Numbers as kube-apiserver reads and writes them: Go's model.
//!
//! Go decodes a number of an unstructured document (`map[string]interface{}`,
//! read with `sigs.k8s.io/json`) as an `int64` when its literal is an integer
//! that fits one, and as a `float64` otherwise: `1.0`, `0.1e1`, `1e3`, `-0.0`
//! and `18446744073709551616` are floats, `-0` is the integer 0. kubepatch's
//! readers build the same two kinds into `serde_json::Value`: an `i64`, or an
//! `f64` (an integer literal above `i64::MAX` becomes an `f64`, and `-0` the
//! integer 0).
//!
//! Go's `encoding/json` writes a `float64` with the shortest digits that read
//! back as it, in fixed notation when `1e-6 <= |x| < 1e21` and in exponent
//! notation otherwise (`1e+21`, `1e-7`, `5e-324`); negative zero is `-0`. So
//! a float that holds an integer comes out as one: `1.0` as `1`, `1e3` as
//! `1000`, `1e20` as `100000000000000000000`. [`GoFormatter`] writes floats
//! so for `serde_json`; [`format_json`] gives the text of one.
//!
//! `kubectl -o yaml` (sigs.k8s.io/yaml) writes that JSON text and reads it
//! back with go-yaml v2 before writing YAML: an integer text that fits an
//! `int64` or a `uint64` is written as that integer (`-0` as `0`), and any
//! other number as `strconv.FormatFloat(x, 'g', -1, 64)` ([`format_g`]:
//! `1e-07`, `1.23456789125e+08`, `1e+20`). [`to_yaml`] writes a document so.

use std::fmt::{self, Write as _};
use std::io;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};
use serde_json::{Number, Value};

use crate::error::Error;

/// The text of one number, kept on the stack (no allocation per number).
///
/// ```
/// let text = kubepatch::numbers::format_json(1.5);
/// assert_eq!(text.as_str(), "1.5");
/// assert_eq!(text.to_string(), "1.5");
/// ```
#[derive(Clone, Copy)]
pub struct GoFloat {
    buf: [u8; 40],
    len: usize,
}

impl GoFloat {
    fn new() -> GoFloat {
        GoFloat {
            buf: [0; 40],
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        // The longest text written is 25 bytes (`-0.0000012345678901234567`,
        // `-1.2345678901234567e-308`); the buffer holds 40.
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn push_all(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push(b);
        }
    }

    /// The text.
    ///
    /// ```
    /// assert_eq!(kubepatch::numbers::format_g(1e6).as_str(), "1e+06");
    /// ```
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever pushed (digits, `-`, `+`, `.`, `e`).
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl fmt::Display for GoFloat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for GoFloat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Write for GoFloat {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.len + s.len() > self.buf.len() {
            return Err(fmt::Error);
        }
        self.push_all(s.as_bytes());
        Ok(())
    }
}

/// The shortest decimal digits that read back as a positive finite float:
/// the value is `d1.d2d3… × 10^exp`.
struct Digits {
    digits: [u8; 17],
    len: usize,
    exp: i32,
}

impl Digits {
    fn of(abs: f64) -> Digits {
        // Rust's `{:e}` writes the shortest digits that round-trip, the
        // closest to the exact value among them, as Go's shortest formatting
        // picks them: `1.2345e-7`, `5e-324`, `1e21`. It needs at most 24
        // bytes, and GoFloat holds 40, so the write cannot fail.
        let mut text = GoFloat::new();
        let _ = write!(text, "{abs:e}");
        let (mantissa, exp) = text
            .as_str()
            .split_once('e')
            .unwrap_or((text.as_str(), "0"));
        let mut out = Digits {
            digits: [b'0'; 17],
            len: 0,
            exp: exp.parse().unwrap_or(0),
        };
        for b in mantissa.bytes().filter(u8::is_ascii_digit) {
            if let Some(slot) = out.digits.get_mut(out.len) {
                *slot = b;
                out.len += 1;
            }
        }
        out
    }

    fn digits(&self) -> &[u8] {
        &self.digits[..self.len]
    }

    /// Fixed notation (`%f` with the shortest digits): `1000`, `0.000001`,
    /// `123456789.125`.
    fn fixed(&self, out: &mut GoFloat) {
        let digits = self.digits();
        if self.exp < 0 {
            out.push_all(b"0.");
            for _ in 0..(-self.exp - 1) {
                out.push(b'0');
            }
            out.push_all(digits);
            return;
        }
        let int_len = self.exp as usize + 1;
        if digits.len() <= int_len {
            out.push_all(digits);
            for _ in digits.len()..int_len {
                out.push(b'0');
            }
        } else {
            out.push_all(&digits[..int_len]);
            out.push(b'.');
            out.push_all(&digits[int_len..]);
        }
    }

    /// Exponent notation (`%e` with the shortest digits): `1.5e+300`,
    /// the exponent written with at least `min_exp_digits` digits.
    fn exponent(&self, out: &mut GoFloat, min_exp_digits: u32) {
        let digits = self.digits();
        out.push_all(&digits[..1]);
        if digits.len() > 1 {
            out.push(b'.');
            out.push_all(&digits[1..]);
        }
        out.push(b'e');
        out.push(if self.exp < 0 { b'-' } else { b'+' });
        let exp = self.exp.unsigned_abs();
        let width = exp.checked_ilog10().unwrap_or(0) + 1;
        for _ in width..min_exp_digits {
            out.push(b'0');
        }
        // At most 3 digits (the exponents of f64 are within ±324).
        let _ = write!(out, "{exp}");
    }
}

/// Write the sign and zero, or hand the digits of `|f|` to `rest`.
fn format_with(f: f64, rest: impl FnOnce(&Digits, &mut GoFloat)) -> GoFloat {
    let mut out = GoFloat::new();
    if !f.is_finite() {
        // A JSON document holds no NaN or infinity; Go's encoder would fail.
        let _ = write!(
            out,
            "{}",
            if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            }
        );
        return out;
    }
    if f.is_sign_negative() {
        out.push(b'-');
    }
    if f == 0.0 {
        out.push(b'0');
        return out;
    }
    rest(&Digits::of(f.abs()), &mut out);
    out
}

/// A float64 as Go's `encoding/json` writes it: shortest digits, fixed
/// notation for `1e-6 <= |f| < 1e21`, exponent notation otherwise (the
/// exponent of a small number without a leading zero: `1e-7`); `-0` for
/// negative zero.
///
/// ```
/// use kubepatch::numbers::format_json;
/// assert_eq!(format_json(1.0).as_str(), "1");
/// assert_eq!(format_json(1e3).as_str(), "1000");
/// assert_eq!(format_json(-0.0).as_str(), "-0");
/// assert_eq!(format_json(1e20).as_str(), "100000000000000000000");
/// assert_eq!(format_json(1e21).as_str(), "1e+21");
/// assert_eq!(format_json(1e-7).as_str(), "1e-7");
/// assert_eq!(format_json(18446744073709551615.0).as_str(), "18446744073709552000");
/// ```
pub fn format_json(f: f64) -> GoFloat {
    format_with(f, |digits, out| {
        let abs = f.abs();
        if (1e-6..1e21).contains(&abs) {
            digits.fixed(out);
        } else {
            // Go writes `e-07` and then drops the zero of a one-digit
            // negative exponent; positive ones here are at least 21.
            digits.exponent(out, if digits.exp < 0 { 1 } else { 2 });
        }
    })
}

/// A float64 as Go's `strconv.FormatFloat(f, 'g', -1, 64)` writes it (also
/// `fmt`'s `%v`, and go-yaml v2's floats): shortest digits, exponent
/// notation when the decimal exponent is below -4 or at least 6, with at least
/// two exponent digits.
///
/// ```
/// use kubepatch::numbers::format_g;
/// assert_eq!(format_g(1e-7).as_str(), "1e-07");
/// assert_eq!(format_g(0.0001).as_str(), "0.0001");
/// assert_eq!(format_g(123456789.125).as_str(), "1.23456789125e+08");
/// assert_eq!(format_g(100000.0).as_str(), "100000");
/// assert_eq!(format_g(1e20).as_str(), "1e+20");
/// ```
pub fn format_g(f: f64) -> GoFloat {
    format_with(f, |digits, out| {
        if digits.exp < -4 || digits.exp >= 6 {
            digits.exponent(out, 2);
        } else {
            digits.fixed(out);
        }
    })
}

/// The float64 Go holds for `n`, if it holds a float: a number that is not
/// an integer, or an integer above `i64::MAX` (which only a `u64` holds; Go
/// decodes such a literal as a float64).
///
/// ```
/// use serde_json::Number;
/// use kubepatch::numbers::go_float;
/// assert_eq!(go_float(&Number::from_f64(1.0).unwrap()), Some(1.0));
/// assert_eq!(go_float(&Number::from(u64::MAX)), Some(18446744073709551615.0));
/// assert_eq!(go_float(&Number::from(7)), None);
/// ```
pub fn go_float(n: &Number) -> Option<f64> {
    if n.is_i64() { None } else { n.as_f64() }
}

/// A `serde_json` formatter that writes numbers as Go's `encoding/json`
/// writes those of a decoded document: floats by [`format_json`], and a
/// `u64` above `i64::MAX` as the float64 Go would hold for it. Everything
/// else is the inner formatter's (compact by default, or
/// `PrettyFormatter::with_indent(b"    ")` as `kubectl -o json` indents).
///
/// ```
/// use kubepatch::numbers::GoFormatter;
/// use serde_json::ser::CompactFormatter;
/// use serde_json::json;
///
/// let doc = json!({"a": 1.0, "b": [1e-7, 2.5, 1e21, -0.0], "c": u64::MAX});
/// let mut out = Vec::new();
/// let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter(CompactFormatter));
/// serde::Serialize::serialize(&doc, &mut ser).unwrap();
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     r#"{"a":1,"b":[1e-7,2.5,1e+21,-0],"c":18446744073709552000}"#
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct GoFormatter<F = CompactFormatter>(pub F);

impl<F: Formatter> Formatter for GoFormatter<F> {
    fn write_null<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.write_null(w)
    }
    fn write_bool<W: ?Sized + io::Write>(&mut self, w: &mut W, v: bool) -> io::Result<()> {
        self.0.write_bool(w, v)
    }
    fn write_i8<W: ?Sized + io::Write>(&mut self, w: &mut W, v: i8) -> io::Result<()> {
        self.0.write_i8(w, v)
    }
    fn write_i16<W: ?Sized + io::Write>(&mut self, w: &mut W, v: i16) -> io::Result<()> {
        self.0.write_i16(w, v)
    }
    fn write_i32<W: ?Sized + io::Write>(&mut self, w: &mut W, v: i32) -> io::Result<()> {
        self.0.write_i32(w, v)
    }
    fn write_i64<W: ?Sized + io::Write>(&mut self, w: &mut W, v: i64) -> io::Result<()> {
        self.0.write_i64(w, v)
    }
    fn write_i128<W: ?Sized + io::Write>(&mut self, w: &mut W, v: i128) -> io::Result<()> {
        self.0.write_i128(w, v)
    }
    fn write_u8<W: ?Sized + io::Write>(&mut self, w: &mut W, v: u8) -> io::Result<()> {
        self.0.write_u8(w, v)
    }
    fn write_u16<W: ?Sized + io::Write>(&mut self, w: &mut W, v: u16) -> io::Result<()> {
        self.0.write_u16(w, v)
    }
    fn write_u32<W: ?Sized + io::Write>(&mut self, w: &mut W, v: u32) -> io::Result<()> {
        self.0.write_u32(w, v)
    }
    fn write_u64<W: ?Sized + io::Write>(&mut self, w: &mut W, v: u64) -> io::Result<()> {
        if i64::try_from(v).is_ok() {
            self.0.write_u64(w, v)
        } else {
            w.write_all(format_json(v as f64).as_str().as_bytes())
        }
    }
    fn write_u128<W: ?Sized + io::Write>(&mut self, w: &mut W, v: u128) -> io::Result<()> {
        self.0.write_u128(w, v)
    }
    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, v: f32) -> io::Result<()> {
        self.0.write_f32(w, v)
    }
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, v: f64) -> io::Result<()> {
        w.write_all(format_json(v).as_str().as_bytes())
    }
    fn write_number_str<W: ?Sized + io::Write>(&mut self, w: &mut W, v: &str) -> io::Result<()> {
        self.0.write_number_str(w, v)
    }
    fn begin_string<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_string(w)
    }
    fn end_string<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_string(w)
    }
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        self.0.write_string_fragment(w, fragment)
    }
    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        self.0.write_char_escape(w, escape)
    }
    fn write_byte_array<W: ?Sized + io::Write>(&mut self, w: &mut W, v: &[u8]) -> io::Result<()> {
        self.0.write_byte_array(w, v)
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
    fn write_raw_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        self.0.write_raw_fragment(w, fragment)
    }
}

/// `value` as compact JSON with Go's numbers ([`GoFormatter`]).
///
/// ```
/// let doc = serde_json::json!({"replicas": 3.0, "ratio": 0.5});
/// assert_eq!(kubepatch::numbers::to_json(&doc), r#"{"ratio":0.5,"replicas":3}"#);
/// ```
pub fn to_json(value: &Value) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter(CompactFormatter));
    // Writing a Value to a Vec cannot fail (its keys are strings, its
    // numbers finite), and the formatter writes only ASCII besides the
    // value's own strings.
    let _ = value.serialize(&mut ser);
    String::from_utf8(out).unwrap_or_default()
}

/// How go-yaml v2 writes a number of a document that sigs.k8s.io/yaml turned
/// into JSON text and read back: an integer text that fits an `int64` or a
/// `uint64` as that integer, anything else as a float, by [`format_g`].
enum YamlNumber {
    Int(i64),
    Uint(u64),
    Float(GoFloat),
}

fn yaml_number(n: &Number) -> YamlNumber {
    let Some(f) = go_float(n) else {
        // i64 by go_float's contract.
        return YamlNumber::Int(n.as_i64().unwrap_or_default());
    };
    let json = format_json(f);
    let text = json.as_str();
    let integral = !text.contains(['.', 'e']);
    if integral {
        if let Ok(i) = text.parse::<i64>() {
            return YamlNumber::Int(i);
        }
        if let Ok(u) = text.parse::<u64>() {
            return YamlNumber::Uint(u);
        }
    }
    YamlNumber::Float(format_g(f))
}

/// A number as `kubectl -o yaml` writes it: an integer (also a float whose
/// JSON text is an integer that fits an `int64` or a `uint64`) as that
/// integer, any other float by [`format_g`].
///
/// ```
/// use serde_json::Number;
/// use kubepatch::numbers::yaml_text;
/// assert_eq!(yaml_text(&Number::from(7)), "7");
/// assert_eq!(yaml_text(&Number::from_f64(1.0).unwrap()), "1");
/// assert_eq!(yaml_text(&Number::from_f64(-0.0).unwrap()), "0");
/// assert_eq!(yaml_text(&Number::from_f64(1e-7).unwrap()), "1e-07");
/// assert_eq!(yaml_text(&Number::from(u64::MAX)), "1.8446744073709552e+19");
/// ```
pub fn yaml_text(n: &Number) -> String {
    match yaml_number(n) {
        YamlNumber::Int(i) => i.to_string(),
        YamlNumber::Uint(u) => u.to_string(),
        YamlNumber::Float(text) => text.as_str().to_string(),
    }
}

/// A document serialized for YAML with go-yaml's numbers: floats are handed
/// over as placeholder strings (a YAML writer quotes a string that reads as
/// a number, and writes floats its own way), replaced in the text afterwards.
struct YamlDoc<'a> {
    value: &'a Value,
    floats: &'a std::cell::RefCell<Vec<GoFloat>>,
    nonce: u64,
}

impl Serialize for YamlDoc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let child = |value| YamlDoc {
            value,
            floats: self.floats,
            nonce: self.nonce,
        };
        match self.value {
            Value::Number(n) => match yaml_number(n) {
                YamlNumber::Int(i) => s.serialize_i64(i),
                YamlNumber::Uint(u) => s.serialize_u64(u),
                YamlNumber::Float(text) => {
                    let mut floats = self.floats.borrow_mut();
                    let placeholder = placeholder(self.nonce, floats.len());
                    floats.push(text);
                    s.serialize_str(&placeholder)
                }
            },
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&child(item))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, &child(v))?;
                }
                m.end()
            }
            other => other.serialize(s),
        }
    }
}

/// The placeholder of float `index`: a plain YAML scalar.
fn placeholder(nonce: u64, index: usize) -> String {
    format!("{}{index}_", placeholder_prefix(nonce))
}

fn placeholder_prefix(nonce: u64) -> String {
    format!("_kpf{nonce:x}_")
}

/// Replace the placeholders in `text` by the floats' texts; `None` if the
/// text holds more placeholder-like strings than floats were written (a
/// string of the document spelled like one: then another nonce is needed).
fn fill_placeholders(text: &str, nonce: u64, floats: &[GoFloat]) -> Option<String> {
    let prefix = placeholder_prefix(nonce);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut found = 0;
    while let Some(at) = rest.find(&prefix) {
        out.push_str(&rest[..at]);
        let after = &rest[at + prefix.len()..];
        let end = after.find('_')?;
        let index: usize = after[..end].parse().ok()?;
        out.push_str(floats.get(index)?.as_str());
        found += 1;
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    (found == floats.len()).then_some(out)
}

/// `value` as YAML, as `kubectl -o yaml` writes numbers (see the module
/// documentation): `1.0` as `1`, `1e-7` as `1e-07`, `123456789.125` as
/// `1.23456789125e+08`, `-0.0` as `0`, `18446744073709551615` as
/// `1.8446744073709552e+19`. The rest is serde-saphyr's block style. An
/// error is the YAML writer's, as a 500.
///
/// ```
/// let doc = serde_json::json!({"a": 1.0, "b": [1e-7, 2.5], "c": "1e-07"});
/// assert_eq!(
///     kubepatch::numbers::to_yaml(&doc).unwrap(),
///     "a: 1\nb:\n- 1e-07\n- 2.5\nc: \"1e-07\"\n"
/// );
/// ```
pub fn to_yaml(value: &Value) -> Result<String, Error> {
    // The nonce changes only when a string of the document holds the
    // placeholder prefix itself: a document of n bytes holds at most n such
    // prefixes, so the loop ends.
    let mut nonce = 0u64;
    loop {
        let floats = std::cell::RefCell::new(Vec::new());
        let doc = YamlDoc {
            value,
            floats: &floats,
            nonce,
        };
        let text = serde_saphyr::to_string(&doc).map_err(|e| Error::Internal {
            message: e.to_string(),
        })?;
        let floats = floats.into_inner();
        if floats.is_empty() {
            return Ok(text);
        }
        if let Some(text) = fill_placeholders(&text, nonce, &floats) {
            return Ok(text);
        }
        nonce += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Every expectation below is what kubectl v1.32 printed for a merge patch
    // `{"x":{"v":<the number>}}` on a ConfigMap-like object, `-o json` (JSON)
    // and `-o yaml` (YAML).
    const CASES: &[(f64, &str, &str)] = &[
        (1e21, "1e+21", "1e+21"),
        (1e20, "100000000000000000000", "1e+20"),
        (1e-6, "0.000001", "1e-06"),
        (1e-7, "1e-7", "1e-07"),
        (0.000001, "0.000001", "1e-06"),
        (123456789.125, "123456789.125", "1.23456789125e+08"),
        (-0.0, "-0", "0"),
        (5e-324, "5e-324", "5e-324"),
        (
            1.7976931348623157e308,
            "1.7976931348623157e+308",
            "1.7976931348623157e+308",
        ),
        (0.0001, "0.0001", "0.0001"),
        (0.00001, "0.00001", "1e-05"),
        (1234567.5, "1234567.5", "1.2345675e+06"),
        (100000.5, "100000.5", "100000.5"),
        (1000000.5, "1000000.5", "1.0000005e+06"),
        (
            0.30000000000000004,
            "0.30000000000000004",
            "0.30000000000000004",
        ),
        (-1.5e-10, "-1.5e-10", "-1.5e-10"),
        (2.5e25, "2.5e+25", "2.5e+25"),
        (1e6, "1000000", "1000000"),
        (1e15, "1000000000000000", "1000000000000000"),
        (1.0, "1", "1"),
        (1000.0, "1000", "1000"),
        (0.0, "0", "0"),
        (
            18446744073709551616.0,
            "18446744073709552000",
            "1.8446744073709552e+19",
        ),
        (
            9223372036854775808.0,
            "9223372036854776000",
            "9223372036854776000",
        ),
        (
            -9223372036854775809.0,
            "-9223372036854776000",
            "-9.223372036854776e+18",
        ),
        (1e23, "1e+23", "1e+23"),
    ];

    #[test]
    fn json_floats_as_go_writes_them() {
        for &(f, json, _) in CASES {
            assert_eq!(format_json(f).as_str(), json, "{f:e}");
        }
    }

    #[test]
    fn yaml_numbers_as_kubectl_writes_them() {
        for &(f, _, yaml) in CASES {
            let doc = json!({"v": f});
            assert_eq!(to_yaml(&doc).unwrap(), format!("v: {yaml}\n"), "{f:e}");
        }
        // Integers stay integers, however large.
        let doc = json!({"a": i64::MIN, "b": i64::MAX, "c": u64::MAX});
        assert_eq!(
            to_yaml(&doc).unwrap(),
            "a: -9223372036854775808\nb: 9223372036854775807\nc: 1.8446744073709552e+19\n"
        );
    }

    #[test]
    fn g_format_like_strconv() {
        // strconv.FormatFloat(f, 'g', -1, 64), as fmt's %v prints floats.
        assert_eq!(format_g(1e6).as_str(), "1e+06");
        assert_eq!(format_g(1.5e-5).as_str(), "1.5e-05");
        assert_eq!(format_g(123456.0).as_str(), "123456");
        assert_eq!(format_g(-0.0).as_str(), "-0");
        assert_eq!(format_g(1e100).as_str(), "1e+100");
    }

    #[test]
    fn formatter_keeps_the_inner_layout() {
        let doc = json!({"a": [1.0, 2], "b": {"c": 1e-7}});
        let mut out = Vec::new();
        let formatter = GoFormatter(serde_json::ser::PrettyFormatter::with_indent(b"    "));
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        doc.serialize(&mut ser).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n    \"a\": [\n        1,\n        2\n    ],\n    \"b\": {\n        \"c\": 1e-7\n    }\n}"
        );
    }

    #[test]
    fn yaml_placeholders_never_meet_the_documents_strings() {
        // Strings spelled like the placeholders stay as they are.
        let doc = json!({"a": "_kpf0_0_", "b": 1.5, "c": ["_kpf0_", "_kpf1_0_"], "d": 1e-7});
        assert_eq!(
            to_yaml(&doc).unwrap(),
            "a: _kpf0_0_\nb: 1.5\nc:\n- _kpf0_\n- _kpf1_0_\nd: 1e-07\n"
        );
    }
}
