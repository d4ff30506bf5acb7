//! The schema: per field, what a value is and how it merges.
//!
//! One model serves strategic merge patch and server-side apply. It is data:
//! the built-in Endpoints schema ([`endpoints`]), the compiled-in schemas of
//! every Kubernetes kind ([`builtin`]), a Kubernetes OpenAPI v2/v3
//! document ([`openapi`]) and the test vocabulary ([`vocabulary`]) all build
//! the same [`Schema`].
//!
//! * A [`Node`] is a type: a struct with named fields, a free-form map, a
//!   list, a scalar, a pointer (for Go struct-tag lookups), or *untyped*
//!   (no information: maps merge, lists replace).
//! * A [`Field`] is a node plus the strategic-merge metadata of that field:
//!   its patch strategy and merge key ([`MergeKey`]).
//! * Lists and maps carry their server-side-apply relationship: a list is
//!   atomic, a set, or a map keyed by [`MergeKey`]; a map is granular or atomic.
//!
//!
//! Both strategies walk a value together with its schema through one crate
//! cursor (`cursor`: members, list items, pointers) and identify list
//! elements by one rule (`identity`); what each strategy reads differently
//! is a short, named list beside its own code.
//!
//! ```
//! use kubepatch::schema::{ListType, MergeKey, Node, Schema};
//!
//! let schema = Schema::endpoints();
//! let root = schema.root_for("v1", "Endpoints").unwrap();
//! let Node::Struct(endpoints) = schema.node(root) else { panic!("a struct") };
//! let subsets = &endpoints.fields["subsets"];
//! assert!(subsets.strategy.is_merge());
//! let list = schema.list_node(subsets.node).unwrap();
//! assert_eq!(list.list_type, ListType::Map(MergeKey::ChildSet("ports".into())));
//! assert!(schema.node(list.items).is_struct());
//! ```

pub mod builtin;
pub(crate) mod cursor;
pub mod endpoints;
pub(crate) mod identity;
pub mod openapi;
pub mod vocabulary;

pub use openapi::LoadError;

use std::collections::HashMap;

use serde_json::Value;

/// Index of a node in a [`Schema`].
pub type NodeId = usize;

/// A schema: an arena of nodes and the root node of each kind it describes.
/// Node [`UNTYPED`] always exists and is [`Node::Untyped`].
#[derive(Debug, Clone)]
pub struct Schema {
    nodes: Vec<Node>,
    roots: HashMap<(String, String), NodeId>,
    default_root: Option<NodeId>,
    /// Whether strategic merge patch is offered (false for custom resources:
    /// kube-apiserver answers 415 to it).
    pub strategic_allowed: bool,
    /// Whether objects are Go structs whose empty optional fields vanish on
    /// decode (`omitempty`: built-in kinds), or keep them (custom resources).
    pub omit_empty: bool,
}

/// The node every schema has first: no information.
pub const UNTYPED: NodeId = 0;

/// A type.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// An object with known fields.
    Struct(StructNode),
    /// A free-form object (`map[string]T`): every member has the node `values`.
    Map {
        /// The members' node.
        values: NodeId,
        /// Server-side apply: owned whole (`x-kubernetes-map-type: atomic`).
        atomic: bool,
    },
    /// A list.
    List(ListNode),
    /// A string, number or boolean.
    Scalar,
    /// A Go pointer, for struct-tag lookups: object lookups see through it; a
    /// list lookup uses the target's items, or the target itself.
    Pointer(NodeId),
    /// No information: objects merge member by member, lists are replaced.
    Untyped,
}

/// An object with named fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StructNode {
    /// The fields by JSON name.
    pub fields: HashMap<String, Field>,
    /// What a field not in `fields` is: an error (upstream's Go types and
    /// OpenAPI objects), untyped while merging but dropped from results (the
    /// built-in schema's types), or untyped and kept (preserved unknown fields).
    pub unknown: Unknown,
    /// Server-side apply: owned whole (`x-kubernetes-map-type: atomic`).
    pub atomic: bool,
    /// Members not in `fields` have this node (OpenAPI `additionalProperties`).
    pub extra: Option<NodeId>,
}

