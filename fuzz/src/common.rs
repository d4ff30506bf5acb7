//! Helpers shared by the fuzz targets: the error contract, the OpenAPI
//! schemas, a fixed clock and input splitting. Also compiled into the main
//! crate's `tests/fuzz_corpus.rs` (as `crate::common`), so it uses only
//! kubepatch, serde_json and jiff.

use std::path::PathBuf;
use std::sync::OnceLock;

use kubepatch::schema::Schema;
use kubepatch::schema::openapi::{self, Options};
use kubepatch::{Error, FixedClock};

/// The error contract: every failure is an HTTP error status (400..=599),
/// `to_status()` carries the same code as `code()`, and rendering it does
/// not panic.
pub fn check_error(e: &Error) {
    let code = e.code();
    assert!(
        (400..=599).contains(&code),
        "error code {code} out of range: {e}"
    );
    let status = e.to_status();
    assert_eq!(status.code, code, "to_status().code != code() for {e}");
    let value = status.to_value();
    assert_eq!(
        value["code"], code,
        "rendered status has another code: {value}"
    );
    assert_eq!(value["kind"], "Status");
    let _ = e.reason();
    let _ = e.to_string();
}

/// Where the Kubernetes OpenAPI document is: `$KUBEPATCH_FUZZ_OPENAPI`, or
/// `shared/openapi/kubernetes-v1.36-swagger.json` beside the repository
/// (seen from the fuzz crate or from the main crate).
fn openapi_path() -> PathBuf {
    if let Some(p) = std::env::var_os("KUBEPATCH_FUZZ_OPENAPI") {
        return PathBuf::from(p);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = ["../shared", "../../shared"].map(|d| {
        manifest
            .join(d)
            .join("openapi/kubernetes-v1.36-swagger.json")
    });
    candidates
        .iter()
        .find(|p| p.exists())
        .unwrap_or(&candidates[0])
        .clone()
}

/// The schemas loaded from the Kubernetes OpenAPI document, once: upstream's
/// rules, then with list-map keys for strategic merge. Empty if the document
/// is not there.
pub fn openapi_schemas() -> &'static [Schema] {
    static SCHEMAS: OnceLock<Vec<Schema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let path = openapi_path();
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!(
                "note: {} not found; fuzzing the built-in schema only",
                path.display()
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for keys in [false, true] {
            let options = Options {
                list_map_keys_for_strategic: keys,
            };
            match openapi::load(&bytes, &options) {
                Ok(s) => out.push(s),
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
        out
    })
}

/// The built-in Endpoints schema, built once.
pub fn endpoints_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(Schema::endpoints)
}

/// A clock stopped `second` seconds after 2030-01-01T00:00:00Z.
pub fn clock(second: u64) -> FixedClock {
    let start: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    FixedClock(start + jiff::SignedDuration::from_secs(second as i64))
}

/// The bytes before the first 0 byte and those after it (all and nothing
/// when there is no 0 byte).
pub fn split0(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    }
}
