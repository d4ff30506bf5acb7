//! Seeded random values and Kubernetes objects for the generated tests.
//!
//! - [`Rng`]: the splitmix64 PRNG every generated test draws from;
//! - the vocabularies ([`KEYS`], [`WORDS`], and the pools of images,
//!   finalizers, container, volume and port names);
//! - base objects: [`endpoints`], [`pod`], [`configmap`], [`service`],
//!   [`deployment`], and their parts ([`metadata`], [`container`], [`subset`] …);
//! - free-form values for patch bodies: [`value`], [`scalar`],
//!   [`object_with_nulls`], [`list`].
//!
//! The kubectl differential suites (`tests/kubectl_diff.rs`, JSON and merge
//! patches, and `tests/smp_kubectl_diff.rs`, strategic merge) build their base
//! objects here and their patches themselves; `tests/apply_properties.rs`
//! uses the PRNG.
//!
//! What is generated goes through kubectl unchanged: no floats (kubectl
//! re-reads `-p` through YAML, where `1.0` becomes `1`) and no string that
//! YAML 1.1 would read as another type. Base objects keep their lists of
//! keyed elements free of duplicate keys and their finalizers distinct
//! (duplicates are implementation-defined in strategic merge, spec §8.2).

// Every test binary that says `mod common;` compiles this module; each uses
// only part of it.
#![allow(dead_code)]

use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------
// Deterministic PRNG (splitmix64).

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index into `weights`, chosen with those weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut r = self.next() % total;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// `n` distinct items of `items`, in random order.
    pub fn sample<T: Clone>(&mut self, items: &[T], n: usize) -> Vec<T> {
        let mut all = items.to_vec();
        self.shuffle(&mut all);
        all.truncate(n.min(items.len()));
        all
    }

    /// A random subsequence (order kept), each item with probability `percent`.
    pub fn subsequence<T: Clone>(&mut self, items: &[T], percent: u64) -> Vec<T> {
        items
            .iter()
            .filter(|_| self.chance(percent))
            .cloned()
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Vocabularies.

/// Map keys (labels, annotations, selectors, data, free-form members): label
/// keys, keys a JSON pointer must escape (`/`, `~`) or that a pointer could
/// take for an array index (`-`, `0`, `01`). None is a member kube-apiserver
/// checks or restores, none is `items`, none starts with `$`.
pub const KEYS: &[&str] = &[
    "app",
    "tier",
    "team",
    "env",
    "zone",
    "version",
    "example.com/owner",
    "a/b",
    "c~d",
    "~1",
    "x.io/y~z",
    "-",
    "01",
    "0",
];

/// String values: nothing YAML 1.1 would read as another type.
pub const WORDS: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "web", "db", "cache", "frontend", "backend", "blue",
    "green", "canary", "a/b", "c~d", "", "nginx", "redis",
];

pub const IMAGES: &[&str] = &[
    "nginx:1.25",
    "nginx:1.27",
    "redis:7",
    "busybox:1.36",
    "envoy:1.30",
];

pub const FINALIZERS: &[&str] = &[
    "example.com/a",
    "example.com/b",
    "example.com/c",
    "kubernetes.io/pvc-protection",
    "foregroundDeletion",
];

pub const CONTAINER_NAMES: &[&str] = &["app", "sidecar", "proxy", "init", "logger", "metrics"];
pub const VOLUME_NAMES: &[&str] = &["data", "config", "cache", "tmp", "secrets"];
pub const CONTAINER_PORTS: &[i64] = &[80, 443, 8080, 9090, 53];
pub const SERVICE_PORTS: &[i64] = &[80, 443, 8080, 9090, 53, 5432];

/// A string value from [`WORDS`].
pub fn word(rng: &mut Rng) -> Value {
    Value::String(rng.pick(WORDS).to_string())
}

