//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl
//! get` asks for): a `meta.k8s.io` Table with kube-apiserver's columns for
//! Endpoints (`pkg/printers/internalversion`: Name, Endpoints, Age), each
//! row's object as `includeObject` asks (`Metadata`, the default: a
//! PartialObjectMetadata; `Object`: the object; `None`: nothing).
//!
//! A watch asked for Tables sends one-row Tables ([`super::watch`]).

use axum::http::header::ACCEPT;
use axum::http::request::Parts;
use serde_json::{Value, json};

/// ObjectMeta's `name` documentation (the Name column's description).
const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
/// Endpoints' `subsets` documentation (the Endpoints column's).
const SUBSETS_DOC: &str = "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.";
/// ObjectMeta's `creationTimestamp` documentation (the Age column's).
const CREATED_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/// The Table version the request's `Accept` asks for first (`v1` or
/// `v1beta1` of `meta.k8s.io`), or `None` for plain objects.
pub fn wanted(parts: &Parts) -> Option<&'static str> {
    let accept = parts.headers.get(ACCEPT)?.to_str().ok()?;
    for range in accept.split(',') {
        let mut pieces = range.split(';').map(str::trim);
        let media = pieces.next().unwrap_or("");
        let (mut table, mut group, mut version) = (false, false, None);
        for param in pieces {
            match param.split_once('=') {
                Some(("as", "Table")) => table = true,
                Some(("g", "meta.k8s.io")) => group = true,
                Some(("v", "v1")) => version = Some("v1"),
                Some(("v", "v1beta1")) => version = Some("v1beta1"),
                _ => {}
            }
        }
        if media == "application/json" && table && group {
            if let Some(version) = version {
                return Some(version);
            }
        } else if matches!(media, "application/json" | "*/*" | "application/*") && !table {
            return None;
        }
    }
    None
}

/// The Table of `objects` at `resource_version`; `include` is the
/// request's `includeObject`.
pub fn table(version: &str, objects: &[&Value], resource_version: &str, include: &str) -> Value {
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            let meta = object.get("metadata").cloned().unwrap_or_else(|| json!({}));
            let name = meta.get("name").and_then(Value::as_str).unwrap_or("");
            let created = meta.get("creationTimestamp").and_then(Value::as_str);
            let cells = json!([name, endpoints(object), age(created)]);
            match include {
                "None" => json!({"cells": cells}),
                "Object" => json!({"cells": cells, "object": object}),
                _ => json!({"cells": cells, "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": format!("meta.k8s.io/{version}"),
                    "metadata": meta,
                }}),
            }
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": NAME_DOC, "priority": 0},
            {"name": "Endpoints", "type": "string", "format": "", "description": SUBSETS_DOC, "priority": 0},
            {"name": "Age", "type": "string", "format": "", "description": CREATED_DOC, "priority": 0},
        ],
        "rows": rows,
    })
}

/// Upstream's `formatEndpoints`: the first three `ip:port` (or bare ip for
/// a subset without ports), `+ N more...` after them, `<none>` without
/// subsets.
fn endpoints(object: &Value) -> String {
    const MAX: usize = 3;
    let list_of = |value: &Value, key: &str| {
        value
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let subsets = list_of(object, "subsets");
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    let (mut shown, mut count) = (Vec::new(), 0);
    for subset in &subsets {
        let addresses = list_of(subset, "addresses");
        let ips = addresses.iter().map(|a| {
            a.get("ip")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        });
        let ports = list_of(subset, "ports");
        if ports.is_empty() {
            count += addresses.len();
            shown.extend(ips.take(MAX - shown.len().min(MAX)));
            continue;
        }
        for port in &ports {
            let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
            count += addresses.len();
            for ip in ips.clone() {
                if shown.len() == MAX {
                    break;
                }
                // net.JoinHostPort: an IPv6 address in brackets.
                shown.push(if ip.contains(':') {
                    format!("[{ip}]:{number}")
                } else {
                    format!("{ip}:{number}")
                });
            }
        }
    }
    let text = shown.join(",");
    if count > MAX {
        format!("{text} + {} more...", count - MAX)
    } else {
        text
    }
}

/// `translateTimestampSince`: apimachinery's `duration.HumanDuration` of the
/// time since `created`, `<unknown>` without one.
fn age(created: Option<&str>) -> String {
    let Some(created) = created.and_then(|c| c.parse::<jiff::Timestamp>().ok()) else {
        return "<unknown>".to_string();
    };
    let seconds = jiff::Timestamp::now().as_second() - created.as_second();
    human_duration(seconds)
}

/// apimachinery's `duration.HumanDuration`, on whole seconds.
fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    let with = |big: i64, unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{unit}")
        } else {
            format!("{big}{unit}{small}{small_unit}")
        }
    };
    if minutes < 10 {
        return with(minutes, "m", seconds % 60, "s");
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        return with(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return with(hours / 24, "d", hours % 24, "h");
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return with(hours / 24 / 365, "y", (hours / 24) % 365, "d");
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_kubectl_shows_them() {
        for (seconds, shown) in [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60, "3h1m"),
            (47 * 3600, "47h"),
            (50 * 3600, "2d2h"),
            (10 * 86400, "10d"),
            (800 * 86400, "2y70d"),
            (3000 * 86400, "8y"),
        ] {
            assert_eq!(human_duration(seconds), shown, "{seconds}");
        }
    }

    #[test]
    fn endpoints_column() {
        let object = json!({"subsets": [
            {"addresses": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}], "ports": [{"port": 80}, {"port": 443}]},
            {"addresses": [{"ip": "10.0.0.2"}]},
        ]});
        assert_eq!(
            endpoints(&object),
            "10.0.0.1:80,[fd00::1]:80,10.0.0.1:443 + 2 more..."
        );
        assert_eq!(endpoints(&json!({})), "<none>");
        assert_eq!(
            endpoints(
                &json!({"subsets": [{"addresses": [{"ip": "1.2.3.4"}], "ports": [{"port": 53}]}]})
            ),
            "1.2.3.4:53"
        );
    }
}
