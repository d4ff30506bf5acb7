//! Strategic merge patch, two ways in.
//!
//! **Raw**: an input that is `original, 0, patch` with both halves JSON runs
//! each pair through `kubepatch::strategic::apply` with the built-in
//! Endpoints schema and with the Kubernetes OpenAPI schema (loaded once,
//! upstream's rules and with list-map keys), by the original's own kind and
//! again typed as v1 Endpoints whatever it says. Checked: no panic, and every
//! error converts into an `Error` with a 4xx/5xx code that `to_status()`
//! agrees with.
//!
//! **Structured** (every other input): the bytes drive a grammar through
//! `arbitrary` ([`Case`]). It builds a live Endpoints-like or Pod-like object
//! with keyed lists (subsets with addresses and ports keyed by `ip` and by
//! `port`+`name`, containers by `name`, container ports, env, volumes by
//! `name`), maps of strings and primitive merge lists (`finalizers`), and a
//! strategic patch drawn from the same shapes with directives: `$patch`
//! (`replace`, `delete`, `merge`, `null`, unknown) on maps and list items,
//! `$retainKeys` (a list, or not), `$setElementOrder/<field>`,
//! `$deleteFromPrimitiveList/<field>` (and a malformed prefix), nulls,
//! values of the wrong type, keyed items that match a live item or not, items
//! without their key, duplicate keys (in lists, and a duplicate JSON key in
//! the request body). Now and then it nests a chain just within or just
//! beyond serde_json's 128 levels for a body or [`kubepatch::MAX_DEPTH`], in
//! the live object or in the patch. Each case runs with the built-in
//! schema and, where the OpenAPI document is there, with both OpenAPI
//! schemas. Checked, for each schema:
//! - no panic, and the error contract ([`check_error`]);
//! - the live object is never modified (errors included);
//! - an input deeper than `MAX_DEPTH` is an error; a success is within it;
//! - the patch `{}` gives back the live object;
//! - a patch without directives, nulls, primitive lists or wrong types,
//!   applied a second time to its own result, changes nothing;
//! - `PatchRequest` (strategic, default parameters or `fieldValidation` from
//!   the input, every field of the result kept) agrees with `strategic::apply`: the same error code when the
//!   merge fails; when it succeeds, the same object apart from what the
//!   request adds or restores (`managedFields`, `kind`/`apiVersion` a patch
//!   removed, the namespace), or an error only where the result loses the
//!   object's name, a duplicate key meets `fieldValidation=Strict` or the
//!   body nests beyond serde_json's limit (400, README); under `Warn` a
//!   duplicate key is a warning;
//! - on a tracked copy of the live object, the request's Update tracking
//!   (which compares only what the patch reaches, down to the items of
//!   keyed lists it names) writes the managedFields that tracking over the
//!   whole objects writes;
//! - decoding the result (the request without `preserve_unknown_fields`)
//!   only removes object members from it, or fails (422) under `Strict`;
//! - `PatchRequest::run_on` (the live object by value) answers what
//!   `PatchRequest::run` answers, but for the one difference its docs give:
//!   `run` refuses a live object nested beyond `MAX_DEPTH` anywhere (it
//!   copies all of it), `run_on` only where the patch reaches.

use arbitrary::{Arbitrary, Unstructured};
use kubepatch::schema::Schema;
use kubepatch::strategic;
use kubepatch::{Error, FieldValidation, MAX_DEPTH, PatchParams, PatchRequest};
use serde_json::{Map, Value, json};

use crate::common::{check_error, clock, endpoints_schema, openapi_schemas, split0};

const STRATEGIC: &str = "application/strategic-merge-patch+json";
/// How deep a JSON body may nest (serde_json's recursion limit; README).
const BODY_DEPTH: usize = 128;

// ---------------------------------------------------------------- raw path

fn run_raw(original: &Value, patch: &Value, schema: &Schema) {
    let by_kind = strategic::apply(original, patch.clone(), schema);
    let roots = [schema.root_for("v1", "Endpoints")];
    let typed = roots
        .into_iter()
        .flatten()
        .map(|root| strategic::apply_with_root(original, patch.clone(), schema, root));
    for result in std::iter::once(by_kind).chain(typed) {
        match result {
            Ok(v) => {
                serde_json::to_vec(&v).expect("the result serializes");
            }
            Err(e) => {
                let label = e.kind.label();
                assert!(!label.is_empty());
                let err = Error::from(e);
                check_error(&err);
            }
        }
    }
}

/// Two JSON documents split by a 0 byte, if `data` is that.
fn raw_pair(data: &[u8]) -> Option<(Value, Value)> {
    let (original, Some(patch)) = split0(data) else {
        return None;
    };
    let original = serde_json::from_slice::<Value>(original).ok()?;
    let patch = serde_json::from_slice::<Value>(patch).ok()?;
    Some((original, patch))
}

