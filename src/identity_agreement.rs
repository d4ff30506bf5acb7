//! Strategic merge and apply agree on which list elements are the same.
//!
//! Every keyed list element of the golden files and of the shared
//! conformance corpora is identified twice under the built-in schema: as
//! strategic merge identifies it and as apply does. Wherever both read the
//! same key (the readings differ only where [`crate::schema::identity::Reading`]
//! names it), two elements of one list field are the same element for one
//! strategy exactly when they are for the other.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::fieldpath::PathElement;
use crate::managed::typed::Typed;
use crate::schema::cursor::Cursor;
use crate::schema::identity;
use crate::schema::{ListType, NodeId, Schema};
use crate::strategic::ident::{self as strategic_ident, Ident, KeyProblem};

/// The tally of one walk.
struct Tally<'s> {
    /// Per list node: each strategic identity with the apply element it went with.
    by_strategic: HashMap<(NodeId, Ident), PathElement>,
    /// Per list node: each apply element with the strategic identity it went with.
    by_apply: HashMap<(NodeId, PathElement), Ident>,
    compared: usize,
    read_differently: usize,
    /// Elements whose key holds an object or a list (upstream strategic merge
    /// crashes on them; apply keys them).
    uncomparable: usize,
    disagreements: Vec<String>,
    schema: &'s Schema,
}

impl<'s> Tally<'s> {
    fn new(schema: &'s Schema) -> Self {
        Tally {
            by_strategic: HashMap::new(),
            by_apply: HashMap::new(),
            compared: 0,
            read_differently: 0,
            uncomparable: 0,
            disagreements: Vec::new(),
            schema,
        }
    }

    fn element(&mut self, list: NodeId, elem: &Map<String, Value>) {
        let schema = self.schema;
        let at = Cursor::new(schema, list);
        let Some(l) = at.as_list() else { return };
        let ListType::Map(key) = &l.list_type else {
            return;
        };
        let items = at.at(l.items);
        let strategic_key = identity::key_of(items, key, elem, strategic_ident::READING);
        let apply_reading = identity::key_of(items, key, elem, crate::managed::typed::READING);
        let same_reading = match (&strategic_key, &apply_reading) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !same_reading {
            self.read_differently += 1;
            return;
        }
        let strategic = strategic_ident::of_element(elem, key, schema, l.items);
        let apply = Typed::new(schema).item_element::<PathElement>(
            Some((key, l.items)),
            &Value::Object(elem.clone()),
            &[],
        );
        match (strategic, apply) {
            (Ok(s), Ok(a)) => {
                self.compared += 1;
                let seen_a = self
                    .by_strategic
                    .entry((list, s.clone()))
                    .or_insert(a.clone());
                if *seen_a != a {
                    self.disagreements.push(format!(
                        "{elem:?}: one strategic identity, two apply elements {seen_a} and {a}"
                    ));
                }
                let seen_s = self.by_apply.entry((list, a.clone())).or_insert(s.clone());
                if *seen_s != s {
                    self.disagreements.push(format!(
                        "{elem:?}: one apply element {a}, two strategic identities"
                    ));
                }
            }
            (Err(KeyProblem::Uncomparable), Ok(_)) => self.uncomparable += 1,
            (Err(KeyProblem::Missing), Err(_)) => {}
            (s, a) => self.disagreements.push(format!(
                "{elem:?}: strategic {} but apply {}",
                if s.is_ok() { "keys it" } else { "does not" },
                if a.is_ok() { "keys it" } else { "does not" },
            )),
        }
    }

    /// Walk `value` at struct or map node `node`, identifying the elements
    /// of every keyed list on the way.
    fn walk(&mut self, value: &Value, node: NodeId) {
        let at = Cursor::new(self.schema, node);
        match value {
            Value::Object(obj) => {
                for (k, v) in obj {
                    let child = at.member(k).node();
                    self.walk(v, child);
                }
            }
            Value::Array(items) => {
                let Some(list) = at.as_list() else { return };
                for item in items {
                    if let Value::Object(elem) = item {
                        self.element(at.id(), elem);
                    }
                    self.walk(item, list.items);
                }
            }
            _ => {}
        }
    }
}

/// Every JSON value found in `dir` (recursively), file by file.
fn documents(dir: &Path, out: &mut Vec<(PathBuf, Value)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            documents(&path, out);
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let parsed = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => serde_json::from_slice(&bytes).ok(),
            Some("yaml") | Some("yml") => crate::decode::yaml(&bytes).ok().map(|d| d.value),
            _ => None,
        };
        if let Some(v) = parsed {
            out.push((path, v));
        }
    }
}

/// Every object in `v` that is, or patches, an Endpoints object or its
/// metadata: those with `subsets` or `metadata` members.
fn objects<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Object(m) => {
            if m.contains_key("subsets") || m.contains_key("metadata") {
                out.push(v);
            }
            m.values().for_each(|x| objects(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| objects(x, out)),
        _ => {}
    }
}

#[test]
fn strategic_merge_and_apply_identify_elements_alike() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::var_os("KUBEPATCH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| here.join("../shared"));
    let mut docs = Vec::new();
    documents(&here.join("testdata"), &mut docs);
    let golden = docs.len();
    if shared.is_dir() {
        documents(&shared.join("conformance"), &mut docs);
    } else {
        println!(
            "note: {} absent; identities checked on the golden files only",
            shared.display()
        );
    }
    let schema = Schema::endpoints();
    let endpoints = schema.root_for("v1", "Endpoints").expect("built in");
    let mut tally = Tally::new(&schema);
    for (_, doc) in &docs {
        let mut found = Vec::new();
        objects(doc, &mut found);
        for obj in found {
            tally.walk(obj, endpoints);
        }
    }
    println!(
        "identities: {} documents ({golden} golden), {} elements compared, {} read differently by a named reading, {} with object keys",
        docs.len(),
        tally.compared,
        tally.read_differently,
        tally.uncomparable
    );
    assert!(
        tally.disagreements.is_empty(),
        "{}",
        tally.disagreements.join("\n")
    );
    // The golden Endpoints files alone hold hundreds of keyed elements.
    assert!(
        tally.compared > 300,
        "only {} elements compared",
        tally.compared
    );
}

#[test]
fn a_disagreement_is_found() {
    // Ports 80 and 80 named "" are one element for both strategies (the
    // name defaults to ""), port 80.0 another one for both.
    let schema = Schema::endpoints();
    let endpoints = schema.root_for("v1", "Endpoints").expect("built in");
    let mut tally = Tally::new(&schema);
    let doc = serde_json::json!({"subsets": [{"ports": [{"port": 80}, {"port": 80, "name": ""}, {"port": 80.0}]}]});
    tally.walk(&doc, endpoints);
    assert_eq!(tally.compared, 4, "one subset and three ports");
    assert!(tally.disagreements.is_empty());
    // A forged pair: the same strategic identity seen with another apply
    // element is reported.
    let list = *tally
        .by_strategic
        .keys()
        .next()
        .map(|(l, _)| l)
        .expect("seen");
    let forged = tally
        .by_strategic
        .iter()
        .find(|((l, _), _)| *l == list)
        .map(|((_, s), _)| s.clone())
        .expect("seen");
    tally
        .by_strategic
        .insert((list, forged), PathElement::Field("other".into()));
    let before = tally.disagreements.len();
    tally.walk(&doc, endpoints);
    assert!(tally.disagreements.len() > before);
}
