//! The event engine's network: turmoil 0.7.2's UDP delivery rules, kept as a schedule of
//! datagrams in flight instead of being re-examined every tick.
//!
//! The rules (read from turmoil's `top.rs`, `host.rs` and `net/udp.rs`, and checked record
//! for record against the turmoil engine by the integration tests), for a tick `T` and a fixed
//! one-way latency `L` per link:
//!
//! - Step `k` covers `[kT, (k+1)T)`. At its start turmoil moves the link clock to `(k+1)T`, so
//!   a datagram sent during step `k` is due at `D = (k+1)T + L`. It becomes deliverable in the
//!   first step `j` whose link clock reaches `D` (`(j+1)T ≥ D`), and its receiver gets it at
//!   the start of its turn in step `j`, at `jT`. With `L = 0` it is deliverable at once: a
//!   receiver that takes its turn later in the same step gets it in that step, one that went
//!   before gets it in the next.
//! - A receiver gets its datagrams grouped by sender in registration order (turmoil's links
//!   are kept in the order they were created), each sender's in the order they became
//!   deliverable, then sent. A socket queue holds [`UDP_CAPACITY`] datagrams; more in one turn
//!   are dropped.
//! - A datagram for a host whose software does not run, or whose software starts in that
//!   very step (the socket is bound after the delivery), is lost.
//! - A partition drops both directions' datagrams still in flight (`D` after the partition's
//!   time); those already deliverable stay. Sends over a cut link are dropped. Repairing does
//!   not bring anything back.
//! - Multicast goes to every member of `(group, port)` but the sender (loop is off on the VRRP
//!   socket); a host joins when its software starts and leaves when it stops. A datagram to an
//!   unknown address is refused (lost). Loopback, broadcast and datagrams to the sender itself
//!   are not modelled: the engine gives up and the run goes to turmoil.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// turmoil's default UDP socket receive queue capacity.
pub(crate) const UDP_CAPACITY: usize = 64;

/// One datagram in flight or delivered.
#[derive(Debug, Clone)]
pub(crate) struct Datagram {
    /// The sender's address and port.
    pub(crate) src: SocketAddr,
    /// The receiver's port.
    pub(crate) port: u16,
    /// The bytes.
    pub(crate) data: Vec<u8>,
    /// When the link lets it go (`D`).
    due: Duration,
}

/// Delivery order: the step of delivery, the receiver, then the sender (link order), the step
/// it became deliverable and the send order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    step: u64,
    dst: usize,
    sender: usize,
    moved: u64,
    seq: u64,
}

/// The hosts' addresses, the links and the datagrams in flight.
#[derive(Debug)]
pub(crate) struct Network {
    tick: Duration,
    /// The step being run (faults of a boundary are applied with `step` already the next one).
    pub(crate) step: u64,
    ips: Vec<IpAddr>,
    index: BTreeMap<IpAddr, usize>,
    latency: Duration,
    link_latency: BTreeMap<(usize, usize), Duration>,
    cut: BTreeSet<(usize, usize)>,
    groups: BTreeMap<SocketAddr, BTreeSet<usize>>,
    in_flight: BTreeMap<Key, Datagram>,
    seq: u64,
    /// Set when something happened that only turmoil models; the run is abandoned.
    pub(crate) unsupported: Option<String>,
}

fn pair(a: usize, b: usize) -> (usize, usize) {
    if a <= b { (a, b) } else { (b, a) }
}

impl Network {
    /// A network of hosts at `ips` (registration order), every link with latency `latency`.
    pub(crate) fn new(tick: Duration, latency: Duration, ips: Vec<IpAddr>) -> Self {
        let index = ips.iter().enumerate().map(|(i, ip)| (*ip, i)).collect();
        Network {
            tick,
            step: 0,
            ips,
            index,
            latency,
            link_latency: BTreeMap::new(),
            cut: BTreeSet::new(),
            groups: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            seq: 0,
            unsupported: None,
        }
    }

    /// The host with address `ip`.
    pub(crate) fn host(&self, ip: IpAddr) -> Option<usize> {
        self.index.get(&ip).copied()
    }

