//! Discovery: what kubectl asks before it acts, answered as kube-apiserver
//! v1.36 answers it, for a server whose only resource is core/v1 Endpoints.
//!
//! - `GET /version`: a `version.Info` claiming v1.36.0;
//! - `GET /api`, `GET /apis`: the group lists. kubectl asks for aggregated
//!   discovery first (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;
//!   as=APIGroupDiscoveryList, …, application/json`) and gets it, with that
//!   media type as the `Content-Type`; a client asking for plain JSON gets the
//!   legacy `APIVersions` and `APIGroupList`, then `GET /api/v1`;
//! - `GET /api/v1`: the `APIResourceList` (`endpoints`, and `namespaces` with
//!   the verb `get` only, see below);
//! - `GET /openapi/v3` and `GET /openapi/v3/api/v1`: the OpenAPI v3 document
//!   of the Endpoints paths. kubectl's `QueryParamVerifierV3` finds in it the
//!   `fieldValidation` parameter of the Endpoints PATCH operation, so it sends
//!   `fieldValidation=Strict` and leaves validation to the server; without
//!   it, kubectl would ask for `/openapi/v2` (not served) and refuse to create
//!   without `--validate=false`. `kubectl explain endpoints` reads it too. The
//!   document is `openapi_v3_api_v1.json`, generated from the Kubernetes
//!   OpenAPI v2 document by `scripts/gen_endpoints_openapi.py`;
//! - `GET /api/v1/namespaces/{namespace}`: every namespace a valid name can
//!   make exists (the store keeps Endpoints in any namespace), Active. kubectl
//!   asks for the namespace when a get answers NotFound, and reports the
//!   namespace's NotFound instead of the object's when it has none;
//! - anything else under `/api`, `/apis`, `/openapi` and `/version`: a 404
//!   `Status`, as kube-apiserver's for a path it does not serve (the Endpoints
//!   routes are more specific and win).
//!
//! kube-rs's `Api<Endpoints>` asks for none of this: k8s-openapi's types carry
//! the group, version and resource.
//!
//! Everything is JSON (`Content-Type: application/json`, or the aggregated
//! discovery media type for that form); the other media types a client may
//! ask for (YAML, protobuf, CBOR) are not served, and `/api` and `/apis` answer
//! an `Accept` naming none of theirs with 406, as kube-apiserver does.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, ETAG, HOST, LOCATION, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get};
use serde_json::{Value, json};

/// The routes of discovery (see the module documentation).
pub fn router() -> Router {
    Router::new()
        .route("/version", document(version))
        .route("/api", document(api))
        .route("/apis", document(apis))
        .route("/api/v1", document(api_v1))
        .route("/api/v1/namespaces/{namespace}", document(namespace))
        .route("/openapi/v3", document(openapi_root))
        .route(OPENAPI_API_V1, document(openapi_api_v1))
        .route("/version/{*rest}", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .route("/apis/{*rest}", any(not_found))
        .route("/openapi/{*rest}", any(not_found))
}

/// A read-only document: `GET` (and so `HEAD`) served by `handler`, other
/// methods answered 405 as kube-apiserver does.
fn document<H, T>(handler: H) -> MethodRouter
where
    H: axum::handler::Handler<T, ()>,
    T: 'static,
{
    get(handler).fallback(method_not_allowed)
}

// ---------------------------------------------------------------------------
// The resources.

/// A resource of core/v1 as discovery describes it.
struct Resource {
    /// The plural, as in the URL: `endpoints`.
    name: &'static str,
    /// The singular name.
    singular: &'static str,
    /// The kind of its objects.
    kind: &'static str,
    /// Whether its objects live in a namespace.
    namespaced: bool,
    /// What the server does with it, sorted as kube-apiserver lists them.
    verbs: &'static [&'static str],
    /// The short names kubectl accepts for it.
    short_names: &'static [&'static str],
}

