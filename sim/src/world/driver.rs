//! The router host: a thin driver around one [`Node`], run as turmoil host software.
//!
//! VRRP bytes travel as UDP datagrams with a carrier header standing in for the IP header the
//! kernel would see: `[src IPv4 (4)][dst IPv4 (4)][TTL (1)][VRRP message]` in an IPv4 world,
//! `[src IPv6 (16)][dst IPv6 (16)][hop limit (1)][VRRP message]` in an IPv6 one, sent to
//! `(group, 112)` (224.0.0.18 / ff02::12) or `(unicast peer, 112)`. Announcements go to the
//! client host as `[address (4|16)][VRID]`: a gratuitous ARP (IPv4) or an unsolicited NA (IPv6). On receive the driver applies the VRRP-level faults
//! (one-way blocks, loss from the seeded RNG, interfaces down) and hands the core the receive
//! metadata the kernel would give. The core's clock is the node's (possibly drifting) view of
//! `turmoil::sim_elapsed()`, never a tokio `Instant`.

use super::net::{
    CLIENT_ADDR, Command, Control, Drop, GARP_PORT, GATEWAY_ADDR, PING_PORT, SharedRef, VRRP_PORT,
    host_ip, unspecified,
};
use crate::observe::{EventKind, PacketKind, PacketRecord};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// ff02::1, where unsolicited neighbour advertisements go.
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
use std::rc::Rc;
use std::time::Duration;
use turmoil::net::UdpSocket;
use vrrplab_core::Instant;
use vrrplab_core::check::{
    HealthConfig, Output as HealthOutput, Probe, ProbeAction, ProbeId, ProbeResult,
};
use vrrplab_core::node::{InterfaceInfo, Node, NodeConfig, Output, RxMeta};
use vrrplab_core::vrrp::State;

/// Size of the carrier header in front of the VRRP bytes (IPv4 world).
const CARRIER_LEN: usize = 9;
/// Size of the carrier header in an IPv6 world.
const CARRIER_LEN_V6: usize = 33;

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

/// Simulated time now (inside a host).
pub(crate) fn sim_now() -> Duration {
    turmoil::sim_elapsed().unwrap_or_default()
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
    /// The node's checker (keepalived's checker process), while it runs.
    health: Option<tokio::task::JoinHandle<turmoil::Result>>,
}

impl Driver {
    /// Starts the `virtual_server` checks, if the node has any and they are not running: the
    /// pool starts empty and is filled by the checker (real servers without `alpha` at once).
    fn start_health(&mut self) {
        if self.spec.health.virtual_servers.is_empty() || self.health.is_some() {
            return;
        }
        let shared = self.shared.clone();
        let name = self.spec.name.clone();
        self.health = Some(tokio::task::spawn_local(crate::backends::run_health_with(
            self.spec.health.clone(),
            crate::backends::ScriptOutcomes::new(),
            move |t, output| record_health(&shared, &name, t, output),
        )));
    }