/// A map of `lo..=hi` draws of a key from [`KEYS`] and a [`word`] (a key
/// drawn twice is written once).
pub fn string_map(rng: &mut Rng, lo: usize, hi: usize) -> Value {
    let mut m = Map::new();
    for _ in 0..rng.range(lo, hi) {
        m.insert(rng.pick(KEYS).to_string(), word(rng));
    }
    Value::Object(m)
}

// ---------------------------------------------------------------------------
// Object metadata.

/// An owner reference with the uid `uid-<i>`.
pub fn owner_ref(rng: &mut Rng, i: usize) -> Value {
    let mut r = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "name": format!("rs-{}", rng.below(50)), "uid": format!("uid-{i}")});
    if rng.chance(40) {
        r["controller"] = json!(true);
    }
    if rng.chance(30) {
        r["blockOwnerDeletion"] = json!(rng.chance(50));
    }
    r
}

/// `metadata` named `name`: now and then a namespace, the system fields
/// kube-apiserver sets (uid and resourceVersion from `serial`), labels and
/// annotations (maybe empty, maybe `null`), distinct finalizers, and owner
/// references with distinct uids.
pub fn metadata(rng: &mut Rng, name: &str, serial: usize) -> Value {
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    if rng.chance(75) {
        meta.insert(
            "namespace".into(),
            json!(*rng.pick(&["default", "prod", "kube-system"])),
        );
    }
    if rng.chance(50) {
        meta.insert("uid".into(), json!(format!("0b1c2d3e-{serial:04}")));
    }
    if rng.chance(45) {
        meta.insert("resourceVersion".into(), json!(format!("{}", 100 + serial)));
    }
    if rng.chance(25) {
        meta.insert("creationTimestamp".into(), json!("2024-05-01T10:00:00Z"));
    }
    if rng.chance(25) {
        meta.insert("generation".into(), json!(rng.range(1, 9)));
    }
    for (member, percent, most) in [("labels", 70, 3), ("annotations", 45, 2)] {
        if rng.chance(percent) {
            meta.insert(member.into(), string_map(rng, 0, most));
        } else if rng.chance(10) {
            meta.insert(member.into(), Value::Null);
        }
    }
    if rng.chance(40) {
        let n = rng.range(0, 3);
        meta.insert("finalizers".into(), json!(rng.sample(FINALIZERS, n)));
    }
    if rng.chance(25) {
        let refs: Vec<Value> = (0..rng.range(1, 2)).map(|i| owner_ref(rng, i)).collect();
        meta.insert("ownerReferences".into(), Value::Array(refs));
    }
    Value::Object(meta)
}

/// A top-level object: `apiVersion`, `kind`, [`metadata`], then `rest`.
fn object(api_version: &str, kind: &str, meta: Value, rest: Map<String, Value>) -> Value {
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    obj.insert("metadata".into(), meta);
    obj.extend(rest);
    Value::Object(obj)
}

// ---------------------------------------------------------------------------
// Endpoints.

/// An address of subset `s`: `10.<s>.x.<i+1>`, maybe a node and a target.
pub fn address(rng: &mut Rng, s: usize, i: usize) -> Value {
    let mut a = json!({"ip": format!("10.{s}.{}.{}", rng.below(4), i + 1)});
    if rng.chance(40) {
        a["nodeName"] = json!(format!("node-{}", rng.below(3)));
    }
    if rng.chance(25) {
        a["targetRef"] = json!({"kind": "Pod", "name": format!("web-{i}"), "namespace": "default"});
    }
    a
}

/// A subset: 1–3 addresses, maybe a not-ready one, 1–2 ports.
pub fn subset(rng: &mut Rng, s: usize) -> Value {
    let addresses: Vec<Value> = (0..rng.range(1, 3)).map(|i| address(rng, s, i)).collect();
    let mut subset = json!({"addresses": addresses});
    if rng.chance(30) {
        subset["notReadyAddresses"] = json!([address(rng, s, 7)]);
    }
    let ports: Vec<Value> = (0..rng.range(1, 2))
        .map(|i| {
            let mut p = json!({"port": 8000 + 80 * i + rng.below(10), "protocol": *rng.pick(&["TCP", "UDP"])});
            if rng.chance(60) {
                p["name"] = json!(*rng.pick(&["http", "https", "metrics"]));
            }
            p
        })
        .collect();
    subset["ports"] = json!(ports);
    subset
}

