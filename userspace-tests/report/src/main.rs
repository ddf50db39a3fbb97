//! `usac-report CONSOLE_LOG OUT_DIR [--also LOG]...`: writes OUT_DIR/REPORT.md and its PNG
//! plots from the console logs of a `make report` run (tamalloc-demo --json and usac-bench output).

use clap::Parser;
use plotters::prelude::*;
use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use usac_report::cli::ReportArgs;
use usac_report::{processes_in, read_log, vcpus_in, written_in, Run};
use usac_schema::bench::BenchRow;
use usac_schema::demo::DemoRecord;

type Res<T> = Result<T, Box<dyn Error>>;

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

fn register_font() -> Res<()> {
    let bytes: &'static [u8] = Box::leak(std::fs::read(FONT)?.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| "cannot load the font")?;
    Ok(())
}

/// A point of a line chart: x, y, and the range drawn around y as an error bar (`lo == hi` for
/// none).
type Point = (f64, f64, f64, f64);

/// A line chart of named series of points, with optional logarithmic axes.
fn line_chart(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(&str, Vec<Point>)],
    log_axes: bool,
) -> Res<()> {
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let all = series.iter().flat_map(|(_, p)| p.iter());
    let max_x = all.clone().map(|p| p.0).fold(1.0, f64::max) * 1.05;
    let min_x = all
        .clone()
        .map(|p| p.0)
        .filter(|&x| x > 0.0)
        .fold(max_x, f64::min)
        / 1.3;
    let max_y = all.clone().map(|p| p.3.max(p.1)).fold(1e-9, f64::max) * 1.15;
    let min_y = all
        .map(|p| p.2.min(p.1))
        .filter(|&y| y > 0.0)
        .fold(max_y, f64::min)
        / 2.0;
    let colors = [RED, BLUE, GREEN, MAGENTA];
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(80);
    macro_rules! draw {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc(y_desc)
                .label_style(("sans-serif", 14))
                .draw()?;
            for (i, (name, points)) in series.iter().enumerate() {
                let color = colors[i % colors.len()];
                chart
                    // Wider lines first, so that a series hidden under a later one shows.
                    .draw_series(LineSeries::new(
                        points.iter().map(|p| (p.0, p.1)),
                        color.stroke_width(if i == 0 { 6 } else { 2 }),
                    ))?
                    .label(*name)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                chart.draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new((p.0, p.1), 4, color.filled())),
                )?;
                chart.draw_series(points.iter().filter(|p| p.2 < p.3).map(|p| {
                    ErrorBar::new_vertical(p.0, p.2, p.1, p.3, color.stroke_width(2), 10)
                }))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .label_font(("sans-serif", 15))
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .draw()?;
        }};
    }
    if log_axes {
        draw!(builder.build_cartesian_2d((min_x..max_x).log_scale(), (min_y..max_y).log_scale())?);
    } else {
        draw!(builder.build_cartesian_2d(0f64..max_x, 0f64..max_y)?);
    }
    root.present()?;
    Ok(())
}

/// A grouped bar chart: for each label, candidate and baseline side by side.
fn bar_chart(path: &Path, title: &str, y_desc: &str, bars: &[(String, f64, f64)]) -> Res<()> {
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let max_y = bars.iter().map(|b| b.1.max(b.2)).fold(1e-9, f64::max) * 1.2;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..bars.len() as f64, 0f64..max_y)?;
    let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bars.len() * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - i as f64 - 0.5).abs() < 0.01 {
                labels.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc(y_desc)
        .label_style(("sans-serif", 14))
        .draw()?;
    for (color, name, pick) in [(RED, "tamalloc", 0usize), (BLUE, "mmap", 1)] {
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let v = if pick == 0 { b.1 } else { b.2 };
                let x0 = i as f64 + 0.15 + pick as f64 * 0.35;
                Rectangle::new([(x0, 0.0), (x0 + 0.33, v)], color.filled())
            }))?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn bench_rows<'a>(run: &'a Run, prefix: &'a str) -> impl Iterator<Item = &'a BenchRow> + 'a {
    run.bench.iter().filter(move |o| o.name.starts_with(prefix))
}

