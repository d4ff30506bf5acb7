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

fn reach_of(strategy: Strategy, schema: &Schema, live: &Value, patch: &Value) -> Reach {
    match strategy {
        Strategy::Json => json_patch::reach(patch),
        Strategy::Merge => merge_patch::reach(patch),
        Strategy::Strategic => strategic::reach(patch, schema, live, true),
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
    let reach = reach_of(strategy, schema, live, patch);
    let within = record_update(
        &updater,
        Some(Before::take(live, &reach, schema)),
        &reach,
        new.clone(),
    );
    let whole = record_update(
        &updater,
        Some(Before::take(live, &Reach::All, schema)),
        &Reach::All,
        new,
    );
    match (within, whole) {
        (Ok((a, changed_within)), Ok((b, changed))) => {
            // Whether the write changed the object, told within the reach,
            // is what the whole comparison tells.
            if let (Some(x), Some(y)) = (changed_within, changed) {
                assert_eq!(x, y, "changed within the reach / on the whole object");
            }
            Some((a, b))
        }
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

/// Strategic patches that reach some items of keyed lists only
/// ([`crate::reach::Items`]), on an Endpoints object with several subsets,
/// repeated and unusual keys: moves, additions, new subsets, removed
/// members, and the patches and live lists that are reached whole instead.
fn items_cases() -> Vec<(Strategy, Value, Value)> {
    let live = json!({"apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "web", "namespace": "default"},
        "subsets": [
            {"addresses": [{"ip": "10.0.0.1", "nodeName": "n1", "targetRef": {"kind": "Pod", "name": "p1"}},
                           {"ip": "10.0.0.2", "nodeName": "n2"}, {"ip": "10.0.0.3"}],
             "notReadyAddresses": [{"ip": "10.0.1.1"}],
             "ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "https", "port": 443}]},
            {"addresses": [{"ip": "10.0.0.1", "nodeName": "n1"}, {"ip": "10.0.0.4"}],
             "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]}]});
    let web_ports = json!([{"name": "http", "port": 80}, {"name": "https", "port": 443}]);
    let dns_ports = json!([{"name": "dns", "port": 53}]);
    // The same object with an address listed twice, one with a null key,
    // one with a float port: reached whole where such an item is.
    let mut odd = live.clone();
    odd["subsets"][0]["addresses"]
        .as_array_mut()
        .unwrap()
        .push(json!({"ip": "10.0.0.2", "hostname": "twice"}));
    odd["subsets"][1]["addresses"]
        .as_array_mut()
        .unwrap()
        .push(json!({"ip": null, "nodeName": "x"}));
    let mut float_port = live.clone();
    float_port["subsets"][1]["ports"][0]["port"] = json!(53.0);
    let patches = [
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.2", "nodeName": "n9"}], "ports": web_ports}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.9"}], "ports": web_ports}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.1", "nodeName": null}], "ports": web_ports}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.1", "targetRef": {"name": "p2"}}], "ports": web_ports}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.1", "targetRef": null}], "ports": dns_ports}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.4", "nodeName": "n4"}, {"ip": "10.0.0.4", "hostname": "h"}], "ports": dns_ports}]}),
        json!({"subsets": [{"notReadyAddresses": [{"ip": "10.0.0.2"}], "ports": web_ports}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.2.1"}], "ports": [{"name": "metrics", "port": 9090}]}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.2", "$patch": "delete"}], "ports": web_ports}]}),
        json!({"subsets": [{"$setElementOrder/addresses": [{"ip": "10.0.0.3"}, {"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
            "addresses": [{"ip": "10.0.0.3", "nodeName": "n3"}], "ports": web_ports}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.2", "nodeName": "n9"}],
            "ports": [{"name": "http", "port": 80, "protocol": "SCTP"}, {"name": "https", "port": 443}]}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.2", "nodeName": "n9"}], "ports": [{"name": "https", "port": 443}]}]}),
        json!({"subsets": [{"addresses": [{"ip": "10.0.0.4", "nodeName": "n9"}], "ports": dns_ports},
                           {"addresses": [{"ip": "10.0.0.3", "nodeName": "n9"}], "ports": web_ports}]}),
        json!({"subsets": [{"addresses": [{"ip": 7}], "ports": web_ports}]}),
    ];
    let mut cases = Vec::new();
    for patch in patches {
        for object in [&live, &odd, &float_port] {
            cases.push((Strategy::Strategic, object.clone(), patch.clone()));
        }
    }
    // A long list: a patch naming a few of its items reaches those, one
    // naming a quarter or more reaches it whole.
    let mut long = live;
    long["subsets"][1]["addresses"] = (0..100)
        .map(|i| json!({"ip": format!("10.1.0.{i}"), "nodeName": format!("n{}", i % 3)}))
        .collect();
    for named in [3, 30] {
        let addresses: Vec<Value> = (0..named)
            .map(|i| json!({"ip": format!("10.1.0.{}", i * 3), "nodeName": "moved"}))
            .chain([json!({"ip": "10.1.1.1"})])
            .collect();
        let patch = json!({"subsets": [{"addresses": addresses, "ports": dns_ports}]});
        cases.push((Strategy::Strategic, long.clone(), patch));
    }
    cases
}

#[test]
fn a_patch_of_one_address_reaches_its_items_only() {
    let schema = Schema::endpoints();
    let live = &items_cases()[0].1;
    let patch = json!({"subsets": [{"addresses": [{"ip": "10.0.0.2", "nodeName": "n9"}],
        "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}]});
    let Reach::Fields(top) = strategic::reach(&patch, &schema, live, true) else {
        panic!("a map reaches its members");
    };
    let Some(Reach::Items(subsets)) = top.get("subsets") else {
        panic!("subsets merged by key reach their items: {top:?}");
    };
    let Some(Reach::Fields(subset)) = subsets.within.values().next() else {
        panic!("one subset, by its members");
    };
    assert!(matches!(subset.get("addresses"), Some(Reach::Items(_))));
    // The port set is the subset's identity: whole.
    assert_eq!(subset.get("ports"), Some(&Reach::All));
    // The image keeps the named subset and address, and one mark for the rest.
    let image = Reach::Fields(top.clone()).image(live, true, &schema);
    assert_eq!(
        image["subsets"][0]["addresses"],
        json!([{"ip": "10.0.0.2", "nodeName": "n2"}, true])
    );
    assert_eq!(image["subsets"][1], json!(true));
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
    for (i, (strategy, live, patch)) in items_cases().into_iter().enumerate() {
        cases.push((format!("items #{i}"), strategy, live, patch));
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