/// The target's checks on one input.
pub fn check(data: &[u8]) {
    if let Some((original, patch)) = raw_pair(data) {
        let before = original.clone();
        run_raw(&original, &patch, endpoints_schema());
        for schema in openapi_schemas() {
            run_raw(&original, &patch, schema);
        }
        assert_eq!(original, before);
        return;
    }
    let mut u = Unstructured::new(data);
    if let Ok(case) = Case::arbitrary(&mut u) {
        check_case(&case);
    }
}

// ------------------------------------------------------------ the shapes

/// The shape of a field, as the schemas see it.
enum Shape {
    /// A string from the pool.
    Str(&'static [&'static str]),
    /// An integer from the pool.
    Int(&'static [i64]),
    /// An object with these fields.
    Struct(&'static [(&'static str, Shape)]),
    /// A map of strings: keys and values from the pools.
    StrMap(&'static [&'static str], &'static [&'static str]),
    /// A merge list of objects, merged by these key fields.
    Keyed(&'static [&'static str], &'static Shape),
    /// A merge list of strings from the pool.
    Prims(&'static [&'static str]),
    /// A list that a patch replaces whole.
    Atomic(&'static Shape),
}

const IPS: [&str; 4] = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"];
const NODES: [&str; 2] = ["node-1", "node-2"];
const PORT_NAMES: [&str; 3] = ["", "http", "dns"];
const PORTS: [i64; 3] = [80, 53, 8080];
const PROTOCOLS: [&str; 2] = ["TCP", "UDP"];
const LABEL_KEYS: [&str; 4] = ["app", "tier", "env", "example.com/team"];
const LABEL_VALUES: [&str; 3] = ["x", "y", ""];
const FINALIZERS: [&str; 4] = [
    "example.com/a",
    "example.com/b",
    "example.com/c",
    "kubernetes",
];
const CONTAINERS: [&str; 3] = ["app", "sidecar", "init"];
const IMAGES: [&str; 3] = ["nginx:1", "nginx:2", "busybox"];
const ENV_NAMES: [&str; 3] = ["A", "B", "PATH"];
const VOLUMES: [&str; 3] = ["data", "cfg", "tmp"];
const PATHS: [&str; 2] = ["/data", "/tmp"];
const UIDS: [&str; 2] = ["u-1", "u-2"];

const ADDRESS: Shape = Shape::Struct(&[
    ("ip", Shape::Str(&IPS)),
    ("nodeName", Shape::Str(&NODES)),
    ("hostname", Shape::Str(&NODES)),
]);
const EP_PORT: Shape = Shape::Struct(&[
    ("name", Shape::Str(&PORT_NAMES)),
    ("port", Shape::Int(&PORTS)),
    ("protocol", Shape::Str(&PROTOCOLS)),
]);
const SUBSET: Shape = Shape::Struct(&[
    ("addresses", Shape::Keyed(&["ip"], &ADDRESS)),
    ("notReadyAddresses", Shape::Keyed(&["ip"], &ADDRESS)),
    ("ports", Shape::Keyed(&["port", "name"], &EP_PORT)),
]);
const OWNER: Shape = Shape::Struct(&[
    ("uid", Shape::Str(&UIDS)),
    ("name", Shape::Str(&CONTAINERS)),
]);
const METADATA: Shape = Shape::Struct(&[
    ("labels", Shape::StrMap(&LABEL_KEYS, &LABEL_VALUES)),
    ("annotations", Shape::StrMap(&LABEL_KEYS, &IMAGES)),
    ("finalizers", Shape::Prims(&FINALIZERS)),
    ("ownerReferences", Shape::Keyed(&["uid"], &OWNER)),
]);
const ENDPOINTS: Shape = Shape::Struct(&[
    ("metadata", METADATA),
    ("subsets", Shape::Keyed(&["ports"], &SUBSET)),
]);
const CONTAINER_PORT: Shape = Shape::Struct(&[
    ("containerPort", Shape::Int(&PORTS)),
    ("protocol", Shape::Str(&PROTOCOLS)),
    ("name", Shape::Str(&PORT_NAMES)),
]);
const ENV: Shape = Shape::Struct(&[
    ("name", Shape::Str(&ENV_NAMES)),
    ("value", Shape::Str(&LABEL_VALUES)),
]);
const CONTAINER: Shape = Shape::Struct(&[
    ("name", Shape::Str(&CONTAINERS)),
    ("image", Shape::Str(&IMAGES)),
    ("ports", Shape::Keyed(&["containerPort"], &CONTAINER_PORT)),
    ("env", Shape::Keyed(&["name"], &ENV)),
    ("args", Shape::Atomic(&Shape::Str(&ENV_NAMES))),
]);
const VOLUME: Shape = Shape::Struct(&[
    ("name", Shape::Str(&VOLUMES)),
    (
        "emptyDir",
        Shape::Struct(&[("medium", Shape::Str(&PROTOCOLS))]),
    ),
    ("hostPath", Shape::Struct(&[("path", Shape::Str(&PATHS))])),
    (
        "configMap",
        Shape::Struct(&[("name", Shape::Str(&VOLUMES))]),
    ),
]);
const TOLERATION: Shape = Shape::Struct(&[
    ("key", Shape::Str(&LABEL_KEYS)),
    ("operator", Shape::Str(&PROTOCOLS)),
]);
const POD_SPEC: Shape = Shape::Struct(&[
    ("containers", Shape::Keyed(&["name"], &CONTAINER)),
    ("volumes", Shape::Keyed(&["name"], &VOLUME)),
    ("tolerations", Shape::Atomic(&TOLERATION)),
    ("nodeName", Shape::Str(&NODES)),
]);
const POD: Shape = Shape::Struct(&[("metadata", METADATA), ("spec", POD_SPEC)]);

