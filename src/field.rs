//! Field errors as upstream words them (`k8s.io/apimachinery/pkg/util/validation/field`).
//!
//! A [`FieldError`] is one problem with one field; a list of them becomes a
//! 422 `Invalid` [`Error`] whose message and `details.causes` read exactly as
//! kube-apiserver's `NewInvalid` writes them.

use crate::error::{Error, StatusCause, StatusDetails, cause};
use crate::go;

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
    /// `Required value[: <detail>]` (an empty detail adds nothing, as upstream's
    /// `ErrorBody` writes it).
    ///
    /// ```
    /// use kubepatch::field::FieldError;
    /// assert_eq!(FieldError::required("subsets[0].addresses[0].ip", "").to_string(),
    ///            "subsets[0].addresses[0].ip: Required value");
    /// ```
    pub fn required(field: &str, detail: &str) -> Self {
        Self::new(cause::FIELD_VALUE_REQUIRED, field, "Required value", detail)
    }

    /// `Forbidden: <detail>`.
    ///
    /// ```
    /// use kubepatch::field::FieldError;
    /// let e = FieldError::forbidden("force", "may not be specified for non-apply patch");
    /// assert_eq!(e.to_string(), "force: Forbidden: may not be specified for non-apply patch");
    /// ```
    pub fn forbidden(field: &str, detail: &str) -> Self {
        Self::new(cause::FIELD_VALUE_FORBIDDEN, field, "Forbidden", detail)
    }

    /// `Too long: may not be more than <max> bytes`.
    ///
    /// ```
    /// use kubepatch::field::FieldError;
    /// assert_eq!(FieldError::too_long("fieldManager", 128).body,
    ///            "Too long: may not be more than 128 bytes");
    /// ```
    pub fn too_long(field: &str, max: usize) -> Self {
        Self::new(
            cause::FIELD_VALUE_TOO_LONG,
            field,
            "Too long",
            &format!("may not be more than {max} bytes"),
        )
    }

    /// `Invalid value: "<value>": <detail>`, for a string value (quoted as
    /// Go's `%q` quotes it).
    ///
    /// ```
    /// use kubepatch::field::FieldError;
    /// let e = FieldError::invalid("metadata.uid", "x", "field is immutable");
    /// assert_eq!(e.to_string(), r#"metadata.uid: Invalid value: "x": field is immutable"#);
    /// ```
    pub fn invalid(field: &str, value: &str, detail: &str) -> Self {
        Self::invalid_value(field, &go::go_quote(value), detail)
    }

    /// `Invalid value: <value>: <detail>`, the value already rendered as
    /// upstream prints it (`0` for a number, `"x"` for a string).
    ///
    /// ```
    /// use kubepatch::field::FieldError;
    /// let e = FieldError::invalid_value("subsets[0].ports[0].port", "0", "must be between 1 and 65535, inclusive");
    /// assert_eq!(e.body, "Invalid value: 0: must be between 1 and 65535, inclusive");
    /// ```
    pub fn invalid_value(field: &str, value: &str, detail: &str) -> Self {
        Self::new(
            cause::FIELD_VALUE_INVALID,
            field,
            &format!("Invalid value: {value}"),
            detail,
        )
    }

    /// `Duplicate value: <value>`, the value already rendered.
    ///
    /// ```
    /// use kubepatch::field::FieldError;
    /// assert_eq!(FieldError::duplicate("subsets[0].ports[1].name", "\"http\"").to_string(),
    ///            r#"subsets[0].ports[1].name: Duplicate value: "http""#);
    /// ```
    pub fn duplicate(field: &str, value: &str) -> Self {
        Self::new(
            cause::FIELD_VALUE_DUPLICATE,
            field,
            &format!("Duplicate value: {value}"),
            "",
        )
    }

    /// `Unsupported value: <value>: supported values: "a", "b"`; `value` is
    /// already rendered (a quoted string, or a JSON list).
    ///
    /// ```
    /// use kubepatch::field::FieldError;
    /// let e = FieldError::not_supported("protocol", "\"ICMP\"", &["SCTP", "TCP", "UDP"]);
    /// assert_eq!(e.body, r#"Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP""#);
    /// ```
    pub fn not_supported(field: &str, value: &str, supported: &[&str]) -> Self {
        let list: Vec<String> = supported.iter().map(|s| go::go_quote(s)).collect();
        Self::new(
            cause::FIELD_VALUE_NOT_SUPPORTED,
            field,
            &format!("Unsupported value: {value}"),
            &format!("supported values: {}", list.join(", ")),
        )
    }

    fn new(kind: &'static str, field: &str, head: &str, detail: &str) -> Self {
        let body = if detail.is_empty() {
            head.to_string()
        } else {
            format!("{head}: {detail}")
        };
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
/// `<Kind>.<group> "<name>" is invalid: <errors>` (several errors in `[a, b]`),
/// one `details.causes` entry per error.
///
/// ```
/// use kubepatch::field::{FieldError, invalid};
///
/// let err = invalid("Endpoints", "", "web", vec![FieldError::required("subsets[0].ports[0].port", "")]);
/// assert_eq!(err.code(), 422);
/// assert_eq!(err.to_string(), r#"Endpoints "web" is invalid: subsets[0].ports[0].port: Required value"#);
/// ```
pub fn invalid(kind: &str, group: &str, name: &str, errors: Vec<FieldError>) -> Error {
    let qualified = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let message = match rendered.len() {
        0 => format!("{qualified} {} is invalid", go::go_quote(name)),
        1 => format!(
            "{qualified} {} is invalid: {}",
            go::go_quote(name),
            rendered[0]
        ),
        _ => format!(
            "{qualified} {} is invalid: [{}]",
            go::go_quote(name),
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

#[cfg(test)]
mod tests {
    use super::*;

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

/// The examples that documented this module, as unit tests.
#[cfg(test)]
mod examples {
    #[test]
    fn example_1() {
        use crate::field::{FieldError, invalid};

        let err = invalid(
            "PatchOptions",
            "meta.k8s.io",
            "",
            vec![FieldError::required(
                "fieldManager",
                "is required for apply patch",
            )],
        );
        assert_eq!(
            err.to_string(),
            r#"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#
        );
    }
}
