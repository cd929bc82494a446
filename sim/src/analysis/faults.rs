//! The network as the fault plan left it at a given time: replayed from the `Fault` events.

use crate::fault::FaultAction;
use crate::observe::{Event, EventKind};
use std::collections::{BTreeMap, BTreeSet};

/// Which faults are active.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultState {
    pub(crate) partitions: BTreeSet<(String, String)>,
    pub(crate) isolated: BTreeSet<String>,
    pub(crate) blocks: BTreeSet<(String, String)>,
    pub(crate) loss_links: BTreeMap<(String, String), u8>,
    pub(crate) loss_all: u8,
    pub(crate) drift: BTreeMap<String, f64>,
    pub(crate) interfaces_down: BTreeSet<(String, String)>,
    /// Latency set on a link by a `latency` fault (not undone by `heal`: only another
    /// `latency` fault changes it, as in the world).
    pub(crate) latency_links: BTreeMap<(String, String), std::time::Duration>,
    pub(crate) gateway_cut: BTreeSet<String>,
    /// Powered off (crash): only `restart` brings them back.
    pub(crate) crashed: BTreeSet<String>,
    /// Gracefully stopped: `start` (or `restart`) brings them back.
    pub(crate) stopped: BTreeSet<String>,
}

fn key(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

impl FaultState {
    pub(crate) fn apply(&mut self, action: &FaultAction) {
        use FaultAction::*;
        match action {
            Crash(n) => {
                self.crashed.insert(n.clone());
            }
            Stop(n) => {
                self.stopped.insert(n.clone());
            }
            Restart(n) => {
                self.crashed.remove(n);
                self.stopped.remove(n);
            }
            Start(n) => {
                self.stopped.remove(n);
            }
            Partition(a, b) => {
                self.partitions.insert(key(a, b));
            }
            Isolate(n) => {
                self.isolated.insert(n.clone());
                self.gateway_cut.insert(n.clone());
            }
            Heal(a, b) => {
                self.partitions.remove(&key(a, b));
                self.blocks.remove(&(a.clone(), b.clone()));
                self.blocks.remove(&(b.clone(), a.clone()));
                self.loss_links.remove(&key(a, b));
            }
            HealAll => {
                self.partitions.clear();
                self.isolated.clear();
                self.blocks.clear();
                self.loss_links.clear();
                self.loss_all = 0;
                self.gateway_cut.clear();
            }
            Block { receiver, sender } => {
                self.blocks.insert((receiver.clone(), sender.clone()));
            }
            Unblock { receiver, sender } => {
                self.blocks.remove(&(receiver.clone(), sender.clone()));
            }
            Loss {
                link: None,
                percent,
            } => self.loss_all = *percent,
            Loss {
                link: Some((a, b)),
                percent,
            } => {
                if *percent == 0 {
                    self.loss_links.remove(&key(a, b));
                } else {
                    self.loss_links.insert(key(a, b), *percent);
                }
            }
            Latency { a, b, latency } => {
                self.latency_links.insert(key(a, b), *latency);
            }
            Drift { node, rate } => {
                if *rate == 1.0 {
                    self.drift.remove(node);
                } else {
                    self.drift.insert(node.clone(), *rate);
                }
            }
            InterfaceDown { node, interface } => {
                self.interfaces_down
                    .insert((node.clone(), interface.clone()));
            }
            InterfaceUp { node, interface } => {
                self.interfaces_down
                    .remove(&(node.clone(), interface.clone()));
            }
            GatewayCut(n) => {
                self.gateway_cut.insert(n.clone());
            }
            GatewayRestore(n) => {
                self.gateway_cut.remove(n);
            }
            Script { .. }
            | TrackFile { .. }
            | Reload { .. }
            | BackendDown(_)
            | BackendUp(_)
            | BackendHang(_)
            | BackendSlow { .. }
            | BackendStatus { .. } => {}
        }
    }

    /// Replays every fault event with `t <= until`.
    pub(crate) fn at(events: &[Event], until: std::time::Duration) -> FaultState {
        let mut s = FaultState::default();
        for e in events.iter().take_while(|e| e.t <= until) {
            if let EventKind::Fault(a) = &e.kind {
                s.apply(a);
            }
        }
        s
    }

    /// The node runs no VRRP (crashed or stopped).
    pub(crate) fn is_down(&self, node: &str) -> bool {
        self.crashed.contains(node) || self.stopped.contains(node)
    }

    pub(crate) fn partitioned(&self, a: &str, b: &str) -> bool {
        self.partitions.contains(&key(a, b))
            || self.isolated.contains(a)
            || self.isolated.contains(b)
    }

    pub(crate) fn loss(&self, a: &str, b: &str) -> u8 {
        self.loss_links
            .get(&key(a, b))
            .copied()
            .unwrap_or(0)
            .max(self.loss_all)
    }

    /// The latency a `latency` fault left on the link between `a` and `b`, if any.
    pub(crate) fn fault_latency(&self, a: &str, b: &str) -> Option<std::time::Duration> {
        self.latency_links.get(&key(a, b)).copied()
    }

    /// One of the node's interfaces is down (its VRRP, priority 0 included, may not leave).
    pub(crate) fn interface_down(&self, node: &str) -> bool {
        self.interfaces_down.iter().any(|(n, _)| n == node)
    }

    /// Both hear each other's VRRP reliably (no interface of either is down).
    pub(crate) fn connected(&self, a: &str, b: &str) -> bool {
        !self.interface_down(a)
            && !self.interface_down(b)
            && !self.partitioned(a, b)
            && !self.blocks.contains(&(a.to_string(), b.to_string()))
            && !self.blocks.contains(&(b.to_string(), a.to_string()))
            && self.loss(a, b) == 0
    }

    /// Nothing that bends timing (drift) is active either.
    pub(crate) fn exact(&self) -> bool {
        self.drift.is_empty()
    }
}
