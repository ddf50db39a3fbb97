//! Tools selftest: run `memstat` and `tamalloc-demo` as a user would and check what they print.
//!
//! memstat's output is compared exactly with the syscalls: it runs with `--watch`, and a refresh
//! is compared with readings the test takes right before and right after it; when the two
//! readings are equal (memstat's own memory, which it lists and sums, and the set of processes
//! did not change meanwhile), the refresh must be exactly that. The tables are rendered with
//! memstat's own formatting (host-tested); the JSON is built here from the ABI structures; the
//! sorting is specified here.

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, ExitCode, Output, Stdio};
use std::time::Duration;
use usac::{mem_stats_all, mem_stats_global, mem_stats_process, GlobalStats, ProcStats};
use usac_selftests::memory::hold_memory_still;
use usac_selftests::procfs::{check_listed_pids, compare_with_proc, pids, Compared};
use usac_tools::table::{self, Column};

/// Refresh period of the `--watch` runs: the test reads a refresh and the syscalls well within
/// it, so before memstat's next call.
const PERIOD: &str = "0.2";
/// Refreshes tried at most, while the numbers change around them.
const TRIES: usize = 8;

fn run(cmd: &str, args: &[&str]) -> Result<(Output, String), NotPassed> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| fail(format!("{cmd}: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok((out, text))
}

/// One line of memstat's output: a table line, or a JSON value in canonical form (sorted keys);
/// with the pid it is about, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    pid: Option<i64>,
    text: String,
}

/// Table lines as rows; a row's pid is its first column.
fn table_rows(lines: &[String]) -> Vec<Row> {
    lines
        .iter()
        .map(|l| Row {
            pid: l.split_whitespace().next().and_then(|p| p.parse().ok()),
            text: l.clone(),
        })
        .collect()
}

/// JSON values as rows: an array's elements, or one object.
fn json_rows(value: &Value) -> Vec<Row> {
    let row = |v: &Value| Row {
        pid: v.get("pid").and_then(Value::as_i64),
        text: v.to_string(),
    };
    match value {
        Value::Array(items) => items.iter().map(row).collect(),
        v => vec![row(v)],
    }
}

fn parse_json(lines: &[String]) -> Result<Value, NotPassed> {
    let text = lines.join("\n");
    serde_json::from_str(&text).map_err(|e| fail(format!("memstat's JSON: {e}: {text}")))
}

