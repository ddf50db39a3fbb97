//! zamora_tamalloc selftest: reserve without committing, zero-fill on first write, no fork
//! inheritance, precise errnos with nothing left behind, and sanity under many calls and threads.

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use nix::errno::Errno;
use nix::sys::resource::{getrlimit, setrlimit, Resource};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use usac::os::{in_child, Exit, Mapping, ProtFlags, Signal};
use usac::{mem_stats_process, tamalloc_raw, Tamalloc};
use usac_selftests::memory::{self, own_lazy_zeroed};
use usac_selftests::procfs::{own_smaps, own_vma_containing, status_field, Vma};
use usac_selftests::rng::Rng;

const PAGE: usize = 4096;

/// Recycles dirty memory so that an unzeroed page would show a pattern, not zeros by chance.
fn recycle() -> TestResult {
    memory::recycle_dirty_memory().map_err(|e| fail(format!("recycling dirty memory: {e}")))
}

fn status_kb(field: &str) -> Result<u64, NotPassed> {
    status_field("self", field).map_err(fail)
}

fn vma_at(addr: usize) -> Result<Vma, NotPassed> {
    own_vma_containing(addr).map_err(fail)
}

/// This process's `lazy_zeroed_pages`.
fn lazy_zeroed() -> Result<u64, NotPassed> {
    own_lazy_zeroed().map_err(|e| fail(format!("zamora_mem_stats_process: {e}")))
}

fn returns_page_aligned_tamalloc_vmas() -> TestResult {
    for size in [1, PAGE - 1, PAGE, PAGE + 1, (1 << 20) + 3] {
        let m = Tamalloc::new(size).map_err(fail)?;
        let addr = m.addr();
        ensure_eq!(addr % PAGE, 0, "address of a {size}-byte tamalloc");
        let vma = vma_at(addr)?;
        // No other tamalloc mapping lives to merge with: the mapping is a VMA of its own.
        ensure!(
            vma.start == addr && vma.end == addr + size.div_ceil(PAGE) * PAGE,
            "{size} bytes at {addr:#x}: {vma:?}"
        );
        for flag in ["rd", "wr", "tm", "dc", "nh"] {
            ensure!(
                vma.has_flag(flag),
                "smaps VmFlags lack '{flag}': {:?}",
                vma.flags
            );
        }
        ensure!(
            !vma.has_flag("ex") && !vma.has_flag("sh"),
            "{:?}",
            vma.flags
        );
    }
    Ok(())
}

fn reserves_without_committing() -> TestResult {
    let size = 64 << 20;
    // Reading /proc allocates: keep the heap (and stack) from growing between the readings.
    memory::hold_memory_still().map_err(fail)?;
    // One unmeasured round first: the text pages of the code measured (fork copies none, and
    // on arm64 no earlier test had touched one of them) fault in now, not between the readings.
    own_smaps().map_err(fail)?;
    let _ = (status_kb("VmSize")?, status_kb("VmRSS")?);
    drop(Tamalloc::new(size).map_err(fail)?);
    let _ = (status_kb("VmSize")?, status_kb("VmRSS")?);
    let mappings_before = own_smaps().map_err(fail)?;
    let (size_before, rss_before) = (status_kb("VmSize")?, status_kb("VmRSS")?);
    let m = Tamalloc::new(size).map_err(fail)?;
    let (size_after, rss_after) = (status_kb("VmSize")?, status_kb("VmRSS")?);
    let mappings_after = own_smaps().map_err(fail)?;
    ensure_eq!(
        size_after - size_before,
        (size / 1024) as u64,
        "VmSize growth in kB"
    );
    ensure!(
        rss_after == rss_before,
        "VmRSS after reserving 64 MiB: {rss_after} kB, before: {rss_before} kB; the mappings \
         whose Rss changed: {}",
        rss_changes(&mappings_before, &mappings_after)
    );
    ensure_eq!(vma_at(m.addr())?.rss_kb, 0, "Rss of the new mapping");
    Ok(())
}

