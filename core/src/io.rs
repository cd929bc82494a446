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
    /// A notification event: keepalived writes one line per event to its notify FIFOs.
    NotifyEvent(NotifyEvent),
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
    /// `USER [GROUP]` written after the command (`None`: the default script user).
    pub user: Option<String>,
}

/// What a [`NotifyEvent`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyEventKind {
    /// A state was entered (INIT is reported as `STOP`).
    State(State),
    /// A master received an advert of lower priority (`notify_master_rx_lower_pri`).
    MasterRxLowerPriority,
    /// The effective priority changed while MASTER (`notify_priority_changes`).
    MasterPriority,
    /// The effective priority changed in any other state (`notify_priority_changes`).
    BackupPriority,
}

/// One notification event of an instance or sync group, in keepalived's notify-FIFO terms
/// (keepalived `notify_fifo`): every state notification, a master hearing a lower priority,
/// and, with `notify_priority_changes`, effective priority changes. Its [`std::fmt::Display`]
/// is the FIFO line without the newline: `INSTANCE "VI_1" MASTER 100`, `GROUP "G" BACKUP 0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyEvent {
    /// Instance or group name.
    pub name: String,
    /// True for a sync group.
    pub group: bool,
    /// What happened.
    pub kind: NotifyEventKind,
    /// The instance's effective priority (always 0 for a group).
    pub priority: u8,
}

impl NotifyEventKind {
    /// keepalived's word for it: MASTER, BACKUP, FAULT, STOP, MASTER_RX_LOWER_PRI,
    /// MASTER_PRIORITY, BACKUP_PRIORITY.
    pub fn word(self) -> &'static str {
        match self {
            NotifyEventKind::State(State::Init) => "STOP",
            NotifyEventKind::State(s) => s.name(),
            NotifyEventKind::MasterRxLowerPriority => "MASTER_RX_LOWER_PRI",
            NotifyEventKind::MasterPriority => "MASTER_PRIORITY",
            NotifyEventKind::BackupPriority => "BACKUP_PRIORITY",
        }
    }
}

impl std::fmt::Display for NotifyEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.group { "GROUP" } else { "INSTANCE" };
        write!(
            f,
            "{kind} \"{}\" {} {}",
            self.name,
            self.kind.word(),
            self.priority
        )
    }
}

/// A FIFO of [`Output`]s that gives its spare capacity back once it is drained.
///
/// A node's start-up (every instance turning master at once, each with its GARP burst) queues
/// thousands of outputs that the driver drains at once; a plain `VecDeque` would keep that
/// peak capacity for the daemon's whole life. This queue shrinks to `keep` entries whenever a
/// pop finds it empty with more than `2 × keep` allocated, so steady-state bursts up to that
/// size reuse their allocation and the rare peak is returned. A node has one (its instances
/// queue into it, lent for each call), so that per-instance buffers neither hold memory
/// (255 instances × a 16-entry burst × 192 bytes is 0.8 MB) nor grow and shrink on a
/// takeover.
#[derive(Debug, Clone)]
pub(crate) struct OutputQueue {
    items: std::collections::VecDeque<Output>,
    keep: usize,
}

impl OutputQueue {
    /// An empty queue that keeps `keep` entries of capacity when idle.
    pub(crate) fn new(keep: usize) -> OutputQueue {
        OutputQueue {
            items: std::collections::VecDeque::new(),
            keep,
        }
    }

    /// An empty queue with its `keep` entries allocated now, so that bursts up to that size
    /// never allocate (a node's queue: a takeover's outputs fit without an allocator call).
    pub(crate) fn reserved(keep: usize) -> OutputQueue {
        OutputQueue {
            items: std::collections::VecDeque::with_capacity(keep),
            keep,
        }
    }

    /// The capacity it keeps when idle; reserves it now.
    pub(crate) fn set_keep(&mut self, keep: usize) {
        self.keep = keep;
        self.items.reserve(keep.saturating_sub(self.items.len()));
    }

    /// Queues one output.
    pub(crate) fn push_back(&mut self, output: Output) {
        self.items.push_back(output);
    }

    /// The oldest output; when there is none, a peak allocation is given back.
    pub(crate) fn pop_front(&mut self) -> Option<Output> {
        let output = self.items.pop_front();
        if output.is_none() && self.items.capacity() > self.keep.saturating_mul(2) {
            self.items.shrink_to(self.keep);
        }
        output
    }

    /// Allocated entries (for tests).
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.items.capacity()
    }
}

#[cfg(test)]
mod output_queue_tests {
    use super::*;

    fn event(priority: u8) -> Output {
        Output::NotifyEvent(NotifyEvent {
            name: "VI_1".into(),
            group: false,
            kind: NotifyEventKind::MasterPriority,
            priority,
        })
    }

    #[test]
    fn drained_queue_gives_back_a_start_up_peak_and_keeps_order() {
        let mut q = OutputQueue::new(8);
        for p in 0..=255u8 {
            q.push_back(event(p));
        }
        assert!(q.capacity() >= 256);
        let popped: Vec<Output> = std::iter::from_fn(|| q.pop_front()).collect();
        assert_eq!(popped, (0..=255u8).map(event).collect::<Vec<_>>());
        assert!(q.capacity() <= 32, "capacity {} after drain", q.capacity());
    }

    #[test]
    fn drained_queue_keeps_a_steady_burst_within_twice_keep() {
        let mut q = OutputQueue::new(64);
        for p in 0..100u8 {
            q.push_back(event(p));
        }
        let cap = q.capacity();
        while q.pop_front().is_some() {}
        assert_eq!(
            q.capacity(),
            cap,
            "a burst under 2 × keep keeps its allocation"
        );
    }

    #[test]
    fn reserved_queue_takes_bursts_up_to_keep_in_the_allocation_it_started_with() {
        let mut q = OutputQueue::reserved(17);
        let cap = q.capacity();
        assert!(cap >= 17);
        for round in 0..3u8 {
            for p in 0..17u8 {
                q.push_back(event(p.wrapping_add(round)));
            }
            while q.pop_front().is_some() {}
            assert_eq!(q.capacity(), cap, "round {round}");
        }
    }
}
