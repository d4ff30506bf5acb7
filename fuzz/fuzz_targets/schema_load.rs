//! `schema_load`: see `kubepatch_fuzz::targets::schema_load`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubepatch_fuzz::targets::schema_load::check(data));
