//! The promises of zamora_tamalloc (include/uapi/linux/usac_mem.h) on the distribution kernel
//! (PROFILE=distro), against what a tinyconfig kernel does not have: swap and zswap, KSM, memory
//! cgroups, NUMA migration, cross-memory attach, memory failure and HMM device migration. Each
//! test compares with ordinary mmap memory where the rule is "as on mmap memory", and counts
//! first writes exactly where it is "committed once, through the shim". Last, the statistics
//! obey the LSMs Debian runs: a process Landlock forbids to ptrace is hidden.

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use nix::errno::Errno;
use nix::sys::signal::{raise, Signal};
use std::ops::Range;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use usac::os::{fork, hmm::Dmirror, in_child, ksm, numa, Exit, Mapping};
use usac_selftests::cgroup::{keyed_in, Cgroup};
use usac_selftests::memory::{own_lazy_zeroed, recycle_dirty_memory};
use usac_selftests::procfs::{field_in, own_vma_containing, vma_containing, Vma};
use usac_selftests::settings::Setting;

const PAGE: usize = 4096;
const HUGE: usize = 2 << 20;

fn lazy_zeroed() -> Result<u64, NotPassed> {
    own_lazy_zeroed().map_err(|e| fail(format!("zamora_mem_stats_process: {e}")))
}

fn vma_at(addr: usize) -> Result<Vma, NotPassed> {
    own_vma_containing(addr).map_err(fail)
}

/// The mapping of process `pid` that contains `addr`.
fn vma_of(pid: i32, addr: usize) -> Result<Vma, NotPassed> {
    vma_containing(&pid.to_string(), addr).map_err(fail)
}

fn meminfo(field: &str) -> Result<u64, NotPassed> {
    let text = std::fs::read_to_string("/proc/meminfo").map_err(fail)?;
    field_in(&text, field).ok_or_else(|| fail(format!("no {field} in /proc/meminfo")))
}

/// Byte `o` of page `p` of the tests' data: never zero and not the same across a page (swap
/// and zswap keep a page of zeros, or of one repeated byte, without its data).
fn pattern(p: usize, o: usize) -> u8 {
    ((p * 31 + o * 7) % 251) as u8 + 1
}

fn write_pattern(m: &mut Mapping, pages: Range<usize>) {
    for p in pages {
        for (o, b) in m.as_mut_slice()[p * PAGE..(p + 1) * PAGE]
            .iter_mut()
            .enumerate()
        {
            *b = pattern(p, o);
        }
    }
}

/// Checks that `pages` hold `pattern` (`data`) or zeros; reading faults them in.
fn check_pages(m: &mut Mapping, pages: Range<usize>, data: bool, what: &str) -> TestResult {
    for p in pages {
        let page = &m.as_slice()[p * PAGE..(p + 1) * PAGE];
        let want = |o| if data { pattern(p, o) } else { 0 };
        if let Some(o) = (0..PAGE).find(|&o| page[o] != want(o)) {
            return Err(fail(format!(
                "{what}: page {p} byte {o} is {:#x}, not {:#x}",
                page[o],
                want(o)
            )));
        }
    }
    Ok(())
}

/// Reads one byte of each page of `pages`: maps the zero page where nothing is committed.
fn read_pages(m: &Mapping, pages: Range<usize>) -> TestResult {
    for p in pages {
        ensure_eq!(
            m.read_byte(p * PAGE + p % PAGE),
            0,
            "first read of page {p}"
        );
    }
    Ok(())
}

/// Writes one byte to each page of `pages`.
fn touch_pages(m: &Mapping, pages: Range<usize>) {
    for p in pages {
        m.write_byte(p * PAGE + p % PAGE, 0x5c);
    }
}

/// This process pinned to CPU 0 while it lives, its affinity restored on drop: pages it faults
/// in then wait in that CPU's LRU batch, which MADV_PAGEOUT drains on the calling CPU only.
struct OnCpu0(nix::sched::CpuSet);

impl OnCpu0 {
    fn pin() -> Result<Self, NotPassed> {
        let me = nix::unistd::Pid::from_raw(0);
        let old = nix::sched::sched_getaffinity(me).map_err(fail)?;
        let mut cpu0 = nix::sched::CpuSet::new();
        cpu0.set(0).map_err(fail)?;
        nix::sched::sched_setaffinity(me, &cpu0).map_err(fail)?;
        Ok(OnCpu0(old))
    }
}

