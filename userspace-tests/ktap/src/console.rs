//! Reading the VM's serial console log on the host.
//!
//! The console carries two interleaved streams: kernel messages, which start with a `[  1.234567]`
//! timestamp (CONFIG_PRINTK_TIME) and include KUnit's KTAP, and the selftests' own KTAP on stdout.
//! Each stream's KTAP is parsed on its own. Results are counted at the leaves of the test tree (a
//! suite line is not a test); a suite that fails without a failing child, or a plan that was not
//! kept, counts as a failure too.

use crate::expected::Expectation;
use crate::oom::OomReports;

/// The line `/init` prints before powering off, followed by the command's exit status.
pub const EXIT_SENTINEL: &str = "usac-vm-exit: ";

/// Kernel messages that mean the kernel itself went wrong, whatever the tests said.
pub const SPLAT_PATTERNS: &[&str] = &[
    "BUG:",
    "WARNING:",
    "Oops",
    "Kernel panic",
    "general protection fault",
    "KASAN:",
    "UBSAN:",
    "sleeping function called from invalid context",
    "possible circular locking dependency",
    "possible recursive locking",
    "inconsistent lock state",
    "suspicious RCU usage",
    "DEBUG_LOCKS_WARN_ON",
    "turning off the locking correctness validator",
    "unreferenced object",
    "rcu_preempt self-detected stall",
    "rcu: INFO:",
    "panicked at",
    "Call Trace:",
    "page allocation failure",
];

/// Leaf results of one KTAP document.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// What a console log says about a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Leaf tests that passed.
    pub passed: usize,
    /// Leaf tests that were skipped, as `suite: test`.
    pub skipped: Vec<String>,
    /// Failed tests as `suite: test` (and suites that failed on their own).
    pub failed: Vec<String>,
    /// Kernel splats, broken plans, a missing or non-zero exit status, missing suites.
    pub problems: Vec<String>,
    /// The exit status `/init` reported, if it got that far.
    pub exit_status: Option<i32>,
    /// Suites that reported: KUnit's `# Subtest:` names and the selftests' document names.
    pub suites: Vec<String>,
    /// Whether the kernel printed KUnit's closing `# Totals:` line.
    pub kunit_totals: bool,
    /// Whether `/init` printed a kmemleak report (a kernel with kmemleak, after the command).
    pub kmemleak_report: bool,
    /// Leaf results (passed, failed or skipped) of each suite, by the suite's name: a KUnit
    /// suite (`# Subtest:` of the kernel's document) or a selftest document.
    pub results: std::collections::BTreeMap<String, usize>,
}

/// The line `/init` prints before a kmemleak report.
pub const KMEMLEAK_REPORT: &str = "usac-vm: kmemleak report follows";

impl Report {
    /// True if nothing failed and nothing went wrong.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty() && self.problems.is_empty()
    }

    /// The closing line: `N passed, N failed, N skipped`, where problems count as failures.
    pub fn closing_line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed,
            self.failed.len() + self.problems.len(),
            self.skipped.len()
        )
    }

    /// Holds each suite of `pinned` to its number of results: a test that is lost, or one added
    /// without updating the table, fails the run.
    pub fn expect_counts(&mut self, pinned: &[(&str, usize)]) {
        for &(suite, want) in pinned {
            match self.results.get(suite).copied().unwrap_or(0) {
                got if got == want => {}
                got => self.problems.push(format!(
                    "suite '{suite}' has {got} results, scripts/results.tsv pins {want}"
                )),
            }
        }
    }

    /// Holds the run to what `expected` says must report and may skip, on a kernel whose KUnit
    /// suites are `kunit`.
    pub fn expect(&mut self, expected: &Expectation, kunit: &[&str]) {
        if !self.kunit_totals {
            self.problems
                .push("no KUnit summary (`# Totals:`) from the kernel".to_string());
        }
        if expected.kmemleak && !self.kmemleak_report {
            self.problems
                .push("no kmemleak report (a kmemleak kernel scans after the command)".to_string());
        }
        let must: Vec<&str> = kunit.iter().chain(expected.selftests).copied().collect();
        for name in &must {
            match self.suites.iter().filter(|s| s == name).count() {
                1 => {}
                0 => self.problems.push(format!("suite '{name}' did not report")),
                n => self
                    .problems
                    .push(format!("suite '{name}' reported {n} times")),
            }
        }
        if expected.only_these {
            for name in self.suites.iter().filter(|s| !must.contains(&s.as_str())) {
                self.problems.push(format!(
                    "suite '{name}' is not in the '{}' list of ktap::expected",
                    expected.name
                ));
            }
        }
        for skip in self
            .skipped
            .iter()
            .filter(|s| !expected.skips.contains(&s.as_str()))
        {
            self.problems.push(format!(
                "unexpected skip in profile '{}': {skip}",
                expected.name
            ));
        }
    }
}

