//! Build a [`Schema`] from a Kubernetes OpenAPI document or a
//! CustomResourceDefinition.
//!
//! The node rules follow kube-openapi `pkg/schemaconv/smd.go` (how
//! kube-apiserver derives the server-side-apply schema) and the strategic
//! merge readers `PatchMetaFromOpenAPI` / `PatchMetaFromOpenAPIV3`:
//!
//! | OpenAPI | node |
//! |---|---|
//! | `$ref` (or v3 `allOf: [{$ref}]`) | the definition's node, one per definition (a struct field: a [`Node::Pointer`] to it) |
//! | object with `properties` | [`Node::Struct`], unknown fields an error |
//! | object with only `additionalProperties` | [`Node::Map`] |
//! | `array` | [`Node::List`], list type as SMD derives it |
//! | `string` / `integer` / `number` / `boolean`, int-or-string | [`Node::Scalar`] |
//! | no type and no properties, `additionalProperties: true`, `{}` | [`UNTYPED`] |
//!
//! [`Node::Pointer`]: crate::schema::Node::Pointer
//! [`Node::Struct`]: crate::schema::Node::Struct
//! [`Node::Map`]: crate::schema::Node::Map
//! [`Node::List`]: crate::schema::Node::List
//! [`Node::Scalar`]: crate::schema::Node::Scalar
//! [`UNTYPED`]: crate::schema::UNTYPED
//!
//! `x-kubernetes-map-type: atomic` makes a struct or map atomic;
//! `x-kubernetes-preserve-unknown-fields: true` makes undeclared fields of a
//! struct untyped. A struct field carries the strategic-merge metadata of its
//! property: `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key`.
//!
//! [`load`] reads a document's bytes and picks [`from_openapi`] or
//! [`from_crd`]; each fails with a [`LoadError`], whose text names the
//! offending definition or member.
//!
//! ```
//! use kubepatch::schema::openapi::{load, Options};
//! use kubepatch::schema::{ListType, Node};
//!
//! let doc = br#"{"swagger": "2.0", "definitions": {"io.example.v1.Thing": {
//!     "type": "object",
//!     "x-kubernetes-group-version-kind": [{"group": "example.io", "version": "v1", "kind": "Thing"}],
//!     "properties": {"tags": {"type": "array", "items": {"type": "string"},
//!                             "x-kubernetes-list-type": "set"}}}}}"#;
//! let schema = load(doc, &Options::default()).unwrap();
//! let root = schema.root_for("example.io/v1", "Thing").unwrap();
//! let Node::Struct(thing) = schema.node(root) else { panic!("Thing is a struct") };
//! let Node::List(tags) = schema.node(thing.fields["tags"].node) else { panic!("tags is a list") };
//! assert_eq!(tags.list_type, ListType::Set);
//! ```

mod builder;
mod crd;
mod error;
mod shapes;

use serde_json::{Map, Value};

use super::{NodeId, Schema};
use builder::Builder;

pub use crd::from_crd;
pub use error::LoadError;

/// How [`from_openapi`] and [`load`] read patch metadata.
///
/// ```
/// let options = kubepatch::schema::openapi::Options::default();
/// assert!(!options.list_map_keys_for_strategic);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Give strategic merge patch the composite key of an
    /// `x-kubernetes-list-type: map` list ([`MergeKey::Fields`](crate::schema::MergeKey::Fields) from
    /// `x-kubernetes-list-map-keys`) instead of its single
    /// `x-kubernetes-patch-merge-key`. Upstream does not (two container ports
    /// that differ only by protocol collide, kubernetes #47249); this option
    /// ends the collision. Off by default.
    pub list_map_keys_for_strategic: bool,
}

