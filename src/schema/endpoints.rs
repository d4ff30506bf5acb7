//! The built-in schema: core/v1 Endpoints with keyed lists, and upstream ObjectMeta.
//!
//! Upstream declares every Endpoints list atomic, so a patch must resend all
//! of `subsets`. This schema keys them instead (README explains each key):
//! - `subsets[].addresses`, `subsets[].notReadyAddresses`: by `ip`;
//! - `subsets[].ports`: by (`port`, `name`), an absent `name` counting as `""`,
//!   so `53/UDP dns` and `53/TCP dns-tcp` never collide;
//! - `subsets`: a subset *is* its set of ports, so it is identified by the set
//!   of its ports' keys, in any order.
//!
//! `metadata` follows upstream ObjectMeta. Fields the schema does not name are
//! untyped while merging (objects merge, lists are replaced) and dropped when
//! the result is decoded, as decoding into `v1.Endpoints` drops them
//! ([`Unknown::Lenient`]); objects of other kinds get a root with only
//! ObjectMeta typed, whose other members are kept ([`Unknown::Untyped`]).
//!
//! ```
//! use kubepatch::schema::{MergeKey, Schema};
//! use kubepatch::strategic::lookup_list;
//! let s = Schema::endpoints();
//! let root = s.root_for("v1", "Endpoints").unwrap();
//! let subsets = lookup_list(&s, root, "subsets").unwrap();
//! assert_eq!(subsets.field.unwrap().merge_key, Some(MergeKey::ChildSet("ports".into())));
//! ```

use std::collections::HashMap;

use serde_json::Value;

use super::{
    Field, KeyField, ListNode, ListType, MergeKey, Node, NodeId, Schema, Strategy, StructNode,
    Unknown,
};

impl Schema {
    /// The built-in schema (the default when none is given).
    pub fn endpoints() -> Schema {
        let mut s = Schema::new();
        let scalar = s.add(Node::Scalar);
        let meta = object_meta(&mut s, scalar, Unknown::Lenient);

        let object_reference = s.add(strukt(
            &[
                "kind",
                "namespace",
                "name",
                "uid",
                "apiVersion",
                "resourceVersion",
                "fieldPath",
            ],
            scalar,
            true,
        ));
        let mut address = strukt(&["ip", "hostname", "nodeName"], scalar, false);
        set_field(&mut address, "targetRef", Field::plain(object_reference));
        let address = s.add(address);
        let port = s.add(strukt(
            &["name", "port", "protocol", "appProtocol"],
            scalar,
            false,
        ));

        let by_ip = MergeKey::Fields(vec![KeyField {
            name: "ip".into(),
            default: None,
        }]);
        let by_port_name = MergeKey::Fields(vec![
            KeyField {
                name: "port".into(),
                default: None,
            },
            KeyField {
                name: "name".into(),
                default: Some(Value::String(String::new())),
            },
        ]);
        let mut subset = strukt(&[], scalar, false);
        for name in ["addresses", "notReadyAddresses"] {
            let list = keyed_list(&mut s, address, &by_ip);
            set_field(&mut subset, name, list);
        }
        let ports = keyed_list(&mut s, port, &by_port_name);
        set_field(&mut subset, "ports", ports);
        let subset = s.add(subset);
        let subsets = keyed_list(&mut s, subset, &MergeKey::ChildSet("ports".into()));

        let mut endpoints = strukt(&["apiVersion", "kind"], scalar, false);
        set_field(&mut endpoints, "metadata", Field::plain(meta));
        set_field(&mut endpoints, "subsets", subsets);
        let endpoints = s.add(endpoints);
        s.add_root("v1", "Endpoints", endpoints);

        // Nothing is known of other kinds: what they carry besides is kept.
        any_object_root(&mut s, scalar, meta);
        s
    }

