//! Reading the /proc files the syscalls are compared with: `Key:   value [kB]` files (status,
//! meminfo) and smaps.

/// The value of `field` in a `Key:   value [kB]` text such as /proc/PID/status or /proc/meminfo,
/// as a number (the unit, if any, is dropped).
pub fn field_in(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key == field).then(|| value.split_whitespace().next()?.parse().ok())?
    })
}

/// One mapping of an smaps text, borrowed from it: reading smaps allocates nothing (a tool
/// that measures its own memory reads smaps between measurements).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmapsEntry<'a> {
    pub start: usize,
    pub end: usize,
    pub rss_kb: u64,
    /// `AnonHugePages`: anonymous memory mapped by PMD-sized huge pages.
    pub anon_huge_kb: u64,
    /// `Locked`: memory of the mapping that is mlocked.
    pub locked_kb: u64,
    /// `Swap`: anonymous memory of the mapping that is swapped out (zswap included).
    pub swap_kb: u64,
    /// `KSM`: memory of the mapping in pages that KSM merged.
    pub ksm_kb: u64,
    /// The `VmFlags` mnemonics, space-separated.
    pub flags: &'a str,
    /// The path column: a file, `[heap]`, `[stack]`, ... or empty for anonymous memory.
    pub name: &'a str,
}

impl SmapsEntry<'_> {
    /// Whether `VmFlags` has `mnemonic`.
    pub fn has_flag(&self, mnemonic: &str) -> bool {
        self.flags.split_whitespace().any(|f| f == mnemonic)
    }
}

/// The start and end of a mapping's first line (`7f00...-7f00... rw-p ...`), and its name.
fn smaps_header(line: &str) -> Option<(usize, usize, &str)> {
    let (range, _) = line.split_once(' ')?;
    let (start, end) = range.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    // Five columns (range, perms, offset, device, inode), then the name.
    let name = line.splitn(6, ' ').nth(5).unwrap_or("").trim();
    Some((start, end, name))
}

/// The mappings of an smaps text, in order.
pub fn smaps_entries(text: &str) -> impl Iterator<Item = SmapsEntry<'_>> {
    let mut lines = text.lines().peekable();
    std::iter::from_fn(move || {
        let (start, end, name) = loop {
            if let Some(header) = smaps_header(lines.next()?) {
                break header;
            }
        };
        let mut e = SmapsEntry {
            start,
            end,
            name,
            ..SmapsEntry::default()
        };
        while let Some(line) = lines.next_if(|l| smaps_header(l).is_none()) {
            if let Some(flags) = line.strip_prefix("VmFlags:") {
                e.flags = flags.trim();
            } else if let Some((key, _)) = line.split_once(':') {
                let field = match key {
                    "Rss" => &mut e.rss_kb,
                    "AnonHugePages" => &mut e.anon_huge_kb,
                    "Locked" => &mut e.locked_kb,
                    "Swap" => &mut e.swap_kb,
                    "KSM" => &mut e.ksm_kb,
                    _ => continue,
                };
                *field = field_in(line, key).unwrap_or(0);
            }
        }
        Some(e)
    })
}

/// One mapping of /proc/PID/smaps, owned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vma {
    pub start: usize,
    pub end: usize,
    pub rss_kb: u64,
    pub anon_huge_kb: u64,
    pub locked_kb: u64,
    pub swap_kb: u64,
    pub ksm_kb: u64,
    /// The two-letter `VmFlags` mnemonics.
    pub flags: Vec<String>,
    pub name: String,
}

impl Vma {
    /// Whether `VmFlags` has `mnemonic`.
    pub fn has_flag(&self, mnemonic: &str) -> bool {
        self.flags.iter().any(|f| f == mnemonic)
    }
}

impl From<SmapsEntry<'_>> for Vma {
    fn from(e: SmapsEntry<'_>) -> Self {
        Vma {
            start: e.start,
            end: e.end,
            rss_kb: e.rss_kb,
            anon_huge_kb: e.anon_huge_kb,
            locked_kb: e.locked_kb,
            swap_kb: e.swap_kb,
            ksm_kb: e.ksm_kb,
            flags: e.flags.split_whitespace().map(str::to_string).collect(),
            name: e.name.to_string(),
        }
    }
}

/// Parses the text of /proc/PID/smaps.
pub fn parse_smaps(text: &str) -> Vec<Vma> {
    smaps_entries(text).map(Vma::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_and_without_units() {
        let status = "Name:\tcat\nPid:\t42\nVmSize:\t    2048 kB\nVmRSS:\t 512 kB\n";
        assert_eq!(field_in(status, "Pid"), Some(42));
        assert_eq!(field_in(status, "VmSize"), Some(2048));
        assert_eq!(field_in(status, "VmRSS"), Some(512));
        assert_eq!(field_in(status, "VmSwap"), None);
        assert_eq!(field_in(status, "Name"), None);
    }

    #[test]
    fn smaps_entries() {
        let text = "\
7f0000000000-7f0000004000 rw-p 00000000 00:00 0 
Size:                 16 kB
Rss:                   8 kB
AnonHugePages:         0 kB
Locked:                8 kB
Swap:                  4 kB
KSM:                   0 kB
VmFlags: rd wr mr mw me dc ac tm
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
Rss:                  12 kB
KSM:                   8 kB
VmFlags: rd wr mr mw me gd ac
";
        let v = parse_smaps(text);
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].start, v[0].end, v[0].rss_kb),
            (0x7f0000000000, 0x7f0000004000, 8)
        );
        assert_eq!((v[0].anon_huge_kb, v[0].locked_kb), (0, 8));
        assert!(v[0].has_flag("tm") && v[0].has_flag("dc"));
        assert!(!v[1].has_flag("tm"));
        assert_eq!((v[0].name.as_str(), v[1].name.as_str()), ("", "[stack]"));
        assert_eq!(v[1].rss_kb, 12);
        assert_eq!((v[0].swap_kb, v[0].ksm_kb), (4, 0));
        assert_eq!((v[1].swap_kb, v[1].ksm_kb), (0, 8));
    }
}
