//! Schemas written in the conformance corpus's vocabulary (Go struct tags
//! translated to JSON), so the upstream test tables can run on the same engine.
//!
//! ```
//! use kubepatch::schema::vocabulary;
//! use kubepatch::strategic::lookup_list;
//! use serde_json::json;
//!
//! let schemas = json!({"item": {"type": "struct", "fields": {
//!     "name": {"type": "scalar"},
//!     "list": {"type": "list", "items": {"$ref": "item"}, "patchStrategy": "merge", "patchMergeKey": "name"}
//! }}});
//! let schema = vocabulary::struct_tags(&schemas, "item").unwrap();
//! let root = schema.root_for("", "").unwrap();
//! assert!(lookup_list(&schema, root, "list").unwrap().field.unwrap().strategy.is_merge());
//! ```

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::openapi::LoadError;

use super::{
    Field, ListNode, ListType, MergeKey, Node, NodeId, Schema, Strategy, StructNode, UNTYPED,
    Unknown,
};

/// Build a schema from the strategic-merge vocabulary (`struct`, `map`,
/// `list`, `scalar`, `pointer`, `any`, `$ref`; fields with `patchStrategy` and
/// `patchMergeKey`). `root` names the root type; it becomes the default root.
pub fn struct_tags(schemas: &Value, root: &str) -> Result<Schema, LoadError> {
    struct_tags_of(schemas, root).map_err(|message| LoadError::Vocabulary { message })
}

fn struct_tags_of(schemas: &Value, root: &str) -> Result<Schema, String> {
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

use super::KeyField;

/// Build a schema from the server-side-apply scenario vocabulary
/// (`conformance/ssa/README.md`): `types` by name, `root`, `apiVersion`,
/// `kind` and `omitEmpty`.
///
/// A type is `{"type":"scalar"}`, `{"type":"map","fields":…,"values":…,"mapType":…}`
/// or `{"type":"list","items":…,"listType":…,"listMapKeys":[…]}`; a reference
/// is an inline type, the name of a type, or one of the built-ins `string`,
/// `numeric`, `boolean` (scalars), `untyped` (a scalar that may hold
/// anything) and `deduced` (schemaless: [`UNTYPED`]).
///
/// * a map with `fields` is a [`Node::Struct`] (undeclared keys are an error
///   unless `values` types them), atomic when `mapType` is `atomic`;
/// * a map with only `values` is a [`Node::Map`];
/// * a list is a [`ListNode`]: `atomic` (the default), `set`, or `map` keyed
///   by `listMapKeys`, whose key fields take the `default` their scalar type
///   declares. The struct field holding a set or a list-map also gets the
///   strategic-merge metadata to match (`merge`, and the same key).
///
/// The root becomes the root of `apiVersion`/`kind` and the default root.
///
/// ```
/// use kubepatch::schema::{vocabulary, ListType, MergeKey, Node};
/// use kubepatch::strategic::lookup_struct;
/// use serde_json::json;
///
/// let schema = vocabulary::ssa(&json!({
///     "apiVersion": "example.com/v1", "kind": "Widget", "omitEmpty": false,
///     "root": "Widget",
///     "types": {
///         "Widget": {"type": "map", "fields": {
///             "apiVersion": "string", "kind": "string",
///             "ports": {"type": "list", "listType": "map",
///                       "listMapKeys": ["port", "protocol"], "items": "Port"},
///             "labels": {"type": "map", "values": "string", "mapType": "atomic"}
///         }},
///         "Port": {"type": "map", "fields": {
///             "port": "numeric",
///             "protocol": {"type": "scalar", "scalar": "string", "default": "TCP"}
///         }}
///     }
/// })).unwrap();
/// assert!(!schema.omit_empty);
/// let root = schema.root_for("example.com/v1", "Widget").unwrap();
/// let ports = lookup_struct(&schema, root, "ports").unwrap();
/// let field = ports.field.unwrap();
/// assert!(field.strategy.is_merge());
/// let Some(ListType::Map(MergeKey::Fields(keys))) =
///     schema.list_node(ports.node).map(|l| l.list_type.clone())
/// else {
///     panic!("ports is a list-map")
/// };
/// assert_eq!(keys[1].name, "protocol");
/// assert_eq!(keys[1].default, Some(json!("TCP")));
/// let labels = lookup_struct(&schema, root, "labels").unwrap();
/// assert!(matches!(schema.node(labels.node), Node::Map { atomic: true, .. }));
/// assert!(vocabulary::ssa(&json!({"root": "Nope", "types": {}})).is_err());
/// ```
pub fn ssa(schema_def: &Value) -> Result<Schema, LoadError> {
    ssa_of(schema_def).map_err(|message| LoadError::Vocabulary { message })
}

fn ssa_of(schema_def: &Value) -> Result<Schema, String> {
    let types = schema_def
        .get("types")
        .and_then(Value::as_object)
        .ok_or("schema: `types` must be an object")?;
    let root_name = schema_def
        .get("root")
        .and_then(Value::as_str)
        .ok_or("schema: `root` must name a type")?;
    let mut builder = SsaBuilder {
        types,
        schema: Schema::new(),
        named: HashMap::new(),
        scalar: None,
    };
    let root = builder.named(root_name)?;
    let text = |k: &str| schema_def.get(k).and_then(Value::as_str);
    if let (Some(api_version), Some(kind)) = (text("apiVersion"), text("kind")) {
        builder.schema.add_root(api_version, kind, root);
    }
    builder.schema.set_default_root(root);
    builder.schema.omit_empty = schema_def
        .get("omitEmpty")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    Ok(builder.schema)
}

struct SsaBuilder<'a> {
    types: &'a Map<String, Value>,
    schema: Schema,
    named: HashMap<String, NodeId>,
    /// The one node the built-in scalars share.
    scalar: Option<NodeId>,
}