// ----------------------------------------------------------- the grammar

/// One structured input.
#[derive(Debug, Arbitrary)]
pub struct Case {
    /// Pod-like rather than Endpoints-like.
    pod: bool,
    /// The bytes the live object is drawn from ([`Drawer::live`]).
    live_seed: Vec<u8>,
    /// What the patch is.
    patch: PatchKind,
    /// A duplicate JSON key at the top of the request body.
    duplicate: bool,
    /// The request's `fieldValidation`.
    validation: Validation,
    /// Now and then (one value in 32), a chain of maps about 128 or
    /// `MAX_DEPTH` deep, in the patch (bit 5) or in the live object: see
    /// [`deep_levels`].
    deep: u8,
}

/// The patch: `{}`, or drawn from the grammar ([`Drawer::patch_map`]) out
/// of these bytes, against the live object.
#[derive(Debug, Arbitrary)]
enum PatchKind {
    Empty,
    Drawn(Vec<u8>),
}

/// `fieldValidation` on the request.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Validation {
    Default,
    Ignore,
    Warn,
    Strict,
}

/// A `$patch` directive on a map, or none (most maps: see
/// [`Drawer::map_directive`]).
#[derive(Debug)]
enum MapDirective {
    None,
    Replace,
    Delete,
    Merge,
    Null,
    Unknown,
}

/// What one item of a keyed patch list is (mostly an item to merge: see
/// [`Drawer::item_kind`]).
#[derive(Debug)]
enum ItemKind {
    /// An item with its key, merged into the live item with that key.
    Merge,
    /// The same, with the key of an item the live list has.
    MergeLive,
    /// An item without its key.
    NoKey,
    /// `$patch: delete` with the key.
    Delete,
    /// `$patch: delete` without the key.
    DeleteNoKey,
    /// `$patch: replace` (the list becomes the other items).
    Replace,
    /// `$patch: merge` (refused in a list).
    MergeDirective,
    /// `$patch` with an unknown value.
    UnknownDirective,
    /// null.
    Null,
}

/// What one patch value is (mostly plain: see [`Drawer::value_kind`]).
#[derive(Debug)]
enum ValueKind {
    Plain,
    Null,
    /// A value of another type: `{}`, `[]`, a number or a string.
    Wrong(u8),
}

/// Draws the live object and the patch from the bytes, noting whether the
/// patch is "plain" (no directives, nulls, primitive lists, duplicate items
/// or wrong types), where a second application must change nothing.
struct Drawer<'a, 'b> {
    u: &'b mut Unstructured<'a>,
    plain: bool,
}

fn wrong(n: u8) -> Value {
    match n % 5 {
        0 => json!({}),
        1 => json!([]),
        2 => json!(7),
        3 => json!("s"),
        _ => json!([["nested"]]),
    }
}

impl Drawer<'_, '_> {
    fn bool(&mut self) -> bool {
        self.u.arbitrary().unwrap_or(false)
    }

    fn below(&mut self, n: usize) -> usize {
        self.u.int_in_range(0..=n.saturating_sub(1)).unwrap_or(0)
    }

    /// One value in 16 null, one of another type, the rest plain.
    fn value_kind(&mut self) -> ValueKind {
        match self.below(16) {
            0 => ValueKind::Null,
            1 => ValueKind::Wrong(self.below(5) as u8),
            _ => ValueKind::Plain,
        }
    }

    /// Five maps in 32 carry a `$patch`.
    fn map_directive(&mut self) -> MapDirective {
        match self.below(32) {
            27 => MapDirective::Replace,
            28 => MapDirective::Delete,
            29 => MapDirective::Merge,
            30 => MapDirective::Null,
            31 => MapDirective::Unknown,
            _ => MapDirective::None,
        }
    }

    /// Nine items in 16 are merged (four of them by a live item's key).
    fn item_kind(&mut self) -> ItemKind {
        match self.below(16) {
            0..=4 => ItemKind::Merge,
            5..=8 => ItemKind::MergeLive,
            9 => ItemKind::NoKey,
            10 => ItemKind::Delete,
            11 => ItemKind::DeleteNoKey,
            12 => ItemKind::Replace,
            13 => ItemKind::MergeDirective,
            14 => ItemKind::UnknownDirective,
            _ => ItemKind::Null,
        }
    }

    fn pick_str(&mut self, pool: &[&str]) -> Value {
        json!(pool[self.below(pool.len())])
    }

