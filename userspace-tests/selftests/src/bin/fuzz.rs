//! Bad-input fuzzer for the three zamora_* syscalls: a deterministic mix of valid and invalid
//! arguments (seed printed; `USAC_FUZZ_SEED=N` replays a run, `USAC_FUZZ_CALLS=N` sets its length).
//! Every call has one right result, computed before it: the VM is quiescent, so /proc's process
//! count (read before and after) bounds what a listing finds, and the fuzzer sets its own
//! RLIMIT_AS so that ENOMEM from tamalloc is determinate. Afterwards the process's mappings must
//! be exactly what they were.

use ktap::{ensure, ensure_eq, writer::fail, TestResult};
use nix::sys::resource::{getrlimit, setrlimit, Resource};
use std::collections::BTreeMap;
use std::io::Read;
use std::process::ExitCode;
use usac::os::{fork, MapFlags, Mapping, ProtFlags};
use usac::{sys, GlobalStats, ProcStats};
use usac_selftests::procfs::{field_in, own_smaps, process_count, Vma};
use usac_selftests::rng::Rng;

const PAGE: usize = 4096;
const ENTRY: usize = std::mem::size_of::<ProcStats>();
const GLOBAL: usize = std::mem::size_of::<GlobalStats>();
/// RLIMIT_AS headroom over the fuzzer's size at the start.
const HEADROOM: usize = 128 << 20;
/// Live tamalloc memory the fuzzer keeps at most, well under `HEADROOM` so that malloc never
/// fails.
const MAX_LIVE: usize = 32 << 20;
/// Room of the short straddling slot: less than one global record or one entry.
const SHORT: usize = 64;

/// One random bit once in `one_in` times, else 0.
fn random_flags(rng: &mut Rng, one_in: u64) -> u32 {
    if rng.below(one_in) == 0 {
        1 << rng.below(32)
    } else {
        0
    }
}

/// A mapping, with what went wrong as the error.
fn mapped(what: &str, m: nix::Result<Mapping>) -> Result<Mapping, String> {
    m.map_err(|e| format!("{what}: {e}"))
}

/// `len` rounded up to whole pages.
fn rounded(len: usize) -> usize {
    len.div_ceil(PAGE) * PAGE
}

/// User buffers of every kind the fuzzer passes; unmapped on drop. Rust code reads neither
/// mapping: only the kernel writes into them.
struct Buffers {
    valid: Vec<ProcStats>,
    /// A read-only page.
    read_only: Mapping,
    /// Two pages: a writable one, then a PROT_NONE one.
    pair: Mapping,
}

/// The address of a page just unmapped. It is made anew for each call: a page unmapped earlier
/// may have been mapped again since (by malloc or a tamalloc), while the fuzzer, which has one
/// thread, maps nothing between this and the call.
fn unmapped_page() -> Result<usize, String> {
    let gone = mapped("mmap", Mapping::anon(PAGE))?;
    let addr = gone.addr();
    gone.unmap().map_err(|e| format!("munmap: {e}"))?;
    Ok(addr)
}

impl Buffers {
    fn new() -> Result<Self, String> {
        let read_only = mapped(
            "mmap",
            Mapping::anon_with(PAGE, ProtFlags::PROT_READ, MapFlags::MAP_PRIVATE),
        )?;
        let mut pair = mapped("mmap", Mapping::anon(2 * PAGE))?;
        pair.protect(PAGE, PAGE, ProtFlags::PROT_NONE)
            .map_err(|e| format!("mprotect: {e}"))?;
        Ok(Buffers {
            valid: vec![ProcStats::default(); 4096],
            read_only,
            pair,
        })
    }

    /// The address of a buffer of `kind`, for a call made right away.
    fn addr(&mut self, kind: BufKind) -> Result<usize, String> {
        Ok(match kind {
            BufKind::Null => 0,
            BufKind::Kernel => 0xffff_8880_0000_0000,
            BufKind::Unmapped => unmapped_page()?,
            BufKind::ReadOnly => self.read_only.addr(),
            BufKind::Straddle => self.pair.addr() + PAGE - ENTRY,
            BufKind::ShortStraddle => self.pair.addr() + PAGE - SHORT,
            BufKind::Valid => self.valid.as_mut_ptr() as usize,
        })
    }

