//! One PATCH request and its outcome: the single entry point.
//!
//! A [`PatchRequest`] holds everything kube-apiserver would have in hand: the
//! live object (if any), the `Content-Type`, the body, the query parameters,
//! the URL's target and a clock. [`PatchRequest::run`] does no I/O and
//! returns the new object or an [`Error`].
//!
//! ```
//! use kubepatch::PatchRequest;
//! use serde_json::json;
//!
//! let live = json!({
//!     "apiVersion": "v1", "kind": "Endpoints",
//!     "metadata": {"name": "test-endpoint", "namespace": "test-namespace"}
//! });
//! let body = br#"[{"op":"add","path":"/metadata/annotations","value":{"test-key":"test-value"}}]"#;
//! let outcome = PatchRequest::new("application/json-patch+json", body)
//!     .live(&live)
//!     .run()
//!     .unwrap();
//! assert_eq!(outcome.code, 200);
//! assert_eq!(outcome.object["metadata"]["annotations"]["test-key"], "test-value");
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::Value;

use crate::clock::{Clock, SystemClock};
use crate::content_type::PatchType;
use crate::decode::{self, Decoded};
use crate::error::Error;
use crate::managed::{self, Applier, Before, Updater};
use crate::mode::Mode;
use crate::object::{self, Target};
use crate::params::{FieldValidation, PatchParams};
use crate::schema::Schema;
use crate::unknown_fields::{self, Decode, Reader};
use crate::{go, json_patch, merge_patch, reach, strategic, validation};

/// The result of a successful PATCH.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The new object, as kube-apiserver would return it.
    pub object: Value,
    /// 200, or 201 when an apply created the object.
    pub code: u16,
    /// Warnings, as kube-apiserver sends them in `Warning` headers.
    pub warnings: Vec<String>,
    /// The strategy that was used.
    pub patch_type: PatchType,
    /// Whether `dryRun=All` was asked: the object is computed but must not be stored.
    pub dry_run: bool,
    /// Whether [`object`](Self::object) differs from the live object
    /// (managedFields included); always `true` for a create.
    /// kube-apiserver skips the write of an object that encodes as the
    /// stored one did (etcd3 `GuaranteedUpdate`), keeping its
    /// `resourceVersion`: a server storing the result can do the same when
    /// this is `false`.
    ///
    /// It is never `false` for a result that differs as decoding into the
    /// kind sees it (for a tracked object, an empty map where the kind drops
    /// empty ones is no difference, as it is none to kube-apiserver's
    /// encoding). It is told from what the request already holds, without
    /// copying the object: apply's own comparison and its managedFields
    /// bookkeeping; for other patches, update tracking's comparison of the
    /// part the patch reaches, or, for an untracked object, a comparison
    /// with the borrowed live object ([`run`](PatchRequest::run)) or a
    /// fingerprint of the reached part ([`run_on`](PatchRequest::run_on)).
    /// It can be `true` for a write that differs only where the stored
    /// object keeps its own value (a patch of `creationTimestamp`): a write
    /// more, never one lost. managedFields move only when a manager's
    /// fields do (their times included), so a patch that changes nothing
    /// else leaves them as they were; an apply by a new manager of values
    /// already there adds its entry, and is a change.
    ///
    /// ```
    /// use kubepatch::PatchRequest;
    /// let live = serde_json::json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "a", "labels": {"x": "1"}}});
    /// let same = PatchRequest::new("application/merge-patch+json", br#"{"metadata":{"labels":{"x":"1"}}}"#)
    ///     .live(&live).run().unwrap();
    /// assert!(!same.changed);
    /// let other = PatchRequest::new("application/merge-patch+json", br#"{"metadata":{"labels":{"x":"2"}}}"#)
    ///     .live(&live).run().unwrap();
    /// assert!(other.changed);
    /// ```
    pub changed: bool,
}

/// One PATCH request, built step by step.
#[derive(Clone)]
pub struct PatchRequest<'a> {
    content_type: &'a str,
    body: &'a [u8],
    live: Option<&'a Value>,
    params: PatchParams,
    target: Option<Target>,
    mode: Mode,
    clock: &'a dyn Clock,
    schema: Option<&'a Schema>,
    subresource: Option<&'a str>,
    user_agent: Option<&'a str>,
    preserve_unknown_fields: bool,
    defaults: Option<&'a dyn Fn(&mut Value)>,
}