/// What a struct does with a field it does not declare.
///
/// Decoding a patch's result into its kind's type (kube-apiserver's step
/// after every JSON, merge and strategic patch) drops the undeclared members
/// of `Error` and `Lenient` structs and reports them under `fieldValidation`;
/// `Untyped` structs keep theirs.
///
/// ```
/// use kubepatch::schema::{Node, Schema, Unknown};
/// let schema = Schema::endpoints();
/// let root = schema.root_for("v1", "Endpoints").unwrap();
/// let Node::Struct(endpoints) = schema.node(root) else { panic!("a struct") };
/// assert_eq!(endpoints.unknown, Unknown::Lenient);
/// // Kinds the built-in schema does not know keep what they carry.
/// let other = schema.root_for("v1", "ConfigMap").unwrap();
/// let Node::Struct(object) = schema.node(other) else { panic!("a struct") };
/// assert_eq!(object.unknown, Unknown::Untyped);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unknown {
    /// Looking it up is an error, as upstream does for Go types and OpenAPI
    /// objects: strategic merge refuses to recurse into it and apply refuses
    /// it (`field not declared in schema`); decoding drops it.
    #[default]
    Error,
    /// Untyped while merging (objects merge, lists replace), as the built-in
    /// schema's types are lenient; decoding drops it and apply refuses it,
    /// as for the Go type the struct describes.
    Lenient,
    /// It is untyped and kept: objects merge, lists replace, decoding keeps
    /// it (`x-kubernetes-preserve-unknown-fields`, kinds nothing is known of).
    Untyped,
}

/// A list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListNode {
    /// The elements' node.
    pub items: NodeId,
    /// Server-side apply: how the list is owned.
    pub list_type: ListType,
}

/// How server-side apply owns a list.
#[derive(Debug, Clone, PartialEq)]
pub enum ListType {
    /// Owned whole.
    Atomic,
    /// A set of scalars, each owned.
    Set,
    /// A map of elements identified by a key, each owned.
    Map(MergeKey),
}

/// A field of a struct: its node and its strategic-merge metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field's node.
    pub node: NodeId,
    /// The effective patch strategy.
    pub strategy: Strategy,
    /// The merge key of a list of objects.
    pub merge_key: Option<MergeKey>,
    /// Server-side apply: the value a list-map key field takes when omitted.
    pub default: Option<Value>,
}

impl Field {
    /// A field of node `node` with no strategic-merge metadata: objects
    /// merge, lists are replaced, no key.
    ///
    /// ```
    /// use kubepatch::schema::{Field, Strategy, UNTYPED};
    /// let f = Field::plain(UNTYPED);
    /// assert_eq!((f.strategy, f.merge_key), (Strategy::Default, None));
    /// ```
    pub fn plain(node: NodeId) -> Field {
        Field {
            node,
            strategy: Strategy::Default,
            merge_key: None,
            default: None,
        }
    }
}

/// The effective strategic-merge strategy of a field (upstream reduces the
/// `patchStrategy` list to one word; `retainKeys` alone has no effect on
/// application).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Objects merge, lists are replaced.
    #[default]
    Default,
    /// Lists merge (by merge key, or as a set of scalars).
    Merge,
    /// Objects are replaced whole.
    Replace,
    /// Metadata upstream cannot reduce (`unexpected patch strategy: [...]`).
    Invalid(String),
}