    /// How many bytes can be written at the buffer of `kind`.
    fn room(&self, kind: BufKind) -> usize {
        match kind {
            BufKind::Null | BufKind::Kernel | BufKind::Unmapped | BufKind::ReadOnly => 0,
            BufKind::Straddle => ENTRY,
            BufKind::ShortStraddle => SHORT,
            BufKind::Valid => self.valid.len() * ENTRY,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BufKind {
    Null,
    Kernel,
    Unmapped,
    ReadOnly,
    /// Room for exactly one entry (104 bytes) before a PROT_NONE page: a global record fits.
    Straddle,
    /// 64 bytes before a PROT_NONE page: a global record or an entry is written in part.
    ShortStraddle,
    Valid,
}

const KINDS: [BufKind; 7] = [
    BufKind::Null,
    BufKind::Kernel,
    BufKind::Unmapped,
    BufKind::ReadOnly,
    BufKind::Straddle,
    BufKind::ShortStraddle,
    BufKind::Valid,
];

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

fn result_name(r: &Result<usize, i32>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => errno_name(*e),
    }
}

/// This process's VmSize in bytes, read without allocating: an allocation could grow the heap
/// between this reading and the call it is for.
fn vm_size() -> Result<usize, String> {
    let mut buf = [0u8; 4096];
    let mut file = std::fs::File::open("/proc/self/status").map_err(|e| e.to_string())?;
    let mut len = 0;
    loop {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) => return Err(format!("/proc/self/status: {e}")),
        }
    }
    let text = std::str::from_utf8(&buf[..len]).map_err(|e| e.to_string())?;
    field_in(text, "VmSize")
        .map(|kb| kb as usize * 1024)
        .ok_or_else(|| "no VmSize in /proc/self/status".into())
}

/// What `zamora_tamalloc(size, flags)` must return with `headroom` bytes left under RLIMIT_AS:
/// EINVAL for bad arguments; ENOMEM when rounding to pages overflows or the pages do not fit
/// under the limit (which lies far below TASK_SIZE); success otherwise.
fn tamalloc_oracle(size: usize, flags: u32, headroom: usize) -> Result<(), i32> {
    if size == 0 || flags != 0 {
        return Err(libc::EINVAL);
    }
    match size.checked_next_multiple_of(PAGE) {
        Some(len) if len <= headroom => Ok(()),
        _ => Err(libc::ENOMEM),
    }
}

/// What `zamora_mem_stats_process` must return when it finds `found` processes (for a pid > 0:
/// 0 or 1) and the buffer has room for `room` entries.
fn stats_oracle(found: usize, count: usize, room: usize) -> Result<usize, i32> {
    if found == 0 {
        Err(libc::ESRCH)
    } else if count.min(found) > room {
        Err(libc::EFAULT)
    } else {
        Ok(found)
    }
}

/// How many processes a call for `pid` would find now, by /proc: for a pid, 0 or 1.
fn found_now(pid: i32) -> Result<usize, String> {
    if pid == 0 {
        process_count().map_err(|e| e.to_string())
    } else {
        Ok(std::path::Path::new(&format!("/proc/{pid}")).exists() as usize)
    }
}

/// What `zamora_mem_stats_global` must return for a buffer with `room` bytes.
fn global_oracle(flags: u32, room: usize) -> Result<usize, i32> {
    if flags != 0 {
        Err(libc::EINVAL)
    } else if room < GLOBAL {
        Err(libc::EFAULT)
    } else {
        Ok(0)
    }
}

/// RLIMIT_AS set for the fuzzer's run, restored on drop.
struct AsLimit {
    old: (u64, u64),
    limit: usize,
}

impl AsLimit {
    fn set(limit: usize) -> Result<Self, String> {
        let old = getrlimit(Resource::RLIMIT_AS).map_err(|e| format!("RLIMIT_AS: {e}"))?;
        setrlimit(Resource::RLIMIT_AS, limit as u64, old.1)
            .map_err(|e| format!("RLIMIT_AS: {e}"))?;
        Ok(AsLimit { old, limit })
    }
}

impl Drop for AsLimit {
    fn drop(&mut self) {
        let _ = setrlimit(Resource::RLIMIT_AS, self.old.0, self.old.1);
    }
}

struct Fuzzer {
    rng: Rng,
    bufs: Buffers,
    limit: AsLimit,
    me: i32,
    dead_pid: i32,
    mem_total_kb: u64,
    /// Successful tamallocs still mapped.
    live: Vec<Mapping>,
    tally: BTreeMap<String, usize>,
}

