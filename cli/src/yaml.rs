//! `-o yaml`: a JSON value written as `kubectl -o yaml` writes it.
//!
//! kubectl prints YAML with sigs.k8s.io/yaml, which hands the object to
//! go-yaml v2's emitter (a port of libyaml's). This module follows that
//! emitter for the values a JSON document holds: block mappings (keys in
//! go-yaml's order, where digit runs compare as numbers and other characters
//! sort before letters: `a9` before `a10`, `_x` before `Ax`) and block sequences not
//! indented under their key, `{}` and `[]` for empty ones, and each string in
//! the style go-yaml picks for it:
//!
//! - plain where a plain scalar reads back as the same string: `10.0.0.1`,
//!   `nginx:1.25`, `a:b`, `oN`;
//! - double-quoted where a plain scalar would read as something else (YAML
//!   1.1's `yes`/`no`/`on`/`off`/`y`/`n`, `true`, `null`, `~`, the empty
//!   string, numbers in Go's syntaxes, base-60 numbers like `12:30`,
//!   timestamps like `2024-01-01`), or where it holds characters a YAML
//!   scalar cannot show (a tab, `\r`, characters outside the printable
//!   range, which are escaped);
//! - single-quoted where only YAML's indicators are in the way (`'a: b'`,
//!   `'- x'`, `'#c'`, `' lead'`, `'*alias'`);
//! - literal (`|`, `|-`, `|+`) for a string with line breaks, unless it has a
//!   space before a break, a trailing space or special characters (then
//!   double-quoted);
//! - long scalars folded at spaces past column 80, as go-yaml folds them;
//! - keys longer than 128 bytes or with line breaks written as `? key`.
//!
//! Numbers keep the text the CLI printed before (see [`number`]).

use serde_json::Value;

/// go-yaml's `best_width`: scalars fold at a space past this column.
const BEST_WIDTH: usize = 80;
/// go-yaml's `best_indent`.
const BEST_INDENT: isize = 2;
/// Longest key (in bytes) written as a simple `key: value`.
const MAX_SIMPLE_KEY: usize = 128;

/// `value` as YAML, one document, ending in a newline.
pub fn to_string(value: &Value) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
    };
    e.node(value, Context::Root);
    if e.column != 0 {
        e.put_break();
    }
    e.out
}

/// A number as `kubectl -o yaml` writes it (go-yaml v2 reading back Go's
/// JSON text: integers as integers, floats as Go's `%g`).
fn number(n: &serde_json::Number) -> String {
    kubepatch::numbers::yaml_text(n)
}

#[derive(Copy, Clone, PartialEq)]
enum Context {
    Root,
    /// A mapping's value.
    Value,
    /// A sequence's item.
    Item,
    /// A mapping's key, written as `key:`.
    SimpleKey,
    /// A mapping's key, written after `? `.
    ComplexKey,
}

