//! Field ownership: `metadata.managedFields`, server-side apply, and the
//! Update tracking of every other write.
//!
//! [`apply`] merges an applied configuration into the live object, prunes
//! what the manager stopped applying, and refuses (409) to change fields other
//! managers own unless forced. [`track_update`] records who changed what after
//! a JSON, merge or strategic patch (or a PUT). Both walk the object with the
//! same [`Schema`] strategic merge uses.
//!
//! ```
//! use kubepatch::managed::{apply, Applier};
//! use kubepatch::schema::Schema;
//! use serde_json::json;
//!
//! let schema = Schema::endpoints();
//! let now = "2030-01-01T00:00:00Z".parse().unwrap();
//! let applier = Applier { schema: &schema, now, manager: "ctrl-a", force: false, subresource: None };
//! let config = json!({"apiVersion": "v1", "kind": "Endpoints",
//!     "metadata": {"name": "web", "labels": {"app": "web"}}});
//! let created = apply(&applier, None, config).unwrap();
//! let entry = &created.object["metadata"]["managedFields"][0];
//! assert_eq!(entry["manager"], "ctrl-a");
//! assert_eq!(entry["time"], "2030-01-01T00:00:00Z");
//! assert_eq!(entry["fieldsV1"], json!({"f:metadata": {"f:labels": {"f:app": {}}}}));
//!
//! let other = Applier { manager: "ctrl-b", ..applier };
//! let config = json!({"apiVersion": "v1", "kind": "Endpoints",
//!     "metadata": {"name": "web", "labels": {"app": "api"}}});
//! let err = apply(&other, Some(&created.object), config).unwrap_err();
//! assert_eq!(err.to_string(), r#"Apply failed with 1 conflict: conflict with "ctrl-a": .metadata.labels.app"#);
//! ```

mod entries;
pub mod typed;

use serde_json::{Map, Value};

pub use entries::{Entry, Identity, Managers, Operation};
use typed::Typed;

use crate::error::{Error, StatusCause, StatusDetails, cause};
use crate::fieldpath::{PathElement, Set};
use crate::schema::{NodeId, Schema, UNTYPED};

/// Most Update entries kept; older ones fold into `ancient-changes`.
pub const MAX_UPDATE_MANAGERS: usize = 10;

/// Who applies, with what, and when.
#[derive(Clone, Copy)]
pub struct Applier<'a> {
    /// The merge rules.
    pub schema: &'a Schema,
    /// The time of the request: every entry the apply writes carries it.
    pub now: jiff::Timestamp,
    /// The field manager.
    pub manager: &'a str,
    /// `force=true`: take conflicting fields instead of failing.
    pub force: bool,
    /// The subresource written through (`status`), part of the identity.
    pub subresource: Option<&'a str>,
}

/// Who writes (any non-apply write), and when.
#[derive(Clone, Copy)]
pub struct Updater<'a> {
    /// The merge rules.
    pub schema: &'a Schema,
    /// The time of the request, for the entry the write records.
    pub now: jiff::Timestamp,
    /// The field manager (`unknown` when empty).
    pub manager: &'a str,
    /// The subresource written through (`status`), part of the identity;
    /// such writes ignore managedFields sent in the request.
    pub subresource: Option<&'a str>,
}

/// The outcome of an apply or an update.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The new object, with its `managedFields`.
    pub object: Value,
    /// Whether the object (apart from managedFields) changed.
    pub changed: bool,
}

/// Paths never tracked (upstream's `StripMeta`).
const STRIPPED: [&[&str]; 12] = [
    &["apiVersion"],
    &["kind"],
    &["metadata"],
    &["metadata", "name"],
    &["metadata", "namespace"],
    &["metadata", "creationTimestamp"],
    &["metadata", "selfLink"],
    &["metadata", "uid"],
    &["metadata", "clusterName"],
    &["metadata", "generation"],
    &["metadata", "managedFields"],
    &["metadata", "resourceVersion"],
];

