//! The simulated world: one turmoil host per router (a thin driver around the core's `Node`,
//! plus the node's `virtual_server` checks run by `core::check::Health`), one host per checked
//! real-server address, optional gateway and client hosts, and a step loop that applies the
//! fault plan. An IPv6 scenario ([`Scenario::ipv6`]) runs in turmoil's IPv6 mode: every host
//! is the `fe80::` twin of its IPv4 address (one address per host, so one family per run).
//!
//! Contract: [`run`] is deterministic — the same [`Scenario`] (seed included) gives the same
//! [`RunRecord`] byte for byte. Time is turmoil's virtual time; faults are applied at the first
//! tick boundary at or after their time; the run stops after `settings.duration`.

mod carrier;
mod driver;
mod extras;
mod net;
mod router;

use crate::backends::{BackendControl, BackendKind};
use crate::fault::FaultAction;
use crate::observe::{Event, EventKind, Observer, PacketCounters, PacketRecord};
use crate::scenario::Scenario;
use net::{
    CLIENT_ADDR, Command, Control, GATEWAY_ADDR, NetState, Shared, SharedRef, host_ip, loss_rng,
};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};
use vrrplab_core::vrrp::State;

/// Everything a run produced, in time order.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// Events (transitions, VIP changes, faults, client ARP, live violations).
    pub events: Vec<Event>,
    /// Packets put on the segment (empty unless `record_packets`).
    pub packets: Vec<PacketRecord>,
    /// Datagram counters.
    pub counters: PacketCounters,
    /// Simulated time actually run.
    pub simulated: Duration,
}

/// A run that could not complete: turmoil reported an error (a host failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    /// The seed, so the run can be repeated.
    pub seed: u64,
    /// Simulated time of the failure.
    pub at: Duration,
    /// What failed.
    pub message: String,
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "simulation failed at {:.3}s (seed {}): {}",
            self.at.as_secs_f64(),
            self.seed,
            self.message
        )
    }
}

impl std::error::Error for SimError {}

/// Records "host gone" for every instance and VIP of a node (crash, or a reload restart).
pub(crate) fn clear_node(observer: &mut Observer, t: Duration, node: &str, reason: &str) {
    for (instance, view) in observer.instances_of(node) {
        if view.state != State::Init {
            observer.push(
                t,
                node,
                EventKind::Transition {
                    instance,
                    vrid: view.vrid,
                    from: view.state,
                    to: State::Init,
                    reason: reason.to_string(),
                    priority: view.priority,
                },
            );
        }
    }
    for address in observer.vips_of(node) {
        observer.push(t, node, EventKind::VipRemoved { address });
    }
    // The IPVS table goes with the host (keepalived's checker rebuilds it on start).
    for (virtual_server, address, sorry_server) in observer.pool_of(node) {
        observer.push(
            t,
            node,
            EventKind::RealServer {
                virtual_server,
                address,
                sorry_server,
                action: vrrplab_core::check::PoolAction::Remove,
            },
        );
    }
}

struct World<'a> {
    scenario: &'a Scenario,
    shared: SharedRef,
    controls: BTreeMap<String, Rc<Control>>,
    hosts: BTreeMap<String, IpAddr>,
    /// Simulated real servers by checker connect address.
    backends: BTreeMap<SocketAddr, BackendControl>,
    /// Real-server hosts (isolated from a node like the gateway and client are).
    hosts_extra: Vec<IpAddr>,
    /// The world runs in turmoil's IPv6 mode (every instance is IPv6).
    v6: bool,
}

