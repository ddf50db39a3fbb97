//! `usac-console-check [--expect KIND] [--linux VERSION] [--arch ARCH] [--profile PROFILE] LOG` (or
//! `--results-table`): reads a VM console log and prints what it says —
//! failed tests, kernel splats, broken plans, missing suites, unexpected skips, a missing exit
//! status — then the closing line `N passed, N failed, N skipped`. Exits 1 on any failure, 2 on
//! a usage error.

use clap::Parser;
use ktap::expected;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Judge a usac VM console log: KUnit, selftest KTAP, kernel splats, exit status")]
struct Args {
    /// What must report and what may skip: a profile (default, debug, nousac) or custom.
    #[arg(long, default_value = "custom", value_parser = expected_kind)]
    expect: String,
    /// The kernel the run booted (6.12, 7.3): its KUnit suites must report, and no others.
    #[arg(long, default_value = "6.12", value_parser = kernel)]
    linux: String,
    /// The architecture the run booted (x86, arm64): some suites' counts differ with it.
    #[arg(long, default_value = *expected::DEFAULT_ARCH, value_parser = arch)]
    arch: String,
    /// The profile the kernel was built with, when --expect is custom (a kernel built from
    /// Debian's configuration runs KUnit suites of its own); --expect's profile otherwise.
    #[arg(long, value_parser = expected_kind)]
    profile: Option<String>,
    /// Print each suite's number of results (suite, tab, count), for scripts/results.tsv, and
    /// nothing else.
    #[arg(long)]
    counts: bool,
    /// Print the README's table of `make test`'s totals per kernel and profile (from
    /// scripts/results.tsv) and exit.
    #[arg(long, exclusive = true)]
    results_table: bool,
    /// The console log of the VM run.
    #[arg(required_unless_present = "results_table")]
    log: Option<PathBuf>,
}

/// `s` if it is one of the `known` values of a table, else the message that lists them.
fn one_of(s: &str, known: impl Iterator<Item = &'static str>) -> Result<String, String> {
    let known: Vec<_> = known.collect();
    match known.contains(&s) {
        true => Ok(s.to_string()),
        false => Err(format!("one of {}", known.join(", "))),
    }
}

fn expected_kind(s: &str) -> Result<String, String> {
    one_of(s, expected::expectations().iter().map(|e| e.name))
}

fn kernel(s: &str) -> Result<String, String> {
    one_of(s, expected::kernels())
}

fn arch(s: &str) -> Result<String, String> {
    one_of(s, expected::arches())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Some(path) = args.log else {
        print!("{}", expected::results_table());
        return ExitCode::SUCCESS;
    };
    let log = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!("usac-console-check: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let expected = expected::by_name(&args.expect).expect("checked by clap");
    let built = expected::by_name(args.profile.as_deref().unwrap_or(&args.expect))
        .expect("checked by clap");
    let kunit = expected::kunit_suites_of(&args.linux, built).expect("checked by clap");
    let mut report = ktap::console::check_expecting(&log, expected, &kunit);
    if args.counts {
        for (suite, n) in &report.results {
            println!("{suite}\t{n}");
        }
        return ExitCode::SUCCESS;
    }
    let must: Vec<&str> = kunit.iter().chain(expected.selftests).copied().collect();
    match expected::pinned_results(&args.linux, &args.arch, built, &must) {
        Ok(pinned) => report.expect_counts(&pinned),
        Err(e) => report.problems.push(e),
    }
    for name in &report.failed {
        println!("FAILED: {name}");
    }
    for problem in &report.problems {
        println!("PROBLEM: {problem}");
    }
    for skip in &report.skipped {
        println!("SKIPPED: {skip}");
    }
    println!("{}", report.closing_line());
    if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