fn strip(set: &mut Set) {
    for path in STRIPPED {
        let elements: Vec<PathElement> = path
            .iter()
            .map(|f| PathElement::Field(f.to_string()))
            .collect();
        set.remove(&elements);
    }
}

/// `now` as managedFields writes a time (whole seconds, UTC).
fn stamp(now: jiff::Timestamp) -> String {
    now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn root_of(schema: &Schema, object: &Value) -> NodeId {
    schema.root_of(object).unwrap_or(UNTYPED)
}

/// The object without its managedFields, and those decoded.
fn split(object: &Value) -> Result<(Value, Managers), Error> {
    let mut plain = object.clone();
    let list = plain
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove("managedFields"));
    let managers = Managers::decode(list.as_ref()).map_err(|e| Error::Internal {
        message: format!("failed to decode managed fields: {e}"),
    })?;
    Ok((plain, managers))
}

fn with_managers(mut object: Value, managers: &Managers) -> Value {
    let meta = object
        .as_object_mut()
        .map(|o| {
            o.entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()))
        })
        .and_then(Value::as_object_mut);
    if let Some(meta) = meta {
        match managers.encode() {
            Some(list) => meta.insert("managedFields".to_string(), list),
            None => meta.remove("managedFields"),
        };
    }
    object
}

/// Drop `null`s and, where the schema's kinds are Go structs (`omitEmpty`),
/// empty objects and lists, as decoding into the kind does.
pub fn normalize(value: &mut Value, omit_empty: bool) {
    fn walk(v: &mut Value, omit_empty: bool) {
        match v {
            Value::Object(m) => {
                m.values_mut().for_each(|x| walk(x, omit_empty));
                m.retain(|_, x| !(x.is_null() || omit_empty && is_empty_container(x)));
            }
            Value::Array(items) => items.iter_mut().for_each(|x| walk(x, omit_empty)),
            _ => {}
        }
    }
    fn is_empty_container(v: &Value) -> bool {
        matches!(v, Value::Object(m) if m.is_empty())
            || matches!(v, Value::Array(a) if a.is_empty())
    }
    let managed = value
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove("managedFields"));
    walk(value, omit_empty);
    if let (Some(list), Some(obj)) = (managed, value.as_object_mut()) {
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("managedFields".to_string(), list);
        }
    }
}

/// The zero object a create starts from.
fn zero_object(config: &Value) -> Value {
    let mut m = Map::new();
    for k in ["apiVersion", "kind"] {
        if let Some(v) = config.get(k) {
            m.insert(k.to_string(), v.clone());
        }
    }
    Value::Object(m)
}

