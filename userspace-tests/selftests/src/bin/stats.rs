//! zamora_mem_stats_process / zamora_mem_stats_global selftest: exact against /proc for processes
//! that hold still, bounded writes, precise errnos, pid namespaces, and listings under fork churn.

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use nix::sched::{unshare, CloneFlags};
use nix::sys::signal::{raise, Signal};
use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use usac::os::{fork, in_child, Child, Exit, FileMapping, MapFlags, Mapping, ProtFlags};
use usac::{
    mem_stats_all, mem_stats_count, mem_stats_global, mem_stats_process, mem_stats_process_into,
    mem_stats_process_raw, sys, GlobalStats, ProcStats, Tamalloc,
};
use usac_selftests::memory;
use usac_selftests::procfs::{compare_with_proc, exists, process_count, status_field, Compared};
use usac_selftests::snapshot::{still_listing_and_global, Sums};

const PAGE: usize = 4096;

/// Child processes that set their oom_score_adj, commit some memory and stop themselves, so
/// that their numbers hold still; killed on drop. Each also maps a file of a real filesystem
/// (ramfs), shared (every page written) and private (half read, half written: copied), so that
/// their RSS has file pages besides anonymous and shmem ones.
struct StoppedHelpers(Vec<Child>);

/// The size of the file each helper maps, and the file pages it maps: all of the shared
/// mapping and the half of the private one it only reads.
const HELPER_FILE: usize = 1 << 20;
const HELPER_FILE_KB: u64 = (HELPER_FILE + HELPER_FILE / 2) as u64 / 1024;

impl StoppedHelpers {
    fn start(specs: &[(i32, usize)]) -> Result<Self, NotPassed> {
        let file = memory::ramfs_file("stopped-helpers", HELPER_FILE).map_err(fail)?;
        let mut helpers = StoppedHelpers(Vec::new());
        for &(adj, mib) in specs {
            let child = fork(|| {
                let _ = std::fs::write("/proc/self/oom_score_adj", adj.to_string());
                let mut v = vec![0u8; mib << 20];
                for i in (0..v.len()).step_by(PAGE) {
                    v[i] = 1;
                }
                let (Ok(shared), Ok(private)) = (
                    FileMapping::new(&file, HELPER_FILE, MapFlags::MAP_SHARED),
                    FileMapping::new(&file, HELPER_FILE, MapFlags::MAP_PRIVATE),
                ) else {
                    return 1;
                };
                for o in (0..HELPER_FILE).step_by(PAGE) {
                    shared.write_byte(o, 1);
                    if o < HELPER_FILE / 2 {
                        private.read_byte(o);
                    } else {
                        private.write_byte(o, 2);
                    }
                }
                let _ = raise(Signal::SIGSTOP);
                std::hint::black_box((&v, &shared, &private));
                0
            })
            .map_err(fail)?;
            child.wait_stopped().map_err(fail)?;
            helpers.0.push(child);
        }
        // /proc's own breakdown shows the file pages (the syscall has only their sum).
        for pid in helpers.pids() {
            let kb = status_field(&pid.to_string(), "RssFile").map_err(fail)?;
            ensure!(
                kb >= HELPER_FILE_KB,
                "helper {pid}: RssFile {kb} kB, it maps {HELPER_FILE_KB} kB of a ramfs file"
            );
        }
        Ok(helpers)
    }

    fn pids(&self) -> impl Iterator<Item = i32> + '_ {
        self.0.iter().map(Child::raw_pid)
    }
}

