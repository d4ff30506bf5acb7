//! A sequence of server-side applies of small Endpoints configurations, built
//! from the bytes (no `arbitrary`): labels, finalizers and subsets whose
//! ports and addresses come from small pools, by 2–3 managers with force
//! bits, sometimes interleaved with an Update (merge, strategic or JSON
//! patch by `kubectl-edit`). Each request goes through `PatchRequest`.
//!
//! Checked at every step: no panic; errors are 4xx/5xx whose `to_status()`
//! agrees with `code()`; a success answers 201 when it creates and 200
//! otherwise; and every successful apply, applied again at once by the same
//! manager with the same configuration and force (one second later), answers
//! 200 with an identical object (nothing changed, managedFields times
//! included).
//!
//! Layout: a header byte (bit 0: three managers instead of two), then steps.
//! A step is an op byte (bits 0-1 manager, bit 2 force, bits 3-4 both set: an
//! Update instead, kind in bits 5-6) followed by the configuration's bytes
//! (see `config`). Missing bytes read as 0.

#![no_main]

use kubepatch::{PatchParams, PatchRequest};
use kubepatch_fuzz::{check_error, clock};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

const APPLY: &str = "application/apply-patch+yaml";
const MANAGERS: [&str; 3] = ["ctrl-a", "ctrl-b", "ctrl-c"];
const EDITOR: &str = "kubectl-edit";
const LABEL_KEYS: [&str; 3] = ["app", "tier", "env"];
const FINALIZERS: [&str; 3] = ["example.com/a", "example.com/b", "example.com/c"];
const MAX_STEPS: usize = 12;

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `KUBEPATCH_FUZZ_NO_NULL_LABELS=1` writes `z` where a configuration would
/// carry a `null` label: a `null` label that empties a map another manager
/// owns breaks re-apply (tests/fuzz_regressions.rs); this lets the fuzzer
/// look past that known failure.
fn known_issue_null_labels_off() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| std::env::var_os("KUBEPATCH_FUZZ_NO_NULL_LABELS").is_some_and(|v| v == "1"))
}

fn port_sets() -> [Value; 8] {
    [
        json!([{"name": "a", "port": 8675, "protocol": "TCP"}]),
        json!([{"name": "a", "port": 8675, "protocol": "TCP"}, {"name": "b", "port": 309, "protocol": "TCP"}]),
        json!([{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]),
        json!([{"port": 8080, "protocol": "TCP"}]),
        json!([]),
        // the same key twice: a duplicate entry
        json!([{"name": "a", "port": 8675, "protocol": "TCP"}, {"name": "a", "port": 8675, "protocol": "UDP"}]),
        // an explicit empty name: the same key as an absent one
        json!([{"name": "", "port": 8080}]),
        // a key field of the wrong type
        json!([{"name": "a", "port": "8675"}]),
    ]
}

fn target_refs() -> [Value; 3] {
    [
        json!({"kind": "Pod", "name": "p1"}),
        json!({"kind": "Pod", "name": "p1", "namespace": "default", "uid": "u-1"}),
        json!({"kind": "Pod", "name": "p2", "fieldPath": "spec"}),
    ]
}

fn address(ip: &str, options: u8) -> Value {
    let mut a = json!({"ip": ip});
    match options & 0b11 {
        1 => a["nodeName"] = json!("node-1"),
        2 => a["nodeName"] = json!("node-2"),
        _ => {}
    }
    match (options >> 2) & 0b11 {
        0 => {}
        i => a["targetRef"] = target_refs()[usize::from(i - 1)].clone(),
    }
    if options & 0b1_0000 != 0 {
        a["hostname"] = json!("h");
    }
    a
}

/// One Endpoints apply configuration for `manager`.
///
/// - labels byte: bits 0-5 three labels (absent, `x`, `y`, null), bit 6 the
///   map even when empty, bit 7 the manager's own annotation;
/// - finalizers byte: bits 0-2 which, bits 3-4 rotation, bit 5 the list even
///   when empty, bit 6 the first one twice;
/// - metadata byte: bits 0-1 both set: name `other`, bit 2 no namespace,
///   bit 3 `managedFields: null`, bits 5-6 subsets (0-3), bit 7 `subsets`
///   even when empty;
/// - per subset: ports byte (pool index, bits 4-6 drop `protocol`, bit 7
///   reverse), addresses byte (bits 0-4 which of 10.0.0.1-5, bit 5 a not-ready
///   address, bit 6 the first twice, bit 7 no `addresses`), options byte.
fn config(b: &mut Bytes, manager: &str) -> Value {
    let labels_byte = b.byte();
    let fin_byte = b.byte();
    let meta_byte = b.byte();

    let mut labels = Map::new();
    for (i, key) in LABEL_KEYS.iter().enumerate() {
        match (labels_byte >> (2 * i)) & 0b11 {
            1 => labels.insert(key.to_string(), json!("x")),
            2 => labels.insert(key.to_string(), json!("y")),
            3 if known_issue_null_labels_off() => labels.insert(key.to_string(), json!("z")),
            3 => labels.insert(key.to_string(), Value::Null),
            _ => None,
        };
    }
    let name = if meta_byte & 0b11 == 0b11 {
        "other"
    } else {
        "web"
    };
    let mut metadata = json!({"name": name});
    if meta_byte & 0b100 == 0 {
        metadata["namespace"] = json!("default");
    }
    if labels_byte & 0b1000_0000 != 0 {
        metadata["annotations"] = json!({format!("example.com/owner-{manager}"): "yes"});
    }
    if !labels.is_empty() || labels_byte & 0b100_0000 != 0 {
        metadata["labels"] = Value::Object(labels);
    }
    let mut finalizers: Vec<&str> = (0..3)
        .filter(|i| fin_byte & (1 << i) != 0)
        .map(|i| FINALIZERS[i])
        .collect();
    if !finalizers.is_empty() {
        let r = usize::from((fin_byte >> 3) & 0b11) % finalizers.len();
        finalizers.rotate_left(r);
        if fin_byte & 0b100_0000 != 0 {
            finalizers.push(finalizers[0]);
        }
    }
    if !finalizers.is_empty() || fin_byte & 0b10_0000 != 0 {
        metadata["finalizers"] = json!(finalizers);
    }
    if meta_byte & 0b1000 != 0 {
        metadata["managedFields"] = Value::Null;
    }
    let mut config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata});

    let count = (meta_byte >> 5) & 0b11;
    let mut subsets = Vec::new();
    for _ in 0..count {
        let ports_byte = b.byte();
        let addr_byte = b.byte();
        let opt_byte = b.byte();
        let sets = port_sets();
        let mut ports = sets[usize::from(ports_byte & 0b1111) % sets.len()].clone();
        if let Some(list) = ports.as_array_mut() {
            for (i, p) in list.iter_mut().enumerate() {
                if ports_byte & (0b1_0000 << i.min(2)) != 0 {
                    p.as_object_mut().unwrap().remove("protocol");
                }
            }
            if ports_byte & 0b1000_0000 != 0 {
                list.reverse();
            }
        }
        let mut addresses: Vec<Value> = (0..5)
            .filter(|i| addr_byte & (1 << i) != 0)
            .map(|i| address(&format!("10.0.0.{}", i + 1), opt_byte.rotate_left(i)))
            .collect();
        if addr_byte & 0b100_0000 != 0
            && let Some(first) = addresses.first().cloned()
        {
            addresses.push(first);
        }
        let mut subset = json!({"ports": ports});
        if addr_byte & 0b1000_0000 == 0 {
            subset["addresses"] = json!(addresses);
        }
        if addr_byte & 0b10_0000 != 0 {
            subset["notReadyAddresses"] = json!([address("10.0.1.1", opt_byte >> 5)]);
        }
        subsets.push(subset);
    }
    if !subsets.is_empty() || meta_byte & 0b1000_0000 != 0 {
        config["subsets"] = json!(subsets);
    }
    config
}