/// The mappings of `after` whose Rss differs from the same mapping's (same start) in `before`.
fn rss_changes(before: &[Vma], after: &[Vma]) -> String {
    let was = |v: &Vma| {
        before
            .iter()
            .find(|b| b.start == v.start)
            .map_or(0, |b| b.rss_kb)
    };
    let changes: Vec<String> = after
        .iter()
        .filter(|v| v.rss_kb != was(v))
        .map(|v| {
            format!(
                "{:x}-{:x} {} {} -> {} kB",
                v.start,
                v.end,
                v.name,
                was(v),
                v.rss_kb
            )
        })
        .collect();
    match changes.is_empty() {
        true => "none".to_string(),
        false => changes.join("; "),
    }
}

fn reads_see_zeros_and_commit_nothing() -> TestResult {
    let pages = 256;
    recycle()?;
    let mut m = Tamalloc::new(pages * PAGE).map_err(fail)?;
    let lazy_before = lazy_zeroed()?;
    ensure!(
        m.as_slice().iter().all(|&b| b == 0),
        "untouched memory is not zero"
    );
    ensure_eq!(
        vma_at(m.addr())?.rss_kb,
        0,
        "Rss after reading {pages} pages"
    );
    ensure_eq!(
        lazy_zeroed()?,
        lazy_before,
        "lazy_zeroed_pages after reads only"
    );
    Ok(())
}

fn first_write_commits_exactly_the_pages_written() -> TestResult {
    let pages = 100;
    recycle()?;
    let mut m = Tamalloc::new(pages * 2 * PAGE).map_err(fail)?;
    // Every other page, at a different offset each time.
    for i in 0..pages {
        m.write_byte(2 * i * PAGE + (i * 37) % PAGE, 0xa5);
    }
    let vma = vma_at(m.addr())?;
    ensure_eq!(
        vma.rss_kb,
        (pages * PAGE / 1024) as u64,
        "Rss after writing {pages} pages"
    );
    for i in 0..pages {
        let page = &m.as_slice()[2 * i * PAGE..(2 * i + 1) * PAGE];
        let written = (i * 37) % PAGE;
        ensure!(
            page.iter()
                .enumerate()
                .all(|(o, &b)| b == if o == written { 0xa5 } else { 0 }),
            "page {} is not zero-filled around the written byte",
            2 * i
        );
    }
    Ok(())
}

fn lazy_zeroed_pages_count_first_writes() -> TestResult {
    let (pages, read_first) = (64, 32);
    recycle()?;
    let mut m = Tamalloc::new((pages + read_first) * PAGE).map_err(fail)?;
    ensure_eq!(
        first_writes_counted(&mut m, pages, read_first, false)?,
        counted_in(pages as u64, read_first as u64, false),
        "lazy_zeroed_pages growth after {pages} writes, {read_first} reads, then writes"
    );
    ensure_eq!(
        vma_at(m.addr())?.rss_kb,
        ((pages + read_first) * PAGE / 1024) as u64,
        "Rss"
    );
    Ok(())
}

/// Whether the debug kernel was booted with `usac_mem_shim_all_anon` (every private anonymous
/// first write takes the tamalloc path).
fn shim_serves_all_anonymous_memory() -> Result<bool, NotPassed> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").map_err(fail)?;
    // The last occurrence wins, as the kernel parses them; a bare name means on.
    let last = cmdline
        .split_whitespace()
        .filter_map(|p| p.strip_prefix("usac_mem_shim_all_anon"))
        .rfind(|rest| rest.is_empty() || rest.starts_with('='));
    Ok(match last {
        None => false,
        Some(rest) => matches!(
            rest.trim_start_matches('=').to_ascii_lowercase().as_str(),
            "" | "1" | "y" | "yes" | "on" | "true"
        ),
    })
}

