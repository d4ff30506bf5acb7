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
//! `x-kubernetes-map-type: atomic` makes a struct or map atomic;
//! `x-kubernetes-preserve-unknown-fields: true` makes undeclared fields of a
//! struct untyped. A struct field carries the strategic-merge metadata of its
//! property: `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key`.
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
//! let tags = schema.lookup_struct(root, "tags").unwrap();
//! assert_eq!(schema.list_node(tags.node).unwrap().list_type, ListType::Set);
//! ```

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{
    Field, KeyField, ListNode, ListType, MergeKey, Node, NodeId, Schema, Strategy, StructNode,
    UNTYPED, Unknown,
};

/// How [`from_openapi`] and [`load`] read patch metadata.
///
/// ```
/// let options = kubepatch::schema::openapi::Options::default();
/// assert!(!options.list_map_keys_for_strategic);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Give strategic merge patch the composite key of an
    /// `x-kubernetes-list-type: map` list ([`MergeKey::Fields`] from
    /// `x-kubernetes-list-map-keys`) instead of its single
    /// `x-kubernetes-patch-merge-key`. Upstream does not (two container ports
    /// that differ only by protocol collide, kubernetes #47249); this option
    /// ends the collision. Off by default.
    pub list_map_keys_for_strategic: bool,
}

/// Defaults of list-map key fields that upstream declares (`+default=` markers,
/// present in kube-apiserver's in-process OpenAPI) but that published OpenAPI v2
/// documents, such as the official client's `swagger.json`, leave out. Used only
/// when the document gives no `default` of its own.
const KNOWN_KEY_DEFAULTS: &[(&str, &str, &str)] = &[
    ("io.k8s.api.core.v1.ContainerPort", "protocol", "TCP"),
    ("io.k8s.api.core.v1.ServicePort", "protocol", "TCP"),
];