#[allow(clippy::result_large_err)] // kubepatch's Error, as the library returns it
fn apply(
    live: Option<&Value>,
    manager: &str,
    body: &[u8],
    force: bool,
    second: u64,
) -> Result<kubepatch::Outcome, kubepatch::Error> {
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

/// An Update by `kubectl-edit`: a label by merge patch, an address by
/// strategic merge patch, or removing the first subset by JSON patch.
fn update(live: &Value, kind: u8, b: &mut Bytes, second: u64) -> Option<Value> {
    let arg = b.byte();
    let (content_type, patch) = match kind {
        0 | 3 => {
            let key = LABEL_KEYS[usize::from(arg & 0b11) % 3];
            let value = [json!("x"), json!("y"), json!("z"), Value::Null]
                [usize::from(arg >> 2) & 0b11]
                .clone();
            (
                "application/merge-patch+json",
                json!({"metadata": {"labels": {key: value}}}),
            )
        }
        1 => {
            let sets = port_sets();
            let ports = sets[usize::from(arg & 0b1111) % sets.len()].clone();
            let ip = format!("10.0.0.{}", 1 + (arg >> 4) % 6);
            (
                "application/strategic-merge-patch+json",
                json!({"subsets": [{"addresses": [{"ip": ip}], "ports": ports}]}),
            )
        }
        _ => (
            "application/json-patch+json",
            json!([{"op": "remove", "path": format!("/subsets/{}", arg % 3)}]),
        ),
    };
    let body = serde_json::to_vec(&patch).unwrap();
    let clock = clock(second);
    let before = live.clone();
    let result = PatchRequest::new(content_type, &body)
        .live(live)
        .params(PatchParams::default().field_manager(EDITOR))
        .clock(&clock)
        .run();
    assert_eq!(live, &before, "the live object was modified");
    match result {
        Ok(out) => {
            assert_eq!(out.code, 200);
            Some(out.object)
        }
        Err(e) => {
            check_error(&e);
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let managers = &MANAGERS[..2 + usize::from(b.byte() & 1)];
    let mut live: Option<Value> = None;
    let mut steps = 0;
    while !b.is_empty() && steps < MAX_STEPS {
        let second = steps as u64 * 2;
        steps += 1;
        let op = b.byte();
        if op & 0b1_1000 == 0b1_1000
            && let Some(current) = &live
        {
            if let Some(next) = update(current, (op >> 5) & 0b11, &mut b, second) {
                live = Some(next);
            }
            continue;
        }
        let manager = managers[usize::from(op & 0b11) % managers.len()];
        let force = op & 0b100 != 0;
        let config = config(&mut b, manager);
        let body = serde_json::to_vec(&config).unwrap();
        let before = live.clone();
        let result = apply(live.as_ref(), manager, &body, force, second);
        assert_eq!(live, before, "the live object was modified");
        let out = match result {
            Ok(out) => out,
            Err(e) => {
                check_error(&e);
                continue;
            }
        };
        let expected = if live.is_none() { 201 } else { 200 };
        assert_eq!(out.code, expected, "apply by {manager} of {config}");
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
});