/// The resources of core/v1 the server serves: Endpoints (all verbs), and
/// namespaces, which can only be got (every one exists).
const RESOURCES: [Resource; 2] = [
    Resource {
        name: "endpoints",
        singular: "endpoints",
        kind: "Endpoints",
        namespaced: true,
        verbs: &[
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ],
        short_names: &["ep"],
    },
    Resource {
        name: "namespaces",
        singular: "namespace",
        kind: "Namespace",
        namespaced: false,
        verbs: &["get"],
        short_names: &["ns"],
    },
];

/// `resource` as an `APIResource` of an `APIResourceList`.
fn api_resource(resource: &Resource) -> Value {
    json!({
        "name": resource.name,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": resource.verbs,
        "shortNames": resource.short_names,
    })
}

/// `resource` as an `APIResourceDiscovery` of aggregated discovery.
fn discovery_resource(resource: &Resource) -> Value {
    json!({
        "resource": resource.name,
        "responseKind": {"group": "", "version": "v1", "kind": resource.kind},
        "scope": if resource.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": resource.singular,
        "verbs": resource.verbs,
        "shortNames": resource.short_names,
    })
}

// ---------------------------------------------------------------------------
// /version

/// `GET /version`: the `version.Info` of a v1.36.0 kube-apiserver.
async fn version() -> Response {
    json_response(&json!({
        "major": "1",
        "minor": "36",
        "emulationMajor": "1",
        "emulationMinor": "36",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "35",
        "gitVersion": "v1.36.0",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "",
        "compiler": "gc",
        "platform": platform(),
    }))
}

/// The platform as Go names it (`GOOS/GOARCH`): `linux/amd64`.
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("{}/{arch}", std::env::consts::OS)
}

// ---------------------------------------------------------------------------
// /api, /apis, /api/v1

/// The media type of aggregated discovery, v2: what kubectl asks for first.
const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// The two forms `/api` and `/apis` come in.
#[derive(Debug, PartialEq)]
enum Form {
    /// `APIGroupDiscoveryList` (apidiscovery.k8s.io/v2), groups with their
    /// versions and resources in one document.
    Aggregated,
    /// `APIVersions` (`/api`) or `APIGroupList` (`/apis`); the resources come
    /// from `/api/v1`.
    Plain,
}

/// The form the request's `Accept` asks for: the first media range, in the
/// header's order and leaving out those with `q=0`, that one of the forms
/// matches; `Plain` without an `Accept`; `None` when nothing matches.
fn form(headers: &HeaderMap) -> Option<Form> {
    let Some(accept) = headers.get(ACCEPT) else {
        return Some(Form::Plain);
    };
    let accept = accept.to_str().ok()?;
    accept.split(',').find_map(media_range_form)
}

/// The form media range `range` (`type/subtype;param=value;…`) asks for, if
/// one: aggregated for `application/json` with `g=apidiscovery.k8s.io`,
/// `v=v2` and `as=APIGroupDiscoveryList`; plain for `application/json`
/// without those parameters, `application/*` and `*/*`.
fn media_range_form(range: &str) -> Option<Form> {
    let mut parts = range.split(';').map(str::trim);
    let essence = parts.next()?.to_ascii_lowercase();
    let mut group_version_as = (None, None, None);
    for param in parts {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        let value = value.trim().trim_matches('"');
        match key.trim() {
            "q" if value.parse::<f32>().is_ok_and(|q| q <= 0.0) => return None,
            "g" => group_version_as.0 = Some(value),
            "v" => group_version_as.1 = Some(value),
            "as" => group_version_as.2 = Some(value),
            _ => {}
        }
    }
    match (essence.as_str(), group_version_as) {
        (
            "application/json",
            (Some("apidiscovery.k8s.io"), Some("v2"), Some("APIGroupDiscoveryList")),
        ) => Some(Form::Aggregated),
        ("application/json", (None, None, None)) | ("application/*" | "*/*", _) => {
            Some(Form::Plain)
        }
        _ => None,
    }
}

