//! A fixed table of timers indexed by an enum (the quinn-proto pattern): expiring timers are
//! always visited in the table's order, and a spurious `handle_timeout` finds nothing due.

use crate::Instant;
use std::time::Duration;

/// `at + delay`, saturating instead of overflowing on absurd configured durations.
pub(crate) fn later(at: Instant, delay: Duration) -> Instant {
    Instant::from_duration(at.as_duration().saturating_add(delay))
}

/// A timer table with `N` slots; the owner names the slots with its own `enum Timer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerTable<const N: usize> {
    deadlines: [Option<Instant>; N],
}

impl<const N: usize> TimerTable<N> {
    /// An empty table.
    pub(crate) const fn new() -> Self {
        TimerTable {
            deadlines: [None; N],
        }
    }

    /// Arms slot `slot` for `at`.
    pub(crate) fn set(&mut self, slot: usize, at: Instant) {
        self.deadlines[slot] = Some(at);
    }

    /// Disarms slot `slot`.
    pub(crate) fn clear(&mut self, slot: usize) {
        self.deadlines[slot] = None;
    }

    /// If slot `slot` is due at `now`, disarms it and returns true.
    pub(crate) fn take_expired(&mut self, slot: usize, now: Instant) -> bool {
        match self.deadlines[slot] {
            Some(at) if at <= now => {
                self.deadlines[slot] = None;
                true
            }
            _ => false,
        }
    }

    /// The earliest armed deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_slot_fires_once_and_future_slot_stays_armed() {
        let mut t = TimerTable::<2>::new();
        t.set(0, Instant::from_millis(10));
        t.set(1, Instant::from_millis(20));
        assert_eq!(t.next(), Some(Instant::from_millis(10)));
        let now = Instant::from_millis(15);
        assert!(t.take_expired(0, now));
        assert!(!t.take_expired(0, now));
        assert!(!t.take_expired(1, now));
        assert_eq!(t.next(), Some(Instant::from_millis(20)));
    }
}