/// Build a schema from an OpenAPI v2 (`definitions`, `$ref:
/// "#/definitions/<name>"`) or v3 (`components.schemas`, `$ref:
/// "#/components/schemas/<name>"`, also wrapped as `allOf: [{"$ref": …}]`)
/// document.
///
/// Every definition with `x-kubernetes-group-version-kind` becomes the root of
/// each of its kinds (apiVersion `version` for the core group, otherwise
/// `group/version`). Only definitions reachable from a root are built; each
/// becomes exactly one node, so recursive types are finite. A struct field
/// that is a `$ref` is a [`Node::Pointer`] to the definition's node, because
/// upstream's `PatchMetaFromOpenAPI` treats a reference like a Go pointer: a
/// list lookup on it yields the definition itself rather than an error. A
/// `$ref` field's own `x-kubernetes-map-type` overrides the definition's (as
/// SMD does for `PersistentVolumeSpec.claimRef`). Lists get their
/// server-side-apply type as SMD derives it: an explicit
/// `x-kubernetes-list-type` wins; otherwise `x-kubernetes-patch-strategy`
/// containing `merge` gives a map keyed by the patch merge key (a set without
/// one); otherwise the list is atomic. A list-map key field whose document
/// gives no `default` takes the one upstream declares, where published v2
/// documents drop it (`protocol: TCP` of `ContainerPort` and `ServicePort`).
/// The schema offers strategic merge patch.
///
/// # Errors
///
/// [`LoadError::NoDefinitions`] without `definitions` or `components.schemas`;
/// [`LoadError::IncompleteKind`] for a group-version-kind without version or
/// kind; and for a definition reachable from a root, the errors of its
/// `$ref`s ([`LoadError::UnsupportedRef`], [`LoadError::UnresolvedRef`],
/// [`LoadError::RefCycle`]) or [`LoadError::TooDeep`].
///
/// [`Node::Pointer`]: crate::schema::Node::Pointer
///
/// ```
/// use kubepatch::schema::openapi::{from_openapi, Options};
/// use kubepatch::schema::{ListType, MergeKey, Node, Strategy};
/// use serde_json::json;
///
/// let doc = json!({"openapi": "3.0.0", "components": {"schemas": {
///     "io.example.v1.Pod": {
///         "type": "object",
///         "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Pod"}],
///         "properties": {"spec": {"allOf": [{"$ref": "#/components/schemas/io.example.v1.PodSpec"}]}}},
///     "io.example.v1.PodSpec": {
///         "type": "object",
///         "properties": {"containers": {
///             "type": "array",
///             "items": {"type": "object", "properties": {"name": {"type": "string"}}},
///             "x-kubernetes-patch-strategy": "merge",
///             "x-kubernetes-patch-merge-key": "name"}}}}}});
/// let schema = from_openapi(&doc, &Options::default()).unwrap();
/// let root = schema.root_for("v1", "Pod").unwrap();
/// let Node::Struct(pod) = schema.node(root) else { panic!("Pod is a struct") };
/// // A `$ref` field is a pointer to the definition's node.
/// let Node::Pointer(spec) = schema.node(pod.fields["spec"].node) else { panic!("spec is a $ref") };
/// let Node::Struct(spec) = schema.node(*spec) else { panic!("PodSpec is a struct") };
/// let containers = &spec.fields["containers"];
/// assert_eq!(containers.strategy, Strategy::Merge);
/// assert_eq!(containers.merge_key, Some(MergeKey::Field("name".into())));
/// let Node::List(list) = schema.node(containers.node) else { panic!("containers is a list") };
/// assert_eq!(list.list_type, ListType::Map(MergeKey::Field("name".into())));
/// ```
pub fn from_openapi(doc: &Value, options: &Options) -> Result<Schema, LoadError> {
    let defs = doc
        .get("definitions")
        .and_then(Value::as_object)
        .or_else(|| {
            doc.pointer("/components/schemas")
                .and_then(Value::as_object)
        })
        .ok_or(LoadError::NoDefinitions)?;
    let mut b = Builder::new(defs, *options, false);
    let mut roots: Vec<(String, String, NodeId)> = Vec::new();
    for (name, def) in defs {
        let Some(gvks) = def
            .get("x-kubernetes-group-version-kind")
            .and_then(Value::as_array)
        else {
            continue;
        };
        let id = b.def(name)?;
        for gvk in gvks {
            let text = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("");
            let (group, version, kind) = (text("group"), text("version"), text("kind"));
            if version.is_empty() || kind.is_empty() {
                return Err(LoadError::IncompleteKind {
                    definition: name.clone(),
                });
            }
            let api_version = if group.is_empty() {
                version.to_string()
            } else {
                format!("{group}/{version}")
            };
            roots.push((api_version, kind.to_string(), id));
        }
    }
    let mut schema = b.finish()?;
    for (api_version, kind, id) in roots {
        schema.add_root(&api_version, &kind, id);
    }
    schema.strategic_allowed = true;
    Ok(schema)
}

