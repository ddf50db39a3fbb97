//! Reading a `make report` console log: the run's header, and the `DEMO-JSON` and `BENCH-JSON`
//! documents (parsed with the writers' own types, schema checked); and the command line
//! ([`cli::command`]).

pub mod cli;

use usac_schema::bench::{self, BenchRow, CountRow};
use usac_schema::demo::{self, DemoLine};

/// What a report run printed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Run {
    /// `Linux 6.12.117 (default), accel tcg, 2 vCPUs, 2026-11-25 15:00:00 UTC`
    pub header: String,
    pub demo: Vec<DemoLine>,
    pub bench: Vec<BenchRow>,
    /// The kernel's work per snapshot (`usac-bench counts`, on the Debian system).
    pub counts: Vec<CountRow>,
    /// The headers of other boots whose benchmark rows joined this run's.
    pub other_boots: Vec<String>,
}

/// The benchmark rows a report needs: every row of `usac-bench all` (the latency rows of each
/// boot); a log that lacks one (a VM that died, a benchmark left out) gives no report.
const NEEDED_ROWS: &[(&str, usize)] = bench::ROWS;

impl Run {
    /// Whether each benchmark row that names its vCPUs ran on as many as the boot was given (its
    /// header): a kernel built for fewer CPUs than QEMU offers quietly ignores the rest.
    pub fn check_vcpus(&self) -> Result<(), String> {
        let booted = vcpus_in(&self.header)
            .ok_or_else(|| format!("no vCPU count in the header '{}'", self.header))?;
        match self
            .bench
            .iter()
            .find(|r| vcpus_in(&r.name).is_some_and(|n| n != booted))
        {
            Some(r) => Err(format!(
                "the boot had {booted} vCPUs, the benchmark saw other: '{}'",
                r.name
            )),
            None => Ok(()),
        }
    }

    /// Whether the run has everything a report shows: its header, the demo's steps and eager
    /// baseline, and every benchmark (the latency rows of each boot); on the Debian system
    /// (`system`) also the tools and the kernel-work rows. Names what is missing.
    pub fn check_complete(&self, system: bool) -> Result<(), String> {
        let mut missing = Vec::new();
        if self.header.is_empty() {
            missing.push("the usac-mm header line".to_string());
        }
        let steps = self
            .demo
            .iter()
            .filter(|d| matches!(d.record, demo::DemoRecord::Step(_)))
            .count();
        if steps == 0 {
            missing.push("tamalloc-demo's steps".to_string());
        }
        if !self
            .demo
            .iter()
            .any(|d| matches!(d.record, demo::DemoRecord::EagerBaseline { .. }))
        {
            missing.push("tamalloc-demo's eager baseline".to_string());
        }
        let boots = 1 + self.other_boots.len();
        for &(prefix, per_boot) in NEEDED_ROWS {
            let want = if prefix == "longest wake-up delay" {
                per_boot * boots
            } else {
                per_boot
            };
            let got = self
                .bench
                .iter()
                .filter(|r| r.name.starts_with(prefix))
                .count();
            if got < want {
                missing.push(format!("{want} \"{prefix}\" benchmark rows (found {got})"));
            }
        }
        if system {
            let count = |names: &mut dyn Iterator<Item = &String>, prefix: &str| {
                names.filter(|n| n.starts_with(prefix)).count()
            };
            for &(prefix, want) in bench::TOOL_ROWS {
                let got = count(&mut self.bench.iter().map(|r| &r.name), prefix);
                if got < want {
                    missing.push(format!("{want} \"{prefix}\" tool rows (found {got})"));
                }
            }
            for &(prefix, want) in bench::COUNT_ROWS {
                let got = count(&mut self.counts.iter().map(|r| &r.name), prefix);
                if got < want {
                    missing.push(format!(
                        "{want} \"{prefix}\" kernel-work rows (found {got})"
                    ));
                }
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "incomplete run, no report: missing {}",
                missing.join(", ")
            ))
        }
    }

    /// Takes another boot's benchmark rows (e.g. with another number of vCPUs) into this run.
    pub fn absorb(&mut self, other: Run) {
        self.other_boots.push(other.header);
        self.bench.extend(other.bench);
        self.counts.extend(other.counts);
    }
}

