//! Tools selftest: run `memstat` and `tamalloc-demo` as a user would and check what they print.

use ktap::{ensure, ensure_eq, writer::fail, TestResult};
use std::process::{Command, ExitCode, Output, Stdio};
use std::time::Duration;

fn run(cmd: &str, args: &[&str]) -> Result<(Output, String), ktap::writer::NotPassed> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| fail(format!("{cmd}: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok((out, text))
}

fn memstat_lists_processes_like_ps() -> TestResult {
    let (out, text) = run("memstat", &[])?;
    ensure!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("");
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
    let rows: Vec<&str> = lines.collect();
    ensure!(rows.len() >= 5, "only {} rows", rows.len());
    let init = rows
        .iter()
        .find(|r| r.split_whitespace().next() == Some("1"));
    ensure!(
        init.is_some_and(|r| r.contains("init") && r.contains("KiB")),
        "pid 1 row: {init:?}"
    );
    ensure!(
        rows.iter().any(|r| r.contains("[kthreadd]")),
        "no [kthreadd] row"
    );
    let me = std::process::id().to_string();
    ensure!(
        rows.iter()
            .any(|r| r.split_whitespace().next() == Some(&me)),
        "own pid {me} missing"
    );
    Ok(())
}

fn memstat_sorts_and_limits() -> TestResult {
    let (out, text) = run("memstat", &["--sort", "reserved", "--top", "3"])?;
    ensure!(out.status.success(), "exit {:?}", out.status);
    ensure_eq!(text.lines().count(), 4, "header + 3 rows:\n{text}");
    let (bad, _) = run("memstat", &["--sort", "nonsense"])?;
    ensure_eq!(bad.status.code(), Some(2), "exit status of a bad --sort");
    let (gone, _) = run("memstat", &["--pid", "999999"])?;
    ensure_eq!(gone.status.code(), Some(1), "exit status for a missing pid");
    ensure!(
        String::from_utf8_lossy(&gone.stderr).contains("no process 999999"),
        "message for a missing pid"
    );
    let (one, text) = run("memstat", &["--pid", "1"])?;
    ensure!(
        one.status.success() && text.lines().count() == 2,
        "--pid 1:\n{text}"
    );
    Ok(())
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
    ensure!(
        lines[1].contains("GiB") || lines[1].contains("MiB"),
        "no sizes in '{}'",
        lines[1]
    );
    Ok(())
}

fn memstat_json_has_stable_fields() -> TestResult {
    let (out, text) = run("memstat", &["--json"])?;
    ensure!(out.status.success(), "exit {:?}", out.status);
    ensure!(
        text.starts_with("[\n{\"pid\":1,\"comm\":\"init\",\"kthread\":false,"),
        "start: {}",
        &text[..text.len().min(80)]
    );
    ensure!(text.trim_end().ends_with("}\n]"), "end of the array");
    let objects = text.lines().filter(|l| l.starts_with("{\"pid\":")).count();
    let (_, table) = run("memstat", &[])?;
    let rows = table.lines().count() - 1;
    ensure!(
        objects.abs_diff(rows) <= 2,
        "{objects} JSON objects vs {rows} rows"
    );
    for field in [
        "reserved_kb",
        "committed_kb",
        "committed_pct_x100",
        "oom_score",
        "oom_score_adj",
        "tamalloc_kb",
        "lazy_zeroed_pages",
    ] {
        ensure!(text.contains(&format!("\"{field}\":")), "no {field}");
    }
    let (g, gtext) = run("memstat", &["--global", "--json"])?;
    ensure!(
        g.status.success()
            && gtext.starts_with("{\"reserved_kb\":")
            && gtext.contains("\"nr_processes\":"),
        "{gtext}"
    );
    Ok(())
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
