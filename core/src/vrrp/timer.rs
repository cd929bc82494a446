//! The fixed timer table of one instance (quinn-proto style): an `enum Timer`, its `VALUES` in
//! the order `handle_timeout` walks them, and a table of optional deadlines.
//!
//! Timers expiring together are always handled in `VALUES` order, and a timer that is not
//! expired is left alone, so early or repeated `handle_timeout` calls are harmless.

use crate::Instant;

/// One of the instance's timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// BACKUP: Master_Down_Timer (RFC 5798 §6.2); expiry means the master is gone.
    MasterDown,
    /// MASTER: Adver_Timer; send the periodic advert.
    Advert,
    /// MASTER: next round of the current GARP/NA burst (`vrrp_garp_interval` spacing).
    GarpBurst,
    /// MASTER: the second burst after `garp_master_delay`.
    GarpSecondBurst,
    /// MASTER: periodic `garp_master_refresh`.
    GarpRefresh,
    /// MASTER: the delayed second burst after a lower-priority advert (`garp_lower_prio_delay`).
    GarpLowerPrio,
}

impl Timer {
    /// Every timer, in the order expired timers are handled.
    pub const VALUES: [Timer; 6] = [
        Timer::MasterDown,
        Timer::Advert,
        Timer::GarpBurst,
        Timer::GarpSecondBurst,
        Timer::GarpRefresh,
        Timer::GarpLowerPrio,
    ];

    const fn index(self) -> usize {
        self as usize
    }
}

/// Deadlines of every [`Timer`]; `None` means stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimerTable {
    deadlines: [Option<Instant>; Timer::VALUES.len()],
}

impl TimerTable {
    /// Arms `timer` to fire at `deadline` (replacing any earlier deadline).
    pub fn set(&mut self, timer: Timer, deadline: Instant) {
        self.deadlines[timer.index()] = Some(deadline);
    }

    /// The deadline of `timer`, if armed.
    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer.index()]
    }

    /// Stops `timer`.
    pub fn stop(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    /// Stops every timer.
    pub fn stop_all(&mut self) {
        self.deadlines = Default::default();
    }

    /// True when `timer` is armed and its deadline is at or before `now`.
    pub fn is_expired(&self, timer: Timer, now: Instant) -> bool {
        self.get(timer).is_some_and(|d| d <= now)
    }

    /// The earliest armed deadline.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_timeout_is_the_earliest_armed_deadline_and_stopped_timers_never_expire() {
        let mut t = TimerTable::default();
        assert_eq!(t.next_timeout(), None);
        t.set(Timer::Advert, Instant::from_millis(2000));
        t.set(Timer::GarpRefresh, Instant::from_millis(1500));
        assert_eq!(t.next_timeout(), Some(Instant::from_millis(1500)));
        assert!(!t.is_expired(Timer::Advert, Instant::from_millis(1999)));
        assert!(t.is_expired(Timer::Advert, Instant::from_millis(2000)));
        t.stop(Timer::Advert);
        assert!(!t.is_expired(Timer::Advert, Instant::from_millis(9000)));
        t.stop_all();
        assert_eq!(t.next_timeout(), None);
    }
}