impl Fuzzer {
    fn new(seed: u64) -> Result<Self, String> {
        let overcommit =
            std::fs::read_to_string("/proc/sys/vm/overcommit_memory").map_err(|e| e.to_string())?;
        // In mode 2 the commit limit, not RLIMIT_AS, could refuse a tamalloc under the limit.
        if !matches!(overcommit.trim(), "0" | "1") {
            return Err(format!("vm.overcommit_memory is {overcommit}, want 0 or 1"));
        }
        let meminfo = std::fs::read_to_string("/proc/meminfo").map_err(|e| e.to_string())?;
        let mem_total_kb = field_in(&meminfo, "MemTotal").ok_or("no MemTotal")?;
        let bufs = Buffers::new()?;
        let limit = AsLimit::set(vm_size()? + HEADROOM)?;
        // A pid that existed and was reaped: fork a child, remember its pid, reap it.
        let child = fork(|| 0).map_err(|e| format!("fork: {e}"))?;
        let dead_pid = child.raw_pid();
        child.wait().map_err(|e| format!("waitpid: {e}"))?;
        Ok(Fuzzer {
            rng: Rng::new(seed),
            bufs,
            limit,
            me: std::process::id() as i32,
            dead_pid,
            mem_total_kb,
            live: Vec::new(),
            tally: BTreeMap::new(),
        })
    }

    fn count(&mut self, what: &str, r: &Result<usize, i32>) {
        *self
            .tally
            .entry(format!("{what} {}", result_name(r)))
            .or_default() += 1;
    }

    /// The bytes the live tamallocs map (whole pages).
    fn live_bytes(&self) -> usize {
        self.live.iter().map(|m| rounded(m.len())).sum()
    }

    fn unmap_random(&mut self) -> Result<(), String> {
        let i = self.rng.below(self.live.len() as u64) as usize;
        let m = self.live.swap_remove(i);
        let (addr, len) = (m.addr(), m.len());
        m.unmap()
            .map_err(|e| format!("munmap({addr:#x}, {len}): {e}"))
    }

    fn tamalloc_call(&mut self) -> Result<(), String> {
        let random = 1 + self.rng.below(64 * PAGE as u64) as usize;
        let flags = random_flags(&mut self.rng, 4);
        // Sizes at and just past the RLIMIT_AS headroom make the limit itself a fuzzed edge.
        let at_limit = self.rng.below(10) == 0;
        let headroom = self.limit.limit - vm_size()?;
        let (size, what) = if !at_limit {
            let size = self.rng.pick(&[
                0,
                1,
                PAGE - 1,
                PAGE,
                PAGE + 1,
                1 << 20,
                1 << 46,
                (1 << 47) - PAGE,
                usize::MAX,
                usize::MAX - PAGE + 2,
                random,
            ]);
            (size, "tamalloc")
        } else if self.rng.below(2) == 0 {
            (headroom, "tamalloc at limit")
        } else {
            (headroom + 1, "tamalloc over limit")
        };
        let m = Mapping::tamalloc_with(size, flags).map_err(|e| e.errno());
        let r = m.as_ref().map(Mapping::addr).map_err(|&e| e);
        let want = tamalloc_oracle(size, flags, headroom);
        match (m, want) {
            (Ok(m), Ok(())) if m.addr() % PAGE == 0 => {
                if rounded(m.len()) > MAX_LIVE {
                    // It took all the headroom: give it back before anything allocates.
                    m.unmap().map_err(|e| format!("munmap: {e}"))?;
                } else {
                    self.live.push(m);
                }
            }
            (Err(e), Err(w)) if e == w => {}
            _ => {
                return Err(format!(
                    "tamalloc({size}, {flags:#x}) with {headroom} bytes under RLIMIT_AS -> \
                     {r:?}, want {want:?}"
                ))
            }
        }
        self.count(what, &r);
        // Unmap a random live mapping now and then, and whenever they hold too much.
        while !self.live.is_empty() && (self.live_bytes() > MAX_LIVE || self.rng.below(2) == 0) {
            self.unmap_random()?;
        }
        Ok(())
    }

