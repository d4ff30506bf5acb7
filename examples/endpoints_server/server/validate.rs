//! core/v1 Endpoints defaulting and validation, as kube-apiserver v1.36 runs
//! them on every write (create, update, and the result of a patch).
//!
//! - [`set_defaults`]: upstream's `SetDefaults_Endpoints`
//!   (`pkg/apis/core/v1/defaults.go`): a port without a protocol gets `TCP`.
//! - [`endpoints`]: upstream's `ValidateEndpointsCreate` → `ValidateEndpoints`
//!   (`pkg/apis/core/validation/validation.go`): `ValidateObjectMeta` with
//!   `ValidateEndpointsName` (a DNS-1123 subdomain), then every subset's
//!   addresses, not-ready addresses and ports, in that order.
//!
//! Which upstream text this follows: Kubernetes v1.36. The apimachinery
//! texts (names, labels, annotations, IPs, field-error bodies) were read from
//! `kubernetes/apimachinery` at tag `v0.36.3` (the v1.36 staging copy); the
//! Endpoints rules from a 2026 `pkg/apis/core/validation/validation.go`
//! (`validateEndpointSubsets`, `validateEndpointAddress`, `ValidateEndpointIP`,
//! `validateEndpointPort`). In v1.36 the `StrictIPCIDRValidation` gate is
//! beta and on (KEP-4858), so `IsValidIPForLegacyField` rejects IPv4 octets
//! with leading zeros and IPv4-mapped IPv6 addresses.
//!
//! What is left out: the update-only rules (`ValidateObjectMetaUpdate`, and
//! v1.36's ratchet that ignores subset errors when an update leaves
//! `subsets` unchanged: these functions see no old object), and
//! `ValidateManagedFields` (kubepatch's field manager owns
//! `metadata.managedFields`).
//!
//! A value of the wrong JSON type (a port given as a string, a label value
//! as a number) never reaches validation upstream: Go's decoder answers 400
//! first. Here it is reported as `Invalid value: <value>: must be of type
//! <Go type>` at its field, and the field is then left out of the checks
//! (it has no value to check). Absent and `null` fields are the zero value,
//! as Go's decoder makes them.

use kubepatch::field::FieldError;
use serde_json::{Map, Value};

/// A JSON object, as `serde_json` holds it.
type Object = Map<String, Value>;

/// The protocols a port may name, in upstream's order (`sets.List`, sorted).
const PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

/// Defaults as upstream's `SetDefaults_Endpoints` (core/v1 has no separate
/// `SetDefaults_EndpointPort`): every port whose protocol is absent, `null`
/// or empty gets `"TCP"`. Nothing else changes; values of the wrong type are
/// left for [`endpoints`] to report.
pub fn set_defaults(object: &mut Value) {
    let Some(subsets) = object.get_mut("subsets").and_then(Value::as_array_mut) else {
        return;
    };
    for subset in subsets {
        let Some(ports) = subset.get_mut("ports").and_then(Value::as_array_mut) else {
            continue;
        };
        for port in ports.iter_mut().filter_map(Value::as_object_mut) {
            if protocol_is_unset(port) {
                port.insert("protocol".to_string(), Value::String("TCP".to_string()));
            }
        }
    }
}

/// Whether Go would decode `protocol` as the empty string.
fn protocol_is_unset(port: &Object) -> bool {
    match port.get("protocol") {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// Every validation error of an Endpoints object, in upstream's order, with
/// upstream's field paths and texts (create semantics: no old object).
pub fn endpoints(object: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(root) = object.as_object() else {
        errs.push(wrong_type("", object, "core.Endpoints"));
        return errs;
    };
    let metadata = read_object(root, "metadata", "metadata", &mut errs);
    object_meta(metadata.unwrap_or(&Object::new()), &mut errs);
    let subsets = read_array(root, "subsets", "subsets", &mut errs);
    for (i, subset) in subsets.or_zero().unwrap_or_default().iter().enumerate() {
        let path = format!("subsets[{i}]");
        if let Some(subset) = element_object(subset, &path, "core.EndpointSubset", &mut errs) {
            endpoint_subset(subset, &path, &mut errs);
        }
    }
    errs
}

// ---------------------------------------------------------------------------
// Reading fields as Go's decoder would.

/// A field as Go's decoder fills it.
enum Read<T> {
    /// Absent or `null`: the zero value (or a nil pointer).
    Unset,
    /// Present with the right JSON type.
    Set(T),
    /// Present with a JSON type Go could not decode (already reported).
    Wrong,
}

impl<T: Default> Read<T> {
    /// The value a non-pointer Go field holds: the zero value when unset;
    /// `None` when the JSON had the wrong type.
    fn or_zero(self) -> Option<T> {
        match self {
            Read::Unset => Some(T::default()),
            Read::Set(v) => Some(v),
            Read::Wrong => None,
        }
    }

    /// The value a pointer Go field points at: `None` when nil (or wrong).
    fn set(self) -> Option<T> {
        match self {
            Read::Set(v) => Some(v),
            Read::Unset | Read::Wrong => None,
        }
    }
}

/// `key` of `object` unless absent or `null`.
fn present<'a>(object: &'a Object, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|v| !v.is_null())
}

