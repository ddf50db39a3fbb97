//! kernel/usac/sort.rs, the kernel's heapsort, built and run on the host: it must order every
//! input as std's sort does. (It uses nothing of the kernel crate.)

#[path = "../../../kernel/usac/sort.rs"]
mod sort;

use sort::heapsort_by_key;

/// xorshift64: a reproducible sequence of inputs.
fn numbers(seed: u64, n: usize, modulo: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % modulo
        })
        .collect()
}

#[test]
fn sorts_like_std() {
    for n in [0, 1, 2, 3, 4, 5, 7, 8, 31, 64, 100, 1000, 10_000] {
        for (seed, modulo) in [(1, u64::MAX), (7, 3), (99, 1), (12345, 1000)] {
            let mut v: Vec<(u64, usize)> = numbers(seed, n, modulo)
                .into_iter()
                .enumerate()
                .map(|(i, k)| (k, i))
                .collect();
            let mut want: Vec<u64> = v.iter().map(|e| e.0).collect();
            want.sort_unstable();
            heapsort_by_key(&mut v, |e| e.0);
            let got: Vec<u64> = v.iter().map(|e| e.0).collect();
            assert_eq!(got, want, "n {n}, seed {seed}, modulo {modulo}");
            // A permutation: every element is still there once.
            let mut ids: Vec<usize> = v.iter().map(|e| e.1).collect();
            ids.sort_unstable();
            assert!(
                ids.iter().copied().eq(0..n),
                "n {n}: elements lost or doubled"
            );
        }
    }
    let mut sorted: Vec<u32> = (0..500).collect();
    heapsort_by_key(&mut sorted, |&k| k);
    assert!(sorted.iter().copied().eq(0..500));
    let mut reversed: Vec<u32> = (0..500).rev().collect();
    heapsort_by_key(&mut reversed, |&k| k);
    assert!(reversed.iter().copied().eq(0..500));
    let mut units = vec![(); 1000];
    heapsort_by_key(&mut units, |_| 0);
}
