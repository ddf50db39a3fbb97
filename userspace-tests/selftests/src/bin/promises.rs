//! The promises of zamora_tamalloc (include/uapi/linux/usac_mem.h) against the other syscalls that
//! could break them: MADV_DOFORK (fork inheritance), MADV_HUGEPAGE/MADV_COLLAPSE and THP settings
//! (pages committed behind the shim), threads racing on first writes (lazy_zeroed_pages exact),
//! userfaultfd (first touch taken by a handler), mlockall(MCL_FUTURE) (VM_LOCKED mappings), and
//! recycled dirty memory (zero-fill with and without init_on_alloc).

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use nix::errno::Errno;
use nix::sys::mman::{mlockall, MlockAllFlags};
use std::process::ExitCode;
use std::sync::Barrier;
use usac::os::uffd::{self, Userfaultfd};
use usac::os::{in_child, Exit, Mapping, Signal};
use usac::Tamalloc;
use usac_selftests::memory::{self, own_lazy_zeroed, recycle_dirty_memory};
use usac_selftests::procfs::{own_vma_at, own_vma_containing, Vma};
use usac_selftests::settings::thp_always;

const PAGE: usize = 4096;
const HUGE: usize = 2 << 20;

fn vma_at(addr: usize) -> Result<Vma, NotPassed> {
    own_vma_containing(addr).map_err(fail)
}

/// This process's `lazy_zeroed_pages`.
fn lazy_zeroed() -> Result<u64, String> {
    own_lazy_zeroed().map_err(|e| format!("zamora_mem_stats_process: {e}"))
}

fn madv_dofork_is_refused_and_fork_never_inherits() -> TestResult {
    let mut m = Tamalloc::new(4 * PAGE).map_err(fail)?;
    m.as_mut_slice().fill(0x5a);
    let addr = m.addr();
    ensure_eq!(
        m.advise(0, 4 * PAGE, libc::MADV_DOFORK),
        Err(Errno::EINVAL),
        "MADV_DOFORK on a tamalloc mapping"
    );
    ensure_eq!(
        m.advise(PAGE, PAGE, libc::MADV_DOFORK),
        Err(Errno::EINVAL),
        "MADV_DOFORK on one page of it"
    );
    let vma = vma_at(addr)?;
    ensure!(
        vma.start == addr && vma.end == addr + 4 * PAGE && vma.has_flag("dc"),
        "mapping changed: {vma:?}"
    );
    // The same advice works on ordinary memory: the refusal is tamalloc's.
    let mut anon = Mapping::anon(4 * PAGE).map_err(fail)?;
    ensure_eq!(
        anon.advise(0, 4 * PAGE, libc::MADV_DONTFORK),
        Ok(()),
        "MADV_DONTFORK on mmap memory"
    );
    ensure_eq!(
        anon.advise(0, 4 * PAGE, libc::MADV_DOFORK),
        Ok(()),
        "MADV_DOFORK on mmap memory"
    );
    let read = in_child(|| m.read_byte(PAGE) as i32).map_err(fail)?;
    ensure_eq!(read, Exit::Signal(Signal::SIGSEGV), "fork child reading");
    let write = in_child(|| {
        m.write_byte(0, 1);
        0
    })
    .map_err(fail)?;
    ensure_eq!(write, Exit::Signal(Signal::SIGSEGV), "fork child writing");
    ensure!(
        m.as_slice().iter().all(|&b| b == 0x5a),
        "parent's data changed"
    );
    Ok(())
}