/// Server-side apply of `config` by `applier.manager` to `live` (`None`: the
/// object does not exist and is created).
pub fn apply(applier: &Applier<'_>, live: Option<&Value>, config: Value) -> Result<Applied, Error> {
    let Value::Object(ref config_map) = config else {
        return Err(Error::bad_request(format!(
            "error decoding patch: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            crate::decode::json_kind(&config)
        )));
    };
    if let Some(live) = live {
        for key in ["apiVersion", "kind"] {
            if config.get(key) != live.get(key) {
                return Err(Error::bad_request(format!(
                    "invalid object type: {}",
                    gvk(&config)
                )));
            }
        }
    } else if !config_map.contains_key("kind") || !config_map.contains_key("apiVersion") {
        return Err(Error::bad_request(format!(
            "invalid object type: {}",
            gvk(&config)
        )));
    }
    if config
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .is_some_and(|v| !v.is_null())
    {
        return Err(Error::bad_request("metadata.managedFields must be nil"));
    }
    let schema = applier.schema;
    let time = stamp(applier.now);
    let typed = Typed::new(schema);
    let root = root_of(schema, &config);
    let api_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let (base, mut managers) = match live {
        Some(l) => split(l)?,
        None => (zero_object(&config), Managers::default()),
    };
    let (where_, what) = (object_ref(&config), gvk(&config));
    let config_problem = |e: typed::SchemaError| {
        Error::bad_request(format!(
            "failed to create typed patch object ({where_}; {what}): {e}"
        ))
    };
    let mut config = config;
    if let Some(meta) = config.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    if live.is_some() && managers.0.is_empty() {
        // Before the first apply every existing field goes to `before-first-apply`.
        // The stored object as decoding into the kind sees it (a patch may
        // have left empty maps that the kind would not keep).
        let zero = zero_object(&base);
        let mut stored = base.clone();
        normalize(&mut stored, schema.omit_empty);
        let changes = typed.compare(&zero, &stored, root);
        let mut set = changes.added.union(&changes.modified);
        strip(&mut set);
        if !set.is_empty() {
            let id = Identity::update("before-first-apply", &api_version);
            managers.0.insert(
                id.clone(),
                Entry {
                    identity: id,
                    api_version: api_version.clone(),
                    time: Some(time.clone()),
                    set,
                },
            );
        }
    }
    let merged = typed.merge(&base, &config, root).map_err(config_problem)?;
    let mut id = Identity::apply(applier.manager);
    id.subresource = applier.subresource.map(str::to_string);
    let last = managers
        .0
        .get(&id)
        .map(|e| e.set.clone())
        .unwrap_or_default();
    let new_set = typed.field_set(&config, root).map_err(config_problem)?;
    let mut all_sets = new_set.clone();
    for (other, entry) in &managers.0 {
        if *other != id {
            all_sets.union_with(&entry.set);
        }
    }
    let mut result = if last.is_empty() {
        merged
    } else {
        prune(&typed, merged, &last, &all_sets, root)
    };
    let mut base_normal = base.clone();
    normalize(&mut base_normal, schema.omit_empty);
    // Modifications are read off the merged result with its nulls (a `null`
    // over a value changes it); additions off the result decoding into the
    // kind leaves (a map holding only nulls adds nothing, so re-applying it
    // conflicts with nobody).
    let changes = typed.compare(&base_normal, &result, root);
    normalize(&mut result, schema.omit_empty);
    let added = typed.compare(&base_normal, &result, root).added;
    let removed = changes.removed;
    let touched = changes.modified.union(&added);
    let mut conflicts: Vec<(Identity, Set)> = Vec::new();
    for (other, entry) in &managers.0 {
        if *other == id {
            continue;
        }
        let mut hit = entry.set.intersection(&touched);
        strip(&mut hit);
        if !hit.is_empty() {
            conflicts.push((other.clone(), hit));
        }
    }
    if !conflicts.is_empty() && !applier.force {
        return Err(conflict_error(conflicts));
    }
    for (other, entry) in managers.0.iter_mut() {
        if *other == id {
            continue;
        }
        if let Some((_, hit)) = conflicts.iter().find(|(c, _)| c == other) {
            entry.set = entry.set.difference(hit);
        }
        entry.set = entry.set.difference(&removed);
    }
    let changed = result != base_normal;
    let mut own = new_set;
    strip(&mut own);
    let previous_time = managers.0.get(&id).and_then(|e| e.time.clone());
    let time = if changed { Some(time) } else { previous_time };
    managers.0.insert(
        id.clone(),
        Entry {
            identity: id,
            api_version,
            time,
            set: own,
        },
    );
    managers.drop_empty();
    let object = if changed || live.is_none() {
        result
    } else {
        base
    };
    Ok(Applied {
        object: with_managers(object, &managers),
        changed,
    })
}

/// Remove what the applier stopped applying and nobody else owns (upstream's
/// three prune passes).
fn prune(typed: &Typed<'_>, merged: Value, last: &Set, all_sets: &Set, root: NodeId) -> Value {
    let named_last = typed.with_named_ancestors(last, root);
    let mut p1 = merged.clone();
    typed.remove(&mut p1, &named_last, root);
    let fields_merged = typed.live_field_set(&merged, root);
    let fields_p1 = typed.live_field_set(&p1, root);
    let keep = fields_p1.union(&typed.with_named_ancestors(all_sets, root));
    let mut p2 = merged.clone();
    typed.remove(&mut p2, &fields_merged.difference(&keep), root);
    let fields_p2 = typed.live_field_set(&p2, root);
    let doomed = fields_merged
        .difference(&fields_p2)
        .intersection(&named_last);
    let mut result = merged;
    typed.remove(&mut result, &doomed, root);
    result
}

