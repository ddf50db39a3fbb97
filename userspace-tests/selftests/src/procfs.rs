//! Parsing the /proc files the tests compare against.

use std::io;
use usac::ProcStats;

pub use usac::procfs::field_in;

/// `field` of /proc/`pid`/status (`pid` may be "self").
pub fn status_field(pid: &str, field: &str) -> io::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    field_in(&text, field).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no {field} in /proc/{pid}/status"),
        )
    })
}

/// One mapping of /proc/PID/smaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vma {
    pub start: usize,
    pub end: usize,
    pub rss_kb: u64,
    /// `AnonHugePages`: anonymous memory mapped by PMD-sized huge pages.
    pub anon_huge_kb: u64,
    /// `Locked`: memory of the mapping that is mlocked.
    pub locked_kb: u64,
    /// The two-letter `VmFlags` mnemonics.
    pub flags: Vec<String>,
    /// The path column: a file, `[heap]`, `[stack]`, ... or empty for anonymous memory.
    pub name: String,
}

impl Vma {
    /// Whether `VmFlags` has `mnemonic`.
    pub fn has_flag(&self, mnemonic: &str) -> bool {
        self.flags.iter().any(|f| f == mnemonic)
    }
}

/// Parses the text of /proc/PID/smaps.
pub fn parse_smaps(text: &str) -> Vec<Vma> {
    let mut vmas: Vec<Vma> = Vec::new();
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if let Some((start, end)) = first.split_once('-') {
            if let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            ) {
                vmas.push(Vma {
                    start,
                    end,
                    name: line
                        .split_whitespace()
                        .skip(5)
                        .collect::<Vec<_>>()
                        .join(" "),
                    ..Vma::default()
                });
                continue;
            }
        }
        let Some(vma) = vmas.last_mut() else { continue };
        if let Some(flags) = line.strip_prefix("VmFlags:") {
            vma.flags = flags.split_whitespace().map(str::to_string).collect();
        } else if let Some((key, _)) = line.split_once(':') {
            let field = match key {
                "Rss" => &mut vma.rss_kb,
                "AnonHugePages" => &mut vma.anon_huge_kb,
                "Locked" => &mut vma.locked_kb,
                _ => continue,
            };
            *field = field_in(line, key).unwrap_or(0);
        }
    }
    vmas
}

/// The mappings of this process.
pub fn own_smaps() -> io::Result<Vec<Vma>> {
    Ok(parse_smaps(&std::fs::read_to_string("/proc/self/smaps")?))
}

/// The mapping of this process that contains `addr`.
pub fn own_vma_at(addr: usize) -> io::Result<Option<Vma>> {
    Ok(own_smaps()?
        .into_iter()
        .find(|v| v.start <= addr && addr < v.end))
}

/// The mapping of this process that contains `addr`; an error if there is none.
pub fn own_vma_containing(addr: usize) -> io::Result<Vma> {
    own_vma_at(addr)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no mapping at {addr:#x}")))
}

/// The processes (thread-group ids) that /proc lists, kernel threads included: what a
/// `zamora_mem_stats_process(0, ...)` listing of the same moment finds.
pub fn pids() -> io::Result<Vec<i32>> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        if let Ok(pid) = entry?.file_name().to_string_lossy().parse() {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    Ok(pids)
}

/// Checks the pids of a listing taken between two readings of /proc's: every process that /proc
/// showed both times must be listed, and none that /proc showed neither time (in a quiescent VM
/// only kernel threads come and go).
pub fn check_listed_pids(listed: &[i32], before: &[i32], after: &[i32]) -> Result<(), String> {
    let set = |p: &[i32]| {
        p.iter()
            .copied()
            .collect::<std::collections::BTreeSet<i32>>()
    };
    let (listed, before, after) = (set(listed), set(before), set(after));
    if listed.is_superset(&(&before & &after)) && listed.is_subset(&(&before | &after)) {
        Ok(())
    } else {
        Err(format!(
            "pids listed: {listed:?}; /proc before: {before:?}, after: {after:?}"
        ))
    }
}

/// How many processes /proc lists.
pub fn process_count() -> io::Result<usize> {
    Ok(pids()?.len())
}

fn proc_text(pid: i32, file: &str) -> Result<String, String> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .map_err(|e| format!("/proc/{pid}/{file}: {e}"))
}

