//! zamora_mem_stats_global counts each live address space once: a process whose leader has
//! exited while its other threads keep the address space is counted, and processes that share
//! one address space (`CLONE_VM` without `CLONE_THREAD`, a `vfork()` child) add it once. The
//! oracle is a listing of the same moment (each process's own record) and /proc. Each such
//! process, a zombie and a multithreaded one are also compared field by field with /proc, in
//! the listing and alone, and no thread id is ever listed as a process.

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use nix::sched::CloneFlags;
use nix::sys::signal::Signal;
use nix::sys::wait::waitpid;
use nix::unistd::Pid;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use usac::os::{fork, Child};
use usac::{mem_stats_process, ProcStats};
use usac_selftests::procfs::{compare_with_proc, pids, status_field, Compared};
use usac_selftests::snapshot::{still_listing_and_global, Sums};

/// Waits until `cond` holds (at most 10 s).
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) -> TestResult {
    let until = Instant::now() + Duration::from_secs(10);
    while !cond() {
        if Instant::now() > until {
            return Err(fail(format!("timed out waiting for {what}")));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// The threads of process `pid` (/proc/PID/task).
fn threads(pid: i32) -> Vec<i32> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The listing's record of `pid`.
fn record(list: &[ProcStats], pid: i32) -> Result<ProcStats, NotPassed> {
    list.iter()
        .find(|e| e.pid == pid)
        .copied()
        .ok_or_else(|| fail(format!("{pid} is not listed")))
}

/// Process `pid` as the listing `list` shows it and as a call for it alone (and for each of
/// `tids`, its other threads) shows it: the same record, equal to /proc field by field, and no
/// thread id listed.
fn exact_everywhere(list: &[ProcStats], pid: i32, tids: &[i32]) -> TestResult {
    let listed = record(list, pid)?;
    ensure_eq!(
        compare_with_proc(&listed).map_err(fail)?,
        Compared::Equal,
        "the listing's record of {pid} vs /proc"
    );
    for &id in [pid].iter().chain(tids) {
        ensure_eq!(
            mem_stats_process(id).map_err(fail)?,
            listed,
            "the record of {pid} alone (asked as {id}) vs in the listing"
        );
        ensure!(
            id == pid || list.iter().all(|e| e.pid != id),
            "thread {id} of {pid} is listed as a process"
        );
    }
    Ok(())
}

/// A process whose main thread called `pthread_exit()` while another thread runs on: /proc and
/// the listing show no address space for it (its leader has none), but the address space is
/// alive and the global sums count it.
fn a_process_whose_leader_exited_is_counted() -> TestResult {
    let child = fork(|| {
        // The thread has made its allocations (its malloc arena) before the leader exits, so
        // that the address space holds still from then on.
        let (ready, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(std::hint::black_box(vec![0u8; 4096]));
            let _ = ready.send(());
            loop {
                std::thread::sleep(Duration::from_secs(60));
            }
        });
        let _ = wait.recv();
        // The kernel side of pthread_exit() in the main thread: exit(2) ends the calling
        // thread only (not the group, as exit_group(2) would), with no unwinding.
        // SAFETY: the thread ends here; nothing of it is used afterwards.
        unsafe { libc::syscall(libc::SYS_exit, 0) };
        unreachable!("exit(2) returned")
    })
    .map_err(fail)?;
    let pid = child.raw_pid();
    // The leader is a zombie once /proc/PID/status has no VmSize.
    wait_until("the leader to exit", || {
        threads(pid).len() == 2 && status_field(&pid.to_string(), "VmSize").is_err()
    })?;
    let thread = *threads(pid)
        .iter()
        .find(|&&t| t != pid)
        .ok_or_else(|| fail("no live thread"))?;
    let vm_kb = status_field(&format!("{pid}/task/{thread}"), "VmSize").map_err(fail)?;
    let (list, g) = still_listing_and_global().map_err(fail)?;
    let listed = record(&list, pid)?;
    ensure_eq!(
        listed.flags & usac::sys::ZAMORA_PROC_NO_MM,
        usac::sys::ZAMORA_PROC_NO_MM,
        "the listing's record of a process whose leader exited (as /proc/PID/status)"
    );
    exact_everywhere(&list, pid, &[thread])?;
    let sums = Sums::of_listing(&list);
    ensure_eq!(
        (g.nr_processes, g.reserved_kb),
        (sums.processes + 1, sums.reserved_kb + vm_kb),
        "global (processes, reserved kB) vs the listing plus the live thread's VmSize"
    );
    Ok(())
}

/// A zombie (exited, not yet reaped) is listed, without an address space, as /proc shows it, and
/// the global sums leave it out.
fn a_zombie_is_listed_as_proc_shows_it_and_not_summed() -> TestResult {
    let child = fork(|| 0).map_err(fail)?;
    let pid = child.raw_pid();
    wait_until("the child to become a zombie", || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z'))
        })
    })?;
    let (list, g) = still_listing_and_global().map_err(fail)?;
    let listed = record(&list, pid)?;
    ensure_eq!(
        (
            listed.flags & usac::sys::ZAMORA_PROC_NO_MM,
            listed.reserved_kb,
            listed.committed_kb
        ),
        (usac::sys::ZAMORA_PROC_NO_MM, 0, 0),
        "the zombie's (no-mm flag, reserved, committed)"
    );
    exact_everywhere(&list, pid, &[])?;
    ensure_eq!(
        Sums::of_global(&g),
        Sums::of_listing(&list),
        "global vs the listing's processes with an address space"
    );
    drop(child);
    Ok(())
}

