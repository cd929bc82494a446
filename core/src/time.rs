//! Time as the core sees it: a monotonic instant chosen by the driver.
//!
//! The core never reads a clock. Every `handle_*` call takes `now: Instant`, an offset from an
//! origin the driver picks (process start in the daemon, `turmoil::sim_elapsed()` in the
//! simulator, the capture's first packet in replay). Instants from different drivers are never
//! compared.

use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

/// A point in time: the duration since the driver's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(Duration);

impl Instant {
    /// The driver's origin.
    pub const ZERO: Instant = Instant(Duration::ZERO);

    /// The instant `since_origin` after the driver's origin.
    pub const fn from_duration(since_origin: Duration) -> Self {
        Instant(since_origin)
    }

    /// The instant `micros` microseconds after the origin.
    pub const fn from_micros(micros: u64) -> Self {
        Instant(Duration::from_micros(micros))
    }

    /// The instant `millis` milliseconds after the origin.
    pub const fn from_millis(millis: u64) -> Self {
        Instant(Duration::from_millis(millis))
    }

    /// The duration since the driver's origin.
    pub const fn as_duration(self) -> Duration {
        self.0
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// Seconds since the origin as a float (for reports, never for decisions).
    pub fn as_secs_f64(self) -> f64 {
        self.0.as_secs_f64()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0 + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        self.0 += rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturating: an earlier minus a later instant is zero.
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

impl std::fmt::Display for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3}s", self.0.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_minus_earlier_is_the_gap_and_earlier_minus_later_is_zero() {
        let a = Instant::from_millis(1500);
        let b = a + Duration::from_millis(250);
        assert_eq!(b - a, Duration::from_millis(250));
        assert_eq!(a - b, Duration::ZERO);
        assert_eq!(b.to_string(), "1.750s");
    }
}
