//! The statistics are counters that mm keeps, not walks: `tamalloc_kb` is exact through every
//! change of the mappings (checked against a walk of /proc/PID/smaps and the `VmTamalloc` line of
//! /proc/PID/status), a process that holds its mmap lock does not stall the calls, an
//! unprivileged caller sees exactly its own user's processes by default (and every process only
//! with the `usac_mem.restrict_stats=0` opt-in).

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use nix::errno::Errno;
use nix::mount::{mount, umount, MsFlags};
use nix::unistd::{setfsgid, setfsuid, setgid, setgroups, setresgid, setresuid, setuid, Gid, Uid};
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use usac::os::{fork, in_child, Child, Exit, MapFlags, Mapping, ProtFlags, Signal};
use usac::{mem_stats_all, mem_stats_global, mem_stats_process, ProcStats, Tamalloc};
use usac_schema::memstat::Processes;
use usac_selftests::memory::recycle_dirty_memory;
use usac_selftests::procfs::{check_listed_pids, compare_with_proc, own_smaps, pids, status_field};

const PAGE: usize = 4096;
const RESTRICT: &str = "/sys/module/usac_mem/parameters/restrict_stats";
const NOBODY: u32 = 65534;
/// An ordinary user, for processes of two different users.
const USER: u32 = 1000;
/// Where the unprivileged child leaves its listing for the parent.
const LISTING: &str = "/tmp/usac-nobody-listing";

/// This process's tamalloc size three ways: the syscall, /proc/self/status and a smaps walk (kB).
fn tamalloc_kb_three_ways() -> Result<[u64; 3], String> {
    let syscall = mem_stats_process(std::process::id() as i32)
        .map_err(|e| format!("zamora_mem_stats_process: {e}"))?
        .tamalloc_kb;
    let status = status_field("self", "VmTamalloc").map_err(|e| e.to_string())?;
    let walk = own_smaps()
        .map_err(|e| e.to_string())?
        .iter()
        .filter(|v| v.has_flag("tm"))
        .map(|v| ((v.end - v.start) / 1024) as u64)
        .sum();
    Ok([syscall, status, walk])
}

/// Checks that the three views agree and that the size is `want` kB more than `base`.
fn expect_kb(step: &str, base: u64, want: u64) -> TestResult {
    let got = tamalloc_kb_three_ways().map_err(fail)?;
    ensure_eq!(
        got,
        [base + want; 3],
        "{step}: tamalloc kB as [syscall, VmTamalloc, smaps walk]"
    );
    Ok(())
}

/// An mm call's error as a test failure.
fn mm_failed(what: &'static str) -> impl Fn(Errno) -> NotPassed {
    move |e| fail(format!("{what}: {e}"))
}