fn listing_matches_proc_for_still_processes() -> TestResult {
    let helpers = StoppedHelpers::start(&[(-1000, 1), (0, 2), (500, 8), (1000, 16)])?;
    let me = std::process::id() as i32;
    let list = mem_stats_all().map_err(fail)?;
    let mut gone = Vec::new();
    // Every other process of the quiescent VM holds still: each must equal /proc, unless /proc
    // shows that it has exited since.
    for e in list.iter().filter(|e| e.pid != me) {
        if compare_with_proc(e).map_err(fail)? == Compared::Gone {
            gone.push(e.pid);
        }
    }
    let compared = list.len() - 1 - gone.len();
    for pid in helpers.pids() {
        ensure!(
            list.iter().any(|e| e.pid == pid),
            "helper {pid} missing from the listing"
        );
        // The stopped helpers cannot have exited: each must have been compared with /proc.
        ensure!(!gone.contains(&pid), "helper {pid} gone from /proc");
    }
    // Only a kernel thread (a worker timing out) may exit in a quiescent VM.
    ensure!(
        gone.iter()
            .all(|&pid| list.iter().any(|e| e.pid == pid && e.is_kthread())),
        "processes gone during the test: {gone:?}"
    );
    let adjs: Vec<i32> = helpers
        .pids()
        .filter_map(|p| list.iter().find(|e| e.pid == p))
        .map(|e| e.oom_score_adj)
        .collect();
    ensure_eq!(adjs, vec![-1000, 0, 500, 1000], "helpers' oom_score_adj");
    let scores: Vec<i32> = helpers
        .pids()
        .filter_map(|p| list.iter().find(|e| e.pid == p))
        .map(|e| e.oom_score)
        .collect();
    ensure!(
        scores[0] == 0 && scores[1] < scores[2] && scores[2] < scores[3],
        "scores {scores:?}"
    );
    println!(
        "# {compared} processes equal to /proc, {} listed, {} gone since",
        list.len(),
        gone.len()
    );
    Ok(())
}

/// How many processes /proc lists.
fn proc_count() -> Result<usize, NotPassed> {
    process_count().map_err(|e| fail(format!("/proc: {e}")))
}

/// Runs `f` between two counts of /proc's processes; returns the range of the two and `f`'s
/// result. In a quiescent VM only kernel threads come and go, so a count `f` sees lies in it.
fn between_proc_counts<T>(
    f: impl FnOnce() -> Result<T, NotPassed>,
) -> Result<(RangeInclusive<usize>, T), NotPassed> {
    let before = proc_count()?;
    let result = f()?;
    let after = proc_count()?;
    Ok((before.min(after)..=before.max(after), result))
}

/// A listing of the processes /proc lists at the same moment: taken again (a bounded number of
/// times) only while /proc's set changes around it.
fn listing_as_proc_lists() -> Result<Vec<ProcStats>, NotPassed> {
    let pids = || usac_selftests::procfs::pids().map_err(|e| fail(format!("/proc: {e}")));
    for _ in 0..10 {
        let before = pids()?;
        let list = mem_stats_all().map_err(fail)?;
        if pids()? == before {
            let listed: Vec<i32> = list.iter().map(|e| e.pid).collect();
            ensure_eq!(listed, before, "pids listed vs /proc");
            return Ok(list);
        }
    }
    Err(fail("/proc's processes changed around 10 listings"))
}

fn ascending_unique_pids_and_flagged_kernel_threads() -> TestResult {
    let list = listing_as_proc_lists()?;
    ensure!(
        list.windows(2).all(|w| w[0].pid < w[1].pid),
        "pids not strictly ascending"
    );
    let kthreads: Vec<_> = list.iter().filter(|e| e.is_kthread()).collect();
    ensure!(!kthreads.is_empty(), "no kernel threads listed");
    for k in &kthreads {
        ensure!(
            k.flags == sys::ZAMORA_PROC_KTHREAD | sys::ZAMORA_PROC_NO_MM,
            "kthread {} flags {:#x}",
            k.pid,
            k.flags
        );
        ensure!(
            k.reserved_kb == 0
                && k.committed_kb == 0
                && k.committed_pct_x100 == 0
                && k.tamalloc_kb == 0
                && k.lazy_zeroed_pages == 0
                && k.oom_score == 0,
            "kthread {} has numbers: {k:?}",
            k.pid
        );
    }
    // Every process that is no kernel thread has an address space while it runs.
    for e in list.iter().filter(|e| !e.is_kthread()) {
        ensure_eq!(e.flags, 0, "flags of pid {} ({})", e.pid, e.comm());
    }
    // And /proc agrees on which ones are kernel threads (compare_with_proc reads Kthread:).
    let me = std::process::id() as i32;
    for e in list.iter().filter(|e| e.pid != me) {
        compare_with_proc(e).map_err(fail)?;
    }
    let init = &list[0];
    ensure!(
        init.pid == 1 && init.comm() == "init" && init.reserved_kb > 0,
        "first entry: {init:?}"
    );
    Ok(())
}

