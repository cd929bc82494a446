//! A virtual-clock harness: N [`Node`]s on one Ethernet segment, in the style of
//! quinn-proto's test `Pair`.
//!
//! The clock jumps straight to the next wakeup (a packet arriving or a node's timer), so an hour
//! of VRRP runs in milliseconds and tests can assert exact instants. Links have a per-pair
//! latency, deterministic loss (a [`SplitMix64`] seeded by the caller), and one-way or two-way
//! cuts; hosts can crash (silently, addresses gone), stop gracefully (priority 0) and restart.
//! Everything is recorded in a [`History`].
//!
//! Ordering at one instant: packets due are delivered first (in send order), then every host's
//! expired timers (in host order). Outputs are drained after every input.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use std::time::Duration;
//! use vrrplab_core::lan::{Lan, host_config};
//! use vrrplab_core::vrrp::{InstanceConfig, State};
//!
//! let vip = "192.0.2.100".parse().unwrap();
//! let mut lan = Lan::new(42);
//! for (i, priority) in [100u8, 99].into_iter().enumerate() {
//!     let mut vi = InstanceConfig::new("VI_1", "eth0", 51, &[vip]);
//!     vi.priority = priority;
//!     let addr = Ipv4Addr::new(192, 0, 2, 11 + i as u8);
//!     lan.add_host(&format!("h{}", i + 1), host_config("r", addr, vec![vi]));
//! }
//! lan.run_for(Duration::from_secs(10));
//! assert_eq!(lan.masters(51), vec![0]);
//! lan.crash(0);
//! lan.run_for(Duration::from_secs(5));
//! assert_eq!(lan.masters(51), vec![1]);
//! assert_eq!(lan.state(1, "VI_1"), Some(State::Master));
//! ```

mod history;

#[cfg(test)]
mod tests;

pub use history::{Event, History, Record};

use crate::Instant;
use crate::node::{InterfaceInfo, Node, NodeConfig, Output, RxMeta};
use crate::prng::SplitMix64;
use crate::vrrp::{InstanceConfig, State};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// A packet on the wire, due at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Delivery {
    at: Instant,
    seq: u64,
    to: usize,
    meta: RxMeta,
    payload: Vec<u8>,
}

impl PartialOrd for Delivery {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Delivery {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// One host on the segment.
#[derive(Debug)]
struct Host {
    name: String,
    config: NodeConfig,
    node: Option<Node>,
}

impl Host {
    fn owns(&self, address: IpAddr) -> bool {
        self.config
            .interfaces
            .iter()
            .any(|i| i.primary_v4 == Some(address) || i.link_local_v6 == Some(address))
    }

    /// The interface a packet sent on `interface` arrives on here.
    fn receiving_interface(&self, interface: &str) -> String {
        self.config
            .interfaces
            .iter()
            .find(|i| i.name == interface)
            .or(self.config.interfaces.first())
            .map(|i| i.name.clone())
            .unwrap_or_else(|| interface.to_string())
    }
}

/// N routers on one segment under a virtual clock. See the module docs.
#[derive(Debug)]
pub struct Lan {
    now: Instant,
    hosts: Vec<Host>,
    in_flight: BinaryHeap<Reverse<Delivery>>,
    seq: u64,
    default_latency: Duration,
    latencies: Vec<(usize, usize, Duration)>,
    loss_per_million: u32,
    rng: SplitMix64,
    blocked: BTreeSet<(usize, usize)>,
    history: History,
    deliveries: u64,
}

/// A one-interface host config: `eth0` with `address` (IPv4) and a link-local derived from it,
/// running `instances`.
pub fn host_config(
    router_id: &str,
    address: Ipv4Addr,
    instances: Vec<InstanceConfig>,
) -> NodeConfig {
    let o = address.octets();
    let link_local = Ipv6Addr::new(
        0xfe80,
        0,
        0,
        0,
        0,
        0xff,
        0xfe00,
        u16::from_be_bytes([o[2], o[3]]),
    );
    NodeConfig {
        router_id: router_id.to_string(),
        interfaces: vec![InterfaceInfo::up(
            "eth0",
            Some(IpAddr::V4(address)),
            Some(IpAddr::V6(link_local)),
        )],
        instances,
        ..NodeConfig::default()
    }
}

impl Lan {
    /// An empty segment at time zero; `seed` drives packet loss.
    pub fn new(seed: u64) -> Lan {
        Lan {
            now: Instant::ZERO,
            hosts: Vec::new(),
            in_flight: BinaryHeap::new(),
            seq: 0,
            default_latency: Duration::ZERO,
            latencies: Vec::new(),
            loss_per_million: 0,
            rng: SplitMix64::new(seed),
            blocked: BTreeSet::new(),
            history: History::default(),
            deliveries: 0,
        }
    }

    // ---- topology and faults ----

    /// Adds a host and starts its node now. Returns its index.
    pub fn add_host(&mut self, name: &str, config: NodeConfig) -> usize {
        self.hosts.push(Host {
            name: name.to_string(),
            config,
            node: None,
        });
        let index = self.hosts.len() - 1;
        self.restart(index);
        index
    }