fn counter_is_exact_through_every_change_of_the_mappings() -> TestResult {
    // The grown pages below must read zero: make an unzeroed page show a pattern.
    recycle_dirty_memory().map_err(fail)?;
    let base = tamalloc_kb_three_ways().map_err(fail)?[0];
    expect_kb("start", base, 0)?;
    // Pages 0..64, split as the steps cut them: head 0..8, hole 8..16, body 16..40, tail 40..64.
    let mut head = Tamalloc::new(64 * PAGE).map_err(fail)?.into_mapping();
    expect_kb("after reserving 64 pages", base, 256)?;
    let mut hole = head.split_off(8 * PAGE);
    let mut body = hole.split_off(8 * PAGE);
    let mut tail = body.split_off(24 * PAGE);

    hole.unmap().map_err(mm_failed("munmap"))?;
    expect_kb("after unmapping 8 pages in the middle", base, 224)?;

    body.protect(16 * PAGE, 8 * PAGE, ProtFlags::PROT_READ)
        .map_err(mm_failed("mprotect"))?;
    expect_kb("after mprotect of 8 pages (a split)", base, 224)?;

    // Grow the tail (pages 40..64) by 16 pages, moving it if it has to.
    tail.remap(40 * PAGE).map_err(mm_failed("mremap grow"))?;
    expect_kb("after mremap growing 24 pages to 40", base, 288)?;
    // The new tail is tamalloc memory: reads zero, and first writes go through the shim.
    let before = mem_stats_process(std::process::id() as i32)
        .map_err(fail)?
        .lazy_zeroed_pages;
    for p in 24..40 {
        ensure_eq!(tail.read_byte(p * PAGE), 0, "read of grown page {p}");
        tail.write_byte(p * PAGE, 1);
    }
    for p in 24..40 {
        let page = &tail.as_slice()[p * PAGE..(p + 1) * PAGE];
        ensure!(
            page[0] == 1 && page[1..].iter().all(|&b| b == 0),
            "grown page {p} is not zero after its first byte"
        );
    }
    let after = mem_stats_process(std::process::id() as i32).map_err(fail)?;
    ensure_eq!(
        after.lazy_zeroed_pages - before,
        16,
        "lazy_zeroed_pages after writing the 16 grown pages"
    );
    ensure_eq!(
        status_field("self", "TamallocZeroedPages").map_err(fail)?,
        after.lazy_zeroed_pages,
        "TamallocZeroedPages of /proc/self/status vs the syscall"
    );

    // Move it onto another range (no growth), which the move unmaps: the size stays.
    let spot = Mapping::anon(40 * PAGE).map_err(fail)?;
    let spot_addr = spot.addr();
    tail.move_onto(spot).map_err(mm_failed("mremap move"))?;
    ensure_eq!(tail.addr(), spot_addr, "mremap move");
    expect_kb("after mremap moving 40 pages", base, 288)?;

    // A fork child has none of it, in every view.
    let child = in_child(|| match tamalloc_kb_three_ways() {
        Ok(v) if v == [0; 3] => 0,
        Ok(v) => {
            eprintln!("# child: tamalloc kB [syscall, status, walk] = {v:?}, want 0");
            1
        }
        Err(e) => {
            eprintln!("# child: {e}");
            1
        }
    })
    .map_err(fail)?;
    ensure_eq!(child, Exit::Code(0), "fork child's tamalloc size");

    for part in [head, body, tail] {
        part.unmap().map_err(mm_failed("munmap"))?;
    }
    expect_kb("after unmapping everything", base, 0)?;
    Ok(())
}

/// Spawns a process that mprotects a large populated region back and forth, so that it holds its
/// mmap lock for writing nearly all the time; it sends the duration of each round (µs) through
/// the pipe.
fn spawn_mmap_lock_holder() -> Result<(Child, std::io::PipeReader), NotPassed> {
    let (mut ours, theirs) = std::io::pipe().map_err(fail)?;
    let holder = fork(|| {
        let mut theirs = &theirs;
        let len = 256 << 20;
        let rw = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        // Populated with small pages whatever the THP setting (with THP "always", as on
        // Debian, 128 huge pages would make a round a few hundred microseconds).
        let Ok(mut region) = Mapping::anon_with(len, rw, MapFlags::MAP_PRIVATE) else {
            return 1;
        };
        if region.advise(0, len, libc::MADV_NOHUGEPAGE).is_err()
            || region.advise(0, len, libc::MADV_POPULATE_WRITE).is_err()
        {
            return 1;
        }
        loop {
            let start = Instant::now();
            let ok = region.protect(0, len, ProtFlags::PROT_READ).is_ok()
                && region.protect(0, len, rw).is_ok();
            let us = start.elapsed().as_micros() as u64;
            // On a failure the parent's read fails: the test cannot pass without a holder.
            if !ok || theirs.write_all(&us.to_ne_bytes()).is_err() {
                return 0;
            }
        }
    })
    .map_err(fail)?;
    drop(theirs);
    // The first round tells that the region is populated and the loop runs.
    let mut buf = [0u8; 8];
    ours.read_exact(&mut buf).map_err(fail)?;
    Ok((holder, ours))
}

/// Latencies (µs, sorted) of `zamora_mem_stats_process(pid)` + `zamora_mem_stats_global` pairs,
/// called back to back for `length`.
fn call_latencies_us(pid: i32, length: Duration) -> Result<Vec<u64>, NotPassed> {
    let mut latencies = Vec::new();
    let deadline = Instant::now() + length;
    while Instant::now() < deadline {
        let start = Instant::now();
        let one = mem_stats_process(pid).map_err(fail)?;
        mem_stats_global().map_err(fail)?;
        latencies.push(start.elapsed().as_micros() as u64);
        ensure_eq!(one.pid, pid, "entry of the lock holder");
    }
    latencies.sort_unstable();
    Ok(latencies)
}

/// The `q`th percentile of sorted samples.
fn percentile(sorted: &[u64], q: usize) -> u64 {
    sorted[(sorted.len() - 1) * q / 100]
}