impl World<'_> {
    fn ip(&self, node: &str) -> IpAddr {
        self.hosts[node]
    }

    fn gateway_ip(&self) -> IpAddr {
        host_ip(GATEWAY_ADDR, self.v6)
    }

    fn all_hosts(&self) -> Vec<IpAddr> {
        let mut v: Vec<IpAddr> = self.hosts.values().copied().collect();
        if self.scenario.gateway {
            v.push(self.gateway_ip());
        }
        if self.scenario.client {
            v.push(host_ip(CLIENT_ADDR, self.v6));
        }
        v.extend(self.hosts_extra.iter().copied());
        v
    }

    fn apply(&mut self, sim: &mut turmoil::Sim<'_>, action: &FaultAction) {
        let t = sim.elapsed();
        self.shared
            .borrow_mut()
            .observer
            .push(t, "", EventKind::Fault(action.clone()));
        match action {
            FaultAction::Crash(n) => {
                let ip = self.ip(n);
                if sim.is_host_running(ip) {
                    sim.crash(ip);
                    self.controls[n].commands.borrow_mut().clear();
                    clear_node(&mut self.shared.borrow_mut().observer, t, n, "host crashed");
                }
            }
            FaultAction::Restart(n) => {
                let ip = self.ip(n);
                if sim.is_host_running(ip) {
                    clear_node(
                        &mut self.shared.borrow_mut().observer,
                        t,
                        n,
                        "host rebooted",
                    );
                }
                self.controls[n].commands.borrow_mut().clear();
                self.controls[n].stopped.set(false);
                sim.bounce(ip);
            }
            FaultAction::Stop(n) => self.controls[n].send(Command::Stop),
            FaultAction::Start(n) => self.controls[n].send(Command::Start),
            FaultAction::Partition(a, b) => sim.partition(self.ip(a), self.ip(b)),
            FaultAction::Isolate(n) => {
                let me = self.ip(n);
                for other in self.all_hosts() {
                    if other != me {
                        sim.partition(me, other);
                    }
                }
            }
            FaultAction::Heal(a, b) => {
                sim.repair(self.ip(a), self.ip(b));
                let mut shared = self.shared.borrow_mut();
                let net = &mut shared.net;
                net.blocks.remove(&(a.clone(), b.clone()));
                net.blocks.remove(&(b.clone(), a.clone()));
                net.loss_links.remove(&net::link_key(a, b));
            }
            FaultAction::HealAll => {
                let hosts = self.all_hosts();
                for (i, x) in hosts.iter().enumerate() {
                    for y in &hosts[i + 1..] {
                        sim.repair(*x, *y);
                    }
                }
                let mut shared = self.shared.borrow_mut();
                let down = std::mem::take(&mut shared.net.interfaces_down);
                shared.net = NetState {
                    interfaces_down: down,
                    ..NetState::default()
                };
            }
            FaultAction::Block { receiver, sender } => {
                self.shared
                    .borrow_mut()
                    .net
                    .blocks
                    .insert((receiver.clone(), sender.clone()));
            }
            FaultAction::Unblock { receiver, sender } => {
                self.shared
                    .borrow_mut()
                    .net
                    .blocks
                    .remove(&(receiver.clone(), sender.clone()));
            }
            FaultAction::Loss { link, percent } => {
                let mut shared = self.shared.borrow_mut();
                match link {
                    None => shared.net.loss_all = *percent,
                    Some((a, b)) => {
                        shared.net.loss_links.insert(net::link_key(a, b), *percent);
                    }
                }
            }
            FaultAction::Latency { a, b, latency } => {
                sim.set_link_latency(self.ip(a), self.ip(b), *latency)
            }
            FaultAction::Drift { node, rate } => {
                self.controls[node].clock.borrow_mut().set_rate(t, *rate);
                self.controls[node].send(Command::Wake);
            }
            FaultAction::InterfaceDown { node, interface }
            | FaultAction::InterfaceUp { node, interface } => {
                let up = matches!(action, FaultAction::InterfaceUp { .. });
                {
                    let mut shared = self.shared.borrow_mut();
                    let key = (node.clone(), interface.clone());
                    if up {
                        shared.net.interfaces_down.remove(&key);
                    } else {
                        shared.net.interfaces_down.insert(key);
                    }
                }
                self.controls[node].send(Command::Interface {
                    name: interface.clone(),
                    up,
                });
            }
            FaultAction::Script { node, script, ok } => {
                self.controls[node]
                    .scripts_ok
                    .borrow_mut()
                    .insert(script.clone(), *ok);
                self.controls[node].send(Command::Script);
            }
            FaultAction::TrackFile { node, name, value } => {
                self.controls[node]
                    .track_files
                    .borrow_mut()
                    .insert(name.clone(), *value);
                self.controls[node].send(Command::TrackFile {
                    name: name.clone(),
                    value: *value,
                });
            }
            FaultAction::GatewayCut(n) => sim.partition(self.ip(n), self.gateway_ip()),
            FaultAction::GatewayRestore(n) => sim.repair(self.ip(n), self.gateway_ip()),
            FaultAction::Reload { node, config } => {
                let config = self.scenario.configs[config].clone();
                self.controls[node].send(Command::Reload(Box::new(config)));
            }
            FaultAction::BackendDown(b) => self.backends[b].stop(),
            FaultAction::BackendHang(b) => self.backends[b].hang(),
            FaultAction::BackendUp(b) => {
                let c = &self.backends[b];
                c.start();
                c.slow(Duration::ZERO);
                c.answer(200);
            }
            FaultAction::BackendSlow { backend, delay } => self.backends[backend].slow(*delay),
            FaultAction::BackendStatus { backend, status } => {
                self.backends[backend].answer(*status)
            }
        }
    }
}

