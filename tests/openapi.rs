//! The OpenAPI and CRD schema builders ([`kubepatch::schema::openapi`]),
//! through the public API: the Kubernetes v1.36 OpenAPI document (skipped,
//! with a note, where it is absent), small v2/v3 documents and a CRD, and the
//! text of each loading error.
//!
//! The schema is navigated through its public data model: a struct's
//! `fields`, a list's `items` and `list_type`, a `$ref` field's pointer.

use kubepatch::schema::openapi::{LoadError, Options, from_crd, from_openapi, load};
use kubepatch::schema::{
    Field, KeyField, ListNode, ListType, MergeKey, Node, NodeId, Schema, Strategy, StructNode,
    UNTYPED, Unknown,
};
use serde_json::json;

mod common;

/// The Kubernetes OpenAPI document, or `None` (with a printed note) when it
/// is absent.
fn swagger() -> Option<Vec<u8>> {
    let path = common::shared_location().join(common::SWAGGER);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            common::skip_note("openapi", &format!("{} is absent", path.display()));
            None
        }
    }
}

/// Follow pointers: a `$ref` field is a pointer to its definition's node.
fn deref(s: &Schema, mut id: NodeId) -> NodeId {
    while let Node::Pointer(to) = s.node(id) {
        id = *to;
    }
    id
}

/// The struct behind `id`.
fn strukt(s: &Schema, id: NodeId) -> &StructNode {
    match s.node(deref(s, id)) {
        Node::Struct(st) => st,
        other => panic!("node {id} is not a struct: {other:?}"),
    }
}

/// The list behind `id`.
fn list(s: &Schema, id: NodeId) -> &ListNode {
    match s.node(deref(s, id)) {
        Node::List(l) => l,
        other => panic!("node {id} is not a list: {other:?}"),
    }
}

/// A declared field of a struct, with the node behind any pointer.
struct Found<'s> {
    node: NodeId,
    field: &'s Field,
}

fn field<'s>(s: &'s Schema, parent: NodeId, key: &str) -> Found<'s> {
    let field = strukt(s, parent)
        .fields
        .get(key)
        .unwrap_or_else(|| panic!("no field {key:?}"));
    Found {
        node: deref(s, field.node),
        field,
    }
}

/// What a member `key` that the struct does not declare is: its
/// `additionalProperties` node, [`UNTYPED`] if it keeps unknown fields, or
/// `None` if it refuses them.
fn undeclared(s: &Schema, parent: NodeId, key: &str) -> Option<NodeId> {
    let st = strukt(s, parent);
    assert!(
        !st.fields.keys().any(|k| k.eq_ignore_ascii_case(key)),
        "{key:?} is declared"
    );
    st.extra
        .or((st.unknown == Unknown::Untyped).then_some(UNTYPED))
}

fn list_type(s: &Schema, id: NodeId) -> ListType {
    list(s, id).list_type.clone()
}

fn items(s: &Schema, id: NodeId) -> NodeId {
    list(s, id).items
}

#[test]
fn endpoints_from_swagger() {
    let Some(bytes) = swagger() else {
        return;
    };
    let s = load(&bytes, &Options::default()).unwrap();
    assert!(s.strategic_allowed);
    let root = s.root_for("v1", "Endpoints").expect("root v1 Endpoints");
    let subsets = field(&s, root, "subsets");
    assert_eq!(subsets.field.strategy, Strategy::Default);
    assert_eq!(subsets.field.merge_key, None);
    assert_eq!(list_type(&s, subsets.node), ListType::Atomic);
    let subset = items(&s, subsets.node);
    for key in ["addresses", "notReadyAddresses", "ports"] {
        let l = field(&s, subset, key);
        assert_eq!(list_type(&s, l.node), ListType::Atomic, "{key}");
        assert!(
            matches!(
                s.node(items(&s, l.node)),
                Node::Struct(StructNode { atomic: true, .. })
            ),
            "{key}"
        );
    }
    let meta = field(&s, root, "metadata").node;
    let fin = field(&s, meta, "finalizers");
    assert_eq!(fin.field.strategy, Strategy::Merge);
    assert_eq!(fin.field.merge_key, None);
    assert_eq!(list_type(&s, fin.node), ListType::Set);
    let owners = field(&s, meta, "ownerReferences");
    assert_eq!(owners.field.strategy, Strategy::Merge);
    assert_eq!(owners.field.merge_key, Some(MergeKey::Field("uid".into())));
    assert_eq!(
        list_type(&s, owners.node),
        ListType::Map(MergeKey::Fields(vec![KeyField {
            name: "uid".into(),
            default: None
        }]))
    );
    let managed = field(&s, meta, "managedFields");
    assert_eq!(list_type(&s, managed.node), ListType::Atomic);
    let labels = field(&s, meta, "labels").node;
    assert!(matches!(s.node(labels), Node::Map { atomic: false, .. }));
    assert_eq!(
        undeclared(&s, root, "nope"),
        None,
        "unknown fields are refused"
    );
    // One node per definition: Endpoints metadata is every kind's ObjectMeta.
    let pod = s.root_for("v1", "Pod").unwrap();
    assert_eq!(field(&s, pod, "metadata").node, meta);
}

