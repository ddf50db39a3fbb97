//! Bad-input fuzzer for the three zamora_* syscalls: a deterministic mix of valid and invalid
//! arguments (seed printed; `USAC_FUZZ_SEED=N` replays a run, `USAC_FUZZ_CALLS=N` sets its length).
//! Every result must be a success or the errno the ABI documents for that input, and afterwards
//! the process's mappings must be exactly what the successful calls left.

use ktap::{ensure, ensure_eq, writer::fail, TestResult};
use std::collections::BTreeMap;
use std::process::ExitCode;
use usac::{sys, GlobalStats, ProcStats};
use usac_selftests::procfs::{own_smaps, status_field};

const PAGE: usize = 4096;
const ENTRY: usize = std::mem::size_of::<ProcStats>();

/// splitmix64: small, fast, and the same sequence everywhere for a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// User buffers of every kind the fuzzer passes.
struct Buffers {
    valid: Vec<ProcStats>,
    /// A read-only page.
    read_only: usize,
    /// An unmapped page.
    unmapped: usize,
    /// One entry's room at the end of a writable page that a PROT_NONE page follows.
    straddle: usize,
}

impl Buffers {
    fn new() -> Self {
        // SAFETY: fresh anonymous mappings owned by this process for its whole life.
        unsafe {
            let map = |len, prot| {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    prot,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                ) as usize
            };
            let read_only = map(PAGE, libc::PROT_READ);
            let unmapped = map(PAGE, libc::PROT_READ);
            libc::munmap(unmapped as *mut libc::c_void, PAGE);
            let pair = map(2 * PAGE, libc::PROT_READ | libc::PROT_WRITE);
            libc::mprotect((pair + PAGE) as *mut libc::c_void, PAGE, libc::PROT_NONE);
            Buffers {
                valid: vec![ProcStats::default(); 4096],
                read_only,
                unmapped,
                straddle: pair + PAGE - ENTRY,
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BufKind {
    Null,
    Kernel,
    Unmapped,
    ReadOnly,
    Straddle,
    Valid,
}

fn errno_name(e: i32) -> String {
    match e {
        libc::EINVAL => "EINVAL".into(),
        libc::ENOMEM => "ENOMEM".into(),
        libc::ESRCH => "ESRCH".into(),
        libc::EFAULT => "EFAULT".into(),
        libc::EINTR => "EINTR".into(),
        e => format!("errno {e}"),
    }
}

/// Runs `calls` calls from `seed`; returns the tally of results.
fn fuzz(seed: u64, calls: usize) -> Result<BTreeMap<String, usize>, String> {
    let mut rng = Rng(seed);
    let mut bufs = Buffers::new();
    let me = std::process::id() as i32;
    // A pid that existed and was reaped: fork a child, remember its pid, reap it.
    // SAFETY: the child exits at once; we reap it.
    let dead_pid = unsafe {
        let pid = libc::fork();
        if pid == 0 {
            libc::_exit(0);
        }
        libc::waitpid(pid, std::ptr::null_mut(), 0);
        pid
    };
    let kthread = 2; // kthreadd
    let mut live: Vec<(usize, usize)> = Vec::new(); // successful tamallocs still mapped
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut count = |what: &str, r: &Result<usize, i32>| {
        let key = match r {
            Ok(_) => format!("{what} ok"),
            Err(e) => format!("{what} {}", errno_name(*e)),
        };
        *tally.entry(key).or_default() += 1;
    };
    let buf_addr = |b: &mut Buffers, k: BufKind| -> usize {
        match k {
            BufKind::Null => 0,
            BufKind::Kernel => 0xffff_8880_0000_0000,
            BufKind::Unmapped => b.unmapped,
            BufKind::ReadOnly => b.read_only,
            BufKind::Straddle => b.straddle,
            BufKind::Valid => b.valid.as_mut_ptr() as usize,
        }
    };
    let kinds = [
        BufKind::Null,
        BufKind::Kernel,
        BufKind::Unmapped,
        BufKind::ReadOnly,
        BufKind::Straddle,
        BufKind::Valid,
    ];
    for i in 0..calls {
        match rng.below(3) {
            0 => {
                let random = 1 + rng.below(64 * PAGE as u64) as usize;
                let size = rng.pick(&[
                    0,
                    1,
                    PAGE - 1,
                    PAGE,
                    PAGE + 1,
                    1 << 20,
                    1 << 46,
                    usize::MAX,
                    usize::MAX - PAGE + 2,
                    random,
                ]);
                let flags = if rng.below(4) == 0 {
                    1u32 << rng.below(32)
                } else {
                    0
                };
                let r = usac::tamalloc_raw(size, flags).map_err(|e| e.errno());
                count("tamalloc", &r);
                // EINVAL for bad arguments, ENOMEM past the address space; otherwise a
                // page-aligned address, or ENOMEM if overcommit refuses.
                let must_fail = if size == 0 || flags != 0 {
                    Some(libc::EINVAL)
                } else if size > 1 << 47 {
                    Some(libc::ENOMEM)
                } else {
                    None
                };
                match (r, must_fail) {
                    (Err(e), Some(want)) if e == want => {}
                    (Err(libc::ENOMEM), None) => {}
                    (Ok(addr), None) if addr % PAGE == 0 => live.push((addr, size.div_ceil(PAGE) * PAGE)),
                    _ => {
                        return Err(format!("call {i}: tamalloc({size}, {flags:#x}) -> {r:?}, must fail with {must_fail:?}"))
                    }
                }
                // Unmap a random live mapping now and then.
                if !live.is_empty() && rng.below(3) == 0 {
                    let (addr, len) = live.swap_remove(rng.below(live.len() as u64) as usize);
                    // SAFETY: a tamalloc mapping of ours.
                    unsafe { libc::munmap(addr as *mut libc::c_void, len) };
                }
            }
            1 => {
                let random = rng.below(400) as i32;
                let pid = rng.pick(&[
                    -1,
                    i32::MIN,
                    0,
                    0,
                    me,
                    1,
                    kthread,
                    dead_pid,
                    i32::MAX,
                    random,
                ]);
                let kind = rng.pick(&kinds);
                let random = rng.below(5000) as usize;
                let count_arg = rng.pick(&[0, 1, 2, 64, usize::MAX, random]);
                // A huge count is only honest with a buffer that ends in a fault.
                let count_arg = if kind == BufKind::Valid {
                    count_arg.min(bufs.valid.len())
                } else {
                    count_arg
                };
                let flags = if rng.below(5) == 0 {
                    1u32 << rng.below(32)
                } else {
                    0
                };
                let buf = buf_addr(&mut bufs, kind);
                let r = sys::syscall4(
                    sys::__NR_zamora_mem_stats_process,
                    pid as usize,
                    buf,
                    count_arg,
                    flags as usize,
                );
                count("stats", &r);
                let want = stats_oracle(pid, kind, count_arg, flags, r);
                if r != want {
                    return Err(format!(
                        "call {i}: mem_stats_process({pid}, {kind:?}, {count_arg}, {flags:#x}) -> {r:?}, want {want:?}"
                    ));
                }
            }
            _ => {
                let kind = rng.pick(&kinds);
                let flags = if rng.below(4) == 0 {
                    1u32 << rng.below(32)
                } else {
                    0
                };
                let mut g = GlobalStats::default();
                let out = if kind == BufKind::Valid {
                    &mut g as *mut GlobalStats as usize
                } else {
                    buf_addr(&mut bufs, kind)
                };
                let r = sys::syscall4(sys::__NR_zamora_mem_stats_global, out, flags as usize, 0, 0);
                count("global", &r);
                let want = if flags != 0 {
                    Err(libc::EINVAL)
                } else if matches!(kind, BufKind::Valid) {
                    Ok(0)
                } else {
                    Err(libc::EFAULT)
                };
                // The straddling slot has room for 104 bytes, a global record is 96.
                let want = if kind == BufKind::Straddle && flags == 0 {
                    Ok(0)
                } else {
                    want
                };
                if r != want {
                    return Err(format!(
                        "call {i}: mem_stats_global({kind:?}, {flags:#x}) -> {r:?}, want {want:?}"
                    ));
                }
            }
        }
    }
    // What the successful calls left must be exactly what is mapped with the tamalloc flag.
    let tm: usize = own_smaps()
        .map_err(|e| e.to_string())?
        .iter()
        .filter(|v| v.has_flag("tm"))
        .map(|v| v.end - v.start)
        .sum();
    let live_bytes: usize = live.iter().map(|l| l.1).sum();
    if tm != live_bytes {
        return Err(format!(
            "tamalloc mappings: {tm} bytes mapped, successful calls left {live_bytes}"
        ));
    }
    for (addr, len) in live {
        // SAFETY: tamalloc mappings of ours.
        unsafe { libc::munmap(addr as *mut libc::c_void, len) };
    }
    Ok(tally)
}

/// What `zamora_mem_stats_process` must return. For `pid == 0` the process count comes from the
/// call itself (`got`), which is checked to be plausible.
fn stats_oracle(
    pid: i32,
    kind: BufKind,
    count: usize,
    flags: u32,
    got: Result<usize, i32>,
) -> Result<usize, i32> {
    if pid < 0 || flags != 0 {
        return Err(libc::EINVAL);
    }
    let found = if pid > 0 {
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            return Err(libc::ESRCH);
        }
        1
    } else {
        // Only a successful call tells the count; a fault means at least one entry was due.
        match got {
            Ok(n) if n > 0 => n,
            _ => usize::MAX,
        }
    };
    let written = count.min(found);
    let room = match kind {
        BufKind::Valid => usize::MAX,
        BufKind::Straddle => 1,
        _ => 0,
    };
    if written > room {
        Err(libc::EFAULT)
    } else if found == usize::MAX {
        got
    } else {
        Ok(found)
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fuzz_all_three_syscalls() -> TestResult {
    let seed = env_or("USAC_FUZZ_SEED", 0x05ac_2026);
    let calls = env_or("USAC_FUZZ_CALLS", 12_000) as usize;
    println!("# seed {seed} ({calls} calls); replay with USAC_FUZZ_SEED={seed}");
    let size_before = status_field("self", "VmSize").map_err(fail)?;
    let tally = fuzz(seed, calls).map_err(|e| fail(format!("seed {seed}: {e}")))?;
    for (what, n) in &tally {
        println!("# {what}: {n}");
    }
    ensure_eq!(tally.values().sum::<usize>(), calls, "calls made");
    for kind in [
        "tamalloc ok",
        "tamalloc EINVAL",
        "tamalloc ENOMEM",
        "stats ok",
        "stats EINVAL",
        "stats ESRCH",
        "stats EFAULT",
        "global ok",
        "global EINVAL",
        "global EFAULT",
    ] {
        ensure!(tally.contains_key(kind), "no '{kind}' results: {tally:?}");
    }
    // The fuzzer's own buffers (three pages plus the Vec) are all that may remain.
    let grown = status_field("self", "VmSize").map_err(fail)? as i64 - size_before as i64;
    ensure!(
        grown <= 3 * 4 + 512,
        "VmSize grew by {grown} kB after unmapping everything"
    );
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac fuzz",
        &[("fuzz_all_three_syscalls", fuzz_all_three_syscalls)],
    )
}
