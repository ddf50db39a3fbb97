//! Landlock, the unprivileged LSM: a process that restricts itself enters a new domain, and from
//! then on may not ptrace (nor read /proc files of) a process outside it.

use std::io;

/// `struct landlock_ruleset_attr` (linux/landlock.h), its first field only (ABI version 1).
#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
}

/// `LANDLOCK_ACCESS_FS_EXECUTE`: the ruleset handles (and, having no rule, denies) exec.
const ACCESS_FS_EXECUTE: u64 = 1 << 0;

/// Puts the calling thread (it should be the only one) into a new Landlock domain that denies
/// executing files, with `no_new_privs` set as Landlock requires of an unprivileged caller.
pub fn restrict_self() -> io::Result<()> {
    nix::sys::prctl::set_no_new_privs()?;
    let attr = RulesetAttr {
        handled_access_fs: ACCESS_FS_EXECUTE,
    };
    // SAFETY: `attr` is a valid ruleset attribute of the size given, read by the call only.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            std::mem::size_of::<RulesetAttr>(),
            0u32,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is the ruleset file descriptor just created; no pointer is passed.
    let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, fd as i32, 0u32) };
    let err = io::Error::last_os_error();
    // SAFETY: `fd` is ours and closed once.
    unsafe { libc::close(fd as i32) };
    if r == 0 {
        Ok(())
    } else {
        Err(err)
    }
}
