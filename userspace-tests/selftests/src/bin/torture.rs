//! Concurrency and OOM torture: tamalloc/touch/mprotect/munmap/fork in threads while others list
//! statistics; then a tamalloc hog bigger than RAM, which the OOM killer must kill while the
//! kernel, and the statistics of the processes that survive, stay right. Kernel splats are caught
//! by the console check of `make test`.

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use usac::os::{fork, in_child, Exit, Mapping, ProtFlags, Signal};
use usac::{mem_stats_all, mem_stats_global, mem_stats_process, ProcStats, Tamalloc};
use usac_selftests::procfs::status_field;
use usac_selftests::rng::Rng;
use usac_selftests::snapshot::{still_listing_and_global, Sums};

const PAGE: usize = 4096;

/// This process's statistics.
fn own_stats() -> Result<ProcStats, NotPassed> {
    mem_stats_process(std::process::id() as i32).map_err(|e| fail(format!("own stats: {e}")))
}

/// Tamalloc, write every page once, mprotect read-only and back, check, munmap, until `stop`.
/// Returns the rounds and the pages written (each a first write).
fn tamalloc_worker(t: u64, stop: &AtomicBool) -> Result<(u64, u64), String> {
    let (mut rounds, mut written) = (0, 0);
    let mut rng = Rng::new(t + 1);
    while !stop.load(Ordering::Relaxed) {
        let pages = rng.between(1, 32);
        let len = pages * PAGE;
        let mut m = Mapping::tamalloc(len).map_err(|e| format!("thread {t}: tamalloc: {e}"))?;
        for p in 0..pages {
            m.write_byte(p * PAGE, p as u8 | 1);
        }
        written += pages as u64;
        let errno = |what| move |e| format!("thread {t}: {what}: {e}");
        m.protect(0, len, ProtFlags::PROT_READ)
            .map_err(errno("mprotect RO"))?;
        m.protect(0, len, ProtFlags::PROT_READ | ProtFlags::PROT_WRITE)
            .map_err(errno("mprotect RW"))?;
        if (0..pages).any(|p| m.read_byte(p * PAGE) != p as u8 | 1) {
            return Err(format!("thread {t}: data changed"));
        }
        m.unmap().map_err(errno("munmap"))?;
        rounds += 1;
    }
    Ok((rounds, written))
}

/// Forks children that touch memory and exit, until `stop`. The children touch a buffer mapped
/// beforehand: a child of a multi-threaded process must not allocate (another thread may have
/// held the allocator's lock at the fork). Returns the children.
fn fork_worker(stop: &AtomicBool) -> Result<u64, String> {
    let scratch = Mapping::anon(64 * 1024).map_err(|e| e.to_string())?;
    let mut children = 0;
    while !stop.load(Ordering::Relaxed) {
        let exit = in_child(|| {
            for o in (0..scratch.len()).step_by(PAGE) {
                scratch.write_byte(o, 1);
            }
            0
        })
        .map_err(|e| format!("fork: {e}"))?;
        if exit != Exit::Code(0) {
            return Err(format!("a fork child ended with {exit:?}"));
        }
        children += 1;
    }
    Ok(children)
}

/// Lists statistics until `stop`; every listing ascending, with init and this process.
fn listing_worker(stop: &AtomicBool) -> Result<u64, String> {
    let me = std::process::id() as i32;
    let mut listings = 0;
    while !stop.load(Ordering::Relaxed) {
        let list = mem_stats_all().map_err(|e| e.to_string())?;
        if !list.windows(2).all(|w| w[0].pid < w[1].pid) {
            return Err("listing out of order".into());
        }
        for pid in [1, me] {
            if list.binary_search_by_key(&pid, |e| e.pid).is_err() {
                return Err(format!("pid {pid} missing from a listing"));
            }
        }
        mem_stats_global().map_err(|e| e.to_string())?;
        listings += 1;
    }
    Ok(listings)
}

/// Joins a worker thread and takes its result.
fn join<T>(h: JoinHandle<Result<T, String>>) -> Result<T, NotPassed> {
    h.join()
        .map_err(|_| fail("a thread panicked"))?
        .map_err(fail)
}

/// Runs `f(stop)` in a new thread.
fn spawn<T: Send + 'static>(
    stop: &Arc<AtomicBool>,
    f: impl FnOnce(&AtomicBool) -> Result<T, String> + Send + 'static,
) -> JoinHandle<Result<T, String>> {
    let stop = stop.clone();
    std::thread::spawn(move || f(&stop))
}

