//! Tools selftest: run `memstat`, `tamalloc-demo` and `usac-bench` as a user would and check what
//! they print.
//!
//! memstat's output is compared exactly with the syscalls: it runs with `--watch`, and a refresh
//! is compared with readings the test takes right before and right after it (`watch`); when the
//! two readings are equal (memstat's own memory, which it lists and sums, and the set of
//! processes did not change meanwhile), the refresh must be exactly that. What memstat must
//! print (tables, cells, units, %MEM, the totals, the JSON documents, the sort orders) is
//! written out in `oracle` from memstat's documented format, not rendered by memstat's code.

mod oracle;
mod watch;

use ktap::{ensure, ensure_eq, writer::fail, writer::NotPassed, TestResult};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use oracle::{
    columns, entry_of, global_json, global_table, json_rows, mem_total_kb, printed, processes_json,
    sorted, table, table_of, table_rows, Options, Unit, COLUMNS,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};
use usac::{mem_stats_all, mem_stats_global, mem_stats_process, GlobalStats, ProcStats};
use usac_schema::bench::{self, BenchRow};
use usac_schema::demo::{DemoLine, DemoRecord, TAG};
use usac_schema::memstat::{Global, Processes};
use usac_selftests::command::{run, stdout_of};
use usac_selftests::procfs::{check_listed_pids, compare_with_proc, pids, Compared};
use watch::{watch_equals, Shows};

/// `memstat ARGS`, which must succeed: its output.
fn memstat_ok(args: &[&str]) -> Result<String, NotPassed> {
    stdout_of("memstat", args)
}

fn listing() -> Result<Vec<ProcStats>, NotPassed> {
    mem_stats_all().map_err(fail)
}

fn global() -> Result<GlobalStats, NotPassed> {
    mem_stats_global().map_err(fail)
}

fn memstat_lists_processes_like_ps() -> TestResult {
    let text = memstat_ok(&[])?;
    let header: Vec<&str> = text
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    ensure_eq!(
        header,
        [
            "PID",
            "COMM",
            "RESERVED",
            "COMMITTED",
            "%CMT",
            "%MEM",
            "OOM",
            "OOM_ADJ",
            "TAMALLOC",
            "ZEROED"
        ],
        "the default columns"
    );
    // Every row is the syscall's. A known number of rows, so that a refresh is read as soon as
    // it is printed: the processes with memory first (memstat's own and this test's included),
    // then kernel threads by pid.
    let rows = listing()?.len() - 8;
    let n = rows.to_string();
    let mut watch = watch_equals(
        &["--sort", "reserved", "--top", &n],
        Shows::Table(1 + rows),
        || table_of(&sorted(&listing()?, "reserved")?[..rows]),
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
        // memstat's own type reads it (schema checked), and the fields are the ABI's.
        serde_json::from_slice::<Processes>(&out.stdout)
            .map_err(|e| fail(format!("memstat {args:?}: {e}")))?;
        let doc: Value = serde_json::from_slice(&out.stdout).map_err(fail)?;
        let entries = doc["processes"]
            .as_array()
            .ok_or_else(|| fail(format!("memstat {args:?}: no processes: {doc}")))?
            .iter()
            .map(entry_of)
            .collect::<Result<_, _>>()?;
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
    // Every process, in the promised order (which, for a given set, is one order), both ways.
    let names = COLUMNS.iter().map(|c| c.name).chain(["%", "%MEM"]);
    for name in names {
        for sign in ["", "+", "-"] {
            let key = format!("{sign}{name}");
            let run = JsonRun::new(&["--json", "--sort", &key])?;
            run.check_pids()?;
            let shown = &run.entries;
            ensure_eq!(
                sorted(shown, &key)?
                    .iter()
                    .map(|e| e.pid)
                    .collect::<Vec<_>>(),
                shown.iter().map(|e| e.pid).collect::<Vec<_>>(),
                "pids in the order of --sort {key} vs as shown"
            );
        }
    }
    // --top N: exactly the first N of that order, with the numbers of the moment.
    let count = listing()?.len();
    for (top, key) in [
        (0, "committed"),
        (3, "committed"),
        (3, "+pid"),
        (count + 5, "-pid"),
    ] {
        let n = top.to_string();
        let args = ["--json", "--sort", key, "--top", &n];
        watch_equals(&args, Shows::Json, || {
            let mut list = sorted(&listing()?, key)?;
            list.truncate(top);
            json_rows(&processes_json(&list))
        })?
        .stop()?;
    }
    // The table: the header and three rows.
    let args = ["--sort", "reserved", "--top", "3"];
    watch_equals(&args, Shows::Table(4), || {
        table_of(&sorted(&listing()?, "reserved")?[..3])
    })?
    .stop()?;
    drop(m);
    let (gone, _) = run("memstat", &["--pid", "999999"])?;
    ensure_eq!(gone.status.code(), Some(1), "exit status for a missing pid");
    ensure!(
        String::from_utf8_lossy(&gone.stderr).contains("no process 999999"),
        "message for a missing pid"
    );
    // init holds still: no need to watch.
    let init = mem_stats_process(1).map_err(fail)?;
    let text = memstat_ok(&["--pid", "1"])?;
    ensure_eq!(table_rows(&text), table_of(&[init])?, "memstat --pid 1");
    let text = memstat_ok(&["--pid", "1", "--json"])?;
    let shown: Value = serde_json::from_str(&text).map_err(fail)?;
    ensure_eq!(shown, processes_json(&[init]), "memstat --pid 1 --json");
    Ok(())
}

/// `sleep` processes for `-C`, killed on drop.
struct Sleepers(Vec<std::process::Child>);

impl Drop for Sleepers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The pids /proc shows with command name `comm`.
fn pids_named(comm: &str) -> Result<BTreeSet<i32>, NotPassed> {
    Ok(pids()
        .map_err(fail)?
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim_end() == comm)
        })
        .collect())
}