    fn pick_int(&mut self, pool: &[i64]) -> Value {
        json!(pool[self.below(pool.len())])
    }

    /// How many items: mostly 0-3, now and then up to 6.
    fn count(&mut self) -> usize {
        let n = self.below(8);
        if n == 7 { 4 + self.below(3) } else { n % 4 }
    }

    // -------------------------------------------------------- live object

    fn live(&mut self, shape: &Shape) -> Value {
        match shape {
            Shape::Str(pool) => self.pick_str(pool),
            Shape::Int(pool) => self.pick_int(pool),
            Shape::Struct(fields) => {
                let mut m = Map::new();
                for (name, field) in fields.iter() {
                    if self.bool() {
                        let v = self.live(field);
                        m.insert(name.to_string(), v);
                    }
                }
                Value::Object(m)
            }
            Shape::StrMap(keys, values) => {
                let mut m = Map::new();
                for _ in 0..self.count() {
                    let k = keys[self.below(keys.len())];
                    let v = self.pick_str(values);
                    m.insert(k.to_string(), v);
                }
                Value::Object(m)
            }
            Shape::Keyed(key, item) => {
                let items = (0..self.count())
                    .map(|_| self.live_item(key, item))
                    .collect();
                Value::Array(items)
            }
            Shape::Prims(pool) => {
                let items = (0..self.count()).map(|_| self.pick_str(pool)).collect();
                Value::Array(items)
            }
            Shape::Atomic(item) => {
                let items = (0..self.count()).map(|_| self.live(item)).collect();
                Value::Array(items)
            }
        }
    }

    /// A live list item: its key fields (now and then not all of them),
    /// then any of the others.
    fn live_item(&mut self, key: &[&str], item: &Shape) -> Value {
        let mut v = self.live(item);
        let keep_all = self.below(16) != 0;
        if let (Shape::Struct(fields), Some(m)) = (item, v.as_object_mut()) {
            for (name, field) in fields.iter() {
                if key.contains(name) && keep_all && !m.contains_key(*name) {
                    let k = self.live(field);
                    m.insert(name.to_string(), k);
                }
            }
        }
        v
    }

    // ------------------------------------------------------------- patch

    /// A patch value for a field of this shape, against the live value.
    fn patch(&mut self, shape: &Shape, live: Option<&Value>, depth: usize) -> Value {
        let kind = self.value_kind();
        match kind {
            ValueKind::Null => {
                self.plain = false;
                return Value::Null;
            }
            ValueKind::Wrong(n) => {
                self.plain = false;
                return wrong(n);
            }
            _ => {}
        }
        match shape {
            Shape::Str(pool) => self.pick_str(pool),
            Shape::Int(pool) => self.pick_int(pool),
            Shape::Struct(fields) => self.patch_map(fields, live, depth),
            Shape::StrMap(keys, values) => {
                let fields: Vec<(&str, Shape)> =
                    keys.iter().map(|k| (*k, Shape::Str(values))).collect();
                self.patch_map(&fields, live, depth)
            }
            Shape::Keyed(key, item) => self.patch_keyed(key, item, live, depth),
            Shape::Prims(pool) => {
                self.plain = false;
                self.patch_prims(pool)
            }
            Shape::Atomic(item) => {
                let items = (0..self.count()).map(|_| self.live(item)).collect();
                Value::Array(items)
            }
        }
    }

    fn patch_map(&mut self, fields: &[(&str, Shape)], live: Option<&Value>, depth: usize) -> Value {
        let mut m = Map::new();
        if depth > 6 {
            return Value::Object(m);
        }
        for (name, field) in fields {
            if !self.bool() {
                continue;
            }
            let live_field = live.and_then(|l| l.get(*name));
            let v = self.patch(field, live_field, depth + 1);
            match field {
                Shape::Keyed(key, item) if self.below(6) == 0 => {
                    self.plain = false;
                    let order = self.element_order_keyed(key, item, live_field, &v);
                    m.insert(format!("$setElementOrder/{name}"), order);
                }
                Shape::Prims(pool) => {
                    if self.below(4) == 0 {
                        let order = self.patch_prims(pool);
                        m.insert(format!("$setElementOrder/{name}"), order);
                    }
                    if self.below(3) == 0 {
                        let delete = if self.below(8) == 0 {
                            wrong(self.below(5) as u8)
                        } else {
                            self.patch_prims(pool)
                        };
                        let prefix = if self.below(16) == 0 {
                            "$deleteFromPrimitiveListX"
                        } else {
                            "$deleteFromPrimitiveList"
                        };
                        m.insert(format!("{prefix}/{name}"), delete);
                    }
                }
                _ => {}
            }
            m.insert(name.to_string(), v);
        }
        // Map-level directives.
        let directive = self.map_directive();
        let value = match directive {
            MapDirective::None => None,
            MapDirective::Replace => Some(json!("replace")),
            MapDirective::Delete => Some(json!("delete")),
            MapDirective::Merge => Some(json!("merge")),
            MapDirective::Null => Some(Value::Null),
            MapDirective::Unknown => Some(json!("keep")),
        };
        if let Some(v) = value {
            self.plain = false;
            m.insert("$patch".into(), v);
        }
        if self.below(10) == 0 {
            self.plain = false;
            let retain = if self.below(8) == 0 {
                wrong(self.below(5) as u8)
            } else {
                let mut names: Vec<Value> = fields
                    .iter()
                    .filter(|_| self.bool())
                    .map(|(n, _)| json!(n))
                    .collect();
                if self.below(4) == 0 {
                    // every key the patch sets, so that the directive is valid
                    names = m
                        .keys()
                        .filter(|k| !k.starts_with('$'))
                        .map(|k| json!(k))
                        .collect();
                }
                Value::Array(names)
            };
            m.insert("$retainKeys".into(), retain);
        }
        Value::Object(m)
    }

