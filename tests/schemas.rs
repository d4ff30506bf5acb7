//! Schemas from outside: the Kubernetes OpenAPI document with and without
//! the opt-in list-map keys for strategic merge, and CRD-sourced schemas.
//! Skips with a note where `../shared` is absent.

use kubepatch::schema::openapi::{self, Options};
use kubepatch::{PatchParams, PatchRequest};
use serde_json::{Value, json};

mod common;

fn swagger() -> Option<Vec<u8>> {
    std::fs::read(common::shared()?.join(common::SWAGGER)).ok()
}

fn dns_service() -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dns", "namespace": "kube-system"},
        "spec": {"ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]}})
}

const ADD_TCP: &[u8] = br#"{"spec":{"ports":[{"name":"dns-tcp","port":53,"protocol":"TCP"}]}}"#;

#[test]
fn service_ports_collide_upstream_and_not_with_list_map_keys() {
    let Some(bytes) = swagger() else {
        common::skip_note(
            "service_ports_collide_upstream_and_not_with_list_map_keys",
            "../shared is absent",
        );
        return;
    };
    let live = dns_service();
    let upstream = openapi::load(&bytes, &Options::default()).expect("swagger loads");
    let out = PatchRequest::new("application/strategic-merge-patch+json", ADD_TCP)
        .live(&live)
        .schema(&upstream)
        .run()
        .expect("patch applies");
    // kubernetes/kubernetes#47249: merged on `port` alone, the TCP port overwrites the UDP one.
    assert_eq!(
        out.object["spec"]["ports"],
        json!([{"name": "dns-tcp", "port": 53, "protocol": "TCP"}])
    );

    let keyed = openapi::load(
        &bytes,
        &Options {
            list_map_keys_for_strategic: true,
        },
    )
    .expect("swagger loads");
    let out = PatchRequest::new("application/strategic-merge-patch+json", ADD_TCP)
        .live(&live)
        .schema(&keyed)
        .run()
        .expect("patch applies");
    assert_eq!(
        out.object["spec"]["ports"],
        json!([{"name": "dns-tcp", "port": 53, "protocol": "TCP"}, {"name": "dns", "port": 53, "protocol": "UDP"}])
    );
}

#[test]
fn endpoints_subsets_are_atomic_under_the_openapi_schema() {
    let Some(bytes) = swagger() else {
        common::skip_note(
            "endpoints_subsets_are_atomic_under_the_openapi_schema",
            "../shared is absent",
        );
        return;
    };
    let schema = openapi::load(&bytes, &Options::default()).expect("swagger loads");
    let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "http", "port": 80}]}]});
    let body =
        br#"{"subsets":[{"addresses":[{"ip":"10.0.0.2"}],"ports":[{"name":"http","port":80}]}]}"#;
    let out = PatchRequest::new("application/strategic-merge-patch+json", body)
        .live(&live)
        .schema(&schema)
        .run()
        .expect("patch applies");
    assert_eq!(
        out.object["subsets"][0]["addresses"],
        json!([{"ip": "10.0.0.2"}])
    );

    // Server-side apply owns the whole list as one field.
    let config = br#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web"},"subsets":[{"addresses":[{"ip":"10.0.0.3"}],"ports":[{"name":"http","port":80}]}]}"#;
    let applied = PatchRequest::new("application/apply-patch+yaml", config)
        .params(PatchParams::apply("ctrl"))
        .schema(&schema)
        .run()
        .expect("apply creates");
    assert_eq!(applied.code, 201);
    assert_eq!(
        applied.object["metadata"]["managedFields"][0]["fieldsV1"],
        json!({"f:subsets": {}})
    );
}

#[test]
fn crd_schemas_refuse_strategic_merge_and_apply_by_their_list_types() {
    let crd = std::fs::read(common::testdata().join(common::WIDGETS_CRD)).expect("the CRD fixture");
    let schema = openapi::load(&crd, &Options::default()).expect("CRD loads");
    let live = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "uid": "1"}, "spec": {}});
    let err = PatchRequest::new("application/strategic-merge-patch+json", b"{}")
        .live(&live)
        .schema(&schema)
        .run()
        .unwrap_err();
    assert_eq!(err.code(), 415);
    assert_eq!(
        err.to_string(),
        "the body of the request was in an unknown format - accepted media types include: \
         application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    );

    let apply = |manager: &str, live: &Value, ports: Value| {
        let config = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"ports": ports}});
        let body = serde_json::to_vec(&config).expect("serializes");
        PatchRequest::new("application/apply-patch+yaml", &body)
            .live(live)
            .params(PatchParams::apply(manager))
            .schema(&schema)
            .run()
            .unwrap_or_else(|e| panic!("apply by {manager}: {e}"))
    };
    let first = apply("a", &live, json!([{"port": 53, "name": "dns"}]));
    let second = apply(
        "b",
        &first.object,
        json!([{"port": 53, "protocol": "UDP", "name": "dns-udp"}]),
    );
    // Keyed by (port, protocol) with protocol defaulting to TCP: two items, one per manager.
    assert_eq!(
        second.object["spec"]["ports"].as_array().map(Vec::len),
        Some(2)
    );
    let owners: Vec<&str> = second.object["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .filter_map(|e| e["manager"].as_str())
        .collect();
    // The live object had no managedFields: its existing `.spec` went to
    // `before-first-apply` on the first apply, as upstream records it.
    assert_eq!(owners, ["a", "b", "before-first-apply"]);
    assert!(
        second.object["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:ports"]
            .get(r#"k:{"port":53,"protocol":"TCP"}"#)
            .is_some()
    );
}
