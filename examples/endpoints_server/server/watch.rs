//! `?watch=true`: a chunked stream of newline-separated watch events,
//! `{"type":"ADDED","object":{…}}`, as kube-apiserver's JSON watch encoder
//! writes them (`type` first, as `metav1.WatchEvent` declares it).
//!
//! - Without `resourceVersion` (or with `0`) the watch starts with an
//!   ADDED event for each selected object, then follows the writes.
//! - From `resourceVersion` N it replays the kept writes after N, in order,
//!   then follows; when some of them are gone from the history the stream
//!   is one ERROR event with a 410 `Expired` Status, `too old resource
//!   version: N (M)` (M the last revision gone), as upstream's watch cache
//!   answers.
//! - Selection: an update that brings an object into the selection is
//!   ADDED, one that takes it out DELETED, as upstream's cache filters.
//! - `sendInitialEvents=true` (a streaming list, as client-go's and
//!   kube-rs's watch-list mode asks): ADDED for each selected object, then
//!   a BOOKMARK annotated `k8s.io/initial-events-end: "true"` at the current
//!   revision, then the writes (the `resourceVersion` given is a floor,
//!   `resourceVersionMatch=NotOlderThan`: the current state always is).
//! - Asked for Tables (`kubectl get -w`), each event's object is a one-row
//!   Table, the first with the column definitions.
//! - `timeoutSeconds` ends the stream (default: 30 minutes, upstream's
//!   `--min-request-timeout`); `allowWatchBookmarks` is accepted, and no
//!   bookmark is sent (they are optional). A watcher more than 1024 events
//!   behind is dropped: the stream ends and the client watches again.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_TYPE, HeaderValue, WARNING};
use axum::http::request::Parts;
use axum::http::{Response, StatusCode};
use kubepatch::Status;
use kubepatch::http::wants_pretty;
use serde_json::Value;
use tokio::sync::broadcast::{self, error::RecvError};

use super::query::first;
use super::reply::{self, DEPRECATION, Reply, bad_request, go_json};
use super::selectors::Selection;
use super::store::{Event, EventType, Start, Store};
use super::table;

/// How long a watch lasts without `timeoutSeconds`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// Which events a watcher sees.
struct Filter {
    namespace: Option<String>,
    selection: Selection,
    /// `Some((version, includeObject))` when the watch asked for Tables.
    table: Option<(&'static str, String)>,
    /// Whether a Table event went out: only the first carries the column
    /// definitions (upstream's watch sets `NoHeaders` after it, which
    /// leaves `columnDefinitions: null`).
    headers_sent: bool,
}

impl Filter {
    fn selects(&self, object: &Value) -> bool {
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str);
        self.namespace
            .as_deref()
            .is_none_or(|n| Some(n) == namespace)
            && self.selection.matches(object)
    }

    /// The line this watcher gets for `event`, if any.
    /// The line of an event of `kind` about `object`: the object, or a
    /// one-row Table of it.
    fn object_line(&mut self, kind: &str, object: &Value) -> Bytes {
        let Some((version, include)) = &self.table else {
            return line(kind, object);
        };
        let revision = object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str);
        let mut table = table::table(version, &[object], revision.unwrap_or(""), include);
        if self.headers_sent {
            table["columnDefinitions"] = Value::Null;
        }
        self.headers_sent = true;
        line(kind, &table)
    }

    fn line(&mut self, event: &Event) -> Option<Bytes> {
        let now = self.selects(&event.object);
        let before = event.previous.as_deref().is_some_and(|p| self.selects(p));
        let kind = match event.kind {
            EventType::Added => now.then_some(EventType::Added),
            EventType::Deleted => before.then_some(EventType::Deleted),
            EventType::Modified => match (before, now) {
                (true, true) => Some(EventType::Modified),
                (false, true) => Some(EventType::Added),
                (true, false) => Some(EventType::Deleted),
                (false, false) => None,
            },
        };
        kind.map(|kind| self.object_line(kind.word(), &event.object))
    }
}

/// `{"type":"<kind>","object":<object>}` and a newline.
fn line<T: serde::Serialize + ?Sized>(kind: &str, object: &T) -> Bytes {
    let mut out = format!("{{\"type\":\"{kind}\",\"object\":").into_bytes();
    let mut object = go_json(object, false);
    object.pop();
    out.extend_from_slice(&object);
    out.extend_from_slice(b"}\n");
    Bytes::from(out)
}

