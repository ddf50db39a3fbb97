//! The command lines of `memstat` and `tamalloc-demo` (clap), reachable from the library so that
//! a man-page generator can render them: [`memstat_command`], [`tamalloc_demo_command`].

use crate::format::Unit;
use crate::table::{Column, SortKey};
use clap::{ArgGroup, CommandFactory, Parser};

/// Exit status: the syscall failed (e.g. no such process), or a check of the demo failed.
pub const EXIT_ERROR: u8 = 1;
/// Exit status: bad usage (clap exits with 2 as well).
pub const EXIT_USAGE: u8 = 2;
/// Exit status: the running kernel has no zamora_* syscalls (ENOSYS).
pub const EXIT_NO_USAC: u8 = 3;

const MEMSTAT_AFTER_HELP: &str = "\
Columns (-o, --sort): pid, comm, reserved (total_vm, VmSize), committed (RSS, VmRSS), pct (%CMT:
committed/reserved), mem (%MEM: committed/MemTotal, per mille rounded down, as ps), oom
(oom_score), oom_adj (oom_score_adj), tamalloc (live zamora_tamalloc memory), zeroed (pages
zero-filled on first write). Kernel threads are shown [in brackets]. Sizes are human (KiB, MiB,
GiB) unless -b, -k, -m or -g asks for one unit (whole numbers, rounded down, as free).

Examples:
  memstat                          every process, by pid
  memstat --sort committed --top 5 the five biggest users of RAM
  memstat --sort +committed        smallest first (-COL: biggest first)
  memstat -p 1,42 -o pid,comm,mem  two processes, three columns (a thread id gives its process)
  memstat -C sh --no-headers -k    every sh, no header line, sizes in KiB
  memstat --global -m              system totals in MiB, like free -m
  memstat --json | jq '.processes[0]'
                                   machine-readable (field names are the ABI's)
  memstat --watch 2 --count 5      five refreshes, 2 s apart (without --count: until Ctrl-C)
  memstat --watch 1 --json         one JSON document per line (JSON Lines)

Exit status: 0 ok, 1 a syscall failed (e.g. no such process), 2 bad usage,
3 the running kernel has no zamora_* syscalls.";

/// `memstat`'s arguments.
#[derive(Parser, Debug, Clone, PartialEq)]
#[command(
    name = "memstat",
    version,
    about = "Reserved (VmSize) and committed (VmRSS) memory, OOM scores and tamalloc counters, \
             from the usac-mm syscalls",
    after_help = MEMSTAT_AFTER_HELP,
    group(ArgGroup::new("unit").args(["bytes", "kibi", "mebi", "gibi"])),
)]
pub struct MemstatArgs {
    /// Show only these processes (a thread id gives its process); with -C, those that match
    /// either
    #[arg(
        short = 'p',
        long = "pid",
        value_name = "PID[,PID...]",
        value_delimiter = ',',
        value_parser = clap::value_parser!(i32).range(1..),
        conflicts_with = "global"
    )]
    pub pids: Vec<i32>,
    /// Show only processes whose command name is COMM
    #[arg(
        short = 'C',
        long = "command",
        value_name = "COMM[,COMM...]",
        value_delimiter = ',',
        conflicts_with = "global"
    )]
    pub commands: Vec<String>,
    /// Show these columns, in this order
    #[arg(
        short = 'o',
        long = "output",
        value_name = "COL[,COL...]",
        value_delimiter = ',',
        conflicts_with_all = ["global", "json"]
    )]
    pub columns: Vec<Column>,
    /// Sort by COL: +COL smallest first, -COL biggest first, COL pid and comm ascending and
    /// numbers biggest first; ties by pid
    #[arg(
        long,
        value_name = "[+|-]COL",
        allow_hyphen_values = true,
        conflicts_with = "global"
    )]
    pub sort: Option<SortKey>,
    /// Show only the first N processes (after sorting)
    #[arg(long, value_name = "N", conflicts_with = "global")]
    pub top: Option<usize>,
    /// Show the system totals instead of processes, like free
    #[arg(long)]
    pub global: bool,
    /// Print JSON (one document per line) instead of a table
    #[arg(long, conflicts_with_all = ["no_headers", "unit"])]
    pub json: bool,
    /// Print no header line
    #[arg(long)]
    pub no_headers: bool,
    /// Sizes in bytes
    #[arg(short = 'b', long)]
    pub bytes: bool,
    /// Sizes in KiB
    #[arg(short = 'k', long)]
    pub kibi: bool,
    /// Sizes in MiB
    #[arg(short = 'm', long)]
    pub mebi: bool,
    /// Sizes in GiB
    #[arg(short = 'g', long)]
    pub gibi: bool,
    /// Refresh every SECS seconds, until Ctrl-C or --count refreshes
    #[arg(long, value_name = "SECS", value_parser = positive_seconds)]
    pub watch: Option<f64>,
    /// With --watch: stop after N refreshes
    #[arg(short = 'c', long, value_name = "N", requires = "watch",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
}

