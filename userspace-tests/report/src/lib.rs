//! Reading a `make report` console log: the run's header, `DEMO-JSON` and `BENCH-JSON` lines.

use std::collections::BTreeMap;

/// A flat JSON object (string and number values), as the VM tools print them.
pub type Object = BTreeMap<String, String>;

/// Parses a flat JSON object: `{"a":1,"b":"x"}`. Nested values are not supported (not printed).
pub fn parse_object(text: &str) -> Option<Object> {
    let body = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Object::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let (key, after) = parse_string(rest)?;
        rest = after.trim_start().strip_prefix(':')?.trim_start();
        let value;
        if rest.starts_with('"') {
            let (v, after) = parse_string(rest)?;
            value = v;
            rest = after;
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        out.insert(key, value);
        rest = rest.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Some(out)
}

fn parse_string(text: &str) -> Option<(String, &str)> {
    let mut chars = text.strip_prefix('"')?.char_indices();
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &text[i + 2..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
    None
}

/// What a report run printed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Run {
    /// `Linux 6.12.117 (default), accel tcg, 2026-11-25 15:00:00 UTC`
    pub header: String,
    pub demo: Vec<Object>,
    pub bench: Vec<Object>,
}

/// Collects the tagged lines of a console log.
pub fn read_log(log: &str) -> Run {
    let mut run = Run::default();
    for line in log.lines().map(|l| l.trim_end_matches('\r')) {
        if let Some(h) = line.strip_prefix("usac-mm: Linux ") {
            run.header = format!("Linux {h}");
        } else if let Some(o) = line.strip_prefix("DEMO-JSON ").and_then(parse_object) {
            run.demo.push(o);
        } else if let Some(o) = line.strip_prefix("BENCH-JSON ").and_then(parse_object) {
            run.bench.push(o);
        }
    }
    run
}

/// A number field of an object.
pub fn num(o: &Object, key: &str) -> Option<f64> {
    o.get(key)?.parse().ok()
}

/// The pages written so far in a demo step like "write 15 more page(s) (16 written)".
pub fn written_in(step: &str) -> Option<f64> {
    step.rsplit('(')
        .next()?
        .strip_suffix(" written)")?
        .parse()
        .ok()
}

/// The process count in a benchmark name like "all-process stats, 1000 processes (...)".
pub fn processes_in(name: &str) -> Option<u64> {
    let before = name.split(" processes").next()?;
    before.rsplit(' ').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects() {
        let o = parse_object(r#"{"name":"a, \"b\"","x":12.5,"n":-3}"#).unwrap();
        assert_eq!(o["name"], "a, \"b\"");
        assert_eq!(num(&o, "x"), Some(12.5));
        assert_eq!(num(&o, "n"), Some(-3.0));
        assert_eq!(parse_object("{}"), Some(Object::new()));
        assert_eq!(parse_object("nope"), None);
    }

    #[test]
    fn log_lines() {
        let log = "junk\r\nusac-mm: Linux 6.12.117 (default), accel tcg, 2026-11-25 UTC\n\
                   [ 1.0] BENCH-JSON {\"name\":\"kernel line\"}\n\
                   DEMO-JSON {\"step\":\"start\",\"zeroed_pages\":0}\r\n\
                   BENCH-JSON {\"name\":\"all-process stats, 1000 processes (x)\",\"ratio\":0.05}\n";
        let run = read_log(log);
        assert_eq!(
            run.header,
            "Linux 6.12.117 (default), accel tcg, 2026-11-25 UTC"
        );
        assert_eq!(run.demo.len(), 1);
        assert_eq!(run.bench.len(), 1);
        assert_eq!(processes_in(&run.bench[0]["name"]), Some(1000));
        assert_eq!(processes_in("call latency 4KiB"), None);
        assert_eq!(written_in("write 15 more page(s) (16 written)"), Some(16.0));
        assert_eq!(written_in("zamora_tamalloc(256 MiB)"), None);
    }
}
