//! Which rules the two JSON strategies follow.

/// Kubernetes behaviour, or the letter of the RFCs.
///
/// ```
/// use kubepatch::Mode;
/// assert_eq!(Mode::default(), Mode::Kubernetes);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// What kube-apiserver does (its JSON patch library's v4 line): negative
    /// and lenient array indices, `replace` of a missing member adds it,
    /// merge patches prune nulls inside new values, and so on. README lists
    /// every departure from the RFCs.
    #[default]
    Kubernetes,
    /// RFC 6902 and RFC 7396 to the letter (the json-patch crate), with
    /// numeric equality in `test`.
    Rfc,
}
