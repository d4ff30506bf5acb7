//! `kubepatch::schema::openapi::load` on arbitrary bytes (OpenAPI v2/v3
//! documents and CustomResourceDefinition manifests, JSON or YAML), with
//! upstream's rules and with list-map keys for strategic merge.
//!
//! Checked: no panic; a failure is a `LoadError` that displays as a
//! non-empty message; a schema that loads runs, without panic and with
//! every error a 4xx/5xx whose `to_status()` agrees with `code()`, a
//! strategic merge patch (`strategic::apply` and a `PatchRequest`) and a
//! server-side apply (create, then an apply by another manager on the
//! result) on a small object of each kind the document names (a CRD's
//! group/version and kind, an OpenAPI definition's
//! `x-kubernetes-group-version-kind`; at most four) and of v1 Endpoints.

use kubepatch::schema::Schema;
use kubepatch::schema::openapi::{Options, load};
use kubepatch::{Error, PatchParams, PatchRequest, strategic};
use serde_json::{Value, json};

use crate::common::{check_error, clock};

const MAX_KINDS: usize = 4;

/// The (apiVersion, kind) pairs the document names.
fn kinds(doc: &Value) -> Vec<(String, String)> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut out = Vec::new();
    if doc.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition") {
        let spec = &doc["spec"];
        let group = text(spec, "group");
        let kind = text(&spec["names"], "kind");
        for version in spec["versions"].as_array().into_iter().flatten() {
            let v = text(version, "name");
            let api_version = if group.is_empty() {
                v
            } else {
                format!("{group}/{v}")
            };
            out.push((api_version, kind.clone()));
        }
    }
    let definitions = doc
        .get("definitions")
        .or_else(|| doc.get("components").and_then(|c| c.get("schemas")));
    for def in definitions.and_then(Value::as_object).into_iter().flatten() {
        for gvk in def.1["x-kubernetes-group-version-kind"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let (group, version) = (text(gvk, "group"), text(gvk, "version"));
            let api_version = if group.is_empty() {
                version
            } else {
                format!("{group}/{version}")
            };
            out.push((api_version, text(gvk, "kind")));
        }
    }
    out.truncate(MAX_KINDS);
    out.push(("v1".to_string(), "Endpoints".to_string()));
    out
}

fn exercise(schema: &Schema, api_version: &str, kind: &str) {
    let object = json!({"apiVersion": api_version, "kind": kind,
        "metadata": {"name": "a", "namespace": "default", "labels": {"app": "x"}},
        "spec": {"size": 1, "tags": ["a"], "ports": [{"port": 80, "protocol": "TCP"}],
            "containers": [{"name": "c", "image": "i"}]},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]});
    let patch = json!({"metadata": {"labels": {"tier": "db"}},
        "spec": {"size": 2, "tags": ["b"], "ports": [{"port": 81}],
            "containers": [{"name": "c", "image": "j"}, {"name": "d"}], "$patch": "merge"},
        "subsets": [{"addresses": [{"ip": "10.0.0.2"}]}]});
    match strategic::apply(&object, patch.clone(), schema) {
        Ok(v) => {
            serde_json::to_vec(&v).expect("the result serializes");
        }
        Err(e) => check_error(&Error::from(e)),
    }
    let clock = clock(3);
    let body = serde_json::to_vec(&patch).expect("a patch serializes");
    let result = PatchRequest::new("application/strategic-merge-patch+json", &body)
        .live(&object)
        .schema(schema)
        .params(PatchParams::default().field_manager("edit"))
        .clock(&clock)
        .run();
    if let Err(e) = result {
        check_error(&e);
    }
    let config = serde_json::to_vec(&object).expect("an object serializes");
    let created = PatchRequest::new("application/apply-patch+yaml", &config)
        .schema(schema)
        .params(PatchParams::apply("ctrl-a"))
        .clock(&clock)
        .run();
    let created = match created {
        Ok(out) => {
            assert_eq!(out.code, 201);
            out.object
        }
        Err(e) => return check_error(&e),
    };
    let mut other = object.clone();
    other["spec"]["size"] = json!(3);
    let other = serde_json::to_vec(&other).expect("an object serializes");
    match PatchRequest::new("application/apply-patch+yaml", &other)
        .live(&created)
        .schema(schema)
        .params(PatchParams::apply("ctrl-b"))
        .clock(&clock)
        .run()
    {
        Ok(out) => assert_eq!(out.code, 200),
        Err(e) => check_error(&e),
    }
}

/// The target's checks on one input.
pub fn check(data: &[u8]) {
    for list_map_keys_for_strategic in [false, true] {
        let options = Options {
            list_map_keys_for_strategic,
        };
        match load(data, &options) {
            Ok(schema) => {
                let doc = kubepatch::read_document(data).unwrap_or(Value::Null);
                for (api_version, kind) in kinds(&doc) {
                    exercise(&schema, &api_version, &kind);
                }
            }
            Err(e) => {
                assert!(!e.to_string().is_empty(), "{e:?} displays as nothing");
            }
        }
    }
}
