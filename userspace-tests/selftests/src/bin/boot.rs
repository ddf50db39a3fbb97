//! Boot selftest: the usac kernel came up, announced itself, and /proc describes this process.

use ktap::{ensure, ensure_eq, writer::fail, TestResult};
use std::process::ExitCode;
use usac_selftests::{dmesg, procfs};

const BOOT_LINE: &str = "usac: lazy-zeroing allocator and memory statistics ready";

/// The kernel the host built this initramfs for (`make test LINUX=...`) is the one that booted.
fn kernel_is_the_one_built() -> TestResult {
    let built = std::fs::read_to_string("/etc/usac/kernel").map_err(fail)?;
    let built = built.trim();
    ensure!(!built.is_empty(), "/etc/usac/kernel is empty");
    let version = std::fs::read_to_string("/proc/version").map_err(fail)?;
    ensure!(
        version.starts_with(&format!("Linux version {built} ")),
        "built {built}, booted: {version}"
    );
    Ok(())
}

fn usac_announced_itself_once() -> TestResult {
    let log = dmesg().map_err(fail)?;
    let count = log.lines().filter(|l| l.contains(BOOT_LINE)).count();
    ensure_eq!(count, 1, "'{BOOT_LINE}' lines in dmesg");
    Ok(())
}

fn proc_status_describes_this_process() -> TestResult {
    let pid = procfs::status_field("self", "Pid").map_err(fail)?;
    ensure_eq!(
        pid,
        u64::from(std::process::id()),
        "Pid in /proc/self/status"
    );
    let vm_size = procfs::status_field("self", "VmSize").map_err(fail)?;
    let vm_rss = procfs::status_field("self", "VmRSS").map_err(fail)?;
    ensure!(
        vm_rss > 0 && vm_rss <= vm_size,
        "VmRSS {vm_rss} kB not in (0, VmSize {vm_size} kB]"
    );
    Ok(())
}

fn meminfo_is_sane() -> TestResult {
    let text = std::fs::read_to_string("/proc/meminfo").map_err(fail)?;
    let total = procfs::field_in(&text, "MemTotal").ok_or_else(|| fail("no MemTotal"))?;
    let free = procfs::field_in(&text, "MemFree").ok_or_else(|| fail("no MemFree"))?;
    ensure!(
        free > 0 && free < total,
        "MemFree {free} kB not in (0, MemTotal {total} kB)"
    );
    Ok(())
}

fn main() -> ExitCode {
    ktap::writer::run_suite(
        "usac boot",
        &[
            ("kernel_is_the_one_built", kernel_is_the_one_built),
            ("usac_announced_itself_once", usac_announced_itself_once),
            (
                "proc_status_describes_this_process",
                proc_status_describes_this_process,
            ),
            ("meminfo_is_sane", meminfo_is_sane),
        ],
    )
}
