//! `apply_sequence`: see `kubepatch_fuzz::targets::apply_sequence`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubepatch_fuzz::targets::apply_sequence::check(data));
