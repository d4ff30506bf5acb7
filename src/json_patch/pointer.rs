//! JSON Pointer tokens as kube-apiserver's patch library (evanphx v4)
//! reads them: `~` escapes (an invalid one is literal), array indices read
//! like Go's `strconv.Atoi`, negative indices counting from the end, and the
//! container operations a patch step performs at one token.

use serde_json::Value;

use crate::go::atoi;

/// Decode one reference token: `~1` → `/`, `~0` → `~`, in one left-to-right
/// pass; other `~` sequences stay as they are.
pub(super) fn unescape(token: &str) -> String {
    if !token.contains('~') {
        return token.to_string();
    }
    let mut out = String::with_capacity(token.len());
    let mut rest = token;
    while let Some(i) = rest.find('~') {
        out.push_str(&rest[..i]);
        match rest.as_bytes().get(i + 1) {
            Some(b'1') => {
                out.push('/');
                rest = &rest[i + 2..];
            }
            Some(b'0') => {
                out.push('~');
                rest = &rest[i + 2..];
            }
            _ => {
                out.push('~');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn invalid_index(i: i64) -> String {
    format!("Unable to access invalid index: {i}: invalid index referenced")
}

/// Resolve an index into an array of `len` elements for get/set/remove.
pub(super) fn index_for_get(len: usize, token: &str) -> Result<usize, String> {
    let raw = atoi(token)?;
    let len = len as i64;
    let i = if raw < 0 {
        if raw < -len {
            return Err(invalid_index(raw));
        }
        raw + len
    } else {
        raw
    };
    if i >= len {
        return Err(invalid_index(i));
    }
    Ok(i as usize)
}

/// The value under `key`: `Ok(None)` for a missing or `null` member or element.
pub(super) fn lookup<'v>(con: &'v Value, key: &str) -> Result<Option<&'v Value>, String> {
    match con {
        Value::Object(map) => Ok(map.get(key).filter(|v| !v.is_null())),
        Value::Array(items) => {
            let i = index_for_get(items.len(), key)?;
            Ok(Some(&items[i]).filter(|v| !v.is_null()))
        }
        _ => Err("not a container".to_string()),
    }
}

pub(super) fn insert(con: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match con {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            if key == "-" {
                items.push(value);
                return Ok(());
            }
            let raw = atoi(key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let size = items.len() as i64 + 1;
            if raw >= size {
                return Err(invalid_index(raw));
            }
            let i = if raw < 0 {
                if raw < -size {
                    return Err(invalid_index(raw));
                }
                raw + size
            } else {
                raw
            };
            items.insert(i as usize, value);
            Ok(())
        }
        _ => Err("not a container".to_string()),
    }
}

pub(super) fn set(con: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match con {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            let i = index_for_get(items.len(), key)?;
            items[i] = value;
            Ok(())
        }
        _ => Err("not a container".to_string()),
    }
}

pub(super) fn take(con: &mut Value, key: &str) -> Result<Value, String> {
    match con {
        Value::Object(map) => map
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: missing value")),
        Value::Array(items) => {
            let i = index_for_get(items.len(), key)?;
            Ok(items.remove(i))
        }
        _ => Err("not a container".to_string()),
    }
}
