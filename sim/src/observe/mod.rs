//! The observer: the shared record of everything that happened in a run.
//!
//! Drivers and the world append [`Event`]s (state changes with reasons, VIPs added and removed,
//! announcements, faults, client ARP updates, driver faults seen live) and
//! [`PacketRecord`]s (every datagram put on the simulated segment). Hosts run one after another
//! inside a turmoil step, so events are appended slightly out of time order; [`Observer::finish`]
//! sorts them stably by time, which keeps the result deterministic.

use crate::fault::FaultAction;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use vrrplab_core::check::PoolAction;
use vrrplab_core::vrrp::State;

/// One thing that happened, at simulated time `t`, on `node` (empty for world-wide faults).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Simulated time.
    pub t: Duration,
    /// The node it happened on (`""` for faults that are not about one node).
    pub node: String,
    /// What happened.
    pub kind: EventKind,
}

/// The kinds of [`Event`].
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// An instance changed state.
    Transition {
        /// Instance name.
        instance: String,
        /// VRID.
        vrid: u8,
        /// Previous state.
        from: State,
        /// New state.
        to: State,
        /// Why (the core's reason, or `host crashed` from the world).
        reason: String,
        /// Effective priority at the change.
        priority: u8,
    },
    /// An instance's effective priority changed (trackers).
    Priority {
        /// Instance name.
        instance: String,
        /// VRID.
        vrid: u8,
        /// New effective priority.
        priority: u8,
    },
    /// A virtual address was added to the node.
    VipAdded {
        /// The address.
        address: IpAddr,
    },
    /// A virtual address was removed from the node (or vanished with a crash).
    VipRemoved {
        /// The address.
        address: IpAddr,
    },
    /// A fault-plan action was applied.
    Fault(FaultAction),
    /// The client's ARP cache now resolves `address` to this event's node.
    ClientArp {
        /// The virtual address.
        address: IpAddr,
    },
    /// The driver could not carry out the core's contract at this instant (its deadline stayed
    /// in the past after being handled); the protocol's rules are checked by the analysis.
    Violation(String),
    /// One of the node's health checkers went up or down.
    Checker {
        /// Virtual server name (`192.0.2.100 80`).
        virtual_server: String,
        /// The real server.
        real_server: SocketAddr,
        /// New state.
        up: bool,
        /// Why it went down (empty when up).
        reason: String,
    },
    /// The node's load-balancer pool changed (a real server or the sorry server).
    RealServer {
        /// Virtual server name.
        virtual_server: String,
        /// The destination.
        address: SocketAddr,
        /// True for the sorry server.
        sorry_server: bool,
        /// Added, reweighted or removed.
        action: PoolAction,
    },
    /// A virtual server of the node gained or lost quorum.
    Quorum {
        /// Virtual server name.
        virtual_server: String,
        /// Gained (true) or lost.
        up: bool,
        /// Σ weight of live real servers at the change.
        live_weight: u64,
    },
}

/// What a datagram on the segment carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketKind {
    /// A VRRP message (IP protocol 112).
    Vrrp,
    /// A gratuitous ARP for a virtual address.
    Garp {
        /// The announced address.
        address: Ipv4Addr,
        /// VRID (virtual MAC).
        vrid: u8,
    },
    /// An unsolicited neighbour advertisement for an IPv6 virtual address (to ff02::1).
    Na {
        /// The announced address.
        address: Ipv6Addr,
        /// VRID (virtual MAC).
        vrid: u8,
    },
}

/// One packet put on the simulated segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketRecord {
    /// Simulated send time.
    pub t: Duration,
    /// Sending node.
    pub node: String,
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// TTL.
    pub hop_limit: u8,
    /// The VRRP bytes (empty for GARPs).
    pub payload: Vec<u8>,
    /// VRRP or GARP.
    pub kind: PacketKind,
}

/// Datagram counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct PacketCounters {
    /// VRRP datagrams sent.
    pub sent: u64,
    /// Delivered to a node's core.
    pub delivered: u64,
    /// Dropped by a one-way block (firewall) at the receiver.
    pub dropped_block: u64,
    /// Dropped by simulated random loss.
    pub dropped_loss: u64,
    /// Dropped because the sending or receiving interface was down.
    pub dropped_interface_down: u64,
    /// Gratuitous ARPs (IPv4) and unsolicited neighbour advertisements (IPv6) sent.
    pub garps: u64,
}

