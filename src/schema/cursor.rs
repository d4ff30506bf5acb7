//! A position in a schema, for walks that descend a value and its schema
//! together.
//!
//! Strategic merge and server-side apply both carry a [`Cursor`] beside the
//! value they are at: it sees through Go pointers, tells what a member of an
//! object is ([`Member`]: declared, extra, untyped or unknown), and what the
//! elements of a list are. How a list element is identified is
//! [`super::identity`]'s part. What each strategy then does differently from
//! the other (Go's case-insensitive field names, upstream's errors) is a thin
//! layer in its own module.

use super::{Field, ListNode, MergeKey, Node, NodeId, Schema, StructNode, UNTYPED, Unknown};

/// A node of a schema, pointers followed.
#[derive(Clone, Copy)]
pub(crate) struct Cursor<'s> {
    schema: &'s Schema,
    id: NodeId,
}

/// What a member of an object is.
#[derive(Clone, Copy)]
pub(crate) enum Member<'s> {
    /// A field the struct declares.
    Declared(&'s Field),
    /// A member whose node is given by its container: a map's values, or a
    /// struct's `additionalProperties`.
    Extra(NodeId),
    /// A member of an object about which nothing is known.
    Untyped,
    /// A member a struct does not declare; the struct's policy says what it is.
    Undeclared(Unknown),
    /// The node is not an object (a list or a scalar).
    NotAnObject,
}

impl<'s> Member<'s> {
    /// The member's node, reading what is unknown as untyped.
    pub(crate) fn node(self) -> NodeId {
        match self {
            Member::Declared(f) => f.node,
            Member::Extra(id) => id,
            Member::Untyped | Member::Undeclared(_) | Member::NotAnObject => UNTYPED,
        }
    }

    /// The declared field, if the member is one.
    pub(crate) fn field(self) -> Option<&'s Field> {
        match self {
            Member::Declared(f) => Some(f),
            _ => None,
        }
    }
}

impl<'s> Cursor<'s> {
    /// The cursor at `id`, through any pointers (a cycle of pointers is
    /// untyped).
    pub(crate) fn new(schema: &'s Schema, id: NodeId) -> Self {
        let id = match schema.deref(id) {
            id if matches!(schema.node(id), Node::Pointer(_)) => UNTYPED,
            id => id,
        };
        Cursor { schema, id }
    }

    /// Another node of the same schema.
    pub(crate) fn at(self, id: NodeId) -> Self {
        Cursor::new(self.schema, id)
    }

    /// The node's id (never a pointer).
    pub(crate) fn id(self) -> NodeId {
        self.id
    }

    /// The node.
    pub(crate) fn node(self) -> &'s Node {
        self.schema.node(self.id)
    }

    /// The struct here, if the node is one.
    pub(crate) fn as_struct(self) -> Option<&'s StructNode> {
        match self.node() {
            Node::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// The list here, if the node is one.
    pub(crate) fn as_list(self) -> Option<&'s ListNode> {
        match self.node() {
            Node::List(l) => Some(l),
            _ => None,
        }
    }

    /// What member `key` of an object here is: a declared field first, then
    /// the container's extra members (map values, `additionalProperties`).
    pub(crate) fn member(self, key: &str) -> Member<'s> {
        match self.node() {
            Node::Struct(s) => match (s.fields.get(key), s.extra) {
                (Some(f), _) => Member::Declared(f),
                (None, Some(extra)) => Member::Extra(extra),
                (None, None) => Member::Undeclared(s.unknown),
            },
            Node::Map { values, .. } => Member::Extra(*values),
            Node::Untyped => Member::Untyped,
            Node::List(_) | Node::Scalar | Node::Pointer(_) => Member::NotAnObject,
        }
    }

    /// The declared field `key` names under Go's JSON rules when no field
    /// has exactly that name: the first, by name, that matches ignoring ASCII
    /// case.
    pub(crate) fn folded_field(self, key: &str) -> Option<&'s Field> {
        let s = self.as_struct()?;
        s.fields
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(key))
            .min_by(|a, b| a.0.cmp(b.0))
            .map(|(_, f)| f)
    }

    /// The list field `name` of a struct here: its elements' cursor and its
    /// merge key (the field's own, else its list-map key), when the field is
    /// a declared list.
    pub(crate) fn child_list(self, name: &str) -> Option<(Cursor<'s>, Option<&'s MergeKey>)> {
        let field = self.member(name).field()?;
        let list = self.at(field.node).as_list()?;
        let key = field.merge_key.as_ref().or(match &list.list_type {
            super::ListType::Map(k) => Some(k),
            _ => None,
        });
        Some((self.at(list.items), key))
    }
}
