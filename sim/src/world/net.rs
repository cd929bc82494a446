//! State shared between the world loop and the hosts: the observer, the VRRP-level network
//! faults (one-way blocks, loss, interfaces down), the seeded loss RNG, and per-node controls.
//!
//! Everything is single-threaded (`Rc<RefCell<_>>`); no borrow is held across an `.await`.

use crate::observe::Observer;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::rc::Rc;
use std::time::Duration;
use vrrplab_core::node::NodeConfig;
use vrrplab_core::prng::SplitMix64;

/// UDP port every router binds; VRRP datagrams go to (group, port) or (peer, port).
pub(crate) const VRRP_PORT: u16 = 112;
/// UDP port gratuitous ARPs are broadcast to (the client listens on it).
pub(crate) const GARP_PORT: u16 = 2054;
/// UDP port of the gateway's echo service and of the routers' ping socket.
pub(crate) const PING_PORT: u16 = 7;
/// Receive buffer sizes of the hosts' sockets (a longer datagram is cut to the buffer, as a
/// `recv_from` into a short buffer does): a router's VRRP socket, its ping socket, the
/// gateway's echo socket, the client's announcement socket.
pub(crate) const VRRP_BUF: usize = 2048;
/// See [`VRRP_BUF`].
pub(crate) const PING_BUF: usize = 16;
/// See [`VRRP_BUF`].
pub(crate) const GATEWAY_BUF: usize = 64;
/// See [`VRRP_BUF`].
pub(crate) const CLIENT_BUF: usize = 32;
/// The gateway host's address.
pub(crate) const GATEWAY_ADDR: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// The client host's address.
pub(crate) const CLIENT_ADDR: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 200);

/// A host's address in the world's family: `v4` itself, or its link-local twin (`fe80::…`).
pub(crate) fn host_ip(v4: Ipv4Addr, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(crate::scenario::link_local_of(v4))
    } else {
        IpAddr::V4(v4)
    }
}

/// The unspecified address of the world's family (what sockets bind).
pub(crate) fn unspecified(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    }
}

/// The seeded loss RNG: the core's SplitMix64, its seed mixed with "VRRPLAB!" so that it does
/// not run in step with generators seeded with the bare scenario seed.
pub(crate) fn loss_rng(seed: u64) -> SplitMix64 {
    SplitMix64::new(seed ^ 0x5652_5250_4c41_4221)
}

/// True with probability `percent` / 100; no draw at all when `percent` is 0 (so a run without
/// loss leaves the generator untouched).
pub(crate) fn lose(rng: &mut SplitMix64, percent: u8) -> bool {
    percent > 0 && rng.chance_in(u64::from(percent), 100)
}

/// Why a VRRP datagram was not handed to the receiving core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drop {
    Block,
    Loss,
    InterfaceDown,
}

/// VRRP-level faults the drivers apply on receive.
#[derive(Debug, Default)]
pub(crate) struct NetState {
    /// (receiver, sender): the receiver's firewall drops the sender's VRRP.
    pub(crate) blocks: BTreeSet<(String, String)>,
    /// Loss per unordered link (names sorted).
    pub(crate) loss_links: BTreeMap<(String, String), u8>,
    /// Loss on every link.
    pub(crate) loss_all: u8,
    /// (node, interface) pairs that are down.
    pub(crate) interfaces_down: BTreeSet<(String, String)>,
}

pub(crate) fn link_key(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

impl NetState {
    /// Whether `receiver` gets `sender`'s datagram; a loss draw is taken only when loss applies.
    pub(crate) fn verdict(
        &self,
        rng: &mut SplitMix64,
        sender: &str,
        receiver: &str,
    ) -> Result<(), Drop> {
        if self
            .blocks
            .contains(&(receiver.to_string(), sender.to_string()))
        {
            return Err(Drop::Block);
        }
        let link = self
            .loss_links
            .get(&link_key(sender, receiver))
            .copied()
            .unwrap_or(0);
        let percent = link.max(self.loss_all);
        if lose(rng, percent) {
            return Err(Drop::Loss);
        }
        Ok(())
    }

    pub(crate) fn interface_up(&self, node: &str, interface: &str) -> bool {
        !self
            .interfaces_down
            .contains(&(node.to_string(), interface.to_string()))
    }
}

/// Everything hosts and the world loop share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) observer: Observer,
    pub(crate) net: NetState,
    pub(crate) rng: SplitMix64,
    /// Host address → node name (routers only).
    pub(crate) names: BTreeMap<IpAddr, String>,
    /// The world runs in turmoil's IPv6 mode.
    pub(crate) v6: bool,
}