fn thp_is_never_used_and_every_page_goes_through_the_shim() -> TestResult {
    let _thp = thp_always()?;
    let len = 4 * HUGE;
    let pages = (len / PAGE) as u64;

    // Control: with these settings ordinary memory does get huge pages.
    let mut anon = Mapping::anon(len).map_err(fail)?;
    ensure_eq!(
        anon.advise(0, len, libc::MADV_HUGEPAGE),
        Ok(()),
        "MADV_HUGEPAGE on mmap memory"
    );
    for p in 0..len / PAGE {
        anon.write_byte(p * PAGE, 1);
    }
    ensure!(
        vma_at(anon.addr())?.anon_huge_kb > 0,
        "control: mmap memory got no huge page with THP at \"always\""
    );
    drop(anon);

    recycle_dirty_memory().map_err(fail)?;
    let mut m = Tamalloc::new(len).map_err(fail)?;
    let addr = m.addr();
    ensure_eq!(
        m.advise(0, len, libc::MADV_HUGEPAGE),
        Ok(()),
        "MADV_HUGEPAGE on tamalloc memory (accepted, without effect)"
    );
    let before = lazy_zeroed().map_err(fail)?;
    for p in 0..len / PAGE {
        m.write_byte(p * PAGE + p % PAGE, 0xc3);
    }
    let vma = vma_at(addr)?;
    ensure_eq!(
        (lazy_zeroed().map_err(fail)? - before, vma.anon_huge_kb),
        (pages, 0),
        "(lazy_zeroed_pages growth, AnonHugePages kB) after writing {pages} pages"
    );
    ensure!(
        vma.has_flag("nh") && !vma.has_flag("hg"),
        "VmFlags after MADV_HUGEPAGE: {:?}",
        vma.flags
    );
    ensure_eq!(
        m.advise(0, len, libc::MADV_COLLAPSE),
        Err(Errno::EINVAL),
        "MADV_COLLAPSE on tamalloc memory"
    );
    let vma = vma_at(addr)?;
    ensure_eq!(vma.anon_huge_kb, 0, "AnonHugePages of the tamalloc mapping");
    ensure_eq!(vma.rss_kb, pages * 4, "Rss of the tamalloc mapping");
    for p in 0..len / PAGE {
        let page = &m.as_slice()[p * PAGE..(p + 1) * PAGE];
        let written = p % PAGE;
        ensure!(
            page.iter()
                .enumerate()
                .all(|(o, &b)| b == if o == written { 0xc3 } else { 0 }),
            "page {p} is not zero around the written byte"
        );
    }
    Ok(())
}

/// After any madvise advice, writing every page of a fresh mapping commits exactly the pages
/// that lazy_zeroed_pages counts, with no huge page.
fn after_any_madvise_first_writes_are_counted_exactly() -> TestResult {
    let _thp = thp_always()?;
    let pages = 1024; // 4 MiB: room for an aligned 2 MiB range
                      // Anonymous read-ahead is swap-in: EBADF without CONFIG_SWAP (tinyconfig, no /proc/swaps),
                      // nothing to read for pages never swapped out with it (the distribution kernel).
    let willneed = match std::path::Path::new("/proc/swaps").exists() {
        true => Ok(()),
        false => Err(Errno::EBADF),
    };
    let advice = [
        ("MADV_NORMAL", libc::MADV_NORMAL, Ok(())),
        ("MADV_RANDOM", libc::MADV_RANDOM, Ok(())),
        ("MADV_SEQUENTIAL", libc::MADV_SEQUENTIAL, Ok(())),
        ("MADV_WILLNEED", libc::MADV_WILLNEED, willneed),
        ("MADV_DONTNEED", libc::MADV_DONTNEED, Ok(())),
        ("MADV_FREE", libc::MADV_FREE, Ok(())),
        ("MADV_HUGEPAGE", libc::MADV_HUGEPAGE, Ok(())),
        ("MADV_NOHUGEPAGE", libc::MADV_NOHUGEPAGE, Ok(())),
        ("MADV_DONTDUMP", libc::MADV_DONTDUMP, Ok(())),
        ("MADV_DODUMP", libc::MADV_DODUMP, Ok(())),
        ("MADV_WIPEONFORK", libc::MADV_WIPEONFORK, Ok(())),
        ("MADV_KEEPONFORK", libc::MADV_KEEPONFORK, Ok(())),
        ("MADV_DOFORK", libc::MADV_DOFORK, Err(Errno::EINVAL)),
        ("MADV_COLD", libc::MADV_COLD, Ok(())),
        ("MADV_PAGEOUT", libc::MADV_PAGEOUT, Ok(())),
        ("MADV_POPULATE_READ", libc::MADV_POPULATE_READ, Ok(())),
        ("MADV_POPULATE_WRITE", libc::MADV_POPULATE_WRITE, Ok(())),
        ("MADV_COLLAPSE", libc::MADV_COLLAPSE, Err(Errno::EINVAL)),
    ];
    // Refused on tamalloc memory only: MADV_DOFORK (fork inheritance), MADV_COLLAPSE (huge
    // pages).
    for (name, advice, want) in advice {
        let mut m = Tamalloc::new(pages * PAGE).map_err(fail)?;
        let addr = m.addr();
        let before = lazy_zeroed().map_err(fail)?;
        // Whatever the advice did, the pages must still be committed only through the shim.
        let result = m.advise(0, pages * PAGE, advice);
        ensure_eq!(result, want, "{name} on a fresh tamalloc mapping");
        for p in 0..pages {
            m.write_byte(p * PAGE + p % PAGE, 0x77);
        }
        let vma = vma_at(addr)?;
        ensure_eq!(
            (
                lazy_zeroed().map_err(fail)? - before,
                vma.rss_kb,
                vma.anon_huge_kb
            ),
            (pages as u64, (pages * 4) as u64, 0),
            "(lazy_zeroed_pages growth, Rss kB, AnonHugePages kB) after {name} and writing \
             {pages} pages"
        );
    }
    Ok(())
}