/// Inline schemas nested deeper than this are refused (a guard for documents
/// built in memory; parsed JSON is limited to 128 levels anyway).
const MAX_DEPTH: usize = 512;

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
/// ```
/// use kubepatch::schema::openapi::{from_openapi, Options};
/// use kubepatch::schema::{ListType, MergeKey, Strategy};
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
/// let pod = schema.root_for("v1", "Pod").unwrap();
/// let spec = schema.lookup_struct(pod, "spec").unwrap().node;
/// let containers = schema.lookup_struct(spec, "containers").unwrap();
/// let field = containers.field.unwrap();
/// assert_eq!(field.strategy, Strategy::Merge);
/// assert_eq!(field.merge_key, Some(MergeKey::Field("name".into())));
/// assert_eq!(
///     schema.list_node(containers.node).unwrap().list_type,
///     ListType::Map(MergeKey::Field("name".into()))
/// );
/// ```
pub fn from_openapi(doc: &Value, options: &Options) -> Result<Schema, String> {
    let defs = doc
        .get("definitions")
        .and_then(Value::as_object)
        .or_else(|| {
            doc.pointer("/components/schemas")
                .and_then(Value::as_object)
        })
        .ok_or("not an OpenAPI document: no \"definitions\" (v2) or \"components.schemas\" (v3)")?;
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
                return Err(format!(
                    "definition {name:?}: x-kubernetes-group-version-kind without version or kind"
                ));
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

/// Build a schema from a CustomResourceDefinition manifest
/// (`apiextensions.k8s.io/v1`; the `v1beta1` top-level `spec.validation` is
/// read too).
///
/// Each `spec.versions[]` entry with `schema.openAPIV3Schema` becomes the root
/// of `<spec.group>/<name>`, kind `spec.names.kind`. The node rules are those
/// of [`from_openapi`], plus the CRD extensions:
/// `x-kubernetes-preserve-unknown-fields: true` makes undeclared fields
/// untyped (a struct with `unknown: Untyped`, or [`UNTYPED`] if there are no
/// properties), `x-kubernetes-int-or-string` is a scalar and
/// `x-kubernetes-embedded-resource` is a struct with untyped unknown fields and
/// implicit `apiVersion`, `kind` and `metadata`.
///
/// As kube-apiserver does, the root's `metadata` is always ObjectMeta (name,
/// namespace, labels and annotations as granular maps, finalizers a merged
/// set, ownerReferences a list keyed by `uid`, managedFields atomic), and
/// `apiVersion` / `kind` are added if the schema omits them. Custom resources
/// do not offer strategic merge patch (`strategic_allowed` is false).
///
/// ```
/// use kubepatch::schema::openapi::from_crd;
/// use kubepatch::schema::{ListType, MergeKey, Node};
/// use serde_json::json;
///
/// let crd = json!({
///     "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
///     "spec": {"group": "example.com", "names": {"kind": "Widget"}, "versions": [{
///         "name": "v1", "served": true, "storage": true,
///         "schema": {"openAPIV3Schema": {"type": "object", "properties": {
///             "spec": {"type": "object", "properties": {
///                 "ports": {"type": "array", "x-kubernetes-list-type": "map",
///                           "x-kubernetes-list-map-keys": ["port"],
///                           "items": {"type": "object", "properties": {"port": {"type": "integer"}}}}}}}}}}]}});
/// let schema = from_crd(&crd).unwrap();
/// assert!(!schema.strategic_allowed);
/// let root = schema.root_for("example.com/v1", "Widget").unwrap();
/// let spec = schema.lookup_struct(root, "spec").unwrap().node;
/// let ports = schema.lookup_struct(spec, "ports").unwrap().node;
/// assert!(matches!(schema.list_node(ports).unwrap().list_type, ListType::Map(MergeKey::Fields(_))));
/// let meta = schema.lookup_struct(root, "metadata").unwrap().node;
/// let labels = schema.lookup_struct(meta, "labels").unwrap().node;
/// assert!(matches!(schema.node(labels), Node::Map { atomic: false, .. }));
/// ```
pub fn from_crd(crd: &Value) -> Result<Schema, String> {
    let spec = crd
        .get("spec")
        .ok_or("CustomResourceDefinition without spec")?;
    let group = spec
        .get("group")
        .and_then(Value::as_str)
        .ok_or("CustomResourceDefinition without spec.group")?;
    let kind = spec
        .pointer("/names/kind")
        .and_then(Value::as_str)
        .ok_or("CustomResourceDefinition without spec.names.kind")?;
    let shared = spec.pointer("/validation/openAPIV3Schema");
    let mut versions: Vec<(&str, &Value)> = Vec::new();
    if let Some(list) = spec.get("versions").and_then(Value::as_array) {
        for v in list {
            let name = v
                .get("name")
                .and_then(Value::as_str)
                .ok_or("spec.versions[] without name")?;
            if let Some(s) = v.pointer("/schema/openAPIV3Schema").or(shared) {
                versions.push((name, s));
            }
        }
    } else if let (Some(name), Some(s)) = (spec.get("version").and_then(Value::as_str), shared) {
        versions.push((name, s));
    }
    let empty = Map::new();
    let mut b = Builder::new(&empty, Options::default(), true);
    let mut roots = Vec::new();
    for (version, s) in versions {
        let id = b.crd_root(s)?;
        roots.push((format!("{group}/{version}"), id));
    }
    let mut schema = b.finish()?;
    for (api_version, id) in roots {
        schema.add_root(&api_version, kind, id);
    }
    schema.strategic_allowed = false;
    schema.omit_empty = false;
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
/// ```
/// use kubepatch::schema::openapi::{load, Options};
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
/// assert!(load(b"{\"kind\": \"Pod\"}", &Options::default()).is_err());
/// ```
pub fn load(bytes: &[u8], options: &Options) -> Result<Schema, String> {
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
    Err("neither an OpenAPI v2/v3 document nor a CustomResourceDefinition".to_string())
}

/// JSON through serde_json directly (a large document needs no duplicate-key
/// tracking, and its `paths` need not be kept), anything else through the
/// YAML reader.
fn parse(bytes: &[u8]) -> Result<Value, String> {
    if crate::decode::looks_like_json(bytes) {
        match serde_json::from_slice::<TopLevel>(bytes) {
            Ok(TopLevel(map)) => return Ok(Value::Object(map)),
            Err(json_err) => {
                // Flow-style YAML that is not strict JSON still loads.
                return crate::decode::yaml(bytes)
                    .map(|d| d.value)
                    .map_err(|_| json_err.to_string());
            }
        }
    }
    crate::decode::yaml(bytes).map(|d| d.value)
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

/// What a schema object is, before building it.
enum Shape<'a> {
    Ref(Cow<'a, str>),
    Untyped,
    Scalar,
    List,
    Struct,
    Map,
}

fn flag(s: &Value, key: &str) -> bool {
    s.get(key).and_then(Value::as_bool) == Some(true)
}

fn text<'a>(s: &'a Value, key: &str) -> Option<&'a str> {
    s.get(key).and_then(Value::as_str)
}

/// The `type`, also from an OpenAPI 3.1 list such as `["string", "null"]`.
fn type_of(s: &Value) -> Option<&str> {
    match s.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// The definition name a schema refers to: `$ref`, or the first `allOf`
/// member's `$ref` (how OpenAPI v3 documents attach a description or default
/// to a reference).
fn ref_of(s: &Value) -> Option<&str> {
    if let Some(r) = text(s, "$ref") {
        return Some(r);
    }
    s.get("allOf")?
        .as_array()?
        .first()
        .and_then(|first| text(first, "$ref"))
}

fn def_name(reference: &str) -> Result<Cow<'_, str>, String> {
    let name = reference
        .strip_prefix("#/definitions/")
        .or_else(|| reference.strip_prefix("#/components/schemas/"))
        .ok_or_else(|| format!("unsupported $ref {reference:?}"))?;
    if name.contains('~') {
        Ok(Cow::Owned(name.replace("~1", "/").replace("~0", "~")))
    } else {
        Ok(Cow::Borrowed(name))
    }
}

fn shape(s: &Value) -> Result<Shape<'_>, String> {
    if let Some(r) = ref_of(s) {
        return Ok(Shape::Ref(def_name(r)?));
    }
    if flag(s, "x-kubernetes-int-or-string") {
        return Ok(Shape::Scalar);
    }
    Ok(match type_of(s) {
        Some("array") => Shape::List,
        Some("string" | "integer" | "number" | "boolean") => Shape::Scalar,
        Some("object") | None => {
            let has_properties = s
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty());
            if has_properties || flag(s, "x-kubernetes-embedded-resource") {
                Shape::Struct
            } else if s.get("additionalProperties").is_some_and(Value::is_object) {
                Shape::Map
            } else {
                Shape::Untyped
            }
        }
        Some(_) => Shape::Untyped,
    })
}

