//! Long sequences of server-side applies, re-applies and Updates by several
//! managers on realistic Endpoints objects, built with `arbitrary` from the
//! input: a [`Sequence`] of up to [`MAX_STEPS`] [`Step`]s by 2–4 managers.
//! An apply's configuration comes from pools: labels, annotations,
//! finalizers (duplicates allowed), and subsets whose ports come from a pool
//! of port lists (duplicate keys, empty names, a key of the wrong type among
//! them) and whose addresses and not-ready addresses are runs of IPs with
//! node names, target references and hostnames: mostly a few (up to
//! [`SMALL_ADDRESSES`]), one run in [`LONG_RUN_ONE_IN`] up to
//! [`MAX_ADDRESSES`], so that most steps stay small and fast while long runs
//! still come. An
//! Update is a merge patch (labels, annotations), a strategic merge patch (a
//! subset with addresses) or a JSON patch (remove a subset, add a finalizer)
//! by one of the managers or `kubectl-edit`. Each request goes through
//! `PatchRequest` on a fixed clock that advances two seconds a step.
//!
//! Checked at every step:
//! - no panic; the live object is never modified;
//! - every error is a 4xx/5xx whose `to_status()` agrees with `code()`;
//! - a forced apply never fails with 409;
//! - a successful apply answers 201 when it creates and 200 otherwise, an
//!   Update answers 200;
//! - `metadata.managedFields` never lists two entries with the same identity
//!   (manager, operation, subresource, and apiVersion for an Update);
//! - every successful apply, applied again at once by the same manager with
//!   the same configuration and force (one second later), answers 200 with
//!   an identical object (nothing changed, managedFields times included).

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use kubepatch::{Error, Outcome, PatchParams, PatchRequest};
use serde_json::{Map, Value, json};

use crate::common::{check_error, clock};

const APPLY: &str = "application/apply-patch+yaml";
const MANAGERS: [&str; 4] = ["ctrl-a", "ctrl-b", "ctrl-c", "kubectl"];
const EDITOR: &str = "kubectl-edit";
const LABEL_KEYS: [&str; 5] = ["app", "tier", "env", "example.com/team", "version"];
const LABEL_VALUES: [&str; 4] = ["x", "y", "z", ""];
const ANNOTATION_KEYS: [&str; 3] = [
    "example.com/note",
    "kubectl.kubernetes.io/last-applied-configuration",
    "example.com/owner",
];
const FINALIZERS: [&str; 4] = [
    "example.com/a",
    "example.com/b",
    "example.com/c",
    "kubernetes.io/pv-protection",
];
/// Most steps a sequence runs.
pub const MAX_STEPS: usize = 48;
/// Most addresses in one run of addresses.
const MAX_ADDRESSES: usize = 300;
/// Most addresses in a run that is not one of the rare long ones: most
/// steps then carry a few tens of addresses at most, so that a second of
/// fuzzing runs many sequences, and the long runs still come now and then.
const SMALL_ADDRESSES: usize = 8;
/// One run in this many is drawn up to [`MAX_ADDRESSES`] long.
const LONG_RUN_ONE_IN: u16 = 16;

/// A whole input: how many managers take part, and the steps.
#[derive(Debug, Arbitrary)]
pub struct Sequence {
    managers: u8,
    steps: Vec<Step>,
}

/// One request.
#[derive(Debug, Arbitrary)]
pub enum Step {
    /// An apply of a configuration by a manager.
    Apply {
        /// Which manager.
        manager: u8,
        /// `force=true`.
        force: bool,
        /// What it applies.
        config: Config,
    },
    /// The manager's last configuration again (with this force).
    Reapply {
        /// Which manager.
        manager: u8,
        /// `force=true`.
        force: bool,
    },
    /// A non-apply write.
    Update {
        /// Which manager (one past the last: `kubectl-edit`).
        manager: u8,
        /// What it changes.
        change: Change,
    },
}

/// What an Update does.
#[derive(Debug, Arbitrary)]
pub enum Change {
    /// Merge patch: set (or with `None`, remove) a label.
    MergeLabel(u8, Option<u8>),
    /// Merge patch: set or remove an annotation.
    MergeAnnotation(u8, Option<u8>),
    /// Strategic merge patch: a subset with these ports and addresses.
    StrategicSubset(Subset),
    /// Strategic merge patch: delete the label.
    StrategicDeleteLabel(u8),
    /// JSON patch: remove subset `n`.
    JsonRemoveSubset(u8),
    /// JSON patch: append a finalizer.
    JsonAddFinalizer(u8),
    /// JSON patch: replace the first address of the first subset.
    JsonReplaceAddress(u8),
}

