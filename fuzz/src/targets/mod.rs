//! One module per fuzz target; each has `pub fn check(data: &[u8])`.

pub mod apply_sequence;
pub mod decode;
pub mod managed_fields;
pub mod patch_request;
pub mod request_params;
pub mod schema_load;
pub mod strategic_structured;