    /// Stops the checks (graceful stop: keepalived clears its IPVS table on exit).
    fn stop_health(&mut self) {
        let Some(task) = self.health.take() else {
            return;
        };
        task.abort();
        let t = sim_now();
        let mut shared = self.shared.borrow_mut();
        for (virtual_server, address, sorry_server) in shared.observer.pool_of(&self.spec.name) {
            shared.observer.push(
                t,
                &self.spec.name,
                EventKind::RealServer {
                    virtual_server,
                    address,
                    sorry_server,
                    action: vrrplab_core::check::PoolAction::Remove,
                },
            );
        }
    }

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
                    let mut datagram = Vec::with_capacity(CARRIER_LEN_V6 + tx.payload.len());
                    match (tx.src, tx.dst) {
                        (IpAddr::V4(src), IpAddr::V4(dst)) if !self.spec.ip.is_ipv6() => {
                            datagram.extend_from_slice(&src.octets());
                            datagram.extend_from_slice(&dst.octets());
                        }
                        (IpAddr::V6(src), IpAddr::V6(dst)) if self.spec.ip.is_ipv6() => {
                            datagram.extend_from_slice(&src.octets());
                            datagram.extend_from_slice(&dst.octets());
                        }
                        // The other family: Scenario::validate keeps one family per scenario.
                        _ => continue,
                    }
                    datagram.push(tx.hop_limit);
                    datagram.extend_from_slice(&tx.payload);
                    let dst = tx.dst;
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
                    let _ = sock.try_send_to(&datagram, SocketAddr::new(dst, VRRP_PORT));
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
                    let (dst, kind, mut msg) = match a.address {
                        IpAddr::V4(address) => (
                            IpAddr::V4(Ipv4Addr::BROADCAST),
                            PacketKind::Garp {
                                address,
                                vrid: a.vrid,
                            },
                            address.octets().to_vec(),
                        ),
                        IpAddr::V6(address) => (
                            IpAddr::V6(ALL_NODES),
                            PacketKind::Na {
                                address,
                                vrid: a.vrid,
                            },
                            address.octets().to_vec(),
                        ),
                    };
                    shared.observer.packet(PacketRecord {
                        t,
                        node: name.clone(),
                        src: a.address,
                        dst,
                        hop_limit: if a.address.is_ipv6() { 255 } else { 0 },
                        payload: Vec::new(),
                        kind,
                    });
                    drop(shared);
                    if self.spec.client {
                        msg.push(a.vrid);
                        let client = host_ip(CLIENT_ADDR, self.spec.ip.is_ipv6());
                        let _ = sock.try_send_to(&msg, SocketAddr::new(client, GARP_PORT));
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
        let v6 = self.spec.ip.is_ipv6();
        let header = if v6 { CARRIER_LEN_V6 } else { CARRIER_LEN };
        if datagram.len() < header + 2 {
            return;
        }
        let (src, dst) = if v6 {
            let mut a = [0u8; 16];
            let mut b = [0u8; 16];
            a.copy_from_slice(&datagram[..16]);
            b.copy_from_slice(&datagram[16..32]);
            (IpAddr::V6(Ipv6Addr::from(a)), IpAddr::V6(Ipv6Addr::from(b)))
        } else {
            (
                IpAddr::V4(Ipv4Addr::new(
                    datagram[0],
                    datagram[1],
                    datagram[2],
                    datagram[3],
                )),
                IpAddr::V4(Ipv4Addr::new(
                    datagram[4],
                    datagram[5],
                    datagram[6],
                    datagram[7],
                )),
            )
        };
        let hop_limit = datagram[header - 1];
        let payload = &datagram[header..];
        let vrid = payload[1];
        let me = self.spec.name.clone();
        let interfaces = self.interfaces_for(vrid);
        let now = Instant::from_duration(self.ctl.clock.borrow().local(sim_now()));
        let from_ip = from.ip();
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
                    src,
                    dst,
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
                self.stop_health();
                self.ctl.stopped.set(true);
            }
            Command::Start => {
                self.ctl.stopped.set(false);
                if self.node.is_none() {
                    self.start();
                }
                self.start_health();
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
                SocketAddr::new(host_ip(GATEWAY_ADDR, self.spec.ip.is_ipv6()), PING_PORT),
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

/// Records one output of the node's health checker (pool, quorum and checker changes).
fn record_health(shared: &SharedRef, node: &str, t: Duration, output: HealthOutput) {
    let kind = match output {
        HealthOutput::Checker(c) => EventKind::Checker {
            virtual_server: c.virtual_server,
            real_server: c.real_server,
            up: c.up,
            reason: c.reason.map(|r| r.to_string()).unwrap_or_default(),
        },
        HealthOutput::Pool(p) => EventKind::RealServer {
            virtual_server: p.virtual_server,
            address: p.destination,
            sorry_server: p.sorry_server,
            action: p.action,
        },
        HealthOutput::Quorum(q) => EventKind::Quorum {
            virtual_server: q.virtual_server,
            up: q.up,
            live_weight: q.live_weight,
        },
        // Probes are performed by the prober; hooks would be child processes (none here);
        // vrrp_scripts are run by the node itself.
        _ => return,
    };
    shared.borrow_mut().observer.push(t, node, kind);
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
    let v6 = spec.ip.is_ipv6();
    let sock = UdpSocket::bind((unspecified(v6), VRRP_PORT)).await?;
    if v6 {
        sock.set_multicast_loop_v6(false)?;
    } else {
        sock.set_multicast_loop_v4(false)?;
        sock.set_broadcast(true)?;
    }
    let mut groups: Vec<IpAddr> = Vec::new();
    for instance in &ctl.config.borrow().instances {
        let g = instance.multicast_group;
        if g.is_multicast() && g.is_ipv6() == v6 && !groups.contains(&g) {
            groups.push(g);
        }
    }
    for g in &groups {
        match g {
            IpAddr::V4(g) => sock.join_multicast_v4(*g, Ipv4Addr::UNSPECIFIED)?,
            // turmoil accepts interface index 0 only.
            IpAddr::V6(g) => sock.join_multicast_v6(g, 0)?,
        }
    }
    let ping = if spec.gateway_script.is_some() {
        Some(UdpSocket::bind((unspecified(v6), PING_PORT)).await?)
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
        health: None,
    };
    if !ctl.stopped.get() {
        driver.start();
        // keepalived's checker process runs while the daemon runs: a crash ends it with the
        // host's runtime, a restart or `start` begins again with an empty pool.
        driver.start_health();
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