/// An apply configuration, from the pools.
#[derive(Debug, Clone, Arbitrary)]
pub struct Config {
    labels: Vec<(u8, Option<u8>)>,
    labels_even_empty: bool,
    annotations: Vec<(u8, u8)>,
    finalizers: Vec<u8>,
    finalizers_even_empty: bool,
    subsets: Vec<Subset>,
    subsets_even_empty: bool,
    /// bit 0: name `other`; bit 1: no namespace; bit 2: `managedFields: null`.
    odd: u8,
}

/// A subset: ports from the pool, runs of addresses.
#[derive(Debug, Clone, Arbitrary)]
pub struct Subset {
    ports: u8,
    /// bits 0-2: drop `protocol` from port i; bit 3: reverse the ports.
    port_edits: u8,
    addresses: Option<Addresses>,
    not_ready: Option<Addresses>,
}

/// A run of addresses `10.a.b.c` from `start`, every `stride`.
#[derive(Debug, Clone, Arbitrary)]
pub struct Addresses {
    start: u16,
    /// How many: one time in [`LONG_RUN_ONE_IN`] (`count % 16 == 15`) up to
    /// [`MAX_ADDRESSES`], else up to [`SMALL_ADDRESSES`].
    count: u16,
    stride: u8,
    /// bits 0-1 node name, bits 2-3 target reference, bit 4 hostname, bit 5
    /// the first address twice, bits 6-7 vary the options along the run.
    options: u8,
}

fn pick<T>(pool: &[T], i: u8) -> &T {
    &pool[usize::from(i) % pool.len()]
}

fn port_sets() -> [Value; 9] {
    [
        json!([{"name": "a", "port": 8675, "protocol": "TCP"}]),
        json!([{"name": "a", "port": 8675, "protocol": "TCP"}, {"name": "b", "port": 309, "protocol": "TCP"}]),
        json!([{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]),
        json!([{"port": 8080, "protocol": "TCP"}]),
        json!([{"name": "http", "port": 80, "protocol": "TCP", "appProtocol": "http"}, {"name": "https", "port": 443, "protocol": "TCP"}, {"name": "metrics", "port": 9090}]),
        json!([]),
        // the same key twice: a duplicate entry
        json!([{"name": "a", "port": 8675, "protocol": "TCP"}, {"name": "a", "port": 8675, "protocol": "UDP"}]),
        // an explicit empty name: the same key as an absent one
        json!([{"name": "", "port": 8080}]),
        // a key field of the wrong type
        json!([{"name": "a", "port": "8675"}]),
    ]
}

fn target_refs(i: u8, n: usize) -> Value {
    match i % 3 {
        0 => json!({"kind": "Pod", "name": format!("p{n}")}),
        1 => {
            json!({"kind": "Pod", "name": format!("p{n}"), "namespace": "default", "uid": format!("u-{n}")})
        }
        _ => json!({"kind": "Pod", "name": "p2", "fieldPath": "spec"}),
    }
}

fn address(ip: String, options: u8, n: usize) -> Value {
    let mut a = json!({"ip": ip});
    match options & 0b11 {
        1 => a["nodeName"] = json!("node-1"),
        2 => a["nodeName"] = json!(format!("node-{}", n % 7)),
        _ => {}
    }
    match (options >> 2) & 0b11 {
        0 => {}
        i => a["targetRef"] = target_refs(i - 1, n),
    }
    if options & 0b1_0000 != 0 {
        a["hostname"] = json!(format!("h{n}"));
    }
    a
}

impl Addresses {
    fn build(&self, net: u8) -> Vec<Value> {
        let n = usize::from(self.count / LONG_RUN_ONE_IN);
        let count = if self.count % LONG_RUN_ONE_IN == LONG_RUN_ONE_IN - 1 {
            n % (MAX_ADDRESSES + 1)
        } else {
            n % (SMALL_ADDRESSES + 1)
        };
        let stride = usize::from(self.stride.max(1));
        let vary = self.options >> 6;
        let mut out: Vec<Value> = (0..count)
            .map(|i| {
                let n = (usize::from(self.start) + i * stride) % 65536;
                let ip = format!("10.{net}.{}.{}", n / 256, n % 256);
                let options = if vary == 0 {
                    self.options
                } else {
                    self.options ^ ((i % 4) as u8 * vary)
                };
                address(ip, options, n)
            })
            .collect();
        if self.options & 0b10_0000 != 0
            && let Some(first) = out.first().cloned()
        {
            out.push(first);
        }
        out
    }
}

impl Subset {
    fn build(&self) -> Value {
        let mut ports = pick(&port_sets(), self.ports).clone();
        if let Some(list) = ports.as_array_mut() {
            for (i, p) in list.iter_mut().enumerate() {
                if self.port_edits & (1 << i.min(2)) != 0
                    && let Some(p) = p.as_object_mut()
                {
                    p.remove("protocol");
                }
            }
            if self.port_edits & 0b1000 != 0 {
                list.reverse();
            }
        }
        let mut subset = json!({"ports": ports});
        if let Some(a) = &self.addresses {
            subset["addresses"] = json!(a.build(0));
        }
        if let Some(a) = &self.not_ready {
            subset["notReadyAddresses"] = json!(a.build(1));
        }
        subset
    }
}

impl Config {
    fn build(&self, manager: &str) -> Value {
        let mut metadata = Map::new();
        let name = if self.odd & 1 != 0 { "other" } else { "web" };
        metadata.insert("name".into(), json!(name));
        if self.odd & 0b10 == 0 {
            metadata.insert("namespace".into(), json!("default"));
        }
        let mut labels = Map::new();
        for (k, v) in &self.labels {
            let value = v.map_or(Value::Null, |v| json!(pick(&LABEL_VALUES, v)));
            labels.insert(pick(&LABEL_KEYS, *k).to_string(), value);
        }
        if !labels.is_empty() || self.labels_even_empty {
            metadata.insert("labels".into(), Value::Object(labels));
        }
        let mut annotations = Map::new();
        for (k, v) in &self.annotations {
            let value = match v % 3 {
                0 => manager.to_string(),
                1 => format!("{v}"),
                _ => "{\"kind\":\"Endpoints\"}".to_string(),
            };
            annotations.insert(pick(&ANNOTATION_KEYS, *k).to_string(), json!(value));
        }
        if !annotations.is_empty() {
            metadata.insert("annotations".into(), Value::Object(annotations));
        }
        let finalizers: Vec<&str> = self
            .finalizers
            .iter()
            .map(|&f| *pick(&FINALIZERS, f))
            .collect();
        if !finalizers.is_empty() || self.finalizers_even_empty {
            metadata.insert("finalizers".into(), json!(finalizers));
        }
        if self.odd & 0b100 != 0 {
            metadata.insert("managedFields".into(), Value::Null);
        }
        let mut config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata});
        let subsets: Vec<Value> = self.subsets.iter().take(4).map(Subset::build).collect();
        if !subsets.is_empty() || self.subsets_even_empty {
            config["subsets"] = json!(subsets);
        }
        config
    }
}