#[test]
fn pod_and_service_from_swagger() {
    let Some(bytes) = swagger() else {
        return;
    };
    for with_option in [false, true] {
        let options = Options {
            list_map_keys_for_strategic: with_option,
        };
        let s = load(&bytes, &options).unwrap();
        let pod = s.root_for("v1", "Pod").unwrap();
        let spec = field(&s, pod, "spec").node;
        let containers = field(&s, spec, "containers");
        assert_eq!(containers.field.strategy, Strategy::Merge);
        let composite = MergeKey::Fields(vec![KeyField {
            name: "name".into(),
            default: None,
        }]);
        let expected = if with_option {
            composite.clone()
        } else {
            MergeKey::Field("name".into())
        };
        assert_eq!(containers.field.merge_key, Some(expected));
        assert_eq!(list_type(&s, containers.node), ListType::Map(composite));
        let container = items(&s, containers.node);
        let ports = field(&s, container, "ports");
        let keys = MergeKey::Fields(vec![
            KeyField {
                name: "containerPort".into(),
                default: None,
            },
            KeyField {
                name: "protocol".into(),
                default: Some(json!("TCP")),
            },
        ]);
        let expected = if with_option {
            keys.clone()
        } else {
            MergeKey::Field("containerPort".into())
        };
        assert_eq!(ports.field.merge_key, Some(expected));
        assert_eq!(list_type(&s, ports.node), ListType::Map(keys));
        let port = items(&s, ports.node);
        assert_eq!(
            field(&s, port, "protocol").field.default,
            Some(json!("TCP"))
        );

        let svc = s.root_for("v1", "Service").unwrap();
        let spec = field(&s, svc, "spec").node;
        let selector = field(&s, spec, "selector").node;
        assert!(matches!(s.node(selector), Node::Map { atomic: true, .. }));
        let ports = field(&s, spec, "ports");
        assert_eq!(
            list_type(&s, ports.node),
            ListType::Map(MergeKey::Fields(vec![
                KeyField {
                    name: "port".into(),
                    default: None
                },
                KeyField {
                    name: "protocol".into(),
                    default: Some(json!("TCP"))
                },
            ]))
        );
    }
}

