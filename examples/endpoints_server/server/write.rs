//! The writes: create (POST), replace (PUT) and patch (PATCH), each read,
//! checked and stored under the store's lock, so that concurrent writes of
//! one object lose nothing.
//!
//! Every write is defaulted ([`validate::set_defaults`], as upstream
//! defaults on decode) and validated ([`validate::endpoints`], a 422 as
//! upstream's strategy validation gives) before it is stored; `dryRun=All`
//! answers what would have been stored and stores nothing.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use kubepatch::http::{patch_request, wants_pretty};
use kubepatch::managed::{Updater, update};
use kubepatch::object::{Target, finish_create, finish_update};
use kubepatch::{Error, field};
use serde_json::Value;

use super::query::WriteOptions;
use super::reply::{self, Reply, bad_request};
use super::store::Store;
use super::{body, validate};

/// What a write answers: its code, the object, and the warnings.
type Written = (u16, Arc<Value>, Vec<String>);

/// Why a write failed: an error of kubepatch's, or a Status of its own.
enum Failure {
    Api(Error),
    Exists(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Api(error)
    }
}

fn answer(result: Result<Written, Failure>, pretty: bool) -> Reply {
    match result {
        Ok((code, object, warnings)) => reply::object(code, &object, &warnings, pretty),
        Err(Failure::Api(error)) => reply::error(&error, pretty),
        Err(Failure::Exists(name)) => reply::status(&reply::already_exists(&name), pretty),
    }
}

/// `POST /api/v1/namespaces/{namespace}/endpoints`: 201 with the created
/// object; 409 `AlreadyExists` when the name is taken.
pub async fn create(
    State(store): State<Arc<Store>>,
    Path(namespace): Path<String>,
    parts: Parts,
    body: Bytes,
) -> Reply {
    answer(
        create_in(&store, &namespace, &parts, &body),
        wants_pretty(&parts),
    )
}

fn create_in(
    store: &Store,
    namespace: &str,
    parts: &Parts,
    body: &[u8],
) -> Result<Written, Failure> {
    let options = WriteOptions::of(parts, "CreateOptions")?;
    let (mut object, warnings) = body::decode(parts, body, options.validation)?;
    let name = name_for_create(&mut object)?;
    let object = prepare_create(object, namespace, &name, &options)?;
    let mut store = store.lock();
    if store.get(namespace, &name).is_some() {
        return Err(Failure::Exists(name));
    }
    let object = store.put_unless_dry(options.dry_run, namespace, &name, object);
    Ok((201, object, warnings))
}

/// The name a create stores: `metadata.name`, or `generateName` and five
/// random characters (upstream's `SimpleNameGenerator`); neither is a 422
/// as upstream's ObjectMeta validation gives.
fn name_for_create(object: &mut Value) -> Result<String, Error> {
    let meta = object.get("metadata");
    let text = |key: &str| {
        meta.and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (name, generate) = (text("name"), text("generateName"));
    if !name.is_empty() {
        return Ok(name);
    }
    if generate.is_empty() {
        return Err(field::invalid(
            "Endpoints",
            "",
            "",
            vec![field::FieldError::required(
                "metadata.name",
                "name or generateName is required",
            )],
        ));
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let random = super::uid::random();
    let suffix: String = (0..5)
        .map(|i| ALPHABET[((random >> (i * 8)) % ALPHABET.len() as u64) as usize] as char)
        .collect();
    let name = format!("{generate}{suffix}");
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("name".to_string(), Value::String(name.clone()));
    }
    Ok(name)
}

/// A new object as upstream's create path makes it: the URL's identity
/// checked (namespace filled in), system fields wiped, defaults set,
/// managedFields recorded (operation Update), then `uid` and
/// `creationTimestamp` assigned (`BeforeCreate`, after the field manager
/// ran) and the object validated. Its `resourceVersion` comes from the
/// store; a dry run has none.
fn prepare_create(
    mut object: Value,
    namespace: &str,
    name: &str,
    options: &WriteOptions,
) -> Result<Value, Error> {
    // Upstream's FillObjectMetaSystemFields overwrites a uid the body
    // brings; finish_create would refuse it (as an apply must).
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("uid");
        meta.remove("resourceVersion");
        meta.remove("generation");
    }
    finish_create(
        &mut object,
        &Target::new("endpoints", name, Some(namespace)),
    )?;
    let mut object = tracked(object, None, options)?;
    assign_identity(&mut object);
    check(&object, name)?;
    Ok(object)
}

