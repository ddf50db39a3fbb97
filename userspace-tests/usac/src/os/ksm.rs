//! KSM's per-process switch: prctl(PR_SET_MEMORY_MERGE) (madvise's MADV_MERGEABLE is
//! [`crate::os::Mapping::advise`]).

use nix::errno::Errno;

/// `prctl(PR_SET_MEMORY_MERGE, on)`: makes every present and future mapping of this process that
/// KSM can merge mergeable (`true`), or unmerges and stops (`false`).
pub fn set_memory_merge(on: bool) -> nix::Result<()> {
    // SAFETY: PR_SET_MEMORY_MERGE takes integers only.
    let r = unsafe { libc::prctl(libc::PR_SET_MEMORY_MERGE, on as libc::c_ulong, 0, 0, 0) };
    Errno::result(r).map(drop)
}
