//! The timers of a probe-running state machine: a `vrrp_script` tracker and a checker run the
//! same cycle (start a probe, time it out, give a killed one its grace, start the next), kept
//! in the core's fixed [`crate::timer::TimerTable`].

use crate::timer::{TimerKind, TimerTable};

/// One timer of a script tracker or checker, in the order they are handled when due together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProbeTimer {
    /// The running probe's timeout.
    Timeout = 0,
    /// A killed probe (script) is assumed gone.
    KillGrace = 1,
    /// Start the next probe.
    Next = 2,
}

impl TimerKind for ProbeTimer {
    const VALUES: &'static [Self] = &[ProbeTimer::Timeout, ProbeTimer::KillGrace, ProbeTimer::Next];

    fn index(self) -> usize {
        self as usize
    }
}

/// Deadlines of every [`ProbeTimer`]; `None` means stopped.
pub(crate) type ProbeTimers = TimerTable<ProbeTimer, { ProbeTimer::VALUES.len() }>;
