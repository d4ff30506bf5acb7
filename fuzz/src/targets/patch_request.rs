//! One PATCH request from arbitrary bytes: `selector byte, live object, 0,
//! body` (no 0 byte: everything after the selector is the body and there is
//! no live object). The live object must be JSON (other inputs are skipped).
//!
//! Every content type, both modes, with no field manager, with
//! `PatchParams::apply("fuzz")`, with `.force()` and with an Update manager
//! (`fuzz-edit`); the first three also without a live
//! object; plus one odd Content-Type. Checked: no panic (a panic that
//! `request::guarded` catches counts too: libfuzzer-sys aborts in its panic
//! hook), every error is a 4xx/5xx whose `to_status()` agrees with `code()`,
//! successes answer 200 (201 only for an apply that creates), and the live
//! object is unchanged.
//!
//! Selector bits: 0-1 fieldValidation (unset, Ignore, Warn, Strict), 2 dryRun,
//! 3 the OpenAPI schema instead of the built-in one (4: with list-map keys),
//! 5 subresource `status`, 6 an explicit URL target, 7 fixed clock second.

use crate::common::{check_error, clock, openapi_schemas, split0};
use kubepatch::object::Target;
use kubepatch::{FieldValidation, Mode, PatchParams, PatchRequest};
use serde_json::Value;

const TYPES: [&str; 4] = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

const ODD_TYPES: [&str; 8] = [
    "text/plain",
    "",
    "application/json-patch+json; charset=utf-8",
    "APPLICATION/MERGE-PATCH+JSON",
    "application/apply-patch+yaml;charset=UTF-8",
    "application/strategic-merge-patch+json ; q=1",
    "application/json",
    "application/apply-patch+yml",
];

/// The target's checks on one input.
pub fn check(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let (live, body) = match split0(rest) {
        (live, Some(body)) => match serde_json::from_slice::<Value>(live) {
            Ok(v) => (Some(v), body),
            Err(_) => return,
        },
        (body, None) => (None, body),
    };
    let before = live.clone();

    let schemas = openapi_schemas();
    let schema = if sel & 0b1000 != 0 && !schemas.is_empty() {
        Some(&schemas[usize::from(sel & 0b1_0000 != 0).min(schemas.len() - 1)])
    } else {
        None
    };
    let clock = clock(u64::from(sel >> 7));
    let target = live.as_ref().and_then(|l| {
        (sel & 0b100_0000 != 0).then(|| {
            let name = l["metadata"]["name"].as_str().unwrap_or("mysvc");
            Target::new("endpoints", name, l["metadata"]["namespace"].as_str())
        })
    });

    let params_for = |variant: u8| {
        let mut p = match variant {
            0 => PatchParams::default(),
            1 => PatchParams::apply("fuzz"),
            2 => PatchParams::apply("fuzz").force(),
            _ => PatchParams::default().field_manager("fuzz-edit"),
        };
        p = match sel & 0b11 {
            0 => p,
            1 => p.validation(FieldValidation::Ignore),
            2 => p.validation(FieldValidation::Warn),
            _ => p.validation(FieldValidation::Strict),
        };
        if sel & 0b100 != 0 {
            p = p.dry_run();
        }
        p
    };

    let run = |content_type: &str, mode: Mode, variant: u8, with_live: bool| {
        let mut req = PatchRequest::new(content_type, body)
            .params(params_for(variant))
            .mode(mode)
            .clock(&clock);
        if let Some(s) = schema {
            req = req.schema(s);
        }
        if sel & 0b10_0000 != 0 {
            req = req.subresource("status");
        }
        if let Some(t) = &target {
            req = req.target(t.clone());
        }
        let has_live = with_live && live.is_some();
        if has_live {
            req = req.live(live.as_ref().unwrap());
        }
        match req.run() {
            Ok(out) => {
                let created = out.code == 201;
                assert!(
                    out.code == 200 || (created && !has_live && content_type.contains("apply")),
                    "{content_type}: success with code {} (live: {has_live})",
                    out.code
                );
                assert_eq!(out.dry_run, sel & 0b100 != 0);
                serde_json::to_vec(&out.object).expect("the new object serializes");
            }
            Err(e) => check_error(&e),
        }
    };

    for content_type in TYPES {
        for mode in [Mode::Kubernetes, Mode::Rfc] {
            for variant in 0..4 {
                run(content_type, mode, variant, true);
            }
        }
        if live.is_some() {
            for variant in 0..3 {
                run(content_type, Mode::Kubernetes, variant, false);
            }
        }
    }
    let odd = ODD_TYPES[usize::from(sel >> 5) % ODD_TYPES.len()];
    run(odd, Mode::Kubernetes, 1, true);
    run(odd, Mode::Kubernetes, 0, true);

    assert_eq!(live, before, "the live object was modified");
}