/// The scalar styles go-yaml chooses among.
#[derive(Copy, Clone, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Emitter {
    out: String,
    /// Characters on the current line.
    column: usize,
    indent: isize,
    indents: Vec<isize>,
    /// The last character written is whitespace (or nothing was written).
    whitespace: bool,
    /// Only indentation has been written on this line.
    indention: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        // Every pop follows its own push in the same function.
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, value: &Value, context: Context) {
        match value {
            Value::Object(map) if map.is_empty() => self.empty("{", "}"),
            Value::Array(items) if items.is_empty() => self.empty("[", "]"),
            Value::Object(map) => {
                self.increase_indent(false, false);
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                merge_sort(&mut entries, |a, b| key_less(a.0, b.0));
                for (key, value) in entries {
                    self.write_indent();
                    let analysis = Analysis::of(key);
                    if key.len() <= MAX_SIMPLE_KEY && !analysis.multiline {
                        self.string(key, Context::SimpleKey);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.string(key, Context::ComplexKey);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(value, Context::Value);
                }
                self.pop_indent();
            }
            Value::Array(items) => {
                let mapping_context = matches!(context, Context::Value);
                self.increase_indent(false, mapping_context && !self.indention);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::Item);
                }
                self.pop_indent();
            }
            Value::Null => self.plain_token("null"),
            Value::Bool(b) => self.plain_token(if *b { "true" } else { "false" }),
            Value::Number(n) => self.plain_token(&number(n)),
            Value::String(s) => self.string(s, context),
        }
    }

    /// An empty mapping or sequence, in flow style.
    fn empty(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    /// A scalar that is not a string: written plain, never folded.
    fn plain_token(&mut self, text: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        for c in text.chars() {
            self.put(c);
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn string(&mut self, s: &str, context: Context) {
        let simple_key = context == Context::SimpleKey;
        let analysis = Analysis::of(s);
        let requested = if s.contains('\n') {
            Style::Literal
        } else if resolves_to_string(s) && !is_base60_float(s) {
            Style::Plain
        } else {
            Style::Double
        };
        let style = analysis.select(requested, simple_key);
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(s, allow_breaks),
            Style::Single => self.write_single_quoted(s, allow_breaks),
            Style::Double => self.write_double_quoted(s, allow_breaks),
            Style::Literal => self.write_literal(s),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, s: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < chars.len() - 1
                    && chars[i + 1] != ' '
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // go-yaml's BOM test looks at the start of the string, not at the
        // character: a string that starts with a BOM is escaped throughout.
        let bom = s.starts_with('\u{feff}');
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let hex = if v <= 0xFF {
                            format!("x{v:02X}")
                        } else if v <= 0xFFFF {
                            format!("u{v:04X}")
                        } else {
                            format!("U{v:08X}")
                        };
                        for h in hex.chars() {
                            self.put(h);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, s: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: an indentation indicator when the text starts
        // with a space or a break, and the chomping indicator.
        let first = s.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let mut rev = s.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break(before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in s.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }
}

/// go-yaml's `is_break`.
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// go-yaml's `is_printable` (tab, `\r`, other controls, C1 controls,
/// surrogates' range, the BOM, U+FFFE/U+FFFF and everything past the BMP
/// are not printable).
fn is_printable(c: char) -> bool {
    matches!(c as u32,
        0x0A
        | 0x20..=0x7E
        | 0xA0..=0xD7FF
        | 0xE000..=0xFFFD)
        && c != '\u{feff}'
}

/// What go-yaml's `yaml_emitter_analyze_scalar` finds in a string.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

impl Analysis {
    fn of(s: &str) -> Analysis {
        if s.is_empty() {
            return Analysis {
                multiline: false,
                block_plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        let mut block_indicators = s.starts_with("---") || s.starts_with("...");
        let (mut line_breaks, mut special) = (false, false);
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;
        let chars: Vec<char> = s.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let last = i + 1 == chars.len();
            let followed_by_whitespace = last || matches!(chars[i + 1], ' ' | '\t');
            if i == 0 {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => block_indicators = true,
                    '?' | ':' if followed_by_whitespace => block_indicators = true,
                    '-' if followed_by_whitespace => block_indicators = true,
                    _ => {}
                }
            } else {
                match c {
                    ':' if followed_by_whitespace => block_indicators = true,
                    '#' if preceded_by_whitespace => block_indicators = true,
                    _ => {}
                }
            }
            if !is_printable(c) {
                special = true;
            }
            if c == ' ' {
                leading_space |= i == 0;
                trailing_space |= last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                line_breaks = true;
                leading_break |= i == 0;
                trailing_break |= last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = matches!(c, ' ' | '\t' | '\0') || is_break(c);
        }
        let mut a = Analysis {
            multiline: line_breaks,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
        if leading_space || leading_break || trailing_space || trailing_break {
            a.block_plain_allowed = false;
        }
        if trailing_space {
            a.block_allowed = false;
        }
        if break_space {
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
        }
        if space_break || special {
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
            a.block_allowed = false;
        }
        if line_breaks || block_indicators {
            a.block_plain_allowed = false;
        }
        a
    }

    /// go-yaml's `yaml_emitter_select_scalar_style`, in block context.
    fn select(&self, requested: Style, simple_key: bool) -> Style {
        let mut style = requested;
        if simple_key && self.multiline {
            style = Style::Double;
        }
        // (go-yaml also single-quotes an empty plain key; the empty string
        // never asks for plain: it reads as null.)
        if style == Style::Plain && !self.block_plain_allowed {
            style = Style::Single;
        }
        if style == Style::Single && !self.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!self.block_allowed || simple_key) {
            style = Style::Double;
        }
        style
    }
}

/// Whether go-yaml v2 reads `s`, written plain, as a string (its `resolve`).
fn resolves_to_string(s: &str) -> bool {
    const TOKENS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null",
        "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    let Some(&first) = s.as_bytes().first() else {
        return false; // the empty string is null
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            !TOKENS.contains(&s)
        }
        b'.' => !TOKENS.contains(&s) && !go_float(s),
        b'+' | b'-' | b'0'..=b'9' => {
            if TOKENS.contains(&s) || is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            if go_int_base0(&plain) || (yaml_style_float(&plain) && go_float(&plain)) {
                return false;
            }
            true
        }
        _ => true,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds.
fn go_int_base0(s: &str) -> bool {
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() {
        return false;
    }
    let mut value: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else {
            return false;
        };
        match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => return false,
        }
    }
    if negative {
        value <= 1 << 63
    } else {
        // ParseUint takes what ParseInt does not (no sign).
        true
    }
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && fraction.bytes().all(|b| b.is_ascii_digit()),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Go's `strconv.ParseFloat(s, 64)` succeeds, for the decimal spellings that
/// reach it here (a finite result; an overflow is an error in Go).
fn go_float(s: &str) -> bool {
    // Only decimal spellings get here: a leading '.' or the yamlStyleFloat shape.
    let decimal = {
        let t = s.strip_prefix(['+', '-']).unwrap_or(s);
        let (m, e) = match t.find(['e', 'E']) {
            Some(at) => (&t[..at], Some(&t[at + 1..])),
            None => (t, None),
        };
        let m_ok = !m.is_empty()
            && m != "."
            && m.bytes().filter(|&b| b == b'.').count() <= 1
            && m.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let e_ok = e.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
        });
        m_ok && e_ok
    };
    decimal && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (integer, fraction) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if fraction.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_digit() || b == b'_')) {
        return false;
    }
    let mut parts = integer.split(':');
    let head = parts.next().unwrap_or("");
    let head_ok = head.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && head.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let mut sexagesimal = 0;
    for part in parts {
        let ok = match part.as_bytes() {
            [d] => d.is_ascii_digit(),
            [t, d] => (b'0'..=b'5').contains(t) && d.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
        sexagesimal += 1;
    }
    head_ok && sexagesimal > 0
}

/// go-yaml v2's `parseTimestamp`: `time.Parse` with the layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also with a lower-case `t`),
/// `2006-1-2 15:4:5.999999999` and `2006-1-2`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: u32 = s[..4].parse().unwrap_or(0);
    let mut rest = &s[5..];
    let Some(month) = take_number(&mut rest, 1, 12) else {
        return false;
    };
    if !eat(&mut rest, '-') {
        return false;
    }
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let Some(_day) = take_number(&mut rest, 1, days) else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let zoned = match rest.as_bytes()[0] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return false,
    };
    rest = &rest[1..];
    let time = take_number(&mut rest, 0, 23).is_some()
        && eat(&mut rest, ':')
        && take_number(&mut rest, 0, 59).is_some()
        && eat(&mut rest, ':')
        && take_number(&mut rest, 0, 59).is_some();
    if !time {
        return false;
    }
    // An optional fraction of a second.
    if let Some(after) = rest.strip_prefix(['.', ',']) {
        let n = after.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &after[n..];
    }
    if !zoned {
        return rest.is_empty();
    }
    if rest == "Z" {
        return true;
    }
    let z = rest.as_bytes();
    z.len() == 6
        && matches!(z[0], b'+' | b'-')
        && z[1..3].iter().all(u8::is_ascii_digit)
        && z[3] == b':'
        && z[4..6].iter().all(u8::is_ascii_digit)
}

