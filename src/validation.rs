//! `fieldValidation`: the strict decode kube-apiserver runs on a patch body,
//! and how what it finds is reported.
//!
//! Under `Warn` (the default) and `Strict`, kube-apiserver first decodes a
//! JSON patch into its list of operations and a merge patch into a map; a
//! body of the wrong shape is a 400 `error decoding patch: …` before any
//! patching. Duplicate keys, and unknown members of JSON patch operations,
//! become warnings under `Warn` and a 422 under `Strict`. `Ignore` skips all
//! of it. A strategic merge body must be an object whatever the directive.
//! An apply's YAML body is decoded strictly too: its duplicate keys are
//! warnings under `Warn` and a 400 under `Strict` ([`apply_duplicates`]).
//!
//! The result of a JSON, merge or strategic patch is then decoded into the
//! kind's type (`crate::unknown_fields`): the members it does not declare
//! are dropped, and listed after the body's errors ([`report`]).

use serde_json::Value;

use crate::content_type::PatchType;
use crate::error::Error;
use crate::field::{self, FieldError};
use crate::go;
use crate::params::FieldValidation;

const OP_MEMBERS: [&str; 4] = ["op", "path", "from", "value"];

/// Check the body's shape as the strict decode does and list the strict
/// errors it finds (`duplicates` are the body's duplicate-key paths).
pub fn precheck(
    patch_type: PatchType,
    body: &Value,
    duplicates: &[String],
    directive: FieldValidation,
) -> Result<Vec<String>, Error> {
    let strict = directive != FieldValidation::Ignore;
    let decoding = |what: String| Error::bad_request(format!("error decoding patch: {what}"));
    let mut errors = Vec::new();
    match patch_type {
        PatchType::Json if strict => match body {
            Value::Array(ops) => {
                for (i, op) in ops.iter().enumerate() {
                    match op {
                        Value::Null => {}
                        Value::Object(members) => {
                            for (name, value) in members {
                                if !OP_MEMBERS.contains(&name.as_str()) {
                                    errors.push(format!(
                                        "unknown field {}",
                                        go::go_quote(&format!("[{i}].{name}"))
                                    ));
                                } else if name != "value" && !value.is_string() && !value.is_null()
                                {
                                    return Err(decoding(format!(
                                        "json: cannot unmarshal {} into Go struct field jsonPatchOp.{name} of type string",
                                        go::json_kind(value)
                                    )));
                                }
                            }
                        }
                        other => {
                            return Err(decoding(format!(
                                "json: cannot unmarshal {} into Go value of type handlers.jsonPatchOp",
                                go::json_kind(other)
                            )));
                        }
                    }
                }
            }
            Value::Null => {}
            other => {
                return Err(decoding(format!(
                    "json: cannot unmarshal {} into Go value of type []handlers.jsonPatchOp",
                    go::json_kind(other)
                )));
            }
        },
        PatchType::Merge if strict && !body.is_object() && !body.is_null() => {
            return Err(decoding(not_a_map(body)));
        }
        PatchType::Strategic if !body.is_object() && !body.is_null() => {
            return Err(Error::bad_request(not_a_map(body)));
        }
        _ => {}
    }
    if !strict {
        return Ok(Vec::new());
    }
    errors.extend(
        duplicates
            .iter()
            .map(|d| format!("duplicate field {}", go::go_quote(d))),
    );
    if patch_type == PatchType::Json {
        errors
            .iter_mut()
            .for_each(|e| e.insert_str(0, "json patch "));
    }
    Ok(errors)
}

/// Report strict errors (the body's from [`precheck`], then the unknown
/// fields decoding the result found): warnings under `Warn`, a 422 under
/// `Strict` (kube-apiserver's `strict decoding error`), whose value is
/// `shown()`: the patched object's JSON after a JSON or merge patch, the
/// patch as Go prints a map ([`shown_patch`]) after a strategic one.
pub fn report(
    errors: Vec<String>,
    directive: FieldValidation,
    shown: impl FnOnce() -> String,
) -> Result<Vec<String>, Error> {
    if errors.is_empty() || directive != FieldValidation::Strict {
        return Ok(errors);
    }
    let why = format!("strict decoding error: {}", errors.join(", "));
    Err(field::invalid(
        "",
        "",
        "",
        vec![FieldError::invalid("patch", &shown(), &why)],
    ))
}

/// What a `Strict` failure of a strategic merge shows as its value:
/// kube-apiserver prints the decoded patch with Go's `%+v`
/// (`map[metadata:map[labels:map[a:b]]]`). Rendered before the merge
/// consumes the patch, and only under `Strict`.
pub fn shown_patch(
    patch_type: PatchType,
    body: &Value,
    directive: FieldValidation,
) -> Option<String> {
    (patch_type == PatchType::Strategic && directive == FieldValidation::Strict)
        .then(|| go::go_format(body))
}

/// Apply's strict YAML decode: each duplicate key of the applied
/// configuration (`duplicates`, their paths) is a warning under `Warn`, and
/// any is a 400 under `Strict`; `Ignore` reports nothing.
pub fn apply_duplicates(
    duplicates: &[String],
    directive: FieldValidation,
) -> Result<Vec<String>, Error> {
    let strict: Vec<String> = duplicates
        .iter()
        .map(|d| {
            format!(
                "yaml: unmarshal errors: key {} already set in map",
                go::go_quote(d)
            )
        })
        .collect();
    match directive {
        FieldValidation::Strict if !strict.is_empty() => Err(Error::bad_request(format!(
            "error strict decoding YAML: {}",
            strict.join("; ")
        ))),
        FieldValidation::Ignore => Ok(Vec::new()),
        _ => Ok(strict),
    }
}

fn not_a_map(body: &Value) -> String {
    format!(
        "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
        go::json_kind(body)
    )
}

/// The examples that documented this module, as unit tests.
#[cfg(test)]
mod examples {
    #[test]
    fn example_1() {
        use crate::validation::precheck;
        use crate::{FieldValidation, PatchType};
        use serde_json::json;

        let found = precheck(
            PatchType::Json,
            &json!([{"op": "add", "path": "/a", "value": 1, "foo": 2}]),
            &[],
            FieldValidation::Warn,
        )
        .unwrap();
        assert_eq!(
            found,
            vec![r#"json patch unknown field "[0].foo""#.to_string()]
        );
        let err = precheck(PatchType::Merge, &json!([1]), &[], FieldValidation::Warn).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
    }

    #[test]
    fn example_2() {
        use crate::FieldValidation;
        use crate::validation::apply_duplicates;

        let found = vec!["metadata.name".to_string()];
        let warnings = apply_duplicates(&found, FieldValidation::Warn).unwrap();
        assert_eq!(
            warnings,
            [r#"yaml: unmarshal errors: key "metadata.name" already set in map"#]
        );
        assert!(
            apply_duplicates(&found, FieldValidation::Ignore)
                .unwrap()
                .is_empty()
        );
        let err = apply_duplicates(&found, FieldValidation::Strict).unwrap_err();
        assert_eq!(err.code(), 400);
        assert_eq!(
            err.to_string(),
            r#"error strict decoding YAML: yaml: unmarshal errors: key "metadata.name" already set in map"#
        );
    }
}
