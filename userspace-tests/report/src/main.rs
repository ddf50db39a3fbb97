//! `usac-report CONSOLE_LOG OUT_DIR`: writes OUT_DIR/REPORT.md and its PNG plots from the console
//! log of a `make report` run (tamalloc-demo --json and usac-bench output).

use plotters::prelude::*;
use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use usac_report::{num, processes_in, read_log, written_in, Object, Run};

type Res<T> = Result<T, Box<dyn Error>>;

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

fn register_font() -> Res<()> {
    let bytes: &'static [u8] = Box::leak(std::fs::read(FONT)?.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| "cannot load the font")?;
    Ok(())
}

/// A line chart of named series of (x, y) points.
fn line_chart(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(&str, Vec<(f64, f64)>)],
    log_y: bool,
) -> Res<()> {
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let all = series.iter().flat_map(|(_, p)| p.iter());
    let max_x = all.clone().map(|p| p.0).fold(1.0, f64::max) * 1.05;
    let max_y = all.clone().map(|p| p.1).fold(1e-9, f64::max) * 1.15;
    let min_y = all.map(|p| p.1).filter(|&y| y > 0.0).fold(max_y, f64::min) / 2.0;
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
                        points.iter().copied(),
                        color.stroke_width(if i == 0 { 6 } else { 2 }),
                    ))?
                    .label(*name)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
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
    if log_y {
        draw!(builder.build_cartesian_2d(0f64..max_x, (min_y..max_y).log_scale())?);
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

fn bench_rows<'a>(run: &'a Run, prefix: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
    run.bench
        .iter()
        .filter(move |o| o.get("name").is_some_and(|n| n.starts_with(prefix)))
}

fn write_report(run: &Run, out: &Path) -> Res<()> {
    std::fs::create_dir_all(out)?;
    let mut md = String::new();
    writeln!(
        md,
        "# usac-mm results\n\nGenerated by `make report` from one VM boot: {}.\n",
        run.header
    )?;

    // 1. RSS and zeroed pages vs pages touched.
    let start = run.demo.first().ok_or("no DEMO-JSON lines in the log")?;
    let base_rss = num(start, "committed_kb").unwrap_or(0.0);
    let mut touched_rss = vec![(0.0, 0.0)];
    let mut touched_zeroed = vec![(0.0, 0.0)];
    for o in &run.demo {
        let Some(step) = o.get("step") else { continue };
        let Some(n) = written_in(step) else {
            continue;
        };
        touched_rss.push((
            n,
            (num(o, "committed_kb").unwrap_or(0.0) - base_rss) / 1024.0,
        ));
        touched_zeroed.push((n, num(o, "zeroed_pages").unwrap_or(0.0) * 4.0 / 1024.0));
    }
    let eager = run
        .demo
        .iter()
        .find_map(|o| num(o, "eager_baseline_rss_kb"))
        .unwrap_or(0.0)
        / 1024.0;
    let max_touched = touched_rss.last().map_or(0.0, |p| p.0);
    let eager_line = vec![(0.0, eager), (max_touched, eager)];
    line_chart(
        &out.join("rss_vs_pages_touched.png"),
        "Committed memory vs pages written (256 MiB reserved)",
        "pages written",
        "MiB",
        &[
            ("tamalloc: RSS growth", touched_rss.clone()),
            ("tamalloc: zero-filled pages (as MiB)", touched_zeroed),
            ("mmap + memset (eager): RSS growth", eager_line),
        ],
        false,
    )?;
    writeln!(md, "## Lazy commit: RSS follows the pages written\n")?;
    writeln!(md, "![RSS vs pages written](rss_vs_pages_touched.png)\n")?;
    writeln!(md, "| pages written | tamalloc RSS growth (MiB) | eager mmap+memset RSS growth (MiB) |\n|---|---|---|")?;
    for (n, rss) in &touched_rss {
        writeln!(md, "| {n:.0} | {rss:.2} | {eager:.2} |")?;
    }

    // 2. Stats latency vs number of processes.
    let mut series = Vec::new();
    writeln!(md, "\n## Statistics: one syscall vs a /proc scan\n\n![stats latency](stats_vs_processes.png)\n")?;
    writeln!(
        md,
        "| benchmark | processes | syscall (ms) | /proc (ms) | speed-up |\n|---|---|---|---|---|"
    )?;
    for (prefix, label) in [("all-process", "all-process"), ("global", "global")] {
        let rows: Vec<(f64, f64, f64)> = bench_rows(run, prefix)
            .filter_map(|o| {
                Some((
                    processes_in(o.get("name")?)? as f64,
                    num(o, "candidate_ns")? / 1e6,
                    num(o, "baseline_ns")? / 1e6,
                ))
            })
            .collect();
        for &(n, c, b) in &rows {
            writeln!(md, "| {label} | {n:.0} | {c:.2} | {b:.1} | {:.1}x |", b / c)?;
        }
        series.push((
            format!("{label}: syscall"),
            rows.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        ));
        series.push((
            format!("{label}: /proc scan"),
            rows.iter().map(|r| (r.0, r.2)).collect(),
        ));
    }
    let named: Vec<(&str, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(n, p)| (n.as_str(), p.clone()))
        .collect();
    line_chart(
        &out.join("stats_vs_processes.png"),
        "Memory statistics of every process: latency",
        "processes",
        "ms (log scale)",
        &named,
        true,
    )?;

    // 3. Fault and call costs.
    let bars: Vec<(String, f64, f64)> = bench_rows(run, "")
        .filter(|o| o["name"].contains("tamalloc vs mmap"))
        .filter_map(|o| {
            let name = o["name"]
                .split(" (")
                .next()?
                .replace(", 8192 pages", "")
                .replace("call latency", "call");
            Some((
                name,
                num(o, "candidate_ns")? / 1000.0,
                num(o, "baseline_ns")? / 1000.0,
            ))
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
        "\nMedians of alternating rounds; ratio = tamalloc / mmap. Raw lines: see the console log."
    )?;
    std::fs::write(out.join("REPORT.md"), md)?;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: usac-report CONSOLE_LOG OUT_DIR");
        std::process::exit(2);
    }
    let result = std::fs::read(&args[1])
        .map_err(|e| format!("{}: {e}", args[1]).into())
        .and_then(|bytes| {
            register_font()?;
            let run = read_log(&String::from_utf8_lossy(&bytes));
            write_report(&run, Path::new(&args[2]))
        });
    if let Err(e) = result {
        eprintln!("usac-report: {e}");
        std::process::exit(1);
    }
    println!("usac-report: wrote {}/REPORT.md", args[2]);
}
