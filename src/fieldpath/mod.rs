//! Field paths and sets: what server-side apply records in `managedFields`.
//!
//! A [`PathElement`] is one step (`f:`, `k:`, `v:`, `i:`); a [`Path`] a
//! sequence of them; a [`Set`] a trie of paths with upstream's `fieldsV1`
//! encoding, in both directions.
//!
//! ```
//! use kubepatch::fieldpath::Set;
//! use serde_json::json;
//!
//! let s = Set::from_fields_v1(&json!({"f:metadata": {"f:finalizers": {"v:\"example.com/a\"": {}}}})).unwrap();
//! let paths: Vec<String> = s.paths().iter().map(|p| p.to_string()).collect();
//! assert_eq!(paths, [r#".metadata.finalizers[="example.com/a"]"#]);
//! ```

mod element;
mod set;

pub(crate) use element::ElementRef;
pub use element::{PathElement, value_cmp};
pub use set::{Path, Set};