fn conflict_error(mut conflicts: Vec<(Identity, Set)>) -> Error {
    conflicts.sort_by_key(|(id, _)| id.identifier());
    let mut causes = Vec::new();
    let mut lines = Vec::new();
    let mut count = 0;
    for (id, set) in &conflicts {
        let who = id.describe();
        lines.push(format!("conflicts with {who}:"));
        for path in set.paths() {
            count += 1;
            let rendered = path.to_string();
            lines.push(format!("- {rendered}"));
            causes.push(StatusCause {
                reason: cause::FIELD_MANAGER_CONFLICT.to_string(),
                message: format!("conflict with {who}"),
                field: rendered,
            });
        }
    }
    let message = if count == 1 {
        format!(
            "Apply failed with 1 conflict: {}: {}",
            causes[0].message, causes[0].field
        )
    } else {
        format!("Apply failed with {count} conflicts: {}", lines.join("\n"))
    };
    Error::Conflict {
        message,
        details: StatusDetails {
            causes,
            ..StatusDetails::default()
        },
    }
}

/// Record a non-apply write: the fields whose value changed become owned by
/// `manager` (operation Update) and stop being owned by anyone else.
/// `live` is `None` for a create. Objects that were never tracked stay untracked.
///
/// ```
/// use kubepatch::managed::track_update;
/// use kubepatch::schema::Schema;
/// use serde_json::json;
///
/// let now = "2030-01-01T00:00:00Z".parse().unwrap();
/// let new = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "labels": {"a": "1"}}});
/// let created = track_update(&Schema::endpoints(), now, "creator", None, new).unwrap();
/// assert_eq!(created["metadata"]["managedFields"][0]["operation"], "Update");
/// assert_eq!(created["metadata"]["managedFields"][0]["time"], "2030-01-01T00:00:00Z");
/// ```
pub fn track_update(
    schema: &Schema,
    now: jiff::Timestamp,
    manager: &str,
    live: Option<&Value>,
    new: Value,
) -> Result<Value, Error> {
    update(
        &Updater {
            schema,
            now,
            manager,
            subresource: None,
        },
        live,
        new,
    )
}

/// [`track_update`], with a subresource.
///
/// ```
/// use kubepatch::managed::{update, Updater};
/// use kubepatch::schema::Schema;
/// use serde_json::json;
///
/// let now = "2030-01-01T00:00:00Z".parse().unwrap();
/// let updater = Updater { schema: &Schema::endpoints(), now, manager: "kubelet", subresource: Some("status") };
/// let new = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}, "status": {"x": 1}});
/// let out = update(&updater, None, new).unwrap();
/// assert_eq!(out["metadata"]["managedFields"][0]["subresource"], "status");
/// ```
pub fn update(updater: &Updater<'_>, live: Option<&Value>, new: Value) -> Result<Value, Error> {
    let Updater {
        schema,
        now,
        manager,
        subresource,
    } = *updater;
    let manager = if manager.is_empty() {
        "unknown"
    } else {
        manager
    };
    let typed = Typed::new(schema);
    let (mut plain_new, requested) = match split(&new) {
        Ok(parts) => parts,
        Err(_) => {
            let mut plain = new.clone();
            if let Some(m) = plain.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("managedFields");
            }
            (plain, Managers::default())
        }
    };
    let reset = match new.get("metadata").and_then(|m| m.get("managedFields")) {
        Some(Value::Array(items)) => {
            items.is_empty()
                || (items.len() == 1 && items[0].as_object().is_some_and(Map::is_empty))
        }
        _ => false,
    };
    let (plain_live, mut managers) = match live {
        Some(l) => {
            let (plain, stored) = split(l).unwrap_or_else(|_| (l.clone(), Managers::default()));
            let start = if subresource.is_some() {
                stored
            } else if reset {
                Managers::default()
            } else if requested.0.is_empty() {
                stored
            } else {
                requested
            };
            (plain, start)
        }
        None => (
            zero_object(&new),
            if reset {
                Managers::default()
            } else {
                requested
            },
        ),
    };
    if managers.0.is_empty() && live.is_some() {
        return Ok(plain_new);
    }
    let root = root_of(schema, &plain_new);
    let mut live_normal = plain_live;
    normalize(&mut live_normal, schema.omit_empty);
    let mut new_normal = plain_new.clone();
    normalize(&mut new_normal, schema.omit_empty);
    let changes = typed.compare(&live_normal, &new_normal, root);
    let touched = changes.modified.union(&changes.added);
    for entry in managers.0.values_mut() {
        entry.set = entry.set.difference(&touched).difference(&changes.removed);
    }
    let mut owned = touched;
    strip(&mut owned);
    let api_version = plain_new
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut id = Identity::update(manager, &api_version);
    id.subresource = subresource.map(str::to_string);
    if !owned.is_empty() {
        let previous = managers.0.remove(&id).map(|e| e.set).unwrap_or_default();
        let set = previous.difference(&changes.removed).union(&owned);
        managers.0.insert(
            id.clone(),
            Entry {
                identity: id,
                api_version,
                time: Some(stamp(now)),
                set,
            },
        );
    }
    managers.drop_empty();
    managers.cap_updates(MAX_UPDATE_MANAGERS);
    plain_new = with_managers(plain_new, &managers);
    Ok(plain_new)
}