/// Fills the arena. Definitions are built from a work list, not by recursion,
/// so a long chain of references cannot exhaust the stack.
struct Builder<'a> {
    schema: Schema,
    defs: &'a Map<String, Value>,
    options: Options,
    /// Whether CRD rules apply (implicit ObjectMeta for embedded resources).
    crd: bool,
    memo: HashMap<Cow<'a, str>, NodeId>,
    pending: Vec<(NodeId, &'a Value, Cow<'a, str>)>,
    /// `$ref` properties whose own `x-kubernetes-map-type` overrides the
    /// definition's: (placeholder node, definition node, atomic).
    overrides: Vec<(NodeId, NodeId, bool)>,
    object_meta: Option<NodeId>,
    /// The pointer node of each definition node ([`Builder::pointer_to`]).
    pointers: HashMap<NodeId, NodeId>,
}

impl<'a> Builder<'a> {
    fn new(defs: &'a Map<String, Value>, options: Options, crd: bool) -> Self {
        Builder {
            schema: Schema::new(),
            defs,
            options,
            crd,
            memo: HashMap::new(),
            pending: Vec::new(),
            overrides: Vec::new(),
            pointers: HashMap::new(),
            object_meta: None,
        }
    }

    /// The definition's schema, following aliases (a definition that is only
    /// a `$ref`), and its final name.
    fn resolve(&self, name: Cow<'a, str>) -> Result<(&'a Value, Cow<'a, str>), String> {
        let mut name = name;
        for _ in 0..=self.defs.len() {
            let defs: &'a Map<String, Value> = self.defs;
            let s = defs
                .get(name.as_ref())
                .ok_or_else(|| format!("unresolved $ref to definition {name:?}"))?;
            match ref_of(s) {
                Some(r) => name = def_name(r)?,
                None => return Ok((s, name)),
            }
        }
        Err(format!("cycle of $ref aliases through definition {name:?}"))
    }

