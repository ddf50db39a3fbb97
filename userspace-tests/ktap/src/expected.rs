//! What must report in each kind of run: the one place that pins the suites, so that a selftest
//! that crashes before its plan, a runner that forgets a binary, or a kernel whose KUnit did not
//! run fails the run instead of passing with fewer results.
//!
//! The kernels, the architectures and the build profiles are the harness's tables
//! (`scripts/kernels.tsv`, `scripts/arches.tsv`, `scripts/profiles.tsv`), compiled in here so that
//! the scripts and this checker cannot disagree.

use std::sync::LazyLock;

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
    /// Whether the kernel is built from Debian's configuration, which runs KUnit suites of its
    /// own besides ours.
    pub debian_base: bool,
    /// Whether the kernel has kmemleak (the debug fragment), so `/init` must print its report.
    pub kmemleak: bool,
    /// Whether the allocator zeroes pages by default (init_on_alloc=1), so that `make test` boots
    /// this profile a second time with init_on_alloc=0 (the `shim-clears` run).
    pub allocator_zeroes: bool,
}

const KERNELS_TSV: &str = include_str!("../../../scripts/kernels.tsv");
const ARCHES_TSV: &str = include_str!("../../../scripts/arches.tsv");
const RESULTS_TSV: &str = include_str!("../../../scripts/results.tsv");
const PROFILES_TSV: &str = include_str!("../../../scripts/profiles.tsv");

/// The rows of a tab-separated table, without its `#` comments and blank lines.
fn rows(table: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
}

/// A kernel's KUnit suites (`CONFIG_RUST_KERNEL_DOCTESTS` and the kernel crate's own tests):
/// those it runs at boot with our config, and those Debian's configuration adds. Every one must
/// report, and no other.
struct KernelSuites {
    linux: &'static str,
    ours: Vec<&'static str>,
    debian: Vec<&'static str>,
}

static KERNELS: LazyLock<Vec<KernelSuites>> = LazyLock::new(|| {
    let list = |field: &'static str| match field {
        "-" => Vec::new(),
        _ => field.split(',').collect(),
    };
    rows(KERNELS_TSV)
        .map(|row| KernelSuites {
            linux: row[0],
            ours: list(row[4]),
            debian: list(row[5]),
        })
        .collect()
});

/// The `LINUX` values of the kernels the harness knows.
pub fn kernels() -> impl Iterator<Item = &'static str> {
    KERNELS.iter().map(|k| k.linux)
}

/// The KUnit suites of kernel `linux` (`6.12`, `7.3`) with our config.
pub fn kunit_suites(linux: &str) -> Option<&'static [&'static str]> {
    KERNELS
        .iter()
        .find(|k| k.linux == linux)
        .map(|k| k.ours.as_slice())
}

/// The KUnit suites that must report in a run of kind `expected` on kernel `linux`.
pub fn kunit_suites_of(linux: &str, expected: &Expectation) -> Option<Vec<&'static str>> {
    let k = KERNELS.iter().find(|k| k.linux == linux)?;
    let debian: &[&str] = if expected.debian_base { &k.debian } else { &[] };
    Some([k.ours.as_slice(), debian].concat())
}

/// The selftests `usac-run-selftests` runs on a kernel with usac-mm.
const USAC_SELFTESTS: &[&str] = &[
    "usac accounting",
    "usac boot",
    "usac fuzz",
    "usac global",
    "usac kselftest",
    "usac man examples",
    "usac promises",
    "usac mem_stats",
    "usac stats scale",
    "usac tamalloc",
    "usac tools",
    "usac torture",
];

/// The selftests `usac-run-selftests --distro` runs on a distribution kernel: every one above,
/// then the distribution's memory management against tamalloc (swap, KSM, memcg, NUMA, HMM...).
static DISTRO_SELFTESTS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| [USAC_SELFTESTS, &["usac distro"]].concat());

/// The selftests whose results depend on who zeroes a tamalloc page: `make test` boots a kernel
/// that zeroes pages on allocation (init_on_alloc=1, as Debian, so the shim skips its own clear)
/// a second time with `init_on_alloc=0` and runs these (`usac-run-selftests fuzz promises
/// tamalloc`), so that the shim's clear is tested in the default run too.
const SHIM_CLEARS_SELFTESTS: &[&str] = &["usac fuzz", "usac promises", "usac tamalloc"];

/// The selftest of a kernel without usac-mm (`usac-selftest-nousac`).
const DISABLED_SELFTESTS: &[&str] = &["usac disabled"];