fn calls_do_not_wait_for_a_held_mmap_lock() -> TestResult {
    let (holder, mut rounds) = spawn_mmap_lock_holder()?;
    let pid = holder.raw_pid();
    let result = (|| -> TestResult {
        // The same calls with the holder stopped (a stopped task holds no mmap lock: it stops on
        // its way back to user space), then running.
        holder.signal(Signal::SIGSTOP).map_err(fail)?;
        let idle = call_latencies_us(pid, Duration::from_secs(1))?;
        holder.signal(Signal::SIGCONT).map_err(fail)?;
        let busy = call_latencies_us(pid, Duration::from_secs(2))?;
        let mut fastest_round = u64::MAX;
        for _ in 0..3 {
            let mut buf = [0u8; 8];
            rounds.read_exact(&mut buf).map_err(fail)?;
            fastest_round = fastest_round.min(u64::from_ne_bytes(buf));
        }
        let (idle_median, busy_median, busy_p99) = (
            percentile(&idle, 50),
            percentile(&busy, 50),
            percentile(&busy, 99),
        );
        println!(
            "# call pairs: {} with the holder stopped, median {idle_median} us; {} while it \
             mprotects (rounds >= {fastest_round} us): median {busy_median} us, p99 {busy_p99} us",
            idle.len(),
            busy.len()
        );
        // A call that waited for the lock would take up to a whole round, half of one on average.
        // (The maximum is left out: with two vCPUs, a call is now and then preempted.)
        ensure!(
            busy_median <= 3 * idle_median.max(1) && busy_p99 < fastest_round / 4,
            "calls wait for the holder's mmap lock: median {busy_median} us (stopped holder: \
             {idle_median} us), p99 {busy_p99} us, rounds {fastest_round} us"
        );
        Ok(())
    })();
    holder.kill();
    result
}

/// The fields any user may see, one line per process, for comparing listings made with
/// different credentials. Kernel threads come and go (workers), so only processes with an
/// address space are compared.
fn public_lines(list: &[ProcStats]) -> Vec<String> {
    list.iter()
        .filter(|e| !e.is_kthread())
        .map(|e| format!("{} {} {} {}", e.pid, e.flags, e.oom_score_adj, e.comm()))
        .collect()
}

/// Runs `f` in a child that has dropped root for `nobody`.
fn as_nobody(f: impl FnOnce() -> Result<(), String>) -> Result<Exit, NotPassed> {
    in_child(|| {
        if let Err(e) = setgid(Gid::from_raw(NOBODY)).and_then(|()| setuid(Uid::from_raw(NOBODY))) {
            eprintln!("# child: setuid: {e}");
            return 2;
        }
        // setuid() made the process non-dumpable (fs.suid_dumpable=0), which hides it from its
        // own user's other processes; a login session's processes are dumpable.
        if let Err(e) = nix::sys::prctl::set_dumpable(true) {
            eprintln!("# child: PR_SET_DUMPABLE: {e}");
            return 2;
        }
        match f() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("# child: {e}");
                1
            }
        }
    })
    .map_err(fail)
}

fn set_restrict(on: bool) -> TestResult {
    std::fs::write(RESTRICT, if on { "1" } else { "0" })
        .map_err(|e| fail(format!("{RESTRICT}: {e}")))
}

/// With the open-mode opt-in, an unprivileged caller sees what a default procfs mount shows it.
fn with_the_opt_in_unprivileged_callers_see_what_proc_shows_them() -> TestResult {
    set_restrict(false)?;
    let result = open_mode_listing_as_nobody();
    set_restrict(true)?;
    result
}

