//! The compiled-in schemas of the built-in kinds (`src/schema/builtin.json`,
//! `Schema::builtin`, `Schema::for_kind`):
//! - the committed data is what `scripts/gen_builtin_schemas.py` writes from
//!   `../shared/openapi/` (skipped, with a note, without it or python3);
//! - every kind builds, and its schema is the one `--schema` builds from the
//!   whole OpenAPI document, node for node (skipped without `../shared`);
//! - a request with no schema picks the kind's: the design's for Endpoints,
//!   upstream's for the others, none (415 for strategic merge) for a custom
//!   kind, whose JSON and merge patches and applies keep every field.

use std::collections::HashSet;
use std::process::Command;

use kubepatch::schema::openapi::{Options, load};
use kubepatch::schema::{Node, NodeId, Schema, Unknown};
use kubepatch::{PatchParams, PatchRequest};
use serde_json::{Value, json};

mod common;
use common::{APPLY, JSON_PATCH, MERGE_PATCH, STRATEGIC};

const DATA: &str = include_str!("../src/schema/builtin.json");

/// The OpenAPI document's bytes, or `None` with a note.
fn swagger(test: &str) -> Option<Vec<u8>> {
    let Some(dir) = common::shared() else {
        common::skip_note(test, "../shared (or $KUBEPATCH_SHARED) is absent");
        return None;
    };
    let path = dir.join(common::SWAGGER);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            common::skip_note(test, &format!("{}: {e}", path.display()));
            None
        }
    }
}

#[test]
fn committed_data_is_what_the_script_writes() {
    let test = "committed_data_is_what_the_script_writes";
    let Some(dir) = common::shared() else {
        common::skip_note(test, "../shared (or $KUBEPATCH_SHARED) is absent");
        return;
    };
    let script = common::root().join("scripts/gen_builtin_schemas.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(dir.join(common::SWAGGER))
        .arg("-")
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => panic!("the script failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            common::skip_note(test, &format!("python3 did not run: {e}"));
            return;
        }
    };
    let fresh = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        fresh == DATA,
        "src/schema/builtin.json is not what scripts/gen_builtin_schemas.py writes from {}: \
         regenerate it with `python3 scripts/gen_builtin_schemas.py`",
        dir.join(common::SWAGGER).display()
    );
}

