//! Strategic merge errors: upstream's error kinds, their labels and HTTP
//! status, and how a failure becomes a Kubernetes [`Error`].

use crate::error::{Error, StatusCause, StatusDetails, cause};

/// What went wrong, by upstream's error (spec §7); the label names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmpErrorKind {
    /// The original or the patch is not a JSON object.
    BadJSONDoc,
    /// A `$patch` value that is not allowed there.
    BadPatchType,
    /// `{"$patch": "merge"}` as a list element.
    ListMergeDirectiveUnsupported,
    /// An element without its merge key.
    NoMergeKey,
    /// A value of the wrong type where a list or an object is needed.
    BadArgType,
    /// A scalar `$setElementOrder` entry for a list of objects.
    ListElementNotMap,
    /// A malformed `$deleteFromPrimitiveList` key.
    BadPatchFormatForPrimitiveList,
    /// A malformed `$setElementOrder` key.
    BadPatchFormatForSetElementOrderList,
    /// A malformed `$retainKeys` directive.
    BadPatchFormatForRetainKeys,
    /// A patch list that is not a subsequence of its `$setElementOrder` list.
    SetElementOrderMismatch,
    /// A list whose elements are lists.
    NoListOfLists,
    /// List elements of different types.
    MismatchedListElementTypes,
    /// `$setElementOrder` with nothing to order.
    NoElementsForOrdering,
    /// A merged list of objects without a merge key.
    MergeListWithoutMergeKey,
    /// A field the schema does not have.
    UnknownField,
    /// Object recursion under something that is not a struct.
    SchemaNotStruct,
    /// List recursion under something that is not a list.
    SchemaNotList,
    /// A list of lists in the schema.
    SchemaSliceOfSlice,
    /// Patch metadata upstream cannot reduce.
    BadPatchStrategyInSchema,
    /// Strategic merge is not offered for this kind (custom resources).
    UnsupportedStrategicMergePatchFormat,
    /// An input that crashes upstream (an object or list as a merge-key
    /// value, `null` first in a merged list, `$setElementOrder` on a list of
    /// objects without merge key); here a clean error.
    UpstreamPanic,
    /// The original or the patch nests deeper than [`crate::MAX_DEPTH`]
    /// (kubepatch's own limit; upstream has none).
    TooDeep,
    /// A `$patch: delete` inside a new Endpoints subset, one whose port set
    /// matches no live subset (the built-in schema's own rule: upstream's
    /// subsets are atomic).
    DeleteInNewSubset,
}

impl SmpErrorKind {
    /// The label the conformance corpus uses (`ErrNoMergeKey`, …, `panic`).
    pub fn label(self) -> &'static str {
        use SmpErrorKind::*;
        match self {
            BadJSONDoc => "ErrBadJSONDoc",
            TooDeep => "ErrTooDeep",
            BadPatchType => "ErrBadPatchType",
            ListMergeDirectiveUnsupported => "ErrListMergeDirectiveUnsupported",
            NoMergeKey => "ErrNoMergeKey",
            BadArgType => "ErrBadArgType",
            ListElementNotMap => "ErrListElementNotMap",
            BadPatchFormatForPrimitiveList => "ErrBadPatchFormatForPrimitiveList",
            BadPatchFormatForSetElementOrderList => "ErrBadPatchFormatForSetElementOrderList",
            BadPatchFormatForRetainKeys => "ErrBadPatchFormatForRetainKeys",
            SetElementOrderMismatch => "ErrSetElementOrderMismatch",
            NoListOfLists => "ErrNoListOfLists",
            MismatchedListElementTypes => "ErrMismatchedListElementTypes",
            NoElementsForOrdering => "ErrNoElementsForOrdering",
            MergeListWithoutMergeKey => "ErrMergeListWithoutMergeKey",
            UnknownField => "ErrUnknownField",
            SchemaNotStruct => "ErrSchemaNotStruct",
            SchemaNotList => "ErrSchemaNotList",
            SchemaSliceOfSlice => "ErrSchemaSliceOfSlice",
            BadPatchStrategyInSchema => "ErrBadPatchStrategyInSchema",
            UnsupportedStrategicMergePatchFormat => "ErrUnsupportedStrategicMergePatchFormat",
            UpstreamPanic => "panic",
            DeleteInNewSubset => "ErrDeleteInNewSubset",
        }
    }

    /// The HTTP status: 400 for a malformed patch, 422 for one that does not
    /// fit the object or the schema, 500 for a broken schema. (Upstream
    /// answers 500 to most of the 422s here: a departure README lists.)
    pub fn code(self) -> u16 {
        use SmpErrorKind::*;
        match self {
            BadJSONDoc
            | BadPatchType
            | ListMergeDirectiveUnsupported
            | BadArgType
            | ListElementNotMap
            | BadPatchFormatForPrimitiveList
            | BadPatchFormatForSetElementOrderList
            | BadPatchFormatForRetainKeys
            | SetElementOrderMismatch
            | UnsupportedStrategicMergePatchFormat => 400,
            BadPatchStrategyInSchema => 500,
            _ => 422,
        }
    }
}

/// A strategic merge failure: upstream's error, its message, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmpError {
    /// Which error.
    pub kind: SmpErrorKind,
    /// Upstream's message.
    pub message: String,
    /// The field path in the patch (`subsets[1].ports`), empty at the root.
    pub path: String,
}

impl std::fmt::Display for SmpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for SmpError {}

impl From<SmpError> for Error {
    fn from(e: SmpError) -> Error {
        let message = e.to_string();
        match e.kind.code() {
            400 => Error::BadRequest { message },
            500 => Error::Internal { message },
            _ => Error::Invalid {
                message,
                details: StatusDetails {
                    causes: vec![StatusCause {
                        reason: cause::FIELD_VALUE_INVALID.to_string(),
                        message: e.message,
                        field: e.path,
                    }],
                    ..StatusDetails::default()
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_std_error() {
        let e = SmpError {
            kind: SmpErrorKind::NoMergeKey,
            message: "map: map[] does not contain declared merge key: name".into(),
            path: "subsets[0].ports".into(),
        };
        let boxed: Box<dyn std::error::Error> = Box::new(e.clone());
        assert_eq!(
            boxed.to_string(),
            "subsets[0].ports: map: map[] does not contain declared merge key: name"
        );
        assert!(boxed.source().is_none());
        let root = SmpError {
            path: String::new(),
            ..e
        };
        assert_eq!(
            root.to_string(),
            "map: map[] does not contain declared merge key: name"
        );
    }
}