    /// The node of a definition: memoized; allocated now, filled when the
    /// work list reaches it.
    fn def(&mut self, name: &'a str) -> Result<NodeId, String> {
        self.def_cow(Cow::Borrowed(name))
    }

    fn def_cow(&mut self, name: Cow<'a, str>) -> Result<NodeId, String> {
        if let Some(&id) = self.memo.get(name.as_ref()) {
            return Ok(id);
        }
        let (s, target) = self.resolve(name.clone())?;
        if let Some(&id) = self.memo.get(target.as_ref()) {
            self.memo.insert(name, id);
            return Ok(id);
        }
        let id = match shape(s)? {
            Shape::Untyped => UNTYPED,
            Shape::Scalar => self.schema.add(Node::Scalar),
            _ => {
                let id = self.schema.add(Node::Untyped);
                self.pending.push((id, s, target.clone()));
                id
            }
        };
        self.memo.insert(target, id);
        self.memo.insert(name, id);
        Ok(id)
    }

    /// The one pointer node to a definition's node. A `$ref` field is a
    /// pointer as upstream's `PatchMetaFromOpenAPI` sees a reference: object
    /// lookups see through it, and a list lookup on it uses the definition
    /// itself as the element type instead of failing (as a Go pointer field
    /// under struct tags).
    fn pointer_to(&mut self, target: NodeId) -> NodeId {
        if let Some(&id) = self.pointers.get(&target) {
            return id;
        }
        let id = self.schema.add(Node::Pointer(target));
        self.pointers.insert(target, id);
        id
    }

    /// Fill every pending definition and apply the map-type overrides.
    fn finish(mut self) -> Result<Schema, String> {
        while let Some((id, s, name)) = self.pending.pop() {
            let node = self.build_node(s, Some(name.as_ref()), 0)?;
            self.schema.set(id, node);
        }
        for (id, target, atomic) in std::mem::take(&mut self.overrides) {
            let mut node = self.schema.node(target).clone();
            match &mut node {
                Node::Struct(s) => s.atomic = atomic,
                Node::Map { atomic: a, .. } => *a = atomic,
                _ => {}
            }
            self.schema.set(id, node);
        }
        Ok(self.schema)
    }

    /// The node id of an inline schema (a definition's node for a reference).
    fn build(&mut self, s: &'a Value, depth: usize) -> Result<NodeId, String> {
        if depth > MAX_DEPTH {
            return Err(format!("schema nested deeper than {MAX_DEPTH} levels"));
        }
        match shape(s)? {
            Shape::Ref(name) => self.def_cow(name),
            Shape::Untyped => Ok(UNTYPED),
            Shape::Scalar => Ok(self.schema.add(Node::Scalar)),
            Shape::List | Shape::Struct | Shape::Map => {
                let node = self.build_node(s, None, depth)?;
                Ok(self.schema.add(node))
            }
        }
    }

