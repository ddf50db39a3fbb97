//! The command lines of the tools, reachable from the library so that their manual pages can be
//! generated from them (`usac-mangen`).

use clap::{CommandFactory, Parser};

/// `memstat`'s arguments.
#[derive(Parser, Debug)]
#[command(
    name = "memstat",
    version,
    about = "Reserved (VmSize) and committed (VmRSS) memory, OOM scores and tamalloc counters, \
             from the usac-mm syscalls",
    after_help = "Columns: PID, COMM, RESERVED (total_vm), COMMITTED (RSS), % (committed/reserved), \
OOM (oom_score), OOM_ADJ (oom_score_adj), TAMALLOC (live zamora_tamalloc memory), ZEROED (pages \
zero-filled on first write). Kernel threads are shown [in brackets].

Examples:
  memstat                         every process, by pid
  memstat --sort committed --top 5
                                  the five biggest users of RAM
  memstat --pid 1                 one process (a thread id gives its process)
  memstat --global                system totals, like free
  memstat --json | jq '.[0]'      machine-readable (field names are the ABI's)
  memstat --watch 2 --top 10      refresh every 2 s until Ctrl-C

Exit status: 0 ok, 1 the syscall failed (e.g. no such process), 2 bad usage,
3 the running kernel has no zamora_* syscalls."
)]
pub struct MemstatArgs {
    /// Sort by COLUMN: pid, comm, reserved, committed, pct, oom, oom_adj, tamalloc, zeroed
    /// (numbers biggest first)
    #[arg(long, value_name = "COLUMN", default_value = "pid")]
    pub sort: String,
    /// Show only the first N rows (after sorting)
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Show only process N
    #[arg(long, value_name = "N", conflicts_with = "global")]
    pub pid: Option<i32>,
    /// Show the system totals instead of processes
    #[arg(long)]
    pub global: bool,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Refresh every SECONDS until interrupted
    #[arg(long, value_name = "SECONDS")]
    pub watch: Option<f64>,
}

/// `tamalloc-demo`'s arguments.
#[derive(Parser, Debug)]
#[command(
    name = "tamalloc-demo",
    version,
    about = "A narrated run of zamora_tamalloc"
)]
pub struct TamallocDemoArgs {
    /// MiB to reserve
    #[arg(long, default_value_t = 256)]
    pub size_mib: usize,
    /// Also print the measurements as `DEMO-JSON {...}` lines (for `make report`)
    #[arg(long)]
    pub json: bool,
}

/// `memstat`'s command line, e.g. for its manual page.
pub fn memstat_command() -> clap::Command {
    MemstatArgs::command()
}

/// `tamalloc-demo`'s command line, e.g. for its manual page.
pub fn tamalloc_demo_command() -> clap::Command {
    TamallocDemoArgs::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn commands_are_consistent() {
        super::memstat_command().debug_assert();
        super::tamalloc_demo_command().debug_assert();
    }
}
