//! What memstat must show, specified here from the syscalls' records and memstat's documented
//! format (its `--help` and memstat(1)), never rendered by memstat's own code: the cells, units
//! and layout of the process table and of the `free`-like totals, the order of each `--sort`,
//! the JSON documents (field names written out, not taken from memstat's types), and rows of
//! output keyed by pid.

use ktap::writer::{fail, NotPassed};
use serde_json::{json, Value};
use usac::{GlobalStats, ProcStats};

/// One line of memstat's output: a table line, or a JSON value in canonical form (sorted keys);
/// with the pid it is about, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub pid: Option<i64>,
    pub text: String,
}

/// Table lines as rows; a row's pid is its first column.
pub fn table_rows(text: &str) -> Vec<Row> {
    text.lines()
        .map(|l| Row {
            pid: l.split_whitespace().next().and_then(|p| p.parse().ok()),
            text: l.to_string(),
        })
        .collect()
}

/// MemTotal (KiB) from /proc/meminfo, which %MEM divides by.
pub fn mem_total_kb() -> Result<u64, NotPassed> {
    let text = std::fs::read_to_string("/proc/meminfo").map_err(fail)?;
    usac::procfs::field_in(&text, "MemTotal").ok_or_else(|| fail("no MemTotal"))
}

/// How memstat shows sizes: human by default; `-b`, `-k`, `-m`, `-g` ask for one unit, in whole
/// numbers rounded down, as free does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Human,
    Bytes,
    KiB,
    MiB,
    GiB,
}

impl Unit {
    /// `kib` KiB in this unit.
    pub fn size(self, kib: u64) -> String {
        match self {
            Unit::Human => human(kib),
            Unit::Bytes => (kib * 1024).to_string(),
            Unit::KiB => kib.to_string(),
            Unit::MiB => (kib / 1024).to_string(),
            Unit::GiB => (kib / (1024 * 1024)).to_string(),
        }
    }
}

/// A human size: whole KiB below 1 MiB (`512 KiB`), else the largest binary unit up to TiB that
/// the size reaches, with three significant digits: two decimals below 10, one below 100, none
/// above (`1.50 MiB`, `20.0 MiB`, `300 MiB`), rounded to the nearest (a tie to even, as `{:.N}`).
fn human(kib: u64) -> String {
    let Some((unit, per)) = [("TiB", 1u64 << 30), ("GiB", 1 << 20), ("MiB", 1 << 10)]
        .into_iter()
        .find(|&(_, per)| kib >= per)
    else {
        return format!("{kib} KiB");
    };
    let value = kib as f64 / per as f64;
    let decimals = match value {
        v if v < 10.0 => 2,
        v if v < 100.0 => 1,
        _ => 0,
    };
    format!("{value:.decimals$} {unit}")
}

/// What a table shows besides the records.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub unit: Unit,
    /// Whether the header line is shown (not with `--no-headers`).
    pub headers: bool,
    /// MemTotal, which %MEM divides by.
    pub mem_total_kb: u64,
}

impl Options {
    /// memstat's defaults: human sizes, a header line.
    pub fn default_with(mem_total_kb: u64) -> Self {
        Options {
            unit: Unit::Human,
            headers: true,
            mem_total_kb,
        }
    }
}

/// A column of memstat's process table.
pub struct Column {
    /// The name `-o` and `--sort` take.
    pub name: &'static str,
    pub header: &'static str,
    /// The narrowest the column is drawn, so that a table of a few rows keeps one layout.
    min_width: usize,
    /// The cell of a process.
    cell: fn(&ProcStats, &Options) -> String,
}

