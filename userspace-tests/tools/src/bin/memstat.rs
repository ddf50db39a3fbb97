//! `memstat`: reserved and committed memory of processes, like `ps`, or of the whole system, like
//! `free`, from the usac-mm statistics syscalls. The options are in `usac_tools::cli`.

use clap::Parser;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use usac::ProcStats;
use usac_tools::cli::{MemstatArgs, EXIT_ERROR, EXIT_NO_USAC};
use usac_tools::json;
use usac_tools::output::{emit, stdout_is_terminal, Stop};
use usac_tools::table::{self, Column, Table};

/// Why a refresh could not be made.
enum Failure {
    /// A syscall failed; for a `-p` pid, with that pid.
    Syscall(usac::Error, Option<i32>),
    /// /proc/meminfo (MemTotal, for %MEM) could not be read.
    MemInfo(String),
}

impl From<usac::Error> for Failure {
    fn from(e: usac::Error) -> Self {
        Failure::Syscall(e, None)
    }
}

/// The processes `-p` and `-C` select (a process that both select is shown once), or every
/// process.
fn select(args: &MemstatArgs) -> Result<Vec<ProcStats>, Failure> {
    if args.pids.is_empty() && args.commands.is_empty() {
        return Ok(usac::mem_stats_all()?);
    }
    let mut list: Vec<ProcStats> = Vec::new();
    for &pid in &args.pids {
        let e = usac::mem_stats_process(pid).map_err(|e| Failure::Syscall(e, Some(pid)))?;
        if list.iter().all(|x| x.pid != e.pid) {
            list.push(e);
        }
    }
    if !args.commands.is_empty() {
        for e in usac::mem_stats_all()? {
            if args.commands.contains(&e.comm()) && list.iter().all(|x| x.pid != e.pid) {
                list.push(e);
            }
        }
    }
    Ok(list)
}

/// MemTotal in KiB, as ps reads it for %MEM.
fn mem_total_kb() -> Result<u64, Failure> {
    std::fs::read_to_string("/proc/meminfo")
        .map_err(|e| e.to_string())
        .and_then(|text| {
            usac::procfs::field_in(&text, "MemTotal").ok_or_else(|| "no MemTotal".to_string())
        })
        .map_err(|e| Failure::MemInfo(format!("/proc/meminfo: {e}")))
}

/// One refresh: a table, or one JSON document on one line.
fn render(args: &MemstatArgs) -> Result<String, Failure> {
    let unit = args.unit();
    if args.global {
        let g = usac::mem_stats_global()?;
        return Ok(if args.json {
            serde_json::to_string(&json::global(&g)).expect("serializable")
        } else {
            table::render_global(&g, unit, !args.no_headers)
        });
    }
    let mut list = select(args)?;
    table::sort(&mut list, args.sort_key());
    list.truncate(args.top.unwrap_or(usize::MAX));
    if args.json {
        let nr_hidden = usac::mem_stats_global()?.nr_hidden;
        let doc = json::processes(&list, nr_hidden);
        return Ok(serde_json::to_string(&doc).expect("serializable"));
    }
    let columns = args.columns();
    let mem_total_kb = if columns.contains(&Column::Mem) {
        mem_total_kb()?
    } else {
        0
    };
    let table = Table {
        columns,
        unit,
        headers: !args.no_headers,
        mem_total_kb,
    };
    Ok(table.render(&list))
}

fn fail(failure: Failure) -> ExitCode {
    match failure {
        Failure::Syscall(e, _) if e.is_no_syscalls() => {
            eprintln!("memstat: {e}");
            return ExitCode::from(EXIT_NO_USAC);
        }
        Failure::Syscall(e, Some(pid)) if e.is_no_such_process() => {
            eprintln!("memstat: no process {pid}")
        }
        Failure::Syscall(e, _) => eprintln!("memstat: {e}"),
        Failure::MemInfo(e) => eprintln!("memstat: {e}"),
    }
    ExitCode::from(EXIT_ERROR)
}

/// Prints `text`; `Some(exit code)` when memstat must stop.
fn show(text: &str) -> Option<ExitCode> {
    match emit(text) {
        Ok(()) => None,
        Err(Stop::ReaderGone) => Some(ExitCode::SUCCESS),
        Err(Stop::Failed(e)) => {
            eprintln!("memstat: stdout: {e}");
            Some(ExitCode::from(EXIT_ERROR))
        }
    }
}

fn main() -> ExitCode {
    let args = MemstatArgs::parse();
    let Some(period) = args.watch else {
        return match render(&args) {
            Ok(text) => show(&text).unwrap_or(ExitCode::SUCCESS),
            Err(f) => fail(f),
        };
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGINT, interrupted.clone()) {
        eprintln!("memstat: SIGINT handler: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    // Clearing the screen and homing the cursor only makes sense on a terminal; JSON Lines get
    // neither a banner nor escapes.
    let banner = match (args.json, stdout_is_terminal()) {
        (true, _) => String::new(),
        (false, true) => format!("\x1b[H\x1b[2Jmemstat: every {period} s (Ctrl-C to stop)\n"),
        (false, false) => format!("memstat: every {period} s (Ctrl-C to stop)\n"),
    };
    let mut refreshes = 0;
    while !interrupted.load(Ordering::Relaxed) {
        let text = match render(&args) {
            Ok(text) => text,
            Err(f) => return fail(f),
        };
        if let Some(code) = show(&format!("{banner}{text}")) {
            return code;
        }
        refreshes += 1;
        if args.count.is_some_and(|n| refreshes >= n) {
            break;
        }
        let until = Instant::now() + Duration::from_secs_f64(period);
        while Instant::now() < until && !interrupted.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    ExitCode::SUCCESS
}