    /// Latency of every link without its own.
    pub fn set_default_latency(&mut self, latency: Duration) {
        self.default_latency = latency;
    }

    /// Latency from `from` to `to` (one direction).
    pub fn set_latency(&mut self, from: usize, to: usize, latency: Duration) {
        self.latencies.retain(|(f, t, _)| !(*f == from && *t == to));
        self.latencies.push((from, to, latency));
    }

    /// Drops each packet on every link with probability `per_million` / 1,000,000.
    pub fn set_loss(&mut self, per_million: u32) {
        self.loss_per_million = per_million;
    }

    /// One-way cut: nothing from `from` reaches `to`.
    pub fn cut_one_way(&mut self, from: usize, to: usize) {
        self.blocked.insert((from, to));
    }

    /// Two-way cut between `a` and `b`.
    pub fn cut(&mut self, a: usize, b: usize) {
        self.cut_one_way(a, b);
        self.cut_one_way(b, a);
    }

    /// Cuts `a` off from every other host, both ways.
    pub fn isolate(&mut self, a: usize) {
        for b in 0..self.hosts.len() {
            if b != a {
                self.cut(a, b);
            }
        }
    }

    /// Removes every cut.
    pub fn heal_all(&mut self) {
        self.blocked.clear();
    }

    /// Removes the cuts between `a` and `b` (both directions).
    pub fn heal(&mut self, a: usize, b: usize) {
        self.blocked.remove(&(a, b));
        self.blocked.remove(&(b, a));
    }

    /// Crash: the node vanishes without a word; its addresses count as gone.
    pub fn crash(&mut self, host: usize) {
        if self.hosts[host].node.take().is_some() {
            self.history.push(self.now, host, Event::Crashed);
        }
    }

    /// Graceful stop: priority 0 from masters, addresses removed, then the node is gone.
    pub fn stop(&mut self, host: usize) {
        if let Some(node) = self.hosts[host].node.as_mut() {
            node.shutdown(self.now);
            self.drain(host);
            self.hosts[host].node = None;
            self.history.push(self.now, host, Event::Stopped);
        }
    }

    /// (Re)starts a host's node with its configuration, now.
    pub fn restart(&mut self, host: usize) {
        self.crash(host);
        let node = Node::new(self.hosts[host].config.clone(), self.now);
        self.hosts[host].node = Some(node);
        self.history.push(self.now, host, Event::Started);
        self.drain(host);
    }

    /// Replaces a host's configuration (takes effect at the next restart).
    pub fn set_config(&mut self, host: usize, config: NodeConfig) {
        self.hosts[host].config = config;
    }

    /// SIGHUP-style reload of a running host with `config` ([`Node::reload`]); also kept for
    /// later restarts.
    pub fn reload(&mut self, host: usize, config: NodeConfig) {
        let now = self.now;
        self.hosts[host].config = config.clone();
        if let Some(node) = self.hosts[host].node.as_mut() {
            node.reload(now, config);
            self.drain(host);
        }
    }

    /// An interface of `host` goes up or down.
    pub fn set_interface(&mut self, host: usize, interface: &str, up: bool) {
        let now = self.now;
        if let Some(node) = self.hosts[host].node.as_mut() {
            node.handle_interface(now, interface, up);
            self.drain(host);
        }
    }

    /// A tracked script of `host` reports up (`true`) or down.
    pub fn set_script(&mut self, host: usize, script: &str, up: bool) {
        let now = self.now;
        if let Some(node) = self.hosts[host].node.as_mut() {
            node.handle_script_result(now, script, up);
            self.drain(host);
        }
    }

    /// A track file of `host` now holds `value`.
    pub fn set_track_file(&mut self, host: usize, name: &str, value: i64) {
        let now = self.now;
        if let Some(node) = self.hosts[host].node.as_mut() {
            node.handle_track_file(now, name, value);
            self.drain(host);
        }
    }

    /// Injects raw bytes as if `meta.src` had sent them to `to` (for validation tests).
    pub fn inject(&mut self, to: usize, meta: RxMeta, payload: Vec<u8>) {
        let now = self.now;
        if let Some(node) = self.hosts[to].node.as_mut() {
            node.handle_packet(now, &meta, &payload);
            self.drain(to);
        }
    }

    // ---- running ----

    /// The virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The next instant something happens, if anything is pending.
    pub fn next_wakeup(&self) -> Option<Instant> {
        let packet = self.in_flight.peek().map(|d| d.0.at);
        let timer = self
            .hosts
            .iter()
            .filter_map(|h| h.node.as_ref().and_then(Node::poll_timeout))
            .min();
        match (packet, timer) {
            (Some(p), Some(t)) => Some(p.min(t)),
            (p, t) => p.or(t),
        }
    }