/// A process as the ABI has it, with the field names of the ABI.
fn process_json(e: &ProcStats) -> Value {
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

fn global_json(g: &GlobalStats) -> Value {
    json!({
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

/// `list` in the order `--sort name` promises: pid and comm ascending, numbers biggest first,
/// ties by pid.
fn sorted(list: &[ProcStats], name: &str) -> Result<Vec<ProcStats>, NotPassed> {
    let mut list = list.to_vec();
    let number: fn(&ProcStats) -> i64 = match name {
        "pid" => {
            list.sort_by_key(|e| e.pid);
            return Ok(list);
        }
        "comm" => {
            list.sort_by_key(|e| (e.comm(), e.pid));
            return Ok(list);
        }
        "reserved" => |e| e.reserved_kb as i64,
        "committed" => |e| e.committed_kb as i64,
        "pct" | "%" => |e| e.committed_pct_x100.into(),
        "oom" => |e| e.oom_score.into(),
        "oom_adj" => |e| e.oom_score_adj.into(),
        "tamalloc" => |e| e.tamalloc_kb as i64,
        "zeroed" => |e| e.lazy_zeroed_pages as i64,
        other => return Err(fail(format!("no order specified for --sort {other}"))),
    };
    list.sort_by_key(|e| (Reverse(number(e)), e.pid));
    Ok(list)
}

/// What a refresh of memstat shows, and so where it ends.
#[derive(Clone, Copy, Debug)]
enum Shows {
    /// A table of this many lines.
    Table(usize),
    /// A JSON array, one element per line, closed by a line "]".
    JsonArray,
    /// A JSON object on one line.
    JsonObject,
}

/// `memstat ARGS --watch PERIOD`, read refresh by refresh; killed on drop unless stopped.
struct Watch {
    child: Child,
    out: BufReader<ChildStdout>,
    shows: Shows,
}

impl Watch {
    fn start(args: &[&str], shows: Shows) -> Result<Self, NotPassed> {
        let mut child = Command::new("memstat")
            .args(args)
            .args(["--watch", PERIOD])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("memstat: {e}")))?;
        let out = BufReader::new(child.stdout.take().expect("piped"));
        Ok(Watch { child, out, shows })
    }

    fn line(&mut self) -> Result<String, NotPassed> {
        let mut line = String::new();
        match self.out.read_line(&mut line) {
            Ok(0) => Err(fail("memstat --watch ended")),
            Ok(_) => Ok(line.trim_end_matches('\n').to_string()),
            Err(e) => Err(fail(format!("reading memstat: {e}"))),
        }
    }

    /// The rows of the next refresh, read as soon as memstat has printed it.
    fn refresh(&mut self) -> Result<Vec<Row>, NotPassed> {
        let banner = self.line()?;
        ensure!(banner.contains("memstat: every "), "no banner: {banner:?}");
        let mut lines = Vec::new();
        match self.shows {
            Shows::Table(n) => {
                for _ in 0..n {
                    lines.push(self.line()?);
                }
                return Ok(table_rows(&lines));
            }
            Shows::JsonObject => lines.push(self.line()?),
            Shows::JsonArray => {
                while lines.last().is_none_or(|l| l != "]") {
                    lines.push(self.line()?);
                }
            }
        }
        Ok(json_rows(&parse_json(&lines)?))
    }

    /// Stops memstat (SIGSTOP) and waits until it is stopped.
    fn pause(&mut self) -> TestResult {
        let pid = self.child.id() as i32;
        let mut status = 0;
        // SAFETY: signalling and waiting for our own child.
        let stopped = unsafe {
            libc::kill(pid, libc::SIGSTOP) == 0
                && libc::waitpid(pid, &mut status, libc::WUNTRACED) == pid
                && libc::WIFSTOPPED(status)
        };
        ensure!(stopped, "memstat did not stop: status {status:#x}");
        Ok(())
    }

    /// Interrupts memstat, which must exit 0.
    fn stop(mut self) -> TestResult {
        let pid = self.child.id() as i32;
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(pid, libc::SIGINT);
            libc::kill(pid, libc::SIGCONT);
        }
        let status = self.child.wait().map_err(fail)?;
        ensure!(status.success(), "memstat --watch after SIGINT: {status}");
        Ok(())
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `memstat ARGS --watch` and requires a refresh to be exactly `expect()`, which reads the
/// syscalls. A refresh is judged by readings taken right before and right after it: memstat's
/// own memory (in its row and in the sums) and the set of processes may change while it runs,
/// so a refresh around which the readings differ is skipped, at most `TRIES` times. When they
/// are equal, what memstat read in between is that. Returns memstat still running.
fn watch_equals(
    args: &[&str],
    shows: Shows,
    mut expect: impl FnMut() -> Result<Vec<Row>, NotPassed>,
) -> Result<Watch, NotPassed> {
    // This test's own numbers are in memstat's output too.
    hold_memory_still().map_err(fail)?;
    let mut watch = Watch::start(args, shows)?;
    watch.refresh()?;
    let mut before = expect()?;
    for skipped in 0..TRIES {
        let shown = watch.refresh()?;
        let after = expect()?;
        if before != after {
            before = after;
            continue;
        }
        if skipped > 0 {
            println!("# memstat {args:?}: {skipped} refresh(es) skipped, the numbers moved");
        }
        if shown != after {
            let diff: Vec<_> = shown.iter().zip(&after).filter(|(s, w)| s != w).collect();
            return Err(fail(format!(
                "memstat {args:?} vs the syscalls, (shown, want) rows that differ: {diff:?}; \
                 {} rows shown, {} wanted",
                shown.len(),
                after.len()
            )));
        }
        return Ok(watch);
    }
    Err(fail(format!(
        "memstat {args:?}: the syscalls' numbers changed around each of {TRIES} refreshes"
    )))
}

/// What memstat's table shows for `list`.
fn table_of(list: &[ProcStats]) -> Vec<Row> {
    let text = table::render(list);
    table_rows(&text.lines().map(str::to_string).collect::<Vec<_>>())
}

fn listing() -> Result<Vec<ProcStats>, NotPassed> {
    mem_stats_all().map_err(fail)
}

fn memstat_lists_processes_like_ps() -> TestResult {
    let (out, text) = run("memstat", &[])?;
    ensure!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let header = text.lines().next().unwrap_or("");
    for col in [
        "PID",
        "COMM",
        "RESERVED",
        "COMMITTED",
        "%",
        "OOM",
        "OOM_ADJ",
        "TAMALLOC",
        "ZEROED",
    ] {
        ensure!(
            header.split_whitespace().any(|h| h == col),
            "no {col} in '{header}'"
        );
    }
    // Every row is the syscall's. A known number of rows, so that a refresh is read as soon as
    // it is printed: the processes with memory first (memstat's own and this test's included),
    // then kernel threads by pid.
    let rows = listing()?.len() - 8;
    let n = rows.to_string();
    let mut watch = watch_equals(
        &["--sort", "reserved", "--top", &n],
        Shows::Table(1 + rows),
        || Ok(table_of(&sorted(&listing()?, "reserved")?[..rows])),
    )?;
    // And the syscall's numbers are /proc's, for every process but this test (whose numbers
    // move as it reads /proc), memstat, stopped, included.
    watch.pause()?;
    let me = std::process::id() as i32;
    for e in listing()?.iter().filter(|e| e.pid != me) {
        let compared = compare_with_proc(e).map_err(fail)?;
        ensure!(
            compared == Compared::Equal || e.is_kthread(),
            "pid {} gone from /proc",
            e.pid
        );
    }
    watch.stop()
}

/// The entry a JSON object of memstat shows; it must have every field of `process_json`.
fn entry_of(v: &Value) -> Result<ProcStats, NotPassed> {
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
    ensure_eq!(&process_json(&e), v, "a JSON object of memstat, read back");
    Ok(e)
}

/// A run of memstat that printed processes as JSON.
struct JsonRun {
    memstat: i32,
    entries: Vec<ProcStats>,
    /// /proc's pids before and after the run.
    before: Vec<i32>,
    after: Vec<i32>,
}

impl JsonRun {
    fn new(args: &[&str]) -> Result<Self, NotPassed> {
        let before = pids().map_err(fail)?;
        let child = Command::new("memstat")
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(fail)?;
        let memstat = child.id() as i32;
        let out = child.wait_with_output().map_err(fail)?;
        let after = pids().map_err(fail)?;
        ensure!(
            out.status.success(),
            "memstat {args:?}: exit {:?}",
            out.status
        );
        let entries = match serde_json::from_slice(&out.stdout).map_err(fail)? {
            Value::Array(items) => items.iter().map(entry_of).collect::<Result<_, _>>()?,
            other => return Err(fail(format!("memstat {args:?}: not an array: {other}"))),
        };
        Ok(JsonRun {
            memstat,
            entries,
            before,
            after,
        })
    }

    /// The pids of a full listing: memstat itself and what /proc lists before and after it, but
    /// for kernel threads that came or went in between.
    fn check_pids(&self) -> TestResult {
        let listed: Vec<i32> = self.entries.iter().map(|e| e.pid).collect();
        let with_memstat = |p: &[i32]| [p, &[self.memstat]].concat();
        check_listed_pids(
            &listed,
            &with_memstat(&self.before),
            &with_memstat(&self.after),
        )
        .map_err(|e| fail(format!("memstat {}: {e}", self.memstat)))
    }
}

fn memstat_sorts_and_limits() -> TestResult {
    // Give this test the most tamalloc memory and zero-filled pages, so that those columns have
    // a leader to sort.
    let mut m = usac::Tamalloc::new(1 << 20).map_err(fail)?;
    m.as_mut_slice()[..3 * 4096].fill(1);
    // Every process, in the promised order (which, for a given set, is one order).
    for name in Column::ALL.iter().map(|c| c.1).chain(["%"]) {
        let run = JsonRun::new(&["--json", "--sort", name])?;
        run.check_pids()?;
        let shown = &run.entries;
        ensure_eq!(
            sorted(shown, name)?
                .iter()
                .map(|e| e.pid)
                .collect::<Vec<_>>(),
            shown.iter().map(|e| e.pid).collect::<Vec<_>>(),
            "pids in the order of --sort {name} vs as shown"
        );
    }
    // --top N: exactly the first N of that order, with the numbers of the moment.
    let count = listing()?.len();
    for top in [0, 3, count + 5] {
        let n = top.to_string();
        let args = ["--json", "--sort", "committed", "--top", &n];
        watch_equals(&args, Shows::JsonArray, || {
            let mut list = sorted(&listing()?, "committed")?;
            list.truncate(top);
            Ok(json_rows(&Value::Array(
                list.iter().map(process_json).collect(),
            )))
        })?
        .stop()?;
    }
    // The table: the header and three rows.
    let args = ["--sort", "reserved", "--top", "3"];
    watch_equals(&args, Shows::Table(4), || {
        Ok(table_of(&sorted(&listing()?, "reserved")?[..3]))
    })?
    .stop()?;
    drop(m);
    let (bad, _) = run("memstat", &["--sort", "nonsense"])?;
    ensure_eq!(bad.status.code(), Some(2), "exit status of a bad --sort");
    let (gone, _) = run("memstat", &["--pid", "999999"])?;
    ensure_eq!(gone.status.code(), Some(1), "exit status for a missing pid");
    ensure!(
        String::from_utf8_lossy(&gone.stderr).contains("no process 999999"),
        "message for a missing pid"
    );
    // init holds still: no need to watch.
    let init = mem_stats_process(1).map_err(fail)?;
    let (one, text) = run("memstat", &["--pid", "1"])?;
    ensure!(one.status.success(), "--pid 1: {:?}", one.status);
    ensure_eq!(
        text,
        format!("{}\n", table::render(&[init])),
        "memstat --pid 1"
    );
    let (one, text) = run("memstat", &["--pid", "1", "--json"])?;
    ensure!(one.status.success(), "--pid 1 --json: {:?}", one.status);
    let shown: Value = serde_json::from_str(&text).map_err(fail)?;
    ensure_eq!(
        shown,
        json!([process_json(&init)]),
        "memstat --pid 1 --json"
    );
    Ok(())
}

fn global() -> Result<GlobalStats, NotPassed> {
    mem_stats_global().map_err(fail)
}

fn memstat_global_is_like_free() -> TestResult {
    let (out, text) = run("memstat", &["--global"])?;
    ensure!(out.status.success(), "exit {:?}", out.status);
    let lines: Vec<&str> = text.lines().collect();
    ensure_eq!(lines.len(), 2, "lines of --global");
    for col in [
        "ram",
        "reserved",
        "committed",
        "tamalloc",
        "zeroed",
        "processes",
    ] {
        ensure!(lines[0].contains(col), "no {col} in '{}'", lines[0]);
    }
    // Every number, memstat's own memory in the sums included.
    watch_equals(&["--global"], Shows::Table(2), || {
        let text = table::render_global(&global()?);
        Ok(table_rows(
            &text.lines().map(str::to_string).collect::<Vec<_>>(),
        ))
    })?
    .stop()
}

fn memstat_json_has_stable_fields() -> TestResult {
    let (out, text) = run("memstat", &["--json"])?;
    ensure!(out.status.success(), "exit {:?}", out.status);
    // The field order is part of the format, as the table's columns are.
    ensure!(
        text.starts_with("[\n{\"pid\":1,\"comm\":\"init\",\"kthread\":false,\"reserved_kb\":"),
        "start: {}",
        &text[..text.len().min(80)]
    );
    JsonRun::new(&["--json"])?.check_pids()?;
    // Every field of every process, memstat's own included.
    watch_equals(&["--json"], Shows::JsonArray, || {
        Ok(json_rows(&Value::Array(
            listing()?.iter().map(process_json).collect(),
        )))
    })?
    .stop()?;
    watch_equals(&["--global", "--json"], Shows::JsonObject, || {
        Ok(json_rows(&global_json(&global()?)))
    })?
    .stop()
}

fn memstat_watch_refreshes_until_sigint() -> TestResult {
    let child = Command::new("memstat")
        .args(["--watch", "0.5", "--top", "3"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(fail)?;
    std::thread::sleep(Duration::from_millis(1800));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().map_err(fail)?;
    ensure!(out.status.success(), "exit after SIGINT: {:?}", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    let refreshes = text.matches("memstat: every 0.5 s").count();
    ensure!(
        (2..=6).contains(&refreshes),
        "{refreshes} refreshes in 1.8 s"
    );
    ensure!(
        text.matches("PID").count() == refreshes,
        "a table per refresh"
    );
    Ok(())
}

fn tamalloc_demo_narrates_and_checks() -> TestResult {
    let (out, text) = run("tamalloc-demo", &["--size-mib", "64"])?;
    for line in text.lines() {
        println!("# | {line}");
    }
    ensure!(out.status.success(), "exit {:?}", out.status);
    for expect in [
        "zamora_tamalloc(64 MiB)",
        "read all 16384 pages: 0 non-zero bytes",
        "write 3840 more page(s) (4096 written)",
        "ok: zeroed +3840 pages",
        "was killed by SIGSEGV: the range is not inherited",
        "written pages are intact",
        "tamalloc-demo: all checks passed",
    ] {
        ensure!(text.contains(expect), "no '{expect}' in the demo's output");
    }
    ensure!(!text.contains("FAILED"), "a check failed");
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac tools",
        &[
            (
                "memstat_lists_processes_like_ps",
                memstat_lists_processes_like_ps,
            ),
            ("memstat_sorts_and_limits", memstat_sorts_and_limits),
            ("memstat_global_is_like_free", memstat_global_is_like_free),
            (
                "memstat_json_has_stable_fields",
                memstat_json_has_stable_fields,
            ),
            (
                "memstat_watch_refreshes_until_sigint",
                memstat_watch_refreshes_until_sigint,
            ),
            (
                "tamalloc_demo_narrates_and_checks",
                tamalloc_demo_narrates_and_checks,
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: i32, comm: &str, reserved_kb: u64) -> ProcStats {
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
            |name| -> Vec<i32> { sorted(&list, name).unwrap().iter().map(|e| e.pid).collect() };
        assert_eq!(pids("pid"), [1, 2, 3]);
        assert_eq!(pids("comm"), [2, 3, 1]);
        assert_eq!(pids("reserved"), [2, 1, 3]);
        assert!(sorted(&list, "size").is_err());
    }

    #[test]
    fn json_object_reads_back() {
        let e = entry(7, "sh", 2048);
        let v = process_json(&e);
        assert_eq!(entry_of(&v).unwrap(), e);
        assert_eq!(json_rows(&json!([v.clone()]))[0].pid, Some(7));
    }

    #[test]
    fn table_rows_have_pids() {
        let rows = table_of(&[entry(1, "init", 1024)]);
        assert_eq!((rows[0].pid, rows[1].pid), (None, Some(1)));
    }
}
