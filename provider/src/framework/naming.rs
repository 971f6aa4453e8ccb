//! Names generated from a prefix (`name_prefix`), the way terraform-provider-aws
//! does it: prefix + UTC timestamp + a per-process counter, 26 characters in all.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Length of the generated suffix.
pub const SUFFIX_LEN: usize = 26;

/// The prefix used when neither `name` nor `name_prefix` is set.
pub const DEFAULT_PREFIX: &str = "platform-";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// `prefix` followed by `YYYYMMDDhhmmss` + 6 digits of microseconds + 6 hex digits.
pub fn unique_name(prefix: &str) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs();
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mix = (std::process::id() << 8) ^ counter;
    format!(
        "{prefix}{year:04}{month:02}{day:02}{:02}{:02}{:02}{:06}{:06x}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        now.subsec_micros(),
        mix & 0xff_ffff,
    )
}

/// Days since 1970-01-01 to a (year, month, day) date (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_has_fixed_length_and_is_unique() {
        let a = unique_name("p-");
        let b = unique_name("p-");
        assert_eq!(a.len(), 2 + SUFFIX_LEN);
        assert_ne!(a, b);
        assert!(a.starts_with("p-20"));
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