/// memstat's columns, in the default order, as `--help` ("Columns") and memstat(1) (OUTPUT) name
/// them. The narrowest widths are memstat's layout, which neither documents.
pub const COLUMNS: [Column; 10] = [
    Column {
        name: "pid",
        header: "PID",
        min_width: 7,
        cell: |e, _| e.pid.to_string(),
    },
    Column {
        name: "comm",
        header: "COMM",
        min_width: 16,
        cell: |e, _| comm(e),
    },
    Column {
        name: "reserved",
        header: "RESERVED",
        min_width: 10,
        cell: |e, o| o.unit.size(e.reserved_kb),
    },
    Column {
        name: "committed",
        header: "COMMITTED",
        min_width: 10,
        cell: |e, o| o.unit.size(e.committed_kb),
    },
    Column {
        name: "pct",
        header: "%CMT",
        min_width: 7,
        cell: |e, _| percent_x100(e.committed_pct_x100),
    },
    Column {
        name: "mem",
        header: "%MEM",
        min_width: 5,
        cell: |e, o| percent_mem(e.committed_kb, o.mem_total_kb),
    },
    Column {
        name: "oom",
        header: "OOM",
        min_width: 5,
        cell: |e, _| e.oom_score.to_string(),
    },
    Column {
        name: "oom_adj",
        header: "OOM_ADJ",
        min_width: 7,
        cell: |e, _| e.oom_score_adj.to_string(),
    },
    Column {
        name: "tamalloc",
        header: "TAMALLOC",
        min_width: 10,
        cell: |e, o| o.unit.size(e.tamalloc_kb),
    },
    Column {
        name: "zeroed",
        header: "ZEROED",
        min_width: 8,
        cell: |e, _| e.lazy_zeroed_pages.to_string(),
    },
];

/// The columns named, in that order.
pub fn columns(names: &[&str]) -> Vec<&'static Column> {
    names
        .iter()
        .map(|&n| {
            COLUMNS
                .iter()
                .find(|c| c.name == n)
                .unwrap_or_else(|| panic!("no column {n}"))
        })
        .collect()
}

/// The command name; a kernel thread's in brackets, as ps shows it.
fn comm(e: &ProcStats) -> String {
    if e.is_kthread() {
        format!("[{}]", e.comm())
    } else {
        e.comm()
    }
}

/// `committed_pct_x100` as a percentage with two decimals.
fn percent_x100(pct_x100: u32) -> String {
    format!("{}.{:02}", pct_x100 / 100, pct_x100 % 100)
}

/// ps's %MEM: RSS per mille of MemTotal, rounded down, at most 99.9, with one decimal.
fn percent_mem(rss_kb: u64, mem_total_kb: u64) -> String {
    let per_mille = (rss_kb * 1000 / mem_total_kb).min(999);
    format!("{}.{}", per_mille / 10, per_mille % 10)
}

/// The process table of `list` in `columns`: the header line (unless `o.headers` is off), then
/// a line per process. A column is as wide as its widest cell (in characters), header included,
/// and at least its `min_width`.
pub fn table(list: &[ProcStats], columns: &[&Column], o: &Options) -> String {
    let header = o
        .headers
        .then(|| columns.iter().map(|c| c.header.to_string()).collect());
    let rows = list
        .iter()
        .map(|e| columns.iter().map(|c| (c.cell)(e, o)).collect());
    let lines: Vec<Vec<String>> = header.into_iter().chain(rows).collect();
    let widest = |i: usize| lines.iter().map(|l| l[i].chars().count()).max();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| widest(i).unwrap_or(0).max(c.min_width))
        .collect();
    let text: Vec<String> = lines.iter().map(|l| line(l, columns, &widths)).collect();
    text.join("\n")
}

/// A table line: each cell padded to its column's width, COMM left-aligned and the others
/// right-aligned, one space apart, no space at the end.
fn line(cells: &[String], columns: &[&Column], widths: &[usize]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(columns)
        .zip(widths)
        .map(|((cell, c), &w)| match c.name {
            "comm" => format!("{cell:<w$}"),
            _ => format!("{cell:>w$}"),
        })
        .collect();
    padded.join(" ").trim_end().to_string()
}

/// What memstat prints for a refresh of `text`: the text and a newline, nothing when it is
/// empty.
pub fn printed(text: String) -> String {
    if text.is_empty() {
        text
    } else {
        text + "\n"
    }
}

/// What memstat's default table shows for `list`.
pub fn table_of(list: &[ProcStats]) -> Result<Vec<Row>, NotPassed> {
    let all: Vec<&Column> = COLUMNS.iter().collect();
    let o = Options::default_with(mem_total_kb()?);
    Ok(table_rows(&table(list, &all, &o)))
}

