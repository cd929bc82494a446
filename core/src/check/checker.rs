//! One real-server checker (TCP_CHECK, HTTP_GET, MISC_CHECK) with keepalived's retry logic
//! (`tcp_epilog` in `check_tcp.c`, `epilog` in `check_http.c`, `misc_check_child_thread`).
//!
//! Rules, each with a named test below:
//! - an **up** checker goes down only after `retry` failed retries, spaced `delay_before_retry`
//!   (so `1 + retry` consecutive failed probes); a success resets the retry count;
//! - a **down** checker comes back up on a single success (no rise counter, unlike
//!   `vrrp_script`);
//! - after a verdict (success, or retries exhausted) the next probe waits `delay_loop`;
//! - while down: TCP_CHECK still retries (`tcp_epilog` does not look at the state), HTTP_GET
//!   waits `max(delay_before_retry, delay_loop)`, MISC_CHECK waits `delay_loop`;
//! - TCP_CHECK and HTTP_GET time from the end of a probe, MISC_CHECK from its start (keepalived's
//!   `last_ran`);
//! - HTTP_GET with several URLs checks one URL per probe, in order, `delay_loop` apart (at once
//!   with `fast_recovery` while not up); the checker passes once every URL has passed in a
//!   row; a failure is retried on the same URL;
//! - `alpha` starts the checker down; otherwise it starts up;
//! - the first probe waits one second (keepalived's `BOOTSTRAP_DELAY`) plus, with `warmup`, a
//!   seeded jitter in `[0, warmup)`;
//! - the probe timeout (`connect_timeout`, or `misc_timeout` / `delay_loop`) counts as a
//!   failure; a MISC_CHECK script being killed makes the next run be skipped.

use super::config::{CHECKER_BOOTSTRAP_DELAY, CheckKind, CheckerConfig};
use super::health::Ctx;
use super::http::judge_response;
use super::output::{FailureReason, Output};
use super::probe::{Probe, ProbeAction, ProbeId, ProbeResult};
use super::run::{ProbeRun, ProbeTimer};
use crate::Instant;
use crate::timer::{TimerKind, later};
use std::time::Duration;

/// What a checker tells its real server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CheckerEvent {
    /// The checker is now up.
    Up,
    /// The checker is now down.
    Down(FailureReason),
    /// `misc_dynamic`: set the real server's weight.
    Weight(u32),
}

/// One checker state machine, owned by a real server.
#[derive(Debug, Clone)]
pub(crate) struct Checker {
    config: CheckerConfig,
    up: bool,
    has_run: bool,
    retry_it: u32,
    /// HTTP_GET: the URL the next probe requests.
    url_index: usize,
    /// HTTP_GET: URLs passed in a row.
    urls_passed: usize,
    last_start: Instant,
    run: ProbeRun,
}

impl Checker {
    /// A checker whose first probe is due at `now + CHECKER_BOOTSTRAP_DELAY + warmup_jitter`.
    pub(crate) fn new(
        config: CheckerConfig,
        owner: u32,
        now: Instant,
        warmup_jitter: Duration,
    ) -> Self {
        let first = later(now, CHECKER_BOOTSTRAP_DELAY.saturating_add(warmup_jitter));
        Checker {
            up: !config.alpha,
            config,
            has_run: false,
            retry_it: 0,
            url_index: 0,
            urls_passed: 0,
            last_start: now,
            run: ProbeRun::new(owner, first),
        }
    }

    /// Takes over `previous`'s verdict when it checked the same thing the same way (a reload
    /// that left this checker unchanged): up/down and whether it has run. Its timers stay the
    /// new ones, so the next probe is due as for a fresh checker. Returns whether it carried.
    pub(crate) fn carry_from(&mut self, previous: &Checker) -> bool {
        if previous.config != self.config {
            return false;
        }
        self.up = previous.up;
        self.has_run = previous.has_run;
        true
    }

