//! Decoding a patch's result into its kind's type: what kube-apiserver does
//! with the patched document before it stores it, for the members a schema
//! does not declare.
//!
//! After a JSON, merge or strategic patch, kube-apiserver decodes the result
//! into the typed object: a member the type does not declare has nowhere to
//! go, so the stored object never has it. That includes directives a
//! strategic merge leaves in place as data (a `$patch` in a new list item):
//! they are members like any other. Under `fieldValidation=Warn` and
//! `Strict` the decoder also lists each such member, `unknown field
//! "<path>"`, paths dotted with list indices (`subsets[0].addresses[1].x`).
//! Which decoder runs decides the order of the list (the crate-private
//! `Reader`).
//!
//! What is undeclared is the schema's to say: members of a struct whose
//! policy is [`Unknown::Error`] or [`Unknown::Lenient`] that it does not
//! declare (matched exactly: the decoders are case-sensitive); an
//! [`Unknown::Untyped`] struct (preserved unknown fields), a map's values
//! and anything untyped keep what they hold. Values of the wrong type are
//! left as they are.
//!
//! The walk follows the patch: it visits only what the patch reached (the
//! crate-private `Reach`), taking the live object to be as kube-apiserver
//! stores it, with no undeclared member (the stored object was decoded too).
//! Nothing is copied; a dropped member is removed in place. [`undeclared`]
//! walks a whole object, the body of a create or an update.

use serde_json::{Map, Value};

use crate::content_type::PatchType;
use crate::go;
use crate::reach::Reach;
use crate::schema::cursor::{Cursor, Member};
use crate::schema::{Node, NodeId, Schema, Unknown};

/// The decoder kube-apiserver reads a result with, which decides how the
/// undeclared members are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reader {
    /// `encoding/json`, strict (sigs.k8s.io/json), into a Go struct: the
    /// result of a JSON or merge patch of a built-in kind. Listed in document
    /// order (keys sorted, as the patched JSON has them), at most
    /// [`GO_JSON_LIMIT`]; a map's keys are part of the paths.
    GoJson,
    /// apimachinery's unstructured converter: the result of a strategic merge.
    /// Listed sorted by message; a map's keys are not part of the paths (the
    /// converter does not add them).
    Converter,
    /// Structural pruning of a custom resource. Listed sorted by path.
    Pruning,
}

/// How many strict errors sigs.k8s.io/json keeps from one decode.
pub(crate) const GO_JSON_LIMIT: usize = 100;

impl Reader {
    /// The decoder that reads the result of a `patch_type` patch of an object
    /// of `schema`: custom resources (whose schema keeps empty fields, as
    /// they are no Go structs) are pruned.
    pub(crate) fn of(patch_type: PatchType, schema: &Schema) -> Reader {
        match patch_type {
            _ if !schema.omit_empty => Reader::Pruning,
            PatchType::Strategic => Reader::Converter,
            _ => Reader::GoJson,
        }
    }
}

/// What a decode does with undeclared members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decode {
    /// Name them (`fieldValidation` `Warn` or `Strict`).
    pub(crate) list: bool,
    /// Remove them from the value (all but `Strict`, which fails instead).
    pub(crate) drop: bool,
}

/// The members of `object`, a whole object as a create or an update sends
/// it, that its kind's type does not declare, as kube-apiserver's JSON
/// decoder finds them: their `unknown field "<path>"` messages in document
/// order (keys sorted), at most 100 (sigs.k8s.io/json's limit), each member
/// removed when `drop` (`fieldValidation` `Warn` and `Ignore`; `Strict`
/// refuses the body instead). An object of a kind `schema` does not describe
/// keeps everything. A server decoding a create's or a replace's body calls
/// this; a PATCH result is decoded by the request itself.
///
/// ```
/// use kubepatch::{schema::Schema, unknown_fields::undeclared};
/// use serde_json::json;
///
/// let mut body = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "x": 1},
///     "subsets": [{"addresses": [{"ip": "10.0.0.1", "y": 2}]}]});
/// let found = undeclared(&mut body, &Schema::endpoints(), true);
/// assert_eq!(found, [r#"unknown field "metadata.x""#, r#"unknown field "subsets[0].addresses[0].y""#]);
/// assert_eq!(body["metadata"], json!({"name": "web"}));
/// ```
pub fn undeclared(object: &mut Value, schema: &Schema, drop: bool) -> Vec<String> {
    let Some(root) = schema.root_of(object) else {
        return Vec::new();
    };
    let how = Decode { list: true, drop };
    decode(object, schema, root, &Reach::All, Reader::GoJson, how)
}