pub(crate) type SharedRef = Rc<RefCell<Shared>>;

/// A node's clock: runs at `rate` × simulated time (clock drift), piecewise linear.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeClock {
    rate: f64,
    sim_anchor: Duration,
    local_anchor: Duration,
}

impl Default for NodeClock {
    fn default() -> Self {
        NodeClock {
            rate: 1.0,
            sim_anchor: Duration::ZERO,
            local_anchor: Duration::ZERO,
        }
    }
}

impl NodeClock {
    /// The node's local time at simulated time `sim`.
    pub(crate) fn local(&self, sim: Duration) -> Duration {
        let since = sim.saturating_sub(self.sim_anchor);
        if self.rate == 1.0 {
            self.local_anchor + since
        } else {
            self.local_anchor + since.mul_f64(self.rate)
        }
    }

    /// The simulated time at which the node's clock reads `local` (never before `now`).
    pub(crate) fn sim_at(&self, local: Duration) -> Duration {
        let ahead = local.saturating_sub(self.local_anchor);
        if self.rate == 1.0 {
            self.sim_anchor + ahead
        } else {
            // Round up, plus one microsecond, so float rounding can never leave the node's
            // clock a nanosecond short of `local` (which would wake the driver in a loop).
            let micros = (ahead.as_secs_f64() * 1.0e6 / self.rate).ceil() + 1.0;
            self.sim_anchor + Duration::from_micros(micros as u64)
        }
    }

    /// Changes the rate from simulated time `sim` on.
    pub(crate) fn set_rate(&mut self, sim: Duration, rate: f64) {
        self.local_anchor = self.local(sim);
        self.sim_anchor = sim;
        self.rate = rate;
    }
}

/// A command from the world loop to one router's driver.
#[derive(Debug, Clone)]
pub(crate) enum Command {
    Stop,
    Start,
    Interface {
        name: String,
        up: bool,
    },
    Script,
    TrackFile {
        name: String,
        value: i64,
    },
    Reload(Box<NodeConfig>),
    /// Re-read the clock (after a drift change).
    Wake,
}

/// Per-router state that survives crashes (the "hardware"), plus the command queue.
#[derive(Debug)]
pub(crate) struct Control {
    pub(crate) commands: RefCell<VecDeque<Command>>,
    pub(crate) notify: tokio::sync::Notify,
    pub(crate) clock: RefCell<NodeClock>,
    pub(crate) stopped: Cell<bool>,
    pub(crate) config: RefCell<NodeConfig>,
    pub(crate) scripts_ok: RefCell<BTreeMap<String, bool>>,
    pub(crate) track_files: RefCell<BTreeMap<String, i64>>,
}

impl Control {
    pub(crate) fn new(config: NodeConfig) -> Self {
        Control {
            commands: RefCell::new(VecDeque::new()),
            notify: tokio::sync::Notify::new(),
            clock: RefCell::new(NodeClock::default()),
            stopped: Cell::new(false),
            config: RefCell::new(config),
            scripts_ok: RefCell::new(BTreeMap::new()),
            track_files: RefCell::new(BTreeMap::new()),
        }
    }

    pub(crate) fn send(&self, command: Command) {
        self.commands.borrow_mut().push_back(command);
        self.notify.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_clock_reaches_its_deadline_early_in_simulated_time() {
        let mut c = NodeClock::default();
        c.set_rate(Duration::from_secs(10), 1.25);
        assert_eq!(c.local(Duration::from_secs(10)), Duration::from_secs(10));
        assert_eq!(c.local(Duration::from_secs(14)), Duration::from_secs(15));
        let wake = c.sim_at(Duration::from_secs(15));
        assert!(wake >= Duration::from_secs(14) && wake <= Duration::from_micros(14_000_001));
        assert!(c.local(wake) >= Duration::from_secs(15));
    }

    #[test]
    fn loss_draws_follow_the_percentage_and_the_seed() {
        let mut a = loss_rng(7);
        let hits = (0..10_000).filter(|_| lose(&mut a, 30)).count();
        assert!((2_700..3_300).contains(&hits), "{hits}");
        let (mut x, mut y) = (loss_rng(9), loss_rng(9));
        let xs: Vec<bool> = (0..64).map(|_| lose(&mut x, 50)).collect();
        let ys: Vec<bool> = (0..64).map(|_| lose(&mut y, 50)).collect();
        assert_eq!(xs, ys);
        assert!(xs.contains(&true) && xs.contains(&false));
        let mut c = loss_rng(1);
        let before = c.clone();
        assert!(!lose(&mut c, 0));
        assert_eq!(c, before, "no loss, no draw");
    }
}