/// A process with three threads is listed once, under its pid, with its whole address space, as
/// /proc shows it; asked by a thread id it is the same record.
fn a_multithreaded_process_is_one_record() -> TestResult {
    let child = fork(|| {
        for _ in 0..2 {
            std::thread::spawn(|| loop {
                std::thread::sleep(Duration::from_secs(60));
            });
        }
        // The threads have made their stacks; the process now holds still.
        loop {
            std::thread::sleep(Duration::from_secs(60));
        }
    })
    .map_err(fail)?;
    let pid = child.raw_pid();
    wait_until("three threads", || threads(pid).len() == 3)?;
    // Their stacks and arenas are made before they sleep; let them get there.
    std::thread::sleep(Duration::from_millis(200));
    let tids: Vec<i32> = threads(pid).into_iter().filter(|&t| t != pid).collect();
    let (list, _) = still_listing_and_global().map_err(fail)?;
    ensure_eq!(
        list.iter().filter(|e| e.pid == pid).count(),
        1,
        "records of the process"
    );
    exact_everywhere(&list, pid, &tids)
}

/// A process that sleeps until killed (when the `Child` is dropped).
fn sleeper() -> std::io::Result<Child> {
    fork(|| loop {
        nix::unistd::pause();
    })
}

/// Processes `a` and `b` share one address space: both are listed, each with all of it, and the
/// global sums of the same moment count every process but that address space once. Another
/// process with an address space lies between them in pid order (the tests make one), so that
/// the sums cannot find the shared address space by the order of the walk.
fn counted_once(a: i32, b: i32) -> TestResult {
    let (list, g) = still_listing_and_global().map_err(fail)?;
    let between = list
        .iter()
        .filter(|r| r.pid > a.min(b) && r.pid < a.max(b))
        .filter(|r| r.flags & usac::sys::ZAMORA_PROC_NO_MM == 0)
        .count();
    ensure!(between > 0, "no process between the sharers {a} and {b}");
    let (a, b) = (record(&list, a)?, record(&list, b)?);
    ensure_eq!(
        b.reserved_kb,
        a.reserved_kb,
        "reserved kB of the two sharers"
    );
    let sums = Sums::of_listing(&list);
    ensure_eq!(
        (g.nr_processes, g.reserved_kb),
        (sums.processes, sums.reserved_kb - b.reserved_kb),
        "global (processes, reserved kB) vs the listing with the shared address space once"
    );
    Ok(())
}