#[test]
fn swagger_oddities() {
    let Some(bytes) = swagger() else {
        return;
    };
    let s = load(&bytes, &Options::default()).unwrap();
    // claimRef overrides ObjectReference's atomic map type with granular.
    let pv = s.root_for("v1", "PersistentVolume").unwrap();
    let spec = field(&s, pv, "spec").node;
    let claim = field(&s, spec, "claimRef").node;
    assert!(matches!(
        s.node(claim),
        Node::Struct(StructNode { atomic: false, .. })
    ));
    let ep = s.root_for("v1", "Endpoints").unwrap();
    let subset = items(&s, field(&s, ep, "subsets").node);
    let address = items(&s, field(&s, subset, "addresses").node);
    let target = field(&s, address, "targetRef").node;
    assert!(matches!(
        s.node(target),
        Node::Struct(StructNode { atomic: true, .. })
    ));
    // Job conditions: SMP merges by type, SSA owns the list whole.
    let job = s.root_for("batch/v1", "Job").unwrap();
    let status = field(&s, job, "status").node;
    let conditions = field(&s, status, "conditions");
    assert_eq!(
        conditions.field.merge_key,
        Some(MergeKey::Field("type".into()))
    );
    assert_eq!(list_type(&s, conditions.node), ListType::Atomic);
    // Untyped and scalar definitions.
    let crd = s
        .root_for("apiextensions.k8s.io/v1", "CustomResourceDefinition")
        .unwrap();
    let spec = field(&s, crd, "spec").node;
    let versions = items(&s, field(&s, spec, "versions").node);
    let schema = field(&s, versions, "schema").node;
    let props = field(&s, schema, "openAPIV3Schema").node;
    assert_eq!(field(&s, props, "default").node, UNTYPED);
    let nested = field(&s, props, "properties").node;
    let Node::Map { values, .. } = s.node(nested) else {
        panic!("properties is a map")
    };
    assert_eq!(*values, props, "recursive JSONSchemaProps is one node");
    let deploy = s.root_for("apps/v1", "Deployment").unwrap();
    let dspec = field(&s, deploy, "spec").node;
    let strategy = field(&s, dspec, "strategy").field;
    assert_eq!(strategy.strategy, Strategy::Default); // retainKeys alone
    let ru = field(&s, strategy.node, "rollingUpdate").node;
    assert_eq!(s.node(field(&s, ru, "maxSurge").node), &Node::Scalar);
    assert!(s.root_for("v1", "DeleteOptions").is_some());
    // A `$ref` field is a pointer to the definition's node: a list lookup on
    // a struct field uses the struct itself, as upstream's OpenAPI reader and
    // Go pointers do.
    let pod = s.root_for("v1", "Pod").unwrap();
    let pspec = field(&s, pod, "spec").node;
    let raw = strukt(&s, pspec).fields["securityContext"].node;
    let Node::Pointer(element) = *s.node(raw) else {
        panic!("securityContext is a pointer")
    };
    assert_eq!(element, deref(&s, raw));
    assert!(s.node(element).is_struct());
    // An inline map is not a list (nor a pointer to one).
    let meta = field(&s, pod, "metadata").node;
    let labels = strukt(&s, meta).fields["labels"].node;
    assert!(matches!(s.node(labels), Node::Map { .. }));
    assert!(s.root_for("apps/v1", "DeleteOptions").is_some());
}

#[test]
fn v3_with_all_of() {
    let doc = json!({"openapi": "3.0.0", "components": {"schemas": {
        "io.k8s.api.core.v1.Service": {
            "type": "object",
            "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Service"}],
            "properties": {
                "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}], "default": {}},
                "spec": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.ServiceSpec"}], "default": {}}}},
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
            "type": "object",
            "properties": {"finalizers": {"type": "array", "items": {"type": "string", "default": ""},
                "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge"}}},
        "io.k8s.api.core.v1.ServiceSpec": {
            "type": "object",
            "properties": {
                "selector": {"type": "object", "additionalProperties": {"type": "string", "default": ""},
                             "x-kubernetes-map-type": "atomic"},
                "ports": {"type": "array",
                    "items": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.ServicePort"}], "default": {}},
                    "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port", "protocol"],
                    "x-kubernetes-patch-merge-key": "port", "x-kubernetes-patch-strategy": "merge"}}},
        "io.k8s.api.core.v1.ServicePort": {
            "type": "object",
            "properties": {"port": {"type": "integer", "default": 0},
                           "protocol": {"type": "string", "default": "TCP"},
                           "targetPort": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString"}]}}},
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"}
    }}});
    let s = from_openapi(
        &doc,
        &Options {
            list_map_keys_for_strategic: true,
        },
    )
    .unwrap();
    let root = s.root_for("v1", "Service").unwrap();
    let meta = field(&s, root, "metadata");
    assert_eq!(meta.field.default, Some(json!({})));
    let fin = field(&s, meta.node, "finalizers");
    assert_eq!(fin.field.strategy, Strategy::Merge);
    assert_eq!(list_type(&s, fin.node), ListType::Set);
    let spec = field(&s, root, "spec").node;
    assert!(matches!(
        s.node(field(&s, spec, "selector").node),
        Node::Map { atomic: true, .. }
    ));
    let ports = field(&s, spec, "ports");
    let keys = MergeKey::Fields(vec![
        KeyField {
            name: "port".into(),
            default: Some(json!(0)),
        },
        KeyField {
            name: "protocol".into(),
            default: Some(json!("TCP")),
        },
    ]);
    assert_eq!(ports.field.merge_key, Some(keys.clone()));
    assert_eq!(list_type(&s, ports.node), ListType::Map(keys));
    let port = items(&s, ports.node);
    assert_eq!(s.node(field(&s, port, "targetPort").node), &Node::Scalar);
}

