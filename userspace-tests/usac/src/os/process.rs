//! Forked children: the one place that forks, so that callers run code in a child with a
//! closure and get a handle that kills and reaps it.

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{ForkResult, Pid};
use std::io;

/// How a child process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(Signal),
}

impl Exit {
    /// How a process ended, from its wait status; `None` while it is alive (stopped).
    fn of(status: WaitStatus) -> Option<Exit> {
        match status {
            WaitStatus::Exited(_, code) => Some(Exit::Code(code)),
            WaitStatus::Signaled(_, signal, _) => Some(Exit::Signal(signal)),
            _ => None,
        }
    }
}

/// A forked child that runs a closure; killed (SIGKILL) and reaped on drop unless waited for.
#[derive(Debug)]
pub struct Child {
    pid: Pid,
    reaped: bool,
}

/// Forks; the child runs `f` and `_exit`s with its return value, without unwinding into the
/// parent's code or running its exit handlers. In the parent `f` is dropped unrun: what it
/// captures by value is dropped there too, so capture by reference what the parent keeps.
///
/// In a process with threads, the child has only the forking thread and any lock another
/// thread held stays locked in it: `f` must then not allocate or take locks (it may make
/// syscalls and touch memory mapped beforehand).
pub fn fork(f: impl FnOnce() -> i32) -> io::Result<Child> {
    // SAFETY: the child runs only `f`, under the rule above, and leaves with `_exit`; the parent
    // goes on as before.
    match unsafe { nix::unistd::fork() }? {
        ForkResult::Child => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
            // SAFETY: ends the child at once, as a forked child must.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => Ok(Child {
            pid: child,
            reaped: false,
        }),
    }
}

/// Forks, runs `f` in the child (see [`fork`]) and waits for it: how the child ended.
pub fn in_child(f: impl FnOnce() -> i32) -> io::Result<Exit> {
    fork(f)?.wait()
}

impl Child {
    /// The child's pid as the syscalls take it.
    pub fn raw_pid(&self) -> i32 {
        self.pid.as_raw()
    }

    /// Sends `signal` to the child.
    pub fn signal(&self, signal: Signal) -> io::Result<()> {
        Ok(kill(self.pid, signal)?)
    }

    /// Waits until the child has stopped (after SIGSTOP or `raise(SIGSTOP)`); an error if it
    /// ended instead.
    pub fn wait_stopped(&self) -> io::Result<()> {
        match waitpid(self.pid, Some(WaitPidFlag::WUNTRACED))? {
            WaitStatus::Stopped(..) => Ok(()),
            other => Err(io::Error::other(format!(
                "child {} did not stop: {other:?}",
                self.pid
            ))),
        }
    }

    /// Waits (at most 10 s) until the child sleeps interruptibly (state `S` in /proc/PID/stat).
    /// A child that says it is ready and then goes to sleep is still running, and faulting in
    /// the code it runs for the first time, after saying so: its memory holds still only once
    /// it sleeps.
    pub fn wait_sleeping(&self) -> io::Result<()> {
        let path = format!("/proc/{}/stat", self.pid);
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let stat = std::fs::read_to_string(&path)?;
            // The state follows the command name, which may hold any character but ends at the
            // last ')'.
            let state = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next());
            if state == Some('S') {
                return Ok(());
            }
            if std::time::Instant::now() > until {
                return Err(io::Error::other(format!(
                    "child {} did not go to sleep: state {state:?}",
                    self.pid
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Waits for the child to end.
    pub fn wait(mut self) -> io::Result<Exit> {
        loop {
            if let Some(exit) = Exit::of(waitpid(self.pid, None)?) {
                self.reaped = true;
                return Ok(exit);
            }
        }
    }

    /// Kills the child and reaps it.
    pub fn kill(self) {
        drop(self)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = kill(self.pid, Signal::SIGKILL);
            let _ = waitpid(self.pid, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_signals_and_kill() {
        assert_eq!(in_child(|| 7).unwrap(), Exit::Code(7));
        let aborted = in_child(|| {
            let _ = nix::sys::signal::raise(Signal::SIGABRT);
            0
        });
        assert_eq!(aborted.unwrap(), Exit::Signal(Signal::SIGABRT));
        let stopped = fork(|| {
            let _ = nix::sys::signal::raise(Signal::SIGSTOP);
            0
        })
        .unwrap();
        stopped.wait_stopped().unwrap();
        stopped.signal(Signal::SIGCONT).unwrap();
        assert_eq!(stopped.wait().unwrap(), Exit::Code(0));
        let sleeper = fork(|| {
            nix::unistd::pause();
            0
        })
        .unwrap();
        sleeper.wait_sleeping().unwrap();
        sleeper.kill();
    }
}
