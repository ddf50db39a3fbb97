//! Reading `Key:   value [kB]` files of /proc (status, meminfo), the numbers the syscalls are
//! compared with.

/// The value of `field` in a `Key:   value [kB]` text such as /proc/PID/status or /proc/meminfo,
/// as a number (the unit, if any, is dropped).
pub fn field_in(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key == field).then(|| value.split_whitespace().next()?.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_and_without_units() {
        let status = "Name:\tcat\nPid:\t42\nVmSize:\t    2048 kB\nVmRSS:\t 512 kB\n";
        assert_eq!(field_in(status, "Pid"), Some(42));
        assert_eq!(field_in(status, "VmSize"), Some(2048));
        assert_eq!(field_in(status, "VmRSS"), Some(512));
        assert_eq!(field_in(status, "VmSwap"), None);
        assert_eq!(field_in(status, "Name"), None);
    }
}
