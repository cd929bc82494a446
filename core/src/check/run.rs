//! [`ProbeRun`]: the probe cycle a `vrrp_script` tracker and a checker share — start a probe,
//! time it out, give a killed one its grace, start the next — with its [`ProbeTimer`]s in the
//! core's fixed [`crate::timer::TimerTable`].
//!
//! Contract: at most one probe runs; a probe being killed after its timeout still occupies the
//! run until its result arrives or [`crate::check::config::SCRIPT_KILL_GRACE`] passes
//! ([`ProbeRun::busy`]). Ids are the owner's index and a sequence number, so a late result is
//! recognised and counted ([`super::HealthStats::late_results`]), never judged. When to start
//! the next probe, and what a result means, is the owner's business.

use super::config::SCRIPT_KILL_GRACE;
use super::health::Ctx;
use super::output::Output;
use super::probe::ProbeId;
use crate::Instant;
use crate::timer::{TimerKind, TimerTable, later};
use std::time::Duration;

/// One timer of a probe run, in the order they are handled when due together.
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

/// The running probe, the one being killed, the next sequence number and the timers of one
/// script tracker or checker.
#[derive(Debug, Clone)]
pub(crate) struct ProbeRun {
    owner: u32,
    next_seq: u32,
    running: Option<ProbeId>,
    terminating: Option<ProbeId>,
    timers: TimerTable<ProbeTimer, { ProbeTimer::VALUES.len() }>,
}

impl ProbeRun {
    /// Nothing running; the first probe is due at `first`.
    pub(crate) fn new(owner: u32, first: Instant) -> Self {
        let mut timers = TimerTable::new();
        timers.set(ProbeTimer::Next, first);
        ProbeRun {
            owner,
            next_seq: 0,
            running: None,
            terminating: None,
            timers,
        }
    }

    /// True while a probe runs or is being killed (a new one would be skipped).
    pub(crate) fn busy(&self) -> bool {
        self.running.is_some() || self.terminating.is_some()
    }

    /// The earliest armed timer.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_timeout()
    }

    /// If `timer` is due at `now`, stops it and returns true (a [`ProbeTimer::KillGrace`]
    /// expiry also ends the kill).
    pub(crate) fn take_expired(&mut self, timer: ProbeTimer, now: Instant) -> bool {
        let due = self.timers.take_expired(timer, now);
        if due && timer == ProbeTimer::KillGrace {
            self.terminating = None;
        }
        due
    }

    /// Arms the next probe at `at`.
    pub(crate) fn set_next(&mut self, at: Instant) {
        self.timers.set(ProbeTimer::Next, at);
    }

    /// A new probe starts at `now` and times out after `timeout`: its id.
    pub(crate) fn start(&mut self, now: Instant, timeout: Duration) -> ProbeId {
        let id = ProbeId::new(self.owner, self.next_seq);
        self.next_seq = self.next_seq.wrapping_add(1);
        self.running = Some(id);
        self.timers.set(ProbeTimer::Timeout, later(now, timeout));
        id
    }

    /// The timeout of the running probe passed at `now`: the driver is told to cancel it and,
    /// with `kill_grace` (a script), it occupies the run until its result or the grace ends.
    /// False when nothing was running.
    pub(crate) fn time_out(&mut self, now: Instant, kill_grace: bool, ctx: &mut Ctx) -> bool {
        let Some(id) = self.running.take() else {
            return false;
        };
        ctx.stats.probe_timeouts += 1;
        ctx.out.push_back(Output::CancelProbe(id));
        if kill_grace {
            self.terminating = Some(id);
            self.timers
                .set(ProbeTimer::KillGrace, later(now, SCRIPT_KILL_GRACE));
        }
        true
    }

    /// A result for `id` arrived: true when it is the running probe's (to be judged); a killed
    /// probe's or an unknown one's is counted late and ignored.
    pub(crate) fn finish(&mut self, id: ProbeId, ctx: &mut Ctx) -> bool {
        if self.running == Some(id) {
            self.running = None;
            self.timers.stop(ProbeTimer::Timeout);
            return true;
        }
        if self.terminating == Some(id) {
            // The killed run finally ended: it was already counted as a timeout.
            self.terminating = None;
            self.timers.stop(ProbeTimer::KillGrace);
        }
        ctx.stats.late_results += 1;
        false
    }

    /// Stops for good: a running probe is cancelled, no timer stays armed.
    pub(crate) fn stop(&mut self, ctx: &mut Ctx) {
        if let Some(id) = self.running.take() {
            ctx.out.push_back(Output::CancelProbe(id));
        }
        self.terminating = None;
        self.timers = TimerTable::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::HealthStats;
    use std::collections::VecDeque;

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    #[test]
    fn killed_probe_keeps_the_run_busy_until_its_grace_ends_and_its_result_is_late() {
        let (mut out, mut stats) = (VecDeque::new(), HealthStats::default());
        let mut ctx = Ctx {
            out: &mut out,
            stats: &mut stats,
        };
        let mut run = ProbeRun::new(7, ms(0));
        assert!(run.take_expired(ProbeTimer::Next, ms(0)));
        let id = run.start(ms(0), Duration::from_secs(1));
        assert_eq!(id.owner(), 7);
        assert!(run.take_expired(ProbeTimer::Timeout, ms(1000)));
        assert!(run.time_out(ms(1000), true, &mut ctx));
        assert!(run.busy());
        assert!(
            !run.finish(id, &mut ctx),
            "a killed probe's result is not judged"
        );
        assert!(!run.busy());
        assert_eq!((ctx.stats.probe_timeouts, ctx.stats.late_results), (1, 1));
        assert_eq!(out, [Output::CancelProbe(id)]);
    }

    #[test]
    fn grace_expiry_frees_the_run_and_a_timed_out_connection_has_no_grace() {
        let (mut out, mut stats) = (VecDeque::new(), HealthStats::default());
        let mut ctx = Ctx {
            out: &mut out,
            stats: &mut stats,
        };
        let mut run = ProbeRun::new(0, ms(0));
        run.start(ms(0), Duration::from_secs(1));
        assert!(run.time_out(ms(1000), true, &mut ctx));
        let grace = ms(1000) + SCRIPT_KILL_GRACE;
        assert_eq!(
            run.poll_timeout(),
            Some(ms(0)),
            "the next probe is still armed"
        );
        assert!(!run.take_expired(ProbeTimer::KillGrace, ms(1999)));
        assert!(run.take_expired(ProbeTimer::KillGrace, grace));
        assert!(!run.busy());
        let second = run.start(grace, Duration::from_secs(1));
        assert!(run.time_out(grace, false, &mut ctx));
        assert!(!run.busy(), "no grace without a process to kill");
        assert!(
            !run.time_out(grace, false, &mut ctx),
            "nothing runs any more"
        );
        run.stop(&mut ctx);
        assert_eq!(run.poll_timeout(), None);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1], Output::CancelProbe(second));
    }
}
