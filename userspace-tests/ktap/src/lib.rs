//! KTAP for usac-mm.
//!
//! [`writer`] is what the selftests in the VM use to report results in the kselftest/KTAP format;
//! [`console`] is what the host uses to read the VM's serial console log afterwards: KUnit results
//! from the kernel, KTAP from the selftests, kernel splats and the VM's exit status.
//! [`expected`] pins what must report in each kind of run; [`oom`] tells the stack dumps a
//! deliberate OOM kill prints from splats.

pub mod console;
pub mod expected;
pub mod oom;
pub mod writer;

pub use writer::{Suite, TestResult};