fn one_pid_and_a_thread_id_resolve_to_the_process() -> TestResult {
    let helpers = StoppedHelpers::start(&[(300, 4)])?;
    let pid = helpers.pids().next().expect("one helper");
    let one = mem_stats_process(pid).map_err(fail)?;
    let listed = mem_stats_all()
        .map_err(fail)?
        .into_iter()
        .find(|e| e.pid == pid);
    ensure_eq!(Some(one), listed, "single-pid entry vs listing entry");
    ensure_eq!(
        compare_with_proc(&one).map_err(fail)?,
        Compared::Equal,
        "stopped helper {pid} vs /proc"
    );
    let me = std::process::id() as i32;
    let via_thread = std::thread::scope(|s| {
        s.spawn(|| {
            let tid = nix::unistd::gettid().as_raw();
            mem_stats_process(tid).map(|e| (tid, e.pid))
        })
        .join()
    })
    .map_err(|_| fail("thread"))?
    .map_err(fail)?;
    ensure!(via_thread.0 != me, "the thread id is the process id");
    ensure_eq!(via_thread.1, me, "pid reported for thread {}", via_thread.0);
    Ok(())
}

fn short_buffer_gets_exactly_count_entries() -> TestResult {
    let count = || mem_stats_count().map_err(fail);
    let (range, total) = between_proc_counts(count)?;
    ensure!(
        range.contains(&total),
        "size query says {total}, /proc {range:?}"
    );
    let canary = ProcStats {
        pid: 0x5a5a5a5a,
        reserved_kb: 0xdead_beef_dead_beef,
        ..Default::default()
    };
    let mut buf = vec![canary; 4];
    let (range, found) =
        between_proc_counts(|| mem_stats_process_into(0, &mut buf[..2], 0).map_err(fail))?;
    ensure!(range.contains(&found), "found {found}, /proc {range:?}");
    // The first two processes are init and kthreadd; both hold still: each entry equals /proc.
    let pids: Vec<i32> = buf[..2].iter().map(|e| e.pid).collect();
    ensure_eq!(pids, [1, 2], "the pids of the two entries");
    for e in &buf[..2] {
        ensure_eq!(
            compare_with_proc(e).map_err(fail)?,
            Compared::Equal,
            "entry of pid {} vs /proc",
            e.pid
        );
    }
    ensure_eq!(buf[2], canary, "entry after count");
    ensure_eq!(buf[3], canary, "second entry after count");
    // A buffer with a count of 0: `one`'s address, with no room.
    let mut one = [canary];
    let (range, found) =
        between_proc_counts(|| mem_stats_process_into(0, &mut one[..0], 0).map_err(fail))?;
    ensure!(
        range.contains(&found),
        "count 0: found {found}, /proc {range:?}"
    );
    ensure_eq!(one[0], canary, "buffer with count 0");
    Ok(())
}

/// EFAULT in the middle of a listing: the buffer runs from a writable page through an
/// inaccessible one into a writable one again, record `k` straddling the first boundary. The
/// records before it are written (the first processes, in ascending order), and nothing after
/// the fault is: the third page keeps its canary bytes.
fn a_faulting_copy_writes_the_records_before_the_fault_only() -> TestResult {
    const CANARY: u8 = 0xa5;
    let rec = std::mem::size_of::<ProcStats>();
    let k = 3;
    // Enough processes for the records to reach the third page.
    let _sleepers: Vec<Child> = (0..2 * PAGE / rec + 16)
        .map(|_| {
            fork(|| loop {
                nix::unistd::pause()
            })
            .map_err(fail)
        })
        .collect::<Result<_, _>>()?;
    let mut m = Mapping::anon(3 * PAGE).map_err(fail)?;
    m.fill(0, 3 * PAGE, CANARY);
    m.protect(PAGE, PAGE, ProtFlags::PROT_NONE).map_err(fail)?;
    let start = PAGE - k * rec - rec / 2;
    let count = (3 * PAGE - start) / rec;
    // SAFETY: the kernel writes at most `count` records from `start`, inside the mapping; the
    // bytes it can reach are pages 0 and 2, which only this test reads, after the call.
    let got = unsafe { mem_stats_process_raw(0, (m.addr() + start) as *mut ProcStats, count, 0) };
    ensure_eq!(
        got.map_err(|e| e.errno()),
        Err(libc::EFAULT),
        "listing across PROT_NONE"
    );
    let pid_at = |i: usize| {
        let at = start + i * rec;
        i32::from_ne_bytes([0, 1, 2, 3].map(|b| m.read_byte(at + b)))
    };
    let pids: Vec<i32> = (0..k).map(pid_at).collect();
    ensure!(
        pids[0] == 1 && pids.windows(2).all(|w| w[0] < w[1]),
        "pids of the {k} records before the fault: {pids:?}"
    );
    let written_after = (2 * PAGE..3 * PAGE)
        .filter(|&i| m.read_byte(i) != CANARY)
        .count();
    ensure_eq!(written_after, 0, "bytes written after the faulting record");
    Ok(())
}

