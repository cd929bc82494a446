//! The event engine's hosts: a router (the same [`Router`] the turmoil driver wraps), the
//! gateway and the client, each taking its turn in a step the way its turmoil software would.
//!
//! A router's turn replays the driver's loop (`driver::router`): after every handled input it
//! drains the core and asks for the next deadline; then it takes, in this order, the fault
//! plan's commands, one received VRRP datagram, one gateway echo, the core's timer. The timer
//! fires where tokio's paused clock would wake the driver's `sleep`: on the millisecond grid
//! (the deadline rounded up to a whole millisecond), at once when the deadline is already past.
//! A timer due exactly at the end of a step is taken in the next step, after that step's
//! deliveries.

use super::network::{Datagram, Network, UDP_CAPACITY};
use crate::world::driver::groups;
use crate::world::extras::client_heard;
use crate::world::net::{
    CLIENT_BUF, Control, GARP_PORT, GATEWAY_BUF, PING_BUF, PING_PORT, SharedRef, VRRP_BUF,
    VRRP_PORT,
};
use crate::world::router::{Router, RouterIo, RouterSpec};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

/// What a host runs.
pub(crate) enum Role {
    /// A router: its spec and control (they survive crashes) and its running state.
    Router {
        spec: Rc<RouterSpec>,
        ctl: Rc<Control>,
        /// The driver's state while the software runs.
        router: Option<Box<Router>>,
        /// When the driver's pending `sleep` fires (`None`: the core has no deadline).
        timer_at: Option<Duration>,
    },
    /// The gateway: echoes pings.
    Gateway,
    /// The client: an ARP / neighbour cache fed by announcements.
    Client,
}

/// One host of the event engine.
pub(crate) struct Host {
    pub(crate) role: Role,
    /// The software runs (not crashed).
    pub(crate) running: bool,
    /// The step whose turn starts the software.
    pub(crate) boot: Option<u64>,
}

/// A router's sockets, as the [`Router`] sees them.
struct Io<'a> {
    net: &'a mut Network,
    me: usize,
    ping: bool,
}

impl RouterIo for Io<'_> {
    fn send(&mut self, to: SocketAddr, datagram: &[u8]) {
        self.net.send(self.me, VRRP_PORT, to, datagram);
    }

    fn send_ping(&mut self, to: SocketAddr, payload: &[u8]) {
        if self.ping {
            self.net.send(self.me, PING_PORT, to, payload);
        }
    }

    // Worlds with virtual_server checks run in turmoil (see `events::unsupported`).
    fn start_health(&mut self) {}

    fn stop_health(&mut self) -> bool {
        false
    }
}

