//! The endpoints_server example's Endpoints defaulting and validation
//! (`examples/endpoints_server/server/validate.rs`) against kube-apiserver
//! v1.36's rules: field paths, texts and order.
//!
//! Where the expected texts come from:
//! - [UT] upstream's `TestValidateEndpoints` (`pkg/apis/core/validation/
//!   validation_test.go`): error type and a detail substring of the first
//!   error, for each case it has; these tests mirror its cases and pin the
//!   whole text.
//! - [AM] `kubernetes/apimachinery` v0.36.3: `pkg/util/validation`
//!   (`IsDNS1123Label/Subdomain`, `MaxLenError` "characters", `RegexError`),
//!   `pkg/util/validation/ip.go` (`IsValidIPForLegacyField`),
//!   `pkg/api/validate/content` (`IsLabelKey`, `IsLabelValue`,
//!   `MaxLenError` "bytes"), `pkg/api/validation/objectmeta.go` and
//!   `generic.go` (`ValidateObjectMeta`, `maskTrailingDash`),
//!   `pkg/util/validation/field/errors.go` (`ErrorBody`, `TooLong`,
//!   `NotSupported`).
//! - [CV] `pkg/apis/core/validation/validation.go` (2026):
//!   `validateEndpointSubsets`, `validateEndpointAddress`,
//!   `ValidateEndpointIP`, `validateEndpointPort`; and
//!   `pkg/apis/core/v1/defaults.go` `SetDefaults_Endpoints`.

use crate::support::server::validate;

use kubepatch::field::FieldError;
use serde_json::{Value, json};

/// [AM] `IsDNS1123Subdomain`'s regex message.
const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
/// [AM] `IsDNS1123Label`'s regex message.
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
/// [AM] `IsLabelKey`'s name-part regex message.
const NAME_PART_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
/// [AM] `IsLabelValue`'s regex message.
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
/// [AM] `IsValidIPForLegacyField` on an unparsable IP.
const IP_SYNTAX_MSG: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

/// The errors as `path: body` lines.
fn rendered(errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

/// The errors of `object`, rendered.
fn errors_of(object: &Value) -> Vec<String> {
    rendered(&validate::endpoints(object))
}

/// A valid Endpoints object (upstream's "simple endpoint" shape), one
/// subset with `address` and `port`.
fn with_subset(address: Value, port: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "mysvc", "namespace": "namespace"},
        "subsets": [{"addresses": [address], "ports": [port]}]
    })
}

/// A valid object whose one address has the IP `ip`.
fn with_ip(ip: &str) -> Value {
    with_subset(
        json!({"ip": ip}),
        json!({"name": "p", "port": 93, "protocol": "TCP"}),
    )
}

/// A valid object whose one port is `port`.
fn with_port(port: Value) -> Value {
    with_subset(json!({"ip": "10.10.1.1"}), port)
}

/// A valid object with `metadata` instead.
fn with_metadata(metadata: Value) -> Value {
    let mut object = with_ip("10.10.1.1");
    object["metadata"] = metadata;
    object
}

/// A file under `testdata/`, parsed.
fn testdata(path: &str) -> Value {
    let full = format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{full}: {e}"))
}

// ---------------------------------------------------------------------------
// Valid objects.

#[test]
fn the_seed_object_is_valid() {
    let seed = testdata("json/add-annotations-seed/original.json");
    assert_eq!(errors_of(&seed), Vec::<String>::new());
}

#[test]
fn the_example_object_is_valid_once_defaulted() {
    let mut example = testdata("examples/endpoints.json");
    validate::set_defaults(&mut example);
    assert_eq!(errors_of(&example), Vec::<String>::new());
}

#[test]
fn upstreams_success_cases_are_valid() {
    // [UT] successCases: "simple endpoint", "empty subsets", "no name
    // required for singleton port", "empty ports".
    let simple = json!({
        "metadata": {"name": "mysvc", "namespace": "namespace"},
        "subsets": [
            {"addresses": [{"ip": "10.10.1.1"}, {"ip": "10.10.2.2"}],
             "ports": [{"name": "a", "port": 8675, "protocol": "TCP"}, {"name": "b", "port": 309, "protocol": "TCP"}]},
            {"addresses": [{"ip": "10.10.3.3"}],
             "ports": [{"name": "a", "port": 93, "protocol": "TCP"}, {"name": "b", "port": 76, "protocol": "TCP"}]}
        ]
    });
    let empty_subsets = json!({"metadata": {"name": "mysvc", "namespace": "namespace"}});
    let singleton = with_port(json!({"port": 8675, "protocol": "TCP"}));
    let empty_ports = json!({
        "metadata": {"name": "mysvc", "namespace": "namespace"},
        "subsets": [{"addresses": [{"ip": "10.10.3.3"}]}]
    });
    for object in [simple, empty_subsets, singleton, empty_ports] {
        assert_eq!(errors_of(&object), Vec::<String>::new(), "{object}");
    }
}

