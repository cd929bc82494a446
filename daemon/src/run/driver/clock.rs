//! The core's clock in the daemon: time since the driver's start on the monotonic clock, and
//! the time a datagram is handed to the core with.
//!
//! Contract: the times [`CoreClock`] gives out never go back. [`CoreClock::now`] is the clock
//! itself; [`CoreClock::arrival`] is a datagram's arrival time (its kernel receive stamp,
//! earlier than now when the loop was busy), raised to the latest time already given out, so
//! an advert restarts its timers from when it came, but the core never sees time run
//! backwards.

use std::cell::Cell;
use std::time::Instant;

/// The core's clock.
pub struct CoreClock {
    start: Instant,
    /// The latest time given out.
    floor: Cell<vrrplab_core::Instant>,
}

impl CoreClock {
    /// A clock that reads zero at `start`.
    pub fn new(start: Instant) -> CoreClock {
        CoreClock {
            start,
            floor: Cell::new(vrrplab_core::Instant::ZERO),
        }
    }

    /// The time now.
    pub fn now(&self) -> vrrplab_core::Instant {
        self.at(Instant::now())
    }

    /// The core's time for a datagram that arrived at `arrived`: that instant, raised to the
    /// latest time already given out.
    pub fn arrival(&self, arrived: Instant) -> vrrplab_core::Instant {
        self.at(arrived)
    }

    fn at(&self, instant: Instant) -> vrrplab_core::Instant {
        let since_start = instant.saturating_duration_since(self.start);
        let t = vrrplab_core::Instant::from_duration(since_start).max(self.floor.get());
        self.floor.set(t);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::CoreClock;
    use std::time::{Duration, Instant};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn datagram_that_waited_in_the_queue_is_handed_over_at_its_arrival() {
        let start = Instant::now();
        let clock = CoreClock::new(start);
        let t = clock.arrival(start + ms(250));
        assert_eq!(t.as_duration(), ms(250));
    }

    #[test]
    fn arrival_before_a_time_already_given_out_is_raised_to_it() {
        let start = Instant::now();
        let clock = CoreClock::new(start);
        assert_eq!(clock.arrival(start + ms(300)).as_duration(), ms(300));
        // The loop handled a timer at 300 ms; a datagram stamped 280 ms comes after it.
        assert_eq!(clock.arrival(start + ms(280)).as_duration(), ms(300));
        assert_eq!(clock.arrival(start + ms(310)).as_duration(), ms(310));
    }

    #[test]
    fn now_never_goes_below_an_arrival_and_arrivals_before_start_read_zero() {
        let start = Instant::now() + Duration::from_secs(3600);
        let clock = CoreClock::new(start);
        // A clock whose start lies ahead reads zero until then.
        assert_eq!(clock.now().as_duration(), Duration::ZERO);
        let late = clock.arrival(start + ms(5));
        assert!(clock.now() >= late);
    }
}
