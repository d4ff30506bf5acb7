//! Replays the committed fuzz seeds (`fuzz/seeds/<target>/`) through the
//! fuzz targets' own checks, on stable and without libFuzzer: the targets'
//! bodies are plain functions in `fuzz/src/targets/` that this file includes,
//! so `cargo test` runs the same code as `cargo +nightly fuzz run`.
//!
//! A panic that kubepatch catches inside `PatchRequest` (it answers 500)
//! fails the seed too, as libFuzzer's panic hook aborts on it.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Once;

#[allow(dead_code)] // not every helper serves every target
#[path = "../fuzz/src/common.rs"]
mod common;

#[path = "../fuzz/src/targets/apply_sequence.rs"]
mod apply_sequence;
#[path = "../fuzz/src/targets/decode.rs"]
mod decode;
#[path = "../fuzz/src/targets/managed_fields.rs"]
mod managed_fields;
#[path = "../fuzz/src/targets/patch_request.rs"]
mod patch_request;
#[path = "../fuzz/src/targets/request_params.rs"]
mod request_params;
#[path = "../fuzz/src/targets/schema_load.rs"]
mod schema_load;
#[path = "../fuzz/src/targets/strategic_structured.rs"]
mod strategic_structured;

thread_local! {
    /// Panics on this thread since the last seed began, caught or not.
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Count every panic on its thread, then report it as usual.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            report(info);
        }));
    });
}

fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Run `check` on every seed of `target`; fail if there are none, or if any
/// seed panics (inside kubepatch or in the target's assertions).
fn replay(target: &str, check: fn(&[u8])) {
    count_panics();
    let files = seeds(target);
    assert!(!files.is_empty(), "fuzz/seeds/{target}/ has no seeds");
    let mut failed = Vec::new();
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        PANICS.with(|p| p.set(0));
        let outcome = std::panic::catch_unwind(|| check(&data));
        if outcome.is_err() || PANICS.with(Cell::get) != 0 {
            failed.push(file.display().to_string());
        }
    }
    println!("{target}: {} seeds replayed", files.len());
    assert!(failed.is_empty(), "{target}: seeds that fail: {failed:#?}");
}

#[test]
fn apply_sequence_seeds() {
    replay("apply_sequence", apply_sequence::check);
}

#[test]
fn decode_seeds() {
    replay("decode", decode::check);
}

#[test]
fn managed_fields_seeds() {
    replay("managed_fields", managed_fields::check);
}

#[test]
fn patch_request_seeds() {
    replay("patch_request", patch_request::check);
}

#[test]
fn request_params_seeds() {
    replay("request_params", request_params::check);
}

#[test]
fn schema_load_seeds() {
    replay("schema_load", schema_load::check);
}

#[test]
fn strategic_structured_seeds() {
    replay("strategic_structured", strategic_structured::check);
}
