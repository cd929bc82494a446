//! [`Health`]: every `vrrp_script` tracker and `virtual_server` of one host behind one sans-IO
//! surface.

use super::config::HealthConfig;
use super::output::Output;
use super::probe::{ProbeId, ProbeResult};
use super::script::{ScriptStatus, ScriptTracker};
use super::virtual_server::{VirtualServer, VirtualServerStatus};
use crate::Instant;
use crate::prng::{GOLDEN_GAMMA, SplitMix64};
use crate::timer::TimerQueue;
use std::collections::VecDeque;
use std::time::Duration;

/// Results the checks ignored or could not use, and runs they skipped, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HealthStats {
    /// Probes that hit their timeout (each also counted as a failure).
    pub probe_timeouts: u64,
    /// Results for a probe that had already timed out (or was never running): ignored.
    pub late_results: u64,
    /// Results whose id names no script or checker: ignored.
    pub unknown_results: u64,
    /// Results of the wrong kind for the probe (e.g. an exit status for a TCP connect): counted
    /// as failures.
    pub wrong_result_kind: u64,
    /// Runs skipped because the previous run was still going or being killed.
    pub skipped_runs: u64,
}

/// The output queue and counters every piece writes to while handling one input.
pub(crate) struct Ctx<'a> {
    /// Outputs, in order.
    pub(crate) out: &'a mut VecDeque<Output>,
    /// Counters.
    pub(crate) stats: &'a mut HealthStats,
}

/// Who owns a probe id's owner index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Script(usize),
    Checker {
        virtual_server: usize,
        real_server: usize,
        checker: usize,
    },
}

/// The health checks of one host: `vrrp_script` trackers and virtual-server pools.
///
/// Contract (same as the VRRP node): every input is a `handle_*(now, …)` call; after each one
/// the driver drains [`Health::poll_output`] until `None`, performs the probes it asked for,
/// and sleeps until [`Health::poll_timeout`] or the next probe result. `handle_timeout` is safe
/// to call early or twice. Same inputs, same outputs, same order.
///
/// ```
/// use vrrplab_core::Instant;
/// use vrrplab_core::check::{Health, HealthConfig, Output, ProbeAction, ProbeResult};
/// use vrrplab_core::vrrp::TrackScriptConfig;
///
/// let config = HealthConfig {
///     scripts: vec![TrackScriptConfig::new("chk_nginx", "pidof nginx")],
///     ..HealthConfig::default()
/// };
/// let mut health = Health::new(config, Instant::ZERO);
/// assert_eq!(health.poll_timeout(), Some(Instant::ZERO)); // the first run is due now
/// health.handle_timeout(Instant::ZERO);
/// let Some(Output::StartProbe(probe)) = health.poll_output() else { panic!() };
/// assert!(matches!(probe.action, ProbeAction::RunScript { .. }));
/// // … the driver runs the script; it exits 0 after 20 ms:
/// health.handle_probe_result(Instant::from_millis(20), probe.id, ProbeResult::Exited(0));
/// let Some(Output::ScriptResult(result)) = health.poll_output() else { panic!() };
/// assert!(result.up); // → Node::handle_script_result(now, "chk_nginx", true)
/// ```
#[derive(Debug, Clone)]
pub struct Health {
    scripts: Vec<ScriptTracker>,
    virtual_servers: Vec<VirtualServer>,
    /// Owner index (the high half of a [`ProbeId`]) → script or checker.
    routes: Vec<Route>,
    /// Every owner's next deadline, by owner index. O(log n) per timer event.
    timers: TimerQueue,
    outputs: VecDeque<Output>,
    stats: HealthStats,
}

impl Health {
    /// Builds every tracker and pool at `now`. The first script runs are due at `now`; the
    /// initial pool operations (and `init_fail` results) are queued already.
    pub fn new(config: HealthConfig, now: Instant) -> Health {
        Health::build(config, now, None)
    }

    /// [`Health::new`] for a reloaded configuration, taking over from `previous` (the running
    /// one) the verdict of every checker that is unchanged: same virtual server (by name), real
    /// server (by address) and checker configuration (wherever it is written in the block). keepalived does the same on
    /// SIGHUP, so a reload neither puts a dead real server back into the pool (until its
    /// checker fails again) nor takes a live one out when `alpha` is set. Everything else
    /// starts as in [`Health::new`]; scripts always start over (keepalived re-runs them).
    pub fn reload(config: HealthConfig, now: Instant, previous: &Health) -> Health {
        Health::build(config, now, Some(previous))
    }

