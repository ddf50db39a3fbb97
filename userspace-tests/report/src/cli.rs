//! `usac-report`'s command line.

use clap::{CommandFactory, Parser};
use std::path::PathBuf;

/// `usac-report`'s arguments.
#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(
    name = "usac-report",
    version,
    about = "Writes OUT_DIR/REPORT.md and its PNG plots from the console log of a `make report` \
             run (tamalloc-demo --json and usac-bench output)",
    after_help = "Reads the DEMO-JSON (schema usac-demo/1) and BENCH-JSON (usac-bench/1) lines \
                  of the log; a line of another schema is an error.\n\nExit status: 0 ok, 1 the \
                  log could not be read or the report written, 2 bad usage."
)]
pub struct ReportArgs {
    /// The console log of the VM run
    pub console_log: PathBuf,
    /// Where REPORT.md and the plots go (created if needed)
    pub out_dir: PathBuf,
    /// The console log of another boot (e.g. with another number of vCPUs), whose BENCH-JSON
    /// rows join the report
    #[arg(long = "also", value_name = "LOG")]
    pub more_logs: Vec<PathBuf>,
    /// The run is `make report SYSTEM=1`'s, on the Debian system: it must also hold the tools
    /// (memstat vs ps, top, smem) and the kernel-work rows (usac-bench tools, counts)
    #[arg(long)]
    pub system: bool,
}

/// `usac-report`'s command line, e.g. for clap_mangen.
pub fn command() -> clap::Command {
    ReportArgs::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_paths() {
        command().debug_assert();
        let a = ReportArgs::try_parse_from(["usac-report", "log", "out"]).unwrap();
        assert_eq!(a.out_dir, PathBuf::from("out"));
        assert!(a.more_logs.is_empty() && !a.system);
        let a = ReportArgs::try_parse_from(["usac-report", "--system", "log", "out"]).unwrap();
        assert!(a.system);
        let a = ReportArgs::try_parse_from([
            "usac-report",
            "log",
            "out",
            "--also",
            "l1",
            "--also",
            "l2",
        ])
        .unwrap();
        assert_eq!(a.more_logs, [PathBuf::from("l1"), PathBuf::from("l2")]);
        let e = ReportArgs::try_parse_from(["usac-report", "log"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
