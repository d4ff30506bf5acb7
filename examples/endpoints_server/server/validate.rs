//! Endpoints validation and defaulting, as kube-apiserver's.

// placeholder until branch val lands

use kubepatch::field::FieldError;
use serde_json::Value;

/// Endpoints validation (placeholder until branch val lands: accepts all).
pub fn endpoints(object: &Value) -> Vec<FieldError> {
    let _ = object;
    Vec::new()
}

/// Endpoints defaults (placeholder until branch val lands: sets none).
pub fn set_defaults(object: &mut Value) {
    let _ = object;
}
