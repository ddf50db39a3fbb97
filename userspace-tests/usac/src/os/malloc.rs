//! glibc malloc tuning (mallopt has no safe wrapper in nix).

/// Keeps malloc from giving freed heap back to the kernel and from serving allocations below
/// `mmap_threshold` bytes with mappings of their own, so that a process's VmSize and VmRSS hold
/// still once its heap has grown. `false` if glibc refused.
pub fn keep_heap(mmap_threshold: usize) -> bool {
    let Ok(threshold) = libc::c_int::try_from(mmap_threshold) else {
        return false;
    };
    // SAFETY: mallopt only changes malloc's tuning.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX) == 1
            && libc::mallopt(libc::M_MMAP_THRESHOLD, threshold) == 1
    }
}
