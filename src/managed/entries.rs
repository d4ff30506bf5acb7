//! `metadata.managedFields` entries: decoding, identities, order, capping.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::owned::Owned;

/// `Apply` or `Update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// Server-side apply.
    Apply,
    /// Any other write.
    Update,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// Who manages a set: the entry's identity (time and fields left out;
/// `apiVersion` left out for Apply).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    /// The field manager's name.
    pub manager: String,
    /// Apply or Update.
    pub operation: Operation,
    /// The API version, for Update identities.
    pub api_version: Option<String>,
    /// The subresource written through, if any.
    pub subresource: Option<String>,
}

impl Identity {
    /// An Apply identity.
    pub fn apply(manager: &str) -> Self {
        Identity {
            manager: manager.to_string(),
            operation: Operation::Apply,
            api_version: None,
            subresource: None,
        }
    }

    /// An Update identity.
    pub fn update(manager: &str, api_version: &str) -> Self {
        Identity {
            manager: manager.to_string(),
            operation: Operation::Update,
            api_version: Some(api_version.to_string()),
            subresource: None,
        }
    }

    /// The identifier JSON upstream sorts conflict messages by:
    /// `{"manager":…,"operation":…,"apiVersion":…,"subresource":…}`.
    pub fn identifier(&self) -> String {
        let mut out = format!(
            "{{\"manager\":{},\"operation\":\"{}\"",
            serde_json::to_string(&self.manager).unwrap_or_default(),
            self.operation.as_str()
        );
        if let Some(v) = &self.api_version {
            out.push_str(&format!(
                ",\"apiVersion\":{}",
                serde_json::to_string(v).unwrap_or_default()
            ));
        }
        if let Some(s) = &self.subresource {
            out.push_str(&format!(
                ",\"subresource\":{}",
                serde_json::to_string(s).unwrap_or_default()
            ));
        }
        out.push('}');
        out
    }

    /// How conflict messages name the manager: `"ctrl"`, `"kubectl-edit" using v1`,
    /// `"w" with subresource "status" using example.com/v1`.
    pub fn describe(&self) -> String {
        let mut out = crate::go::go_quote(&self.manager);
        if let Some(s) = &self.subresource {
            out.push_str(&format!(" with subresource {}", crate::go::go_quote(s)));
        }
        if let (Operation::Update, Some(v)) = (self.operation, &self.api_version) {
            out.push_str(&format!(" using {v}"));
        }
        out
    }
}

/// One manager's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its identity.
    pub identity: Identity,
    /// The API version the set is expressed in.
    pub api_version: String,
    /// When it last changed something (RFC 3339, seconds), if ever.
    pub time: Option<String>,
    /// The fields it owns, as stored until the request needs them.
    pub fields: Owned,
}

/// The managers of an object, by identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Managers(pub BTreeMap<Identity, Entry>);

impl Managers {
    /// Read `metadata.managedFields` (absent or `null`: no managers), taking
    /// each entry's `fieldsV1` over as it is stored ([`Owned`]).
    pub fn take(list: Option<Value>) -> Result<Managers, String> {
        let items = match list {
            None | Some(Value::Null) => return Ok(Managers::default()),
            Some(Value::Array(items)) => items,
            Some(_) => return Err("managedFields must be a list".to_string()),
        };
        let mut out = BTreeMap::new();
        for (i, item) in items.into_iter().enumerate() {
            let Value::Object(mut m) = item else {
                return Err(format!("managed fields entry {i} is not an object"));
            };
            let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let operation = match text("operation").as_str() {
                "Apply" => Operation::Apply,
                "Update" => Operation::Update,
                _ => return Err("operation must be `Apply` or `Update`".to_string()),
            };
            let api_version = text("apiVersion");
            if api_version.is_empty() {
                return Err("apiVersion must not be empty".to_string());
            }
            match text("fieldsType").as_str() {
                "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
                "FieldsV1" => {}
                other => {
                    return Err(format!(
                        "invalid fieldsType {other:?} in managed fields entry {i}"
                    ));
                }
            }
            let subresource = Some(text("subresource")).filter(|s| !s.is_empty());
            let identity = Identity {
                manager: text("manager"),
                operation,
                api_version: (operation == Operation::Update).then(|| api_version.clone()),
                subresource,
            };
            let time = Some(text("time")).filter(|t| !t.is_empty());
            let fields = match m.remove("fieldsV1") {
                None | Some(Value::Null) => Owned::default(),
                Some(v) => Owned::read(v)?,
            };
            out.insert(
                identity.clone(),
                Entry {
                    identity,
                    api_version,
                    time,
                    fields,
                },
            );
        }
        Ok(Managers(out))
    }

