//! The health-checker half of keepalived in `vrrplab run`: every `virtual_server`'s checkers
//! (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK) run for real against the real servers.
//!
//! Contract: [`Checkers`] owns one [`vrrplab_core::check::Health`] (the core decides when to
//! probe, what a result means, retries, quorum, the pool) and a [`runner::Runner`] that performs
//! the probes as tasks and children, never on the driver loop. The driver calls
//! [`Checkers::handle_timeout`] at [`Checkers::poll_timeout`], hands every probe result to
//! [`Checkers::handle_finished`], and then reads the pools ([`Checkers::pools`]) when
//! [`Checkers::take_pool_changed`] says they moved. Checker, pool and quorum changes are logged
//! here, `notify_up` / `notify_down` / `quorum_up` / `quorum_down` run as hooks, and the last
//! probe of every real server (latency, result, error) is kept for `--status` and SIGUSR1
//! ([`report`]).

pub mod http;
pub mod report;
pub mod runner;
pub mod tcp;
pub mod tls;
#[cfg(test)]
mod tls_tests;

use runner::{Finished, Runner};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;
use vrrplab_core::Instant;
use vrrplab_core::check::{
    CheckKind, Health, HealthConfig, HookKind, Output, PoolAction, ProbeId, VirtualServerStatus,
};

/// The last probe of one real server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeRecord {
    /// Probes finished (results the core used).
    pub probes: u64,
    /// How long the last probe took.
    pub last_latency: Option<Duration>,
    /// What the last probe saw.
    pub last_result: Option<String>,
    /// Why a checker of the real server went down (the core's reason and the probe that
    /// failed), `None` while every checker is up.
    pub error: Option<String>,
}

/// Where a probe owner's checker lives: virtual server, real server, checker, and its kind.
#[derive(Debug, Clone)]
struct Owner {
    virtual_server: usize,
    real_server: usize,
    kind: &'static str,
}

/// Every virtual server's checkers, their runner, and what the status shows.
pub struct Checkers {
    health: Health,
    runner: Runner,
    owners: Vec<Owner>,
    /// Virtual server names, in configuration order.
    names: Vec<String>,
    /// Sorry server of each virtual server.
    sorry: Vec<Option<std::net::SocketAddr>>,
    records: BTreeMap<(usize, usize), ProbeRecord>,
    pool_changed: bool,
}

impl Checkers {
    /// The checkers of `config` from `now`; results of their probes go to `results`.
    pub fn new(
        config: HealthConfig,
        now: Instant,
        results: mpsc::UnboundedSender<Finished>,
        tls: Result<std::sync::Arc<rustls::ClientConfig>, String>,
    ) -> Checkers {
        Checkers::build(config, now, results, tls, None)
    }

    /// The checkers of a reloaded `config`, replacing `previous` (whose probes are cancelled,
    /// quietly): unchanged checkers keep their verdict ([`Health::reload`]) and unchanged real
    /// servers their last probe record, so a reload does not flap the pool.
    pub fn reload(
        previous: &mut Checkers,
        config: HealthConfig,
        now: Instant,
        results: mpsc::UnboundedSender<Finished>,
        tls: Result<std::sync::Arc<rustls::ClientConfig>, String>,
    ) -> Checkers {
        previous.runner.cancel_all();
        let mut next = Checkers::build(config, now, results, tls, Some(&previous.health));
        let old = previous.health.virtual_servers();
        for (v, vs) in next.health.virtual_servers().iter().enumerate() {
            let Some((ov, old_vs)) = old.iter().enumerate().find(|(_, o)| o.name == vs.name) else {
                continue;
            };
            for (r, rs) in vs.real_servers.iter().enumerate() {
                let same = old_vs
                    .real_servers
                    .iter()
                    .position(|o| o.address == rs.address);
                if let Some(record) = same.and_then(|or| previous.records.get(&(ov, or))) {
                    next.records.insert((v, r), record.clone());
                }
            }
        }
        next
    }

    fn build(
        config: HealthConfig,
        now: Instant,
        results: mpsc::UnboundedSender<Finished>,
        tls: Result<std::sync::Arc<rustls::ClientConfig>, String>,
        previous: Option<&Health>,
    ) -> Checkers {
        let mut owners = Vec::new();
        for (v, vs) in config.virtual_servers.iter().enumerate() {
            for (r, rs) in vs.real_servers.iter().enumerate() {
                for c in &rs.checkers {
                    owners.push(Owner {
                        virtual_server: v,
                        real_server: r,
                        kind: kind_name(&c.kind),
                    });
                }
            }
        }
        let names = config
            .virtual_servers
            .iter()
            .map(|v| v.name.clone())
            .collect();
        let sorry = config
            .virtual_servers
            .iter()
            .map(|v| v.sorry_server.as_ref().map(|s| s.address))
            .collect();
        let config = HealthConfig {
            scripts: Vec::new(),
            ..config
        };
        if let Err(e) = &tls {
            let ssl_gets = owners.iter().filter(|o| o.kind == "SSL_GET").count();
            if ssl_gets > 0 {
                tracing::error!(
                    "{e}: the {ssl_gets} SSL_GET checker(s) fail every probe until the SSL block is fixed (then SIGHUP)"
                );
            }
        }
        let mut checkers = Checkers {
            health: match previous {
                Some(p) => Health::reload(config, now, p),
                None => Health::new(config, now),
            },
            runner: Runner::new(results, tls),
            owners,
            names,
            sorry,
            records: BTreeMap::new(),
            pool_changed: true,
        };
        checkers.drain();
        checkers
    }

