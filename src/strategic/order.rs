//! The order of merged lists.
//!
//! A merged list is split into items the patch (or `$setElementOrder`) names
//! and the others. The named ones follow the order list, the others the
//! server's order, and the two are interleaved: a server item comes out first
//! only when both it and the next named item are in the server order and it
//! precedes it there. So new items land *before* server items not yet emitted.

use foldhash::{HashMap, HashMapExt};

use super::ident::Ident;

/// First index of each identity in `list`.
pub(crate) fn first_index(list: &[Ident]) -> HashMap<&Ident, usize> {
    let mut map = HashMap::with_capacity(list.len());
    for (i, id) in list.iter().enumerate() {
        map.entry(id).or_insert(i);
    }
    map
}

/// Reorder `items` (whose identities are `idents`): those named in `order`
/// first-index-sorted by it, the rest by `server`, then interleaved.
pub(crate) fn arrange<T>(
    items: Vec<T>,
    idents: &[Ident],
    order: &[Ident],
    server: &[Ident],
) -> Vec<T> {
    let in_order = first_index(order);
    let in_server = first_index(server);
    let (mut named, mut rest): (Vec<usize>, Vec<usize>) =
        (0..items.len()).partition(|&i| in_order.contains_key(&idents[i]));
    sort_by_index(&mut named, idents, &in_order);
    sort_by_index(&mut rest, idents, &in_server);

    let mut sequence = Vec::with_capacity(items.len());
    let (mut l, mut r) = (0, 0);
    while l < rest.len() && r < named.len() {
        let server_first = match (
            in_server.get(&idents[rest[l]]),
            in_server.get(&idents[named[r]]),
        ) {
            (Some(a), Some(b)) => a < b,
            _ => false,
        };
        if server_first {
            sequence.push(rest[l]);
            l += 1;
        } else {
            sequence.push(named[r]);
            r += 1;
        }
    }
    sequence.extend_from_slice(&rest[l..]);
    sequence.extend_from_slice(&named[r..]);

    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    sequence
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect()
}

/// Stable sort of positions by the first index of their identity. Where some
/// identity is missing from the index, upstream's comparator
/// (`both found ? a < b : true`) is not a strict order and the result is what
/// Go's `sort.SliceStable` makes of it, so that algorithm runs instead.
fn sort_by_index(positions: &mut [usize], idents: &[Ident], index: &HashMap<&Ident, usize>) {
    let key = |p: &usize| index.get(&idents[*p]).copied();
    if positions.iter().all(|p| key(p).is_some()) {
        positions.sort_by_key(|p| key(p));
        return;
    }
    go_stable_sort(positions, |a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => x < y,
        _ => true,
    });
}

/// Go's `sort.SliceStable`: insertion sort on blocks of 20, then SymMerge
/// (Kim & Kutzner) of ever larger blocks. Identical to any stable sort for a
/// strict weak order; reproduced for the comparators that are not.
pub(crate) fn go_stable_sort<T>(data: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let n = data.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(data, a, b, &less);
        a = b;
        b += block;
    }
    insertion_sort(data, a, n, &less);
    while block < n {
        let (mut a, mut b) = (0, 2 * block);
        while b <= n {
            sym_merge(data, a, a + block, b, &less);
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(data, a, m, n, &less);
        }
        block *= 2;
    }
}

fn insertion_sort<T>(data: &mut [T], a: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(&data[j], &data[j - 1]) {
            data.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn sym_merge<T>(data: &mut [T], a: usize, m: usize, b: usize, less: &impl Fn(&T, &T) -> bool) {
    if m - a == 1 {
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(&data[h], &data[a]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        for k in a..i.saturating_sub(1) {
            data.swap(k, k + 1);
        }
        return;
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(&data[m], &data[h]) {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = m;
        while k > i {
            data.swap(k, k - 1);
            k -= 1;
        }
        return;
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(&data[p - c], &data[c]) {
            start = c + 1;
        } else {
            r = c;
        }
    }
    let end = n - start;
    if start < m && m < end {
        data[start..end].rotate_left(m - start);
    }
    if a < start && start < mid {
        sym_merge(data, a, start, mid, less);
    }
    if mid < end && end < b {
        sym_merge(data, mid, end, b, less);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[i64]) -> Vec<Ident> {
        v.iter().map(|i| Ident::Int(*i)).collect()
    }

    #[test]
    fn new_items_go_first() {
        let merged = vec![1, 2, 3];
        let out = arrange(merged, &ids(&[1, 2, 3]), &ids(&[3]), &ids(&[1, 2]));
        assert_eq!(out, vec![3, 1, 2]);
        // S = [5,1,4], P = [4,9,5], merged = [5,1,4,9] → [1,4,9,5]
        let out = arrange(
            vec![5, 1, 4, 9],
            &ids(&[5, 1, 4, 9]),
            &ids(&[4, 9, 5]),
            &ids(&[5, 1, 4]),
        );
        assert_eq!(out, vec![1, 4, 9, 5]);
    }

    #[test]
    fn go_stable_sort_is_stable_for_strict_orders() {
        let mut v: Vec<(u32, u32)> = (0..200).map(|i| ((i * 7919) % 13, i)).collect();
        let mut expected = v.clone();
        expected.sort_by_key(|x| x.0);
        go_stable_sort(&mut v, |a, b| a.0 < b.0);
        assert_eq!(v, expected);
    }
}
