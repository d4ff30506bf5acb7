//! Discovery documents (to be written).

use axum::Router;

/// The discovery routes.
pub fn router() -> Router {
    Router::new()
}
