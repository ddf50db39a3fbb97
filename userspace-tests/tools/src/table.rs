//! The process table of `memstat`: columns, sorting, rendering; and the `free`-like totals.

use crate::format::{percent_mem, percent_x100, Unit};
use std::cmp::Ordering;
use std::str::FromStr;
use usac::{GlobalStats, ProcStats};

/// A column of the process table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Pid,
    Comm,
    Reserved,
    Committed,
    /// Committed as a percentage of reserved (`committed_pct_x100`).
    Percent,
    /// `%MEM` as ps defines it: committed (RSS) as a percentage of MemTotal.
    Mem,
    Oom,
    OomAdj,
    Tamalloc,
    Zeroed,
}

impl Column {
    /// Every column, in the default order.
    pub const ALL: [Column; 10] = [
        Column::Pid,
        Column::Comm,
        Column::Reserved,
        Column::Committed,
        Column::Percent,
        Column::Mem,
        Column::Oom,
        Column::OomAdj,
        Column::Tamalloc,
        Column::Zeroed,
    ];

    /// The name `-o` and `--sort` take.
    pub fn name(self) -> &'static str {
        match self {
            Column::Pid => "pid",
            Column::Comm => "comm",
            Column::Reserved => "reserved",
            Column::Committed => "committed",
            Column::Percent => "pct",
            Column::Mem => "mem",
            Column::Oom => "oom",
            Column::OomAdj => "oom_adj",
            Column::Tamalloc => "tamalloc",
            Column::Zeroed => "zeroed",
        }
    }

    /// The header.
    pub fn header(self) -> &'static str {
        match self {
            Column::Pid => "PID",
            Column::Comm => "COMM",
            Column::Reserved => "RESERVED",
            Column::Committed => "COMMITTED",
            Column::Percent => "%CMT",
            Column::Mem => "%MEM",
            Column::Oom => "OOM",
            Column::OomAdj => "OOM_ADJ",
            Column::Tamalloc => "TAMALLOC",
            Column::Zeroed => "ZEROED",
        }
    }

    /// The narrowest the column is drawn, so that tables of a few rows keep one layout.
    fn min_width(self) -> usize {
        match self {
            Column::Pid | Column::Percent | Column::OomAdj => 7,
            Column::Comm => 16,
            Column::Reserved | Column::Committed | Column::Tamalloc => 10,
            Column::Zeroed => 8,
            Column::Mem | Column::Oom => 5,
        }
    }

    /// Whether the column holds a number (sorted biggest first unless told otherwise).
    fn is_number(self) -> bool {
        !matches!(self, Column::Pid | Column::Comm)
    }

    /// A name as `-o` or `--sort` take it: case-insensitive, a header works too (`%MEM`), `%`
    /// means `pct`.
    pub fn parse(name: &str) -> Result<Column, String> {
        let lower = name.to_ascii_lowercase();
        let wanted = match lower.as_str() {
            "%" | "%cmt" => "pct",
            "%mem" => "mem",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|c| c.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|c| c.name()).collect();
                format!("unknown column '{name}' (one of: {})", names.join(", "))
            })
    }

    /// The cell of this column for `e`.
    fn cell(self, e: &ProcStats, unit: Unit, mem_total_kb: u64) -> String {
        match self {
            Column::Pid => e.pid.to_string(),
            // A kernel thread's name is shown in brackets, as ps does.
            Column::Comm if e.is_kthread() => format!("[{}]", e.comm()),
            Column::Comm => e.comm(),
            Column::Reserved => unit.show(e.reserved_kb),
            Column::Committed => unit.show(e.committed_kb),
            Column::Percent => percent_x100(e.committed_pct_x100),
            Column::Mem => percent_mem(e.committed_kb, mem_total_kb),
            Column::Oom => e.oom_score.to_string(),
            Column::OomAdj => e.oom_score_adj.to_string(),
            Column::Tamalloc => unit.show(e.tamalloc_kb),
            Column::Zeroed => e.lazy_zeroed_pages.to_string(),
        }
    }

    /// Orders two entries by this column, ascending. `%MEM` orders as committed does (ps sorts
    /// it by RSS).
    fn compare(self, a: &ProcStats, b: &ProcStats) -> Ordering {
        match self {
            Column::Pid => a.pid.cmp(&b.pid),
            Column::Comm => a.comm().cmp(&b.comm()),
            Column::Reserved => a.reserved_kb.cmp(&b.reserved_kb),
            Column::Committed | Column::Mem => a.committed_kb.cmp(&b.committed_kb),
            Column::Percent => a.committed_pct_x100.cmp(&b.committed_pct_x100),
            Column::Oom => a.oom_score.cmp(&b.oom_score),
            Column::OomAdj => a.oom_score_adj.cmp(&b.oom_score_adj),
            Column::Tamalloc => a.tamalloc_kb.cmp(&b.tamalloc_kb),
            Column::Zeroed => a.lazy_zeroed_pages.cmp(&b.lazy_zeroed_pages),
        }
    }
}