fn mixed_load_while_listing() -> TestResult {
    let start = own_stats()?;
    let stop = Arc::new(AtomicBool::new(false));
    let tamallocs: Vec<_> = (0..3)
        .map(|t| spawn(&stop, move |stop| tamalloc_worker(t, stop)))
        .collect();
    let forks = spawn(&stop, fork_worker);
    let listers: Vec<_> = (0..2).map(|_| spawn(&stop, listing_worker)).collect();
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::Relaxed);
    let (mut rounds, mut written) = (0, 0);
    for h in tamallocs {
        let (r, w) = join(h)?;
        rounds += r;
        written += w;
    }
    let children = join(forks)?;
    let mut listings = 0;
    for h in listers {
        listings += join(h)?;
    }
    println!(
        "# 5 s: {rounds} tamalloc/touch/mprotect/munmap rounds ({written} pages), {listings} \
         listings + global, {children} fork children"
    );
    ensure!(
        rounds > 0 && listings > 0 && children > 0,
        "no progress: {rounds} rounds, {listings} listings, {children} children"
    );
    // Conservation: every first write was counted once, and every mapping is gone.
    let end = own_stats()?;
    ensure_eq!(
        end.lazy_zeroed_pages - start.lazy_zeroed_pages,
        written,
        "lazy_zeroed_pages growth vs the {written} pages the workers wrote"
    );
    ensure_eq!(
        end.tamalloc_kb,
        start.tamalloc_kb,
        "tamalloc_kb once every mapping is unmapped"
    );
    // Quiescent again: the global sums are the listing's.
    let (list, global) = still_listing_and_global().map_err(fail)?;
    ensure_eq!(
        Sums::of_global(&global),
        Sums::of_listing(&list),
        "global vs the sums of a listing of the same moment"
    );
    Ok(())
}

fn oom_killer_takes_the_tamalloc_hog() -> TestResult {
    let ram_kb = {
        let meminfo = std::fs::read_to_string("/proc/meminfo").map_err(fail)?;
        usac_selftests::procfs::field_in(&meminfo, "MemTotal").ok_or_else(|| fail("MemTotal"))?
    };
    let old = std::fs::read_to_string("/proc/sys/vm/overcommit_memory").map_err(fail)?;
    std::fs::write("/proc/sys/vm/overcommit_memory", "1").map_err(fail)?;
    let hog_len = (ram_kb as usize * 1024) * 3 / 2;
    let hog = fork(|| {
        // Be the OOM killer's first choice, whatever else runs.
        if std::fs::write("/proc/self/oom_score_adj", "1000").is_err() {
            return 3;
        }
        match Tamalloc::new(hog_len) {
            Ok(m) => {
                for p in (0..hog_len).step_by(PAGE) {
                    m.write_byte(p, 1);
                }
                0 // survived: the test fails below
            }
            Err(_) => 2,
        }
    });
    let start = Instant::now();
    let ended = hog.map(|hog| (hog.raw_pid(), hog.wait()));
    std::fs::write("/proc/sys/vm/overcommit_memory", old.trim()).map_err(fail)?;
    let (hog, exit) = ended.map_err(|e| fail(format!("fork: {e}")))?;
    let exit = exit.map_err(|e| fail(format!("waitpid: {e}")))?;
    println!(
        "# hog of {} MiB on {} MiB of RAM ended after {:.1} s: {exit:?}",
        hog_len >> 20,
        ram_kb >> 10,
        start.elapsed().as_secs_f64(),
    );
    ensure_eq!(
        exit,
        Exit::Signal(Signal::SIGKILL),
        "how the hog ended (it must be OOM-killed)"
    );
    let log = usac_selftests::dmesg().map_err(fail)?;
    ensure!(
        log.contains(&format!("Killed process {hog} (")),
        "no 'Killed process {hog} (' in dmesg"
    );
    // The survivors' statistics are still exact: ours against /proc, right now.
    let me = std::process::id() as i32;
    let e = mem_stats_process(me).map_err(fail)?;
    ensure_eq!(
        e.reserved_kb,
        status_field("self", "VmSize").map_err(fail)?,
        "own reserved_kb vs VmSize"
    );
    let init = mem_stats_process(1).map_err(fail)?;
    ensure_eq!(
        init.reserved_kb,
        status_field("1", "VmSize").map_err(fail)?,
        "init reserved_kb vs VmSize"
    );
    ensure_eq!(
        init.committed_kb,
        status_field("1", "VmRSS").map_err(fail)?,
        "init committed_kb vs VmRSS"
    );
    ensure!(
        mem_stats_all().map_err(fail)?.iter().all(|p| p.pid != hog),
        "the hog is still listed"
    );
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac torture",
        &[
            ("mixed_load_while_listing", mixed_load_while_listing),
            (
                "oom_killer_takes_the_tamalloc_hog",
                oom_killer_takes_the_tamalloc_hog,
            ),
        ],
    )
}