/// Decode `value`, an object of the kind whose schema node is `root`, within
/// `reach`: remove its undeclared members if `how.drop`, and return their
/// `unknown field "<path>"` messages, in `reader`'s order, if `how.list`.
pub(crate) fn decode(
    value: &mut Value,
    schema: &Schema,
    root: NodeId,
    reach: &Reach,
    reader: Reader,
    how: Decode,
) -> Vec<String> {
    let mut walk = Walk {
        schema,
        reader,
        how,
        path: String::new(),
        found: Vec::new(),
    };
    walk.value(value, Cursor::new(schema, root), reach);
    let mut found = walk.found;
    match reader {
        Reader::GoJson => {}
        Reader::Converter => found.sort_by(|a, b| a.1.cmp(&b.1)),
        Reader::Pruning => found.sort_by(|a, b| a.0.cmp(&b.0)),
    }
    found.into_iter().map(|(_, message)| message).collect()
}

/// One decode in progress.
struct Walk<'s> {
    schema: &'s Schema,
    reader: Reader,
    how: Decode,
    /// The path to the value being walked (kept only when listing).
    path: String,
    /// Each undeclared member found: its path and its message.
    found: Vec<(String, String)>,
}

impl<'s> Walk<'s> {
    fn value(&mut self, value: &mut Value, at: Cursor<'s>, reach: &Reach) {
        match value {
            Value::Object(map) if matches!(at.node(), Node::Struct(_) | Node::Map { .. }) => {
                self.object(map, at, reach)
            }
            Value::Array(items) => self.list(items, at, reach),
            _ => {}
        }
    }

    fn object(&mut self, map: &mut Map<String, Value>, at: Cursor<'s>, reach: &Reach) {
        let mut doomed = Vec::new();
        match reach {
            Reach::Fields(members) => {
                for (key, within) in members {
                    if let Some(child) = map.get_mut(key) {
                        self.member(key, child, at, within, &mut doomed);
                    }
                }
            }
            // Reached whole (or a list was expected here: whole too).
            _ => {
                for (key, child) in map.iter_mut() {
                    self.member(key, child, at, &Reach::All, &mut doomed);
                }
            }
        }
        if self.how.drop {
            for key in doomed {
                map.remove(&key);
            }
        }
    }

    /// Member `key` of an object at `at`, holding `child`.
    fn member(
        &mut self,
        key: &str,
        child: &mut Value,
        at: Cursor<'s>,
        within: &Reach,
        doomed: &mut Vec<String>,
    ) {
        match at.member(key) {
            Member::Declared(field) => self.descend(Some(key), child, at.at(field.node), within),
            Member::Extra(node) => {
                // The converter names no map key in its paths.
                let named =
                    !(self.reader == Reader::Converter && matches!(at.node(), Node::Map { .. }));
                self.descend(named.then_some(key), child, at.at(node), within);
            }
            Member::Undeclared(Unknown::Error | Unknown::Lenient) => {
                self.record(key);
                if self.how.drop {
                    doomed.push(key.to_string());
                }
            }
            Member::Undeclared(Unknown::Untyped) | Member::Untyped | Member::NotAnObject => {}
        }
    }

