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

/// One mapping of /proc/PID/smaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vma {
    pub start: usize,
    pub end: usize,
    pub rss_kb: u64,
    /// `AnonHugePages`: anonymous memory mapped by PMD-sized huge pages.
    pub anon_huge_kb: u64,
    /// `Locked`: memory of the mapping that is mlocked.
    pub locked_kb: u64,
    /// The two-letter `VmFlags` mnemonics.
    pub flags: Vec<String>,
    /// The path column: a file, `[heap]`, `[stack]`, ... or empty for anonymous memory.
    pub name: String,
}

impl Vma {
    /// Whether `VmFlags` has `mnemonic`.
    pub fn has_flag(&self, mnemonic: &str) -> bool {
        self.flags.iter().any(|f| f == mnemonic)
    }
}

/// Parses the text of /proc/PID/smaps.
pub fn parse_smaps(text: &str) -> Vec<Vma> {
    let mut vmas: Vec<Vma> = Vec::new();
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if let Some((start, end)) = first.split_once('-') {
            if let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            ) {
                vmas.push(Vma {
                    start,
                    end,
                    name: line
                        .split_whitespace()
                        .skip(5)
                        .collect::<Vec<_>>()
                        .join(" "),
                    ..Vma::default()
                });
                continue;
            }
        }
        let Some(vma) = vmas.last_mut() else { continue };
        if let Some(flags) = line.strip_prefix("VmFlags:") {
            vma.flags = flags.split_whitespace().map(str::to_string).collect();
        } else if let Some((key, _)) = line.split_once(':') {
            let field = match key {
                "Rss" => &mut vma.rss_kb,
                "AnonHugePages" => &mut vma.anon_huge_kb,
                "Locked" => &mut vma.locked_kb,
                _ => continue,
            };
            *field = field_in(line, key).unwrap_or(0);
        }
    }
    vmas
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
VmFlags: rd wr mr mw me dc ac tm
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
Rss:                  12 kB
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
    }
}