/// A string field.
fn read_str<'a>(
    object: &'a Object,
    key: &str,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> Read<&'a str> {
    match present(object, key) {
        None => Read::Unset,
        Some(Value::String(s)) => Read::Set(s),
        Some(other) => {
            errs.push(wrong_type(path, other, "string"));
            Read::Wrong
        }
    }
}

/// An integer field of Go type `go_type`, whose values lie in `range`.
fn read_int(
    object: &Object,
    key: &str,
    path: &str,
    (go_type, range): (&str, std::ops::RangeInclusive<i64>),
    errs: &mut Vec<FieldError>,
) -> Read<i64> {
    match present(object, key) {
        None => Read::Unset,
        Some(v) => match v.as_i64().filter(|n| range.contains(n)) {
            Some(n) => Read::Set(n),
            None => {
                errs.push(wrong_type(path, v, go_type));
                Read::Wrong
            }
        },
    }
}

/// A list field.
fn read_array<'a>(
    object: &'a Object,
    key: &str,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> Read<&'a [Value]> {
    match present(object, key) {
        None => Read::Unset,
        Some(Value::Array(items)) => Read::Set(items),
        Some(other) => {
            errs.push(wrong_type(path, other, "array"));
            Read::Wrong
        }
    }
}

/// A struct field: `None` when unset or of the wrong type.
fn read_object<'a>(
    object: &'a Object,
    key: &str,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> Option<&'a Object> {
    let value = present(object, key)?;
    element_object(value, path, "object", errs)
}

/// A list element (or field value) that must be a struct.
fn element_object<'a>(
    value: &'a Value,
    path: &str,
    go_type: &str,
    errs: &mut Vec<FieldError>,
) -> Option<&'a Object> {
    match value {
        Value::Object(object) => Some(object),
        other => {
            errs.push(wrong_type(path, other, go_type));
            None
        }
    }
}

/// A `map[string]string` field, its entries sorted by key (Go ranges over a
/// map in random order; sorted is one of the orders it can produce).
fn read_string_map<'a>(
    object: &'a Object,
    key: &str,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> Vec<(&'a str, &'a str)> {
    let Some(map) = read_object(object, key, path, errs) else {
        return Vec::new();
    };
    let mut entries: Vec<(&str, &str)> = Vec::new();
    for (k, v) in map {
        match v {
            Value::String(s) => entries.push((k, s)),
            other => errs.push(wrong_type(&format!("{path}[{k}]"), other, "string")),
        }
    }
    entries.sort_unstable();
    entries
}

/// The error for a value Go's decoder would have refused (see the module
/// documentation): the value as upstream renders values (`%q` for a string,
/// JSON otherwise).
fn wrong_type(path: &str, value: &Value, go_type: &str) -> FieldError {
    let detail = format!("must be of type {go_type}");
    match value {
        Value::String(s) => FieldError::invalid(path, s, &detail),
        other => FieldError::invalid_value(path, &other.to_string(), &detail),
    }
}

// ---------------------------------------------------------------------------
// ObjectMeta (apimachinery `ValidateObjectMetaAccessor` and
// `validateObjectMetaAccessorWithOptsCommon`, v0.36.3).

/// The metadata rules, in upstream's order: generateName, name, namespace,
/// generation, labels, annotations, ownerReferences, finalizers, then core's
/// own finalizer-name rule.
fn object_meta(meta: &Object, errs: &mut Vec<FieldError>) {
    let generate_name = read_str(meta, "generateName", "metadata.generateName", errs);
    if let Some(prefix) = generate_name.or_zero().filter(|s| !s.is_empty()) {
        for msg in name_is_dns_subdomain(prefix, true) {
            errs.push(FieldError::invalid("metadata.generateName", prefix, &msg));
        }
    }
    if let Some(name) = read_str(meta, "name", "metadata.name", errs).or_zero() {
        object_name(name, errs);
    }
    if let Some(namespace) = read_str(meta, "namespace", "metadata.namespace", errs).or_zero() {
        object_namespace(namespace, errs);
    }
    let generation = read_int(
        meta,
        "generation",
        "metadata.generation",
        ("int64", i64::MIN..=i64::MAX),
        errs,
    );
    if let Some(generation) = generation.or_zero().filter(|g| *g < 0) {
        let value = generation.to_string();
        errs.push(FieldError::invalid_value(
            "metadata.generation",
            &value,
            "must be greater than or equal to 0",
        ));
    }
    labels(meta, errs);
    annotations(meta, errs);
    owner_references(meta, errs);
    let finalizer_names = finalizers(meta, errs);
    // core's ValidateObjectMeta wrapper, after all of apimachinery's checks.
    kube_finalizer_names(&finalizer_names, errs);
}

