//! The one error type and its Kubernetes rendering.
//!
//! Every failure of a PATCH is an [`Error`]. Each variant knows its HTTP
//! status ([`Error::code`]), its `metav1.Status` reason ([`Error::reason`]) and
//! renders to a `metav1.Status` object ([`Error::to_status`]) shaped exactly as
//! kube-apiserver writes one:
//!
//! ```
//! use kubepatch::Error;
//!
//! let err = Error::NotFound { resource: "endpoints".into(), name: "web".into() };
//! assert_eq!(err.code(), 404);
//! let status = err.to_status();
//! assert_eq!(status.reason, "NotFound");
//! assert_eq!(status.message, r#"endpoints "web" not found"#);
//! assert_eq!(
//!     serde_json::to_value(&status).unwrap()["details"],
//!     serde_json::json!({"name": "web", "kind": "endpoints"})
//! );
//! ```

use serde::{Deserialize, Serialize};

/// The `reason` strings of `metav1.Status` that kubepatch produces.
///
/// They are the values of upstream's `metav1.StatusReason` constants.
pub mod reason {
    /// 400: the request itself is malformed.
    pub const BAD_REQUEST: &str = "BadRequest";
    /// 404: the object does not exist.
    pub const NOT_FOUND: &str = "NotFound";
    /// 409: a write conflict (apply conflicts, stale resourceVersion, uid mismatch).
    pub const CONFLICT: &str = "Conflict";
    /// 413: the body or the patch is too large.
    pub const REQUEST_ENTITY_TOO_LARGE: &str = "RequestEntityTooLarge";
    /// 415: the Content-Type is not a patch type.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "UnsupportedMediaType";
    /// 422: the request is well-formed but cannot be carried out.
    pub const INVALID: &str = "Invalid";
    /// 500: an internal failure (kubepatch answers a caught panic with it).
    pub const INTERNAL_ERROR: &str = "InternalError";
}

/// The `reason` of one `details.causes` entry (upstream `metav1.CauseType`).
pub mod cause {
    /// A required value is missing.
    pub const FIELD_VALUE_REQUIRED: &str = "FieldValueRequired";
    /// A value is not valid.
    pub const FIELD_VALUE_INVALID: &str = "FieldValueInvalid";
    /// A value is longer than allowed.
    pub const FIELD_VALUE_TOO_LONG: &str = "FieldValueTooLong";
    /// A value is not one of the supported ones.
    pub const FIELD_VALUE_NOT_SUPPORTED: &str = "FieldValueNotSupported";
    /// A value may not be given here.
    pub const FIELD_VALUE_FORBIDDEN: &str = "FieldValueForbidden";
    /// A value repeats one that must be unique.
    pub const FIELD_VALUE_DUPLICATE: &str = "FieldValueDuplicate";
    /// A field is owned by another field manager (server-side apply).
    pub const FIELD_MANAGER_CONFLICT: &str = "FieldManagerConflict";
}

/// A `metav1.Status` object, as kube-apiserver sends it with an error.
///
/// ```
/// use kubepatch::Status;
///
/// let status = Status::failure(400, "BadRequest", "invalid JSON patch");
/// let json = serde_json::to_string(&status).unwrap();
/// assert_eq!(
///     json,
///     r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"invalid JSON patch","reason":"BadRequest","code":400}"#
/// );
/// ```
///
/// It also deserializes, so a client reads back what a server sent; `kind`,
/// `apiVersion` and `status` must then be `Status`, `v1` and `Failure` or
/// `Success`:
///
/// ```
/// use kubepatch::Status;
///
/// let sent = Status::failure(404, "NotFound", r#"endpoints "web" not found"#);
/// let body = serde_json::to_vec(&sent).unwrap();
/// let read: Status = serde_json::from_slice(&body).unwrap();
/// assert_eq!(read, sent);
/// assert!(serde_json::from_str::<Status>(r#"{"kind":"Pod","apiVersion":"v1"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Always `Status`.
    pub kind: &'static str,
    /// Always `v1`.
    pub api_version: &'static str,
    /// Always empty (`{}`).
    pub metadata: StatusMetadata,
    /// Always `Failure` for an error.
    pub status: &'static str,
    /// The human-readable description, upstream's wording where upstream has one.
    pub message: String,
    /// The machine-readable reason (one of [`reason`]); empty for upstream's plain 500s.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub reason: String,
    /// Extended data: the object and the causes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP status code.
    pub code: u16,
}