    /// Handles everything due at the next wakeup; false when nothing is pending.
    pub fn step(&mut self) -> bool {
        let Some(next) = self.next_wakeup() else {
            return false;
        };
        self.now = self.now.max(next);
        let now = self.now;
        while self.in_flight.peek().is_some_and(|d| d.0.at <= now) {
            let Some(Reverse(d)) = self.in_flight.pop() else {
                break;
            };
            if let Some(node) = self.hosts[d.to].node.as_mut() {
                node.handle_packet(now, &d.meta, &d.payload);
                self.deliveries += 1;
                self.drain(d.to);
            }
        }
        for host in 0..self.hosts.len() {
            let due = self.hosts[host]
                .node
                .as_ref()
                .and_then(Node::poll_timeout)
                .is_some_and(|t| t <= now);
            if due {
                if let Some(node) = self.hosts[host].node.as_mut() {
                    node.handle_timeout(now);
                }
                self.drain(host);
            }
        }
        true
    }

    /// Runs until `deadline` (inclusive) and leaves the clock there.
    pub fn run_until(&mut self, deadline: Instant) {
        while self.next_wakeup().is_some_and(|t| t <= deadline) {
            self.step();
        }
        self.now = self.now.max(deadline);
    }

    /// Runs for `duration` of virtual time.
    pub fn run_for(&mut self, duration: Duration) {
        self.run_until(self.now + duration);
    }

    // ---- observation ----

    /// The recorded history.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// A host's node (`None` while crashed or stopped).
    pub fn node(&self, host: usize) -> Option<&Node> {
        self.hosts[host].node.as_ref()
    }

    /// Host names, by index.
    pub fn names(&self) -> Vec<String> {
        self.hosts.iter().map(|h| h.name.clone()).collect()
    }

    /// Packets delivered so far.
    pub fn deliveries(&self) -> u64 {
        self.deliveries
    }

    /// The state of `instance` on `host` (`None` when down or unknown).
    pub fn state(&self, host: usize, instance: &str) -> Option<State> {
        self.node(host)?
            .instances()
            .into_iter()
            .find(|s| s.name == instance)
            .map(|s| s.state)
    }

    /// Hosts whose instance for `vrid` is MASTER right now.
    pub fn masters(&self, vrid: u8) -> Vec<usize> {
        (0..self.hosts.len())
            .filter(|&h| {
                self.node(h).is_some_and(|n| {
                    n.instances()
                        .iter()
                        .any(|s| s.vrid == vrid && s.state == State::Master)
                })
            })
            .collect()
    }

    // ---- internals ----

    fn latency(&self, from: usize, to: usize) -> Duration {
        self.latencies
            .iter()
            .find(|(f, t, _)| *f == from && *t == to)
            .map(|(_, _, l)| *l)
            .unwrap_or(self.default_latency)
    }

    fn drain(&mut self, host: usize) {
        let now = self.now;
        while let Some(output) = self.hosts[host].node.as_mut().and_then(Node::poll_output) {
            match output {
                Output::Transmit(t) => {
                    self.history.push(
                        now,
                        host,
                        Event::Advert {
                            vrid: t.payload.get(1).copied().unwrap_or(0),
                            priority: t.payload.get(2).copied().unwrap_or(0),
                            dst: t.dst,
                        },
                    );
                    for to in 0..self.hosts.len() {
                        if to == host || self.hosts[to].node.is_none() {
                            continue;
                        }
                        if !t.dst.is_multicast() && !self.hosts[to].owns(t.dst) {
                            continue;
                        }
                        if self.blocked.contains(&(host, to)) {
                            continue;
                        }
                        if self.loss_per_million > 0 && self.rng.chance(self.loss_per_million) {
                            continue;
                        }
                        self.seq += 1;
                        let delivery = Delivery {
                            at: now + self.latency(host, to),
                            seq: self.seq,
                            to,
                            meta: RxMeta {
                                interface: self.hosts[to].receiving_interface(&t.interface),
                                src: t.src,
                                dst: t.dst,
                                hop_limit: t.hop_limit,
                            },
                            payload: t.payload.clone(),
                        };
                        self.in_flight.push(Reverse(delivery));
                    }
                }
                // The Lan reports script states itself (`set_script`); it never calls
                // `Node::run_scripts`, so no probe outputs arrive here.
                Output::StartProbe(_) | Output::CancelProbe(_) => {}
                Output::AddAddress(a) => self.history.push(
                    now,
                    host,
                    Event::AddressAdded {
                        instance: a.instance,
                        address: a.address,
                    },
                ),
                Output::RemoveAddress(a) => self.history.push(
                    now,
                    host,
                    Event::AddressRemoved {
                        instance: a.instance,
                        address: a.address,
                    },
                ),
                Output::Announce(a) => {
                    self.history
                        .push(now, host, Event::Announce { address: a.address })
                }
                Output::StateChange(c) => self.history.push(
                    now,
                    host,
                    Event::Transition {
                        instance: c.instance,
                        vrid: c.vrid,
                        from: c.from,
                        to: c.to,
                        reason: c.reason,
                        priority: c.priority,
                    },
                ),
                Output::Notify(n) => {
                    self.history
                        .push(now, host, Event::Notify { command: n.command })
                }
            }
        }
    }
}