/// An Endpoints object: 0–2 subsets (or an empty list), now and then an
/// unknown top-level field.
pub fn endpoints(rng: &mut Rng, serial: usize) -> Value {
    let name = *rng.pick(&["web", "api", "cache-1"]);
    let meta = metadata(rng, name, serial);
    let mut rest = Map::new();
    let n = rng.range(0, 2);
    if n > 0 || rng.chance(40) {
        let subsets: Vec<Value> = (0..n).map(|s| subset(rng, s)).collect();
        rest.insert("subsets".into(), Value::Array(subsets));
    }
    if rng.chance(8) {
        rest.insert("extra".into(), json!({"a": 1}));
    }
    object("v1", "Endpoints", meta, rest)
}

// ---------------------------------------------------------------------------
// Pods, and the pod spec of Deployments.

/// A volume source: its field name and value.
pub fn volume_source(rng: &mut Rng) -> (&'static str, Value) {
    match rng.below(5) {
        0 => ("emptyDir", json!({})),
        1 => ("emptyDir", json!({"medium": "Memory"})),
        2 => (
            "hostPath",
            json!({"path": format!("/var/lib/{}", rng.pick(&["a", "b"]))}),
        ),
        3 => ("configMap", json!({"name": "settings"})),
        _ => ("secret", json!({"secretName": "creds"})),
    }
}

/// A volume named `name` with a [`volume_source`].
pub fn volume(rng: &mut Rng, name: &str) -> Value {
    let (source, value) = volume_source(rng);
    let mut v = Map::new();
    v.insert("name".into(), json!(name));
    v.insert(source.into(), value);
    Value::Object(v)
}

/// A container named `name`, mounting some of `volumes` (their names).
pub fn container(rng: &mut Rng, name: &str, volumes: &[Value]) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    c.insert("image".into(), json!(*rng.pick(IMAGES)));
    if rng.chance(50) {
        let env: Vec<Value> = (0..rng.range(1, 3))
            .map(|j| json!({"name": format!("VAR_{j}"), "value": word(rng)}))
            .collect();
        c.insert("env".into(), Value::Array(env));
    }
    if rng.chance(50) {
        let n = rng.range(1, 2);
        let ports: Vec<Value> = rng
            .sample(CONTAINER_PORTS, n)
            .into_iter()
            .enumerate()
            .map(|(j, p)| {
                let mut port = json!({"containerPort": p, "protocol": if rng.chance(80) { "TCP" } else { "UDP" }});
                if rng.chance(50) {
                    port["name"] = json!(format!("p{j}"));
                }
                port
            })
            .collect();
        c.insert("ports".into(), Value::Array(ports));
    }
    if !volumes.is_empty() && rng.chance(50) {
        let mounts: Vec<Value> = rng
            .subsequence(volumes, 70)
            .iter()
            .map(|v| json!({"name": v, "mountPath": format!("/mnt/{}", v.as_str().unwrap_or(""))}))
            .collect();
        if !mounts.is_empty() {
            c.insert("volumeMounts".into(), Value::Array(mounts));
        }
    }
    if rng.chance(20) {
        c.insert("args".into(), json!(["--verbose", "--port=8080"]));
    }
    if rng.chance(30) {
        c.insert(
            "resources".into(),
            json!({"limits": {"cpu": "100m", "memory": "64Mi"}, "requests": {"cpu": "50m"}}),
        );
    }
    if rng.chance(20) {
        c.insert("imagePullPolicy".into(), json!("IfNotPresent"));
    }
    if rng.chance(10) {
        // A field no Go type has, holding an object.
        c.insert("extra".into(), json!({"a": 1}));
    }
    Value::Object(c)
}