impl FromStr for Column {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Column::parse(s)
    }
}

/// The direction of a sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `+COL`.
    Ascending,
    /// `-COL`.
    Descending,
    /// `COL`: pid and comm ascending, numbers biggest first (as top shows them).
    Natural,
}

/// A `--sort` argument: `[+|-]COL`, as ps takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub column: Column,
    pub order: Order,
}

impl FromStr for SortKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (order, name) = match s.split_at_checked(1) {
            Some(("+", rest)) => (Order::Ascending, rest),
            Some(("-", rest)) => (Order::Descending, rest),
            _ => (Order::Natural, s),
        };
        Ok(SortKey {
            column: Column::parse(name)?,
            order,
        })
    }
}

impl SortKey {
    /// By pid, ascending: memstat's default.
    pub const BY_PID: SortKey = SortKey {
        column: Column::Pid,
        order: Order::Natural,
    };

    /// Whether this key puts the biggest value first.
    pub fn descending(self) -> bool {
        match self.order {
            Order::Ascending => false,
            Order::Descending => true,
            Order::Natural => self.column.is_number(),
        }
    }
}

/// Sorts by `key`; ties are broken by pid, ascending.
pub fn sort(list: &mut [ProcStats], key: SortKey) {
    list.sort_by(|a, b| {
        let by_column = key.column.compare(a, b);
        let by_column = if key.descending() {
            by_column.reverse()
        } else {
            by_column
        };
        by_column.then(a.pid.cmp(&b.pid))
    });
}

/// How the process table is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub unit: Unit,
    pub headers: bool,
    /// MemTotal in KiB, for `%MEM` (0 when that column is not shown).
    pub mem_total_kb: u64,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            columns: Column::ALL.to_vec(),
            unit: Unit::Human,
            headers: true,
            mem_total_kb: 0,
        }
    }
}

impl Table {
    /// The table of `list`: a header line unless `headers` is off, then one line per entry. A
    /// column is as wide as its widest cell (at least its usual width); COMM is left-aligned.
    pub fn render(&self, list: &[ProcStats]) -> String {
        let mut rows: Vec<Vec<String>> = Vec::with_capacity(list.len() + 1);
        if self.headers {
            rows.push(
                self.columns
                    .iter()
                    .map(|c| c.header().to_string())
                    .collect(),
            );
        }
        for e in list {
            rows.push(
                self.columns
                    .iter()
                    .map(|c| c.cell(e, self.unit, self.mem_total_kb))
                    .collect(),
            );
        }
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // In characters, as `format!` pads: a command name need not be ASCII.
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .fold(c.min_width(), usize::max)
            })
            .collect();
        let lines: Vec<String> = rows
            .iter()
            .map(|row| {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&self.columns)
                    .zip(&widths)
                    .map(|((cell, c), &w)| match c {
                        Column::Comm => format!("{cell:<w$}"),
                        _ => format!("{cell:>w$}"),
                    })
                    .collect();
                cells.join(" ").trim_end().to_string()
            })
            .collect();
        lines.join("\n")
    }
}