#[test]
fn the_data_is_compact_and_names_every_kind() {
    // Nothing the builder does not read (these are no property names).
    for gone in [
        "\"description\":\"",
        "\"format\":\"",
        "\"required\":[",
        "x-kubernetes-unions",
    ] {
        assert!(!DATA.contains(gone), "{gone} is in the data");
    }
    assert!(DATA.len() < 400_000, "{} bytes", DATA.len());
    let kinds = Schema::builtin_kinds().expect("the data indexes");
    for (api_version, kind) in [
        ("v1", "Pod"),
        ("v1", "Service"),
        ("v1", "ConfigMap"),
        ("v1", "Endpoints"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("batch/v1", "CronJob"),
        ("networking.k8s.io/v1", "Ingress"),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ] {
        assert!(
            kinds.contains(&(api_version.to_string(), kind.to_string())),
            "{kind} ({api_version})"
        );
    }
}

/// Whether the schemas `a` from `ra` and `b` from `rb` are the same graph:
/// node kinds, fields with their strategies, merge keys and defaults, list
/// types, unknown-field policies, atomicity; pointers followed.
fn same_graph(a: &Schema, ra: NodeId, b: &Schema, rb: NodeId) -> Result<(), String> {
    let mut seen = HashSet::new();
    let mut todo = vec![(ra, rb, String::from("<root>"))];
    while let Some((x, y, path)) = todo.pop() {
        if !seen.insert((x, y)) {
            continue;
        }
        let differ = || format!("{path}: {:?} against {:?}", a.node(x), b.node(y));
        match (a.node(x), b.node(y)) {
            (Node::Struct(s), Node::Struct(t)) => {
                if s.unknown != t.unknown || s.atomic != t.atomic {
                    return Err(differ());
                }
                let mut names: Vec<&String> = s.fields.keys().collect();
                let mut others: Vec<&String> = t.fields.keys().collect();
                names.sort();
                others.sort();
                if names != others {
                    return Err(differ());
                }
                for name in names {
                    let (f, g) = (&s.fields[name], &t.fields[name]);
                    if (&f.strategy, &f.merge_key, &f.default)
                        != (&g.strategy, &g.merge_key, &g.default)
                    {
                        return Err(format!("{path}.{name}: {f:?} against {g:?}"));
                    }
                    todo.push((f.node, g.node, format!("{path}.{name}")));
                }
                match (s.extra, t.extra) {
                    (Some(e), Some(f)) => todo.push((e, f, format!("{path}.*"))),
                    (None, None) => {}
                    _ => return Err(differ()),
                }
            }
            (
                Node::Map {
                    values: v,
                    atomic: p,
                },
                Node::Map {
                    values: w,
                    atomic: q,
                },
            ) => {
                if p != q {
                    return Err(differ());
                }
                todo.push((*v, *w, format!("{path}.*")));
            }
            (Node::List(l), Node::List(m)) => {
                if l.list_type != m.list_type {
                    return Err(differ());
                }
                todo.push((l.items, m.items, format!("{path}[]")));
            }
            (Node::Pointer(p), Node::Pointer(q)) => todo.push((*p, *q, path)),
            (Node::Scalar, Node::Scalar) | (Node::Untyped, Node::Untyped) => {}
            _ => return Err(differ()),
        }
    }
    Ok(())
}

#[test]
fn every_kind_builds_as_the_whole_document_builds_it() {
    let kinds = Schema::builtin_kinds().expect("the data indexes");
    assert!(kinds.len() > 150, "{} kinds", kinds.len());
    let whole = swagger("every_kind_builds_as_the_whole_document_builds_it").map(|bytes| {
        kubepatch::schema::openapi::load(&bytes, &Default::default()).expect("swagger loads")
    });
    for (api_version, kind) in &kinds {
        let schema = Schema::builtin(api_version, kind)
            .unwrap_or_else(|e| panic!("{kind} ({api_version}): {e}"))
            .unwrap_or_else(|| panic!("{kind} ({api_version}) is listed but not built"));
        assert!(schema.strategic_allowed);
        let root = schema
            .root_for(api_version, kind)
            .unwrap_or_else(|| panic!("{kind} ({api_version}) has no root"));
        if let Some(whole) = &whole {
            let theirs = whole
                .root_for(api_version, kind)
                .unwrap_or_else(|| panic!("{kind} ({api_version}) not in the document"));
            if let Err(e) = same_graph(schema, root, whole, theirs) {
                panic!("{kind} ({api_version}): {e}");
            }
        }
    }
    // Built once: the same schema the second time.
    let first = Schema::builtin("apps/v1", "Deployment").unwrap().unwrap();
    let again = Schema::builtin("apps/v1", "Deployment").unwrap().unwrap();
    assert!(std::ptr::eq(first, again));
}

#[test]
fn a_request_without_schema_picks_the_kinds() {
    // Endpoints: the design's keyed subsets.
    let endpoints = Schema::for_kind("v1", "Endpoints").unwrap();
    let root = endpoints.root_for("v1", "Endpoints").unwrap();
    let Node::Struct(e) = endpoints.node(root) else {
        panic!("a struct")
    };
    assert_eq!(e.unknown, Unknown::Lenient);
    assert!(endpoints.list_node(e.fields["subsets"].node).is_some());
    // Upstream's Endpoints is still there, atomic lists and all.
    let upstream = Schema::builtin("v1", "Endpoints").unwrap().unwrap();
    assert!(!std::ptr::eq(upstream, endpoints));
    // A built-in kind: its own schema, undeclared fields an error.
    let pod = Schema::for_kind("v1", "Pod").unwrap();
    let Node::Struct(p) = pod.node(pod.root_for("v1", "Pod").unwrap()) else {
        panic!("a struct")
    };
    assert_eq!(p.unknown, Unknown::Error);
    assert!(p.fields.contains_key("spec"));
    // A custom kind: nothing known, strategic merge refused.
    assert!(
        !Schema::for_kind("example.com/v1", "Widget")
            .unwrap()
            .strategic_allowed
    );
    // An object that names no kind: as before, only metadata typed.
    assert!(Schema::for_kind("", "").unwrap().strategic_allowed);
    assert!(Schema::for_kind("v1", "").unwrap().strategic_allowed);
}

fn widget() -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget",
           "metadata": {"name": "w", "namespace": "default", "labels": {"a": "1"}},
           "spec": {"size": 1, "parts": [{"name": "a"}]}})
}