    fn stats_call(&mut self) -> Result<(), String> {
        let (me, random) = (self.me, self.rng.below(400) as i32);
        let pid = self.rng.pick(&[
            -1,
            i32::MIN,
            0,
            0,
            me,
            1,
            2, // kthreadd
            self.dead_pid,
            i32::MAX,
            random,
        ]);
        let kind = self.rng.pick(&KINDS);
        let random = self.rng.below(5000) as usize;
        let count = self.rng.pick(&[0, 1, 2, 64, usize::MAX, random]);
        // A huge count is only honest with a buffer that ends in a fault.
        let count = if kind == BufKind::Valid {
            count.min(self.bufs.valid.len())
        } else {
            count
        };
        let flags = random_flags(&mut self.rng, 5);
        let room = self.bufs.room(kind) / ENTRY;
        let before = found_now(pid)?;
        if kind == BufKind::Valid {
            self.canary_around(count, before);
        }
        let buf = self.bufs.addr(kind)?;
        // SAFETY: `buf` is `valid`, with `count` at most its length; or the kernel cannot write
        // its first byte (null, a kernel address, a page just unmapped, the read-only page); or it
        // is the end of `pair`'s writable page, which only the kernel writes, and the kernel
        // stops at the PROT_NONE page after it.
        let r = unsafe {
            sys::syscall4(
                sys::__NR_zamora_mem_stats_process,
                pid as usize,
                buf,
                count,
                flags as usize,
            )
        };
        let after = found_now(pid)?;
        let (lo, hi) = (before.min(after), before.max(after));
        let allowed: Vec<Result<usize, i32>> = if pid < 0 || flags != 0 {
            vec![Err(libc::EINVAL)]
        } else {
            (lo..=hi).map(|n| stats_oracle(n, count, room)).collect()
        };
        if !allowed.contains(&r) {
            return Err(format!(
                "mem_stats_process({pid}, {kind:?}, {count}, {flags:#x}) -> {r:?}, want one of \
                 {allowed:?} (/proc: {before} then {after})"
            ));
        }
        if let (Ok(found), BufKind::Valid) = (r, kind) {
            self.check_written(pid, count.min(found))?;
        }
        self.count("stats", &r);
        Ok(())
    }

    /// Marks the entries of the valid buffer around where a listing of about `found` processes
    /// with `count` entries ends, so that `check_written` can tell how many were written.
    fn canary_around(&mut self, count: usize, found: usize) {
        let last = self.bufs.valid.len() - 1;
        let (start, end) = (count.min(found).saturating_sub(64), count.min(found + 64));
        self.bufs.valid[start..=end.min(last)].fill(canary());
    }

    /// The first `written` entries of the valid buffer are ascending processes (the right one for
    /// a pid), and the entry after them is untouched.
    fn check_written(&self, pid: i32, written: usize) -> Result<(), String> {
        let entries = &self.bufs.valid[..written];
        let ok = match pid {
            0 => {
                entries.first().is_none_or(|e| e.pid == 1)
                    && entries.windows(2).all(|w| w[0].pid < w[1].pid)
            }
            pid => entries.iter().all(|e| e.pid == pid),
        };
        if !ok || entries.iter().any(|e| e == &canary()) {
            return Err(format!("pid {pid}: {written} entries written wrong"));
        }
        match self.bufs.valid.get(written) {
            Some(e) if e != &canary() => Err(format!(
                "pid {pid}: entry {written} written past min(count, found): {e:?}"
            )),
            _ => Ok(()),
        }
    }

    fn global_call(&mut self) -> Result<(), String> {
        let kind = self.rng.pick(&KINDS);
        let flags = random_flags(&mut self.rng, 4);
        let mut g = GlobalStats::default();
        let out = if kind == BufKind::Valid {
            &mut g as *mut GlobalStats as usize
        } else {
            self.bufs.addr(kind)?
        };
        // SAFETY: `out` is `g`; or the kernel cannot write its first byte; or it is the end of
        // `pair`'s writable page, before the PROT_NONE page at which the kernel stops (as in
        // `stats_call`).
        let r =
            unsafe { sys::syscall4(sys::__NR_zamora_mem_stats_global, out, flags as usize, 0, 0) };
        let want = global_oracle(flags, self.bufs.room(kind));
        if r != want {
            return Err(format!(
                "mem_stats_global({kind:?}, {flags:#x}) -> {r:?}, want {want:?}"
            ));
        }
        if r.is_ok() && kind == BufKind::Valid {
            let consistent = g.reserved_mb == g.reserved_kb / 1024
                && g.committed_mb == g.committed_kb / 1024
                && g.totalram_kb == self.mem_total_kb
                && g.nr_hidden == 0 // root sees every process
                && g.__spare == [0; 3];
            if !consistent {
                return Err(format!(
                    "global record: {g:?}, MemTotal {}",
                    self.mem_total_kb
                ));
            }
        }
        let what = match kind {
            BufKind::ShortStraddle => "global partial",
            _ => "global",
        };
        self.count(what, &r);
        Ok(())
    }