/// `GET /api`: the core group, `v1`.
async fn api(headers: HeaderMap) -> Response {
    match form(&headers) {
        Some(Form::Aggregated) => aggregated_response(&aggregated_list(vec![core_group()])),
        Some(Form::Plain) => vary_accept(json_response(&api_versions(&headers))),
        None => not_acceptable(),
    }
}

/// `GET /apis`: no named groups.
async fn apis(headers: HeaderMap) -> Response {
    match form(&headers) {
        Some(Form::Aggregated) => aggregated_response(&aggregated_list(Vec::new())),
        Some(Form::Plain) => vary_accept(json_response(&json!({
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [],
        }))),
        None => not_acceptable(),
    }
}

/// `GET /api/v1`: the resources of core/v1.
async fn api_v1() -> Response {
    let resources: Vec<Value> = RESOURCES.iter().map(api_resource).collect();
    json_response(&json!({
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": resources,
    }))
}

/// The `APIVersions` of `/api`. Its `serverAddressByClientCIDRs` gives every
/// client the address it reached the server at (its `Host`), when it said.
fn api_versions(headers: &HeaderMap) -> Value {
    let addresses: Vec<Value> = headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .map(|host| json!({"clientCIDR": "0.0.0.0/0", "serverAddress": host}))
        .into_iter()
        .collect();
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": addresses,
    })
}

/// The core group in aggregated discovery: version `v1` and its resources.
fn core_group() -> Value {
    let resources: Vec<Value> = RESOURCES.iter().map(discovery_resource).collect();
    json!({
        "metadata": {"creationTimestamp": null},
        "versions": [{"version": "v1", "resources": resources, "freshness": "Current"}],
    })
}

/// An `APIGroupDiscoveryList` of `groups`.
fn aggregated_list(groups: Vec<Value>) -> Value {
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": groups,
    })
}

/// `body` with the aggregated discovery media type as its `Content-Type`
/// (client-go tells the forms apart by it).
fn aggregated_response(body: &Value) -> Response {
    let mut response = json_response(body);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(AGGREGATED));
    vary_accept(response)
}

/// `response` with `Vary: Accept`: its form depends on the `Accept`.
fn vary_accept(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(VARY, HeaderValue::from_static("Accept"));
    response
}

// ---------------------------------------------------------------------------
// /api/v1/namespaces/{namespace}

/// `GET /api/v1/namespaces/{namespace}`: the namespace, Active, with the
/// label kube-apiserver puts on every namespace. Every namespace a valid name
/// can make exists; another name is NotFound, as no namespace can have it.
async fn namespace(Path(name): Path<String>) -> Response {
    if !is_dns1123_label(&name) {
        let message = format!("namespaces \"{name}\" not found");
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &message,
            name_details(&name),
        );
    }
    json_response(&json!({
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }))
}

/// Whether `name` is a DNS-1123 label, as namespace names must be: at most
/// 63 characters, lower-case alphanumerics and `-`, alphanumeric at both ends.
fn is_dns1123_label(name: &str) -> bool {
    let alphanumeric = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            bytes.len() <= 63
                && alphanumeric(first)
                && alphanumeric(last)
                && bytes.iter().all(|&c| alphanumeric(c) || c == b'-')
        }
        _ => false,
    }
}

/// The `details` of a NotFound for the namespace `name`.
fn name_details(name: &str) -> Value {
    json!({"name": name, "kind": "namespaces"})
}

// ---------------------------------------------------------------------------
// /openapi/v3

/// Where the OpenAPI v3 document of core/v1 is served.
const OPENAPI_API_V1: &str = "/openapi/v3/api/v1";

/// The OpenAPI v3 document of core/v1's Endpoints paths, as generated by
/// `scripts/gen_endpoints_openapi.py`.
const OPENAPI_DOCUMENT: &str = include_str!("openapi_v3_api_v1.json");