    fn key_value(
        &mut self,
        key: &[&str],
        item: &Shape,
        live: Option<&Value>,
        from_live: bool,
    ) -> Map<String, Value> {
        let mut m = Map::new();
        if from_live
            && let Some(items) = live.and_then(Value::as_array)
            && !items.is_empty()
        {
            let i = self.below(items.len());
            if let Some(obj) = items[i].as_object() {
                m = key
                    .iter()
                    .filter_map(|k| obj.get(*k).map(|v| (k.to_string(), v.clone())))
                    .collect();
            }
        } else if let Shape::Struct(fields) = item {
            for (name, field) in fields.iter() {
                if key.contains(name) {
                    let v = self.live(field);
                    m.insert(name.to_string(), v);
                }
            }
        }
        if self.below(12) == 0 {
            // a key of another type: 80 as 80.0, a string as a number
            self.plain = false;
            for v in m.values_mut() {
                *v = match &*v {
                    Value::Number(n) => json!(n.as_f64().unwrap_or(0.0)),
                    Value::String(_) => json!(1),
                    other => other.clone(),
                };
            }
        }
        m
    }

    fn patch_keyed(
        &mut self,
        key: &[&str],
        item: &Shape,
        live: Option<&Value>,
        depth: usize,
    ) -> Value {
        let mut items = Vec::new();
        let mut seen = Vec::new();
        for _ in 0..self.count() {
            let kind = self.item_kind();
            let v = match kind {
                ItemKind::Merge | ItemKind::MergeLive => {
                    let keys = self.key_value(key, item, live, matches!(kind, ItemKind::MergeLive));
                    let matched = live.and_then(Value::as_array).and_then(|l| {
                        l.iter()
                            .find(|x| keys.iter().all(|(k, v)| x.get(k) == Some(v)))
                    });
                    let mut v = match item {
                        Shape::Struct(fields) => self.patch_map(fields, matched, depth + 1),
                        _ => Value::Object(Map::new()),
                    };
                    if let Some(m) = v.as_object_mut() {
                        m.extend(keys);
                    }
                    if seen.contains(&key_of(&v, key)) {
                        self.plain = false;
                    }
                    seen.push(key_of(&v, key));
                    v
                }
                ItemKind::NoKey => {
                    self.plain = false;
                    let mut v = match item {
                        Shape::Struct(fields) => self.patch_map(fields, None, depth + 1),
                        _ => json!({}),
                    };
                    if let Some(m) = v.as_object_mut() {
                        for k in key {
                            m.remove(*k);
                        }
                    }
                    v
                }
                ItemKind::Delete => {
                    self.plain = false;
                    let from_live = self.bool();
                    let mut m = self.key_value(key, item, live, from_live);
                    m.insert("$patch".into(), json!("delete"));
                    Value::Object(m)
                }
                ItemKind::DeleteNoKey => {
                    self.plain = false;
                    json!({"$patch": "delete"})
                }
                ItemKind::Replace => {
                    self.plain = false;
                    json!({"$patch": "replace"})
                }
                ItemKind::MergeDirective => {
                    self.plain = false;
                    json!({"$patch": "merge"})
                }
                ItemKind::UnknownDirective => {
                    self.plain = false;
                    json!({"$patch": null})
                }
                ItemKind::Null => {
                    self.plain = false;
                    Value::Null
                }
            };
            items.push(v);
        }
        Value::Array(items)
    }

