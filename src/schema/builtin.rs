//! The built-in schemas of every kind of the Kubernetes OpenAPI document,
//! compiled in.
//!
//! `builtin.json` (next to this file) holds the merge rules and structure of
//! every definition of the Kubernetes v1.36 OpenAPI v2 document reachable
//! from a kind: what [`openapi`](super::openapi) reads of it (types,
//! properties, items, `additionalProperties`, `$ref`s, defaults and the
//! `x-kubernetes-*` extensions), nothing else. `scripts/gen_builtin_schemas.py`
//! writes it from `../shared/openapi/kubernetes-v1.36-swagger.json`, one
//! definition a line; `tests/builtin.rs` fails when the committed file is not
//! what the script writes.
//!
//! Nothing is read until a kind is asked for, and then only that kind's
//! definitions: the first request splits the data into its lines (no JSON
//! is parsed), a kind is found by its group-version-kind entry's text, and
//! the first request of a kind parses the definitions reachable from it and builds its [`Schema`] with
//! [`from_openapi`], as `--schema` would with
//! the whole document. Each is built once per process and kept.
//!
//! ```
//! use kubepatch::schema::{MergeKey, Node, Schema};
//! use kubepatch::strategic::lookup_list;
//!
//! let pod = Schema::builtin("v1", "Pod").unwrap().expect("Pod is built in");
//! let root = pod.root_for("v1", "Pod").unwrap();
//! let Node::Struct(fields) = pod.node(root) else { panic!("a struct") };
//! let spec = fields.fields["spec"].node;
//! let containers = lookup_list(pod, spec, "containers").unwrap();
//! assert_eq!(containers.field.unwrap().merge_key, Some(MergeKey::Field("name".into())));
//! assert!(Schema::builtin("example.com/v1", "Widget").unwrap().is_none());
//! ```

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::Schema;
use super::openapi::{LoadError, Options, from_openapi};

/// The compact definitions (see the module's documentation for the layout).
const DATA: &str = include_str!("builtin.json");

/// The `$ref` prefix of an OpenAPI v2 document.
const REF_PREFIX: &str = "#/definitions/";

/// The member of a definition that names its kinds.
const GVK: &str = "\"x-kubernetes-group-version-kind\":";

/// The data, split into definitions: no JSON is parsed until a kind is
/// built. Lines are sorted by name, so a name is found by binary search.
struct Catalog<'d> {
    /// (name, the schema object's JSON text), sorted by name.
    defs: Vec<(&'d str, &'d str)>,
    /// The schema of the kind whose definition is `defs[i]`, once built.
    built: Vec<OnceLock<Result<Schema, LoadError>>>,
    data: &'d str,
}

/// One entry of `x-kubernetes-group-version-kind`.
#[derive(serde::Deserialize)]
struct Gvk {
    #[serde(default)]
    group: String,
    version: String,
    kind: String,
}

fn catalog() -> Result<&'static Catalog<'static>, LoadError> {
    static CATALOG: OnceLock<Result<Catalog<'static>, LoadError>> = OnceLock::new();
    CATALOG
        .get_or_init(|| index(DATA))
        .as_ref()
        .map_err(Clone::clone)
}

/// Split `data` into its definition lines.
fn index(data: &str) -> Result<Catalog<'_>, LoadError> {
    let bad = |line: &str| LoadError::Unreadable {
        message: format!(
            "built-in schema data: not a definition line: {}",
            line.chars().take(80).collect::<String>()
        ),
    };
    let mut defs = Vec::with_capacity(1024);
    for line in data.lines() {
        if line == "{" || line == "}" || line.is_empty() {
            continue;
        }
        let line = line.strip_suffix(',').unwrap_or(line);
        let rest = line.strip_prefix('"').ok_or_else(|| bad(line))?;
        let (name, schema) = rest.split_once("\":").ok_or_else(|| bad(line))?;
        defs.push((name, schema));
    }
    if !defs.is_sorted_by(|a, b| a.0 < b.0) {
        return Err(LoadError::Unreadable {
            message: "built-in schema data: definitions not sorted by name".to_string(),
        });
    }
    let built = std::iter::repeat_with(OnceLock::new)
        .take(defs.len())
        .collect();
    Ok(Catalog { defs, built, data })
}

