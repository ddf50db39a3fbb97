//! The statistics calls at scale: the kernel memory a call takes is sized by what the caller may
//! see and charged to its memory cgroup (seen through the `kmem:kmalloc` trace event), a long
//! listing lets a task woken on its CPU run, and a name that changes during a listing is read as
//! /proc reads it.

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use nix::sched::{unshare, CloneFlags};
use nix::sys::resource::{getrusage, UsageWho};
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use usac::os::sched::{pin_to_cpu, set_fifo};
use usac::os::Signal;
use usac::os::{fork, in_child, Child, Exit};
use usac::tracefs;
use usac::tracefs::Event;
use usac::{mem_stats_all, mem_stats_global, mem_stats_process_into, ProcStats};

/// The size of one record of a listing.
const RECORD: u64 = std::mem::size_of::<ProcStats>() as u64;
/// Records the kernel makes room for at a time (kernel/usac/stats.rs).
const BATCH: u64 = 64;

/// This process's pid as tracefs shows it (the initial namespace's, also from a child one).
fn global_pid() -> io::Result<u32> {
    let link = std::fs::read_link("/proc/self")?;
    link.to_string_lossy()
        .parse()
        .map_err(|_| io::Error::other(format!("/proc/self -> {link:?}")))
}

/// The pipes between the test and the process it measures: the process says its pid and waits,
/// the test switches the `kmem:kmalloc` event on for that pid only, the process makes its calls
/// and says how they went. Tracing is switched by another process than the one measured, so that
/// only the calls' own allocations are seen.
struct Gate {
    ready: (io::PipeReader, io::PipeWriter),
    go: (io::PipeReader, io::PipeWriter),
    done: (io::PipeReader, io::PipeWriter),
}

impl Gate {
    fn new() -> io::Result<Self> {
        Ok(Gate {
            ready: io::pipe()?,
            go: io::pipe()?,
            done: io::pipe()?,
        })
    }

    /// In the measured process: runs `calls` once the test says go, reports their result (0
    /// for success), and returns it once the test has switched tracing off (so that nothing the
    /// process does next is traced).
    fn measured(&self, calls: impl FnOnce() -> Result<(), String>) -> i32 {
        let run = || -> Result<(), String> {
            let pid = global_pid().map_err(|e| e.to_string())?;
            (&self.ready.1)
                .write_all(&pid.to_le_bytes())
                .map_err(|e| e.to_string())?;
            (&self.go.0)
                .read_exact(&mut [0u8])
                .map_err(|e| e.to_string())?;
            calls()
        };
        let code = match run() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("# measured process: {e}");
                1
            }
        };
        let _ = (&self.done.1).write_all(&[code]);
        let _ = (&self.go.0).read_exact(&mut [0u8]);
        i32::from(code)
    }

    /// In the test, once the measured process is forked: the kmalloc()s it made while it made
    /// its calls (which must have succeeded), as (bytes, accounted). The test's copies of the
    /// process's ends are closed first, so that a process that dies early ends the wait.
    fn allocations(self) -> Result<Vec<(u64, bool)>, NotPassed> {
        let Gate {
            ready: (ready, _),
            go: (_, go),
            done: (done, _),
        } = self;
        let mut pid = [0u8; 4];
        (&ready).read_exact(&mut pid).map_err(fail)?;
        let pid = u32::from_le_bytes(pid);
        tracefs::clear().map_err(fail)?;
        tracefs::trace_kmalloc(Some(&format!("common_pid == {pid}"))).map_err(fail)?;
        let mut code = [1u8];
        let result = (&go)
            .write_all(&[1])
            .and_then(|()| (&done).read_exact(&mut code));
        tracefs::trace_kmalloc(None).map_err(fail)?;
        // Lets the measured process go on.
        let _ = (&go).write_all(&[1]);
        result.map_err(fail)?;
        ensure_eq!(code[0], 0, "the measured calls (reason above)");
        Ok(tracefs::kmallocs()
            .map_err(fail)?
            .into_iter()
            .filter(|k| k.pid == pid)
            .map(|k| (k.bytes, k.accounted))
            .collect())
    }
}