impl MemstatArgs {
    /// The unit sizes are shown in.
    pub fn unit(&self) -> Unit {
        match (self.bytes, self.kibi, self.mebi, self.gibi) {
            (true, ..) => Unit::Bytes,
            (_, true, ..) => Unit::KiB,
            (_, _, true, _) => Unit::MiB,
            (.., true) => Unit::GiB,
            _ => Unit::Human,
        }
    }

    /// The columns shown.
    pub fn columns(&self) -> Vec<Column> {
        if self.columns.is_empty() {
            Column::ALL.to_vec()
        } else {
            self.columns.clone()
        }
    }

    /// The sort order.
    pub fn sort_key(&self) -> SortKey {
        self.sort.unwrap_or(SortKey::BY_PID)
    }
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs.is_finite() => Ok(secs),
        _ => Err(format!("'{s}' is not a positive number of seconds")),
    }
}

/// `tamalloc-demo`'s arguments.
#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(
    name = "tamalloc-demo",
    version,
    about = "A narrated run of zamora_tamalloc: reserve, read, write in steps, fork, unmap, with \
             /proc's and the syscalls' view after each step and a check of every change",
    after_help = "Exit status: 0 every check passed, 1 a check or a syscall failed, 2 bad usage, \
                  3 the running kernel has no zamora_* syscalls."
)]
pub struct DemoArgs {
    /// MiB to reserve (1 to 16384)
    #[arg(long, value_name = "MIB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=16384))]
    pub size_mib: u64,
    /// Also print the measurements as `DEMO-JSON {...}` lines (schema usac-demo/1, for
    /// `make report`)
    #[arg(long)]
    pub json: bool,
    /// Switch the usac_mem trace events on for the reservation and the writes, read them back
    /// from tracefs and check them: one usac_tamalloc event for the call, one
    /// usac_tamalloc_zero_fill event for each page written
    #[arg(long)]
    pub trace: bool,
}

/// `memstat`'s command line, e.g. for clap_mangen.
pub fn memstat_command() -> clap::Command {
    MemstatArgs::command()
}

/// `tamalloc-demo`'s command line, e.g. for clap_mangen.
pub fn tamalloc_demo_command() -> clap::Command {
    DemoArgs::command()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn memstat(args: &[&str]) -> Result<MemstatArgs, ErrorKind> {
        MemstatArgs::try_parse_from(["memstat"].iter().chain(args)).map_err(|e| e.kind())
    }

    #[test]
    fn commands_are_valid() {
        memstat_command().debug_assert();
        tamalloc_demo_command().debug_assert();
    }

    #[test]
    fn memstat_options() {
        let a = memstat(&[
            "-p",
            "1,42",
            "-C",
            "sh",
            "-o",
            "pid,%MEM",
            "--sort",
            "-committed",
            "-k",
        ])
        .unwrap();
        assert_eq!(a.pids, [1, 42]);
        assert_eq!(a.commands, ["sh"]);
        assert_eq!(a.columns(), [Column::Pid, Column::Mem]);
        assert_eq!(a.sort_key().to_string_for_test(), "-committed");
        assert_eq!(a.unit(), Unit::KiB);
        assert_eq!(memstat(&[]).unwrap().columns(), Column::ALL);
        let w = memstat(&["--watch", "0.5", "--count", "3", "--json"]).unwrap();
        assert_eq!((w.watch, w.count), (Some(0.5), Some(3)));
    }

    #[test]
    fn memstat_usage_errors() {
        for bad in [
            &["--global", "--sort", "pid"][..],
            &["--global", "-o", "pid"],
            &["--global", "-p", "1"],
            &["--count", "3"],
            &["--json", "-o", "pid"],
            &["--json", "-m"],
            &["-k", "-m"],
            &["--sort", "nonsense"],
            &["-o", "pid,size"],
            &["-p", "0"],
            &["-p", "abc"],
            &["--watch", "0"],
            &["--watch", "-1"],
            &["--watch", "1", "--count", "0"],
        ] {
            assert!(memstat(bad).is_err(), "{bad:?} was accepted");
        }
        let e = MemstatArgs::try_parse_from(["memstat", "--global", "--sort", "pid"]).unwrap_err();
        assert_eq!(e.exit_code(), i32::from(EXIT_USAGE));
    }

    #[test]
    fn demo_size_range() {
        let demo = |args: &[&str]| DemoArgs::try_parse_from(["tamalloc-demo"].iter().chain(args));
        assert_eq!(demo(&[]).unwrap().size_mib, 256);
        assert_eq!(demo(&["--size-mib", "0"]).unwrap_err().exit_code(), 2);
        assert!(demo(&["--size-mib", "abc"]).is_err());
    }

    impl SortKey {
        fn to_string_for_test(self) -> String {
            let sign = match self.order {
                crate::table::Order::Ascending => "+",
                crate::table::Order::Descending => "-",
                crate::table::Order::Natural => "",
            };
            format!("{sign}{}", self.column.name())
        }
    }
}
