//! Concurrency and OOM torture: tamalloc/touch/mprotect/munmap/fork in threads while others list
//! statistics; then a tamalloc hog bigger than RAM, which the OOM killer must kill while the
//! kernel, and the statistics of the processes that survive, stay right. Kernel splats are caught
//! by the console check of `make test`.

use ktap::{ensure, ensure_eq, writer::fail, TestResult};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use usac::{mem_stats_all, mem_stats_global, mem_stats_process, Tamalloc};
use usac_selftests::procfs::status_field;

const PAGE: usize = 4096;

fn mixed_load_while_listing() -> TestResult {
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let listings = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for t in 0..3u64 {
        let (stop, rounds) = (stop.clone(), rounds.clone());
        handles.push(std::thread::spawn(move || -> Result<(), String> {
            let mut seed = t + 1;
            while !stop.load(Ordering::Relaxed) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                let pages = 1 + (seed >> 40) as usize % 32;
                let mut m = Tamalloc::new(pages * PAGE).map_err(|e| e.to_string())?;
                for p in 0..pages {
                    m.as_mut_slice()[p * PAGE] = p as u8 | 1;
                }
                // SAFETY: mprotect of our own mapping, back to RW before it is used again.
                unsafe {
                    let base = m.as_ptr().cast();
                    libc::mprotect(base, pages * PAGE, libc::PROT_READ);
                    libc::mprotect(base, pages * PAGE, libc::PROT_READ | libc::PROT_WRITE);
                }
                if (0..pages).any(|p| m.as_slice()[p * PAGE] != p as u8 | 1) {
                    return Err(format!("thread {t}: data changed"));
                }
                rounds.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }));
    }
    {
        let stop = stop.clone();
        handles.push(std::thread::spawn(move || -> Result<(), String> {
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: the child touches a little memory and exits; we reap it.
                unsafe {
                    let pid = libc::fork();
                    if pid == 0 {
                        let v = vec![1u8; 64 * 1024];
                        std::hint::black_box(&v);
                        libc::_exit(0);
                    }
                    if pid < 0 {
                        return Err("fork failed".into());
                    }
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
            }
            Ok(())
        }));
    }
    for _ in 0..2 {
        let (stop, listings) = (stop.clone(), listings.clone());
        handles.push(std::thread::spawn(move || -> Result<(), String> {
            while !stop.load(Ordering::Relaxed) {
                let list = mem_stats_all().map_err(|e| e.to_string())?;
                if !list.windows(2).all(|w| w[0].pid < w[1].pid) {
                    return Err("listing out of order".into());
                }
                mem_stats_global().map_err(|e| e.to_string())?;
                listings.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        }));
    }
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join()
            .map_err(|_| fail("a thread panicked"))?
            .map_err(fail)?;
    }
    let (r, l) = (
        rounds.load(Ordering::Relaxed),
        listings.load(Ordering::Relaxed),
    );
    println!("# 5 s: {r} tamalloc/touch/mprotect/munmap rounds, {l} listings + global, with a fork/exit loop");
    ensure!(r > 0 && l > 0, "no progress: {r} rounds, {l} listings");
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
        let _ = std::fs::write("/proc/self/oom_score_adj", "1000");
        let code = match Tamalloc::new(hog_len) {
            Ok(mut m) => {
                for p in (0..hog_len).step_by(PAGE) {
                    m.as_mut_slice()[p] = 1;
                }
                0 // survived: the test fails below
            }
            Err(_) => 2,
        };
        // SAFETY: leave without the parent's handlers.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    let start = Instant::now();
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(hog, &mut status, 0) };
    std::fs::write("/proc/sys/vm/overcommit_memory", old.trim()).map_err(fail)?;
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