/// Runs a scenario to its end. Errors carry the seed.
pub fn run(scenario: &Scenario) -> Result<RunRecord, SimError> {
    let settings = &scenario.settings;
    let fail = |at: Duration, message: String| SimError {
        seed: settings.seed,
        at,
        message,
    };
    scenario
        .validate()
        .map_err(|e| fail(Duration::ZERO, e.message))?;
    let v6 = scenario.ipv6();
    let mut sim = turmoil::Builder::new()
        .ip_version(if v6 {
            turmoil::IpVersion::V6
        } else {
            turmoil::IpVersion::V4
        })
        .simulation_duration(settings.duration + Duration::from_secs(1))
        .tick_duration(settings.tick)
        .rng_seed(settings.seed)
        .min_message_latency(settings.min_latency)
        .max_message_latency(settings.max_latency)
        .epoch(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        .build();
    let shared: SharedRef = Rc::new(RefCell::new(Shared {
        observer: Observer::new(settings.record_packets),
        net: NetState::default(),
        rng: loss_rng(settings.seed),
        names: scenario
            .nodes
            .iter()
            .map(|n| (host_ip(n.address, v6), n.name.clone()))
            .collect(),
        v6,
    }));
    let mut world = World {
        scenario,
        shared: shared.clone(),
        controls: BTreeMap::new(),
        hosts: BTreeMap::new(),
        backends: BTreeMap::new(),
        hosts_extra: Vec::new(),
        v6,
    };
    for node in &scenario.nodes {
        let ctl = Rc::new(Control::new(node.config.clone()));
        let spec = Rc::new(router::RouterSpec {
            name: node.name.clone(),
            address: node.address,
            ip: host_ip(node.address, v6),
            gateway_script: node.gateway_script.clone().filter(|_| scenario.gateway),
            client: scenario.client,
            health: vrrplab_core::check::HealthConfig {
                warmup_seed: settings.seed,
                ..node.health.clone()
            },
        });
        world.controls.insert(node.name.clone(), ctl.clone());
        world
            .hosts
            .insert(node.name.clone(), host_ip(node.address, v6));
        let shared = shared.clone();
        sim.host(host_ip(node.address, v6), move || {
            driver::router(spec.clone(), shared.clone(), ctl.clone())
        });
    }
    if scenario.gateway {
        sim.host(host_ip(GATEWAY_ADDR, v6), move || extras::gateway(v6));
    }
    // One host per real-server address, serving every checked port on it.
    let mut by_ip: BTreeMap<IpAddr, Vec<(u16, BackendKind, BackendControl)>> = BTreeMap::new();
    for (address, http) in scenario.backends() {
        let control = BackendControl::new();
        world.backends.insert(address, control.clone());
        let kind = if http {
            BackendKind::Http
        } else {
            BackendKind::Tcp
        };
        by_ip
            .entry(address.ip())
            .or_default()
            .push((address.port(), kind, control));
    }
    for (ip, ports) in by_ip {
        world.hosts_extra.push(ip);
        let ports = Rc::new(ports);
        sim.host(ip, move || extras::real_server(ports.clone()));
    }
    if scenario.client {
        let shared = shared.clone();
        sim.host(host_ip(CLIENT_ADDR, v6), move || {
            extras::client(shared.clone())
        });
    }
    let faults = scenario.faults.faults();
    let mut next = 0;
    loop {
        let now = sim.elapsed();
        while next < faults.len() && faults[next].at <= now {
            world.apply(&mut sim, &faults[next].action);
            next += 1;
        }
        if now >= settings.duration {
            break;
        }
        sim.step().map_err(|e| fail(sim.elapsed(), e.to_string()))?;
    }
    let simulated = sim.elapsed();
    drop(world);
    drop(sim);
    let shared = Rc::try_unwrap(shared)
        .map_err(|_| fail(simulated, "a host still holds the shared state".into()))?
        .into_inner();
    let (events, packets, counters) = shared.observer.finish();
    Ok(RunRecord {
        events,
        packets,
        counters,
        simulated,
    })
}
