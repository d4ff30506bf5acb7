//! CustomResourceDefinition manifests: one root per served version, with
//! the ObjectMeta, `apiVersion` and `kind` kube-apiserver gives a custom
//! resource.

use serde_json::{Map, Value};

use super::builder::Builder;
use super::shapes::{Shape, shape};
use super::{LoadError, Options};
use crate::schema::{Node, NodeId, Schema, StructNode, Unknown};

/// Build a schema from a CustomResourceDefinition manifest
/// (`apiextensions.k8s.io/v1`; the `v1beta1` top-level `spec.validation` is
/// read too).
///
/// Each `spec.versions[]` entry with `schema.openAPIV3Schema` becomes the root
/// of `<spec.group>/<name>`, kind `spec.names.kind`. The node rules are those
/// of [`from_openapi`](super::from_openapi), plus the CRD extensions:
/// `x-kubernetes-preserve-unknown-fields: true` makes undeclared fields
/// untyped (a struct with `unknown: Untyped`, or [`UNTYPED`](crate::schema::UNTYPED) if there are no
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
/// # Errors
///
/// [`LoadError::IncompleteCrd`] without `spec`, `spec.group` or
/// `spec.names.kind`; [`LoadError::UnnamedVersion`] for a version without
/// `name`; [`LoadError::UnresolvedRef`] or [`LoadError::UnsupportedRef`] for
/// a `$ref`, as a CRD's schema has no definitions to refer to;
/// [`LoadError::TooDeep`].
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
/// let Node::Struct(widget) = schema.node(root) else { panic!("Widget is a struct") };
/// let Node::Struct(spec) = schema.node(widget.fields["spec"].node) else { panic!("spec is a struct") };
/// let Node::List(ports) = schema.node(spec.fields["ports"].node) else { panic!("ports is a list") };
/// assert!(matches!(ports.list_type, ListType::Map(MergeKey::Fields(_))));
/// // The root's metadata is ObjectMeta, whatever the CRD's schema says.
/// let Node::Struct(meta) = schema.node(widget.fields["metadata"].node) else { panic!("ObjectMeta") };
/// let labels = meta.fields["labels"].node;
/// assert!(matches!(schema.node(labels), Node::Map { atomic: false, .. }));
/// ```
pub fn from_crd(crd: &Value) -> Result<Schema, LoadError> {
    let incomplete = |member: &'static str| LoadError::IncompleteCrd { member };
    let spec = crd.get("spec").ok_or(incomplete("spec"))?;
    let group = spec
        .get("group")
        .and_then(Value::as_str)
        .ok_or(incomplete("spec.group"))?;
    let kind = spec
        .pointer("/names/kind")
        .and_then(Value::as_str)
        .ok_or(incomplete("spec.names.kind"))?;
    let shared = spec.pointer("/validation/openAPIV3Schema");
    let mut versions: Vec<(&str, &Value)> = Vec::new();
    if let Some(list) = spec.get("versions").and_then(Value::as_array) {
        for v in list {
            let name = v
                .get("name")
                .and_then(Value::as_str)
                .ok_or(LoadError::UnnamedVersion)?;
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

impl<'a> Builder<'a> {
    /// The root of a CRD version: its struct with ObjectMeta, apiVersion, kind.
    fn crd_root(&mut self, s: &'a Value) -> Result<NodeId, LoadError> {
        let mut node = match shape(s)? {
            Shape::Struct => self.build_struct(s, None, 0)?,
            _ => StructNode {
                unknown: Unknown::Untyped,
                ..StructNode::default()
            },
        };
        self.add_type_meta(&mut node, true);
        Ok(self.add(Node::Struct(node)))
    }
}
