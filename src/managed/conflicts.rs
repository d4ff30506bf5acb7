//! Conflicts: fields an apply changes that other managers own, refused with
//! a 409 unless the apply is forced, and then taken from those managers.

use super::entries::{Identity, Managers};
use super::object::strip;
use crate::error::{Error, StatusCause, StatusDetails, cause};
use crate::fieldpath::Set;

/// Settle the fields `touched` by `id`'s apply that other managers own: a
/// 409 naming them all unless `force`, else those managers lose them.
pub(super) fn resolve(
    managers: &mut Managers,
    id: &Identity,
    touched: &Set,
    force: bool,
) -> Result<(), Error> {
    let conflicts = find(managers, id, touched);
    if conflicts.is_empty() {
        return Ok(());
    }
    if !force {
        return Err(conflict_error(conflicts));
    }
    for (other, hit) in &conflicts {
        if let Some(entry) = managers.0.get_mut(other) {
            entry.fields.give_up(hit);
        }
    }
    Ok(())
}

/// Each other manager's share of `touched` (system fields aside), if any.
fn find(managers: &mut Managers, id: &Identity, touched: &Set) -> Vec<(Identity, Set)> {
    let mut conflicts = Vec::new();
    for (other, entry) in &mut managers.0 {
        if other == id {
            continue;
        }
        let mut hit = entry.fields.common(touched);
        strip(&mut hit);
        if !hit.is_empty() {
            conflicts.push((other.clone(), hit));
        }
    }
    conflicts
}

/// The 409 upstream returns: one cause per conflicting field, the message
/// naming the single conflict or listing them by manager.
fn conflict_error(mut conflicts: Vec<(Identity, Set)>) -> Error {
    conflicts.sort_by_key(|(id, _)| id.identifier());
    let mut causes = Vec::new();
    let mut lines = Vec::new();
    let mut count = 0;
    for (id, set) in &conflicts {
        let who = id.describe();
        lines.push(format!("conflicts with {who}:"));
        for path in set.paths() {
            count += 1;
            let rendered = path.to_string();
            lines.push(format!("- {rendered}"));
            causes.push(StatusCause {
                reason: cause::FIELD_MANAGER_CONFLICT.to_string(),
                message: format!("conflict with {who}"),
                field: rendered,
            });
        }
    }
    let message = if count == 1 {
        // One conflicting path was counted, so there is exactly one cause.
        format!(
            "Apply failed with 1 conflict: {}: {}",
            causes[0].message, causes[0].field
        )
    } else {
        format!("Apply failed with {count} conflicts: {}", lines.join("\n"))
    };
    Error::Conflict {
        message,
        details: StatusDetails {
            causes,
            ..StatusDetails::default()
        },
    }
}
