//! The fuzz targets' bodies, each a plain `check(&[u8])` function in
//! [`targets`], so that `fuzz_targets/*.rs` (libFuzzer, nightly) and the main
//! crate's `tests/fuzz_corpus.rs` (the committed seeds in `fuzz/seeds/`, on
//! stable) run the same code. [`common`] holds what the targets share.

pub mod common;
pub mod targets;
