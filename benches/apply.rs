//! Server-side apply through the whole request
//! (`PatchRequest::run_on(live)`: decode the configuration, merge, prune,
//! conflicts, encode managedFields) on core/v1 Endpoints of 10, 1,000, 10,000
//! and 100,000 addresses. The configuration is the whole object as its
//! controller applies it (`fixtures::config`: without `uid`,
//! `resourceVersion`, `creationTimestamp`). Group `apply`:
//!
//! - `owner-noop/tracked/<n>`: the owner, which created the object with this
//!   very configuration, applies it again: nothing changes. The most frequent
//!   call a controller makes;
//! - `second-manager/tracked/<n>`: another manager applies the same whole
//!   configuration: nothing changes in the object, but every field becomes
//!   shared, so the whole field set is built, compared and intersected with
//!   the owner's;
//! - `owner/untracked/<n>`: the owner applies the configuration to the
//!   object without managedFields (its first apply to an object made
//!   without tracking).
//!
//! Tracked objects: `fixtures::tracked` (the owner's apply, then another
//! manager's label). Beside each case, `apply/floor/<case>/<tracking>/<n>` is
//! serde_json alone on the same bytes: parse the live object and the
//! configuration, serialize the live object. The live object is cloned
//! outside the timing (`iter_batched`).
//!
//! At 100,000 addresses the configuration (17 MB) is over the request body
//! limit (3 MiB, answered 413 as kube-apiserver does), so the group stops at
//! 10,000 (a note says so); requests one call of which takes over
//! `KUBEPATCH_BENCH_BUDGET_SECS` (3 s by default) are left out with a note
//! giving that call's time. Set `KUBEPATCH_BENCH_SIZES=10,1000` to run fewer
//! sizes.

use criterion::{Criterion, criterion_group, criterion_main};
use kubepatch::{PatchParams, PatchRequest};
use serde_json::Value;

#[path = "fixtures/mod.rs"]
mod fixtures;

use fixtures::Tracking;

/// `object` without `metadata.managedFields`.
fn without_managed_fields(object: &Value) -> Value {
    let mut plain = object.clone();
    plain["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("managedFields");
    plain
}

fn apply(c: &mut Criterion) {
    let mut group = c.benchmark_group("apply");
    for n in fixtures::sizes() {
        fixtures::configure(&mut group, n);
        let body = serde_json::to_vec(&fixtures::config(n)).unwrap();
        let cases = [
            ("owner-noop", Tracking::Tracked, fixtures::OWNER),
            ("second-manager", Tracking::Tracked, fixtures::SECOND),
            ("owner", Tracking::Untracked, fixtures::OWNER),
        ];
        for (case, tracking, manager) in cases {
            let title = fixtures::title("apply", case, tracking, n);
            if !fixtures::within_body_limit(&title, body.len()) {
                continue;
            }
            let live = tracking.live(n);
            let live_bytes = serde_json::to_vec(&live).unwrap();
            let request = PatchRequest::new(fixtures::APPLY, &body)
                .params(PatchParams::apply(manager))
                .clock(&*fixtures::REQUEST_CLOCK);
            let (out, took) = fixtures::run_once(case, &request, &live);
            assert_eq!(
                without_managed_fields(&out),
                without_managed_fields(&live),
                "{case}: the configuration is the object's own"
            );
            let managers = fixtures::managers(&out);
            match case {
                "owner-noop" => assert_eq!(out, live, "a no-op apply changes nothing"),
                "second-manager" => assert_eq!(
                    managers,
                    [
                        format!("{}:Apply", fixtures::OWNER),
                        format!("{}:Apply", fixtures::LABELER),
                        format!("{}:Apply", fixtures::SECOND),
                    ]
                ),
                _ => assert!(managers.contains(&format!("{}:Apply", fixtures::OWNER))),
            }
            if !fixtures::within_budget(&title, took) {
                continue;
            }
            fixtures::bench_with_floor(
                &mut group,
                (case, tracking, n),
                &request,
                &live,
                &live_bytes,
                &body,
            );
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = fixtures::criterion();
    targets = apply
}
criterion_main!(benches);
