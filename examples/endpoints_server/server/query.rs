//! Query strings and the options of writes.
//!
//! Parameters are read as Go's `url.ParseQuery` reads them for the ones this
//! server uses: `&`-separated pairs, `+` and `%XX` decoded, the first value
//! of a repeated name used.

use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use kubepatch::{Error, FieldValidation, PatchParams, PatchType};

/// The decoded `name=value` pairs of a query string, in order.
pub fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// The first value of `name` in the request's query.
pub fn first(parts: &Parts, name: &str) -> Option<String> {
    pairs(parts.uri.query().unwrap_or(""))
        .into_iter()
        .find_map(|(n, v)| (n == name).then_some(v))
}

/// `+` as a space and `%XX` as its byte; a bad escape is kept as written.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A boolean parameter as apimachinery's `Convert_Slice_string_To_bool`
/// reads it into ListOptions: absent, `0` or `false` (any case) is false,
/// any other value, the empty one included, true.
pub fn is_true(value: Option<&str>) -> bool {
    value.is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The options of a create (`CreateOptions`) or a replace
/// (`UpdateOptions`): `dryRun`, `fieldManager`, `fieldValidation`.
pub struct WriteOptions {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// The directive for unknown fields of the body.
    pub validation: FieldValidation,
    /// The manager recorded in managedFields (operation Update).
    pub manager: String,
}

impl WriteOptions {
    /// The options of `parts`, checked as upstream's
    /// `ValidateCreateOptions`/`ValidateUpdateOptions` do (their checks of
    /// `fieldManager`, `dryRun` and `fieldValidation` are PatchOptions'
    /// but for the kind named: `what` is `CreateOptions` or
    /// `UpdateOptions`). `force` is no option of theirs: ignored, as
    /// upstream ignores parameters the options type does not declare.
    pub fn of(parts: &Parts, what: &str) -> Result<Self, Error> {
        let mut params = PatchParams::from_query(parts.uri.query().unwrap_or(""));
        params.force = None;
        params
            .validate(PatchType::Merge)
            .map_err(|e| renamed(e, what))?;
        Ok(WriteOptions {
            dry_run: params.is_dry_run(),
            validation: params.field_validation()?,
            manager: manager(&params, parts),
        })
    }
}

/// `dryRun=All` of a request whose only checked option it is (a delete:
/// `DeleteOptions`), refused as upstream refuses other values.
pub fn dry_run(parts: &Parts, what: &str) -> Result<bool, Error> {
    let given = PatchParams::from_query(parts.uri.query().unwrap_or(""));
    let params = PatchParams {
        dry_run: given.dry_run,
        ..PatchParams::default()
    };
    params
        .validate(PatchType::Merge)
        .map_err(|e| renamed(e, what))?;
    Ok(params.is_dry_run())
}

/// A PatchOptions error as the same error of `what`.
fn renamed(error: Error, what: &str) -> Error {
    match error {
        Error::Invalid {
            message,
            mut details,
        } if details.kind == "PatchOptions" => {
            details.kind = what.to_string();
            Error::Invalid {
                message: message.replacen("PatchOptions", what, 1),
                details,
            }
        }
        other => other,
    }
}

/// `fieldManager`, else the `User-Agent` up to its first `/` with
/// non-printable characters dropped and cut to 128 bytes (upstream's
/// `prefixFromUserAgent`, as kubepatch's PATCH requests derive it); empty
/// means `unknown`.
fn manager(params: &PatchParams, parts: &Parts) -> String {
    let given = params.manager();
    if !given.is_empty() {
        return given.to_string();
    }
    let agent = parts
        .headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let product = agent.split('/').next().unwrap_or("");
    let mut out = String::new();
    for c in product.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > kubepatch::params::FIELD_MANAGER_MAX_LENGTH {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_as_list_options_read_them() {
        for (value, expected) in [
            (None, false),
            (Some("0"), false),
            (Some("FALSE"), false),
            (Some("false"), false),
            (Some("1"), true),
            (Some("true"), true),
            (Some(""), true),
            (Some("yes"), true),
        ] {
            assert_eq!(is_true(value), expected, "{value:?}");
        }
    }

    #[test]
    fn query_pairs() {
        assert_eq!(
            pairs("a=1&b=x+y%2Cz&c&&d=%zz"),
            [
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "x y,z".to_string()),
                ("c".to_string(), String::new()),
                ("d".to_string(), "%zz".to_string()),
            ]
        );
    }
}