/// `group/version, Kind=Kind` as upstream prints a GroupVersionKind.
fn gvk(object: &Value) -> String {
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={kind}")
}

fn object_ref(object: &Value) -> String {
    let meta = object.get("metadata");
    let text = |k: &str| {
        meta.and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    format!("{}/{}", text("namespace"), text("name"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_893_456_000 + s).expect("a valid time")
    }

    #[test]
    fn live_duplicates_do_not_crash_an_apply() {
        let schema = Schema::endpoints();
        let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "uid": "u"},
            "subsets": [{"addresses": [{"ip": "10.0.0.1", "nodeName": "a"}, {"ip": "10.0.0.1", "nodeName": "b"}],
                         "ports": [{"name": "http", "port": 80}]}]});
        let applier = Applier {
            schema: &schema,
            now: at(1),
            manager: "ctrl",
            force: true,
            subresource: None,
        };
        let config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
            "subsets": [{"addresses": [{"ip": "10.0.0.1", "nodeName": "c"}], "ports": [{"name": "http", "port": 80}]}]});
        let out = apply(&applier, Some(&live), config).expect("apply succeeds");
        assert_eq!(
            out.object["subsets"][0]["addresses"],
            json!([{"ip": "10.0.0.1", "nodeName": "c"}])
        );
    }

    #[test]
    fn duplicate_keys_in_a_config_are_refused() {
        let schema = Schema::endpoints();
        let applier = Applier {
            schema: &schema,
            now: at(1),
            manager: "ctrl",
            force: false,
            subresource: None,
        };
        let config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.1"}], "ports": [{"name": "http", "port": 80}]}]});
        let err = apply(&applier, None, config).expect_err("duplicates refused");
        assert_eq!(err.code(), 400);
        assert!(
            err.to_string()
                .contains("duplicate entries for key [ip=\"10.0.0.1\"]"),
            "{err}"
        );
    }

    #[test]
    fn reapply_is_a_no_op() {
        let schema = Schema::endpoints();
        let config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "labels": {"a": "1"}},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 53, "name": "dns"}, {"port": 53, "name": "dns-tcp"}]}]});
        let first = Applier {
            schema: &schema,
            now: at(1),
            manager: "ctrl",
            force: false,
            subresource: None,
        };
        let once = apply(&first, None, config.clone()).expect("create");
        let second = Applier {
            now: at(2),
            ..first
        };
        let twice = apply(&second, Some(&once.object), config).expect("re-apply");
        assert!(!twice.changed);
        assert_eq!(twice.object, once.object);
    }
}