/// This process's first-write counters: the tamalloc one (`lazy_zeroed_pages`) and the one of
/// the debug switch (`ShimAnonZeroedPages` in /proc/self/status, absent without the switch).
fn zero_fill_counters(switch: bool) -> Result<(u64, u64), NotPassed> {
    let shim = if switch {
        status_field("self", "ShimAnonZeroedPages").map_err(fail)?
    } else {
        0
    };
    Ok((lazy_zeroed()?, shim))
}

/// Growth of the first-write counters, as (`lazy_zeroed_pages`, `ShimAnonZeroedPages`), after
/// each step of [`first_writes_counted`].
#[derive(Debug, PartialEq)]
struct Growth {
    after_writes: (u64, u64),
    after_reads: (u64, u64),
    after_read_then_write: (u64, u64),
}

/// Writes `pages` pages of `m` (twice each: the second write is not a first write), then reads
/// `read_first` more (the zero page is mapped) and writes them (the zero-page COW path); returns
/// the counters' growth after each step, after checking that every page is zero but for the bytes
/// written.
fn first_writes_counted(
    m: &mut Mapping,
    pages: usize,
    read_first: usize,
    switch: bool,
) -> Result<Growth, NotPassed> {
    // The heap and stack pages a reading uses are touched before the first one that counts.
    zero_fill_counters(switch)?;
    let before = zero_fill_counters(switch)?;
    let grown = |(l, s): (u64, u64)| (l - before.0, s - before.1);
    for i in 0..pages {
        m.write_byte(i * PAGE, 1);
        m.write_byte(i * PAGE + 1, 2);
    }
    let after_writes = grown(zero_fill_counters(switch)?);
    for i in pages..pages + read_first {
        ensure_eq!(m.read_byte(i * PAGE), 0, "read of page {i}");
    }
    let after_reads = grown(zero_fill_counters(switch)?);
    for i in pages..pages + read_first {
        m.write_byte(i * PAGE + 7, 3);
    }
    let after_read_then_write = grown(zero_fill_counters(switch)?);
    // Both paths zero-filled the pages: only the written bytes are not zero.
    for i in 0..pages + read_first {
        let written: &[(usize, u8)] = if i < pages {
            &[(0, 1), (1, 2)]
        } else {
            &[(7, 3)]
        };
        let want = |o| written.iter().find(|w| w.0 == o).map_or(0, |w| w.1);
        let page = &m.as_slice()[i * PAGE..(i + 1) * PAGE];
        ensure!(
            page.iter().enumerate().all(|(o, &b)| b == want(o)),
            "page {i} is not zero around the written bytes"
        );
    }
    Ok(Growth {
        after_writes,
        after_reads,
        after_read_then_write,
    })
}

/// The growth that [`first_writes_counted`] must see when every page it first writes is counted
/// in `ShimAnonZeroedPages` (`shim`) or in `lazy_zeroed_pages`, and none in the other counter.
fn counted_in(pages: u64, read_first: u64, shim: bool) -> Growth {
    let at = |n| if shim { (0, n) } else { (n, 0) };
    Growth {
        after_writes: at(pages),
        after_reads: at(pages),
        after_read_then_write: at(pages + read_first),
    }
}

