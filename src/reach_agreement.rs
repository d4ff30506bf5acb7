//! Tracking within a write's reach agrees with tracking over the whole object.
//!
//! A request compares only the part of the object its patch can reach
//! ([`crate::reach`]). Every golden JSON, merge and strategic case (and a few
//! written here for the directives and managedFields writes the golden files
//! lack) is run on a tracked copy of its live object (two managers splitting
//! its fields, one Update and one Apply) and the result is tracked twice:
//! within the reach, as the request does, and over the whole objects. Both
//! must write the same object, managedFields included, byte for byte.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::managed::typed::Typed;
use crate::managed::{Before, Updater, normalize, record_update};
use crate::mode::Mode;
use crate::reach::Reach;
use crate::schema::{Schema, UNTYPED};
use crate::{json_patch, merge_patch, strategic};

#[derive(Clone, Copy, Debug)]
enum Strategy {
    Json,
    Merge,
    Strategic,
}

/// `live` with managedFields of two managers splitting its fields (an
/// Update manager the even top-level fields, an Apply manager the odd ones);
/// a live object that has managedFields keeps them.
fn tracked(schema: &Schema, live: &Value) -> Value {
    let mut live = live.clone();
    if live.pointer("/metadata/managedFields").is_some() || !live.is_object() {
        return live;
    }
    let mut plain = live.clone();
    normalize(&mut plain, schema.omit_empty);
    let root = schema.root_of(&plain).unwrap_or(UNTYPED);
    let all = Typed::new(schema).live_field_set(&plain, root);
    let (mut even, mut odd) = (
        crate::fieldpath::Set::default(),
        crate::fieldpath::Set::default(),
    );
    for (i, path) in all.paths().into_iter().enumerate() {
        let side = if i % 2 == 0 { &mut even } else { &mut odd };
        side.insert(&path.0);
    }
    let entries = json!([
        {"manager": "applier", "operation": "Apply", "apiVersion": "v1",
         "time": "2020-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": odd.to_fields_v1()},
        {"manager": "editor", "operation": "Update", "apiVersion": "v1",
         "time": "2020-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": even.to_fields_v1()},
    ]);
    if let Some(meta) = live
        .as_object_mut()
        .map(|o| o.entry("metadata").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
    {
        meta.insert("managedFields".to_string(), entries);
    }
    live
}

fn reach_of(strategy: Strategy, patch: &Value) -> Reach {
    match strategy {
        Strategy::Json => json_patch::reach(patch),
        Strategy::Merge => merge_patch::reach(patch),
        Strategy::Strategic => strategic::reach(patch),
    }
}

fn patched(strategy: Strategy, schema: &Schema, live: &Value, patch: &Value) -> Option<Value> {
    let doc = live.clone();
    let out = match strategy {
        Strategy::Json => {
            json_patch::apply_in_place(doc, crate::depth(live), patch, Mode::Kubernetes)
        }
        Strategy::Merge => merge_patch::merge(doc, patch.clone(), Mode::Kubernetes),
        Strategy::Strategic => strategic::merge(doc, patch.clone(), schema).map_err(Into::into),
    };
    out.ok()
}

/// Track one write both ways; `None` when the patch fails.
fn both_ways(
    strategy: Strategy,
    schema: &Schema,
    live: &Value,
    patch: &Value,
) -> Option<(Value, Value)> {
    let new = patched(strategy, schema, live, patch)?;
    let now = "2030-01-01T00:00:00Z".parse().ok()?;
    let updater = Updater {
        schema,
        now,
        manager: "patcher",
        subresource: None,
    };
    let reach = reach_of(strategy, patch);
    let within = record_update(
        &updater,
        Some(Before::take(live, &reach, schema.omit_empty)),
        &reach,
        new.clone(),
    );
    let whole = record_update(
        &updater,
        Some(Before::take(live, &Reach::All, schema.omit_empty)),
        &Reach::All,
        new,
    );
    match (within, whole) {
        (Ok(a), Ok(b)) => Some((a, b)),
        (a, b) => panic!("tracking failed: {a:?} / {b:?}"),
    }
}

/// The golden cases of one strategy directory: (name, live, patch).
fn golden(dir: &str) -> Vec<(String, Value, Value)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir);
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&root) else {
        return out;
    };
    for entry in entries.flatten() {
        let read = |f: &str| {
            std::fs::read(entry.path().join(f))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        };
        if let (Some(live), Some(patch)) = (read("original.json"), read("patch.json")) {
            out.push((
                entry.file_name().to_string_lossy().into_owned(),
                live,
                patch,
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Writes the golden files lack: directives over whole maps and lists,
/// writes of managedFields themselves, moves, emptied maps.
fn written_here() -> Vec<(Strategy, Value, Value)> {
    let live = json!({"apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "web", "namespace": "default", "labels": {"a": "1", "b": "2"},
                     "annotations": {"x": "y"}, "finalizers": ["f1", "f2"]},
        "subsets": [{"addresses": [{"ip": "10.0.0.1", "nodeName": "n1"}, {"ip": "10.0.0.2"}],
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]});
    vec![
        (
            Strategy::Merge,
            live.clone(),
            json!({"metadata": {"labels": null}}),
        ),
        (
            Strategy::Merge,
            live.clone(),
            json!({"metadata": {"labels": {"a": null, "b": null}}}),
        ),
        (
            Strategy::Merge,
            live.clone(),
            json!({"metadata": {"labels": {}}}),
        ),
        (
            Strategy::Merge,
            live.clone(),
            json!({"metadata": {"managedFields": null}}),
        ),
        (
            Strategy::Merge,
            live.clone(),
            json!({"metadata": {"managedFields": []}}),
        ),
        (
            Strategy::Merge,
            live.clone(),
            json!({"metadata": {"managedFields": [{"manager": "m",
            "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:a": {}}}}}], "labels": {"a": "9"}}}),
        ),
        (
            Strategy::Merge,
            live.clone(),
            json!({"subsets": null, "metadata": {"annotations": {"x": null}}}),
        ),
        (
            Strategy::Strategic,
            live.clone(),
            json!({"metadata": {"$patch": "replace", "name": "web"}}),
        ),
        (
            Strategy::Strategic,
            live.clone(),
            json!({"metadata": {"labels": {"$patch": "delete"}}}),
        ),
        (
            Strategy::Strategic,
            live.clone(),
            json!({"metadata": {"$retainKeys": ["name", "labels"], "labels": {"c": "3"}}}),
        ),
        (
            Strategy::Strategic,
            live.clone(),
            json!({"metadata": {"$setElementOrder/finalizers": ["f2", "f1"]}}),
        ),
        (
            Strategy::Strategic,
            live.clone(),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["f1"]}}),
        ),
        (
            Strategy::Strategic,
            live.clone(),
            json!({"subsets": [{"addresses": [{"ip": "10.0.0.3"}],
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]}),
        ),
        (
            Strategy::Strategic,
            live.clone(),
            json!({"subsets": [{"$patch": "replace"}]}),
        ),
        (
            Strategy::Json,
            live.clone(),
            json!([{"op": "move", "from": "/metadata/labels", "path": "/metadata/annotations"}]),
        ),
        (
            Strategy::Json,
            live.clone(),
            json!([{"op": "copy", "from": "/metadata/labels", "path": "/metadata/x"}]),
        ),
        (
            Strategy::Json,
            live.clone(),
            json!([{"op": "remove", "path": "/metadata/managedFields"}]),
        ),
        (
            Strategy::Json,
            live.clone(),
            json!([{"op": "remove", "path": "/metadata/managedFields/0"}]),
        ),
        (
            Strategy::Json,
            live.clone(),
            json!([{"op": "replace", "path": "/subsets/0/addresses/1/ip", "value": "10.0.0.9"}]),
        ),
        (
            Strategy::Json,
            live.clone(),
            json!([{"op": "add", "path": "/metadata/labels/a~1b", "value": "c"}]),
        ),
        (
            Strategy::Json,
            live.clone(),
            json!([{"op": "test", "path": "/metadata/name", "value": "web"}]),
        ),
        (
            Strategy::Json,
            live,
            json!([{"op": "remove", "path": "/metadata/labels/a"}, {"op": "remove", "path": "/metadata/labels/b"}]),
        ),
    ]
}

#[test]
fn tracking_within_the_reach_is_tracking_of_the_whole() {
    let schema = Schema::endpoints();
    let mut cases: Vec<(String, Strategy, Value, Value)> = Vec::new();
    for (dir, strategy) in [
        ("json", Strategy::Json),
        ("merge", Strategy::Merge),
        ("strategic", Strategy::Strategic),
    ] {
        for (name, live, patch) in golden(dir) {
            cases.push((format!("{dir}/{name}"), strategy, live, patch));
        }
    }
    for (i, (strategy, live, patch)) in written_here().into_iter().enumerate() {
        cases.push((format!("written here #{i}"), strategy, live, patch));
    }
    let mut compared = 0;
    let mut failures = Vec::new();
    for (name, strategy, live, patch) in &cases {
        let live = tracked(&schema, live);
        let Some((within, whole)) = both_ways(*strategy, &schema, &live, patch) else {
            continue;
        };
        compared += 1;
        if within != whole {
            failures.push(format!("{name}:\n  within: {within}\n  whole:  {whole}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared >= 120, "only {compared} writes compared");
}
