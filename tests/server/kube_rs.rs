//! kube-rs against the example Endpoints server (`examples/endpoints_server`,
//! run in this process by `support`): `Api<Endpoints>` creates, patches
//! with the four patch types, gets, lists and deletes, and a watch sees the
//! writes in order.
//!
//! kube-rs asks for no discovery: k8s-openapi's `Endpoints` carries its
//! group, version and plural, so every request below goes straight to
//! `/api/v1/namespaces/test-namespace/endpoints[/test-endpoint]`.
//!
//! What is expected is what kube-apiserver does: defaulting (`protocol:
//! TCP`), `omitempty` (an emptied map is not written), managedFields
//! bookkeeping per manager and operation (with the lists of Endpoints keyed
//! as kubepatch's built-in Endpoints schema keys them, README "The built-in
//! Endpoints schema", where upstream's are atomic: subsets by port set,
//! addresses by `ip`), a delete answered by a success `Status` (Endpoints are
//! deleted at once, the object is not returned), NotFound afterwards, and one
//! watch event per write, each carrying the object as that write left it.

use crate::support;

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::Endpoints;
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::{Client, Config};
use serde_json::{Value, json};

const NAMESPACE: &str = "test-namespace";
const NAME: &str = "test-endpoint";

/// The `fieldsV1` key of the seed's subset (its port set: http, 8080), as
/// the built-in Endpoints schema keys subsets.
const SUBSET_HTTP_8080: &str = r#"k:{"ports":[{"name":"http","port":8080}]}"#;

/// The `fieldsV1` key of a subset whose port set is http, 80.
const SUBSET_HTTP_80: &str = r#"k:{"ports":[{"name":"http","port":80}]}"#;

/// How long a request or a watch event may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

/// A client of the server at `url` (`http://127.0.0.1:PORT`).
fn client(url: &str) -> Client {
    let uri = url.parse().expect("the server's URL is a URI");
    Client::try_from(Config::new(uri)).expect("a client for a plain-HTTP URL")
}

/// The seed object: `test-endpoint` in `test-namespace`, one address, one
/// port.
fn seed() -> Endpoints {
    let text = include_str!("../../testdata/json/add-annotations-seed/original.json");
    serde_json::from_str(text).expect("the seed is an Endpoints")
}

/// `endpoints` as JSON, for comparisons of whole parts.
fn to_json(endpoints: &Endpoints) -> Value {
    serde_json::to_value(endpoints).expect("an Endpoints serializes")
}

/// The object's `subsets`, as JSON.
fn subsets(endpoints: &Endpoints) -> Value {
    to_json(endpoints)["subsets"].clone()
}

/// The object's labels (none: empty).
fn labels(endpoints: &Endpoints) -> BTreeMap<String, String> {
    endpoints.metadata.labels.clone().unwrap_or_default()
}

/// The object's `resourceVersion`, which a write must have set.
fn resource_version(endpoints: &Endpoints) -> String {
    endpoints
        .metadata
        .resource_version
        .clone()
        .expect("the server sets resourceVersion")
}

/// The managedFields entry of `manager`, as JSON, if any.
fn managed_entry(endpoints: &Endpoints, manager: &str) -> Option<Value> {
    let entries = to_json(endpoints)["metadata"]["managedFields"].clone();
    entries
        .as_array()?
        .iter()
        .find(|e| e["manager"] == manager)
        .cloned()
}

/// Whether `manager`'s entry owns the field at `path` of its fieldsV1 (keys
/// such as `f:metadata`, `f:labels`, `f:app`).
fn owns(endpoints: &Endpoints, manager: &str, path: &[&str]) -> bool {
    let Some(entry) = managed_entry(endpoints, manager) else {
        return false;
    };
    let mut node = &entry["fieldsV1"];
    for key in path {
        node = &node[*key];
    }
    node.is_object()
}

/// The next event of `events` but bookmarks (kube-rs asks for them, and the
/// server may send one at any time), within [`WAIT`].
async fn next_event<S>(events: &mut S) -> WatchEvent<Endpoints>
where
    S: Stream<Item = kube::Result<WatchEvent<Endpoints>>> + Unpin,
{
    loop {
        match tokio::time::timeout(WAIT, events.next()).await {
            Ok(Some(Ok(WatchEvent::Bookmark(_)))) => continue,
            Ok(Some(Ok(event))) => return event,
            Ok(Some(Err(e))) => panic!("the watch failed: {e}"),
            Ok(None) => panic!("the watch ended early"),
            Err(_) => panic!("no watch event within {WAIT:?}"),
        }
    }
}

