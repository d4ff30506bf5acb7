//! The `Content-Type` of a PATCH and the four patch types it selects.
//!
//! ```
//! use kubepatch::PatchType;
//!
//! assert_eq!(
//!     PatchType::from_content_type(" Application/Merge-Patch+JSON; charset=utf-8 ").unwrap(),
//!     PatchType::Merge
//! );
//! let err = PatchType::from_content_type("text/plain").unwrap_err();
//! assert_eq!(err.code(), 415);
//! ```

use crate::error::Error;

/// The strategy a PATCH uses, chosen by its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchType {
    /// `application/json-patch+json`: RFC 6902 JSON Patch.
    Json,
    /// `application/merge-patch+json`: RFC 7386/7396 JSON Merge Patch.
    Merge,
    /// `application/strategic-merge-patch+json`: Kubernetes strategic merge patch.
    Strategic,
    /// `application/apply-patch+yaml`: server-side apply.
    Apply,
}

/// `application/json-patch+json`
pub const JSON_PATCH: &str = "application/json-patch+json";
/// `application/merge-patch+json`
pub const MERGE_PATCH: &str = "application/merge-patch+json";
/// `application/strategic-merge-patch+json`
pub const STRATEGIC_MERGE_PATCH: &str = "application/strategic-merge-patch+json";
/// `application/apply-patch+yaml`
pub const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// The media types a built-in kind accepts, in kube-apiserver's order.
pub const ACCEPTED: [&str; 4] = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];

impl PatchType {
    /// Every patch type, in kube-apiserver's order.
    pub const ALL: [PatchType; 4] = [
        PatchType::Json,
        PatchType::Merge,
        PatchType::Strategic,
        PatchType::Apply,
    ];

    /// Parse a `Content-Type` header value as a media type and pick the patch
    /// type. Type and subtype compare case-insensitively, parameters
    /// (`; charset=utf-8`) are accepted and ignored, surrounding white space is
    /// tolerated. Anything else, or an empty header, is a 415 whose message
    /// lists the accepted types as kube-apiserver words it.
    ///
    /// ```
    /// use kubepatch::PatchType;
    /// assert_eq!(PatchType::from_content_type("application/apply-patch+yaml").unwrap(), PatchType::Apply);
    /// assert!(PatchType::from_content_type("application/json").is_err());
    /// ```
    pub fn from_content_type(header: &str) -> Result<PatchType, Error> {
        Self::from_content_type_among(header, &Self::ALL)
    }

    /// As [`PatchType::from_content_type`], for an endpoint that accepts only
    /// `accepted` (custom resources do not offer strategic merge patch).
    ///
    /// ```
    /// use kubepatch::PatchType;
    /// let crd = [PatchType::Json, PatchType::Merge, PatchType::Apply];
    /// let err = PatchType::from_content_type_among("application/strategic-merge-patch+json", &crd).unwrap_err();
    /// assert_eq!(err.to_string(), "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
    /// ```
    pub fn from_content_type_among(
        header: &str,
        accepted: &[PatchType],
    ) -> Result<PatchType, Error> {
        let essence = header.split(';').next().unwrap_or("").trim();
        let found = Self::ALL
            .into_iter()
            .find(|t| t.content_type().eq_ignore_ascii_case(essence))
            .filter(|t| accepted.contains(t));
        found.ok_or_else(|| Error::UnsupportedMediaType {
            content_type: header.to_string(),
            accepted: accepted.iter().map(|t| t.content_type()).collect(),
        })
    }

    /// The canonical media type.
    ///
    /// ```
    /// assert_eq!(kubepatch::PatchType::Strategic.content_type(), "application/strategic-merge-patch+json");
    /// ```
    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => JSON_PATCH,
            PatchType::Merge => MERGE_PATCH,
            PatchType::Strategic => STRATEGIC_MERGE_PATCH,
            PatchType::Apply => APPLY_PATCH,
        }
    }

    /// The name `kubectl patch --type` uses (`json`, `merge`, `strategic`), and
    /// `apply` for server-side apply.
    ///
    /// ```
    /// assert_eq!(kubepatch::PatchType::from_name("merge"), Some(kubepatch::PatchType::Merge));
    /// ```
    pub fn from_name(name: &str) -> Option<PatchType> {
        match name {
            "json" => Some(PatchType::Json),
            "merge" => Some(PatchType::Merge),
            "strategic" => Some(PatchType::Strategic),
            "apply" => Some(PatchType::Apply),
            _ => None,
        }
    }
}

impl std::fmt::Display for PatchType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.content_type())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_media_types() {
        assert_eq!(
            PatchType::from_content_type(JSON_PATCH).unwrap(),
            PatchType::Json
        );
        assert_eq!(
            PatchType::from_content_type("APPLICATION/STRATEGIC-MERGE-PATCH+JSON;charset=UTF-8")
                .unwrap(),
            PatchType::Strategic
        );
        assert_eq!(
            PatchType::from_content_type("\tapplication/json-patch+json ").unwrap(),
            PatchType::Json
        );
    }

    #[test]
    fn rejects_others_with_415() {
        for bad in [
            "",
            "text/plain",
            "application/json",
            "application/json-patch+json+x",
            "application/*",
        ] {
            let err = PatchType::from_content_type(bad).unwrap_err();
            assert_eq!(err.code(), 415, "{bad}");
            assert_eq!(
                err.to_string(),
                "the body of the request was in an unknown format - accepted media types include: \
                 application/json-patch+json, application/merge-patch+json, \
                 application/strategic-merge-patch+json, application/apply-patch+yaml"
            );
        }
    }
}