    /// `$setElementOrder/<f>` for a keyed list: the keys of the patch
    /// list's items (shuffled), of live items or fresh ones, now and then
    /// an element that is not a map.
    fn element_order_keyed(
        &mut self,
        key: &[&str],
        item: &Shape,
        live: Option<&Value>,
        patch: &Value,
    ) -> Value {
        let mut order: Vec<Value> = patch
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_object)
                    .filter(|m| !m.contains_key("$patch"))
                    .map(|m| {
                        let keys: Map<String, Value> = key
                            .iter()
                            .filter_map(|k| m.get(*k).map(|v| (k.to_string(), v.clone())))
                            .collect();
                        Value::Object(keys)
                    })
                    .collect()
            })
            .unwrap_or_default();
        for i in (1..order.len()).rev() {
            let j = self.below(i + 1);
            order.swap(i, j);
        }
        for _ in 0..self.below(3) {
            let from_live = self.bool();
            let m = self.key_value(key, item, live, from_live);
            let at = self.below(order.len() + 1);
            order.insert(at, Value::Object(m));
        }
        if self.below(8) == 0 {
            order.push(wrong(self.below(5) as u8));
        }
        Value::Array(order)
    }

    fn patch_prims(&mut self, pool: &[&str]) -> Value {
        let mut items: Vec<Value> = (0..self.count()).map(|_| self.pick_str(pool)).collect();
        match self.below(24) {
            0 => items.insert(0, Value::Null),
            1 => items.push(json!(1)),
            2 => items.push(json!(["nested"])),
            3 => items.push(json!({"$patch": "replace"})),
            _ => {}
        }
        Value::Array(items)
    }
}

fn key_of(item: &Value, key: &[&str]) -> Vec<Value> {
    key.iter()
        .map(|k| item.get(*k).cloned().unwrap_or(Value::Null))
        .collect()
}

/// How deep the chain of [`Case::deep`] goes: so that the document nests
/// just within or just beyond serde_json's limit on a body (128) or
/// `MAX_DEPTH`.
fn deep_levels(n: u8) -> usize {
    // the chain sits one level down: the document is one level deeper
    let document = [BODY_DEPTH - 1, BODY_DEPTH, MAX_DEPTH, MAX_DEPTH + 1];
    document[usize::from(n % 4)] - 1
}

/// A value for a message: its JSON, cut short.
fn short(v: &Value) -> String {
    let mut text = v.to_string();
    if text.len() > 1500 {
        let mut end = 1500;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// A chain of `depth` nested maps.
fn chain(depth: usize) -> Value {
    let mut v = Value::Object(Map::new());
    for _ in 1..depth {
        let mut m = Map::new();
        m.insert("d".to_string(), v);
        v = Value::Object(m);
    }
    v
}

/// The live object and the patch a case stands for, whether the patch is
/// plain, and the request body (with a duplicate key if asked).
struct Built {
    live: Value,
    patch: Value,
    plain: bool,
    body: Vec<u8>,
    duplicated: bool,
}

fn build(case: &Case) -> Built {
    let (shape, kind) = if case.pod {
        (&POD, "Pod")
    } else {
        (&ENDPOINTS, "Endpoints")
    };
    let Shape::Struct(fields) = shape else {
        unreachable!("the roots are structs")
    };
    let mut u = Unstructured::new(&case.live_seed);
    let mut live = Drawer {
        u: &mut u,
        plain: true,
    }
    .live(shape);
    if let Some(m) = live.as_object_mut() {
        m.insert("apiVersion".into(), json!("v1"));
        m.insert("kind".into(), json!(kind));
        let meta = m.entry("metadata").or_insert_with(|| json!({}));
        meta["name"] = json!("web");
        meta["namespace"] = json!("default");
    }
    let (patch, plain) = match &case.patch {
        PatchKind::Empty => (json!({}), true),
        PatchKind::Drawn(bytes) => {
            let mut u = Unstructured::new(bytes);
            let mut d = Drawer {
                u: &mut u,
                plain: true,
            };
            let p = d.patch_map(fields, Some(&live), 0);
            (p, d.plain)
        }
    };
    finish(case, live, patch, plain)
}

fn finish(case: &Case, mut live: Value, mut patch: Value, plain: bool) -> Built {
    let mut plain = plain;
    if case.deep & 0b1_1111 == 0b1_1111 {
        let (in_patch, n) = (case.deep & 0b10_0000 != 0, case.deep >> 6);
        let deep = chain(deep_levels(n));
        if in_patch {
            patch["x-deep"] = deep;
        } else {
            live["x-deep"] = deep;
        }
        plain = false;
    }
    let mut body = serde_json::to_vec(&patch).expect("a patch serializes");
    let mut duplicated = false;
    if case.duplicate
        && let Some((key, _)) = patch.as_object().and_then(|m| m.iter().next())
    {
        // `{"key":{"dup":true},` then the patch's own members: the last wins.
        let mut text = serde_json::to_vec(&json!({ key: {"dup": true} })).expect("serializes");
        text.pop();
        text.push(b',');
        text.extend_from_slice(&body[1..]);
        body = text;
        duplicated = true;
    }
    Built {
        live,
        patch,
        plain,
        body,
        duplicated,
    }
}

// ------------------------------------------------------------ the checks

/// What the request adds or restores, taken away to compare with the merge:
/// `managedFields`, `kind`/`apiVersion`, the namespace (and an emptied
/// `metadata`).
fn comparable(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("kind");
        m.remove("apiVersion");
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
            meta.remove("namespace");
            meta.remove("generation");
        }
        if m.get("metadata")
            .is_some_and(|x| x.as_object().is_some_and(Map::is_empty) || x.is_null())
        {
            m.remove("metadata");
        }
    }
    v
}