    /// The node of a non-reference schema; `owner` names the definition.
    fn build_node(
        &mut self,
        s: &'a Value,
        owner: Option<&str>,
        depth: usize,
    ) -> Result<Node, String> {
        Ok(match shape(s)? {
            Shape::Ref(_) | Shape::Untyped => Node::Untyped,
            Shape::Scalar => Node::Scalar,
            Shape::List => {
                let items = match s.get("items") {
                    Some(i) if i.is_object() => self.build(i, depth + 1)?,
                    _ => UNTYPED,
                };
                Node::List(ListNode {
                    items,
                    list_type: self.list_type(s),
                })
            }
            Shape::Map => {
                let values = match s.get("additionalProperties") {
                    Some(v) if v.is_object() => self.build(v, depth + 1)?,
                    _ => UNTYPED,
                };
                Node::Map {
                    values,
                    atomic: is_atomic_map(s),
                }
            }
            Shape::Struct => Node::Struct(self.build_struct(s, owner, depth)?),
        })
    }

    fn build_struct(
        &mut self,
        s: &'a Value,
        owner: Option<&str>,
        depth: usize,
    ) -> Result<StructNode, String> {
        let embedded = flag(s, "x-kubernetes-embedded-resource");
        let mut node = StructNode {
            fields: HashMap::new(),
            unknown: if embedded || flag(s, "x-kubernetes-preserve-unknown-fields") {
                Unknown::Untyped
            } else {
                Unknown::Error
            },
            atomic: is_atomic_map(s),
            extra: match s.get("additionalProperties") {
                Some(v) if v.is_object() => Some(self.build(v, depth + 1)?),
                Some(Value::Bool(true)) => Some(UNTYPED),
                _ => None,
            },
        };
        if let Some(properties) = s.get("properties").and_then(Value::as_object) {
            node.fields.reserve(properties.len());
            for (name, p) in properties {
                let field = self.field(p, owner, name, depth + 1)?;
                node.fields.insert(name.clone(), field);
            }
        }
        if self.crd && embedded {
            self.add_type_meta(&mut node, false);
        }
        Ok(node)
    }

    /// A struct field: its node and strategic-merge metadata.
    fn field(
        &mut self,
        p: &'a Value,
        owner: Option<&str>,
        name: &str,
        depth: usize,
    ) -> Result<Field, String> {
        let mut node = self.build(p, depth)?;
        if ref_of(p).is_some() && node != UNTYPED {
            if let Some(map_type) = text(p, "x-kubernetes-map-type") {
                // SMD: the reference's own map type overrides the definition's.
                let id = self.schema.add(Node::Untyped);
                self.overrides.push((id, node, map_type == "atomic"));
                node = self.schema.add(Node::Pointer(id));
            } else {
                node = self.pointer_to(node);
            }
        }
        let composite = if self.options.list_map_keys_for_strategic && type_of(p) == Some("array") {
            self.list_map_keys(p).map(MergeKey::Fields)
        } else {
            None
        };
        let merge_key = composite.or_else(|| {
            text(p, "x-kubernetes-patch-merge-key").map(|k| MergeKey::Field(k.to_string()))
        });
        Ok(Field {
            node,
            strategy: Strategy::parse(text(p, "x-kubernetes-patch-strategy").unwrap_or("")),
            merge_key,
            default: p
                .get("default")
                .cloned()
                .or_else(|| owner.and_then(|o| known_default(o, name))),
        })
    }

    /// SMD's list type (`getListElementRelationship`): an explicit
    /// `x-kubernetes-list-type` wins; otherwise the patch extensions decide.
    fn list_type(&self, s: &'a Value) -> ListType {
        match text(s, "x-kubernetes-list-type") {
            Some("atomic") => return ListType::Atomic,
            Some("set") => return ListType::Set,
            Some("map") => {
                if let Some(keys) = self.list_map_keys(s) {
                    return ListType::Map(MergeKey::Fields(keys));
                }
            }
            _ => {}
        }
        let merge = text(s, "x-kubernetes-patch-strategy")
            .is_some_and(|ps| ps.split(',').any(|p| p.trim() == "merge"));
        match (merge, text(s, "x-kubernetes-patch-merge-key")) {
            (true, Some(key)) => ListType::Map(MergeKey::Field(key.to_string())),
            (true, None) => ListType::Set,
            (false, _) => ListType::Atomic,
        }
    }

