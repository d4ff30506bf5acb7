//! Regression tests for what the fuzz targets in `fuzz/` found, each run
//! through the public API with the assertion of the target that found it.
//!
//! `apply_sequence` asserts that a successful apply, applied again at once by
//! the same manager with the same configuration, answers 200 with an
//! identical object (spec: "re-applying changes to one's own fields never
//! conflicts"; tests/apply_properties.rs property (a)).

use kubepatch::{FixedClock, Outcome, PatchParams, PatchRequest};
use serde_json::{Value, json};

const APPLY: &str = "application/apply-patch+yaml";

fn clock(second: u64) -> FixedClock {
    let start: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    FixedClock(start + jiff::SignedDuration::from_secs(second as i64))
}

#[allow(clippy::result_large_err)] // kubepatch's Error, as the library returns it
fn apply(
    live: Option<&Value>,
    manager: &str,
    config: &Value,
    force: bool,
    second: u64,
) -> Result<Outcome, kubepatch::Error> {
    let body = serde_json::to_vec(config).unwrap();
    let mut params = PatchParams::apply(manager);
    if force {
        params = params.force();
    }
    let clock = clock(second);
    let mut request = PatchRequest::new(APPLY, &body).params(params).clock(&clock);
    if let Some(l) = live {
        request = request.live(l);
    }
    request.run()
}

/// `apply_sequence`'s check: the same configuration again, with and without
/// force, answers 200 and changes nothing.
fn assert_reapply_is_a_no_op(first: &Value, manager: &str, config: &Value) {
    for force in [true, false] {
        match apply(Some(first), manager, config, force, 100) {
            Ok(again) => {
                assert_eq!(again.code, 200);
                pretty_assertions::assert_eq!(
                    &again.object,
                    first,
                    "re-applying (force: {force}) changed the object"
                );
            }
            Err(e) => panic!(
                "re-applying (force: {force}) failed: {}",
                e.to_status().to_value()
            ),
        }
    }
}

fn endpoints(metadata: Value) -> Value {
    let mut meta = json!({"name": "web", "namespace": "default"});
    meta.as_object_mut()
        .unwrap()
        .extend(metadata.as_object().unwrap().clone());
    json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": meta})
}

/// Found by `apply_sequence` (minimized input, hex `00 00 80 07 02 7f 00 25 7f`):
/// ctrl-a creates the object; kubectl-edit adds the label `app: x` by merge
/// patch (its Update entry owns `.metadata.labels` and `.metadata.labels.app`);
/// ctrl-b force-applies `labels: {app: null, env: null, tier: null}`. The
/// labels map disappears from the object, but kubectl-edit keeps owning
/// `.metadata.labels`; re-applying the same configuration then conflicts
/// with that stale ownership (409 without force; with force the kubectl-edit
/// entry is dropped, so managedFields change).
#[test]
fn null_labels_emptying_an_update_owned_map_reapply_as_a_no_op() {
    let created = apply(
        None,
        "ctrl-a",
        &endpoints(json!({
            "annotations": {"example.com/owner-ctrl-a": "yes"},
            "finalizers": ["example.com/a", "example.com/b", "example.com/c"],
        })),
        false,
        0,
    )
    .expect("create");
    assert_eq!(created.code, 201);
    let patch = br#"{"metadata":{"labels":{"app":"x"}}}"#;
    let clock2 = clock(2);
    let edited = PatchRequest::new("application/merge-patch+json", patch)
        .live(&created.object)
        .params(PatchParams::default().field_manager("kubectl-edit"))
        .clock(&clock2)
        .run()
        .expect("merge patch");
    let config = endpoints(json!({"labels": {"app": null, "env": null, "tier": null}}));
    let first = apply(Some(&edited.object), "ctrl-b", &config, true, 4).expect("forced apply");
    assert_eq!(first.code, 200);
    assert_reapply_is_a_no_op(&first.object, "ctrl-b", &config);
}

/// The same failure, smallest form: an untracked object with `labels: {app:
/// x}` (its first apply gives both paths to `before-first-apply`), and a
/// forced apply of `labels: {app: null}`. Re-applying without force answers
/// 409 `conflict with "before-first-apply" using v1: .metadata.labels`.
#[test]
fn null_label_emptying_an_untracked_map_reapplies_as_a_no_op() {
    let live = endpoints(json!({"labels": {"app": "x"}}));
    let config = endpoints(json!({"labels": {"app": null}}));
    let first = apply(Some(&live), "ctrl-b", &config, true, 1).expect("forced apply");
    assert_eq!(first.code, 200);
    assert_reapply_is_a_no_op(&first.object, "ctrl-b", &config);
}

/// `apply_sequence`: a merge patch left `labels: {}` (non-apply results are
/// not decoded into the kind), the only Apply manager stopped applying its
/// labels, so the object lost every manager; the next apply ran
/// before-first-apply on the raw object and recorded `.metadata.labels`,
/// which the kind would not even keep. Before-first-apply now reads the
/// object as decoding into the kind leaves it.
#[test]
fn empty_map_left_by_a_patch_reapplies_as_a_no_op() {
    let live = json!({"apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "web", "namespace": "default", "labels": {},
            "managedFields": [{"apiVersion": "v1", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}, "f:env": {}}}},
                "manager": "ctrl-a", "operation": "Apply", "time": "2030-01-01T00:00:00Z"}]}});
    let config = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"}});
    let first = apply(Some(&live), "ctrl-a", &config, false, 7).expect("apply succeeds");
    assert_reapply_is_a_no_op(&first.object, "ctrl-a", &config);
}
