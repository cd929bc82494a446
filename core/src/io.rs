//! What crosses between the core and its driver: [`RxMeta`] with every received packet, and
//! the [`Output`] values a [`crate::node::Node`] (or a lone [`crate::vrrp::Instance`]) asks its
//! driver to act on, owned and drained with `poll_output()`.
//!
//! A leaf of the core's module graph: it names only the plain value types it carries
//! ([`crate::vrrp::State`], [`crate::vrrp::TransitionReason`], [`crate::check::Probe`],
//! [`crate::wire::Family`]), so the instance and the node both build on it without importing
//! each other.

use crate::vrrp::state::{State, TransitionReason};
use crate::wire::Family;
use std::net::IpAddr;

/// Receive metadata the kernel gives with a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RxMeta {
    /// Interface the packet arrived on.
    pub interface: String,
    /// IP source.
    pub src: IpAddr,
    /// IP destination (group or our unicast address).
    pub dst: IpAddr,
    /// Received TTL / hop limit.
    pub hop_limit: u8,
}

/// One action for the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub enum Output {
    /// Send VRRP bytes as an IP packet with protocol 112.
    Transmit(Transmit),
    /// Add an address (a VIP or excluded VIP) to an interface.
    AddAddress(AddressChange),
    /// Remove an address from an interface.
    RemoveAddress(AddressChange),
    /// Send one gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6).
    Announce(Announce),
    /// An instance changed state.
    StateChange(StateChange),
    /// Run a notify hook (`notify_master` …) as a child process.
    Notify(Notify),
    /// Run a `vrrp_script` now; answer with `Node::handle_probe_result(now, probe.id, …)`.
    StartProbe(crate::check::Probe),
    /// A `vrrp_script` run timed out: SIGTERM it (SIGKILL after 2 s); its result is ignored.
    CancelProbe(crate::check::ProbeId),
}

/// An IP packet to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Interface to send on.
    pub interface: String,
    /// IP source address (the checksum was computed with it).
    pub src: IpAddr,
    /// IP destination: the multicast group or a unicast peer.
    pub dst: IpAddr,
    /// TTL / hop limit (255 for VRRP).
    pub hop_limit: u8,
    /// The VRRP message.
    pub payload: Vec<u8>,
}

/// An address to add or remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressChange {
    /// Owning instance.
    pub instance: String,
    /// Interface.
    pub interface: String,
    /// Address.
    pub address: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
}

/// One gratuitous ARP / unsolicited NA for a virtual address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announce {
    /// Owning instance.
    pub instance: String,
    /// Interface to send on.
    pub interface: String,
    /// The virtual address announced.
    pub address: IpAddr,
    /// VRID (for the virtual MAC, when the driver uses one).
    pub vrid: u8,
}

/// A state change, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// Instance name.
    pub instance: String,
    /// VRID.
    pub vrid: u8,
    /// Family.
    pub family: Family,
    /// Previous state.
    pub from: State,
    /// New state.
    pub to: State,
    /// Why.
    pub reason: TransitionReason,
    /// Effective priority at the change.
    pub priority: u8,
}

/// A notify hook to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// Instance or group name.
    pub name: String,
    /// True for a sync group's hook.
    pub group: bool,
    /// The state entered.
    pub state: State,
    /// Command line to run (for `notify`, with `INSTANCE|GROUP name STATE priority` appended).
    pub command: String,
}