/// Collects the tagged lines of a console log. A tagged line that is not a document of its
/// schema is an error naming its line number: a report must not quietly leave results out.
pub fn read_log(log: &str) -> Result<Run, String> {
    let mut run = Run::default();
    for (i, line) in log.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let bad = |e: serde_json::Error| format!("line {}: {e}: {line}", i + 1);
        // The busybox VM's header, or the Debian system's ("usac-mm: Debian bookworm system,
        // Linux ...").
        if let Some(h) = line
            .strip_prefix("usac-mm: ")
            .filter(|h| h.starts_with("Linux ") || h.starts_with("Debian "))
        {
            run.header = h.to_string();
        } else if let Some(doc) = line.strip_prefix(demo::TAG) {
            run.demo.push(serde_json::from_str(doc).map_err(bad)?);
        } else if let Some(doc) = line.strip_prefix(bench::TAG) {
            run.bench.push(serde_json::from_str(doc).map_err(bad)?);
        } else if let Some(doc) = line.strip_prefix(bench::COUNT_TAG) {
            run.counts.push(serde_json::from_str(doc).map_err(bad)?);
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

/// The vCPU count in a benchmark name like "longest wake-up delay, 1000 processes, 2 vCPUs (...)".
pub fn vcpus_in(name: &str) -> Option<u64> {
    number_before(name, " vCPUs")
}

/// The number written just before `unit` in `name` ("..., 8 vCPUs" with " vCPUs": 8).
fn number_before(name: &str, unit: &str) -> Option<u64> {
    let (before, _) = name.split_once(unit)?;
    before.rsplit(' ').next()?.parse().ok()
}

/// The process count in a benchmark name like "all-process stats, 1000 processes (...)".
pub fn processes_in(name: &str) -> Option<u64> {
    number_before(name, " processes")
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
        assert_eq!(
            vcpus_in("longest wake-up delay, 10 processes, 8 vCPUs (x)"),
            Some(8)
        );
        assert_eq!(vcpus_in(&run.bench[0].name), None);
        let mut other = run.clone();
        other.header = "Linux 7.3 (default), 8 vCPUs".into();
        let mut both = run.clone();
        both.absorb(other);
        assert_eq!(both.bench.len(), 2);
        assert_eq!(both.other_boots, ["Linux 7.3 (default), 8 vCPUs"]);
        assert_eq!(written_in("write 15 more page(s) (16 written)"), Some(16.0));
        assert_eq!(written_in("zamora_tamalloc(256 MiB)"), None);
    }

    #[test]
    fn rows_must_run_on_the_vcpus_of_their_boot() {
        let row = |cpus: u32| {
            format!(
                "BENCH-JSON {{\"schema\":\"usac-bench/1\",\"name\":\"longest wake-up delay, 10 \
                 processes, {cpus} vCPUs (x)\",\"candidate_ns\":5.0,\"baseline_ns\":100.0,\
                 \"ratio\":0.05,\"ratio_min\":0.04,\"ratio_max\":0.06,\"candidate_min_ns\":4.0,\
                 \"candidate_max_ns\":6.0,\"baseline_min_ns\":90.0,\"baseline_max_ns\":110.0,\
                 \"items\":1}}\n"
            )
        };
        let header = "usac-mm: Linux 6.12 (default), accel tcg, 8 vCPUs, now\n";
        let good = read_log(&format!("{header}{}", row(8))).unwrap();
        assert_eq!(good.check_vcpus(), Ok(()));
        let bad = read_log(&format!("{header}{}", row(2))).unwrap();
        assert!(bad
            .check_vcpus()
            .unwrap_err()
            .starts_with("the boot had 8 vCPUs"));
        let old = read_log("usac-mm: Linux 6.12 (default), accel tcg, now\n").unwrap();
        assert!(old.check_vcpus().is_err());
    }

    #[test]
    fn an_empty_or_partial_log_is_not_a_report() {
        let e = read_log("").unwrap().check_complete(false).unwrap_err();
        assert!(e.contains("the usac-mm header line"), "{e}");
        assert!(e.contains("tamalloc-demo's steps"), "{e}");
        assert!(
            e.contains("3 \"call latency\" benchmark rows (found 0)"),
            "{e}"
        );
        let row = |name: &str| {
            format!(
                "BENCH-JSON {{\"schema\":\"usac-bench/1\",\"name\":\"{name}\",\
                 \"candidate_ns\":5.0,\"baseline_ns\":100.0,\"ratio\":0.05,\"ratio_min\":0.04,\
                 \"ratio_max\":0.06,\"candidate_min_ns\":4.0,\"candidate_max_ns\":6.0,\
                 \"baseline_min_ns\":90.0,\"baseline_max_ns\":110.0,\"items\":1}}\n"
            )
        };
        let mut log = "usac-mm: Linux 7.3.4 (default), accel tcg, 2 vCPUs, now\n\
                       DEMO-JSON {\"schema\":\"usac-demo/1\",\"kind\":\"step\",\"step\":\"start\",\
                       \"vm_size_kb\":1,\"vm_rss_kb\":1,\"committed_kb\":1,\"tamalloc_kb\":0,\
                       \"tamalloc_rss_kb\":0,\"zeroed_pages\":0}\n\
                       DEMO-JSON {\"schema\":\"usac-demo/1\",\"kind\":\"eager_baseline\",\
                       \"eager_baseline_rss_kb\":1,\"size_kb\":1}\n"
            .to_string();
        for (prefix, n) in NEEDED_ROWS {
            for i in 0..*n {
                log += &row(&format!("{prefix} {i}"));
            }
        }
        let complete = read_log(&log).unwrap();
        assert_eq!(complete.check_complete(false), Ok(()));
        // A VM that died in the middle of the latency benchmark.
        let cut = log.rfind("BENCH-JSON").unwrap();
        let e = read_log(&log[..cut])
            .unwrap()
            .check_complete(false)
            .unwrap_err();
        assert_eq!(
            e,
            "incomplete run, no report: missing 4 \"longest wake-up delay\" benchmark rows (found 3)"
        );
        // The Debian system's report also needs the tools and the kernel-work rows.
        let e = complete.check_complete(true).unwrap_err();
        assert_eq!(
            e,
            "incomplete run, no report: missing 9 \"memstat vs\" tool rows (found 0), 2 \
             \"listing\" kernel-work rows (found 0), 2 \"global\" kernel-work rows (found 0)"
        );
        let mut system_log = log.clone();
        for i in 0..9 {
            system_log += &row(&format!("memstat vs ps, {i} processes"));
        }
        for (prefix, n) in bench::COUNT_ROWS {
            for i in 0..*n {
                system_log += &format!(
                    "COUNT-JSON {{\"schema\":\"usac-bench-counts/1\",\"name\":\"{prefix}, {i} \
                     processes\",\"candidate\":{{\"syscalls\":1,\"slab_allocs\":2,\
                     \"page_allocs\":3}},\"baseline\":{{\"syscalls\":4,\"slab_allocs\":5,\
                     \"page_allocs\":6}},\"items\":{i}}}\n"
                );
            }
        }
        let system = read_log(&system_log.replace(
            "usac-mm: Linux 7.3.4",
            "usac-mm: Debian bookworm system, Linux 7.3.4",
        ))
        .unwrap();
        assert_eq!(
            system.header,
            "Debian bookworm system, Linux 7.3.4 (default), accel tcg, 2 vCPUs, now"
        );
        assert_eq!(system.counts.len(), 4);
        assert_eq!(system.counts[3].baseline.page_allocs, 6);
        assert_eq!(system.check_complete(true), Ok(()));
        // Another boot that brought no latency rows.
        let mut both = complete.clone();
        both.absorb(read_log("usac-mm: Linux 7.3.4 (default), accel tcg, 8 vCPUs\n").unwrap());
        assert!(both
            .check_complete(false)
            .unwrap_err()
            .contains("(found 4)"));
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