/// A [`Status`] as read, before its constant members are checked.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusRead {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    details: Option<StatusDetails>,
    #[serde(default)]
    code: u16,
}

/// `value` as the one of `allowed` it equals.
fn one_of(member: &str, value: &str, allowed: &[&'static str]) -> Result<&'static str, String> {
    match allowed.iter().find(|a| **a == value) {
        Some(found) => Ok(found),
        None => Err(format!(
            "{member} is {value:?}, expected {}",
            allowed.join(" or ")
        )),
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let read = StatusRead::deserialize(deserializer)?;
        Status::try_from(read).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<StatusRead> for Status {
    type Error = String;

    fn try_from(read: StatusRead) -> Result<Self, String> {
        Ok(Status {
            kind: one_of("kind", &read.kind, &["Status"])?,
            api_version: one_of("apiVersion", &read.api_version, &["v1"])?,
            metadata: StatusMetadata {},
            status: one_of("status", &read.status, &["Failure", "Success"])?,
            message: read.message,
            reason: read.reason,
            details: read.details,
            code: read.code,
        })
    }
}

/// The empty `metadata` of a [`Status`] (`{}`). Reading one, its members
/// (a list's `resourceVersion`, `continue`) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusMetadata {}

/// `metav1.StatusDetails`: what the error is about and why. Reading one,
/// the members kubepatch never writes (`uid`, `retryAfterSeconds`) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StatusDetails {
    /// The object's name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The API group of the kind.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The kind (or, for some errors, the resource) concerned.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// One entry per field that failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
}

/// `metav1.StatusCause`: one reason a request failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatusCause {
    /// The cause type (one of [`cause`]).
    pub reason: String,
    /// What went wrong with the field.
    pub message: String,
    /// The field path, as upstream writes it (`fieldManager`, `.metadata.labels.app`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
}

impl Status {
    /// A `Failure` status with the given code, reason and message, and no details.
    ///
    /// ```
    /// let s = kubepatch::Status::failure(415, "UnsupportedMediaType", "nope");
    /// assert_eq!((s.code, s.status), (415, "Failure"));
    /// ```
    pub fn failure(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Status {
            kind: "Status",
            api_version: "v1",
            metadata: StatusMetadata {},
            status: "Failure",
            message: message.into(),
            reason: reason.to_string(),
            details: None,
            code,
        }
    }

    /// The status as a `serde_json::Value` (the body kube-apiserver sends).
    ///
    /// ```
    /// let v = kubepatch::Status::failure(404, "NotFound", "gone").to_value();
    /// assert_eq!(v["kind"], "Status");
    /// ```
    pub fn to_value(&self) -> serde_json::Value {
        // Serializing a struct of strings, integers and vectors into a Value
        // cannot fail: there are no maps with non-string keys and no floats.
        serde_json::to_value(self).expect("Status always serializes")
    }
}

/// Everything that can go wrong with a PATCH, each with its HTTP status.
///
/// The variants are categories, as in `serde_json::Error`; the message of each
/// is upstream's wording where kube-apiserver has one.
///
/// ```
/// use kubepatch::{Error, PatchParams, PatchRequest};
///
/// let err = PatchRequest::new("text/plain", b"{}")
///     .run()
///     .unwrap_err();
/// assert!(matches!(err, Error::UnsupportedMediaType { .. }));
/// assert_eq!(err.code(), 415);
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 415: the Content-Type is none of the accepted patch types.
    #[error("the body of the request was in an unknown format - accepted media types include: {}", .accepted.join(", "))]
    UnsupportedMediaType {
        /// The Content-Type that was sent (empty when none was).
        content_type: String,
        /// The media types the endpoint accepts, in upstream's order.
        accepted: Vec<&'static str>,
    },

    /// 400: the body does not parse, or the request is malformed.
    #[error("{message}")]
    BadRequest {
        /// Upstream's message.
        message: String,
    },

    /// 404: a patch other than apply was sent for an object that does not exist.
    #[error("{resource} \"{name}\" not found")]
    NotFound {
        /// The resource (lower-case plural, e.g. `endpoints`).
        resource: String,
        /// The object's name.
        name: String,
    },

    /// 409: a conflict (apply conflicts with other managers, stale resourceVersion).
    #[error("{message}")]
    Conflict {
        /// Upstream's message.
        message: String,
        /// Details, with one cause per conflicting field where upstream gives them.
        details: StatusDetails,
    },

    /// 413: the body or the JSON patch is larger than kube-apiserver allows.
    #[error("Request entity too large: {message}")]
    TooLarge {
        /// What limit was exceeded.
        message: String,
    },

    /// 422: the request was understood but cannot be carried out
    /// (invalid options, a result that does not decode, a strategic-merge
    /// structure error).
    #[error("{message}")]
    Invalid {
        /// Upstream's message.
        message: String,
        /// Group, kind, name and per-field causes.
        details: StatusDetails,
    },

    /// 422: one operation of a JSON patch failed; the object is unchanged.
    #[error(
        "the server rejected our request due to an error in our request: json patch operation {index} ({op} {path}) failed: {message}"
    )]
    JsonPatchOperation {
        /// The 0-based index of the failing operation.
        index: usize,
        /// Its `op` (`add`, `remove`, …).
        op: String,
        /// Its `path`.
        path: String,
        /// Why it failed, worded as kube-apiserver's patch library words it.
        message: String,
    },

    /// 500: an internal failure. kubepatch returns it only if a patch library
    /// panicked, which it catches.
    #[error("{message}")]
    Internal {
        /// What failed.
        message: String,
    },
}