fn open_mode_listing_as_nobody() -> TestResult {
    let exit = as_nobody(|| {
        let me = std::process::id() as i32;
        let list = mem_stats_all().map_err(|e| format!("listing as nobody: {e}"))?;
        // The VM is quiescent: the root listing now has the same processes.
        if !list.iter().any(|e| e.pid == 1) || !list.iter().any(|e| e.pid == me) {
            return Err(format!(
                "listing as nobody lacks init or itself: {} entries",
                list.len()
            ));
        }
        let init = mem_stats_process(1).map_err(|e| format!("pid 1 as nobody: {e}"))?;
        if init.reserved_kb == 0 || init.comm() != "init" {
            return Err(format!("pid 1 as nobody: {init:?}"));
        }
        let global = mem_stats_global().map_err(|e| format!("global as nobody: {e}"))?;
        let with_mm = list.iter().filter(|e| !e.is_kthread()).count() as u64;
        if global.nr_processes != with_mm {
            return Err(format!(
                "global counted {} processes, the listing has {with_mm} with an mm",
                global.nr_processes
            ));
        }
        // Its own pid first, then init's entry, then its listing.
        let mut lines = vec![me.to_string(), format!("{init:?}")];
        lines.extend(public_lines(&list));
        std::fs::write(LISTING, lines.join("\n")).map_err(|e| e.to_string())
    })?;
    ensure_eq!(exit, Exit::Code(0), "listing as nobody (reason above)");
    let text = std::fs::read_to_string(LISTING).map_err(fail)?;
    let _ = std::fs::remove_file(LISTING);
    let mut lines = text.lines();
    let child = lines.next().unwrap_or_default().to_string();
    // init holds still: every field it showed to nobody is what root reads.
    let init = format!("{:?}", mem_stats_process(1).map_err(fail)?);
    ensure_eq!(
        lines.next(),
        Some(init.as_str()),
        "pid 1 as nobody vs as root"
    );
    // The VM is quiescent: the same processes and public fields as root sees, but for the child,
    // which has exited since.
    let nobody: Vec<&str> = lines
        .filter(|l| l.split(' ').next() != Some(child.as_str()))
        .collect();
    let root = public_lines(&mem_stats_all().map_err(fail)?);
    ensure_eq!(nobody, root, "public fields listed as nobody vs as root");
    Ok(())
}

/// By default an unprivileged caller sees exactly the processes it may ptrace: its own user's.
fn by_default_unprivileged_callers_see_only_their_own_processes() -> TestResult {
    let switch = std::fs::read_to_string(RESTRICT).map_err(fail)?;
    ensure_eq!(switch.trim(), "Y", "restrict_stats at boot");
    // Every process there is now; the VM is quiescent, so the nobody child adds itself and its
    // sibling, and nothing else comes or goes.
    let root_before = mem_stats_all().map_err(fail)?.len() as u64;
    let exit = as_nobody(|| {
        let me = std::process::id() as i32;
        let sibling = fork(|| {
            std::thread::sleep(Duration::from_secs(60));
            0
        })
        .map_err(|e| format!("fork: {e}"))?;
        let sibling_pid = sibling.raw_pid();
        match mem_stats_process(1) {
            Err(e) if e.errno() == libc::ESRCH => {}
            other => return Err(format!("pid 1 as nobody: {other:?}, want ESRCH")),
        }
        let own = mem_stats_process(me).map_err(|e| format!("own pid: {e}"))?;
        let other = mem_stats_process(sibling_pid).map_err(|e| format!("sibling: {e}"))?;
        let list = mem_stats_all().map_err(|e| format!("listing: {e}"))?;
        let pids: Vec<i32> = list.iter().map(|e| e.pid).collect();
        if pids != [me, sibling_pid] {
            return Err(format!(
                "listing as nobody: {pids:?}, want [{me}, {sibling_pid}]"
            ));
        }
        let global = mem_stats_global().map_err(|e| format!("global: {e}"))?;
        let want = (2, root_before, own.reserved_kb + other.reserved_kb);
        let got = (global.nr_processes, global.nr_hidden, global.reserved_kb);
        if got != want {
            return Err(format!(
                "global as nobody (processes, hidden, reserved kB): {got:?}, want {want:?}"
            ));
        }
        memstat_json_as_nobody(&[me, sibling_pid], root_before)
    });
    // Root (CAP_SYS_PTRACE) still sees everything.
    let before = pids();
    let root = mem_stats_all();
    let after = pids();
    ensure_eq!(exit?, Exit::Code(0), "calls as nobody (reason above)");
    let listed: Vec<i32> = root.map_err(fail)?.iter().map(|e| e.pid).collect();
    check_listed_pids(&listed, &before.map_err(fail)?, &after.map_err(fail)?)
        .map_err(|e| fail(format!("root's listing: {e}")))?;
    ensure_eq!(
        mem_stats_global().map_err(fail)?.nr_hidden,
        0,
        "nr_hidden as root"
    );
    Ok(())
}

