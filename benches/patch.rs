//! The JSON strategies through the whole request
//! (`PatchRequest::run_on(live)`), on core/v1 Endpoints of 10, 1,000, 10,000
//! and 100,000 addresses, untracked (no managedFields) and tracked (two
//! managers, one owning every address; see `fixtures::tracked`).
//!
//! - `json_patch/metadata-3-ops/<tracking>/<n>`: a JSON patch of 3
//!   operations on metadata (add an annotation, replace a label, remove a
//!   label);
//! - `merge_patch/one-label/<tracking>/<n>`: a merge patch of one label.
//!
//! On a tracked object the request also does Update tracking: the changed
//! fields are recorded under the field manager `bench-patcher`. Beside each
//! case, `<group>/floor/<case>/<tracking>/<n>` is serde_json alone on the same
//! bytes: parse the live object and the patch, serialize the live object.
//!
//! The live object is cloned outside the timing (`iter_batched`); the clone
//! itself is `clone/<tracking>/<n>`, in the `strategic` bench. A request one
//! call of which takes over `KUBEPATCH_BENCH_BUDGET_SECS` (3 s by default:
//! the tracked 100,000-address ones) is left out with a note giving that
//! call's time. Set `KUBEPATCH_BENCH_SIZES=10,1000` to run fewer sizes.

use criterion::{Criterion, criterion_group, criterion_main};
use kubepatch::PatchRequest;
use serde_json::Value;

#[path = "fixtures/mod.rs"]
mod fixtures;

use fixtures::Tracking;

/// One group: `case` with the body `body` of `content_type` at every size
/// and tracking, `check` run on the outcome of one call first.
fn group(
    c: &mut Criterion,
    name: &str,
    case: &str,
    content_type: &str,
    body: &[u8],
    check: impl Fn(&Value, &Value),
) {
    let mut group = c.benchmark_group(name);
    for n in fixtures::sizes() {
        fixtures::configure(&mut group, n);
        for tracking in Tracking::BOTH {
            let live = tracking.live(n);
            let live_bytes = serde_json::to_vec(&live).unwrap();
            let title = fixtures::title(name, case, tracking, n);
            if !fixtures::within_body_limit(&title, body.len()) {
                continue;
            }
            let request = PatchRequest::new(content_type, body)
                .params(fixtures::patch_params())
                .clock(&*fixtures::REQUEST_CLOCK);
            let (out, took) = fixtures::run_once(case, &request, &live);
            check(&live, &out);
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
    group.finish();
}

fn json_patch(c: &mut Criterion) {
    let body = fixtures::json_patch_metadata();
    group(
        c,
        "json_patch",
        "metadata-3-ops",
        fixtures::JSON_PATCH,
        &body,
        |live, out| {
            let labels = &out["metadata"]["labels"];
            assert_eq!(labels["tier"], "frontend");
            assert!(
                labels
                    .get("endpointslice.kubernetes.io/skip-mirror")
                    .is_none()
            );
            assert_eq!(
                out["metadata"]["annotations"]["bench.kubepatch.io/touched"],
                "2030-01-01T00:02:00Z"
            );
            assert_eq!(out["subsets"], live["subsets"]);
        },
    );
}

fn merge_patch(c: &mut Criterion) {
    let body = fixtures::merge_patch_label();
    group(
        c,
        "merge_patch",
        "one-label",
        fixtures::MERGE_PATCH,
        &body,
        |live, out| {
            assert_eq!(out["metadata"]["labels"]["tier"], "frontend");
            assert_eq!(out["subsets"], live["subsets"]);
        },
    );
}

criterion_group! {
    name = benches;
    config = fixtures::criterion();
    targets = json_patch, merge_patch
}
criterion_main!(benches);
