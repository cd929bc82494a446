//! A virtual server's pool: real servers judged by their checkers, weights, quorum with
//! hysteresis and the sorry server (`ipwrapper.c`: `perform_svr_state`,
//! `update_quorum_state`, `update_svr_wgt`).
//!
//! Rules, each with a named test:
//! - a real server is alive iff all its checkers are up (one with no checker is always alive);
//! - quorum is gained when Σ weight of live servers ≥ `quorum + hysteresis`, lost when it is 0 or
//!   < `quorum − hysteresis`; the initial state is `Σ ≥ quorum`, with no hook run at start-up;
//! - the pool holds every live server with its weight; a dead one is removed, or kept with
//!   weight 0 under `inhibit_on_failure`;
//! - while quorum is lost and a sorry server is configured, the sorry server is the pool (live
//!   servers are taken out; inhibited ones stay at weight 0); `sorry_server_inhibit` keeps the
//!   sorry server at weight 0 instead of removing it when quorum returns;
//! - `misc_dynamic` changes the server's weight (re-weight in the pool, quorum re-evaluated);
//! - outputs of one input come in this order: checker changes, pool operations, `notify_up` /
//!   `notify_down` hooks, quorum change and its `quorum_up` / `quorum_down` hook.

use super::checker::{Checker, CheckerEvent};
use super::config::{RealServerConfig, VirtualServerConfig};
use super::health::Ctx;
use super::output::{CheckerChange, Hook, HookKind, Output, PoolAction, PoolChange, QuorumChange};
use super::probe::{ProbeId, ProbeResult};
use crate::Instant;
use std::net::SocketAddr;

/// A real server as the pool sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealServerStatus {
    /// Address and port.
    pub address: SocketAddr,
    /// All checkers up.
    pub alive: bool,
    /// Current weight (configured, or set by `misc_dynamic`).
    pub weight: u32,
    /// Weight in the pool now, `None` when not in it.
    pub in_pool: Option<u32>,
}

/// A virtual server's state for status output and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualServerStatus {
    /// Name.
    pub name: String,
    /// Quorum held.
    pub quorum_up: bool,
    /// Σ weight of live real servers.
    pub live_weight: u64,
    /// Real servers in configuration order.
    pub real_servers: Vec<RealServerStatus>,
    /// Sorry server weight in the pool, `None` when not in it (or not configured).
    pub sorry_server_in_pool: Option<u32>,
}

#[derive(Debug, Clone)]
struct RealServer {
    config: RealServerConfig,
    checkers: Vec<Checker>,
    alive: bool,
    weight: u32,
}

impl RealServer {
    fn all_checkers_up(&self) -> bool {
        self.checkers.iter().all(Checker::is_up)
    }
}

/// One `virtual_server`: its real servers, their checkers, and the pool it asks the driver to
/// keep.
#[derive(Debug, Clone)]
pub(crate) struct VirtualServer {
    name: String,
    quorum: u64,
    hysteresis: u64,
    quorum_up_hook: Option<String>,
    quorum_down_hook: Option<String>,
    omega: bool,
    sorry_server: Option<super::config::SorryServerConfig>,
    real_servers: Vec<RealServer>,
    quorum_up: bool,
    /// Weight of each destination in the pool as last told to the driver: real servers in
    /// order, then the sorry server.
    applied: Vec<Option<u32>>,
}

impl VirtualServer {
    /// Builds the pool and emits the initial pool operations. `owners` gives each checker its
    /// probe-owner index and warmup jitter, in configuration order. With `previous` (the same
    /// virtual server before a reload), a real server at the same address keeps the verdict of
    /// each checker whose configuration did not change (matched by settings, not position), as
    /// keepalived carries its checkers' state over a reload (`migrate_checkers`); a real server whose checkers all carried keeps its current weight
    /// (`misc_dynamic`).
    pub(crate) fn new(
        config: VirtualServerConfig,
        now: Instant,
        owners: &mut dyn FnMut() -> (u32, std::time::Duration),
        previous: Option<&VirtualServer>,
        ctx: &mut Ctx,
    ) -> Self {
        let real_servers: Vec<RealServer> = config
            .real_servers
            .into_iter()
            .map(|rs| {
                let before = previous.and_then(|p| {
                    p.real_servers
                        .iter()
                        .find(|b| b.config.address == rs.address)
                });
                let mut carried = 0;
                let mut taken = vec![false; before.map_or(0, |b| b.checkers.len())];
                let checkers = rs
                    .checkers
                    .iter()
                    .map(|c| {
                        let (owner, jitter) = owners();
                        let mut checker = Checker::new(c.clone(), owner, now, jitter);
                        // The first old checker of this real server with the same settings,
                        // wherever it was written (keepalived compares type and settings).
                        let old = before
                            .into_iter()
                            .flat_map(|b| b.checkers.iter().enumerate());
                        for (i, old) in old {
                            if !taken[i] && checker.carry_from(old) {
                                taken[i] = true;
                                carried += 1;
                                break;
                            }
                        }
                        checker
                    })
                    .collect::<Vec<_>>();
                let alive = checkers.iter().all(Checker::is_up);
                let weight = match before {
                    Some(b) if b.config == rs && carried == checkers.len() => b.weight,
                    _ => rs.weight,
                };
                RealServer {
                    weight,
                    config: rs,
                    checkers,
                    alive,
                }
            })
            .collect();
        let destinations = real_servers.len() + 1;
        let mut vs = VirtualServer {
            name: config.name,
            quorum: config.quorum,
            hysteresis: config.hysteresis,
            quorum_up_hook: config.quorum_up,
            quorum_down_hook: config.quorum_down,
            omega: config.omega,
            sorry_server: config.sorry_server,
            real_servers,
            quorum_up: false,
            applied: vec![None; destinations],
        };
        vs.quorum_up = vs.live_weight() >= vs.quorum.max(1);
        vs.sync_pool(ctx);
        vs
    }

