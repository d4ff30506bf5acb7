//! Differential test of strategic merge patch against
//! `kubectl patch --local --type strategic`.
//!
//! Seeded Pods, Services, Deployments (`apps/v1`) and Endpoints from the
//! shared generator (`tests/common/generate.rs`, also behind
//! `tests/kubectl_diff.rs`) and, for each, strategic merge patches that
//! exercise the directives on the fields upstream types: containers merged by
//! `name` (image updates, additions, `$patch: delete`, a `$patch: replace`
//! element, `$setElementOrder/containers`), env by `name`, container ports by
//! `containerPort` (also the same port with another protocol, which collides
//! upstream), volumeMounts by `mountPath`, volumes with `$retainKeys`,
//! labels/annotations/selectors with `null` deletions and `$patch` on the map,
//! finalizers with `$deleteFromPrimitiveList` and `$setElementOrder`,
//! ownerReferences by `uid`, Service ports by `port`, Deployment
//! `spec.template`, `strategy` with `$retainKeys`, Endpoints `subsets` (an
//! atomic list upstream: a patch replaces it whole), tolerations (replaced),
//! unknown fields (an error only where recursion needs the schema) and error
//! shapes (a missing merge key, `$patch: merge` in a list, a bad `$patch`
//! value on a map, a list of lists in `finalizers`).
//!
//! kubectl applies the patch with upstream's Go struct tags; kubepatch runs
//! the library with the Kubernetes v1.36 OpenAPI document
//! (`../shared/openapi/kubernetes-v1.36-swagger.json`, loaded once), which
//! agrees with the struct tags for built-in kinds. Both must succeed with
//! the same parsed JSON (kubepatch's `metadata.managedFields` removed, as
//! kubectl hides it), or both must fail.
//!
//! Kept out of the generated cases:
//! - changes to `kind`, `apiVersion`, `metadata` as a whole and the members
//!   kube-apiserver's handler checks or restores (name, namespace, uid,
//!   resourceVersion, generation, creationTimestamp): kubectl does not check;
//! - patches whose result is not an object, and floats (kubectl re-reads `-p`
//!   through YAML);
//! - inputs that crash upstream (spec §8.3: an object or list as a merge-key
//!   value, `null` first in a merged primitive list, `$setElementOrder` on a
//!   list of objects without merge key) and implementation-defined ones
//!   (§8.1: a value both merged into and deleted from a primitive list;
//!   §8.2: duplicates in an original primitive merge list; §6.4(b): an empty
//!   `$setElementOrder` list with a non-empty patch list);
//! - fields newer than kubectl v1.32's Go types;
//! - a list where the schema has a struct (`pod/spec/list-where-schema-has-struct-error`):
//!   the OpenAPI document does not say which Go fields are pointers, so
//!   kubepatch reads every `$ref` field as one. The differential skips such
//!   cases (see [`list_where_struct_expected`]); `smp_kubectl_pinned_departure`
//!   confirms the skip on that input.
//!
//! Skipped with a note when `kubectl` is not on `PATH` or `../shared` (or
//! `$KUBEPATCH_SHARED`) is absent. `SMP_DIFF_SEED` picks another seed,
//! `SMP_DIFF_OBJECTS` the number of base objects per kind (four patches each)
//! and `SMP_DIFF_DUMP=1` prints every case with kubectl's outcome.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use kubepatch::schema::{NodeId, Schema};
use kubepatch::strategic::{lookup_list, lookup_struct};
use serde_json::{Map, Value, json};

mod common;
use common::generate::{
    self, CONTAINER_NAMES, FINALIZERS, IMAGES, KEYS, Rng, SERVICE_PORTS, VOLUME_NAMES, word,
};
use common::{Outcome, STRATEGIC, env_number, show};

const DEFAULT_SEED: u64 = 0x736d_705f_6469_6666;
const DEFAULT_OBJECTS_PER_KIND: usize = 22;
const PATCHES_PER_OBJECT: usize = 4;
/// kubectl processes run at once.
const WORKERS: usize = 2;

// ---------------------------------------------------------------------------
// Reading the original and building the patch.

fn get<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |v, k| v.get(*k))
}

fn get_list<'a>(obj: &'a Value, path: &[&str]) -> &'a [Value] {
    get(obj, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The patch object at `path`, created as needed.
fn at<'a>(patch: &'a mut Map<String, Value>, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut cur = patch;
    for key in path {
        cur = cur
            .entry(key.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("generator paths hold objects");
    }
    cur
}

/// The string members `key` of a list of objects.
fn keys_of(list: &[Value], key: &str) -> Vec<Value> {
    list.iter().filter_map(|e| e.get(key).cloned()).collect()
}

fn fresh<'a>(rng: &mut Rng, pool: &[&'a str], taken: &[Value]) -> Option<&'a str> {
    let free: Vec<&str> = pool
        .iter()
        .copied()
        .filter(|n| !taken.iter().any(|t| t == n))
        .collect();
    (!free.is_empty()).then(|| *rng.pick(&free))
}

// ---------------------------------------------------------------------------
// Patch areas. Each writes one part of the patch; the areas of one patch
// touch disjoint fields.

/// A `map[string]string` field (labels, annotations, selectors, nodeSelector).
fn patch_string_map(
    rng: &mut Rng,
    obj: &Value,
    parent: &[&str],
    field: &str,
    p: &mut Map<String, Value>,
) {
    let mut path = parent.to_vec();
    path.push(field);
    let existing: Vec<String> = get(obj, &path)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let value = match rng.weighted(&[50, 10, 6, 6, 7, 4]) {
        0 => {
            let mut m = Map::new();
            for _ in 0..rng.range(1, 3) {
                let key = if !existing.is_empty() && rng.chance(50) {
                    rng.pick(&existing).clone()
                } else {
                    rng.pick(KEYS).to_string()
                };
                let v = if rng.chance(30) {
                    Value::Null
                } else {
                    word(rng)
                };
                m.insert(key, v);
            }
            Value::Object(m)
        }
        // Replace the map (verbatim: a `null` member is kept).
        1 => {
            let mut m = generate::string_map(rng, 1, 2)
                .as_object()
                .cloned()
                .unwrap_or_default();
            if rng.chance(25) {
                m.insert("gone".into(), Value::Null);
            }
            m.insert("$patch".into(), json!("replace"));
            Value::Object(m)
        }
        2 => {
            let mut m = Map::new();
            m.insert("$patch".into(), json!("delete"));
            if rng.chance(50) {
                m.insert("ignored".into(), json!("x"));
            }
            Value::Object(m)
        }
        3 => Value::Null,
        // A bad `$patch` value: an error where the map exists.
        4 => {
            let bad = rng
                .pick(&[json!("merge"), json!("bogus"), Value::Null, json!(1)])
                .clone();
            json!({"$patch": bad, "k": "v"})
        }
        _ => json!({}),
    };
    at(p, parent).insert(field.into(), value);
}

fn patch_metadata_map(rng: &mut Rng, obj: &Value, field: &str, p: &mut Map<String, Value>) {
    patch_string_map(rng, obj, &["metadata"], field, p);
}

