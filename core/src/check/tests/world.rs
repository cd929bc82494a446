//! A virtual-clock driver for [`Health`]: it jumps straight to the next deadline or probe
//! result, answers probes from a scripted backend model, and records every output with its
//! time so tests assert on the history.

use crate::Instant;
use crate::check::{Health, HealthConfig, Output, Probe, ProbeId, ProbeResult};
use std::time::Duration;

/// How the simulated backend answers a probe started at `now`: `Some((after, result))`, or
/// `None` to never answer (a hang).
pub type Backend = Box<dyn FnMut(Instant, &Probe) -> Option<(Duration, ProbeResult)>>;

/// The driver.
pub struct World {
    pub health: Health,
    pub now: Instant,
    backend: Backend,
    pending: Vec<(Instant, u64, ProbeId, ProbeResult)>,
    seq: u64,
    /// Every output, with the time it was emitted.
    pub log: Vec<(Instant, Output)>,
}

/// Seconds → instant.
pub fn at(secs: f64) -> Instant {
    Instant::from_duration(Duration::from_secs_f64(secs))
}

/// Seconds → duration.
pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

impl World {
    /// Starts `config` at time zero with `backend`.
    pub fn new(config: HealthConfig, backend: Backend) -> Self {
        let mut world = World {
            health: Health::new(config, Instant::ZERO),
            now: Instant::ZERO,
            backend,
            pending: Vec::new(),
            seq: 0,
            log: Vec::new(),
        };
        world.drain();
        world
    }

    fn drain(&mut self) {
        while let Some(output) = self.health.poll_output() {
            if let Output::StartProbe(probe) = &output
                && let Some((after, result)) = (self.backend)(self.now, probe)
            {
                self.pending
                    .push((self.now + after, self.seq, probe.id, result));
                self.seq += 1;
            }
            self.log.push((self.now, output));
        }
    }

    /// Runs every event up to and including `end`, then sets the clock to `end`.
    pub fn run_until(&mut self, end: Instant) {
        loop {
            let next_result = self.pending.iter().map(|p| (p.0, p.1)).min();
            let next_timer = self.health.poll_timeout();
            let next = match (next_result, next_timer) {
                (Some((r, _)), Some(t)) => r.min(t),
                (Some((r, _)), None) => r,
                (None, Some(t)) => t,
                (None, None) => break,
            };
            if next > end {
                break;
            }
            self.now = next;
            if let Some((r, s)) = next_result
                && r <= next_timer.unwrap_or(r)
            {
                let i = self
                    .pending
                    .iter()
                    .position(|p| p.0 == r && p.1 == s)
                    .expect("pending result exists");
                let (_, _, id, result) = self.pending.remove(i);
                self.health.handle_probe_result(self.now, id, result);
            } else {
                self.health.handle_timeout(self.now);
            }
            self.drain();
        }
        self.now = end;
    }

    /// Reloads `config` now: the running checkers' verdicts carry over where unchanged
    /// ([`Health::reload`]); answers still pending for the old probes are dropped, as the
    /// daemon drops results of an earlier generation.
    pub fn reload(&mut self, config: HealthConfig) {
        self.health = Health::reload(config, self.now, &self.health);
        self.pending.clear();
        self.drain();
    }

    /// Outputs matching `f`, with their times.
    pub fn find<T>(&self, mut f: impl FnMut(&Output) -> Option<T>) -> Vec<(Instant, T)> {
        self.log
            .iter()
            .filter_map(|(t, o)| f(o).map(|v| (*t, v)))
            .collect()
    }

    /// Times at which probes started.
    pub fn probe_starts(&self) -> Vec<Instant> {
        self.find(|o| matches!(o, Output::StartProbe(_)).then_some(()))
            .into_iter()
            .map(|(t, ())| t)
            .collect()
    }

    /// A compact, human-readable timeline (for insta snapshots).
    pub fn timeline(&self) -> String {
        let mut text = String::new();
        for (t, output) in &self.log {
            let line = match output {
                Output::StartProbe(p) => format!("probe {:?}", p.action),
                Output::CancelProbe(id) => format!("cancel {id}"),
                Output::ScriptResult(r) => format!("script {} up={}", r.script, r.up),
                Output::Checker(c) => format!(
                    "checker {} #{} up={} reason={:?}",
                    c.real_server, c.checker, c.up, c.reason
                ),
                Output::Pool(p) => format!(
                    "pool {} {}{} {:?}",
                    p.virtual_server,
                    p.destination,
                    if p.sorry_server { " (sorry)" } else { "" },
                    p.action
                ),
                Output::Quorum(q) => format!(
                    "quorum {} up={} live_weight={}",
                    q.virtual_server, q.up, q.live_weight
                ),
                Output::RunHook(h) => format!("hook {:?} {}", h.kind, h.command),
            };
            text.push_str(&format!("{t} {line}\n"));
        }
        text
    }
}