    /// The service as written: the virtual server's name in outputs.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The earliest armed timer of checker `ch` of real server `rs`.
    pub(crate) fn checker_timeout(&self, (rs, ch): (usize, usize)) -> Option<Instant> {
        self.real_servers
            .get(rs)
            .and_then(|r| r.checkers.get(ch))
            .and_then(Checker::poll_timeout)
    }

    /// Handles the due timers of checker `ch` of real server `rs`.
    pub(crate) fn handle_checker_timeout(
        &mut self,
        now: Instant,
        (rs, ch): (usize, usize),
        ctx: &mut Ctx,
    ) {
        let Some(checker) = self
            .real_servers
            .get_mut(rs)
            .and_then(|r| r.checkers.get_mut(ch))
        else {
            return;
        };
        let events = checker.handle_timeout(now, ctx);
        self.apply(rs, ch, events, ctx);
    }

    /// A probe result for checker `ch` of real server `rs`.
    pub(crate) fn handle_probe_result(
        &mut self,
        now: Instant,
        (rs, ch): (usize, usize),
        id: ProbeId,
        result: &ProbeResult,
        ctx: &mut Ctx,
    ) {
        let Some(checker) = self
            .real_servers
            .get_mut(rs)
            .and_then(|r| r.checkers.get_mut(ch))
        else {
            ctx.stats.unknown_results += 1;
            return;
        };
        let events = checker.handle_probe_result(now, id, result, ctx);
        self.apply(rs, ch, events, ctx);
    }

    fn apply(&mut self, rs: usize, ch: usize, events: Vec<CheckerEvent>, ctx: &mut Ctx) {
        if events.is_empty() {
            return;
        }
        let address = self.real_servers[rs].config.address;
        for event in events {
            match event {
                CheckerEvent::Weight(w) => self.real_servers[rs].weight = w,
                CheckerEvent::Up => ctx.out.push_back(Output::Checker(CheckerChange {
                    virtual_server: self.name.clone(),
                    real_server: address,
                    checker: ch,
                    up: true,
                    reason: None,
                })),
                CheckerEvent::Down(reason) => ctx.out.push_back(Output::Checker(CheckerChange {
                    virtual_server: self.name.clone(),
                    real_server: address,
                    checker: ch,
                    up: false,
                    reason: Some(reason),
                })),
            }
        }
        self.reconcile(ctx);
    }

    /// Re-derives liveness and quorum, then emits pool operations and hooks.
    fn reconcile(&mut self, ctx: &mut Ctx) {
        let mut hooks = Vec::new();
        for rs in &mut self.real_servers {
            let alive = rs.all_checkers_up();
            if alive == rs.alive {
                continue;
            }
            rs.alive = alive;
            let (kind, command) = if alive {
                (HookKind::NotifyUp, &rs.config.notify_up)
            } else {
                (HookKind::NotifyDown, &rs.config.notify_down)
            };
            if let Some(command) = command {
                hooks.push(Hook {
                    kind,
                    virtual_server: self.name.clone(),
                    real_server: Some(rs.config.address),
                    command: command.clone(),
                });
            }
        }
        let live = self.live_weight();
        let quorum_change =
            if !self.quorum_up && live >= self.quorum.saturating_add(self.hysteresis) {
                Some(true)
            } else if self.quorum_up
                && (live == 0 || live < self.quorum.saturating_sub(self.hysteresis))
            {
                Some(false)
            } else {
                None
            };
        if let Some(up) = quorum_change {
            self.quorum_up = up;
        }
        self.sync_pool(ctx);
        ctx.out.extend(hooks.into_iter().map(Output::RunHook));
        if let Some(up) = quorum_change {
            ctx.out.push_back(Output::Quorum(QuorumChange {
                virtual_server: self.name.clone(),
                up,
                live_weight: live,
            }));
            let (kind, command) = if up {
                (HookKind::QuorumUp, &self.quorum_up_hook)
            } else {
                (HookKind::QuorumDown, &self.quorum_down_hook)
            };
            if let Some(command) = command {
                ctx.out.push_back(Output::RunHook(Hook {
                    kind,
                    virtual_server: self.name.clone(),
                    real_server: None,
                    command: command.clone(),
                }));
            }
        }
    }

