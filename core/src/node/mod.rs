//! A node: everything one host runs, behind one sans-IO surface.
//!
//! Contract (after quinn-proto and str0m): every input is a `handle_*(now, …)` call; after every
//! input the driver drains [`Node::poll_output`] until `None`, then sleeps until
//! [`Node::poll_timeout`] or the next packet, whichever comes first. `handle_timeout` is safe to
//! call early or twice. Same inputs, same outputs, same order.
//!
//! Received packets are demultiplexed by interface, family (of the IP source), VRID and, when
//! several unicast instances share a VRID on one interface, by the sender being one of their
//! peers. Tracking (interfaces, `vrrp_script`, `vrrp_track_file`) and sync groups are applied
//! here; see [`crate::vrrp::tracking`] for the arithmetic.
//!
//! A driver loop (the daemon's, in outline):
//!
//! ```no_run
//! use vrrplab_core::Instant;
//! use vrrplab_core::node::{Node, NodeConfig, Output, RxMeta};
//!
//! # fn clock() -> Instant { Instant::ZERO }
//! # fn wait_for_packet_until(_: Option<Instant>) -> Option<(RxMeta, Vec<u8>)> { None }
//! # fn send(_: vrrplab_core::node::Transmit) {}
//! let mut node = Node::new(NodeConfig::default(), clock());
//! loop {
//!     while let Some(output) = node.poll_output() {
//!         match output {
//!             Output::Transmit(t) => send(t),
//!             Output::AddAddress(_) | Output::RemoveAddress(_) => { /* netlink */ }
//!             Output::Announce(_) => { /* GARP / unsolicited NA */ }
//!             Output::StateChange(change) => println!("{} -> {}", change.instance, change.to),
//!             Output::Notify(_) => { /* spawn the hook */ }
//!             _ => {}
//!         }
//!     }
//!     match wait_for_packet_until(node.poll_timeout()) {
//!         Some((meta, payload)) => node.handle_packet(clock(), &meta, &payload),
//!         None => node.handle_timeout(clock()),
//!     }
//! }
//! ```

pub mod config;
mod reload;
mod sync;
pub mod tracking;

#[cfg(test)]
mod host_tests;
#[cfg(test)]
mod notify_tests;
#[cfg(test)]
mod tests;

pub use crate::io::{
    AddressChange, Announce, Notify, NotifyEvent, NotifyEventKind, Output, RxMeta, StateChange,
    Transmit,
};
pub use config::{InterfaceInfo, NodeConfig};

use crate::Instant;
use crate::io::OutputQueue;
use crate::vrrp::{Counters, Instance, State, tracking::effective_priority};
use crate::wire::Family;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;
use sync::SyncGroup;
use tracking::TrackerStates;

/// The `vrrp_script` runner for `config`'s scripts, first runs due at `now`.
fn scripts_health(config: &NodeConfig, now: Instant) -> crate::check::Health {
    crate::check::Health::new(
        crate::check::HealthConfig {
            scripts: config.scripts.clone(),
            ..Default::default()
        },
        now,
    )
}

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
    /// Interface.
    pub interface: String,
    /// Advert source / tie-break address.
    pub primary_address: IpAddr,
    /// The master last accepted while BACKUP: (address, priority).
    pub master: Option<(IpAddr, u8)>,
    /// Master_Adver_Interval in use.
    pub master_adver_interval: Duration,
    /// Master_Down_Interval in use.
    pub master_down_interval: Duration,
    /// Accept mode in effect.
    pub accept: bool,
    /// Sync-group member waiting for the others before going MASTER.
    pub wants_master: bool,
    /// Statistics and discard counters.
    pub counters: Counters,
}

/// Packets the node could not give to any instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NodeCounters {
    /// Too short to carry a VRID.
    pub too_short: u64,
    /// No instance for this interface, family and VRID (keepalived `log_unknown_vrids`).
    pub unknown_vrid: u64,
}

/// Everything one host runs. See the module docs for the driver contract.
#[derive(Debug)]
pub struct Node {
    config: NodeConfig,
    instances: Vec<Instance>,
    groups: Vec<SyncGroup>,
    trackers: TrackerStates,
    /// The `vrrp_script` runner (rise/fall, timeouts) once [`Node::run_scripts`] was called;
    /// its transitions feed `trackers`.
    scripts: Option<crate::check::Health>,
    counters: NodeCounters,
    outputs: OutputQueue,
}