#[test]
fn every_optional_field_set_well_is_valid() {
    let object = json!({
        "metadata": {
            "name": "my.svc-1",
            "generateName": "my-",
            "namespace": "ns-1",
            "generation": 3,
            "labels": {"app": "web", "example.com/tier": "front_end.1", "empty": ""},
            "annotations": {"Example.COM/Note": "anything at all", "x": ""}
        },
        "subsets": [{
            "addresses": [{"ip": "2001:db8::1", "hostname": "pod-0", "nodeName": "node-1.example",
                           "targetRef": {"kind": "Pod", "name": "pod-0", "namespace": "ns-1"}}],
            "notReadyAddresses": [{"ip": "8.8.8.8"}],
            "ports": [
                {"name": "http", "port": 1, "protocol": "TCP", "appProtocol": "kubernetes.io/h2c"},
                {"name": "dns", "port": 65535, "protocol": "UDP"},
                {"name": "sctp", "port": 80, "protocol": "SCTP"}
            ]
        }]
    });
    assert_eq!(errors_of(&object), Vec::<String>::new());
}

#[test]
fn a_subset_with_only_not_ready_addresses_is_valid() {
    // [CV] "must include endpoint address": either list will do.
    let object = json!({
        "metadata": {"name": "mysvc", "namespace": "namespace"},
        "subsets": [{"notReadyAddresses": [{"ip": "10.0.0.1"}]}]
    });
    assert_eq!(errors_of(&object), Vec::<String>::new());
}

#[test]
fn a_node_name_may_be_an_ip_address() {
    // [UT] TestEndpointAddressNodeNameCanBeAnIPAddress.
    let object = with_subset(
        json!({"ip": "8.8.8.8", "hostname": "zookeeper1", "nodeName": "10.10.1.1"}),
        json!({"name": "https", "port": 443, "protocol": "TCP"}),
    );
    assert_eq!(errors_of(&object), Vec::<String>::new());
}

#[test]
fn null_fields_are_the_zero_value() {
    // Go decodes null as the zero value (nil pointer): hostname, nodeName,
    // appProtocol, labels and notReadyAddresses set to null change nothing.
    let object = json!({
        "metadata": {"name": "mysvc", "namespace": "namespace", "labels": null, "annotations": null},
        "subsets": [{"addresses": [{"ip": "10.0.0.1", "hostname": null, "nodeName": null, "targetRef": null}],
                     "notReadyAddresses": null,
                     "ports": [{"port": 80, "protocol": "TCP", "appProtocol": null, "name": null}]}]
    });
    assert_eq!(errors_of(&object), Vec::<String>::new());
}

// ---------------------------------------------------------------------------
// Defaulting.

