//! The ABI structures as the documents of `usac_schema::memstat`.

use usac::{GlobalStats, ProcStats};
use usac_schema::memstat::{Global, Process, Processes};
use usac_schema::Schema;

/// One process.
pub fn process(e: &ProcStats) -> Process {
    Process {
        pid: e.pid,
        comm: e.comm(),
        kthread: e.is_kthread(),
        reserved_kb: e.reserved_kb,
        committed_kb: e.committed_kb,
        committed_pct_x100: e.committed_pct_x100,
        oom_score: e.oom_score,
        oom_score_adj: e.oom_score_adj,
        tamalloc_kb: e.tamalloc_kb,
        lazy_zeroed_pages: e.lazy_zeroed_pages,
    }
}

/// The `memstat --json` document of `list`, with `nr_hidden` processes the caller may not see.
pub fn processes(list: &[ProcStats], nr_hidden: u64) -> Processes {
    Processes {
        schema: Schema::new(),
        processes: list.iter().map(process).collect(),
        nr_hidden,
    }
}

/// The `memstat --global --json` document.
pub fn global(g: &GlobalStats) -> Global {
    Global {
        schema: Schema::new(),
        reserved_kb: g.reserved_kb,
        committed_kb: g.committed_kb,
        reserved_mb: g.reserved_mb,
        committed_mb: g.committed_mb,
        nr_processes: g.nr_processes,
        tamalloc_kb: g.tamalloc_kb,
        lazy_zeroed_pages: g.lazy_zeroed_pages,
        totalram_kb: g.totalram_kb,
        nr_hidden: g.nr_hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_document_has_the_abi_fields_in_order() {
        let mut e = ProcStats {
            pid: 42,
            reserved_kb: 1024,
            committed_kb: 512,
            committed_pct_x100: 5000,
            oom_score: 3,
            oom_score_adj: -17,
            ..Default::default()
        };
        for (d, c) in e.comm.iter_mut().zip(b"sh\0") {
            *d = *c as _;
        }
        assert_eq!(
            serde_json::to_string(&processes(&[e], 9)).unwrap(),
            "{\"schema\":\"usac-memstat/2\",\"processes\":[{\"pid\":42,\"comm\":\"sh\",\
             \"kthread\":false,\"reserved_kb\":1024,\"committed_kb\":512,\
             \"committed_pct_x100\":5000,\"oom_score\":3,\"oom_score_adj\":-17,\
             \"tamalloc_kb\":0,\"lazy_zeroed_pages\":0}],\"nr_hidden\":9}"
        );
        let g = GlobalStats {
            reserved_kb: 2048,
            nr_processes: 7,
            ..Default::default()
        };
        let text = serde_json::to_string(&global(&g)).unwrap();
        assert!(
            text.starts_with("{\"schema\":\"usac-memstat-global/2\",\"reserved_kb\":2048,"),
            "{text}"
        );
    }
}