/// `memstat -o pid --no-headers` of the processes `pids`: a line each, by pid (memstat's default
/// order).
fn pid_lines(pids: &BTreeSet<i32>) -> String {
    let list: Vec<ProcStats> = pids
        .iter()
        .map(|&pid| ProcStats {
            pid,
            ..Default::default()
        })
        .collect();
    let o = Options {
        headers: false,
        ..Options::default_with(0)
    };
    printed(table(&list, &columns(&["pid"]), &o))
}

fn memstat_chooses_columns_units_and_processes() -> TestResult {
    // init holds still: each reading is exact.
    let init = mem_stats_process(1).map_err(fail)?;
    let total = mem_total_kb()?;
    let human = Options::default_with(total);
    // -o: one column at a time, its header and its cell; then several, in the order asked.
    for column in &COLUMNS {
        let text = memstat_ok(&["-p", "1", "-o", column.name])?;
        let want = printed(table(&[init], &[column], &human));
        ensure_eq!(text, want, "memstat -p 1 -o {}", column.name);
    }
    let text = memstat_ok(&["-p", "1", "-o", "pid,%MEM,comm"])?;
    let want = printed(table(&[init], &columns(&["pid", "mem", "comm"]), &human));
    ensure_eq!(text, want, "memstat -p 1 -o pid,%MEM,comm");
    // Raw units, as free: whole numbers, rounded down.
    let sizes = columns(&["reserved", "committed", "tamalloc"]);
    for (flags, unit) in [
        (["-b", "--bytes"], Unit::Bytes),
        (["-k", "--kibi"], Unit::KiB),
        (["-m", "--mebi"], Unit::MiB),
        (["-g", "--gibi"], Unit::GiB),
    ] {
        let o = Options {
            unit,
            headers: false,
            ..human
        };
        let want = printed(table(&[init], &sizes, &o));
        for flag in flags {
            let text = memstat_ok(&[
                "-p",
                "1",
                "-o",
                "reserved,committed,tamalloc",
                "--no-headers",
                flag,
            ])?;
            ensure_eq!(text, want, "memstat -p 1 {flag}: sizes");
        }
    }
    // --no-headers: the row alone.
    let text = memstat_ok(&["-p", "1", "--no-headers"])?;
    ensure_eq!(
        table_rows(&text),
        table_of(&[init])?[1..],
        "memstat -p 1 --no-headers"
    );
    // -p and -C: exactly the processes named, each once; together, those that match either.
    let spawn_sleep = || {
        Command::new("sleep")
            .arg("60")
            .spawn()
            .map_err(|e| fail(format!("sleep: {e}")))
    };
    let sleepers = Sleepers(vec![spawn_sleep()?, spawn_sleep()?]);
    let [a, b] = [0, 1].map(|i| sleepers.0[i].id() as i32);
    // A child is "sleep" once it has exec'd.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !pids_named("sleep")?.is_superset(&BTreeSet::from([a, b])) {
        ensure!(
            Instant::now() < deadline,
            "the sleep children did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let named = pids_named("sleep")?;
    let list = format!("{a},{b},1,{a}");
    for (args, want) in [
        (vec!["-p", list.as_str()], BTreeSet::from([1, a, b])),
        (vec!["-C", "sleep"], named.clone()),
        (vec!["-C", "init,nonexistent"], BTreeSet::from([1])),
        (
            vec!["-p", "1", "-C", "sleep"],
            &named | &BTreeSet::from([1]),
        ),
    ] {
        let all = [args.clone(), vec!["-o", "pid", "--no-headers"]].concat();
        let text = memstat_ok(&all)?;
        ensure_eq!(text, pid_lines(&want), "memstat {all:?}");
    }
    let text = memstat_ok(&["-C", "init", "-o", "comm"])?;
    ensure_eq!(text, "COMM\ninit\n", "memstat -C init -o comm");
    drop(sleepers);
    Ok(())
}

fn memstat_global_is_like_free() -> TestResult {
    let text = memstat_ok(&["--global"])?;
    let lines: Vec<&str> = text.lines().collect();
    ensure_eq!(lines.len(), 2, "lines of --global");
    ensure_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "ram",
            "reserved",
            "committed",
            "tamalloc",
            "zeroed",
            "processes"
        ],
        "the --global header"
    );
    // Every number, memstat's own memory in the sums included; in each unit.
    for (args, unit, headers) in [
        (&["--global"][..], Unit::Human, true),
        (&["--global", "-m"], Unit::MiB, true),
        (&["--global", "-k", "--no-headers"], Unit::KiB, false),
    ] {
        let lines = if headers { 2 } else { 1 };
        watch_equals(args, Shows::Table(lines), || {
            Ok(table_rows(&global_table(&global()?, unit, headers)))
        })?
        .stop()?;
    }
    Ok(())
}

