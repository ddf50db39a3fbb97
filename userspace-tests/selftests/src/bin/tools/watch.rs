//! Running `memstat --watch` and reading it refresh by refresh, to compare a refresh exactly with
//! readings of the syscalls taken right before and right after it.

use crate::oracle::{json_rows, table_rows, Row};
use ktap::writer::{fail, NotPassed};
use ktap::{ensure, TestResult};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use usac_selftests::memory::hold_memory_still;

/// Refresh period of the `--watch` runs: the test reads a refresh and the syscalls well within
/// it, so before memstat's next call.
pub const PERIOD: &str = "0.2";
/// Refreshes tried at most, while the numbers change around them.
const TRIES: usize = 8;

/// What a refresh of memstat shows, and so where it ends.
#[derive(Clone, Copy, Debug)]
pub enum Shows {
    /// A banner line, then a table of this many lines.
    Table(usize),
    /// One JSON document on one line (JSON Lines: no banner).
    Json,
}

/// `memstat ARGS --watch PERIOD`, read refresh by refresh; killed on drop unless stopped.
pub struct Watch {
    child: Child,
    out: BufReader<ChildStdout>,
    shows: Shows,
}

impl Watch {
    pub fn start(args: &[&str], shows: Shows) -> Result<Self, NotPassed> {
        let mut child = Command::new("memstat")
            .args(args)
            .args(["--watch", PERIOD])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("memstat: {e}")))?;
        let out = BufReader::new(child.stdout.take().expect("piped"));
        Ok(Watch { child, out, shows })
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    fn line(&mut self) -> Result<String, NotPassed> {
        let mut line = String::new();
        match self.out.read_line(&mut line) {
            Ok(0) => Err(fail("memstat --watch ended")),
            Ok(_) => Ok(line.trim_end_matches('\n').to_string()),
            Err(e) => Err(fail(format!("reading memstat: {e}"))),
        }
    }

    /// The rows of the next refresh, read as soon as memstat has printed it.
    pub fn refresh(&mut self) -> Result<Vec<Row>, NotPassed> {
        match self.shows {
            Shows::Table(n) => {
                let banner = self.line()?;
                // stdout is a pipe: no escape sequence may precede the banner.
                ensure!(
                    banner.starts_with("memstat: every "),
                    "no banner: {banner:?}"
                );
                let mut lines = Vec::new();
                for _ in 0..n {
                    lines.push(self.line()?);
                }
                Ok(table_rows(&lines.join("\n")))
            }
            Shows::Json => {
                let line = self.line()?;
                let doc = serde_json::from_str(&line)
                    .map_err(|e| fail(format!("memstat's JSON line: {e}: {line}")))?;
                json_rows(&doc)
            }
        }
    }

    /// Stops memstat (SIGSTOP) and waits until it is stopped.
    pub fn pause(&mut self) -> TestResult {
        kill(self.pid(), Signal::SIGSTOP).map_err(fail)?;
        let status = waitpid(self.pid(), Some(WaitPidFlag::WUNTRACED)).map_err(fail)?;
        ensure!(
            matches!(status, WaitStatus::Stopped(..)),
            "memstat did not stop: {status:?}"
        );
        Ok(())
    }

    /// Interrupts memstat, which must exit 0.
    pub fn stop(mut self) -> TestResult {
        kill(self.pid(), Signal::SIGINT).map_err(fail)?;
        kill(self.pid(), Signal::SIGCONT).map_err(fail)?;
        let status = self.child.wait().map_err(fail)?;
        ensure!(status.success(), "memstat --watch after SIGINT: {status}");
        Ok(())
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `memstat ARGS --watch` and requires a refresh to be exactly `expect()`, which reads the
/// syscalls. A refresh is judged by readings taken right before and right after it: memstat's
/// own memory (in its row and in the sums) and the set of processes may change while it runs,
/// so a refresh around which the readings differ is skipped, at most `TRIES` times. When they
/// are equal, what memstat read in between is that. Returns memstat still running.
pub fn watch_equals(
    args: &[&str],
    shows: Shows,
    mut expect: impl FnMut() -> Result<Vec<Row>, NotPassed>,
) -> Result<Watch, NotPassed> {
    // This test's own numbers are in memstat's output too.
    hold_memory_still().map_err(fail)?;
    let mut watch = Watch::start(args, shows)?;
    watch.refresh()?;
    let mut before = expect()?;
    for skipped in 0..TRIES {
        let shown = watch.refresh()?;
        let after = expect()?;
        if before != after {
            before = after;
            continue;
        }
        if skipped > 0 {
            println!("# memstat {args:?}: {skipped} refresh(es) skipped, the numbers moved");
        }
        if shown != after {
            let diff: Vec<_> = shown.iter().zip(&after).filter(|(s, w)| s != w).collect();
            return Err(fail(format!(
                "memstat {args:?} vs the syscalls, (shown, want) rows that differ: {diff:?}; \
                 {} rows shown, {} wanted",
                shown.len(),
                after.len()
            )));
        }
        return Ok(watch);
    }
    Err(fail(format!(
        "memstat {args:?}: the syscalls' numbers changed around each of {TRIES} refreshes"
    )))
}
