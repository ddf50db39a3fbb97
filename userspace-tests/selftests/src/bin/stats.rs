//! zamora_mem_stats_process / zamora_mem_stats_global selftest: exact against /proc for processes
//! that hold still, bounded writes, precise errnos, pid namespaces, and listings under fork churn.

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use usac::{
    mem_stats_all, mem_stats_global, mem_stats_process, mem_stats_process_raw, sys, ProcStats,
    Tamalloc,
};
use usac_selftests::process::{in_child, Exit};

const PAGE: usize = 4096;

/// Child processes that set their oom_score_adj, commit some memory and stop themselves, so
/// that their numbers hold still; killed on drop.
struct StoppedHelpers(Vec<(i32, i32)>);

impl StoppedHelpers {
    fn start(specs: &[(i32, usize)]) -> Result<Self, NotPassed> {
        let mut helpers = StoppedHelpers(Vec::new());
        for &(adj, mib) in specs {
            // SAFETY: the child only writes a file, touches memory and stops.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                let _ = std::fs::write("/proc/self/oom_score_adj", adj.to_string());
                let mut v = vec![0u8; mib << 20];
                for i in (0..v.len()).step_by(PAGE) {
                    v[i] = 1;
                }
                // SAFETY: plain signal to ourselves.
                unsafe { libc::raise(libc::SIGSTOP) };
                std::hint::black_box(&v);
                // SAFETY: leave without running the parent's handlers.
                unsafe { libc::_exit(0) };
            }
            ensure!(pid > 0, "fork failed");
            helpers.0.push((pid, adj));
            let mut status = 0;
            // SAFETY: waiting for our own child.
            unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
            ensure!(libc::WIFSTOPPED(status), "helper {pid} did not stop");
        }
        Ok(helpers)
    }

    fn pids(&self) -> impl Iterator<Item = i32> + '_ {
        self.0.iter().map(|&(pid, _)| pid)
    }
}