/// Current per-instance view, kept up to date as events arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceView {
    /// VRID.
    pub vrid: u8,
    /// Current state.
    pub state: State,
    /// Current effective priority.
    pub priority: u8,
}

/// The shared record of a run.
#[derive(Debug, Default)]
pub struct Observer {
    events: Vec<Event>,
    packets: Vec<PacketRecord>,
    /// Datagram counters.
    pub counters: PacketCounters,
    record_packets: bool,
    instances: BTreeMap<(String, String), InstanceView>,
    vips: BTreeMap<String, BTreeSet<IpAddr>>,
    client_arp: BTreeMap<IpAddr, String>,
    /// (node, virtual server, destination) → (sorry server, weight): the pools right now.
    pools: BTreeMap<(String, String, SocketAddr), (bool, u32)>,
}

impl Observer {
    /// An empty observer; packets are kept only when `record_packets` is true.
    pub fn new(record_packets: bool) -> Self {
        Observer {
            record_packets,
            ..Observer::default()
        }
    }

    /// Appends an event and updates the current view.
    pub fn push(&mut self, t: Duration, node: &str, kind: EventKind) {
        match &kind {
            EventKind::Transition {
                instance,
                vrid,
                to,
                priority,
                ..
            } => {
                self.instances.insert(
                    (node.to_string(), instance.clone()),
                    InstanceView {
                        vrid: *vrid,
                        state: *to,
                        priority: *priority,
                    },
                );
            }
            EventKind::Priority {
                instance, priority, ..
            } => {
                if let Some(v) = self
                    .instances
                    .get_mut(&(node.to_string(), instance.clone()))
                {
                    v.priority = *priority;
                }
            }
            EventKind::VipAdded { address } => {
                self.vips
                    .entry(node.to_string())
                    .or_default()
                    .insert(*address);
            }
            EventKind::VipRemoved { address } => {
                self.vips
                    .entry(node.to_string())
                    .or_default()
                    .remove(address);
            }
            EventKind::ClientArp { address } => {
                self.client_arp.insert(*address, node.to_string());
            }
            EventKind::RealServer {
                virtual_server,
                address,
                sorry_server,
                action,
            } => {
                let key = (node.to_string(), virtual_server.clone(), *address);
                match action {
                    PoolAction::Add { weight } | PoolAction::Reweight { weight } => {
                        self.pools.insert(key, (*sorry_server, *weight));
                    }
                    PoolAction::Remove => {
                        self.pools.remove(&key);
                    }
                }
            }
            _ => {}
        }
        self.events.push(Event {
            t,
            node: node.to_string(),
            kind,
        });
    }

    /// Records a packet put on the segment (kept only if packet recording is on).
    pub fn packet(&mut self, record: PacketRecord) {
        match record.kind {
            PacketKind::Vrrp => self.counters.sent += 1,
            PacketKind::Garp { .. } | PacketKind::Na { .. } => self.counters.garps += 1,
        }
        if self.record_packets {
            self.packets.push(record);
        }
    }

    /// The current view of one node's instances, by instance name.
    pub fn instances_of(&self, node: &str) -> Vec<(String, InstanceView)> {
        self.instances
            .iter()
            .filter(|((n, _), _)| n == node)
            .map(|((_, i), v)| (i.clone(), v.clone()))
            .collect()
    }

    /// The current view of one instance.
    pub fn instance(&self, node: &str, instance: &str) -> Option<&InstanceView> {
        self.instances
            .get(&(node.to_string(), instance.to_string()))
    }

    /// The VIPs a node holds right now.
    pub fn vips_of(&self, node: &str) -> Vec<IpAddr> {
        self.vips
            .get(node)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The node's load-balancer pools right now: (virtual server, destination, sorry server).
    pub fn pool_of(&self, node: &str) -> Vec<(String, SocketAddr, bool)> {
        self.pools
            .iter()
            .filter(|((n, _, _), _)| n == node)
            .map(|((_, vs, d), (sorry, _))| (vs.clone(), *d, *sorry))
            .collect()
    }

    /// The node the client currently resolves `address` to.
    pub fn client_arp(&self, address: &IpAddr) -> Option<&str> {
        self.client_arp.get(address).map(String::as_str)
    }

    /// Sorts the record by time (stable) and returns events and packets.
    pub fn finish(mut self) -> (Vec<Event>, Vec<PacketRecord>, PacketCounters) {
        self.events.sort_by_key(|e| e.t);
        self.packets.sort_by_key(|p| p.t);
        (self.events, self.packets, self.counters)
    }
}
