//! The Endpoints API server: its routes ([`router`]) over an in-memory store.
//!
//! - `store`: the objects, their `resourceVersion`s and the watch events;
//! - `handlers`: get, list, delete, delete collection; `watch`: the watch
//!   streams; `write`: create, replace and patch (through kubepatch);
//! - `body`: the body of a create or replace decoded as a `v1.Endpoints`;
//!   `query`: query strings and write options; `selectors`: label and
//!   field selectors; `reply`: responses as kube-apiserver writes them;
//!   `table`: the Table `kubectl get` asks for;
//!   `uid`: random uids and generated names;
//! - `validate`: Endpoints validation and defaulting, as kube-apiserver's;
//! - `discovery`: `/api`, `/apis`, `/version`, `/openapi/v3`, what kubectl
//!   and kube-rs ask before they act.
//!
//! Routes:
//!
//! | path | methods |
//! |---|---|
//! | `/api/v1/namespaces/{namespace}/endpoints/{name}` | GET, PUT, PATCH, DELETE |
//! | `/api/v1/namespaces/{namespace}/endpoints` | GET (list, `?watch=true`), POST, DELETE (collection) |
//! | `/api/v1/endpoints` | GET (list, `?watch=true`) |
//!
//! Other methods on these paths are 405, other paths 404, both as
//! `metav1.Status`.

// kubepatch::Error is what the library returns; the server passes it on.
#![allow(clippy::result_large_err)]

pub mod body;
pub mod discovery;
pub mod handlers;
pub mod query;
pub mod reply;
pub mod selectors;
pub mod store;
pub mod table;
pub mod uid;
pub mod validate;
pub mod watch;
pub mod write;

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use store::Store;

/// The schema of v1 Endpoints, built once.
static SCHEMA: LazyLock<kubepatch::schema::Schema> =
    LazyLock::new(kubepatch::schema::Schema::endpoints);

/// The schema of v1 Endpoints ([`kubepatch::schema::Schema::endpoints`]).
pub fn schema() -> &'static kubepatch::schema::Schema {
    &SCHEMA
}

/// `object` as Go writes a decoded `v1.Endpoints`: its empty maps and
/// lists omitted ([`body::omit_empty`]). Returns whether it changed.
pub fn omit_empty(object: &mut serde_json::Value) -> bool {
    let schema = schema();
    match schema.root_for("v1", "Endpoints") {
        Some(root) => body::omit_empty(schema, root, object),
        None => false,
    }
}

/// The server's routes, over a new empty store.
pub fn router() -> Router {
    let store = Arc::new(Store::new());
    let one = get(handlers::get)
        .put(write::replace)
        .patch(write::patch)
        .delete(handlers::delete)
        .fallback(method_not_allowed);
    let namespace = post(write::create)
        .get(handlers::list_namespace)
        .delete(handlers::delete_collection)
        .fallback(method_not_allowed);
    let all = get(handlers::list_all).fallback(method_not_allowed);
    Router::new()
        .route("/api/v1/namespaces/{namespace}/endpoints/{name}", one)
        .route("/api/v1/namespaces/{namespace}/endpoints", namespace)
        .route("/api/v1/endpoints", all)
        // Bodies up to a little over kubepatch's limit (3 MiB, upstream's):
        // larger ones reach kubepatch, which answers 413 as upstream does.
        .layer(DefaultBodyLimit::max(kubepatch::MAX_BODY_BYTES + 1024))
        .with_state(store)
        .merge(discovery::router())
        .fallback(not_found)
}

async fn method_not_allowed() -> reply::Reply {
    reply::method_not_allowed()
}

async fn not_found() -> reply::Reply {
    reply::path_not_found()
}

/// Serve [`router`] on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router()).await
}
