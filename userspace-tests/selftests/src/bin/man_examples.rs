//! Manual page examples selftest: runs the program of each system call page's EXAMPLES section
//! (built static from man/man2/*.2 by scripts/build-initramfs.sh) and checks that it exits with
//! status 0 and prints what its page says it prints (`usac_selftests::man_examples`).

use ktap::{ensure, ensure_eq, writer::fail, TestResult};
use std::process::{Command, ExitCode};
use usac_selftests::man_examples::{check_output, Example, DIR, EXAMPLES};

/// Runs `example`'s program; returns the placeholders of its output and the program's pid.
fn run(example: &Example) -> Result<(Vec<Vec<String>>, u32), ktap::writer::NotPassed> {
    let path = format!("{DIR}/{}", example.name);
    let child = Command::new(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("{path}: {e}")))?;
    let pid = child.id();
    let out = child
        .wait_with_output()
        .map_err(|e| fail(format!("{path}: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(
        out.status.success(),
        "{path}: {}\nstdout:\n{stdout}stderr:\n{stderr}",
        out.status
    );
    ensure!(stderr.is_empty(), "{path} wrote to stderr:\n{stderr}");
    let captures = check_output(example, &stdout).map_err(|e| fail(format!("{path}: {e}")))?;
    Ok((captures, pid))
}

fn example(name: &str) -> &'static Example {
    EXAMPLES
        .iter()
        .find(|e| e.name == name)
        .expect("an example of that name")
}

fn zamora_tamalloc_example() -> TestResult {
    run(example("zamora_tamalloc"))?;
    Ok(())
}

fn zamora_mem_stats_process_example() -> TestResult {
    let (captures, pid) = run(example("zamora_mem_stats_process"))?;
    // "processes: N (kernel threads: K)": the program itself is one of them.
    let n: u64 = captures[0][0].parse().map_err(fail)?;
    let kthreads: u64 = captures[0][1].parse().map_err(fail)?;
    ensure!(kthreads < n, "{kthreads} kernel threads of {n} processes");
    // "self: pid P (...)": the program's own pid.
    ensure_eq!(
        captures[2][0],
        pid.to_string(),
        "the pid the program reports as its own"
    );
    Ok(())
}

fn zamora_mem_stats_global_example() -> TestResult {
    let (captures, _) = run(example("zamora_mem_stats_global"))?;
    // "tamalloc: T kB, ..." before and "after zamora_tamalloc(64 MiB): tamalloc: T kB": nothing
    // else in the quiet VM maps or unmaps tamalloc memory meanwhile, so the sum grows by exactly
    // the program's 64 MiB.
    let before: u64 = captures[3][0].parse().map_err(fail)?;
    let after: u64 = captures[4][0].parse().map_err(fail)?;
    ensure_eq!(
        after,
        before + 65536,
        "tamalloc_kb after a 64 MiB zamora_tamalloc (before: {before})"
    );
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac man examples",
        &[
            (
                "zamora_mem_stats_global_example",
                zamora_mem_stats_global_example,
            ),
            (
                "zamora_mem_stats_process_example",
                zamora_mem_stats_process_example,
            ),
            ("zamora_tamalloc_example", zamora_tamalloc_example),
        ],
    )
}
