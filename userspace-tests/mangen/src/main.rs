//! `usac-mangen OUT_DIR [DATE]`: writes the manual pages `memstat.1` and `tamalloc-demo.1` into
//! OUT_DIR, from the tools' clap definitions (`usac_tools::cli`) rendered by clap_mangen, plus the
//! sections a command line cannot say (output, exit status, examples, see also). DATE
//! (`YYYY-MM-DD`) goes into the title line; `scripts/man.sh` passes the date of the tools' last
//! commit, so that the pages do not change from one day to the next.

use clap_mangen::Man;
use roff::{bold, roman, Inline, Roff};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A section of a page that clap does not know about.
enum Extra {
    /// A list of tagged paragraphs: tag (bold), text.
    Tagged(&'static [(&'static str, &'static str)]),
    /// Example commands, each with what it does.
    Commands(&'static [(&'static str, &'static str)]),
    /// References to other pages: (name, section).
    SeeAlso(&'static [(&'static str, &'static str)]),
}

/// What one page adds to its command line.
struct Page {
    command: clap::Command,
    /// Paragraphs appended to DESCRIPTION (after clap's `about`).
    description: &'static [&'static str],
    /// Sections after OPTIONS, in order.
    sections: Vec<(&'static str, Extra)>,
}

fn memstat() -> Page {
    Page {
        command: usac_tools::cli::memstat_command(),
        description: &[
            "memstat prints the memory of every process of its pid namespace as a table, like \
             ps(1), or the system totals, like free(1). Every figure comes from one call of \
             zamora_mem_stats_process(2) or zamora_mem_stats_global(2), the usac-mm system calls; \
             memstat reads nothing from /proc.",
            "Kernel threads are listed with their names in [brackets]. Sizes are shown in KiB, \
             MiB or GiB (binary units); --json prints the kernel's values unchanged, in KiB and \
             pages, with the field names of <linux/usac_mem.h>.",
        ],
        sections: vec![
            (
                "OUTPUT",
                Extra::Tagged(&[
                    ("PID", "the thread-group id, in memstat's pid namespace"),
                    ("COMM", "the command name (15 characters at most)"),
                    (
                        "RESERVED",
                        "the virtual memory of the process (total_vm, VmSize)",
                    ),
                    ("COMMITTED", "its resident memory (RSS, VmRSS)"),
                    ("%CMT", "COMMITTED as a percentage of RESERVED"),
                    ("%MEM", "COMMITTED as a percentage of the RAM (MemTotal), as ps(1) shows it"),
                    ("OOM", "the OOM killer's score (/proc/PID/oom_score)"),
                    ("OOM_ADJ", "the score adjustment (/proc/PID/oom_score_adj)"),
                    (
                        "TAMALLOC",
                        "the size of the live zamora_tamalloc(2) mappings",
                    ),
                    (
                        "ZEROED",
                        "the pages zero-filled on their first write in zamora_tamalloc(2) \
                         mappings since the process started (a count that never drops)",
                    ),
                ]),
            ),
            (
                "EXIT STATUS",
                Extra::Tagged(&[
                    ("0", "success"),
                    (
                        "1",
                        "a system call failed, e.g. the process of --pid does not exist (ESRCH)",
                    ),
                    ("2", "bad arguments"),
                    (
                        "3",
                        "the running kernel has no zamora_* system calls (ENOSYS)",
                    ),
                ]),
            ),
            (
                "EXAMPLES",
                Extra::Commands(&[
                    ("memstat", "every process, by pid"),
                    (
                        "memstat --sort committed --top 5",
                        "the five biggest users of RAM",
                    ),
                    (
                        "memstat -p 1,2 -o pid,comm,committed,mem -k",
                        "two processes, four columns, sizes in KiB (a thread id shows its process)",
                    ),
                    (
                        "memstat -C memstat --sort -reserved --no-headers",
                        "the processes named memstat, biggest reservation first, no header",
                    ),
                    ("memstat --global -m", "the system totals in MiB, like free -m"),
                    (
                        "memstat --json | jq '.processes[0]'",
                        "machine-readable output (schema usac-memstat/2), with the field names of the ABI and the number of processes hidden from the caller",
                    ),
                    (
                        "memstat --watch 2 --count 5 --json",
                        "five refreshes, 2 seconds apart, one JSON document per line",
                    ),
                ]),
            ),
            (
                "SEE ALSO",
                Extra::SeeAlso(&[
                    ("free", "1"),
                    ("ps", "1"),
                    ("tamalloc-demo", "1"),
                    ("zamora_mem_stats_global", "2"),
                    ("zamora_mem_stats_process", "2"),
                    ("zamora_tamalloc", "2"),
                    ("proc", "5"),
                ]),
            ),
        ],
    }
}

fn tamalloc_demo() -> Page {
    Page {
        command: usac_tools::cli::tamalloc_demo_command(),
        description: &[
            "tamalloc-demo reserves --size-mib MiB with zamora_tamalloc(2) and then uses the \
             memory step by step: it reads every page, writes 1, 16, 256, 4096, 16384 and 65536 \
             pages in all (those that fit), forks a child that reads the range, and unmaps it. \
             After each step it prints what /proc/self/status and /proc/self/smaps show and what \
             zamora_mem_stats_process(2) returns, and the change each step must make.",
            "It checks every change: the reservation commits nothing, reading commits nothing, \
             each written page is committed and zero-filled exactly once, the child is killed by \
             SIGSEGV because the range is not inherited, and munmap gives everything back.",
        ],
        sections: vec![
            (
                "EXIT STATUS",
                Extra::Tagged(&[
                    ("0", "all checks passed"),
                    (
                        "1",
                        "a check failed, or a system call or a read of /proc failed",
                    ),
                    ("2", "bad arguments"),
                    (
                        "3",
                        "the running kernel has no zamora_* system calls (ENOSYS)",
                    ),
                ]),
            ),
            (
                "EXAMPLES",
                Extra::Commands(&[
                    ("tamalloc-demo", "the narrated run with 256 MiB"),
                    ("tamalloc-demo --size-mib 16", "the same with 16 MiB"),
                    (
                        "tamalloc-demo --size-mib 16 --trace",
                        "also check the usac_mem trace events of the call and of each first write",
                    ),
                ]),
            ),
            (
                "SEE ALSO",
                Extra::SeeAlso(&[
                    ("memstat", "1"),
                    ("fork", "2"),
                    ("mmap", "2"),
                    ("zamora_mem_stats_process", "2"),
                    ("zamora_tamalloc", "2"),
                    ("proc", "5"),
                ]),
            ),
        ],
    }
}

/// Appends `section` to `roff`.
fn render_extra(roff: &mut Roff, title: &str, section: &Extra) {
    roff.control("SH", [title]);
    match section {
        Extra::Tagged(items) => {
            for (tag, text) in *items {
                roff.control("TP", []);
                roff.text([bold(*tag)]);
                roff.text([roman(*text)]);
            }
        }
        Extra::Commands(items) => {
            for (command, what) in *items {
                roff.control("TP", []);
                roff.text([bold(*command)]);
                roff.text([roman(*what)]);
            }
        }
        Extra::SeeAlso(refs) => {
            let mut line: Vec<Inline> = Vec::new();
            for (i, (name, section)) in refs.iter().enumerate() {
                let sep = if i + 1 < refs.len() { ", " } else { "" };
                line.push(bold(*name));
                line.push(roman(format!("({section}){sep}")));
            }
            roff.text(line);
        }
    }
}

/// The whole page, in roff.
fn render(page: Page, date: &str) -> std::io::Result<(String, Vec<u8>)> {
    // The EXAMPLES and EXIT STATUS sections say what `after_help` says for the terminal.
    let command = page
        .command
        .after_help(None::<&'static str>)
        .after_long_help(None::<&'static str>);
    let name = command.get_name().to_string();
    let has_subcommands = command.get_subcommands().any(|s| !s.is_hide_set());
    let man = Man::new(command)
        .title(name.to_uppercase())
        .date(date)
        .source("usac-mm")
        .manual("usac-mm tools");
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    let mut more = Roff::new();
    for p in page.description {
        more.control("PP", []);
        more.text([roman(*p)]);
    }
    more.to_writer(&mut out)?;
    man.render_options_section(&mut out)?;
    if has_subcommands {
        man.render_subcommands_section(&mut out)?;
    }
    let mut extra = Roff::new();
    for (title, section) in &page.sections {
        render_extra(&mut extra, title, section);
    }
    extra.to_writer(&mut out)?;
    Ok((man.get_filename(), tidy(&String::from_utf8_lossy(&out))))
}

/// Makes clap_mangen's roff pass `mandoc -T lint` without a message: the string definition it
/// repeats before every section is kept once, trailing spaces go, and text lines longer than 80
/// bytes are wrapped at spaces (a line break in filled roff text is a space). Lines that must
/// stay whole are left alone: control lines, the tag line after `.TP`, and no-fill blocks.
fn tidy(page: &str) -> Vec<u8> {
    const AQ: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];
    let mut out = String::new();
    let (mut seen_aq, mut nofill, mut after_tp) = (0, false, false);
    for line in page.lines() {
        let line = line.trim_end();
        if AQ.contains(&line) {
            seen_aq += 1;
            if seen_aq > 2 {
                continue;
            }
        }
        if line.starts_with('.') {
            match line.split_whitespace().next() {
                Some(".nf" | ".EX") => nofill = true,
                Some(".fi" | ".EE") => nofill = false,
                _ => {}
            }
            after_tp = line == ".TP";
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let keep = nofill || after_tp;
        after_tp = false;
        let mut rest = line;
        while !keep && rest.len() > 80 {
            let mut spaces = rest
                .char_indices()
                .filter(|&(i, c)| c == ' ' && i > 0 && i <= 80);
            let Some((cut, _)) = spaces.next_back() else {
                break;
            };
            out.push_str(&rest[..cut]);
            out.push('\n');
            rest = rest[cut + 1..].trim_start();
            if rest.starts_with(['.', '\'']) {
                out.push_str("\\&");
            }
        }
        out.push_str(rest);
        out.push('\n');
    }
    out.into_bytes()
}

fn write_pages(dir: &Path, date: &str) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for page in [memstat(), tamalloc_demo()] {
        let (file, text) = render(page, date)?;
        let path = dir.join(file);
        std::fs::File::create(&path)?.write_all(&text)?;
        written.push(path);
    }
    Ok(written)
}

/// Writes memstat(1) and tamalloc-demo(1) from the tools' clap definitions.
#[derive(clap::Parser)]
#[command(name = "usac-mangen")]
struct Args {
    /// Where the pages go (created if missing)
    out_dir: PathBuf,
    /// The date in the pages' footer, YYYY-MM-DD (none if not given)
    #[arg(default_value = "")]
    date: String,
}

fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    match write_pages(&args.out_dir, &args.date) {
        Ok(paths) => {
            for p in paths {
                println!("{}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("usac-mangen: {}: {e}", args.out_dir.display());
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_text(page: Page) -> String {
        String::from_utf8(render(page, "2026-01-01").unwrap().1).unwrap()
    }

    #[test]
    fn pages_have_every_option_and_section() {
        for (page, command) in [
            (memstat(), usac_tools::cli::memstat_command()),
            (tamalloc_demo(), usac_tools::cli::tamalloc_demo_command()),
        ] {
            let text = page_text(page);
            for section in [
                "NAME",
                "SYNOPSIS",
                "DESCRIPTION",
                "OPTIONS",
                "\"EXIT STATUS\"",
                "EXAMPLES",
                "\"SEE ALSO\"",
            ] {
                assert!(
                    text.contains(&format!("\n.SH {section}\n")),
                    "{}: no {section}",
                    command.get_name()
                );
            }
            assert!(!text.contains(".SH EXTRA"), "after_help is rendered twice");
            for arg in command.get_arguments() {
                if let Some(long) = arg.get_long() {
                    let escaped = format!("\\-\\-{}", long.replace('-', "\\-"));
                    assert!(text.contains(&escaped), "{long} is not in the page");
                }
            }
        }
    }

    #[test]
    fn tidy_wraps_text_but_not_tags_or_examples() {
        let long = "word ".repeat(30);
        let page = format!(".SH A\n{long}\n.TP\n{long}\n.EX\n{long}\n.EE\n.{long}\n");
        let text = String::from_utf8(tidy(&page)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].len() <= 80 && lines[2].len() <= 80, "{text}");
        assert_eq!(
            lines[1].split(' ').count() + lines[2].split(' ').count(),
            30
        );
        assert_eq!(lines[4], long.trim_end(), "a .TP tag is one line");
        assert_eq!(lines[6], long.trim_end(), "no-fill text is left alone");
        assert!(text.lines().all(|l| l == l.trim_end()));
    }

    #[test]
    fn tidy_escapes_a_wrapped_line_that_would_be_a_request() {
        let page = format!("{} .not-a-request\n", "x".repeat(79));
        assert_eq!(
            String::from_utf8(tidy(&page)).unwrap(),
            format!("{}\n\\&.not-a-request\n", "x".repeat(79))
        );
    }

    #[test]
    fn title_line_names_the_page() {
        let text = page_text(memstat());
        let th = text.lines().find(|l| l.starts_with(".TH"));
        assert_eq!(
            th,
            Some(".TH MEMSTAT 1 2026-01-01 usac-mm \"usac-mm tools\"")
        );
    }
}