/// A created or replacing object as decoding leaves it (defaults set,
/// empty collections omitted), its managedFields recorded (operation
/// Update) against `live`, the stored object a replace replaces.
fn tracked(
    mut object: Value,
    live: Option<&Value>,
    options: &WriteOptions,
) -> Result<Value, Error> {
    validate::set_defaults(&mut object);
    super::omit_empty(&mut object);
    let updater = Updater {
        schema: super::schema(),
        now: jiff::Timestamp::now(),
        manager: &options.manager,
        subresource: None,
    };
    update(&updater, live, object)
}

/// Set `uid` (random, v4-like) and `creationTimestamp` (now, RFC 3339 in
/// seconds, UTC) on a new object.
fn assign_identity(object: &mut Value) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("uid".to_string(), Value::String(super::uid::v4()));
        let now = jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        meta.insert("creationTimestamp".to_string(), Value::String(now));
    }
}

/// Endpoints validation: a 422 `Endpoints "NAME" is invalid: …`.
fn check(object: &Value, name: &str) -> Result<(), Error> {
    let errors = validate::endpoints(object);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(field::invalid("Endpoints", "", name, errors))
    }
}

/// `PUT /api/v1/namespaces/{namespace}/endpoints/{name}`: 200 with the
/// stored object; 201 when it creates (Endpoints' strategy allows create on
/// update, `AllowCreateOnUpdate` is true upstream); 409 when the body's
/// `resourceVersion` is not the stored one. A replace that changes nothing
/// keeps the `resourceVersion` and sends no watch event (etcd3's
/// `GuaranteedUpdate` skips an unchanged object).
pub async fn replace(
    State(store): State<Arc<Store>>,
    Path((namespace, name)): Path<(String, String)>,
    parts: Parts,
    body: Bytes,
) -> Reply {
    answer(
        replace_in(&store, &namespace, &name, &parts, &body),
        wants_pretty(&parts),
    )
}

fn replace_in(
    store: &Store,
    namespace: &str,
    name: &str,
    parts: &Parts,
    body: &[u8],
) -> Result<Written, Failure> {
    let options = WriteOptions::of(parts, "UpdateOptions")?;
    let (mut object, warnings) = body::decode(parts, body, options.validation)?;
    check_name(&object, namespace, name)?;
    let target = Target::new("endpoints", name, Some(namespace));
    let mut store = store.lock();
    let live = store.get(namespace, name).cloned();
    check_uid(&object, live.as_deref(), name)?;
    let Some(live) = live else {
        // Created by a PUT: as a POST would (a resourceVersion the body
        // brings is dropped, as etcd3's create through GuaranteedUpdate does).
        let object = prepare_create(object, namespace, name, &options)?;
        let object = store.put_unless_dry(options.dry_run, namespace, name, object);
        return Ok((201, object, warnings));
    };
    finish_update(&mut object, &live, &target)?;
    // An update without resourceVersion is unconditional (Endpoints'
    // strategy allows it); either way the stored one is kept until the
    // store assigns the next.
    if let (Some(meta), Some(version)) = (
        object.get_mut("metadata").and_then(Value::as_object_mut),
        live.pointer("/metadata/resourceVersion"),
    ) {
        meta.insert("resourceVersion".to_string(), version.clone());
    }
    let object = tracked(object, Some(&live), &options)?;
    check(&object, name)?;
    let object = if *live == object {
        live
    } else {
        store.put_unless_dry(options.dry_run, namespace, name, object)
    };
    Ok((200, object, warnings))
}

