//! vrrplab-netns: Linux network-namespace topologies for VRRP integration tests.
//!
//! A [`Topology`] is a switch namespace with a bridge and host namespaces joined to it by veth
//! pairs; nothing is ever attached to the caller's (root) namespace, names are unique per
//! topology so tests run in parallel, and dropping the topology (panics included) kills every
//! process started through it and deletes its namespaces. On top of it: [`Capture`] (AF_PACKET
//! on the bridge → classic pcap) and [`CaptureLog`] to read it back, nftables [`fault`]s,
//! [`Observer`] (who holds which VIP, the client's neighbour entry, polled into a [`Timeline`]),
//! and [`Peer`]s ([`Keepalived`], [`FrrVrrpd`]). [`gate::require`] decides whether a test can
//! run here. Needs root; see the crate README.

pub mod artifacts;
pub mod capture;
pub mod command;
pub mod error;
pub mod fault;
pub mod gate;
pub mod names;
pub mod netns;
pub mod observe;
pub mod peer;
pub mod processes;
pub mod quiet;
pub mod stall;
pub mod topology;

pub use capture::{Capture, CaptureLog};
pub use error::{HarnessError, Result};
pub use gate::{Need, require};
pub use observe::{ObservedState, Observer, Timeline};
pub use peer::{
    FrrRouter, FrrVrrpd, Keepalived, KeepalivedInstance, Peer, keepalived_config,
    keepalived_config_with,
};
pub use stall::{StallProbe, Stalls};
pub use topology::{Host, Role, Topology, TopologyBuilder};
