//! Measurement helpers: alternating rounds, medians, ratios.

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

/// One benchmark result: candidate vs baseline, in ns per operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub candidate_ns: f64,
    pub baseline_ns: f64,
    /// The smallest and largest sample of each side.
    pub candidate_min_ns: f64,
    pub candidate_max_ns: f64,
    pub baseline_min_ns: f64,
    pub baseline_max_ns: f64,
    /// The smallest and largest per-round ratio.
    pub ratio_min: f64,
    pub ratio_max: f64,
    /// How many items (processes) one operation covers; 1 when it is not a listing.
    pub items: usize,
}

impl Row {
    /// A row from the measurements of [`alternate`], for operations that cover `items` items.
    pub fn new(name: String, m: Paired, items: usize) -> Self {
        Row {
            name,
            candidate_ns: m.candidate.median,
            baseline_ns: m.baseline.median,
            candidate_min_ns: m.candidate.min,
            candidate_max_ns: m.candidate.max,
            baseline_min_ns: m.baseline.min,
            baseline_max_ns: m.baseline.max,
            ratio_min: m.ratio_min,
            ratio_max: m.ratio_max,
            items,
        }
    }

    /// candidate / baseline, of the medians.
    pub fn ratio(&self) -> f64 {
        self.candidate_ns / self.baseline_ns
    }

    /// The row as a JSON object with stable field names.
    pub fn json(&self) -> String {
        format!(
            "{{\"name\":\"{}\",\"candidate_ns\":{:.1},\"baseline_ns\":{:.1},\"ratio\":{:.3},\
             \"ratio_min\":{:.3},\"ratio_max\":{:.3},\"candidate_min_ns\":{:.1},\
             \"candidate_max_ns\":{:.1},\"baseline_min_ns\":{:.1},\"baseline_max_ns\":{:.1},\
             \"items\":{}}}",
            self.name,
            self.candidate_ns,
            self.baseline_ns,
            self.ratio(),
            self.ratio_min,
            self.ratio_max,
            self.candidate_min_ns,
            self.candidate_max_ns,
            self.baseline_min_ns,
            self.baseline_max_ns,
            self.items
        )
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
        let row = Row::new("x".into(), m, 3);
        assert!((row.ratio() - 2.5).abs() < 1e-9);
        assert_eq!(
            row.json(),
            "{\"name\":\"x\",\"candidate_ns\":2.5,\"baseline_ns\":1.0,\"ratio\":2.500,\
             \"ratio_min\":1.000,\"ratio_max\":9.000,\"candidate_min_ns\":1.0,\
             \"candidate_max_ns\":9.0,\"baseline_min_ns\":1.0,\"baseline_max_ns\":1.0,\
             \"items\":3}"
        );
    }
}