/// A process that runs as user and group `id` (real, effective, saved, filesystem), dumpable as a
/// login session's processes are, and sleeps until killed; returned once it sleeps.
fn sleeper_as(id: u32) -> Result<Child, NotPassed> {
    let (ready_r, ready_w) = nix::unistd::pipe().map_err(fail)?;
    let child = fork(|| {
        let (uid, gid) = (Uid::from_raw(id), Gid::from_raw(id));
        if setresgid(gid, gid, gid)
            .and_then(|()| setresuid(uid, uid, uid))
            .and_then(|()| nix::sys::prctl::set_dumpable(true))
            .and_then(|()| nix::unistd::write(&ready_w, b"!").map(drop))
            .is_err()
        {
            return 2;
        }
        std::thread::sleep(Duration::from_secs(600));
        0
    })
    .map_err(fail)?;
    drop(ready_w);
    let mut byte = [0u8; 1];
    let read = nix::unistd::read(&ready_r, &mut byte).map_err(fail)?;
    ensure_eq!(read, 1, "sleeper as {id} could not take its ids");
    child.wait_sleeping().map_err(fail)?;
    Ok(child)
}

/// Where the credentials test mounts a procfs with `hidepid=invisible`: what /proc's rules
/// show a caller, the oracle of what the syscalls show it.
const HIDEPID_PROC: &str = "/run/usac-proc-invisible";

/// The pids a procfs mounted with `hidepid=invisible` lists to this process.
fn pids_proc_shows() -> Result<Vec<i32>, String> {
    let mut pids: Vec<i32> = std::fs::read_dir(HIDEPID_PROC)
        .map_err(|e| format!("{HIDEPID_PROC}: {e}"))?
        .flatten()
        .filter_map(|d| d.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort();
    Ok(pids)
}

/// Under restrict_stats a caller sees the processes its filesystem uid and gid may read (as
/// /proc's hidepid does, PTRACE_MODE_READ_FSCREDS): not those of its real uid. Two callers
/// whose real and effective ids are one user and whose saved and filesystem ids are another
/// must each see exactly themselves and the other user's process, by pid, in a listing (each
/// record equal to /proc) and in the global sums.
fn the_callers_filesystem_ids_decide_what_it_sees() -> TestResult {
    std::fs::create_dir_all(HIDEPID_PROC).map_err(fail)?;
    let mounted = mount(
        Some("proc"),
        HIDEPID_PROC,
        Some("proc"),
        MsFlags::empty(),
        Some("hidepid=invisible"),
    );
    mounted.map_err(|e| fail(format!("mount {HIDEPID_PROC}: {e}")))?;
    let result = filesystem_ids_decide();
    let _ = umount(HIDEPID_PROC);
    result
}

fn filesystem_ids_decide() -> TestResult {
    let user = sleeper_as(USER)?;
    let nobody = sleeper_as(NOBODY)?;
    let root_before = mem_stats_all().map_err(fail)?.len() as u64;
    for (real, fs, visible, hidden) in [
        (NOBODY, USER, &user, &nobody),
        (USER, NOBODY, &nobody, &user),
    ] {
        let (visible, hidden) = (visible.raw_pid(), hidden.raw_pid());
        let exit = in_child(|| {
            let (r, f) = (Uid::from_raw(real), Uid::from_raw(fs));
            let (rg, fg) = (Gid::from_raw(real), Gid::from_raw(fs));
            // Supplementary groups are dropped: group 0 may read every hidepid /proc entry.
            if setgroups(&[])
                .and_then(|()| setresgid(rg, rg, fg))
                .and_then(|()| setresuid(r, r, f))
                .is_err()
            {
                return 2;
            }
            // setfsuid() may take the saved id; it returns the previous one, never an error.
            setfsuid(f);
            setfsgid(fg);
            match caller_sees(visible, hidden, root_before) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("# caller real {real} fs {fs}: {e}");
                    1
                }
            }
        })
        .map_err(fail)?;
        ensure_eq!(
            exit,
            Exit::Code(0),
            "caller with real uid {real}, fs uid {fs} (reason above)"
        );
    }
    drop((user, nobody));
    Ok(())
}