#[test]
fn defaulting_sets_tcp_only_where_the_protocol_is_missing() {
    // [CV] SetDefaults_Endpoints: Protocol == "" becomes TCP.
    let mut object = json!({
        "metadata": {"name": "mysvc", "namespace": "namespace"},
        "subsets": [
            {"addresses": [{"ip": "10.0.0.1"}],
             "ports": [{"name": "a", "port": 1}, {"name": "b", "port": 2, "protocol": "UDP"},
                       {"name": "c", "port": 3, "protocol": ""}, {"name": "d", "port": 4, "protocol": null}]},
            {"addresses": [{"ip": "10.0.0.2"}]},
            {"addresses": [{"ip": "10.0.0.3"}], "ports": [{"port": 5, "protocol": "SCTP"}]}
        ]
    });
    validate::set_defaults(&mut object);
    let protocols = |subset: usize| -> Vec<Value> {
        object["subsets"][subset]["ports"]
            .as_array()
            .map(|ports| ports.iter().map(|p| p["protocol"].clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        protocols(0),
        vec![json!("TCP"), json!("UDP"), json!("TCP"), json!("TCP")]
    );
    assert_eq!(
        object["subsets"][1].get("ports"),
        None,
        "no ports list appears"
    );
    assert_eq!(protocols(2), vec![json!("SCTP")]);
}

#[test]
fn defaulting_leaves_wrong_types_for_validation() {
    let mut object = with_port(json!({"name": "a", "port": 80, "protocol": 6}));
    if let Some(subsets) = object["subsets"].as_array_mut() {
        subsets.push(json!("not a subset"));
    }
    let before = object.clone();
    validate::set_defaults(&mut object);
    assert_eq!(object, before);
    let mut not_an_object = json!(["Endpoints"]);
    validate::set_defaults(&mut not_an_object);
    assert_eq!(not_an_object, json!(["Endpoints"]));
}

#[test]
fn without_defaulting_a_missing_protocol_is_required() {
    // [UT] "Port missing protocol": FieldValueRequired.
    let example = testdata("examples/endpoints.json");
    assert_eq!(
        errors_of(&example),
        vec![
            "subsets[0].ports[0].protocol: Required value",
            "subsets[0].ports[1].protocol: Required value",
            "subsets[1].ports[0].protocol: Required value",
            "subsets[1].ports[1].protocol: Required value",
        ]
    );
}

// ---------------------------------------------------------------------------
// metadata.

#[test]
fn a_missing_name_is_required() {
    // [UT] "missing name": FieldValueRequired. [AM] ValidateObjectMetaAccessor.
    let errors = validate::endpoints(&with_metadata(json!({"namespace": "namespace"})));
    assert_eq!(
        rendered(&errors),
        vec!["metadata.name: Required value: name or generateName is required"]
    );
    assert_eq!(errors[0].kind, "FieldValueRequired");
}

#[test]
fn an_invalid_name_is_not_a_dns_subdomain() {
    // [UT] "invalid name": FieldValueInvalid, dnsSubdomainLabelErrMsg.
    let errors = validate::endpoints(&with_metadata(
        json!({"name": "-_Invliad^&Characters", "namespace": "namespace"}),
    ));
    assert_eq!(
        rendered(&errors),
        vec![format!(
            "metadata.name: Invalid value: \"-_Invliad^&Characters\": {SUBDOMAIN_MSG}"
        )]
    );
    assert_eq!(errors[0].kind, "FieldValueInvalid");
}

#[test]
fn a_name_longer_than_253_characters_is_too_long() {
    // [AM] IsDNS1123Subdomain: MaxLenError counts "characters" in util/validation.
    let name = format!("{}.{}", "a".repeat(63), "b".repeat(189));
    assert_eq!(
        errors_of(&with_metadata(json!({"name": name, "namespace": "ns"}))),
        Vec::<String>::new()
    );
    let long = format!("{name}c");
    assert_eq!(
        errors_of(&with_metadata(json!({"name": long, "namespace": "ns"}))),
        vec![format!(
            "metadata.name: Invalid value: \"{long}\": must be no more than 253 characters"
        )]
    );
}

#[test]
fn a_generate_name_may_end_in_a_dash() {
    // [AM] NameIsDNSSubdomain(prefix=true) masks the trailing dash.
    let ok = with_metadata(json!({"name": "web-x1", "generateName": "web-", "namespace": "ns"}));
    assert_eq!(errors_of(&ok), Vec::<String>::new());
    // Upstream's maskTrailingDash drops the byte before the dash too
    // (`name[:len(name)-2] + "a"`): "web_-" is checked as "weba".
    let quirk =
        with_metadata(json!({"name": "web-x1", "generateName": "web_-", "namespace": "ns"}));
    assert_eq!(errors_of(&quirk), Vec::<String>::new());
    let lone_dash =
        with_metadata(json!({"name": "web-x1", "generateName": "-", "namespace": "ns"}));
    assert_eq!(
        errors_of(&lone_dash),
        vec![format!(
            "metadata.generateName: Invalid value: \"-\": {SUBDOMAIN_MSG}"
        )]
    );
    let bad = with_metadata(json!({"name": "web-x1", "generateName": "Web-", "namespace": "ns"}));
    assert_eq!(
        errors_of(&bad),
        vec![format!(
            "metadata.generateName: Invalid value: \"Web-\": {SUBDOMAIN_MSG}"
        )]
    );
}

#[test]
fn a_missing_namespace_is_required() {
    // [UT] "missing namespace": FieldValueRequired. [AM] Required with no detail.
    assert_eq!(
        errors_of(&with_metadata(json!({"name": "mysvc"}))),
        vec!["metadata.namespace: Required value"]
    );
}

#[test]
fn an_invalid_namespace_is_not_a_dns_label() {
    // [UT] "invalid namespace": FieldValueInvalid, dnsLabelErrMsg.
    let namespace = "no@#invalid.;chars\"allowed";
    assert_eq!(
        errors_of(&with_metadata(
            json!({"name": "mysvc", "namespace": namespace})
        )),
        vec![format!(
            "metadata.namespace: Invalid value: \"no@#invalid.;chars\\\"allowed\": {LABEL_MSG}"
        )]
    );
}

#[test]
fn a_namespace_with_dots_must_not_contain_dots() {
    // [AM] IsDNS1123Label: a valid subdomain that is no label has dots.
    assert_eq!(
        errors_of(&with_metadata(json!({"name": "mysvc", "namespace": "a.b"}))),
        vec!["metadata.namespace: Invalid value: \"a.b\": must not contain dots"]
    );
}

#[test]
fn a_negative_generation_is_invalid() {
    // [AM] ValidateNonnegativeField, IsNegativeErrorMsg; an int64 prints bare.
    assert_eq!(
        errors_of(&with_metadata(
            json!({"name": "mysvc", "namespace": "ns", "generation": -1})
        )),
        vec!["metadata.generation: Invalid value: -1: must be greater than or equal to 0"]
    );
}

#[test]
fn label_keys_and_values_are_checked_at_metadata_labels() {
    // [AM] ValidateLabels: key errors then value errors, both at the map's path.
    let labels = json!({"-bad": "ok", "good": "-bad-", "example.com/x": "y"});
    assert_eq!(
        errors_of(&with_metadata(
            json!({"name": "mysvc", "namespace": "ns", "labels": labels})
        )),
        vec![
            format!("metadata.labels: Invalid value: \"-bad\": {NAME_PART_MSG}"),
            format!("metadata.labels: Invalid value: \"-bad-\": {LABEL_VALUE_MSG}"),
        ]
    );
}

#[test]
fn label_lengths_are_counted_in_bytes() {
    // [AM] content.MaxLenError says "bytes" (label keys and values).
    let value = "v".repeat(64);
    let key = format!("{}/{}", "p".repeat(254), "k".repeat(64));
    let labels = json!({key.clone(): value.clone()});
    assert_eq!(
        errors_of(&with_metadata(
            json!({"name": "mysvc", "namespace": "ns", "labels": labels})
        )),
        vec![
            format!(
                "metadata.labels: Invalid value: \"{key}\": prefix part must be no more than 253 bytes"
            ),
            format!(
                "metadata.labels: Invalid value: \"{key}\": name part must be no more than 63 bytes"
            ),
            format!("metadata.labels: Invalid value: \"{value}\": must be no more than 63 bytes"),
        ]
    );
}

#[test]
fn label_keys_with_an_empty_or_bad_prefix_or_two_slashes() {
    // [AM] IsLabelKey's prefix and too-many-slashes messages.
    let labels = json!({"/x": "", "Example.com/x": "", "a/b/c": "", "p/": ""});
    let too_many = "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
    assert_eq!(
        errors_of(&with_metadata(
            json!({"name": "mysvc", "namespace": "ns", "labels": labels})
        )),
        vec![
            "metadata.labels: Invalid value: \"/x\": prefix part must be non-empty".to_string(),
            format!(
                "metadata.labels: Invalid value: \"Example.com/x\": prefix part {SUBDOMAIN_MSG}"
            ),
            format!("metadata.labels: Invalid value: \"a/b/c\": {too_many}"),
            "metadata.labels: Invalid value: \"p/\": name part must be non-empty".to_string(),
            format!("metadata.labels: Invalid value: \"p/\": {NAME_PART_MSG}"),
        ]
    );
}

#[test]
fn annotation_keys_are_qualified_names_in_any_case() {
    // [AM] ValidateAnnotations lowercases the key, reports the original.
    let annotations = json!({"Example.COM/Fine": "x", "Bad Key": "y"});
    assert_eq!(
        errors_of(&with_metadata(
            json!({"name": "mysvc", "namespace": "ns", "annotations": annotations})
        )),
        vec![format!(
            "metadata.annotations: Invalid value: \"Bad Key\": {NAME_PART_MSG}"
        )]
    );
}

#[test]
fn annotations_may_total_256_kib() {
    // [AM] TotalAnnotationSizeLimitB = 256 KiB of keys and values; TooLong
    // omits the value.
    let at_limit = json!({"a": "x".repeat(256 * 1024 - 1)});
    let over = json!({"a": "x".repeat(256 * 1024 - 1), "b": ""});
    let object = |annotations: Value| {
        with_metadata(json!({"name": "mysvc", "namespace": "ns", "annotations": annotations}))
    };
    assert_eq!(errors_of(&object(at_limit)), Vec::<String>::new());
    let errors = validate::endpoints(&object(over));
    assert_eq!(
        rendered(&errors),
        vec!["metadata.annotations: Too long: may not be more than 262144 bytes"]
    );
    assert_eq!(errors[0].kind, "FieldValueTooLong");
}

#[test]
fn owner_references_need_version_kind_name_and_uid() {
    // [AM] validateOwnerReference: errors at the list's path plus the field,
    // no index.
    let meta = json!({"name": "mysvc", "namespace": "ns", "ownerReferences": [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "1", "controller": true, "blockOwnerDeletion": true},
        {"apiVersion": "a/b/c"}
    ]});
    assert_eq!(
        errors_of(&with_metadata(meta)),
        vec![
            "metadata.ownerReferences.apiVersion: Invalid value: \"a/b/c\": version must not be empty",
            "metadata.ownerReferences.kind: Invalid value: \"\": must not be empty",
            "metadata.ownerReferences.name: Invalid value: \"\": must not be empty",
            "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty",
        ]
    );
}

#[test]
fn an_event_may_own_nothing_and_one_controller_at_most() {
    // [AM] BannedOwners (v1 Event) and ValidateOwnerReferences' controller
    // rule; the struct and the list render as Go's json.Marshal writes them.
    let meta = json!({"name": "mysvc", "namespace": "ns", "ownerReferences": [
        {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u"},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a", "uid": "1", "controller": true},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "b", "uid": "2", "controller": true, "blockOwnerDeletion": false}
    ]});
    let list = r#"[{"apiVersion":"v1","kind":"Event","name":"e","uid":"u"},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"StatefulSet","name":"b","uid":"2","controller":true,"blockOwnerDeletion":false}]"#;
    assert_eq!(
        errors_of(&with_metadata(meta)),
        vec![
            r#"metadata.ownerReferences: Invalid value: {"apiVersion":"v1","kind":"Event","name":"e","uid":"u"}: /v1, Kind=Event is disallowed from being an owner"#.to_string(),
            format!("metadata.ownerReferences: Invalid value: {list}: Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/a and StatefulSet/b"),
        ]
    );
}