/// The uid precondition of a replace: a uid in the body must be the stored
/// object's (upstream's `defaultUpdatedObjectInfo.Preconditions` takes it
/// from the body, the storage checks it against the stored object, or the
/// empty one when there is none, and the failure comes back as a 409).
fn check_uid(object: &Value, live: Option<&Value>, name: &str) -> Result<(), Error> {
    let uid_of = |o: &Value| {
        o.pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (given, stored) = (uid_of(object), live.map(uid_of).unwrap_or_default());
    if given.is_empty() || given == stored {
        return Ok(());
    }
    Err(Error::Conflict {
        message: format!(
            "Operation cannot be fulfilled on endpoints {}: Precondition failed: UID in precondition: {given}, UID in object meta: {stored}",
            reply::quoted(name)
        ),
        details: kubepatch::StatusDetails {
            name: name.to_string(),
            kind: "endpoints".to_string(),
            ..kubepatch::StatusDetails::default()
        },
    })
}

/// Upstream's `checkName` in the update handler: the body's name must be
/// the URL's, and a namespace it names the URL's.
fn check_name(object: &Value, namespace: &str, name: &str) -> Result<(), Error> {
    let text = |key: &str| {
        object
            .get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let (own_name, own_namespace) = (text("name"), text("namespace"));
    if own_name.is_empty() {
        return Err(bad_request(format!(
            "the name of the object ({name} based on URL) was undeterminable: name must be provided"
        )));
    }
    if own_name != name {
        return Err(bad_request(format!(
            "the name of the object ({own_name}) does not match the name on the URL ({name})"
        )));
    }
    if !own_namespace.is_empty() && own_namespace != namespace {
        return Err(bad_request(format!(
            "the namespace of the object ({own_namespace}) does not match the namespace on the URL ({namespace})"
        )));
    }
    Ok(())
}

/// `PATCH /api/v1/namespaces/{namespace}/endpoints/{name}`: all four patch
/// types through kubepatch, the stored object lent to it. An apply of a
/// missing object creates it (201); other types answer 404. A patch that
/// changes nothing keeps the `resourceVersion` and sends no event.
pub async fn patch(
    State(store): State<Arc<Store>>,
    Path((namespace, name)): Path<(String, String)>,
    parts: Parts,
    body: Bytes,
) -> Reply {
    let pretty = wants_pretty(&parts);
    answer(patch_in(&store, &namespace, &name, &parts, &body), pretty)
}

fn patch_in(
    store: &Store,
    namespace: &str,
    name: &str,
    parts: &Parts,
    body: &[u8],
) -> Result<Written, Failure> {
    let mut store = store.lock();
    let live = store.get(namespace, name).cloned();
    // Defaulted as upstream defaults while decoding: before managedFields
    // are recorded (the patcher owns what defaulting fills in; a patch that
    // only removes a defaulted value is a no-op), and, for an apply, on the
    // merged result.
    let request = patch_request(parts, body)
        .target(Target::new("endpoints", name, Some(namespace)))
        .defaults(&validate::set_defaults);
    let request = match &live {
        Some(live) => request.live(live),
        None => request,
    };
    let mut outcome = request.run()?;
    // Written out as Go writes the decoded object: what that omits may be
    // all the patch changed (a `{}` where nothing was).
    let mut changed = outcome.changed;
    if super::omit_empty(&mut outcome.object) && changed {
        changed = live.as_deref() != Some(&outcome.object);
    }
    if live.is_none() {
        assign_identity(&mut outcome.object);
    }
    check(&outcome.object, name)?;
    let object = match live {
        Some(live) if !changed => live,
        _ => store.put_unless_dry(outcome.dry_run, namespace, name, outcome.object),
    };
    Ok((outcome.code, object, outcome.warnings))
}
