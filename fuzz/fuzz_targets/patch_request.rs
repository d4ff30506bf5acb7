//! `patch_request`: see `kubepatch_fuzz::targets::patch_request`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubepatch_fuzz::targets::patch_request::check(data));