    /// Runs `calls` calls; returns the tally of results.
    fn run(mut self, calls: usize) -> Result<BTreeMap<String, usize>, String> {
        for i in 0..calls {
            match self.rng.below(3) {
                0 => self.tamalloc_call(),
                1 => self.stats_call(),
                _ => self.global_call(),
            }
            .map_err(|e| format!("call {i}: {e}"))?;
        }
        // What the successful calls left must be exactly what is mapped with the tamalloc flag.
        let tm: usize = own_smaps()
            .map_err(|e| e.to_string())?
            .iter()
            .filter(|v| v.has_flag("tm"))
            .map(|v| v.end - v.start)
            .sum();
        let live = self.live_bytes();
        if tm != live {
            return Err(format!(
                "tamalloc mappings: {tm} bytes mapped, successful calls left {live}"
            ));
        }
        while !self.live.is_empty() {
            self.unmap_random()?;
        }
        Ok(std::mem::take(&mut self.tally))
    }
}

/// An entry no call writes.
fn canary() -> ProcStats {
    ProcStats {
        pid: -0x5a5a5a5a,
        reserved_kb: 0xdead_beef,
        ..Default::default()
    }
}

/// This process's mappings but its heap and stack, whose size follows malloc and the deepest
/// call.
fn fixed_mappings() -> Result<Vec<(usize, usize, Vec<String>)>, String> {
    let keep = |v: &Vma| v.name != "[heap]" && v.name != "[stack]";
    Ok(own_smaps()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(keep)
        .map(|v| (v.start, v.end, v.flags))
        .collect())
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
    let maps_before = fixed_mappings().map_err(fail)?;
    let tally = Fuzzer::new(seed)
        .and_then(|f| f.run(calls))
        .map_err(|e| fail(format!("seed {seed}: {e}")))?;
    for (what, n) in &tally {
        println!("# {what}: {n}");
    }
    ensure_eq!(tally.values().sum::<usize>(), calls, "calls made");
    for kind in [
        "tamalloc ok",
        "tamalloc EINVAL",
        "tamalloc ENOMEM",
        "tamalloc at limit ok",
        "tamalloc over limit ENOMEM",
        "stats ok",
        "stats EINVAL",
        "stats ESRCH",
        "stats EFAULT",
        "global ok",
        "global EINVAL",
        "global EFAULT",
        "global partial EFAULT",
    ] {
        ensure!(tally.contains_key(kind), "no '{kind}' results: {tally:?}");
    }
    // Every mapping the fuzzer made is gone, and no failed call left one behind.
    ensure_eq!(
        fixed_mappings().map_err(fail)?,
        maps_before,
        "mappings (but heap and stack) before and after"
    );
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac fuzz",
        &[("fuzz_all_three_syscalls", fuzz_all_three_syscalls)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tamalloc_oracle_edges() {
        let headroom = 8 * PAGE;
        assert_eq!(tamalloc_oracle(0, 0, headroom), Err(libc::EINVAL));
        assert_eq!(tamalloc_oracle(PAGE, 1, headroom), Err(libc::EINVAL));
        assert_eq!(tamalloc_oracle(1, 0, headroom), Ok(()));
        assert_eq!(tamalloc_oracle(headroom, 0, headroom), Ok(()));
        assert_eq!(
            tamalloc_oracle(headroom + 1, 0, headroom),
            Err(libc::ENOMEM)
        );
        assert_eq!(
            tamalloc_oracle(usize::MAX, 0, usize::MAX),
            Err(libc::ENOMEM)
        );
    }

    #[test]
    fn stats_oracle_room_and_count() {
        assert_eq!(stats_oracle(0, 1, 1), Err(libc::ESRCH));
        assert_eq!(stats_oracle(40, 0, 0), Ok(40));
        assert_eq!(stats_oracle(40, 1, 1), Ok(40));
        assert_eq!(stats_oracle(40, 2, 1), Err(libc::EFAULT));
        assert_eq!(stats_oracle(1, usize::MAX, 1), Ok(1));
    }

    #[test]
    fn global_record_needs_96_bytes() {
        assert_eq!(global_oracle(0, ENTRY), Ok(0));
        assert_eq!(global_oracle(0, SHORT), Err(libc::EFAULT));
        assert_eq!(global_oracle(2, ENTRY), Err(libc::EINVAL));
    }
}
