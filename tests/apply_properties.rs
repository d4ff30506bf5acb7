//! Seeded random property tests of server-side apply on Endpoints.
//!
//! Each sequence lets 2–3 Apply managers (`ctrl-a`, `ctrl-b`, `ctrl-c`)
//! apply random configurations (labels, finalizers, subsets with random port
//! sets and addresses), with and without `force`, interleaved with merge
//! patches of a label by `kubectl-edit` (Update operations). A model of
//! who owns what, written from the spec's rules rather than from kubepatch,
//! predicts every outcome:
//!
//! - conflicts: an apply conflicts with every other manager owning a path
//!   the apply adds or modifies (spec §7.6); without `force` that is a 409
//!   naming exactly those (manager, path) pairs, and nothing changes;
//! - ownership: after a successful apply the applier owns exactly its
//!   configuration's field set (§5.1, stripped §5.3), forced conflicts leave
//!   their previous owners (§7.8); an Update takes what it added or modified
//!   from everyone and Removed paths leave every set (§8).
//!
//! Properties checked after every step:
//! - (a) applying the same configuration twice in a row changes nothing the
//!   second time: object and managedFields identical, times included;
//! - (b) every field an Apply manager owns is in the object, with the value
//!   that manager applied (a later owner that changed it took it away: the
//!   model tracks forced applies and updates, and the managedFields must
//!   equal the model's sets exactly);
//! - (c) no two Apply managers own one field with different values.
//!
//! Every config also carries an annotation unique to its manager, so no
//! applier's set ever becomes empty and the object never falls back to
//! untracked; labels may be absent, so the labels map itself comes and goes
//! (an Update that creates it owns it, §8).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use kubepatch::fieldpath::{Path, PathElement, Set, value_cmp};
use kubepatch::{PatchParams, PatchRequest};
use serde_json::{Value, json};

mod common;
use common::generate::Rng;
use common::{APPLY, MERGE_PATCH, clock_at};

/// Sequences to run.
const SEQUENCES: u64 = 300;
/// The seed of sequence `i` is `SEED + i`.
const SEED: u64 = 0x5eed_a991_7000;

const APPLIERS: [&str; 3] = ["ctrl-a", "ctrl-b", "ctrl-c"];
const EDITOR: &str = "kubectl-edit";
const LABEL_KEYS: [&str; 3] = ["app", "tier", "env"];
const FINALIZERS: [&str; 3] = ["example.com/a", "example.com/b", "example.com/c"];

// --- configurations ---------------------------------------------------------

fn port_sets() -> Vec<Vec<Value>> {
    vec![
        vec![json!({"name": "a", "port": 8675, "protocol": "TCP"})],
        vec![
            json!({"name": "a", "port": 8675, "protocol": "TCP"}),
            json!({"name": "b", "port": 309, "protocol": "TCP"}),
        ],
        vec![
            json!({"name": "dns", "port": 53, "protocol": "UDP"}),
            json!({"name": "dns-tcp", "port": 53, "protocol": "TCP"}),
        ],
        vec![json!({"port": 8080, "protocol": "TCP"})],
    ]
}

fn target_refs() -> [Value; 2] {
    [
        json!({"kind": "Pod", "name": "p1"}),
        json!({"kind": "Pod", "name": "p1", "namespace": "default", "uid": "u-1"}),
    ]
}

fn gen_address(rng: &mut Rng, ip: String) -> Value {
    let mut a = json!({"ip": ip});
    if rng.chance(50) {
        a["nodeName"] = json!(rng.pick(&["node-1", "node-2"]));
    }
    if rng.chance(25) {
        a["targetRef"] = rng.pick(&target_refs()).clone();
    }
    a
}