#[test]
fn untyped_shapes_and_errors() {
    let doc = json!({"definitions": {
        "T": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "g", "version": "v1", "kind": "T"}],
              "properties": {
                  "json": {"$ref": "#/definitions/JSON"},
                  "raw": {"$ref": "#/definitions/Raw"},
                  "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                  "anyMap": {"type": "object", "additionalProperties": true},
                  "open": {"type": "object", "properties": {"a": {"type": "string"}},
                           "x-kubernetes-preserve-unknown-fields": true},
                  "list": {"type": "array"},
                  "self": {"$ref": "#/definitions/Alias"},
                  "bad": {"type": "array", "items": {"type": "string"}, "x-kubernetes-patch-strategy": "retainKeys"}}},
        "JSON": {"description": "any"},
        "Raw": {"type": "object"},
        "Alias": {"$ref": "#/definitions/T"}
    }});
    let s = from_openapi(&doc, &Options::default()).unwrap();
    let root = s.root_for("g/v1", "T").unwrap();
    for key in ["json", "raw", "free", "anyMap"] {
        assert_eq!(field(&s, root, key).node, UNTYPED, "{key}");
    }
    let open = field(&s, root, "open").node;
    assert_eq!(undeclared(&s, open, "zzz"), Some(UNTYPED));
    let list = field(&s, root, "list").node;
    assert_eq!(list_type(&s, list), ListType::Atomic);
    assert_eq!(items(&s, list), UNTYPED);
    assert_eq!(field(&s, root, "self").node, root);
    assert_eq!(list_type(&s, field(&s, root, "bad").node), ListType::Atomic);

    let missing = json!({"definitions": {"T": {"type": "object",
        "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "T"}],
        "properties": {"x": {"$ref": "#/definitions/Nope"}}}}});
    let err = from_openapi(&missing, &Options::default()).unwrap_err();
    assert!(matches!(&err, LoadError::UnresolvedRef { definition } if definition == "Nope"));
    assert!(err.to_string().contains("Nope"));
    let cycle = json!({"definitions": {"A": {"$ref": "#/definitions/B"}, "B": {"$ref": "#/definitions/A"},
        "T": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "T"}],
              "properties": {"x": {"$ref": "#/definitions/A"}}}}});
    let err = from_openapi(&cycle, &Options::default()).unwrap_err();
    assert!(matches!(err, LoadError::RefCycle { .. }));
    assert!(err.to_string().contains("cycle"));
    assert!(matches!(
        from_openapi(&json!({"swagger": "2.0"}), &Options::default()),
        Err(LoadError::NoDefinitions)
    ));
}

