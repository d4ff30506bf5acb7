//! Field ownership: `metadata.managedFields`, server-side apply, and the
//! Update tracking of every other write.
//!
//! [`apply`] merges an applied configuration into the live object, prunes
//! what the manager stopped applying, and refuses (409) to change fields other
//! managers own unless forced. [`track_update`] records who changed what after
//! a JSON, merge or strategic patch (or a PUT). Both walk the object with the
//! same [`Schema`] strategic merge uses.
//!
//! Ownership tracking is pure computation: the time of the request comes in
//! as a value ([`Applier::now`], [`Updater::now`]), so every entry one
//! request writes carries the same time. The code follows upstream's split:
//! the apply updater runs its steps (request checks, `before-first-apply`,
//! merge, prune, conflicts, recording the entry) over the typed operations
//! (to field set, compare, merge, remove); Update tracking records the
//! other writes.
//!
//! ```
//! use kubepatch::managed::{apply, Applier};
//! use kubepatch::schema::Schema;
//! use serde_json::json;
//!
//! let schema = Schema::endpoints();
//! let now = "2030-01-01T00:00:00Z".parse().unwrap();
//! let applier = Applier { schema: &schema, now, manager: "ctrl-a", force: false, subresource: None };
//! let config = json!({"apiVersion": "v1", "kind": "Endpoints",
//!     "metadata": {"name": "web", "labels": {"app": "web"}}});
//! let created = apply(&applier, None, config).unwrap();
//! let entry = &created.object["metadata"]["managedFields"][0];
//! assert_eq!(entry["manager"], "ctrl-a");
//! assert_eq!(entry["time"], "2030-01-01T00:00:00Z");
//! assert_eq!(entry["fieldsV1"], json!({"f:metadata": {"f:labels": {"f:app": {}}}}));
//!
//! let other = Applier { manager: "ctrl-b", ..applier };
//! let config = json!({"apiVersion": "v1", "kind": "Endpoints",
//!     "metadata": {"name": "web", "labels": {"app": "api"}}});
//! let err = apply(&other, Some(&created.object), config).unwrap_err();
//! assert_eq!(err.to_string(), r#"Apply failed with 1 conflict: conflict with "ctrl-a": .metadata.labels.app"#);
//! ```

mod apply;
mod conflicts;
mod entries;
mod object;
mod owned;
mod prune;
pub(crate) mod typed;
mod update;

use serde_json::Value;

use crate::schema::Schema;

pub use apply::apply;
pub(crate) use apply::apply_owned;
pub use object::normalize;
pub(crate) use update::{Before, is_tracked, record_update};
pub use update::{track_update, update};

/// Most Update entries kept; older ones fold into `ancient-changes`.
pub const MAX_UPDATE_MANAGERS: usize = 10;

/// Who applies, with what, and when.
#[derive(Clone, Copy)]
pub struct Applier<'a> {
    /// The merge rules.
    pub schema: &'a Schema,
    /// The time of the request: every entry the apply writes carries it.
    pub now: jiff::Timestamp,
    /// The field manager.
    pub manager: &'a str,
    /// `force=true`: take conflicting fields instead of failing.
    pub force: bool,
    /// The subresource written through (`status`), part of the identity.
    pub subresource: Option<&'a str>,
}

/// Who writes (any non-apply write), and when.
#[derive(Clone, Copy)]
pub struct Updater<'a> {
    /// The merge rules.
    pub schema: &'a Schema,
    /// The time of the request, for the entry the write records.
    pub now: jiff::Timestamp,
    /// The field manager (`unknown` when empty).
    pub manager: &'a str,
    /// The subresource written through (`status`), part of the identity;
    /// such writes ignore managedFields sent in the request.
    pub subresource: Option<&'a str>,
}

/// The outcome of an apply or an update.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The new object, with its `managedFields`.
    pub object: Value,
    /// Whether the object (apart from managedFields) changed.
    pub changed: bool,
    /// Whether managedFields changed: an entry added (a new applier, or
    /// `before-first-apply`), the applier's set or time moved, another
    /// manager's entry lost fields or went. An apply that changes neither
    /// is a no-op a server need not store.
    pub managed_fields_changed: bool,
}
