//! `usac-console-check LOG`: reads a VM console log and prints what it says — failed tests, kernel
//! splats, a missing exit status — then the closing line `N passed, N failed`. Exits non-zero on
//! any failure.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: usac-console-check CONSOLE_LOG");
        return ExitCode::from(2);
    };
    let log = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!("usac-console-check: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let report = ktap::console::check(&log);
    for name in &report.failed {
        println!("FAILED: {name}");
    }
    for problem in &report.problems {
        println!("PROBLEM: {problem}");
    }
    if report.skipped > 0 {
        println!("{} skipped", report.skipped);
    }
    println!("{}", report.closing_line());
    if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