/// The hash of [`OPENAPI_DOCUMENT`] that its URL carries (`?hash=`), so that
/// clients may cache it for good: FNV-1a (64 bits) in upper-case hex.
static OPENAPI_HASH: LazyLock<String> = LazyLock::new(|| {
    let hash = OPENAPI_DOCUMENT
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("{hash:016X}")
});

/// The document's URL with its hash, relative to the server.
fn openapi_url() -> String {
    format!("{OPENAPI_API_V1}?hash={}", *OPENAPI_HASH)
}

/// `GET /openapi/v3`: the group-versions with a document, here `api/v1`.
async fn openapi_root() -> Response {
    json_response(&json!({
        "paths": {"api/v1": {"serverRelativeURL": openapi_url()}},
    }))
}

/// `GET /openapi/v3/api/v1`: the document. With the current `hash` it may be
/// cached for good; with another one the client is sent to the current URL
/// (301); without one it is not to be cached, as kube-apiserver's handler
/// does.
async fn openapi_api_v1(RawQuery(query): RawQuery) -> Response {
    let hash = query.as_deref().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("hash="))
            .map(str::to_owned)
    });
    let cache_control = match hash {
        Some(hash) if hash == *OPENAPI_HASH => "public, immutable, max-age=31536000",
        Some(_) => return redirect(&openapi_url()),
        None => "no-cache, private",
    };
    let mut response = (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        OPENAPI_DOCUMENT,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", *OPENAPI_HASH)) {
        headers.insert(ETAG, etag);
    }
    response
}

/// A 301 to `location`.
fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::MOVED_PERMANENTLY, [(LOCATION, location)]).into_response(),
        // The URL is ASCII built here from a hex hash; a bad one is a bug, and
        // a 404 is the least wrong answer.
        Err(_) => path_not_found(),
    }
}

// ---------------------------------------------------------------------------
// Responses.

/// `body` as JSON, status 200.
fn json_response(body: &Value) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response()
}

/// A failure `Status` with `code`, `reason`, `message` and `details`, as the
/// response.
fn status(code: StatusCode, reason: &str, message: &str, details: Value) -> Response {
    let body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code.as_u16(),
    });
    let mut response = json_response(&body);
    *response.status_mut() = code;
    response
}

/// 404, for a path under discovery's prefixes that is not served.
async fn not_found() -> Response {
    path_not_found()
}

/// The 404 `Status` of a path the server does not serve.
fn path_not_found() -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        "the server could not find the requested resource",
        json!({}),
    )
}

/// 405, for a write to a discovery document.
async fn method_not_allowed() -> Response {
    status(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        json!({}),
    )
}

/// 406, for an `Accept` that none of the forms of `/api` and `/apis` match.
fn not_acceptable() -> Response {
    status(
        StatusCode::NOT_ACCEPTABLE,
        "NotAcceptable",
        "only the following media types are accepted: application/json, \
         application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        json!({}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn kubectl_gets_aggregated_discovery() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,\
                       application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,\
                       application/json";
        assert_eq!(form(&accept(kubectl)), Some(Form::Aggregated));
    }

    #[test]
    fn plain_json_and_wildcards_get_the_plain_form() {
        assert_eq!(form(&HeaderMap::new()), Some(Form::Plain));
        assert_eq!(form(&accept("application/json, */*")), Some(Form::Plain));
        assert_eq!(form(&accept("*/*")), Some(Form::Plain));
        let v2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,\
                       application/json";
        assert_eq!(form(&accept(v2beta1)), Some(Form::Plain));
    }

    #[test]
    fn namespace_names_are_dns1123_labels() {
        for name in ["test-namespace", "a", "0", &"a".repeat(63)] {
            assert!(is_dns1123_label(name), "{name}");
        }
        for name in ["", "-a", "a-", "A", "a_b", "a.b", &"a".repeat(64)] {
            assert!(!is_dns1123_label(name), "{name}");
        }
    }

    #[test]
    fn other_media_types_are_not_acceptable() {
        assert_eq!(form(&accept("application/yaml")), None);
        assert_eq!(form(&accept("application/json;q=0")), None);
    }
}