/// What a caller whose filesystem ids own `visible` (and not `hidden`) must see.
fn caller_sees(visible: i32, hidden: i32, root_before: u64) -> Result<(), String> {
    let me = std::process::id() as i32;
    let mut want = vec![me, visible];
    want.sort();
    let list = mem_stats_all().map_err(|e| format!("listing: {e}"))?;
    let listed: Vec<i32> = list.iter().map(|e| e.pid).collect();
    if listed != want {
        return Err(format!("listing {listed:?}, want {want:?}"));
    }
    let shown = pids_proc_shows()?;
    if shown != want {
        return Err(format!(
            "hidepid=invisible /proc shows {shown:?}, want {want:?}"
        ));
    }
    let other = mem_stats_process(visible).map_err(|e| format!("pid {visible}: {e}"))?;
    let listed = list.iter().find(|e| e.pid == visible).copied();
    if listed != Some(other) {
        return Err(format!(
            "pid {visible} alone {other:?} vs listed {listed:?}"
        ));
    }
    // The sleeper holds still: its record equals what /proc shows this caller.
    compare_with_proc(&other).map_err(|e| format!("pid {visible} vs /proc: {e}"))?;
    match mem_stats_process(hidden) {
        Err(e) if e.errno() == libc::ESRCH => {}
        other => return Err(format!("pid {hidden}: {other:?}, want ESRCH")),
    }
    let own = mem_stats_process(me).map_err(|e| format!("own pid: {e}"))?;
    let global = mem_stats_global().map_err(|e| format!("global: {e}"))?;
    // root_before counted both sleepers and the parent; this caller replaces none of them.
    let want = (2, root_before - 1, own.reserved_kb + other.reserved_kb);
    let got = (global.nr_processes, global.nr_hidden, global.reserved_kb);
    if got != want {
        return Err(format!(
            "global (processes, hidden, reserved kB): {got:?}, want {want:?}"
        ));
    }
    Ok(())
}

/// `memstat --json` run by an unprivileged caller that sees `visible` (and memstat itself): it
/// lists just those, and says how many processes it could not show.
fn memstat_json_as_nobody(visible: &[i32], nr_hidden: u64) -> Result<(), String> {
    let child = std::process::Command::new("memstat")
        .arg("--json")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("memstat: {e}"))?;
    let memstat = child.id() as i32;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("memstat: {e}"))?;
    let doc: Processes = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("memstat --json as nobody ({:?}): {e}", out.status))?;
    let got: Vec<i32> = doc.processes.iter().map(|p| p.pid).collect();
    let want = [visible, &[memstat]].concat();
    if (&got, doc.nr_hidden) != (&want, nr_hidden) {
        return Err(format!(
            "memstat --json as nobody (pids, nr_hidden): {:?}, want {:?}",
            (got, doc.nr_hidden),
            (want, nr_hidden)
        ));
    }
    Ok(())
}

/// A record is one moment of its address space: while the process maps and unmaps 64 MiB of
/// tamalloc memory as fast as it can (its other memory is a few MiB), no record shows more
/// tamalloc memory than memory. Two separate reads of the counters could, between a munmap and
/// the next mmap.
fn a_record_never_shows_more_tamalloc_than_reserved_memory() -> TestResult {
    let churner = fork(|| loop {
        drop(Tamalloc::new(64 << 20));
    })
    .map_err(fail)?;
    let until = Instant::now() + Duration::from_secs(2);
    let (mut mapped, mut unmapped, mut torn) = (0, 0, Vec::new());
    while Instant::now() < until {
        let e = mem_stats_process(churner.raw_pid()).map_err(fail)?;
        match e.tamalloc_kb {
            0 => unmapped += 1,
            t if t > e.reserved_kb => torn.push((t, e.reserved_kb)),
            _ => mapped += 1,
        }
    }
    drop(churner);
    println!("# records with the 64 MiB mapped: {mapped}, unmapped: {unmapped}");
    ensure!(
        torn.is_empty(),
        "{} records with tamalloc_kb > reserved_kb, e.g. {:?}",
        torn.len(),
        &torn[..torn.len().min(3)]
    );
    ensure!(
        mapped > 0 && unmapped > 0,
        "both states seen ({mapped}, {unmapped})"
    );
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac accounting",
        &[
            (
                "counter_is_exact_through_every_change_of_the_mappings",
                counter_is_exact_through_every_change_of_the_mappings,
            ),
            (
                "calls_do_not_wait_for_a_held_mmap_lock",
                calls_do_not_wait_for_a_held_mmap_lock,
            ),
            (
                "a_record_never_shows_more_tamalloc_than_reserved_memory",
                a_record_never_shows_more_tamalloc_than_reserved_memory,
            ),
            (
                "by_default_unprivileged_callers_see_only_their_own_processes",
                by_default_unprivileged_callers_see_only_their_own_processes,
            ),
            (
                "with_the_opt_in_unprivileged_callers_see_what_proc_shows_them",
                with_the_opt_in_unprivileged_callers_see_what_proc_shows_them,
            ),
            (
                "the_callers_filesystem_ids_decide_what_it_sees",
                the_callers_filesystem_ids_decide_what_it_sees,
            ),
        ],
    )
}
