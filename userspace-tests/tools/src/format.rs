//! Units: the human default (mixed KiB/MiB/GiB), the raw units of `free` (`-b/-k/-m/-g`), and
//! percentages.

/// How sizes are shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unit {
    /// `512 KiB`, `1.50 MiB`, `2.00 GiB`.
    #[default]
    Human,
    Bytes,
    KiB,
    MiB,
    GiB,
}

impl Unit {
    /// `kib` KiB in this unit; raw units are whole numbers, rounded down as `free` does.
    pub fn show(self, kib: u64) -> String {
        match self {
            Unit::Human => human_kib(kib),
            Unit::Bytes => (kib * 1024).to_string(),
            Unit::KiB => kib.to_string(),
            Unit::MiB => (kib >> 10).to_string(),
            Unit::GiB => (kib >> 20).to_string(),
        }
    }
}

/// `kib` KiB as a short human size: `512 KiB`, `1.5 MiB`, `2.00 GiB`.
pub fn human_kib(kib: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = kib as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{kib} KiB")
    } else if value < 10.0 {
        format!("{value:.2} {}", UNITS[unit])
    } else if value < 100.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// A `committed_pct_x100` value as a percentage with two decimals.
pub fn percent_x100(pct_x100: u32) -> String {
    format!("{}.{:02}", pct_x100 / 100, pct_x100 % 100)
}

/// `%MEM` as ps computes it (procps `pr_pmem`): resident memory per mille of MemTotal, rounded
/// down and capped at 99.9, shown with one decimal.
pub fn percent_mem(rss_kb: u64, mem_total_kb: u64) -> String {
    let per_mille = (rss_kb * 1000)
        .checked_div(mem_total_kb)
        .unwrap_or(0)
        .min(999);
    format!("{}.{}", per_mille / 10, per_mille % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_kib(0), "0 KiB");
        assert_eq!(human_kib(1023), "1023 KiB");
        assert_eq!(human_kib(1024), "1.00 MiB");
        assert_eq!(human_kib(1536), "1.50 MiB");
        assert_eq!(human_kib(20 * 1024), "20.0 MiB");
        assert_eq!(human_kib(300 * 1024), "300 MiB");
        assert_eq!(human_kib(3 << 20), "3.00 GiB");
        assert_eq!(human_kib(5 << 30), "5.00 TiB");
    }

    #[test]
    fn raw_units_round_down() {
        let kib = (3 << 20) + 1535;
        assert_eq!(Unit::Bytes.show(kib), (kib * 1024).to_string());
        assert_eq!(Unit::KiB.show(kib), kib.to_string());
        assert_eq!(Unit::MiB.show(kib), "3073");
        assert_eq!(Unit::GiB.show(kib), "3");
        assert_eq!(Unit::Human.show(kib), "3.00 GiB");
    }

    #[test]
    fn percents() {
        assert_eq!(percent_x100(0), "0.00");
        assert_eq!(percent_x100(5), "0.05");
        assert_eq!(percent_x100(1234), "12.34");
        assert_eq!(percent_x100(10000), "100.00");
        assert_eq!(percent_mem(1999, 20000), "9.9");
        assert_eq!(percent_mem(2000, 20000), "10.0");
        assert_eq!(percent_mem(1, 2 << 20), "0.0");
        assert_eq!(percent_mem(5, 5), "99.9");
        assert_eq!(percent_mem(5, 0), "0.0");
    }
}