    /// The keys of an `x-kubernetes-list-type: map` array, each with the
    /// default its item schema declares.
    fn list_map_keys(&self, s: &'a Value) -> Option<Vec<KeyField>> {
        if text(s, "x-kubernetes-list-type") != Some("map") {
            return None;
        }
        let keys = s.get("x-kubernetes-list-map-keys")?.as_array()?;
        if keys.is_empty() {
            return None;
        }
        let (items, owner) = match s.get("items") {
            Some(i) => match ref_of(i).map(def_name) {
                Some(Ok(name)) => match self.resolve(name) {
                    Ok((s, n)) => (Some(s), Some(n)),
                    Err(_) => (None, None),
                },
                _ => (Some(i), None),
            },
            None => (None, None),
        };
        let fields = keys
            .iter()
            .filter_map(Value::as_str)
            .map(|key| KeyField {
                name: key.to_string(),
                default: items
                    .and_then(|i| i.get("properties"))
                    .and_then(|p| p.get(key))
                    .and_then(|p| p.get("default"))
                    .cloned()
                    .or_else(|| owner.as_deref().and_then(|o| known_default(o, key))),
            })
            .collect();
        Some(fields)
    }

    /// The root of a CRD version: its struct with ObjectMeta, apiVersion, kind.
    fn crd_root(&mut self, s: &'a Value) -> Result<NodeId, String> {
        let mut node = match shape(s)? {
            Shape::Struct => self.build_struct(s, None, 0)?,
            _ => StructNode {
                unknown: Unknown::Untyped,
                ..StructNode::default()
            },
        };
        self.add_type_meta(&mut node, true);
        Ok(self.schema.add(Node::Struct(node)))
    }

    /// `apiVersion` and `kind` if missing; `metadata` as ObjectMeta (always at
    /// a CRD root, as kube-apiserver replaces it; if missing or without
    /// properties in an embedded resource).
    fn add_type_meta(&mut self, node: &mut StructNode, root: bool) {
        for key in ["apiVersion", "kind"] {
            if !node.fields.contains_key(key) {
                let id = self.schema.add(Node::Scalar);
                node.fields.insert(key.to_string(), plain(id));
            }
        }
        let replace = root
            || match node.fields.get("metadata") {
                None => true,
                Some(f) => !self.schema.node(f.node).is_struct(),
            };
        if replace {
            let meta = self.object_meta();
            node.fields.insert("metadata".to_string(), plain(meta));
        }
    }

    /// ObjectMeta as apimachinery declares it (one node per schema), as the
    /// built-in schema builds it, with undeclared fields refused.
    fn object_meta(&mut self) -> NodeId {
        if let Some(id) = self.object_meta {
            return id;
        }
        let scalar = self.schema.add(Node::Scalar);
        let id = super::endpoints::object_meta(&mut self.schema, scalar, Unknown::Error);
        self.object_meta = Some(id);
        id
    }
}

/// A field with no strategic-merge metadata.
fn plain(node: NodeId) -> Field {
    Field {
        node,
        strategy: Strategy::Default,
        merge_key: None,
        default: None,
    }
}

fn is_atomic_map(s: &Value) -> bool {
    text(s, "x-kubernetes-map-type") == Some("atomic")
}

fn known_default(owner: &str, field: &str) -> Option<Value> {
    KNOWN_KEY_DEFAULTS
        .iter()
        .find(|(o, f, _)| *o == owner && *f == field)
        .map(|(_, _, d)| Value::String(d.to_string()))
}

