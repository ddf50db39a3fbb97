//! The promises of zamora_tamalloc (include/uapi/linux/usac_mem.h) against the other syscalls that
//! could break them: MADV_DOFORK (fork inheritance), MADV_HUGEPAGE/MADV_COLLAPSE and THP settings
//! (pages committed behind the shim), threads racing on first writes (lazy_zeroed_pages exact),
//! userfaultfd (first touch taken by a handler), mlockall(MCL_FUTURE) (VM_LOCKED mappings), and
//! recycled dirty memory (zero-fill with and without init_on_alloc).

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use usac::{tamalloc_raw, Tamalloc};
use usac_selftests::memory::{
    madvise, own_lazy_zeroed, read_byte, recycle_dirty_memory, write_byte, Anon,
};
use usac_selftests::process::{in_child, Exit};
use usac_selftests::procfs::{own_vma_at, own_vma_containing, Vma};

const PAGE: usize = 4096;
const HUGE: usize = 2 << 20;

fn vma_at(addr: usize) -> Result<Vma, NotPassed> {
    own_vma_containing(addr).map_err(fail)
}

/// This process's `lazy_zeroed_pages`.
fn lazy_zeroed() -> Result<u64, String> {
    own_lazy_zeroed().map_err(|e| format!("zamora_mem_stats_process: {e}"))
}

/// A sysfs/procfs setting changed for the length of a test, restored on drop.
struct Setting {
    path: String,
    old: String,
}

impl Setting {
    fn set(path: &str, value: &str) -> Result<Self, NotPassed> {
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("{path}: {e}")))?;
        // THP files show every choice with the current one in brackets: "always [madvise] never".
        let old = match (text.find('['), text.find(']')) {
            (Some(a), Some(b)) if a < b => text[a + 1..b].to_string(),
            _ => text.trim().to_string(),
        };
        std::fs::write(path, value).map_err(|e| fail(format!("{path} <- {value}: {e}")))?;
        Ok(Setting {
            path: path.to_string(),
            old,
        })
    }
}

impl Drop for Setting {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.path, &self.old);
    }
}

/// Every THP knob at "always": the top-level policy and every mTHP size.
fn thp_always() -> Result<Vec<Setting>, NotPassed> {
    const THP: &str = "/sys/kernel/mm/transparent_hugepage";
    let mut settings = vec![Setting::set(&format!("{THP}/enabled"), "always")?];
    let sizes = std::fs::read_dir(THP).map_err(|e| fail(format!("{THP}: {e}")))?;
    for dir in sizes.flatten() {
        // Sizes that anonymous memory can use have an "enabled" file (others are shmem's only).
        let path = dir.path().join("enabled");
        if dir.file_name().to_string_lossy().starts_with("hugepages-") && path.exists() {
            settings.push(Setting::set(&path.to_string_lossy(), "always")?);
        }
    }
    Ok(settings)
}

