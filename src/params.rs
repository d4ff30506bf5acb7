//! The query parameters of a PATCH (`fieldManager`, `force`, `dryRun`,
//! `fieldValidation`) and kube-apiserver's checks of them.
//!
//! [`PatchParams`] reads like kube-core's type of the same name:
//!
//! ```
//! use kubepatch::{PatchParams, PatchType};
//!
//! let pp = PatchParams::apply("my-controller").force();
//! assert!(pp.validate(PatchType::Apply).is_ok());
//!
//! let err = PatchParams::default().validate(PatchType::Apply).unwrap_err();
//! assert_eq!(err.code(), 422);
//! assert_eq!(
//!     err.to_string(),
//!     r#"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#
//! );
//! ```

use crate::content_type::PatchType;
use crate::error::Error;
use crate::field::{self, FieldError};
use crate::go;

/// Longest `fieldManager` kube-apiserver accepts, in bytes.
pub const FIELD_MANAGER_MAX_LENGTH: usize = 128;

/// How unknown and duplicate fields in the body are reported (`fieldValidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Report them as warnings (`Warning` headers). The server's default.
    #[default]
    Warn,
    /// Reject the request.
    Strict,
}

/// The options of one PATCH request, as its query string carries them.
///
/// Values are kept as sent so that [`PatchParams::validate`] can reject bad
/// ones with kube-apiserver's messages; the builder methods cover the usual
/// cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchParams {
    /// `fieldManager`: who makes the change. Required for apply.
    pub field_manager: Option<String>,
    /// `force`: present or not matters (`force=false` on a non-apply patch is
    /// still refused), so it is an `Option`.
    pub force: Option<bool>,
    /// `dryRun` values; only `All` is valid. With it nothing is stored, but the
    /// result is computed all the same.
    pub dry_run: Vec<String>,
    /// `fieldValidation` as sent: `Ignore`, `Warn`, `Strict` or empty.
    pub field_validation: Option<String>,
}

impl PatchParams {
    /// Parameters for a server-side apply by `manager`.
    ///
    /// ```
    /// let pp = kubepatch::PatchParams::apply("kubectl");
    /// assert_eq!(pp.field_manager.as_deref(), Some("kubectl"));
    /// ```
    pub fn apply(manager: &str) -> Self {
        PatchParams {
            field_manager: Some(manager.to_string()),
            ..Self::default()
        }
    }

    /// Set `force=true` (apply only: take ownership of conflicting fields).
    ///
    /// ```
    /// assert_eq!(kubepatch::PatchParams::apply("a").force().force, Some(true));
    /// ```
    pub fn force(mut self) -> Self {
        self.force = Some(true);
        self
    }

    /// Set `dryRun=All`.
    ///
    /// ```
    /// assert!(kubepatch::PatchParams::default().dry_run().is_dry_run());
    /// ```
    pub fn dry_run(mut self) -> Self {
        self.dry_run = vec!["All".to_string()];
        self
    }

    /// Set the field manager.
    ///
    /// ```
    /// let pp = kubepatch::PatchParams::default().field_manager("ctrl");
    /// assert_eq!(pp.field_manager.as_deref(), Some("ctrl"));
    /// ```
    pub fn field_manager(mut self, manager: &str) -> Self {
        self.field_manager = Some(manager.to_string());
        self
    }

    /// Set `fieldValidation`.
    ///
    /// ```
    /// use kubepatch::{FieldValidation, PatchParams};
    /// let pp = PatchParams::default().validation(FieldValidation::Strict);
    /// assert_eq!(pp.field_validation(), Ok(FieldValidation::Strict));
    /// ```
    pub fn validation(mut self, v: FieldValidation) -> Self {
        let name = match v {
            FieldValidation::Ignore => "Ignore",
            FieldValidation::Warn => "Warn",
            FieldValidation::Strict => "Strict",
        };
        self.field_validation = Some(name.to_string());
        self
    }

