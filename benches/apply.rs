//! Criterion benches for server-side apply on large Endpoints objects
//! (group `apply`), built from the shared fixture generator
//! ([`fixtures::endpoints`]: 4 subsets with their own ports, addresses with
//! `ip`, `nodeName` and a `targetRef`).
//!
//! The applied configuration is the fixture as a controller would apply it:
//! the whole object without the fields the server sets (`uid`,
//! `resourceVersion`, `creationTimestamp`). `ctrl-a` creates the object with
//! it (outside the timing), then:
//!
//! - `apply/second-manager/<n>`: `ctrl-b` applies the very same configuration
//!   to the object `ctrl-a` created. The worst case for ownership bookkeeping:
//!   every field is shared, nothing changes, and the whole field set of the
//!   configuration is built, compared and intersected with `ctrl-a`'s.
//! - `apply/owner-changes-one/<n>`: `ctrl-a` re-applies its configuration
//!   with one address's `nodeName` changed: one Modified leaf, no conflict, a
//!   new time on `ctrl-a`'s entry.
//!
//! `<n>` is the number of addresses (1,000 and 10,000). Each measured call is
//! the whole request (`PatchRequest::run`: decode the body, apply, encode
//! managedFields), its result dropped inside the timing. 10 samples each, so
//! `cargo bench --bench apply` takes about a minute.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kubepatch::{FixedClock, PatchParams, PatchRequest};
use serde_json::{Value, json};

#[path = "fixtures/mod.rs"]
mod fixtures;

const SIZES: [usize; 2] = [1_000, 10_000];

const APPLY: &str = "application/apply-patch+yaml";

/// The fixture as an apply configuration: without server-set metadata.
fn config(addresses: usize) -> Value {
    let mut c = fixtures::endpoints(addresses);
    let meta = c["metadata"].as_object_mut().unwrap();
    for system in ["uid", "resourceVersion", "creationTimestamp"] {
        meta.remove(system);
    }
    c
}

fn clock(second: i64) -> FixedClock {
    let start: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    FixedClock(start + jiff::SignedDuration::from_secs(second))
}

fn apply(live: Option<&Value>, body: &[u8], manager: &str, clock: &FixedClock) -> Value {
    let mut request = PatchRequest::new(APPLY, body)
        .params(PatchParams::apply(manager))
        .clock(clock);
    if let Some(l) = live {
        request = request.live(l);
    }
    let outcome = request
        .run()
        .unwrap_or_else(|e| panic!("apply by {manager}: {e}"));
    outcome.object
}

/// The managedFields entry of `manager`.
fn entry<'v>(object: &'v Value, manager: &str) -> &'v Value {
    object["metadata"]["managedFields"]
        .as_array()
        .and_then(|list| list.iter().find(|e| e["manager"] == manager))
        .unwrap_or_else(|| panic!("no managedFields entry for {manager}"))
}

fn without_managed_fields(object: &Value) -> Value {
    let mut plain = object.clone();
    plain["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    plain
}

/// The measured call.
fn request(live: &Value, body: &[u8], manager: &str, clock: &FixedClock) {
    let result = PatchRequest::new(APPLY, black_box(body))
        .live(black_box(live))
        .params(PatchParams::apply(manager))
        .clock(clock)
        .run();
    let _ = black_box(result);
}

fn apply_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("apply");
    for n in SIZES {
        let config = config(n);
        let body = serde_json::to_vec(&config).unwrap();
        let created = apply(None, &body, "ctrl-a", &clock(0));
        assert_eq!(fixtures::count_addresses(&created), n);

        // (i) A second manager applies the same full configuration.
        let later = clock(1);
        let shared = apply(Some(&created), &body, "ctrl-b", &later);
        assert_eq!(
            without_managed_fields(&shared),
            without_managed_fields(&created),
            "an identical configuration changes nothing"
        );
        assert_eq!(
            entry(&shared, "ctrl-b")["fieldsV1"],
            entry(&shared, "ctrl-a")["fieldsV1"],
            "both managers own every field"
        );
        group.bench_with_input(BenchmarkId::new("second-manager", n), &n, |b, _| {
            b.iter(|| request(&created, &body, "ctrl-b", &later))
        });

        // (ii) The owner changes one address's nodeName.
        let mut changed = config.clone();
        let address = &mut changed["subsets"][0]["addresses"][0];
        let new_node = fixtures::node_name(1 + fixtures::NODES / 2);
        assert_ne!(address["nodeName"], json!(new_node));
        address["nodeName"] = json!(new_node);
        let changed_body = serde_json::to_vec(&changed).unwrap();
        let moved = apply(Some(&created), &changed_body, "ctrl-a", &later);
        assert_eq!(
            moved["subsets"][0]["addresses"][0]["nodeName"],
            json!(new_node)
        );
        assert_eq!(entry(&moved, "ctrl-a")["time"], "2030-01-01T00:00:01Z");
        assert_eq!(
            entry(&moved, "ctrl-a")["fieldsV1"],
            entry(&created, "ctrl-a")["fieldsV1"]
        );
        group.bench_with_input(BenchmarkId::new("owner-changes-one", n), &n, |b, _| {
            b.iter(|| request(&created, &changed_body, "ctrl-a", &later))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = fixtures::short(10, Duration::from_secs(3));
    targets = apply_benches
}
criterion_main!(benches);