    /// The schema of a kind nothing is known of (a custom resource without
    /// `--schema`): every object's `metadata` is ObjectMeta, everything else
    /// untyped and kept (objects merge member by member, lists are
    /// replaced), and strategic merge patch is not offered: kube-apiserver
    /// answers 415 to it for custom resources.
    ///
    /// ```
    /// use kubepatch::schema::{Node, Schema, Unknown};
    /// let schema = Schema::unknown_kinds();
    /// assert!(!schema.strategic_allowed);
    /// let root = schema.root_for("example.com/v1", "Widget").unwrap();
    /// let Node::Struct(widget) = schema.node(root) else { panic!("a struct") };
    /// assert_eq!(widget.unknown, Unknown::Untyped);
    /// assert!(widget.fields.contains_key("metadata"));
    /// ```
    pub fn unknown_kinds() -> Schema {
        let mut s = Schema::new();
        let scalar = s.add(Node::Scalar);
        let meta = object_meta(&mut s, scalar, Unknown::Lenient);
        any_object_root(&mut s, scalar, meta);
        s.strategic_allowed = false;
        s
    }
}

/// The default root: `apiVersion`, `kind` and ObjectMeta typed, the rest kept.
fn any_object_root(s: &mut Schema, scalar: NodeId, meta: NodeId) {
    let mut any_object = strukt(&["apiVersion", "kind"], scalar, false);
    set_field(&mut any_object, "metadata", Field::plain(meta));
    if let Node::Struct(open) = &mut any_object {
        open.unknown = Unknown::Untyped;
    }
    let any_object = s.add(any_object);
    s.set_default_root(any_object);
}

/// Upstream ObjectMeta: labels/annotations merge per key, `finalizers` a
/// merged set, `ownerReferences` keyed by `uid` (each reference atomic),
/// `managedFields` atomic. The built-in schema merges unknown metadata
/// fields as untyped; custom resources refuse them (`unknown`); both drop
/// them from results.
pub(crate) fn object_meta(s: &mut Schema, scalar: NodeId, unknown: Unknown) -> NodeId {
    let mut meta = strukt(
        &[
            "name",
            "generateName",
            "namespace",
            "selfLink",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ],
        scalar,
        false,
    );
    let string_map = s.add(Node::Map {
        values: scalar,
        atomic: false,
    });
    set_field(&mut meta, "labels", Field::plain(string_map));
    set_field(&mut meta, "annotations", Field::plain(string_map));

    let finalizers = s.add(Node::List(ListNode {
        items: scalar,
        list_type: ListType::Set,
    }));
    set_field(
        &mut meta,
        "finalizers",
        Field {
            strategy: Strategy::Merge,
            ..Field::plain(finalizers)
        },
    );

    let owner_reference = s.add(strukt(
        &[
            "apiVersion",
            "kind",
            "name",
            "uid",
            "controller",
            "blockOwnerDeletion",
        ],
        scalar,
        true,
    ));
    // Strategic merge: upstream's single merge key; apply: the list-map keys.
    let by_uid = MergeKey::Field("uid".into());
    let owners = s.add(Node::List(ListNode {
        items: owner_reference,
        list_type: ListType::Map(MergeKey::Fields(vec![KeyField {
            name: "uid".into(),
            default: None,
        }])),
    }));
    set_field(
        &mut meta,
        "ownerReferences",
        Field {
            strategy: Strategy::Merge,
            merge_key: Some(by_uid),
            ..Field::plain(owners)
        },
    );

    let managed = s.add(Node::List(ListNode {
        items: super::UNTYPED,
        list_type: ListType::Atomic,
    }));
    set_field(&mut meta, "managedFields", Field::plain(managed));
    if let Node::Struct(m) = &mut meta {
        m.unknown = unknown;
    }
    s.add(meta)
}

/// A struct with these scalar fields; unknown fields are untyped while
/// merging and dropped from results.
fn strukt(scalars: &[&str], scalar: NodeId, atomic: bool) -> Node {
    let fields: HashMap<String, Field> = scalars
        .iter()
        .map(|n| (n.to_string(), Field::plain(scalar)))
        .collect();
    Node::Struct(StructNode {
        fields,
        unknown: Unknown::Lenient,
        atomic,
        extra: None,
    })
}

fn set_field(node: &mut Node, name: &str, field: Field) {
    if let Node::Struct(s) = node {
        s.fields.insert(name.to_string(), field);
    }
}

/// A list of `items` merged (strategic) and owned (apply) by `key`.
fn keyed_list(s: &mut Schema, items: NodeId, key: &MergeKey) -> Field {
    let list = s.add(Node::List(ListNode {
        items,
        list_type: ListType::Map(key.clone()),
    }));
    Field {
        node: list,
        strategy: Strategy::Merge,
        merge_key: Some(key.clone()),
        default: None,
    }
}
