//! The Endpoints API server: its routes ([`router`]) over an in-memory store.
//!
//! - `store`: the objects, their `resourceVersion`s and the watch events;
//! - `validate`: Endpoints validation and defaulting, as kube-apiserver's;
//! - `discovery`: `/api`, `/apis`, `/version`, `/openapi/v3`, what kubectl
//!   and kube-rs ask before they act.

pub mod discovery;
pub mod validate;

use axum::Router;

/// The server's routes, over a new empty store.
pub fn router() -> Router {
    Router::new().merge(discovery::router())
}

/// Serve [`router`] on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router()).await
}