#[test]
fn finalizers_are_qualified_standard_or_prefixed_and_not_both_orphan_and_foreground() {
    // [AM] ValidateFinalizers (at the list's path), then core's
    // validateKubeFinalizerName (per index) after all of ValidateObjectMeta.
    let finalizers = json!([
        "kubernetes",
        "example.com/x",
        "custom",
        "-bad/x",
        "orphan",
        "foregroundDeletion"
    ]);
    let meta =
        json!({"name": "mysvc", "namespace": "ns", "labels": {"-": ""}, "finalizers": finalizers});
    assert_eq!(
        errors_of(&with_metadata(meta)),
        vec![
            format!("metadata.labels: Invalid value: \"-\": {NAME_PART_MSG}"),
            format!("metadata.finalizers: Invalid value: \"-bad/x\": prefix part {SUBDOMAIN_MSG}"),
            r#"metadata.finalizers: Invalid value: ["kubernetes","example.com/x","custom","-bad/x","orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set"#.to_string(),
            "metadata.finalizers[2]: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified".to_string(),
        ]
    );
}

// ---------------------------------------------------------------------------
// Addresses.

#[test]
fn a_subset_needs_an_address() {
    // [UT] "empty addresses": FieldValueRequired, at the subset itself.
    let object = json!({
        "metadata": {"name": "mysvc", "namespace": "namespace"},
        "subsets": [{"ports": [{"name": "a", "port": 93, "protocol": "TCP"}]}]
    });
    assert_eq!(
        errors_of(&object),
        vec!["subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"]
    );
}