/// One open KTAP block (a document or a subtest list) at some indentation.
#[derive(Debug)]
struct Block {
    indent: usize,
    /// Failures inside this block, to know whether a failing parent is already accounted for.
    failures: usize,
    plan: Option<usize>,
    seen: usize,
    stream: &'static str,
    /// `# Subtest: NAME` inside the block, or a top-level document's first comment line.
    name: Option<String>,
}

/// KTAP state of one stream.
#[derive(Debug)]
struct Stream {
    name: &'static str,
    blocks: Vec<Block>,
    /// Leaf results of the current top-level document, or of its current first-level subtest (a
    /// KUnit suite), for its `# Totals:` line.
    counts: Counts,
}

impl Stream {
    fn new(name: &'static str) -> Self {
        Stream {
            name,
            blocks: Vec::new(),
            counts: Counts::default(),
        }
    }

    fn close(block: Block, report: &mut Report) {
        match block.plan {
            Some(plan) if block.seen != plan => report.problems.push(format!(
                "{} KTAP: planned {plan} tests at indent {}, saw {}",
                block.stream, block.indent, block.seen
            )),
            None if block.seen > 0 => report.problems.push(format!(
                "{} KTAP: {} results at indent {} without a plan",
                block.stream, block.seen, block.indent
            )),
            _ => {}
        }
    }

    /// Closes blocks deeper than `indent`; returns whether any existed and their failures.
    fn close_deeper(&mut self, indent: usize, report: &mut Report) -> (bool, usize) {
        let (mut any, mut failures) = (false, 0);
        while self.blocks.last().is_some_and(|b| b.indent > indent) {
            let b = self.blocks.pop().expect("checked above");
            any = true;
            failures += b.failures;
            Self::close(b, report);
        }
        (any, failures)
    }

    fn block_at(&mut self, indent: usize) -> &mut Block {
        if self.blocks.last().is_none_or(|b| b.indent != indent) {
            self.blocks.push(Block {
                indent,
                failures: 0,
                plan: None,
                seen: 0,
                stream: self.name,
                name: None,
            });
        }
        self.blocks.last_mut().expect("pushed above")
    }

    /// The outermost suite name: the KUnit suite or selftest document a result counts for.
    fn top_suite(&self) -> Option<&str> {
        self.blocks.iter().find_map(|b| b.name.as_deref())
    }

    /// The innermost suite name, for skip reports.
    fn suite_name(&self) -> &str {
        self.blocks
            .iter()
            .rev()
            .find_map(|b| b.name.as_deref())
            .unwrap_or("?")
    }

    fn comment(&mut self, indent: usize, text: &str, report: &mut Report) {
        if let Some(name) = text.strip_prefix("Subtest: ") {
            // KUnit prints a `# Totals:` line after each suite (the suites are the subtests of its
            // document), for that suite's tests: count afresh from each.
            if self.blocks.iter().filter(|b| b.indent < indent).count() == 1 {
                self.counts = Counts::default();
            }
            let block = self.block_at(indent);
            block.name = Some(name.trim().to_string());
            report.suites.push(name.trim().to_string());
        } else if let Some(totals) = text.strip_prefix("Totals: ") {
            if indent == 0 {
                self.totals(totals, report);
            }
        } else if indent == 0
            && self
                .blocks
                .last()
                .is_some_and(|b| b.indent == 0 && b.plan.is_none() && b.name.is_none())
        {
            // A selftest document names itself in its first comment, before its plan.
            let block = self.block_at(0);
            block.name = Some(text.trim().to_string());
            report.suites.push(text.trim().to_string());
        }
    }

    /// Checks a document's `# Totals: pass:P fail:F skip:S` against the results it printed.
    fn totals(&mut self, totals: &str, report: &mut Report) {
        let field = |key: &str| -> Option<usize> {
            totals
                .split_whitespace()
                .find_map(|f| f.strip_prefix(key)?.parse().ok())
        };
        let said = (field("pass:"), field("fail:"), field("skip:"));
        let seen = self.counts;
        if said != (Some(seen.passed), Some(seen.failed), Some(seen.skipped)) {
            report.problems.push(format!(
                "{} KTAP: '# Totals: {totals}' but {} passed, {} failed, {} skipped were printed",
                self.name, seen.passed, seen.failed, seen.skipped
            ));
        }
        if self.name == "kernel" {
            report.kunit_totals = true;
        }
    }