/// A random Endpoints configuration for `manager`.
fn gen_config(rng: &mut Rng, manager: &str) -> Value {
    let mut labels = serde_json::Map::new();
    for key in LABEL_KEYS {
        if rng.chance(50) {
            labels.insert(key.to_string(), json!(rng.pick(&["x", "y"])));
        }
    }
    let mut metadata = json!({
        "name": "web",
        "namespace": "default",
        "annotations": {format!("example.com/owner-{manager}"): "yes"},
    });
    if !labels.is_empty() || rng.chance(10) {
        metadata["labels"] = Value::Object(labels);
    }
    let mut finalizers: Vec<&str> = FINALIZERS
        .iter()
        .copied()
        .filter(|_| rng.chance(40))
        .collect();
    rng.shuffle(&mut finalizers);
    if !finalizers.is_empty() || rng.chance(30) {
        metadata["finalizers"] = json!(finalizers);
    }
    let mut config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata});

    let mut sets: Vec<usize> = (0..port_sets().len()).collect();
    rng.shuffle(&mut sets);
    let count = rng.below(3);
    let mut subsets = Vec::new();
    for &s in &sets[..count] {
        let mut ports: Vec<Value> = port_sets()[s].clone();
        for p in &mut ports {
            if rng.chance(30) {
                p.as_object_mut().unwrap().remove("protocol");
            }
        }
        rng.shuffle(&mut ports);
        let mut ips: Vec<usize> = (1..=5).filter(|_| rng.chance(45)).collect();
        if ips.is_empty() {
            ips.push(1 + rng.below(5));
        }
        rng.shuffle(&mut ips);
        let addresses: Vec<Value> = ips
            .into_iter()
            .map(|i| gen_address(rng, format!("10.0.0.{i}")))
            .collect();
        let mut subset = json!({"addresses": addresses, "ports": ports});
        if rng.chance(20) {
            let ip = format!("10.0.1.{}", 1 + rng.below(2));
            subset["notReadyAddresses"] = json!([gen_address(rng, ip)]);
        }
        subsets.push(subset);
    }
    if !subsets.is_empty() || rng.chance(20) {
        config["subsets"] = json!(subsets);
    }
    config
}

// --- paths, sets and values (spec §3, §5.1, built-in Endpoints schema) -------

fn f(name: &str) -> PathElement {
    PathElement::Field(name.into())
}

fn port_key(port: &Value) -> Value {
    json!({"name": port.get("name").cloned().unwrap_or(json!("")), "port": port["port"]})
}

/// The key element of an item of the list `list` (`subsets`, `addresses`,
/// `notReadyAddresses`, `ports`).
fn item_key(list: &str, item: &Value) -> PathElement {
    match list {
        "subsets" => {
            let mut keys: Vec<Value> = item["ports"]
                .as_array()
                .map(|ps| ps.iter().map(port_key).collect())
                .unwrap_or_default();
            keys.sort_by(value_cmp);
            keys.dedup();
            PathElement::key(vec![("ports".to_string(), Value::Array(keys))])
        }
        "ports" => {
            let k = port_key(item);
            PathElement::key(vec![
                ("name".to_string(), k["name"].clone()),
                ("port".to_string(), k["port"].clone()),
            ])
        }
        _ => PathElement::key(vec![("ip".to_string(), item["ip"].clone())]),
    }
}

/// The field set of a configuration, stripped (§5.1, §5.3), and the value of
/// each of its leaves (scalars and the atomic targetRef).
struct FieldSet {
    set: Set,
    leaves: BTreeMap<Path, Value>,
}

fn field_set(config: &Value) -> FieldSet {
    let mut out = FieldSet {
        set: Set::default(),
        leaves: BTreeMap::new(),
    };
    let leaf = |out: &mut FieldSet, path: Vec<PathElement>, v: &Value| {
        out.set.insert(&path);
        out.leaves.insert(Path(path), v.clone());
    };
    let meta = &config["metadata"];
    for map in ["labels", "annotations"] {
        match meta[map].as_object() {
            // An empty map is a member itself (§5.1).
            Some(m) if m.is_empty() => out.set.insert(&[f("metadata"), f(map)]),
            Some(m) => {
                for (k, v) in m {
                    leaf(&mut out, vec![f("metadata"), f(map), f(k)], v);
                }
            }
            None => {}
        }
    }
    if let Some(fins) = meta["finalizers"].as_array() {
        for x in fins {
            out.set.insert(&[
                f("metadata"),
                f("finalizers"),
                PathElement::Value(x.clone().into()),
            ]);
        }
    }
    for subset in config["subsets"].as_array().into_iter().flatten() {
        let s = vec![f("subsets"), item_key("subsets", subset)];
        out.set.insert(&s);
        for list in ["addresses", "notReadyAddresses", "ports"] {
            for item in subset[list].as_array().into_iter().flatten() {
                let mut p = s.clone();
                p.push(f(list));
                p.push(item_key(list, item));
                out.set.insert(&p);
                for (k, v) in item.as_object().unwrap() {
                    let mut q = p.clone();
                    q.push(f(k));
                    leaf(&mut out, q, v);
                }
            }
        }
    }
    out
}

