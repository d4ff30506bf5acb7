//! A patch that fails leaves the live object exactly as it was: RFC 6902
//! section 5 (atomicity) for JSON patches, and the same guarantee for merge
//! patches that fail after the merge was computed. The live object is
//! serialized before and after and the bytes compared.
//!
//! Each JSON patch applies several operations before one fails; some move a
//! value to the root `""` first (kube-apiserver refuses that move itself; RFC
//! mode performs it, and the json-patch crate's own rollback of such a move
//! panics, which kubepatch must not let happen).

use kubepatch::{Error, Mode, Outcome, PatchRequest, json_patch, merge_patch};
use serde_json::{Value, json};

mod common;
use common::{JSON_PATCH, MERGE_PATCH, mode_name};

fn live() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": "mysvc",
            "namespace": "default",
            "uid": "6f3c1a52-0d2e-4b7e-9a41-2d1f0c9e7b10",
            "resourceVersion": "12345",
            "labels": {"app": "mysvc", "tier": "backend"},
            "annotations": {"example.com/key": "v1"}
        },
        "subsets": [
            {
                "addresses": [{"ip": "10.10.1.1"}, {"ip": "10.10.2.2"}],
                "ports": [{"name": "a", "port": 8675}, {"name": "b", "port": 309}]
            },
            {
                "addresses": [{"ip": "10.10.3.3"}],
                "ports": [{"name": "a", "port": 93}, {"name": "b", "port": 76}]
            }
        ]
    })
}

/// JSON patches whose last operation fails after earlier ones succeeded.
const FAILING_JSON_PATCHES: &[&str] = &[
    // Every kind of operation, then a failing remove.
    r#"[
        {"op":"add","path":"/metadata/labels/team","value":"a"},
        {"op":"replace","path":"/subsets/0/ports/0/port","value":1},
        {"op":"remove","path":"/subsets/1/ports/1"},
        {"op":"copy","from":"/subsets/0","path":"/subsets/-"},
        {"op":"move","from":"/subsets/0/addresses/0","path":"/subsets/1/addresses/0"},
        {"op":"test","path":"/kind","value":"Endpoints"},
        {"op":"remove","path":"/metadata/labels/nope"}
    ]"#,
    // A move to the root, then a failing remove.
    r#"[
        {"op":"add","path":"/metadata/annotations/x","value":"y"},
        {"op":"replace","path":"/subsets/1/ports/0/port","value":94},
        {"op":"move","from":"/subsets/1","path":""},
        {"op":"remove","path":"/does/not/exist"}
    ]"#,
    // A move of a nested member to the root, then a failing test.
    r#"[
        {"op":"remove","path":"/metadata/annotations/example.com~1key"},
        {"op":"move","from":"/metadata/labels","path":""},
        {"op":"test","path":"/app","value":"not-mysvc"}
    ]"#,
    // A failing test after array edits.
    r#"[
        {"op":"add","path":"/subsets/0/addresses/-","value":{"ip":"10.10.4.4"}},
        {"op":"remove","path":"/subsets/0/addresses/0"},
        {"op":"copy","from":"/subsets/0/ports","path":"/subsets/1/ports"},
        {"op":"test","path":"/subsets/0/ports/0/port","value":0}
    ]"#,
];

/// Merge patches that fail (in the strategy or in the checks after it).
const FAILING_MERGE_PATCHES: &[&str] = &[
    // Renames the object: 400 after the merge.
    r#"{"metadata":{"name":"other","labels":{"app":null,"team":"a"}},"subsets":null}"#,
    // Changes the kind: 422 after the merge.
    r#"{"kind":"Service","metadata":{"annotations":{"example.com/key":null}}}"#,
    // A stale resourceVersion: 409 after the merge.
    r#"{"metadata":{"resourceVersion":"1","labels":{"tier":"db"}},"subsets":[]}"#,
    // Changes the uid: 422 after the merge.
    r#"{"metadata":{"uid":"other","labels":{"tier":null}}}"#,
    // Replaces the object with a list: fails to decode (or to pre-decode).
    r#"[{"a":null}]"#,
    // A null patch.
    "null",
];

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("a Value always serializes")
}

/// The whole request on `live` in `mode`.
#[allow(clippy::result_large_err)] // kubepatch::Error is what the API returns
fn request(content_type: &str, patch: &[u8], live: &Value, mode: Mode) -> Result<Outcome, Error> {
    PatchRequest::new(content_type, patch)
        .live(live)
        .mode(mode)
        .run()
}

/// `live` still serializes to `before`; `by` names what ran on it.
#[track_caller]
fn assert_untouched(live: &Value, before: &[u8], mode: Mode, by: &str) {
    assert_eq!(
        bytes(live),
        before,
        "{} mode: {by} changed the live object",
        mode_name(mode)
    );
}

#[test]
fn failing_json_patch_leaves_live_object_byte_identical() {
    for mode in [Mode::Kubernetes, Mode::Rfc] {
        for patch in FAILING_JSON_PATCHES {
            let live = live();
            let before = bytes(&live);

            let err = request(JSON_PATCH, patch.as_bytes(), &live, mode)
                .expect_err("the patch must fail");
            assert_eq!(
                err.code(),
                422,
                "{} mode, patch {patch}: {}",
                mode_name(mode),
                err
            );
            assert_untouched(&live, &before, mode, "the request");

            let err =
                json_patch::apply(&live, patch.as_bytes(), mode).expect_err("the patch must fail");
            assert_eq!(
                err.code(),
                422,
                "{} mode, patch {patch}: {}",
                mode_name(mode),
                err
            );
            assert_untouched(&live, &before, mode, "json_patch::apply");
        }
    }
}

#[test]
fn failing_json_patch_after_move_to_root_is_an_ordinary_422() {
    // RFC mode performs the move to the root, so the failure comes from the
    // next operation; kube-apiserver's library refuses the move itself.
    let moved = json_patch::apply(
        &live(),
        br#"[{"op":"move","from":"/subsets/1","path":""},{"op":"test","path":"/addresses/0/ip","value":"10.10.3.3"}]"#,
        Mode::Rfc,
    )
    .expect("RFC 6902 allows a move to the root");
    assert_eq!(moved, live()["subsets"][1]);

    let patch = br#"[{"op":"move","from":"/subsets/1","path":""},{"op":"remove","path":"/nope"}]"#;
    for mode in [Mode::Kubernetes, Mode::Rfc] {
        let live = live();
        let before = bytes(&live);
        let status = request(JSON_PATCH, patch, &live, mode)
            .expect_err("the patch must fail")
            .to_status();
        assert_eq!(
            (status.code, status.reason.as_str()),
            (422, "Invalid"),
            "{}",
            mode_name(mode)
        );
        assert_eq!(bytes(&live), before, "{} mode", mode_name(mode));
    }
}

#[test]
fn failing_merge_patch_leaves_live_object_byte_identical() {
    for mode in [Mode::Kubernetes, Mode::Rfc] {
        for patch in FAILING_MERGE_PATCHES {
            let live = live();
            let before = bytes(&live);

            let result = request(MERGE_PATCH, patch.as_bytes(), &live, mode);
            assert!(
                result.is_err(),
                "{} mode, patch {patch} must fail",
                mode_name(mode)
            );
            assert_untouched(&live, &before, mode, "the request");

            // The strategy alone: it may succeed (the checks after it fail),
            // but it must not touch its input either way.
            let patch_value: Value = serde_json::from_str(patch).expect("the patch is JSON");
            let _ = merge_patch::apply(&live, &patch_value, mode);
            assert_untouched(&live, &before, mode, "merge_patch::apply");
        }
    }
}