    /// Encode, sorted as upstream sorts: Apply before Update, then time
    /// (whole seconds; none first), manager, apiVersion, subresource. Entries
    /// with empty sets are left out; `None` when nothing remains. Entries
    /// still as stored are written back as they are.
    pub fn encode(self) -> Option<Value> {
        let mut entries: Vec<Entry> = self
            .0
            .into_values()
            .filter(|e| !e.fields.is_empty())
            .collect();
        if entries.is_empty() {
            return None;
        }
        entries.sort_by_cached_key(|e| {
            (
                e.identity.operation,
                seconds(&e.time),
                e.identity.manager.clone(),
                e.api_version.clone(),
                e.identity.subresource.clone(),
            )
        });
        let list = entries
            .into_iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("manager".into(), Value::String(e.identity.manager));
                m.insert(
                    "operation".into(),
                    Value::String(e.identity.operation.as_str().into()),
                );
                m.insert("apiVersion".into(), Value::String(e.api_version));
                if let Some(t) = e.time {
                    m.insert("time".into(), Value::String(t));
                }
                m.insert("fieldsType".into(), Value::String("FieldsV1".into()));
                m.insert("fieldsV1".into(), e.fields.into_fields_v1());
                if let Some(s) = e.identity.subresource {
                    m.insert("subresource".into(), Value::String(s));
                }
                Value::Object(m)
            })
            .collect();
        Some(Value::Array(list))
    }

    /// Drop managers whose sets are empty.
    pub fn drop_empty(&mut self) {
        self.0.retain(|_, e| !e.fields.is_empty());
    }

    /// At most `max` Update entries: from the oldest, entries of an
    /// apiVersion already seen are folded into `ancient-changes`.
    pub fn cap_updates(&mut self, max: usize) {
        let mut count = self
            .0
            .keys()
            .filter(|i| i.operation == Operation::Update)
            .count();
        if count <= max {
            return;
        }
        let mut updates: Vec<Identity> = self
            .0
            .keys()
            .filter(|i| i.operation == Operation::Update)
            .cloned()
            .collect();
        // Keys computed once per entry (time parsed, identifier written), not
        // once per comparison.
        updates.sort_by_cached_key(|id| (seconds(&self.0[id].time), id.identifier()));
        let mut first: BTreeMap<String, Identity> = BTreeMap::new();
        for id in updates {
            if count <= max {
                break;
            }
            // Only Update entries are removed or added below, so the change
            // in the map's length is the change in their count (kept as it
            // goes, so that the loop stays linear in the entries).
            let len_before = self.0.len();
            let Some(version) = self.0.get(&id).map(|e| e.api_version.clone()) else {
                continue;
            };
            match first.get(&version).cloned() {
                None => {
                    first.insert(version, id);
                }
                Some(bucket_of) => {
                    let bucket_id = Identity::update("ancient-changes", &version);
                    let mut bucket = match self.0.remove(&bucket_of) {
                        Some(b) => Entry {
                            identity: bucket_id.clone(),
                            ..b
                        },
                        None => continue,
                    };
                    if let Some(entry) = self.0.remove(&id) {
                        bucket.fields.set().union_with(&entry.fields.into_set());
                        bucket.time = entry.time;
                    }
                    if let Some(existing) = self.0.remove(&bucket_id) {
                        bucket.fields.set().union_with(&existing.fields.into_set());
                    }
                    self.0.insert(bucket_id.clone(), bucket);
                    first.insert(version, bucket_id);
                }
            }
            count = (count + self.0.len()).saturating_sub(len_before);
        }
    }
}

/// Whole Unix seconds of an RFC 3339 time; none (or unreadable) is 0.
fn seconds(time: &Option<String>) -> i64 {
    time.as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or(0, |t| t.as_second())
}

/// `now` as an entry records its time: RFC 3339, whole seconds, UTC.
pub(super) fn stamp(now: jiff::Timestamp) -> String {
    now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Twelve Update managers of one apiVersion, `m0` the oldest: capping to
    /// ten folds the oldest three into `ancient-changes` (the first two make
    /// the bucket, the third joins it), which takes the third one's time.
    #[test]
    fn cap_updates_folds_the_oldest_into_ancient_changes() {
        let list: Vec<Value> = (0..12)
            .map(|i| {
                json!({
                    "manager": format!("m{i:02}"), "operation": "Update", "apiVersion": "v1",
                    "time": format!("2024-01-01T00:00:{i:02}Z"), "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:data": {format!("f:k{i}"): {}}}
                })
            })
            .collect();
        let mut managers = Managers::take(Some(Value::Array(list))).unwrap();
        managers.cap_updates(10);
        let names: Vec<&str> = managers.0.keys().map(|i| i.manager.as_str()).collect();
        assert_eq!(names.len(), 10);
        assert!(names.contains(&"ancient-changes"));
        assert!(!names.contains(&"m00") && !names.contains(&"m01") && !names.contains(&"m02"));
        assert!(names.contains(&"m03") && names.contains(&"m11"));
        let bucket = &managers.0[&Identity::update("ancient-changes", "v1")];
        assert_eq!(bucket.time.as_deref(), Some("2024-01-01T00:00:02Z"));
        assert_eq!(
            bucket.fields.clone().into_fields_v1(),
            json!({"f:data": {"f:k0": {}, "f:k1": {}, "f:k2": {}}})
        );
        // Within the cap: nothing changes.
        let before = managers.clone();
        managers.cap_updates(10);
        assert_eq!(managers, before);
    }
}