fn bad_input_gets_a_precise_errno() -> TestResult {
    let mut e = ProcStats::default();
    let kernel_addr = 0xffff_8880_0000_0000usize as *mut ProcStats;
    let reaped = match in_child(|| 0).map_err(fail)? {
        Exit::Code(0) => mem_stats_process(i32::MAX), // a pid that cannot exist
        other => return Err(fail(format!("child: {other:?}"))),
    };
    let mut into = |pid, flags| {
        mem_stats_process_into(pid, std::slice::from_mut(&mut e), flags).map_err(|err| err.errno())
    };
    let cases: Vec<(&str, Result<usize, i32>, i32)> = vec![
        ("pid -1", into(-1, 0), libc::EINVAL),
        ("pid i32::MIN", into(i32::MIN, 0), libc::EINVAL),
        ("flags 1", into(0, 1), libc::EINVAL),
        ("flags 1<<31", into(1, 1 << 31), libc::EINVAL),
        (
            "no such pid",
            reaped.map(|_| 0).map_err(|e| e.errno()),
            libc::ESRCH,
        ),
        (
            "NULL buffer",
            // SAFETY: page 0 is never mapped (vm.mmap_min_addr): the kernel cannot write there.
            unsafe { mem_stats_process_raw(1, std::ptr::null_mut(), 1, 0) }.map_err(|e| e.errno()),
            libc::EFAULT,
        ),
        (
            "kernel buffer",
            // SAFETY: not a user address: the kernel refuses to write there.
            unsafe { mem_stats_process_raw(0, kernel_addr, 1, 0) }.map_err(|e| e.errno()),
            libc::EFAULT,
        ),
    ];
    for (what, got, errno) in cases {
        ensure_eq!(got, Err(errno), "{what}");
    }
    let nr = sys::__NR_zamora_mem_stats_global;
    // SAFETY: null: page 0 is never mapped (vm.mmap_min_addr), the kernel cannot write there.
    let null = unsafe { sys::syscall4(nr, 0, 0, 0, 0) };
    ensure_eq!(null, Err(libc::EFAULT), "global NULL");
    let mut g = GlobalStats::default();
    // SAFETY: `g` is valid for writes of the record.
    let bad_flags = unsafe { sys::syscall4(nr, &mut g as *mut GlobalStats as usize, 2, 0, 0) };
    ensure_eq!(bad_flags, Err(libc::EINVAL), "global flags");
    ensure_eq!(g, GlobalStats::default(), "global wrote on EINVAL");
    Ok(())
}

fn child_pid_namespace_sees_only_its_own() -> TestResult {
    let exit = in_child(|| {
        if unshare(CloneFlags::CLONE_NEWPID).is_err() {
            return 10;
        }
        // The next child is pid 1 of the new namespace.
        match in_child(|| match mem_stats_all() {
            Ok(list) if list.len() == 1 && list[0].pid == 1 => match mem_stats_process(1) {
                Ok(e) if e.pid == 1 => match mem_stats_process(std::process::id() as i32 + 1000) {
                    Err(e) if e.errno() == libc::ESRCH => 0,
                    _ => 13,
                },
                _ => 12,
            },
            _ => 11,
        }) {
            Ok(Exit::Code(c)) => c,
            _ => 20,
        }
    })
    .map_err(fail)?;
    ensure_eq!(
        exit,
        Exit::Code(0),
        "child namespace (10 unshare, 11 listing, 12 pid 1, 13 outsider)"
    );
    Ok(())
}