/// `metadata.name`: required; `ValidateEndpointsName` = `NameIsDNSSubdomain`.
fn object_name(name: &str, errs: &mut Vec<FieldError>) {
    if name.is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
        return;
    }
    for msg in name_is_dns_subdomain(name, false) {
        errs.push(FieldError::invalid("metadata.name", name, &msg));
    }
}

/// `metadata.namespace`: required (Endpoints are namespaced); a DNS-1123
/// label (`ValidateNamespaceName` = `NameIsDNSLabel`).
fn object_namespace(namespace: &str, errs: &mut Vec<FieldError>) {
    if namespace.is_empty() {
        errs.push(FieldError::required("metadata.namespace", ""));
        return;
    }
    for msg in name_is_dns_label(namespace, false) {
        errs.push(FieldError::invalid("metadata.namespace", namespace, &msg));
    }
}

/// `ValidateLabels`: each key a qualified name, each value a label value;
/// both reported at `metadata.labels` (not at the key).
fn labels(meta: &Object, errs: &mut Vec<FieldError>) {
    for (key, value) in read_string_map(meta, "labels", "metadata.labels", errs) {
        for msg in qualified_name(key) {
            errs.push(FieldError::invalid("metadata.labels", key, &msg));
        }
        for msg in label_value(value) {
            errs.push(FieldError::invalid("metadata.labels", value, &msg));
        }
    }
}

/// The most bytes all annotations' keys and values may hold together
/// (`TotalAnnotationSizeLimitB`, 256 KiB).
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

/// `ValidateAnnotations`: each key (lowercased) a qualified name, then the
/// total size.
fn annotations(meta: &Object, errs: &mut Vec<FieldError>) {
    let entries = read_string_map(meta, "annotations", "metadata.annotations", errs);
    for (key, _) in &entries {
        for msg in qualified_name(&key.to_lowercase()) {
            errs.push(FieldError::invalid("metadata.annotations", key, &msg));
        }
    }
    let total: usize = entries.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > ANNOTATIONS_MAX_BYTES {
        errs.push(FieldError::too_long(
            "metadata.annotations",
            ANNOTATIONS_MAX_BYTES,
        ));
    }
}

/// Where owner-reference errors go: the list's path, no index (upstream's
/// `validateOwnerReference` gets the list's path).
const OWNERS_PATH: &str = "metadata.ownerReferences";

/// One `metav1.OwnerReference`, as decoded.
struct OwnerRef<'a> {
    /// `apiVersion`.
    api_version: &'a str,
    /// `kind`.
    kind: &'a str,
    /// `name`.
    name: &'a str,
    /// `uid`.
    uid: &'a str,
    /// `controller` (nil when unset).
    controller: Option<bool>,
    /// `blockOwnerDeletion` (nil when unset).
    block_owner_deletion: Option<bool>,
}

impl OwnerRef<'_> {
    /// The reference as Go's `json.Marshal` writes the struct (field order,
    /// `omitempty` pointers), which is how `ErrorBody` renders it.
    fn go_json(&self) -> String {
        let mut out = format!(
            "{{\"apiVersion\":{},\"kind\":{},\"name\":{},\"uid\":{}",
            go_json_string(self.api_version),
            go_json_string(self.kind),
            go_json_string(self.name),
            go_json_string(self.uid)
        );
        if let Some(controller) = self.controller {
            out.push_str(&format!(",\"controller\":{controller}"));
        }
        if let Some(block) = self.block_owner_deletion {
            out.push_str(&format!(",\"blockOwnerDeletion\":{block}"));
        }
        out.push('}');
        out
    }
}

/// A boolean pointer field.
fn read_bool(object: &Object, key: &str, path: &str, errs: &mut Vec<FieldError>) -> Option<bool> {
    match present(object, key)? {
        Value::Bool(b) => Some(*b),
        other => {
            errs.push(wrong_type(path, other, "bool"));
            None
        }
    }
}