    /// When [`Checkers::handle_timeout`] is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.health.poll_timeout()
    }

    /// Starts due probes, judges timed-out ones.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.health.handle_timeout(now);
        self.drain();
    }

    /// A probe result from the runner (stale ones are dropped).
    pub fn handle_finished(&mut self, now: Instant, finished: Finished) {
        let Some(latency) = self.runner.finished(&finished) else {
            return;
        };
        if let Some(owner) = self.owners.get(finished.id.owner() as usize) {
            let record = self
                .records
                .entry((owner.virtual_server, owner.real_server))
                .or_default();
            record.probes += 1;
            record.last_latency = Some(latency);
            record.last_result = Some(format!("{}: {}", owner.kind, finished.detail));
            tracing::debug!(
                virtual_server = self.names[owner.virtual_server],
                probe = %finished.id,
                latency_ms = latency.as_millis() as u64,
                "{}: {}",
                owner.kind,
                finished.detail
            );
        }
        self.health
            .handle_probe_result(now, finished.id, finished.result);
        self.drain();
    }

    /// Graceful stop: probes cancelled, pools emptied, `omega` hooks run.
    pub fn shutdown(&mut self, now: Instant) {
        self.health.shutdown(now);
        self.drain();
        self.runner.cancel_all();
    }

    /// True once after any pool operation (the data plane must be brought up to date).
    pub fn take_pool_changed(&mut self) -> bool {
        std::mem::take(&mut self.pool_changed)
    }

    /// Every virtual server's pool and state, in configuration order.
    pub fn pools(&self) -> Vec<VirtualServerStatus> {
        self.health.virtual_servers()
    }

    /// The last probe of real server `rs` of virtual server `vs`.
    pub fn record(&self, vs: usize, rs: usize) -> Option<&ProbeRecord> {
        self.records.get(&(vs, rs))
    }

    /// The sorry server of virtual server `vs`, if it has one.
    pub fn sorry_server(&self, vs: usize) -> Option<std::net::SocketAddr> {
        self.sorry.get(vs).copied().flatten()
    }

    /// Probes running now.
    pub fn running(&self) -> usize {
        self.runner.running()
    }

    /// Carries out the core's outputs.
    fn drain(&mut self) {
        while let Some(output) = self.health.poll_output() {
            match output {
                Output::StartProbe(p) => self.runner.start(p),
                Output::CancelProbe(id) => self.cancel(id),
                Output::Checker(c) => {
                    let index = self.names.iter().position(|n| *n == c.virtual_server);
                    let rs = index.and_then(|v| {
                        self.health.virtual_servers()[v]
                            .real_servers
                            .iter()
                            .position(|r| r.address == c.real_server)
                            .map(|r| (v, r))
                    });
                    let record = rs.map(|k| self.records.entry(k).or_default());
                    if c.up {
                        tracing::info!(
                            virtual_server = c.virtual_server,
                            real_server = %c.real_server,
                            "virtual_server {}: real server {} checker {} up",
                            c.virtual_server,
                            c.real_server,
                            c.checker
                        );
                        if let Some(r) = record {
                            r.error = None;
                        }
                    } else {
                        let reason = c
                            .reason
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        let seen = record
                            .as_ref()
                            .and_then(|r| r.last_result.clone())
                            .unwrap_or_default();
                        tracing::warn!(
                            virtual_server = c.virtual_server,
                            real_server = %c.real_server,
                            "virtual_server {}: real server {} checker {} down: {reason} ({seen})",
                            c.virtual_server,
                            c.real_server,
                            c.checker
                        );
                        if let Some(r) = record {
                            r.error = Some(format!("{reason} ({seen})"));
                        }
                    }
                }
                Output::Pool(p) => {
                    self.pool_changed = true;
                    let what = if p.sorry_server {
                        "sorry server"
                    } else {
                        "real server"
                    };
                    match p.action {
                        PoolAction::Add { weight } => tracing::info!(
                            virtual_server = p.virtual_server,
                            "virtual_server {}: {what} {} in the pool, weight {weight}",
                            p.virtual_server,
                            p.destination
                        ),
                        PoolAction::Reweight { weight } => tracing::info!(
                            virtual_server = p.virtual_server,
                            "virtual_server {}: {what} {} weight {weight}",
                            p.virtual_server,
                            p.destination
                        ),
                        PoolAction::Remove => tracing::info!(
                            virtual_server = p.virtual_server,
                            "virtual_server {}: {what} {} out of the pool",
                            p.virtual_server,
                            p.destination
                        ),
                    }
                }
                Output::Quorum(q) => {
                    if q.up {
                        tracing::info!(
                            virtual_server = q.virtual_server,
                            "virtual_server {}: quorum gained (live weight {})",
                            q.virtual_server,
                            q.live_weight
                        );
                    } else {
                        tracing::warn!(
                            virtual_server = q.virtual_server,
                            "virtual_server {}: quorum lost (live weight {})",
                            q.virtual_server,
                            q.live_weight
                        );
                    }
                }
                Output::RunHook(h) => {
                    let kind = match h.kind {
                        HookKind::NotifyUp => "notify_up",
                        HookKind::NotifyDown => "notify_down",
                        HookKind::QuorumUp => "quorum_up",
                        HookKind::QuorumDown => "quorum_down",
                    };
                    tracing::info!(
                        virtual_server = h.virtual_server,
                        "virtual_server {}: running {kind}: {}",
                        h.virtual_server,
                        h.command
                    );
                    crate::run::scripts::notify(&h.command, None);
                }
                other => tracing::debug!(?other, "checker output not used by the daemon"),
            }
        }
    }

    fn cancel(&mut self, id: ProbeId) {
        if let Some(owner) = self.owners.get(id.owner() as usize) {
            let record = self
                .records
                .entry((owner.virtual_server, owner.real_server))
                .or_default();
            record.probes += 1;
            record.last_result = Some(format!(
                "{}: no result in time (probe cancelled)",
                owner.kind
            ));
        }
        self.runner.cancel(id);
    }
}

