//! Strategic merge on two JSON documents: `original, 0, patch` (inputs that
//! are not two JSON documents are skipped). Each pair runs through
//! `kubepatch::strategic::apply` with the built-in Endpoints schema and with
//! the Kubernetes OpenAPI schema (loaded once, upstream's rules and with
//! list-map keys), by the original's own kind and again typed as v1
//! Endpoints whatever it says. Checked: no panic, and every error converts
//! into an `Error` with a 4xx/5xx code that `to_status()` agrees with.

use crate::common::{check_error, endpoints_schema, openapi_schemas, split0};
use kubepatch::Error;
use kubepatch::schema::Schema;
use kubepatch::strategic;
use serde_json::Value;

fn run(original: &Value, patch: &Value, schema: &Schema) {
    let by_kind = strategic::apply(original, patch.clone(), schema);
    let roots = [schema.root_for("v1", "Endpoints")];
    let typed = roots
        .into_iter()
        .flatten()
        .map(|root| strategic::apply_with_root(original, patch.clone(), schema, root));
    for result in std::iter::once(by_kind).chain(typed) {
        match result {
            Ok(v) => {
                serde_json::to_vec(&v).expect("the result serializes");
            }
            Err(e) => {
                let label = e.kind.label();
                assert!(!label.is_empty());
                let err = Error::from(e);
                check_error(&err);
            }
        }
    }
}

/// The target's checks on one input.
pub fn check(data: &[u8]) {
    let (original, Some(patch)) = split0(data) else {
        return;
    };
    let (Ok(original), Ok(patch)) = (
        serde_json::from_slice::<Value>(original),
        serde_json::from_slice::<Value>(patch),
    ) else {
        return;
    };
    let before = original.clone();
    run(&original, &patch, endpoints_schema());
    for schema in openapi_schemas() {
        run(&original, &patch, schema);
    }
    assert_eq!(original, before);
}
