//! Selftest for a kernel built with CONFIG_USAC_MEM=n (`make test PROFILE=nousac`): the three
//! syscalls are ENOSYS, and the tools say so clearly with their documented exit status.

use ktap::{ensure, ensure_eq, writer::fail, TestResult};
use std::process::{Command, ExitCode};
use usac::sys;

fn the_syscalls_are_enosys() -> TestResult {
    for (name, nr) in [
        ("zamora_tamalloc", sys::__NR_zamora_tamalloc),
        (
            "zamora_mem_stats_process",
            sys::__NR_zamora_mem_stats_process,
        ),
        ("zamora_mem_stats_global", sys::__NR_zamora_mem_stats_global),
    ] {
        // SAFETY: zero sizes and null pointers: even a kernel that has the call writes nothing
        // (tamalloc and the global call fail with EINVAL and EFAULT, the listing only counts).
        let r = unsafe { sys::syscall4(nr, 0, 0, 0, 0) };
        ensure_eq!(r, Err(libc::ENOSYS), "{name}");
    }
    Ok(())
}

fn the_tools_explain_and_exit_3() -> TestResult {
    for (cmd, args) in [
        ("memstat", vec![]),
        ("memstat", vec!["--global"]),
        ("tamalloc-demo", vec![]),
    ] {
        let out = Command::new(cmd).args(&args).output().map_err(fail)?;
        let err = String::from_utf8_lossy(&out.stderr);
        ensure_eq!(out.status.code(), Some(3), "{cmd} {args:?} exit status");
        ensure!(
            err.contains("this kernel has no zamora_* syscalls"),
            "{cmd} said: {err}"
        );
    }
    Ok(())
}

fn no_usac_at_boot() -> TestResult {
    let log = usac_selftests::dmesg().map_err(fail)?;
    ensure!(
        !log.contains("usac: "),
        "usac lines in dmesg of a CONFIG_USAC_MEM=n kernel"
    );
    let smaps = std::fs::read_to_string("/proc/self/smaps").map_err(fail)?;
    ensure!(!smaps.contains(" tm"), "a 'tm' VmFlag without usac");
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac disabled",
        &[
            ("the_syscalls_are_enosys", the_syscalls_are_enosys),
            ("the_tools_explain_and_exit_3", the_tools_explain_and_exit_3),
            ("no_usac_at_boot", no_usac_at_boot),
        ],
    )
}