impl Change {
    fn request(&self) -> (&'static str, Value) {
        const MERGE: &str = "application/merge-patch+json";
        const STRATEGIC: &str = "application/strategic-merge-patch+json";
        const JSON: &str = "application/json-patch+json";
        let value = |v: &Option<u8>| v.map_or(Value::Null, |v| json!(pick(&LABEL_VALUES, v)));
        match self {
            Change::MergeLabel(k, v) => (
                MERGE,
                json!({"metadata": {"labels": {*pick(&LABEL_KEYS, *k): value(v)}}}),
            ),
            Change::MergeAnnotation(k, v) => (
                MERGE,
                json!({"metadata": {"annotations": {*pick(&ANNOTATION_KEYS, *k): value(v)}}}),
            ),
            Change::StrategicSubset(s) => (STRATEGIC, json!({"subsets": [s.build()]})),
            Change::StrategicDeleteLabel(k) => (
                STRATEGIC,
                json!({"metadata": {"labels": {*pick(&LABEL_KEYS, *k): null}}}),
            ),
            Change::JsonRemoveSubset(n) => (
                JSON,
                json!([{"op": "remove", "path": format!("/subsets/{}", n % 4)}]),
            ),
            Change::JsonAddFinalizer(f) => (
                JSON,
                json!([{"op": "add", "path": "/metadata/finalizers/-", "value": pick(&FINALIZERS, *f)}]),
            ),
            Change::JsonReplaceAddress(n) => (
                JSON,
                json!([{"op": "replace", "path": "/subsets/0/addresses/0", "value": {"ip": format!("10.9.9.{n}")}}]),
            ),
        }
    }
}

#[allow(clippy::result_large_err)] // kubepatch's Error, as the library returns it
fn apply(
    live: Option<&Value>,
    manager: &str,
    body: &[u8],
    force: bool,
    second: u64,
) -> Result<Outcome, Error> {
    let mut params = PatchParams::apply(manager);
    if force {
        params = params.force();
    }
    let clock = clock(second);
    let mut request = PatchRequest::new(APPLY, body).params(params).clock(&clock);
    if let Some(l) = live {
        request = request.live(l);
    }
    request.run()
}