impl Error {
    /// A 400 with the given message.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest {
            message: message.into(),
        }
    }

    /// The HTTP status code.
    ///
    /// ```
    /// assert_eq!(kubepatch::Error::Internal { message: "x".into() }.code(), 500);
    /// ```
    pub fn code(&self) -> u16 {
        match self {
            Error::UnsupportedMediaType { .. } => 415,
            Error::BadRequest { .. } => 400,
            Error::NotFound { .. } => 404,
            Error::Conflict { .. } => 409,
            Error::TooLarge { .. } => 413,
            Error::Invalid { .. } | Error::JsonPatchOperation { .. } => 422,
            Error::Internal { .. } => 500,
        }
    }

    /// The `metav1.Status` reason (one of [`reason`]).
    ///
    /// ```
    /// assert_eq!(kubepatch::Error::TooLarge { message: "x".into() }.reason(), "RequestEntityTooLarge");
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            Error::UnsupportedMediaType { .. } => reason::UNSUPPORTED_MEDIA_TYPE,
            Error::BadRequest { .. } => reason::BAD_REQUEST,
            Error::NotFound { .. } => reason::NOT_FOUND,
            Error::Conflict { .. } => reason::CONFLICT,
            Error::TooLarge { .. } => reason::REQUEST_ENTITY_TOO_LARGE,
            Error::Invalid { .. } | Error::JsonPatchOperation { .. } => reason::INVALID,
            Error::Internal { .. } => reason::INTERNAL_ERROR,
        }
    }

    /// The `metav1.Status` object kube-apiserver would send for this error.
    ///
    /// ```
    /// use kubepatch::Error;
    /// let s = Error::TooLarge { message: "limit is 3145728".into() }.to_status();
    /// assert_eq!(s.message, "Request entity too large: limit is 3145728");
    /// assert_eq!(s.code, 413);
    /// ```
    pub fn to_status(&self) -> Status {
        let mut status = Status::failure(self.code(), self.reason(), self.to_string());
        status.details = match self {
            Error::NotFound { resource, name } => Some(StatusDetails {
                name: name.clone(),
                kind: resource.clone(),
                ..StatusDetails::default()
            }),
            Error::Conflict { details, .. } | Error::Invalid { details, .. } => {
                Some(details.clone())
            }
            Error::JsonPatchOperation { index, message, .. } => Some(StatusDetails {
                causes: vec![StatusCause {
                    reason: cause::FIELD_VALUE_INVALID.to_string(),
                    message: message.clone(),
                    field: format!("patch[{index}]"),
                }],
                ..StatusDetails::default()
            }),
            _ => None,
        };
        status
    }
}

impl From<&Error> for Status {
    fn from(err: &Error) -> Self {
        err.to_status()
    }
}
