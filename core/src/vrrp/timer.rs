//! The timers of one instance: an `enum Timer` and its `VALUES` in the order `handle_timeout`
//! walks them, kept in the core's fixed [`crate::timer::TimerTable`].
//!
//! Timers expiring together are always handled in `VALUES` order, and a timer that is not
//! expired is left alone, so early or repeated `handle_timeout` calls are harmless.

use crate::timer::TimerKind;

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

impl TimerKind for Timer {
    const VALUES: &'static [Self] = &[
        Timer::MasterDown,
        Timer::Advert,
        Timer::GarpBurst,
        Timer::GarpSecondBurst,
        Timer::GarpRefresh,
        Timer::GarpLowerPrio,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// Deadlines of every instance [`Timer`]; `None` means stopped.
pub type TimerTable = crate::timer::TimerTable<Timer, { Timer::VALUES.len() }>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_timer_has_its_own_slot_in_handling_order() {
        for (i, timer) in Timer::VALUES.iter().enumerate() {
            assert_eq!(timer.index(), i, "{timer:?}");
        }
    }
}