/// `managedFields` lists every identity once: manager, operation,
/// subresource, and the apiVersion of an Update (an applier's apiVersion is
/// not part of its identity).
fn assert_identities_unique(object: &Value) {
    let Some(entries) = object["metadata"]["managedFields"].as_array() else {
        return;
    };
    let mut seen = BTreeSet::new();
    for e in entries {
        let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let operation = text("operation");
        let api_version = if operation == "Apply" {
            String::new()
        } else {
            text("apiVersion")
        };
        let identity = (text("manager"), operation, text("subresource"), api_version);
        assert!(
            seen.insert(identity.clone()),
            "managedFields lists {identity:?} twice: {}",
            object["metadata"]["managedFields"]
        );
    }
}

/// The check on an apply's error: the contract, and no 409 when forced.
fn check_apply_error(e: &Error, force: bool, manager: &str, config: &Value) {
    check_error(e);
    assert!(
        !(force && e.code() == 409),
        "a forced apply by {manager} conflicted: {e}\nconfig: {config}"
    );
}

/// The target's checks on one input.
pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(sequence) = Sequence::arbitrary(&mut u) else {
        return;
    };
    let managers = &MANAGERS[..2 + usize::from(sequence.managers % 3)];
    let mut last: Vec<Option<Config>> = vec![None; managers.len()];
    let mut live: Option<Value> = None;
    for (step, op) in sequence.steps.iter().take(MAX_STEPS).enumerate() {
        let second = step as u64 * 2;
        let (manager, force, config) = match op {
            Step::Update { manager, change } => {
                let who = usize::from(*manager) % (managers.len() + 1);
                let who = managers.get(who).copied().unwrap_or(EDITOR);
                if let Some(next) = update(live.as_ref(), who, change, second) {
                    live = Some(next);
                }
                continue;
            }
            Step::Apply {
                manager,
                force,
                config,
            } => {
                let i = usize::from(*manager) % managers.len();
                last[i] = Some(config.clone());
                (managers[i], *force, config.clone())
            }
            Step::Reapply { manager, force } => {
                let i = usize::from(*manager) % managers.len();
                let Some(config) = &last[i] else { continue };
                (managers[i], *force, config.clone())
            }
        };
        let config = config.build(manager);
        let body = serde_json::to_vec(&config).expect("a configuration serializes");
        let before = live.clone();
        let result = apply(live.as_ref(), manager, &body, force, second);
        assert_eq!(live, before, "the live object was modified");
        let out = match result {
            Ok(out) => out,
            Err(e) => {
                check_apply_error(&e, force, manager, &config);
                continue;
            }
        };
        let expected = if live.is_none() { 201 } else { 200 };
        assert_eq!(out.code, expected, "apply by {manager} of {config}");
        assert_identities_unique(&out.object);
        // The same configuration again, by the same manager: nothing changes.
        match apply(Some(&out.object), manager, &body, force, second + 1) {
            Ok(again) => {
                assert_eq!(again.code, 200);
                assert!(
                    again.object == out.object,
                    "re-applying changed the object\nmanager: {manager} force: {force}\nconfig: {config}\nlive:   {}\nfirst:  {}\nsecond: {}",
                    live.as_ref().map_or("none".to_string(), Value::to_string),
                    out.object,
                    again.object
                );
            }
            Err(e) => panic!(
                "re-applying failed: {e}\nmanager: {manager} force: {force}\nconfig: {config}\nobject: {}",
                out.object
            ),
        }
        live = Some(out.object);
    }
}

/// An Update by `manager`; the new object, if it succeeds.
fn update(live: Option<&Value>, manager: &str, change: &Change, second: u64) -> Option<Value> {
    let (content_type, patch) = change.request();
    let body = serde_json::to_vec(&patch).expect("a patch serializes");
    let clock = clock(second);
    let before = live.cloned();
    let mut request = PatchRequest::new(content_type, &body)
        .params(PatchParams::default().field_manager(manager))
        .clock(&clock);
    if let Some(l) = live {
        request = request.live(l);
    }
    let result = request.run();
    assert_eq!(live, before.as_ref(), "the live object was modified");
    match result {
        Ok(out) => {
            assert_eq!(out.code, 200, "{content_type} by {manager}: {patch}");
            assert_identities_unique(&out.object);
            Some(out.object)
        }
        Err(e) => {
            check_error(&e);
            None
        }
    }
}
