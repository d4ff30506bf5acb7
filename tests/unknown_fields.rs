//! Decoding a patch's result into its kind's type, for schemas other than
//! the golden cases' built-in Endpoints one: the Kubernetes OpenAPI document
//! (a Deployment, a ConfigMap), a CRD with and without
//! `x-kubernetes-preserve-unknown-fields`, kinds a schema does not know, and
//! server-side apply, which refuses an undeclared field instead of dropping it.
//!
//! Each expectation is reasoned from upstream's decoders (README, "Decoding
//! the result"): sigs.k8s.io/json after JSON and merge patches (document
//! order), the unstructured converter after a strategic merge (sorted),
//! structural pruning for custom resources (sorted by path). The OpenAPI
//! cases are skipped with a note when `../shared` is absent.

use kubepatch::schema::{Schema, openapi};
use kubepatch::{FieldValidation, PatchParams, PatchRequest};
use serde_json::{Value, json};

mod common;

const JSON: &str = "application/json-patch+json";
const MERGE: &str = "application/merge-patch+json";
const STRATEGIC: &str = "application/strategic-merge-patch+json";
const APPLY: &str = "application/apply-patch+yaml";

fn swagger() -> Option<Schema> {
    let Some(dir) = common::shared() else {
        eprintln!("unknown_fields: OpenAPI cases skipped, ../shared is absent");
        return None;
    };
    let bytes = std::fs::read(dir.join(common::SWAGGER)).ok()?;
    Some(openapi::load(&bytes, &Default::default()).expect("the swagger document loads"))
}

fn deployment() -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
}

fn run(
    content_type: &str,
    body: &str,
    live: &Value,
    schema: &Schema,
    validation: FieldValidation,
) -> Result<kubepatch::Outcome, Box<kubepatch::Error>> {
    PatchRequest::new(content_type, body.as_bytes())
        .live(live)
        .schema(schema)
        .params(PatchParams::default().validation(validation))
        .run()
        .map_err(Box::new)
}

#[test]
fn a_deployment_loses_what_apps_v1_does_not_declare_under_each_strategy() {
    let Some(schema) = swagger() else { return };
    let live = deployment();
    let mut expected = live.clone();
    expected["spec"]["replicas"] = json!(3);
    let merge = r#"{"spec":{"replicas":3,"zeta":1,"template":{"spec":{"containers":[{"name":"app","image":"nginx","bogus":{"a":1}}]}}}}"#;
    let strategic = r#"{"spec":{"replicas":3,"zeta":1,"template":{"spec":{"containers":[{"name":"app","bogus":{"a":1}}]}}}}"#;
    let json = r#"[{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/spec/zeta","value":1},{"op":"add","path":"/spec/template/spec/containers/0/bogus","value":{"a":1}}]"#;
    // Document order: spec.template… before spec.zeta (keys sorted), for
    // the JSON decoder; sorted by text for the converter: the same here.
    let named = [
        r#"unknown field "spec.template.spec.containers[0].bogus""#,
        r#"unknown field "spec.zeta""#,
    ];
    for (content_type, body) in [(JSON, json), (MERGE, merge), (STRATEGIC, strategic)] {
        let out = run(content_type, body, &live, &schema, FieldValidation::Warn)
            .unwrap_or_else(|e| panic!("{content_type}: {e}"));
        assert_eq!(out.object, expected, "{content_type}");
        assert_eq!(out.warnings, named, "{content_type}");
        let out = run(content_type, body, &live, &schema, FieldValidation::Ignore).unwrap();
        assert_eq!(
            (out.object, out.warnings),
            (expected.clone(), vec![]),
            "{content_type}"
        );
        let err = run(content_type, body, &live, &schema, FieldValidation::Strict).unwrap_err();
        assert_eq!(
            (err.code(), err.reason()),
            (422, "Invalid"),
            "{content_type}"
        );
        assert!(
            err.to_string().ends_with(&format!(
                "strict decoding error: {}, {}",
                named[0], named[1]
            )),
            "{content_type}: {err}"
        );
    }
}

