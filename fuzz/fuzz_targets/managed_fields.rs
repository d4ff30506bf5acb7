//! `managed_fields`: see `kubepatch_fuzz::targets::managed_fields`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubepatch_fuzz::targets::managed_fields::check(data));