/// One list element as an [`OwnerRef`] (wrong types reported at its index).
fn read_owner_ref<'a>(
    value: &'a Value,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> Option<OwnerRef<'a>> {
    let object = element_object(value, path, "v1.OwnerReference", errs)?;
    let mut text = |key: &str| read_str(object, key, &format!("{path}.{key}"), errs).or_zero();
    let (api_version, kind, name, uid) =
        (text("apiVersion"), text("kind"), text("name"), text("uid"));
    let controller = read_bool(object, "controller", &format!("{path}.controller"), errs);
    let block = read_bool(
        object,
        "blockOwnerDeletion",
        &format!("{path}.blockOwnerDeletion"),
        errs,
    );
    Some(OwnerRef {
        api_version: api_version?,
        kind: kind?,
        name: name?,
        uid: uid?,
        controller,
        block_owner_deletion: block,
    })
}

/// `ValidateOwnerReferences`: each reference's fields, then at most one
/// controller among them.
fn owner_references(meta: &Object, errs: &mut Vec<FieldError>) {
    let list = read_array(meta, "ownerReferences", OWNERS_PATH, errs)
        .or_zero()
        .unwrap_or_default();
    let refs: Vec<OwnerRef> = list
        .iter()
        .enumerate()
        .filter_map(|(i, value)| read_owner_ref(value, &format!("{OWNERS_PATH}[{i}]"), errs))
        .collect();
    let mut first_controller: Option<String> = None;
    for reference in &refs {
        owner_reference(reference, errs);
        if reference.controller != Some(true) {
            continue;
        }
        let current = format!("{}/{}", reference.kind, reference.name);
        match &first_controller {
            None => first_controller = Some(current),
            Some(first) => {
                let all: Vec<String> = refs.iter().map(OwnerRef::go_json).collect();
                let detail = format!(
                    "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                );
                errs.push(FieldError::invalid_value(
                    OWNERS_PATH,
                    &format!("[{}]", all.join(",")),
                    &detail,
                ));
            }
        }
    }
}

/// `validateOwnerReference`: a version, a kind, a name, a uid; no Event
/// (`/v1, Kind=Event`, the one banned owner) may own anything.
fn owner_reference(reference: &OwnerRef, errs: &mut Vec<FieldError>) {
    let (group, version) = group_version(reference.api_version);
    if version.is_empty() {
        let path = format!("{OWNERS_PATH}.apiVersion");
        errs.push(FieldError::invalid(
            &path,
            reference.api_version,
            "version must not be empty",
        ));
    }
    for (key, value) in [
        ("kind", reference.kind),
        ("name", reference.name),
        ("uid", reference.uid),
    ] {
        if value.is_empty() {
            errs.push(FieldError::invalid(
                &format!("{OWNERS_PATH}.{key}"),
                value,
                "must not be empty",
            ));
        }
    }
    if group.is_empty() && version == "v1" && reference.kind == "Event" {
        let detail = "/v1, Kind=Event is disallowed from being an owner";
        errs.push(FieldError::invalid_value(
            OWNERS_PATH,
            &reference.go_json(),
            detail,
        ));
    }
}

/// `schema.FromAPIVersionAndKind`'s group and version: `v1` is the core
/// group; more than one `/` parses as nothing.
fn group_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        _ if api_version == "/" => ("", ""),
        None => ("", api_version),
        Some((_, version)) if version.contains('/') => ("", ""),
        Some(pair) => pair,
    }
}

/// Where finalizer errors go: apimachinery's at the list's path, core's
/// per index.
const FINALIZERS_PATH: &str = "metadata.finalizers";

/// `ValidateFinalizers`: each name a qualified name, and not both `orphan`
/// and `foregroundDeletion`. Returns the names with their indexes.
fn finalizers<'a>(meta: &'a Object, errs: &mut Vec<FieldError>) -> Vec<(usize, &'a str)> {
    let list = read_array(meta, "finalizers", FINALIZERS_PATH, errs)
        .or_zero()
        .unwrap_or_default();
    let mut names = Vec::new();
    for (i, value) in list.iter().enumerate() {
        match value {
            Value::String(name) => names.push((i, name.as_str())),
            other => errs.push(wrong_type(
                &format!("{FINALIZERS_PATH}[{i}]"),
                other,
                "string",
            )),
        }
    }
    for (_, name) in &names {
        for msg in qualified_name(name) {
            errs.push(FieldError::invalid(FINALIZERS_PATH, name, &msg));
        }
    }
    let has = |wanted: &str| names.iter().any(|(_, name)| *name == wanted);
    if has("orphan") && has("foregroundDeletion") {
        let all: Vec<String> = names.iter().map(|(_, name)| go_json_string(name)).collect();
        let detail = "finalizer orphan and foregroundDeletion cannot be both set";
        errs.push(FieldError::invalid_value(
            FINALIZERS_PATH,
            &format!("[{}]", all.join(",")),
            detail,
        ));
    }
    names
}

