//! NUMA page placement, as far as the tests need it: move_pages(2), mbind(2), migrate_pages(2)
//! on the caller's memory.

use nix::errno::Errno;

/// One bit per node, as the node-mask arguments take it (nodes 0 to 63).
fn mask(nodes: &[u32]) -> u64 {
    nodes.iter().fold(0, |m, &n| m | 1 << n)
}

/// include/uapi/linux/mempolicy.h (not in the libc crate).
const MPOL_MF_STRICT: libc::c_int = 1 << 0;
const MPOL_MF_MOVE: libc::c_int = 1 << 1;

/// Bits in the masks passed: the kernel reads `maxnode - 1` bits.
const MAXNODE: libc::c_ulong = 64 + 1;

/// `move_pages(0, ...)`: moves the pages of this process at `addrs` to `node` (`Some`) or, with
/// `None`, only queries where they are. Returns each page's status: its node, or a negative errno
/// (`-ENOENT`: not present, `-EFAULT`: the zero page or no mapping, ...).
pub fn move_pages(addrs: &[usize], node: Option<u32>) -> nix::Result<Vec<i32>> {
    let pages: Vec<*const libc::c_void> = addrs.iter().map(|&a| a as *const _).collect();
    let nodes: Vec<libc::c_int> = vec![node.unwrap_or(0) as libc::c_int; addrs.len()];
    let mut status = vec![0 as libc::c_int; addrs.len()];
    let nodes_ptr = match node {
        Some(_) => nodes.as_ptr(),
        None => std::ptr::null(),
    };
    // SAFETY: `pages`, `nodes` and `status` hold `addrs.len()` entries each and live across the
    // call; the kernel only reads the first two and writes `status`.
    let r = unsafe {
        libc::syscall(
            libc::SYS_move_pages,
            0,
            addrs.len() as libc::c_ulong,
            pages.as_ptr(),
            nodes_ptr,
            status.as_mut_ptr(),
            MPOL_MF_MOVE,
        )
    };
    Errno::result(r)?;
    Ok(status)
}

/// `mbind(addr, len, MPOL_BIND, {node}, MPOL_MF_MOVE | MPOL_MF_STRICT)`: binds the range to
/// `node` and moves its pages there.
pub fn mbind_move(addr: usize, len: usize, node: u32) -> nix::Result<()> {
    let m = mask(&[node]);
    // SAFETY: the kernel reads `MAXNODE - 1` bits of `m`, which lives across the call; the range
    // is only looked up, never dereferenced by us.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mbind,
            addr,
            len,
            libc::MPOL_BIND,
            &m as *const u64,
            MAXNODE,
            MPOL_MF_MOVE | MPOL_MF_STRICT,
        )
    };
    Errno::result(r).map(drop)
}

/// `migrate_pages(0, {from}, {to})`: moves this process's pages on node `from` to node `to`.
/// Returns the number of pages that could not be moved.
pub fn migrate_pages(from: u32, to: u32) -> nix::Result<i64> {
    let (old, new) = (mask(&[from]), mask(&[to]));
    // SAFETY: the kernel reads `MAXNODE - 1` bits of each mask, both live across the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_migrate_pages,
            0,
            MAXNODE,
            &old as *const u64,
            &new as *const u64,
        )
    };
    Errno::result(r)
}