#[test]
fn tiny_crd() {
    let crd = br#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          metadata: {type: object}
          spec:
            type: object
            properties:
              replicas: {type: integer}
              port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
              tags: {type: array, items: {type: string}, x-kubernetes-list-type: set}
              args: {type: array, items: {type: string}}
              selector: {type: object, additionalProperties: {type: string}, x-kubernetes-map-type: atomic}
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [port, protocol]
                items:
                  type: object
                  properties:
                    port: {type: integer}
                    protocol: {type: string, default: TCP}
              config: {type: object, x-kubernetes-preserve-unknown-fields: true}
              template:
                type: object
                x-kubernetes-embedded-resource: true
                x-kubernetes-preserve-unknown-fields: true
  - name: v2
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          apiVersion: {type: string}
          spec: {type: object, properties: {size: {type: string}}}
"#;
    let s = load(crd, &Options::default()).unwrap();
    assert!(!s.strategic_allowed);
    let v1 = s.root_for("example.com/v1", "Widget").unwrap();
    let v2 = s.root_for("example.com/v2", "Widget").unwrap();
    assert!(s.root_for("example.com/v3", "Widget").is_none());
    for root in [v1, v2] {
        assert_eq!(s.node(field(&s, root, "apiVersion").node), &Node::Scalar);
        assert_eq!(s.node(field(&s, root, "kind").node), &Node::Scalar);
        let meta = field(&s, root, "metadata").node;
        let fin = field(&s, meta, "finalizers");
        assert_eq!(fin.field.strategy, Strategy::Merge);
        assert_eq!(list_type(&s, fin.node), ListType::Set);
        let owners = field(&s, meta, "ownerReferences");
        assert_eq!(owners.field.merge_key, Some(MergeKey::Field("uid".into())));
        let by_uid = MergeKey::Fields(vec![KeyField {
            name: "uid".into(),
            default: None,
        }]);
        assert_eq!(list_type(&s, owners.node), ListType::Map(by_uid));
        assert!(matches!(
            s.node(items(&s, owners.node)),
            Node::Struct(StructNode { atomic: true, .. })
        ));
        assert_eq!(
            list_type(&s, field(&s, meta, "managedFields").node),
            ListType::Atomic
        );
        assert!(matches!(
            s.node(field(&s, meta, "annotations").node),
            Node::Map { atomic: false, .. }
        ));
        assert_eq!(undeclared(&s, meta, "bogus"), None);
    }
    assert_eq!(undeclared(&s, v1, "bogus"), None);
    assert_eq!(undeclared(&s, v2, "bogus"), Some(UNTYPED));
    let spec = field(&s, v1, "spec").node;
    assert_eq!(s.node(field(&s, spec, "port").node), &Node::Scalar);
    assert_eq!(list_type(&s, field(&s, spec, "tags").node), ListType::Set);
    assert_eq!(
        list_type(&s, field(&s, spec, "args").node),
        ListType::Atomic
    );
    assert!(matches!(
        s.node(field(&s, spec, "selector").node),
        Node::Map { atomic: true, .. }
    ));
    assert_eq!(
        list_type(&s, field(&s, spec, "ports").node),
        ListType::Map(MergeKey::Fields(vec![
            KeyField {
                name: "port".into(),
                default: None
            },
            KeyField {
                name: "protocol".into(),
                default: Some(json!("TCP"))
            },
        ]))
    );
    assert_eq!(field(&s, spec, "config").node, UNTYPED);
    let template = field(&s, spec, "template").node;
    assert_eq!(undeclared(&s, template, "spec"), Some(UNTYPED));
    let tmeta = field(&s, template, "metadata").node;
    assert!(matches!(
        s.node(field(&s, tmeta, "labels").node),
        Node::Map { atomic: false, .. }
    ));

    assert!(matches!(
        from_crd(&json!({"kind": "CustomResourceDefinition", "spec": {}})),
        Err(LoadError::IncompleteCrd { .. })
    ));
}

/// A failed load: its category and its exact text (what the CLI prints after
/// the schema file's name).
fn assert_fails(result: Result<Schema, LoadError>, expected: LoadError, text: &str) {
    let err = result.expect_err("loading fails");
    assert_eq!(err, expected);
    assert_eq!(err.to_string(), text);
    assert!(std::error::Error::source(&err).is_none(), "{err}");
}