/// The value at `path` in `value` (a set member resolves to itself).
fn resolve<'v>(value: &'v Value, path: &[PathElement]) -> Option<&'v Value> {
    let mut current = value;
    let mut list = "";
    for e in path {
        current = match (e, current) {
            (PathElement::Field(name), Value::Object(m)) => {
                list = &name[..];
                m.get(&name[..])?
            }
            (PathElement::Key(_), Value::Array(items)) => {
                items.iter().find(|item| item_key(list, item) == *e)?
            }
            (PathElement::Value(v), Value::Array(items)) => items.iter().find(|x| **x == **v)?,
            _ => return None,
        };
        if current.is_null() {
            return None;
        }
    }
    Some(current)
}

fn is_empty_container(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.is_empty()) || v.as_array().is_some_and(|a| a.is_empty())
}

/// Whether a path of a configuration is a leaf (compared as a value).
fn is_leaf(config: &Value, path: &[PathElement]) -> bool {
    matches!(path.last(), Some(PathElement::Field(_)))
        && resolve(config, path).is_some_and(|v| !v.is_object() && !v.is_array())
        || matches!(path.last(), Some(PathElement::Field(n)) if &n[..] == "targetRef")
}

// --- the model -----------------------------------------------------------

/// Identities as `Apply/<manager>` and `Update/<manager>`.
fn apply_id(m: &str) -> String {
    format!("Apply/{m}")
}

fn update_id(m: &str) -> String {
    format!("Update/{m}")
}

/// How a conflict message names an identity.
fn describe(id: &str) -> String {
    match id.split_once('/') {
        Some(("Apply", m)) => format!("{m:?}"),
        Some((_, m)) => format!("{m:?} using v1"),
        None => id.to_string(),
    }
}

#[derive(Default, Clone)]
struct Model {
    /// The last configuration each Apply manager applied successfully.
    configs: BTreeMap<String, Value>,
    /// What each identity owns.
    owned: BTreeMap<String, Set>,
}

impl Model {
    fn drop_empty(&mut self) {
        self.owned.retain(|_, s| !s.is_empty());
    }
}

/// managedFields of an object: identity → (set, time).
fn actual_sets(object: &Value) -> Result<BTreeMap<String, (Set, Option<String>)>, String> {
    let mut out = BTreeMap::new();
    for e in object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let id = format!(
            "{}/{}",
            e["operation"].as_str().unwrap_or(""),
            e["manager"].as_str().unwrap_or("")
        );
        let set = Set::from_fields_v1(&e["fieldsV1"]).map_err(|err| format!("{id}: {err}"))?;
        let time = e["time"].as_str().map(str::to_string);
        if out.insert(id.clone(), (set, time)).is_some() {
            return Err(format!("two entries for {id}"));
        }
    }
    Ok(out)
}

fn show_set(set: &Set) -> String {
    let paths: Vec<String> = set.paths().iter().map(ToString::to_string).collect();
    format!("{paths:?}")
}