/// `t` rounded up to a whole millisecond.
fn ceil_ms(t: Duration) -> Duration {
    let ms = t.as_nanos().div_ceil(1_000_000);
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// The datagrams of one turn that found a socket on `port`, cut to the socket's buffer; beyond
/// the queue's capacity they are dropped.
fn socket(batch: &[Datagram], port: u16, buf: usize) -> VecDeque<(SocketAddr, &[u8])> {
    batch
        .iter()
        .filter(|d| d.port == port)
        .take(UDP_CAPACITY)
        .map(|d| (d.src, &d.data[..d.data.len().min(buf)]))
        .collect()
}

impl Host {
    /// A host whose software starts in step 0.
    pub(crate) fn new(role: Role) -> Self {
        Host {
            role,
            running: true,
            boot: Some(0),
        }
    }

    /// The software stops (its state is lost).
    pub(crate) fn crash(&mut self) {
        self.running = false;
        self.boot = None;
        self.stop_software();
    }

    /// The software starts afresh in step `step`.
    pub(crate) fn bounce(&mut self, step: u64) {
        self.running = true;
        self.boot = Some(step);
        self.stop_software();
    }

    fn stop_software(&mut self) {
        if let Role::Router {
            router, timer_at, ..
        } = &mut self.role
        {
            *router = None;
            *timer_at = None;
        }
    }

    /// The first step from `from` on in which this host has something to do (deliveries aside).
    pub(crate) fn busy_from(&self, from: u64, net: &Network) -> Option<u64> {
        if !self.running {
            return None;
        }
        let mut busy = self.boot;
        if let Role::Router { ctl, timer_at, .. } = &self.role {
            if !ctl.commands.borrow().is_empty() {
                busy = Some(from);
            }
            if let Some(t) = timer_at {
                let s = net.step_of(*t);
                busy = Some(busy.map_or(s, |b| b.min(s)));
            }
        }
        busy.map(|b| b.max(from))
    }

    /// Host `me`'s turn in step `step`: its deliveries, then its software until the step ends.
    pub(crate) fn turn(&mut self, me: usize, step: u64, net: &mut Network, shared: &SharedRef) {
        let batch = net.take(step, me);
        if !self.running {
            return;
        }
        let now = net.at(step);
        // The software starts after this step's deliveries: no socket was bound for them.
        let fresh = self.boot == Some(step);
        if fresh {
            self.boot = None;
        }
        let batch = if fresh { Vec::new() } else { batch };
        match &mut self.role {
            Role::Router {
                spec,
                ctl,
                router,
                timer_at,
            } => {
                let ping = spec.gateway_script.is_some();
                let mut io = Io { net, me, ping };
                if fresh {
                    let v6 = spec.ip.is_ipv6();
                    for g in groups(ctl, v6) {
                        io.net.join(me, SocketAddr::new(g, VRRP_PORT));
                    }
                    *router = Some(Box::new(Router::boot(
                        spec.clone(),
                        shared.clone(),
                        ctl.clone(),
                        now,
                        &mut io,
                    )));
                }
                let Some(router) = router.as_mut() else {
                    return;
                };
                let vrrp = socket(&batch, VRRP_PORT, VRRP_BUF);
                let pongs = if ping {
                    socket(&batch, PING_PORT, PING_BUF)
                } else {
                    VecDeque::new()
                };
                let end = io.net.at(step + 1);
                router_turn(
                    router,
                    ctl,
                    timer_at,
                    &mut io,
                    (now, end),
                    fresh,
                    vrrp,
                    pongs,
                );
            }
            Role::Gateway => {
                for (from, ping) in socket(&batch, PING_PORT, GATEWAY_BUF) {
                    net.send(me, PING_PORT, from, ping);
                }
            }
            Role::Client => {
                for (from, msg) in socket(&batch, GARP_PORT, CLIENT_BUF) {
                    client_heard(shared, from.ip(), msg, now);
                }
            }
        }
    }
}

/// The driver's loop from `now` until the end of the step. `fresh`: the software just started
/// (the loop begins at its top); otherwise it resumes the `select` it was waiting in.
#[allow(clippy::too_many_arguments)]
fn router_turn(
    router: &mut Router,
    ctl: &Control,
    timer_at: &mut Option<Duration>,
    io: &mut Io<'_>,
    (now, end): (Duration, Duration),
    fresh: bool,
    mut vrrp: VecDeque<(SocketAddr, &[u8])>,
    mut pongs: VecDeque<(SocketAddr, &[u8])>,
) {
    let mut t = now;
    let mut top = fresh;
    loop {
        if top {
            router.flush(t, io);
            *timer_at = router.wake(t).map(|w| if w <= t { t } else { ceil_ms(w) });
            top = false;
        }
        if !ctl.commands.borrow().is_empty() {
            loop {
                let next = ctl.commands.borrow_mut().pop_front();
                let Some(command) = next else { break };
                router.command(t, command, io);
                router.flush(t, io);
            }
        } else if let Some((from, datagram)) = vrrp.pop_front() {
            router.receive(t, datagram, from);
        } else if let Some((_, reply)) = pongs.pop_front() {
            router.gateway_reply(t, reply);
        } else {
            match *timer_at {
                Some(m) if m <= t => router.timer(t),
                Some(m) if m < end => {
                    t = m;
                    continue;
                }
                _ => return,
            }
        }
        top = true;
    }
}
