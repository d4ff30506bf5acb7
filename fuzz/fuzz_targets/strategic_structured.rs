//! `strategic_structured`: see `kubepatch_fuzz::targets::strategic_structured`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kubepatch_fuzz::targets::strategic_structured::check(data));
