//! One router host's logic, free of any carriage: receive → faults → core → drain → send.
//!
//! A [`Router`] wraps the core's [`Node`] the way a VRRP daemon would: datagrams are decoded by
//! the [`carrier`](super::carrier), judged by the VRRP-level faults of [`NetState`] (one-way
//! blocks, loss from the seeded RNG, interfaces down) and handed to the core with the receive
//! metadata the kernel would give; the core's outputs are drained into the observer and sent
//! through a [`RouterIo`]. The host software that calls it (the turmoil task in
//! [`driver`](super::driver)) owns the sockets and the clock.
//!
//! Contract: every method takes the simulated time `now` at which it runs; the core sees the
//! node's (possibly drifting) view of it, never a tokio `Instant`. Nothing here checks the
//! protocol's rules: the analysis does, over the observed events.

use super::carrier;
use super::net::{
    CLIENT_ADDR, Command, Control, Drop, GARP_PORT, GATEWAY_ADDR, PING_PORT, SharedRef, host_ip,
};
use crate::observe::{EventKind, PacketKind, PacketRecord};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;
use vrrplab_core::Instant;
use vrrplab_core::check::{HealthConfig, Probe, ProbeAction, ProbeId, ProbeResult};
use vrrplab_core::node::{InterfaceInfo, Node, NodeConfig, Output, RxMeta};

/// ff02::1, where unsolicited neighbour advertisements go.
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Wakes in a row with the core's deadline still in the past before the host backs off.
const STALL_LIMIT: u32 = 8;

/// Static facts about one router host.
#[derive(Debug, Clone)]
pub(crate) struct RouterSpec {
    pub(crate) name: String,
    pub(crate) address: Ipv4Addr,
    /// The host's address in the world's family (the IPv4 address or its `fe80::` twin).
    pub(crate) ip: IpAddr,
    pub(crate) gateway_script: Option<String>,
    pub(crate) client: bool,
    /// The node's `virtual_server` checks (none: no checker runs).
    pub(crate) health: HealthConfig,
}

/// What a router does to the world outside its core: its sockets and its checker process.
pub(crate) trait RouterIo {
    /// Sends `datagram` from the host's VRRP socket (UDP port 112) to `to`; a send to a
    /// crashed or unknown host is lost, as to an unreachable one.
    fn send(&mut self, to: SocketAddr, datagram: &[u8]);
    /// Sends `payload` from the host's ping socket (it has one when it has a gateway script).
    fn send_ping(&mut self, to: SocketAddr, payload: &[u8]);
    /// Starts the node's `virtual_server` checks unless they run.
    fn start_health(&mut self);
    /// Stops the checks; true when they were running.
    fn stop_health(&mut self) -> bool;
}

/// Fills in the interfaces the instances name, each with the host's address as primary IPv4
/// and its `fe80::` twin as IPv6 link-local address.
pub(crate) fn with_interfaces(
    mut config: NodeConfig,
    address: Ipv4Addr,
    down: &dyn Fn(&str) -> bool,
) -> NodeConfig {
    let mut names: Vec<String> = config.interfaces.iter().map(|i| i.name.clone()).collect();
    for instance in &config.instances {
        if !names.contains(&instance.interface) {
            names.push(instance.interface.clone());
        }
    }
    config.interfaces = names
        .iter()
        .map(|n| {
            let link_local = IpAddr::V6(crate::scenario::link_local_of(address));
            let mut info = InterfaceInfo::up(n, Some(IpAddr::V4(address)), Some(link_local));
            info.up = !down(n);
            info
        })
        .collect();
    config
}

/// One router's running state (lost with the host on a crash; [`Control`] survives).
pub(crate) struct Router {
    spec: Rc<RouterSpec>,
    shared: SharedRef,
    ctl: Rc<Control>,
    node: Option<Node>,
    /// Gateway pings in flight: sequence number → the core's probe.
    pings: BTreeMap<u16, ProbeId>,
    next_ping: u16,
    /// The last event was the core's timer (see [`Router::wake`]).
    after_timer: bool,
    /// Timer wakes in a row that left the core's deadline in the past.
    stalled: u32,
}