/// A call for one pid takes room for one record, charged to the caller, however large its buffer.
fn one_pid_takes_one_record_charged_to_the_caller() -> TestResult {
    let gate = Gate::new().map_err(fail)?;
    let caller = fork(|| {
        gate.measured(|| {
            let mut buf = vec![ProcStats::default(); 1000];
            mem_stats_process_into(std::process::id() as i32, &mut buf, 0)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    })
    .map_err(fail)?;
    let allocs = gate.allocations()?;
    ensure_eq!(
        caller.wait().map_err(fail)?,
        Exit::Code(0),
        "the caller's exit"
    );
    ensure_eq!(
        allocs,
        [(RECORD, true)],
        "kmalloc()s (bytes, accounted) of a call for one pid, 1000-record buffer"
    );
    Ok(())
}

/// A listing in a namespace of three processes takes one batch of records, charged to the caller,
/// not room for every process of the system.
fn a_small_namespace_listing_takes_one_batch_charged_to_the_caller() -> TestResult {
    let gate = Gate::new().map_err(fail)?;
    let namespace = fork(|| {
        if unshare(CloneFlags::CLONE_NEWPID).is_err() {
            return 10;
        }
        // pid 1 of the new namespace, with two more processes.
        match in_child(|| {
            let Ok(sleepers) = idle_processes(2) else {
                return 21;
            };
            let code = gate.measured(|| {
                let mut buf = vec![ProcStats::default(); 1000];
                match mem_stats_process_into(0, &mut buf, 0) {
                    Ok(3) => Ok(()),
                    other => Err(format!("listing: {other:?}, want Ok(3)")),
                }
            });
            drop(sleepers);
            code
        }) {
            Ok(Exit::Code(c)) => c,
            _ => 20,
        }
    })
    .map_err(fail)?;
    let allocs = gate.allocations()?;
    ensure_eq!(
        namespace.wait().map_err(fail)?,
        Exit::Code(0),
        "the namespace's exit (10 unshare, 20 its pid 1, 21 its other two)"
    );
    ensure_eq!(
        allocs,
        [(BATCH * RECORD, true)],
        "kmalloc()s (bytes, accounted) of a listing in a 3-process namespace, 1000-record buffer"
    );
    Ok(())
}

/// Processes that sleep until dropped, to make the namespace large.
fn idle_processes(n: usize) -> Result<Vec<Child>, NotPassed> {
    (0..n)
        .map(|_| {
            fork(|| {
                std::thread::sleep(Duration::from_secs(600));
                0
            })
            .map_err(fail)
        })
        .collect()
}

/// What a FIFO thread on CPU 0 saw while `work` ran there: a thread on CPU 1 woke it through a
/// pipe (so that no timer's resolution counts) about every millisecond. An IPI wakes it; it then
/// runs at the next scheduling point of CPU 0.
struct Wakeups {
    /// The wake-ups sent.
    sent: u64,
    /// The longest time from one's sending to the thread's running.
    worst: Duration,
}

/// Runs `work` on CPU 0 again and again for `duration` while a FIFO thread there is woken.
fn wakeups_while(
    duration: Duration,
    mut work: impl FnMut() -> io::Result<()>,
) -> io::Result<Wakeups> {
    let _cpu0 = pin_to_cpu(0)?;
    let (mut rx, mut tx) = io::pipe()?;
    let busy = AtomicBool::new(true);
    let epoch = Instant::now();
    std::thread::scope(|s| {
        let woken = s.spawn(move || -> io::Result<Duration> {
            let _cpu0 = pin_to_cpu(0)?;
            set_fifo(50)?;
            let mut worst = Duration::ZERO;
            let mut sent = [0u8; 16];
            while rx.read_exact(&mut sent).is_ok() {
                let sent = Duration::from_nanos(u128::from_le_bytes(sent) as u64);
                worst = worst.max(epoch.elapsed().saturating_sub(sent));
            }
            Ok(worst)
        });
        let busy = &busy;
        let waker = s.spawn(move || -> io::Result<u64> {
            let _cpu1 = pin_to_cpu(1)?;
            let mut sent = 0;
            while busy.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(1));
                tx.write_all(&epoch.elapsed().as_nanos().to_le_bytes())?;
                sent += 1;
            }
            Ok(sent)
        });
        let until = Instant::now() + duration;
        let mut result = Ok(());
        while result.is_ok() && Instant::now() < until {
            result = work();
        }
        busy.store(false, Ordering::Relaxed);
        let sent = waker
            .join()
            .map_err(|_| io::Error::other("waker panicked"))?;
        let worst = woken
            .join()
            .map_err(|_| io::Error::other("woken thread panicked"))?;
        result?;
        Ok(Wakeups {
            sent: sent?,
            worst: worst?,
        })
    })
}