    /// Start of step `k`.
    pub(crate) fn at(&self, step: u64) -> Duration {
        let tick = u64::try_from(self.tick.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(tick.saturating_mul(step))
    }

    /// The first step starting at or after `t`.
    pub(crate) fn step_at_or_after(&self, t: Duration) -> u64 {
        let (t, tick) = (t.as_nanos(), self.tick.as_nanos());
        u64::try_from(t.div_ceil(tick)).unwrap_or(u64::MAX)
    }

    /// The step containing `t`.
    pub(crate) fn step_of(&self, t: Duration) -> u64 {
        u64::try_from(t.as_nanos() / self.tick.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Sends `data` from host `sender`'s socket on `port` to `to`, during the current step.
    pub(crate) fn send(&mut self, sender: usize, port: u16, to: SocketAddr, data: &[u8]) {
        let src = SocketAddr::new(self.ips[sender], port);
        let ip = to.ip();
        if ip.is_multicast() {
            let members: Vec<usize> = self
                .groups
                .get(&to)
                .map(|m| m.iter().copied().filter(|&m| m != sender).collect())
                .unwrap_or_default();
            for dst in members {
                self.enqueue(sender, dst, src, to.port(), data);
            }
        } else if ip.is_loopback()
            || ip == self.ips[sender]
            || matches!(ip, IpAddr::V4(v4) if v4.is_broadcast())
        {
            self.unsupported = Some(format!(
                "{src} sent to {to} (loopback, broadcast or itself)"
            ));
        } else if let Some(dst) = self.host(ip) {
            self.enqueue(sender, dst, src, to.port(), data);
        }
    }

    fn enqueue(&mut self, sender: usize, dst: usize, src: SocketAddr, port: u16, data: &[u8]) {
        let link = pair(sender, dst);
        if self.cut.contains(&link) {
            return;
        }
        let latency = self
            .link_latency
            .get(&link)
            .copied()
            .unwrap_or(self.latency);
        let k = self.step;
        let due = self.at(k + 1) + latency;
        let (moved, step) = if latency.is_zero() {
            // Deliverable at once: this step if the receiver's turn is still to come.
            (k, if dst > sender { k } else { k + 1 })
        } else {
            // First j with (j+1)T >= due.
            let j = self.step_at_or_after(due).saturating_sub(1);
            (j, j)
        };
        self.seq += 1;
        let key = Key {
            step,
            dst,
            sender,
            moved,
            seq: self.seq,
        };
        self.in_flight.insert(
            key,
            Datagram {
                src,
                port,
                data: data.to_vec(),
                due,
            },
        );
    }

    /// Takes the datagrams host `dst` receives in step `step`, in delivery order.
    pub(crate) fn take(&mut self, step: u64, dst: usize) -> Vec<Datagram> {
        let from = Key {
            step,
            dst,
            sender: 0,
            moved: 0,
            seq: 0,
        };
        let keys: Vec<Key> = self
            .in_flight
            .range(from..)
            .take_while(|(k, _)| k.step == step && k.dst == dst)
            .map(|(k, _)| *k)
            .collect();
        keys.iter()
            .filter_map(|k| self.in_flight.remove(k))
            .collect()
    }

    /// The first step in which some datagram is due to be delivered.
    pub(crate) fn next_delivery(&self) -> Option<u64> {
        self.in_flight.keys().next().map(|k| k.step)
    }

    /// Host `h` joins multicast group `group` (port included).
    pub(crate) fn join(&mut self, h: usize, group: SocketAddr) {
        self.groups.entry(group).or_default().insert(h);
    }

    /// Host `h`'s sockets close: it leaves every group.
    pub(crate) fn leave_all(&mut self, h: usize) {
        for members in self.groups.values_mut() {
            members.remove(&h);
        }
        self.groups.retain(|_, m| !m.is_empty());
    }

    /// Cuts the link between `a` and `b` at the start of the current step.
    pub(crate) fn partition(&mut self, a: usize, b: usize) {
        let link = pair(a, b);
        self.cut.insert(link);
        let now = self.at(self.step);
        self.in_flight
            .retain(|k, d| pair(k.sender, k.dst) != link || d.due <= now);
    }

    /// Heals the link between `a` and `b`.
    pub(crate) fn repair(&mut self, a: usize, b: usize) {
        self.cut.remove(&pair(a, b));
    }

    /// Fixed latency on the link between `a` and `b` from now on.
    pub(crate) fn set_latency(&mut self, a: usize, b: usize, latency: Duration) {
        self.link_latency.insert(pair(a, b), latency);
    }
}
