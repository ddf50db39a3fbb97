//! Safe wrappers of the plain OS calls that the tests, tools and benchmarks need and nix leaves
//! `unsafe` (fork, mmap and its relatives, klogctl, userfaultfd and HMM ioctls, mallopt, NUMA
//! placement, prctl), so that the
//! `unsafe` code of the userspace crates is all here and in [`crate::sys`].

pub mod hmm;
pub mod klog;
pub mod ksm;
pub mod landlock;
pub mod malloc;
mod mapping;
pub mod numa;
mod process;
pub mod sched;
pub mod uffd;

pub use mapping::{FileMapping, Mapping};
pub use nix::sys::mman::{MapFlags, ProtFlags};
pub use nix::sys::signal::Signal;
pub use process::{fork, in_child, Child, Exit};
