//! Pruning: what an applier stopped applying leaves the object, unless
//! someone else owns it (upstream's three prune passes).

use serde_json::Value;

use super::entries::{Identity, Managers};
use super::typed::Typed;
use crate::fieldpath::Set;
use crate::schema::NodeId;

/// Remove from `merged` what `id` applied last time (`last`), no longer
/// applies (`applied` is this apply's set) and nobody else owns. The caller
/// prunes only when `last` holds something `applied` does not: a manager's
/// first apply, and one that applies all it applied last time (the usual
/// re-apply), prune nothing, and only for pruning are the other managers'
/// fields needed as sets.
pub(super) fn prune(
    typed: &Typed<'_>,
    merged: Value,
    managers: &mut Managers,
    id: &Identity,
    last: &Set,
    applied: &Set,
    root: NodeId,
) -> Value {
    let mut all_sets = applied.clone();
    for (other, entry) in managers.0.iter_mut() {
        if other != id {
            all_sets.union_with(entry.fields.set());
        }
    }
    three_passes(typed, merged, last, &all_sets, root)
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