/// Patch parameters of the manager `patcher` (JSON, merge and strategic
/// patches).
fn patcher() -> PatchParams {
    PatchParams {
        field_manager: Some("patcher".into()),
        ..PatchParams::default()
    }
}

/// The whole session on `test-endpoint`: create, the four patch types, get,
/// list and delete, with a watch that sees every write in order.
#[tokio::test]
async fn kube_rs_session() {
    let server = support::start();
    let api: Api<Endpoints> = Api::namespaced(client(&server.url), NAMESPACE);

    // List (nothing yet), then watch from the list's resourceVersion: every
    // later write is an event.
    let empty = api.list(&ListParams::default()).await.expect("list");
    assert!(empty.items.is_empty());
    let from = empty
        .metadata
        .resource_version
        .expect("a list has a resourceVersion");
    let mut events = Box::pin(
        tokio::time::timeout(WAIT, api.watch(&WatchParams::default(), &from))
            .await
            .expect("the watch starts in time")
            .expect("watch"),
    );

    // Create.
    let post = PostParams {
        field_manager: Some("creator".into()),
        ..PostParams::default()
    };
    let created = api.create(&post, &seed()).await.expect("create");
    assert_eq!(created.metadata.name.as_deref(), Some(NAME));
    assert_eq!(created.metadata.namespace.as_deref(), Some(NAMESPACE));
    assert!(
        created
            .metadata
            .uid
            .as_deref()
            .is_some_and(|u| !u.is_empty())
    );
    assert!(created.metadata.creation_timestamp.is_some());
    assert_eq!(subsets(&created), to_json(&seed())["subsets"]);
    let entry = managed_entry(&created, "creator").expect("creator's managedFields entry");
    assert_eq!(entry["operation"], "Update");
    assert_eq!(entry["apiVersion"], "v1");
    assert!(owns(&created, "creator", &["f:subsets", SUBSET_HTTP_8080]));

    // A second create of the same name: AlreadyExists (409).
    match api.create(&post, &seed()).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 409);
            assert_eq!(status.reason, "AlreadyExists");
            assert_eq!(
                status.message,
                r#"endpoints "test-endpoint" already exists"#
            );
        }
        other => panic!("a second create: {other:?}"),
    }

    // JSON patch: add a label.
    let json_patch: Patch<()> = Patch::Json(
        serde_json::from_value(json!([
            {"op": "test", "path": "/metadata/name", "value": NAME},
            {"op": "add", "path": "/metadata/labels", "value": {"app": "web"}},
        ]))
        .expect("a JSON patch"),
    );
    let after_json = api
        .patch(NAME, &patcher(), &json_patch)
        .await
        .expect("JSON patch");
    assert_eq!(
        labels(&after_json),
        BTreeMap::from([("app".into(), "web".into())])
    );
    assert_eq!(after_json.metadata.uid, created.metadata.uid);
    assert_ne!(resource_version(&after_json), resource_version(&created));
    assert_eq!(
        managed_entry(&after_json, "patcher").expect("patcher's entry")["operation"],
        "Update"
    );
    assert!(owns(
        &after_json,
        "patcher",
        &["f:metadata", "f:labels", "f:app"]
    ));

    // Merge patch: an annotation; the subsets replaced as a whole (RFC 7386),
    // the port's protocol defaulted to TCP.
    let merge = Patch::Merge(json!({
        "metadata": {"annotations": {"note": "merged"}},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "http", "port": 80}]}],
    }));
    let after_merge = api
        .patch(NAME, &patcher(), &merge)
        .await
        .expect("merge patch");
    assert_eq!(
        subsets(&after_merge),
        json!([{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}])
    );
    assert_eq!(
        after_merge.metadata.annotations,
        Some(BTreeMap::from([("note".into(), "merged".into())]))
    );
    assert_eq!(labels(&after_merge), labels(&after_json));
    // The built-in Endpoints schema keys subsets by their port set: the new
    // subset is the patcher's; the creator's went with its subset.
    assert!(owns(
        &after_merge,
        "patcher",
        &["f:subsets", SUBSET_HTTP_80]
    ));
    assert!(!owns(
        &after_merge,
        "creator",
        &["f:subsets", SUBSET_HTTP_8080]
    ));

    // Strategic merge patch: a label added, the annotation deleted (the
    // emptied map is not written: `omitempty`).
    let strategic = Patch::Strategic(json!({
        "metadata": {"labels": {"tier": "backend"}, "annotations": {"note": null}},
    }));
    let after_strategic = api
        .patch(NAME, &patcher(), &strategic)
        .await
        .expect("strategic merge patch");
    assert_eq!(
        labels(&after_strategic),
        BTreeMap::from([
            ("app".into(), "web".into()),
            ("tier".into(), "backend".into())
        ])
    );
    assert_eq!(after_strategic.metadata.annotations, None);
    assert_eq!(subsets(&after_strategic), subsets(&after_merge));

    // Server-side apply by `mgr`: a label the patcher owns with another value
    // is a conflict (the message names an Update manager with its API
    // version, not the time: the manager's identifier leaves it out); forced,
    // mgr takes it. Its address
    // joins the patcher's in the subset of the same port set, each manager
    // owning its own address.
    let applied_object = json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": {"tier": "frontend", "applied": "yes"}},
        "subsets": [{"addresses": [{"ip": "10.0.0.2"}], "ports": [{"name": "http", "port": 80}]}],
    });
    match api
        .patch(
            NAME,
            &PatchParams::apply("mgr"),
            &Patch::Apply(&applied_object),
        )
        .await
    {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 409);
            assert_eq!(status.reason, "Conflict");
            assert_eq!(
                status.message,
                r#"Apply failed with 1 conflict: conflict with "patcher" using v1: .metadata.labels.tier"#
            );
        }
        other => panic!("an apply without force over the patcher's label: {other:?}"),
    }
    let apply = PatchParams::apply("mgr").force();
    let after_apply = api
        .patch(NAME, &apply, &Patch::Apply(&applied_object))
        .await
        .expect("server-side apply");
    let subset = &subsets(&after_apply)[0];
    assert_eq!(subsets(&after_apply).as_array().map(Vec::len), Some(1));
    assert_eq!(
        subset["ports"],
        json!([{"name": "http", "port": 80, "protocol": "TCP"}])
    );
    let mut ips: Vec<&str> = subset["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .filter_map(|a| a["ip"].as_str())
        .collect();
    ips.sort_unstable();
    assert_eq!(ips, ["10.0.0.1", "10.0.0.2"]);
    assert_eq!(
        labels(&after_apply),
        BTreeMap::from([
            ("app".into(), "web".into()),
            ("applied".into(), "yes".into()),
            ("tier".into(), "frontend".into())
        ])
    );
    let entry = managed_entry(&after_apply, "mgr").expect("mgr's managedFields entry");
    assert_eq!(entry["operation"], "Apply");
    let owns_address = |manager: &str, key: &str| {
        owns(
            &after_apply,
            manager,
            &["f:subsets", SUBSET_HTTP_80, "f:addresses", key],
        )
    };
    let (mgr_address, patcher_address) = (r#"k:{"ip":"10.0.0.2"}"#, r#"k:{"ip":"10.0.0.1"}"#);
    assert!(owns_address("mgr", mgr_address));
    assert!(!owns_address("mgr", patcher_address));
    assert!(owns_address("patcher", patcher_address));
    for (manager, owner) in [("mgr", true), ("patcher", false)] {
        assert_eq!(
            owns(&after_apply, manager, &["f:metadata", "f:labels", "f:tier"]),
            owner,
            "{manager} and the label tier"
        );
    }
    assert!(owns(
        &after_apply,
        "patcher",
        &["f:metadata", "f:labels", "f:app"]
    ));

    // Get and list see the applied object.
    let got = api.get(NAME).await.expect("get");
    assert_eq!(to_json(&got), to_json(&after_apply));
    let list = api.list(&ListParams::default()).await.expect("list");
    assert_eq!(list.items.len(), 1);
    assert_eq!(to_json(&list.items[0]), to_json(&after_apply));
    assert!(list.metadata.resource_version.is_some());
    let elsewhere: Api<Endpoints> = Api::namespaced(client(&server.url), "elsewhere");
    let empty = elsewhere
        .list(&ListParams::default())
        .await
        .expect("list elsewhere");
    assert!(empty.items.is_empty());

    // Delete: a success Status (the object is not returned), then NotFound.
    let deleted = api
        .delete(NAME, &DeleteParams::default())
        .await
        .expect("delete");
    let status = deleted.right().expect("a Status, not the object");
    assert_eq!(
        status.status,
        Some(kube::core::response::StatusSummary::Success)
    );
    let details = status.details.expect("the Status names the object");
    assert_eq!(details.name, NAME);
    assert_eq!(details.kind, "endpoints");
    assert_eq!(Some(details.uid), created.metadata.uid);
    match api.get(NAME).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 404);
            assert_eq!(status.reason, "NotFound");
            assert_eq!(status.message, r#"endpoints "test-endpoint" not found"#);
        }
        other => panic!("a get after the delete: {other:?}"),
    }

    // The watch saw the create, the four patches and the delete, in order,
    // each with the object the write returned (the delete's with a later
    // resourceVersion). The refused create and apply wrote nothing.
    match next_event(&mut events).await {
        WatchEvent::Added(object) => assert_eq!(to_json(&object), to_json(&created)),
        other => panic!("expected ADDED, got {other:?}"),
    }
    for expected in [&after_json, &after_merge, &after_strategic, &after_apply] {
        match next_event(&mut events).await {
            WatchEvent::Modified(object) => assert_eq!(to_json(&object), to_json(expected)),
            other => panic!("expected MODIFIED, got {other:?}"),
        }
    }
    match next_event(&mut events).await {
        WatchEvent::Deleted(object) => {
            assert_eq!(object.metadata.name.as_deref(), Some(NAME));
            assert_eq!(subsets(&object), subsets(&after_apply));
            let last: u64 = resource_version(&after_apply).parse().expect("a number");
            let deletion: u64 = resource_version(&object).parse().expect("a number");
            assert!(deletion > last, "deletion {deletion} after {last}");
        }
        other => panic!("expected DELETED, got {other:?}"),
    }
}

