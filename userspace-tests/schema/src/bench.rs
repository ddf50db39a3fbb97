//! `usac-bench`: one `BENCH-JSON {...}` line per benchmark.

use crate::{Schema, Versioned};
use serde::{Deserialize, Serialize};

/// The tag of a benchmark line in a console log.
pub const TAG: &str = "BENCH-JSON ";

/// The rows `usac-bench all` prints (full or `--quick`), by name prefix, with how many of each.
pub const ROWS: &[(&str, usize)] = &[
    ("call latency", 3),
    ("first write per page", 1),
    ("read fault per page", 1),
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
