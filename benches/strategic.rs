//! Strategic merge patch through the full PATCH request path
//! (`PatchRequest::new(ct, body).live(&obj).run()`, built-in Endpoints
//! schema) on core/v1 Endpoints of 10, 1,000 and 10,000 addresses.
//!
//! `strategic_merge/touch-1pct`: one patch subset carrying the first
//! subset's port set (so it merges into that subset, addresses by `ip`) that
//! touches 1% of all addresses (at least one change and one addition): half
//! move an existing address to another node, half add a new address.
//!
//! Kept short (20 samples, 2 s each) so `cargo bench --bench strategic`
//! takes about a minute.

use std::collections::HashMap;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

#[path = "fixtures/mod.rs"]
mod fixtures;

const SIZES: [usize; 3] = [10, 1_000, 10_000];

const STRATEGIC: &str = "application/strategic-merge-patch+json";

/// What a patch does: (ip, new nodeName) of moved addresses, and new addresses.
struct Touch {
    moved: Vec<(String, String)>,
    added: Vec<Value>,
}

/// 1% of `addresses` (at least one of each kind): half move an existing
/// address of the first subset to the next node, half add a new address.
fn touch(addresses: usize) -> Touch {
    let touched = (addresses / 100).max(1);
    let moves = (touched / 2).max(1);
    let adds = (touched - touched / 2).max(1);
    let first_subset = fixtures::subset_sizes(addresses)[0];
    let moved = (0..moves)
        .map(|k| {
            let i = k * first_subset / moves;
            let ip = fixtures::address(i)["ip"].as_str().unwrap().to_string();
            (ip, fixtures::node_name(i + 1))
        })
        .collect();
    let added = (0..adds)
        .map(|k| fixtures::address(addresses + k))
        .collect();
    Touch { moved, added }
}

/// The patch: one subset with the first subset's ports, the moved addresses
/// (ip and nodeName only) and the new ones.
fn strategic_patch(t: &Touch) -> Vec<u8> {
    let mut addresses: Vec<Value> = t
        .moved
        .iter()
        .map(|(ip, node)| json!({"ip": ip, "nodeName": node}))
        .collect();
    addresses.extend(t.added.iter().cloned());
    serde_json::to_vec(&json!({"subsets": [{
        "addresses": addresses,
        "ports": fixtures::ports(0),
    }]}))
    .unwrap()
}

/// Run the request once outside the timing and check what it did.
fn check(live: &Value, body: &[u8], t: &Touch) {
    let n = fixtures::count_addresses(live);
    let out = fixtures::run_once("strategic merge", STRATEGIC, body, live);
    assert_eq!(fixtures::count_addresses(&out), n + t.added.len());
    assert_eq!(
        out["subsets"].as_array().unwrap().len(),
        live["subsets"].as_array().unwrap().len(),
        "the patch subset must merge into an existing one"
    );
    let first = out["subsets"][0]["addresses"].as_array().unwrap();
    let by_ip: HashMap<&str, &Value> = first
        .iter()
        .map(|a| (a["ip"].as_str().unwrap(), a))
        .collect();
    for (ip, node) in &t.moved {
        assert_eq!(by_ip[ip.as_str()]["nodeName"], node.as_str());
    }
    for a in &t.added {
        assert!(by_ip.contains_key(a["ip"].as_str().unwrap()));
    }
}

fn strategic_merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("strategic_merge");
    for n in SIZES {
        let live = fixtures::endpoints(n);
        assert_eq!(fixtures::count_addresses(&live), n);
        let t = touch(n);
        let body = strategic_patch(&t);
        check(&live, &body, &t);
        group.bench_with_input(BenchmarkId::new("touch-1pct", n), &n, |b, _| {
            b.iter(|| fixtures::request(STRATEGIC, &body, &live))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = fixtures::short(20, Duration::from_secs(2));
    targets = strategic_merge
}
criterion_main!(benches);