#[test]
fn an_invalid_ip_is_reported_twice_around_the_hostname() {
    // [UT] "invalid IP": FieldValueInvalid, "must be a valid IP address".
    // [CV] validateEndpointAddress: IP syntax, hostname, nodeName, then
    // ValidateEndpointIP, which parses again.
    let ip = "[2001:0db8:85a3:0042:1000:8a2e:0370:7334]";
    let object = with_subset(
        json!({"ip": ip, "hostname": "Host"}),
        json!({"name": "a", "port": 93, "protocol": "TCP"}),
    );
    assert_eq!(
        errors_of(&object),
        vec![
            format!("subsets[0].addresses[0].ip: Invalid value: \"{ip}\": {IP_SYNTAX_MSG}"),
            format!("subsets[0].addresses[0].hostname: Invalid value: \"Host\": {LABEL_MSG}"),
            format!(
                "subsets[0].addresses[0].ip: Invalid value: \"{ip}\": must be a valid IP address"
            ),
        ]
    );
}

#[test]
fn a_missing_ip_is_an_invalid_empty_ip() {
    // [UT] "Address missing IP": FieldValueInvalid, "must be a valid IP address".
    let errors = validate::endpoints(&with_subset(
        json!({}),
        json!({"name": "a", "port": 93, "protocol": "TCP"}),
    ));
    assert_eq!(
        rendered(&errors),
        vec![
            format!("subsets[0].addresses[0].ip: Invalid value: \"\": {IP_SYNTAX_MSG}"),
            "subsets[0].addresses[0].ip: Invalid value: \"\": must be a valid IP address"
                .to_string(),
        ]
    );
    assert_eq!(errors[0].kind, "FieldValueInvalid");
}

#[test]
fn strict_ip_validation_rejects_leading_zeros_and_mapped_addresses() {
    // [AM] ip.go parseIP with strictValidation (StrictIPCIDRValidation, beta
    // and on in v1.36). The range check still parses sloppily.
    let path = "subsets[0].addresses[0].ip";
    assert_eq!(
        errors_of(&with_ip("010.001.002.003")),
        vec![format!(
            "{path}: Invalid value: \"010.001.002.003\": must not have leading 0s"
        )]
    );
    assert_eq!(
        errors_of(&with_ip("::ffff:10.1.2.3")),
        vec![format!(
            "{path}: Invalid value: \"::ffff:10.1.2.3\": must not be an IPv4-mapped IPv6 address"
        )]
    );
    assert_eq!(
        errors_of(&with_ip("::ffff:127.0.0.1")),
        vec![
            format!(
                "{path}: Invalid value: \"::ffff:127.0.0.1\": must not be an IPv4-mapped IPv6 address"
            ),
            format!(
                "{path}: Invalid value: \"::ffff:127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"
            ),
        ]
    );
    assert_eq!(
        errors_of(&with_ip("00002001:db8::1")),
        vec![format!(
            "{path}: Invalid value: \"00002001:db8::1\": must not have leading 0s"
        )]
    );
}