    /// Walk `child` at `at`, one step below the current path (named `key`,
    /// or not named).
    fn descend(&mut self, key: Option<&str>, child: &mut Value, at: Cursor<'s>, within: &Reach) {
        if !child.is_object() && !child.is_array() {
            return;
        }
        let len = self.path.len();
        if let (Some(key), true) = (key, self.how.list) {
            if !self.path.is_empty() {
                self.path.push('.');
            }
            self.path.push_str(key);
        }
        self.value(child, at, within);
        self.path.truncate(len);
    }

    fn list(&mut self, items: &mut [Value], at: Cursor<'s>, reach: &Reach) {
        let Some(list) = at.as_list() else {
            return;
        };
        let item_at = at.at(list.items);
        let schema = self.schema;
        for (i, item) in items.iter_mut().enumerate() {
            let within = match reach {
                // Only the items the patch named can have changed.
                Reach::Items(named) => match named.within_item(item, schema) {
                    Some(within) => within,
                    None => continue,
                },
                _ => &Reach::All,
            };
            if !item.is_object() && !item.is_array() {
                continue;
            }
            let len = self.path.len();
            if self.how.list {
                self.path.push('[');
                self.path.push_str(&i.to_string());
                self.path.push(']');
            }
            self.value(item, item_at, within);
            self.path.truncate(len);
        }
    }

    /// Note the undeclared member `key` of the object at the current path.
    fn record(&mut self, key: &str) {
        if !self.how.list || (self.reader == Reader::GoJson && self.found.len() >= GO_JSON_LIMIT) {
            return;
        }
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        let message = format!("unknown field {}", go::go_quote(&path));
        self.found.push((path, message));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const WARN: Decode = Decode {
        list: true,
        drop: true,
    };

    fn endpoints_root(schema: &Schema) -> NodeId {
        schema
            .root_for("v1", "Endpoints")
            .expect("the built-in Endpoints")
    }

    #[test]
    fn undeclared_members_go_and_are_named_with_their_paths() {
        let schema = Schema::endpoints();
        let mut v = json!({"apiVersion": "v1", "kind": "Endpoints", "zeta": 1,
            "metadata": {"name": "a", "bogus": {"x": 1}, "labels": {"any": "kept"}},
            "subsets": [{"ports": [{"port": 1, "extra": true}]},
                        {"addresses": [{"ip": "1.1.1.1", "$patch": "delete",
                                        "targetRef": {"kind": "Pod", "oops": null}}]}]});
        let found = decode(
            &mut v,
            &schema,
            endpoints_root(&schema),
            &Reach::All,
            Reader::GoJson,
            WARN,
        );
        // Document order: keys sorted at each level, depth first.
        assert_eq!(
            found,
            [
                r#"unknown field "metadata.bogus""#,
                r#"unknown field "subsets[0].ports[0].extra""#,
                r#"unknown field "subsets[1].addresses[0].$patch""#,
                r#"unknown field "subsets[1].addresses[0].targetRef.oops""#,
                r#"unknown field "zeta""#,
            ]
        );
        assert_eq!(
            v,
            json!({"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": "a", "labels": {"any": "kept"}},
                "subsets": [{"ports": [{"port": 1}]},
                            {"addresses": [{"ip": "1.1.1.1", "targetRef": {"kind": "Pod"}}]}]})
        );
    }