/// A listing of thousands of processes reschedules between batches: a real-time task woken on
/// its CPU runs inside the call, not only when it returns. Counted, not timed: the listing
/// thread's involuntary context switches across the calls (getrusage), which a wake-up can cause
/// only at a scheduling point. The calls run back to back, so nearly every wake-up lands in one:
/// with a scheduling point every 64 processes each causes a switch (measured: about one per
/// wake-up); without one in the walk (6.12's tinyconfig has no preemption) a call is switched out
/// at its return only, however many arrived (measured: a quarter of the wake-ups). On 7.3
/// (preemptible) it checks that the walk stays so.
fn a_long_listing_yields_to_a_woken_task() -> TestResult {
    let _idle = idle_processes(6000)?;
    let switches =
        || getrusage(UsageWho::RUSAGE_THREAD).map(|u| u.involuntary_context_switches() as u64);
    let (mut calls, mut switched) = (0, 0);
    let wakeups = wakeups_while(Duration::from_secs(2), || {
        let before = switches()?;
        mem_stats_all().map_err(io::Error::other)?;
        switched += switches()? - before;
        calls += 1;
        Ok(())
    })
    .map_err(fail)?;
    let Wakeups { sent, worst } = wakeups;
    println!(
        "# {calls} listings of 6000+ processes: {switched} involuntary context switches across \
         them for {sent} wake-ups; longest wake-up on their CPU: {worst:?}"
    );
    ensure!(
        calls >= 5 && sent >= 100,
        "only {calls} listings, {sent} wake-ups in 2 s"
    );
    ensure!(
        2 * switched >= sent,
        "{switched} involuntary switches across {calls} listings for {sent} wake-ups: the walk \
         does not reschedule"
    );
    Ok(())
}

/// The calls a killed caller makes, as their trace events show them: the caller forks, says its
/// pid, and makes `call` until SIGKILL ends it, 0.3 s later.
fn calls_until_killed(mut call: impl FnMut()) -> Result<Vec<Event>, NotPassed> {
    let (mut rx, tx) = io::pipe().map_err(fail)?;
    tracefs::clear().map_err(fail)?;
    tracefs::enable_usac_events(true).map_err(fail)?;
    let caller = fork(|| {
        let Ok(pid) = global_pid() else { return 1 };
        if (&tx).write_all(&pid.to_le_bytes()).is_err() {
            return 1;
        }
        loop {
            call();
        }
    });
    let mut pid = [0u8; 4];
    let said = caller
        .map_err(fail)
        .and_then(|c| rx.read_exact(&mut pid).map(|()| c).map_err(fail));
    std::thread::sleep(Duration::from_millis(300));
    let ended = said.and_then(|c| {
        c.signal(Signal::SIGKILL).map_err(fail)?;
        c.wait().map_err(fail)
    });
    tracefs::enable_usac_events(false).map_err(fail)?;
    ensure_eq!(ended?, Exit::Signal(Signal::SIGKILL), "the caller's end");
    let pid = u32::from_le_bytes(pid);
    Ok(tracefs::usac_events()
        .map_err(fail)?
        .into_iter()
        .filter(|e| e.pid() == pid)
        .collect())
}

/// Kills up to five callers of `call` until one is killed inside it: each call before must have
/// returned what `ok` accepts, the last one EINTR. `ret` is the result of a call's event, `None`
/// for an event of another kind.
fn killed_in_the_call_with_eintr(
    what: &str,
    mut call: impl FnMut(),
    ret: impl Fn(&Event) -> Option<i64>,
    ok: impl Fn(i64) -> bool,
) -> TestResult {
    let eintr = -i64::from(libc::EINTR);
    for attempt in 1..=5 {
        let events = calls_until_killed(&mut call)?;
        let results: Vec<Option<i64>> = events.iter().map(&ret).collect();
        let Some((&last, done)) = results.split_last() else {
            return Err(fail(format!("no event of the {what} caller")));
        };
        ensure!(
            done.iter().all(|r| r.is_some_and(&ok)),
            "{what} calls before the kill: {events:?}"
        );
        if last == Some(eintr) {
            println!(
                "# {what}: EINTR on attempt {attempt}, after {} calls",
                done.len()
            );
            return Ok(());
        }
        ensure!(
            last.is_some_and(&ok),
            "{what}: the last call: {:?}",
            events.last()
        );
    }
    Err(fail(format!("5 {what} callers killed, none with EINTR")))
}

