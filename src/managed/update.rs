//! Update tracking: who changed what in a write that is not an apply (a JSON,
//! merge or strategic patch, a PUT or a create).

use serde_json::{Map, Value};

use super::entries::{Entry, Identity, Managers, stamp};
use super::object::{normalize, root_of, split, strip, with_managers, zero_object};
use super::typed::Typed;
use super::{MAX_UPDATE_MANAGERS, Updater};
use crate::error::Error;
use crate::schema::Schema;

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
    if let Some(live) = live {
        crate::decode::check_depth(live, "the live object")?;
    }
    crate::decode::check_depth(&new, "the new object")?;
    update_bounded(updater, live, new)
}

/// [`update`] for a caller that has bounded the depth of both objects
/// already (the request: the live object on entry, the patched one by each
/// strategy's own bound).
pub(crate) fn update_bounded(
    updater: &Updater<'_>,
    live: Option<&Value>,
    new: Value,
) -> Result<Value, Error> {
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
