//! Server-side apply as an updater: the steps upstream's apply manager takes,
//! one function each.

use serde_json::{Map, Value};

use super::entries::{Entry, Identity, Managers, stamp};
use super::object::{
    is_normal, normalize, normalized, read_managers, root_of, strip, stripped_set,
    take_managed_fields, with_managers, zero_object,
};
use super::owned::Owned;
use super::prune::prune;
use super::typed::{Merged, SchemaError, Typed};
use super::{Applied, Applier, conflicts};
use crate::error::Error;
use crate::fieldpath::Set;
use crate::go::{gvk, object_ref};
use crate::reach::{Reach, equal_within};
use crate::schema::{NodeId, Schema};

/// Server-side apply of `config` by `applier.manager` to `live` (`None`: the
/// object does not exist and is created).
pub fn apply(applier: &Applier<'_>, live: Option<&Value>, config: Value) -> Result<Applied, Error> {
    if let Some(live) = live {
        crate::decode::check_depth(live, "the live object")?;
    }
    crate::decode::check_depth(&config, "the applied configuration")?;
    apply_owned(applier, live.cloned(), config)
}

/// [`apply`] on a live object the caller hands over (it becomes the result,
/// no copy of it is made), for a caller that has bounded both depths already
/// (the request).
pub(crate) fn apply_owned(
    applier: &Applier<'_>,
    live: Option<Value>,
    config: Value,
) -> Result<Applied, Error> {
    let config = check(live.as_ref(), config)?;
    let walk = Walk {
        schema: applier.schema,
        typed: Typed::new(applier.schema),
        root: root_of(applier.schema, &config),
        omit_empty: applier.schema.omit_empty,
    };
    let time = stamp(applier.now);
    let api_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let existed = live.is_some();
    let (base, mut managers) = match live {
        Some(mut live) => {
            let stored = take_managed_fields(&mut live);
            (live, read_managers(stored)?)
        }
        None => (zero_object(&config), Managers::default()),
    };
    let first_apply_recorded =
        existed && before_first_apply(&walk, &base, &api_version, &time, &mut managers);
    let id = identity(applier);
    // One walk of the config: the merge, and what the applier will own,
    // encoded once. When its entry is stored exactly so (the usual
    // re-apply), it applies all it applied last time and nothing is pruned,
    // with no decoding and no set built.
    let Merged {
        result: merged,
        fields,
    } = walk
        .typed
        .merge_config(&base, &config, walk.root)
        .map_err(|e| typed_patch_error(&config, e))?;
    let (mut owned, applied) = applied_fields(&walk, &config, fields)?;
    // Only an applier that stopped applying something it applied last time
    // prunes. That is decided on the encoding (not at all for the usual
    // re-apply, stored alike), and the set of what it applies is built only
    // for the pruning itself.
    let same_as_last = managers
        .0
        .get(&id)
        .is_some_and(|e| e.fields.stored_alike(&owned));
    // Whether the applier's entry stays as stored, unless the object changes
    // (which stamps its time); the entries' count tells whether any other
    // went.
    let entry_kept = same_as_last
        && managers
            .0
            .get(&id)
            .is_some_and(|e| e.api_version == api_version);
    let entries = managers.0.len();
    let stopped = if same_as_last {
        None
    } else {
        stopped_applying(&mut managers, &id, &mut owned)
    };
    let (pruned, removed_any) = match stopped {
        None => (merged, false),
        Some(last) => {
            let applied = match applied {
                Some(set) => set,
                None => walk
                    .typed
                    .field_set(&config, walk.root)
                    .map_err(|e| typed_patch_error(&config, e))?,
            };
            let merged = merged.unwrap_or_else(|| base.clone());
            let pruned = prune(
                &walk.typed,
                merged,
                &mut managers,
                &id,
                &last,
                &applied,
                walk.root,
            );
            (Some(pruned), true)
        }
    };
    // The config reaches what it sets; pruning can reach anything.
    let reach = if removed_any {
        Reach::All
    } else {
        Reach::of_members(&config)
    };
    let write = match pruned {
        Some(result) => compare(&walk, &base, result, &reach),
        // Nothing merged nor pruned changes the object: as decoding into the
        // kind leaves it (the usual case), nothing is touched and there is
        // nothing to compare.
        None if is_normal(&base, walk.omit_empty) => Write {
            result: None,
            touched: Set::default(),
            removed: Set::default(),
            changed: false,
        },
        None => compare(&walk, &base, base.clone(), &reach),
    };
    conflicts::resolve(&mut managers, &id, &write.touched, applier.force)?;
    record(&mut managers, id, api_version, owned, &write, time);
    let managed_fields_changed =
        write.changed || first_apply_recorded || !entry_kept || managers.0.len() != entries;
    let object = match write.result {
        Some(result) if write.changed || !existed => result,
        _ => base,
    };
    Ok(Applied {
        object: with_managers(object, managers),
        changed: write.changed,
        managed_fields_changed,
    })
}

/// What the steps walk with: the schema's rules from the object's root.
struct Walk<'s> {
    schema: &'s Schema,
    typed: Typed<'s>,
    root: NodeId,
    /// Whether decoding into the kind drops empty containers.
    omit_empty: bool,
}

/// What the apply does to the stored object.
struct Write {
    /// The merged and pruned object, as decoding into the kind leaves it
    /// (`None`: the stored object as it is).
    result: Option<Value>,
    /// The fields it adds or modifies.
    touched: Set,
    /// The fields it removes.
    removed: Set,
    /// Whether the object (apart from managedFields) changes.
    changed: bool,
}

