//! A node: everything one host runs, behind one sans-IO surface.
//!
//! Contract (after quinn-proto and str0m): every input is a `handle_*(now, …)` call; after every
//! input the driver drains [`Node::poll_output`] until `None`, then sleeps until
//! [`Node::poll_timeout`] or the next packet, whichever comes first. `handle_timeout` is safe to
//! call early or twice. Same inputs, same outputs, same order.

pub mod config;
pub mod output;

pub use config::{InterfaceInfo, NodeConfig};
pub use output::{AddressChange, Announce, Notify, Output, StateChange, Transmit};

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

use crate::Instant;
use crate::vrrp::State;
use crate::wire::Family;
use std::collections::VecDeque;

/// A snapshot of one instance for status output and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceStatus {
    /// Instance name.
    pub name: String,
    /// VRID.
    pub vrid: u8,
    /// Family.
    pub family: Family,
    /// Current state.
    pub state: State,
    /// Effective priority (configured priority adjusted by trackers).
    pub effective_priority: u8,
}

/// Everything one host runs. See the module docs for the driver contract.
///
/// API under construction (issue 2): the methods below are the stable surface drivers use.
#[derive(Debug)]
pub struct Node {
    config: NodeConfig,
    outputs: VecDeque<Output>,
}

impl Node {
    /// Builds the node and starts every instance at `now` (INIT → BACKUP, or MASTER for owners).
    pub fn new(config: NodeConfig, now: Instant) -> Node {
        let _ = now;
        Node {
            config,
            outputs: VecDeque::new(),
        }
    }

    /// A received VRRP message (IP payload) with its metadata.
    pub fn handle_packet(&mut self, now: Instant, meta: &RxMeta, payload: &[u8]) {
        let _ = (now, meta, payload);
    }

    /// Timers: call at (or after) `poll_timeout()`; early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let _ = now;
    }

    /// An interface went up or down.
    pub fn handle_interface(&mut self, now: Instant, interface: &str, up: bool) {
        let _ = (now, interface, up);
    }

    /// A `vrrp_script` result (already through rise/fall when `checked` is true).
    pub fn handle_script_result(&mut self, now: Instant, script: &str, success: bool) {
        let _ = (now, script, success);
    }

    /// A `vrrp_track_file` value.
    pub fn handle_track_file(&mut self, now: Instant, name: &str, value: i64) {
        let _ = (now, name, value);
    }

    /// Graceful stop: masters send priority 0 and remove their addresses; all go INIT.
    pub fn shutdown(&mut self, now: Instant) {
        let _ = now;
    }

    /// The configuration this node runs.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The next output, or `None` when drained.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When `handle_timeout` must be called next, if any timer is armed.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    /// A snapshot of every instance, in configuration order.
    pub fn instances(&self) -> Vec<InstanceStatus> {
        Vec::new()
    }
}
