//! Strategic merge patch conformance: upstream's own test tables
//! (`../shared/conformance/smp/cases.json`, on the corpus's schema
//! vocabulary). Skips with a note where `../shared` is absent.

use kubepatch::schema::vocabulary;
use kubepatch::strategic;
use serde_json::Value;

mod common;
use common::{same, shared};

/// Whether `outcome` is what `case` expects: its `expected` object (numbers
/// by value), any error where it says `panic`, or its `error` label.
fn meets_expectation(outcome: &Result<Value, String>, case: &Value) -> bool {
    match (
        outcome,
        case.get("expected"),
        case.get("error").and_then(Value::as_str),
    ) {
        (Ok(got), Some(want), _) => same(got, want),
        (Err(_), _, Some("panic")) => true,
        (Err(got), _, Some(want)) => got == want,
        _ => false,
    }
}

/// What `case` expects, for a failure report: `expected`, else `error`.
fn expectation(case: &Value) -> &Value {
    case.get("expected")
        .or(case.get("error"))
        .unwrap_or(&Value::Null)
}

#[test]
fn upstream_tables_and_supplementary_cases() {
    let Some(dir) = shared() else {
        common::skip_note(
            "upstream_tables_and_supplementary_cases",
            "../shared is absent",
        );
        return;
    };
    let text = std::fs::read_to_string(dir.join("conformance/smp/cases.json")).expect("cases.json");
    let corpus: Value = serde_json::from_str(&text).expect("cases.json parses");
    let schemas = &corpus["schemas"];
    let mut failures = Vec::new();
    let mut counts = [0usize; 2];
    for (set, list) in ["cases", "supplementaryCases"].iter().enumerate() {
        for case in corpus[list].as_array().expect("case list") {
            let name = case["name"].as_str().unwrap_or("?");
            let schema = vocabulary::struct_tags(schemas, case["schema"].as_str().unwrap_or(""))
                .unwrap_or_else(|e| panic!("{name}: schema: {e}"));
            let root = schema.root_for("", "").expect("default root");
            let parse = |key: &str| -> Result<Value, ()> {
                match case.get(format!("{key}Text")) {
                    Some(Value::String(t)) => serde_json::from_str(t).map_err(|_| ()),
                    _ => Ok(case[key].clone()),
                }
            };
            let outcome = match (parse("original"), parse("patch")) {
                (Ok(o), Ok(p)) => strategic::apply_with_root(&o, p, &schema, root)
                    .map_err(|e| e.kind.label().to_string()),
                _ => Err("ErrBadJSONDoc".to_string()),
            };
            if meets_expectation(&outcome, case) {
                counts[set] += 1;
            } else {
                failures.push(format!(
                    "{name}\n  original: {}\n  patch:    {}\n  expected: {}\n  got:      {:?}",
                    case["original"],
                    case["patch"],
                    expectation(case),
                    outcome
                ));
            }
        }
    }
    let total = corpus["cases"].as_array().map_or(0, Vec::len)
        + corpus["supplementaryCases"].as_array().map_or(0, Vec::len);
    println!(
        "smp cases.json: {} passed, {} failed ({} upstream, {} supplementary passed)",
        counts[0] + counts[1],
        failures.len(),
        counts[0],
        counts[1]
    );
    assert_eq!(counts[0] + counts[1] + failures.len(), total);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `kubectl-cases.json`: results printed by `kubectl patch --local --type
/// strategic` on built-in kinds, run here with the Kubernetes v1.36 OpenAPI
/// schema (upstream's metadata: Endpoints lists are atomic).
#[test]
fn kubectl_printed_results_with_the_openapi_schema() {
    let Some(dir) = shared() else {
        common::skip_note(
            "kubectl_printed_results_with_the_openapi_schema",
            "../shared is absent",
        );
        return;
    };
    let text = std::fs::read_to_string(dir.join("conformance/smp/kubectl-cases.json"))
        .expect("kubectl-cases.json");
    let corpus: Value = serde_json::from_str(&text).expect("kubectl-cases.json parses");
    let bytes = std::fs::read(dir.join(common::SWAGGER)).expect("swagger");
    let schema =
        kubepatch::schema::openapi::load(&bytes, &Default::default()).expect("swagger loads");
    let cases = corpus["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    let mut departures = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        if KNOWN_DEPARTURES.iter().any(|(n, _)| *n == name) {
            departures += 1;
            continue;
        }
        let outcome = strategic::apply(&case["original"], case["patch"].clone(), &schema)
            .map(|mut v| {
                // kubectl prints objects without managedFields (--show-managed-fields=false).
                common::strip_managed_fields(&mut v);
                v
            })
            .map_err(|e| e.kind.label().to_string());
        if !meets_expectation(&outcome, case) {
            failures.push(format!(
                "{name}\n  patch:    {}\n  expected: {}\n  got:      {:?}",
                case["patch"],
                expectation(case),
                outcome
            ));
        }
    }
    println!(
        "smp kubectl-cases.json (OpenAPI schema): {} passed, {} failed, {} known departures",
        cases.len() - failures.len() - departures,
        failures.len(),
        departures
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Cases where the OpenAPI schema cannot say what kubectl's Go types say.
const KNOWN_DEPARTURES: &[(&str, &str)] = &[(
    "pod/spec/list-where-schema-has-struct-error",
    "OpenAPI does not record whether a Go field is a pointer: a `$ref` field is read as one \
     (as upstream's OpenAPI patch reader does), so a list where Container.resources (a Go \
     value) expects an object merges as a replaced list instead of ErrSchemaNotList",
)];
