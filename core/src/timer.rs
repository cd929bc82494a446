//! The core's timer bookkeeping, in two shapes: [`TimerTable`], one fixed slot per timer of a
//! state machine (the quinn-proto pattern: an instance, a script tracker, a checker), and
//! [`TimerQueue`], one deadline per owner of a host whose owners are counted at run time (every
//! script and checker of [`crate::check::Health`]).
//!
//! Contract: an owner names its timers with its own `enum` implementing [`TimerKind`], whose
//! [`TimerKind::VALUES`] is the order in which timers that expire together are handled. The
//! table is a fixed array of optional deadlines, one slot per timer: no allocation, no hashing,
//! no ordering that depends on insertion. Owners walk `VALUES` and [`TimerTable::take_expired`]
//! each one, so early or repeated `handle_timeout` calls find nothing due and are harmless.
//!
//! ```
//! use vrrplab_core::Instant;
//! use vrrplab_core::timer::{TimerKind, TimerTable};
//!
//! #[derive(Debug, Clone, Copy, PartialEq, Eq)]
//! enum Timer { Retry, Expire }
//! impl TimerKind for Timer {
//!     const VALUES: &'static [Self] = &[Timer::Retry, Timer::Expire];
//!     fn index(self) -> usize { self as usize }
//! }
//!
//! let mut timers = TimerTable::<Timer, 2>::new();
//! timers.set(Timer::Expire, Instant::from_millis(5));
//! timers.set(Timer::Retry, Instant::from_millis(5));
//! let due: Vec<Timer> = Timer::VALUES
//!     .iter()
//!     .copied()
//!     .filter(|&t| timers.take_expired(t, Instant::from_millis(5)))
//!     .collect();
//! assert_eq!(due, [Timer::Retry, Timer::Expire]);
//! assert_eq!(timers.next_timeout(), None);
//! ```

mod queue;

pub use queue::TimerQueue;

use crate::Instant;
use std::marker::PhantomData;
use std::time::Duration;

/// The timers of one state machine: a fieldless `enum` listing them in handling order.
pub trait TimerKind: Copy + 'static {
    /// Every timer, in the order expired timers are handled.
    const VALUES: &'static [Self];

    /// The timer's slot in the table: distinct for every value, below `VALUES.len()`.
    fn index(self) -> usize;
}

/// Deadlines of every timer of kind `T` (`N` = `T::VALUES.len()`); `None` means stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerTable<T, const N: usize> {
    deadlines: [Option<Instant>; N],
    kind: PhantomData<T>,
}

impl<T: TimerKind, const N: usize> Default for TimerTable<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: TimerKind, const N: usize> TimerTable<T, N> {
    /// A table with every timer stopped.
    pub const fn new() -> Self {
        const { assert!(T::VALUES.len() == N, "one slot per timer") };
        TimerTable {
            deadlines: [None; N],
            kind: PhantomData,
        }
    }

    /// Arms `timer` to fire at `deadline` (replacing any earlier deadline).
    pub fn set(&mut self, timer: T, deadline: Instant) {
        self.deadlines[timer.index()] = Some(deadline);
    }

    /// The deadline of `timer`, if armed.
    pub fn get(&self, timer: T) -> Option<Instant> {
        self.deadlines[timer.index()]
    }

    /// Stops `timer`.
    pub fn stop(&mut self, timer: T) {
        self.deadlines[timer.index()] = None;
    }

    /// Stops every timer.
    pub fn stop_all(&mut self) {
        self.deadlines = [None; N];
    }

    /// True when `timer` is armed and its deadline is at or before `now`.
    pub fn is_expired(&self, timer: T, now: Instant) -> bool {
        self.get(timer).is_some_and(|d| d <= now)
    }

    /// If `timer` is due at `now`, stops it and returns true.
    pub fn take_expired(&mut self, timer: T, now: Instant) -> bool {
        let due = self.is_expired(timer, now);
        if due {
            self.stop(timer);
        }
        due
    }

    /// The earliest armed deadline.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }
}

/// `at + delay`, saturating instead of overflowing on absurd configured durations.
pub(crate) fn later(at: Instant, delay: Duration) -> Instant {
    Instant::from_duration(at.as_duration().saturating_add(delay))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Two {
        First,
        Second,
    }

    impl TimerKind for Two {
        const VALUES: &'static [Self] = &[Two::First, Two::Second];
        fn index(self) -> usize {
            self as usize
        }
    }

    #[test]
    fn next_timeout_is_the_earliest_armed_deadline_and_stopped_timers_never_expire() {
        let mut t = TimerTable::<Two, 2>::new();
        assert_eq!(t.next_timeout(), None);
        t.set(Two::First, Instant::from_millis(2000));
        t.set(Two::Second, Instant::from_millis(1500));
        assert_eq!(t.next_timeout(), Some(Instant::from_millis(1500)));
        assert!(!t.is_expired(Two::First, Instant::from_millis(1999)));
        assert!(t.is_expired(Two::First, Instant::from_millis(2000)));
        t.stop(Two::First);
        assert!(!t.is_expired(Two::First, Instant::from_millis(9000)));
        t.stop_all();
        assert_eq!(t.next_timeout(), None);
    }

    #[test]
    fn expired_timer_is_taken_once_and_a_future_one_stays_armed() {
        let mut t = TimerTable::<Two, 2>::new();
        t.set(Two::First, Instant::from_millis(10));
        t.set(Two::Second, Instant::from_millis(20));
        let now = Instant::from_millis(15);
        assert!(t.take_expired(Two::First, now));
        assert!(!t.take_expired(Two::First, now));
        assert!(!t.take_expired(Two::Second, now));
        assert_eq!(t.next_timeout(), Some(Instant::from_millis(20)));
    }

    #[test]
    fn later_saturates_instead_of_overflowing() {
        let at = Instant::from_millis(1);
        assert_eq!(
            later(at, Duration::MAX),
            Instant::from_duration(Duration::MAX)
        );
        assert_eq!(later(at, Duration::from_millis(2)), Instant::from_millis(3));
    }
}
