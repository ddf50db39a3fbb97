//! Which stack dumps in a console log an out-of-memory kill explains.
//!
//! The torture suite provokes an OOM kill on purpose. The kernel then prints the allocating task's
//! stack in the OOM report (`... invoked oom-killer:` up to `... Killed process N (...)`), and,
//! once the victim has used up the memory reserves the OOM killer grants it, may print one more
//! for the victim's last failed allocation (`warn_alloc()`: `comm: page allocation failure: ...`,
//! then `CPU: c ... PID: N ...`). Both are expected; any other stack is a splat, and so is a
//! page allocation failure of a task the OOM killer did not kill. Whose failure it is shows only
//! on the line after it: [`OomReports::line`] says when that line acquits the failure before it.

/// What [`OomReports::line`] says about a console line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// A stack dump on this line is one an OOM kill explains.
    pub explains_stack: bool,
    /// This line names an OOM victim as the task of the page allocation failure just before it:
    /// that failure is not a splat.
    pub acquits_failure: bool,
}

/// Follows a console log line by line.
#[derive(Debug, Default)]
pub struct OomReports {
    state: State,
    /// Pids the OOM killer has killed so far.
    victims: Vec<u32>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Outside,
    /// Between `invoked oom-killer:` and `Killed process`.
    InReport,
    /// After `page allocation failure:`, before the `CPU: ... PID:` line that names the task.
    FailureOfUnknownTask,
    /// In the allocation-failure report of an OOM victim.
    InVictimFailure,
}

impl OomReports {
    /// Takes the next console line.
    pub fn line(&mut self, line: &str) -> Verdict {
        let before = self.state;
        let explains_stack = self.explains_stack(line);
        Verdict {
            explains_stack,
            acquits_failure: before == State::FailureOfUnknownTask
                && self.state == State::InVictimFailure,
        }
    }

    /// Takes the next console line; returns whether a stack dump on it is one an OOM kill explains.
    fn explains_stack(&mut self, line: &str) -> bool {
        if line.contains(" invoked oom-killer: ") {
            self.state = State::InReport;
        } else if let Some(pid) = killed_pid(line) {
            self.victims.push(pid);
            self.state = State::Outside;
        } else if line.contains(": page allocation failure: ") {
            self.state = State::FailureOfUnknownTask;
        } else if self.state == State::FailureOfUnknownTask {
            if let Some(pid) = cpu_line_pid(line) {
                self.state = if self.victims.contains(&pid) {
                    State::InVictimFailure
                } else {
                    State::Outside
                };
            }
        } else if self.state == State::InVictimFailure && line.contains("Mem-Info:") {
            // The stack comes before the memory summary.
            self.state = State::Outside;
        }
        matches!(self.state, State::InReport | State::InVictimFailure)
    }
}

/// `N` of `Out of memory: Killed process N (comm) ...` (also a memory cgroup's report).
fn killed_pid(line: &str) -> Option<u32> {
    let rest = line.split_once("memory: Killed process ")?.1;
    rest.split_whitespace().next()?.parse().ok()
}

/// `N` of the `CPU: c UID: u PID: N Comm: ...` line `dump_stack()` starts with.
fn cpu_line_pid(line: &str) -> Option<u32> {
    let (_, after_cpu) = line.split_once("CPU: ")?;
    let rest = after_cpu.split_once(" PID: ")?.1;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stacks_explained(log: &str) -> Vec<bool> {
        let mut oom = OomReports::default();
        log.lines()
            .filter_map(|l| {
                let explained = oom.explains_stack(l);
                l.contains("Call Trace:").then_some(explained)
            })
            .collect()
    }

    const REPORT: &str = "[ 5.0] hog invoked oom-killer: gfp_mask=0x140cca, order=0\n\
        [ 5.0] CPU: 1 UID: 0 PID: 99 Comm: hog Tainted: G N\n\
        [ 5.0] Call Trace:\n\
        [ 5.1] Out of memory: Killed process 99 (hog) total-vm:3000000kB\n";

    fn failure(pid: u32) -> String {
        format!(
            "[ 5.2] hog: page allocation failure: order:0, mode:0x140cca, nodemask=(null)\n\
             [ 5.2] CPU: 0 UID: 0 PID: {pid} Comm: hog Tainted: G N\n\
             [ 5.2] Tainted: [N]=TEST\n\
             [ 5.2] Call Trace:\n\
             [ 5.2] Mem-Info:\n"
        )
    }

    #[test]
    fn the_report_and_the_victims_last_failure_are_explained() {
        assert_eq!(
            stacks_explained(&format!("{REPORT}{}", failure(99))),
            [true, true]
        );
    }

    #[test]
    fn a_failure_of_another_task_is_not() {
        assert_eq!(
            stacks_explained(&format!("{REPORT}{}", failure(100))),
            [true, false]
        );
    }

    #[test]
    fn a_failure_before_the_kill_is_not() {
        assert_eq!(
            stacks_explained(&format!("{}{REPORT}", failure(99))),
            [false, true]
        );
    }

    #[test]
    fn a_stack_after_the_failure_report_is_not() {
        let log = format!("{REPORT}{}[ 6.0] Call Trace:\n", failure(99));
        assert_eq!(stacks_explained(&log), [true, true, false]);
    }

    #[test]
    fn only_the_victims_cpu_line_acquits_the_failure_before_it() {
        let acquittals = |log: &str| -> Vec<usize> {
            let mut oom = OomReports::default();
            log.lines()
                .enumerate()
                .filter_map(|(i, l)| oom.line(l).acquits_failure.then_some(i))
                .collect()
        };
        // The failure is line 4 of REPORT + failure; its CPU line is 5.
        assert_eq!(acquittals(&format!("{REPORT}{}", failure(99))), [5]);
        assert!(acquittals(&format!("{REPORT}{}", failure(100))).is_empty());
        assert!(acquittals(&failure(99)).is_empty());
    }

    #[test]
    fn a_memory_cgroup_kill_makes_a_victim_too() {
        let log = "[ 5.1] Memory cgroup out of memory: Killed process 7 (hog) total-vm:9000kB\n";
        assert_eq!(killed_pid(log), Some(7));
    }
}