fn kind_name(kind: &CheckKind) -> &'static str {
    match kind {
        CheckKind::Tcp { .. } => "TCP_CHECK",
        CheckKind::Http { tls: None, .. } => "HTTP_GET",
        CheckKind::Http { tls: Some(_), .. } => "SSL_GET",
        CheckKind::Misc { .. } => "MISC_CHECK",
    }
}

/// A seed for the `warmup` jitter that differs between runs and hosts.
pub fn warmup_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ (u64::from(std::process::id()) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrplab_core::check::{CheckerConfig, RealServerConfig, VirtualServerConfig};

    /// Runs the checkers on core time `at` until the runner answers every probe.
    async fn step(c: &mut Checkers, rx: &mut mpsc::UnboundedReceiver<Finished>, at: Instant) {
        c.handle_timeout(at);
        while c.running() > 0 {
            let f = rx.recv().await.unwrap();
            c.handle_finished(at, f);
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn refused_real_server_goes_down_after_its_retries_with_the_error_in_status() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = closed.local_addr().unwrap();
        drop(closed);
        let mut rs = RealServerConfig::new(address);
        let mut check = CheckerConfig::tcp(address);
        check.delay_loop = Duration::from_secs(1);
        check.retry = 1;
        rs.checkers.push(check);
        let config = HealthConfig {
            virtual_servers: vec![VirtualServerConfig::new("10.0.0.100:80", vec![rs])],
            ..HealthConfig::default()
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut c = Checkers::new(config.clone(), Instant::ZERO, tx, Err("no TLS".into()));
        assert!(c.take_pool_changed(), "the initial pool is a change");
        assert_eq!(c.pools()[0].real_servers[0].in_pool, Some(1));
        step(&mut c, &mut rx, Instant::from_millis(1000)).await;
        assert!(c.pools()[0].real_servers[0].alive, "one failure is retried");
        step(&mut c, &mut rx, Instant::from_millis(2000)).await;
        let pool = &c.pools()[0];
        assert!(!pool.real_servers[0].alive);
        assert_eq!(pool.real_servers[0].in_pool, None);
        assert!(c.take_pool_changed());
        let doc = report::json(&c);
        let rs = &doc[0]["real_servers"][0];
        assert_eq!(rs["up"], false);
        assert_eq!(rs["probes"], 2);
        let error = rs["error"].as_str().unwrap();
        assert!(
            error.starts_with("connect failed (TCP_CHECK: connect to") && error.contains("refused"),
            "{error}"
        );
        let metrics = report::metrics(&c);
        assert!(metrics.contains(&format!(
            "vrrplab_real_server_up{{virtual_server=\"10.0.0.100:80\",real_server=\"{address}\"}} 0"
        )));
        assert!(
            metrics
                .contains("vrrplab_virtual_server_quorum_up{virtual_server=\"10.0.0.100:80\"} 0")
        );
        // A reload of the same file keeps the dead server out and its last error in status.
        let (tx, _rx) = mpsc::unbounded_channel();
        let next = Checkers::reload(
            &mut c,
            config,
            Instant::from_millis(2500),
            tx,
            Err("no TLS".into()),
        );
        let pool = &next.pools()[0];
        assert!(!pool.real_servers[0].alive, "the verdict carried over");
        assert_eq!(pool.real_servers[0].in_pool, None);
        assert_eq!(report::json(&next)[0]["real_servers"][0]["error"], error);
    }
}
