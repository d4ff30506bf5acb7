//! The in-memory store: objects by namespace and name, one global
//! `resourceVersion` counter, and the watch events.
//!
//! As etcd does for kube-apiserver, every write (create, update, delete)
//! takes the next revision of one counter; the object stored (or, for a
//! delete, the object last stored) carries it as its `resourceVersion`.
//! Each write is kept in a bounded history (what a watch from an older
//! `resourceVersion` replays) and sent to the live watchers, both while the
//! store's lock is held: events reach every watcher in revision order.
//!
//! Objects are kept behind [`Arc`]s: a request reads the stored object
//! borrowed, and the history and watchers share the stored value instead of
//! copying it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::broadcast;

/// How many events the history keeps: a watch from a `resourceVersion`
/// older than the oldest of them is answered 410 Gone. Upstream's watch
/// cache began at 100 events too; objects are shared with the store, so
/// what the history holds is at most this many versions of objects.
pub const HISTORY: usize = 100;

/// How many events a slow watcher may fall behind before it is dropped.
const CHANNEL: usize = 1024;

/// What happened to an object (the `type` of a watch event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Created.
    Added,
    /// Updated.
    Modified,
    /// Deleted.
    Deleted,
}

impl EventType {
    /// The word a watch event carries: `ADDED`, `MODIFIED`, `DELETED`.
    pub fn word(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One write, as watchers see it.
#[derive(Debug, Clone)]
pub struct Event {
    /// What happened.
    pub kind: EventType,
    /// The revision of the write.
    pub revision: u64,
    /// The object after the write (for a delete: the object as last stored,
    /// its `resourceVersion` that of the delete, as etcd's watch gives it).
    pub object: Arc<Value>,
    /// The object before the write (`None` for a create): a filtered watch
    /// tells from it whether the object entered or left its selection.
    pub previous: Option<Arc<Value>>,
}

/// The key of an object: namespace, then name (the order lists follow, as
/// etcd's key order does).
pub type Key = (String, String);

/// The store. Every access goes through [`Store::lock`].
pub struct Store {
    inner: Mutex<Inner>,
}

/// What the lock guards.
pub struct Inner {
    objects: BTreeMap<Key, Arc<Value>>,
    revision: u64,
    history: VecDeque<Arc<Event>>,
    capacity: usize,
    /// Revisions up to this one are gone from the history.
    compacted: u64,
    events: broadcast::Sender<Arc<Event>>,
}

/// Where a watch starts.
pub enum Start {
    /// The events after the asked revision, in order, from the history.
    Replay(Vec<Arc<Event>>),
    /// The asked revision is older than the history: upstream's 410.
    TooOld {
        /// The revision asked.
        asked: u64,
        /// The oldest revision a watch can still start from.
        oldest: u64,
    },
}

impl Store {
    /// An empty store keeping [`HISTORY`] events.
    pub fn new() -> Self {
        Self::with_history(HISTORY)
    }

    /// An empty store keeping `capacity` events (at least one).
    pub fn with_history(capacity: usize) -> Self {
        let (events, _) = broadcast::channel(CHANNEL);
        Store {
            inner: Mutex::new(Inner {
                objects: BTreeMap::new(),
                revision: 0,
                history: VecDeque::new(),
                capacity: capacity.max(1),
                compacted: 0,
                events,
            }),
        }
    }

    /// The store, locked. A panic while the lock was held (none is
    /// expected: the code under it returns errors) leaves the data as the
    /// last completed write made it, so a poisoned lock is taken all the same.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Inner {
    /// The stored object `namespace/name`.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&Arc<Value>> {
        self.objects.get(&(namespace.to_string(), name.to_string()))
    }

    /// The objects of `namespace` (all namespaces when `None`), in key order.
    /// A namespace's objects are one range of the keys: only it is read.
    pub fn list<'a>(&'a self, namespace: Option<&'a str>) -> impl Iterator<Item = &'a Arc<Value>> {
        let start = (namespace.unwrap_or("").to_string(), String::new());
        self.objects
            .range(start..)
            .take_while(move |((ns, _), _)| namespace.is_none_or(|n| n == ns))
            .map(|(_, object)| object)
    }

    /// The current revision (a list's `resourceVersion`).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Store `object` as `namespace/name` (a create when nothing was there,
    /// else an update) with the next revision as its `resourceVersion`, and
    /// record the event. Returns the stored object.
    pub fn put(&mut self, namespace: &str, name: &str, mut object: Value) -> Arc<Value> {
        self.revision += 1;
        set_resource_version(&mut object, self.revision);
        let object = Arc::new(object);
        let key = (namespace.to_string(), name.to_string());
        let previous = self.objects.insert(key, Arc::clone(&object));
        let kind = match previous {
            Some(_) => EventType::Modified,
            None => EventType::Added,
        };
        self.record(kind, Arc::clone(&object), previous);
        object
    }

    /// [`put`](Self::put), unless `dry_run`: then nothing is stored and the
    /// object comes back as it would have been stored, without a revision.
    pub fn put_unless_dry(
        &mut self,
        dry_run: bool,
        namespace: &str,
        name: &str,
        object: Value,
    ) -> Arc<Value> {
        if dry_run {
            Arc::new(object)
        } else {
            self.put(namespace, name, object)
        }
    }

    /// Delete `namespace/name`: the delete takes the next revision, which
    /// the DELETED event's object carries. Returns the object as it was
    /// stored, or `None` when there was none.
    pub fn delete(&mut self, namespace: &str, name: &str) -> Option<Arc<Value>> {
        let key = (namespace.to_string(), name.to_string());
        let removed = self.objects.remove(&key)?;
        self.revision += 1;
        let mut last = Value::clone(&removed);
        set_resource_version(&mut last, self.revision);
        self.record(
            EventType::Deleted,
            Arc::new(last),
            Some(Arc::clone(&removed)),
        );
        Some(removed)
    }

    /// Keep the event in the history and send it to the watchers.
    fn record(&mut self, kind: EventType, object: Arc<Value>, previous: Option<Arc<Value>>) {
        let event = Arc::new(Event {
            kind,
            revision: self.revision,
            object,
            previous,
        });
        if self.history.len() == self.capacity
            && let Some(gone) = self.history.pop_front()
        {
            self.compacted = gone.revision;
        }
        self.history.push_back(Arc::clone(&event));
        // No watcher: nothing to send, and nothing is kept.
        let _ = self.events.send(event);
    }

    /// Where a watch from revision `after` starts: the events after it, or
    /// 410 when some of them are gone from the history. Take the receiver
    /// ([`Inner::subscribe`]) under the same lock, so that no event falls
    /// between the replay and the live ones.
    pub fn since(&self, after: u64) -> Start {
        if after < self.compacted {
            return Start::TooOld {
                asked: after,
                oldest: self.compacted,
            };
        }
        Start::Replay(
            self.history
                .iter()
                .filter(|e| e.revision > after)
                .cloned()
                .collect(),
        )
    }

    /// A receiver of the events of the writes to come.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }
}

/// Set `metadata.resourceVersion` (the decimal revision).
pub fn set_resource_version(object: &mut Value, revision: u64) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert(
            "resourceVersion".to_string(),
            Value::String(revision.to_string()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": "ns"}})
    }

    #[test]
    fn revisions_and_history() {
        let store = Store::with_history(2);
        let mut inner = store.lock();
        let stored = inner.put("ns", "a", object("a"));
        assert_eq!(stored["metadata"]["resourceVersion"], "1");
        inner.put("ns", "a", object("a"));
        inner.put("ns", "b", object("b"));
        inner.put("a-ns", "z", object("z"));
        inner.put("z-ns", "a", object("a"));
        let names = |ns| -> Vec<String> {
            inner
                .list(ns)
                .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
                .collect()
        };
        assert_eq!(names(Some("ns")), ["a", "b"]);
        assert_eq!(names(None), ["z", "a", "b", "a"]);
        assert_eq!(names(Some("none")), Vec::<String>::new());
        let deleted = inner.delete("ns", "a");
        assert_eq!(
            deleted
                .as_deref()
                .map(|o| &o["metadata"]["resourceVersion"]),
            Some(&json!("2"))
        );
        assert_eq!(inner.revision(), 6);
        // Revisions 1 to 4 are gone: a watch from 3 missed 4.
        assert!(matches!(
            inner.since(3),
            Start::TooOld {
                asked: 3,
                oldest: 4
            }
        ));
        let Start::Replay(events) = inner.since(4) else {
            panic!("4 is in the history");
        };
        let seen: Vec<_> = events.iter().map(|e| (e.kind, e.revision)).collect();
        assert_eq!(seen, [(EventType::Added, 5), (EventType::Deleted, 6)]);
        assert_eq!(events[1].object["metadata"]["resourceVersion"], "6");
        assert!(inner.delete("ns", "a").is_none());
    }
}
