//! Preparing memory for the tests: dirty recycled pages, a process whose own memory holds
//! still, and this process's usac counters.

use std::io;
use usac::os::{malloc, Mapping};

const PAGE: usize = 4096;

/// Fills 128 MiB of fresh memory with 0xa5, gives it back and drops the caches, so that the page
/// allocator, which hands out recently freed pages first, next gives pages that show the pattern
/// unless they are zeroed. Tests that check that first reads or writes see zeros call this first:
/// otherwise an unzeroed page could read zero by chance.
pub fn recycle_dirty_memory() -> io::Result<()> {
    const LEN: usize = 128 << 20;
    let mut dirty = Mapping::anon(LEN)?;
    dirty.fill(0, LEN, 0xa5);
    drop(dirty);
    std::fs::write("/proc/sys/vm/drop_caches", "3")
}

/// Where `ramfs_file` mounts its ramfs.
const RAMFS: &str = "/run/usac-ramfs";

/// A file of `len` bytes, each page written, on a ramfs (mounted at `/run/usac-ramfs` on first
/// use): a real filesystem's page cache, not shmem like the VM's root (tmpfs) or a memfd, so a
/// process that maps it has `RssFile` (MM_FILEPAGES) the statistics must count.
pub fn ramfs_file(name: &str, len: usize) -> io::Result<std::fs::File> {
    let mounted = std::fs::read_to_string("/proc/self/mounts")?
        .lines()
        .any(|l| l.split(' ').nth(1) == Some(RAMFS));
    if !mounted {
        std::fs::create_dir_all(RAMFS)?;
        nix::mount::mount(
            Some("ramfs"),
            RAMFS,
            Some("ramfs"),
            nix::mount::MsFlags::empty(),
            None::<&str>,
        )?;
    }
    let path = format!("{RAMFS}/{name}");
    std::fs::write(&path, vec![0x5a; len])?;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
}

/// Makes this process's VmSize and VmRSS hold still while it works, so that another process
/// (memstat) can read them and the test can compare the reading with its own later: grows the
/// heap by `HEAP` once and touches it, keeps malloc from giving it back or from mapping
/// allocations of its own, and touches 512 KiB of stack. Afterwards allocations (below `HEAP`
/// in all) reuse touched pages. Idempotent.
pub fn hold_memory_still() -> io::Result<()> {
    const HEAP: usize = 8 << 20;
    static DONE: std::sync::Once = std::sync::Once::new();
    let mut result = Ok(());
    DONE.call_once(|| {
        if !malloc::keep_heap(HEAP) {
            result = Err(io::Error::other("mallopt failed"));
            return;
        }
        // Small blocks come from the heap (the brk area), which then keeps them touched.
        let blocks: Vec<Vec<u8>> = (0..HEAP / PAGE).map(|_| vec![1u8; PAGE]).collect();
        drop(blocks);
        touch_stack();
    });
    result
}

/// Touches 512 KiB of stack below this frame.
#[inline(never)]
fn touch_stack() {
    let mut stack = [0u8; 512 << 10];
    for o in (0..stack.len()).step_by(PAGE) {
        stack[o] = 1;
    }
    std::hint::black_box(&mut stack);
}

/// This process's `lazy_zeroed_pages`, from `zamora_mem_stats_process`.
pub fn own_lazy_zeroed() -> usac::Result<u64> {
    usac::mem_stats_process(std::process::id() as i32).map(|s| s.lazy_zeroed_pages)
}

/// Whether the page allocator zeroes every page it hands out (init_on_alloc=1), so that the shim
/// does not clear: the kernel says so at boot ("mem auto-init: stack:... heap alloc:on").
pub fn allocator_zeroes() -> io::Result<bool> {
    let log = crate::dmesg()?;
    let line = log
        .lines()
        .find(|l| l.contains("mem auto-init: stack:"))
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "no 'mem auto-init:' line in dmesg")
        })?;
    Ok(line.contains("heap alloc:on"))
}