fn memstat_json_has_stable_fields() -> TestResult {
    let text = memstat_ok(&["--json"])?;
    // The field order is part of the format, as the table's columns are.
    let start = "{\"schema\":\"usac-memstat/2\",\"processes\":[{\"pid\":1,\"comm\":\"init\",\
                 \"kthread\":false,\"reserved_kb\":";
    ensure!(
        text.starts_with(start),
        "start: {}",
        &text[..text.len().min(100)]
    );
    ensure_eq!(text.lines().count(), 1, "lines of memstat --json");
    JsonRun::new(&["--json"])?.check_pids()?;
    // Every field of every process, memstat's own included.
    watch_equals(&["--json"], Shows::Json, || {
        json_rows(&processes_json(&listing()?))
    })?
    .stop()?;
    watch_equals(&["--global", "--json"], Shows::Json, || {
        json_rows(&global_json(&global()?))
    })?
    .stop()
}

fn memstat_watch_refreshes_until_sigint_or_count() -> TestResult {
    let child = Command::new("memstat")
        .args(["--watch", "0.5", "--top", "3"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(fail)?;
    std::thread::sleep(Duration::from_millis(1800));
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).map_err(fail)?;
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
    // --count N: N refreshes, then memstat ends by itself.
    let start = Instant::now();
    let text = memstat_ok(&["--watch", "0.2", "--count", "3", "--top", "2"])?;
    ensure_eq!(
        text.matches("memstat: every 0.2 s").count(),
        3,
        "refreshes of --count 3"
    );
    ensure_eq!(
        text.lines().count(),
        3 * 4,
        "lines of 3 refreshes of 3 rows"
    );
    ensure!(
        start.elapsed() < Duration::from_secs(5),
        "--count 3 took {:?}",
        start.elapsed()
    );
    Ok(())
}

fn memstat_works_in_a_pipe() -> TestResult {
    // stdout is a pipe here: no clear-screen or colour escapes.
    let text = memstat_ok(&["--watch", "0.1", "--count", "2"])?;
    ensure!(!text.contains('\x1b'), "an escape sequence in piped output");
    ensure_eq!(text.matches("memstat: every").count(), 2, "banners");
    // --watch --json: JSON Lines, each line a document of its schema.
    let text = memstat_ok(&["--watch", "0.1", "--count", "3", "--json"])?;
    ensure_eq!(text.lines().count(), 3, "lines of --watch --count 3 --json");
    for line in text.lines() {
        serde_json::from_str::<Processes>(line).map_err(|e| fail(format!("{e}: {line}")))?;
        let doc: Value = serde_json::from_str(line).map_err(fail)?;
        ensure_eq!(doc["schema"], "usac-memstat/2", "schema of a JSON line");
    }
    let text = memstat_ok(&["--global", "--json", "--watch", "0.1", "--count", "2"])?;
    ensure_eq!(
        text.lines().count(),
        2,
        "lines of --global --json --count 2"
    );
    for line in text.lines() {
        serde_json::from_str::<Global>(line).map_err(|e| fail(format!("{e}: {line}")))?;
    }
    // A reader that goes away (`memstat --watch 0.1 | head -1`): memstat ends at its next
    // refresh, with success and nothing on stderr.
    let mut child = Command::new("memstat")
        .args(["--watch", "0.1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(fail)?;
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut first)
        .map_err(fail)?;
    ensure!(first.starts_with("memstat: every"), "first line {first:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().map_err(fail)?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(fail("memstat kept running after its reader went away"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().map_err(fail)?;
    ensure!(
        out.status.success(),
        "exit after the reader went away: {:?}",
        out.status
    );
    ensure_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "stderr after the reader went away"
    );
    Ok(())
}

fn bad_usage_exits_2_and_help_tells_the_exit_codes() -> TestResult {
    for (cmd, args) in [
        ("usac-bench", &["--rounds", "abc"][..]),
        ("usac-bench", &["--rounds", "0"]),
        ("usac-bench", &["nonsense"]),
        ("memstat", &["--global", "--sort", "pid"]),
        ("memstat", &["--global", "-o", "pid"]),
        ("memstat", &["--global", "-p", "1"]),
        ("memstat", &["--count", "2"]),
        ("memstat", &["--json", "-o", "pid"]),
        ("memstat", &["--json", "--no-headers"]),
        ("memstat", &["-k", "-m"]),
        ("memstat", &["--sort", "nonsense"]),
        ("memstat", &["-o", "pid,size"]),
        ("memstat", &["-p", "0"]),
        ("memstat", &["--watch", "0"]),
        ("memstat", &["--top", "abc"]),
        ("tamalloc-demo", &["--size-mib", "0"]),
        ("tamalloc-demo", &["--size-mib", "abc"]),
    ] {
        let (out, text) = run(cmd, args)?;
        ensure_eq!(out.status.code(), Some(2), "exit status of {cmd} {args:?}");
        ensure_eq!(text, "", "stdout of {cmd} {args:?}");
        ensure!(
            String::from_utf8_lossy(&out.stderr).contains("error:"),
            "{cmd} {args:?} did not say what is wrong"
        );
    }
    for cmd in ["memstat", "tamalloc-demo", "usac-bench"] {
        let (out, text) = run(cmd, &["--help"])?;
        ensure!(out.status.success(), "{cmd} --help: {:?}", out.status);
        ensure!(
            text.contains("Exit status: 0") && text.contains("2 bad usage"),
            "{cmd} --help does not tell the exit codes"
        );
    }
    Ok(())
}

fn tamalloc_demo_narrates_and_checks() -> TestResult {
    let (out, text) = run("tamalloc-demo", &["--size-mib", "64", "--json", "--trace"])?;
    for line in text.lines().filter(|l| !l.starts_with(TAG)) {
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
        // Its own check of the trace events of its call and its writes, exact.
        "trace: 1 usac_tamalloc event(s), 16384 usac_tamalloc_zero_fill event(s) for 16384 \
         page(s); 16384 page(s) written: as expected",
        "tamalloc-demo: all checks passed",
    ] {
        ensure!(text.contains(expect), "no '{expect}' in the demo's output");
    }
    ensure!(!text.contains("FAILED"), "a check failed");
    // The DEMO-JSON lines are documents of their schema: a step per table line, then the eager
    // baseline of the whole size.
    let lines: Vec<DemoLine> = text
        .lines()
        .filter_map(|l| l.strip_prefix(TAG))
        .map(|doc| serde_json::from_str(doc).map_err(|e| fail(format!("{e}: {doc}"))))
        .collect::<Result<_, _>>()?;
    let steps = lines
        .iter()
        .filter(|l| matches!(l.record, DemoRecord::Step(_)))
        .count();
    // start, tamalloc, read, 5 write steps (1..4096 of 16384 pages), munmap.
    ensure_eq!(steps, 9, "DEMO-JSON steps");
    ensure!(
        matches!(
            lines.last().map(|l| &l.record),
            Some(DemoRecord::EagerBaseline { size_kb: 65536, .. })
        ),
        "no eager baseline line last: {:?}",
        lines.last()
    );
    Ok(())
}

/// `usac-bench --quick`: every benchmark runs once at small sizes and prints its row as a
/// document of its schema, with a positive, finite measurement on each side. (What the figures
/// say is `make report`'s business; this checks that the benchmarks still run.)
fn usac_bench_quick_prints_every_row() -> TestResult {
    let (out, text) = run("usac-bench", &["--quick"])?;
    ensure!(out.status.success(), "usac-bench --quick: {:?}", out.status);
    let rows: Vec<BenchRow> = usac_schema::tagged(&text, bench::TAG).map_err(fail)?;
    let got = bench::count_by_prefix(rows.iter().map(|r| r.name.as_str()), bench::ROWS);
    ensure_eq!(got, bench::ROWS, "rows of usac-bench --quick, by name");
    ensure_eq!(rows.len(), 20, "rows in all");
    for r in &rows {
        let sides = [r.candidate_ns, r.baseline_ns];
        ensure!(
            sides.iter().all(|v| v.is_finite() && *v > 0.0),
            "{}: candidate {} ns, baseline {} ns",
            r.name,
            r.candidate_ns,
            r.baseline_ns
        );
    }
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
            (
                "memstat_chooses_columns_units_and_processes",
                memstat_chooses_columns_units_and_processes,
            ),
            ("memstat_global_is_like_free", memstat_global_is_like_free),
            (
                "memstat_json_has_stable_fields",
                memstat_json_has_stable_fields,
            ),
            (
                "memstat_watch_refreshes_until_sigint_or_count",
                memstat_watch_refreshes_until_sigint_or_count,
            ),
            ("memstat_works_in_a_pipe", memstat_works_in_a_pipe),
            (
                "bad_usage_exits_2_and_help_tells_the_exit_codes",
                bad_usage_exits_2_and_help_tells_the_exit_codes,
            ),
            (
                "tamalloc_demo_narrates_and_checks",
                tamalloc_demo_narrates_and_checks,
            ),
            (
                "usac_bench_quick_prints_every_row",
                usac_bench_quick_prints_every_row,
            ),
        ],
    )
}