/// core's `validateKubeFinalizerName`: a name without `/` must be one of
/// the standard finalizers (`IsStandardFinalizerName`).
fn kube_finalizer_names(names: &[(usize, &str)], errs: &mut Vec<FieldError>) {
    const STANDARD: [&str; 3] = ["kubernetes", "orphan", "foregroundDeletion"];
    for (i, name) in names {
        if !name.contains('/') && !STANDARD.contains(name) {
            let detail = "name is neither a standard finalizer name nor is it fully qualified";
            errs.push(FieldError::invalid(
                &format!("{FINALIZERS_PATH}[{i}]"),
                name,
                detail,
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// Subsets (`validateEndpointSubsets`, `validateEndpointAddress`,
// `ValidateEndpointIP`, `validateEndpointPort`).

/// One subset: at least one address, then every address, not-ready address
/// and port.
fn endpoint_subset(subset: &Object, path: &str, errs: &mut Vec<FieldError>) {
    let addresses_path = format!("{path}.addresses");
    let not_ready_path = format!("{path}.notReadyAddresses");
    let ports_path = format!("{path}.ports");
    let addresses = read_array(subset, "addresses", &addresses_path, errs)
        .or_zero()
        .unwrap_or_default();
    let not_ready = read_array(subset, "notReadyAddresses", &not_ready_path, errs)
        .or_zero()
        .unwrap_or_default();
    let ports = read_array(subset, "ports", &ports_path, errs)
        .or_zero()
        .unwrap_or_default();
    if addresses.is_empty() && not_ready.is_empty() {
        errs.push(FieldError::required(
            path,
            "must specify `addresses` or `notReadyAddresses`",
        ));
    }
    for (list, list_path) in [(addresses, &addresses_path), (not_ready, &not_ready_path)] {
        for (j, address) in list.iter().enumerate() {
            endpoint_address(address, &format!("{list_path}[{j}]"), errs);
        }
    }
    let require_name = ports.len() > 1;
    for (k, port) in ports.iter().enumerate() {
        endpoint_port(port, require_name, &format!("{ports_path}[{k}]"), errs);
    }
}

/// One address: the IP's syntax, the hostname, the node name, then the IP's
/// range (so an unparsable IP is reported twice, as upstream does).
fn endpoint_address(value: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let Some(address) = element_object(value, path, "core.EndpointAddress", errs) else {
        return;
    };
    let ip_path = format!("{path}.ip");
    let ip = read_str(address, "ip", &ip_path, errs).or_zero();
    if let Some(ip) = ip {
        ip_syntax(ip, &ip_path, errs);
    }
    let hostname_path = format!("{path}.hostname");
    let hostname = read_str(address, "hostname", &hostname_path, errs).or_zero();
    if let Some(hostname) = hostname.filter(|h| !h.is_empty()) {
        for msg in dns1123_label(hostname.as_bytes()) {
            errs.push(FieldError::invalid(&hostname_path, hostname, &msg));
        }
    }
    let node_path = format!("{path}.nodeName");
    if let Some(node_name) = read_str(address, "nodeName", &node_path, errs).set() {
        for msg in name_is_dns_subdomain(node_name, false) {
            errs.push(FieldError::invalid(&node_path, node_name, &msg));
        }
    }
    // targetRef has no rules upstream; only its type is checked.
    read_object(address, "targetRef", &format!("{path}.targetRef"), errs);
    if let Some(ip) = ip {
        ip_range(ip, &ip_path, errs);
    }
}

/// `IsValidIPForLegacyField` with strict validation on (v1.36's default).
fn ip_syntax(ip: &str, path: &str, errs: &mut Vec<FieldError>) {
    if parse_ip_sloppy(ip).is_none() {
        errs.push(FieldError::invalid(
            path,
            ip,
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ));
    } else if has_leading_zeros(ip) {
        errs.push(FieldError::invalid(path, ip, "must not have leading 0s"));
    } else if is_ipv4_mapped_text(ip) {
        errs.push(FieldError::invalid(
            path,
            ip,
            "must not be an IPv4-mapped IPv6 address",
        ));
    }
}

/// `ValidateEndpointIP`: no unparsable, unspecified, loopback, link-local or
/// link-local multicast address (global multicast passes, as upstream).
fn ip_range(ip: &str, path: &str, errs: &mut Vec<FieldError>) {
    let Some(bytes) = parse_ip_sloppy(ip) else {
        errs.push(FieldError::invalid(path, ip, "must be a valid IP address"));
        return;
    };
    for detail in special_ip_details(ip, &bytes) {
        errs.push(FieldError::invalid(path, ip, &detail));
    }
}

/// The `ValidateEndpointIP` texts that apply to `bytes`, in upstream's
/// order; Go's `net.IP` predicates, which judge an IPv4-mapped address as
/// IPv4 (`ff02::/10` is upstream's own text for what is checked as ffX2).
fn special_ip_details(ip: &str, bytes: &[u8; 16]) -> Vec<String> {
    let v4 = as_ipv4(bytes);
    let unspecified = *bytes == [0; 16] || v4 == Some([0; 4]);
    let loopback = v4.map_or(*bytes == std::net::Ipv6Addr::LOCALHOST.octets(), |a| {
        a[0] == 127
    });
    let link_local = v4.map_or(bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80, |a| {
        a[..2] == [169, 254]
    });
    let link_local_multicast = v4.map_or(bytes[0] == 0xff && bytes[1] & 0x0f == 0x02, |a| {
        a[..3] == [224, 0, 0]
    });
    [
        (unspecified, format!("may not be unspecified ({ip})")),
        (
            loopback,
            "may not be in the loopback range (127.0.0.0/8, ::1/128)".to_string(),
        ),
        (
            link_local,
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)".to_string(),
        ),
        (
            link_local_multicast,
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".to_string(),
        ),
    ]
    .into_iter()
    .filter_map(|(applies, detail)| applies.then_some(detail))
    .collect()
}

/// One port: name (required when the subset has several ports), number,
/// protocol, appProtocol. Upstream does not check port names for
/// uniqueness in Endpoints (Services do; Endpoints do not).
fn endpoint_port(value: &Value, require_name: bool, path: &str, errs: &mut Vec<FieldError>) {
    let Some(port) = element_object(value, path, "core.EndpointPort", errs) else {
        return;
    };
    port_name(port, require_name, path, errs);
    port_number(port, path, errs);
    port_protocol(port, path, errs);
    let app_path = format!("{path}.appProtocol");
    if let Some(app_protocol) = read_str(port, "appProtocol", &app_path, errs).set() {
        for msg in qualified_name(app_protocol) {
            errs.push(FieldError::invalid(&app_path, app_protocol, &msg));
        }
    }
}

/// A port's name: required when its subset has several ports; a DNS-1123
/// label when set.
fn port_name(port: &Object, require_name: bool, path: &str, errs: &mut Vec<FieldError>) {
    let name_path = format!("{path}.name");
    let Some(name) = read_str(port, "name", &name_path, errs).or_zero() else {
        return;
    };
    if require_name && name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    } else if !name.is_empty() {
        for msg in dns1123_label(name.as_bytes()) {
            errs.push(FieldError::invalid(&name_path, name, &msg));
        }
    }
}

/// A port's number (an int32; absent is 0): `IsValidPortNum`, 1 to 65535.
fn port_number(port: &Object, path: &str, errs: &mut Vec<FieldError>) {
    let number_path = format!("{path}.port");
    let int32 = ("int32", i64::from(i32::MIN)..=i64::from(i32::MAX));
    let number = read_int(port, "port", &number_path, int32, errs).or_zero();
    if let Some(number) = number.filter(|n| !(1..=65535).contains(n)) {
        let value = number.to_string();
        let detail = "must be between 1 and 65535, inclusive";
        errs.push(FieldError::invalid_value(&number_path, &value, detail));
    }
}

/// A port's protocol: required, one of [`PROTOCOLS`]. The value is a named
/// string type upstream, which `ErrorBody` renders with `json.Marshal`.
fn port_protocol(port: &Object, path: &str, errs: &mut Vec<FieldError>) {
    let protocol_path = format!("{path}.protocol");
    let Some(protocol) = read_str(port, "protocol", &protocol_path, errs).or_zero() else {
        return;
    };
    if protocol.is_empty() {
        errs.push(FieldError::required(&protocol_path, ""));
    } else if !PROTOCOLS.contains(&protocol) {
        errs.push(FieldError::not_supported(
            &protocol_path,
            &go_json_string(protocol),
            &PROTOCOLS,
        ));
    }
}

/// A string as Go's `encoding/json` writes it (HTML-safe: `<`, `>`, `&`,
/// U+2028 and U+2029 escaped; control characters as `\u00XX` but for
/// `\n`, `\r`, `\t`).
fn go_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// IP addresses as `k8s.io/utils/net.ParseIPSloppy` (Go 1.16's `net.ParseIP`,
// which allows leading zeros) and `net/netip.ParseAddr` read them.

/// The 16-byte form of `s` (IPv4 as `::ffff:a.b.c.d`), or `None` where
/// `ParseIPSloppy` answers nil: the first `.` or `:` decides the family.
fn parse_ip_sloppy(s: &str) -> Option<[u8; 16]> {
    let bytes = s.as_bytes();
    match bytes.iter().find(|b| **b == b'.' || **b == b':')? {
        b'.' => parse_ipv4_sloppy(bytes)
            .map(|v4| std::net::Ipv4Addr::from(v4).to_ipv6_mapped().octets()),
        _ => parse_ipv6_sloppy(bytes),
    }
}

/// Go's `dtoi`: leading decimal digits, their value and count; `None` when
/// there are none or the value reaches 0xFFFFFF.
fn decimal_prefix(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut count = 0;
    for b in s.iter().take_while(|b| b.is_ascii_digit()) {
        n = n * 10 + u32::from(b - b'0');
        if n >= 0xFF_FFFF {
            return None;
        }
        count += 1;
    }
    (count > 0).then_some((n, count))
}

/// Go's `xtoi`: leading hexadecimal digits, as [`decimal_prefix`].
fn hex_prefix(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut count = 0;
    for b in s.iter() {
        // `to_digit(16)` is the digit's value, at most 15.
        let Some(digit) = char::from(*b).to_digit(16) else {
            break;
        };
        n = n * 16 + digit;
        if n >= 0xFF_FFFF {
            return None;
        }
        count += 1;
    }
    (count > 0).then_some((n, count))
}

/// Four dot-separated decimal octets, leading zeros allowed.
fn parse_ipv4_sloppy(mut s: &[u8]) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            s = s.strip_prefix(b".")?;
        }
        let (n, used) = decimal_prefix(s)?;
        *octet = u8::try_from(n).ok()?;
        s = &s[used..];
    }
    s.is_empty().then_some(octets)
}

