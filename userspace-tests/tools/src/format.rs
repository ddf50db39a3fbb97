//! Human units.

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
    fn percents() {
        assert_eq!(percent_x100(0), "0.00");
        assert_eq!(percent_x100(5), "0.05");
        assert_eq!(percent_x100(1234), "12.34");
        assert_eq!(percent_x100(10000), "100.00");
    }
}
