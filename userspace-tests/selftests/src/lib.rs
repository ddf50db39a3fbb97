//! Helpers shared by the selftests: preparing memory, reading /proc, one random generator, and
//! listings taken with a global reading of the same moment. Forking and mapping memory are
//! `usac::os`'s.

pub mod cgroup;
pub mod command;
pub mod man_examples;
pub mod memory;
pub mod procfs;
pub mod rng;
pub mod settings;
pub mod snapshot;

pub use usac::os::klog::kernel_log as dmesg;
