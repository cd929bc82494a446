//! `Node::reload`: a SIGHUP-style configuration change that keeps matched instances' state.
//!
//! keepalived (`reload_vrrp_thread`, `vrrp_exist`): old and new instances are matched by VRID,
//! family, interface and unicast flag. Matched instances keep their state, timers and
//! statistics (a master stays master, only address differences are applied); removed instances
//! resign (priority 0 from a master, addresses removed, INIT with reason `Reload`); new ones
//! start as at boot. Script and track-file results carry over by name; host faults too, unless
//! the driver gives the new set ([`Node::reload_with_host_faults`]).

use super::{Node, NodeConfig};
use crate::Instant;
use crate::vrrp::Instance;
use std::collections::BTreeMap;

impl Node {
    /// Replaces the configuration at `now`, keeping matched instances' state.
    pub fn reload(&mut self, now: Instant, config: NodeConfig) {
        let carried = self.trackers.host_faults.clone();
        self.reload_with_host_faults(now, config, carried);
    }

    /// As [`Node::reload`], with the host faults as the driver knows them for the new
    /// configuration (instance → why), replacing the ones the node had: an instance the reload
    /// adds starts in FAULT when the host cannot run it, never passing through MASTER first.
    pub fn reload_with_host_faults(
        &mut self,
        now: Instant,
        config: NodeConfig,
        host_faults: BTreeMap<String, String>,
    ) {
        let mut next = Node::build(config);
        next.set_host_faults(host_faults);
        for (name, up) in &self.trackers.scripts {
            if let Some(slot) = next.trackers.scripts.get_mut(name) {
                *slot = *up;
            }
        }
        for (name, value) in &self.trackers.files {
            if let Some(slot) = next.trackers.files.get_mut(name) {
                *slot = *value;
            }
        }
        let mut old: Vec<Option<Instance>> = std::mem::take(&mut self.instances)
            .into_iter()
            .map(Some)
            .collect();
        let mut fresh = Vec::new();
        for (i, instance) in next.instances.iter_mut().enumerate() {
            let matched = old
                .iter()
                .position(|o| o.as_ref().is_some_and(|o| instance.matches_for_reload(o)));
            match matched.and_then(|m| old[m].take()) {
                Some(previous) => instance.adopt_state(now, previous),
                None => fresh.push(i),
            }
        }
        // Removed instances resign first, so their addresses go before new ones arrive.
        for mut gone in old.into_iter().flatten() {
            gone.remove(now);
            while let Some(o) = gone.poll_output() {
                self.outputs.push_back(o);
            }
        }
        // A group that stays keeps its notified state: a reload is no transition.
        for group in &mut next.groups {
            if let Some(previous) = self.groups.iter().find(|g| g.name == group.name) {
                group.state = previous.state;
            }
        }
        self.config = next.config;
        self.instances = next.instances;
        self.outputs
            .set_keep(super::idle_outputs(self.instances.len()));
        self.groups = next.groups;
        self.trackers = next.trackers;
        if self.scripts.is_some() {
            // Script runners restart (rise/fall from scratch); their last up/down carried over.
            self.scripts = Some(super::scripts_health(&self.config, now));
            self.pump_scripts(now);
        }
        for i in 0..self.instances.len() {
            self.drain(i);
        }
        let verdicts = self.verdicts();
        for (i, (fault, priority)) in verdicts.into_iter().enumerate() {
            let fresh = fresh.contains(&i);
            self.with_instance(i, |instance| {
                instance.set_effective_priority(priority);
                if fresh {
                    instance.start(now, fault);
                } else {
                    instance.set_fault(now, fault);
                }
            });
        }
        self.reconcile_groups(now);
    }
}
