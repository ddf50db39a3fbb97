//! `tamalloc-demo --json`: one `DEMO-JSON {...}` line per step, and one for the eager baseline.

use crate::{Schema, Versioned};
use serde::{Deserialize, Serialize};

/// The tag of a demo line in a console log.
pub const TAG: &str = "DEMO-JSON ";

/// One `DEMO-JSON` line. (serde cannot deny unknown fields through `flatten`: a field of
/// another record kind is ignored, a missing one is an error.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoLine {
    pub schema: Schema<DemoLine>,
    #[serde(flatten)]
    pub record: DemoRecord,
}

impl Versioned for DemoLine {
    const SCHEMA: &'static str = "usac-demo/1";
}

/// What a demo line reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DemoRecord {
    /// What /proc and the syscalls say after a step.
    Step(Step),
    /// The RSS growth of `mmap` + `memset` of the same size (what tamalloc avoids).
    EagerBaseline {
        eager_baseline_rss_kb: u64,
        size_kb: u64,
    },
}

/// One step of the demo.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub step: String,
    pub vm_size_kb: u64,
    pub vm_rss_kb: u64,
    pub committed_kb: u64,
    pub tamalloc_kb: u64,
    /// Rss of the tamalloc mappings alone (smaps).
    pub tamalloc_rss_kb: u64,
    pub zeroed_pages: u64,
}

impl DemoLine {
    /// A line reporting `record`.
    pub fn new(record: DemoRecord) -> Self {
        DemoLine {
            schema: Schema::new(),
            record,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        for record in [
            DemoRecord::Step(Step {
                step: "write 15 more page(s) (16 written)".into(),
                zeroed_pages: 16,
                ..Default::default()
            }),
            DemoRecord::EagerBaseline {
                eager_baseline_rss_kb: 262144,
                size_kb: 262144,
            },
        ] {
            let line = DemoLine::new(record);
            let text = serde_json::to_string(&line).unwrap();
            assert!(
                text.starts_with(r#"{"schema":"usac-demo/1","kind":"#),
                "{text}"
            );
            assert_eq!(serde_json::from_str::<DemoLine>(&text).unwrap(), line);
        }
        assert!(serde_json::from_str::<DemoLine>(r#"{"kind":"step","step":"x"}"#).is_err());
    }
}
