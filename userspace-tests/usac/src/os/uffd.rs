//! userfaultfd(2), as far as the tests need it: whether a range can be registered.

use nix::errno::Errno;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `struct uffdio_api` of include/uapi/linux/userfaultfd.h.
#[repr(C)]
struct UffdioApi {
    api: u64,
    features: u64,
    ioctls: u64,
}

/// `struct uffdio_register`.
#[repr(C)]
struct UffdioRegister {
    start: u64,
    len: u64,
    mode: u64,
    ioctls: u64,
}

const UFFD_API: u64 = 0xAA;
nix::ioctl_readwrite!(uffdio_api, 0xAA, 0x3F, UffdioApi);
nix::ioctl_readwrite!(uffdio_register, 0xAA, 0x00, UffdioRegister);

/// `UFFDIO_REGISTER_MODE_MISSING`: report faults on missing pages.
pub const MODE_MISSING: u64 = 1 << 0;
/// `UFFDIO_REGISTER_MODE_WP`: report writes to write-protected pages.
pub const MODE_WP: u64 = 1 << 1;

/// A userfaultfd descriptor after the API handshake.
#[derive(Debug)]
pub struct Userfaultfd(OwnedFd);

impl Userfaultfd {
    /// `userfaultfd(O_CLOEXEC | O_NONBLOCK)` and `UFFDIO_API`.
    pub fn new() -> nix::Result<Self> {
        // SAFETY: userfaultfd(2) takes flags only.
        let fd =
            unsafe { libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC | libc::O_NONBLOCK) };
        let fd = Errno::result(fd)? as i32;
        // SAFETY: a new descriptor that nothing else owns.
        let uffd = Userfaultfd(unsafe { OwnedFd::from_raw_fd(fd) });
        let mut api = UffdioApi {
            api: UFFD_API,
            features: 0,
            ioctls: 0,
        };
        // SAFETY: `api` is a valid uffdio_api for the duration of the call.
        unsafe { uffdio_api(uffd.0.as_raw_fd(), &mut api) }?;
        Ok(uffd)
    }

    /// `UFFDIO_REGISTER` of `[addr, addr + len)` in `mode` (the kernel checks the range).
    pub fn register(&self, addr: usize, len: usize, mode: u64) -> nix::Result<()> {
        let mut reg = UffdioRegister {
            start: addr as u64,
            len: len as u64,
            mode,
            ioctls: 0,
        };
        // SAFETY: `reg` is a valid uffdio_register for the duration of the call; registering
        // changes how faults are reported, not what memory holds.
        unsafe { uffdio_register(self.0.as_raw_fd(), &mut reg) }.map(drop)
    }
}