impl<'a> SsaBuilder<'a> {
    /// The node of a reference: a built-in, a named type or an inline type.
    fn reference(&mut self, def: &'a Value) -> Result<NodeId, String> {
        match def {
            Value::String(name) => match name.as_str() {
                "string" | "numeric" | "boolean" => Ok(*self
                    .scalar
                    .get_or_insert_with(|| self.schema.add(Node::Scalar))),
                "untyped" | "deduced" => Ok(UNTYPED),
                other => self.named(other),
            },
            Value::Object(_) => {
                let node = self.build(def)?;
                Ok(self.schema.add(node))
            }
            other => Err(format!("bad type reference {other}")),
        }
    }

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
        let node = match def {
            // An alias of another reference.
            Value::String(_) => Node::Pointer(self.reference(def)?),
            _ => self.build(def)?,
        };
        self.schema.set(id, node);
        Ok(id)
    }

    /// The definition a reference stands for (`None` for built-ins).
    fn definition(&self, def: &'a Value) -> Option<&'a Value> {
        let mut def = def;
        for _ in 0..=self.types.len() {
            match def {
                Value::String(name) => def = self.types.get(name)?,
                _ => return Some(def),
            }
        }
        None
    }

    fn build(&mut self, def: &'a Value) -> Result<Node, String> {
        let ty = def.get("type").and_then(Value::as_str).unwrap_or("");
        let atomic_map = def.get("mapType").and_then(Value::as_str) == Some("atomic");
        match ty {
            "scalar" => Ok(Node::Scalar),
            "map" => {
                let values = match def.get("values") {
                    Some(v) => Some(self.reference(v)?),
                    None => None,
                };
                match (def.get("fields"), values) {
                    (None, Some(values)) => Ok(Node::Map {
                        values,
                        atomic: atomic_map,
                    }),
                    (fields, extra) => {
                        let mut out = HashMap::new();
                        if let Some(fields) = fields {
                            let fields =
                                fields.as_object().ok_or("map `fields` must be an object")?;
                            for (name, fdef) in fields {
                                out.insert(name.clone(), self.field(fdef)?);
                            }
                        }
                        Ok(Node::Struct(StructNode {
                            fields: out,
                            unknown: Unknown::Error,
                            atomic: atomic_map,
                            extra,
                        }))
                    }
                }
            }
            "list" => {
                let items_def = def.get("items").ok_or("list without `items`")?;
                let items = self.reference(items_def)?;
                let list_type = match def.get("listType").and_then(Value::as_str) {
                    None | Some("atomic") => ListType::Atomic,
                    Some("set") => ListType::Set,
                    Some("map") => ListType::Map(self.list_map_key(def, items_def)?),
                    Some(other) => return Err(format!("unknown listType {other:?}")),
                };
                Ok(Node::List(ListNode { items, list_type }))
            }
            other => Err(format!("unknown type kind {other:?}")),
        }
    }

    /// `listMapKeys`, each with the `default` of its scalar field in the item type.
    fn list_map_key(&self, list: &Value, items: &'a Value) -> Result<MergeKey, String> {
        let names = list
            .get("listMapKeys")
            .and_then(Value::as_array)
            .filter(|k| !k.is_empty())
            .ok_or("listType map without listMapKeys")?;
        let item_fields = self
            .definition(items)
            .and_then(|d| d.get("fields"))
            .and_then(Value::as_object);
        let mut keys = Vec::with_capacity(names.len());
        for name in names {
            let name = name.as_str().ok_or("listMapKeys must be strings")?;
            let default = item_fields
                .and_then(|f| f.get(name))
                .and_then(|f| self.definition(f))
                .and_then(|d| d.get("default"))
                .cloned();
            keys.push(KeyField {
                name: name.to_string(),
                default,
            });
        }
        Ok(MergeKey::Fields(keys))
    }

    fn field(&mut self, def: &'a Value) -> Result<Field, String> {
        let node = self.reference(def)?;
        let resolved = self.definition(def);
        let (strategy, merge_key) = match resolved {
            Some(d) if d.get("type").and_then(Value::as_str) == Some("list") => {
                match d.get("listType").and_then(Value::as_str) {
                    Some("set") => (Strategy::Merge, None),
                    Some("map") => {
                        let items = d.get("items").ok_or("list without `items`")?;
                        (Strategy::Merge, Some(self.list_map_key(d, items)?))
                    }
                    _ => (Strategy::Default, None),
                }
            }
            _ => (Strategy::Default, None),
        };
        Ok(Field {
            node,
            strategy,
            merge_key,
            default: resolved.and_then(|d| d.get("default")).cloned(),
        })
    }
}
