// SPDX-License-Identifier: GPL-2.0

//! Sorting in a kernel stack: an in-place heapsort, as lib/sort.c's `sort()`.
//!
//! `core`'s slice sorts recurse, up to 2 * log2(n) levels, and keep a scratch array on the stack
//! in each level: with the global reading's records that is 7 KiB per level in Debian's
//! configuration, which overflowed the 16 KiB kernel stack of a caller with 1000 processes whose
//! address spaces lie in random order (`SLAB_FREELIST_RANDOM`). A heapsort
//! makes O(n log n) comparisons with no recursion and a frame of a few words.

/// Sorts `v` by `key`, in place, not stably.
pub(crate) fn heapsort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    // Values of a zero-sized type are all alike: nothing to order.
    if core::mem::size_of::<T>() == 0 {
        return;
    }
    let n = v.len();
    // Make `v` a max-heap, then move its largest element to the end of the heap and shrink it.
    for root in (0..n / 2).rev() {
        sift_down(v, root, n, &key);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, &key);
    }
}

/// Moves `v[root]` down the heap `v[..end]` until no child of it is larger.
fn sift_down<T, K: Ord>(v: &mut [T], mut root: usize, end: usize, key: &impl Fn(&T) -> K) {
    // `root < end <= v.len() <= isize::MAX`, so `2 * root + 2` cannot overflow; `checked_*`
    // keeps that out of the reader's hands.
    while let Some(mut child) = root.checked_mul(2).and_then(|c| c.checked_add(1)) {
        if child >= end {
            return;
        }
        if child + 1 < end && key(&v[child]) < key(&v[child + 1]) {
            child += 1;
        }
        if key(&v[root]) >= key(&v[child]) {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}
