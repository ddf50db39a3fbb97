//! The process table of `memstat`: columns, sorting, rendering.

use crate::format::{human_kib, percent_x100};
use std::cmp::Reverse;
use usac::{GlobalStats, ProcStats};

/// A column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Pid,
    Comm,
    Reserved,
    Committed,
    Percent,
    Oom,
    OomAdj,
    Tamalloc,
    Zeroed,
}

impl Column {
    /// Every column, in table order, with the names `--sort` accepts.
    pub const ALL: [(Column, &'static str); 9] = [
        (Column::Pid, "pid"),
        (Column::Comm, "comm"),
        (Column::Reserved, "reserved"),
        (Column::Committed, "committed"),
        (Column::Percent, "pct"),
        (Column::Oom, "oom"),
        (Column::OomAdj, "oom_adj"),
        (Column::Tamalloc, "tamalloc"),
        (Column::Zeroed, "zeroed"),
    ];

    /// Parses a `--sort` argument (case-insensitive; `%` means `pct`).
    pub fn parse(name: &str) -> Result<Column, String> {
        let name = name.to_ascii_lowercase();
        let name = if name == "%" { "pct".to_string() } else { name };
        Self::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(c, _)| *c)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|(_, n)| *n).collect();
                format!("unknown column '{name}' (one of: {})", names.join(", "))
            })
    }
}

/// Sorts: pid and comm ascending, every number descending (biggest first), ties by pid.
pub fn sort(list: &mut [ProcStats], by: Column) {
    match by {
        Column::Pid => list.sort_by_key(|e| e.pid),
        Column::Comm => list.sort_by_key(|e| (e.comm(), e.pid)),
        Column::Reserved => list.sort_by_key(|e| (Reverse(e.reserved_kb), e.pid)),
        Column::Committed => list.sort_by_key(|e| (Reverse(e.committed_kb), e.pid)),
        Column::Percent => list.sort_by_key(|e| (Reverse(e.committed_pct_x100), e.pid)),
        Column::Oom => list.sort_by_key(|e| (Reverse(e.oom_score), e.pid)),
        Column::OomAdj => list.sort_by_key(|e| (Reverse(e.oom_score_adj), e.pid)),
        Column::Tamalloc => list.sort_by_key(|e| (Reverse(e.tamalloc_kb), e.pid)),
        Column::Zeroed => list.sort_by_key(|e| (Reverse(e.lazy_zeroed_pages), e.pid)),
    }
}

/// The table header.
pub fn header() -> String {
    format!(
        "{:>7} {:<16} {:>10} {:>10} {:>7} {:>5} {:>7} {:>10} {:>8}",
        "PID", "COMM", "RESERVED", "COMMITTED", "%", "OOM", "OOM_ADJ", "TAMALLOC", "ZEROED"
    )
}

/// One table row; a kernel thread's name is shown in brackets, as `ps` does.
pub fn row(e: &ProcStats) -> String {
    let comm = if e.is_kthread() {
        format!("[{}]", e.comm())
    } else {
        e.comm()
    };
    format!(
        "{:>7} {:<16} {:>10} {:>10} {:>7} {:>5} {:>7} {:>10} {:>8}",
        e.pid,
        comm,
        human_kib(e.reserved_kb),
        human_kib(e.committed_kb),
        percent_x100(e.committed_pct_x100),
        e.oom_score,
        e.oom_score_adj,
        human_kib(e.tamalloc_kb),
        e.lazy_zeroed_pages
    )
}

/// The whole table.
pub fn render(list: &[ProcStats]) -> String {
    let mut out = header();
    for e in list {
        out.push('\n');
        out.push_str(&row(e));
    }
    out
}

/// The system totals, laid out like `free`.
pub fn render_global(g: &GlobalStats) -> String {
    format!(
        "{:>12} {:>12} {:>12} {:>12} {:>12} {:>10}\n{:>12} {:>12} {:>12} {:>12} {:>12} {:>10}",
        "ram",
        "reserved",
        "committed",
        "tamalloc",
        "zeroed",
        "processes",
        human_kib(g.totalram_kb),
        human_kib(g.reserved_kb),
        human_kib(g.committed_kb),
        human_kib(g.tamalloc_kb),
        g.lazy_zeroed_pages,
        g.nr_processes
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: i32, comm: &str, reserved_kb: u64, committed_kb: u64) -> ProcStats {
        let mut e = ProcStats {
            pid,
            reserved_kb,
            committed_kb,
            ..Default::default()
        };
        for (d, c) in e.comm.iter_mut().zip(comm.bytes()) {
            *d = c as _;
        }
        e
    }

    #[test]
    fn parse_columns() {
        assert_eq!(Column::parse("RESERVED"), Ok(Column::Reserved));
        assert_eq!(Column::parse("%"), Ok(Column::Percent));
        assert_eq!(Column::parse("oom_adj"), Ok(Column::OomAdj));
        assert!(Column::parse("size")
            .unwrap_err()
            .contains("one of: pid, comm"));
    }

    #[test]
    fn sorting() {
        let mut l = vec![
            entry(3, "b", 10, 1),
            entry(1, "c", 30, 1),
            entry(2, "a", 30, 5),
        ];
        sort(&mut l, Column::Reserved);
        assert_eq!(l.iter().map(|e| e.pid).collect::<Vec<_>>(), [1, 2, 3]);
        sort(&mut l, Column::Committed);
        assert_eq!(l.iter().map(|e| e.pid).collect::<Vec<_>>(), [2, 1, 3]);
        sort(&mut l, Column::Comm);
        assert_eq!(l.iter().map(|e| e.pid).collect::<Vec<_>>(), [2, 3, 1]);
        sort(&mut l, Column::Pid);
        assert_eq!(l.iter().map(|e| e.pid).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn rows_line_up_with_the_header() {
        let mut k = entry(2, "kthreadd", 0, 0);
        k.flags = usac::sys::ZAMORA_PROC_KTHREAD;
        let table = render(&[entry(1, "init", 2048, 1024), k]);
        let lines: Vec<_> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{table}");
        assert!(lines[1].contains("init") && lines[1].contains("2.00 MiB"));
        assert!(lines[2].contains("[kthreadd]"));
    }

    #[test]
    fn global_like_free() {
        let g = GlobalStats {
            totalram_kb: 2 << 20,
            reserved_kb: 1024,
            nr_processes: 9,
            ..Default::default()
        };
        let out = render_global(&g);
        assert!(out.lines().next().unwrap().contains("reserved"));
        assert!(
            out.contains("2.00 GiB") && out.contains("1.00 MiB") && out.trim_end().ends_with('9')
        );
    }
}
