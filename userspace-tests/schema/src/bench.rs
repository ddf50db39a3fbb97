//! `usac-bench`: one `BENCH-JSON {...}` line per benchmark.

use crate::{Schema, Versioned};
use serde::{Deserialize, Serialize};

/// The tag of a benchmark line in a console log.
pub const TAG: &str = "BENCH-JSON ";

/// The rows `usac-bench all` prints (full or `--quick`), by name prefix, with how many of each.
pub const ROWS: &[(&str, usize)] = &[
    ("call latency", 3),
    ("first write per page", 2),
    ("read fault per page", 2),
    ("one process's stats", 1),
    ("all-process stats", 4),
    ("global stats", 4),
    ("longest wake-up delay", 4),
];

/// One benchmark: candidate vs baseline, in ns per operation, medians of alternating rounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchRow {
    pub schema: Schema<BenchRow>,
    pub name: String,
    pub candidate_ns: f64,
    pub baseline_ns: f64,
    /// candidate / baseline, of the medians.
    pub ratio: f64,
    /// The smallest and largest per-round ratio.
    pub ratio_min: f64,
    pub ratio_max: f64,
    /// The smallest and largest sample of each side.
    pub candidate_min_ns: f64,
    pub candidate_max_ns: f64,
    pub baseline_min_ns: f64,
    pub baseline_max_ns: f64,
    /// How many items (processes) one operation covers; 1 when it is not a listing.
    pub items: u64,
}

impl Versioned for BenchRow {
    const SCHEMA: &'static str = "usac-bench/1";
}

/// How many of `names` start with each prefix of `table` (e.g. `ROWS`), in its order: a run
/// printed every row when this equals `table`.
pub fn count_by_prefix<'a, 'n>(
    names: impl Iterator<Item = &'n str> + Clone,
    table: &[(&'a str, usize)],
) -> Vec<(&'a str, usize)> {
    table
        .iter()
        .map(|&(p, _)| (p, names.clone().filter(|n| n.starts_with(p)).count()))
        .collect()
}

/// The tag of a kernel-work line (`usac-bench counts`) in a console log.
pub const COUNT_TAG: &str = "COUNT-JSON ";

/// The rows `usac-bench tools` prints (full or `--quick`) on the Debian system: three tools at
/// three process counts.
pub const TOOL_ROWS: &[(&str, usize)] = &[("memstat vs", 9)];

/// The rows `usac-bench counts` prints: the listing and the global reading at two process counts.
pub const COUNT_ROWS: &[(&str, usize)] = &[("listing", 2), ("global", 2)];

/// What one operation made the kernel do, on the thread that ran it: counted by tracepoints, so
/// it does not depend on how fast the machine (or its emulator) runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// System calls entered.
    pub syscalls: u64,
    /// `kmalloc()` calls and slab-cache allocations (a `struct file`, a dentry, a buffer...).
    pub slab_allocs: u64,
    /// Pages taken from the page allocator.
    pub page_allocs: u64,
}

impl Counts {
    /// The smaller of `self` and `other`, field by field.
    pub fn min(self, other: Self) -> Self {
        Counts {
            syscalls: self.syscalls.min(other.syscalls),
            slab_allocs: self.slab_allocs.min(other.slab_allocs),
            page_allocs: self.page_allocs.min(other.page_allocs),
        }
    }
}

/// One snapshot of every process, by the syscall (candidate) and by /proc (baseline): the
/// kernel's work for each, medians of the rounds, field by field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountRow {
    pub schema: Schema<CountRow>,
    pub name: String,
    pub candidate: Counts,
    pub baseline: Counts,
    /// How many processes the snapshot covered.
    pub items: u64,
}

impl Versioned for CountRow {
    const SCHEMA: &'static str = "usac-bench-counts/1";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_counted_by_prefix() {
        let names = ["global, 1", "listing, 1", "global, 2", "other"];
        let got = count_by_prefix(names.iter().copied(), COUNT_ROWS);
        assert_eq!(got, [("listing", 1), ("global", 2)]);
    }

    #[test]
    fn row_round_trips() {
        let row = BenchRow {
            name: "call latency 4KiB (tamalloc vs mmap)".into(),
            candidate_ns: 4030.5,
            baseline_ns: 3790.0,
            ratio: 4030.5 / 3790.0,
            items: 1,
            ..Default::default()
        };
        let text = serde_json::to_string(&row).unwrap();
        assert!(
            text.starts_with(r#"{"schema":"usac-bench/1","name":"call"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<BenchRow>(&text).unwrap(), row);
        let counts = CountRow {
            name: "listing, 10000 processes".into(),
            candidate: Counts {
                syscalls: 2,
                slab_allocs: 3,
                page_allocs: 40,
            },
            baseline: Counts {
                syscalls: 90_005,
                slab_allocs: 60_000,
                page_allocs: 7,
            },
            items: 10_000,
            ..Default::default()
        };
        let text = serde_json::to_string(&counts).unwrap();
        assert!(
            text.starts_with(r#"{"schema":"usac-bench-counts/1","name":"listing"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<CountRow>(&text).unwrap(), counts);
    }
}
