//! Reading a `make report` console log: the run's header, and the `DEMO-JSON` and `BENCH-JSON`
//! documents (parsed with the writers' own types, schema checked); and the command line
//! ([`cli::command`]).

pub mod cli;

use usac_schema::bench::{self, BenchRow};
use usac_schema::demo::{self, DemoLine};

/// What a report run printed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Run {
    /// `Linux 6.12.117 (default), accel tcg, 2026-11-25 15:00:00 UTC`
    pub header: String,
    pub demo: Vec<DemoLine>,
    pub bench: Vec<BenchRow>,
}

/// Collects the tagged lines of a console log. A tagged line that is not a document of its
/// schema is an error naming its line number: a report must not quietly leave results out.
pub fn read_log(log: &str) -> Result<Run, String> {
    let mut run = Run::default();
    for (i, line) in log.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let bad = |e: serde_json::Error| format!("line {}: {e}: {line}", i + 1);
        if let Some(h) = line.strip_prefix("usac-mm: Linux ") {
            run.header = format!("Linux {h}");
        } else if let Some(doc) = line.strip_prefix(demo::TAG) {
            run.demo.push(serde_json::from_str(doc).map_err(bad)?);
        } else if let Some(doc) = line.strip_prefix(bench::TAG) {
            run.bench.push(serde_json::from_str(doc).map_err(bad)?);
        }
    }
    Ok(run)
}

/// The pages written so far in a demo step like "write 15 more page(s) (16 written)".
pub fn written_in(step: &str) -> Option<f64> {
    step.rsplit('(')
        .next()?
        .strip_suffix(" written)")?
        .parse()
        .ok()
}

/// The process count in a benchmark name like "all-process stats, 1000 processes (...)".
pub fn processes_in(name: &str) -> Option<u64> {
    let before = name.split(" processes").next()?;
    before.rsplit(' ').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use usac_schema::demo::DemoRecord;

    #[test]
    fn log_lines() {
        let log = "junk\r\nusac-mm: Linux 6.12.117 (default), accel tcg, 2026-11-25 UTC\n\
                   [ 1.0] BENCH-JSON {\"name\":\"kernel line\"}\n\
                   DEMO-JSON {\"schema\":\"usac-demo/1\",\"kind\":\"step\",\"step\":\"start\",\
                   \"vm_size_kb\":1,\"vm_rss_kb\":1,\"committed_kb\":1,\"tamalloc_kb\":0,\
                   \"tamalloc_rss_kb\":0,\"zeroed_pages\":0}\r\n\
                   BENCH-JSON {\"schema\":\"usac-bench/1\",\"name\":\"all-process stats, 1000 \
                   processes (x)\",\"candidate_ns\":5.0,\"baseline_ns\":100.0,\"ratio\":0.05,\
                   \"ratio_min\":0.04,\"ratio_max\":0.06,\"candidate_min_ns\":4.0,\
                   \"candidate_max_ns\":6.0,\"baseline_min_ns\":90.0,\"baseline_max_ns\":110.0,\
                   \"items\":1000}\n";
        let run = read_log(log).unwrap();
        assert_eq!(
            run.header,
            "Linux 6.12.117 (default), accel tcg, 2026-11-25 UTC"
        );
        assert!(
            matches!(&run.demo[..], [d] if matches!(&d.record, DemoRecord::Step(s) if s.step == "start"))
        );
        assert_eq!(run.bench.len(), 1);
        assert_eq!(processes_in(&run.bench[0].name), Some(1000));
        assert_eq!(processes_in("call latency 4KiB"), None);
        assert_eq!(written_in("write 15 more page(s) (16 written)"), Some(16.0));
        assert_eq!(written_in("zamora_tamalloc(256 MiB)"), None);
    }

    #[test]
    fn other_schemas_are_errors() {
        let old = "BENCH-JSON {\"name\":\"x\",\"candidate_ns\":1.0}\n";
        let e = read_log(old).unwrap_err();
        assert!(e.starts_with("line 1: missing field `schema`"), "{e}");
        let newer = "DEMO-JSON {\"schema\":\"usac-demo/2\",\"kind\":\"step\"}";
        assert!(read_log(newer)
            .unwrap_err()
            .contains("expected \"usac-demo/1\""));
    }
}
