//! The reads and the deletes: get, list (and watch, [`super::watch`]),
//! delete, delete collection. Get and list answer a Table when asked
//! ([`super::table`]).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::request::Parts;
use kubepatch::Error;
use kubepatch::http::wants_pretty;
use serde_json::{Value, json};

use super::query::{self, first, is_true};
use super::reply::{self, Reply, bad_request};
use super::selectors::{FieldSelector, LabelSelector, Selection};
use super::store::Store;
use super::{table, watch};

/// `GET /api/v1/namespaces/{namespace}/endpoints/{name}`: the object, or
/// 404 `endpoints "NAME" not found`.
pub async fn get(
    State(store): State<Arc<Store>>,
    Path((namespace, name)): Path<(String, String)>,
    parts: Parts,
) -> Reply {
    let pretty = wants_pretty(&parts);
    let found = store.lock().get(&namespace, &name).cloned();
    match found {
        Some(object) => match table::wanted(&parts) {
            Some(version) => {
                let revision = object
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str);
                let include = first(&parts, "includeObject").unwrap_or_default();
                let table = table::table(version, &[&object], revision.unwrap_or(""), &include);
                reply::object(200, &table, &[], pretty)
            }
            None => reply::object(200, &object, &[], pretty),
        },
        None => reply::error(&not_found(&name), pretty),
    }
}

fn not_found(name: &str) -> Error {
    Error::NotFound {
        resource: "endpoints".to_string(),
        name: name.to_string(),
    }
}

/// `GET /api/v1/namespaces/{namespace}/endpoints`: the namespace's list,
/// or its watch.
pub async fn list_namespace(
    State(store): State<Arc<Store>>,
    Path(namespace): Path<String>,
    parts: Parts,
) -> Reply {
    list_or_watch(store, Some(namespace), parts)
}

/// `GET /api/v1/endpoints`: every namespace's list, or their watch.
pub async fn list_all(State(store): State<Arc<Store>>, parts: Parts) -> Reply {
    list_or_watch(store, None, parts)
}

/// The selectors of a list, watch or delete collection; a bad one is a 400.
fn selection(parts: &Parts) -> Result<Selection, Error> {
    let labels = LabelSelector::parse(&first(parts, "labelSelector").unwrap_or_default())
        .map_err(bad_request)?;
    let fields = FieldSelector::parse(&first(parts, "fieldSelector").unwrap_or_default())
        .map_err(bad_request)?;
    Ok(Selection { labels, fields })
}

fn list_or_watch(store: Arc<Store>, namespace: Option<String>, parts: Parts) -> Reply {
    let pretty = wants_pretty(&parts);
    let selection = match selection(&parts) {
        Ok(selection) => selection,
        Err(error) => return reply::error(&error, pretty),
    };
    if is_true(first(&parts, "watch").as_deref()) {
        return watch::watch(&store, namespace, selection, &parts);
    }
    // limit and continue (paging) are not offered: the whole list is one
    // page, which upstream allows a server to answer.
    let (items, revision) = {
        let store = store.lock();
        let items: Vec<Arc<Value>> = store
            .list(namespace.as_deref())
            .filter(|o| selection.matches(o))
            .cloned()
            .collect();
        (items, store.revision())
    };
    if let Some(version) = table::wanted(&parts) {
        let objects: Vec<&Value> = items.iter().map(|o| &**o).collect();
        let include = first(&parts, "includeObject").unwrap_or_default();
        let table = table::table(version, &objects, &revision.to_string(), &include);
        return reply::object(200, &table, &[], pretty);
    }
    reply::object(200, &list(items, revision), &[], pretty)
}

/// An `EndpointsList` of `items` at `revision`.
fn list(items: Vec<Arc<Value>>, revision: u64) -> Value {
    let items: Vec<Value> = items.iter().map(|o| Value::clone(o)).collect();
    json!({
        "apiVersion": "v1",
        "kind": "EndpointsList",
        "metadata": {"resourceVersion": revision.to_string()},
        "items": items,
    })
}

/// `DELETE /api/v1/namespaces/{namespace}/endpoints/{name}`: Endpoints are
/// deleted at once (no graceful deletion, no finalizers kept here) and
/// their store does not return the deleted object: upstream answers 200
/// with a `Status` Success whose details name the object (`kind` holds the
/// resource, as upstream's `finalizeDelete` sets it). A missing object is a
/// 404. DeleteOptions in the body (preconditions, propagation) are not read.
pub async fn delete(
    State(store): State<Arc<Store>>,
    Path((namespace, name)): Path<(String, String)>,
    parts: Parts,
) -> Reply {
    let pretty = wants_pretty(&parts);
    let dry_run = match query::dry_run(&parts, "DeleteOptions") {
        Ok(dry_run) => dry_run,
        Err(error) => return reply::error(&error, pretty),
    };
    let removed = {
        let mut store = store.lock();
        if dry_run {
            store.get(&namespace, &name).cloned()
        } else {
            store.delete(&namespace, &name)
        }
    };
    let Some(object) = removed else {
        return reply::error(&not_found(&name), pretty);
    };
    let uid = object.pointer("/metadata/uid").and_then(Value::as_str);
    let status = reply::Deleted::new(&name, uid.unwrap_or(""));
    reply::json(200, &status, &[], pretty)
}

/// `DELETE /api/v1/namespaces/{namespace}/endpoints`: every selected object
/// of the namespace, answered with their `EndpointsList` (as upstream's
/// `DeleteCollection` returns what it deleted).
pub async fn delete_collection(
    State(store): State<Arc<Store>>,
    Path(namespace): Path<String>,
    parts: Parts,
) -> Reply {
    let pretty = wants_pretty(&parts);
    let checked = query::dry_run(&parts, "DeleteOptions")
        .and_then(|dry_run| Ok((dry_run, selection(&parts)?)));
    let (dry_run, selection) = match checked {
        Ok(checked) => checked,
        Err(error) => return reply::error(&error, pretty),
    };
    let (items, revision) = {
        let mut store = store.lock();
        let chosen: Vec<Arc<Value>> = store
            .list(Some(&namespace))
            .filter(|o| selection.matches(o))
            .cloned()
            .collect();
        if !dry_run {
            for object in &chosen {
                let name = object.pointer("/metadata/name").and_then(Value::as_str);
                store.delete(&namespace, name.unwrap_or(""));
            }
        }
        (chosen, store.revision())
    };
    reply::object(200, &list(items, revision), &[], pretty)
}
