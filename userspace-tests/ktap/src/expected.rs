//! What must report in each kind of run: the one place that pins the suites, so that a selftest
//! that crashes before its plan, a runner that forgets a binary, or a kernel whose KUnit did not
//! run fails the run instead of passing with fewer results.

/// The suites a run must report and the tests that may skip in it.
#[derive(Debug)]
pub struct Expectation {
    /// The profile (or kind of run) this applies to.
    pub name: &'static str,
    /// Selftest documents (their `# NAME` line) that must report, each exactly once.
    pub selftests: &'static [&'static str],
    /// Whether a suite missing from the lists above fails the run (a new suite must be added).
    pub only_these: bool,
    /// `suite: test` results that may be `# SKIP` in this run; any other skip fails it.
    pub skips: &'static [&'static str],
}

/// The KUnit suites each kernel runs at boot with our config (`CONFIG_RUST_KERNEL_DOCTESTS` and
/// the kernel crate's own tests), by `LINUX` value: every one must report, and no other.
pub const KERNELS: &[(&str, &[&str])] = &[
    ("6.12", &["rust_doctests_kernel"]),
    (
        "7.3",
        &[
            "rust_kernel_fmt",
            "rust_spinlock_irq_condvar",
            "rust_doctests_kernel",
        ],
    ),
];

/// The KUnit suites of kernel `linux` (`6.12`, `7.3`).
pub fn kunit_suites(linux: &str) -> Option<&'static [&'static str]> {
    KERNELS.iter().find(|(l, _)| *l == linux).map(|(_, k)| *k)
}

/// The selftests `usac-run-selftests` runs on a kernel with usac-mm.
const USAC_SELFTESTS: &[&str] = &[
    "usac accounting",
    "usac boot",
    "usac fuzz",
    "usac man examples",
    "usac promises",
    "usac mem_stats",
    "usac tamalloc",
    "usac tools",
    "usac torture",
];

/// Every kind of run `make` does, by name.
pub const EXPECTATIONS: &[Expectation] = &[
    Expectation {
        name: "default",
        selftests: USAC_SELFTESTS,
        only_these: true,
        skips: &[],
    },
    Expectation {
        name: "debug",
        selftests: USAC_SELFTESTS,
        only_these: true,
        skips: &[],
    },
    Expectation {
        name: "nousac",
        selftests: &["usac disabled"],
        only_these: true,
        skips: &[],
    },
    // A user's own command (`make test CMD=...`) or the kernel's mm selftests (`make
    // mm-compare`): the kernel's KUnit must still report; whatever KTAP the command prints is
    // checked, but not pinned.
    Expectation {
        name: "custom",
        selftests: &[],
        only_these: false,
        skips: &[],
    },
];

/// The expectation called `name`.
pub fn by_name(name: &str) -> Option<&'static Expectation> {
    EXPECTATIONS.iter().find(|e| e.name == name)
}