/// One or two digits in `min..=max`, taken from the front of `rest`.
fn take_number(rest: &mut &str, min: u32, max: u32) -> Option<u32> {
    let n = rest.bytes().take(2).take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let value: u32 = rest[..n].parse().ok()?;
    *rest = &rest[n..];
    (min..=max).contains(&value).then_some(value)
}

fn eat(rest: &mut &str, c: char) -> bool {
    match rest.strip_prefix(c) {
        Some(after) => {
            *rest = after;
            true
        }
        None => false,
    }
}

/// go-yaml v2's order of string keys (`keyList.Less`): rune by rune; two
/// letters compare as runes; a non-letter sorts before a letter; otherwise
/// the digit runs starting there compare as numbers (then by length, then
/// by rune).
fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let digit = |c: char| c.is_ascii_digit();
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            for j in (0..i).rev() {
                if !digit(ar[j]) {
                    break;
                }
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && digit(ar[ai]) {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && digit(br[bi]) {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// A stable merge sort by `less`. `less` need not be a total order (go-yaml's
/// is not, for some keys); this sort then gives some order, never a panic.
fn merge_sort<T: Copy>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = items.len();
    let mut buffer: Vec<T> = items.to_vec();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                if less(&items[j], &items[i]) {
                    buffer[k] = items[j];
                    j += 1;
                } else {
                    buffer[k] = items[i];
                    i += 1;
                }
                k += 1;
            }
            buffer[k..k + (mid - i)].copy_from_slice(&items[i..mid]);
            k += mid - i;
            buffer[k..k + (end - j)].copy_from_slice(&items[j..end]);
            start = end;
        }
        items.copy_from_slice(&buffer);
        width *= 2;
    }
}