    /// True while the checker is up.
    pub(crate) fn is_up(&self) -> bool {
        self.up
    }

    /// The earliest armed timer.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.run.poll_timeout()
    }

    /// Stops for good: a running probe is cancelled, no timer stays armed.
    pub(crate) fn stop(&mut self, ctx: &mut Ctx) {
        self.run.stop(ctx);
    }

    /// Handles every due timer; returns what the real server must apply.
    pub(crate) fn handle_timeout(&mut self, now: Instant, ctx: &mut Ctx) -> Vec<CheckerEvent> {
        let mut events = Vec::new();
        for &timer in ProbeTimer::VALUES {
            if !self.run.take_expired(timer, now) {
                continue;
            }
            match timer {
                ProbeTimer::Timeout => {
                    // A MISC_CHECK script is killed; a connection is just dropped.
                    let script = matches!(self.config.kind, CheckKind::Misc { .. });
                    if self.run.time_out(now, script, ctx) {
                        self.judge(now, Err(FailureReason::Timeout), &mut events);
                    }
                }
                ProbeTimer::KillGrace => {}
                ProbeTimer::Next => self.start_probe(now, ctx),
            }
        }
        events
    }

    fn start_probe(&mut self, now: Instant, ctx: &mut Ctx) {
        if self.run.busy() {
            ctx.stats.skipped_runs += 1;
            let delay = self.next_delay_after_skip();
            self.run.set_next(later(now, delay));
            return;
        }
        if let CheckKind::Http { urls, .. } = &self.config.kind
            && urls.is_empty()
        {
            // Nothing to request (keepalived drops such a checker): it never probes and keeps
            // its initial state.
            return;
        }
        let action = match &self.config.kind {
            CheckKind::Tcp { connect } => ProbeAction::TcpConnect {
                address: *connect,
                options: self.config.connect_options.clone(),
            },
            CheckKind::Http {
                connect,
                virtualhost,
                urls,
                version,
                tls,
                ..
            } => {
                let url = &urls[self.url_index % urls.len()];
                let host = url
                    .virtualhost
                    .clone()
                    .or_else(|| virtualhost.clone())
                    .unwrap_or_else(|| host_of(connect));
                ProbeAction::HttpGet {
                    address: *connect,
                    options: self.config.connect_options.clone(),
                    host,
                    path: url.path.clone(),
                    version: *version,
                    tls: tls.clone(),
                }
            }
            CheckKind::Misc { command, user, .. } => ProbeAction::RunScript {
                command: command.clone(),
                user: user.clone(),
            },
        };
        let timeout = self.config.probe_timeout();
        let id = self.run.start(now, timeout);
        self.last_start = now;
        ctx.out.push_back(Output::StartProbe(Probe {
            id,
            action,
            timeout,
        }));
    }

    fn next_delay_after_skip(&self) -> Duration {
        if self.retry_it > 0 {
            self.config.delay_before_retry
        } else {
            self.config.delay_loop
        }
    }

    /// A result for one of this checker's probes.
    pub(crate) fn handle_probe_result(
        &mut self,
        now: Instant,
        id: ProbeId,
        result: &ProbeResult,
        ctx: &mut Ctx,
    ) -> Vec<CheckerEvent> {
        let mut events = Vec::new();
        if !self.run.finish(id, ctx) {
            return events;
        }
        let verdict = self.verdict(result, &mut events);
        if verdict == Err(FailureReason::WrongResultKind) {
            ctx.stats.wrong_result_kind += 1;
        }
        self.judge(now, verdict, &mut events);
        events
    }

    /// What a result means for this kind of checker.
    fn verdict(
        &self,
        result: &ProbeResult,
        events: &mut Vec<CheckerEvent>,
    ) -> Result<(), FailureReason> {
        match (&self.config.kind, result) {
            (CheckKind::Tcp { .. }, ProbeResult::Connected) => Ok(()),
            (CheckKind::Tcp { .. } | CheckKind::Http { .. }, ProbeResult::ConnectFailed) => {
                Err(FailureReason::ConnectFailed)
            }
            (CheckKind::Http { urls, .. }, ProbeResult::HttpResponse { status, body }) => {
                match urls.get(self.url_index) {
                    Some(url) => judge_response(url, *status, body),
                    None => Err(FailureReason::WrongResultKind),
                }
            }
            (CheckKind::Http { .. }, ProbeResult::HttpMalformed) => {
                Err(FailureReason::HttpMalformed)
            }
            (CheckKind::Misc { dynamic, .. }, ProbeResult::Exited(status)) => match *status {
                0 => Ok(()),
                // misc_dynamic: 2–255 is OK with weight status − 2 (keepalived: 0..253).
                s @ 2..=255 if *dynamic => {
                    events.push(CheckerEvent::Weight((s - 2) as u32));
                    Ok(())
                }
                s => Err(FailureReason::Exit(s)),
            },
            (CheckKind::Misc { .. }, ProbeResult::Signalled(sig)) => {
                Err(FailureReason::Signal(*sig))
            }
            (CheckKind::Misc { .. }, ProbeResult::SpawnFailed) => Err(FailureReason::SpawnFailed),
            _ => Err(FailureReason::WrongResultKind),
        }
    }

    /// keepalived's epilog: applies one judged probe to the retry counter and the state, and
    /// schedules the next probe.
    fn judge(
        &mut self,
        now: Instant,
        verdict: Result<(), FailureReason>,
        events: &mut Vec<CheckerEvent>,
    ) {
        if let CheckKind::Http {
            urls,
            fast_recovery,
            ..
        } = &self.config.kind
        {
            let url_count = urls.len().max(1);
            if verdict.is_ok() {
                self.urls_passed += 1;
                self.url_index = (self.url_index + 1) % url_count;
                if self.urls_passed < url_count {
                    // One URL passed; the next one follows after delay_loop, or at once with
                    // fast_recovery while the checker is not (yet) up and no URL failed.
                    self.retry_it = 0;
                    let delay = if *fast_recovery && (!self.up || !self.has_run) {
                        Duration::ZERO
                    } else {
                        self.config.delay_loop
                    };
                    self.schedule(now, delay);
                    return;
                }
            }
            self.urls_passed = 0;
        }
        let success = verdict.is_ok();
        let retries_allowed =
            self.up || !self.has_run || matches!(self.config.kind, CheckKind::Tcp { .. });
        let delay = if success || self.retry_it >= self.config.retry || !retries_allowed {
            self.retry_it = 0;
            match verdict {
                Ok(()) => {
                    if !self.up {
                        self.up = true;
                        events.push(CheckerEvent::Up);
                    }
                    self.config.delay_loop
                }
                Err(reason) => {
                    let was_down = !self.up && self.has_run;
                    if self.up {
                        self.up = false;
                        events.push(CheckerEvent::Down(reason));
                    }
                    if was_down && matches!(self.config.kind, CheckKind::Http { .. }) {
                        self.config.delay_loop.max(self.config.delay_before_retry)
                    } else {
                        self.config.delay_loop
                    }
                }
            }
        } else {
            self.retry_it += 1;
            self.config.delay_before_retry
        };
        self.has_run = true;
        self.schedule(now, delay);
    }

    fn schedule(&mut self, now: Instant, delay: Duration) {
        let base = match self.config.kind {
            CheckKind::Misc { .. } => self.last_start,
            _ => now,
        };
        let at = later(base, delay).max(now);
        self.run.set_next(at);
    }
}

/// The `Host:` header for an address without `virtualhost` (IPv6 in brackets, as keepalived).
fn host_of(address: &std::net::SocketAddr) -> String {
    match address {
        std::net::SocketAddr::V4(a) => a.ip().to_string(),
        std::net::SocketAddr::V6(a) => format!("[{}]", a.ip()),
    }
}