/// A pod spec: 1–3 containers with distinct names, maybe an init
/// container, volumes, tolerations, a node selector and a few scalars.
pub fn pod_spec(rng: &mut Rng) -> Value {
    let mut spec = Map::new();
    let volumes: Vec<Value> = if rng.chance(50) {
        let n = rng.range(1, 2);
        rng.sample(VOLUME_NAMES, n)
            .into_iter()
            .map(|v| json!(v))
            .collect()
    } else {
        Vec::new()
    };
    let n = rng.range(1, 3);
    let names = rng.sample(CONTAINER_NAMES, n);
    let containers: Vec<Value> = names
        .iter()
        .map(|name| container(rng, name, &volumes))
        .collect();
    spec.insert("containers".into(), Value::Array(containers));
    if rng.chance(15) {
        spec.insert(
            "initContainers".into(),
            json!([{"name": "setup", "image": "busybox:1.36", "args": ["sh", "-c", "true"]}]),
        );
    }
    if !volumes.is_empty() {
        let vols: Vec<Value> = volumes
            .iter()
            .map(|v| volume(rng, v.as_str().unwrap_or("")))
            .collect();
        spec.insert("volumes".into(), Value::Array(vols));
    }
    if rng.chance(30) {
        let tolerations: Vec<Value> = (0..rng.range(1, 2))
            .map(|i| json!({"key": format!("dedicated-{i}"), "operator": "Exists", "effect": "NoSchedule"}))
            .collect();
        spec.insert("tolerations".into(), Value::Array(tolerations));
    }
    if rng.chance(30) {
        spec.insert(
            "nodeSelector".into(),
            json!({"disktype": "ssd", "zone": *rng.pick(&["a", "b"])}),
        );
    }
    if rng.chance(40) {
        spec.insert(
            "restartPolicy".into(),
            json!(*rng.pick(&["Always", "Never", "OnFailure"])),
        );
    }
    if rng.chance(20) {
        spec.insert("serviceAccountName".into(), json!("runner"));
    }
    if rng.chance(20) {
        spec.insert("terminationGracePeriodSeconds".into(), json!(30));
    }
    if rng.chance(8) {
        spec.insert("foo".into(), json!({"a": 1}));
    }
    Value::Object(spec)
}