/// Go 1.16's `parseIPv6` (no zone): hex groups of value at most 0xFFFF, one
/// `::` standing for at least one zero group, a trailing dotted IPv4.
fn parse_ipv6_sloppy(mut s: &[u8]) -> Option<[u8; 16]> {
    let mut ip = [0u8; 16];
    let mut ellipsis: Option<usize> = None;
    if let Some(rest) = s.strip_prefix(b"::") {
        ellipsis = Some(0);
        s = rest;
        if s.is_empty() {
            return Some(ip);
        }
    }
    let mut i = 0;
    while i < 16 {
        let (n, used) = hex_prefix(s)?;
        let group = u16::try_from(n).ok()?;
        if s.get(used) == Some(&b'.') {
            if (ellipsis.is_none() && i != 12) || i + 4 > 16 {
                return None;
            }
            ip[i..i + 4].copy_from_slice(&parse_ipv4_sloppy(s)?);
            s = &[];
            i += 4;
            break;
        }
        ip[i..i + 2].copy_from_slice(&group.to_be_bytes());
        i += 2;
        s = &s[used..];
        if s.is_empty() {
            break;
        }
        s = s.strip_prefix(b":").filter(|rest| !rest.is_empty())?;
        if let Some(rest) = s.strip_prefix(b":") {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(i);
            s = rest;
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    expand_ellipsis(ip, i, ellipsis)
}

/// Moves the groups after `::` to the end, zeros in between; `None` when
/// the groups do not fill 16 bytes without `::`, or `::` stands for nothing.
fn expand_ellipsis(mut ip: [u8; 16], filled: usize, ellipsis: Option<usize>) -> Option<[u8; 16]> {
    match ellipsis {
        None => (filled == 16).then_some(ip),
        Some(_) if filled == 16 => None,
        Some(at) => {
            let shift = 16 - filled;
            ip.copy_within(at..filled, at + shift);
            ip[at..at + shift].fill(0);
            Some(ip)
        }
    }
}

/// The IPv4 address of a 16-byte IP in `::ffff:a.b.c.d` form (Go's `To4`).
fn as_ipv4(ip: &[u8; 16]) -> Option<[u8; 4]> {
    let mapped = ip[..10].iter().all(|b| *b == 0) && ip[10] == 0xff && ip[11] == 0xff;
    mapped.then(|| [ip[12], ip[13], ip[14], ip[15]])
}

/// Where `netip.ParseAddr` refuses what `ParseIPSloppy` took: a decimal
/// octet with a leading zero, or a hex group of more than four digits.
fn has_leading_zeros(ip: &str) -> bool {
    ip.split(':').any(|group| {
        if group.contains('.') {
            group
                .split('.')
                .any(|octet| octet.len() > 1 && octet.starts_with('0'))
        } else {
            group.len() > 4
        }
    })
}

/// `netip.Addr.Is4In6` of IPv6 text: `::ffff:a.b.c.d` (or its hex form).
fn is_ipv4_mapped_text(ip: &str) -> bool {
    ip.contains(':')
        && parse_ip_sloppy(ip)
            .and_then(|bytes| as_ipv4(&bytes))
            .is_some()
}

// ---------------------------------------------------------------------------
// Names and label syntax (`k8s.io/apimachinery/pkg/util/validation` and
// `pkg/api/validate/content`, v0.36.3).

/// `dns1123LabelFmt`.
const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
/// `dns1123SubdomainFmt`.
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
/// `labelKeyFmt`.
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
/// `labelKeyErrMsg`.
const LABEL_KEY_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// The unit a "too long" message counts in: `util/validation.MaxLenError`
/// says characters, `content.MaxLenError` (label keys and values) bytes.
#[derive(Clone, Copy)]
enum Unit {
    /// `must be no more than N characters`.
    Characters,
    /// `must be no more than N bytes`.
    Bytes,
}

/// `MaxLenError`.
fn max_len_error(length: usize, unit: Unit) -> String {
    match unit {
        Unit::Characters => format!("must be no more than {length} characters"),
        Unit::Bytes => format!("must be no more than {length} bytes"),
    }
}

/// `RegexError`, quirks included (`'a',  or 'b', regex …`).
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let shown: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!(
        "{msg} (e.g. {}regex used for validation is '{fmt}')",
        shown.join(" or ")
    )
}

/// Lowercase alphanumerics and `-`, starting and ending alphanumeric.
fn is_dns_label_syntax(s: &[u8]) -> bool {
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    s.first().is_some_and(edge)
        && s.last().is_some_and(edge)
        && s.iter().all(|b| edge(b) || *b == b'-')
}

/// Dot-separated DNS labels (no empty one).
fn is_dns_subdomain_syntax(s: &[u8]) -> bool {
    s.split(|b| *b == b'.').all(is_dns_label_syntax)
}

/// `IsDNS1123Label` (util/validation).
fn dns1123_label(value: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63, Unit::Characters));
    }
    if !is_dns_label_syntax(value) {
        if is_dns_subdomain_syntax(value) {
            errs.push("must not contain dots".to_string());
        } else {
            let msg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
            errs.push(regex_error(msg, DNS1123_LABEL_FMT, &["my-name", "123-abc"]));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`, counting length in `unit`.
fn dns1123_subdomain(value: &[u8], unit: Unit) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253, unit));
    }
    if !is_dns_subdomain_syntax(value) {
        let msg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
        errs.push(regex_error(msg, DNS1123_SUBDOMAIN_FMT, &["example.com"]));
    }
    errs
}

/// `maskTrailingDash`, as upstream writes it: a trailing `-` of a name
/// longer than one byte takes the byte before it along and becomes `a`.
fn mask_trailing_dash(name: &[u8]) -> Vec<u8> {
    match name {
        [head @ .., _, b'-'] => [head, b"a"].concat(),
        _ => name.to_vec(),
    }
}

/// `NameIsDNSSubdomain`.
fn name_is_dns_subdomain(name: &str, prefix: bool) -> Vec<String> {
    let masked = if prefix {
        mask_trailing_dash(name.as_bytes())
    } else {
        name.as_bytes().to_vec()
    };
    dns1123_subdomain(&masked, Unit::Characters)
}

/// `NameIsDNSLabel`.
fn name_is_dns_label(name: &str, prefix: bool) -> Vec<String> {
    let masked = if prefix {
        mask_trailing_dash(name.as_bytes())
    } else {
        name.as_bytes().to_vec()
    };
    dns1123_label(&masked)
}

/// Alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric.
fn is_label_name_syntax(s: &str) -> bool {
    let edge = |b: &u8| b.is_ascii_alphanumeric();
    let b = s.as_bytes();
    b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter().all(|c| edge(c) || matches!(c, b'-' | b'_' | b'.'))
}

/// `IsQualifiedName` (= `content.IsLabelKey`): an optional DNS-subdomain
/// prefix and `/`, then a name of at most 63 bytes.
fn qualified_name(value: &str) -> Vec<String> {
    let parts: Vec<&str> = value.split('/').collect();
    let mut errs = Vec::new();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                let prefixed = dns1123_subdomain(prefix.as_bytes(), Unit::Bytes);
                errs.extend(prefixed.into_iter().map(|m| format!("prefix part {m}")));
            }
            *name
        }
        _ => {
            let regex = regex_error(
                LABEL_KEY_ERR,
                LABEL_KEY_FMT,
                &["MyName", "my.name", "123-abc"],
            );
            let msg = format!(
                "a valid label key {regex} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            );
            return vec![msg];
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63, Unit::Bytes)));
    }
    if !is_label_name_syntax(name) {
        let regex = regex_error(
            LABEL_KEY_ERR,
            LABEL_KEY_FMT,
            &["MyName", "my.name", "123-abc"],
        );
        errs.push(format!("name part {regex}"));
    }
    errs
}

/// `IsValidLabelValue` (= `content.IsLabelValue`): empty, or a label name
/// of at most 63 bytes.
fn label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63, Unit::Bytes));
    }
    if !value.is_empty() && !is_label_name_syntax(value) {
        let msg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
        let fmt = format!("({LABEL_KEY_FMT})?");
        errs.push(regex_error(msg, &fmt, &["MyValue", "my_value", "12345"]));
    }
    errs
}
