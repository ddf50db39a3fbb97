//! The kernel's HMM test driver (lib/test_hmm.c, `CONFIG_TEST_HMM`): a device that mirrors the
//! opener's address space and migrates its pages to and from device-private memory.

use std::fs::File;
use std::os::fd::AsRawFd;

/// `struct hmm_dmirror_cmd` of lib/test_hmm_uapi.h.
#[repr(C)]
#[derive(Default)]
struct DmirrorCmd {
    addr: u64,
    ptr: u64,
    npages: u64,
    cpages: u64,
    faults: u64,
}

nix::ioctl_readwrite!(dmirror_migrate_to_dev, b'H', 0x02, DmirrorCmd);
nix::ioctl_readwrite!(dmirror_migrate_to_sys, b'H', 0x03, DmirrorCmd);

const PAGE: usize = 4096;

/// An open `/dev/hmm_dmirrorN`: mirrors the address space of the process that opened it.
#[derive(Debug)]
pub struct Dmirror(File);

impl Dmirror {
    /// Opens the device-private mirror `/dev/hmm_dmirror{n}` (0 and 1 are device-private).
    pub fn open(n: u32) -> std::io::Result<Self> {
        let path = format!("/dev/hmm_dmirror{n}");
        let file = File::options().read(true).write(true).open(&path)?;
        Ok(Dmirror(file))
    }

    /// `HMM_DMIRROR_MIGRATE_TO_DEV` of `[addr, addr + len)`: migrates what the kernel offers to
    /// device memory. Returns the pages the device then holds (`cpages`); the driver's read-back
    /// of the range fails with `ENOENT` when a page did not migrate.
    pub fn migrate_to_device(&self, addr: usize, len: usize) -> nix::Result<u64> {
        let mut bounce = vec![0u8; len];
        let mut cmd = DmirrorCmd {
            addr: addr as u64,
            ptr: bounce.as_mut_ptr() as u64,
            npages: (len / PAGE) as u64,
            ..DmirrorCmd::default()
        };
        // SAFETY: `cmd` is a valid command for the call, and its `ptr` a buffer of `npages`
        // pages that lives across it; the driver only looks the range itself up.
        unsafe { dmirror_migrate_to_dev(self.0.as_raw_fd(), &mut cmd) }?;
        Ok(cmd.cpages)
    }

    /// `HMM_DMIRROR_MIGRATE_TO_SYS` of `[addr, addr + len)`: migrates the device's pages back to
    /// system memory. Returns the pages migrated (`cpages`).
    pub fn migrate_to_system(&self, addr: usize, len: usize) -> nix::Result<u64> {
        let mut cmd = DmirrorCmd {
            addr: addr as u64,
            npages: (len / PAGE) as u64,
            ..DmirrorCmd::default()
        };
        // SAFETY: `cmd` is a valid command for the call; the driver does not use `ptr` here.
        unsafe { dmirror_migrate_to_sys(self.0.as_raw_fd(), &mut cmd) }?;
        Ok(cmd.cpages)
    }
}
