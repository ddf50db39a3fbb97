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

/// Runs `rounds` rounds of `candidate` and `baseline`, alternating which goes first, and returns
/// the median of each (whatever unit the closures measure in).
pub fn alternate(
    rounds: usize,
    mut candidate: impl FnMut() -> f64,
    mut baseline: impl FnMut() -> f64,
) -> (f64, f64) {
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
    (median(&mut c), median(&mut b))
}

/// One benchmark result: candidate vs baseline, in ns per operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub candidate_ns: f64,
    pub baseline_ns: f64,
}

impl Row {
    /// candidate / baseline.
    pub fn ratio(&self) -> f64 {
        self.candidate_ns / self.baseline_ns
    }

    /// The row as a JSON object with stable field names.
    pub fn json(&self) -> String {
        format!(
            "{{\"name\":\"{}\",\"candidate_ns\":{:.1},\"baseline_ns\":{:.1},\"ratio\":{:.3}}}",
            self.name,
            self.candidate_ns,
            self.baseline_ns,
            self.ratio()
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
        let (c, b) = alternate(
            4,
            || {
                order_ref.borrow_mut().push('c');
                2.0
            },
            || {
                order_ref.borrow_mut().push('b');
                1.0
            },
        );
        assert_eq!((c, b), (2.0, 1.0));
        assert_eq!(order.iter().collect::<String>(), "cbbccbbc");
        let row = Row {
            name: "x".into(),
            candidate_ns: 110.0,
            baseline_ns: 100.0,
        };
        assert!((row.ratio() - 1.1).abs() < 1e-9);
        assert_eq!(
            row.json(),
            "{\"name\":\"x\",\"candidate_ns\":110.0,\"baseline_ns\":100.0,\"ratio\":1.100}"
        );
    }
}