fn madv_dofork_is_refused_and_fork_never_inherits() -> TestResult {
    let mut m = Tamalloc::new(4 * PAGE).map_err(fail)?;
    m.as_mut_slice().fill(0x5a);
    let addr = m.as_ptr() as usize;
    ensure_eq!(
        madvise(addr, 4 * PAGE, libc::MADV_DOFORK),
        Err(libc::EINVAL),
        "MADV_DOFORK on a tamalloc mapping"
    );
    ensure_eq!(
        madvise(addr + PAGE, PAGE, libc::MADV_DOFORK),
        Err(libc::EINVAL),
        "MADV_DOFORK on one page of it"
    );
    let vma = vma_at(addr)?;
    ensure!(
        vma.start == addr && vma.end == addr + 4 * PAGE && vma.has_flag("dc"),
        "mapping changed: {vma:?}"
    );
    // The same advice works on ordinary memory: the refusal is tamalloc's.
    let anon = Anon::new(4 * PAGE).map_err(fail)?;
    ensure_eq!(
        madvise(anon.addr, anon.len, libc::MADV_DONTFORK),
        Ok(()),
        "MADV_DONTFORK on mmap memory"
    );
    ensure_eq!(
        madvise(anon.addr, anon.len, libc::MADV_DOFORK),
        Ok(()),
        "MADV_DOFORK on mmap memory"
    );
    let read = in_child(|| read_byte(addr + PAGE) as i32).map_err(fail)?;
    ensure_eq!(read, Exit::Signal(libc::SIGSEGV), "fork child reading");
    let write = in_child(|| {
        write_byte(addr, 1);
        0
    })
    .map_err(fail)?;
    ensure_eq!(write, Exit::Signal(libc::SIGSEGV), "fork child writing");
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
    let anon = Anon::new(len).map_err(fail)?;
    ensure_eq!(
        madvise(anon.addr, len, libc::MADV_HUGEPAGE),
        Ok(()),
        "MADV_HUGEPAGE on mmap memory"
    );
    for p in 0..len / PAGE {
        write_byte(anon.addr + p * PAGE, 1);
    }
    ensure!(
        vma_at(anon.addr)?.anon_huge_kb > 0,
        "control: mmap memory got no huge page with THP at \"always\""
    );
    drop(anon);

    recycle_dirty_memory().map_err(fail)?;
    let m = Tamalloc::new(len).map_err(fail)?;
    let addr = m.as_ptr() as usize;
    ensure_eq!(
        madvise(addr, len, libc::MADV_HUGEPAGE),
        Ok(()),
        "MADV_HUGEPAGE on tamalloc memory (accepted, without effect)"
    );
    let before = lazy_zeroed().map_err(fail)?;
    for p in 0..len / PAGE {
        write_byte(addr + p * PAGE + p % PAGE, 0xc3);
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
        madvise(addr, len, libc::MADV_COLLAPSE),
        Err(libc::EINVAL),
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
    let advice = [
        ("MADV_NORMAL", libc::MADV_NORMAL, Ok(())),
        ("MADV_RANDOM", libc::MADV_RANDOM, Ok(())),
        ("MADV_SEQUENTIAL", libc::MADV_SEQUENTIAL, Ok(())),
        // Without CONFIG_SWAP (this kernel) there is nothing to read ahead for anonymous memory.
        ("MADV_WILLNEED", libc::MADV_WILLNEED, Err(libc::EBADF)),
        ("MADV_DONTNEED", libc::MADV_DONTNEED, Ok(())),
        ("MADV_FREE", libc::MADV_FREE, Ok(())),
        ("MADV_HUGEPAGE", libc::MADV_HUGEPAGE, Ok(())),
        ("MADV_NOHUGEPAGE", libc::MADV_NOHUGEPAGE, Ok(())),
        ("MADV_DONTDUMP", libc::MADV_DONTDUMP, Ok(())),
        ("MADV_DODUMP", libc::MADV_DODUMP, Ok(())),
        ("MADV_WIPEONFORK", libc::MADV_WIPEONFORK, Ok(())),
        ("MADV_KEEPONFORK", libc::MADV_KEEPONFORK, Ok(())),
        ("MADV_DOFORK", libc::MADV_DOFORK, Err(libc::EINVAL)),
        ("MADV_COLD", libc::MADV_COLD, Ok(())),
        ("MADV_PAGEOUT", libc::MADV_PAGEOUT, Ok(())),
        ("MADV_POPULATE_READ", libc::MADV_POPULATE_READ, Ok(())),
        ("MADV_POPULATE_WRITE", libc::MADV_POPULATE_WRITE, Ok(())),
        ("MADV_COLLAPSE", libc::MADV_COLLAPSE, Err(libc::EINVAL)),
    ];
    // Refused on tamalloc memory only: MADV_DOFORK (fork inheritance), MADV_COLLAPSE (huge
    // pages).
    for (name, advice, want) in advice {
        let m = Tamalloc::new(pages * PAGE).map_err(fail)?;
        let addr = m.as_ptr() as usize;
        let before = lazy_zeroed().map_err(fail)?;
        // Whatever the advice did, the pages must still be committed only through the shim.
        let result = madvise(addr, pages * PAGE, advice);
        ensure_eq!(result, want, "{name} on a fresh tamalloc mapping");
        for p in 0..pages {
            write_byte(addr + p * PAGE + p % PAGE, 0x77);
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
        let m = Tamalloc::new(PAGES * PAGE).map_err(fail)?;
        let addr = m.as_ptr() as usize;
        // Odd rounds read every page first, so that the writes race in wp_page_copy() on the
        // zero page; even rounds race in do_anonymous_page() on empty PTEs.
        let read_first = round % 2 == 1;
        if read_first {
            for p in 0..PAGES {
                read_byte(addr + p * PAGE);
            }
        }
        let before = lazy_zeroed().map_err(fail)?;
        let start = Arc::new(Barrier::new(THREADS));
        let writers: Vec<_> = (0..THREADS)
            .map(|t| {
                let start = start.clone();
                // Every thread writes its own byte of every page, in the same order, so that
                // they keep faulting on the same fresh pages at the same time.
                std::thread::spawn(move || {
                    start.wait();
                    for p in 0..PAGES {
                        write_byte(addr + p * PAGE + t, t as u8 + 1);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().map_err(|_| fail("a writer panicked"))?;
        }
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

/// `struct uffdio_api` and `struct uffdio_register` of include/uapi/linux/userfaultfd.h.
#[repr(C)]
struct UffdioApi {
    api: u64,
    features: u64,
    ioctls: u64,
}

#[repr(C)]
struct UffdioRegister {
    start: u64,
    len: u64,
    mode: u64,
    ioctls: u64,
}

/// `_IOWR(0xAA, nr, size)`.
const fn uffd_iowr(nr: u64, size: usize) -> u64 {
    (3 << 30) | ((size as u64) << 16) | (0xAA << 8) | nr
}
const UFFD_API: u64 = 0xAA;
const UFFDIO_API: u64 = uffd_iowr(0x3F, std::mem::size_of::<UffdioApi>());
const UFFDIO_REGISTER: u64 = uffd_iowr(0x00, std::mem::size_of::<UffdioRegister>());
const UFFDIO_REGISTER_MODE_MISSING: u64 = 1 << 0;
const UFFDIO_REGISTER_MODE_WP: u64 = 1 << 1;

/// UFFDIO_REGISTER of `[addr, addr + len)` in `mode`, with the errno on failure.
fn uffd_register(fd: i32, addr: usize, len: usize, mode: u64) -> Result<(), i32> {
    let mut reg = UffdioRegister {
        start: addr as u64,
        len: len as u64,
        mode,
        ioctls: 0,
    };
    // SAFETY: `reg` is a valid uffdio_register for the duration of the call.
    if unsafe { libc::ioctl(fd, UFFDIO_REGISTER as _, &mut reg) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}

fn userfaultfd_cannot_take_a_tamalloc_range() -> TestResult {
    // SAFETY: userfaultfd(2) takes flags only.
    let fd = unsafe { libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC | libc::O_NONBLOCK) };
    ensure!(
        fd >= 0,
        "userfaultfd: {} (the kernel must have CONFIG_USERFAULTFD)",
        std::io::Error::last_os_error()
    );
    let fd = fd as i32;
    let result = (|| -> TestResult {
        let mut api = UffdioApi {
            api: UFFD_API,
            features: 0,
            ioctls: 0,
        };
        // SAFETY: `api` is a valid uffdio_api for the duration of the call.
        ensure_eq!(
            unsafe { libc::ioctl(fd, UFFDIO_API as _, &mut api) },
            0,
            "UFFDIO_API: {}",
            std::io::Error::last_os_error()
        );
        let pages = 16;
        let m = Tamalloc::new(pages * PAGE).map_err(fail)?;
        let addr = m.as_ptr() as usize;
        for (mode, name) in [
            (UFFDIO_REGISTER_MODE_MISSING, "MISSING"),
            (UFFDIO_REGISTER_MODE_WP, "WP"),
        ] {
            ensure_eq!(
                uffd_register(fd, addr, pages * PAGE, mode),
                Err(libc::EINVAL),
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
        let anon = Anon::new(pages * PAGE).map_err(fail)?;
        ensure_eq!(
            uffd_register(fd, anon.addr, anon.len, UFFDIO_REGISTER_MODE_MISSING),
            Ok(()),
            "UFFDIO_REGISTER MISSING on mmap memory"
        );
        // The tamalloc pages are still the shim's.
        let before = lazy_zeroed().map_err(fail)?;
        for p in 0..pages {
            write_byte(addr + p * PAGE, 1);
        }
        ensure_eq!(
            lazy_zeroed().map_err(fail)? - before,
            pages as u64,
            "lazy_zeroed_pages after writing {pages} pages"
        );
        Ok(())
    })();
    // SAFETY: our own descriptor, closed once.
    unsafe { libc::close(fd) };
    result
}

/// In a child (mlockall changes the whole process): with MCL_FUTURE, a tamalloc mapping is
/// locked and populated at once, every page through the shim.
fn mlockall_future_populates_every_page_through_the_shim() -> TestResult {
    let pages = 64;
    recycle_dirty_memory().map_err(fail)?;
    let exit = in_child(|| {
        let check = || -> Result<(), String> {
            // SAFETY: mlockall takes flags only.
            if unsafe { libc::mlockall(libc::MCL_FUTURE) } != 0 {
                return Err(format!("mlockall: {}", std::io::Error::last_os_error()));
            }
            let before = lazy_zeroed()?;
            let addr = tamalloc_raw(pages * PAGE, 0).map_err(|e| format!("tamalloc: {e}"))?;
            let grown = lazy_zeroed()? - before;
            let vma = own_vma_at(addr)
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
            if (0..pages * PAGE).any(|o| read_byte(addr + o) != 0) {
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

    let m = Tamalloc::new(len).map_err(fail)?;
    let addr = m.as_ptr() as usize;
    let pages = len / PAGE;
    let before = lazy_zeroed().map_err(fail)?;
    for p in 0..pages {
        let page = addr + p * PAGE;
        // Odd pages are read first: their write takes the zero-page copy path.
        if p % 2 == 1 {
            ensure_eq!(read_byte(page + 9), 0, "read of page {p}");
        }
        write_byte(page + p % PAGE, 0x3c);
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

/// Whether the kernel zeroes pages on allocation, from its boot log.
fn init_on_alloc() -> &'static str {
    match usac_selftests::dmesg() {
        Ok(log) if log.contains("mem auto-init: stack:") => {
            if log.contains("heap alloc:on") {
                "1"
            } else {
                "0"
            }
        }
        _ => "unknown",
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