fn proc_number(pid: i32, file: &str) -> Result<i64, String> {
    let text = proc_text(pid, file)?;
    text.trim()
        .parse()
        .map_err(|e| format!("/proc/{pid}/{file}: {text:?}: {e}"))
}

/// Whether /proc still shows process `pid`.
pub fn exists(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// How comparing a listed entry with /proc went.
#[derive(Debug, PartialEq, Eq)]
pub enum Compared {
    Equal,
    /// The process exited after the listing: /proc no longer has it.
    Gone,
}

/// Compares an entry of `zamora_mem_stats_process` with what /proc shows of the process now:
/// every field /proc has. A /proc read that fails is an error unless the process is gone.
pub fn compare_with_proc(e: &ProcStats) -> Result<Compared, String> {
    match compare_fields(e) {
        Err(_) if !exists(e.pid) => Ok(Compared::Gone),
        other => other.map(|()| Compared::Equal),
    }
}

fn compare_fields(e: &ProcStats) -> Result<(), String> {
    let pid = e.pid;
    let status = proc_text(pid, "status")?;
    // /proc shows no memory lines for a process without an address space: its numbers are 0.
    let no_mm = e.flags & usac::sys::ZAMORA_PROC_NO_MM != 0;
    let field = |f| match field_in(&status, f) {
        Some(v) => Ok(v as i64),
        None if no_mm && f != "Kthread" => Ok(0),
        None => Err(format!("pid {pid}: no {f} in /proc/{pid}/status")),
    };
    let checks = [
        (
            "reserved_kb (VmSize)",
            e.reserved_kb as i64,
            field("VmSize")?,
        ),
        (
            "committed_kb (VmRSS)",
            e.committed_kb as i64,
            field("VmRSS")?,
        ),
        (
            "tamalloc_kb (VmTamalloc)",
            e.tamalloc_kb as i64,
            field("VmTamalloc")?,
        ),
        (
            "lazy_zeroed_pages (TamallocZeroedPages)",
            e.lazy_zeroed_pages as i64,
            field("TamallocZeroedPages")?,
        ),
        (
            "kthread (Kthread)",
            e.is_kthread() as i64,
            field("Kthread")?,
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
            return Err(format!(
                "pid {pid} ({}): {what} {ours} != /proc {procs}",
                e.comm()
            ));
        }
    }
    // For a kernel thread /proc shows its full name (and a workqueue worker's current work);
    // the ABI has the task's comm, which starts it.
    let comm = proc_text(pid, "comm")?;
    let comm = comm.trim_end_matches('\n');
    let ours = e.comm();
    if !(comm == ours || e.is_kthread() && comm.starts_with(&ours)) {
        return Err(format!("pid {pid}: comm {ours:?} != /proc {comm:?}"));
    }
    let pct = (e.committed_kb * 10000)
        .checked_div(e.reserved_kb)
        .unwrap_or(0);
    if u64::from(e.committed_pct_x100) != pct || e.__pad != 0 || e.__spare != [0; 4] {
        return Err(format!("pid {pid}: pct/padding wrong: {e:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smaps_entries() {
        let text = "\
7f0000000000-7f0000004000 rw-p 00000000 00:00 0 
Size:                 16 kB
Rss:                   8 kB
AnonHugePages:         0 kB
Locked:                8 kB
VmFlags: rd wr mr mw me dc ac tm
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
Rss:                  12 kB
VmFlags: rd wr mr mw me gd ac
";
        let v = parse_smaps(text);
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].start, v[0].end, v[0].rss_kb),
            (0x7f0000000000, 0x7f0000004000, 8)
        );
        assert_eq!((v[0].anon_huge_kb, v[0].locked_kb), (0, 8));
        assert!(v[0].has_flag("tm") && v[0].has_flag("dc"));
        assert!(!v[1].has_flag("tm"));
        assert_eq!((v[0].name.as_str(), v[1].name.as_str()), ("", "[stack]"));
        assert_eq!(v[1].rss_kb, 12);
    }

    #[test]
    fn listed_pids_between_two_readings() {
        let (before, after) = ([1, 2, 5], [1, 2, 6]);
        assert!(check_listed_pids(&[1, 2], &before, &after).is_ok());
        assert!(check_listed_pids(&[1, 2, 5, 6], &before, &after).is_ok());
        assert!(check_listed_pids(&[1], &before, &after).is_err());
        assert!(check_listed_pids(&[1, 2, 7], &before, &after).is_err());
    }
}