/// A watch from resourceVersion "0" starts with the objects that exist, as
/// ADDED events, then follows the writes.
#[tokio::test]
async fn kube_rs_watch_from_zero() {
    let server = support::start();
    let api: Api<Endpoints> = Api::namespaced(client(&server.url), NAMESPACE);
    let post = PostParams {
        field_manager: Some("creator".into()),
        ..PostParams::default()
    };
    let created = api.create(&post, &seed()).await.expect("create");
    let mut events = Box::pin(
        tokio::time::timeout(WAIT, api.watch(&WatchParams::default(), "0"))
            .await
            .expect("the watch starts in time")
            .expect("watch"),
    );
    match next_event(&mut events).await {
        WatchEvent::Added(object) => assert_eq!(to_json(&object), to_json(&created)),
        other => panic!("expected ADDED, got {other:?}"),
    }
    let patch = Patch::Merge(json!({"metadata": {"labels": {"seen": "yes"}}}));
    let patched = api
        .patch(NAME, &patcher(), &patch)
        .await
        .expect("merge patch");
    match next_event(&mut events).await {
        WatchEvent::Modified(object) => assert_eq!(to_json(&object), to_json(&patched)),
        other => panic!("expected MODIFIED, got {other:?}"),
    }
}

/// A patch that empties a map leaves no empty map behind: kube-apiserver
/// decodes the patched object into `v1.Endpoints`, whose maps and lists are
/// `omitempty`, so neither the response nor the stored object has
/// `annotations: {}`.
#[tokio::test]
async fn kube_rs_emptied_map_is_omitted() {
    let server = support::start();
    let api: Api<Endpoints> = Api::namespaced(client(&server.url), NAMESPACE);
    let mut object = seed();
    object.metadata.annotations = Some(BTreeMap::from([("note".into(), "x".into())]));
    let post = PostParams {
        field_manager: Some("creator".into()),
        ..PostParams::default()
    };
    api.create(&post, &object).await.expect("create");
    // The last annotation deleted by a strategic merge patch, then a label
    // added and deleted by merge patches: after each deletion, neither the
    // response nor the stored object has the emptied map.
    let steps = [
        (
            json!({"metadata": {"annotations": {"note": null}}}),
            "annotations",
            true,
        ),
        (json!({"metadata": {"labels": {"a": "b"}}}), "labels", false),
        (json!({"metadata": {"labels": {"a": null}}}), "labels", true),
    ];
    for (index, (body, map, emptied)) in steps.into_iter().enumerate() {
        let patch = if index == 0 {
            Patch::Strategic(body)
        } else {
            Patch::Merge(body)
        };
        let patched = api.patch(NAME, &patcher(), &patch).await.expect("patch");
        let got = api.get(NAME).await.expect("get");
        for object in [&patched, &got] {
            let metadata = &to_json(object)["metadata"];
            assert_eq!(metadata.get(map).is_none(), emptied, "{metadata}");
        }
    }
}