impl Catalog<'_> {
    /// The index of the definition named `name`.
    fn find(&self, name: &str) -> Option<usize> {
        self.defs.binary_search_by(|d| d.0.cmp(name)).ok()
    }

    /// The index of the definition that names this kind: the one whose line
    /// holds its group-version-kind entry, as the generator writes it (keys
    /// sorted, no white space; no other member has these three keys).
    fn kind(&self, api_version: &str, kind: &str) -> Option<usize> {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let entry = serde_json::json!({"group": group, "kind": kind, "version": version});
        let needle = entry.to_string();
        let at = self.data.find(&needle)?;
        let line_start = self.data[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = &self.data[line_start..];
        let name = line.strip_prefix('"')?.split_once('"')?.0;
        self.find(name)
    }

    /// Every kind, read off the group-version-kind lists.
    fn kinds(&self) -> Result<Vec<(String, String)>, LoadError> {
        let mut out = Vec::new();
        for (name, schema) in &self.defs {
            let Some(at) = schema.find(GVK) else {
                continue;
            };
            let mut reader = serde_json::Deserializer::from_str(&schema[at + GVK.len()..]);
            let gvks: Vec<Gvk> = serde::Deserialize::deserialize(&mut reader).map_err(|e| {
                LoadError::Unreadable {
                    message: format!("built-in schema data: {name}: {e}"),
                }
            })?;
            for Gvk {
                group,
                version,
                kind,
            } in gvks
            {
                let api_version = if group.is_empty() {
                    version
                } else {
                    format!("{group}/{version}")
                };
                out.push((api_version, kind));
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// The schema of the definition `root`: its definitions parsed and built.
fn build(catalog: &Catalog<'_>, root: &str) -> Result<Schema, LoadError> {
    let mut defs = Map::new();
    let mut todo = vec![root.to_string()];
    while let Some(name) = todo.pop() {
        if defs.contains_key(&name) {
            continue;
        }
        // A name the data lacks is left out: the builder reports its `$ref`.
        let Some(text) = catalog.find(&name).map(|i| catalog.defs[i].1) else {
            continue;
        };
        let schema: Value = serde_json::from_str(text).map_err(|e| LoadError::Unreadable {
            message: format!("built-in schema data: {name}: {e}"),
        })?;
        refs(&schema, &mut todo);
        defs.insert(name, schema);
    }
    let mut doc = Map::new();
    doc.insert("definitions".to_string(), Value::Object(defs));
    from_openapi(&Value::Object(doc), &Options::default())
}

/// Push the definition names `schema` refers to.
fn refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(r)) => {
                        if let Some(name) = r.strip_prefix(REF_PREFIX) {
                            out.push(name.replace("~1", "/").replace("~0", "~"));
                        }
                    }
                    _ => refs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Build the schema of a kind from `data` (the layout of `builtin.json`)
/// without the process-wide cache: index it, then build the kind's
/// definitions, as the first request of a kind does. For benches and
/// tools; requests use [`Schema::builtin`].
///
/// # Errors
///
/// The [`LoadError`] of malformed data.
///
/// ```
/// let data = "{\n\"x.A\":{\"properties\":{\"n\":{\"type\":\"string\"}},\"x-kubernetes-group-version-kind\":[{\"group\":\"\",\"kind\":\"A\",\"version\":\"v1\"}]}\n}\n";
/// let schema = kubepatch::schema::builtin::uncached(data, "v1", "A").unwrap().unwrap();
/// assert!(schema.root_for("v1", "A").is_some());
/// assert!(kubepatch::schema::builtin::uncached(data, "v1", "B").unwrap().is_none());
/// ```
pub fn uncached(data: &str, api_version: &str, kind: &str) -> Result<Option<Schema>, LoadError> {
    let catalog = index(data)?;
    match catalog.kind(api_version, kind) {
        Some(root) => build(&catalog, catalog.defs[root].0).map(Some),
        None => Ok(None),
    }
}

impl Schema {
    /// The built-in schema of a kind of the Kubernetes v1.36 OpenAPI
    /// document (compiled in; see [`builtin`](self)), as
    /// [`openapi::load`](super::openapi::load) builds it from the whole
    /// document: `Ok(None)` for a kind the document does not define (a
    /// custom resource). Built on first use, once per process.
    ///
    /// This is upstream's schema for v1 Endpoints too (every list atomic);
    /// a request without a schema of its own uses [`Schema::endpoints`] for
    /// Endpoints instead ([`Schema::for_kind`]).
    ///
    /// # Errors
    ///
    /// The [`LoadError`] of the compiled-in data, which `tests/builtin.rs`
    /// checks builds for every kind.
    ///
    /// ```
    /// use kubepatch::schema::{ListType, Schema};
    /// let schema = Schema::builtin("apps/v1", "Deployment").unwrap().unwrap();
    /// assert!(schema.root_for("apps/v1", "Deployment").is_some());
    /// assert!(schema.strategic_allowed);
    /// ```
    pub fn builtin(api_version: &str, kind: &str) -> Result<Option<&'static Schema>, LoadError> {
        let catalog = catalog()?;
        let Some(root) = catalog.kind(api_version, kind) else {
            return Ok(None);
        };
        let name = catalog.defs[root].0;
        match catalog.built[root].get_or_init(|| build(catalog, name)) {
            Ok(schema) => Ok(Some(schema)),
            Err(e) => Err(e.clone()),
        }
    }

    /// Every (apiVersion, kind) [`Schema::builtin`] knows, sorted.
    ///
    /// # Errors
    ///
    /// The [`LoadError`] of the compiled-in data (tested never to happen).
    ///
    /// ```
    /// let kinds = kubepatch::schema::Schema::builtin_kinds().unwrap();
    /// assert!(kinds.contains(&("apps/v1".to_string(), "StatefulSet".to_string())));
    /// ```
    pub fn builtin_kinds() -> Result<Vec<(String, String)>, LoadError> {
        catalog()?.kinds()
    }

    /// The schema a request without one of its own uses for an object of
    /// this apiVersion and kind:
    /// - v1 Endpoints: [`Schema::endpoints`], the design's keyed lists;
    /// - a kind of the Kubernetes document: [`Schema::builtin`];
    /// - an object that names no kind (no `apiVersion` or no `kind`):
    ///   [`Schema::endpoints`], whose default root types only `metadata`;
    /// - any other kind (a custom resource): [`Schema::unknown_kinds`],
    ///   which refuses strategic merge with upstream's 415 and keeps every
    ///   field but `metadata`'s undeclared ones.
    ///
    /// # Errors
    ///
    /// The [`LoadError`] of the compiled-in data (tested never to happen).
    ///
    /// ```
    /// use kubepatch::schema::Schema;
    /// assert!(Schema::for_kind("apps/v1", "Deployment").unwrap().root_for("apps/v1", "Deployment").is_some());
    /// assert!(!Schema::for_kind("example.com/v1", "Widget").unwrap().strategic_allowed);
    /// assert!(Schema::for_kind("v1", "Endpoints").unwrap().strategic_allowed);
    /// ```
    pub fn for_kind(api_version: &str, kind: &str) -> Result<&'static Schema, LoadError> {
        static ENDPOINTS: OnceLock<Schema> = OnceLock::new();
        static UNKNOWN: OnceLock<Schema> = OnceLock::new();
        let endpoints = || ENDPOINTS.get_or_init(Schema::endpoints);
        if (api_version, kind) == ("v1", "Endpoints") || api_version.is_empty() || kind.is_empty() {
            return Ok(endpoints());
        }
        Ok(match Schema::builtin(api_version, kind)? {
            Some(schema) => schema,
            None => UNKNOWN.get_or_init(Schema::unknown_kinds),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_is_no_definition_is_an_error() {
        let err = index("{\nnot a line\n}\n").err().expect("refused");
        assert_eq!(
            err.to_string(),
            "built-in schema data: not a definition line: not a line"
        );
    }

    #[test]
    fn kinds_come_from_the_group_version_kind_lists() {
        let data = "{\n\"a.A\":{\"properties\":{\"b\":{\"$ref\":\"#/definitions/a.B\"}},\"x-kubernetes-group-version-kind\":[{\"group\":\"\",\"kind\":\"A\",\"version\":\"v1\"},{\"group\":\"g.io\",\"kind\":\"A\",\"version\":\"v2\"}]},\n\"a.B\":{\"properties\":{\"c\":{\"type\":\"string\"}}}\n}\n";
        let catalog = index(data).expect("indexed");
        assert_eq!(catalog.defs.len(), 2);
        let kinds = catalog.kinds().expect("kinds");
        assert_eq!(catalog.kind("g.io/v2", "A"), Some(0));
        assert_eq!(catalog.kind("v1", "A"), Some(0));
        assert_eq!(catalog.kind("v1", "B"), None);
        assert_eq!(catalog.kind("g.io/v1", "A"), None);
        assert_eq!(
            kinds,
            [
                ("g.io/v2".to_string(), "A".to_string()),
                ("v1".to_string(), "A".to_string())
            ]
        );
        let schema = build(&catalog, "a.A").expect("built");
        assert!(schema.root_for("v1", "A").is_some());
        assert!(schema.root_for("g.io/v2", "A").is_some());
    }

    #[test]
    fn unsorted_data_is_an_error() {
        let err = index("{\n\"b\":{},\n\"a\":{}\n}\n").err().expect("refused");
        assert_eq!(
            err.to_string(),
            "built-in schema data: definitions not sorted by name"
        );
    }

    #[test]
    fn a_missing_definition_is_the_builders_unresolved_ref() {
        let data = "{\n\"a.A\":{\"properties\":{\"b\":{\"$ref\":\"#/definitions/a.Gone\"}},\"x-kubernetes-group-version-kind\":[{\"group\":\"\",\"kind\":\"A\",\"version\":\"v1\"}]}\n}\n";
        let catalog = index(data).expect("indexed");
        assert_eq!(
            build(&catalog, "a.A").err(),
            Some(LoadError::UnresolvedRef {
                definition: "a.Gone".into()
            })
        );
    }
}
