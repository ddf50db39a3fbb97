//! The programs of the manual pages' EXAMPLES sections (man/man2/*.2) and what each page says it
//! prints. `usac-selftest-man-examples` runs the programs in the VM (built by
//! scripts/build-initramfs.sh into [`DIR`]) and matches their output against [`EXAMPLES`]; the host
//! tests below match the sample output printed in each page against the same patterns, so that
//! the page, the program and the test cannot drift apart.
//!
//! A pattern is a line of literal text with placeholders: `{n}` one or more decimal digits, `{x}`
//! `0x` and one or more hex digits, `{s}` any non-empty text.

/// Where the VM has the example programs, one per page, named after it.
pub const DIR: &str = "/usr/lib/usac/man-examples";

/// One page's program and the lines it prints.
#[derive(Debug)]
pub struct Example {
    /// The page (and program) name.
    pub name: &'static str,
    /// One pattern per line of standard output.
    pub output: &'static [&'static str],
}

/// Every page of man/man2 with its program's output.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "zamora_mem_stats_global",
        output: &[
            "processes: {n}",
            "reserved: {n} kB ({n} MB)",
            "committed: {n} kB ({n} MB), {n}.{n}% of {n} kB RAM",
            "tamalloc: {n} kB, zero-filled pages: {n}",
            "after zamora_tamalloc(64 MiB): tamalloc: {n} kB",
            "flags 1: EINVAL",
        ],
    },
    Example {
        name: "zamora_mem_stats_process",
        output: &[
            "processes: {n} (kernel threads: {n})",
            "most committed: pid {n} ({s}), {n} kB of {n} kB reserved ({n}.{n}%)",
            // The command name is the program's, cut to 15 bytes.
            "self: pid {n} (zamora_mem_stat), {n} kB reserved, {n} kB committed",
            "pid 2147483647: ESRCH",
        ],
    },
    Example {
        name: "zamora_tamalloc",
        output: &[
            "zamora_tamalloc(1048576, 0) = {x}",
            "VmTamalloc: 1024 kB",
            "read 1048576 bytes, all 0; pages zero-filled: 0",
            "wrote to 16 pages; pages zero-filled: 16",
            "fork: the child got SIGSEGV reading the range",
            "after munmap: VmTamalloc: 0 kB",
            "zamora_tamalloc(0, 0): EINVAL",
        ],
    },
];

/// Matches `line` against `pattern`; returns the text of each placeholder, in order.
pub fn matches(pattern: &str, line: &str) -> Option<Vec<String>> {
    let mut captures = Vec::new();
    match_from(pattern, line, &mut captures).then_some(captures)
}

fn match_from(pattern: &str, line: &str, captures: &mut Vec<String>) -> bool {
    let Some(start) = pattern.find('{') else {
        return pattern == line;
    };
    let (literal, rest) = pattern.split_at(start);
    let Some(line) = line.strip_prefix(literal) else {
        return false;
    };
    let (kind, rest) = match rest.get(..3) {
        Some(p @ ("{n}" | "{x}" | "{s}")) => (p, &rest[3..]),
        _ => return line.strip_prefix(rest).is_some_and(str::is_empty),
    };
    let accepts = |text: &str| match kind {
        "{n}" => text.bytes().all(|b| b.is_ascii_digit()),
        "{x}" => text
            .strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit())),
        _ => true,
    };
    // Every split of `line` after at least one character, shortest first.
    for (end, _) in line.char_indices().skip(1).chain([(line.len(), ' ')]) {
        let (text, after) = line.split_at(end);
        if !accepts(text) {
            continue;
        }
        captures.push(text.to_string());
        if match_from(rest, after, captures) {
            return true;
        }
        captures.pop();
    }
    false
}