/// The request's checks: `config` is an object of the live object's kind (or,
/// for a create, names its kind) and sends no managedFields. The config comes
/// back without its (null) managedFields.
fn check(live: Option<&Value>, mut config: Value) -> Result<Value, Error> {
    let Value::Object(ref config_map) = config else {
        return Err(Error::bad_request(format!(
            "error decoding patch: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            crate::go::json_kind(&config)
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
    if let Some(meta) = config.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    Ok(config)
}

/// Before the first apply (nobody manages anything yet) every existing field
/// goes to `before-first-apply`; whether that entry was added.
fn before_first_apply(
    walk: &Walk<'_>,
    base: &Value,
    api_version: &str,
    time: &str,
    managers: &mut Managers,
) -> bool {
    if !managers.0.is_empty() {
        return false;
    }
    // The stored object as decoding into the kind sees it (a patch may
    // have left empty maps that the kind would not keep).
    let zero = zero_object(base);
    let mut stored = base.clone();
    normalize(&mut stored, walk.omit_empty);
    let changes = walk.typed.compare(&zero, &stored, walk.root);
    let mut set = changes.added.union(&changes.modified);
    strip(&mut set);
    if set.is_empty() {
        return false;
    }
    let id = Identity::update("before-first-apply", api_version);
    managers.0.insert(
        id.clone(),
        Entry {
            identity: id,
            api_version: api_version.to_string(),
            time: Some(time.to_string()),
            fields: set.into(),
        },
    );
    true
}

/// The applier's identity: its Apply entry (per subresource).
fn identity(applier: &Applier<'_>) -> Identity {
    let mut id = Identity::apply(applier.manager);
    id.subresource = applier.subresource.map(str::to_string);
    id
}

/// What the config sets, as the applier will own it (system fields aside),
/// from its `fieldsV1` encoding as the merge wrote it; the set itself only
/// when it had to be built for that (see [`Merged::fields`]).
fn applied_fields(
    walk: &Walk<'_>,
    config: &Value,
    encoded: Option<Map<String, Value>>,
) -> Result<(Owned, Option<Set>), Error> {
    let (encoded, applied) = match encoded {
        Some(encoded) => (Value::Object(encoded), None),
        None => {
            let applied = walk
                .typed
                .field_set(config, walk.root)
                .map_err(|e| typed_patch_error(config, e))?;
            (applied.to_fields_v1(), Some(applied))
        }
    };
    let mut owned = Owned::encoded(encoded);
    owned.give_up(&stripped_set());
    Ok((owned, applied))
}

/// What `id` applied last time and no longer applies, if anything: its last
/// set, when the fields it applies now (`owned`, as the applier will own them)
/// do not hold all of it. A manager's first apply stops applying nothing.
fn stopped_applying(managers: &mut Managers, id: &Identity, owned: &mut Owned) -> Option<Set> {
    let last = managers.0.get_mut(id)?.fields.set();
    // The system fields `owned` leaves out are never in an entry's set:
    // recording strips them too. Where a stored entry holds one anyway, it
    // counts as stopped, and pruning, working on whole sets, decides.
    (!last.is_empty() && owned.common(last) != *last).then(|| last.clone())
}

/// The 400 for a config that does not fit the schema.
fn typed_patch_error(config: &Value, e: SchemaError) -> Error {
    Error::bad_request(format!(
        "failed to create typed patch object ({}; {}): {e}",
        object_ref(config),
        gvk(config)
    ))
}

/// What writing `result` over `base` changes, looking only within `reach`
/// (outside it the two agree).
fn compare(walk: &Walk<'_>, base: &Value, mut result: Value, reach: &Reach) -> Write {
    let omit_empty = walk.omit_empty;
    if is_normal(base, omit_empty) && is_normal(&result, omit_empty) {
        // Both already as decoding into the kind leaves them (the usual
        // case): compared where they are, with no copy.
        let changes = walk.typed.compare_within(reach, base, &result, walk.root);
        return Write {
            touched: changes.modified.union(&changes.added),
            removed: changes.removed,
            changed: !equal_within(reach, base, &result),
            result: Some(result),
        };
    }
    let base_image = normalized(reach.image(base, omit_empty, walk.schema), omit_empty);
    // Modifications are read off the merged result with its nulls (a `null`
    // over a value changes it); additions off the result decoding into the
    // kind leaves (a map holding only nulls adds nothing, so re-applying it
    // conflicts with nobody).
    let result_image = reach.image(&result, omit_empty, walk.schema);
    let changes = walk.typed.compare(&base_image, &result_image, walk.root);
    let result_image = normalized(result_image, omit_empty);
    let added = walk
        .typed
        .compare(&base_image, &result_image, walk.root)
        .added;
    normalize(&mut result, omit_empty);
    Write {
        touched: changes.modified.union(&added),
        removed: changes.removed,
        changed: result_image != base_image,
        result: Some(result),
    }
}

/// Record the apply: nobody else owns what it removed; the applier owns what
/// it applied (system fields aside), stamped `time` when the object changed,
/// keeping its previous time otherwise; empty entries go.
fn record(
    managers: &mut Managers,
    id: Identity,
    api_version: String,
    owned: Owned,
    write: &Write,
    time: String,
) {
    for (other, entry) in managers.0.iter_mut() {
        if *other != id {
            entry.fields.give_up(&write.removed);
        }
    }
    let time = if write.changed {
        Some(time)
    } else {
        managers.0.get(&id).and_then(|e| e.time.clone())
    };
    managers.0.insert(
        id.clone(),
        Entry {
            identity: id,
            api_version,
            time,
            fields: owned,
        },
    );
    managers.drop_empty();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;
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