/// A caller killed during a walk of thousands of processes leaves it at the next batch with
/// EINTR, for a listing and for the global sums. It never returns to user space to see the
/// errno; the call's trace event shows it. The caller makes the call in a loop, so that the
/// SIGKILL nearly always lands in the kernel.
fn a_killed_caller_leaves_a_long_walk_with_eintr() -> TestResult {
    let idle = idle_processes(6000)?;
    let mut records = vec![ProcStats::default(); idle.len() + 100];
    killed_in_the_call_with_eintr(
        "listing",
        || {
            let _ = mem_stats_process_into(0, &mut records, 0);
        },
        |e| match *e {
            Event::StatsProcess { target: 0, ret, .. } => Some(ret),
            _ => None,
        },
        |ret| ret > 6000,
    )?;
    killed_in_the_call_with_eintr(
        "global",
        || {
            let _ = mem_stats_global();
        },
        |e| match *e {
            Event::StatsGlobal { ret, .. } => Some(ret),
            _ => None,
        },
        |ret| ret == 0,
    )
}

/// What a reader that copies `new` being written over `old` (a copy in ascending order, then
/// zeroes after it, as `__set_task_comm()` does since 6.13) can see: the first `k` bytes of the
/// new name over the rest of the old one, up to the first NUL.
fn copy_tears(old: &str, new: &str) -> Vec<String> {
    let pad = |name: &str| {
        let mut b = [0u8; 16];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b
    };
    let (old, new) = (pad(old), pad(new));
    (0..=16)
        .map(|k| {
            let mixed: Vec<u8> = new[..k].iter().chain(&old[k..]).copied().collect();
            let end = mixed.iter().position(|&c| c == 0).unwrap_or(16);
            String::from_utf8_lossy(&mixed[..end]).into_owned()
        })
        .collect()
}

/// The process's leader renames itself between two names while listings run: each listing shows
/// one of them. Linux 6.12 renames under the task lock, which the listing holds. Since 6.13 the
/// rename takes no lock, so a listing, like /proc/PID/comm, may also show a rename half-done
/// (`copy_tears()`), but never bytes of two different renames.
fn a_renamed_process_is_listed_with_one_of_its_names() -> TestResult {
    const A: &str = "usac-comm-a";
    const B: &str = "usac-comm-bbbbb";
    let child = fork(|| loop {
        for name in [A, B] {
            let _ = nix::sys::prctl::set_name(&std::ffi::CString::new(name).unwrap());
        }
    })
    .map_err(fail)?;
    let locked_rename = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_err(fail)?
        .starts_with("6.12.");
    let mut half_done = copy_tears(A, B);
    half_done.extend(copy_tears(B, A));
    let forked_as = std::fs::read_to_string("/proc/self/comm")
        .map_err(fail)?
        .trim_end()
        .to_string();
    let until = Instant::now() + Duration::from_secs(2);
    let (mut seen_a, mut seen_b, mut seen_half, mut never_set) = (0, 0, 0, Vec::new());
    while Instant::now() < until {
        let list = mem_stats_all().map_err(fail)?;
        let Some(entry) = list.iter().find(|e| e.pid == child.raw_pid()) else {
            continue;
        };
        let renamed = seen_a + seen_b + seen_half > 0;
        match entry.comm() {
            // The name it was forked with, until its first rename is seen.
            c if !renamed && c == forked_as => {}
            c if c == A => seen_a += 1,
            c if c == B => seen_b += 1,
            c if !locked_rename && half_done.contains(&c.to_string()) => seen_half += 1,
            c => never_set.push(c.to_string()),
        }
    }
    drop(child);
    println!("# listed as {A}: {seen_a}, as {B}: {seen_b}, half-renamed: {seen_half}");
    ensure!(
        never_set.is_empty(),
        "names that were never set: {never_set:?}"
    );
    ensure!(
        seen_a > 0 && seen_b > 0,
        "both names seen ({seen_a}, {seen_b})"
    );
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac stats scale",
        &[
            (
                "one_pid_takes_one_record_charged_to_the_caller",
                one_pid_takes_one_record_charged_to_the_caller,
            ),
            (
                "a_small_namespace_listing_takes_one_batch_charged_to_the_caller",
                a_small_namespace_listing_takes_one_batch_charged_to_the_caller,
            ),
            (
                "a_long_listing_yields_to_a_woken_task",
                a_long_listing_yields_to_a_woken_task,
            ),
            (
                "a_killed_caller_leaves_a_long_walk_with_eintr",
                a_killed_caller_leaves_a_long_walk_with_eintr,
            ),
            (
                "a_renamed_process_is_listed_with_one_of_its_names",
                a_renamed_process_is_listed_with_one_of_its_names,
            ),
        ],
    )
}