/// Each way loading fails.
#[test]
fn load_errors() {
    let options = Options::default();
    let kind = json!([{"group": "", "version": "v1", "kind": "T"}]);

    // Not JSON or YAML: the JSON parser's message for what looks like JSON,
    // the YAML parser's otherwise.
    let text = "EOF while parsing an object at line 1 column 17";
    assert_fails(
        load(br#"{"swagger": "2.0""#, &options),
        LoadError::Unreadable {
            message: text.into(),
        },
        text,
    );
    let text = "unclosed bracket '[' at line 1, column 10";
    assert_fails(
        load(b"swagger: [2.0", &options),
        LoadError::Unreadable {
            message: text.into(),
        },
        text,
    );
    // Neither kind of document.
    let text = "neither an OpenAPI v2/v3 document nor a CustomResourceDefinition";
    assert_fails(
        load(br#"{"kind": "Pod"}"#, &options),
        LoadError::Unrecognized,
        text,
    );
    assert_fails(load(b"[1, 2]", &options), LoadError::Unrecognized, text);
    let text = r#"not an OpenAPI document: no "definitions" (v2) or "components.schemas" (v3)"#;
    assert_fails(
        load(br#"{"swagger": "2.0"}"#, &options),
        LoadError::NoDefinitions,
        text,
    );
    assert_fails(
        from_openapi(&json!({"openapi": "3.0.0"}), &options),
        LoadError::NoDefinitions,
        text,
    );
    assert_fails(
        from_openapi(
            &json!({"definitions": {"T": {"type": "object",
                "x-kubernetes-group-version-kind": [{"group": "g", "kind": "T"}]}}}),
            &options,
        ),
        LoadError::IncompleteKind {
            definition: "T".into(),
        },
        r#"definition "T": x-kubernetes-group-version-kind without version or kind"#,
    );
    // Incomplete CustomResourceDefinitions.
    assert_fails(
        load(b"kind: CustomResourceDefinition", &options),
        LoadError::IncompleteCrd { member: "spec" },
        "CustomResourceDefinition without spec",
    );
    assert_fails(
        from_crd(&json!({"spec": {"names": {"kind": "W"}}})),
        LoadError::IncompleteCrd {
            member: "spec.group",
        },
        "CustomResourceDefinition without spec.group",
    );
    assert_fails(
        from_crd(&json!({"spec": {"group": "example.com", "names": {}}})),
        LoadError::IncompleteCrd {
            member: "spec.names.kind",
        },
        "CustomResourceDefinition without spec.names.kind",
    );
    assert_fails(
        from_crd(
            &json!({"spec": {"group": "example.com", "names": {"kind": "W"},
            "versions": [{"schema": {"openAPIV3Schema": {"type": "object"}}}]}}),
        ),
        LoadError::UnnamedVersion,
        "spec.versions[] without name",
    );
    // References.
    assert_fails(
        from_openapi(
            &json!({"definitions": {"T": {"type": "object",
                "x-kubernetes-group-version-kind": kind,
                "properties": {"x": {"$ref": "other.json#/definitions/X"}}}}}),
            &options,
        ),
        LoadError::UnsupportedRef {
            reference: "other.json#/definitions/X".into(),
        },
        r#"unsupported $ref "other.json#/definitions/X""#,
    );
    assert_fails(
        from_openapi(
            &json!({"definitions": {"T": {"type": "object",
                "x-kubernetes-group-version-kind": kind,
                "properties": {"x": {"allOf": [{"$ref": "#/components/schemas/a~1b"}]}}}}}),
            &options,
        ),
        LoadError::UnresolvedRef {
            definition: "a/b".into(),
        },
        r#"unresolved $ref to definition "a/b""#,
    );
    assert_fails(
        from_openapi(
            &json!({"definitions": {
                "A": {"$ref": "#/definitions/B"}, "B": {"$ref": "#/definitions/A"},
                "T": {"type": "object", "x-kubernetes-group-version-kind": kind,
                      "properties": {"x": {"$ref": "#/definitions/A"}}}}}),
            &options,
        ),
        LoadError::RefCycle {
            definition: "A".into(),
        },
        r#"cycle of $ref aliases through definition "A""#,
    );
}

/// An inline schema nested deeper than the builder allows (only a document
/// built in memory can be: parsed JSON stops at 128 levels).
#[test]
fn load_error_too_deep() {
    let mut deep = json!({"type": "string"});
    for _ in 0..600 {
        deep = json!({"type": "array", "items": deep});
    }
    let doc = json!({"definitions": {"T": {"type": "object",
        "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "T"}],
        "properties": {"deep": deep}}}});
    // The builder recurses once per level before it refuses: give it room in
    // a debug build.
    let result = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || from_openapi(&doc, &Options::default()))
        .expect("thread starts")
        .join()
        .expect("no panic");
    assert_fails(
        result,
        LoadError::TooDeep { limit: 512 },
        "schema nested deeper than 512 levels",
    );
}
