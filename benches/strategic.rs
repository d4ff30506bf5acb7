//! Strategic merge patch through the whole request
//! (`PatchRequest::run_on(live)`, built-in Endpoints schema) on core/v1
//! Endpoints of 10, 1,000, 10,000 and 100,000 addresses, untracked (no
//! managedFields) and tracked (two managers, one owning every address; see
//! `fixtures::tracked`). Group `strategic`:
//!
//! - `one-address/<tracking>/<n>`: one address moves to another node (one
//!   patch subset with the first subset's ports, so it merges into that
//!   subset, the address by `ip`). The case the target "a 1-address strategic
//!   patch costs at most a tenth of one clone of the 100,000-address object"
//!   is about: compare with `clone/<tracking>/<n>`;
//! - `one-percent/<tracking>/<n>`: 1 % of the addresses (at least one of
//!   each kind): half move to another node, half are new;
//! - `every-address/<tracking>/<n>`: every subset sent whole with every
//!   address on another node, as a controller rewriting the object sends it.
//!
//! On a tracked object the request also does Update tracking (field manager
//! `bench-patcher`). Beside each case, `strategic/floor/<case>/<tracking>/<n>`
//! is serde_json alone on the same bytes: parse the live object and the
//! patch, serialize the live object. The live object is cloned outside the
//! timing (`iter_batched`).
//!
//! Group `clone`, run first: `clone/<tracking>/<n>` is one clone of the live
//! object (`Value::clone`, dropped outside the timing), the unit of that
//! target.
//!
//! At 100,000 addresses the every-address patch (17 MB) is over the request
//! body limit (3 MiB, 413 as in kube-apiserver) and is left out; requests
//! one call of which takes over `KUBEPATCH_BENCH_BUDGET_SECS` (3 s by
//! default) are left out with a note giving that call's time. Set
//! `KUBEPATCH_BENCH_SIZES=10,1000` to run fewer sizes.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kubepatch::PatchRequest;
use serde_json::Value;

#[path = "fixtures/mod.rs"]
mod fixtures;

use fixtures::Tracking;

/// The addresses of `object` by ip.
fn by_ip(object: &Value) -> HashMap<&str, &Value> {
    object["subsets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["addresses"].as_array().unwrap())
        .map(|a| (a["ip"].as_str().unwrap(), a))
        .collect()
}

/// Check the outcome of the strategic case `case` on `live` (`n` addresses).
fn check(case: &str, n: usize, live: &Value, out: &Value) {
    assert_eq!(
        out["subsets"].as_array().unwrap().len(),
        live["subsets"].as_array().unwrap().len(),
        "the patch subsets must merge into existing ones"
    );
    let addresses = by_ip(out);
    match case {
        "one-address" => {
            assert_eq!(fixtures::count_addresses(out), n);
            let moved = addresses[fixtures::pod_ip(0).as_str()];
            assert_eq!(moved["nodeName"], fixtures::node_name(1));
            assert_eq!(moved["targetRef"], fixtures::address(0)["targetRef"]);
        }
        "one-percent" => {
            let t = fixtures::touch_percent(n);
            assert_eq!(fixtures::count_addresses(out), n + t.added);
            for (i, node) in &t.moved {
                assert_eq!(
                    addresses[fixtures::pod_ip(*i).as_str()]["nodeName"],
                    node.as_str()
                );
            }
            for i in n..n + t.added {
                assert!(addresses.contains_key(fixtures::pod_ip(i).as_str()));
            }
        }
        "every-address" => {
            assert_eq!(fixtures::count_addresses(out), n);
            for i in 0..n {
                assert_eq!(
                    addresses[fixtures::pod_ip(i).as_str()]["nodeName"],
                    fixtures::node_name(i + 1)
                );
            }
        }
        _ => unreachable!("no strategic case {case}"),
    }
}

fn strategic(c: &mut Criterion) {
    let mut group = c.benchmark_group("strategic");
    for n in fixtures::sizes() {
        fixtures::configure(&mut group, n);
        let cases = [
            ("one-address", fixtures::strategic_one()),
            ("one-percent", fixtures::strategic_percent(n)),
            ("every-address", fixtures::strategic_every(n)),
        ];
        for tracking in Tracking::BOTH {
            let live = tracking.live(n);
            let live_bytes = serde_json::to_vec(&live).unwrap();
            for (case, body) in &cases {
                let title = fixtures::title("strategic", case, tracking, n);
                if !fixtures::within_body_limit(&title, body.len()) {
                    continue;
                }
                let request = PatchRequest::new(fixtures::STRATEGIC, body)
                    .params(fixtures::patch_params())
                    .clock(&*fixtures::REQUEST_CLOCK);
                let (out, took) = fixtures::run_once(case, &request, &live);
                check(case, n, &live, &out);
                fixtures::check_tracking(tracking, &out);
                if !fixtures::within_budget(&title, took) {
                    continue;
                }
                fixtures::bench_with_floor(
                    &mut group,
                    (case, tracking, n),
                    &request,
                    &live,
                    &live_bytes,
                    body,
                );
            }
        }
    }
    group.finish();
}

/// One clone of the live object (`Value::clone`), dropped outside the timing:
/// `clone/<tracking>/<n>`.
fn clone(c: &mut Criterion) {
    let mut group = c.benchmark_group("clone");
    for n in fixtures::sizes() {
        fixtures::configure(&mut group, n);
        for tracking in Tracking::BOTH {
            let live = tracking.live(n);
            group.bench_function(BenchmarkId::new(tracking.name(), n), |b| {
                b.iter_with_large_drop(|| black_box(&live).clone())
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = fixtures::criterion();
    targets = clone, strategic
}
criterion_main!(benches);