#[test]
fn special_ips_are_refused_with_upstreams_texts() {
    // [UT] "Address is loopback" / "link-local" / "link-local multicast".
    // [CV] ValidateEndpointIP's texts (ff02::/10 is upstream's own text).
    let cases = [
        ("0.0.0.0", "may not be unspecified (0.0.0.0)"),
        ("::", "may not be unspecified (::)"),
        (
            "127.0.0.1",
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ),
        (
            "127.255.0.9",
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ),
        (
            "::1",
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ),
        (
            "169.254.169.254",
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ),
        (
            "fe80::1",
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ),
        (
            "febf::1",
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ),
        (
            "224.0.0.1",
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        ),
        (
            "ff02::1",
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        ),
        (
            "ff12::1",
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        ),
    ];
    for (ip, detail) in cases {
        assert_eq!(
            errors_of(&with_ip(ip)),
            vec![format!(
                "subsets[0].addresses[0].ip: Invalid value: \"{ip}\": {detail}"
            )],
            "{ip}"
        );
    }
}

#[test]
fn ordinary_and_edge_ips_pass() {
    // Global multicast passes ([CV]: "Unlike IsGlobalUnicast, it allows
    // global multicast IPs"); fec0:: is not link-local; 224.0.1.1 is not
    // link-local multicast; IPv4 embedded at the end of IPv6 text parses.
    for ip in [
        "10.9.8.7",
        "2001:db8::ffff",
        "239.1.1.1",
        "224.0.1.1",
        "fec0::1",
        "ff05::2",
        "1:2:3:4:5:6:7:8",
        "64:ff9b::1.2.3.4",
        "2001:DB8::1",
    ] {
        assert_eq!(errors_of(&with_ip(ip)), Vec::<String>::new(), "{ip}");
    }
}

#[test]
fn malformed_ips_are_not_ips() {
    for ip in [
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "1::2::3",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7::8",
        "fe80::1%eth0",
        "1.2.3.4:80",
        ":1::",
        "1:",
        "10000::",
        "::1.2.3.4.5",
        "1:2:3:4:5:6:7:1.2.3.4",
        "a.b.c.d",
        "12345",
    ] {
        assert_eq!(
            errors_of(&with_ip(ip)),
            vec![
                format!("subsets[0].addresses[0].ip: Invalid value: \"{ip}\": {IP_SYNTAX_MSG}"),
                format!(
                    "subsets[0].addresses[0].ip: Invalid value: \"{ip}\": must be a valid IP address"
                ),
            ],
            "{ip}"
        );
    }
}

#[test]
fn a_hostname_must_be_a_dns_label() {
    // [CV] ValidateDNS1123Label on a non-empty hostname.
    let object = with_subset(
        json!({"ip": "10.0.0.1", "hostname": "a.b"}),
        json!({"port": 80, "protocol": "TCP"}),
    );
    assert_eq!(
        errors_of(&object),
        vec!["subsets[0].addresses[0].hostname: Invalid value: \"a.b\": must not contain dots"]
    );
    let empty = with_subset(
        json!({"ip": "10.0.0.1", "hostname": ""}),
        json!({"port": 80, "protocol": "TCP"}),
    );
    assert_eq!(errors_of(&empty), Vec::<String>::new());
}

#[test]
fn a_node_name_must_be_a_dns_subdomain_even_when_empty() {
    // [UT] TestEndpointAddressNodeNameInvalidDNSSubdomain. [CV] a set
    // (non-nil) nodeName is checked even when empty.
    let object = with_subset(
        json!({"ip": "10.0.0.1", "nodeName": "illegal*.nodename"}),
        json!({"port": 80, "protocol": "TCP"}),
    );
    assert_eq!(
        errors_of(&object),
        vec![format!(
            "subsets[0].addresses[0].nodeName: Invalid value: \"illegal*.nodename\": {SUBDOMAIN_MSG}"
        )]
    );
    let empty = with_subset(
        json!({"ip": "10.0.0.1", "nodeName": ""}),
        json!({"port": 80, "protocol": "TCP"}),
    );
    assert_eq!(
        errors_of(&empty),
        vec![format!(
            "subsets[0].addresses[0].nodeName: Invalid value: \"\": {SUBDOMAIN_MSG}"
        )]
    );
}

#[test]
fn not_ready_addresses_have_their_own_path() {
    let object = json!({
        "metadata": {"name": "mysvc", "namespace": "namespace"},
        "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "notReadyAddresses": [{"ip": "10.0.0.2"}, {"ip": "127.0.0.1"}]}]
    });
    assert_eq!(
        errors_of(&object),
        vec![
            "subsets[0].notReadyAddresses[1].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"
        ]
    );
}