impl<'a> PatchRequest<'a> {
    /// A request with this `Content-Type` and body, no live object, default
    /// parameters, Kubernetes mode and the system clock.
    pub fn new(content_type: &'a str, body: &'a [u8]) -> Self {
        PatchRequest {
            content_type,
            body,
            live: None,
            params: PatchParams::default(),
            target: None,
            mode: Mode::Kubernetes,
            clock: &SystemClock,
            schema: None,
            subresource: None,
            user_agent: None,
            preserve_unknown_fields: false,
            defaults: None,
        }
    }

    /// The object as stored. Without one, only apply succeeds (it creates).
    pub fn live(mut self, object: &'a Value) -> Self {
        self.live = Some(object);
        self
    }

    /// The query parameters.
    pub fn params(mut self, params: PatchParams) -> Self {
        self.params = params;
        self
    }

    /// The object the URL names. Without it, the live object's own kind,
    /// name and namespace are taken (as `kubectl patch --local` does).
    ///
    /// ```
    /// use kubepatch::{object::Target, PatchRequest};
    /// let live = serde_json::json!({"kind": "Endpoints", "metadata": {"name": "a"}});
    /// let err = PatchRequest::new("application/merge-patch+json", b"{}")
    ///     .live(&live)
    ///     .target(Target::new("endpoints", "b", None))
    ///     .run()
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "the name of the object (a) does not match the name on the URL (b)");
    /// ```
    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    /// Kubernetes behaviour (default) or the RFCs' letter, for the JSON strategies.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The clock for managedFields timestamps. [`run`](Self::run) reads it
    /// once: every entry one request writes carries the same time.
    pub fn clock(mut self, clock: &'a dyn Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The schema strategic merge and apply follow, and decoding the result
    /// obeys. Without one, the built-in schema of the object's kind
    /// ([`Schema::for_kind`]: [`Schema::endpoints`] for v1 Endpoints, the
    /// compiled-in Kubernetes schema for every other built-in kind, none
    /// for custom resources, which refuse strategic merge with a 415).
    ///
    /// ```
    /// use kubepatch::{schema::Schema, PatchRequest};
    /// use serde_json::json;
    /// let schema = Schema::endpoints();
    /// let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "a", "finalizers": ["x"]}});
    /// let out = PatchRequest::new("application/strategic-merge-patch+json", br#"{"metadata":{"finalizers":["y"]}}"#)
    ///     .live(&live)
    ///     .schema(&schema)
    ///     .run()
    ///     .unwrap();
    /// assert_eq!(out.object["metadata"]["finalizers"], json!(["y", "x"]));
    /// ```
    pub fn schema(mut self, schema: &'a Schema) -> Self {
        self.schema = Some(schema);
        self
    }

    /// The subresource the request goes to (`status`, `scale`): it is part of
    /// the field manager's identity in managedFields.
    ///
    /// ```
    /// use kubepatch::{PatchParams, PatchRequest};
    /// let live = serde_json::json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "a"}});
    /// let out = PatchRequest::new("application/apply-patch+yaml", br#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"a","labels":{"x":"1"}}}"#)
    ///     .live(&live)
    ///     .params(PatchParams::apply("ctrl"))
    ///     .subresource("status")
    ///     .run()
    ///     .unwrap();
    /// let entries = out.object["metadata"]["managedFields"].as_array().unwrap();
    /// assert!(entries.iter().any(|e| e["manager"] == "ctrl" && e["subresource"] == "status"));
    /// ```
    pub fn subresource(mut self, name: &'a str) -> Self {
        self.subresource = Some(name);
        self
    }

    /// The request's `User-Agent`: a non-apply write without `fieldManager`
    /// is recorded under its product name, as kube-apiserver does.
    ///
    /// ```
    /// use kubepatch::PatchRequest;
    /// let live = serde_json::json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "a",
    ///     "managedFields": [{"manager": "x", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {}}}}]}});
    /// let out = PatchRequest::new("application/merge-patch+json", br#"{"metadata":{"labels":{"a":"1"}}}"#)
    ///     .live(&live)
    ///     .user_agent("kubectl/v1.32.4 (linux/amd64) kubernetes/abc")
    ///     .run()
    ///     .unwrap();
    /// assert!(out.object["metadata"]["managedFields"].as_array().unwrap().iter().any(|e| e["manager"] == "kubectl"));
    /// ```
    pub fn user_agent(mut self, user_agent: &'a str) -> Self {
        self.user_agent = Some(user_agent);
        self
    }

    /// Keep every member of the result, instead of decoding it into its
    /// kind's type as kube-apiserver does (default `false`).
    ///
    /// After a JSON, merge or strategic patch, kube-apiserver drops the
    /// members the kind's type does not declare, directives a strategic
    /// merge left in place included (`$patch` in a new list item), and
    /// reports them under `fieldValidation`: one `unknown field "<path>"`
    /// warning each under `Warn` (the default), a 422 under `Strict`,
    /// nothing under `Ignore`. The schema says what is declared: structs
    /// that preserve unknown fields, and kinds the schema knows nothing of,
    /// keep theirs. `kubectl patch --local` decodes nothing; this option
    /// keeps what it keeps.
    ///
    /// ```
    /// use kubepatch::PatchRequest;
    /// use serde_json::json;
    ///
    /// let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}});
    /// let body = br#"{"metadata":{"labels":{"app":"web"}},"bogusField":1}"#;
    /// let request = PatchRequest::new("application/merge-patch+json", body).live(&live);
    ///
    /// let decoded = request.clone().run().unwrap();
    /// assert_eq!(decoded.object.get("bogusField"), None);
    /// assert_eq!(decoded.warnings, [r#"unknown field "bogusField""#]);
    ///
    /// let kept = request.preserve_unknown_fields(true).run().unwrap();
    /// assert_eq!(kept.object["bogusField"], 1);
    /// assert!(kept.warnings.is_empty());
    /// ```
    pub fn preserve_unknown_fields(mut self, preserve: bool) -> Self {
        self.preserve_unknown_fields = preserve;
        self
    }

    /// The kind's defaults, set on the result as kube-apiserver sets them
    /// while it decodes an object: for a JSON, merge or strategic patch,
    /// before managedFields are recorded and before the no-op test, so that
    /// the patcher owns what defaulting fills in a value it added, and a
    /// patch that only removes a defaulted value changes nothing; for an
    /// apply, on the merged result, which managedFields do not follow (as
    /// upstream's apply defaults after the merge). `set` must leave an
    /// object it has defaulted as it is, as a stored object is: a patch is
    /// tracked within what it reaches, and what `set` fills in elsewhere
    /// of a hand-made object is not tracked.
    ///
    /// ```
    /// use kubepatch::PatchRequest;
    /// use serde_json::{json, Value};
    ///
    /// // Endpoints ports default to protocol TCP.
    /// fn tcp(object: &mut Value) {
    ///     for subset in object["subsets"].as_array_mut().into_iter().flatten() {
    ///         for port in subset["ports"].as_array_mut().into_iter().flatten() {
    ///             port.as_object_mut().map(|p| p.entry("protocol").or_insert(json!("TCP")));
    ///         }
    ///     }
    /// }
    /// let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
    ///     "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "a", "port": 80, "protocol": "TCP"}]}]});
    /// let remove = br#"[{"op":"remove","path":"/subsets/0/ports/0/protocol"}]"#;
    /// let out = PatchRequest::new("application/json-patch+json", remove)
    ///     .live(&live)
    ///     .defaults(&tcp)
    ///     .run()
    ///     .unwrap();
    /// assert_eq!(out.object, live);
    /// assert!(!out.changed);
    /// ```
    pub fn defaults(mut self, set: &'a dyn Fn(&mut Value)) -> Self {
        self.defaults = Some(set);
        self
    }

    /// `fieldManager`, else the user agent up to its first `/` (non-printable
    /// characters dropped, at most 128 bytes), else empty (recorded as `unknown`).
    fn update_manager(&self) -> String {
        let manager = self.params.manager();
        if !manager.is_empty() {
            return manager.to_string();
        }
        let product = self
            .user_agent
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("");
        let mut out = String::new();
        for c in product.chars().filter(|c| crate::go::is_go_printable(*c)) {
            if out.len() + c.len_utf8() > crate::params::FIELD_MANAGER_MAX_LENGTH {
                break;
            }
            out.push(c);
        }
        out
    }

    /// The request's schema, or the built-in one of `object`'s apiVersion
    /// and kind ([`Schema::for_kind`]; with no object, that of an object
    /// that names no kind).
    fn schema_of(&self, object: Option<&Value>) -> Result<&'a Schema, Error> {
        if let Some(schema) = self.schema {
            return Ok(schema);
        }
        let text = |k: &str| {
            object
                .and_then(|o| o.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let (api_version, kind) = (text("apiVersion"), text("kind"));
        Schema::for_kind(api_version, kind).map_err(|e| Error::Internal {
            message: format!("the built-in schema of {kind} ({api_version}) does not load: {e}"),
        })
    }

    /// Carry the request out on a live object the caller hands over, as a
    /// server does that has read the stored object for this request and will
    /// replace it with the result: the object becomes the result in place,
    /// with no copy of it. Any live object given with [`live`](Self::live)
    /// is ignored. On error the object is dropped: it was the caller's copy,
    /// so the stored object is untouched, and the error is what [`run`](Self::run)
    /// would have answered.
    ///
    /// Nothing here walks the parts of the object the request cannot reach
    /// (a merge patch of one label reads `metadata.labels` and the
    /// managedFields entries, not the rest): its cost follows the patch. So
    /// the depth bound ([`MAX_DEPTH`](crate::MAX_DEPTH)) is checked on what a
    /// patch reaches (and on the whole object for an apply), where
    /// [`run`](Self::run), which copies the whole object, checks all of it:
    /// only a value built in memory deeper than the bound, outside what the
    /// patch reaches, tells them apart.
    ///
    /// ```
    /// use kubepatch::PatchRequest;
    /// use serde_json::json;
    ///
    /// let stored = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}});
    /// let request = PatchRequest::new("application/merge-patch+json", br#"{"metadata":{"labels":{"app":"web"}}}"#);
    /// let outcome = request.run_on(stored).unwrap();
    /// assert_eq!(outcome.object["metadata"]["labels"]["app"], "web");
    /// ```
    pub fn run_on(&self, live: Value) -> Result<Outcome, Error> {
        self.run_owned(Live::Owned(live))
    }

    /// Carry the request out. The live object is never modified (the
    /// request works on one copy of it; [`run_on`](Self::run_on) saves that
    /// copy). The clock is read once, for every managedFields entry the
    /// request writes.
    pub fn run(&self) -> Result<Outcome, Error> {
        self.run_owned(match self.live {
            Some(live) => Live::Borrowed(live),
            None => Live::Absent,
        })
    }

    fn run_owned(&self, live: Live<'_>) -> Result<Outcome, Error> {
        let now = self.clock.now();
        let object = match &live {
            Live::Absent => None,
            Live::Borrowed(live) => Some(*live),
            Live::Owned(live) => Some(live),
        };
        let schema = self.schema_of(object)?;
        // A kind the schema does not describe is, to it, a custom resource
        // without one: strategic merge is refused as kube-apiserver refuses
        // it there (an object that names no kind is merged untyped).
        let described = object.is_none_or(|o| {
            o.get("kind")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
                || schema.root_of(o).is_some()
        });
        let offered: &[PatchType] = if schema.strategic_allowed && described {
            &PatchType::ALL
        } else {
            &[PatchType::Json, PatchType::Merge, PatchType::Apply]
        };
        let patch_type = PatchType::from_content_type_among(self.content_type, offered)?;
        decode::check_size(self.body)?;
        self.params.validate(patch_type)?;
        let validation = self.params.field_validation()?;
        let body = match patch_type {
            PatchType::Apply => decode::yaml(self.body)
                .map_err(|e| Error::bad_request(format!("error decoding patch: {e}")))?,
            _ => decode::json(self.body)
                .map_err(|e| Error::bad_request(format!("invalid JSON patch: {e}")))?,
        };
        let Decoded { value, duplicates } = body;
        const LIVE: &str = "the live object";
        if patch_type == PatchType::Apply {
            // Apply's work follows the whole object: its whole depth is checked.
            let live = match live {
                Live::Absent => None,
                Live::Borrowed(live) => {
                    decode::check_depth(live, LIVE)?;
                    Some(live.clone())
                }
                Live::Owned(live) => Some(within_bound(live, None)?),
            };
            // A create has no live object: the configuration names the kind.
            let schema = match live {
                Some(_) => schema,
                None => self.schema_of(Some(&value))?,
            };
            return self.run_apply(schema, now, value, &duplicates, validation, live);
        }
        let reach_on = |live: &Value| match patch_type {
            PatchType::Json => json_patch::reach(&value),
            PatchType::Merge => merge_patch::reach(&value),
            // Items of keyed lists are told apart for tracking only.
            _ => strategic::reach(&value, schema, live, managed::is_tracked(live)),
        };
        // A borrowed live object stays as it was: where tracking does not
        // compare, the result is compared with it to tell a no-op.
        let original = match live {
            Live::Borrowed(live) => Some(live),
            _ => None,
        };
        // A patch walks only what it reaches: that part's depth is checked
        // (a borrowed object's whole depth, before it is copied).
        let (live, live_depth, reach) = match live {
            Live::Absent => return Err(self.not_found(&value)),
            Live::Borrowed(live) => {
                let depth = decode::check_depth(live, LIVE)?;
                (live.clone(), depth, reach_on(live))
            }
            Live::Owned(live) => {
                let reach = reach_on(&live);
                let depth = reach.depth_of(&live);
                (within_bound(live, Some(depth))?, depth, reach)
            }
        };
        let target = self.target_of(&live)?;
        let mut strict_errors = validation::precheck(patch_type, &value, &duplicates, validation)?;
        let shown_patch = validation::shown_patch(patch_type, &value, validation);
        let root = schema.root_of(&live);
        let head = object::head(&live);
        let before = Before::take(&live, &reach, schema);
        // To tell a no-op where tracking does not compare (an untracked
        // object) and no borrowed original is kept: a fingerprint of what
        // the write can reach; and managedFields as stored when the write
        // reaches them (tracking compares the rest without them).
        let fingerprint = (original.is_none() && before.image.is_none())
            .then(|| reach::fingerprint_within(&reach, &live));
        let stored_managed_fields = before.stored.clone();
        let mut patched = guarded(|| self.strategy(patch_type, live, live_depth, value, schema))?;
        // Decoded into the kind's type: what it does not declare goes.
        if let (false, Some(root)) = (self.preserve_unknown_fields, root) {
            let how = Decode {
                list: validation != FieldValidation::Ignore,
                drop: validation != FieldValidation::Strict,
            };
            let reader = Reader::of(patch_type, schema);
            strict_errors.extend(unknown_fields::decode(
                &mut patched,
                schema,
                root,
                &reach,
                reader,
                how,
            ));
        }
        let warnings = validation::report(strict_errors, validation, || {
            shown_patch.unwrap_or_else(|| go::go_json(&patched))
        })?;
        if let Some(set) = self.defaults {
            set(&mut patched);
        }
        let updater = Updater {
            schema,
            now,
            manager: &self.update_manager(),
            subresource: self.subresource,
        };
        let (mut object, compared) =
            managed::record_update(&updater, Some(before), &reach, patched)?;
        object::finish_update(&mut object, &head, &target)?;
        let changed = match (compared, original, fingerprint) {
            (Some(changed), _, _) => {
                changed
                    || stored_managed_fields.is_some_and(|stored| {
                        stored.as_ref() != object.pointer("/metadata/managedFields")
                    })
            }
            (None, Some(original), _) => !reach::equal_within(&reach, original, &object),
            (None, None, Some(before)) => before != reach::fingerprint_within(&reach, &object),
            // Not reached: tracking compares whenever no fingerprint is taken.
            (None, None, None) => true,
        };
        Ok(Outcome {
            object,
            code: 200,
            warnings,
            patch_type,
            dry_run: self.params.is_dry_run(),
            changed,
        })
    }

    /// Server-side apply: merge, prune, conflicts; create when there is no live object.
    fn run_apply(
        &self,
        schema: &Schema,
        now: jiff::Timestamp,
        config: Value,
        duplicates: &[String],
        validation: FieldValidation,
        live: Option<Value>,
    ) -> Result<Outcome, Error> {
        let applier = Applier {
            schema,
            now,
            manager: self.params.manager(),
            force: self.params.is_forced(),
            subresource: self.subresource,
        };
        // What finishing the update needs of the live object, taken before
        // the apply consumes it (its errors come after the apply's).
        let existing = live.as_ref().map(|l| (object::head(l), self.target_of(l)));
        let applied = guarded(|| managed::apply_owned(&applier, live, config))?;
        // Apply tells what it changed, managedFields apart; a create is a
        // change. Defaults that fill in a merged result leave a result the
        // apply did not change as stored (defaulted) alike.
        let changed = applied.changed || applied.managed_fields_changed || existing.is_none();
        let mut object = applied.object;
        if let Some(set) = self.defaults {
            set(&mut object);
        }
        let warnings = validation::apply_duplicates(duplicates, validation)?;
        let code = match existing {
            Some((head, target)) => {
                object::finish_update(&mut object, &head, &target?)?;
                200
            }
            None => {
                let target = self.target_of(&object)?;
                object::finish_create(&mut object, &target)?;
                201
            }
        };
        Ok(Outcome {
            object,
            code,
            warnings,
            patch_type: PatchType::Apply,
            dry_run: self.params.is_dry_run(),
            changed,
        })
    }

    /// Run a patch strategy in place of the live object (no copy of it).
    fn strategy(
        &self,
        patch_type: PatchType,
        live: Value,
        live_depth: usize,
        body: Value,
        schema: &Schema,
    ) -> Result<Value, Error> {
        match patch_type {
            PatchType::Json if self.mode == Mode::Rfc => {
                json_patch::apply(&live, self.body, Mode::Rfc)
            }
            PatchType::Json => json_patch::apply_in_place(live, live_depth, &body, self.mode),
            PatchType::Merge => merge_patch::merge(live, body, self.mode),
            PatchType::Strategic => Ok(strategic::merge(live, body, schema)?),
            PatchType::Apply => Err(Error::Internal {
                message: "apply is not a patch strategy".to_string(),
            }),
        }
    }

    /// The URL's target, or the one `object` names itself.
    fn target_of(&self, object: &Value) -> Result<Target, Error> {
        match &self.target {
            Some(t) => Ok(t.clone()),
            None => Target::of(object)
                .ok_or_else(|| Error::bad_request("the object is not a JSON object")),
        }
    }

    fn not_found(&self, body: &Value) -> Error {
        let target = self.target.clone().or_else(|| Target::of(body));
        let (resource, name) = target.map(|t| (t.resource, t.name)).unwrap_or_default();
        Error::NotFound { resource, name }
    }
}

/// The live object a request runs on: the caller's to copy, or handed over.
enum Live<'v> {
    /// None: only apply succeeds (it creates).
    Absent,
    /// Borrowed: copied once, after its depth is checked.
    Borrowed(&'v Value),
    /// Handed over: its depth is checked where the request walks it.
    Owned(Value),
}

/// A handed-over live object whose depth (`depth`, or its whole depth when
/// `None`) is within [`decode::MAX_DEPTH`]; beyond it, the object is dropped
/// without recursion and the answer is 422.
fn within_bound(live: Value, depth: Option<usize>) -> Result<Value, Error> {
    let depth = depth.unwrap_or_else(|| decode::depth(&live));
    if depth > decode::MAX_DEPTH {
        decode::dismantle(live);
        return Err(decode::too_deep(depth, "the live object"));
    }
    Ok(live)
}

/// Run a patch library, turning a panic into a 500 instead of a crash.
fn guarded<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::Internal {
            message: "the patch could not be applied: internal failure".to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use serde_json::json;

    use super::*;

    /// A clock a minute later each time it is read, from 2030-01-01T00:00:00Z.
    struct Ticking(AtomicI64);

    impl Clock for Ticking {
        fn now(&self) -> jiff::Timestamp {
            let minutes = self.0.fetch_add(1, Ordering::SeqCst);
            jiff::Timestamp::from_second(1_893_456_000 + 60 * minutes).expect("a valid time")
        }
    }

    /// `(manager, time)` of each managedFields entry, in order.
    fn stamps(object: &Value) -> Vec<(&str, &str)> {
        object["metadata"]["managedFields"]
            .as_array()
            .expect("managedFields")
            .iter()
            .map(|e| {
                let text = |k: &str| e[k].as_str().expect("a string");
                (text("manager"), text("time"))
            })
            .collect()
    }

    #[test]
    fn one_apply_stamps_its_entries_with_one_time() {
        let live = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "web", "namespace": "default", "labels": {"old": "1"}}});
        let body = br#"{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web","labels":{"new":"2"}}}"#;
        let clock = Ticking(AtomicI64::new(0));
        let request = PatchRequest::new("application/apply-patch+yaml", body)
            .live(&live)
            .params(PatchParams::apply("ctrl"))
            .clock(&clock);
        let first = request.run().expect("the apply succeeds");
        assert_eq!(
            stamps(&first.object),
            [
                ("ctrl", "2030-01-01T00:00:00Z"),
                ("before-first-apply", "2030-01-01T00:00:00Z"),
            ]
        );
        // The clock does move: the same request run again is a minute later.
        let again = request.run().expect("the apply succeeds");
        assert_eq!(
            stamps(&again.object),
            [
                ("ctrl", "2030-01-01T00:01:00Z"),
                ("before-first-apply", "2030-01-01T00:01:00Z"),
            ]
        );
        assert_eq!(clock.0.load(Ordering::SeqCst), 2, "one read per request");
    }

    #[test]
    fn one_update_reads_the_clock_once() {
        let live = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web",
            "managedFields": [{"manager": "x", "operation": "Update", "apiVersion": "v1",
                "time": "2020-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {"f:a": {}}}}}],
            "labels": {"a": "1"}}});
        let clock = Ticking(AtomicI64::new(3));
        let out = PatchRequest::new(
            "application/merge-patch+json",
            br#"{"metadata":{"labels":{"b":"2"}}}"#,
        )
        .live(&live)
        .params(PatchParams::default().field_manager("me"))
        .clock(&clock)
        .run()
        .expect("the patch succeeds");
        assert_eq!(
            stamps(&out.object),
            [
                ("x", "2020-01-01T00:00:00Z"),
                ("me", "2030-01-01T00:03:00Z")
            ]
        );
        assert_eq!(clock.0.load(Ordering::SeqCst), 4, "one read per request");
    }

    #[test]
    fn apply_reports_duplicate_yaml_keys_by_field_validation() {
        let body = b"apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: web\n  labels:\n    a: \"1\"\n    a: \"2\"\n";
        let run = |directive: &str| {
            let params = PatchParams {
                field_validation: Some(directive.to_string()),
                ..PatchParams::apply("ctrl")
            };
            PatchRequest::new("application/apply-patch+yaml", body)
                .params(params)
                .run()
        };
        let warned = run("Warn").expect("a warning, not an error");
        assert_eq!(
            warned.warnings,
            [r#"yaml: unmarshal errors: key "metadata.labels.a" already set in map"#]
        );
        assert_eq!(warned.code, 201);
        assert!(run("Ignore").expect("ignored").warnings.is_empty());
        let err = run("Strict").expect_err("strict refuses");
        assert_eq!(err.code(), 400);
        assert_eq!(
            err.to_string(),
            r#"error strict decoding YAML: yaml: unmarshal errors: key "metadata.labels.a" already set in map"#
        );
    }

    /// `changed` is whether the result differs from the live object, by
    /// each way it is told: borrowed (`run`) or handed over (`run_on`),
    /// tracked (tracking's comparison) or not (the borrowed original, or the
    /// fingerprint), for each patch type, no-ops and changes alike.
    #[test]
    fn changed_tells_whether_the_result_differs() {
        let clock = crate::FixedClock(jiff::Timestamp::UNIX_EPOCH);
        let untracked = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
            "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
                         "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]});
        let mut tracked = untracked.clone();
        tracked["metadata"]["managedFields"] = json!([{"manager": "x", "operation": "Update",
            "apiVersion": "v1", "time": "2020-01-01T00:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}}]);
        let merge = "application/merge-patch+json";
        let json_patch = "application/json-patch+json";
        let strategic = "application/strategic-merge-patch+json";
        let cases: &[(&str, &str, bool)] = &[
            (merge, r#"{"metadata":{"labels":{"app":"web"}}}"#, false),
            (merge, r#"{"metadata":{"labels":{"gone":null}}}"#, false),
            (merge, r#"{"metadata":{"labels":{"app":"db"}}}"#, true),
            (merge, r#"{"metadata":{"annotations":{"a":"b"}}}"#, true),
            (
                json_patch,
                r#"[{"op":"test","path":"/kind","value":"Endpoints"}]"#,
                false,
            ),
            (
                json_patch,
                r#"[{"op":"replace","path":"/subsets/0/addresses/1/ip","value":"10.0.0.2"}]"#,
                false,
            ),
            (
                json_patch,
                r#"[{"op":"replace","path":"/subsets/0/addresses/1/ip","value":"10.0.0.3"}]"#,
                true,
            ),
            (
                json_patch,
                r#"[{"op":"move","from":"/subsets/0/addresses/0","path":"/subsets/0/addresses/1"}]"#,
                true,
            ),
            (strategic, r#"{"metadata":{"labels":{"app":"web"}}}"#, false),
            (
                strategic,
                r#"{"subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}]}"#,
                false,
            ),
            (
                strategic,
                r#"{"subsets":[{"addresses":[{"ip":"10.0.0.9"}],"ports":[{"name":"http","port":80}]}]}"#,
                true,
            ),
        ];
        for live in [&untracked, &tracked] {
            for &(content_type, body, changes) in cases {
                let request = PatchRequest::new(content_type, body.as_bytes())
                    .params(PatchParams::default().field_manager("other"))
                    .clock(&clock);
                let borrowed = request.clone().live(live).run().expect("the patch applies");
                let owned = request.run_on(live.clone()).expect("the patch applies");
                let what = format!("{content_type} {body} on {}", live["metadata"]);
                assert_eq!(borrowed.object, owned.object, "{what}");
                assert_eq!(borrowed.object != *live, changes, "{what}: the case");
                assert_eq!(borrowed.changed, changes, "{what}: run");
                assert_eq!(owned.changed, changes, "{what}: run_on");
            }
        }
        // Apply: a new manager's apply of values already there changes the
        // managedFields; the same apply again changes nothing.
        let apply = PatchRequest::new(
            "application/apply-patch+yaml",
            &b"apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: web\n  namespace: default\n  labels:\n    app: web\n"[..],
        )
        .params(PatchParams::apply("me"))
        .clock(&clock);
        for live in [&untracked, &tracked] {
            let first = apply.run_on(live.clone()).expect("the apply succeeds");
            assert!(first.changed);
            assert_ne!(first.object, *live);
            let again = apply
                .run_on(first.object.clone())
                .expect("the apply succeeds");
            assert!(!again.changed);
            assert_eq!(again.object, first.object);
        }
    }

    /// Defaults are set before tracking: the patcher owns the protocol
    /// defaulting gives the port it adds, as it owns it upstream (where
    /// decoding defaults before the field manager compares); after it, it
    /// would own no protocol at all.
    #[test]
    fn defaults_are_tracked_as_the_patchers() {
        fn tcp(object: &mut Value) {
            for subset in object["subsets"].as_array_mut().into_iter().flatten() {
                for port in subset["ports"].as_array_mut().into_iter().flatten() {
                    if let Some(port) = port.as_object_mut() {
                        port.entry("protocol").or_insert(json!("TCP"));
                    }
                }
            }
        }
        let clock = crate::FixedClock(jiff::Timestamp::UNIX_EPOCH);
        let created = crate::managed::track_update(
            &Schema::endpoints(),
            jiff::Timestamp::UNIX_EPOCH,
            "creator",
            None,
            json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
                "subsets": [{"addresses": [{"ip": "10.0.0.1"}],
                             "ports": [{"name": "a", "port": 80, "protocol": "TCP"}]}]}),
        )
        .expect("tracking a create");
        let patch =
            br#"{"subsets":[{"addresses":[{"ip":"10.0.0.2"}],"ports":[{"name":"b","port":81}]}]}"#;
        let request = PatchRequest::new("application/strategic-merge-patch+json", patch)
            .params(PatchParams::default().field_manager("patcher"))
            .clock(&clock)
            .live(&created);
        let owned_by_patcher = |out: &Outcome| {
            let entries = out.object["metadata"]["managedFields"].as_array().cloned();
            let entry = entries
                .into_iter()
                .flatten()
                .find(|e| e["manager"] == "patcher")
                .expect("the patcher has an entry");
            entry["fieldsV1"].to_string()
        };
        let defaulted = request
            .clone()
            .defaults(&tcp)
            .run()
            .expect("the patch applies");
        let new_port = defaulted.object["subsets"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["ports"].as_array().into_iter().flatten())
            .find(|p| p["name"] == "b")
            .cloned();
        assert_eq!(
            new_port,
            Some(json!({"name": "b", "port": 81, "protocol": "TCP"}))
        );
        assert!(
            owned_by_patcher(&defaulted).contains(r#""f:protocol":{}"#),
            "{}",
            owned_by_patcher(&defaulted)
        );
        let undefaulted = request.run().expect("the patch applies");
        assert!(!owned_by_patcher(&undefaulted).contains("f:protocol"));
    }
}