/// The request decoding its result (`decoding`) against the same request
/// keeping every field (`kept`): where that succeeds, decoding succeeds with
/// the object less some members, or, under `Strict` only, fails with a 422
/// naming unknown fields; it fails alike where that fails; `run_on` answers
/// what `run` does.
fn check_decoding(
    decoding: &PatchRequest<'_>,
    live: &Value,
    kept: &Result<kubepatch::Outcome, Error>,
    strict: bool,
) {
    let decoded = decoding.run();
    match (kept, &decoded) {
        (Ok(k), Ok(d)) => {
            // Tracking follows what changed: managedFields may differ.
            let untracked = |v: &Value| {
                let mut v = v.clone();
                if let Some(Value::Object(m)) = v.get_mut("metadata") {
                    m.remove("managedFields");
                }
                v
            };
            assert!(
                within(&untracked(&d.object), &untracked(&k.object)),
                "decoding added or changed a value\nkept:    {}\ndecoded: {}",
                short(&k.object),
                short(&d.object)
            );
        }
        (Ok(_), Err(e)) => assert!(
            strict && e.code() == 422 && e.to_string().contains("unknown field \""),
            "decoding failed where keeping succeeds: {e}"
        ),
        (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "decoding failed otherwise"),
        (Err(a), Ok(_)) => panic!("decoding succeeded where keeping fails: {a}"),
    }
    let by_value = decoding.run_on(live.clone());
    match (&decoded, &by_value) {
        // Too deep where the patch does not reach: only `run` walks there
        // (`run_on` answers what the patch makes of the rest, as in
        // `check_schema`).
        (Err(Error::Invalid { message, .. }), _)
            if message.starts_with("the live object nests")
                && kubepatch::depth(live) > MAX_DEPTH => {}
        (Ok(a), Ok(b)) => assert!(a == b, "run_on decoded otherwise"),
        (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "run_on failed otherwise: {a} | {b}"),
        _ => panic!("run and run_on disagree on decoding"),
    }
}

/// Whether `a` is `b` less some object members, at any depth.
fn within(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .iter()
            .all(|(k, v)| y.get(k).is_some_and(|w| within(v, w))),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| within(v, w))
        }
        _ => a == b,
    }
}

/// Update tracking within the patch's reach writes what tracking over the
/// whole objects writes: on `live` made tracked (an owner creates it), the
/// request's managedFields against `managed::track_update` of the merge.
fn check_tracking(live: &Value, patch: &Value, schema: &Schema, builtin: bool) {
    let created = clock(3);
    let Ok(tracked) =
        kubepatch::managed::track_update(schema, created.0, "owner", None, live.clone())
    else {
        return;
    };
    let Ok(merged) = strategic::apply(&tracked, patch.clone(), schema) else {
        return;
    };
    let clock = clock(7);
    let Ok(whole) =
        kubepatch::managed::track_update(schema, clock.0, "fuzz", Some(&tracked), merged)
    else {
        return;
    };
    let Ok(body) = serde_json::to_vec(patch) else {
        return;
    };
    let mut request = PatchRequest::new(STRATEGIC, &body)
        .params(PatchParams::default().field_manager("fuzz"))
        .clock(&clock)
        .preserve_unknown_fields(true)
        .live(&tracked);
    if !builtin {
        request = request.schema(schema);
    }
    let Ok(out) = request.run() else {
        return;
    };
    let fields = |v: &Value| v.pointer("/metadata/managedFields").cloned();
    assert!(
        fields(&out.object) == fields(&whole),
        "tracking within the reach differs from tracking of the whole\nlive:   {}\npatch:  {}\nwithin: {:?}\nwhole:  {:?}",
        short(&tracked),
        short(patch),
        fields(&out.object).map(|v| short(&v)),
        fields(&whole).map(|v| short(&v))
    );
}

fn check_case(case: &Case) {
    let built = build(case);
    let before = built.live.clone();
    // Without a schema the request takes the built-in one of the live
    // object's kind (the design's for Endpoints and for objects that name no
    // kind): the direct merge follows the same.
    let text = |k: &str| built.live.get(k).and_then(Value::as_str).unwrap_or("");
    let builtin = Schema::for_kind(text("apiVersion"), text("kind"))
        .expect("the built-in schemas load (tests/builtin.rs builds every kind)");
    check_schema(case, &built, builtin, true);
    for schema in openapi_schemas() {
        check_schema(case, &built, schema, false);
    }
    assert_eq!(built.live, before, "the live object was modified");
}

