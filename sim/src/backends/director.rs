//! Host software running a [`Health`] (vrrp_scripts and virtual-server pools) against
//! simulated backends, recording every output with its simulated time.

use super::prober::{Prober, ScriptOutcomes};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use vrrplab_core::Instant;
use vrrplab_core::check::{Health, HealthConfig, Output, PoolAction};

/// The core's clock inside a turmoil host: simulated time since the start.
pub fn sim_instant() -> Instant {
    Instant::from_duration(turmoil::sim_elapsed().unwrap_or_default())
}

/// Every output of a [`run_health`] host, with its simulated time; shared with the test.
#[derive(Debug, Clone, Default)]
pub struct HealthRecord(Rc<RefCell<Vec<(Duration, Output)>>>);

impl HealthRecord {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&self, at: Duration, output: Output) {
        self.0.borrow_mut().push((at, output));
    }

    /// Outputs matching `f`, with their times.
    pub fn find<T>(&self, mut f: impl FnMut(&Output) -> Option<T>) -> Vec<(Duration, T)> {
        self.0
            .borrow()
            .iter()
            .filter_map(|(t, o)| f(o).map(|v| (*t, v)))
            .collect()
    }

    /// The pool of `virtual_server` after every operation up to `until`: destination → weight.
    pub fn pool_at(&self, virtual_server: &str, until: Duration) -> BTreeMap<SocketAddr, u32> {
        let mut pool = BTreeMap::new();
        for (t, output) in self.0.borrow().iter() {
            if *t > until {
                break;
            }
            if let Output::Pool(p) = output
                && p.virtual_server == virtual_server
            {
                match p.action {
                    PoolAction::Add { weight } | PoolAction::Reweight { weight } => {
                        pool.insert(p.destination, weight);
                    }
                    PoolAction::Remove => {
                        pool.remove(&p.destination);
                    }
                }
            }
        }
        pool
    }

    /// Everything but probe starts and cancels, one line per output (for snapshots).
    pub fn timeline(&self) -> String {
        let mut text = String::new();
        for (t, output) in self.0.borrow().iter() {
            let line = match output {
                Output::StartProbe(_) | Output::CancelProbe(_) => continue,
                Output::ScriptResult(r) => format!("script {} up={}", r.script, r.up),
                Output::Checker(c) => format!(
                    "checker {} #{} up={} reason={}",
                    c.real_server,
                    c.checker,
                    c.up,
                    c.reason
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
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
                other => format!("{other:?}"),
            };
            text.push_str(&format!("{:>8.3}s {line}\n", t.as_secs_f64()));
        }
        text
    }
}

/// Host software: runs `config` from the host's start, performing probes against the turmoil
/// network and `scripts`, recording outputs in `record`. Never returns on its own.
pub async fn run_health(
    config: HealthConfig,
    scripts: ScriptOutcomes,
    record: HealthRecord,
) -> turmoil::Result {
    run_health_with(config, scripts, move |at, output| record.push(at, output)).await
}

/// Like [`run_health`], but hands every output (probe starts and cancels included) with its
/// simulated time to `sink` (the simulator's observer). Never returns on its own.
pub async fn run_health_with(
    config: HealthConfig,
    scripts: ScriptOutcomes,
    mut sink: impl FnMut(Duration, Output),
) -> turmoil::Result {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut prober = Prober::new(tx, scripts);
    let mut health = Health::new(config, sim_instant());
    loop {
        while let Some(output) = health.poll_output() {
            match &output {
                Output::StartProbe(probe) => prober.start(probe.clone()),
                Output::CancelProbe(id) => prober.cancel(*id),
                _ => {}
            }
            sink(sim_instant().as_duration(), output);
        }
        let sleep = match health.poll_timeout() {
            Some(at) => at.saturating_duration_since(sim_instant()),
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            biased;
            Some((id, result)) = rx.recv() => {
                health.handle_probe_result(sim_instant(), id, result);
            }
            _ = tokio::time::sleep(sleep) => health.handle_timeout(sim_instant()),
        }
    }
}
