//! A cgroup (v2) of the tests, a child of the root with the memory controller on, removed when
//! dropped (its processes must have ended by then).

use nix::mount::{mount, MsFlags};
use std::io;
use std::path::{Path, PathBuf};

const ROOT: &str = "/sys/fs/cgroup";

/// A cgroup directory under the cgroup2 root.
#[derive(Debug)]
pub struct Cgroup {
    path: PathBuf,
}

impl Cgroup {
    /// Creates (or reuses) `/sys/fs/cgroup/{name}`, mounting the cgroup2 hierarchy there first
    /// if nothing is mounted, and enables the memory controller for the root's children.
    pub fn new(name: &str) -> io::Result<Self> {
        if !Path::new(ROOT).join("cgroup.controllers").exists() {
            mount(
                Some("cgroup2"),
                ROOT,
                Some("cgroup2"),
                MsFlags::empty(),
                None::<&str>,
            )?;
        }
        std::fs::write(Path::new(ROOT).join("cgroup.subtree_control"), "+memory")?;
        let path = Path::new(ROOT).join(name);
        match std::fs::create_dir(&path) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        Ok(Cgroup { path })
    }

    /// Writes `value` to the cgroup's `file` (e.g. memory.max).
    pub fn write(&self, file: &str, value: &str) -> io::Result<()> {
        std::fs::write(self.path.join(file), value)
            .map_err(|e| io::Error::new(e.kind(), format!("{file} <- {value}: {e}")))
    }

    /// Moves process `pid` into the cgroup.
    pub fn add(&self, pid: i32) -> io::Result<()> {
        self.write("cgroup.procs", &pid.to_string())
    }

    /// `field` of memory.stat (bytes for sizes).
    pub fn stat(&self, field: &str) -> io::Result<u64> {
        self.keyed("memory.stat", field)
    }

    /// `field` of memory.events (e.g. oom_kill).
    pub fn event(&self, field: &str) -> io::Result<u64> {
        self.keyed("memory.events", field)
    }

    /// The value of `key` in a flat-keyed cgroup file ("key value" lines).
    fn keyed(&self, file: &str, key: &str) -> io::Result<u64> {
        let text = std::fs::read_to_string(self.path.join(file))?;
        keyed_in(&text, key)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no {key} in {file}")))
    }
}

/// The value of `key` in "key value" lines (cgroup's flat-keyed files, /proc/vmstat).
pub fn keyed_in(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.parse().ok())
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::keyed_in;

    #[test]
    fn keyed_values() {
        let text = "anon 8192\nanon_thp 0\noom_kill 3\n";
        assert_eq!(keyed_in(text, "anon"), Some(8192));
        assert_eq!(keyed_in(text, "oom_kill"), Some(3));
        assert_eq!(keyed_in(text, "oom"), None);
    }
}