/// `memstat --global`, laid out like free: the header line (unless `headers` is off), then the
/// numbers under it: MemTotal and the three sizes in `unit`, the zero-filled pages, the
/// processes counted.
pub fn global_table(g: &GlobalStats, unit: Unit, headers: bool) -> String {
    let [ram, reserved, committed, tamalloc] =
        [g.totalram_kb, g.reserved_kb, g.committed_kb, g.tamalloc_kb].map(|kb| unit.size(kb));
    let (zeroed, processes) = (g.lazy_zeroed_pages.to_string(), g.nr_processes.to_string());
    let numbers = free_line([&ram, &reserved, &committed, &tamalloc, &zeroed, &processes]);
    if !headers {
        return numbers;
    }
    let names = free_line([
        "ram",
        "reserved",
        "committed",
        "tamalloc",
        "zeroed",
        "processes",
    ]);
    format!("{names}\n{numbers}")
}

/// A line of `--global`: right-aligned in columns of 12 (10 for processes), one space apart.
fn free_line(cells: [&str; 6]) -> String {
    let [ram, reserved, committed, tamalloc, zeroed, processes] = cells;
    format!("{ram:>12} {reserved:>12} {committed:>12} {tamalloc:>12} {zeroed:>12} {processes:>10}")
}

/// A JSON document of memstat as rows: the processes of a listing, or a global document whole.
/// Its schema must be the one its shape has.
pub fn json_rows(doc: &Value) -> Result<Vec<Row>, NotPassed> {
    let row = |v: &Value| Row {
        pid: v.get("pid").and_then(Value::as_i64),
        text: v.to_string(),
    };
    match (
        doc.get("schema").and_then(Value::as_str),
        doc.get("processes"),
    ) {
        (Some("usac-memstat/2"), Some(Value::Array(items))) => Ok(items.iter().map(row).collect()),
        (Some("usac-memstat-global/2"), None) => Ok(vec![row(doc)]),
        _ => Err(fail(format!("not a memstat document: {doc}"))),
    }
}

/// A process as the ABI has it, with the field names of the ABI.
pub fn process_json(e: &ProcStats) -> Value {
    json!({
        "pid": e.pid,
        "comm": e.comm(),
        "kthread": e.is_kthread(),
        "reserved_kb": e.reserved_kb,
        "committed_kb": e.committed_kb,
        "committed_pct_x100": e.committed_pct_x100,
        "oom_score": e.oom_score,
        "oom_score_adj": e.oom_score_adj,
        "tamalloc_kb": e.tamalloc_kb,
        "lazy_zeroed_pages": e.lazy_zeroed_pages,
    })
}

/// The `memstat --json` document of `list`, as root sees it (nothing hidden).
pub fn processes_json(list: &[ProcStats]) -> Value {
    json!({
        "schema": "usac-memstat/2",
        "processes": list.iter().map(process_json).collect::<Vec<_>>(),
        "nr_hidden": 0,
    })
}

/// The `memstat --global --json` document.
pub fn global_json(g: &GlobalStats) -> Value {
    json!({
        "schema": "usac-memstat-global/2",
        "reserved_kb": g.reserved_kb,
        "committed_kb": g.committed_kb,
        "reserved_mb": g.reserved_mb,
        "committed_mb": g.committed_mb,
        "nr_processes": g.nr_processes,
        "tamalloc_kb": g.tamalloc_kb,
        "lazy_zeroed_pages": g.lazy_zeroed_pages,
        "totalram_kb": g.totalram_kb,
        "nr_hidden": g.nr_hidden,
    })
}

/// `list` in the order `--sort key` promises: `+COL` ascending, `-COL` descending, a bare COL
/// pid and comm ascending and numbers descending; ties by pid, ascending. `mem` (%MEM) orders
/// as committed does, since MemTotal is one number.
pub fn sorted(list: &[ProcStats], key: &str) -> Result<Vec<ProcStats>, NotPassed> {
    let (sign, name) = match key.split_at_checked(1) {
        Some((s @ ("+" | "-"), rest)) => (s, rest),
        _ => ("", key),
    };
    let number: fn(&ProcStats) -> i64 = match name {
        "pid" => |e| e.pid.into(),
        "comm" => |_| 0,
        "reserved" => |e| e.reserved_kb as i64,
        "committed" | "mem" | "%MEM" => |e| e.committed_kb as i64,
        "pct" | "%" => |e| e.committed_pct_x100.into(),
        "oom" => |e| e.oom_score.into(),
        "oom_adj" => |e| e.oom_score_adj.into(),
        "tamalloc" => |e| e.tamalloc_kb as i64,
        "zeroed" => |e| e.lazy_zeroed_pages as i64,
        other => return Err(fail(format!("no order specified for --sort {other}"))),
    };
    let descending = match sign {
        "+" => false,
        "-" => true,
        _ => !matches!(name, "pid" | "comm"),
    };
    let mut list = list.to_vec();
    list.sort_by(|a, b| {
        let o = if name == "comm" {
            a.comm().cmp(&b.comm())
        } else {
            number(a).cmp(&number(b))
        };
        let o = if descending { o.reverse() } else { o };
        o.then(a.pid.cmp(&b.pid))
    });
    Ok(list)
}