/// The system totals, laid out like `free`: a header line (unless `headers` is off), then the
/// numbers.
pub fn render_global(g: &GlobalStats, unit: Unit, headers: bool) -> String {
    let sizes =
        [g.totalram_kb, g.reserved_kb, g.committed_kb, g.tamalloc_kb].map(|kib| unit.show(kib));
    let numbers = format!(
        "{:>12} {:>12} {:>12} {:>12} {:>12} {:>10}",
        sizes[0], sizes[1], sizes[2], sizes[3], g.lazy_zeroed_pages, g.nr_processes
    );
    if !headers {
        return numbers;
    }
    format!(
        "{:>12} {:>12} {:>12} {:>12} {:>12} {:>10}\n{numbers}",
        "ram", "reserved", "committed", "tamalloc", "zeroed", "processes",
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

    fn pids(l: &[ProcStats]) -> Vec<i32> {
        l.iter().map(|e| e.pid).collect()
    }

    #[test]
    fn parse_columns_and_keys() {
        assert_eq!(Column::parse("RESERVED"), Ok(Column::Reserved));
        assert_eq!(Column::parse("%"), Ok(Column::Percent));
        assert_eq!(Column::parse("%MEM"), Ok(Column::Mem));
        assert_eq!(Column::parse("oom_adj"), Ok(Column::OomAdj));
        assert!(Column::parse("size")
            .unwrap_err()
            .contains("one of: pid, comm"));
        let key = |s: &str| s.parse::<SortKey>().unwrap();
        assert_eq!(key("-pid").order, Order::Descending);
        assert_eq!(key("+committed").order, Order::Ascending);
        assert_eq!(key("committed").column, Column::Committed);
        assert!(key("committed").descending() && !key("comm").descending());
        assert!("-".parse::<SortKey>().is_err());
    }

    #[test]
    fn sorting_both_ways() {
        let mut l = vec![
            entry(3, "b", 10, 1),
            entry(1, "c", 30, 1),
            entry(2, "a", 30, 5),
        ];
        let mut by = |s: &str| {
            sort(&mut l, s.parse().unwrap());
            pids(&l)
        };
        assert_eq!(by("reserved"), [1, 2, 3]);
        assert_eq!(by("+reserved"), [3, 1, 2]);
        assert_eq!(by("-reserved"), [1, 2, 3]);
        assert_eq!(by("committed"), [2, 1, 3]);
        assert_eq!(by("+mem"), [1, 3, 2]);
        assert_eq!(by("comm"), [2, 3, 1]);
        assert_eq!(by("-comm"), [1, 3, 2]);
        assert_eq!(by("-pid"), [3, 2, 1]);
        assert_eq!(by("pid"), [1, 2, 3]);
    }

    #[test]
    fn a_column_is_as_wide_as_its_widest_cell_in_characters() {
        // A kernel thread whose 15-byte name is 8 characters: "[" name "]" is 17 bytes but 10
        // characters, so COMM keeps its usual 16 (a width in bytes would make it 17).
        let mut k = entry(2, "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}a", 0, 0);
        k.flags = usac::sys::ZAMORA_PROC_KTHREAD;
        let table = Table {
            columns: vec![Column::Comm, Column::Pid],
            ..Table::default()
        }
        .render(&[k]);
        let lines: Vec<_> = table.lines().collect();
        assert_eq!(lines[0], format!("{:<16} {:>7}", "COMM", "PID"), "{table}");
        assert_eq!(
            lines[1],
            format!(
                "{:<16} {:>7}",
                "[\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}a]", 2
            ),
            "{table}"
        );
    }

    #[test]
    fn rows_line_up_with_the_header() {
        let mut k = entry(2, "kworker/u4:0-ev", 0, 0);
        k.flags = usac::sys::ZAMORA_PROC_KTHREAD;
        let table = Table {
            mem_total_kb: 4096,
            ..Table::default()
        }
        .render(&[entry(1, "init", 2048, 1024), k]);
        let lines: Vec<_> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{table}");
        assert!(lines[0].starts_with("    PID COMM"));
        assert!(lines[1].contains("init") && lines[1].contains("2.00 MiB"));
        assert!(lines[1].contains(" 25.0 "), "%MEM of 1024 in 4096: {table}");
        assert!(lines[2].contains("[kworker/u4:0-ev]"));
    }

    #[test]
    fn chosen_columns_raw_units_no_headers() {
        let t = Table {
            columns: vec![Column::Committed, Column::Pid],
            unit: Unit::KiB,
            headers: false,
            mem_total_kb: 0,
        };
        assert_eq!(t.render(&[entry(7, "sh", 0, 1536)]), "      1536       7");
        let t = Table {
            headers: true,
            unit: Unit::MiB,
            ..t
        };
        assert_eq!(
            t.render(&[entry(7, "sh", 0, 1536)]),
            " COMMITTED     PID\n         1       7"
        );
    }

    #[test]
    fn global_like_free() {
        // A distinct, non-zero value in every column, so that a column swapped or dropped shows.
        let g = GlobalStats {
            totalram_kb: 2 << 20,
            reserved_kb: 3 << 10,
            committed_kb: 1536,
            tamalloc_kb: 512,
            lazy_zeroed_pages: 77,
            nr_processes: 9,
            ..Default::default()
        };
        assert_eq!(
            render_global(&g, Unit::Human, true),
            "         ram     reserved    committed     tamalloc       zeroed  processes\n\
             \x20   2.00 GiB     3.00 MiB     1.50 MiB      512 KiB           77          9"
        );
        assert_eq!(
            render_global(&g, Unit::Bytes, false),
            "  2147483648      3145728      1572864       524288           77          9"
        );
        assert_eq!(
            render_global(&g, Unit::MiB, false),
            "        2048            3            1            0           77          9"
        );
    }
}
