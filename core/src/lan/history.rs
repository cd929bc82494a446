//! What happened on a [`super::Lan`], with timestamps, for assertions after the run (the str0m
//! test style): state transitions with reasons, address changes, adverts, faults injected.

use crate::Instant;
use crate::vrrp::{State, TransitionReason};
use std::collections::BTreeSet;
use std::net::IpAddr;

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// When.
    pub at: Instant,
    /// Which host (index in the Lan).
    pub node: usize,
    /// What.
    pub event: Event,
}

/// Kinds of events.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
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
        /// Why.
        reason: TransitionReason,
        /// Effective priority.
        priority: u8,
    },
    /// An advert was transmitted.
    Advert {
        /// VRID.
        vrid: u8,
        /// Advertised priority.
        priority: u8,
        /// Destination.
        dst: IpAddr,
    },
    /// An address was added.
    AddressAdded {
        /// Instance name.
        instance: String,
        /// The address.
        address: IpAddr,
    },
    /// An address was removed.
    AddressRemoved {
        /// Instance name.
        instance: String,
        /// The address.
        address: IpAddr,
    },
    /// A GARP / unsolicited NA.
    Announce {
        /// The announced address.
        address: IpAddr,
    },
    /// A notify hook.
    Notify {
        /// Command line.
        command: String,
    },
    /// The host crashed (its addresses count as gone).
    Crashed,
    /// The host (re)started.
    Started,
    /// The host stopped gracefully.
    Stopped,
}

/// Every event, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    records: Vec<Record>,
}

impl History {
    /// Appends a record.
    pub fn push(&mut self, at: Instant, node: usize, event: Event) {
        self.records.push(Record { at, node, event });
    }

    /// Every record.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Transitions only: (at, node, instance, from, to, reason).
    pub fn transitions(&self) -> Vec<(Instant, usize, &str, State, State, &TransitionReason)> {
        self.records
            .iter()
            .filter_map(|r| match &r.event {
                Event::Transition {
                    instance,
                    from,
                    to,
                    reason,
                    ..
                } => Some((r.at, r.node, instance.as_str(), *from, *to, reason)),
                _ => None,
            })
            .collect()
    }

    /// Adverts sent by `node` for `vrid`: (at, priority).
    pub fn adverts(&self, node: usize, vrid: u8) -> Vec<(Instant, u8)> {
        self.records
            .iter()
            .filter(|r| r.node == node)
            .filter_map(|r| match r.event {
                Event::Advert {
                    vrid: v, priority, ..
                } if v == vrid => Some((r.at, priority)),
                _ => None,
            })
            .collect()
    }

    /// Announcements sent by `node`, with their instants.
    pub fn announces(&self, node: usize) -> Vec<Instant> {
        self.records
            .iter()
            .filter(|r| r.node == node && matches!(r.event, Event::Announce { .. }))
            .map(|r| r.at)
            .collect()
    }

    /// Hosts holding `address` right after every event up to and including `at`.
    pub fn holders_at(&self, address: IpAddr, at: Instant) -> BTreeSet<usize> {
        let mut holders = BTreeSet::new();
        for r in self.records.iter().take_while(|r| r.at <= at) {
            match &r.event {
                Event::AddressAdded { address: a, .. } if *a == address => {
                    holders.insert(r.node);
                }
                Event::AddressRemoved { address: a, .. } if *a == address => {
                    holders.remove(&r.node);
                }
                Event::Crashed => {
                    holders.remove(&r.node);
                }
                _ => {}
            }
        }
        holders
    }

    /// The first instant at or after `from` when `node` entered `state` for `instance`.
    pub fn first_entry(
        &self,
        node: usize,
        instance: &str,
        state: State,
        from: Instant,
    ) -> Option<Instant> {
        self.transitions()
            .into_iter()
            .find(|t| t.0 >= from && t.1 == node && t.2 == instance && t.4 == state)
            .map(|t| t.0)
    }

    /// Human-readable timeline: transitions, crashes, stops and restarts, one per line.
    pub fn timeline(&self, names: &[String]) -> String {
        let mut out = String::new();
        for r in &self.records {
            let line = match &r.event {
                Event::Transition {
                    instance,
                    from,
                    to,
                    reason,
                    ..
                } => format!("{instance}: {from} -> {to} ({reason})"),
                Event::Crashed => "crashed".to_string(),
                Event::Stopped => "stopped".to_string(),
                Event::Started => "started".to_string(),
                _ => continue,
            };
            let name = names.get(r.node).map(String::as_str).unwrap_or("?");
            let at = r.at.to_string();
            out.push_str(&format!("{at:>10} {name} {line}\n"));
        }
        out
    }
}
