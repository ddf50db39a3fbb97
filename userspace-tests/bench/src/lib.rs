//! Measurement helpers: alternating rounds, medians, ratios; and `usac-bench`'s command line
//! ([`cli::command`], for a man-page generator).

pub mod cli;
pub mod kernel_counts;
pub mod procfs_reader;

use usac_schema::bench::BenchRow;
use usac_schema::Schema;

/// The median of `samples` (sorted in place); 0 for none.
pub fn median(samples: &mut [f64]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}

/// The spread of one side's samples: min, median and max.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Spread {
    /// The spread of `samples` (sorted in place); all 0 for none.
    pub fn of(samples: &mut [f64]) -> Self {
        let median = median(samples);
        Spread {
            min: samples.first().copied().unwrap_or(0.0),
            median,
            max: samples.last().copied().unwrap_or(0.0),
        }
    }
}

/// Candidate and baseline over alternating rounds, and the range of the per-round ratio
/// candidate / baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    pub candidate: Spread,
    pub baseline: Spread,
    pub ratio_min: f64,
    pub ratio_max: f64,
}

/// Runs one discarded warm-up round, then `rounds` rounds of `candidate` and `baseline`,
/// alternating which goes first, and returns the spread of each (in whatever unit the closures
/// measure) with the range of the per-round ratios.
pub fn alternate(
    rounds: usize,
    mut candidate: impl FnMut() -> f64,
    mut baseline: impl FnMut() -> f64,
) -> Paired {
    candidate();
    baseline();
    let (mut c, mut b) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds {
        if round % 2 == 0 {
            c.push(candidate());
            b.push(baseline());
        } else {
            b.push(baseline());
            c.push(candidate());
        }
    }
    let ratios: Vec<f64> = c.iter().zip(&b).map(|(c, b)| c / b).collect();
    Paired {
        candidate: Spread::of(&mut c),
        baseline: Spread::of(&mut b),
        ratio_min: ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratio_max: ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

/// The result of a benchmark named `name` from the measurements of [`alternate`], for operations
/// that cover `items` items (processes; 1 when it is not a listing).
pub fn row(name: String, m: Paired, items: u64) -> BenchRow {
    BenchRow {
        schema: Schema::new(),
        name,
        candidate_ns: m.candidate.median,
        baseline_ns: m.baseline.median,
        ratio: m.candidate.median / m.baseline.median,
        ratio_min: m.ratio_min,
        ratio_max: m.ratio_max,
        candidate_min_ns: m.candidate.min,
        candidate_max_ns: m.candidate.max,
        baseline_min_ns: m.baseline.min,
        baseline_max_ns: m.baseline.max,
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), 0.0);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn alternation_and_ratio() {
        let mut order = Vec::new();
        let order_ref = std::cell::RefCell::new(&mut order);
        let c_values = std::cell::RefCell::new(vec![2.0, 3.0, 2.0, 1.0, 9.0].into_iter());
        let m = alternate(
            4,
            || {
                order_ref.borrow_mut().push('c');
                c_values.borrow_mut().next().unwrap()
            },
            || {
                order_ref.borrow_mut().push('b');
                1.0
            },
        );
        // The warm-up pair (first c = 2.0) is discarded.
        assert_eq!(order.iter().collect::<String>(), "cbcbbccbbc");
        let c = Spread {
            min: 1.0,
            median: 2.5,
            max: 9.0,
        };
        assert_eq!((m.candidate, m.baseline.median), (c, 1.0));
        assert_eq!((m.ratio_min, m.ratio_max), (1.0, 9.0));
        let row = row("x".into(), m, 3);
        assert!((row.ratio - 2.5).abs() < 1e-9);
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            "{\"schema\":\"usac-bench/1\",\"name\":\"x\",\"candidate_ns\":2.5,\
             \"baseline_ns\":1.0,\"ratio\":2.5,\"ratio_min\":1.0,\"ratio_max\":9.0,\
             \"candidate_min_ns\":1.0,\"candidate_max_ns\":9.0,\"baseline_min_ns\":1.0,\
             \"baseline_max_ns\":1.0,\"items\":3}"
        );
    }
}