fn racing_first_writes_are_counted_once() -> TestResult {
    const THREADS: usize = 4;
    const PAGES: usize = 4096;
    let mut total = 0;
    recycle_dirty_memory().map_err(fail)?;
    for round in 0..8 {
        let mut m = Tamalloc::new(PAGES * PAGE).map_err(fail)?;
        let addr = m.addr();
        // Odd rounds read every page first, so that the writes race in wp_page_copy() on the
        // zero page; even rounds race in do_anonymous_page() on empty PTEs.
        let read_first = round % 2 == 1;
        if read_first {
            for p in 0..PAGES {
                m.read_byte(p * PAGE);
            }
        }
        let before = lazy_zeroed().map_err(fail)?;
        let start = Barrier::new(THREADS);
        let shared = &*m;
        std::thread::scope(|s| {
            let writers: Vec<_> = (0..THREADS)
                .map(|t| {
                    let start = &start;
                    // Every thread writes its own byte of every page, in the same order, so
                    // that they keep faulting on the same fresh pages at the same time.
                    s.spawn(move || {
                        start.wait();
                        for p in 0..PAGES {
                            shared.write_byte(p * PAGE + t, t as u8 + 1);
                        }
                    })
                })
                .collect();
            writers
                .into_iter()
                .try_for_each(|w| w.join().map_err(|_| fail("a writer panicked")))
        })?;
        let grown = lazy_zeroed().map_err(fail)? - before;
        ensure_eq!(
            grown,
            PAGES as u64,
            "round {round} ({}): lazy_zeroed_pages growth after {THREADS} threads wrote {PAGES} \
             fresh pages",
            if read_first { "read first" } else { "empty" }
        );
        ensure_eq!(
            vma_at(addr)?.rss_kb,
            (PAGES * 4) as u64,
            "round {round}: Rss"
        );
        for p in 0..PAGES {
            let page = &m.as_slice()[p * PAGE..(p + 1) * PAGE];
            ensure!(
                page.iter()
                    .enumerate()
                    .all(|(o, &b)| b == if o < THREADS { o as u8 + 1 } else { 0 }),
                "round {round}: page {p} lost a write or is not zero: {:?}",
                &page[..THREADS + 1]
            );
        }
        total += grown;
    }
    println!("# 8 rounds of {THREADS} racing threads: {total} pages, each counted once");
    Ok(())
}

fn userfaultfd_cannot_take_a_tamalloc_range() -> TestResult {
    let uffd = Userfaultfd::new().map_err(|e| {
        fail(format!(
            "userfaultfd: {e} (the kernel must have CONFIG_USERFAULTFD)"
        ))
    })?;
    let pages = 16;
    let m = Tamalloc::new(pages * PAGE).map_err(fail)?;
    let addr = m.addr();
    for (mode, name) in [(uffd::MODE_MISSING, "MISSING"), (uffd::MODE_WP, "WP")] {
        ensure_eq!(
            uffd.register(addr, pages * PAGE, mode),
            Err(Errno::EINVAL),
            "UFFDIO_REGISTER {name} on a tamalloc mapping"
        );
    }
    let vma = vma_at(addr)?;
    ensure!(
        !vma.has_flag("um") && !vma.has_flag("uw") && vma.has_flag("tm"),
        "mapping changed: {:?}",
        vma.flags
    );
    // Control: the same registration works on ordinary memory.
    let anon = Mapping::anon(pages * PAGE).map_err(fail)?;
    ensure_eq!(
        uffd.register(anon.addr(), anon.len(), uffd::MODE_MISSING),
        Ok(()),
        "UFFDIO_REGISTER MISSING on mmap memory"
    );
    // The tamalloc pages are still the shim's.
    let before = lazy_zeroed().map_err(fail)?;
    for p in 0..pages {
        m.write_byte(p * PAGE, 1);
    }
    ensure_eq!(
        lazy_zeroed().map_err(fail)? - before,
        pages as u64,
        "lazy_zeroed_pages after writing {pages} pages"
    );
    Ok(())
}

