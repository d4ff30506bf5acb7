//! The body readers on arbitrary bytes: `kubepatch::decode::json` and
//! `decode::yaml` (and `check_size`, `looks_like_json`). Checked: no panic,
//! no hang or blow-up (libFuzzer's timeout and RSS limits), and a body that
//! looks like JSON and parses as JSON reads the same through `yaml`.

#![no_main]

use kubepatch::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode::check_size(data);
    let json = decode::json(data);
    if let Err(e) = &json {
        let _ = e.to_string();
    }
    let yaml = decode::yaml(data);
    if let (Ok(j), Ok(y)) = (&json, &yaml)
        && decode::looks_like_json(data)
    {
        assert_eq!(j, y, "a JSON body reads differently as YAML");
    }
    if let Ok(y) = &yaml {
        serde_json::to_vec(&y.value).expect("a decoded document serializes");
    }
});