/// With the debug boot switch `usac_mem_shim_all_anon`, an ordinary private anonymous mapping's
/// first writes (empty PTE and zero-page COW) go through the shim and are counted exactly as a
/// tamalloc region's are, in a counter of their own (`ShimAnonZeroedPages`), so that
/// `lazy_zeroed_pages` still counts tamalloc memory only; without the switch they are not
/// counted at all. The mapping keeps its other properties: no `tm`, no `dc` (fork copies it).
fn ordinary_mmap_first_writes_follow_the_debug_switch() -> TestResult {
    let (pages, read_first) = (64, 32);
    let switch = shim_serves_all_anonymous_memory()?;
    recycle()?;
    let mut t = Mapping::tamalloc((pages + read_first) * PAGE).map_err(fail)?;
    let mut m = Mapping::anon((pages + read_first) * PAGE).map_err(fail)?;
    ensure_eq!(
        first_writes_counted(&mut t, pages, read_first, switch)?,
        counted_in(pages as u64, read_first as u64, false),
        "(lazy_zeroed_pages, ShimAnonZeroedPages) growth for a tamalloc region"
    );
    ensure_eq!(
        first_writes_counted(&mut m, pages, read_first, switch)?,
        if switch {
            counted_in(pages as u64, read_first as u64, true)
        } else {
            counted_in(0, 0, false)
        },
        "(lazy_zeroed_pages, ShimAnonZeroedPages) growth for an ordinary mmap region \
         (usac_mem_shim_all_anon: {switch})"
    );
    ensure_eq!(
        status_field("self", "ShimAnonZeroedPages").is_ok(),
        switch,
        "ShimAnonZeroedPages in /proc/self/status"
    );
    let vma = vma_at(m.addr())?;
    ensure!(
        !vma.has_flag("tm") && !vma.has_flag("dc"),
        "the ordinary mapping's VmFlags {:?} gained tm or dc",
        vma.flags
    );
    let child = in_child(|| i32::from(m.read_byte(0) != 1)).map_err(fail)?;
    ensure_eq!(
        child,
        Exit::Code(0),
        "a fork child reads the ordinary mapping"
    );
    Ok(())
}

fn fork_child_does_not_inherit_the_range() -> TestResult {
    let mut m = Tamalloc::new(4 * PAGE).map_err(fail)?;
    m.as_mut_slice().fill(0x5a);
    let read = in_child(|| m.read_byte(PAGE) as i32).map_err(fail)?;
    ensure_eq!(
        read,
        Exit::Signal(Signal::SIGSEGV),
        "child reading the range"
    );
    let write = in_child(|| {
        m.write_byte(0, 1);
        0
    })
    .map_err(fail)?;
    ensure_eq!(
        write,
        Exit::Signal(Signal::SIGSEGV),
        "child writing the range"
    );
    ensure!(
        m.as_slice().iter().all(|&b| b == 0x5a),
        "parent's data changed"
    );
    Ok(())
}

fn partial_munmap_splits_the_mapping() -> TestResult {
    let pages = 8;
    let mut low = Tamalloc::new(pages * PAGE).map_err(fail)?.into_mapping();
    let addr = low.addr();
    for i in 0..pages {
        low.write_byte(i * PAGE, i as u8 + 1);
    }
    let size_before = status_kb("VmSize")?;
    let mut middle = low.split_off(3 * PAGE);
    let high = middle.split_off(2 * PAGE);
    middle
        .unmap()
        .map_err(|e| fail(format!("munmap of pages 3 and 4: {e}")))?;
    ensure_eq!(size_before - status_kb("VmSize")?, 8, "VmSize drop in kB");
    let vmas = own_smaps().map_err(fail)?;
    let low_vma = vmas.iter().find(|v| v.start == addr);
    let high_vma = vmas.iter().find(|v| v.start == addr + 5 * PAGE);
    ensure!(
        low_vma.is_some_and(|v| v.end == addr + 3 * PAGE && v.has_flag("tm")),
        "low part: {low_vma:?}"
    );
    ensure!(
        high_vma.is_some_and(|v| v.end == addr + pages * PAGE && v.has_flag("tm")),
        "high part: {high_vma:?}"
    );
    for i in 0..3 {
        ensure_eq!(
            low.read_byte(i * PAGE),
            i as u8 + 1,
            "page {i} after munmap"
        );
    }
    for i in 5..pages {
        ensure_eq!(
            high.read_byte((i - 5) * PAGE),
            i as u8 + 1,
            "page {i} after munmap"
        );
    }
    low.unmap()
        .map_err(|e| fail(format!("munmap of the low part: {e}")))?;
    high.unmap()
        .map_err(|e| fail(format!("munmap of the high part: {e}")))?;
    Ok(())
}

