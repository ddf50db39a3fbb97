//! `memstat`: reserved and committed memory of every process, like `ps`, or of the whole system,
//! like `free`, from the usac-mm statistics syscalls.

use clap::Parser;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use usac_tools::{json, table};

/// Exit codes a script can rely on.
const EXIT_ERROR: u8 = 1; // the syscall failed (e.g. no such process)
const EXIT_USAGE: u8 = 2; // bad arguments (clap uses 2 as well)
const EXIT_NO_USAC: u8 = 3; // the kernel has no zamora_* syscalls

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
struct Args {
    /// Sort by COLUMN: pid, comm, reserved, committed, pct, oom, oom_adj, tamalloc, zeroed
    /// (numbers biggest first)
    #[arg(long, value_name = "COLUMN", default_value = "pid")]
    sort: String,
    /// Show only the first N rows (after sorting)
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// Show only process N
    #[arg(long, value_name = "N", conflicts_with = "global")]
    pid: Option<i32>,
    /// Show the system totals instead of processes
    #[arg(long)]
    global: bool,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
    /// Refresh every SECONDS until interrupted
    #[arg(long, value_name = "SECONDS")]
    watch: Option<f64>,
}

fn render(args: &Args, sort_by: table::Column) -> Result<String, usac::Error> {
    if args.global {
        let g = usac::mem_stats_global()?;
        return Ok(if args.json {
            json::global(&g)
        } else {
            table::render_global(&g)
        });
    }
    let mut list = match args.pid {
        Some(pid) => vec![usac::mem_stats_process(pid)?],
        None => usac::mem_stats_all()?,
    };
    table::sort(&mut list, sort_by);
    list.truncate(args.top.unwrap_or(usize::MAX));
    Ok(if args.json {
        json::processes(&list)
    } else {
        table::render(&list)
    })
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::Relaxed);
}

fn fail(e: usac::Error, args: &Args) -> ExitCode {
    if e.errno() == libc::ENOSYS {
        eprintln!("memstat: {e}");
        return ExitCode::from(EXIT_NO_USAC);
    }
    match (e.errno(), args.pid) {
        (libc::ESRCH, Some(pid)) => eprintln!("memstat: no process {pid}"),
        (libc::EINVAL, Some(pid)) => eprintln!("memstat: invalid pid {pid}"),
        _ => eprintln!("memstat: {e}"),
    }
    ExitCode::from(EXIT_ERROR)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let sort_by = match table::Column::parse(&args.sort) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("memstat: --sort: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let Some(period) = args.watch else {
        return match render(&args, sort_by) {
            Ok(out) => {
                println!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, &args),
        };
    };
    if !(period > 0.0 && period.is_finite()) {
        eprintln!("memstat: --watch needs a positive number of seconds");
        return ExitCode::from(EXIT_USAGE);
    }
    // SAFETY: the handler only stores to an atomic.
    unsafe { libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t) };
    while !INTERRUPTED.load(Ordering::Relaxed) {
        match render(&args, sort_by) {
            // Clear the screen and home the cursor, then redraw.
            Ok(out) => println!("\x1b[H\x1b[2Jmemstat: every {period} s (Ctrl-C to stop)\n{out}"),
            Err(e) => return fail(e, &args),
        }
        let until = Instant::now() + Duration::from_secs_f64(period);
        while Instant::now() < until && !INTERRUPTED.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    ExitCode::SUCCESS
}
