//! Writing KTAP (Documentation/dev-tools/ktap.rst) from a selftest binary.

use std::fmt::Display;
use std::process::ExitCode;

/// Why a test did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotPassed {
    /// The test ran and found something wrong.
    Fail(String),
    /// The test could not run here; reported as `ok ... # SKIP reason`.
    Skip(String),
}

/// What a test function returns: `Ok(())` for a pass.
pub type TestResult = Result<(), NotPassed>;

/// A named test of a suite.
pub type Test<'a> = (&'a str, fn() -> TestResult);

/// Returns a failure with `msg`; `?`-friendly with anything displayable, like `io::Error`.
pub fn fail(msg: impl Display) -> NotPassed {
    NotPassed::Fail(msg.to_string())
}

/// Returns a skip with `reason`.
pub fn skip(reason: impl Display) -> NotPassed {
    NotPassed::Skip(reason.to_string())
}

/// Fails the current test with a formatted message unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err($crate::writer::fail(format!($($msg)+)));
        }
    };
}

/// Fails the current test unless both sides are equal, showing both.
#[macro_export]
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($msg:tt)+) => {{
        let (l, r) = (&$left, &$right);
        if l != r {
            return Err($crate::writer::fail(format!(
                "{}: {:?} != {:?}", format!($($msg)+), l, r
            )));
        }
    }};
}

/// One KTAP document: a plan, then one result line per test.
pub struct Suite {
    planned: usize,
    ran: usize,
    failed: usize,
    skipped: usize,
}

impl Suite {
    /// Prints the header and the plan of a suite of `planned` tests.
    pub fn start(name: &str, planned: usize) -> Self {
        println!("KTAP version 1");
        println!("# {name}");
        println!("1..{planned}");
        Suite {
            planned,
            ran: 0,
            failed: 0,
            skipped: 0,
        }
    }

    /// Prints the result line of the next test.
    pub fn report(&mut self, name: &str, result: TestResult) {
        self.ran += 1;
        let n = self.ran;
        match result {
            Ok(()) => println!("ok {n} {name}"),
            Err(NotPassed::Skip(why)) => {
                self.skipped += 1;
                println!("ok {n} {name} # SKIP {why}");
            }
            Err(NotPassed::Fail(why)) => {
                self.failed += 1;
                for line in why.lines() {
                    println!("# {name}: {line}");
                }
                println!("not ok {n} {name}");
            }
        }
    }

    /// Runs `test` and reports it.
    pub fn run(&mut self, name: &str, test: impl FnOnce() -> TestResult) {
        self.report(name, test());
    }

    /// Prints the totals; the exit code is failure if a test failed or the plan was not kept.
    pub fn finish(self) -> ExitCode {
        let passed = self.ran - self.failed - self.skipped;
        println!(
            "# Totals: pass:{passed} fail:{} skip:{}",
            self.failed, self.skipped
        );
        if self.ran != self.planned {
            println!("# planned {} tests but ran {}", self.planned, self.ran);
            return ExitCode::FAILURE;
        }
        if self.failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// Runs a whole suite of named test functions and returns the process exit code.
pub fn run_suite(name: &str, tests: &[Test]) -> ExitCode {
    let mut suite = Suite::start(name, tests.len());
    for (test_name, test) in tests {
        suite.run(test_name, test);
    }
    suite.finish()
}