fn check_schema(case: &Case, built: &Built, schema: &Schema, builtin: bool) {
    let Built {
        live,
        patch,
        plain,
        body,
        duplicated,
    } = built;
    let too_deep = kubepatch::depth(live) > MAX_DEPTH || kubepatch::depth(patch) > MAX_DEPTH;
    // A body nested deeper than serde_json's limit is refused by the request.
    let body_deep = kubepatch::depth(patch) >= BODY_DEPTH;
    let direct = strategic::apply(live, patch.clone(), schema);
    match &direct {
        Ok(result) => {
            assert!(!too_deep, "an input beyond MAX_DEPTH merged");
            let d = kubepatch::depth(result);
            assert!(d <= MAX_DEPTH, "the result nests {d} levels deep");
            if patch.as_object().is_some_and(Map::is_empty) {
                assert_eq!(result, live, "the patch {{}} changed the object");
            }
            if *plain {
                match strategic::apply(result, patch.clone(), schema) {
                    Ok(again) => assert!(
                        again == *result,
                        "applying the patch again changed the result\nlive:   {}\npatch:  {}\nfirst:  {}\nsecond: {}",
                        short(live),
                        short(patch),
                        short(result),
                        short(&again)
                    ),
                    Err(e) => panic!(
                        "applying the patch again failed: {e:?}\nlive:  {}\npatch: {}\nfirst: {}",
                        short(live),
                        short(patch),
                        short(result)
                    ),
                }
            }
        }
        Err(e) => {
            assert!(!e.kind.label().is_empty());
            check_error(&Error::from(e.clone()));
        }
    }

    // The same through PatchRequest (a schema that offers no strategic
    // merge refuses it there).
    if !schema.strategic_allowed {
        return;
    }
    let strict = matches!(case.validation, Validation::Strict);
    let mut params = PatchParams::default().field_manager("fuzz");
    match case.validation {
        Validation::Default => {}
        Validation::Ignore => params = params.validation(FieldValidation::Ignore),
        Validation::Warn => params = params.validation(FieldValidation::Warn),
        Validation::Strict => params = params.validation(FieldValidation::Strict),
    }
    let clock = clock(7);
    // Kept whole, the request's result is the merge's; decoding is checked
    // against it below.
    let mut request = PatchRequest::new(STRATEGIC, body)
        .params(params)
        .clock(&clock)
        .preserve_unknown_fields(true)
        .live(live);
    if !builtin {
        request = request.schema(schema);
    }
    check_decoding(
        &request.clone().preserve_unknown_fields(false),
        live,
        &request.run(),
        strict,
    );
    let outcome = request.run();
    let by_value = request.run_on(live.clone());
    match (&outcome, &by_value) {
        // Too deep where the patch does not reach: only `run` walks there
        // (`run_on` answers what the patch makes of the rest).
        (Err(Error::Invalid { message, .. }), _)
            if message.starts_with("the live object nests")
                && kubepatch::depth(live) > MAX_DEPTH => {}
        (Ok(a), Ok(b)) => assert!(a == b, "run_on answered another outcome"),
        (Err(a), Err(b)) => assert_eq!(
            (a.code(), a.to_string()),
            (b.code(), b.to_string()),
            "run_on answered another error"
        ),
        _ => panic!(
            "run and run_on disagree: {:?} / {:?}",
            outcome.as_ref().map(|o| short(&o.object)),
            by_value.as_ref().map(|o| short(&o.object))
        ),
    }
    if direct.is_ok() && !too_deep {
        check_tracking(live, patch, schema, builtin);
    }
    match (&direct, outcome) {
        (Err(e), Ok(out)) => panic!(
            "the merge fails ({e:?}) but the request succeeds: {}\nlive:  {}\npatch: {}",
            short(&out.object),
            short(live),
            short(patch)
        ),
        (Err(e), Err(err)) => {
            check_error(&err);
            let code = Error::from(e.clone()).code();
            if !too_deep && !body_deep {
                assert_eq!(
                    err.code(),
                    code,
                    "the request answers {err} for the merge's {e:?}"
                );
            }
        }
        (Ok(result), Ok(out)) => {
            assert_eq!(out.code, 200);
            assert!(
                comparable(&out.object) == comparable(result),
                "the request and the merge disagree\nlive:    {}\npatch:   {}\nmerge:   {}\nrequest: {}",
                short(live),
                short(patch),
                short(result),
                short(&out.object)
            );
            if *duplicated && matches!(case.validation, Validation::Default | Validation::Warn) {
                assert!(
                    out.warnings.iter().any(|w| w.contains("duplicate field")),
                    "a duplicate key without a warning: {:?}",
                    out.warnings
                );
            }
        }
        (Ok(result), Err(err)) => {
            check_error(&err);
            let name = result.pointer("/metadata/name");
            let renamed = name != live.pointer("/metadata/name");
            let kind_changed = ["kind", "apiVersion"].iter().any(|k| {
                result
                    .get(*k)
                    .is_some_and(|v| !v.is_null() && Some(v) != live.get(*k))
            });
            let namespace_changed = result
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .is_some_and(|ns| !ns.is_empty() && ns != "default");
            let bad_metadata = result
                .get("metadata")
                .is_some_and(|m| !m.is_object() && !m.is_null());
            assert!(
                renamed
                    || kind_changed
                    || namespace_changed
                    || bad_metadata
                    || (strict && *duplicated)
                    || (body_deep && err.code() == 400),
                "the merge succeeds but the request fails: {err}\nlive:   {}\npatch:  {}\nmerge:  {}",
                short(live),
                short(patch),
                short(result)
            );
        }
    }
}