/// The latency rows, a table row per vCPU count and process count.
fn latency_section(run: &Run, md: &mut String) -> Res<()> {
    let rows = |vs: &str| {
        let suffix = format!("(listing vs {vs})");
        bench_rows(run, "longest wake-up delay")
            .filter(move |o| o.name.ends_with(&suffix))
            .filter_map(|o| Some(((vcpus_in(&o.name)?, processes_in(&o.name)?), o)))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (user, call) = (rows("user-space loop"), rows("one whole listing call"));
    if user.is_empty() {
        return Ok(());
    }
    writeln!(
        md,
        "\n## A long listing keeps no CPU from a real-time task\n\n\
         The longest delay of a SCHED_FIFO thread's timer wake-ups, every millisecond, on the CPU \
         where a listing runs in a loop (cyclictest's measure): median (min-max) over the rounds \
         of each round's longest, next to the same while a user-space loop runs on that CPU (the \
         emulator's noise) and one whole listing call (the delay if the walk had no scheduling \
         point).\n\n\
         | vCPUs | processes | while listing (ms) | while a user-space loop runs (ms) | one whole listing call (ms) |\n\
         |---|---|---|---|---|"
    )?;
    let ms = |ns: f64| ns / 1e6;
    for ((cpus, n), o) in &user {
        let whole = call
            .get(&(*cpus, *n))
            .map_or("-".to_string(), |c| format!("{:.2}", ms(c.baseline_ns)));
        let listing = spread(
            (o.candidate_ns, o.candidate_min_ns, o.candidate_max_ns),
            ms,
            2,
        );
        let user_loop = spread((o.baseline_ns, o.baseline_min_ns, o.baseline_max_ns), ms, 2);
        writeln!(md, "| {cpus} | {n} | {listing} | {user_loop} | {whole} |")?;
    }
    Ok(())
}

/// memstat against ps, top and smem, whole commands, by tool and process count.
fn tools_section(run: &Run, md: &mut String) -> Res<()> {
    let rows: Vec<&BenchRow> = bench_rows(run, "memstat vs").collect();
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(
        md,
        "\n## memstat vs the tools people use\n\n\
         Whole commands started and waited for, their output discarded, on the Debian system \
         (systemd, procps, smem): `memstat` (one syscall) against `ps -e -o pid,vsz,rss,comm`, \
         `top -b -n 1` and `smem`, at the system's own process count and with 1000 and 10 000 \
         sleeping processes more. Median (min-max) of the rounds; speed-up = tool / memstat.\n\n\
         | tool | processes | memstat (ms) | tool (ms) | speed-up (range) |\n|---|---|---|---|---|"
    )?;
    let ms = |ns: f64| ns / 1e6;
    for o in rows {
        let tool = o
            .name
            .strip_prefix("memstat vs ")
            .and_then(|rest| rest.rsplit_once(", "))
            .map_or(o.name.as_str(), |(tool, _)| tool);
        writeln!(
            md,
            "| `{tool}` | {} | {} | {} | {:.1}x ({:.1}-{:.1}) |",
            o.items,
            spread(
                (o.candidate_ns, o.candidate_min_ns, o.candidate_max_ns),
                ms,
                1
            ),
            spread((o.baseline_ns, o.baseline_min_ns, o.baseline_max_ns), ms, 1),
            1.0 / o.ratio,
            1.0 / o.ratio_max,
            1.0 / o.ratio_min
        )?;
    }
    Ok(())
}

/// The system calls and kernel allocations of one snapshot, syscall vs /proc.
fn counts_section(run: &Run, md: &mut String) -> Res<()> {
    if run.counts.is_empty() {
        return Ok(());
    }
    writeln!(
        md,
        "\n## Kernel work for one snapshot\n\n\
         What one snapshot of every process makes the kernel do, counted by tracepoints \
         (`raw_syscalls:sys_enter`, `kmem:kmalloc`, `kmem:kmem_cache_alloc`, `kmem:mm_page_alloc`) \
         on the thread that takes it, after a warm-up, medians of the rounds: these do not depend \
         on the emulator's speed. Listing: the syscall vs reading status, oom_score and \
         oom_score_adj of every process; global: the syscall vs summing every statm.\n\n\
         | snapshot | processes | system calls | slab allocations | pages allocated |\n\
         |---|---|---|---|---|"
    )?;
    for r in &run.counts {
        let snapshot = r.name.split(',').next().unwrap_or(&r.name);
        let (c, b) = (&r.candidate, &r.baseline);
        writeln!(
            md,
            "| {snapshot} | {} | {} vs {} | {} vs {} | {} vs {} |",
            r.items,
            c.syscalls,
            b.syscalls,
            c.slab_allocs,
            b.slab_allocs,
            c.page_allocs,
            b.page_allocs
        )?;
    }
    writeln!(md, "\nEach cell: syscall vs /proc.")?;
    Ok(())
}

/// A table cell "median (min-max)" of `(median, min, max)`, each converted by `unit`, with
/// `digits` decimals.
fn spread((median, min, max): (f64, f64, f64), unit: impl Fn(f64) -> f64, digits: usize) -> String {
    format!(
        "{:.digits$} ({:.digits$}-{:.digits$})",
        unit(median),
        unit(min),
        unit(max)
    )
}

fn write_report(run: &Run, out: &Path, system: bool) -> Res<()> {
    std::fs::create_dir_all(out)?;
    let mut md = String::new();
    writeln!(
        md,
        "# usac-mm results\n\nGenerated by `make report{}` from one VM boot: {}.\n",
        if system { " SYSTEM=1" } else { "" },
        run.header
    )?;
    for other in &run.other_boots {
        writeln!(md, "With latency rows from another boot: {other}.\n")?;
    }

    // 1. RSS and zeroed pages vs pages touched.
    // The tamalloc mappings' own Rss (smaps): VmRSS also moves with the demo's heap.
    let mut touched_rss = vec![(0.0, 0.0, 0.0, 0.0)];
    let mut touched_zeroed = vec![(0.0, 0.0, 0.0, 0.0)];
    for line in &run.demo {
        let DemoRecord::Step(s) = &line.record else {
            continue;
        };
        let Some(n) = written_in(&s.step) else {
            continue;
        };
        let rss = s.tamalloc_rss_kb as f64 / 1024.0;
        touched_rss.push((n, rss, rss, rss));
        let zeroed = s.zeroed_pages as f64 * 4.0 / 1024.0;
        touched_zeroed.push((n, zeroed, zeroed, zeroed));
    }
    let eager = run
        .demo
        .iter()
        .find_map(|line| match line.record {
            DemoRecord::EagerBaseline {
                eager_baseline_rss_kb,
                ..
            } => Some(eager_baseline_rss_kb as f64),
            DemoRecord::Step(_) => None,
        })
        .unwrap_or(0.0)
        / 1024.0;
    let max_touched = touched_rss.last().map_or(0.0, |p| p.0);
    let eager_line = vec![
        (0.0, eager, eager, eager),
        (max_touched, eager, eager, eager),
    ];
    line_chart(
        &out.join("rss_vs_pages_touched.png"),
        "Committed memory vs pages written (256 MiB reserved)",
        "pages written",
        "MiB",
        &[
            ("tamalloc: Rss of the mapping (smaps)", touched_rss.clone()),
            ("tamalloc: zero-filled pages (as MiB)", touched_zeroed),
            ("mmap + memset (eager): RSS growth", eager_line),
        ],
        false,
    )?;
    writeln!(md, "## Lazy commit: RSS follows the pages written\n")?;
    writeln!(md, "![RSS vs pages written](rss_vs_pages_touched.png)\n")?;
    writeln!(md, "| pages written | tamalloc mapping Rss (MiB, smaps) | eager mmap+memset RSS growth (MiB) |\n|---|---|---|")?;
    for (n, rss, _, _) in &touched_rss {
        writeln!(md, "| {n:.0} | {rss:.2} | {eager:.2} |")?;
    }

    // 2. Stats latency vs number of processes, with the spread of the rounds.
    let mut series = Vec::new();
    writeln!(md, "\n## Statistics: one syscall vs a /proc scan\n\n![stats latency](stats_vs_processes.png)\n")?;
    writeln!(
        md,
        "Listing: the syscall vs reading status, oom_score and oom_score_adj of every process. \
         Global: the syscall vs summing /proc/PID/statm. Median (min-max) of the rounds.\n\n\
         | benchmark | processes | syscall (ms) | /proc (ms) | speed-up (range) | syscall µs per process |\n\
         |---|---|---|---|---|---|"
    )?;
    for (prefix, label) in [("all-process", "listing"), ("global", "global")] {
        let rows: Vec<(f64, Point, Point, f64, f64)> = bench_rows(run, prefix)
            .filter_map(|o| {
                let n = processes_in(&o.name)? as f64;
                let ms = |ns: f64| ns / 1e6;
                Some((
                    n,
                    (
                        n,
                        ms(o.candidate_ns),
                        ms(o.candidate_min_ns),
                        ms(o.candidate_max_ns),
                    ),
                    (
                        n,
                        ms(o.baseline_ns),
                        ms(o.baseline_min_ns),
                        ms(o.baseline_max_ns),
                    ),
                    1.0 / o.ratio_max,
                    1.0 / o.ratio_min,
                ))
            })
            .collect();
        for (n, c, b, lo, hi) in &rows {
            let same = |v: f64| v;
            writeln!(
                md,
                "| {label} | {n:.0} | {} | {} | {:.1}x ({lo:.1}-{hi:.1}) | {:.1} |",
                spread((c.1, c.2, c.3), same, 2),
                spread((b.1, b.2, b.3), same, 1),
                b.1 / c.1,
                c.1 * 1000.0 / n
            )?;
        }
        series.push((
            format!("{label}: syscall"),
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        ));
        series.push((
            format!("{label}: /proc scan"),
            rows.iter().map(|r| r.2).collect(),
        ));
    }
    if let Some(o) = bench_rows(run, "one process's stats").next() {
        writeln!(
            md,
            "\n{}: {:.1} µs vs {:.1} µs per call, ratio {:.3} ({:.3}-{:.3}).",
            o.name,
            o.candidate_ns / 1000.0,
            o.baseline_ns / 1000.0,
            o.ratio,
            o.ratio_min,
            o.ratio_max
        )?;
    }
    let named: Vec<(&str, Vec<Point>)> = series
        .iter()
        .map(|(n, p)| (n.as_str(), p.clone()))
        .collect();
    line_chart(
        &out.join("stats_vs_processes.png"),
        "Memory statistics of every process: latency (min-max bars)",
        "processes (log scale)",
        "ms (log scale)",
        &named,
        true,
    )?;

    // 3. On the Debian system: the whole tools, and the kernel's work per snapshot.
    tools_section(run, &mut md)?;
    counts_section(run, &mut md)?;

    // 4. How long a listing keeps its CPU from a real-time task.
    latency_section(run, &mut md)?;

    // 5. Fault and call costs.
    let bars: Vec<(String, f64, f64)> = bench_rows(run, "")
        .filter(|o| o.name.contains("(tamalloc vs mmap"))
        .filter_map(|o| {
            let mut name = o
                .name
                .split(" (")
                .next()?
                .replace(", 8192 pages", "")
                .replace("call latency", "call");
            if o.name.contains("MADV_NOHUGEPAGE") {
                name += ", 4 KiB pages";
            }
            Some((name, o.candidate_ns / 1000.0, o.baseline_ns / 1000.0))
        })
        .collect();
    bar_chart(
        &out.join("tamalloc_vs_mmap.png"),
        "zamora_tamalloc vs mmap: call latency and fault cost",
        "µs per call / per page",
        &bars,
    )?;
    writeln!(
        md,
        "\n## zamora_tamalloc vs mmap\n\n![tamalloc vs mmap](tamalloc_vs_mmap.png)\n"
    )?;
    writeln!(
        md,
        "| benchmark | tamalloc (µs) | mmap (µs) | ratio |\n|---|---|---|---|"
    )?;
    for (name, c, b) in &bars {
        writeln!(md, "| {name} | {c:.2} | {b:.2} | {:.3} |", c / b)?;
    }
    writeln!(
        md,
        "\nThe fault rows compare with mmap memory as the system gives it (with THP \"always\", \
         Debian's default, one fault fills 2 MiB) and with mmap memory of 4 KiB pages \
         (MADV_NOHUGEPAGE, \", 4 KiB pages\"): tamalloc memory never has huge pages, each page is \
         committed and counted by its own first write.\n\
         \nMedians of alternating rounds after a discarded warm-up; ratio = tamalloc / mmap. Raw \
         lines, with each row's min, max and per-round ratio range: see the console log."
    )?;
    std::fs::write(out.join("REPORT.md"), md)?;
    Ok(())
}

fn main() -> ExitCode {
    let args = ReportArgs::parse();
    let read = |path: &Path| -> Res<Run> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let run = read_log(&String::from_utf8_lossy(&bytes))
            .and_then(|run| run.check_vcpus().map(|()| run))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(run)
    };
    let result = read(&args.console_log).and_then(|mut run| {
        for log in &args.more_logs {
            run.absorb(read(log)?);
        }
        run.check_complete(args.system)?;
        register_font()?;
        write_report(&run, &args.out_dir, args.system)
    });
    if let Err(e) = result {
        eprintln!("usac-report: {e}");
        return ExitCode::FAILURE;
    }
    println!("usac-report: wrote {}/REPORT.md", args.out_dir.display());
    ExitCode::SUCCESS
}