/// Every kind of run `make` does: one per build profile, and `custom`.
static EXPECTATIONS: LazyLock<Vec<Expectation>> = LazyLock::new(|| {
    let profiles = rows(PROFILES_TSV).map(|row| Expectation {
        name: row[0],
        selftests: match row[4] {
            "usac" => USAC_SELFTESTS,
            "distro" => &DISTRO_SELFTESTS,
            "disabled" => DISABLED_SELFTESTS,
            other => panic!("scripts/profiles.tsv: unknown selftest set '{other}'"),
        },
        only_these: true,
        skips: &[],
        debian_base: row[1] == "debian",
        kmemleak: row[2].split(',').any(|f| f == "usac_mem_debug.config"),
        allocator_zeroes: row[5] == "allocator",
    });
    // A user's own command (`make test CMD=...`) or the kernel's mm selftests (`make
    // mm-compare`): the kernel's KUnit must still report; whatever KTAP the command prints is
    // checked, but not pinned.
    let custom = Expectation {
        name: "custom",
        selftests: &[],
        only_these: false,
        skips: &[],
        debian_base: false,
        kmemleak: false,
        allocator_zeroes: false,
    };
    let shim_clears = Expectation {
        name: "shim-clears",
        selftests: SHIM_CLEARS_SELFTESTS,
        only_these: true,
        ..custom
    };
    // `make system-test`: the Debian system's suite, on the distribution kernel.
    let system = Expectation {
        name: "system",
        selftests: &["usac system"],
        only_these: true,
        debian_base: true,
        ..custom
    };
    profiles.chain([shim_clears, system, custom]).collect()
});

/// The `ARCH` values of the architectures the harness builds and boots, the default first.
pub fn arches() -> impl Iterator<Item = &'static str> {
    rows(ARCHES_TSV).map(|row| row[0])
}

/// The architecture `make test` runs on unless told otherwise (scripts/arches.tsv's first line),
/// and the one the README's table shows.
pub static DEFAULT_ARCH: LazyLock<&'static str> = LazyLock::new(|| {
    arches()
        .next()
        .expect("scripts/arches.tsv: an architecture")
});

/// The number of results each of the suites `must` pins (scripts/results.tsv) on kernel `linux`
/// for architecture `arch` built as `built`; an error naming a suite the table has no line for.
pub fn pinned_results(
    linux: &str,
    arch: &str,
    built: &Expectation,
    must: &[&'static str],
) -> Result<Vec<(&'static str, usize)>, String> {
    let base = if built.debian_base {
        "debian"
    } else {
        "tinyconfig"
    };
    must.iter()
        .map(|&suite| {
            rows(RESULTS_TSV)
                .find(|r| {
                    r[0] == suite
                        && (r[1] == "all" || r[1] == linux)
                        && (r[2] == "all" || r[2] == base)
                        && (r[3] == "all" || r[3] == arch)
                })
                .map(|r| (suite, r[4].parse().expect("scripts/results.tsv: a count")))
                .ok_or_else(|| {
                    format!(
                        "scripts/results.tsv has no count for suite '{suite}' on {linux} ({base}, {arch})"
                    )
                })
        })
        .collect()
}

/// The results `make test PROFILE=profile` reports on kernel `linux` (on x86), from the pinned counts:
/// KUnit and the profile's selftests, and the second boot's when there is one.
pub fn make_test_results(linux: &str, profile: &Expectation) -> Result<usize, String> {
    let boot = |kind: &Expectation| -> Result<usize, String> {
        let kunit = kunit_suites_of(linux, profile).ok_or(format!("no kernel {linux}"))?;
        let must: Vec<_> = kunit
            .into_iter()
            .chain(kind.selftests.iter().copied())
            .collect();
        Ok(pinned_results(linux, &DEFAULT_ARCH, profile, &must)?
            .iter()
            .map(|(_, n)| n)
            .sum())
    };
    let second = match profile.allocator_zeroes {
        true => boot(by_name("shim-clears").expect("a kind of run"))?,
        false => 0,
    };
    Ok(boot(profile)? + second)
}

/// The table of `make test`'s totals per kernel and profile that README.md shows (and a host
/// test holds it to): Markdown, one row per kernel.
pub fn results_table() -> String {
    let profiles: Vec<_> = rows(PROFILES_TSV).map(|r| r[0]).collect();
    let mut table = format!(
        "| kernel | {} |\n|---|{}\n",
        profiles
            .iter()
            .map(|p| format!("`PROFILE={p}`"))
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(profiles.len())
    );
    for linux in kernels() {
        let cells: Vec<String> = profiles
            .iter()
            .map(|&p| {
                let e = by_name(p).expect("a profile");
                let n = make_test_results(linux, e).expect("pinned");
                match e.allocator_zeroes {
                    true => format!("{n} (2 boots)"),
                    false => n.to_string(),
                }
            })
            .collect();
        table += &format!("| {linux} | {} |\n", cells.join(" | "));
    }
    table
}

/// Every kind of run, by name.
pub fn expectations() -> &'static [Expectation] {
    &EXPECTATIONS
}

