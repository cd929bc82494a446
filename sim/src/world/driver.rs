//! The router host's turmoil software: a thin loop around one [`Router`].
//!
//! receive → faults → core → drain → send: the loop waits for the first of a command from the
//! fault plan, a VRRP datagram, a gateway echo or the core's deadline (in that order when
//! several are ready: `biased`), hands it to the [`Router`], and drains the core's outputs
//! before waiting again. Sockets: UDP port 112 bound on the unspecified address, joined to the
//! instances' multicast groups with loopback off (and broadcast on); a ping socket when the
//! node has a gateway script. The clock is `turmoil::sim_elapsed()`, never a tokio `Instant`.

use super::net::{Control, PING_BUF, PING_PORT, SharedRef, VRRP_BUF, VRRP_PORT, unspecified};
use super::router::{Router, RouterIo, RouterSpec};
use crate::observe::EventKind;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;
use turmoil::net::UdpSocket;
use vrrplab_core::check::Output as HealthOutput;

/// Simulated time now (inside a host).
pub(crate) fn sim_now() -> Duration {
    turmoil::sim_elapsed().unwrap_or_default()
}

/// The host's sockets and its checker task.
struct Io {
    spec: Rc<RouterSpec>,
    shared: SharedRef,
    vrrp: UdpSocket,
    ping: Option<UdpSocket>,
    /// The node's checker (keepalived's checker process), while it runs.
    health: Option<tokio::task::JoinHandle<turmoil::Result>>,
}

impl RouterIo for Io {
    fn send(&mut self, to: SocketAddr, datagram: &[u8]) {
        // A send to a crashed or unknown peer fails like an unreachable host would.
        let _ = self.vrrp.try_send_to(datagram, to);
    }

    fn send_ping(&mut self, to: SocketAddr, payload: &[u8]) {
        if let Some(ping) = &self.ping {
            let _ = ping.try_send_to(payload, to);
        }
    }

    /// The pool starts empty and is filled by the checker (real servers without `alpha` at
    /// once).
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

    fn stop_health(&mut self) -> bool {
        let Some(task) = self.health.take() else {
            return false;
        };
        task.abort();
        true
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

/// The multicast groups of the node's instances in the world's family, in config order.
pub(crate) fn groups(ctl: &Control, v6: bool) -> Vec<IpAddr> {
    let mut groups: Vec<IpAddr> = Vec::new();
    for instance in &ctl.config.borrow().instances {
        let g = instance.multicast_group;
        if g.is_multicast() && g.is_ipv6() == v6 && !groups.contains(&g) {
            groups.push(g);
        }
    }
    groups
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
    for g in groups(&ctl, v6) {
        match g {
            IpAddr::V4(g) => sock.join_multicast_v4(g, Ipv4Addr::UNSPECIFIED)?,
            // turmoil accepts interface index 0 only.
            IpAddr::V6(g) => sock.join_multicast_v6(&g, 0)?,
        }
    }
    let ping = if spec.gateway_script.is_some() {
        Some(UdpSocket::bind((unspecified(v6), PING_PORT)).await?)
    } else {
        None
    };
    let mut io = Io {
        spec: spec.clone(),
        shared: shared.clone(),
        vrrp: sock,
        ping,
        health: None,
    };
    let mut router = Router::boot(spec, shared, ctl.clone(), sim_now(), &mut io);
    let mut buf = vec![0u8; VRRP_BUF];
    let mut pong = [0u8; PING_BUF];
    loop {
        router.flush(sim_now(), &mut io);
        let wake = router.wake(sim_now());
        tokio::select! {
            biased;
            _ = ctl.notify.notified() => {
                loop {
                    let next = ctl.commands.borrow_mut().pop_front();
                    let Some(command) = next else { break };
                    router.command(sim_now(), command, &mut io);
                    router.flush(sim_now(), &mut io);
                }
            }
            r = io.vrrp.recv_from(&mut buf) => {
                let (n, from) = r?;
                router.receive(sim_now(), &buf[..n], from);
            }
            r = recv_opt(io.ping.as_ref(), &mut pong) => {
                let (n, _) = r?;
                router.gateway_reply(sim_now(), &pong[..n]);
            }
            _ = sleep_until_sim(wake) => router.timer(sim_now()),
        }
    }
}
