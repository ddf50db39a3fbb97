//! Parsing the /proc files the tests compare against.

use std::io;

pub use usac::procfs::field_in;

/// `field` of /proc/`pid`/status (`pid` may be "self").
pub fn status_field(pid: &str, field: &str) -> io::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    field_in(&text, field).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("no {field} in /proc/{pid}/status"),
        )
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

/// The mappings of this process.
pub fn own_smaps() -> io::Result<Vec<Vma>> {
    Ok(parse_smaps(&std::fs::read_to_string("/proc/self/smaps")?))
}

/// The mapping of this process that contains `addr`.
pub fn own_vma_at(addr: usize) -> io::Result<Option<Vma>> {
    Ok(own_smaps()?
        .into_iter()
        .find(|v| v.start <= addr && addr < v.end))
}

/// The mapping of this process that contains `addr`; an error if there is none.
pub fn own_vma_containing(addr: usize) -> io::Result<Vma> {
    own_vma_at(addr)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no mapping at {addr:#x}")))
}

#[cfg(test)]
mod smaps_tests {
    use super::*;

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
        assert_eq!(v[1].rss_kb, 12);
    }
}