#[test]
fn the_converter_sorts_where_the_json_decoder_keeps_document_order() {
    let Some(schema) = swagger() else { return };
    let mut live = deployment();
    let containers: Vec<Value> = (0..11)
        .map(|i| json!({"name": format!("c{i:02}"), "image": "nginx"}))
        .collect();
    live["spec"]["template"]["spec"]["containers"] = json!(containers);
    // The same two unknown fields, in containers 2 and 10.
    let json = r#"[{"op":"add","path":"/spec/template/spec/containers/2/x","value":1},{"op":"add","path":"/spec/template/spec/containers/10/y","value":1}]"#;
    let out = run(JSON, json, &live, &schema, FieldValidation::Warn).unwrap();
    assert_eq!(
        out.warnings,
        [
            r#"unknown field "spec.template.spec.containers[2].x""#,
            r#"unknown field "spec.template.spec.containers[10].y""#,
        ]
    );
    let strategic = r#"{"spec":{"template":{"spec":{"containers":[{"name":"c02","x":1},{"name":"c10","y":1}]}}}}"#;
    let out = run(STRATEGIC, strategic, &live, &schema, FieldValidation::Warn).unwrap();
    // "containers[10]" sorts before "containers[2]" as text.
    assert_eq!(
        out.warnings,
        [
            r#"unknown field "spec.template.spec.containers[10].y""#,
            r#"unknown field "spec.template.spec.containers[2].x""#,
        ]
    );
    let names: Vec<&Value> = out.object["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["name"])
        .collect();
    assert_eq!(names.len(), 11);
    assert!(
        out.object["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("x").is_none() && c.get("y").is_none())
    );
}

#[test]
fn a_configmap_keeps_its_data_and_loses_the_rest() {
    let Some(schema) = swagger() else { return };
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "default"}, "data": {"a": "b"}});
    let body = r#"{"data":{"new.key":"v"},"binaryData":null,"metadata":{"labels":{"x":"y"},"colour":"red"},"spec":{}}"#;
    let out = run(MERGE, body, &live, &schema, FieldValidation::Warn).unwrap();
    assert_eq!(
        out.object,
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "default", "labels": {"x": "y"}},
            "data": {"a": "b", "new.key": "v"}})
    );
    assert_eq!(
        out.warnings,
        [
            r#"unknown field "metadata.colour""#,
            r#"unknown field "spec""#
        ]
    );
}

#[test]
fn kinds_a_schema_does_not_know_keep_everything() {
    let Some(schema) = swagger() else { return };
    let live = json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}});
    let out = run(
        MERGE,
        r#"{"spec":{"anything":[1]}}"#,
        &live,
        &schema,
        FieldValidation::Strict,
    )
    .unwrap();
    assert_eq!(out.object["spec"], json!({"anything": [1]}));
    assert!(out.warnings.is_empty());
}

fn widgets() -> Schema {
    let text = std::fs::read(common::testdata().join("crd/widgets.yaml")).expect("the CRD");
    openapi::load(&text, &Default::default()).expect("the CRD loads")
}

#[test]
fn a_custom_resource_is_pruned_and_its_paths_sorted() {
    let schema = widgets();
    let live = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"}, "spec": {"size": 1}});
    let body = r#"{"spec":{"size":2,"zz":1,"ports":[{"port":80,"colour":"red"}]},"alpha":true}"#;
    let out = run(MERGE, body, &live, &schema, FieldValidation::Warn).unwrap();
    assert_eq!(
        out.object,
        json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "default"},
            "spec": {"size": 2, "ports": [{"port": 80}]}})
    );
    // Sorted by path, as structural pruning returns them.
    assert_eq!(
        out.warnings,
        [
            r#"unknown field "alpha""#,
            r#"unknown field "spec.ports[0].colour""#,
            r#"unknown field "spec.zz""#,
        ]
    );
}

#[test]
fn preserve_unknown_fields_in_a_schema_keeps_them() {
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "spec": {"group": "example.com", "names": {"kind": "Box"}, "versions": [{
            "name": "v1", "served": true, "storage": true,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                         "properties": {"inner": {"type": "object",
                             "properties": {"a": {"type": "integer"}}}}}}}}}]}});
    let schema = openapi::from_crd(&crd).expect("the CRD loads");
    let live = json!({"apiVersion": "example.com/v1", "kind": "Box", "metadata": {"name": "b"}});
    let body = r#"{"spec":{"free":{"x":1},"inner":{"a":1,"b":2}}}"#;
    let out = run(MERGE, body, &live, &schema, FieldValidation::Warn).unwrap();
    // `spec` keeps what it does not declare; its declared `inner` does not.
    assert_eq!(
        out.object["spec"],
        json!({"free": {"x": 1}, "inner": {"a": 1}})
    );
    assert_eq!(out.warnings, [r#"unknown field "spec.inner.b""#]);
}

#[test]
fn apply_refuses_what_the_built_in_endpoints_schema_does_not_declare() {
    let body =
        br#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web","namespace":"default"},
        "subsets":[{"addresses":[{"ip":"10.0.0.1","$patch":"delete"}],"ports":[{"port":80}]}]}"#;
    let err = PatchRequest::new(APPLY, body)
        .params(PatchParams::apply("ctrl"))
        .run()
        .unwrap_err();
    assert_eq!(err.code(), 400);
    assert!(
        err.to_string().ends_with(
            r#".subsets[ports=[{name="",port=80}]].addresses[ip="10.0.0.1"].$patch: field not declared in schema"#
        ),
        "{err}"
    );
}
