//! [`LoadError`]: why a document does not make a schema.

/// Why [`load`](super::load), [`from_openapi`](super::from_openapi) or
/// [`from_crd`](super::from_crd) could not build a schema.
///
/// The variants are the places loading fails: the bytes do not parse, the
/// document is not a kind the builders read, an OpenAPI document or a
/// CustomResourceDefinition lacks a member it needs, a `$ref` cannot be
/// followed, or inline schemas nest too deep. The text ([`Display`]) is one
/// line, the message the `kubepatch` CLI prints after the schema file's name.
///
/// [`Display`]: std::fmt::Display
///
/// ```
/// use kubepatch::schema::openapi::{load, LoadError, Options};
///
/// let doc = br##"{"swagger": "2.0", "definitions": {"io.example.v1.Thing": {
///     "type": "object",
///     "x-kubernetes-group-version-kind": [{"group": "example.io", "version": "v1", "kind": "Thing"}],
///     "properties": {"part": {"$ref": "#/definitions/io.example.v1.Part"}}}}}"##;
/// let err = load(doc, &Options::default()).unwrap_err();
/// assert_eq!(err, LoadError::UnresolvedRef { definition: "io.example.v1.Part".into() });
/// assert_eq!(err.to_string(), r#"unresolved $ref to definition "io.example.v1.Part""#);
///
/// let err = load(b"{\"kind\": \"Pod\"}", &Options::default()).unwrap_err();
/// assert!(matches!(err, LoadError::Unrecognized));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The bytes are neither JSON nor YAML.
    #[error("{message}")]
    Unreadable {
        /// The parser's message: the JSON parser's for a document that looks
        /// like JSON (`{` or `[` first), the YAML parser's otherwise.
        message: String,
    },

    /// The document has none of the members of an OpenAPI document
    /// (`swagger`, `definitions`, `openapi`, `components`) and is not a
    /// CustomResourceDefinition.
    #[error("neither an OpenAPI v2/v3 document nor a CustomResourceDefinition")]
    Unrecognized,

    /// An OpenAPI document without `definitions` (v2) or `components.schemas`
    /// (v3).
    #[error(r#"not an OpenAPI document: no "definitions" (v2) or "components.schemas" (v3)"#)]
    NoDefinitions,

    /// An entry of a definition's `x-kubernetes-group-version-kind` without
    /// `version` or `kind`.
    #[error("definition {definition:?}: x-kubernetes-group-version-kind without version or kind")]
    IncompleteKind {
        /// The definition's name.
        definition: String,
    },

    /// A CustomResourceDefinition without a member it needs.
    #[error("CustomResourceDefinition without {member}")]
    IncompleteCrd {
        /// The member: `spec`, `spec.group` or `spec.names.kind`.
        member: &'static str,
    },

    /// A `spec.versions[]` entry of a CustomResourceDefinition without `name`.
    #[error("spec.versions[] without name")]
    UnnamedVersion,

    /// A `$ref` outside the document's own definitions (neither
    /// `#/definitions/<name>` nor `#/components/schemas/<name>`).
    #[error("unsupported $ref {reference:?}")]
    UnsupportedRef {
        /// The `$ref` as written.
        reference: String,
    },

    /// A `$ref` to a definition the document does not have.
    #[error("unresolved $ref to definition {definition:?}")]
    UnresolvedRef {
        /// The definition's name, JSON Pointer escapes undone.
        definition: String,
    },

    /// Definitions that are nothing but `$ref`s to one another, in a loop.
    #[error("cycle of $ref aliases through definition {definition:?}")]
    RefCycle {
        /// A definition on the loop.
        definition: String,
    },

    /// Inline schemas nested deeper than the builder follows (only a
    /// document built in memory can be: parsed JSON stops at 128 levels).
    #[error("schema nested deeper than {limit} levels")]
    TooDeep {
        /// The deepest nesting followed.
        limit: usize,
    },

    /// A conformance-vocabulary definition ([`crate::schema::vocabulary`])
    /// that does not describe a schema.
    #[error("{message}")]
    Vocabulary {
        /// What is wrong with it.
        message: String,
    },
}