    fn line(&mut self, line: &str, report: &mut Report) {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        if body.starts_with("KTAP version") || body.starts_with("TAP version") {
            self.close_deeper(indent, report);
            if self.blocks.last().is_some_and(|b| b.indent == indent) {
                let b = self.blocks.pop().expect("checked above");
                Self::close(b, report);
            }
            if indent == 0 {
                self.counts = Counts::default();
            }
            self.block_at(indent);
        } else if let Some(text) = body.strip_prefix("# ") {
            self.comment(indent, text, report);
        } else if let Some(n) = parse_plan(body) {
            self.close_deeper(indent, report);
            self.block_at(indent).plan = Some(n);
        } else if let Some(result) = parse_result(body) {
            let (parent, child_failures) = self.close_deeper(indent, report);
            let own_failure = !(result.ok || parent && child_failures > 0);
            if !parent {
                if let Some(top) = self.top_suite() {
                    *report.results.entry(top.to_string()).or_default() += 1;
                }
                if !result.ok {
                    let suite = self.suite_name().to_string();
                    report.failed.push(format!("{suite}: {}", result.name));
                    self.counts.failed += 1;
                } else if result.skip {
                    let suite = self.suite_name().to_string();
                    report.skipped.push(format!("{suite}: {}", result.name));
                    self.counts.skipped += 1;
                } else {
                    report.passed += 1;
                    self.counts.passed += 1;
                }
            } else if own_failure {
                report.failed.push(format!("{} (suite)", result.name));
            }
            let block = self.block_at(indent);
            block.seen += 1;
            block.failures += child_failures + usize::from(own_failure);
        }
    }

    fn finish(&mut self, report: &mut Report) {
        self.close_deeper(0, report);
        if let Some(b) = self.blocks.pop() {
            Self::close(b, report);
        }
    }
}

/// A parsed `ok N name` / `not ok N name # SKIP why` line.
#[derive(Debug, PartialEq, Eq)]
struct ResultLine<'a> {
    ok: bool,
    skip: bool,
    name: &'a str,
}

fn parse_result(body: &str) -> Option<ResultLine<'_>> {
    let (ok, rest) = if let Some(r) = body.strip_prefix("ok ") {
        (true, r)
    } else {
        (false, body.strip_prefix("not ok ")?)
    };
    let (number, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    number.parse::<u64>().ok()?;
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    let (name, directive) = rest.split_once(" # ").unwrap_or((rest, ""));
    let skip = directive
        .trim_start()
        .to_ascii_uppercase()
        .starts_with("SKIP");
    Some(ResultLine {
        ok,
        skip,
        name: name.trim(),
    })
}

