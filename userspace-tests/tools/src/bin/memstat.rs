//! `memstat`: reserved and committed memory of every process, like `ps`, or of the whole system,
//! like `free`, from the usac-mm statistics syscalls.

use clap::Parser;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use usac_tools::cli::MemstatArgs as Args;
use usac_tools::{json, table};

/// Exit codes a script can rely on.
const EXIT_ERROR: u8 = 1; // the syscall failed (e.g. no such process)
const EXIT_USAGE: u8 = 2; // bad arguments (clap uses 2 as well)
const EXIT_NO_USAC: u8 = 3; // the kernel has no zamora_* syscalls

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
