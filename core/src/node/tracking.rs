//! Node-level tracking: the live state of interfaces, scripts and track files, and what it
//! means for each instance (FAULT or a priority delta), including sync-group rules.
//!
//! keepalived rules applied here: a member of a sync group ignores *weighted* trackers unless
//! the group sets `sync_group_tracking_weight` (weight-0 trackers still cause FAULT); a group's
//! own `track_*` blocks apply to every member; an owner's priority never changes.
//!
//! `dont_track_primary` only stops the instance's own interface going down (and up) from
//! mattering while the interface exists. An instance whose interface does not exist has no
//! socket to advertise from and is in FAULT whatever it says (keepalived 2.2.7 leaves such an
//! instance in a BACKUP that never times out; see docs/keepalived-host.md).

use crate::vrrp::tracking::{
    Contribution, file_contribution, interface_contribution, script_contribution,
};
use crate::vrrp::{InstanceConfig, SyncGroupConfig, TrackRef, TrackedInterface, TransitionReason};
use std::collections::BTreeMap;

use super::NodeConfig;

/// Live tracker inputs, keyed by name (BTreeMap: deterministic).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackerStates {
    /// Interface name → up.
    pub interfaces: BTreeMap<String, bool>,
    /// Script name → up (after rise/fall).
    pub scripts: BTreeMap<String, bool>,
    /// Track file name → last value.
    pub files: BTreeMap<String, i64>,
    /// Instance name → why the driver cannot run it on this host (FAULT while present).
    pub host_faults: BTreeMap<String, String>,
}

impl TrackerStates {
    /// Initial states: interfaces as configured, scripts up unless `init_fail`, files 0.
    pub fn from_config(config: &NodeConfig) -> TrackerStates {
        TrackerStates {
            interfaces: config
                .interfaces
                .iter()
                .map(|i| (i.name.clone(), i.up))
                .collect(),
            scripts: config
                .scripts
                .iter()
                .map(|s| (s.name.clone(), !s.init_fail))
                .collect(),
            files: config
                .track_files
                .iter()
                .map(|f| (f.name.clone(), 0))
                .collect(),
            host_faults: BTreeMap::new(),
        }
    }

    fn interface_up(&self, name: &str) -> bool {
        // An interface the driver never told us about is assumed up.
        self.interfaces.get(name).copied().unwrap_or(true)
    }
}

/// The tracking verdict for one instance, before sync-group fault propagation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Why the instance must be in FAULT, if it must.
    pub fault: Option<TransitionReason>,
    /// Sum of the weighted trackers' deltas.
    pub delta: i32,
}

struct Acc<'a> {
    weights_count: bool,
    fault: Option<TransitionReason>,
    delta: i32,
    config: &'a NodeConfig,
}

impl Acc<'_> {
    fn add(&mut self, contribution: Contribution, reason: impl FnOnce() -> TransitionReason) {
        match contribution {
            Contribution::Fault => {
                if self.fault.is_none() {
                    self.fault = Some(reason());
                }
            }
            Contribution::Delta(d) => {
                if self.weights_count {
                    self.delta = self.delta.saturating_add(d);
                }
            }
        }
    }

    fn interfaces(&mut self, list: &[TrackedInterface], states: &TrackerStates) {
        for t in list {
            let up = states.interface_up(&t.name) != t.reverse;
            self.add(interface_contribution(t.weight, up), || {
                TransitionReason::InterfaceDown {
                    interface: t.name.clone(),
                }
            });
        }
    }

    fn scripts(&mut self, list: &[TrackRef], states: &TrackerStates) {
        for r in list {
            let Some(script) = self.config.scripts.iter().find(|s| s.name == r.name) else {
                continue;
            };
            let weight = r.weight.unwrap_or(script.weight);
            let up = states.scripts.get(&r.name).copied().unwrap_or(true);
            self.add(script_contribution(weight, script.reverse, up), || {
                TransitionReason::TrackerFailed {
                    tracker: r.name.clone(),
                }
            });
        }
    }

    fn files(&mut self, list: &[TrackRef], states: &TrackerStates) {
        for r in list {
            let Some(file) = self.config.track_files.iter().find(|f| f.name == r.name) else {
                continue;
            };
            let weight = r.weight.unwrap_or(file.weight);
            let value = states.files.get(&r.name).copied().unwrap_or(0);
            self.add(file_contribution(weight, file.reverse, value), || {
                TransitionReason::TrackerFailed {
                    tracker: r.name.clone(),
                }
            });
        }
    }
}

/// True when the driver told us about the instance's interface and it has no address of the
/// instance's family to send from, and the configuration names none (keepalived refuses to run
/// such an instance: "entering FAULT state (no IPv4 address for interface)").
fn lacks_source_address(config: &NodeConfig, instance: &InstanceConfig) -> bool {
    if instance.source_address.is_some() {
        return false;
    }
    config
        .interfaces
        .iter()
        .find(|i| i.name == instance.interface)
        .is_some_and(|i| match instance.family {
            crate::wire::Family::Ipv4 => i.primary_v4.is_none(),
            crate::wire::Family::Ipv6 => i.link_local_v6.is_none(),
        })
}

/// True when the driver told us the instance's interface does not exist on the host.
fn interface_absent(config: &NodeConfig, instance: &InstanceConfig) -> bool {
    config
        .interfaces
        .iter()
        .any(|i| i.name == instance.interface && !i.exists)
}

/// Evaluates every tracker of `instance` (and of its sync `group`, if any).
pub fn evaluate(
    config: &NodeConfig,
    instance: &InstanceConfig,
    group: Option<&SyncGroupConfig>,
    states: &TrackerStates,
) -> Verdict {
    let mut acc = Acc {
        weights_count: group.is_none_or(|g| g.tracking_weight),
        fault: None,
        delta: 0,
        config,
    };
    if !instance.dont_track_primary && !states.interface_up(&instance.interface) {
        acc.fault = Some(TransitionReason::InterfaceDown {
            interface: instance.interface.clone(),
        });
    } else if interface_absent(config, instance) {
        acc.fault = Some(TransitionReason::InterfaceAbsent {
            interface: instance.interface.clone(),
        });
    } else if lacks_source_address(config, instance) {
        acc.fault = Some(TransitionReason::NoSourceAddress {
            interface: instance.interface.clone(),
            family: instance.family,
        });
    } else if let Some(reason) = states.host_faults.get(&instance.name) {
        acc.fault = Some(TransitionReason::HostFault {
            reason: reason.clone(),
        });
    }
    acc.interfaces(&instance.track_interfaces, states);
    acc.scripts(&instance.track_scripts, states);
    acc.files(&instance.track_files, states);
    if let Some(g) = group {
        acc.interfaces(&g.track_interfaces, states);
        acc.scripts(&g.track_scripts, states);
        acc.files(&g.track_files, states);
    }
    Verdict {
        fault: acc.fault,
        delta: acc.delta,
    }
}