// ---------------------------------------------------------------------------
// Ports.

#[test]
fn several_ports_each_need_a_name() {
    // [UT] "Multiple ports, one without name": FieldValueRequired.
    let object = json!({
        "metadata": {"name": "mysvc", "namespace": "namespace"},
        "subsets": [{"addresses": [{"ip": "10.10.1.1"}],
                     "ports": [{"port": 8675, "protocol": "TCP"}, {"name": "b", "port": 309, "protocol": "TCP"}]}]
    });
    let errors = validate::endpoints(&object);
    assert_eq!(
        rendered(&errors),
        vec!["subsets[0].ports[0].name: Required value"]
    );
    assert_eq!(errors[0].kind, "FieldValueRequired");
}

#[test]
fn a_port_name_must_be_a_dns_label() {
    let too_long = "p".repeat(64);
    assert_eq!(
        errors_of(&with_port(
            json!({"name": "HTTP", "port": 80, "protocol": "TCP"})
        )),
        vec![format!(
            "subsets[0].ports[0].name: Invalid value: \"HTTP\": {LABEL_MSG}"
        )]
    );
    assert_eq!(
        errors_of(&with_port(
            json!({"name": too_long, "port": 80, "protocol": "TCP"})
        )),
        vec![format!(
            "subsets[0].ports[0].name: Invalid value: \"{too_long}\": must be no more than 63 characters"
        )]
    );
}

#[test]
fn duplicate_port_names_pass_as_upstream() {
    // [CV] validateEndpointPort keeps no set of names (validateServicePort
    // does): Endpoints with two ports named alike are accepted upstream.
    let object = json!({
        "metadata": {"name": "mysvc", "namespace": "namespace"},
        "subsets": [{"addresses": [{"ip": "10.10.1.1"}],
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "http", "port": 81, "protocol": "TCP"}]}]
    });
    assert_eq!(errors_of(&object), Vec::<String>::new());
}

#[test]
fn a_port_number_is_between_1_and_65535() {
    // [UT] "Invalid port number" (66000) and "Port missing number":
    // FieldValueInvalid, "between". [AM] InclusiveRangeError; int32 prints bare.
    for (port, shown) in [(json!(66000), "66000"), (json!(0), "0"), (json!(-1), "-1")] {
        let errors = validate::endpoints(&with_port(
            json!({"name": "a", "port": port, "protocol": "TCP"}),
        ));
        assert_eq!(
            rendered(&errors),
            vec![format!(
                "subsets[0].ports[0].port: Invalid value: {shown}: must be between 1 and 65535, inclusive"
            )]
        );
        assert_eq!(errors[0].kind, "FieldValueInvalid");
    }
    assert_eq!(
        errors_of(&with_port(json!({"name": "a", "protocol": "TCP"}))),
        vec!["subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"]
    );
}

#[test]
fn a_protocol_is_one_of_sctp_tcp_udp() {
    // [UT] "Invalid protocol": FieldValueNotSupported. [AM] NotSupported's
    // detail; the value is a named string type, rendered by json.Marshal.
    let errors = validate::endpoints(&with_port(
        json!({"name": "a", "port": 93, "protocol": "Protocol"}),
    ));
    assert_eq!(
        rendered(&errors),
        vec![
            "subsets[0].ports[0].protocol: Unsupported value: \"Protocol\": supported values: \"SCTP\", \"TCP\", \"UDP\""
        ]
    );
    assert_eq!(errors[0].kind, "FieldValueNotSupported");
    assert_eq!(
        errors_of(&with_port(
            json!({"name": "a", "port": 93, "protocol": "tcp<"})
        )),
        vec![
            "subsets[0].ports[0].protocol: Unsupported value: \"tcp\\u003c\": supported values: \"SCTP\", \"TCP\", \"UDP\""
        ]
    );
}

#[test]
fn an_app_protocol_is_a_qualified_name() {
    // [CV] ValidateQualifiedName on a set appProtocol, even an empty one.
    assert_eq!(
        errors_of(&with_port(
            json!({"port": 80, "protocol": "TCP", "appProtocol": "http/2/x"})
        ))
        .len(),
        1
    );
    assert_eq!(
        errors_of(&with_port(
            json!({"port": 80, "protocol": "TCP", "appProtocol": "-h2c"})
        )),
        vec![format!(
            "subsets[0].ports[0].appProtocol: Invalid value: \"-h2c\": {NAME_PART_MSG}"
        )]
    );
    assert_eq!(
        errors_of(&with_port(
            json!({"port": 80, "protocol": "TCP", "appProtocol": ""})
        )),
        vec![
            "subsets[0].ports[0].appProtocol: Invalid value: \"\": name part must be non-empty"
                .to_string(),
            format!("subsets[0].ports[0].appProtocol: Invalid value: \"\": {NAME_PART_MSG}"),
        ]
    );
}

// ---------------------------------------------------------------------------
// Wrong JSON types (Go would refuse to decode; reported here as Invalid).

