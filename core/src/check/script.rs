//! One `vrrp_script` tracker: runs the script every `interval`, judges each run (exit 0 =
//! success; another status, a signal, a spawn failure or a timeout = failure) and applies
//! keepalived's rise/fall hysteresis (`vrrp_script_child_thread`, `vrrp_scheduler.c`).
//!
//! Rules, each with a named test below:
//! - the first run starts at construction, then one every `interval` from the previous start;
//! - a run still going (or still being killed after its timeout) makes the next run be skipped,
//!   not queued;
//! - at `timeout` the run counts as failed and the driver is told to kill it; a result arriving
//!   later is ignored; the kill is assumed complete after [`super::config::SCRIPT_KILL_GRACE`] at the latest;
//! - hysteresis is one counter in `[0, rise + fall − 1]`: up after `rise` consecutive
//!   successes, down after `fall` consecutive failures;
//! - without `init_fail` the state is unknown until the first result, which decides at once
//!   (keepalived starts the counter at `rise − 1`); with `init_fail` it starts down at 0 and the
//!   down state is reported at construction.
//!
//! Weights, `reverse` and FAULT are not applied here: the node applies them to the up/down
//! transitions ([`super::Output::ScriptResult`]).

use super::health::Ctx;
use super::output::{Output, ScriptResult};
use super::probe::{Probe, ProbeAction, ProbeId, ProbeResult};
use super::run::{ProbeRun, ProbeTimer};
use crate::Instant;
use crate::timer::{TimerKind, later};
use crate::vrrp::TrackScriptConfig;

/// State of a tracked script as the node sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptStatus {
    /// No result yet (and no `init_fail`): the node treats it as not failed.
    Init,
    /// Succeeded `rise` times in a row.
    Up,
    /// Failed `fall` times in a row (or `init_fail` before the first success).
    Down,
}

/// One `vrrp_script` state machine. Built and driven by [`super::Health`].
#[derive(Debug, Clone)]
pub struct ScriptTracker {
    config: TrackScriptConfig,
    status: ScriptStatus,
    /// keepalived's `result`: 0 ..= rise + fall − 1; ≥ rise means up.
    counter: u32,
    run: ProbeRun,
}

impl ScriptTracker {
    /// Builds the tracker; the first run is due at `now`. With `init_fail` the down state is
    /// reported immediately.
    pub(crate) fn new(config: TrackScriptConfig, owner: u32, now: Instant, ctx: &mut Ctx) -> Self {
        let rise = config.rise.max(1);
        let (status, counter) = if config.init_fail {
            (ScriptStatus::Down, 0)
        } else {
            (ScriptStatus::Init, rise - 1)
        };
        if config.init_fail {
            ctx.out.push_back(Output::ScriptResult(ScriptResult {
                script: config.name.clone(),
                up: false,
            }));
        }
        ScriptTracker {
            config,
            status,
            counter,
            run: ProbeRun::new(owner, now),
        }
    }

    /// The script's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Current state.
    pub fn status(&self) -> ScriptStatus {
        self.status
    }

    /// The earliest armed timer.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.run.poll_timeout()
    }

    /// Stops for good: a running script is killed, no timer stays armed.
    pub(crate) fn stop(&mut self, ctx: &mut Ctx) {
        self.run.stop(ctx);
    }

    /// Handles every due timer, in [`ProbeTimer::VALUES`] order.
    pub(crate) fn handle_timeout(&mut self, now: Instant, ctx: &mut Ctx) {
        for &timer in ProbeTimer::VALUES {
            if !self.run.take_expired(timer, now) {
                continue;
            }
            match timer {
                ProbeTimer::Timeout => {
                    if self.run.time_out(now, true, ctx) {
                        self.record(false, ctx);
                    }
                }
                ProbeTimer::KillGrace => {}
                ProbeTimer::Next => self.start(now, ctx),
            }
        }
    }

    fn start(&mut self, now: Instant, ctx: &mut Ctx) {
        self.run.set_next(later(now, self.config.interval));
        if self.run.busy() {
            // keepalived: "still running" — skipped, not queued.
            ctx.stats.skipped_runs += 1;
            return;
        }
        let id = self.run.start(now, self.config.timeout);
        ctx.out.push_back(Output::StartProbe(Probe {
            id,
            action: ProbeAction::RunScript {
                command: self.config.command.clone(),
                user: self.config.user.clone(),
            },
            timeout: self.config.timeout,
        }));
    }

    /// A result for one of this tracker's probes.
    pub(crate) fn handle_probe_result(&mut self, id: ProbeId, result: &ProbeResult, ctx: &mut Ctx) {
        if !self.run.finish(id, ctx) {
            return;
        }
        let success = match result {
            ProbeResult::Exited(0) => true,
            ProbeResult::Exited(_) | ProbeResult::Signalled(_) | ProbeResult::SpawnFailed => false,
            _ => {
                ctx.stats.wrong_result_kind += 1;
                false
            }
        };
        self.record(success, ctx);
    }

    /// Applies one judged run to the rise/fall counter.
    fn record(&mut self, success: bool, ctx: &mut Ctx) {
        let rise = self.config.rise.max(1);
        let fall = self.config.fall.max(1);
        let top = rise.saturating_add(fall - 1);
        let new_status = if success {
            if self.counter < rise - 1 {
                self.counter += 1;
                None
            } else {
                self.counter = top;
                Some(ScriptStatus::Up)
            }
        } else if self.counter > rise {
            self.counter -= 1;
            None
        } else {
            self.counter = 0;
            Some(ScriptStatus::Down)
        };
        if let Some(status) = new_status
            && status != self.status
        {
            self.status = status;
            ctx.out.push_back(Output::ScriptResult(ScriptResult {
                script: self.config.name.clone(),
                up: status == ScriptStatus::Up,
            }));
        }
    }
}
