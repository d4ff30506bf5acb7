//! The Content-Type and query parameters of a request from fuzzed text: a
//! selector byte, then newline-separated fields: Content-Type,
//! `fieldManager`, `force` (`true`, `false`, anything else: absent),
//! comma-separated `dryRun` values, `fieldValidation`, subresource,
//! User-Agent, and the rest is the body. Selector bits: 0 `fieldManager`
//! present, 1 `dryRun` present, 2 `fieldValidation` present, 3 subresource
//! present, 4 User-Agent present, 5 a live object, 6 the body given is
//! replaced by one that suits the Content-Type, 7 RFC mode.
//!
//! Checked: no panic; every error is a 4xx/5xx whose `to_status()` agrees
//! with `code()`; a Content-Type whose media type (before any `;`, trimmed,
//! case-insensitive) is none of the four patch types is 415; a request whose
//! `force` is given without being an apply, or whose `dryRun` holds
//! anything but `All`, never succeeds; successes answer 200, or 201 for an
//! apply without a live object; the live object is unchanged.

use kubepatch::{Mode, PatchParams, PatchRequest};
use serde_json::json;

use crate::common::{check_error, clock};

const KNOWN: [&str; 4] = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

/// A body each patch type accepts on the live object below.
fn body_for(media_type: &str) -> &'static [u8] {
    match media_type {
        "application/json-patch+json" => {
            br#"[{"op":"add","path":"/metadata/labels/tier","value":"db"}]"#
        }
        "application/apply-patch+yaml" => {
            b"apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: web\n  namespace: default\n  labels:\n    tier: db\n"
        }
        _ => br#"{"metadata":{"labels":{"tier":"db"}}}"#,
    }
}

/// The target's checks on one input.
pub fn check(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let mut fields = rest.splitn(8, |&b| b == b'\n');
    let mut next = || String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let content_type = next();
    let manager = next();
    let force = next();
    let dry_run = next();
    let validation = next();
    let subresource = next();
    let user_agent = next();
    let given_body = fields.next().unwrap_or_default();

    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let known = KNOWN.contains(&media_type.as_str());
    let is_apply = media_type == KNOWN[3];
    let body = if sel & 0b100_0000 != 0 {
        body_for(&media_type)
    } else {
        given_body
    };
    let params = PatchParams {
        field_manager: (sel & 1 != 0).then(|| manager.clone()),
        force: match force.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        dry_run: if sel & 0b10 != 0 {
            dry_run.split(',').map(str::to_string).collect()
        } else {
            Vec::new()
        },
        field_validation: (sel & 0b100 != 0).then(|| validation.clone()),
    };
    let live = json!({"apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "x"}},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]});
    let before = live.clone();
    let has_live = sel & 0b10_0000 != 0;
    let clock = clock(1);
    let mode = if sel & 0b1000_0000 != 0 {
        Mode::Rfc
    } else {
        Mode::Kubernetes
    };
    let mut request = PatchRequest::new(&content_type, body)
        .params(params.clone())
        .mode(mode)
        .clock(&clock);
    if sel & 0b1000 != 0 {
        request = request.subresource(&subresource);
    }
    if sel & 0b1_0000 != 0 {
        request = request.user_agent(&user_agent);
    }
    if has_live {
        request = request.live(&live);
    }
    match request.run() {
        Ok(out) => {
            assert!(known, "{content_type:?} was accepted");
            assert!(
                params.force.is_none() || is_apply,
                "force on a non-apply patch was accepted"
            );
            assert!(
                params.dry_run.iter().all(|v| v == "All"),
                "dryRun {:?} was accepted",
                params.dry_run
            );
            assert_eq!(out.dry_run, !params.dry_run.is_empty());
            let expected = if is_apply && !has_live { 201 } else { 200 };
            assert_eq!(out.code, expected);
        }
        Err(e) => {
            check_error(&e);
            if !known {
                assert_eq!(e.code(), 415, "{content_type:?}: {e}");
            }
        }
    }
    assert_eq!(live, before, "the live object was modified");
}