#[test]
fn a_custom_kind_refuses_strategic_merge_and_keeps_fields_otherwise() {
    let live = widget();
    let err = PatchRequest::new(STRATEGIC, br#"{"spec":{"size":2}}"#)
        .live(&live)
        .run()
        .unwrap_err();
    assert_eq!(err.code(), 415);
    assert_eq!(
        err.to_string(),
        "the body of the request was in an unknown format - accepted media types include: \
         application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    );
    // A Content-Type parameter changes nothing.
    let err = PatchRequest::new(
        "application/strategic-merge-patch+json; charset=utf-8",
        b"{}",
    )
    .live(&live)
    .run()
    .unwrap_err();
    assert_eq!(err.code(), 415);

    let out = PatchRequest::new(MERGE_PATCH, br#"{"spec":{"color":"red"},"extra":{"x":1}}"#)
        .live(&live)
        .run()
        .unwrap();
    assert_eq!(out.object["spec"]["color"], "red");
    assert_eq!(out.object["extra"], json!({"x": 1}));
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);

    let out = PatchRequest::new(
        JSON_PATCH,
        br#"[{"op":"add","path":"/spec/parts/-","value":{"name":"b"}}]"#,
    )
    .live(&live)
    .run()
    .unwrap();
    assert_eq!(
        out.object["spec"]["parts"],
        json!([{"name": "a"}, {"name": "b"}])
    );

    // Apply: untyped but for metadata. On the live object, and as a create,
    // whose kind comes from the configuration.
    let config = br#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"default"},"spec":{"size":1,"anything":{"goes":true}}}"#;
    let out = PatchRequest::new(APPLY, config)
        .live(&live)
        .params(PatchParams::apply("ctrl"))
        .run()
        .unwrap();
    assert_eq!(out.code, 200);
    assert_eq!(out.object["spec"]["parts"], json!([{"name": "a"}]));
    assert_eq!(out.object["spec"]["anything"], json!({"goes": true}));
    let out = PatchRequest::new(APPLY, config)
        .params(PatchParams::apply("ctrl"))
        .run()
        .unwrap();
    assert_eq!(out.code, 201);
    assert_eq!(out.object["spec"]["anything"], json!({"goes": true}));
}

#[test]
fn a_built_in_kind_is_typed_with_no_schema() {
    // The issue's case: the sidecar and the ports stay.
    let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "busybox"}]}}}});
    let body =
        br#"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}"#;
    let out = PatchRequest::new(STRATEGIC, body)
        .live(&live)
        .run()
        .unwrap();
    assert_eq!(
        out.object["spec"]["template"]["spec"]["containers"],
        json!([{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
               {"name": "sidecar", "image": "busybox"}])
    );
    // A create by apply takes the configuration's kind: a Deployment field
    // it does not declare is refused, as upstream refuses it.
    let err = PatchRequest::new(
        APPLY,
        br#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},"spec":{"replicass":1}}"#,
    )
    .params(PatchParams::apply("ctrl"))
    .run()
    .unwrap_err();
    assert_eq!(err.code(), 400);
    assert!(
        err.to_string()
            .contains(".spec.replicass: field not declared in schema"),
        "{err}"
    );
    // A ConfigMap's made-up member is dropped after a merge patch, with a warning.
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
    let out = PatchRequest::new(MERGE_PATCH, br#"{"data":{"b":"2"},"spec":{"x":1}}"#)
        .live(&live)
        .run()
        .unwrap();
    assert_eq!(out.object.get("spec"), None);
    assert_eq!(out.object["data"], json!({"a": "1", "b": "2"}));
    assert_eq!(out.warnings, [r#"unknown field "spec""#]);
    // An explicit schema still replaces the built-in one.
    let endpoints_only = Schema::endpoints();
    let out = PatchRequest::new(MERGE_PATCH, br#"{"spec":{"x":1}}"#)
        .live(&live)
        .schema(&endpoints_only)
        .run()
        .unwrap();
    assert_eq!(out.object["spec"], json!({"x": 1}));
}

/// A `--schema` document replaces the built-in choice: a kind it lacks is a
/// custom resource to it, so strategic merge is refused as for one, while
/// the JSON strategies and an object that names no kind are merged untyped.
#[test]
fn a_kind_the_given_document_lacks_refuses_strategic_merge() {
    let Some(bytes) = swagger("a_kind_the_given_document_lacks_refuses_strategic_merge") else {
        return;
    };
    let schema = load(&bytes, &Options::default()).expect("the v1.36 document loads");
    let live = widget();
    let err = PatchRequest::new(STRATEGIC, br#"{"spec":{"size":2}}"#)
        .live(&live)
        .schema(&schema)
        .run()
        .unwrap_err();
    assert_eq!(err.code(), 415);
    let out = PatchRequest::new(MERGE_PATCH, br#"{"spec":{"size":2}}"#)
        .live(&live)
        .schema(&schema)
        .run()
        .unwrap();
    assert_eq!(out.object["spec"]["size"], 2);
    // A kind the document has is merged by its rules.
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                     "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
    let out = PatchRequest::new(
        STRATEGIC,
        br#"{"spec":{"containers":[{"name":"b","image":"z"}]}}"#,
    )
    .live(&pod)
    .schema(&schema)
    .run()
    .unwrap();
    assert_eq!(
        out.object["spec"]["containers"],
        json!([{"name": "a", "image": "x"}, {"name": "b", "image": "z"}])
    );
    // An object that names no kind: untyped, as before.
    let bare = json!({"metadata": {"name": "x"}, "spec": {"list": [1, 2]}});
    let out = PatchRequest::new(STRATEGIC, br#"{"spec":{"list":[3]}}"#)
        .live(&bare)
        .schema(&schema)
        .run()
        .unwrap();
    assert_eq!(out.object["spec"]["list"], json!([3]));
}