impl Strategy {
    /// Reduce a comma-separated `patchStrategy` / `x-kubernetes-patch-strategy`.
    ///
    /// ```
    /// use kubepatch::schema::Strategy;
    /// assert_eq!(Strategy::parse("merge,retainKeys"), Strategy::Merge);
    /// assert_eq!(Strategy::parse("retainKeys"), Strategy::Default);
    /// assert!(matches!(Strategy::parse("merge,replace"), Strategy::Invalid(_)));
    /// ```
    pub fn parse(text: &str) -> Strategy {
        let parts: Vec<&str> = text.split(',').collect();
        let word = match parts.as_slice() {
            [] | [""] | ["retainKeys"] => return Strategy::Default,
            [one] => *one,
            [a, "retainKeys"] | ["retainKeys", a] => *a,
            _ => {
                let list: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
                return Strategy::Invalid(format!(
                    "unexpected patch strategy: [{}]",
                    list.join(" ")
                ));
            }
        };
        match word {
            "merge" => Strategy::Merge,
            "replace" => Strategy::Replace,
            _ => Strategy::Default,
        }
    }

    /// Whether lists merge.
    pub fn is_merge(&self) -> bool {
        *self == Strategy::Merge
    }
}

/// How the elements of a list of objects are identified.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeKey {
    /// Upstream's single `patchMergeKey` / `x-kubernetes-patch-merge-key`.
    Field(String),
    /// Several fields together (`x-kubernetes-list-map-keys`); an absent field
    /// takes its default if it has one, otherwise the element has no key.
    Fields(Vec<KeyField>),
    /// The set of the keys of the elements of the named child list (an
    /// EndpointSubset *is* its set of ports). Order-insensitive.
    ChildSet(String),
}

/// One field of a composite key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyField {
    /// The field's name.
    pub name: String,
    /// The value an absent field counts as.
    pub default: Option<Value>,
}

impl MergeKey {
    /// A human-readable name of the key, as error messages show it.
    pub fn describe(&self) -> String {
        match self {
            MergeKey::Field(f) => f.clone(),
            MergeKey::Fields(fs) => fs
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(","),
            MergeKey::ChildSet(list) => format!("{list}[*]"),
        }
    }
}

impl Node {
    /// Whether this is a struct.
    pub fn is_struct(&self) -> bool {
        matches!(self, Node::Struct(_))
    }
}

impl Default for Schema {
    fn default() -> Self {
        Schema::new()
    }
}

impl Schema {
    /// A schema with only the [`UNTYPED`] node and no roots, offering strategic merge.
    pub fn new() -> Self {
        Schema {
            nodes: vec![Node::Untyped],
            roots: HashMap::new(),
            default_root: None,
            strategic_allowed: true,
            omit_empty: true,
        }
    }

    /// Add a node and return its id.
    pub fn add(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Replace a node (used to tie recursive types).
    pub fn set(&mut self, id: NodeId, node: Node) {
        self.nodes[id] = node;
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Declare `node` as the root of objects of this apiVersion and kind.
    pub fn add_root(&mut self, api_version: &str, kind: &str, node: NodeId) {
        self.roots
            .insert((api_version.to_string(), kind.to_string()), node);
    }

    /// Use `node` for objects whose kind has no root of its own.
    pub fn set_default_root(&mut self, node: NodeId) {
        self.default_root = Some(node);
    }

    /// The root node for an object of this apiVersion and kind, or the
    /// default root.
    pub fn root_for(&self, api_version: &str, kind: &str) -> Option<NodeId> {
        self.roots
            .get(&(api_version.to_string(), kind.to_string()))
            .copied()
            .or(self.default_root)
    }

    /// The root node for an object, from its own `apiVersion` and `kind`.
    pub fn root_of(&self, object: &Value) -> Option<NodeId> {
        let text = |k: &str| object.get(k).and_then(Value::as_str).unwrap_or("");
        self.root_for(text("apiVersion"), text("kind"))
    }

    /// Follow pointers.
    fn deref(&self, mut id: NodeId) -> NodeId {
        let mut hops = 0;
        while let Node::Pointer(to) = self.nodes[id] {
            id = to;
            hops += 1;
            if hops > self.nodes.len() {
                break;
            }
        }
        id
    }

    /// The list node `list` is (through pointers), if it is a list.
    pub fn list_node(&self, list: NodeId) -> Option<&ListNode> {
        match &self.nodes[self.deref(list)] {
            Node::List(l) => Some(l),
            _ => None,
        }
    }
}