fn parse_plan(body: &str) -> Option<usize> {
    body.strip_prefix("1..")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Splits a console line into (is_kernel, text without the printk timestamp).
fn split_kernel_prefix(line: &str) -> (bool, &str) {
    if let Some(rest) = line.strip_prefix('[') {
        if let Some((stamp, text)) = rest.split_once("] ") {
            if stamp.trim().chars().all(|c| c.is_ascii_digit() || c == '.') && !stamp.is_empty() {
                return (true, text);
            }
        }
    }
    (false, line)
}

/// Reads a whole console log and holds it to `expected`, on a kernel whose KUnit suites are
/// `kunit`.
pub fn check_expecting(log: &str, expected: &Expectation, kunit: &[&str]) -> Report {
    let mut report = check(log);
    report.expect(expected, kunit);
    report
}

/// Reads a whole console log.
pub fn check(log: &str) -> Report {
    let mut report = Report::default();
    let mut kernel = Stream::new("kernel");
    let mut user = Stream::new("selftest");
    let mut oom = OomReports::default();
    // The problem a "page allocation failure" line made, until the next line says whose it is.
    let mut failure_problem: Option<usize> = None;
    for raw in log.lines() {
        let raw = raw.trim_end_matches('\r');
        let verdict = oom.line(raw);
        if verdict.acquits_failure {
            if let Some(i) = failure_problem.take() {
                report.problems.remove(i);
            }
        }
        let oom_stack = verdict.explains_stack && raw.contains("Call Trace:");
        // The harness's own lines quote the command, which may mention anything.
        let harness = raw.starts_with("usac-mm: ") || raw.starts_with("usac-vm: ") || oom_stack;
        if raw.starts_with(KMEMLEAK_REPORT) {
            report.kmemleak_report = true;
        }
        if raw.contains('\x1b') && !report.problems.iter().any(|p| p.starts_with("terminal")) {
            report.problems.push(format!(
                "terminal control sequence in the console log (scripts/run-vm.sh strips them): {:?}",
                raw.trim()
            ));
        }
        if let Some(pattern) = SPLAT_PATTERNS
            .iter()
            .find(|p| !harness && raw.contains(**p))
        {
            if *pattern == "page allocation failure" {
                failure_problem = Some(report.problems.len());
            }
            report
                .problems
                .push(format!("kernel splat ({pattern}): {}", raw.trim()));
        }
        let (is_kernel, text) = split_kernel_prefix(raw);
        if is_kernel {
            kernel.line(text, &mut report);
        } else if let Some(status) = text.trim().strip_prefix(EXIT_SENTINEL) {
            report.exit_status = status.trim().parse().ok();
        } else {
            user.line(text, &mut report);
        }
    }
    kernel.finish(&mut report);
    user.finish(&mut report);
    match report.exit_status {
        None => report.problems.push(
            "the VM did not finish its command (timeout, panic or crash before the exit line)"
                .to_string(),
        ),
        Some(0) => {}
        Some(s) => report
            .problems
            .push(format!("the command in the VM exited with status {s}")),
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUNIT_OK: &str = "\
[    0.500000] KTAP version 1
[    0.500001] 1..1
[    0.500002]     KTAP version 1
[    0.500003]     # Subtest: rust_doctests_kernel
[    0.500004]     1..2
[    0.500005]     ok 1 rust_doctest_kernel_a
[    0.500006]     ok 2 rust_doctest_kernel_b
[    0.500007] # rust_doctests_kernel: pass:2 fail:0 skip:0 total:2
[    0.500008] ok 1 rust_doctests_kernel
";

    fn with_exit(s: &str, status: i32) -> String {
        format!("{s}{EXIT_SENTINEL}{status}\n")
    }

    #[test]
    fn kunit_leaves_are_counted_not_suites() {
        let r = check(&with_exit(KUNIT_OK, 0));
        assert_eq!(r.passed, 2);
        assert!(r.is_success(), "{r:?}");
        assert_eq!(r.closing_line(), "2 passed, 0 failed, 0 skipped");
    }

    #[test]
    fn failing_leaf_is_counted_once() {
        let log = KUNIT_OK
            .replace(
                "    ok 2 rust_doctest_kernel_b",
                "    not ok 2 rust_doctest_kernel_b",
            )
            .replace(
                "] ok 1 rust_doctests_kernel",
                "] not ok 1 rust_doctests_kernel",
            );
        let r = check(&with_exit(&log, 0));
        assert_eq!(r.passed, 1);
        assert_eq!(
            r.failed,
            vec!["rust_doctests_kernel: rust_doctest_kernel_b".to_string()]
        );
        assert_eq!(r.closing_line(), "1 passed, 1 failed, 0 skipped");
    }

    #[test]
    fn failing_suite_without_failing_child_is_a_failure() {
        let log = KUNIT_OK.replace(
            "] ok 1 rust_doctests_kernel",
            "] not ok 1 rust_doctests_kernel",
        );
        let r = check(&with_exit(&log, 0));
        assert_eq!(r.failed, vec!["rust_doctests_kernel (suite)".to_string()]);
    }

    #[test]
    fn selftest_ktap_with_skip_and_interleaved_kernel_lines() {
        let log = "KTAP version 1\n# boot\n1..3\nok 1 a\n[    1.0] random: crng init done\n\
                   ok 2 b # SKIP no swap\nnot ok 3 c\n";
        let r = check(&with_exit(log, 1));
        assert_eq!(
            (r.passed, r.skipped.clone()),
            (1, vec!["boot: b".to_string()])
        );
        assert_eq!(r.failed, vec!["boot: c".to_string()]);
        assert!(r
            .problems
            .iter()
            .any(|p| p.contains("exited with status 1")));
    }

    #[test]
    fn broken_plan_is_a_problem() {
        let r = check(&with_exit("KTAP version 1\n1..3\nok 1 a\n", 0));
        assert_eq!(r.passed, 1);
        assert!(r.problems.iter().any(|p| p.contains("planned 3")), "{r:?}");
        assert!(!r.is_success());
    }

    #[test]
    fn consecutive_documents_each_check_their_plan() {
        let log = "KTAP version 1\n1..1\nok 1 a\nKTAP version 1\n1..2\nok 1 b\nok 2 c\n";
        let r = check(&with_exit(log, 0));
        assert_eq!(r.passed, 3);
        assert!(r.is_success(), "{r:?}");
    }

    #[test]
    fn missing_exit_line_means_the_vm_died() {
        let r = check(KUNIT_OK);
        assert!(r.problems.iter().any(|p| p.contains("did not finish")));
    }

    /// A console line of each kind of splat, as the kernel prints it.
    const SPLAT_LINES: &[&str] = &[
        "[    2.0] BUG: kernel NULL pointer dereference, address: 0000000000000008",
        "[    2.0] BUG: sleeping function called from invalid context at mm/x.c:1",
        "[    2.0] WARNING: CPU: 0 PID: 1 at mm/memory.c:1 foo+0x1/0x2",
        "[    2.0] Oops: general protection fault, probably for non-canonical address",
        "[    2.0] Kernel panic - not syncing: Fatal exception",
        "[    2.0] general protection fault, probably for non-canonical address 0xdead: 0000",
        "[    2.0] BUG: KASAN: slab-out-of-bounds in foo+0x1/0x2",
        "[    2.0] UBSAN: array-index-out-of-bounds in mm/tamalloc.c:42:7",
        "[    2.0] WARNING: possible circular locking dependency detected",
        "[    2.0] WARNING: possible recursive locking detected",
        "[    2.0] WARNING: inconsistent lock state",
        "[    2.0] WARNING: suspicious RCU usage",
        "[    2.0] DEBUG_LOCKS_WARN_ON(1)",
        "[    2.0] turning off the locking correctness validator.",
        "unreferenced object 0xffff888003a1c000 (size 64):",
        "[   30.0] rcu: INFO: rcu_preempt self-detected stall on CPU",
        "[   30.0] rcu_preempt self-detected stall on CPU",
        "[    2.0] rust_kernel: panicked at kernel/usac/stats.rs:10:5:",
        "[    2.0] Call Trace:",
        "[    2.0] memstat: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL)",
    ];

    #[test]
    fn every_pattern_is_a_splat_on_a_kernel_line() {
        for line in SPLAT_LINES {
            let r = check(&with_exit(&format!("{KUNIT_OK}{line}\n"), 0));
            assert!(!r.is_success(), "{line}");
            assert!(r.problems[0].starts_with("kernel splat ("), "{line}: {r:?}");
        }
        for pattern in SPLAT_PATTERNS {
            assert!(
                SPLAT_LINES.iter().any(|l| l.contains(pattern)),
                "no sample line for {pattern:?}"
            );
        }
    }

    #[test]
    fn splats_fail_the_run() {
        for splat in [
            "[    2.0] WARNING: CPU: 0 PID: 1 at mm/memory.c:1 foo+0x1/0x2",
            "[    2.0] BUG: sleeping function called from invalid context at mm/x.c:1",
            "[    2.0] Kernel panic - not syncing: Fatal exception",
            "[    2.0] Oops: general protection fault, probably for non-canonical address",
            "[    2.0] BUG: KASAN: slab-out-of-bounds in foo",
            "[    2.0] WARNING: possible circular locking dependency detected",
        ] {
            let r = check(&with_exit(&format!("{KUNIT_OK}{splat}\n"), 0));
            assert!(!r.is_success(), "{splat}");
            assert!(r.problems[0].contains("kernel splat"), "{splat}");
        }
    }

    #[test]
    fn an_oom_report_stack_is_not_a_splat_but_a_bug_after_it_is() {
        let oom = "[ 5.0] hog invoked oom-killer: gfp_mask=0x140dca, order=0, oom_score_adj=1000\n\
                   [ 5.0] Call Trace:\n[ 5.0]  dump_stack+0x1/0x2\n\
                   [ 5.1] Out of memory: Killed process 99 (hog) total-vm:3000000kB\n";
        assert!(check(&with_exit(&format!("{KUNIT_OK}{oom}"), 0)).is_success());
        let later = format!("{KUNIT_OK}{oom}[ 6.0] Call Trace:\n");
        assert!(!check(&with_exit(&later, 0)).is_success());
    }

    #[test]
    fn the_oom_victims_last_allocation_failure_is_not_a_splat() {
        let oom = "[ 5.0] hog invoked oom-killer: gfp_mask=0x140cca, order=0, oom_score_adj=1000\n\
                   [ 5.0] Call Trace:\n[ 5.0]  dump_stack+0x1/0x2\n\
                   [ 5.1] Out of memory: Killed process 99 (hog) total-vm:3000000kB\n\
                   [ 5.2] hog: page allocation failure: order:0, mode:0x140cca\n\
                   [ 5.2] CPU: 0 UID: 0 PID: 99 Comm: hog Tainted: G N\n\
                   [ 5.2] Call Trace:\n[ 5.2]  warn_alloc+0x1/0x2\n[ 5.2] Mem-Info:\n";
        assert!(check(&with_exit(&format!("{KUNIT_OK}{oom}"), 0)).is_success());
        let other = oom.replace("PID: 99", "PID: 98");
        let r = check(&with_exit(&format!("{KUNIT_OK}{other}"), 0));
        assert!(
            r.problems[0].contains("(page allocation failure): [ 5.2] hog"),
            "{r:?}"
        );
        assert!(r.problems[1].contains("(Call Trace:)"), "{r:?}");
        // A line of the selftests' own output between the two changes nothing.
        let interleaved = oom.replace("[ 5.2] CPU:", "# a selftest line\n[ 5.2] CPU:");
        assert!(check(&with_exit(&format!("{KUNIT_OK}{interleaved}"), 0)).is_success());
    }

    #[test]
    fn a_memory_cgroup_oom_report_ends_at_its_killed_process_line() {
        let oom = "[ 5.0] hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0\n\
                   [ 5.0] Call Trace:\n[ 5.0]  dump_stack+0x1/0x2\n\
                   [ 5.1] Memory cgroup out of memory: Killed process 99 (hog) total-vm:9000kB\n";
        assert!(check(&with_exit(&format!("{KUNIT_OK}{oom}"), 0)).is_success());
        let later = format!("{KUNIT_OK}{oom}[ 6.0] Call Trace:\n");
        assert!(!check(&with_exit(&later, 0)).is_success());
    }

    #[test]
    fn a_terminal_control_sequence_in_the_log_is_a_problem() {
        let log = format!("\x1bc\x1b[?7l\x1b[2JSeaBIOS\n{KUNIT_OK}");
        let r = check(&with_exit(&log, 0));
        assert_eq!(r.problems.len(), 1, "{r:?}");
        assert!(r.problems[0].starts_with("terminal control sequence"));
    }

    #[test]
    fn harness_lines_quoting_a_pattern_are_not_splats() {
        let log = format!("usac-vm: running: echo WARNING: x\n{KUNIT_OK}");
        assert!(check(&with_exit(&log, 0)).is_success());
    }

    /// A selftest document as `ktap::writer` prints it.
    fn selftest_doc(name: &str, results: &[&str]) -> String {
        let mut doc = format!("KTAP version 1\n# {name}\n1..{}\n", results.len());
        let (mut pass, mut fail, mut skip) = (0, 0, 0);
        for (i, r) in results.iter().enumerate() {
            match *r {
                "ok" => pass += 1,
                "skip" => skip += 1,
                _ => fail += 1,
            }
            let line = match *r {
                "ok" => format!("ok {} t{i}", i + 1),
                "skip" => format!("ok {} t{i} # SKIP no reason", i + 1),
                _ => format!("not ok {} t{i}", i + 1),
            };
            doc.push_str(&line);
            doc.push('\n');
        }
        doc.push_str(&format!("# Totals: pass:{pass} fail:{fail} skip:{skip}\n"));
        doc
    }

    /// A full passing `default` run: KUnit and every pinned selftest document.
    fn default_run() -> String {
        let mut log = KUNIT_OK.to_string();
        log.push_str("[    0.500009] # Totals: pass:2 fail:0 skip:0 total:2\n");
        for name in crate::expected::by_name("default").unwrap().selftests {
            log.push_str(&selftest_doc(name, &["ok", "ok"]));
        }
        with_exit(&log, 0)
    }

    /// The results of `default_run()`: two per pinned selftest document and two of KUnit.
    fn default_results() -> usize {
        2 * (crate::expected::by_name("default").unwrap().selftests.len() + 1)
    }

    fn expecting(log: &str, kind: &str) -> Report {
        check_expecting(
            log,
            crate::expected::by_name(kind).unwrap(),
            crate::expected::kunit_suites("6.12").unwrap(),
        )
    }

    #[test]
    fn a_kmemleak_kernel_must_print_its_report() {
        let run = default_run();
        let r = expecting(&run, "debug");
        assert_eq!(
            r.problems,
            ["no kmemleak report (a kmemleak kernel scans after the command)"]
        );
        let reported = run.replace(
            EXIT_SENTINEL,
            &format!("{KMEMLEAK_REPORT} (empty: no leak)\n{EXIT_SENTINEL}"),
        );
        assert!(expecting(&reported, "debug").is_success());
    }

    #[test]
    fn a_lost_or_unpinned_test_fails_the_run() {
        let log = format!(
            "{KUNIT_OK}{}",
            selftest_doc("usac fuzz", &["ok", "skip", "fail"])
        );
        let r = check(&with_exit(&log, 0));
        assert_eq!(r.results.get("usac fuzz"), Some(&3));
        for (pinned, problems) in [
            (3, vec![]),
            (
                4,
                vec!["suite 'usac fuzz' has 3 results, scripts/results.tsv pins 4"],
            ),
            (
                2,
                vec!["suite 'usac fuzz' has 3 results, scripts/results.tsv pins 2"],
            ),
        ] {
            let mut r = r.clone();
            r.problems.clear();
            r.expect_counts(&[("usac fuzz", pinned)]);
            assert_eq!(r.problems, problems);
        }
        let mut r = r.clone();
        r.problems.clear();
        r.expect_counts(&[("usac boot", 4)]);
        assert_eq!(
            r.problems,
            ["suite 'usac boot' has 0 results, scripts/results.tsv pins 4"]
        );
    }

    #[test]
    fn a_full_run_meets_its_expectation() {
        let r = expecting(&default_run(), "default");
        assert!(r.is_success(), "{r:?}");
        assert_eq!(r.suites.len(), default_results() / 2);
        let n = default_results();
        assert_eq!(r.closing_line(), format!("{n} passed, 0 failed, 0 skipped"));
    }

    #[test]
    fn a_missing_suite_fails_the_run() {
        let log = default_run().replace(&selftest_doc("usac fuzz", &["ok", "ok"]), "");
        let r = expecting(&log, "default");
        assert_eq!(
            r.problems,
            vec!["suite 'usac fuzz' did not report".to_string()]
        );
        let n = default_results() - 2;
        assert_eq!(r.closing_line(), format!("{n} passed, 1 failed, 0 skipped"));
    }

    #[test]
    fn a_suite_reported_twice_or_not_pinned_fails_the_run() {
        let twice = default_run().replace(
            "usac-vm-exit",
            &format!("{}usac-vm-exit", selftest_doc("usac fuzz", &["ok"])),
        );
        let r = expecting(&twice, "default");
        assert_eq!(
            r.problems,
            vec!["suite 'usac fuzz' reported 2 times".to_string()]
        );
        let extra = default_run().replace(
            "usac-vm-exit",
            &format!("{}usac-vm-exit", selftest_doc("usac new", &["ok"])),
        );
        assert!(expecting(&extra, "default").problems[0].contains("'usac new' is not in"));
        // A custom command may print any KTAP.
        assert!(expecting(&extra, "custom").is_success());
    }

    /// KUnit on 7.3: three suites in one document; `# Totals:` follows the last suite and counts
    /// only its tests.
    const KUNIT_7_3: &str = "\
[    0.500000] KTAP version 1
[    0.500001] 1..3
[    0.500002]     KTAP version 1
[    0.500003]     # Subtest: rust_kernel_fmt
[    0.500004]     1..1
[    0.500005]     ok 1 test_ptr_formatting
[    0.500006] ok 1 rust_kernel_fmt
[    0.500007]     KTAP version 1
[    0.500008]     # Subtest: rust_spinlock_irq_condvar
[    0.500009]     1..1
[    0.500010]     ok 1 spinlock_irq_condvar
[    0.500011] ok 2 rust_spinlock_irq_condvar
[    0.500012]     KTAP version 1
[    0.500013]     # Subtest: rust_doctests_kernel
[    0.500014]     1..2
[    0.500015]     ok 1 rust_doctest_kernel_a
[    0.500016]     ok 2 rust_doctest_kernel_b
[    0.500017] # rust_doctests_kernel: pass:2 fail:0 skip:0 total:2
[    0.500018] # Totals: pass:2 fail:0 skip:0 total:2
[    0.500019] ok 3 rust_doctests_kernel
";

    fn selftests_after(kunit: &str) -> String {
        let mut log = kunit.to_string();
        for name in crate::expected::by_name("default").unwrap().selftests {
            log.push_str(&selftest_doc(name, &["ok", "ok"]));
        }
        with_exit(&log, 0)
    }

    #[test]
    fn each_kernel_is_held_to_its_own_kunit_suites() {
        let default = crate::expected::by_name("default").unwrap();
        let on = |linux| crate::expected::kunit_suites(linux).unwrap();
        let log = selftests_after(KUNIT_7_3);
        let r = check_expecting(&log, default, on("7.3"));
        assert!(r.is_success(), "{r:?}");
        assert_eq!(r.passed, 4 + 2 * default.selftests.len());
        // The same log judged as a 6.12 run: two suites that 6.12 does not have.
        let r = check_expecting(&log, default, on("6.12"));
        assert!(!r.is_success());
        assert!(r
            .problems
            .iter()
            .any(|p| p.contains("'rust_kernel_fmt' is not in the 'default' list")));
        // A 6.12 log judged as a 7.3 run: two suites did not report.
        let mut kunit_6_12 = KUNIT_OK.to_string();
        kunit_6_12.push_str("[    0.500009] # Totals: pass:2 fail:0 skip:0 total:2\n");
        let r = check_expecting(&selftests_after(&kunit_6_12), default, on("7.3"));
        assert!(r
            .problems
            .contains(&"suite 'rust_spinlock_irq_condvar' did not report".to_string()));
    }

    #[test]
    fn a_kunit_suite_totals_line_must_match_that_suite() {
        let log = KUNIT_7_3.replace("# Totals: pass:2 ", "# Totals: pass:4 ");
        let r = check(&with_exit(&log, 0));
        assert!(
            r.problems.iter().any(|p| p.contains("'# Totals: pass:4")),
            "{r:?}"
        );
    }

    #[test]
    fn a_missing_kunit_summary_fails_the_run() {
        let log = default_run().replace(
            "[    0.500009] # Totals: pass:2 fail:0 skip:0 total:2\n",
            "",
        );
        assert!(expecting(&log, "default").problems[0].contains("no KUnit summary"));
        let no_kunit = with_exit(&selftest_doc("x", &["ok"]), 0);
        let r = expecting(&no_kunit, "custom");
        assert!(
            r.problems.iter().any(|p| p.contains("no KUnit summary")),
            "{r:?}"
        );
        assert!(r
            .problems
            .iter()
            .any(|p| p.contains("'rust_doctests_kernel' did not report")));
    }

    #[test]
    fn skips_are_counted_and_an_unexpected_skip_fails() {
        let log = default_run().replace(
            &selftest_doc("usac boot", &["ok", "ok"]),
            &selftest_doc("usac boot", &["ok", "skip"]),
        );
        let r = expecting(&log, "default");
        assert_eq!(r.skipped, vec!["usac boot: t1".to_string()]);
        assert_eq!(
            r.problems,
            vec!["unexpected skip in profile 'default': usac boot: t1".to_string()]
        );
        let n = default_results() - 1;
        assert_eq!(r.closing_line(), format!("{n} passed, 1 failed, 1 skipped"));
    }

    #[test]
    fn totals_that_disagree_with_the_results_fail() {
        let log = with_exit(
            "KTAP version 1\n# s\n1..1\nok 1 a\n# Totals: pass:2 fail:0 skip:0\n",
            0,
        );
        let r = check(&log);
        assert!(r.problems[0].contains("'# Totals: pass:2"), "{r:?}");
    }

    #[test]
    fn results_without_a_plan_fail() {
        let r = check(&with_exit("KTAP version 1\n# s\nok 1 a\n", 0));
        assert!(r.problems[0].contains("without a plan"), "{r:?}");
    }

    #[test]
    fn result_line_forms() {
        assert_eq!(
            parse_result("ok 12 - name # SKIP why"),
            Some(ResultLine {
                ok: true,
                skip: true,
                name: "name"
            })
        );
        assert_eq!(
            parse_result("not ok 1 x"),
            Some(ResultLine {
                ok: false,
                skip: false,
                name: "x"
            })
        );
        assert_eq!(parse_result("ok go"), None);
        assert_eq!(parse_result("okay 1 x"), None);
        assert_eq!(parse_plan("1..114"), Some(114));
        assert_eq!(split_kernel_prefix("[   12.5] hi"), (true, "hi"));
        assert_eq!(split_kernel_prefix("[x] hi"), (false, "[x] hi"));
    }
}
