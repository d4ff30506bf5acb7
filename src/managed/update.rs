//! Update tracking: who changed what in a write that is not an apply (a JSON,
//! merge or strategic patch, a PUT or a create).

use serde_json::{Map, Value};

use super::entries::{Entry, Identity, Managers, stamp};
use super::object::{normalized, root_of, strip, take_managed_fields, with_managers, zero_object};
use super::typed::Typed;
use super::{MAX_UPDATE_MANAGERS, Updater};
use crate::error::Error;
use crate::reach::Reach;
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
    let before = live.map(|live| {
        let mut live = live.clone();
        let stored = take_managed_fields(&mut live);
        Before {
            stored: Some(stored),
            image: Some(normalized(live, updater.schema.omit_empty)),
        }
    });
    record_update(updater, before, &Reach::All, new).map(|(object, _)| object)
}

/// What Update tracking needs of the live object, taken before the write
/// consumes it: its managedFields where the write can change them, and,
/// when tracking may have to compare, the normalized image of the part the
/// write can reach (without managedFields, which tracking reads apart).
pub(crate) struct Before {
    /// The live object's managedFields as they were, when the write can
    /// reach them; `None` when it cannot: then they are what the new object
    /// carries.
    pub(crate) stored: Option<Option<Value>>,
    /// `None` when the object is untracked and the write cannot make it
    /// tracked: nothing to compare.
    pub(crate) image: Option<Value>,
}

/// Where an object keeps its managedFields.
const MANAGED: [&str; 2] = ["metadata", "managedFields"];

/// Whether `object` carries managedFields (is tracked).
pub(crate) fn is_tracked(object: &Value) -> bool {
    managed_fields(object).is_some_and(|l| !l.is_null())
}

fn managed_fields(object: &Value) -> Option<&Value> {
    object.get("metadata").and_then(|m| m.get("managedFields"))
}

impl Before {
    /// What tracking needs from `live` before a write that can reach `reach`:
    /// copies of the reached part only, taken only when the object is
    /// tracked or the write can make it so.
    pub(crate) fn take(live: &Value, reach: &Reach, schema: &Schema) -> Before {
        let omit_empty = schema.omit_empty;
        let reached = reach.reaches(&MANAGED);
        let image = (is_tracked(live) || reached).then(|| {
            normalized(
                reach.image_without(live, omit_empty, &MANAGED, schema),
                omit_empty,
            )
        });
        Before {
            stored: reached.then(|| managed_fields(live).cloned()),
            image,
        }
    }
}

/// Record a non-apply write that could change only what `reach` covers:
/// `before` is `None` for a create. Both the comparison and the managers it
/// rewrites follow the reach: entries owning none of the changed fields stay
/// as stored. Beside the object: whether the write changed it apart from
/// managedFields, as decoding into the kind sees it, where `before` held an
/// image to compare with (`None` where it did not).
pub(crate) fn record_update(
    updater: &Updater<'_>,
    before: Option<Before>,
    reach: &Reach,
    mut new: Value,
) -> Result<(Value, Option<bool>), Error> {
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
    let omit_empty = schema.omit_empty;
    let typed = Typed::new(schema);
    let sent = take_managed_fields(&mut new);
    let reset = match &sent {
        Some(Value::Array(items)) => {
            items.is_empty()
                || (items.len() == 1 && items[0].as_object().is_some_and(Map::is_empty))
        }
        _ => false,
    };
    let requested = Managers::take(sent).unwrap_or_default();
    let existed = before.is_some();
    let (live_image, mut managers) = match before {
        // The write could not change the managedFields: the new object
        // carries them as stored.
        Some(Before {
            stored: None,
            image,
        }) => (
            image,
            if reset {
                Managers::default()
            } else {
                requested
            },
        ),
        Some(Before {
            stored: Some(stored),
            image,
        }) => {
            let stored = Managers::take(stored).unwrap_or_default();
            let start = if subresource.is_some() {
                stored
            } else if reset {
                Managers::default()
            } else if requested.0.is_empty() {
                stored
            } else {
                requested
            };
            (image, start)
        }
        None => (
            Some(normalized(zero_object(&new), omit_empty)),
            if reset {
                Managers::default()
            } else {
                requested
            },
        ),
    };
    let new_image = |new: &Value| normalized(reach.image(new, omit_empty, schema), omit_empty);
    if managers.0.is_empty() && existed {
        let changed = live_image.map(|image| image != new_image(&new));
        return Ok((new, changed));
    }
    let Some(live_image) = live_image else {
        return Err(Error::Internal {
            message: "ownership tracking has no image of the object before the write".to_string(),
        });
    };
    let root = root_of(schema, &new);
    let new_image = new_image(&new);
    let changes = typed.compare(&live_image, &new_image, root);
    let touched = changes.modified.union(&changes.added);
    let gone = touched.union(&changes.removed);
    // A changed field is a change; without one the images are compared
    // still (items of a keyed list reordered change no field).
    let changed = !gone.is_empty() || live_image != new_image;
    for entry in managers.0.values_mut() {
        entry.fields.give_up(&gone);
    }
    let mut owned = touched;
    strip(&mut owned);
    let api_version = new
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut id = Identity::update(manager, &api_version);
    id.subresource = subresource.map(str::to_string);
    if !owned.is_empty() {
        let previous = managers
            .0
            .remove(&id)
            .map(|e| e.fields.into_set())
            .unwrap_or_default();
        let mut set = previous.difference(&changes.removed);
        if set.is_empty() {
            set = owned;
        } else {
            set.union_with(&owned);
        }
        managers.0.insert(
            id.clone(),
            Entry {
                identity: id,
                api_version,
                time: Some(stamp(now)),
                fields: set.into(),
            },
        );
    }
    managers.drop_empty();
    managers.cap_updates(MAX_UPDATE_MANAGERS);
    Ok((with_managers(new, managers), Some(changed)))
}
