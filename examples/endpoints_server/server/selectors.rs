//! `labelSelector` and `fieldSelector`, as apimachinery's `labels.Parse`
//! and `fields.ParseSelector` read them.
//!
//! Labels: requirements joined by `,` (all must hold): `a=b`, `a==b`,
//! `a!=b` (also true when `a` is absent), `a` (exists), `!a` (absent),
//! `a in (x,y)`, `a notin (x)` (also true when absent), `a>1`, `a<1`
//! (integer values). Fields: `metadata.name` and `metadata.namespace`,
//! the fields every namespaced resource's selector offers (Endpoints adds
//! none), with `=`, `==` or `!=`.
//!
//! A bad selector is an error message; the list answers it with a 400.

use serde_json::Value;

/// One label requirement.
#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    /// `key` / `!key`.
    Exists(String, bool),
    /// `key=v`, `key in (v…)` (`true`); `key!=v`, `key notin (v…)` (`false`).
    In(String, Vec<String>, bool),
    /// `key>n` (`true`) or `key<n` (`false`).
    Compare(String, i64, bool),
}

/// A label selector: every requirement must hold. The empty selector
/// selects everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Requirement>);

/// A field selector: `(field, value, equal)` terms, all of which must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<(Field, String, bool)>);

/// A field a selector may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Namespace,
}

/// A token of a label selector.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    /// `=`, `==`, `!=`, `!`, `<`, `>`.
    Op(&'static str),
    Open,
    Close,
    Comma,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' | '<' | '>' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    ',' => Token::Comma,
                    '<' => Token::Op("<"),
                    _ => Token::Op(">"),
                });
            }
            '=' | '!' => {
                chars.next();
                let double = chars.peek() == Some(&'=');
                if double {
                    chars.next();
                }
                out.push(Token::Op(match (c, double) {
                    ('=', false) => "=",
                    ('=', true) => "==",
                    (_, false) => "!",
                    (_, true) => "!=",
                }));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "(),<>=!".contains(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
        }
    }
    out
}

/// The message of a bad label selector.
fn unparsable(detail: impl std::fmt::Display) -> String {
    format!("unable to parse requirement: {detail}")
}

impl LabelSelector {
    /// Parse a `labelSelector`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let tokens = tokens(text);
        let mut at = 0;
        let mut requirements = Vec::new();
        let word = |at: usize| match tokens.get(at) {
            Some(Token::Word(w)) => Some(w.clone()),
            _ => None,
        };
        while at < tokens.len() {
            let negated = tokens[at] == Token::Op("!");
            if negated {
                at += 1;
            }
            let key = word(at).ok_or_else(|| unparsable("expected a label key"))?;
            check_key(&key)?;
            at += 1;
            if negated {
                requirements.push(Requirement::Exists(key, false));
            } else {
                match tokens.get(at) {
                    None | Some(Token::Comma) => requirements.push(Requirement::Exists(key, true)),
                    Some(Token::Op(op @ ("=" | "==" | "!="))) => {
                        at += 1;
                        // `a=` selects the empty value.
                        let value = word(at).inspect(|_| at += 1).unwrap_or_default();
                        check_value(&value)?;
                        requirements.push(Requirement::In(key, vec![value], *op != "!="));
                    }
                    Some(Token::Op(op @ ("<" | ">"))) => {
                        at += 1;
                        let value = word(at).ok_or_else(|| unparsable("expected an integer"))?;
                        at += 1;
                        let n = value.parse().map_err(|_| {
                            unparsable(format!(
                                "for 'Gt', 'Lt' operators, the value must be an integer: {value:?}"
                            ))
                        })?;
                        requirements.push(Requirement::Compare(key, n, *op == ">"));
                    }
                    Some(Token::Word(w)) if w == "in" || w == "notin" => {
                        let positive = w == "in";
                        at += 1;
                        if tokens.get(at) != Some(&Token::Open) {
                            return Err(unparsable("expected '(' after in/notin"));
                        }
                        at += 1;
                        let mut values = Vec::new();
                        loop {
                            let value = word(at).inspect(|_| at += 1).unwrap_or_default();
                            check_value(&value)?;
                            values.push(value);
                            match tokens.get(at) {
                                Some(Token::Comma) => at += 1,
                                Some(Token::Close) => {
                                    at += 1;
                                    break;
                                }
                                _ => return Err(unparsable("expected ',' or ')' in a set")),
                            }
                        }
                        requirements.push(Requirement::In(key, values, positive));
                    }
                    Some(other) => return Err(unparsable(format!("unexpected {other:?}"))),
                }
            }
            match tokens.get(at) {
                None => break,
                Some(Token::Comma) if at + 1 < tokens.len() => at += 1,
                Some(other) => return Err(unparsable(format!("unexpected {other:?}"))),
            }
        }
        Ok(LabelSelector(requirements))
    }

    /// Whether `object`'s `metadata.labels` satisfy every requirement.
    pub fn matches(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels");
        let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        self.0.iter().all(|requirement| match requirement {
            Requirement::Exists(key, present) => label(key).is_some() == *present,
            Requirement::In(key, values, true) => {
                label(key).is_some_and(|v| values.iter().any(|x| x == v))
            }
            Requirement::In(key, values, false) => {
                label(key).is_none_or(|v| !values.iter().any(|x| x == v))
            }
            Requirement::Compare(key, n, greater) => label(key)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| if *greater { v > *n } else { v < *n }),
        })
    }
}

