//! `request_params`: see `kubepatch_fuzz::targets::request_params`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubepatch_fuzz::targets::request_params::check(data));