impl Drop for OnCpu0 {
    fn drop(&mut self) {
        let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// swap and zswap

fn written_pages_go_to_swap_and_zswap_and_come_back_without_a_new_zero_fill() -> TestResult {
    let swaps = std::fs::read_to_string("/proc/swaps").map_err(fail)?;
    ensure!(swaps.lines().count() > 1, "no active swap: {swaps}");
    let _cpu0 = OnCpu0::pin()?;
    const ZSWAP: &str = "/sys/module/zswap/parameters/enabled";
    const PAGES: usize = 64; // 0..32 written, 32..48 read, 48..64 untouched
    for zswap in ["N", "Y"] {
        let _zswap = Setting::set(ZSWAP, zswap)?;
        let mut m = Mapping::tamalloc(PAGES * PAGE).map_err(fail)?;
        let addr = m.addr();
        let before = lazy_zeroed()?;
        write_pattern(&mut m, 0..32);
        read_pages(&m, 32..48)?;
        let zswapped = meminfo("Zswapped")?;
        ensure_eq!(
            m.advise(0, PAGES * PAGE, libc::MADV_PAGEOUT),
            Ok(()),
            "MADV_PAGEOUT"
        );
        let vma = vma_at(addr)?;
        ensure_eq!(
            (vma.rss_kb, vma.swap_kb, meminfo("Zswapped")? - zswapped),
            (0, 128, if zswap == "Y" { 128 } else { 0 }),
            "(Rss, Swap, Zswapped growth) kB after MADV_PAGEOUT of 32 written pages, zswap={zswap}"
        );
        check_pages(&mut m, 0..32, true, "read back from swap")?;
        // Written back over themselves: no first write.
        write_pattern(&mut m, 0..32);
        let vma = vma_at(addr)?;
        ensure_eq!(
            (lazy_zeroed()? - before, vma.rss_kb, vma.swap_kb),
            (32, 128, 0),
            "(lazy_zeroed_pages growth, Rss kB, Swap kB) after swapping 32 written pages out \
             and in, zswap={zswap}"
        );
        // The pages never written stay uncommitted, and their first writes count once each.
        check_pages(&mut m, 32..PAGES, false, "never written")?;
        ensure_eq!(vma_at(addr)?.rss_kb, 128, "Rss kB after reading the rest");
        touch_pages(&m, 32..PAGES);
        ensure_eq!(
            (lazy_zeroed()? - before, vma_at(addr)?.rss_kb),
            (PAGES as u64, (PAGES * 4) as u64),
            "(lazy_zeroed_pages growth, Rss kB) after the first writes of the other 32 pages"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// KSM

const KSM: &str = "/sys/kernel/mm/ksm";

fn ksm_number(name: &str) -> Result<u64, NotPassed> {
    let path = format!("{KSM}/{name}");
    let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("{path}: {e}")))?;
    text.trim()
        .parse()
        .map_err(|e| fail(format!("{path}: {text:?}: {e}")))
}

/// PR_SET_MEMORY_MERGE on for as long as it lives.
struct MergeAny;

impl MergeAny {
    fn on() -> Result<Self, NotPassed> {
        ksm::set_memory_merge(true).map_err(|e| fail(format!("PR_SET_MEMORY_MERGE 1: {e}")))?;
        Ok(MergeAny)
    }
}

impl Drop for MergeAny {
    fn drop(&mut self) {
        let _ = ksm::set_memory_merge(false);
    }
}

/// The KSM test's memory: 16 pages of one pattern, 16 pages written with zeros, then (tamalloc
/// only) 8 pages read and 8 untouched. Every written page has a twin KSM could merge it with.
const KSM_WRITTEN: usize = 32;
const KSM_PAGES: usize = 48;

fn ksm_fill(m: &mut Mapping) -> TestResult {
    m.fill(0, 16 * PAGE, 0x6b);
    m.fill(16 * PAGE, 16 * PAGE, 0);
    if m.len() == KSM_PAGES * PAGE {
        read_pages(m, KSM_WRITTEN..40)?;
    }
    Ok(())
}

fn ksm_check(m: &mut Mapping, what: &str) -> TestResult {
    let s = m.as_slice();
    ensure!(
        s[..16 * PAGE].iter().all(|&b| b == 0x6b) && s[16 * PAGE..].iter().all(|&b| b == 0),
        "{what}: data changed"
    );
    Ok(())
}

/// Waits until ksmd has merged the control mapping (`merged`) and then scanned everything twice
/// more, so that it has seen every mapping it was going to merge.
fn ksm_settle(merged: impl Fn() -> Result<bool, NotPassed>) -> TestResult {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(180);
    while !merged()? {
        ensure!(
            Instant::now() < deadline,
            "ksmd did not merge the control mapping in 180 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let scans = ksm_number("full_scans")?;
    println!(
        "# ksmd merged the control after {:.1} s (full scan {scans})",
        start.elapsed().as_secs_f64()
    );
    while ksm_number("full_scans")? < scans + 2 {
        ensure!(Instant::now() < deadline, "ksmd stopped scanning");
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn ksm_never_merges_tamalloc_pages_and_unmerging_commits_nothing() -> TestResult {
    let _ksm = [
        Setting::set(&format!("{KSM}/pages_to_scan"), "4000")?,
        Setting::set(&format!("{KSM}/sleep_millisecs"), "20")?,
        Setting::set(&format!("{KSM}/run"), "1")?,
    ];
    for zero_pages in [true, false] {
        let _zero = Setting::set(
            &format!("{KSM}/use_zero_pages"),
            if zero_pages { "1" } else { "0" },
        )?;
        for prctl in [false, true] {
            ksm_round(zero_pages, prctl)?;
        }
    }
    Ok(())
}

fn ksm_round(zero_pages: bool, prctl: bool) -> TestResult {
    let how = format!(
        "{} with use_zero_pages={}",
        if prctl {
            "PR_SET_MEMORY_MERGE"
        } else {
            "MADV_MERGEABLE"
        },
        zero_pages as u8
    );
    let before = lazy_zeroed()?;
    // One tamalloc mapping made before KSM is switched on for the process, one after.
    let mut early = Mapping::tamalloc(KSM_PAGES * PAGE).map_err(fail)?;
    let mut control = Mapping::anon(KSM_WRITTEN * PAGE).map_err(fail)?;
    let merge_any = if prctl { Some(MergeAny::on()?) } else { None };
    let mut late = Mapping::tamalloc(KSM_PAGES * PAGE).map_err(fail)?;
    for m in [&mut early, &mut late, &mut control] {
        if !prctl {
            // Accepted on tamalloc memory, as on shared memory: KSM just leaves it alone.
            let len = m.len();
            ensure_eq!(m.advise(0, len, libc::MADV_MERGEABLE), Ok(()), "{how}");
        }
        ksm_fill(m)?;
    }
    ensure_eq!(
        lazy_zeroed()? - before,
        2 * KSM_WRITTEN as u64,
        "lazy_zeroed_pages growth after the first writes ({how})"
    );
    // The control merges: its 16 pages of a pattern into one KSM page, its 16 pages of zeros
    // into another one or, with use_zero_pages, into the zero page (which Rss does not count).
    let control_addr = control.addr();
    ksm_settle(|| {
        let v = vma_at(control_addr)?;
        Ok(match zero_pages {
            // Whether smaps counts KSM's zero pages under KSM: depends on the kernel.
            true => v.rss_kb == 64 && v.ksm_kb >= 64,
            false => v.rss_kb == 128 && v.ksm_kb == 128,
        })
    })?;
    let seen: Vec<Vma> = [early.addr(), late.addr()]
        .into_iter()
        .map(vma_at)
        .collect::<Result<_, _>>()?;

    // Unmerging commits nothing, and writing the pages again is no first write.
    if prctl {
        drop(merge_any);
    } else {
        for m in [&mut early, &mut late, &mut control] {
            let len = m.len();
            ensure_eq!(
                m.advise(0, len, libc::MADV_UNMERGEABLE),
                Ok(()),
                "MADV_UNMERGEABLE ({how})"
            );
        }
    }
    ensure_eq!(
        lazy_zeroed()? - before,
        2 * KSM_WRITTEN as u64,
        "lazy_zeroed_pages growth after unmerging ({how})"
    );
    for m in [&mut early, &mut late] {
        ksm_fill(m)?;
    }
    ensure_eq!(
        lazy_zeroed()? - before,
        2 * KSM_WRITTEN as u64,
        "lazy_zeroed_pages growth after writing the same pages again ({how})"
    );
    // The rule: KSM never merges tamalloc memory (no VM_MERGEABLE, no KSM page, nothing
    // dropped from Rss).
    for (v, name) in seen.iter().zip(["made before", "made after"]) {
        ensure!(
            !v.has_flag("mg") && v.ksm_kb == 0 && v.rss_kb == (KSM_WRITTEN * 4) as u64,
            "tamalloc mapping {name} KSM was switched on ({how}), once ksmd had merged the \
             control: VmFlags {:?}, KSM {} kB, Rss {} kB (want no \"mg\", 0, {})",
            v.flags,
            v.ksm_kb,
            v.rss_kb,
            KSM_WRITTEN * 4
        );
    }
    for (m, what) in [(&mut early, "early"), (&mut late, "late")] {
        ksm_check(m, what)?;
    }
    ksm_check(&mut control, "control")?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// memory cgroups

/// A forked child that stops itself (SIGSTOP) at each step and is resumed with [`step`].
fn step(child: &usac::os::Child) -> TestResult {
    child.signal(Signal::SIGCONT).map_err(fail)?;
    child.wait_stopped().map_err(fail)
}

/// memory.stat is exact only after a flush: the kernel flushes every 2 s (FLUSH_TIME), and a
/// reader only when many updates are pending.
fn stat_after_flush(cg: &Cgroup, field: &str) -> Result<u64, NotPassed> {
    std::thread::sleep(Duration::from_millis(2500));
    cg.stat(field).map_err(fail)
}

fn memcg_anon_grows_by_exactly_the_pages_written() -> TestResult {
    const RESERVED: usize = 1024;
    const WRITTEN: usize = 300;
    let cg = Cgroup::new("usac-anon").map_err(fail)?;
    let child = fork(|| {
        let _ = raise(Signal::SIGSTOP); // moved into the cgroup meanwhile
        let Ok(m) = Mapping::tamalloc(RESERVED * PAGE) else {
            return 2;
        };
        let _ = raise(Signal::SIGSTOP); // reading 1: reserved, nothing written
        touch_pages(&m, 0..WRITTEN);
        let _ = raise(Signal::SIGSTOP); // reading 2
        0
    })
    .map_err(fail)?;
    let pid = child.raw_pid();
    child.wait_stopped().map_err(fail)?;
    cg.add(pid).map_err(fail)?;
    step(&child)?;
    let anon = stat_after_flush(&cg, "anon")?;
    let lazy = usac::mem_stats_process(pid)
        .map_err(fail)?
        .lazy_zeroed_pages;
    step(&child)?;
    let anon_grown = stat_after_flush(&cg, "anon")? - anon;
    let lazy_grown = usac::mem_stats_process(pid)
        .map_err(fail)?
        .lazy_zeroed_pages
        - lazy;
    ensure_eq!(
        (anon_grown, lazy_grown),
        ((WRITTEN * PAGE) as u64, WRITTEN as u64),
        "(memory.stat anon growth in bytes, the child's lazy_zeroed_pages growth) after its \
         first writes of {WRITTEN} pages of {RESERVED} reserved"
    );
    child.signal(Signal::SIGCONT).map_err(fail)?;
    ensure_eq!(child.wait().map_err(fail)?, Exit::Code(0), "child");
    Ok(())
}

fn memcg_limit_ends_in_the_cgroups_oom_kill_of_the_writer() -> TestResult {
    const LIMIT: &str = "16M";
    const HOG: usize = 64 << 20;
    let cg = Cgroup::new("usac-oom").map_err(fail)?;
    cg.write("memory.max", LIMIT).map_err(fail)?;
    cg.write("memory.swap.max", "0").map_err(fail)?;
    let global_kills = vmstat("oom_kill")?;
    // A bystander in the same cgroup, and the writer: 64 MiB of tamalloc memory.
    let bystander = fork(|| loop {
        let _ = raise(Signal::SIGSTOP);
    })
    .map_err(fail)?;
    bystander.wait_stopped().map_err(fail)?;
    cg.add(bystander.raw_pid()).map_err(fail)?;
    let hog = fork(|| {
        let _ = raise(Signal::SIGSTOP);
        let Ok(m) = Mapping::tamalloc(HOG) else {
            return 2;
        };
        touch_pages(&m, 0..HOG / PAGE);
        0 // survived: the test fails below
    })
    .map_err(fail)?;
    let hog_pid = hog.raw_pid();
    hog.wait_stopped().map_err(fail)?;
    cg.add(hog_pid).map_err(fail)?;
    hog.signal(Signal::SIGCONT).map_err(fail)?;
    ensure_eq!(
        hog.wait().map_err(fail)?,
        Exit::Signal(Signal::SIGKILL),
        "how the writer of {} MiB in a cgroup with memory.max {LIMIT} ended",
        HOG >> 20
    );
    ensure!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(bystander.raw_pid()), None).is_ok(),
        "the bystander in the cgroup was killed too"
    );
    ensure_eq!(
        (
            cg.event("oom_kill").map_err(fail)?,
            vmstat("oom_kill")? - global_kills
        ),
        (1, 1),
        "(memory.events oom_kill, /proc/vmstat oom_kill growth)"
    );
    let log = usac_selftests::dmesg().map_err(fail)?;
    let line = format!("Memory cgroup out of memory: Killed process {hog_pid} (");
    ensure!(log.contains(&line), "no '{line}' in dmesg");
    ensure!(
        log.contains("oom-kill:constraint=CONSTRAINT_MEMCG") && log.contains("oom_memcg=/usac-oom"),
        "dmesg does not name the cgroup's constraint"
    );
    bystander.kill();
    Ok(())
}

fn vmstat(field: &str) -> Result<u64, NotPassed> {
    let text = std::fs::read_to_string("/proc/vmstat").map_err(fail)?;
    keyed_in(&text, field).ok_or_else(|| fail(format!("no {field} in /proc/vmstat")))
}

// ---------------------------------------------------------------------------------------------
// NUMA

fn page_addrs(m: &Mapping, pages: Range<usize>) -> Vec<usize> {
    pages.map(|p| m.addr() + p * PAGE).collect()
}

fn numa_migration_moves_written_pages_and_commits_nothing() -> TestResult {
    const PAGES: usize = 64; // 0..32 written, 32..48 read, 48..64 untouched
    ensure!(
        std::path::Path::new("/sys/devices/system/node/node1").exists(),
        "the test needs two NUMA nodes (the VM has them: scripts/run-vm.sh)"
    );
    let mut t = Mapping::tamalloc(PAGES * PAGE).map_err(fail)?;
    let mut c = Mapping::anon(PAGES * PAGE).map_err(fail)?;
    for m in [&mut t, &mut c] {
        write_pattern(m, 0..32);
        read_pages(m, 32..48)?;
    }
    let before = lazy_zeroed()?;
    let (ta, ca) = (page_addrs(&t, 0..PAGES), page_addrs(&c, 0..PAGES));
    let nodes = |status: &[i32]| status[..32].iter().all(|&s| s == status[0]);
    let query = |what: &str| -> Result<(Vec<i32>, Vec<i32>), NotPassed> {
        let st = numa::move_pages(&ta, None).map_err(fail)?;
        let sc = numa::move_pages(&ca, None).map_err(fail)?;
        // Unwritten pages: what move_pages says of them is what it says of mmap memory's.
        ensure_eq!(
            &st[32..],
            &sc[32..],
            "move_pages status of the unwritten pages after {what}: tamalloc vs mmap"
        );
        ensure!(
            nodes(&st) && nodes(&sc) && st[0] == sc[0],
            "written pages split between nodes after {what}: {st:?} / {sc:?}"
        );
        Ok((st, sc))
    };
    query("writing")?;
    let moved = numa::move_pages(&ta, Some(1)).map_err(fail)?;
    let control = numa::move_pages(&ca, Some(1)).map_err(fail)?;
    ensure_eq!(&moved, &control, "move_pages to node 1: tamalloc vs mmap");
    ensure_eq!(query("move_pages")?.0[0], 1, "node after move_pages to 1");
    for m in [&mut t, &mut c] {
        numa::mbind_move(m.addr(), PAGES * PAGE, 0).map_err(|e| fail(format!("mbind: {e}")))?;
    }
    ensure_eq!(
        query("mbind")?.0[0],
        0,
        "node after mbind(MPOL_MF_MOVE) to 0"
    );
    numa::migrate_pages(0, 1).map_err(|e| fail(format!("migrate_pages: {e}")))?;
    ensure_eq!(
        query("migrate_pages")?.0[0],
        1,
        "node after migrate_pages 0 -> 1"
    );
    let vma = vma_at(t.addr())?;
    ensure_eq!(
        (lazy_zeroed()? - before, vma.rss_kb, vma.anon_huge_kb),
        (0, 128, 0),
        "(lazy_zeroed_pages growth, Rss kB, AnonHugePages kB) after three migrations of 32 \
         written pages"
    );
    for m in [&mut t, &mut c] {
        check_pages(m, 0..32, true, "after migration")?;
        check_pages(m, 32..PAGES, false, "after migration")?;
    }
    touch_pages(&t, 32..PAGES);
    ensure_eq!(
        lazy_zeroed()? - before,
        32,
        "lazy_zeroed_pages growth after the first writes of the 32 unwritten pages"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// cross-memory attach

fn writes_from_another_process_are_zero_filled_and_counted_in_the_target() -> TestResult {
    use nix::sys::uio::{process_vm_readv, process_vm_writev, RemoteIoVec};
    use std::io::{IoSlice, IoSliceMut};
    use std::os::unix::fs::FileExt;
    const PAGES: usize = 16;
    recycle_dirty_memory().map_err(fail)?;
    let (rx, tx) = nix::unistd::pipe().map_err(fail)?;
    let target = fork(|| {
        let Ok(m) = Mapping::tamalloc(PAGES * PAGE) else {
            return 2;
        };
        let _ = nix::unistd::write(&tx, &m.addr().to_ne_bytes());
        loop {
            let _ = raise(Signal::SIGSTOP);
        }
    })
    .map_err(fail)?;
    let mut addr = [0u8; 8];
    ensure_eq!(
        nix::unistd::read(&rx, &mut addr),
        Ok(8),
        "address from the target"
    );
    let addr = usize::from_ne_bytes(addr);
    target.wait_stopped().map_err(fail)?;
    let pid = target.raw_pid();
    let npid = nix::unistd::Pid::from_raw(pid);
    let theirs = || usac::mem_stats_process(pid).map(|s| s.lazy_zeroed_pages);
    let (mine0, theirs0) = (lazy_zeroed()?, theirs().map_err(fail)?);

    // 100 bytes into page 0, 200 across the boundary of pages 1 and 2 (process_vm_writev), 50
    // into page 5 (/proc/PID/mem): four first writes, in the target.
    let (a, b, c) = ([0xa1u8; 100], [0xb2u8; 200], [0xc3u8; 50]);
    let remote = [
        RemoteIoVec {
            base: addr + 1000,
            len: a.len(),
        },
        RemoteIoVec {
            base: addr + 2 * PAGE - 100,
            len: b.len(),
        },
    ];
    ensure_eq!(
        process_vm_writev(npid, &[IoSlice::new(&a), IoSlice::new(&b)], &remote),
        Ok(300),
        "process_vm_writev"
    );
    let mem = std::fs::File::options()
        .read(true)
        .write(true)
        .open(format!("/proc/{pid}/mem"))
        .map_err(fail)?;
    ensure_eq!(
        mem.write_at(&c, (addr + 5 * PAGE + 7) as u64)
            .map_err(fail)?,
        50,
        "write to /proc/PID/mem"
    );
    let mut want = vec![0u8; PAGES * PAGE];
    want[1000..1100].fill(0xa1);
    want[2 * PAGE - 100..2 * PAGE + 100].fill(0xb2);
    want[5 * PAGE + 7..5 * PAGE + 57].fill(0xc3);
    let counts = |what: &str| -> TestResult {
        ensure_eq!(
            (
                theirs().map_err(fail)? - theirs0,
                lazy_zeroed()? - mine0,
                vma_of(pid, addr)?.rss_kb
            ),
            (4, 0, 16),
            "(target's lazy_zeroed_pages growth, writer's, target's Rss kB) after {what}"
        );
        Ok(())
    };
    counts("writing into 4 of its pages")?;
    // Read back, all 16 pages: the written bytes in zeros; reading commits nothing.
    let mut got = vec![0u8; PAGES * PAGE];
    ensure_eq!(
        process_vm_readv(
            npid,
            &mut [IoSliceMut::new(&mut got)],
            &[RemoteIoVec {
                base: addr,
                len: PAGES * PAGE
            }]
        ),
        Ok(PAGES * PAGE),
        "process_vm_readv"
    );
    ensure!(
        got == want,
        "process_vm_readv: the target's pages differ from what was written"
    );
    got.fill(0xff);
    ensure_eq!(
        mem.read_at(&mut got, addr as u64).map_err(fail)?,
        PAGES * PAGE,
        "read of /proc/PID/mem"
    );
    ensure!(
        got == want,
        "/proc/PID/mem: the target's pages differ from what was written"
    );
    counts("reading all 16 pages back")?;
    target.kill();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// memory failure

fn soft_offline_behaves_as_on_mmap_memory() -> TestResult {
    let mut t = Mapping::tamalloc(4 * PAGE).map_err(fail)?;
    let mut c = Mapping::anon(4 * PAGE).map_err(fail)?;
    // Pages 0 and 1 written, 2 read, 3 untouched.
    for m in [&mut t, &mut c] {
        write_pattern(m, 0..2);
        read_pages(m, 2..3)?;
    }
    let before = lazy_zeroed()?;
    for (p, what) in [(0, "a written"), (2, "a read"), (3, "an untouched")] {
        let rt = t.advise(p * PAGE, PAGE, libc::MADV_SOFT_OFFLINE);
        let rc = c.advise(p * PAGE, PAGE, libc::MADV_SOFT_OFFLINE);
        println!("# MADV_SOFT_OFFLINE of {what} page: tamalloc {rt:?}, mmap {rc:?}");
        ensure_eq!(rt, rc, "MADV_SOFT_OFFLINE of {what} page: tamalloc vs mmap");
        if p == 0 {
            ensure_eq!(rt, Ok(()), "MADV_SOFT_OFFLINE of a written page");
        }
    }
    let vma = vma_at(t.addr())?;
    ensure_eq!(
        (lazy_zeroed()? - before, vma.rss_kb),
        (0, 8),
        "(lazy_zeroed_pages growth, Rss kB) after soft-offlining"
    );
    for m in [&mut t, &mut c] {
        check_pages(m, 0..2, true, "after MADV_SOFT_OFFLINE")?;
        check_pages(m, 2..4, false, "after MADV_SOFT_OFFLINE")?;
    }
    touch_pages(&t, 2..4);
    ensure_eq!(
        lazy_zeroed()? - before,
        2,
        "lazy_zeroed_pages growth after the first writes of the read and the untouched page"
    );
    Ok(())
}

/// MADV_HWPOISON of a written page, in a child: the other page stays intact and counted, the
/// poisoned one kills with SIGBUS on access, as on mmap memory. (An unwritten page is the
/// kernel's shared zero page, for mmap memory just the same: poisoning it would poison every
/// process's zeros, so unwritten pages are checked with MADV_SOFT_OFFLINE only.)
fn hwpoison_of_a_written_page_kills_on_access_as_on_mmap_memory() -> TestResult {
    for tamalloc in [true, false] {
        let exit = in_child(|| {
            let m = if tamalloc {
                Mapping::tamalloc(2 * PAGE).ok()
            } else {
                Mapping::anon(2 * PAGE).ok()
            };
            let Some(mut m) = m else { return 2 };
            let Ok(before) = own_lazy_zeroed() else {
                return 3;
            };
            write_pattern(&mut m, 0..2);
            if m.advise(0, PAGE, libc::MADV_HWPOISON).is_err() {
                return 4;
            }
            if m.read_byte(PAGE + 9) != pattern(1, 9) {
                return 5;
            }
            let counted = if tamalloc { 2 } else { 0 };
            if own_lazy_zeroed().map(|l| l - before) != Ok(counted) {
                return 6;
            }
            m.read_byte(9) as i32 // SIGBUS
        })
        .map_err(fail)?;
        let what = if tamalloc { "tamalloc" } else { "mmap" };
        ensure_eq!(
            exit,
            Exit::Signal(Signal::SIGBUS),
            "child reading its {what} page after MADV_HWPOISON (2: no mapping, 3: no \
             statistics, 4: madvise failed, 5: other page changed, 6: first writes miscounted)"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// HMM

fn hmm_migrates_written_pages_and_leaves_reserved_ones_alone() -> TestResult {
    const PAGES: usize = 64;
    let dev = Dmirror::open(0).map_err(fail)?;
    let mut t = Mapping::tamalloc(PAGES * PAGE).map_err(fail)?;
    let (addr, len) = (t.addr(), PAGES * PAGE);
    write_pattern(&mut t, 0..PAGES);
    let before = lazy_zeroed()?;
    ensure_eq!(
        dev.migrate_to_device(addr, len),
        Ok(PAGES as u64),
        "written pages to the device"
    );
    ensure_eq!(
        dev.migrate_to_system(addr, len),
        Ok(PAGES as u64),
        "written pages back"
    );
    check_pages(&mut t, 0..PAGES, true, "back from the device")?;
    ensure_eq!(
        dev.migrate_to_device(addr, len),
        Ok(PAGES as u64),
        "written pages to the device again"
    );
    // Back through CPU faults on the device's pages this time.
    check_pages(&mut t, 0..PAGES, true, "faulted back from the device")?;
    let vma = vma_at(addr)?;
    ensure_eq!(
        (lazy_zeroed()? - before, vma.rss_kb),
        (0, (PAGES * 4) as u64),
        "(lazy_zeroed_pages growth, Rss kB) after two round trips of {PAGES} written pages"
    );

    // Two 2 MiB-aligned windows of reserved pages: one untouched (a hole of a whole page
    // table, which a kernel that migrates compound pages takes as one huge page), one with 8
    // pages read (zero-page entries) and 504 untouched. Nothing to migrate: nothing may be
    // filled in behind the shim, nor a huge page mapped.
    let mut r = Mapping::tamalloc(3 * HUGE).map_err(fail)?;
    let first = (r.addr().next_multiple_of(HUGE) - r.addr()) / PAGE;
    let windows = [first..first + 512, first + 512..first + 1024];
    read_pages(&r, windows[1].start..windows[1].start + 8)?;
    let before = lazy_zeroed()?;
    for (w, what) in windows.iter().zip(["untouched", "8 read, 504 untouched"]) {
        let at = r.addr() + w.start * PAGE;
        let moved = dev.migrate_to_device(at, HUGE);
        let back = dev.migrate_to_system(at, HUGE);
        println!("# 512 reserved pages ({what}) to the device: {moved:?}, back: {back:?}");
        let vma = vma_at(r.addr())?;
        ensure_eq!(
            (lazy_zeroed()? - before, vma.rss_kb, vma.anon_huge_kb),
            (0, 0, 0),
            "(lazy_zeroed_pages growth, Rss kB, AnonHugePages kB) after migrating 512 \
             reserved pages ({what}) to the device ({moved:?}) and back ({back:?})"
        );
        // The driver reads the range back from its own memory: ENOENT, nothing is there.
        ensure_eq!(
            moved,
            Err(Errno::ENOENT),
            "reserved pages ({what}) to the device"
        );
    }
    check_pages(&mut r, first..first + 1024, false, "reserved")?;
    ensure_eq!(
        vma_at(r.addr())?.rss_kb,
        0,
        "Rss kB after reading both windows"
    );
    touch_pages(&r, first..first + 1024);
    let vma = vma_at(r.addr())?;
    ensure_eq!(
        (lazy_zeroed()? - before, vma.rss_kb, vma.anon_huge_kb),
        (1024, 4096, 0),
        "(lazy_zeroed_pages growth, Rss kB, AnonHugePages kB) after the first writes of both \
         windows"
    );

    // Control: ordinary memory's unwritten pages do go to the device (filled there).
    let c = Mapping::anon(3 * HUGE).map_err(fail)?;
    let coff = c.addr().next_multiple_of(HUGE) - c.addr();
    ensure_eq!(
        dev.migrate_to_device(c.addr() + coff, HUGE),
        Ok(512),
        "control: 512 untouched mmap pages to the device"
    );
    Ok(())
}

/// A process in a Landlock domain may not ptrace the processes outside it, so the statistics
/// calls hide them, even from root, as /proc with hidepid=invisible would; root outside the
/// domain still sees the process inside.
fn an_lsm_that_denies_ptrace_read_hides_the_process() -> TestResult {
    let before = usac::mem_stats_all().map_err(fail)?.len() as u64;
    let child = fork(|| {
        let check = || -> Result<(), String> {
            usac::os::landlock::restrict_self().map_err(|e| format!("landlock: {e}"))?;
            let me = std::process::id() as i32;
            match usac::mem_stats_process(1) {
                Err(e) if e.errno() == libc::ESRCH => {}
                other => return Err(format!("pid 1 from the domain: {other:?}, want ESRCH")),
            }
            let pids: Vec<i32> = usac::mem_stats_all()
                .map_err(|e| e.to_string())?
                .iter()
                .map(|e| e.pid)
                .collect();
            if pids != [me] {
                return Err(format!("listing from the domain: {pids:?}, want [{me}]"));
            }
            let g = usac::mem_stats_global().map_err(|e| e.to_string())?;
            if (g.nr_processes, g.nr_hidden) != (1, before) {
                return Err(format!(
                    "global from the domain (processes, hidden): ({}, {}), want (1, {before})",
                    g.nr_processes, g.nr_hidden
                ));
            }
            // Stay, so that root can look at the process.
            raise(Signal::SIGSTOP).map_err(|e| e.to_string())
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
    child.wait_stopped().map_err(fail)?;
    let seen = usac::mem_stats_process(child.raw_pid()).map_err(fail)?;
    ensure_eq!(
        seen.pid,
        child.raw_pid(),
        "root's view of the process in the domain"
    );
    child.signal(Signal::SIGCONT).map_err(fail)?;
    ensure_eq!(
        child.wait().map_err(fail)?,
        Exit::Code(0),
        "calls from the domain (reason above)"
    );
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac distro",
        &[
            (
                "written_pages_go_to_swap_and_zswap_and_come_back_without_a_new_zero_fill",
                written_pages_go_to_swap_and_zswap_and_come_back_without_a_new_zero_fill,
            ),
            (
                "ksm_never_merges_tamalloc_pages_and_unmerging_commits_nothing",
                ksm_never_merges_tamalloc_pages_and_unmerging_commits_nothing,
            ),
            (
                "memcg_anon_grows_by_exactly_the_pages_written",
                memcg_anon_grows_by_exactly_the_pages_written,
            ),
            (
                "memcg_limit_ends_in_the_cgroups_oom_kill_of_the_writer",
                memcg_limit_ends_in_the_cgroups_oom_kill_of_the_writer,
            ),
            (
                "numa_migration_moves_written_pages_and_commits_nothing",
                numa_migration_moves_written_pages_and_commits_nothing,
            ),
            (
                "writes_from_another_process_are_zero_filled_and_counted_in_the_target",
                writes_from_another_process_are_zero_filled_and_counted_in_the_target,
            ),
            (
                "soft_offline_behaves_as_on_mmap_memory",
                soft_offline_behaves_as_on_mmap_memory,
            ),
            (
                "hwpoison_of_a_written_page_kills_on_access_as_on_mmap_memory",
                hwpoison_of_a_written_page_kills_on_access_as_on_mmap_memory,
            ),
            (
                "hmm_migrates_written_pages_and_leaves_reserved_ones_alone",
                hmm_migrates_written_pages_and_leaves_reserved_ones_alone,
            ),
            (
                "an_lsm_that_denies_ptrace_read_hides_the_process",
                an_lsm_that_denies_ptrace_read_hides_the_process,
            ),
        ],
    )
}