/// Build a schema from the bytes of an OpenAPI v2 or v3 document or a
/// CustomResourceDefinition, in JSON or YAML.
///
/// A document whose `kind` is `CustomResourceDefinition` goes to
/// [`from_crd`]; one with `swagger` / `definitions` (v2) or `openapi` /
/// `components` (v3) goes to [`from_openapi`]. JSON skips the members no
/// builder reads (`paths` and the like) unparsed: the 4 MB Kubernetes v1.36
/// document loads in about 8 ms in a release build (`cargo bench --bench schema`).
///
/// # Errors
///
/// [`LoadError::Unreadable`] if the bytes are neither JSON nor YAML,
/// [`LoadError::Unrecognized`] if the document is neither kind, and otherwise
/// the errors of [`from_crd`] or [`from_openapi`].
///
/// ```
/// use kubepatch::schema::openapi::{load, LoadError, Options};
///
/// let crd = b"
/// apiVersion: apiextensions.k8s.io/v1
/// kind: CustomResourceDefinition
/// spec:
///   group: example.com
///   names: {kind: Widget}
///   versions:
///   - name: v1
///     schema:
///       openAPIV3Schema:
///         type: object
///         x-kubernetes-preserve-unknown-fields: true
/// ";
/// let schema = load(crd, &Options::default()).unwrap();
/// assert!(schema.root_for("example.com/v1", "Widget").is_some());
/// assert_eq!(
///     load(b"{\"kind\": \"Pod\"}", &Options::default()).unwrap_err(),
///     LoadError::Unrecognized
/// );
/// ```
pub fn load(bytes: &[u8], options: &Options) -> Result<Schema, LoadError> {
    let value = parse(bytes)?;
    if value.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition") {
        return from_crd(&value);
    }
    let is_openapi = ["swagger", "definitions", "openapi", "components"]
        .iter()
        .any(|k| value.get(k).is_some());
    if is_openapi {
        return from_openapi(&value, options);
    }
    Err(LoadError::Unrecognized)
}

/// JSON through serde_json directly (a large document needs no duplicate-key
/// tracking, and its `paths` need not be kept), anything else through the
/// YAML reader.
fn parse(bytes: &[u8]) -> Result<Value, LoadError> {
    if crate::decode::looks_like_json(bytes) {
        match serde_json::from_slice::<TopLevel>(bytes) {
            Ok(TopLevel(map)) => return Ok(Value::Object(map)),
            Err(json_err) => {
                // Flow-style YAML that is not strict JSON still loads.
                return crate::decode::yaml(bytes).map(|d| d.value).map_err(|_| {
                    LoadError::Unreadable {
                        message: json_err.to_string(),
                    }
                });
            }
        }
    }
    crate::decode::yaml(bytes)
        .map(|d| d.value)
        .map_err(|message| LoadError::Unreadable { message })
}

/// Top-level members of an OpenAPI document that no builder reads; skipping
/// them unparsed (`paths` is two thirds of the Kubernetes document) makes
/// loading several times faster.
const SKIPPED_TOP_LEVEL: &[&str] = &[
    "paths",
    "parameters",
    "responses",
    "security",
    "securityDefinitions",
    "info",
    "servers",
    "tags",
];

/// A JSON object read without its [`SKIPPED_TOP_LEVEL`] members.
struct TopLevel(Map<String, Value>);

impl<'de> serde::Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = TopLevel;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<TopLevel, A::Error> {
                let mut map = Map::new();
                while let Some(key) = access.next_key::<String>()? {
                    if SKIPPED_TOP_LEVEL.contains(&key.as_str()) {
                        access.next_value::<serde::de::IgnoredAny>()?;
                    } else {
                        let value: Value = access.next_value()?;
                        map.insert(key, value);
                    }
                }
                Ok(TopLevel(map))
            }
        }
        d.deserialize_map(Members)
    }
}