impl Router {
    /// The host's software starts at `now`: the node and its checker run unless the node was
    /// stopped (keepalived's checker process runs while the daemon runs: a crash ends it with
    /// the host, a restart or `start` begins again with an empty pool).
    pub(crate) fn boot(
        spec: Rc<RouterSpec>,
        shared: SharedRef,
        ctl: Rc<Control>,
        now: Duration,
        io: &mut impl RouterIo,
    ) -> Router {
        let mut router = Router {
            spec,
            shared,
            ctl,
            node: None,
            pings: BTreeMap::new(),
            next_ping: 0,
            after_timer: false,
            stalled: 0,
        };
        if !router.ctl.stopped.get() {
            router.start(now);
            io.start_health();
        }
        router
    }

    fn local(&self, now: Duration) -> Instant {
        Instant::from_duration(self.ctl.clock.borrow().local(now))
    }

    fn start(&mut self, now: Duration) {
        let down = {
            let shared = self.shared.borrow();
            let name = self.spec.name.clone();
            let set = shared.net.interfaces_down.clone();
            move |i: &str| set.contains(&(name.clone(), i.to_string()))
        };
        let config = with_interfaces(self.ctl.config.borrow().clone(), self.spec.address, &down);
        let local = self.local(now);
        let mut node = Node::new(config, local);
        // The core runs the vrrp_scripts (rise/fall, timeouts); the router answers its probes.
        node.run_scripts(local);
        // Track files already set by the fault plan are reported at once.
        for (name, value) in self.ctl.track_files.borrow().iter() {
            node.handle_track_file(local, name, *value);
        }
        self.node = Some(node);
    }

    /// The interfaces a received datagram is delivered on: those of instances with its VRID.
    fn interfaces_for(&self, vrid: u8) -> Vec<String> {
        let config = self.ctl.config.borrow();
        let mut names: Vec<String> = Vec::new();
        for i in config.instances.iter().filter(|i| i.vrid == vrid) {
            if !names.contains(&i.interface) {
                names.push(i.interface.clone());
            }
        }
        if names.is_empty()
            && let Some(i) = config.instances.first()
        {
            names.push(i.interface.clone());
        }
        names
    }

    /// A VRRP datagram from `from` arrived: the faults judge it per interface, the core gets
    /// what passes.
    pub(crate) fn receive(&mut self, now: Duration, datagram: &[u8], from: SocketAddr) {
        if self.node.is_none() {
            return;
        }
        let Some(carried) = carrier::decode_vrrp(self.spec.ip.is_ipv6(), datagram) else {
            return;
        };
        let me = self.spec.name.clone();
        let interfaces = self.interfaces_for(carried.vrid());
        let local = self.local(now);
        let from_ip = from.ip();
        for interface in interfaces {
            if self.verdict(&me, &interface, from_ip).is_err() {
                continue;
            }
            if let Some(node) = self.node.as_mut() {
                let meta = RxMeta {
                    interface,
                    src: carried.src,
                    dst: carried.dst,
                    hop_limit: carried.hop_limit,
                };
                node.handle_packet(local, &meta, carried.payload);
            }
        }
    }

    /// The VRRP-level faults' verdict on one delivery, counted.
    fn verdict(&self, me: &str, interface: &str, from: IpAddr) -> Result<(), Drop> {
        let mut shared = self.shared.borrow_mut();
        let shared = &mut *shared;
        let sender = shared
            .names
            .get(&from)
            .cloned()
            .unwrap_or_else(|| from.to_string());
        let v = if shared.net.interface_up(me, interface) {
            shared.net.verdict(&mut shared.rng, &sender, me)
        } else {
            Err(Drop::InterfaceDown)
        };
        let c = &mut shared.observer.counters;
        match v {
            Ok(()) => c.delivered += 1,
            Err(Drop::Block) => c.dropped_block += 1,
            Err(Drop::Loss) => c.dropped_loss += 1,
            Err(Drop::InterfaceDown) => c.dropped_interface_down += 1,
        }
        v
    }

    /// The core's deadline passed.
    pub(crate) fn timer(&mut self, now: Duration) {
        self.after_timer = true;
        let local = self.local(now);
        if let Some(node) = self.node.as_mut() {
            node.handle_timeout(local);
        }
    }

