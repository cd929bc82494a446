//! The fault plan applied to a world: one [`World::apply`] for both engines, acting on the
//! network and the hosts through [`Fabric`] (turmoil's `Sim` or the event engine's network) and
//! on the routers through their [`Control`]s.
//!
//! Contract: an action is applied at the simulated time [`Fabric::elapsed`] (a tick boundary),
//! its `Fault` event is recorded first, and it changes the world the same way in both engines.

use super::clear_node;
use super::net::{self, CLIENT_ADDR, Command, Control, GATEWAY_ADDR, NetState, SharedRef, host_ip};
use crate::backends::BackendControl;
use crate::fault::FaultAction;
use crate::observe::EventKind;
use crate::scenario::Scenario;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

/// What the fault plan does to the network and the hosts (turmoil's names and meanings).
pub(crate) trait Fabric {
    /// Simulated time now (a tick boundary: faults are applied between steps).
    fn elapsed(&self) -> Duration;
    /// Whether the host's software runs (not crashed).
    fn is_running(&mut self, ip: IpAddr) -> bool;
    /// Stops the host's software: its sockets close, it leaves its multicast groups.
    fn crash(&mut self, ip: IpAddr);
    /// Starts the host's software afresh (after stopping it when it runs).
    fn bounce(&mut self, ip: IpAddr);
    /// Cuts the link both ways and drops what is in flight on it.
    fn partition(&mut self, a: IpAddr, b: IpAddr);
    /// Heals the link (what was dropped stays dropped).
    fn repair(&mut self, a: IpAddr, b: IpAddr);
    /// Fixed one-way latency on the link from now on.
    fn set_link_latency(&mut self, a: IpAddr, b: IpAddr, latency: Duration);
}

impl Fabric for turmoil::Sim<'_> {
    fn elapsed(&self) -> Duration {
        turmoil::Sim::elapsed(self)
    }
    fn is_running(&mut self, ip: IpAddr) -> bool {
        self.is_host_running(ip)
    }
    fn crash(&mut self, ip: IpAddr) {
        turmoil::Sim::crash(self, ip)
    }
    fn bounce(&mut self, ip: IpAddr) {
        turmoil::Sim::bounce(self, ip)
    }
    fn partition(&mut self, a: IpAddr, b: IpAddr) {
        turmoil::Sim::partition(self, a, b)
    }
    fn repair(&mut self, a: IpAddr, b: IpAddr) {
        turmoil::Sim::repair(self, a, b)
    }
    fn set_link_latency(&mut self, a: IpAddr, b: IpAddr, latency: Duration) {
        turmoil::Sim::set_link_latency(self, a, b, latency)
    }
}

/// The world's hosts and controls, as the fault plan addresses them.
pub(crate) struct World<'a> {
    pub(crate) scenario: &'a Scenario,
    pub(crate) shared: SharedRef,
    pub(crate) controls: BTreeMap<String, Rc<Control>>,
    pub(crate) hosts: BTreeMap<String, IpAddr>,
    /// Simulated real servers by checker connect address.
    pub(crate) backends: BTreeMap<SocketAddr, BackendControl>,
    /// Real-server hosts (isolated from a node like the gateway and client are).
    pub(crate) hosts_extra: Vec<IpAddr>,
    /// The world runs in turmoil's IPv6 mode (every instance is IPv6).
    pub(crate) v6: bool,
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

    pub(crate) fn apply(&mut self, net: &mut impl Fabric, action: &FaultAction) {
        let t = net.elapsed();
        self.shared
            .borrow_mut()
            .observer
            .push(t, "", EventKind::Fault(action.clone()));
        match action {
            FaultAction::Crash(n) => {
                let ip = self.ip(n);
                if net.is_running(ip) {
                    net.crash(ip);
                    self.controls[n].commands.borrow_mut().clear();
                    clear_node(&mut self.shared.borrow_mut().observer, t, n, "host crashed");
                }
            }
            FaultAction::Restart(n) => {
                let ip = self.ip(n);
                if net.is_running(ip) {
                    clear_node(
                        &mut self.shared.borrow_mut().observer,
                        t,
                        n,
                        "host rebooted",
                    );
                }
                self.controls[n].commands.borrow_mut().clear();
                self.controls[n].stopped.set(false);
                net.bounce(ip);
            }
            FaultAction::Stop(n) => self.controls[n].send(Command::Stop),
            FaultAction::Start(n) => self.controls[n].send(Command::Start),
            FaultAction::Partition(a, b) => net.partition(self.ip(a), self.ip(b)),
            FaultAction::Isolate(n) => {
                let me = self.ip(n);
                for other in self.all_hosts() {
                    if other != me {
                        net.partition(me, other);
                    }
                }
            }
            FaultAction::Heal(a, b) => {
                net.repair(self.ip(a), self.ip(b));
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
                        net.repair(*x, *y);
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
                net.set_link_latency(self.ip(a), self.ip(b), *latency)
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
            FaultAction::GatewayCut(n) => net.partition(self.ip(n), self.gateway_ip()),
            FaultAction::GatewayRestore(n) => net.repair(self.ip(n), self.gateway_ip()),
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
