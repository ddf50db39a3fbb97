//! JSON output with stable field names (the ABI's), no dependencies.

use usac::{GlobalStats, ProcStats};

/// `s` as a JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One process as a JSON object.
pub fn process(e: &ProcStats) -> String {
    format!(
        "{{\"pid\":{},\"comm\":{},\"kthread\":{},\"reserved_kb\":{},\"committed_kb\":{},\
         \"committed_pct_x100\":{},\"oom_score\":{},\"oom_score_adj\":{},\"tamalloc_kb\":{},\
         \"lazy_zeroed_pages\":{}}}",
        e.pid,
        string(&e.comm()),
        e.is_kthread(),
        e.reserved_kb,
        e.committed_kb,
        e.committed_pct_x100,
        e.oom_score,
        e.oom_score_adj,
        e.tamalloc_kb,
        e.lazy_zeroed_pages
    )
}

/// Processes as a JSON array, one object per line.
pub fn processes(list: &[ProcStats]) -> String {
    let items: Vec<String> = list.iter().map(process).collect();
    format!("[\n{}\n]", items.join(",\n"))
}

/// The system totals as a JSON object.
pub fn global(g: &GlobalStats) -> String {
    format!(
        "{{\"reserved_kb\":{},\"committed_kb\":{},\"reserved_mb\":{},\"committed_mb\":{},\
         \"nr_processes\":{},\"tamalloc_kb\":{},\"lazy_zeroed_pages\":{},\"totalram_kb\":{}}}",
        g.reserved_kb,
        g.committed_kb,
        g.reserved_mb,
        g.committed_mb,
        g.nr_processes,
        g.tamalloc_kb,
        g.lazy_zeroed_pages,
        g.totalram_kb
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(string("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
    }

    #[test]
    fn process_object_has_the_stable_fields() {
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
            process(&e),
            "{\"pid\":42,\"comm\":\"sh\",\"kthread\":false,\"reserved_kb\":1024,\
             \"committed_kb\":512,\"committed_pct_x100\":5000,\"oom_score\":3,\
             \"oom_score_adj\":-17,\"tamalloc_kb\":0,\"lazy_zeroed_pages\":0}"
        );
        assert_eq!(processes(&[]), "[\n\n]");
    }

    #[test]
    fn global_object() {
        let g = GlobalStats {
            reserved_kb: 2048,
            reserved_mb: 2,
            nr_processes: 7,
            ..Default::default()
        };
        assert!(
            global(&g).starts_with("{\"reserved_kb\":2048,\"committed_kb\":0,\"reserved_mb\":2,")
        );
        assert!(global(&g).contains("\"nr_processes\":7"));
    }
}