/// The watch of the objects of `namespace` (all when `None`) selected.
pub fn watch(
    store: &Store,
    namespace: Option<String>,
    selection: Selection,
    parts: &Parts,
) -> Reply {
    let pretty = wants_pretty(parts);
    let timeout = match first(parts, "timeoutSeconds") {
        None => DEFAULT_TIMEOUT,
        Some(text) => match text.parse::<u64>() {
            Ok(seconds) => Duration::from_secs(seconds),
            Err(_) => {
                let message = format!("invalid value for timeoutSeconds: {text:?}");
                return reply::error(&bad_request(message), pretty);
            }
        },
    };
    let start = first(parts, "resourceVersion").filter(|v| !v.is_empty() && v != "0");
    let after = match start.as_deref().map(str::parse::<u64>) {
        None => None,
        Some(Ok(revision)) => Some(revision),
        Some(Err(_)) => {
            let message = format!("invalid resource version: {:?}", start.unwrap_or_default());
            return reply::error(&bad_request(message), pretty);
        }
    };
    let include = first(parts, "includeObject").unwrap_or_default();
    let mut filter = Filter {
        namespace,
        selection,
        table: table::wanted(parts).map(|version| (version, include)),
        headers_sent: false,
    };
    let initial_events = super::query::is_true(first(parts, "sendInitialEvents").as_deref());
    // The first lines and the receiver of what follows, under one lock:
    // nothing falls between them.
    let (first_lines, receiver) = {
        let store = store.lock();
        match after
            .filter(|_| !initial_events)
            .map(|after| store.since(after))
        {
            None => {
                let mut lines = Vec::new();
                let namespace = filter.namespace.clone();
                for object in store.list(namespace.as_deref()) {
                    if filter.selects(object) {
                        lines.push(filter.object_line("ADDED", object));
                    }
                }
                if initial_events {
                    lines.push(line("BOOKMARK", &initial_events_end(store.revision())));
                }
                (lines, Some(store.subscribe()))
            }
            Some(Start::Replay(events)) => {
                let lines = events.iter().filter_map(|e| filter.line(e)).collect();
                (lines, Some(store.subscribe()))
            }
            Some(Start::TooOld { asked, oldest }) => {
                let status = Status::failure(
                    410,
                    "Expired",
                    format!("too old resource version: {asked} ({oldest})"),
                );
                (vec![line("ERROR", &status)], None)
            }
        }
    };
    let watching = Watching {
        first: first_lines.into_iter(),
        receiver,
        deadline: tokio::time::Instant::now() + timeout,
        filter,
    };
    let stream = futures::stream::unfold(watching, next);
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for header in kubepatch::http::warning_headers(&[DEPRECATION.to_string()]) {
        headers.append(WARNING, header);
    }
    response
}

/// The bookmark that ends a watch's initial events: an object of the kind
/// with only its `resourceVersion` and the `k8s.io/initial-events-end`
/// annotation, as upstream's watch cache sends it.
fn initial_events_end(revision: u64) -> Value {
    serde_json::json!({
        "kind": "Endpoints",
        "apiVersion": "v1",
        "metadata": {
            "resourceVersion": revision.to_string(),
            "annotations": {"k8s.io/initial-events-end": "true"},
        },
    })
}

/// A watch in progress.
struct Watching {
    first: std::vec::IntoIter<Bytes>,
    receiver: Option<broadcast::Receiver<Arc<Event>>>,
    deadline: tokio::time::Instant,
    filter: Filter,
}

/// The next line of a watch, or its end.
async fn next(mut watching: Watching) -> Option<(Result<Bytes, Infallible>, Watching)> {
    if let Some(line) = watching.first.next() {
        return Some((Ok(line), watching));
    }
    loop {
        let receiver = watching.receiver.as_mut()?;
        let event = match tokio::time::timeout_at(watching.deadline, receiver.recv()).await {
            Ok(Ok(event)) => event,
            // Timed out, fell behind, or the store is gone: the end.
            Err(_) | Ok(Err(RecvError::Lagged(_) | RecvError::Closed)) => return None,
        };
        if let Some(line) = watching.filter.line(&event) {
            return Some((Ok(line), watching));
        }
    }
}
