//! `decode`: see `kubepatch_fuzz::targets::decode`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubepatch_fuzz::targets::decode::check(data));
