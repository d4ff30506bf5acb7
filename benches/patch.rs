//! The full PATCH request path (`PatchRequest::new(ct, body).live(&obj).run()`)
//! on core/v1 Endpoints of 10, 1,000 and 10,000 addresses.
//!
//! - `json_patch/small`: add an annotation, replace one address's `nodeName`,
//!   append an address;
//! - `merge_patch/labels`: change, add and remove labels;
//! - `merge_patch/subsets-wholesale`: replace `subsets` with a list of the
//!   same size (every address moved to another node), as a merge patch must.
//!
//! Kept short (20 samples, 2 s each) so `cargo bench --bench patch` takes a
//! few minutes at most on two cores.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

#[path = "fixtures/mod.rs"]
mod fixtures;

const SIZES: [usize; 3] = [10, 1_000, 10_000];

const JSON_PATCH: &str = "application/json-patch+json";
const MERGE_PATCH: &str = "application/merge-patch+json";

/// Add an annotation, move the first address to another node, append an address.
fn small_json_patch(addresses: usize) -> Vec<u8> {
    serde_json::to_vec(&json!([
        {"op": "add", "path": "/metadata/annotations/bench.kubepatch.io~1touched", "value": "2024-05-01T12:30:00Z"},
        {"op": "replace", "path": "/subsets/0/addresses/0/nodeName", "value": "node-999"},
        {"op": "add", "path": "/subsets/0/addresses/-", "value": fixtures::address(addresses)}
    ]))
    .unwrap()
}

/// Change one label, add one, remove one.
fn labels_merge_patch() -> Vec<u8> {
    serde_json::to_vec(&json!({"metadata": {"labels": {
        "tier": "frontend",
        "release": "canary",
        "endpointslice.kubernetes.io/skip-mirror": null
    }}}))
    .unwrap()
}

/// `subsets` of the same shape with every address on the next node.
fn subsets_merge_patch(addresses: usize) -> Vec<u8> {
    let mut subsets = fixtures::endpoints(addresses)["subsets"].take();
    let mut i = 0;
    for subset in subsets.as_array_mut().unwrap() {
        for address in subset["addresses"].as_array_mut().unwrap() {
            address["nodeName"] = Value::String(fixtures::node_name(i + 1));
            i += 1;
        }
    }
    serde_json::to_vec(&json!({"subsets": subsets})).unwrap()
}

/// Run the request once outside the timing, so a bench never measures an error.
fn checked(content_type: &str, body: &[u8], live: &Value) -> Value {
    fixtures::run_once(content_type, content_type, body, live)
}

fn json_patch(c: &mut Criterion) {
    let mut group = c.benchmark_group("json_patch");
    for n in SIZES {
        let live = fixtures::endpoints(n);
        assert_eq!(fixtures::count_addresses(&live), n);
        let body = small_json_patch(n);
        let out = checked(JSON_PATCH, &body, &live);
        assert_eq!(fixtures::count_addresses(&out), n + 1);
        assert_eq!(out["subsets"][0]["addresses"][0]["nodeName"], "node-999");
        group.bench_with_input(BenchmarkId::new("small", n), &n, |b, _| {
            b.iter(|| fixtures::request(JSON_PATCH, &body, &live))
        });
    }
    group.finish();
}

fn merge_patch(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge_patch");
    for n in SIZES {
        let live = fixtures::endpoints(n);
        let labels = labels_merge_patch();
        let out = checked(MERGE_PATCH, &labels, &live);
        assert_eq!(out["metadata"]["labels"]["tier"], "frontend");
        group.bench_with_input(BenchmarkId::new("labels", n), &n, |b, _| {
            b.iter(|| fixtures::request(MERGE_PATCH, &labels, &live))
        });
    }
    for n in SIZES {
        let live = fixtures::endpoints(n);
        let subsets = subsets_merge_patch(n);
        let out = checked(MERGE_PATCH, &subsets, &live);
        assert_eq!(fixtures::count_addresses(&out), n);
        assert_eq!(
            out["subsets"][0]["addresses"][0]["nodeName"],
            fixtures::node_name(1)
        );
        group.bench_with_input(BenchmarkId::new("subsets-wholesale", n), &n, |b, _| {
            b.iter(|| fixtures::request(MERGE_PATCH, &subsets, &live))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = fixtures::short(20, Duration::from_secs(2));
    targets = json_patch, merge_patch
}
criterion_main!(benches);
