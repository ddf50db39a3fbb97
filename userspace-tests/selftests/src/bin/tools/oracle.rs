//! What memstat must show, specified here from the syscalls' structures: the order of each
//! `--sort`, the JSON documents (field names written out, not taken from memstat's types), and
//! rows of output keyed by pid.

use ktap::writer::{fail, NotPassed};
use serde_json::{json, Value};
use usac::{GlobalStats, ProcStats};
use usac_tools::table::Table;

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

/// What memstat's default table shows for `list`.
pub fn table_of(list: &[ProcStats]) -> Result<Vec<Row>, NotPassed> {
    let table = Table {
        mem_total_kb: mem_total_kb()?,
        ..Table::default()
    };
    Ok(table_rows(&table.render(list)))
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
        (Some("usac-memstat/1"), Some(Value::Array(items))) => Ok(items.iter().map(row).collect()),
        (Some("usac-memstat-global/1"), None) => Ok(vec![row(doc)]),
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

/// The `memstat --json` document of `list`.
pub fn processes_json(list: &[ProcStats]) -> Value {
    json!({
        "schema": "usac-memstat/1",
        "processes": list.iter().map(process_json).collect::<Vec<_>>(),
    })
}

/// The `memstat --global --json` document.
pub fn global_json(g: &GlobalStats) -> Value {
    json!({
        "schema": "usac-memstat-global/1",
        "reserved_kb": g.reserved_kb,
        "committed_kb": g.committed_kb,
        "reserved_mb": g.reserved_mb,
        "committed_mb": g.committed_mb,
        "nr_processes": g.nr_processes,
        "tamalloc_kb": g.tamalloc_kb,
        "lazy_zeroed_pages": g.lazy_zeroed_pages,
        "totalram_kb": g.totalram_kb,
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
        let rows = table_rows(&Table::default().render(&[entry(1, "init", 1024)]));
        assert_eq!((rows[0].pid, rows[1].pid), (None, Some(1)));
    }
}