/// The entry a JSON object of memstat shows; it must have exactly the fields of
/// `process_json`.
pub fn entry_of(v: &Value) -> Result<ProcStats, NotPassed> {
    let n = |k: &str| {
        v.get(k)
            .and_then(Value::as_i64)
            .ok_or_else(|| fail(format!("no number {k} in {v}")))
    };
    let mut e = ProcStats {
        pid: n("pid")? as i32,
        reserved_kb: n("reserved_kb")? as u64,
        committed_kb: n("committed_kb")? as u64,
        committed_pct_x100: n("committed_pct_x100")? as u32,
        oom_score: n("oom_score")? as i32,
        oom_score_adj: n("oom_score_adj")? as i32,
        tamalloc_kb: n("tamalloc_kb")? as u64,
        lazy_zeroed_pages: n("lazy_zeroed_pages")? as u64,
        ..Default::default()
    };
    if v.get("kthread") == Some(&Value::Bool(true)) {
        e.flags = usac::sys::ZAMORA_PROC_KTHREAD;
    }
    let comm = v.get("comm").and_then(Value::as_str).unwrap_or_default();
    for (d, c) in e.comm.iter_mut().zip(comm.bytes()) {
        *d = c as _;
    }
    let back = process_json(&e);
    if &back != v {
        return Err(fail(format!(
            "a JSON object of memstat, read back: {back} != {v}"
        )));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn entry(pid: i32, comm: &str, reserved_kb: u64) -> ProcStats {
        let mut e = ProcStats {
            pid,
            reserved_kb,
            ..Default::default()
        };
        for (d, c) in e.comm.iter_mut().zip(comm.bytes()) {
            *d = c as _;
        }
        e
    }

    /// init, a kernel thread whose bracketed name is wider than COMM, and a process whose
    /// ZEROED is wider than its column.
    fn three() -> [ProcStats; 3] {
        let init = ProcStats {
            committed_kb: 1024,
            committed_pct_x100: 5000,
            ..entry(1, "init", 2048)
        };
        let kthread = ProcStats {
            flags: usac::sys::ZAMORA_PROC_KTHREAD,
            ..entry(2, "kworker/u4:0-ev", 0)
        };
        let demo = ProcStats {
            committed_kb: 1152,
            committed_pct_x100: 8880,
            oom_score: 667,
            oom_score_adj: -1000,
            tamalloc_kb: 256 << 10,
            lazy_zeroed_pages: 123_456_789,
            ..entry(4242, "tamalloc-demo", (20 << 20) + (512 << 10))
        };
        [init, kthread, demo]
    }

    /// `three()`'s table with MemTotal 4 MiB, written out line by line.
    const THREE: &str = r"
    PID COMM                RESERVED  COMMITTED    %CMT  %MEM   OOM OOM_ADJ   TAMALLOC    ZEROED
      1 init                2.00 MiB   1.00 MiB   50.00  25.0     0       0      0 KiB         0
      2 [kworker/u4:0-ev]      0 KiB      0 KiB    0.00   0.0     0       0      0 KiB         0
   4242 tamalloc-demo       20.5 GiB   1.12 MiB   88.80  28.1   667   -1000    256 MiB 123456789";

    #[test]
    fn default_table_written_out() {
        let all: Vec<&Column> = COLUMNS.iter().collect();
        let text = table(&three(), &all, &Options::default_with(4096));
        assert_eq!(Some(text.as_str()), THREE.strip_prefix('\n'));
    }

    #[test]
    fn chosen_columns_raw_units_no_headers() {
        let sh = ProcStats {
            committed_kb: 1536,
            ..entry(7, "sh", 0)
        };
        let o = Options {
            unit: Unit::KiB,
            headers: false,
            mem_total_kb: 0,
        };
        let text = table(&[sh], &columns(&["committed", "pid"]), &o);
        assert_eq!(text, "      1536       7");
        let o = Options {
            unit: Unit::MiB,
            headers: true,
            ..o
        };
        let text = table(&[sh], &columns(&["committed", "pid"]), &o);
        assert_eq!(text, " COMMITTED     PID\n         1       7");
        // A left-aligned last column leaves no trailing spaces.
        let text = table(&[sh], &columns(&["comm"]), &o);
        assert_eq!(
            (text.as_str(), printed(String::new())),
            ("COMM\nsh", String::new())
        );
    }

    #[test]
    fn sizes_and_percents() {
        for (kib, want) in [
            (0, "0 KiB"),
            (1023, "1023 KiB"),
            (1024, "1.00 MiB"),
            (1152, "1.12 MiB"),
            (1664, "1.62 MiB"),
            (10 << 10, "10.0 MiB"),
            (300 << 10, "300 MiB"),
            (3 << 20, "3.00 GiB"),
            (5 << 30, "5.00 TiB"),
            (2048 << 30, "2048 TiB"),
        ] {
            assert_eq!(Unit::Human.size(kib), want, "{kib} KiB");
        }
        let kib = (3 << 20) + 1535;
        let raw = [Unit::Bytes, Unit::KiB, Unit::MiB, Unit::GiB].map(|u| u.size(kib));
        assert_eq!(raw, ["3222797312", "3147263", "3073", "3"]);
        assert_eq!(percent_mem(1999, 20000), "9.9");
        assert_eq!(percent_mem(5, 5), "99.9");
        assert_eq!(percent_mem(1, 2 << 20), "0.0");
        assert_eq!(percent_x100(5), "0.05");
    }

    #[test]
    fn global_like_free_written_out() {
        let g = GlobalStats {
            totalram_kb: 2 << 20,
            reserved_kb: (1 << 20) + 512,
            committed_kb: 1536,
            lazy_zeroed_pages: 42,
            nr_processes: 9,
            ..Default::default()
        };
        let want = r"
         ram     reserved    committed     tamalloc       zeroed  processes
    2.00 GiB     1.00 GiB     1.50 MiB        0 KiB           42          9";
        let text = global_table(&g, Unit::Human, true);
        assert_eq!(Some(text.as_str()), want.strip_prefix('\n'));
        assert_eq!(
            global_table(&g, Unit::MiB, false),
            "        2048         1024            1            0           42          9"
        );
    }

    #[test]
    fn sort_orders() {
        let list = [entry(3, "b", 5), entry(1, "c", 5), entry(2, "a", 9)];
        let pids =
            |key| -> Vec<i32> { sorted(&list, key).unwrap().iter().map(|e| e.pid).collect() };
        assert_eq!(pids("pid"), [1, 2, 3]);
        assert_eq!(pids("-pid"), [3, 2, 1]);
        assert_eq!(pids("comm"), [2, 3, 1]);
        assert_eq!(pids("-comm"), [1, 3, 2]);
        assert_eq!(pids("reserved"), [2, 1, 3]);
        assert_eq!(pids("+reserved"), [1, 3, 2]);
        assert!(sorted(&list, "size").is_err());
    }

    #[test]
    fn json_object_reads_back() {
        let e = entry(7, "sh", 2048);
        let doc = processes_json(&[e]);
        let rows = json_rows(&doc).unwrap();
        assert_eq!(rows[0].pid, Some(7));
        assert_eq!(entry_of(&doc["processes"][0]).unwrap(), e);
        assert!(json_rows(&process_json(&e)).is_err());
    }

    #[test]
    fn table_rows_have_pids() {
        let all: Vec<&Column> = COLUMNS.iter().collect();
        let rows = table_rows(&table(&three(), &all, &Options::default_with(4096)));
        let pids: Vec<_> = rows.iter().map(|r| r.pid).collect();
        assert_eq!(pids, [None, Some(1), Some(2), Some(4242)]);
    }
}