    /// Shutdown (keepalived `clear_service_vs`): checkers stop, every destination leaves the
    /// pool; with `omega`, live servers' `notify_down` run, and `quorum_down` runs when the
    /// remaining live weight drops below the quorum.
    pub(crate) fn shutdown(&mut self, ctx: &mut Ctx) {
        for rs in &mut self.real_servers {
            for checker in &mut rs.checkers {
                checker.stop(ctx);
            }
        }
        let down_threshold = self.quorum.saturating_sub(self.hysteresis);
        let mut hooks = Vec::new();
        let mut quorum_lost = None;
        for i in 0..self.real_servers.len() {
            if !self.real_servers[i].alive {
                continue;
            }
            self.real_servers[i].alive = false;
            if !self.omega {
                continue;
            }
            let rs = &self.real_servers[i].config;
            if let Some(command) = &rs.notify_down {
                hooks.push(Hook {
                    kind: HookKind::NotifyDown,
                    virtual_server: self.name.clone(),
                    real_server: Some(rs.address),
                    command: command.clone(),
                });
            }
            let live = self.live_weight();
            if self.quorum_up && (live == 0 || live < down_threshold) {
                self.quorum_up = false;
                quorum_lost = Some(live);
                if let Some(command) = &self.quorum_down_hook {
                    hooks.push(Hook {
                        kind: HookKind::QuorumDown,
                        virtual_server: self.name.clone(),
                        real_server: None,
                        command: command.clone(),
                    });
                }
            }
        }
        for i in 0..self.applied.len() {
            if self.applied[i].take().is_none() {
                continue;
            }
            let (destination, sorry_server) = match self.real_servers.get(i) {
                Some(rs) => (rs.config.address, false),
                None => match &self.sorry_server {
                    Some(s) => (s.address, true),
                    None => continue,
                },
            };
            ctx.out.push_back(Output::Pool(PoolChange {
                virtual_server: self.name.clone(),
                destination,
                sorry_server,
                action: PoolAction::Remove,
            }));
        }
        if let Some(live_weight) = quorum_lost {
            ctx.out.push_back(Output::Quorum(QuorumChange {
                virtual_server: self.name.clone(),
                up: false,
                live_weight,
            }));
        }
        ctx.out.extend(hooks.into_iter().map(Output::RunHook));
    }

    fn live_weight(&self) -> u64 {
        self.real_servers
            .iter()
            .filter(|rs| rs.alive)
            .map(|rs| u64::from(rs.weight))
            .sum()
    }

    /// The pool as the rules want it: real servers in order, then the sorry server.
    fn desired_pool(&self) -> Vec<Option<u32>> {
        let sorry_active = self.sorry_server.is_some() && !self.quorum_up;
        let mut pool: Vec<Option<u32>> = self
            .real_servers
            .iter()
            .map(|rs| {
                if rs.alive && !sorry_active {
                    Some(rs.weight)
                } else if rs.config.inhibit_on_failure {
                    Some(0)
                } else {
                    None
                }
            })
            .collect();
        pool.push(match &self.sorry_server {
            Some(_) if sorry_active => Some(1),
            Some(s) if s.inhibit => Some(0),
            _ => None,
        });
        pool
    }

    /// Emits the operations that turn the applied pool into the desired one.
    fn sync_pool(&mut self, ctx: &mut Ctx) {
        let desired = self.desired_pool();
        for (i, want) in desired.into_iter().enumerate() {
            let have = self.applied[i];
            let action = match (have, want) {
                (None, Some(weight)) => PoolAction::Add { weight },
                (Some(a), Some(b)) if a != b => PoolAction::Reweight { weight: b },
                (Some(_), None) => PoolAction::Remove,
                _ => continue,
            };
            self.applied[i] = want;
            let (destination, sorry_server) = match self.real_servers.get(i) {
                Some(rs) => (rs.config.address, false),
                None => match &self.sorry_server {
                    Some(s) => (s.address, true),
                    None => continue,
                },
            };
            ctx.out.push_back(Output::Pool(PoolChange {
                virtual_server: self.name.clone(),
                destination,
                sorry_server,
                action,
            }));
        }
    }

    /// A snapshot for status output and tests.
    pub(crate) fn status(&self) -> VirtualServerStatus {
        VirtualServerStatus {
            name: self.name.clone(),
            quorum_up: self.quorum_up,
            live_weight: self.live_weight(),
            real_servers: self
                .real_servers
                .iter()
                .zip(&self.applied)
                .map(|(rs, in_pool)| RealServerStatus {
                    address: rs.config.address,
                    alive: rs.alive,
                    weight: rs.weight,
                    in_pool: *in_pool,
                })
                .collect(),
            sorry_server_in_pool: self.applied.last().copied().flatten(),
        }
    }

    /// Number of checkers of each real server, in order (for probe routing).
    pub(crate) fn checker_counts(&self) -> Vec<usize> {
        self.real_servers
            .iter()
            .map(|rs| rs.checkers.len())
            .collect()
    }
}