#[test]
fn values_of_the_wrong_type_are_invalid_not_a_panic() {
    let object = json!({
        "metadata": {"name": 7, "namespace": "ns", "labels": {"a": 1}, "generation": "1"},
        "subsets": [
            {"addresses": [{"ip": 10, "hostname": ["h"]}, "10.0.0.1"],
             "ports": [{"name": "a", "port": "80", "protocol": "TCP"}, {"name": "b", "port": 80.5, "protocol": true},
                       {"name": "c", "port": 4294967296_i64, "protocol": "UDP"}]},
            "not a subset",
            {"addresses": {"ip": "10.0.0.1"}}
        ]
    });
    assert_eq!(
        errors_of(&object),
        vec![
            "metadata.name: Invalid value: 7: must be of type string",
            "metadata.generation: Invalid value: \"1\": must be of type int64",
            "metadata.labels[a]: Invalid value: 1: must be of type string",
            "subsets[0].addresses[0].ip: Invalid value: 10: must be of type string",
            "subsets[0].addresses[0].hostname: Invalid value: [\"h\"]: must be of type string",
            "subsets[0].addresses[1]: Invalid value: \"10.0.0.1\": must be of type core.EndpointAddress",
            "subsets[0].ports[0].port: Invalid value: \"80\": must be of type int32",
            "subsets[0].ports[1].port: Invalid value: 80.5: must be of type int32",
            "subsets[0].ports[1].protocol: Invalid value: true: must be of type string",
            "subsets[0].ports[2].port: Invalid value: 4294967296: must be of type int32",
            "subsets[1]: Invalid value: \"not a subset\": must be of type core.EndpointSubset",
            "subsets[2].addresses: Invalid value: {\"ip\":\"10.0.0.1\"}: must be of type array",
            "subsets[2]: Required value: must specify `addresses` or `notReadyAddresses`",
        ]
    );
    assert_eq!(
        errors_of(&json!("Endpoints")),
        vec![": Invalid value: \"Endpoints\": must be of type core.Endpoints"]
    );
}

// ---------------------------------------------------------------------------
// Order, and the 422 built from the errors.

#[test]
fn several_errors_come_in_upstreams_order() {
    // [AM] ValidateObjectMeta (name, namespace, labels, annotations), then
    // [CV] subsets in index order: per subset the address check, addresses,
    // notReadyAddresses, ports; per port name, port, protocol, appProtocol.
    let object = json!({
        "metadata": {"name": "Bad", "labels": {"k": "-"}, "annotations": {"-": ""}},
        "subsets": [
            {"ports": [{"port": 0, "protocol": "ICMP", "appProtocol": "/"}, {"name": "b", "port": 1, "protocol": "TCP"}]},
            {"notReadyAddresses": [{"ip": "127.0.0.1", "nodeName": "N"}], "addresses": [{"ip": "x"}]}
        ]
    });
    assert_eq!(
        errors_of(&object),
        vec![
            format!("metadata.name: Invalid value: \"Bad\": {SUBDOMAIN_MSG}"),
            "metadata.namespace: Required value".to_string(),
            format!("metadata.labels: Invalid value: \"-\": {LABEL_VALUE_MSG}"),
            format!("metadata.annotations: Invalid value: \"-\": {NAME_PART_MSG}"),
            "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`".to_string(),
            "subsets[0].ports[0].name: Required value".to_string(),
            "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive".to_string(),
            "subsets[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"".to_string(),
            "subsets[0].ports[0].appProtocol: Invalid value: \"/\": prefix part must be non-empty".to_string(),
            "subsets[0].ports[0].appProtocol: Invalid value: \"/\": name part must be non-empty".to_string(),
            format!("subsets[0].ports[0].appProtocol: Invalid value: \"/\": {NAME_PART_MSG}"),
            format!("subsets[1].addresses[0].ip: Invalid value: \"x\": {IP_SYNTAX_MSG}"),
            "subsets[1].addresses[0].ip: Invalid value: \"x\": must be a valid IP address".to_string(),
            format!("subsets[1].notReadyAddresses[0].nodeName: Invalid value: \"N\": {SUBDOMAIN_MSG}"),
            "subsets[1].notReadyAddresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)".to_string(),
        ]
    );
}

#[test]
fn the_errors_make_upstreams_422() {
    // [AM] errors.NewInvalid: `Endpoints "mysvc" is invalid: [a, b]`, one
    // cause per error with its reason, field and body.
    let object = with_subset(
        json!({"ip": "127.0.0.1"}),
        json!({"port": 0, "protocol": "TCP"}),
    );
    let err = kubepatch::field::invalid("Endpoints", "", "mysvc", validate::endpoints(&object));
    assert_eq!(err.code(), 422);
    assert_eq!(
        err.to_string(),
        "Endpoints \"mysvc\" is invalid: [subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128), subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive]"
    );
}
