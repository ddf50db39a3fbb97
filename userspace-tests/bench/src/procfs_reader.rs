//! The fastest reader of /proc we know how to write: the baseline the statistics syscalls are
//! measured against. It keeps /proc open, walks it with `getdents64` (no `stat`), opens each
//! file relative to it (`openat(proc, "PID/status")`), reads it with one `read` into one reused
//! buffer and parses the bytes in place: no allocation per process or per round.

use nix::dir::Dir;
use nix::fcntl::{open, openat, OFlag};
use nix::sys::stat::Mode;
use std::io;
use std::os::fd::OwnedFd;

/// What the listing syscall returns for a process, as /proc shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcRecord {
    pub pid: u32,
    /// `VmSize` of /proc/PID/status, in KiB.
    pub vm_size_kb: u64,
    /// `VmRSS` of /proc/PID/status, in KiB.
    pub vm_rss_kb: u64,
    pub oom_score: i64,
    pub oom_score_adj: i64,
}

/// /proc, open, with a buffer for one file.
pub struct ProcReader {
    proc: OwnedFd,
    dir: Dir,
    buf: Vec<u8>,
}

impl ProcReader {
    pub fn new() -> io::Result<Self> {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        Ok(ProcReader {
            proc: open("/proc", flags, Mode::empty())?,
            dir: Dir::open("/proc", flags, Mode::empty())?,
            buf: vec![0; 16 << 10],
        })
    }

    /// Calls `f` with each process's record; a process that exits meanwhile is left out.
    pub fn for_each_process(&mut self, mut f: impl FnMut(ProcRecord)) {
        let (proc, buf) = (&self.proc, &mut self.buf);
        for entry in self.dir.iter().flatten() {
            let name = entry.file_name().to_bytes();
            let Some(pid) = parse_u64(name) else { continue };
            let Some(status) = read_file(proc, name, b"status", buf) else {
                continue;
            };
            let (vm_size_kb, vm_rss_kb) =
                (field_kb(status, b"VmSize:"), field_kb(status, b"VmRSS:"));
            let Some(oom_score) = read_file(proc, name, b"oom_score", buf).and_then(parse_i64)
            else {
                continue;
            };
            let Some(oom_score_adj) =
                read_file(proc, name, b"oom_score_adj", buf).and_then(parse_i64)
            else {
                continue;
            };
            f(ProcRecord {
                pid: pid as u32,
                vm_size_kb,
                vm_rss_kb,
                oom_score,
                oom_score_adj,
            });
        }
    }

    /// The sums of the first two fields of every /proc/PID/statm (size and resident pages), as
    /// a `free`-like tool adds them up, and the number of processes summed.
    pub fn statm_sum(&mut self) -> (u64, u64, u64) {
        let (proc, buf) = (&self.proc, &mut self.buf);
        let mut sum = (0, 0, 0);
        for entry in self.dir.iter().flatten() {
            let name = entry.file_name().to_bytes();
            if parse_u64(name).is_none() {
                continue;
            }
            let Some(statm) = read_file(proc, name, b"statm", buf) else {
                continue;
            };
            let mut fields = statm.split(|&b| b == b' ').map(parse_u64);
            if let (Some(Some(size)), Some(Some(resident))) = (fields.next(), fields.next()) {
                sum = (sum.0 + size, sum.1 + resident, sum.2 + 1);
            }
        }
        sum
    }
}

/// /proc/`pid`/`file`, read with one `read` into `buf`.
fn read_file<'a>(proc: &OwnedFd, pid: &[u8], file: &[u8], buf: &'a mut [u8]) -> Option<&'a [u8]> {
    let mut path = [0u8; 48];
    let len = pid.len() + 1 + file.len();
    let path = path.get_mut(..len)?;
    path[..pid.len()].copy_from_slice(pid);
    path[pid.len()] = b'/';
    path[pid.len() + 1..].copy_from_slice(file);
    let fd = openat(
        proc,
        &*path,
        OFlag::O_RDONLY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    let n = nix::unistd::read(&fd, buf).ok()?;
    Some(&buf[..n])
}

/// The number after `name` on its line of a /proc/PID/status text (`VmSize:   1234 kB`); 0
/// when the line is missing (a kernel thread has no VmSize).
fn field_kb(text: &[u8], name: &[u8]) -> u64 {
    text.split(|&b| b == b'\n')
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| {
            let digits = rest.trim_ascii_start();
            let end = digits
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(digits.len());
            parse_u64(&digits[..end])
        })
        .unwrap_or(0)
}

/// A decimal number, the whole of `text` but for trailing whitespace.
fn parse_u64(text: &[u8]) -> Option<u64> {
    let text = text.trim_ascii_end();
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    text.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// A signed decimal number, the whole of `text` but for trailing whitespace.
fn parse_i64(text: &[u8]) -> Option<i64> {
    match text.strip_prefix(b"-") {
        Some(rest) => parse_u64(rest)
            .and_then(|n| i64::try_from(n).ok())
            .map(|n| -n),
        None => parse_u64(text).and_then(|n| i64::try_from(n).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_fields() {
        assert_eq!(parse_u64(b"1234\n"), Some(1234));
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"12a"), None);
        assert_eq!(parse_i64(b"-17\n"), Some(-17));
        assert_eq!(parse_i64(b"666"), Some(666));
        let status = b"Name:\tsh\nVmSize:\t    2436 kB\nVmRSS:\t     1100 kB\n";
        assert_eq!(field_kb(status, b"VmSize:"), 2436);
        assert_eq!(field_kb(status, b"VmRSS:"), 1100);
        assert_eq!(field_kb(status, b"VmSwap:"), 0);
    }

    /// This process, as the reader sees it, against std's reading of the same files.
    #[test]
    fn reads_this_process_as_std_does() {
        let me = std::process::id();
        let mut reader = ProcReader::new().unwrap();
        let mut mine = None;
        let mut count = 0;
        reader.for_each_process(|r| {
            count += 1;
            if r.pid == me {
                mine = Some(r);
            }
        });
        let mine = mine.expect("this process listed");
        let read = |f: &str| std::fs::read_to_string(format!("/proc/{me}/{f}")).unwrap();
        let adj: i64 = read("oom_score_adj").trim().parse().unwrap();
        assert_eq!(mine.oom_score_adj, adj);
        assert!(mine.vm_size_kb > 0 && mine.vm_rss_kb > 0, "{mine:?}");
        let (size, resident, n) = reader.statm_sum();
        assert!(size > 0 && resident > 0 && n > 0);
        // A second walk sees the processes again (the directory is rewound).
        let mut again = 0;
        reader.for_each_process(|_| again += 1);
        assert!(again > 0 && count > 0);
    }
}
