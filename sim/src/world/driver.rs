//! The router host: a thin driver around one [`Node`], run as turmoil host software.
//!
//! VRRP bytes travel as UDP datagrams with a 9-byte carrier header standing in for the IP
//! header the kernel would see: `[src IPv4 (4)][dst IPv4 (4)][TTL (1)][VRRP message]`, sent to
//! `(group, 112)` or `(unicast peer, 112)`. On receive the driver applies the VRRP-level faults
//! (one-way blocks, loss from the seeded RNG, interfaces down) and hands the core the receive
//! metadata the kernel would give. The core's clock is the node's (possibly drifting) view of
//! `turmoil::sim_elapsed()`, never a tokio `Instant`.

use super::net::{
    CLIENT_ADDR, Command, Control, Drop, GARP_PORT, GATEWAY_ADDR, PING_PORT, SharedRef, VRRP_PORT,
};
use crate::observe::{EventKind, PacketKind, PacketRecord};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;
use turmoil::net::UdpSocket;
use vrrplab_core::Instant;
use vrrplab_core::check::{Probe, ProbeAction, ProbeId, ProbeResult};
use vrrplab_core::node::{InterfaceInfo, Node, NodeConfig, Output, RxMeta};
use vrrplab_core::vrrp::State;

/// Size of the carrier header in front of the VRRP bytes.
const CARRIER_LEN: usize = 9;

/// Static facts about one router host.
#[derive(Debug, Clone)]
pub(crate) struct RouterSpec {
    pub(crate) name: String,
    pub(crate) address: Ipv4Addr,
    pub(crate) gateway_script: Option<String>,
    pub(crate) client: bool,
}

/// Simulated time now (inside a host).
pub(crate) fn sim_now() -> Duration {
    turmoil::sim_elapsed().unwrap_or_default()
}

/// Fills in the interfaces the instances name, each with the host's address as primary.
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
            let mut info = InterfaceInfo::up(n, Some(IpAddr::V4(address)), None);
            info.up = !down(n);
            info
        })
        .collect();
    config
}

/// The host's sockets: VRRP (and GARPs to the client), and pings to the gateway.
struct Sockets {
    vrrp: UdpSocket,
    ping: Option<UdpSocket>,
}

struct Driver {
    spec: Rc<RouterSpec>,
    shared: SharedRef,
    ctl: Rc<Control>,
    node: Option<Node>,
    /// Gateway pings in flight: sequence number → the core's probe.
    pings: BTreeMap<u16, ProbeId>,
    next_ping: u16,
}

impl Driver {
    fn local_now(&self) -> Instant {
        Instant::from_duration(self.ctl.clock.borrow().local(sim_now()))
    }

