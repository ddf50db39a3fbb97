//! Kernel settings (sysfs, procfs) that a test changes for its own length and restores after.

use ktap::writer::{fail, NotPassed};

/// A sysfs/procfs setting changed for the length of a test, restored on drop.
pub struct Setting {
    path: String,
    old: String,
}

impl Setting {
    /// Writes `value` to `path`, remembering the value it had.
    pub fn set(path: &str, value: &str) -> Result<Self, NotPassed> {
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("{path}: {e}")))?;
        // THP files show every choice with the current one in brackets: "always [madvise] never".
        let old = match (text.find('['), text.find(']')) {
            (Some(a), Some(b)) if a < b => text[a + 1..b].to_string(),
            _ => text.trim().to_string(),
        };
        std::fs::write(path, value).map_err(|e| fail(format!("{path} <- {value}: {e}")))?;
        Ok(Setting {
            path: path.to_string(),
            old,
        })
    }
}

impl Drop for Setting {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.path, &self.old);
    }
}

/// Every THP knob at "always": the top-level policy and every mTHP size.
pub fn thp_always() -> Result<Vec<Setting>, NotPassed> {
    const THP: &str = "/sys/kernel/mm/transparent_hugepage";
    let mut settings = vec![Setting::set(&format!("{THP}/enabled"), "always")?];
    let sizes = std::fs::read_dir(THP).map_err(|e| fail(format!("{THP}: {e}")))?;
    for dir in sizes.flatten() {
        // Sizes that anonymous memory can use have an "enabled" file (others are shmem's only).
        let path = dir.path().join("enabled");
        if dir.file_name().to_string_lossy().starts_with("hugepages-") && path.exists() {
            settings.push(Setting::set(&path.to_string_lossy(), "always")?);
        }
    }
    Ok(settings)
}
