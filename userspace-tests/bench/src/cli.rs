//! `usac-bench`'s command line.

use clap::{CommandFactory, Parser, ValueEnum};

/// Which benchmarks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// zamora_tamalloc vs mmap: call latency, first-write and read-fault cost per page
    Tamalloc,
    /// the statistics syscalls vs /proc scans, at 100 to 10 000 processes, and vs VMA count
    Stats,
    /// how long a listing of 1000 and 10 000 processes delays a real-time task on its CPU
    Latency,
    /// all three above
    All,
    /// memstat vs ps, top and smem, whole commands (on a system that has them: `make system`)
    Tools,
    /// the system calls and kernel allocations of one snapshot of 1000 and 10 000 processes,
    /// syscall vs /proc (needs a kernel with syscall tracepoints, as Debian's)
    Counts,
    /// lists every process in a loop for `--seconds`, with `--processes` processes: a workload
    /// to profile (`perf record -g -- usac-bench spin-listing`); prints calls per second
    SpinListing,
    /// the same with the global reading
    SpinGlobal,
}

/// `usac-bench`'s arguments.
#[derive(Parser, Debug, Clone, PartialEq, Eq)]
#[command(
    name = "usac-bench",
    version,
    about = "The usac-mm syscalls against their baselines, side by side in one boot, as medians \
             of alternating rounds after a discarded warm-up",
    after_help = "Prints a table, then each row as a `BENCH-JSON {...}` line (schema \
                  usac-bench/1) for usac-report.\n\nExit status: 0 ok, 2 bad usage, 3 the \
                  running kernel has no zamora_* syscalls."
)]
pub struct BenchArgs {
    /// What to measure
    #[arg(value_enum, default_value_t = Which::All)]
    pub which: Which,
    /// Alternating rounds per benchmark (after the warm-up)
    #[arg(long, value_name = "N", default_value_t = 9,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub rounds: u32,
    /// Every benchmark once, at small sizes: checks that they run (the test suite uses it); the
    /// figures mean nothing
    #[arg(long, conflicts_with = "rounds")]
    pub quick: bool,
    /// spin-*: processes to have (sleepers are added to reach it)
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub processes: u32,
    /// spin-*: how long to call in a loop
    #[arg(long, value_name = "S", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub seconds: u32,
}

/// `usac-bench`'s command line, e.g. for clap_mangen.
pub fn command() -> clap::Command {
    BenchArgs::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<BenchArgs, clap::Error> {
        BenchArgs::try_parse_from(["usac-bench"].iter().chain(args))
    }

    #[test]
    fn arguments() {
        command().debug_assert();
        let a = parse(&[]).unwrap();
        assert_eq!((a.which, a.rounds, a.quick), (Which::All, 9, false));
        assert!(parse(&["--quick", "stats"]).unwrap().quick);
        assert!(parse(&["--quick", "--rounds", "3"]).is_err());
        let a = parse(&["tamalloc", "--rounds", "41"]).unwrap();
        assert_eq!((a.which, a.rounds), (Which::Tamalloc, 41));
        assert_eq!(
            parse(&["--rounds", "3", "stats"]).unwrap().which,
            Which::Stats
        );
        let a = parse(&["spin-global", "--processes", "5000", "--seconds", "3"]).unwrap();
        assert_eq!(
            (a.which, a.processes, a.seconds),
            (Which::SpinGlobal, 5000, 3)
        );
        assert_eq!(parse(&["spin-listing"]).unwrap().processes, 1000);
        for bad in [
            &["--rounds", "abc"][..],
            &["--rounds", "0"],
            &["nonsense"],
            &["spin-global", "--processes", "0"],
            &["spin-global", "--seconds", "0"],
        ] {
            assert_eq!(parse(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
    }
}