/// The expectation called `name`.
pub fn by_name(name: &str) -> Option<&'static Expectation> {
    EXPECTATIONS.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_test_results_add_kunit_the_suites_and_a_second_boot() {
        let default = by_name("default").unwrap();
        let debug = by_name("debug").unwrap();
        let usac: usize = USAC_SELFTESTS
            .iter()
            .map(|s| pinned_results("6.12", &DEFAULT_ARCH, debug, &[s]).unwrap()[0].1)
            .sum();
        let clears: usize = SHIM_CLEARS_SELFTESTS
            .iter()
            .map(|s| pinned_results("6.12", &DEFAULT_ARCH, debug, &[s]).unwrap()[0].1)
            .sum();
        assert_eq!(make_test_results("6.12", debug), Ok(130 + usac));
        assert_eq!(
            make_test_results("6.12", default),
            Ok(130 + usac + 130 + clears)
        );
        assert!(default.allocator_zeroes && !debug.allocator_zeroes);
    }

    /// README.md shows `make test`'s totals: they must be the table's (regenerate the lines
    /// with `usac-console-check --results-table`).
    #[test]
    fn the_readme_shows_the_pinned_totals() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
                .unwrap();
        assert!(
            readme.contains(&results_table()),
            "README.md lacks the current results table:\n{}",
            results_table()
        );
    }

    #[test]
    fn the_tables_name_every_kernel_and_profile_the_harness_runs() {
        assert_eq!(kernels().collect::<Vec<_>>(), ["6.12", "7.3"]);
        assert_eq!(arches().collect::<Vec<_>>(), ["x86", "arm64"]);
        assert_eq!(*DEFAULT_ARCH, "x86");
        // A count pinned for an architecture the harness does not know would never be used.
        for row in rows(RESULTS_TSV) {
            assert!(row[3] == "all" || arches().any(|a| a == row[3]), "{row:?}");
        }
        assert_eq!(kunit_suites("6.12"), Some(&["rust_doctests_kernel"][..]));
        assert_eq!(kunit_suites("7.3").map(<[_]>::len), Some(3));
        assert_eq!(kunit_suites("6.6"), None);
        let distro = by_name("distro").unwrap();
        assert_eq!(
            kunit_suites_of("7.3", distro).unwrap(),
            [kunit_suites("7.3").unwrap(), &["rust_netlink"]].concat()
        );
        assert_eq!(
            kunit_suites_of("6.12", distro).unwrap(),
            kunit_suites("6.12").unwrap()
        );
        assert_eq!(
            kunit_suites_of("7.3", by_name("default").unwrap()).unwrap(),
            kunit_suites("7.3").unwrap()
        );
        let names: Vec<_> = expectations().iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            [
                "default",
                "debug",
                "nousac",
                "distro",
                "shim-clears",
                "system",
                "custom"
            ]
        );
        assert!(by_name("distro")
            .unwrap()
            .selftests
            .contains(&"usac distro"));
        assert_eq!(by_name("nousac").unwrap().selftests, DISABLED_SELFTESTS);
        assert_eq!(by_name("debug").unwrap().selftests, USAC_SELFTESTS);
        let kmemleak: Vec<_> = expectations()
            .iter()
            .filter(|e| e.kmemleak)
            .map(|e| e.name)
            .collect();
        assert_eq!(kmemleak, ["debug"]);
        // Every suite of every kind of run on every kernel has a pinned count.
        for linux in kernels() {
            for e in expectations() {
                let must: Vec<_> = kunit_suites_of(linux, e)
                    .unwrap()
                    .into_iter()
                    .chain(e.selftests.iter().copied())
                    .collect();
                for arch in arches() {
                    if e.debian_base && arch != *DEFAULT_ARCH {
                        continue; // Debian's configuration is amd64's only
                    }
                    let pinned = pinned_results(linux, arch, e, &must).unwrap();
                    assert_eq!(pinned.len(), must.len());
                }
            }
        }
        let default = by_name("default").unwrap();
        assert_eq!(
            pinned_results(
                "6.12",
                "x86",
                default,
                &["rust_doctests_kernel", "usac torture"]
            ),
            Ok(vec![("rust_doctests_kernel", 130), ("usac torture", 2)])
        );
        assert_eq!(
            pinned_results("7.3", "arm64", default, &["rust_doctests_kernel"]),
            Ok(vec![("rust_doctests_kernel", 364)])
        );
        assert!(pinned_results("6.12", "x86", default, &["usac new"])
            .unwrap_err()
            .contains("no count for suite 'usac new' on 6.12 (tinyconfig, x86)"));
        assert!(pinned_results(
            "7.3",
            "arm64",
            by_name("distro").unwrap(),
            &["rust_doctests_kernel"]
        )
        .is_err());
    }
}
