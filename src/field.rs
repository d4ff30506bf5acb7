//! Field errors as upstream words them (`k8s.io/apimachinery/pkg/util/validation/field`).
//!
//! A [`FieldError`] is one problem with one field; a list of them becomes a
//! 422 `Invalid` [`Error`] whose message and `details.causes` read exactly as
//! kube-apiserver's `NewInvalid` writes them.
//!
//! ```
//! use kubepatch::field::{invalid, FieldError};
//!
//! let err = invalid("PatchOptions", "meta.k8s.io", "", vec![
//!     FieldError::required("fieldManager", "is required for apply patch"),
//! ]);
//! assert_eq!(
//!     err.to_string(),
//!     r#"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#
//! );
//! ```

use crate::error::{Error, StatusCause, StatusDetails, cause};

/// One field error: the field's path, what kind of problem, and the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The cause type ([`crate::error::cause`]).
    pub kind: &'static str,
    /// The field path (`fieldManager`, `metadata.name`).
    pub field: String,
    /// The body after the field name, e.g. `Required value: is required for apply patch`.
    pub body: String,
}

impl FieldError {
    /// `Required value: <detail>`.
    pub fn required(field: &str, detail: &str) -> Self {
        Self::new(
            cause::FIELD_VALUE_REQUIRED,
            field,
            format!("Required value: {detail}"),
        )
    }

    /// `Forbidden: <detail>`.
    pub fn forbidden(field: &str, detail: &str) -> Self {
        Self::new(
            cause::FIELD_VALUE_FORBIDDEN,
            field,
            format!("Forbidden: {detail}"),
        )
    }

    /// `Too long: may not be more than <max> bytes`.
    pub fn too_long(field: &str, max: usize) -> Self {
        Self::new(
            cause::FIELD_VALUE_TOO_LONG,
            field,
            format!("Too long: may not be more than {max} bytes"),
        )
    }

    /// `Invalid value: "<value>": <detail>` (the value quoted as Go's `%q` quotes it).
    pub fn invalid(field: &str, value: &str, detail: &str) -> Self {
        Self::new(
            cause::FIELD_VALUE_INVALID,
            field,
            format!("Invalid value: {}: {detail}", go_quote(value)),
        )
    }

    /// `Unsupported value: <value>: supported values: "a", "b"`; `value` is
    /// already rendered (a quoted string, or a JSON list).
    pub fn not_supported(field: &str, value: &str, supported: &[&str]) -> Self {
        let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
        Self::new(
            cause::FIELD_VALUE_NOT_SUPPORTED,
            field,
            format!(
                "Unsupported value: {value}: supported values: {}",
                list.join(", ")
            ),
        )
    }

    fn new(kind: &'static str, field: &str, body: String) -> Self {
        FieldError {
            kind,
            field: field.to_string(),
            body,
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.body)
    }
}

/// Upstream's `errors.NewInvalid`: 422 with message
/// `<Kind>.<group> "<name>" is invalid: <errors>` (several errors in `[a, b]`).
pub fn invalid(kind: &str, group: &str, name: &str, errors: Vec<FieldError>) -> Error {
    let qualified = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let message = match rendered.len() {
        0 => format!("{qualified} {} is invalid", go_quote(name)),
        1 => format!("{qualified} {} is invalid: {}", go_quote(name), rendered[0]),
        _ => format!(
            "{qualified} {} is invalid: [{}]",
            go_quote(name),
            rendered.join(", ")
        ),
    };
    let causes = errors
        .into_iter()
        .map(|e| StatusCause {
            reason: e.kind.to_string(),
            message: e.body,
            field: e.field,
        })
        .collect();
    Error::Invalid {
        message,
        details: StatusDetails {
            name: name.to_string(),
            group: group.to_string(),
            kind: kind.to_string(),
            causes,
        },
    }
}

/// Quote a string as Go's `%q` does: double quotes, `\"`, `\\`, `\n`, `\t`,
/// `\r`, `\a`…, `\xNN` for other control bytes below U+0080 and `\uNNNN`/
/// `\UNNNNNNNN` for non-printable characters above it.
///
/// ```
/// assert_eq!(kubepatch::field::go_quote("a\u{1}\"b"), r#""a\x01\"b""#);
/// ```
pub fn go_quote(s: &str) -> String {
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
pub fn is_go_printable(c: char) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("plain"), "\"plain\"");
        assert_eq!(go_quote("tab\there"), "\"tab\\there\"");
        assert_eq!(go_quote("\u{7f}"), "\"\\x7f\"");
        assert_eq!(go_quote("\u{200b}"), "\"\\u200b\"");
        assert_eq!(go_quote("é✓"), "\"é✓\"");
    }

    #[test]
    fn several_errors_are_bracketed() {
        let err = invalid(
            "PatchOptions",
            "meta.k8s.io",
            "",
            vec![
                FieldError::forbidden("force", "may not be specified for non-apply patch"),
                FieldError::too_long("fieldManager", 128),
            ],
        );
        assert_eq!(
            err.to_string(),
            "PatchOptions.meta.k8s.io \"\" is invalid: [force: Forbidden: may not be specified for non-apply patch, fieldManager: Too long: may not be more than 128 bytes]"
        );
        assert_eq!(err.code(), 422);
    }
}
