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
use usac::{mem_stats_all, mem_stats_global, mem_stats_process, tamalloc_raw, ProcStats, Tamalloc};
use usac_selftests::memory::{mprotect, munmap, read_byte, write_byte, Anon};
use usac_selftests::process::{in_child, Exit};
use usac_selftests::procfs::status_field;
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
    let mut seed = t + 1;
    while !stop.load(Ordering::Relaxed) {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let pages = 1 + (seed >> 40) as usize % 32;
        let len = pages * PAGE;
        let addr = tamalloc_raw(len, 0).map_err(|e| format!("thread {t}: tamalloc: {e}"))?;
        for p in 0..pages {
            write_byte(addr + p * PAGE, p as u8 | 1);
        }
        written += pages as u64;
        let errno = |what| move |e| format!("thread {t}: {what}: errno {e}");
        mprotect(addr, len, libc::PROT_READ).map_err(errno("mprotect RO"))?;
        mprotect(addr, len, libc::PROT_READ | libc::PROT_WRITE).map_err(errno("mprotect RW"))?;
        if (0..pages).any(|p| read_byte(addr + p * PAGE) != p as u8 | 1) {
            return Err(format!("thread {t}: data changed"));
        }
        munmap(addr, len).map_err(errno("munmap"))?;
        rounds += 1;
    }
    Ok((rounds, written))
}

/// Forks children that touch memory and exit, until `stop`. The children touch a buffer mapped
/// beforehand: a child of a multi-threaded process must not allocate (another thread may have
/// held the allocator's lock at the fork). Returns the children.
fn fork_worker(stop: &AtomicBool) -> Result<u64, String> {
    let scratch = Anon::new(64 * 1024).map_err(|e| e.to_string())?;
    let (addr, len) = (scratch.addr, scratch.len);
    let mut children = 0;
    while !stop.load(Ordering::Relaxed) {
        let exit = in_child(|| {
            for o in (0..len).step_by(PAGE) {
                write_byte(addr + o, 1);
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
    // SAFETY: the child only reserves, touches and (is meant to) die.
    let hog = unsafe { libc::fork() };
    if hog == 0 {
        // Be the OOM killer's first choice, whatever else runs.
        let code = if std::fs::write("/proc/self/oom_score_adj", "1000").is_err() {
            3
        } else {
            match Tamalloc::new(hog_len) {
                Ok(mut m) => {
                    for p in (0..hog_len).step_by(PAGE) {
                        m.as_mut_slice()[p] = 1;
                    }
                    0 // survived: the test fails below
                }
                Err(_) => 2,
            }
        };
        // SAFETY: leave without the parent's handlers.
        unsafe { libc::_exit(code) };
    }
    ensure!(hog > 0, "fork: {}", std::io::Error::last_os_error());
    let mut status = 0;
    let start = Instant::now();
    // SAFETY: waiting for our own child.
    let waited = unsafe { libc::waitpid(hog, &mut status, 0) };
    std::fs::write("/proc/sys/vm/overcommit_memory", old.trim()).map_err(fail)?;
    ensure_eq!(waited, hog, "waitpid: {}", std::io::Error::last_os_error());
    println!(
        "# hog of {} MiB on {} MiB of RAM ended after {:.1} s: {}",
        hog_len >> 20,
        ram_kb >> 10,
        start.elapsed().as_secs_f64(),
        if libc::WIFSIGNALED(status) {
            format!("signal {}", libc::WTERMSIG(status))
        } else {
            format!("exit {}", libc::WEXITSTATUS(status))
        }
    );
    ensure!(
        libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGKILL,
        "the hog was not OOM-killed"
    );
    let log = usac_selftests::dmesg().map_err(fail)?;
    ensure!(
        log.contains(&format!("Killed process {hog}")),
        "no 'Killed process {hog}' in dmesg"
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