/// Checks `output` (a program's standard output) against `example`, line by line; returns the
/// placeholders' texts of every line, or what did not match.
pub fn check_output(example: &Example, output: &str) -> Result<Vec<Vec<String>>, String> {
    let lines: Vec<&str> = output.lines().collect();
    if lines.len() != example.output.len() {
        return Err(format!(
            "{} lines, the page says {}:\n{output}",
            lines.len(),
            example.output.len()
        ));
    }
    lines
        .iter()
        .zip(example.output)
        .enumerate()
        .map(|(i, (line, pattern))| {
            matches(pattern, line)
                .ok_or_else(|| format!("line {}: {line:?} is not {pattern:?}", i + 1))
        })
        .collect()
}

/// The sample output a page shows: the lines after `.RB "$ " ./NAME` in the first `.EX` block of
/// its EXAMPLES section that has one, with the roff escapes the pages use undone.
pub fn sample_output(page: &str, name: &str) -> Option<String> {
    let command = format!(".RB \"$ \" ./{name}");
    let examples = page.split("\n.SH EXAMPLES\n").nth(1)?;
    let examples = examples.split("\n.SH ").next()?;
    let after = examples.split_once(&format!("{command}\n"))?.1;
    let block = after.split_once("\n.EE")?.0;
    let mut out = String::new();
    for line in block.lines().filter(|l| !l.starts_with('.')) {
        let text = line
            .replace("\\-", "-")
            .replace("\\[aq]", "'")
            .replace("\\&", "")
            .replace("\\e", "\\");
        out.push_str(&text);
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn man2() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../man/man2")
    }

    #[test]
    fn placeholders_match_what_they_say() {
        assert_eq!(matches("a {n} b", "a 123 b"), Some(vec!["123".into()]));
        assert_eq!(matches("a {n} b", "a 12x b"), None);
        assert_eq!(matches("a {n} b", "a  b"), None);
        assert_eq!(
            matches("= {x}", "= 0x7f00ab"),
            Some(vec!["0x7f00ab".into()])
        );
        assert_eq!(matches("= {x}", "= 7f00ab"), None);
        assert_eq!(matches("= {x}", "= 0x"), None);
        assert_eq!(
            matches("pid {n} ({s}), {n} kB", "pid 1 (a (b), c), 5 kB"),
            Some(vec!["1".into(), "a (b), c".into(), "5".into()])
        );
        assert_eq!(matches("({s})", "()"), None);
        assert_eq!(
            matches("{n}.{n}%", "73.62%"),
            Some(vec!["73".into(), "62".into()])
        );
        assert_eq!(matches("exact", "exact"), Some(vec![]));
        assert_eq!(matches("exact", "exact!"), None);
        assert_eq!(matches("{n}", "1 2"), None);
    }

    #[test]
    fn check_output_wants_every_line() {
        let ex = &EXAMPLES[2];
        let good = "zamora_tamalloc(1048576, 0) = 0x7f0000000000\nVmTamalloc: 1024 kB\n\
                    read 1048576 bytes, all 0; pages zero-filled: 0\n\
                    wrote to 16 pages; pages zero-filled: 16\n\
                    fork: the child got SIGSEGV reading the range\n\
                    after munmap: VmTamalloc: 0 kB\nzamora_tamalloc(0, 0): EINVAL\n";
        assert!(check_output(ex, good).is_ok());
        assert!(check_output(ex, &good.replace("16\n", "15\n")).is_err());
        assert!(check_output(ex, good.rsplit_once("zamora").unwrap().0).is_err());
    }

    #[test]
    fn every_page_has_an_example() {
        let mut pages: Vec<String> = std::fs::read_dir(man2())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|f| f.strip_suffix(".2").map(str::to_string))
            .collect();
        pages.sort();
        let names: Vec<&str> = EXAMPLES.iter().map(|e| e.name).collect();
        assert_eq!(pages, names);
    }

    #[test]
    fn each_page_shows_what_its_program_prints() {
        for ex in EXAMPLES {
            let path = man2().join(format!("{}.2", ex.name));
            let page = std::fs::read_to_string(&path).unwrap();
            let sample = sample_output(&page, ex.name)
                .unwrap_or_else(|| panic!("{}: no sample output in EXAMPLES", path.display()));
            if let Err(e) = check_output(ex, &sample) {
                panic!("{}: the sample output: {e}", path.display());
            }
        }
    }
}
