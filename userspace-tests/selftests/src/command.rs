//! Running the tools the tests compare: a command that must succeed, and its output.

use ktap::{ensure, writer::fail, writer::NotPassed};
use std::process::{Command, Output};

/// Runs `program args` to its end: its status and outputs, and its standard output as text.
pub fn run(program: &str, args: &[&str]) -> Result<(Output, String), NotPassed> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| fail(format!("{program}: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok((out, text))
}

/// Runs `program args`, which must succeed (the failure shows its standard error): its
/// standard output as text.
pub fn stdout_of(program: &str, args: &[&str]) -> Result<String, NotPassed> {
    let (out, text) = run(program, args)?;
    ensure!(
        out.status.success(),
        "{program} {args:?}: {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(text)
}