    fn build(config: HealthConfig, now: Instant, previous: Option<&Health>) -> Health {
        let mut outputs = VecDeque::new();
        let mut stats = HealthStats::default();
        let mut ctx = Ctx {
            out: &mut outputs,
            stats: &mut stats,
        };
        let mut routes = Vec::new();
        let scripts = config
            .scripts
            .into_iter()
            .enumerate()
            .map(|(i, script)| {
                routes.push(Route::Script(i));
                ScriptTracker::new(script, owner_index(routes.len() - 1), now, &mut ctx)
            })
            .collect();
        let seed = config.warmup_seed;
        let mut virtual_servers = Vec::new();
        for (v, vs_config) in config.virtual_servers.into_iter().enumerate() {
            let warmups: Vec<Option<Duration>> = vs_config
                .real_servers
                .iter()
                .flat_map(|rs| rs.checkers.iter().map(|c| c.warmup))
                .collect();
            let base = routes.len();
            let mut next = 0usize;
            let mut owners = || {
                let owner = owner_index(base + next);
                let jitter = warmups[next]
                    .map(|w| warmup_jitter(seed, owner, w))
                    .unwrap_or_default();
                next += 1;
                (owner, jitter)
            };
            let before = previous.and_then(|p| {
                p.virtual_servers
                    .iter()
                    .find(|b| b.name() == vs_config.name)
            });
            let vs = VirtualServer::new(vs_config, now, &mut owners, before, &mut ctx);
            for (r, count) in vs.checker_counts().into_iter().enumerate() {
                for c in 0..count {
                    routes.push(Route::Checker {
                        virtual_server: v,
                        real_server: r,
                        checker: c,
                    });
                }
            }
            virtual_servers.push(vs);
        }
        let owners = routes.len();
        let mut health = Health {
            scripts,
            virtual_servers,
            routes,
            timers: TimerQueue::new(owners),
            outputs,
            stats,
        };
        health.reschedule_all();
        health
    }

    /// The next deadline of `owner`, asked from the script or checker itself.
    fn owner_timeout(&self, owner: usize) -> Option<Instant> {
        match self.routes.get(owner)? {
            Route::Script(i) => self.scripts[*i].poll_timeout(),
            Route::Checker {
                virtual_server,
                real_server,
                checker,
            } => self.virtual_servers[*virtual_server].checker_timeout((*real_server, *checker)),
        }
    }

    /// Re-files `owner`'s deadline after it handled an input.
    fn reschedule(&mut self, owner: usize) {
        let next = self.owner_timeout(owner);
        self.timers.set(owner, next);
    }

    fn reschedule_all(&mut self) {
        for owner in 0..self.routes.len() {
            self.reschedule(owner);
        }
    }

    /// Timers: call at (or after) `poll_timeout()`; early or repeated calls are harmless.
    /// Due scripts and checkers are handled by deadline, then in configuration order (scripts
    /// first).
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<usize> = std::iter::from_fn(|| self.timers.pop_expired(now)).collect();
        for owner in due {
            let mut ctx = Ctx {
                out: &mut self.outputs,
                stats: &mut self.stats,
            };
            match self.routes[owner] {
                Route::Script(i) => self.scripts[i].handle_timeout(now, &mut ctx),
                Route::Checker {
                    virtual_server,
                    real_server,
                    checker,
                } => self.virtual_servers[virtual_server].handle_checker_timeout(
                    now,
                    (real_server, checker),
                    &mut ctx,
                ),
            }
            self.reschedule(owner);
        }
    }

    /// The driver's answer to a [`super::Probe`]. Late (timed-out) and unknown ids are ignored
    /// and counted in [`Health::stats`].
    pub fn handle_probe_result(&mut self, now: Instant, id: ProbeId, result: ProbeResult) {
        let mut ctx = Ctx {
            out: &mut self.outputs,
            stats: &mut self.stats,
        };
        match self.routes.get(id.owner() as usize) {
            Some(Route::Script(i)) => self.scripts[*i].handle_probe_result(id, &result, &mut ctx),
            Some(Route::Checker {
                virtual_server,
                real_server,
                checker,
            }) => self.virtual_servers[*virtual_server].handle_probe_result(
                now,
                (*real_server, *checker),
                id,
                &result,
                &mut ctx,
            ),
            None => ctx.stats.unknown_results += 1,
        }
        self.reschedule(id.owner() as usize);
    }

    /// Graceful stop (SIGTERM): running probes are cancelled, every pool is emptied, `omega`
    /// virtual servers run their down hooks; afterwards no timer is armed.
    pub fn shutdown(&mut self, now: Instant) {
        let _ = now;
        let mut ctx = Ctx {
            out: &mut self.outputs,
            stats: &mut self.stats,
        };
        for script in &mut self.scripts {
            script.stop(&mut ctx);
        }
        for vs in &mut self.virtual_servers {
            vs.shutdown(&mut ctx);
        }
        self.reschedule_all();
    }

    /// The next output, or `None` when drained.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When `handle_timeout` must be called next, if any timer is armed.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_timeout()
    }

    /// The state of the `vrrp_script` called `name`.
    pub fn script_status(&self, name: &str) -> Option<ScriptStatus> {
        self.scripts
            .iter()
            .find(|s| s.name() == name)
            .map(ScriptTracker::status)
    }

    /// The script trackers, in configuration order.
    pub fn scripts(&self) -> &[ScriptTracker] {
        &self.scripts
    }

    /// A snapshot of every virtual server, in configuration order.
    pub fn virtual_servers(&self) -> Vec<VirtualServerStatus> {
        self.virtual_servers
            .iter()
            .map(VirtualServer::status)
            .collect()
    }

    /// Ignored results and skipped runs, by reason.
    pub fn stats(&self) -> HealthStats {
        self.stats
    }
}

fn owner_index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// A deterministic jitter in `[0, warmup)` from the configured seed and the checker's index
/// (the core's [`SplitMix64`]: the core never reads a random source).
pub(crate) fn warmup_jitter(seed: u64, owner: u32, warmup: Duration) -> Duration {
    let nanos = u64::try_from(warmup.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    let stream = seed ^ u64::from(owner).wrapping_mul(GOLDEN_GAMMA);
    Duration::from_nanos(SplitMix64::new(stream).next_u64() % nanos)
}
