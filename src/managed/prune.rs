//! Pruning: what an applier stopped applying leaves the object, unless
//! someone else owns it (upstream's three prune passes).

use serde_json::Value;

use super::entries::{Identity, Managers};
use super::typed::Typed;
use crate::fieldpath::Set;
use crate::schema::NodeId;

/// Remove from `merged` (`None`: the stored object `base` as it is) what
/// `id` applied last time, no longer applies (`applied` is this apply's set)
/// and nobody else owns; also say whether anything could have been removed.
/// The first apply of a manager prunes nothing, nor does one that applies
/// all it applied last time (the usual re-apply): only then are the other
/// managers' fields needed as sets.
pub(super) fn prune(
    typed: &Typed<'_>,
    merged: Option<Value>,
    base: &Value,
    managers: &mut Managers,
    id: &Identity,
    applied: &Set,
    root: NodeId,
) -> (Option<Value>, bool) {
    let Some(entry) = managers.0.get_mut(id) else {
        return (merged, false);
    };
    let last = entry.fields.set();
    if last.is_empty() || last.difference(applied).is_empty() {
        return (merged, false);
    }
    // Copied only now that pruning runs: the other entries' sets are read
    // (decoded) below while it is held.
    let last = last.clone();
    let mut all_sets = applied.clone();
    for (other, entry) in managers.0.iter_mut() {
        if other != id {
            all_sets.union_with(entry.fields.set());
        }
    }
    let merged = merged.unwrap_or_else(|| base.clone());
    (
        Some(three_passes(typed, merged, &last, &all_sets, root)),
        true,
    )
}

/// The three passes: remove the last applied set (with its named
/// ancestors); remove what no manager (nor the first pass's survivor) holds;
/// remove what both took away and the last applied set holds.
fn three_passes(
    typed: &Typed<'_>,
    merged: Value,
    last: &Set,
    all_sets: &Set,
    root: NodeId,
) -> Value {
    let named_last = typed.with_named_ancestors(last, root);
    let mut p1 = merged.clone();
    typed.remove(&mut p1, &named_last, root);
    let fields_merged = typed.live_field_set(&merged, root);
    let fields_p1 = typed.live_field_set(&p1, root);
    let keep = fields_p1.union(&typed.with_named_ancestors(all_sets, root));
    let mut p2 = merged.clone();
    typed.remove(&mut p2, &fields_merged.difference(&keep), root);
    let fields_p2 = typed.live_field_set(&p2, root);
    let doomed = fields_merged
        .difference(&fields_p2)
        .intersection(&named_last);
    let mut result = merged;
    typed.remove(&mut result, &doomed, root);
    result
}