/// `metadata.finalizers`: a primitive merge list.
fn patch_finalizers(rng: &mut Rng, obj: &Value, p: &mut Map<String, Value>) {
    let orig: Vec<&str> = get_list(obj, &["metadata", "finalizers"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let absent: Vec<&str> = FINALIZERS
        .iter()
        .copied()
        .filter(|f| !orig.contains(f))
        .collect();
    let meta = at(p, &["metadata"]);
    match rng.weighted(&[25, 18, 12, 16, 5, 4, 5, 5, 3]) {
        // Add (maybe naming an existing one again).
        0 => {
            let n = rng.range(1, 2);
            let mut add = rng.sample(&absent, n);
            if !orig.is_empty() && rng.chance(40) {
                add.insert(rng.below(add.len() + 1), *rng.pick(&orig));
            }
            meta.insert("finalizers".into(), json!(add));
        }
        // Delete (existing ones, maybe one not there).
        1 => {
            let n = rng.range(1, 2);
            let mut del = rng.sample(&orig, n);
            if del.is_empty() || rng.chance(30) {
                del.push(*rng.pick(&absent));
            }
            meta.insert("$deleteFromPrimitiveList/finalizers".into(), json!(del));
        }
        // Add and delete, disjoint (spec §8.1).
        2 => {
            let add = rng.sample(&absent, 1);
            let del: Vec<&str> = if orig.is_empty() {
                absent
                    .iter()
                    .copied()
                    .filter(|f| !add.contains(f))
                    .take(1)
                    .collect()
            } else {
                rng.sample(&orig, 1)
            };
            meta.insert("finalizers".into(), json!(add));
            meta.insert("$deleteFromPrimitiveList/finalizers".into(), json!(del));
        }
        // `$setElementOrder`: a non-empty order; the patch list a subsequence of it.
        3 => {
            let n = rng.range(0, 2);
            let add = rng.sample(&absent, n);
            let mut order: Vec<&str> = orig.iter().copied().chain(add.iter().copied()).collect();
            rng.shuffle(&mut order);
            if order.is_empty() {
                order.push(absent[0]);
            }
            let list: Vec<&str> = order.iter().copied().filter(|f| add.contains(f)).collect();
            meta.insert("$setElementOrder/finalizers".into(), json!(order));
            if !list.is_empty() || rng.chance(30) {
                meta.insert("finalizers".into(), json!(list));
            }
            if !orig.is_empty() && rng.chance(25) {
                let del = rng.sample(&orig, 1);
                meta.insert("$deleteFromPrimitiveList/finalizers".into(), json!(del));
            }
        }
        4 => {
            meta.insert("finalizers".into(), Value::Null);
        }
        5 => {
            meta.insert("finalizers".into(), json!([]));
        }
        // A list of lists.
        6 => {
            meta.insert("finalizers".into(), json!([["example.com/x"]]));
        }
        // Mixed element types; a `$patch` element in a primitive list.
        7 => {
            let v = if rng.chance(50) {
                json!(["example.com/z", 1])
            } else {
                json!([{"$patch": "replace"}])
            };
            meta.insert("finalizers".into(), v);
        }
        // A malformed delete-list key.
        _ => {
            let bad = if rng.chance(50) {
                "$deleteFromPrimitiveList"
            } else {
                "$deleteFromPrimitiveList-finalizers"
            };
            meta.insert(bad.into(), json!(["example.com/a"]));
        }
    }
}

/// `metadata.ownerReferences`: merged by `uid`.
fn patch_owner_refs(rng: &mut Rng, obj: &Value, p: &mut Map<String, Value>) {
    let orig = get_list(obj, &["metadata", "ownerReferences"]);
    let uids = keys_of(orig, "uid");
    let meta = at(p, &["metadata"]);
    let new_ref = |rng: &mut Rng| {
        let i = 10 + rng.below(5);
        generate::owner_ref(rng, i)
    };
    let value = match rng.weighted(&[25, 25, 15, 12, 6, 6, 5]) {
        1 if !uids.is_empty() => {
            let uid = rng.pick(&uids).clone();
            let edit = match rng.below(3) {
                0 => json!({"uid": uid, "name": "rs-renamed"}),
                1 => json!({"uid": uid, "controller": null}),
                _ => json!({"uid": uid, "blockOwnerDeletion": true}),
            };
            json!([edit])
        }
        2 => {
            let uid = if !uids.is_empty() && rng.chance(80) {
                rng.pick(&uids).clone()
            } else {
                json!("uid-ghost")
            };
            json!([{"$patch": "delete", "uid": uid}])
        }
        3 if !uids.is_empty() => {
            let added = new_ref(rng);
            let mut order: Vec<Value> =
                uids.iter().cloned().chain([added["uid"].clone()]).collect();
            rng.shuffle(&mut order);
            let order: Vec<Value> = order.into_iter().map(|u| json!({"uid": u})).collect();
            meta.insert(
                "$setElementOrder/ownerReferences".into(),
                Value::Array(order),
            );
            json!([added])
        }
        4 => json!([{"$patch": "replace"}, new_ref(rng)]),
        // A missing merge key.
        5 => json!([{"apiVersion": "v1", "kind": "Node", "name": "n1"}]),
        6 => Value::Null,
        _ => json!([new_ref(rng)]),
    };
    meta.insert("ownerReferences".into(), value);
}

/// Edits of one container's `env` (merged by `name`).
fn env_edit(rng: &mut Rng, orig: &[Value]) -> Value {
    let names = keys_of(orig, "name");
    if rng.chance(8) {
        return Value::Null;
    }
    let mut out = Vec::new();
    for _ in 0..rng.range(1, 2) {
        let existing = (!names.is_empty()).then(|| rng.pick(&names).clone());
        let e = match (rng.weighted(&[30, 25, 10, 15, 5, 10]), existing) {
            (0, Some(n)) => json!({"name": n, "value": word(rng)}),
            (2, Some(n)) => json!({"name": n, "value": null}),
            (3, Some(n)) => json!({"$patch": "delete", "name": n}),
            (4, _) => json!({"value": "no-name"}),
            (5, Some(n)) => {
                json!({"name": n, "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
            }
            _ => json!({"name": format!("NEW_{}", rng.below(3)), "value": word(rng)}),
        };
        out.push(e);
    }
    Value::Array(out)
}

/// Edits of one container's `ports` (merged by `containerPort` alone).
fn ports_edit(rng: &mut Rng, orig: &[Value]) -> Value {
    let ports = keys_of(orig, "containerPort");
    let mut out = Vec::new();
    let existing = (!ports.is_empty()).then(|| {
        let i = rng.below(orig.len());
        orig[i].clone()
    });
    let other = |proto: &Value| {
        if proto == "UDP" {
            json!("TCP")
        } else {
            json!("UDP")
        }
    };
    match (rng.weighted(&[20, 25, 25, 10, 12, 8]), existing) {
        (0, Some(e)) => out.push(json!({"containerPort": e["containerPort"], "name": "renamed"})),
        // The same port with the other protocol: upstream's single merge key collides.
        (1, Some(e)) => out.push(json!({"containerPort": e["containerPort"],
            "protocol": other(e.get("protocol").unwrap_or(&json!("TCP")))})),
        (3, _) => {
            // Both protocols of a new port in one patch.
            let port = 7000 + rng.below(5) as i64;
            out.push(json!({"containerPort": port, "protocol": "TCP"}));
            out.push(json!({"containerPort": port, "protocol": "UDP", "name": "udp"}));
        }
        (4, Some(e)) => out.push(json!({"$patch": "delete", "containerPort": e["containerPort"]})),
        (5, _) => out.push(json!({"protocol": "TCP", "name": "no-port"})),
        _ => {
            let port = *rng.pick(&[8443i64, 9443, 6379, 80]);
            out.push(json!({"containerPort": port, "protocol": *rng.pick(&["TCP", "UDP"])}));
        }
    }
    Value::Array(out)
}

/// Edits of one container's `volumeMounts` (merged by `mountPath`).
fn mounts_edit(rng: &mut Rng, orig: &[Value]) -> Value {
    let paths = keys_of(orig, "mountPath");
    let existing = (!paths.is_empty()).then(|| rng.pick(&paths).clone());
    let v = match (rng.below(4), existing) {
        (0, Some(path)) => json!({"mountPath": path, "readOnly": true}),
        (1, Some(path)) => json!({"$patch": "delete", "mountPath": path}),
        (2, Some(path)) => json!({"mountPath": path, "subPath": "sub"}),
        _ => {
            json!({"name": *rng.pick(VOLUME_NAMES), "mountPath": format!("/srv/{}", rng.below(3))})
        }
    };
    json!([v])
}

/// A patch element merging into the existing container `orig`.
fn container_edit(rng: &mut Rng, orig: &Value) -> Value {
    let mut e = Map::new();
    e.insert("name".into(), orig["name"].clone());
    let list = |k: &str| {
        orig.get(k)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
    };
    for _ in 0..rng.range(1, 2) {
        match rng.weighted(&[25, 20, 18, 12, 8, 5, 5, 4, 3]) {
            0 => {
                e.insert("image".into(), json!(*rng.pick(IMAGES)));
            }
            1 => {
                e.insert("env".into(), env_edit(rng, list("env")));
            }
            2 => {
                e.insert("ports".into(), ports_edit(rng, list("ports")));
            }
            3 => {
                e.insert(
                    "volumeMounts".into(),
                    mounts_edit(rng, list("volumeMounts")),
                );
            }
            4 => {
                let r = match rng.below(3) {
                    0 => json!({"limits": {"cpu": "250m"}}),
                    1 => json!({"limits": {"memory": null}, "requests": {"memory": "32Mi"}}),
                    _ => json!({"requests": null}),
                };
                e.insert("resources".into(), r);
            }
            5 => {
                e.insert("args".into(), json!(["--quiet"]));
            }
            // An unknown field: an error only if the original holds an object there.
            6 => {
                e.insert("extra".into(), json!({"b": 2}));
            }
            7 => {
                e.insert("extra".into(), json!("scalar"));
            }
            _ => {
                e.insert("imagePullPolicy".into(), Value::Null);
            }
        }
    }
    Value::Object(e)
}

/// `containers` or `initContainers` under the pod spec at `spec`.
fn patch_containers(
    rng: &mut Rng,
    obj: &Value,
    spec: &[&str],
    field: &str,
    p: &mut Map<String, Value>,
) {
    let mut path = spec.to_vec();
    path.push(field);
    let orig = get_list(obj, &path);
    let names = keys_of(orig, "name");
    let volumes = keys_of(get_list(obj, &[spec, &["volumes"][..]].concat()), "name");
    let target = at(p, spec);
    let new_container = |rng: &mut Rng| {
        let name = fresh(rng, CONTAINER_NAMES, &names).unwrap_or("extra-1");
        generate::container(rng, name, &volumes)
    };
    let value = match rng.weighted(&[36, 12, 10, 7, 12, 10, 3, 3]) {
        // Merge into existing containers (maybe add one).
        0 if !orig.is_empty() => {
            let n = rng.range(1, orig.len().min(2));
            let picked = rng.sample(orig, n);
            let mut list: Vec<Value> = picked.iter().map(|c| container_edit(rng, c)).collect();
            if rng.chance(25) {
                list.insert(rng.below(list.len() + 1), new_container(rng));
            }
            Value::Array(list)
        }
        // Delete one (maybe one that is not there), maybe edit another.
        2 => {
            let name = if !names.is_empty() && rng.chance(85) {
                rng.pick(&names).clone()
            } else {
                json!("ghost")
            };
            let mut list = vec![json!({"$patch": "delete", "name": name})];
            if orig.len() > 1 && rng.chance(40) {
                let other = orig
                    .iter()
                    .find(|c| c["name"] != name)
                    .cloned()
                    .unwrap_or_default();
                list.push(container_edit(rng, &other));
            }
            rng.shuffle(&mut list);
            Value::Array(list)
        }
        // A `$patch: replace` element, anywhere in the list.
        3 => {
            let mut list: Vec<Value> = (0..rng.range(0, 2)).map(|_| new_container(rng)).collect();
            dedup_by(&mut list, "name");
            list.insert(rng.below(list.len() + 1), json!({"$patch": "replace"}));
            Value::Array(list)
        }
        // `$setElementOrder`: a non-empty order, the patch list a subsequence of it.
        4 if !orig.is_empty() => {
            let mut order: Vec<Value> = names.clone();
            let added = rng.chance(40).then(|| new_container(rng));
            if let Some(a) = &added {
                order.push(a["name"].clone());
            }
            rng.shuffle(&mut order);
            if rng.chance(30) && order.len() > 1 {
                order.truncate(rng.range(1, order.len() - 1));
            }
            let mut list = Vec::new();
            for name in &order {
                if let Some(a) = added.as_ref().filter(|a| a["name"] == *name) {
                    list.push(a.clone());
                } else if let Some(c) = orig.iter().find(|c| c["name"] == *name)
                    && rng.chance(50)
                {
                    list.push(container_edit(rng, c));
                }
            }
            if list.len() > 1 && rng.chance(12) {
                // Out of order: an error.
                list.reverse();
            }
            if rng.chance(25) {
                let victim = rng.pick(&names).clone();
                if !list.iter().any(|c| c["name"] == victim) {
                    list.insert(
                        rng.below(list.len() + 1),
                        json!({"$patch": "delete", "name": victim}),
                    );
                }
            }
            let order: Vec<Value> = order.into_iter().map(|n| json!({"name": n})).collect();
            target.insert(format!("$setElementOrder/{field}"), Value::Array(order));
            if list.is_empty() && rng.chance(50) {
                return;
            }
            Value::Array(list)
        }
        // Error shapes.
        5 => {
            let name = names.first().cloned().unwrap_or(json!("app"));
            match rng.below(4) {
                0 => json!([{"image": "nginx:1.27"}]),
                1 => json!([{"$patch": "merge", "name": name}]),
                2 => json!([{"$patch": "bogus", "name": name}]),
                _ => json!([{"$patch": "delete", "image": "x"}]),
            }
        }
        6 => Value::Null,
        7 => json!([]),
        // Add new containers.
        _ => {
            let mut list: Vec<Value> = (0..rng.range(1, 2)).map(|_| new_container(rng)).collect();
            dedup_by(&mut list, "name");
            Value::Array(list)
        }
    };
    target.insert(field.into(), value);
}

/// Rarer shapes inside `containers`: nested `$setElementOrder`, `$retainKeys`
/// on an element, `$patch` on a nested map, a `$patch: replace` element in
/// `env`, delete lists and ordering on an atomic primitive list (`args`),
/// duplicate patch elements, and type mismatches.
fn patch_containers_exotic(rng: &mut Rng, obj: &Value, spec: &[&str], p: &mut Map<String, Value>) {
    let orig = get_list(obj, &[spec, &["containers"][..]].concat());
    let target = at(p, spec);
    let Some(c) = (!orig.is_empty()).then(|| orig[rng.below(orig.len())].clone()) else {
        target.insert(
            "containers".into(),
            json!([{"name": "solo", "image": "nginx:1.25"}]),
        );
        return;
    };
    let name = c["name"].clone();
    let list = |k: &str| {
        c.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let value = match rng.below(12) {
        // `$setElementOrder/env`: a non-empty order, the patch list a subsequence.
        0 => {
            let mut order = keys_of(&list("env"), "name");
            order.push(json!("NEW_0"));
            rng.shuffle(&mut order);
            let patch_env: Vec<Value> = order
                .iter()
                .filter(|n| **n == "NEW_0" || rng.chance(40))
                .map(|n| json!({"name": n, "value": "ordered"}))
                .collect();
            let order: Vec<Value> = order.into_iter().map(|n| json!({"name": n})).collect();
            json!([{"name": name, "$setElementOrder/env": order, "env": patch_env}])
        }
        // `$setElementOrder/ports` with no patch list: only re-orders.
        1 if !list("ports").is_empty() => {
            let mut order: Vec<Value> = keys_of(&list("ports"), "containerPort")
                .into_iter()
                .map(|p| json!({"containerPort": p}))
                .collect();
            rng.shuffle(&mut order);
            json!([{"name": name, "$setElementOrder/ports": order}])
        }
        // `$retainKeys` on a container element.
        2 => json!([{"name": name, "$retainKeys": ["name", "image"], "image": "nginx:1.27"}]),
        // `$patch` on a nested map.
        3 => {
            let resources = if rng.chance(50) {
                json!({"$patch": "replace", "limits": {"cpu": "1"}})
            } else {
                json!({"$patch": "delete"})
            };
            json!([{"name": name, "resources": resources}])
        }
        // `$patch: replace` in a merged `env`.
        4 => {
            json!([{"name": name, "env": [{"name": "ONLY", "value": "x"}, {"$patch": "replace"}]}])
        }
        // A delete list on an atomic primitive list.
        5 => json!([{"name": name, "$deleteFromPrimitiveList/args": ["--verbose", "--absent"]}]),
        // `$setElementOrder` on an atomic primitive list: replaced, then ordered.
        6 if !list("args").is_empty() => {
            json!([{"name": name, "$setElementOrder/args": ["--port=8080", "--verbose"]}])
        }
        // Two patch elements with one new key: the second merges into the first.
        7 => json!([{"name": "twin", "image": "redis:7"}, {"name": "twin", "args": ["-x"]}]),
        // Type mismatches: an object for the list, a scalar list for a list of objects.
        8 => {
            target.insert("containers".into(), json!({"name": name}));
            return;
        }
        9 => json!(["app"]),
        // A null member in a merged element and in a new one.
        10 => {
            json!([{"name": name, "image": null}, {"name": "fresh", "image": "busybox:1.36", "args": null}])
        }
        _ => {
            json!([{"name": name, "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]}])
        }
    };
    target.insert("containers".into(), value);
}

/// `$retainKeys` on `metadata`, keeping the members kube-apiserver checks.
fn patch_metadata_retain_keys(rng: &mut Rng, _obj: &Value, p: &mut Map<String, Value>) {
    let mut keep: Vec<&str> = vec![
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
    ];
    keep.extend(rng.subsequence(
        &["labels", "annotations", "finalizers", "ownerReferences"],
        50,
    ));
    let meta = at(p, &["metadata"]);
    if keep.contains(&"labels") && rng.chance(50) {
        meta.insert("labels".into(), json!({"retained": "yes"}));
    }
    if !keep.contains(&"annotations") && rng.chance(30) {
        // A null key need not be listed.
        meta.insert("annotations".into(), Value::Null);
    }
    meta.insert("$retainKeys".into(), json!(keep));
}

fn dedup_by(list: &mut Vec<Value>, key: &str) {
    let mut seen = Vec::new();
    list.retain(|v| {
        let k = v.get(key).cloned();
        if seen.contains(&k) {
            false
        } else {
            seen.push(k);
            true
        }
    });
}

/// `volumes` (merge by `name`, `retainKeys`).
fn patch_volumes(rng: &mut Rng, obj: &Value, spec: &[&str], p: &mut Map<String, Value>) {
    let orig = get_list(obj, &[spec, &["volumes"][..]].concat());
    let names = keys_of(orig, "name");
    let existing = (!names.is_empty()).then(|| rng.pick(&names).clone());
    let value = match (rng.weighted(&[20, 30, 10, 10, 10, 8, 6, 6]), existing) {
        // Switch an existing volume's source with `$retainKeys`.
        (1, Some(n)) => {
            let (source, v) = generate::volume_source(rng);
            let mut e = json!({"name": n, "$retainKeys": ["name", source]});
            e[source] = v;
            json!([e])
        }
        // `$retainKeys` without the patched key: an error.
        (2, Some(n)) => json!([{"name": n, "$retainKeys": ["name"], "emptyDir": {}}]),
        (3, Some(n)) => json!([{"name": n, "$retainKeys": "name"}]),
        // Merge into the source without `$retainKeys`.
        (4, Some(n)) => {
            let (source, v) = generate::volume_source(rng);
            let mut e = json!({"name": n});
            e[source] = v;
            json!([e])
        }
        (5, Some(n)) => json!([{"$patch": "delete", "name": n}]),
        (6, _) => {
            let name = fresh(rng, VOLUME_NAMES, &names).unwrap_or("extra");
            json!([{"$patch": "replace"}, generate::volume(rng, name)])
        }
        (7, _) => Value::Null,
        _ => {
            // A new volume, sometimes carrying `$retainKeys` (kept verbatim).
            let name = fresh(rng, VOLUME_NAMES, &names).unwrap_or("extra");
            let mut v = generate::volume(rng, name);
            if rng.chance(30) {
                let source = v
                    .as_object()
                    .and_then(|m| m.keys().find(|k| *k != "name").cloned())
                    .unwrap_or_default();
                v["$retainKeys"] = json!(["name", source]);
            }
            json!([v])
        }
    };
    at(p, spec).insert("volumes".into(), value);
}

/// `tolerations`: no patch strategy, so replaced (verbatim).
fn patch_tolerations(rng: &mut Rng, _obj: &Value, spec: &[&str], p: &mut Map<String, Value>) {
    let value = match rng.weighted(&[50, 15, 15, 10, 10]) {
        0 => {
            let list: Vec<Value> = (0..rng.range(1, 2))
                .map(|i| json!({"key": format!("k{i}"), "operator": "Equal", "value": word(rng), "effect": "NoExecute", "tolerationSeconds": 60}))
                .collect();
            Value::Array(list)
        }
        // A `$patch` element: data in a replaced list, dropped where the list is new.
        1 => {
            json!([{"$patch": "delete", "key": "dedicated-0"}, {"key": "gpu", "operator": "Exists"}])
        }
        // A `null` member: kept where the list is replaced, dropped where it is new.
        2 => json!([{"key": "gpu", "operator": "Exists", "value": null}]),
        3 => Value::Null,
        _ => json!([]),
    };
    at(p, spec).insert("tolerations".into(), value);
}

/// Scalar fields of a pod spec.
fn patch_pod_scalars(rng: &mut Rng, _obj: &Value, spec: &[&str], p: &mut Map<String, Value>) {
    let target = at(p, spec);
    for _ in 0..rng.range(1, 2) {
        let (k, v) = match rng.below(5) {
            0 => ("restartPolicy", json!(*rng.pick(&["Always", "Never"]))),
            1 => ("serviceAccountName", json!("builder")),
            2 => ("terminationGracePeriodSeconds", json!(rng.below(60))),
            3 => ("dnsPolicy", json!("ClusterFirst")),
            _ => ("restartPolicy", Value::Null),
        };
        target.insert(k.into(), v);
    }
}

/// An unknown field at `parent`: an error only where both sides hold objects.
fn patch_unknown(
    rng: &mut Rng,
    _obj: &Value,
    parent: &[&str],
    field: &str,
    p: &mut Map<String, Value>,
) {
    let v = match rng.below(5) {
        0 | 1 => json!({"b": 2}),
        2 => json!({"nested": {"x": 1}}),
        3 => json!("scalar"),
        _ => Value::Null,
    };
    at(p, parent).insert(field.into(), v);
}

/// Pod `status`: scalars and `conditions` merged by `type`.
fn patch_pod_status(rng: &mut Rng, _obj: &Value, p: &mut Map<String, Value>) {
    let status = at(p, &["status"]);
    match rng.below(4) {
        0 => {
            status.insert("phase".into(), json!("Succeeded"));
        }
        1 => {
            status.insert(
                "conditions".into(),
                json!([{"type": "Ready", "status": "False", "reason": "Stopped"}]),
            );
        }
        2 => {
            status.insert(
                "conditions".into(),
                json!([{"type": "Initialized", "status": "True"}]),
            );
            status.insert(
                "$setElementOrder/conditions".into(),
                json!([{"type": "Initialized"}, {"type": "PodScheduled"}, {"type": "Ready"}]),
            );
        }
        _ => {
            status.insert("podIP".into(), Value::Null);
        }
    }
}

/// Service `spec.ports`: merged by `port` alone.
fn patch_service_ports(rng: &mut Rng, obj: &Value, p: &mut Map<String, Value>) {
    let orig = get_list(obj, &["spec", "ports"]);
    let ports = keys_of(orig, "port");
    let existing = (!orig.is_empty()).then(|| orig[rng.below(orig.len())].clone());
    let spec = at(p, &["spec"]);
    let value = match (rng.weighted(&[22, 20, 18, 10, 10, 8, 6, 6]), existing) {
        (0, Some(e)) => json!([{"port": e["port"], "targetPort": 9999}]),
        // The same port with UDP: collides with the TCP entry upstream.
        (1, Some(e)) => json!([{"name": "udp", "port": e["port"], "protocol": "UDP"}]),
        (3, Some(e)) => json!([{"$patch": "delete", "port": e["port"]}]),
        (4, Some(_)) => {
            let mut order: Vec<Value> = ports.clone();
            let added = fresh_port(rng, &ports);
            order.push(json!(added));
            rng.shuffle(&mut order);
            let order: Vec<Value> = order.into_iter().map(|p| json!({"port": p})).collect();
            spec.insert("$setElementOrder/ports".into(), Value::Array(order));
            json!([generate::service_port(rng, added, "TCP")])
        }
        (5, _) => json!([{"name": "no-port", "protocol": "TCP"}]),
        (6, _) => {
            let added = fresh_port(rng, &ports);
            json!([{"$patch": "replace"}, generate::service_port(rng, added, "TCP")])
        }
        (7, _) => {
            if rng.chance(50) {
                Value::Null
            } else {
                json!([])
            }
        }
        _ => {
            let added = fresh_port(rng, &ports);
            let protocol = *rng.pick(&["TCP", "UDP"]);
            json!([generate::service_port(rng, added, protocol)])
        }
    };
    spec.insert("ports".into(), value);
}

fn fresh_port(rng: &mut Rng, taken: &[Value]) -> i64 {
    let free: Vec<i64> = SERVICE_PORTS
        .iter()
        .copied()
        .chain([8443, 6443])
        .filter(|p| !taken.iter().any(|t| t == p))
        .collect();
    *rng.pick(&free)
}

fn patch_service_scalars(rng: &mut Rng, _obj: &Value, p: &mut Map<String, Value>) {
    let spec = at(p, &["spec"]);
    match rng.below(4) {
        0 => spec.insert("type".into(), json!("NodePort")),
        1 => spec.insert("sessionAffinity".into(), Value::Null),
        2 => spec.insert("externalIPs".into(), json!(["192.0.2.7", "192.0.2.8"])),
        _ => spec.insert("clusterIP".into(), json!("None")),
    };
}

/// Deployment `spec.strategy` (patch strategy `retainKeys`).
fn patch_strategy(rng: &mut Rng, _obj: &Value, p: &mut Map<String, Value>) {
    let v = match rng.below(8) {
        0 => json!({"$retainKeys": ["type"], "type": "Recreate"}),
        1 => {
            json!({"$retainKeys": ["type", "rollingUpdate"], "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2}})
        }
        2 => json!({"type": "Recreate", "rollingUpdate": null}),
        3 => json!({"rollingUpdate": {"maxUnavailable": "50%"}}),
        // `$retainKeys` without a patched key: an error where the strategy exists.
        4 => json!({"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}),
        // A null key need not be listed.
        5 => json!({"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": null}),
        6 => json!({"$retainKeys": ["type", 1], "type": "RollingUpdate"}),
        _ => Value::Null,
    };
    at(p, &["spec"]).insert("strategy".into(), v);
}

/// StatefulSet `spec.updateStrategy` (no patch strategy: objects merge).
fn patch_update_strategy(rng: &mut Rng, _obj: &Value, p: &mut Map<String, Value>) {
    let v = match rng.below(4) {
        0 => json!({"type": "OnDelete", "rollingUpdate": null}),
        1 => json!({"rollingUpdate": {"partition": rng.range(0, 4)}}),
        2 => json!({"$patch": "replace", "type": "OnDelete"}),
        _ => Value::Null,
    };
    at(p, &["spec"]).insert("updateStrategy".into(), v);
}

/// StatefulSet `spec.volumeClaimTemplates`: an atomic list, replaced whole.
fn patch_claim_templates(rng: &mut Rng, _obj: &Value, p: &mut Map<String, Value>) {
    let v = match rng.below(3) {
        0 => json!([{"metadata": {"name": "logs"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]),
        1 => json!([]),
        _ => Value::Null,
    };
    at(p, &["spec"]).insert("volumeClaimTemplates".into(), v);
}

fn patch_deployment_scalars(rng: &mut Rng, _obj: &Value, p: &mut Map<String, Value>) {
    let spec = at(p, &["spec"]);
    match rng.below(4) {
        0 => spec.insert("replicas".into(), json!(rng.range(0, 9))),
        1 => spec.insert("paused".into(), json!(true)),
        2 => spec.insert("minReadySeconds".into(), Value::Null),
        _ => spec.insert("revisionHistoryLimit".into(), json!(10)),
    };
}

/// Endpoints `subsets`: atomic upstream, so any list replaces it whole.
fn patch_subsets(rng: &mut Rng, obj: &Value, p: &mut Map<String, Value>) {
    let orig = get_list(obj, &["subsets"]);
    let value = match rng.weighted(&[20, 25, 10, 10, 8, 8, 8]) {
        0 => {
            let subsets: Vec<Value> = (0..rng.range(1, 2))
                .map(|s| generate::subset(rng, s + 3))
                .collect();
            Value::Array(subsets)
        }
        // One new address with the ports of an existing subset: upstream
        // replaces the list, it does not add the address.
        1 => {
            let ports = orig
                .first()
                .and_then(|s| s.get("ports"))
                .cloned()
                .unwrap_or(json!([{"port": 80}]));
            json!([{"addresses": [{"ip": format!("10.9.9.{}", rng.range(1, 9))}], "ports": ports}])
        }
        2 => {
            json!([{"$patch": "delete", "ports": [{"port": 80}]}, {"addresses": [{"ip": "10.8.0.1"}], "ports": [{"port": 80}]}])
        }
        3 => {
            json!([{"addresses": [{"ip": "10.8.0.2", "nodeName": null}], "ports": [{"port": 81, "name": null}]}])
        }
        4 => Value::Null,
        5 => json!([]),
        // A delete list on a list of objects without merge key.
        _ => {
            p.insert(
                "$deleteFromPrimitiveList/subsets".into(),
                Value::Array(orig.iter().take(1).cloned().collect()),
            );
            return;
        }
    };
    p.insert("subsets".into(), value);
}

// ---------------------------------------------------------------------------
// Patches per kind.

type Area = (
    &'static str,
    u64,
    fn(&mut Rng, &Value, &mut Map<String, Value>),
);

const META_AREAS: &[Area] = &[
    ("labels", 10, |r, o, p| {
        patch_metadata_map(r, o, "labels", p)
    }),
    ("annotations", 6, |r, o, p| {
        patch_metadata_map(r, o, "annotations", p)
    }),
    ("finalizers", 10, patch_finalizers),
    ("ownerReferences", 7, patch_owner_refs),
    ("unknown-root", 3, |r, o, p| {
        patch_unknown(r, o, &[], "extra", p)
    }),
    ("metadata-retainKeys", 2, patch_metadata_retain_keys),
];

const POD: &[&str] = &["spec"];
const TEMPLATE: &[&str] = &["spec", "template", "spec"];

const POD_AREAS: &[Area] = &[
    ("containers", 30, |r, o, p| {
        patch_containers(r, o, POD, "containers", p)
    }),
    ("initContainers", 4, |r, o, p| {
        patch_containers(r, o, POD, "initContainers", p)
    }),
    ("volumes", 10, |r, o, p| patch_volumes(r, o, POD, p)),
    ("tolerations", 6, |r, o, p| patch_tolerations(r, o, POD, p)),
    ("nodeSelector", 5, |r, o, p| {
        patch_string_map(r, o, POD, "nodeSelector", p)
    }),
    ("pod-scalars", 5, |r, o, p| patch_pod_scalars(r, o, POD, p)),
    ("unknown-spec", 4, |r, o, p| {
        patch_unknown(r, o, POD, "foo", p)
    }),
    ("status", 4, patch_pod_status),
    ("containers-exotic", 8, |r, o, p| {
        patch_containers_exotic(r, o, POD, p)
    }),
];

const SERVICE_AREAS: &[Area] = &[
    ("service-ports", 30, patch_service_ports),
    ("selector", 14, |r, o, p| {
        patch_string_map(r, o, &["spec"], "selector", p)
    }),
    ("service-scalars", 6, patch_service_scalars),
    ("unknown-spec", 4, |r, o, p| {
        patch_unknown(r, o, &["spec"], "foo", p)
    }),
];

const DEPLOYMENT_AREAS: &[Area] = &[
    ("template-containers", 28, |r, o, p| {
        patch_containers(r, o, TEMPLATE, "containers", p)
    }),
    ("template-volumes", 8, |r, o, p| {
        patch_volumes(r, o, TEMPLATE, p)
    }),
    ("template-tolerations", 4, |r, o, p| {
        patch_tolerations(r, o, TEMPLATE, p)
    }),
    ("template-labels", 6, |r, o, p| {
        patch_string_map(r, o, &["spec", "template", "metadata"], "labels", p)
    }),
    ("matchLabels", 4, |r, o, p| {
        patch_string_map(r, o, &["spec", "selector"], "matchLabels", p)
    }),
    ("strategy", 14, patch_strategy),
    ("template-containers-exotic", 6, |r, o, p| {
        patch_containers_exotic(r, o, TEMPLATE, p)
    }),
    ("deployment-scalars", 6, patch_deployment_scalars),
    ("unknown-spec", 3, |r, o, p| {
        patch_unknown(r, o, &["spec"], "foo", p)
    }),
];

const ENDPOINTS_AREAS: &[Area] = &[("subsets", 40, patch_subsets)];

const STATEFULSET_AREAS: &[Area] = &[
    ("template-containers", 28, |r, o, p| {
        patch_containers(r, o, TEMPLATE, "containers", p)
    }),
    ("template-volumes", 8, |r, o, p| {
        patch_volumes(r, o, TEMPLATE, p)
    }),
    ("template-tolerations", 4, |r, o, p| {
        patch_tolerations(r, o, TEMPLATE, p)
    }),
    ("template-labels", 6, |r, o, p| {
        patch_string_map(r, o, &["spec", "template", "metadata"], "labels", p)
    }),
    ("updateStrategy", 8, patch_update_strategy),
    ("volumeClaimTemplates", 6, patch_claim_templates),
    ("template-containers-exotic", 6, |r, o, p| {
        patch_containers_exotic(r, o, TEMPLATE, p)
    }),
    ("deployment-scalars", 4, patch_deployment_scalars),
];

const CONFIGMAP_AREAS: &[Area] = &[
    ("data", 30, |r, o, p| patch_string_map(r, o, &[], "data", p)),
    ("binaryData", 6, |r, o, p| {
        patch_string_map(r, o, &[], "binaryData", p)
    }),
    ("immutable", 4, |r, _o, p| {
        p.insert("immutable".into(), json!(r.chance(50)));
    }),
];

struct Kind {
    make: fn(&mut Rng, usize) -> Value,
    areas: &'static [Area],
}

/// The kinds of the differential with no schema: every one but Endpoints
/// (whose built-in schema is the design's, not upstream's).
const BUILTIN_KINDS: &[Kind] = &[
    Kind {
        make: generate::pod,
        areas: POD_AREAS,
    },
    Kind {
        make: generate::service,
        areas: SERVICE_AREAS,
    },
    Kind {
        make: generate::deployment,
        areas: DEPLOYMENT_AREAS,
    },
    Kind {
        make: generate::statefulset,
        areas: STATEFULSET_AREAS,
    },
    Kind {
        make: generate::configmap,
        areas: CONFIGMAP_AREAS,
    },
];

const KINDS: &[Kind] = &[
    Kind {
        make: generate::pod,
        areas: POD_AREAS,
    },
    Kind {
        make: generate::service,
        areas: SERVICE_AREAS,
    },
    Kind {
        make: generate::deployment,
        areas: DEPLOYMENT_AREAS,
    },
    Kind {
        make: generate::endpoints,
        areas: ENDPOINTS_AREAS,
    },
];

/// The field an area writes (`-exotic` areas share their plain area's).
fn field_of(label: &str) -> &str {
    label.strip_suffix("-exotic").unwrap_or(label)
}

/// A patch of one to three areas (distinct, so they touch distinct fields).
fn gen_patch(rng: &mut Rng, obj: &Value, kind_areas: &[Area]) -> (Value, Vec<&'static str>) {
    let areas: Vec<&Area> = kind_areas.iter().chain(META_AREAS).collect();
    let weights: Vec<u64> = areas.iter().map(|a| a.1).collect();
    let mut chosen: Vec<usize> = Vec::new();
    let n = rng.weighted(&[55, 35, 10]) + 1;
    for _ in 0..n {
        let i = rng.weighted(&weights);
        if !chosen
            .iter()
            .any(|c| field_of(areas[*c].0) == field_of(areas[i].0))
        {
            chosen.push(i);
        }
    }
    let mut patch = Map::new();
    let mut labels = Vec::new();
    for i in chosen {
        let (label, _, area) = areas[i];
        area(rng, obj, &mut patch);
        labels.push(*label);
    }
    (Value::Object(patch), labels)
}

// ---------------------------------------------------------------------------
// The known departure: a list where the schema has a struct.

/// Whether the patch holds a list where the schema has a struct (not a list):
/// upstream's struct tags answer by whether the Go field is a pointer
/// (a pointer to a struct merges as a list of it, a struct value is
/// `ErrSchemaNotList`), which the OpenAPI document does not record. The
/// schema's own list lookup shows how kubepatch reads such a field: it sees
/// through the `$ref` pointer and answers with the struct itself, where a
/// list field answers with its items. (Where the schema refuses the list
/// lookup, kubepatch fails as kubectl does, and the case can run.)
fn list_where_struct_expected(schema: &Schema, object: &Value, patch: &Value) -> bool {
    fn walk(schema: &Schema, node: NodeId, patch: &Map<String, Value>) -> bool {
        patch.iter().any(|(key, value)| {
            if key.starts_with('$') {
                return false;
            }
            let Ok(field) = lookup_struct(schema, node, key) else {
                return false;
            };
            match value {
                Value::Array(items) => {
                    let Ok(element) = lookup_list(schema, node, key) else {
                        return false;
                    };
                    if schema.list_node(field.node).is_some() {
                        items
                            .iter()
                            .filter_map(Value::as_object)
                            .any(|m| walk(schema, element.node, m))
                    } else {
                        schema.node(element.node).is_struct()
                    }
                }
                Value::Object(m) => walk(schema, field.node, m),
                _ => false,
            }
        })
    }
    match (schema.root_of(object), patch.as_object()) {
        (Some(root), Some(p)) => walk(schema, root, p),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Running both sides.

struct Case {
    object: Value,
    patch: String,
    areas: Vec<&'static str>,
}

/// The case through kubectl, from a temp file in `dir`.
fn run_kubectl(dir: &Path, index: usize, case: &Case) -> Outcome {
    common::run_kubectl(dir, index, &case.object, "strategic", &case.patch)
}

/// The case through kubepatch, with `schema`, or with none (the built-in
/// schema of the object's kind).
fn run_kubepatch(case: &Case, schema: Option<&Schema>) -> Outcome {
    // kubectl decodes nothing: every field of the result is kept.
    let mut request = kubepatch::PatchRequest::new(STRATEGIC, case.patch.as_bytes())
        .live(&case.object)
        .preserve_unknown_fields(true);
    if let Some(schema) = schema {
        request = request.schema(schema);
    }
    request
        .run()
        .map(|o| {
            let mut object = o.object;
            // kubectl prints objects without managedFields.
            common::strip_managed_fields(&mut object);
            object
        })
        .map_err(|e| format!("{} {}", e.code(), e))
}

/// The OpenAPI schema, or `None` (with a note) when kubectl or `../shared` is missing.
fn setup(test: &str) -> Option<Schema> {
    if common::skip_without_kubectl(test) {
        return None;
    }
    let Some(dir) = common::shared() else {
        common::skip_note(test, "../shared (or $KUBEPATCH_SHARED) is absent");
        return None;
    };
    let path = dir.join(common::SWAGGER);
    let Ok(bytes) = std::fs::read(&path) else {
        common::skip_note(test, &format!("{} is absent", path.display()));
        return None;
    };
    Some(kubepatch::schema::openapi::load(&bytes, &Default::default()).expect("swagger loads"))
}

fn generate(seed: u64, per_kind: usize, kinds: &[Kind]) -> Vec<Case> {
    let mut rng = Rng(seed);
    let mut cases = Vec::new();
    for serial in 0..per_kind {
        for kind in kinds {
            let object = (kind.make)(&mut rng, serial);
            for _ in 0..PATCHES_PER_OBJECT {
                let (patch, areas) = gen_patch(&mut rng, &object, kind.areas);
                cases.push(Case {
                    object: object.clone(),
                    patch: patch.to_string(),
                    areas,
                });
            }
        }
    }
    cases
}

/// What one differential run found.
struct Report {
    agreed: usize,
    successes: usize,
    errors: usize,
    skipped: usize,
    /// Agreed successes per area.
    area_successes: BTreeMap<&'static str, usize>,
    /// Agreed Endpoints cases where a `subsets` list replaced a longer one whole.
    subsets_replaced: usize,
}

/// Run every case through kubectl (two processes at a time, one temp file
/// per case) and kubepatch, print the summary and the first mismatches, and
/// panic on any. Cases with a list where the schema has a struct are skipped.
/// Without `schema`, kubepatch uses the built-in schema of each object's kind.
fn differential(label: &str, cases: &[Case], schema: Option<&Schema>, note: &str) -> Report {
    let started = Instant::now();
    let runnable: Vec<bool> = cases
        .iter()
        .map(|c| {
            let patch: Value = serde_json::from_str(&c.patch).unwrap_or(Value::Null);
            let schema = schema.unwrap_or_else(|| builtin_of(&c.object));
            !list_where_struct_expected(schema, &c.object, &patch)
        })
        .collect();
    let kubectl = common::run_kubectl_all(
        "kubepatch-smp-kubectl-diff",
        WORKERS,
        cases.len(),
        |dir, i| runnable[i].then(|| run_kubectl(dir, i, &cases[i])),
    );

    let mut report = Report {
        agreed: 0,
        successes: 0,
        errors: 0,
        skipped: runnable.iter().filter(|r| !**r).count(),
        area_successes: BTreeMap::new(),
        subsets_replaced: 0,
    };
    let mut mismatches = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let Some(theirs) = kubectl.get(&i) else {
            continue;
        };
        let ours = run_kubepatch(case, schema);
        if !common::agree(theirs, &ours) {
            mismatches.push((i, ours));
            continue;
        }
        report.agreed += 1;
        match theirs {
            Ok(result) => {
                report.successes += 1;
                for area in &case.areas {
                    *report.area_successes.entry(area).or_default() += 1;
                }
                let patch: Value = serde_json::from_str(&case.patch).unwrap_or_default();
                if let (Some(sent @ Value::Array(new)), Some(Value::Array(old))) =
                    (patch.get("subsets"), case.object.get("subsets"))
                    && !new.is_empty()
                    && old.len() >= new.len()
                    && result.get("subsets") == Some(sent)
                    && old.iter().any(|s| !new.contains(s))
                {
                    report.subsets_replaced += 1;
                }
            }
            Err(_) => report.errors += 1,
        }
    }

    let ran = cases.len() - report.skipped;
    println!(
        "{label}: {ran} cases, {} agreed ({} successes, {} errors on both sides)",
        report.agreed, report.successes, report.errors
    );
    println!(
        "  {note}; {} skipped (list where the schema has a struct); {WORKERS} kubectl workers; {:.1} s",
        report.skipped,
        started.elapsed().as_secs_f64()
    );
    if !report.area_successes.is_empty() {
        let areas: Vec<String> = report
            .area_successes
            .iter()
            .map(|(a, n)| format!("{a} {n}"))
            .collect();
        println!("  agreed successes by area: {}", areas.join(", "));
        println!(
            "  Endpoints cases where a subsets patch replaced the whole list: {}",
            report.subsets_replaced
        );
    }
    if std::env::var_os("SMP_DIFF_DUMP").is_some() {
        for (i, case) in cases.iter().enumerate() {
            let outcome: String = kubectl
                .get(&i)
                .map_or("skipped".to_string(), show)
                .chars()
                .take(160)
                .collect();
            println!(
                "case {i} [{}] | {} | {outcome}",
                case.areas.join(","),
                case.patch
            );
        }
    }
    if mismatches.is_empty() {
        return report;
    }
    for (i, ours) in mismatches.iter().take(10) {
        let case = &cases[*i];
        let tag = format!("[{}]", case.areas.join(", "));
        common::print_mismatch(*i, &tag, &case.object, &case.patch, &kubectl[i], ours);
    }
    panic!(
        "{label}: {} of {ran} cases differ from kubectl",
        mismatches.len()
    );
}

#[test]
fn smp_kubectl_differential() {
    let Some(schema) = setup("smp_kubectl_diff") else {
        return;
    };
    let seed = env_number("SMP_DIFF_SEED").unwrap_or(DEFAULT_SEED);
    let per_kind = env_number("SMP_DIFF_OBJECTS").map_or(DEFAULT_OBJECTS_PER_KIND, |n| n as usize);
    let cases = generate(seed, per_kind, KINDS);
    let report = differential(
        "smp kubectl differential",
        &cases,
        Some(&schema),
        &format!("seed {seed:#x}"),
    );
    assert_eq!(
        report.skipped, 0,
        "the generator makes no list where a struct is expected"
    );
    if per_kind >= DEFAULT_OBJECTS_PER_KIND {
        assert!(report.successes > 0 && report.errors > 0);
        assert!(
            report.subsets_replaced > 0,
            "no case showed an Endpoints subsets patch replacing the whole list"
        );
    }
}

/// The built-in schema of an object's kind, as a request without a schema
/// picks it.
fn builtin_of(object: &Value) -> &'static Schema {
    let text = |k: &str| object.get(k).and_then(Value::as_str).unwrap_or("");
    Schema::for_kind(text("apiVersion"), text("kind")).expect("the built-in schemas load")
}

/// Generated strategic patches of Pods, Services, Deployments, StatefulSets
/// and ConfigMaps with no schema given: the compiled-in schemas must give
/// what kubectl gives with its own (the same v1.36 document's rules).
/// Needs kubectl only. `SMP_BUILTIN_SEED` and `SMP_BUILTIN_OBJECTS` (objects
/// per kind, four patches each) change the run.
#[test]
fn smp_kubectl_differential_builtin() {
    if common::skip_without_kubectl("smp_kubectl_differential_builtin") {
        return;
    }
    let seed = env_number("SMP_BUILTIN_SEED").unwrap_or(DEFAULT_SEED ^ 0xb17);
    let per_kind = env_number("SMP_BUILTIN_OBJECTS").map_or(8, |n| n as usize);
    let cases = generate(seed, per_kind, BUILTIN_KINDS);
    let report = differential(
        "smp kubectl differential, built-in schemas",
        &cases,
        None,
        &format!("seed {seed:#x}, no schema given"),
    );
    assert_eq!(
        report.skipped, 0,
        "the generator makes no list where a struct is expected"
    );
    if per_kind >= 8 {
        assert!(report.successes > 0 && report.errors > 0);
        for area in [
            "containers",
            "template-containers",
            "service-ports",
            "volumes",
            "data",
        ] {
            assert!(
                report.area_successes.get(area).copied().unwrap_or(0) > 0,
                "no agreed success patched {area}"
            );
        }
    }
}

/// `pod/spec/list-where-schema-has-struct-error`: lists on both sides where
/// the Go field is a struct value (`Container.resources`). kubectl answers
/// ErrSchemaNotList; kubepatch, reading `$ref` fields as pointers as
/// upstream's OpenAPI reader does, replaces the list. The differential skips
/// such inputs; this confirms the skip, and shows both outcomes.
#[test]
fn smp_kubectl_pinned_departure() {
    let Some(schema) = setup("smp_kubectl_diff (pinned)") else {
        return;
    };
    let object = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"containers": [{"name": "app", "image": "i", "resources": [1]}]}});
    let patch = json!({"spec": {"containers": [{"name": "app", "resources": [2]}]}});
    assert!(list_where_struct_expected(&schema, &object, &patch));
    // A pointer-to-struct field (PodSpec.securityContext) is the same shape to the schema.
    let pointer = json!({"spec": {"securityContext": [2]}});
    assert!(list_where_struct_expected(&schema, &object, &pointer));
    // Lists where the schema has lists, and objects where it has structs, run.
    let fine = json!({"spec": {"containers": [{"name": "app", "resources": {"limits": {"cpu": "1"}},
        "ports": [{"containerPort": 80}]}], "tolerations": []}, "metadata": {"finalizers": ["a"]}});
    assert!(!list_where_struct_expected(&schema, &object, &fine));

    let case = Case {
        object,
        patch: patch.to_string(),
        areas: vec!["pinned"],
    };
    let report = differential(
        "smp kubectl differential (pinned departure)",
        std::slice::from_ref(&case),
        Some(&schema),
        "pod/spec/list-where-schema-has-struct-error",
    );
    assert_eq!((report.skipped, report.agreed), (1, 0));
    let dir = std::env::temp_dir();
    let theirs = run_kubectl(&dir, std::process::id() as usize, &case);
    let ours = run_kubepatch(&case, Some(&schema));
    println!("  kubectl:   {}", show(&theirs));
    println!("  kubepatch: {}", show(&ours));
    assert!(
        theirs
            .as_ref()
            .is_err_and(|e| e.contains("expected slice or array type")),
        "kubectl should refuse a list where Container.resources is a struct value: {}",
        show(&theirs)
    );
}