/// A Pod: a [`pod_spec`], maybe a status, now and then an unknown field.
pub fn pod(rng: &mut Rng, serial: usize) -> Value {
    let name = *rng.pick(&["web-0", "worker", "db-primary"]);
    let meta = metadata(rng, name, serial);
    let mut rest = Map::new();
    rest.insert("spec".into(), pod_spec(rng));
    if rng.chance(30) {
        rest.insert(
            "status".into(),
            json!({"phase": "Running", "podIP": format!("10.1.0.{}", serial % 200),
                   "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}]}),
        );
    }
    if rng.chance(8) {
        rest.insert("extra".into(), json!({"a": 1}));
    }
    object("v1", "Pod", meta, rest)
}

// ---------------------------------------------------------------------------
// ConfigMaps, Services, Deployments.

/// A ConfigMap: string data (maybe empty), maybe `immutable`, now and then
/// a `null` member.
pub fn configmap(rng: &mut Rng, serial: usize) -> Value {
    let name = *rng.pick(&["settings", "app-config"]);
    let meta = metadata(rng, name, serial);
    let mut rest = Map::new();
    if rng.chance(85) {
        rest.insert("data".into(), string_map(rng, 0, 4));
    }
    if rng.chance(20) {
        rest.insert("immutable".into(), json!(rng.chance(50)));
    }
    if rng.chance(10) {
        rest.insert("extra".into(), Value::Null);
    }
    object("v1", "ConfigMap", meta, rest)
}

/// A Service port `port`/`protocol` named after both, maybe with a target port.
pub fn service_port(rng: &mut Rng, port: i64, protocol: &str) -> Value {
    let mut p = json!({"name": format!("{}-{port}", protocol.to_ascii_lowercase()), "port": port, "protocol": protocol});
    match rng.below(3) {
        0 => p["targetPort"] = json!(port + 8000),
        1 => p["targetPort"] = json!("http"),
        _ => {}
    }
    p
}

/// A Service: a selector, ports with distinct numbers (or DNS's 53/TCP and
/// 53/UDP, which share strategic merge's key), a type and a few scalars.
pub fn service(rng: &mut Rng, serial: usize) -> Value {
    let name = *rng.pick(&["web", "dns", "api"]);
    let meta = metadata(rng, name, serial);
    let mut spec = Map::new();
    if rng.chance(80) {
        spec.insert("selector".into(), string_map(rng, 1, 2));
    }
    if rng.chance(85) {
        let ports: Vec<Value> = if rng.chance(12) {
            vec![service_port(rng, 53, "TCP"), service_port(rng, 53, "UDP")]
        } else {
            let n = rng.range(1, 3);
            rng.sample(SERVICE_PORTS, n)
                .into_iter()
                .map(|p| service_port(rng, p, "TCP"))
                .collect()
        };
        spec.insert("ports".into(), Value::Array(ports));
    }
    if rng.chance(50) {
        spec.insert(
            "type".into(),
            json!(*rng.pick(&["ClusterIP", "NodePort", "LoadBalancer"])),
        );
    }
    if rng.chance(25) {
        spec.insert("clusterIP".into(), json!("10.96.0.10"));
    }
    if rng.chance(20) {
        spec.insert("sessionAffinity".into(), json!("ClientIP"));
    }
    if rng.chance(15) {
        spec.insert("externalIPs".into(), json!(["192.0.2.1"]));
    }
    if rng.chance(8) {
        spec.insert("foo".into(), json!({"a": 1}));
    }
    let mut rest = Map::new();
    rest.insert("spec".into(), Value::Object(spec));
    object("v1", "Service", meta, rest)
}

/// An `apps/v1` Deployment: a selector, a template with a [`pod_spec`], a
/// strategy (rolling, recreate or none), maybe a status.
pub fn deployment(rng: &mut Rng, serial: usize) -> Value {
    let name = *rng.pick(&["web", "api", "worker"]);
    let meta = metadata(rng, name, serial);
    let mut spec = Map::new();
    if rng.chance(80) {
        spec.insert("replicas".into(), json!(rng.range(1, 5)));
    }
    spec.insert(
        "selector".into(),
        json!({"matchLabels": {"app": name, "tier": *rng.pick(&["web", "db"])}}),
    );
    let mut template_meta = json!({"labels": {"app": name}});
    if rng.chance(30) {
        template_meta["annotations"] = json!({"example.com/rev": "1"});
    }
    spec.insert(
        "template".into(),
        json!({"metadata": template_meta, "spec": pod_spec(rng)}),
    );
    match rng.below(3) {
        0 => {
            let surge = if rng.chance(50) {
                json!(1)
            } else {
                json!("25%")
            };
            spec.insert(
                "strategy".into(),
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": 0}}),
            );
        }
        1 => {
            spec.insert("strategy".into(), json!({"type": "Recreate"}));
        }
        _ => {}
    }
    if rng.chance(20) {
        spec.insert("minReadySeconds".into(), json!(5));
    }
    if rng.chance(20) {
        spec.insert("revisionHistoryLimit".into(), json!(3));
    }
    if rng.chance(8) {
        spec.insert("foo".into(), json!({"a": 1}));
    }
    let mut rest = Map::new();
    rest.insert("spec".into(), Value::Object(spec));
    if rng.chance(20) {
        rest.insert(
            "status".into(),
            json!({"replicas": 2, "readyReplicas": 1, "observedGeneration": 1}),
        );
    }
    object("apps/v1", "Deployment", meta, rest)
}

// ---------------------------------------------------------------------------
// Free-form values.

/// A random value; objects may hold `null` members and arrays `null`
/// elements. Below `depth` 2 it may be an object or an array.
pub fn value(rng: &mut Rng, depth: usize) -> Value {
    let choice = if depth >= 2 {
        rng.weighted(&[3, 2, 1, 1, 0, 0])
    } else {
        rng.weighted(&[3, 2, 1, 1, 2, 2])
    };
    match choice {
        0 => word(rng),
        1 => json!(rng.below(100) as i64 - 5),
        2 => json!(rng.chance(50)),
        3 => Value::Null,
        4 => {
            let mut m = Map::new();
            for _ in 0..rng.range(0, 3) {
                m.insert(rng.pick(KEYS).to_string(), value(rng, depth + 1));
            }
            Value::Object(m)
        }
        _ => Value::Array(
            (0..rng.range(0, 3))
                .map(|_| value(rng, depth + 1))
                .collect(),
        ),
    }
}

/// A string, a small integer or a boolean.
pub fn scalar(rng: &mut Rng) -> Value {
    match rng.below(3) {
        0 => word(rng),
        1 => json!(rng.below(50)),
        _ => json!(rng.chance(50)),
    }
}

/// An object with `null` members, some nested, some in arrays.
pub fn object_with_nulls(rng: &mut Rng) -> Value {
    let mut m = Map::new();
    for _ in 0..rng.range(1, 3) {
        let v = match rng.below(5) {
            0 => Value::Null,
            1 => json!({"inner": null, "kept": word(rng)}),
            2 => json!([null, {"gone": null, "k": 1}]),
            _ => value(rng, 1),
        };
        m.insert(rng.pick(KEYS).to_string(), v);
    }
    Value::Object(m)
}

/// A list: scalars, objects with `null` members, `null` elements.
pub fn list(rng: &mut Rng) -> Value {
    Value::Array(
        (0..rng.range(0, 3))
            .map(|_| match rng.below(4) {
                0 => Value::Null,
                1 => object_with_nulls(rng),
                _ => value(rng, 1),
            })
            .collect(),
    )
}

/// An `apps/v1` StatefulSet: a service name, a selector, a template with a
/// [`pod_spec`], maybe an update strategy, a pod management policy and a
/// volume claim template (an atomic list), maybe a status.
pub fn statefulset(rng: &mut Rng, serial: usize) -> Value {
    let name = *rng.pick(&["db", "cache", "queue"]);
    let meta = metadata(rng, name, serial);
    let mut spec = Map::new();
    spec.insert("serviceName".into(), json!(name));
    if rng.chance(80) {
        spec.insert("replicas".into(), json!(rng.range(1, 5)));
    }
    spec.insert("selector".into(), json!({"matchLabels": {"app": name}}));
    spec.insert(
        "template".into(),
        json!({"metadata": {"labels": {"app": name}}, "spec": pod_spec(rng)}),
    );
    match rng.below(3) {
        0 => {
            spec.insert(
                "updateStrategy".into(),
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": rng.range(0, 3)}}),
            );
        }
        1 => {
            spec.insert("updateStrategy".into(), json!({"type": "OnDelete"}));
        }
        _ => {}
    }
    if rng.chance(40) {
        spec.insert(
            "podManagementPolicy".into(),
            json!(*rng.pick(&["OrderedReady", "Parallel"])),
        );
    }
    if rng.chance(50) {
        spec.insert(
            "volumeClaimTemplates".into(),
            json!([{"metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": format!("{}Gi", rng.range(1, 9))}}}}]),
        );
    }
    let mut rest = Map::new();
    rest.insert("spec".into(), Value::Object(spec));
    if rng.chance(20) {
        rest.insert(
            "status".into(),
            json!({"replicas": 2, "readyReplicas": 1, "currentRevision": format!("{name}-1")}),
        );
    }
    object("apps/v1", "StatefulSet", meta, rest)
}