/// In a child (mlockall changes the whole process): with MCL_FUTURE, a tamalloc mapping is
/// locked and populated at once, every page through the shim.
fn mlockall_future_populates_every_page_through_the_shim() -> TestResult {
    let pages = 64;
    recycle_dirty_memory().map_err(fail)?;
    let exit = in_child(|| {
        let check = || -> Result<(), String> {
            mlockall(MlockAllFlags::MCL_FUTURE).map_err(|e| format!("mlockall: {e}"))?;
            let before = lazy_zeroed()?;
            let m = Tamalloc::new(pages * PAGE).map_err(|e| format!("tamalloc: {e}"))?;
            let grown = lazy_zeroed()? - before;
            let vma = own_vma_at(m.addr())
                .map_err(|e| e.to_string())?
                .ok_or("no mapping")?;
            let want_kb = (pages * 4) as u64;
            if !vma.has_flag("lo") || vma.rss_kb != want_kb || vma.locked_kb != want_kb {
                return Err(format!(
                    "want {want_kb} kB resident and locked: Rss {} Locked {} {:?}",
                    vma.rss_kb, vma.locked_kb, vma.flags
                ));
            }
            if grown != pages as u64 {
                return Err(format!("lazy_zeroed_pages grew by {grown}, want {pages}"));
            }
            if (0..pages * PAGE).any(|o| m.read_byte(o) != 0) {
                return Err("populated memory is not zero".into());
            }
            Ok(())
        };
        match check() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("# child: {e}");
                1
            }
        }
    })
    .map_err(fail)?;
    ensure_eq!(
        exit,
        Exit::Code(0),
        "child with mlockall(MCL_FUTURE) (its reason is above)"
    );
    Ok(())
}

fn first_writes_see_zeros_in_recycled_dirty_memory() -> TestResult {
    // A page that the shim (or, with init_on_alloc=1, the allocator) failed to zero would show
    // the pattern of the recycled memory.
    recycle_dirty_memory().map_err(fail)?;
    let len = 128 << 20;

    let mut m = Tamalloc::new(len).map_err(fail)?;
    let pages = len / PAGE;
    let before = lazy_zeroed().map_err(fail)?;
    for p in 0..pages {
        let page = p * PAGE;
        // Odd pages are read first: their write takes the zero-page copy path.
        if p % 2 == 1 {
            ensure_eq!(m.read_byte(page + 9), 0, "read of page {p}");
        }
        m.write_byte(page + p % PAGE, 0x3c);
    }
    ensure_eq!(
        lazy_zeroed().map_err(fail)? - before,
        pages as u64,
        "lazy_zeroed_pages after writing {pages} pages"
    );
    for p in 0..pages {
        let page = &m.as_slice()[p * PAGE..(p + 1) * PAGE];
        let written = p % PAGE;
        if let Some(o) = page
            .iter()
            .enumerate()
            .position(|(o, &b)| b != if o == written { 0x3c } else { 0 })
        {
            return Err(fail(format!(
                "page {p}: byte {o} is {:#x} (init_on_alloc={})",
                page[o],
                init_on_alloc()
            )));
        }
    }
    println!(
        "# {pages} pages zero after recycling dirty memory (init_on_alloc={})",
        init_on_alloc()
    );
    Ok(())
}

/// init_on_alloc as the boot log tells it, for messages.
fn init_on_alloc() -> &'static str {
    match memory::allocator_zeroes() {
        Ok(true) => "1",
        Ok(false) => "0",
        Err(_) => "unknown",
    }
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac promises",
        &[
            (
                "madv_dofork_is_refused_and_fork_never_inherits",
                madv_dofork_is_refused_and_fork_never_inherits,
            ),
            (
                "thp_is_never_used_and_every_page_goes_through_the_shim",
                thp_is_never_used_and_every_page_goes_through_the_shim,
            ),
            (
                "after_any_madvise_first_writes_are_counted_exactly",
                after_any_madvise_first_writes_are_counted_exactly,
            ),
            (
                "racing_first_writes_are_counted_once",
                racing_first_writes_are_counted_once,
            ),
            (
                "userfaultfd_cannot_take_a_tamalloc_range",
                userfaultfd_cannot_take_a_tamalloc_range,
            ),
            (
                "mlockall_future_populates_every_page_through_the_shim",
                mlockall_future_populates_every_page_through_the_shim,
            ),
            (
                "first_writes_see_zeros_in_recycled_dirty_memory",
                first_writes_see_zeros_in_recycled_dirty_memory,
            ),
        ],
    )
}