/// (b), (c) and the model's sets against the object.
fn check_invariants(model: &Model, object: &Value) -> Result<(), String> {
    let actual = actual_sets(object)?;
    let ids: BTreeSet<&String> = actual.keys().chain(model.owned.keys()).collect();
    for id in ids {
        let want = model.owned.get(id);
        let got = actual.get(id).map(|(s, _)| s);
        if want != got {
            return Err(format!(
                "the set of {id} is {}, the model says {}",
                got.map_or("absent".to_string(), show_set),
                want.map_or("absent".to_string(), show_set)
            ));
        }
    }
    // (b) every field an Apply manager owns is there, with its applied value.
    for (id, (set, _)) in &actual {
        let Some(manager) = id.strip_prefix("Apply/") else {
            continue;
        };
        let config = &model.configs[manager];
        for path in set.paths() {
            // An empty map the manager applied is owned but dropped by decoding (§7.10).
            let empty = resolve(config, &path.0).is_some_and(is_empty_container);
            let Some(value) = resolve(object, &path.0) else {
                if empty {
                    continue;
                }
                return Err(format!("{id} owns {path}, which is not in the object"));
            };
            if is_leaf(config, &path.0) && resolve(config, &path.0) != Some(value) {
                return Err(format!(
                    "{id} owns {path} = {value}, but applied {}",
                    resolve(config, &path.0).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    // (c) no two Apply managers own one field with different values.
    let appliers: Vec<(&String, &Set)> = actual
        .iter()
        .filter(|(id, _)| id.starts_with("Apply/"))
        .map(|(id, (s, _))| (id, s))
        .collect();
    for (i, (id1, s1)) in appliers.iter().enumerate() {
        for (id2, s2) in &appliers[i + 1..] {
            let c1 = &model.configs[&id1["Apply/".len()..]];
            let c2 = &model.configs[&id2["Apply/".len()..]];
            for path in s1.intersection(s2).paths() {
                if is_leaf(c1, &path.0) && resolve(c1, &path.0) != resolve(c2, &path.0) {
                    return Err(format!(
                        "{id1} and {id2} both own {path} with different values"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The (identity, path) pairs an apply of `config` by `manager` conflicts
/// with (§7.6): paths other identities own that the apply adds (absent from
/// the live object, present in the config) or modifies (a leaf whose value
/// differs).
fn predict_conflicts(
    model: &Model,
    live: Option<&Value>,
    manager: &str,
    config: &Value,
) -> BTreeSet<(String, Path)> {
    let mut out = BTreeSet::new();
    let Some(live) = live else { return out };
    let me = apply_id(manager);
    for (id, set) in &model.owned {
        if *id == me {
            continue;
        }
        for path in set.paths() {
            let (l, c) = (resolve(live, &path.0), resolve(config, &path.0));
            let added = l.is_none() && c.is_some();
            let modified = l.is_some() && c.is_some() && is_leaf(config, &path.0) && l != c;
            if added || modified {
                out.insert((id.clone(), path));
            }
        }
    }
    out
}

// --- one sequence ----------------------------------------------------------

#[derive(Default)]
struct Stats {
    sequences: u64,
    applies: u64,
    creates: u64,
    refused: u64,
    forced_transfers: u64,
    updates: u64,
    idempotence_checks: u64,
}

#[allow(clippy::result_large_err)] // kubepatch::Error is what the API returns
fn run_apply(
    live: Option<&Value>,
    manager: &str,
    config: &Value,
    force: bool,
    second: u64,
) -> Result<kubepatch::Outcome, kubepatch::Error> {
    let body = serde_json::to_vec(config).unwrap();
    let mut params = PatchParams::apply(manager);
    if force {
        params = params.force();
    }
    let clock = clock_at(second);
    let mut request = PatchRequest::new(APPLY, &body).params(params).clock(&clock);
    if let Some(l) = live {
        request = request.live(l);
    }
    request.run()
}

/// Run sequence `seed`; `Err` describes the first broken property, with the
/// steps that led to it.
fn run_sequence(seed: u64, stats: &mut Stats) -> Result<(), String> {
    let mut rng = Rng(seed);
    let appliers = &APPLIERS[..2 + rng.below(2)];
    let steps = 5 + rng.below(8);
    let mut live: Option<Value> = None;
    let mut model = Model::default();
    let mut log: Vec<String> = Vec::new();
    let fail = |log: &[String], what: String| {
        Err(format!(
            "seed {seed:#x}:\n  {}\n  => {what}",
            log.join("\n  ")
        ))
    };
    stats.sequences += 1;

    for step in 0..steps as u64 {
        let second = step * 2;
        if live.is_some() && rng.chance(15) {
            // An Update: kubectl-edit sets or removes one label (merge patch).
            let key = *rng.pick(&LABEL_KEYS);
            let value = *rng.pick(&[Some("x"), Some("y"), Some("z"), None]);
            let patch = json!({"metadata": {"labels": {key: value}}});
            log.push(format!("merge by {EDITOR}: {patch}"));
            let body = serde_json::to_vec(&patch).unwrap();
            let clock = clock_at(second);
            let current = live.clone().unwrap();
            let out = PatchRequest::new(MERGE_PATCH, &body)
                .live(&current)
                .params(PatchParams::default().field_manager(EDITOR))
                .clock(&clock)
                .run();
            let out = match out {
                Ok(o) => o.object,
                Err(e) => return fail(&log, format!("merge patch failed: {e}")),
            };
            stats.updates += 1;
            // §8: Added ∪ Modified and Removed of this write.
            let labels = current["metadata"]["labels"].as_object();
            let label = vec![f("metadata"), f("labels"), f(key)];
            let map = vec![f("metadata"), f("labels")];
            let old = labels.and_then(|m| m.get(key));
            let (mut changed, mut removed) = (Set::default(), Set::default());
            match value {
                Some(v) if labels.is_none_or(|m| m.is_empty()) => {
                    changed.insert(&map);
                    changed.insert(&label);
                    let _ = v;
                }
                Some(v) if old != Some(&json!(v)) => changed.insert(&label),
                Some(_) => {}
                None if old.is_some() => {
                    removed.insert(&label);
                    if labels.is_some_and(|m| m.len() == 1) {
                        removed.insert(&map);
                    }
                }
                None => {}
            }
            let me = update_id(EDITOR);
            for set in model.owned.values_mut() {
                *set = set.difference(&changed).difference(&removed);
            }
            if !changed.is_empty() {
                let set = model.owned.entry(me).or_default();
                set.union_with(&changed);
            }
            model.drop_empty();
            live = Some(out);
        } else {
            let manager = *rng.pick(appliers);
            let config = gen_config(&mut rng, manager);
            let force = rng.chance(30);
            log.push(format!(
                "apply by {manager}{}: {config}",
                if force { " (force)" } else { "" }
            ));
            stats.applies += 1;
            let conflicts = predict_conflicts(&model, live.as_ref(), manager, &config);
            let result = run_apply(live.as_ref(), manager, &config, force, second);
            if !conflicts.is_empty() && !force {
                let err = match result {
                    Err(e) => e,
                    Ok(_) => {
                        let listed: Vec<String> =
                            conflicts.iter().map(|(m, p)| format!("{m} {p}")).collect();
                        return fail(&log, format!("succeeded, expected conflicts {listed:?}"));
                    }
                };
                let status = err.to_status().to_value();
                if status["code"] != 409 {
                    return fail(&log, format!("expected 409, got {status}"));
                }
                let want: BTreeSet<(String, String)> = conflicts
                    .iter()
                    .map(|(id, p)| (format!("conflict with {}", describe(id)), p.to_string()))
                    .collect();
                let got: BTreeSet<(String, String)> = status["details"]["causes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| {
                        (
                            c["message"].as_str().unwrap_or("").to_string(),
                            c["field"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect();
                if want != got {
                    return fail(&log, format!("conflicts {got:?}, expected {want:?}"));
                }
                stats.refused += 1;
                continue;
            }
            let outcome = match result {
                Ok(o) => o,
                Err(e) => return fail(&log, format!("expected success, got {e}")),
            };
            let code = if live.is_none() { 201 } else { 200 };
            if outcome.code != code {
                return fail(&log, format!("status {}, expected {code}", outcome.code));
            }
            if live.is_none() {
                stats.creates += 1;
            }
            if !conflicts.is_empty() {
                stats.forced_transfers += 1;
            }
            for (id, path) in &conflicts {
                if let Some(set) = model.owned.get_mut(id) {
                    set.remove(&path.0);
                }
            }
            let fs = field_set(&config);
            model.owned.insert(apply_id(manager), fs.set);
            model.configs.insert(manager.to_string(), config.clone());
            model.drop_empty();

            // (a) the same configuration again changes nothing, times included.
            let again = run_apply(Some(&outcome.object), manager, &config, force, second + 1);
            stats.idempotence_checks += 1;
            match again {
                Ok(o) if o.object == outcome.object && o.code == 200 => {}
                Ok(o) => {
                    return fail(
                        &log,
                        format!(
                            "re-applying the same configuration changed the object:\nfirst:  {}\nsecond: {}",
                            outcome.object, o.object
                        ),
                    );
                }
                Err(e) => return fail(&log, format!("re-applying failed: {e}")),
            }
            live = Some(outcome.object);
        }
        if let Err(why) = check_invariants(&model, live.as_ref().unwrap()) {
            return fail(&log, format!("{why}\nobject: {}", live.as_ref().unwrap()));
        }
    }
    Ok(())
}

#[test]
fn apply_properties() {
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut failures = Vec::new();
    for i in 0..SEQUENCES {
        if let Err(e) = run_sequence(SEED + i, &mut stats) {
            failures.push(e);
        }
    }
    println!(
        "apply properties: {} sequences, {} applies ({} creates, {} refused with 409, {} forced transfers, \
         {} idempotence checks), {} updates, {} failed, {:.1?}",
        stats.sequences,
        stats.applies,
        stats.creates,
        stats.refused,
        stats.forced_transfers,
        stats.idempotence_checks,
        stats.updates,
        failures.len(),
        started.elapsed()
    );
    for f in failures.iter().take(3) {
        eprintln!("{f}\n");
    }
    assert!(
        failures.is_empty(),
        "{} of {SEQUENCES} sequences broke a property (first ones above)",
        failures.len()
    );
}