/// A label key: `[prefix/]name`, the name at most 63 characters of
/// alphanumerics, `-`, `_`, `.`, beginning and ending alphanumeric.
fn check_key(key: &str) -> Result<(), String> {
    let name = key.rsplit_once('/').map_or(key, |(_, name)| name);
    if name.is_empty() || name.len() > 63 || !is_label_text(name) {
        return Err(unparsable(format!("invalid label key {key:?}")));
    }
    Ok(())
}

/// A label value: empty, or as a key's name part.
fn check_value(value: &str) -> Result<(), String> {
    if value.is_empty() || (value.len() <= 63 && is_label_text(value)) {
        return Ok(());
    }
    Err(unparsable(format!("invalid label value {value:?}")))
}

fn is_label_text(text: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    edge(text.chars().next())
        && edge(text.chars().last())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl FieldSelector {
    /// Parse a `fieldSelector`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut terms = Vec::new();
        for term in text.split(',').filter(|t| !t.is_empty()) {
            let (field, value, equal) = if let Some((f, v)) = term.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, v, true)
            } else {
                return Err(format!(
                    "invalid selector: '{text}'; can't understand '{term}'"
                ));
            };
            let field = match field.trim() {
                "metadata.name" => Field::Name,
                "metadata.namespace" => Field::Namespace,
                other => return Err(format!("field label not supported: {other}")),
            };
            terms.push((field, value.trim().to_string(), equal));
        }
        Ok(FieldSelector(terms))
    }

    /// Whether `object` satisfies every term.
    pub fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(field, value, equal)| {
            let key = match field {
                Field::Name => "name",
                Field::Namespace => "namespace",
            };
            let own = object
                .get("metadata")
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .unwrap_or("");
            (own == value) == *equal
        })
    }
}

/// Both selectors of a list or a watch.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `labelSelector`.
    pub labels: LabelSelector,
    /// `fieldSelector`.
    pub fields: FieldSelector,
}

impl Selection {
    /// Whether `object` is selected.
    pub fn matches(&self, object: &Value) -> bool {
        self.labels.matches(object) && self.fields.matches(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labelled(labels: Value) -> Value {
        json!({"metadata": {"name": "web", "namespace": "ns", "labels": labels}})
    }

    #[test]
    fn label_requirements() {
        let object = labelled(json!({"app": "web", "tier": "db", "n": "5"}));
        for (selector, expected) in [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app = web , tier=db", true),
            ("app!=web", false),
            ("zone!=a", true),
            ("app", true),
            ("!app", false),
            ("!zone", true),
            ("app in (web, api)", true),
            ("app in (api)", false),
            ("app notin (api)", true),
            ("zone notin (a)", true),
            ("app notin (web)", false),
            ("n>4,n<6", true),
            ("n>5", false),
            ("app=", false),
        ] {
            let parsed = LabelSelector::parse(selector).expect(selector);
            assert_eq!(parsed.matches(&object), expected, "{selector}");
        }
        for bad in [
            "=a",
            "app in web",
            "a b",
            "app in (a",
            "app,",
            "n>x",
            "-a=b",
        ] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_terms() {
        let object = labelled(json!({}));
        for (selector, expected) in [
            ("metadata.name=web", true),
            ("metadata.name==web,metadata.namespace=ns", true),
            ("metadata.name!=web", false),
            ("metadata.namespace!=other", true),
        ] {
            let parsed = FieldSelector::parse(selector).expect(selector);
            assert_eq!(parsed.matches(&object), expected, "{selector}");
        }
        assert_eq!(
            FieldSelector::parse("spec.x=1"),
            Err("field label not supported: spec.x".to_string())
        );
        assert!(FieldSelector::parse("metadata.name").is_err());
    }
}