impl Drop for StoppedHelpers {
    fn drop(&mut self) {
        for &(pid, _) in &self.0 {
            // SAFETY: killing and reaping our own children.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

fn proc_text(pid: i32, file: &str) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()
}

fn proc_number(pid: i32, file: &str) -> Option<i64> {
    proc_text(pid, file)?.trim().parse().ok()
}

/// Compares one entry with /proc; `None` if the process vanished meanwhile.
fn compare_with_proc(e: &ProcStats) -> Option<Result<(), String>> {
    let pid = e.pid;
    let status = proc_text(pid, "status")?;
    let field = |f| usac_selftests::procfs::field_in(&status, f).unwrap_or(0);
    let checks = [
        (
            "reserved_kb (VmSize)",
            e.reserved_kb as i64,
            field("VmSize") as i64,
        ),
        (
            "committed_kb (VmRSS)",
            e.committed_kb as i64,
            field("VmRSS") as i64,
        ),
        (
            "oom_score",
            e.oom_score as i64,
            proc_number(pid, "oom_score")?,
        ),
        (
            "oom_score_adj",
            e.oom_score_adj as i64,
            proc_number(pid, "oom_score_adj")?,
        ),
    ];
    for (what, ours, procs) in checks {
        if ours != procs {
            return Some(Err(format!(
                "pid {pid} ({}): {what} {ours} != /proc {procs}",
                e.comm()
            )));
        }
    }
    // For a kernel thread /proc shows its full name (and a workqueue worker's current work);
    // the ABI has the task's comm, which starts it.
    let comm = proc_text(pid, "comm")?;
    let comm = comm.trim_end_matches('\n');
    let ours = e.comm();
    if !(comm == ours || e.is_kthread() && comm.starts_with(&ours)) {
        return Some(Err(format!(
            "pid {pid}: comm {:?} != /proc {comm:?}",
            e.comm()
        )));
    }
    let pct = (e.committed_kb * 10000)
        .checked_div(e.reserved_kb)
        .unwrap_or(0);
    if u64::from(e.committed_pct_x100) != pct || e.__pad != 0 || e.__spare != [0; 4] {
        return Some(Err(format!("pid {pid}: pct/padding wrong: {e:?}")));
    }
    Some(Ok(()))
}

fn listing_matches_proc_for_still_processes() -> TestResult {
    let helpers = StoppedHelpers::start(&[(-1000, 1), (0, 2), (500, 8), (1000, 16)])?;
    let me = std::process::id() as i32;
    let list = mem_stats_all().map_err(fail)?;
    let mut compared = 0;
    for e in list.iter().filter(|e| e.pid != me) {
        match compare_with_proc(e) {
            Some(Ok(())) => compared += 1,
            Some(Err(msg)) => return Err(fail(msg)),
            None => {} // exited between the listing and /proc
        }
    }
    for pid in helpers.pids() {
        ensure!(
            list.iter().any(|e| e.pid == pid),
            "helper {pid} missing from the listing"
        );
        // The stopped helpers cannot have exited: each must have been compared with /proc.
        ensure!(
            list.iter()
                .find(|e| e.pid == pid)
                .and_then(compare_with_proc)
                .is_some(),
            "helper {pid} was not compared with /proc"
        );
    }
    ensure!(
        compared >= 5,
        "only {compared} processes compared (init and 4 helpers at least)"
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
        "# {compared} processes equal to /proc, {} listed",
        list.len()
    );
    Ok(())
}

fn ascending_unique_pids_and_flagged_kernel_threads() -> TestResult {
    let list = mem_stats_all().map_err(fail)?;
    ensure!(
        list.windows(2).all(|w| w[0].pid < w[1].pid),
        "pids not strictly ascending"
    );
    let kthreads: Vec<_> = list.iter().filter(|e| e.is_kthread()).collect();
    ensure!(!kthreads.is_empty(), "no kernel threads listed");
    for k in &kthreads {
        ensure!(
            k.flags & sys::ZAMORA_PROC_NO_MM != 0,
            "kthread {} without NO_MM",
            k.pid
        );
        ensure!(
            k.reserved_kb == 0 && k.committed_kb == 0 && k.tamalloc_kb == 0 && k.oom_score == 0,
            "kthread {} has numbers: {k:?}",
            k.pid
        );
        if let Some(status) = proc_text(k.pid, "status") {
            ensure!(
                status.contains("Kthread:\t1") || !status.contains("VmSize"),
                "{} is no kthread",
                k.pid
            );
        }
    }
    let init = list
        .iter()
        .find(|e| e.pid == 1)
        .ok_or_else(|| fail("no pid 1"))?;
    ensure!(
        !init.is_kthread() && init.reserved_kb > 0,
        "pid 1: {init:?}"
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
    compare_with_proc(&one)
        .ok_or_else(|| fail("helper vanished"))?
        .map_err(fail)?;
    let me = std::process::id() as i32;
    let via_thread = std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: gettid has no preconditions.
            let tid = unsafe { libc::gettid() };
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
    let total = mem_stats_process_raw(0, std::ptr::null_mut(), 0, 0).map_err(fail)?;
    ensure!(total >= 3, "size query says {total}");
    let canary = ProcStats {
        pid: 0x5a5a5a5a,
        reserved_kb: 0xdead_beef_dead_beef,
        ..Default::default()
    };
    let mut buf = vec![canary; 4];
    let found = mem_stats_process_raw(0, buf.as_mut_ptr(), 2, 0).map_err(fail)?;
    ensure!(
        found >= total.saturating_sub(8),
        "found {found}, size query said {total}"
    );
    ensure!(
        buf[0].pid > 0 && buf[1].pid > buf[0].pid,
        "entries not written: {:?}",
        &buf[..2]
    );
    ensure_eq!(buf[2], canary, "entry after count");
    ensure_eq!(buf[3], canary, "second entry after count");
    let mut one = vec![canary; 1];
    ensure!(
        mem_stats_process_raw(0, one.as_mut_ptr(), 0, 0).map_err(fail)? > 0,
        "count 0"
    );
    ensure_eq!(one[0], canary, "buffer with count 0");
    Ok(())
}

fn bad_input_gets_a_precise_errno() -> TestResult {
    let mut e = ProcStats::default();
    let kernel_addr = 0xffff_8880_0000_0000usize as *mut ProcStats;
    let reaped = match in_child(|| 0).map_err(fail)? {
        Exit::Code(0) => mem_stats_process(i32::MAX), // a pid that cannot exist
        other => return Err(fail(format!("child: {other:?}"))),
    };
    let cases: Vec<(&str, Result<usize, i32>, i32)> = vec![
        (
            "pid -1",
            mem_stats_process_raw(-1, &mut e, 1, 0).map_err(|e| e.errno()),
            libc::EINVAL,
        ),
        (
            "pid i32::MIN",
            mem_stats_process_raw(i32::MIN, &mut e, 1, 0).map_err(|e| e.errno()),
            libc::EINVAL,
        ),
        (
            "flags 1",
            mem_stats_process_raw(0, &mut e, 1, 1).map_err(|e| e.errno()),
            libc::EINVAL,
        ),
        (
            "flags 1<<31",
            mem_stats_process_raw(1, &mut e, 1, 1 << 31).map_err(|e| e.errno()),
            libc::EINVAL,
        ),
        (
            "no such pid",
            reaped.map(|_| 0).map_err(|e| e.errno()),
            libc::ESRCH,
        ),
        (
            "NULL buffer",
            mem_stats_process_raw(1, std::ptr::null_mut(), 1, 0).map_err(|e| e.errno()),
            libc::EFAULT,
        ),
        (
            "kernel buffer",
            mem_stats_process_raw(0, kernel_addr, 1, 0).map_err(|e| e.errno()),
            libc::EFAULT,
        ),
    ];
    for (what, got, errno) in cases {
        ensure_eq!(got, Err(errno), "{what}");
    }
    let global = |out: usize, flags: usize| {
        sys::syscall4(sys::__NR_zamora_mem_stats_global, out, flags, 0, 0)
    };
    let mut g = usac::GlobalStats::default();
    ensure_eq!(global(0, 0), Err(libc::EFAULT), "global NULL");
    ensure_eq!(
        global(&mut g as *mut _ as usize, 2),
        Err(libc::EINVAL),
        "global flags"
    );
    ensure_eq!(g, usac::GlobalStats::default(), "global wrote on EINVAL");
    Ok(())
}

fn child_pid_namespace_sees_only_its_own() -> TestResult {
    let exit = in_child(|| {
        // SAFETY: unshare in a single-threaded child.
        if unsafe { libc::unshare(libc::CLONE_NEWPID) } != 0 {
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
    let mut buf = vec![ProcStats::default(); 4096];
    for attempt in 0..5 {
        let n = mem_stats_process_raw(0, buf.as_mut_ptr(), buf.len(), 0).map_err(fail)?;
        let g = mem_stats_global().map_err(fail)?;
        let list = &buf[..n.min(buf.len())];
        let with_mm: Vec<_> = list
            .iter()
            .filter(|e| e.flags & sys::ZAMORA_PROC_NO_MM == 0)
            .collect();
        let sum = |f: fn(&ProcStats) -> u64| with_mm.iter().map(|e| f(e)).sum::<u64>();
        let ours = (
            with_mm.len() as u64,
            sum(|e| e.reserved_kb),
            sum(|e| e.committed_kb),
            sum(|e| e.tamalloc_kb),
            sum(|e| e.lazy_zeroed_pages),
        );
        let theirs = (
            g.nr_processes,
            g.reserved_kb,
            g.committed_kb,
            g.tamalloc_kb,
            g.lazy_zeroed_pages,
        );
        if ours == theirs {
            ensure_eq!(g.reserved_mb, g.reserved_kb / 1024, "reserved_mb");
            ensure_eq!(g.committed_mb, g.committed_kb / 1024, "committed_mb");
            let meminfo = std::fs::read_to_string("/proc/meminfo").map_err(fail)?;
            let total = usac_selftests::procfs::field_in(&meminfo, "MemTotal");
            ensure_eq!(Some(g.totalram_kb), total, "totalram_kb vs MemTotal");
            ensure_eq!(g.__spare, [0; 4], "__spare");
            return Ok(());
        }
        if attempt == 4 {
            return Err(fail(format!("listing sums {ours:?} != global {theirs:?}")));
        }
    }
    Ok(())
}

fn tamalloc_counters_follow_tamalloc_touch_munmap() -> TestResult {
    let me = std::process::id() as i32;
    let before = mem_stats_process(me).map_err(fail)?;
    let g_before = mem_stats_global().map_err(fail)?;
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
    for p in 0..10 {
        m.as_mut_slice()[p * PAGE] = 1;
    }
    let touched = mem_stats_process(me).map_err(fail)?;
    ensure_eq!(
        touched.lazy_zeroed_pages - before.lazy_zeroed_pages,
        10,
        "lazy_zeroed after 10 writes"
    );
    let g = mem_stats_global().map_err(fail)?;
    ensure!(
        g.lazy_zeroed_pages >= g_before.lazy_zeroed_pages + 10,
        "global lazy_zeroed"
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
    Ok(())
}

fn listings_while_processes_fork_and_exit() -> TestResult {
    let churn_for = Duration::from_secs(3);
    // SAFETY: the child only forks and reaps until its deadline.
    let churner = unsafe { libc::fork() };
    if churner == 0 {
        let deadline = Instant::now() + churn_for;
        while Instant::now() < deadline {
            // SAFETY: fork/_exit/waitpid in a single-threaded child.
            unsafe {
                let pid = libc::fork();
                if pid == 0 {
                    libc::_exit(0);
                }
                if pid > 0 {
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
            }
        }
        // SAFETY: leave without the parent's handlers.
        unsafe { libc::_exit(0) };
    }
    let deadline = Instant::now() + churn_for;
    let (mut listings, mut max_len) = (0, 0);
    while Instant::now() < deadline {
        let list = mem_stats_all().map_err(fail)?;
        ensure!(
            list.windows(2).all(|w| w[0].pid < w[1].pid),
            "listing out of order"
        );
        let me = std::process::id() as i32;
        for pid in [1, me, churner] {
            ensure!(
                list.iter().any(|e| e.pid == pid),
                "pid {pid} missing from a listing during the churn"
            );
        }
        max_len = max_len.max(list.len());
        mem_stats_global().map_err(fail)?;
        listings += 1;
    }
    // SAFETY: reaping our own child.
    unsafe { libc::waitpid(churner, std::ptr::null_mut(), 0) };
    println!(
        "# {listings} listings + global during 3 s of fork/exit churn (up to {max_len} processes)"
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
