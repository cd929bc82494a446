//! Protocol timing: Skew_Time and Master_Down_Interval as keepalived computes them.
//!
//! - v2 (RFC 3768 §6.1): Skew_Time = (256 − priority) / 256 s, independent of the interval
//!   (keepalived issue #421).
//! - v3 (RFC 5798 §6.1): Skew_Time = (256 − priority) · Master_Adver_Interval / 256.
//! - Master_Down_Interval = `down_timer_adverts` (default 3) · Master_Adver_Interval + Skew_Time.
//!
//! keepalived keeps the skew exact (no rounding to centiseconds, unlike FRR); we compute in
//! nanoseconds, which is exact for every whole-centisecond interval.

use crate::wire::Version;
use std::time::Duration;

/// keepalived's default `down_timer_adverts`: adverts a backup misses before it takes over.
pub const DEFAULT_DOWN_TIMER_ADVERTS: u32 = 3;

/// Skew_Time for `priority` with the given Master_Adver_Interval.
pub fn skew_time(version: Version, priority: u8, master_adver_interval: Duration) -> Duration {
    let weight = u128::from(256 - u16::from(priority));
    let base = match version {
        Version::V2 => Duration::from_secs(1),
        Version::V3 => master_adver_interval,
    };
    let nanos = base.as_nanos() * weight / 256;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// Master_Down_Interval = `down_timer_adverts` · Master_Adver_Interval + Skew_Time.
pub fn master_down_interval(
    version: Version,
    priority: u8,
    master_adver_interval: Duration,
    down_timer_adverts: u32,
) -> Duration {
    master_adver_interval * down_timer_adverts + skew_time(version, priority, master_adver_interval)
}

/// An interval as VRRP carries it: centiseconds (v2 sends whole seconds, so a multiple of 100).
pub fn interval_centis(interval: Duration) -> u16 {
    u16::try_from(interval.as_millis() / 10).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_skew_for_priority_100_is_156_256ths_of_a_second_at_any_interval() {
        let expected = Duration::from_nanos(609_375_000);
        assert_eq!(
            skew_time(Version::V2, 100, Duration::from_secs(1)),
            expected
        );
        assert_eq!(
            skew_time(Version::V2, 100, Duration::from_secs(5)),
            expected
        );
    }

    #[test]
    fn v3_skew_scales_with_the_master_adver_interval() {
        assert_eq!(
            skew_time(Version::V3, 100, Duration::from_millis(100)),
            Duration::from_nanos(60_937_500)
        );
        assert_eq!(
            master_down_interval(Version::V3, 100, Duration::from_millis(100), 3),
            Duration::from_nanos(360_937_500)
        );
    }

    #[test]
    fn master_down_interval_uses_down_timer_adverts() {
        assert_eq!(
            master_down_interval(Version::V2, 100, Duration::from_secs(1), 3),
            Duration::from_nanos(3_609_375_000)
        );
        assert_eq!(
            master_down_interval(Version::V2, 255, Duration::from_secs(1), 5),
            Duration::from_nanos(5_003_906_250)
        );
    }
}
