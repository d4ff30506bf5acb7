//! Upstream's struct-tag lookups (`LookupPatchMetadataForStruct` and
//! `…ForSlice`), on the shared schema [`Cursor`].
//!
//! What strategic merge reads differently from apply, each named here:
//! * **Go's field names**: a member no field declares exactly may name one
//!   ignoring ASCII case, as Go's JSON decoder matches struct fields.
//! * **Maps are not structs**: merging an object into a `map[string]T` member
//!   is upstream's `ErrSchemaNotStruct`, where apply reads map values.
//! * **Pointers**: a Go pointer to a struct, looked up as a list, merges as a
//!   list of that struct (upstream's tags cannot tell a pointer from a list).
//! * **No lists of lists**: a list whose elements are lists is an error.
//!
//! ```
//! use kubepatch::schema::Schema;
//! use kubepatch::strategic::{lookup_list, lookup_struct};
//!
//! let s = Schema::endpoints();
//! let root = s.root_for("v1", "Endpoints").unwrap();
//! let meta = lookup_struct(&s, root, "metadata").unwrap();
//! assert!(s.node(meta.node).is_struct());
//! let subsets = lookup_list(&s, root, "subsets").unwrap();
//! assert!(subsets.field.unwrap().strategy.is_merge());
//! assert!(s.node(subsets.node).is_struct());
//! ```

use crate::schema::cursor::{Cursor, Member};
use crate::schema::{Field, Node, NodeId, Schema, UNTYPED, Unknown};

/// The result of a lookup: the child's node and, for a struct field, its metadata.
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'s> {
    /// The node of the child (for a list lookup: of its elements).
    pub node: NodeId,
    /// The field's metadata, if the child is a declared field.
    pub field: Option<&'s Field>,
}

/// Why a lookup failed (upstream's metadata errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The struct has no such field.
    UnknownField(String),
    /// An object lookup inside something that is not a struct (Go's kind name).
    NotStruct(&'static str),
    /// A list lookup on a field that is not a list.
    NotList,
    /// A list whose elements are lists.
    SliceOfSlice,
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::UnknownField(k) => write!(
                f,
                "unable to find api field in struct for the json field {k:?}"
            ),
            LookupError::NotStruct(kind) => write!(
                f,
                "merging an object in json but data type is not struct, instead is: {kind}"
            ),
            LookupError::NotList => f.write_str("expected slice or array type, but got: struct"),
            LookupError::SliceOfSlice => f.write_str("unexpected slice of slice"),
        }
    }
}

impl std::error::Error for LookupError {}

/// Object lookup of member `key` of an object at `parent`
/// (upstream `LookupPatchMetadataForStruct`).
pub fn lookup_struct<'s>(
    schema: &'s Schema,
    parent: NodeId,
    key: &str,
) -> Result<Lookup<'s>, LookupError> {
    let at = Cursor::new(schema, parent);
    match at.node() {
        Node::Untyped => Ok(untyped(at.id())),
        Node::Struct(_) => struct_field(at, key),
        other => Err(LookupError::NotStruct(go_kind(other))),
    }
}

/// List lookup of member `key` of an object at `parent`
/// (upstream `LookupPatchMetadataForSlice`): the node of the list's *elements*.
pub fn lookup_list<'s>(
    schema: &'s Schema,
    parent: NodeId,
    key: &str,
) -> Result<Lookup<'s>, LookupError> {
    let at = Cursor::new(schema, parent);
    let found = match at.node() {
        Node::Untyped => return Ok(untyped(at.id())),
        Node::Struct(_) => struct_field(at, key)?,
        _ => return Err(LookupError::NotList),
    };
    let element = match schema.node(found.node) {
        Node::Untyped => found.node,
        Node::List(list) => {
            if at.at(list.items).as_list().is_some() {
                return Err(LookupError::SliceOfSlice);
            }
            list.items
        }
        Node::Pointer(to) => match at.at(*to).as_list() {
            Some(list) => list.items,
            None => *to,
        },
        _ => return Err(LookupError::NotList),
    };
    Ok(Lookup {
        node: element,
        field: found.field,
    })
}

fn untyped<'s>(node: NodeId) -> Lookup<'s> {
    Lookup { node, field: None }
}

/// A struct's member: declared, extra, Go's case-insensitive match, then
/// the struct's policy for what it does not declare.
fn struct_field<'s>(at: Cursor<'s>, key: &str) -> Result<Lookup<'s>, LookupError> {
    match at.member(key) {
        Member::Declared(f) => Ok(Lookup {
            node: f.node,
            field: Some(f),
        }),
        Member::Extra(node) => Ok(untyped(node)),
        Member::Undeclared(policy) => match (at.folded_field(key), policy) {
            (Some(f), _) => Ok(Lookup {
                node: f.node,
                field: Some(f),
            }),
            (None, Unknown::Error) => Err(LookupError::UnknownField(key.to_string())),
            (None, Unknown::Lenient | Unknown::Untyped) => Ok(untyped(UNTYPED)),
        },
        Member::Untyped | Member::NotAnObject => Ok(untyped(UNTYPED)),
    }
}

/// Go's `reflect.Kind` name of a node, as upstream's errors print it.
fn go_kind(node: &Node) -> &'static str {
    match node {
        Node::Struct(_) => "struct",
        Node::Map { .. } => "map",
        Node::List(_) => "slice",
        Node::Scalar => "string",
        Node::Pointer(_) => "ptr",
        Node::Untyped => "interface",
    }
}