    /// The simulated time the host must wake next for the core. A deadline that stays in the
    /// past after the timer was handled would spin inside one tick: after a few such wakes the
    /// host waits a millisecond instead (and records that it had to).
    pub(crate) fn wake(&mut self, now: Duration) -> Option<Duration> {
        let mut wake = self
            .node
            .as_ref()
            .and_then(|n| n.poll_timeout())
            .map(|local| self.ctl.clock.borrow().sim_at(local.as_duration()));
        if self.after_timer && wake.is_some_and(|w| w <= now) {
            self.stalled += 1;
            if self.stalled > STALL_LIMIT {
                if self.stalled == STALL_LIMIT + 1 {
                    let name = self.spec.name.clone();
                    self.shared.borrow_mut().observer.push(
                        now,
                        &name,
                        EventKind::Violation(format!(
                            "{name}: the core's poll_timeout stays in the past after handle_timeout"
                        )),
                    );
                }
                wake = Some(now + Duration::from_millis(1));
            }
        } else {
            self.stalled = 0;
        }
        self.after_timer = false;
        wake
    }

    /// Carries out a command of the fault plan.
    pub(crate) fn command(&mut self, now: Duration, command: Command, io: &mut impl RouterIo) {
        let local = self.local(now);
        match command {
            Command::Stop => {
                if let Some(node) = self.node.as_mut() {
                    node.shutdown(local);
                    self.flush(now, io);
                }
                self.node = None;
                if io.stop_health() {
                    self.clear_pool(now);
                }
                self.ctl.stopped.set(true);
            }
            Command::Start => {
                self.ctl.stopped.set(false);
                if self.node.is_none() {
                    self.start(now);
                }
                io.start_health();
            }
            Command::Interface { name, up } => {
                if let Some(node) = self.node.as_mut() {
                    node.handle_interface(local, &name, up);
                }
            }
            // The fault plan already set the script's exit status in `Control::scripts_ok`;
            // the core's next runs carry it through rise/fall.
            Command::Script => {}
            Command::TrackFile { name, value } => {
                if let Some(node) = self.node.as_mut() {
                    node.handle_track_file(local, &name, value);
                }
            }
            Command::Reload(config) => {
                *self.ctl.config.borrow_mut() = *config;
                if let Some(node) = self.node.as_mut() {
                    let config = with_interfaces(
                        self.ctl.config.borrow().clone(),
                        self.spec.address,
                        &|_| false,
                    );
                    node.reload(local, config);
                }
            }
            Command::Wake => {}
        }
    }

    /// The checker stopped with the daemon: keepalived clears its IPVS table on exit.
    fn clear_pool(&self, now: Duration) {
        let name = &self.spec.name;
        let mut shared = self.shared.borrow_mut();
        for (virtual_server, address, sorry_server) in shared.observer.pool_of(name) {
            shared.observer.push(
                now,
                name,
                EventKind::RealServer {
                    virtual_server,
                    address,
                    sorry_server,
                    action: vrrplab_core::check::PoolAction::Remove,
                },
            );
        }
    }

    /// Drains the core's outputs: records them and performs them (sends, probes).
    pub(crate) fn flush(&mut self, now: Duration, io: &mut impl RouterIo) {
        while let Some(output) = self.node.as_mut().and_then(|n| n.poll_output()) {
            match output {
                Output::Transmit(tx) => {
                    if !self.interface_up(&tx.interface) {
                        self.shared
                            .borrow_mut()
                            .observer
                            .counters
                            .dropped_interface_down += 1;
                        continue;
                    }
                    let v6 = self.spec.ip.is_ipv6();
                    let Some(datagram) =
                        carrier::encode_vrrp(v6, tx.src, tx.dst, tx.hop_limit, &tx.payload)
                    else {
                        continue;
                    };
                    let dst = tx.dst;
                    self.shared.borrow_mut().observer.packet(PacketRecord {
                        t: now,
                        node: self.spec.name.clone(),
                        src: tx.src,
                        dst: tx.dst,
                        hop_limit: tx.hop_limit,
                        payload: tx.payload,
                        kind: PacketKind::Vrrp,
                    });
                    io.send(SocketAddr::new(dst, super::net::VRRP_PORT), &datagram);
                }
                Output::AddAddress(a) => {
                    self.record(now, EventKind::VipAdded { address: a.address })
                }
                Output::RemoveAddress(a) => {
                    self.record(now, EventKind::VipRemoved { address: a.address })
                }
                Output::Announce(a) => {
                    if !self.interface_up(&a.interface) {
                        continue;
                    }
                    let (dst, kind) = match a.address {
                        IpAddr::V4(address) => (
                            IpAddr::V4(Ipv4Addr::BROADCAST),
                            PacketKind::Garp {
                                address,
                                vrid: a.vrid,
                            },
                        ),
                        IpAddr::V6(address) => (
                            IpAddr::V6(ALL_NODES),
                            PacketKind::Na {
                                address,
                                vrid: a.vrid,
                            },
                        ),
                    };
                    self.shared.borrow_mut().observer.packet(PacketRecord {
                        t: now,
                        node: self.spec.name.clone(),
                        src: a.address,
                        dst,
                        hop_limit: if a.address.is_ipv6() { 255 } else { 0 },
                        payload: Vec::new(),
                        kind,
                    });
                    if self.spec.client {
                        let client = host_ip(CLIENT_ADDR, self.spec.ip.is_ipv6());
                        io.send(
                            SocketAddr::new(client, GARP_PORT),
                            &carrier::encode_announcement(a.address, a.vrid),
                        );
                    }
                }
                Output::StateChange(sc) => self.record(
                    now,
                    EventKind::Transition {
                        instance: sc.instance,
                        vrid: sc.vrid,
                        from: sc.from,
                        to: sc.to,
                        reason: sc.reason.to_string(),
                        priority: sc.priority,
                    },
                ),
                // Notify hooks would run child processes; the simulator has none to run.
                Output::Notify(_) => {}
                Output::StartProbe(probe) => self.start_probe(now, probe, io),
                Output::CancelProbe(id) => {
                    // The core timed the run out and kills it: a ping script dies on SIGTERM at
                    // once, so the kill completes now (the next run is not skipped).
                    let before = self.pings.len();
                    self.pings.retain(|_, p| *p != id);
                    if self.pings.len() != before {
                        let local = self.local(now);
                        if let Some(node) = self.node.as_mut() {
                            node.handle_probe_result(local, id, ProbeResult::Signalled(15));
                        }
                    }
                }
                _ => {}
            }
        }
        self.record_priorities(now);
    }