fn global_equals_the_sum_of_a_listing() -> TestResult {
    let _helpers = StoppedHelpers::start(&[(0, 4), (0, 1)])?;
    let (list, g) = still_listing_and_global().map_err(fail)?;
    ensure_eq!(
        Sums::of_global(&g),
        Sums::of_listing(&list),
        "global vs the sums of a listing of the same moment"
    );
    ensure_eq!(g.reserved_mb, g.reserved_kb / 1024, "reserved_mb");
    ensure_eq!(g.committed_mb, g.committed_kb / 1024, "committed_mb");
    let meminfo = std::fs::read_to_string("/proc/meminfo").map_err(fail)?;
    let total = usac_selftests::procfs::field_in(&meminfo, "MemTotal");
    ensure_eq!(Some(g.totalram_kb), total, "totalram_kb vs MemTotal");
    ensure_eq!(g.nr_hidden, 0, "nr_hidden (root sees every process)");
    ensure_eq!(g.__spare, [0; 3], "__spare");
    Ok(())
}

/// The global tamalloc counters as (tamalloc_kb, lazy_zeroed_pages).
fn global_tamalloc() -> Result<(u64, u64), NotPassed> {
    let g = mem_stats_global().map_err(fail)?;
    Ok((g.tamalloc_kb, g.lazy_zeroed_pages))
}

fn tamalloc_counters_follow_tamalloc_touch_munmap() -> TestResult {
    // No other process of the quiescent VM maps or writes tamalloc memory: the global counters
    // move exactly as ours do.
    let me = std::process::id() as i32;
    let before = mem_stats_process(me).map_err(fail)?;
    let g_before = global_tamalloc()?;
    let mut m = Tamalloc::new(64 * PAGE).map_err(fail)?;
    let reserved = mem_stats_process(me).map_err(fail)?;
    ensure_eq!(
        reserved.tamalloc_kb - before.tamalloc_kb,
        256,
        "tamalloc_kb after reserving 64 pages"
    );
    ensure_eq!(
        reserved.lazy_zeroed_pages,
        before.lazy_zeroed_pages,
        "lazy_zeroed before touching"
    );
    ensure_eq!(
        global_tamalloc()?,
        (g_before.0 + 256, g_before.1),
        "global (tamalloc_kb, lazy_zeroed_pages) after reserving 64 pages"
    );
    for p in 0..10 {
        m.as_mut_slice()[p * PAGE] = 1;
    }
    let touched = mem_stats_process(me).map_err(fail)?;
    ensure_eq!(
        touched.lazy_zeroed_pages - before.lazy_zeroed_pages,
        10,
        "lazy_zeroed after 10 writes"
    );
    ensure_eq!(
        global_tamalloc()?,
        (g_before.0 + 256, g_before.1 + 10),
        "global (tamalloc_kb, lazy_zeroed_pages) after 10 writes"
    );
    drop(m);
    let after = mem_stats_process(me).map_err(fail)?;
    ensure_eq!(
        after.tamalloc_kb,
        before.tamalloc_kb,
        "tamalloc_kb after munmap"
    );
    ensure_eq!(
        after.lazy_zeroed_pages,
        touched.lazy_zeroed_pages,
        "lazy_zeroed is cumulative"
    );
    ensure_eq!(
        global_tamalloc()?,
        (g_before.0, g_before.1 + 10),
        "global (tamalloc_kb, lazy_zeroed_pages) after munmap"
    );
    Ok(())
}

/// The processes of a listing that have an address space.
fn with_mm(list: &[ProcStats]) -> u64 {
    list.iter()
        .filter(|e| e.flags & sys::ZAMORA_PROC_NO_MM == 0)
        .count() as u64
}

/// A counter in a page shared with forked children; unmapped on drop.
struct SharedCounter(Mapping);

impl SharedCounter {
    fn new() -> Result<Self, NotPassed> {
        let rw = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        Ok(SharedCounter(
            Mapping::anon_with(PAGE, rw, MapFlags::MAP_SHARED).map_err(fail)?,
        ))
    }

    fn add_one(&self) {
        self.0.atomic_u64(0).fetch_add(1, Ordering::SeqCst);
    }

    fn load(&self) -> u64 {
        self.0.atomic_u64(0).load(Ordering::SeqCst)
    }
}

