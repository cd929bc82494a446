//! The event engine: the turmoil world's rules without turmoil's every-tick stepping.
//!
//! turmoil advances every host every tick, whether or not anything happens; at a 1 ms tick a
//! quiet VRRP pair spends nearly all of its time stepping idle hosts. This engine keeps the
//! same steps (`[kT, (k+1)T)`), the same order of hosts within a step, the same delivery rules
//! ([`network`]) and the same router loop ([`hosts`]), but runs only the steps in which
//! something happens — a fault, a delivery, a host starting, a core deadline — and jumps over
//! the rest. Everything observable (events, their order and times, loss draws, counters,
//! packets) is therefore the turmoil engine's, which the integration tests check record for
//! record over the named scenarios and generated fault plans.
//!
//! It covers worlds of routers, gateway and client with a fixed latency ([`unsupported`] says
//! what it does not); [`run`] gives up with [`Outcome::Unsupported`] when a host does
//! something only turmoil models, and the caller runs the scenario in turmoil instead.

mod hosts;
mod network;

use super::apply::Fabric;
use super::net::{CLIENT_ADDR, GATEWAY_ADDR, SharedRef, host_ip};
use super::{RunRecord, Setup, SimError, finish};
use crate::scenario::Scenario;
use hosts::{Host, Role};
use network::Network;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

/// Why a run of the event engine did not produce a record.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Something only turmoil models (the reason); run the scenario there.
    Unsupported(String),
    /// The run failed as it would in turmoil.
    Failed(SimError),
}

/// Why the event engine cannot run `scenario`, or `None`.
pub(crate) fn unsupported(scenario: &Scenario) -> Option<String> {
    let s = &scenario.settings;
    if scenario
        .nodes
        .iter()
        .any(|n| !n.health.virtual_servers.is_empty())
    {
        return Some(
            "virtual_server checks talk TCP to simulated real servers, which only turmoil models"
                .into(),
        );
    }
    if s.min_latency != s.max_latency {
        return Some(format!(
            "a latency range ({:?}–{:?}) draws every datagram's latency from turmoil's RNG",
            s.min_latency, s.max_latency
        ));
    }
    if s.tick.is_zero() || !s.tick.as_nanos().is_multiple_of(1_000_000) {
        return Some(format!(
            "a tick of {:?} is not a whole number of milliseconds (turmoil's timers are)",
            s.tick
        ));
    }
    let ips = host_ips(scenario);
    if ips.iter().collect::<BTreeSet<_>>().len() != ips.len() {
        return Some("two hosts share an address".into());
    }
    None
}

/// The hosts' addresses in turmoil's registration order: routers, gateway, client.
fn host_ips(scenario: &Scenario) -> Vec<IpAddr> {
    let v6 = scenario.ipv6();
    let mut ips: Vec<IpAddr> = scenario
        .nodes
        .iter()
        .map(|n| host_ip(n.address, v6))
        .collect();
    if scenario.gateway {
        ips.push(host_ip(GATEWAY_ADDR, v6));
    }
    if scenario.client {
        ips.push(host_ip(CLIENT_ADDR, v6));
    }
    ips
}

/// The network and the hosts, as the fault plan acts on them.
struct Engine {
    net: Network,
    hosts: Vec<Host>,
    shared: SharedRef,
}

impl Engine {
    /// Every host's turn in step `step`, in registration order.
    fn step(&mut self, step: u64) {
        for (me, host) in self.hosts.iter_mut().enumerate() {
            host.turn(me, step, &mut self.net, &self.shared);
        }
    }

    /// The first step after `step` in which something happens (or `None`).
    fn next_busy(&self, step: u64) -> Option<u64> {
        let from = step + 1;
        let hosts = self
            .hosts
            .iter()
            .filter_map(|h| h.busy_from(from, &self.net));
        hosts
            .chain(self.net.next_delivery())
            .min()
            .map(|s| s.max(from))
    }
}

impl Fabric for Engine {
    fn elapsed(&self) -> Duration {
        self.net.at(self.net.step)
    }

    fn is_running(&mut self, ip: IpAddr) -> bool {
        self.net.host(ip).is_some_and(|h| self.hosts[h].running)
    }

    fn crash(&mut self, ip: IpAddr) {
        if let Some(h) = self.net.host(ip) {
            self.hosts[h].crash();
            self.net.leave_all(h);
        }
    }

    fn bounce(&mut self, ip: IpAddr) {
        if let Some(h) = self.net.host(ip) {
            self.hosts[h].bounce(self.net.step);
            self.net.leave_all(h);
        }
    }

    fn partition(&mut self, a: IpAddr, b: IpAddr) {
        if let (Some(a), Some(b)) = (self.net.host(a), self.net.host(b)) {
            self.net.partition(a, b);
        }
    }

    fn repair(&mut self, a: IpAddr, b: IpAddr) {
        if let (Some(a), Some(b)) = (self.net.host(a), self.net.host(b)) {
            self.net.repair(a, b);
        }
    }

    fn set_link_latency(&mut self, a: IpAddr, b: IpAddr, latency: Duration) {
        if let (Some(a), Some(b)) = (self.net.host(a), self.net.host(b)) {
            self.net.set_latency(a, b, latency);
        }
    }
}

/// Runs `scenario` (validated, and [`unsupported`] said nothing) step by busy step.
pub(crate) fn run(scenario: &Scenario) -> Result<RunRecord, Outcome> {
    if let Some(reason) = unsupported(scenario) {
        return Err(Outcome::Unsupported(reason));
    }
    let settings = &scenario.settings;
    let Setup {
        shared,
        mut world,
        routers,
    } = Setup::new(scenario);
    let mut hosts: Vec<Host> = routers
        .into_iter()
        .map(|(spec, ctl)| {
            Host::new(Role::Router {
                spec,
                ctl,
                router: None,
                timer_at: None,
            })
        })
        .collect();
    if scenario.gateway {
        hosts.push(Host::new(Role::Gateway));
    }
    if scenario.client {
        hosts.push(Host::new(Role::Client));
    }
    let mut engine = Engine {
        net: Network::new(settings.tick, settings.min_latency, host_ips(scenario)),
        hosts,
        shared: shared.clone(),
    };
    let faults = scenario.faults.faults();
    let end = engine.net.step_at_or_after(settings.duration);
    let mut next = 0;
    let mut step = 0;
    loop {
        engine.net.step = step;
        let now = engine.net.at(step);
        while next < faults.len() && faults[next].at <= now {
            world.apply(&mut engine, &faults[next].action);
            next += 1;
        }
        if now >= settings.duration {
            break;
        }
        engine.step(step);
        if let Some(reason) = engine.net.unsupported.take() {
            return Err(Outcome::Unsupported(reason));
        }
        let fault = faults.get(next).map(|f| engine.net.step_at_or_after(f.at));
        step = [Some(end), fault, engine.next_busy(step)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(end)
            .max(step + 1);
    }
    let simulated = engine.net.at(step);
    drop(world);
    drop(engine);
    finish(scenario, shared, simulated).map_err(Outcome::Failed)
}