impl Node {
    /// Builds the node and starts every instance at `now` (INIT → BACKUP, MASTER for owners,
    /// FAULT when an interface or a weight-0 tracker is down).
    pub fn new(config: NodeConfig, now: Instant) -> Node {
        Node::with_host_faults(config, now, BTreeMap::new())
    }

    /// As [`Node::new`], with the instances the driver already knows it cannot run
    /// (`host_faults`: instance → why, as [`Node::handle_host_fault`] takes them): they start
    /// in FAULT, never passing through MASTER (an owner) or BACKUP first.
    pub fn with_host_faults(
        config: NodeConfig,
        now: Instant,
        host_faults: BTreeMap<String, String>,
    ) -> Node {
        let mut node = Node::build(config);
        node.set_host_faults(host_faults);
        node.start_all(now);
        node
    }

    /// Replaces the host faults with `host_faults`, keeping those of configured instances.
    fn set_host_faults(&mut self, host_faults: BTreeMap<String, String>) {
        let instances = &self.instances;
        self.trackers.host_faults = host_faults
            .into_iter()
            .filter(|(name, _)| instances.iter().any(|i| i.name() == name))
            .collect();
    }

    /// From `now` on, the node runs its `vrrp_script`s itself: it emits
    /// [`Output::StartProbe`] / [`Output::CancelProbe`], takes the driver's answers through
    /// [`Node::handle_probe_result`] and applies rise/fall, timeouts and "still running ⇒
    /// skipped" (`core::check`). Without this call the driver reports script states with
    /// [`Node::handle_script_result`].
    pub fn run_scripts(&mut self, now: Instant) {
        self.scripts = Some(scripts_health(&self.config, now));
        self.pump_scripts(now);
    }

    fn build(config: NodeConfig) -> Node {
        let instances: Vec<Instance> = config
            .instances
            .iter()
            .map(|ic| {
                let primary = config
                    .interfaces
                    .iter()
                    .find(|i| i.name == ic.interface)
                    .and_then(|i| match ic.family {
                        Family::Ipv4 => i.primary_v4,
                        Family::Ipv6 => i.link_local_v6,
                    });
                Instance::new(ic.clone(), primary)
            })
            .collect();
        let instance_count = instances.len();
        let groups = SyncGroup::build(&config.sync_groups, &instances);
        let mut node = Node {
            trackers: TrackerStates::from_config(&config),
            scripts: None,
            config,
            instances,
            groups,
            counters: NodeCounters::default(),
            outputs: OutputQueue::reserved(idle_outputs(instance_count)),
        };
        for g in &node.groups {
            for &m in &g.members {
                node.instances[m].set_sync_gated(true);
            }
        }
        node
    }

    fn start_all(&mut self, now: Instant) {
        let verdicts = self.verdicts();
        // keepalived notifies a group's initial state before its members' (FAULT when a member
        // starts in FAULT, MASTER for a group of owners, else BACKUP).
        for g in 0..self.groups.len() {
            let members = &self.groups[g].members;
            let state = if members.iter().any(|&m| verdicts[m].0.is_some()) {
                State::Fault
            } else if members.iter().all(|&m| self.instances[m].is_owner()) {
                State::Master
            } else {
                State::Backup
            };
            self.enter_group_state(g, state);
        }
        for (i, (fault, priority)) in verdicts.into_iter().enumerate() {
            self.with_instance(i, |instance| {
                instance.set_effective_priority(priority);
                instance.start(now, fault);
            });
        }
        self.reconcile_groups(now);
    }

    // ---- handlers ----

    /// A received VRRP message (IP payload) with its metadata.
    pub fn handle_packet(&mut self, now: Instant, meta: &RxMeta, payload: &[u8]) {
        let Some(&vrid) = payload.get(1) else {
            self.counters.too_short += 1;
            return;
        };
        let Some(index) = self.demux(meta, vrid) else {
            self.counters.unknown_vrid += 1;
            return;
        };
        // Discards are counted inside the instance; nothing else to do with the reason here.
        let _ = self.with_instance(index, |instance| instance.handle_packet(now, meta, payload));
        self.reconcile_groups(now);
    }

    fn demux(&self, meta: &RxMeta, vrid: u8) -> Option<usize> {
        let family = Family::of(&meta.src);
        let candidates: Vec<usize> = self
            .instances
            .iter()
            .enumerate()
            .filter(|(_, inst)| {
                let c = inst.config();
                c.vrid == vrid && c.family == family && c.interface == meta.interface
            })
            .map(|(i, _)| i)
            .collect();
        if candidates.len() <= 1 {
            return candidates.first().copied();
        }
        // Several instances share the VRID on this interface: unicast ones are told apart by
        // their peers, the multicast one by a multicast destination.
        candidates
            .iter()
            .copied()
            .find(|&i| self.instances[i].config().unicast_peers.contains(&meta.src))
            .or_else(|| {
                candidates
                    .iter()
                    .copied()
                    .find(|&i| !self.instances[i].is_unicast() && meta.dst.is_multicast())
            })
            .or(candidates.first().copied())
    }