fn bad_input_gets_a_precise_errno_and_maps_nothing() -> TestResult {
    let maps_before = own_smaps().map_err(fail)?.len();
    let size_before = status_kb("VmSize")?;
    let mut cases: Vec<(usize, u32, i32, String)> = vec![
        (0, 0, libc::EINVAL, "size 0".into()),
        (usize::MAX, 0, libc::ENOMEM, "SIZE_MAX".into()),
        (
            usize::MAX - PAGE + 2,
            0,
            libc::ENOMEM,
            "rounds up past SIZE_MAX".into(),
        ),
        (
            1 << 47,
            0,
            libc::ENOMEM,
            "the whole user address space".into(),
        ),
    ];
    for bit in 0..32 {
        cases.push((PAGE, 1 << bit, libc::EINVAL, format!("flags bit {bit}")));
    }
    cases.push((0, 1, libc::EINVAL, "size 0 and a flag".into()));
    for (size, flags, errno, what) in cases {
        ensure_eq!(
            tamalloc_raw(size, flags).map_err(|e| e.errno()),
            Err(errno),
            "{what}"
        );
    }
    ensure_eq!(
        own_smaps().map_err(fail)?.len(),
        maps_before,
        "mappings after the errors"
    );
    ensure_eq!(status_kb("VmSize")?, size_before, "VmSize after the errors");
    Ok(())
}

fn respects_rlimit_as() -> TestResult {
    let (soft, hard) = getrlimit(Resource::RLIMIT_AS).map_err(fail)?;
    let vm_size = status_kb("VmSize")? as usize * 1024;
    setrlimit(Resource::RLIMIT_AS, (vm_size + (4 << 20)) as u64, hard).map_err(fail)?;
    let over = tamalloc_raw(8 << 20, 0).map_err(|e| e.errno());
    let under = Tamalloc::new(1 << 20).map(drop).map_err(|e| e.errno());
    setrlimit(Resource::RLIMIT_AS, soft, hard).map_err(|e| fail(format!("setrlimit back: {e}")))?;
    ensure_eq!(
        over,
        Err(libc::ENOMEM),
        "8 MiB over an RLIMIT_AS with 4 MiB left"
    );
    ensure_eq!(under, Ok(()), "1 MiB under the same limit");
    ensure_eq!(
        status_kb("VmSize")? as usize * 1024,
        vm_size,
        "VmSize afterwards"
    );
    Ok(())
}

fn ten_thousand_small_tamallocs_leave_no_trace() -> TestResult {
    // The list is allocated first: its 160 kB may grow the heap, which is not ours to count.
    let mut maps = Vec::with_capacity(10_000);
    let size_before = status_kb("VmSize")?;
    for i in 0..10_000 {
        let m = Mapping::tamalloc(PAGE).map_err(|e| fail(format!("call {i}: {e}")))?;
        m.write_byte(i % PAGE, 1);
        maps.push(m);
    }
    let grown = status_kb("VmSize")? - size_before;
    for m in maps.drain(..) {
        m.unmap().map_err(|e| fail(format!("munmap: {e}")))?;
    }
    ensure_eq!(
        grown,
        40_000,
        "VmSize growth in kB for 10000 one-page tamallocs"
    );
    ensure_eq!(
        status_kb("VmSize")?,
        size_before,
        "VmSize after unmapping them all"
    );
    Ok(())
}