    fn start(&mut self) {
        let down = {
            let shared = self.shared.borrow();
            let name = self.spec.name.clone();
            let set = shared.net.interfaces_down.clone();
            move |i: &str| set.contains(&(name.clone(), i.to_string()))
        };
        let config = with_interfaces(self.ctl.config.borrow().clone(), self.spec.address, &down);
        let now = self.local_now();
        let mut node = Node::new(config, now);
        // The core runs the vrrp_scripts (rise/fall, timeouts); the driver answers its probes.
        node.run_scripts(now);
        // Track files already set by the fault plan are reported at once.
        for (name, value) in self.ctl.track_files.borrow().iter() {
            node.handle_track_file(now, name, *value);
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

    /// Drains the core's outputs and performs them; then checks VIPs against states.
    fn flush(&mut self, socks: &Sockets) {
        let sock = &socks.vrrp;
        let t = sim_now();
        let name = self.spec.name.clone();
        while let Some(output) = self.node.as_mut().and_then(|n| n.poll_output()) {
            let mut shared = self.shared.borrow_mut();
            match output {
                Output::Transmit(tx) => {
                    if !shared.net.interface_up(&name, &tx.interface) {
                        shared.observer.counters.dropped_interface_down += 1;
                        continue;
                    }
                    let (IpAddr::V4(src), IpAddr::V4(dst)) = (tx.src, tx.dst) else {
                        continue; // IPv6 is rejected by Scenario::validate
                    };
                    let mut datagram = Vec::with_capacity(CARRIER_LEN + tx.payload.len());
                    datagram.extend_from_slice(&src.octets());
                    datagram.extend_from_slice(&dst.octets());
                    datagram.push(tx.hop_limit);
                    datagram.extend_from_slice(&tx.payload);
                    shared.observer.packet(PacketRecord {
                        t,
                        node: name.clone(),
                        src: tx.src,
                        dst: tx.dst,
                        hop_limit: tx.hop_limit,
                        payload: tx.payload,
                        kind: PacketKind::Vrrp,
                    });
                    drop(shared);
                    // A send to a crashed or unknown peer fails like an unreachable host would.
                    let _ =
                        sock.try_send_to(&datagram, SocketAddr::new(IpAddr::V4(dst), VRRP_PORT));
                }
                Output::AddAddress(a) => {
                    shared
                        .observer
                        .push(t, &name, EventKind::VipAdded { address: a.address });
                }
                Output::RemoveAddress(a) => {
                    shared
                        .observer
                        .push(t, &name, EventKind::VipRemoved { address: a.address });
                }
                Output::Announce(a) => {
                    if !shared.net.interface_up(&name, &a.interface) {
                        continue;
                    }
                    let IpAddr::V4(address) = a.address else {
                        continue;
                    };
                    shared.observer.packet(PacketRecord {
                        t,
                        node: name.clone(),
                        src: a.address,
                        dst: IpAddr::V4(Ipv4Addr::BROADCAST),
                        hop_limit: 0,
                        payload: Vec::new(),
                        kind: PacketKind::Garp {
                            address,
                            vrid: a.vrid,
                        },
                    });
                    drop(shared);
                    if self.spec.client {
                        let mut msg = address.octets().to_vec();
                        msg.push(a.vrid);
                        let _ = sock
                            .try_send_to(&msg, SocketAddr::new(IpAddr::V4(CLIENT_ADDR), GARP_PORT));
                    }
                }
                Output::StateChange(sc) => {
                    shared.observer.push(
                        t,
                        &name,
                        EventKind::Transition {
                            instance: sc.instance,
                            vrid: sc.vrid,
                            from: sc.from,
                            to: sc.to,
                            reason: sc.reason.to_string(),
                            priority: sc.priority,
                        },
                    );
                }
                // Notify hooks would run child processes; the simulator has none to run.
                Output::Notify(_) => {}
                Output::StartProbe(probe) => {
                    drop(shared);
                    self.start_probe(probe, socks);
                }
                Output::CancelProbe(id) => {
                    // The core timed the run out and kills it: a ping script dies on SIGTERM at
                    // once, so the kill completes now (the next run is not skipped).
                    let before = self.pings.len();
                    self.pings.retain(|_, p| *p != id);
                    drop(shared);
                    if self.pings.len() != before {
                        let now = self.local_now();
                        if let Some(node) = self.node.as_mut() {
                            node.handle_probe_result(now, id, ProbeResult::Signalled(15));
                        }
                    }
                }
                _ => {}
            }
        }
        self.check_status();
    }

    /// Records effective-priority changes and checks "no VIP on a node that is not MASTER".
    fn check_status(&mut self) {
        let Some(node) = self.node.as_ref() else {
            return;
        };
        let t = sim_now();
        let name = &self.spec.name;
        let statuses = node.instances();
        let config = self.ctl.config.borrow();
        let mut shared = self.shared.borrow_mut();
        for st in &statuses {
            let known = shared.observer.instance(name, &st.name).map(|v| v.priority);
            if known.is_some() && known != Some(st.effective_priority) {
                shared.observer.push(
                    t,
                    name,
                    EventKind::Priority {
                        instance: st.name.clone(),
                        vrid: st.vrid,
                        priority: st.effective_priority,
                    },
                );
            }
        }
        for vip in shared.observer.vips_of(name) {
            let owners: Vec<&str> = config
                .instances
                .iter()
                .filter(|i| {
                    i.virtual_addresses
                        .iter()
                        .chain(&i.excluded_addresses)
                        .any(|v| v.address == vip)
                })
                .map(|i| i.name.as_str())
                .collect();
            let master = statuses
                .iter()
                .any(|s| owners.contains(&s.name.as_str()) && s.state == State::Master);
            if !master && !statuses.is_empty() {
                shared.observer.push(
                    t,
                    name,
                    EventKind::Violation(format!(
                        "{name} holds VIP {vip} but no instance owning it is MASTER"
                    )),
                );
            }
        }
    }

    fn receive(&mut self, datagram: &[u8], from: SocketAddr) {
        if self.node.is_none() {
            return;
        }
        if datagram.len() < CARRIER_LEN + 2 {
            return;
        }
        let src = Ipv4Addr::new(datagram[0], datagram[1], datagram[2], datagram[3]);
        let dst = Ipv4Addr::new(datagram[4], datagram[5], datagram[6], datagram[7]);
        let hop_limit = datagram[8];
        let payload = &datagram[CARRIER_LEN..];
        let vrid = payload[1];
        let me = self.spec.name.clone();
        let interfaces = self.interfaces_for(vrid);
        let now = Instant::from_duration(self.ctl.clock.borrow().local(sim_now()));
        let IpAddr::V4(from_ip) = from.ip() else {
            return;
        };
        for interface in interfaces {
            let verdict = {
                let mut shared = self.shared.borrow_mut();
                let shared = &mut *shared;
                let sender = shared
                    .names
                    .get(&from_ip)
                    .cloned()
                    .unwrap_or_else(|| from_ip.to_string());
                let v = if shared.net.interface_up(&me, &interface) {
                    shared.net.verdict(&mut shared.rng, &sender, &me)
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
            };
            if let (Ok(()), Some(node)) = (verdict, self.node.as_mut()) {
                let meta = RxMeta {
                    interface,
                    src: IpAddr::V4(src),
                    dst: IpAddr::V4(dst),
                    hop_limit,
                };
                node.handle_packet(now, &meta, payload);
            }
        }
    }

    fn apply(&mut self, command: Command, socks: &Sockets) {
        let now = self.local_now();
        match command {
            Command::Stop => {
                if let Some(node) = self.node.as_mut() {
                    node.shutdown(now);
                    self.flush(socks);
                }
                self.node = None;
                self.ctl.stopped.set(true);
            }
            Command::Start => {
                self.ctl.stopped.set(false);
                if self.node.is_none() {
                    self.start();
                }
            }
            Command::Interface { name, up } => {
                if let Some(node) = self.node.as_mut() {
                    node.handle_interface(now, &name, up);
                }
            }
            // The fault plan already set the script's exit status in `Control::scripts_ok`;
            // the core's next runs carry it through rise/fall.
            Command::Script => {}
            Command::TrackFile { name, value } => {
                if let Some(node) = self.node.as_mut() {
                    node.handle_track_file(now, &name, value);
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
                    node.reload(now, config);
                }
            }
            Command::Wake => {}
        }
    }

    /// Answers a `vrrp_script` probe: the gateway script pings the gateway host (the answer
    /// comes with the echo; without one the core times the probe out); other scripts exit with
    /// the status the fault plan set (0 unless `script N NAME fail`).
    fn start_probe(&mut self, probe: Probe, socks: &Sockets) {
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
            let Some(ping) = socks.ping.as_ref() else {
                return; // no gateway host: the core times the probe out
            };
            self.pings.insert(seq, probe.id);
            let _ = ping.try_send_to(
                &seq.to_be_bytes(),
                SocketAddr::new(IpAddr::V4(GATEWAY_ADDR), PING_PORT),
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
        let now = self.local_now();
        if let Some(node) = self.node.as_mut() {
            node.handle_probe_result(now, probe.id, ProbeResult::Exited(if ok { 0 } else { 1 }));
        }
    }

    /// A gateway echo arrived: the matching probe succeeded.
    fn gateway_reply(&mut self, reply: &[u8]) {
        let [hi, lo, ..] = *reply else {
            return;
        };
        let Some(id) = self.pings.remove(&u16::from_be_bytes([hi, lo])) else {
            return;
        };
        let now = self.local_now();
        if let Some(node) = self.node.as_mut() {
            node.handle_probe_result(now, id, ProbeResult::Exited(0));
        }
    }

    /// The next simulated time the driver must wake (core timer or a script run).
    fn next_wake(&self) -> Option<Duration> {
        self.node
            .as_ref()
            .and_then(|n| n.poll_timeout())
            .map(|local| self.ctl.clock.borrow().sim_at(local.as_duration()))
    }
}

async fn recv_opt(
    sock: Option<&UdpSocket>,
    buf: &mut [u8],
) -> std::io::Result<(usize, SocketAddr)> {
    match sock {
        Some(s) => s.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

async fn sleep_until_sim(deadline: Option<Duration>) {
    match deadline {
        Some(d) => tokio::time::sleep(d.saturating_sub(sim_now())).await,
        None => std::future::pending().await,
    }
}

/// The router host's software. Re-run by turmoil on every restart after a crash.
pub(crate) async fn router(
    spec: Rc<RouterSpec>,
    shared: SharedRef,
    ctl: Rc<Control>,
) -> turmoil::Result {
    let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, VRRP_PORT)).await?;
    sock.set_multicast_loop_v4(false)?;
    sock.set_broadcast(true)?;
    let mut groups: Vec<Ipv4Addr> = Vec::new();
    for instance in &ctl.config.borrow().instances {
        if let IpAddr::V4(g) = instance.multicast_group
            && g.is_multicast()
            && !groups.contains(&g)
        {
            groups.push(g);
        }
    }
    for g in &groups {
        sock.join_multicast_v4(*g, Ipv4Addr::UNSPECIFIED)?;
    }
    let ping = if spec.gateway_script.is_some() {
        Some(UdpSocket::bind((Ipv4Addr::UNSPECIFIED, PING_PORT)).await?)
    } else {
        None
    };
    let mut driver = Driver {
        spec,
        shared,
        ctl: ctl.clone(),
        node: None,
        pings: BTreeMap::new(),
        next_ping: 0,
    };
    if !ctl.stopped.get() {
        driver.start();
    }
    let socks = Sockets { vrrp: sock, ping };
    let mut buf = vec![0u8; 2048];
    let mut pong = [0u8; 16];
    let mut stalled = 0u32;
    let mut after_timer = false;
    loop {
        driver.flush(&socks);
        let mut wake = driver.next_wake();
        // A deadline that stays in the past after handling it would spin inside one tick;
        // after a few such wakes, wait a millisecond (and say so) instead of hanging turmoil.
        if after_timer && wake.is_some_and(|w| w <= sim_now()) {
            stalled += 1;
            if stalled > 8 {
                if stalled == 9 {
                    let name = driver.spec.name.clone();
                    driver.shared.borrow_mut().observer.push(
                        sim_now(),
                        &name,
                        EventKind::Violation(format!(
                            "{name}: the core's poll_timeout stays in the past after handle_timeout"
                        )),
                    );
                }
                wake = Some(sim_now() + Duration::from_millis(1));
            }
        } else {
            stalled = 0;
        }
        after_timer = false;
        tokio::select! {
            biased;
            _ = ctl.notify.notified() => {
                loop {
                    let next = ctl.commands.borrow_mut().pop_front();
                    let Some(command) = next else { break };
                    driver.apply(command, &socks);
                    driver.flush(&socks);
                }
            }
            r = socks.vrrp.recv_from(&mut buf) => {
                let (n, from) = r?;
                driver.receive(&buf[..n], from);
            }
            r = recv_opt(socks.ping.as_ref(), &mut pong) => {
                let (n, _) = r?;
                driver.gateway_reply(&pong[..n]);
            }
            _ = sleep_until_sim(wake) => {
                after_timer = true;
                let now = driver.local_now();
                if let Some(node) = driver.node.as_mut() {
                    node.handle_timeout(now);
                }
            }
        }
    }
}
