//! `memstat --json`: the processes, or the system totals, with the ABI's field names.

use crate::{Schema, Versioned};
use serde::{Deserialize, Serialize};

/// One process (`struct zamora_proc_mem_stats`, with `comm` as text and the kthread flag).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Process {
    pub pid: i32,
    pub comm: String,
    pub kthread: bool,
    pub reserved_kb: u64,
    pub committed_kb: u64,
    pub committed_pct_x100: u32,
    pub oom_score: i32,
    pub oom_score_adj: i32,
    pub tamalloc_kb: u64,
    pub lazy_zeroed_pages: u64,
}

/// `memstat --json`: the processes shown, in the order shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Processes {
    pub schema: Schema<Processes>,
    pub processes: Vec<Process>,
    /// Processes of the caller's pid namespace that it may not see (`nr_hidden` of the global
    /// call made right after the listing), like `ps` under hidepid, which just shows fewer.
    pub nr_hidden: u64,
}

impl Versioned for Processes {
    const SCHEMA: &'static str = "usac-memstat/2";
}

/// `memstat --global --json`: `struct zamora_global_mem_stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Global {
    pub schema: Schema<Global>,
    pub reserved_kb: u64,
    pub committed_kb: u64,
    pub reserved_mb: u64,
    pub committed_mb: u64,
    pub nr_processes: u64,
    pub tamalloc_kb: u64,
    pub lazy_zeroed_pages: u64,
    pub totalram_kb: u64,
    /// Processes of the caller's pid namespace that it may not see, left out of the sums.
    pub nr_hidden: u64,
}

impl Versioned for Global {
    const SCHEMA: &'static str = "usac-memstat-global/2";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_first_and_checked() {
        let doc = Processes {
            processes: vec![Process {
                pid: 1,
                comm: "init".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let text = serde_json::to_string(&doc).unwrap();
        assert!(
            text.starts_with(r#"{"schema":"usac-memstat/2","processes":[{"pid":1,"comm":"init","#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Processes>(&text).unwrap(), doc);
        let other = text.replace("usac-memstat/2", "usac-memstat/9");
        let err = serde_json::from_str::<Processes>(&other).unwrap_err();
        assert!(
            err.to_string().contains("expected \"usac-memstat/2\""),
            "{err}"
        );
        assert!(serde_json::from_str::<Processes>(r#"{"processes":[]}"#).is_err());
        let global = serde_json::to_string(&Global::default()).unwrap();
        assert!(serde_json::from_str::<Processes>(&global).is_err());
        assert!(serde_json::from_str::<Global>(&global).is_ok());
    }
}