fn threads_tamalloc_touch_and_munmap_concurrently() -> TestResult {
    recycle()?;
    let deadline = Instant::now() + Duration::from_secs(3);
    let lazy_before = lazy_zeroed()?;
    let tamalloc_kb = || -> Result<u64, NotPassed> {
        mem_stats_process(std::process::id() as i32)
            .map(|s| s.tamalloc_kb)
            .map_err(fail)
    };
    let tamalloc_before = tamalloc_kb()?;
    // Each worker returns its rounds and the pages it wrote (every other page of each mapping).
    let workers: Vec<_> = (0..4u64)
        .map(|t| {
            std::thread::spawn(move || -> Result<(u64, u64), String> {
                let (mut rounds, mut written) = (0u64, 0u64);
                let mut rng = Rng::new(t);
                while Instant::now() < deadline {
                    let pages = rng.between(1, 64);
                    let mut m = Tamalloc::new(pages * PAGE).map_err(|e| e.to_string())?;
                    let tag = rng.next_u64() as u8 | 1;
                    for p in (0..pages).step_by(2) {
                        m.as_mut_slice()[p * PAGE + p % PAGE] = tag;
                        written += 1;
                    }
                    for p in 0..pages {
                        let want = if p % 2 == 0 { tag } else { 0 };
                        if m.as_slice()[p * PAGE + p % PAGE] != want {
                            return Err(format!("thread {t}: page {p} lost its data"));
                        }
                    }
                    rounds += 1;
                }
                Ok((rounds, written))
            })
        })
        .collect();
    let (mut rounds, mut written) = (0, 0);
    for w in workers {
        let (r, p) = w
            .join()
            .map_err(|_| fail("a worker panicked"))?
            .map_err(fail)?;
        rounds += r;
        written += p;
    }
    println!(
        "# 4 threads did {rounds} tamalloc/touch/munmap rounds in 3 s, {written} pages written"
    );
    ensure!(rounds >= 4, "only {rounds} rounds");
    ensure_eq!(
        lazy_zeroed()? - lazy_before,
        written,
        "lazy_zeroed_pages growth vs pages written by the workers"
    );
    ensure_eq!(
        tamalloc_kb()?,
        tamalloc_before,
        "tamalloc_kb after every mapping is gone"
    );
    Ok(())
}

fn madvise_mprotect_and_mremap_work_as_on_anonymous_memory() -> TestResult {
    let pages = 16;
    recycle()?;
    let mut m = Tamalloc::new(pages * PAGE).map_err(fail)?.into_mapping();
    let len = pages * PAGE;
    for i in 0..pages {
        m.write_byte(i * PAGE, 9);
    }
    m.advise(0, len, libc::MADV_DONTNEED)
        .map_err(|e| fail(format!("madvise: {e}")))?;
    ensure_eq!(vma_at(m.addr())?.rss_kb, 0, "Rss after MADV_DONTNEED");
    ensure_eq!(
        m.read_byte(0),
        0,
        "a page dropped by MADV_DONTNEED reads zero"
    );
    m.write_byte(0, 7);
    let errno = |what: &'static str| move |e: Errno| fail(format!("{what}: {e}"));
    m.protect(0, len, ProtFlags::PROT_READ)
        .map_err(errno("mprotect RO"))?;
    ensure!(
        !vma_at(m.addr())?.has_flag("wr"),
        "still writable after mprotect"
    );
    m.protect(0, len, ProtFlags::PROT_READ | ProtFlags::PROT_WRITE)
        .map_err(errno("mprotect RW"))?;
    m.remap(4 * len).map_err(errno("mremap"))?;
    ensure_eq!(m.read_byte(0), 7, "data after mremap");
    let vma = vma_at(m.addr())?;
    ensure!(
        vma.has_flag("tm") && vma.start == m.addr() && vma.end - vma.start == 4 * len,
        "{vma:?}"
    );
    m.write_byte(3 * len, 1); // the grown part is tamalloc memory too
    m.unmap().map_err(errno("munmap after mremap"))?;
    Ok(())
}