    /// The parameters of a URL query string, as kube-apiserver decodes
    /// `PatchOptions` from it (without the leading `?`).
    ///
    /// The query is split as Go's `url.ParseQuery` splits it: pairs on `&`,
    /// `+` and `%XX` unescaped, pairs with a `;` or a bad escape dropped.
    /// Names are case-sensitive; unknown ones (`pretty`, …) are ignored.
    /// `dryRun` keeps every value; `fieldManager`, `fieldValidation` and
    /// `force` take their first. `force` reads as upstream's
    /// `Convert_Slice_string_To_Pointer_bool`: `0` and `false` (any case)
    /// are false, anything else (`yes`, empty) true.
    ///
    /// Decoding never fails, as upstream's does not for these fields: bad
    /// values are refused by [`validate`](Self::validate) (422), as
    /// kube-apiserver's `ValidatePatchOptions` refuses them.
    ///
    /// ```
    /// use kubepatch::{PatchParams, PatchType};
    ///
    /// let pp = PatchParams::from_query("fieldManager=my%20ctrl&force=true&dryRun=All&pretty=1");
    /// assert_eq!(pp, PatchParams::apply("my ctrl").force().dry_run());
    ///
    /// let pp = PatchParams::from_query("dryRun=Some");
    /// let err = pp.validate(PatchType::Merge).unwrap_err();
    /// assert_eq!(err.code(), 422);
    /// assert_eq!(
    ///     err.to_string(),
    ///     r#"PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All""#
    /// );
    /// ```
    pub fn from_query(query: &str) -> Self {
        let mut params = PatchParams::default();
        for (name, value) in query_pairs(query) {
            match name.as_str() {
                "dryRun" => params.dry_run.push(value),
                "fieldManager" if params.field_manager.is_none() => {
                    params.field_manager = Some(value)
                }
                "fieldValidation" if params.field_validation.is_none() => {
                    params.field_validation = Some(value)
                }
                "force" if params.force.is_none() => {
                    params.force = Some(!(value == "0" || value.eq_ignore_ascii_case("false")))
                }
                _ => {}
            }
        }
        params
    }

    /// Whether `dryRun=All` was given.
    pub fn is_dry_run(&self) -> bool {
        !self.dry_run.is_empty()
    }

    /// Whether conflicts are forced (`force=true`).
    pub fn is_forced(&self) -> bool {
        self.force == Some(true)
    }

    /// The field manager, or `""` when none was given.
    pub fn manager(&self) -> &str {
        self.field_manager.as_deref().unwrap_or("")
    }

    /// The `fieldValidation` directive, `Warn` when absent or empty.
    ///
    /// ```
    /// use kubepatch::{FieldValidation, PatchParams};
    /// assert_eq!(PatchParams::default().field_validation(), Ok(FieldValidation::Warn));
    /// ```
    pub fn field_validation(&self) -> Result<FieldValidation, Error> {
        match self.field_validation.as_deref().unwrap_or("") {
            "" | "Warn" => Ok(FieldValidation::Warn),
            "Ignore" => Ok(FieldValidation::Ignore),
            "Strict" => Ok(FieldValidation::Strict),
            other => Err(options_invalid(vec![unsupported_validation(other)])),
        }
    }

    /// kube-apiserver's `ValidatePatchOptions`: every problem is reported
    /// together as one 422 `Invalid` on `PatchOptions.meta.k8s.io`.
    ///
    /// ```
    /// use kubepatch::{PatchParams, PatchType};
    /// let mut pp = PatchParams::default();
    /// pp.force = Some(false);
    /// let err = pp.validate(PatchType::Merge).unwrap_err();
    /// assert!(err.to_string().ends_with("force: Forbidden: may not be specified for non-apply patch"));
    /// ```
    pub fn validate(&self, patch_type: PatchType) -> Result<(), Error> {
        let mut errors = Vec::new();
        let manager = self.manager();
        if patch_type == PatchType::Apply {
            if manager.is_empty() {
                errors.push(FieldError::required(
                    "fieldManager",
                    "is required for apply patch",
                ));
            }
        } else if self.force.is_some() {
            errors.push(FieldError::forbidden(
                "force",
                "may not be specified for non-apply patch",
            ));
        }
        if manager.len() > FIELD_MANAGER_MAX_LENGTH {
            errors.push(FieldError::too_long(
                "fieldManager",
                FIELD_MANAGER_MAX_LENGTH,
            ));
        }
        for (position, c) in manager.char_indices() {
            if !go::is_go_printable(c) {
                let detail = format!(
                    "invalid character U+{:04X} (at position {position})",
                    c as u32
                );
                errors.push(FieldError::invalid("fieldManager", manager, &detail));
            }
        }
        if self.dry_run.iter().any(|v| v != "All") {
            // Upstream renders the whole list of values, JSON-style.
            let list = serde_json::to_string(&self.dry_run).unwrap_or_default();
            errors.push(FieldError::not_supported("dryRun", &list, &["All"]));
        }
        if let Some(v) = self.field_validation.as_deref()
            && !matches!(v, "" | "Ignore" | "Warn" | "Strict")
        {
            errors.push(unsupported_validation(v));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(options_invalid(errors))
        }
    }
}

/// The pairs of a query string, in order, as Go's `url.ParseQuery` reads
/// them: a pair holding `;` or a bad `%` escape is dropped, empty pairs
/// skipped, a pair without `=` has the empty value. Unescaped bytes that are
/// not UTF-8 are read lossily (Go keeps them as bytes).
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.contains(';'))
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((query_unescape(name)?, query_unescape(value)?))
        })
}

/// Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte; `None` for a `%`
/// not followed by two hex digits.
fn query_unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