/// A process that `clone(CLONE_VM)` made shares its parent's address space: both are listed,
/// each with the whole address space, and the global sums count it once.
fn processes_sharing_an_address_space_are_counted_once() -> TestResult {
    // libc's clone() with a plain function: nix's passes its closure through the parent's stack
    // frame, which a CLONE_VM child may read after the parent has reused it.
    extern "C" fn sleep_until_killed(_: *mut libc::c_void) -> libc::c_int {
        loop {
            // SAFETY: only sleeps; touches nothing of the address space it shares.
            unsafe { libc::pause() };
        }
    }
    // A process between the two sharers in pid order.
    let _between = sleeper().map_err(fail)?;
    let mut stack = vec![0u8; 64 << 10];
    // SAFETY: the child runs `sleep_until_killed` on the top of `stack` (16-byte aligned), which
    // outlives it: it is killed and reaped below, before `stack` is dropped.
    let sharer = Pid::from_raw(unsafe {
        let top = stack.as_mut_ptr().add(stack.len());
        let top = top.sub(top as usize % 16);
        libc::clone(
            sleep_until_killed,
            top.cast(),
            libc::CLONE_VM | libc::SIGCHLD,
            std::ptr::null_mut(),
        )
    });
    if sharer.as_raw() < 0 {
        return Err(fail(std::io::Error::last_os_error()));
    }
    let result = counted_once(std::process::id() as i32, sharer.as_raw());
    let _ = nix::sys::signal::kill(sharer, Signal::SIGKILL);
    let _ = waitpid(sharer, None);
    drop(stack);
    result
}

/// A `vfork()` child runs in its parent's address space until it execs or exits: the global
/// sums count that address space once.
fn a_vfork_child_is_counted_with_its_parent_once() -> TestResult {
    // The parent vforks once a process was made after it: one lies between the two sharers.
    let (go_r, go_w) = nix::unistd::pipe().map_err(fail)?;
    let parent: Child = fork(|| {
        let _ = nix::unistd::read(&go_r, &mut [0u8]);
        let mut stack = vec![0u8; 64 << 10];
        let cb = Box::new(|| loop {
            // SAFETY: only sleeps until killed, as a vfork() child may.
            unsafe { libc::pause() };
        });
        // SAFETY: the child runs `cb` on `stack`; this thread waits (CLONE_VFORK) until the
        // child is killed, so `stack` outlives it.
        let flags = CloneFlags::CLONE_VM | CloneFlags::CLONE_VFORK;
        match unsafe { nix::sched::clone(cb, &mut stack, flags, Some(libc::SIGCHLD)) } {
            Ok(_) => 0,
            Err(_) => 1,
        }
    })
    .map_err(fail)?;
    let _between = sleeper().map_err(fail)?;
    nix::unistd::write(&go_w, b"v").map_err(fail)?;
    let pid = parent.raw_pid();
    let mut child = 0;
    wait_until("the vfork() child", || {
        child = pids()
            .unwrap_or_default()
            .into_iter()
            .find(|&p| status_field(&p.to_string(), "PPid").ok() == Some(pid as u64))
            .unwrap_or(0);
        child > 0
    })?;
    let result = counted_once(pid, child);
    let _ = nix::sys::signal::kill(Pid::from_raw(child), Signal::SIGKILL);
    result
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac global",
        &[
            (
                "a_process_whose_leader_exited_is_counted",
                a_process_whose_leader_exited_is_counted,
            ),
            (
                "processes_sharing_an_address_space_are_counted_once",
                processes_sharing_an_address_space_are_counted_once,
            ),
            (
                "a_vfork_child_is_counted_with_its_parent_once",
                a_vfork_child_is_counted_with_its_parent_once,
            ),
            (
                "a_zombie_is_listed_as_proc_shows_it_and_not_summed",
                a_zombie_is_listed_as_proc_shows_it_and_not_summed,
            ),
            (
                "a_multithreaded_process_is_one_record",
                a_multithreaded_process_is_one_record,
            ),
        ],
    )
}