fn trace_events_show_each_call_and_each_zero_fill() -> TestResult {
    use usac::tracefs::{self, Event};
    let pid = std::process::id();
    let cleared = !memory::allocator_zeroes().map_err(fail)?;
    let lazy_before = lazy_zeroed()?;
    tracefs::clear().map_err(fail)?;
    tracefs::enable_usac_events(true).map_err(fail)?;
    let traced = Tamalloc::new(3 * PAGE + 1).map_err(fail);
    let refused = tamalloc_raw(0, 0).map_err(|e| e.errno());
    if let Ok(m) = &traced {
        m.write_byte(0, 1); // a write fault on an empty PTE
        m.write_byte(2 * PAGE, 1);
        let untouched = m.read_byte(3 * PAGE); // maps the zero page ...
        m.write_byte(3 * PAGE, untouched + 1); // ... which this write replaces (COW)
    }
    tracefs::enable_usac_events(false).map_err(fail)?;
    let traced = traced?;
    // Off again: this call and its first write leave no event.
    let untraced = Tamalloc::new(PAGE).map_err(fail)?;
    untraced.write_byte(0, 1);
    let events: Vec<Event> = tracefs::usac_events()
        .map_err(fail)?
        .into_iter()
        .filter(|e| e.pid() == pid)
        .collect();
    let base = traced.addr() as u64;
    let fill = |page: u64| Event::ZeroFill {
        pid,
        addr: base + page * PAGE as u64,
        pages: 1,
        cleared,
    };
    let want = vec![
        Event::Tamalloc {
            pid,
            size: 3 * PAGE as u64 + 1,
            flags: 0,
            addr: base,
            err: 0,
        },
        Event::Tamalloc {
            pid,
            size: 0,
            flags: 0,
            addr: 0,
            err: -libc::EINVAL,
        },
        fill(0),
        fill(2),
        fill(3),
    ];
    ensure_eq!(refused, Err(libc::EINVAL), "tamalloc(0, 0)");
    ensure_eq!(
        traced.read_byte(3 * PAGE),
        1,
        "the page written after a read"
    );
    ensure_eq!(events, want, "usac_mem events of this process");
    ensure_eq!(
        lazy_zeroed()? - lazy_before,
        4,
        "lazy_zeroed_pages growth (3 pages traced, 1 not)"
    );
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac tamalloc",
        &[
            (
                "returns_page_aligned_tamalloc_vmas",
                returns_page_aligned_tamalloc_vmas,
            ),
            ("reserves_without_committing", reserves_without_committing),
            (
                "reads_see_zeros_and_commit_nothing",
                reads_see_zeros_and_commit_nothing,
            ),
            (
                "first_write_commits_exactly_the_pages_written",
                first_write_commits_exactly_the_pages_written,
            ),
            (
                "lazy_zeroed_pages_count_first_writes",
                lazy_zeroed_pages_count_first_writes,
            ),
            (
                "ordinary_mmap_first_writes_follow_the_debug_switch",
                ordinary_mmap_first_writes_follow_the_debug_switch,
            ),
            (
                "fork_child_does_not_inherit_the_range",
                fork_child_does_not_inherit_the_range,
            ),
            (
                "partial_munmap_splits_the_mapping",
                partial_munmap_splits_the_mapping,
            ),
            (
                "bad_input_gets_a_precise_errno_and_maps_nothing",
                bad_input_gets_a_precise_errno_and_maps_nothing,
            ),
            ("respects_rlimit_as", respects_rlimit_as),
            (
                "ten_thousand_small_tamallocs_leave_no_trace",
                ten_thousand_small_tamallocs_leave_no_trace,
            ),
            (
                "threads_tamalloc_touch_and_munmap_concurrently",
                threads_tamalloc_touch_and_munmap_concurrently,
            ),
            (
                "madvise_mprotect_and_mremap_work_as_on_anonymous_memory",
                madvise_mprotect_and_mremap_work_as_on_anonymous_memory,
            ),
            (
                "trace_events_show_each_call_and_each_zero_fill",
                trace_events_show_each_call_and_each_zero_fill,
            ),
        ],
    )
}