fn unsupported_validation(value: &str) -> FieldError {
    FieldError::not_supported(
        "fieldValidation",
        &go::go_quote(value),
        &["", "Ignore", "Strict", "Warn"],
    )
}

fn options_invalid(errors: Vec<FieldError>) -> Error {
    field::invalid("PatchOptions", "meta.k8s.io", "", errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(pp: &PatchParams, t: PatchType) -> String {
        pp.validate(t).unwrap_err().to_string()
    }

    #[test]
    fn upstream_messages() {
        let prefix = "PatchOptions.meta.k8s.io \"\" is invalid: ";
        let pp = PatchParams {
            force: Some(false),
            ..PatchParams::default()
        };
        assert_eq!(
            message(&pp, PatchType::Json),
            format!("{prefix}force: Forbidden: may not be specified for non-apply patch")
        );
        let pp = PatchParams::apply(&"m".repeat(129));
        assert_eq!(
            message(&pp, PatchType::Apply),
            format!("{prefix}fieldManager: Too long: may not be more than 128 bytes")
        );
        let pp = PatchParams::apply("ab\u{1}");
        assert_eq!(
            message(&pp, PatchType::Apply),
            format!(
                "{prefix}fieldManager: Invalid value: \"ab\\x01\": invalid character U+0001 (at position 2)"
            )
        );
        let pp = PatchParams {
            dry_run: vec!["foo".into()],
            ..PatchParams::default()
        };
        assert_eq!(
            message(&pp, PatchType::Merge),
            format!("{prefix}dryRun: Unsupported value: [\"foo\"]: supported values: \"All\"")
        );
        let pp = PatchParams {
            field_validation: Some("x".into()),
            ..PatchParams::default()
        };
        assert_eq!(
            message(&pp, PatchType::Merge),
            format!(
                "{prefix}fieldValidation: Unsupported value: \"x\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\""
            )
        );
    }

    #[test]
    fn all_problems_reported_together() {
        let pp = PatchParams {
            dry_run: vec!["x".into()],
            ..PatchParams::default()
        };
        let err = pp.validate(PatchType::Apply).unwrap_err();
        let status = err.to_status();
        let details = status.details.unwrap();
        assert_eq!(details.kind, "PatchOptions");
        assert_eq!(details.group, "meta.k8s.io");
        assert_eq!(details.causes.len(), 2);
        assert_eq!(details.causes[0].reason, "FieldValueRequired");
        assert_eq!(details.causes[0].field, "fieldManager");
        assert!(status.message.contains(": [fieldManager: Required value"));
    }

    #[test]
    fn query_strings_decode_as_upstream() {
        // Expected values follow Go's url.ParseQuery / QueryUnescape and the
        // generated Convert_url_Values_To_v1_PatchOptions (first value of a
        // scalar, every value of dryRun, exact case-sensitive names).
        let pp = PatchParams::from_query(
            "fieldManager=a+b%2Fc&fieldManager=second&dryRun=All&dryRun=&FORCE=true&fieldValidation=Strict&x=%zz",
        );
        assert_eq!(pp.field_manager.as_deref(), Some("a b/c"));
        assert_eq!(pp.dry_run, ["All", ""]);
        assert_eq!(pp.force, None);
        assert_eq!(pp.field_validation(), Ok(FieldValidation::Strict));
        // Convert_Slice_string_To_Pointer_bool: only "0" and "false" (any
        // case) are false; an empty value or "yes" is true.
        for (query, force) in [
            ("force=false", false),
            ("force=FaLsE", false),
            ("force=0", false),
            ("force=", true),
            ("force", true),
            ("force=yes", true),
            ("force=1&force=false", true),
        ] {
            assert_eq!(PatchParams::from_query(query).force, Some(force), "{query}");
        }
        // A pair with a semicolon or a bad escape is dropped whole.
        assert_eq!(
            PatchParams::from_query("fieldManager=a;b"),
            PatchParams::default()
        );
        assert_eq!(
            PatchParams::from_query("fieldManager=%4"),
            PatchParams::default()
        );
        assert_eq!(
            PatchParams::from_query("&&fieldManager=%41&"),
            PatchParams::apply("A")
        );
        // An empty dryRun value is kept, and refused as upstream refuses it.
        let err = PatchParams::from_query("dryRun=")
            .validate(PatchType::Merge)
            .unwrap_err();
        assert_eq!(err.code(), 422);
        assert!(
            err.to_string()
                .ends_with(r#"dryRun: Unsupported value: [""]: supported values: "All""#)
        );
    }

    #[test]
    fn good_options_pass() {
        assert!(
            PatchParams::apply("kubectl")
                .force()
                .dry_run()
                .validate(PatchType::Apply)
                .is_ok()
        );
        assert!(PatchParams::default().validate(PatchType::Json).is_ok());
        assert!(
            PatchParams::default()
                .field_manager("x")
                .validate(PatchType::Strategic)
                .is_ok()
        );
    }
}