/// Forks a child that forks and reaps children until `churn_for` has passed, counting in
/// `forks` each fork before it makes it.
fn start_churner(churn_for: Duration, forks: &SharedCounter) -> Result<Child, NotPassed> {
    fork(|| {
        let deadline = Instant::now() + churn_for;
        while Instant::now() < deadline {
            forks.add_one();
            if in_child(|| 0).is_err() {
                return 1;
            }
        }
        0
    })
    .map_err(fail)
}

fn listings_while_processes_fork_and_exit() -> TestResult {
    let churn_for = Duration::from_secs(3);
    let stable = listing_as_proc_lists()?;
    let forks = SharedCounter::new()?;
    let churner = start_churner(churn_for, &forks)?;
    let me = std::process::id() as i32;
    let deadline = Instant::now() + churn_for;
    let (mut listings, mut max_len) = (0, 0);
    let mut missing = BTreeSet::new();
    // Besides the processes listed before, a call can only find with an address space the
    // churner, the child it had when the call began, and those it forked during the call (pids
    // ascend, so a walk can meet several).
    let mm_range = |forks_before: u64, forks_after: u64| {
        with_mm(&stable)..=with_mm(&stable) + 2 + (forks_after - forks_before)
    };
    while Instant::now() < deadline {
        let f0 = forks.load();
        let list = mem_stats_all().map_err(fail)?;
        let f1 = forks.load();
        let g = mem_stats_global().map_err(fail)?;
        let f2 = forks.load();
        ensure!(
            list.windows(2).all(|w| w[0].pid < w[1].pid),
            "listing out of order"
        );
        let has = |pid| list.binary_search_by_key(&pid, |e| e.pid).is_ok();
        for pid in [1, me, churner.raw_pid()] {
            ensure!(
                has(pid),
                "pid {pid} missing from a listing during the churn"
            );
        }
        // A process listed before may only be missing once it has exited (checked below).
        missing.extend(stable.iter().map(|e| e.pid).filter(|&pid| !has(pid)));
        for (what, n, range) in [
            ("listing", with_mm(&list), mm_range(f0, f1)),
            ("global", g.nr_processes, mm_range(f1, f2)),
        ] {
            ensure!(
                range.contains(&n),
                "{what}: {n} processes with an address space, want {range:?}"
            );
        }
        max_len = max_len.max(list.len());
        listings += 1;
    }
    let churned = churner.wait().map_err(fail)?;
    ensure_eq!(churned, Exit::Code(0), "how the churner ended");
    let still_there: Vec<_> = missing.iter().filter(|&&pid| exists(pid)).collect();
    ensure!(
        still_there.is_empty(),
        "processes missing from a listing that /proc still has: {still_there:?}"
    );
    println!(
        "# {listings} listings + global during 3 s of {} forks (up to {max_len} processes)",
        forks.load()
    );
    ensure!(listings > 10, "only {listings} listings");
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac mem_stats",
        &[
            (
                "listing_matches_proc_for_still_processes",
                listing_matches_proc_for_still_processes,
            ),
            (
                "ascending_unique_pids_and_flagged_kernel_threads",
                ascending_unique_pids_and_flagged_kernel_threads,
            ),
            (
                "one_pid_and_a_thread_id_resolve_to_the_process",
                one_pid_and_a_thread_id_resolve_to_the_process,
            ),
            (
                "short_buffer_gets_exactly_count_entries",
                short_buffer_gets_exactly_count_entries,
            ),
            (
                "bad_input_gets_a_precise_errno",
                bad_input_gets_a_precise_errno,
            ),
            (
                "a_faulting_copy_writes_the_records_before_the_fault_only",
                a_faulting_copy_writes_the_records_before_the_fault_only,
            ),
            (
                "child_pid_namespace_sees_only_its_own",
                child_pid_namespace_sees_only_its_own,
            ),
            (
                "global_equals_the_sum_of_a_listing",
                global_equals_the_sum_of_a_listing,
            ),
            (
                "tamalloc_counters_follow_tamalloc_touch_munmap",
                tamalloc_counters_follow_tamalloc_touch_munmap,
            ),
            (
                "listings_while_processes_fork_and_exit",
                listings_while_processes_fork_and_exit,
            ),
        ],
    )
}