    #[test]
    fn the_converter_sorts_by_message_and_names_no_map_key() {
        // A map of structs: `items` keyed by name, each with field `a`.
        let mut schema = Schema::new();
        let scalar = schema.add(Node::Scalar);
        let mut item = crate::schema::StructNode::default();
        item.fields
            .insert("a".into(), crate::schema::Field::plain(scalar));
        let item = schema.add(Node::Struct(item));
        let map = schema.add(Node::Map {
            values: item,
            atomic: false,
        });
        let mut root = crate::schema::StructNode::default();
        root.fields
            .insert("items".into(), crate::schema::Field::plain(map));
        root.fields.insert("list".into(), {
            let list = schema.add(Node::List(crate::schema::ListNode {
                items: item,
                list_type: crate::schema::ListType::Atomic,
            }));
            crate::schema::Field::plain(list)
        });
        let root = schema.add(Node::Struct(root));
        let value = json!({"items": {"k": {"a": 1, "b": 2}},
            "list": [{"a": 1}, {}, {"z": 1}, {}, {}, {}, {}, {}, {}, {}, {"y": 1}]});
        let run = |reader| {
            let mut v = value.clone();
            decode(&mut v, &schema, root, &Reach::All, reader, WARN)
        };
        assert_eq!(
            run(Reader::GoJson),
            [
                r#"unknown field "items.k.b""#,
                r#"unknown field "list[2].z""#,
                r#"unknown field "list[10].y""#,
            ]
        );
        // Sorted as text ("list[10]" before "list[2]"); the map's key `k`
        // is not in the path.
        assert_eq!(
            run(Reader::Converter),
            [
                r#"unknown field "items.b""#,
                r#"unknown field "list[10].y""#,
                r#"unknown field "list[2].z""#,
            ]
        );
        // Pruning sorts by path, and names the key.
        assert_eq!(
            run(Reader::Pruning),
            [
                r#"unknown field "items.k.b""#,
                r#"unknown field "list[10].y""#,
                r#"unknown field "list[2].z""#,
            ]
        );
    }

    #[test]
    fn strict_lists_without_dropping_and_ignore_drops_without_listing() {
        let schema = Schema::endpoints();
        let value =
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "a", "x": 1}});
        let mut v = value.clone();
        let strict = Decode {
            list: true,
            drop: false,
        };
        let found = decode(
            &mut v,
            &schema,
            endpoints_root(&schema),
            &Reach::All,
            Reader::GoJson,
            strict,
        );
        assert_eq!(found, [r#"unknown field "metadata.x""#]);
        assert_eq!(v, value);
        let ignore = Decode {
            list: false,
            drop: true,
        };
        let found = decode(
            &mut v,
            &schema,
            endpoints_root(&schema),
            &Reach::All,
            Reader::GoJson,
            ignore,
        );
        assert!(found.is_empty());
        assert_eq!(v["metadata"], json!({"name": "a"}));
    }

    #[test]
    fn only_the_reach_is_walked() {
        let schema = Schema::endpoints();
        let mut v = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "a", "labels": {"l": "1"}, "old": 1}, "new": 2});
        let reach = Reach::of_members(&json!({"new": 2, "metadata": {"labels": {"l": "1"}}}));
        let found = decode(
            &mut v,
            &schema,
            endpoints_root(&schema),
            &reach,
            Reader::GoJson,
            WARN,
        );
        assert_eq!(found, [r#"unknown field "new""#]);
        // Outside the reach, the live object is taken as stored: not walked.
        assert_eq!(v["metadata"]["old"], 1);
    }

    #[test]
    fn kept_where_the_schema_keeps_them() {
        let schema = Schema::endpoints();
        // A kind the built-in schema does not know: its root keeps members;
        // its metadata is ObjectMeta all the same.
        let mut v = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"},
            "metadata": {"name": "a", "nope": 1}});
        let root = schema.root_of(&v).expect("the default root");
        let found = decode(&mut v, &schema, root, &Reach::All, Reader::GoJson, WARN);
        assert_eq!(found, [r#"unknown field "metadata.nope""#]);
        assert_eq!(
            v,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"},
            "metadata": {"name": "a"}})
        );
    }

    #[test]
    fn at_most_a_hundred_named_by_encoding_json_but_all_dropped() {
        let schema = Schema::endpoints();
        let mut v = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "a"}});
        for i in 0..150 {
            v[format!("x{i:03}")] = json!(i);
        }
        let root = endpoints_root(&schema);
        let mut w = v.clone();
        assert_eq!(
            decode(&mut w, &schema, root, &Reach::All, Reader::GoJson, WARN).len(),
            100
        );
        assert_eq!(w.as_object().map(|m| m.len()), Some(3));
        assert_eq!(
            decode(&mut v, &schema, root, &Reach::All, Reader::Converter, WARN).len(),
            150
        );
    }
}