    fn interface_up(&self, interface: &str) -> bool {
        self.shared
            .borrow()
            .net
            .interface_up(&self.spec.name, interface)
    }

    fn record(&self, now: Duration, kind: EventKind) {
        self.shared
            .borrow_mut()
            .observer
            .push(now, &self.spec.name, kind);
    }

    /// Records effective-priority changes (trackers) the core does not announce as outputs.
    fn record_priorities(&self, now: Duration) {
        let Some(node) = self.node.as_ref() else {
            return;
        };
        let name = &self.spec.name;
        let mut shared = self.shared.borrow_mut();
        for st in node.instances() {
            let known = shared.observer.instance(name, &st.name).map(|v| v.priority);
            if known.is_some() && known != Some(st.effective_priority) {
                shared.observer.push(
                    now,
                    name,
                    EventKind::Priority {
                        instance: st.name.clone(),
                        vrid: st.vrid,
                        priority: st.effective_priority,
                    },
                );
            }
        }
    }

    /// Answers a `vrrp_script` probe: the gateway script pings the gateway host (the answer
    /// comes with the echo; without one the core times the probe out); other scripts exit with
    /// the status the fault plan set (0 unless `script N NAME fail`).
    fn start_probe(&mut self, now: Duration, probe: Probe, io: &mut impl RouterIo) {
        let ProbeAction::RunScript { command, .. } = &probe.action else {
            return;
        };
        let config = self.ctl.config.borrow();
        let Some(script) = config.scripts.iter().find(|s| &s.command == command) else {
            return;
        };
        if self.spec.gateway_script.as_deref() == Some(script.name.as_str()) {
            let seq = self.next_ping;
            self.next_ping = self.next_ping.wrapping_add(1);
            self.pings.insert(seq, probe.id);
            let gateway = host_ip(GATEWAY_ADDR, self.spec.ip.is_ipv6());
            io.send_ping(
                SocketAddr::new(gateway, PING_PORT),
                &carrier::encode_ping(seq),
            );
            return;
        }
        let ok = self
            .ctl
            .scripts_ok
            .borrow()
            .get(&script.name)
            .copied()
            .unwrap_or(true);
        drop(config);
        let local = self.local(now);
        if let Some(node) = self.node.as_mut() {
            node.handle_probe_result(local, probe.id, ProbeResult::Exited(if ok { 0 } else { 1 }));
        }
    }

    /// A gateway echo arrived: the matching probe succeeded.
    pub(crate) fn gateway_reply(&mut self, now: Duration, reply: &[u8]) {
        let Some(id) = carrier::decode_ping(reply).and_then(|seq| self.pings.remove(&seq)) else {
            return;
        };
        let local = self.local(now);
        if let Some(node) = self.node.as_mut() {
            node.handle_probe_result(local, id, ProbeResult::Exited(0));
        }
    }
}