    /// Timers: call at (or after) `poll_timeout()`; early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        for i in 0..self.instances.len() {
            if self.instances[i].poll_timeout().is_some_and(|t| t <= now) {
                self.with_instance(i, |instance| instance.handle_timeout(now));
            }
        }
        self.reconcile_groups(now);
        if let Some(scripts) = self.scripts.as_mut()
            && scripts.poll_timeout().is_some_and(|t| t <= now)
        {
            scripts.handle_timeout(now);
            self.pump_scripts(now);
        }
    }

    /// The driver's answer to an [`Output::StartProbe`] (a `vrrp_script` run). Late or unknown
    /// results are ignored and counted by the script runner.
    pub fn handle_probe_result(
        &mut self,
        now: Instant,
        id: crate::check::ProbeId,
        result: crate::check::ProbeResult,
    ) {
        if let Some(scripts) = self.scripts.as_mut() {
            scripts.handle_probe_result(now, id, result);
            self.pump_scripts(now);
        }
    }

    /// Moves the script runner's outputs: probes to the driver, transitions into tracking.
    fn pump_scripts(&mut self, now: Instant) {
        while let Some(output) = self.scripts.as_mut().and_then(|s| s.poll_output()) {
            match output {
                crate::check::Output::StartProbe(p) => {
                    self.outputs.push_back(Output::StartProbe(p))
                }
                crate::check::Output::CancelProbe(id) => {
                    self.outputs.push_back(Output::CancelProbe(id))
                }
                crate::check::Output::ScriptResult(r) => {
                    self.handle_script_result(now, &r.script, r.up)
                }
                // Only scripts run here: no pool, quorum or hook outputs.
                _ => {}
            }
        }
    }

    /// An interface went up or down (the instance's own interface ⇒ FAULT; tracked ones by
    /// weight).
    pub fn handle_interface(&mut self, now: Instant, interface: &str, up: bool) {
        self.trackers.interfaces.insert(interface.to_string(), up);
        self.apply_tracking(now);
    }

    /// An interface's state and addresses as the driver sees them now (it appeared, went up or
    /// down, gained or lost its primary IPv4 / link-local IPv6 address). Instances on it send
    /// from the new address (unless `mcast_src_ip` / `unicast_src_ip` is configured) and are in
    /// FAULT while it is down or lacks an address of their family.
    pub fn handle_interface_info(&mut self, now: Instant, info: InterfaceInfo) {
        self.trackers.interfaces.insert(info.name.clone(), info.up);
        for instance in &mut self.instances {
            if instance.config().interface == info.name {
                let address = match instance.config().family {
                    Family::Ipv4 => info.primary_v4,
                    Family::Ipv6 => info.link_local_v6,
                };
                instance.set_primary_address(address);
            }
        }
        match self
            .config
            .interfaces
            .iter_mut()
            .find(|i| i.name == info.name)
        {
            Some(slot) => *slot = info,
            None => self.config.interfaces.push(info),
        }
        self.apply_tracking(now);
    }

    /// The driver cannot run `instance` on this host (`Some(reason)`: no VRRP socket, a virtual
    /// address it could not add, …) or can again (`None`). While a reason stands the instance
    /// is in FAULT: a master sends priority 0 and removes its addresses.
    pub fn handle_host_fault(&mut self, now: Instant, instance: &str, reason: Option<String>) {
        let changed = match reason {
            Some(r) => {
                self.trackers
                    .host_faults
                    .insert(instance.to_string(), r.clone())
                    != Some(r)
            }
            None => self.trackers.host_faults.remove(instance).is_some(),
        };
        if changed {
            self.apply_tracking(now);
        }
    }

    /// A `vrrp_script` result, already filtered by rise/fall (`true` = up).
    pub fn handle_script_result(&mut self, now: Instant, script: &str, success: bool) {
        self.trackers.scripts.insert(script.to_string(), success);
        self.apply_tracking(now);
    }

    /// A `vrrp_track_file` value.
    pub fn handle_track_file(&mut self, now: Instant, name: &str, value: i64) {
        self.trackers.files.insert(name.to_string(), value);
        self.apply_tracking(now);
    }

    /// Graceful stop: masters send priority 0 and remove their addresses; all go INIT.
    pub fn shutdown(&mut self, now: Instant) {
        for i in 0..self.instances.len() {
            self.with_instance(i, |instance| instance.shutdown(now));
        }
        self.reconcile_groups(now);
    }

    /// Zeroes every instance's statistics and the node's counters (keepalived's STATS_CLEAR).
    pub fn clear_counters(&mut self) {
        for i in &mut self.instances {
            i.clear_counters();
        }
        self.counters = NodeCounters::default();
    }

    // ---- getters and polls ----

    /// The configuration this node runs.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// Packets no instance took.
    pub fn counters(&self) -> &NodeCounters {
        &self.counters
    }

    /// The instances themselves (read-only), in configuration order.
    pub fn instance_handles(&self) -> &[Instance] {
        &self.instances
    }

    /// The next output, or `None` when drained.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When `handle_timeout` must be called next, if any timer is armed.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let instances = self.instances.iter().filter_map(|i| i.poll_timeout());
        let scripts = self.scripts.as_ref().and_then(|s| s.poll_timeout());
        instances.chain(scripts).min()
    }

    /// A snapshot of every instance, in configuration order.
    pub fn instances(&self) -> Vec<InstanceStatus> {
        self.instances
            .iter()
            .map(|i| InstanceStatus {
                name: i.name().to_string(),
                vrid: i.config().vrid,
                family: i.config().family,
                state: i.state(),
                effective_priority: i.effective_priority(),
                interface: i.config().interface.clone(),
                primary_address: i.primary_address(),
                master: i.master().map(|m| (m.address, m.priority)),
                master_adver_interval: i.master_adver_interval(),
                master_down_interval: i.master_down_interval(),
                accept: i.accept_mode(),
                wants_master: i.wants_master(),
                counters: *i.counters(),
            })
            .collect()
    }

    // ---- internals ----

    fn drain(&mut self, index: usize) {
        while let Some(o) = self.instances[index].poll_output() {
            self.outputs.push_back(o);
        }
    }

    /// Calls `f` on instance `index` with the node's output queue lent to it: the instance's
    /// outputs land behind the node's in the one queue the driver drains, in order. No
    /// per-instance buffer grows for a burst (a new master's transition, advert, addresses,
    /// GARPs and hooks) only to be given back afterwards: in the daemon those were allocator
    /// calls, with musl `mmap`/`munmap`, between a Master_Down timer firing and the first
    /// advert leaving. Whatever the instance had queued on its own goes first.
    fn with_instance<R>(&mut self, index: usize, f: impl FnOnce(&mut Instance) -> R) -> R {
        self.drain(index);
        let instance = &mut self.instances[index];
        instance.swap_outputs(&mut self.outputs);
        let result = f(instance);
        instance.swap_outputs(&mut self.outputs);
        result
    }

    /// (fault, effective priority) for every instance, sync-group faults propagated.
    fn verdicts(&self) -> Vec<(Option<crate::vrrp::TransitionReason>, u8)> {
        let mut own: Vec<_> = self
            .instances
            .iter()
            .enumerate()
            .map(|(i, inst)| {
                let group = self
                    .groups
                    .iter()
                    .find(|g| g.members.contains(&i))
                    .map(|g| &self.config.sync_groups[g.config_index]);
                let v = tracking::evaluate(&self.config, inst.config(), group, &self.trackers);
                (v.fault, effective_priority(inst.base_priority(), v.delta))
            })
            .collect();
        for g in &self.groups {
            let first_fault = g.members.iter().copied().find(|&m| own[m].0.is_some());
            if let Some(culprit) = first_fault {
                let reason = crate::vrrp::TransitionReason::SyncGroup {
                    group: g.name.clone(),
                    member: self.instances[culprit].name().to_string(),
                };
                for &m in &g.members {
                    if own[m].0.is_none() {
                        own[m].0 = Some(reason.clone());
                    }
                }
            }
        }
        own
    }

    fn apply_tracking(&mut self, now: Instant) {
        let verdicts = self.verdicts();
        for (i, (fault, priority)) in verdicts.into_iter().enumerate() {
            self.with_instance(i, |instance| {
                instance.set_effective_priority(priority);
                instance.set_fault(now, fault);
            });
        }
        self.reconcile_groups(now);
    }
}

/// Outputs a drained node keeps room for: one timer round (an advert per instance) and a few
/// more. A larger peak (start-up, every instance turning master with its GARPs) is given back.
fn idle_outputs(instances: usize) -> usize {
    instances + 16
}
