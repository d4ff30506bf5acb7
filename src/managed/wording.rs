//! How upstream's Go code prints an object's identity in apply's messages
//! (to join the crate-wide Go-wording helpers).

use serde_json::Value;

/// `group/version, Kind=Kind` as upstream prints a GroupVersionKind.
pub(super) fn gvk(object: &Value) -> String {
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={kind}")
}

/// `namespace/name` as upstream prints an object reference.
pub(super) fn object_ref(object: &Value) -> String {
    let meta = object.get("metadata");
    let text = |k: &str| {
        meta.and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    format!("{}/{}", text("namespace"), text("name"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_as_go_does() {
        let object = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod"}});
        assert_eq!(gvk(&object), "apps/v1, Kind=Deployment");
        assert_eq!(object_ref(&object), "prod/web");
        let core = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"}});
        assert_eq!(gvk(&core), "/v1, Kind=Endpoints");
        assert_eq!(object_ref(&core), "/web");
    }
}
