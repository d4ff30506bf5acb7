//! Schemas written in the conformance corpus's vocabulary (Go struct tags
//! translated to JSON), so the upstream test tables can run on the same engine.
//!
//! ```
//! use kubepatch::schema::vocabulary;
//! use serde_json::json;
//!
//! let schemas = json!({"item": {"type": "struct", "fields": {
//!     "name": {"type": "scalar"},
//!     "list": {"type": "list", "items": {"$ref": "item"}, "patchStrategy": "merge", "patchMergeKey": "name"}
//! }}});
//! let schema = vocabulary::struct_tags(&schemas, "item").unwrap();
//! let root = schema.root_for("", "").unwrap();
//! assert!(schema.lookup_list(root, "list").unwrap().field.unwrap().strategy.is_merge());
//! ```

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{
    Field, ListNode, ListType, MergeKey, Node, NodeId, Schema, Strategy, StructNode, UNTYPED,
    Unknown,
};

/// Build a schema from the strategic-merge vocabulary (`struct`, `map`,
/// `list`, `scalar`, `pointer`, `any`, `$ref`; fields with `patchStrategy` and
/// `patchMergeKey`). `root` names the root type; it becomes the default root.
pub fn struct_tags(schemas: &Value, root: &str) -> Result<Schema, String> {
    let types = schemas.as_object().ok_or("schemas must be an object")?;
    let mut builder = Builder {
        types,
        schema: Schema::new(),
        named: HashMap::new(),
    };
    let root = builder.named(root)?;
    builder.schema.set_default_root(root);
    Ok(builder.schema)
}

struct Builder<'a> {
    types: &'a Map<String, Value>,
    schema: Schema,
    named: HashMap<String, NodeId>,
}

impl Builder<'_> {
    fn named(&mut self, name: &str) -> Result<NodeId, String> {
        if let Some(id) = self.named.get(name) {
            return Ok(*id);
        }
        let def = self
            .types
            .get(name)
            .ok_or_else(|| format!("unknown type {name:?}"))?;
        let id = self.schema.add(Node::Untyped);
        self.named.insert(name.to_string(), id);
        let node = self.build(def)?;
        let node = match node {
            Built::New(node) => node,
            Built::Existing(other) => Node::Pointer(other),
        };
        self.schema.set(id, node);
        Ok(id)
    }

    fn node(&mut self, def: &Value) -> Result<NodeId, String> {
        match self.build(def)? {
            Built::New(node) => Ok(self.schema.add(node)),
            Built::Existing(id) => Ok(id),
        }
    }

    fn build(&mut self, def: &Value) -> Result<Built, String> {
        if let Some(name) = def.get("$ref").and_then(Value::as_str) {
            return Ok(Built::Existing(self.named(name)?));
        }
        let ty = def.get("type").and_then(Value::as_str).unwrap_or("any");
        let node = match ty {
            "struct" => {
                let mut fields = HashMap::new();
                if let Some(map) = def.get("fields").and_then(Value::as_object) {
                    for (name, fdef) in map {
                        fields.insert(name.clone(), self.field(fdef)?);
                    }
                }
                Node::Struct(StructNode {
                    fields,
                    unknown: Unknown::Error,
                    atomic: false,
                    extra: None,
                })
            }
            "map" => {
                let values = match def.get("values") {
                    Some(v) => self.node(v)?,
                    None => UNTYPED,
                };
                Node::Map {
                    values,
                    atomic: false,
                }
            }
            "list" => {
                let items = match def.get("items") {
                    Some(v) => self.node(v)?,
                    None => UNTYPED,
                };
                Node::List(ListNode {
                    items,
                    list_type: ListType::Atomic,
                })
            }
            "scalar" => Node::Scalar,
            "pointer" => {
                let to = def.get("to").ok_or("pointer without `to`")?;
                Node::Pointer(self.node(to)?)
            }
            "any" => return Ok(Built::Existing(UNTYPED)),
            other => return Err(format!("unknown node type {other:?}")),
        };
        Ok(Built::New(node))
    }

    fn field(&mut self, def: &Value) -> Result<Field, String> {
        let node = self.node(def)?;
        let text = |k: &str| def.get(k).and_then(Value::as_str);
        Ok(Field {
            node,
            strategy: Strategy::parse(text("patchStrategy").unwrap_or("")),
            merge_key: text("patchMergeKey")
                .filter(|k| !k.is_empty())
                .map(|k| MergeKey::Field(k.to_string())),
            default: None,
        })
    }
}

enum Built {
    New(Node),
    Existing(NodeId),
}
