//! `vip-only-on-master`: a node holds a virtual address only while an instance owning it (in
//! the configuration the node runs at that moment) is MASTER.
//!
//! Checked over the observed events, at every instant a node's events leave it consistent: the
//! core emits a state change and the address changes it implies at the same instant, so the
//! rule is judged after the last event of each run of same-time events of one node. A breach
//! is reported once, when it begins.

use super::{Context, violation};
use crate::analysis::Violation;
use crate::fault::FaultAction;
use crate::observe::{Event, EventKind};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use vrrplab_core::node::NodeConfig;
use vrrplab_core::vrrp::State;

/// Instances of `config` owning `vip` (as a virtual or an excluded address).
fn owners<'c>(config: &'c NodeConfig, vip: &IpAddr) -> impl Iterator<Item = &'c str> {
    config
        .instances
        .iter()
        .filter(move |i| {
            i.virtual_addresses
                .iter()
                .chain(&i.excluded_addresses)
                .any(|v| v.address == *vip)
        })
        .map(|i| i.name.as_str())
}

pub(super) fn vip_only_on_master(cx: &Context<'_>) -> Vec<Violation> {
    let events = cx.events();
    let mut configs: BTreeMap<&str, &NodeConfig> = cx
        .scenario
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), &n.config))
        .collect();
    // (node, instance) → state; node → addresses held; (node, address) breached now.
    let mut states: BTreeMap<(&str, &str), State> = BTreeMap::new();
    let mut held: BTreeMap<&str, BTreeSet<IpAddr>> = BTreeMap::new();
    let mut breached: BTreeSet<(&str, IpAddr)> = BTreeSet::new();
    let mut out = Vec::new();
    for (k, e) in events.iter().enumerate() {
        let node = e.node.as_str();
        match &e.kind {
            EventKind::Transition { instance, to, .. } => {
                states.insert((node, instance.as_str()), *to);
            }
            EventKind::VipAdded { address } => {
                held.entry(node).or_default().insert(*address);
            }
            EventKind::VipRemoved { address } => {
                held.entry(node).or_default().remove(address);
            }
            EventKind::Fault(FaultAction::Reload { node, config }) => {
                if let Some(c) = cx.scenario.configs.get(config) {
                    configs.insert(node.as_str(), c);
                }
            }
            _ => {}
        }
        if node.is_empty() || next_is_same_instant(events, k) {
            continue;
        }
        let Some(config) = configs.get(node) else {
            continue;
        };
        for vip in held.get(node).into_iter().flatten() {
            let master =
                owners(config, vip).any(|i| states.get(&(node, i)) == Some(&State::Master));
            if master {
                breached.remove(&(node, *vip));
            } else if breached.insert((node, *vip)) {
                out.push(violation(
                    e.t,
                    "vip-only-on-master",
                    format!("{node} holds VIP {vip} but no instance owning it is MASTER"),
                ));
            }
        }
        // Addresses given up end their breach.
        let now_held = held.get(node);
        breached.retain(|(n, a)| *n != node || now_held.is_some_and(|h| h.contains(a)));
    }
    out
}

/// The next event is of the same node at the same instant.
fn next_is_same_instant(events: &[Event], k: usize) -> bool {
    events
        .get(k + 1)
        .is_some_and(|n| n.t == events[k].t && n.node == events[k].node)
}

#[cfg(test)]
mod tests {
    use crate::observe::{Event, EventKind, PacketCounters};
    use crate::scenario::{NodeSpec, Scenario};
    use crate::world::RunRecord;
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;
    use vrrplab_core::node::NodeConfig;
    use vrrplab_core::vrrp::{InstanceConfig, State};

    const VIP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));

    fn scenario() -> Scenario {
        let i = InstanceConfig::new("VI_1", "eth0", 51, &[VIP]);
        let config = NodeConfig {
            instances: vec![i],
            ..NodeConfig::default()
        };
        Scenario::new(
            "vip",
            vec![NodeSpec::new("a", Ipv4Addr::new(192, 0, 2, 11), config)],
        )
    }

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn to(t: u64, from: State, to: State) -> Event {
        Event {
            t: ms(t),
            node: "a".into(),
            kind: EventKind::Transition {
                instance: "VI_1".into(),
                vrid: 51,
                from,
                to,
                reason: String::new(),
                priority: 100,
            },
        }
    }

    fn vip(t: u64, added: bool) -> Event {
        let kind = if added {
            EventKind::VipAdded { address: VIP }
        } else {
            EventKind::VipRemoved { address: VIP }
        };
        Event {
            t: ms(t),
            node: "a".into(),
            kind,
        }
    }

    fn rules(events: Vec<Event>) -> Vec<(f64, &'static str)> {
        let sc = scenario();
        let run = RunRecord {
            events,
            packets: Vec::new(),
            counters: PacketCounters::default(),
            simulated: ms(10_000),
        };
        let rule = super::super::invariant("vip-only-on-master").unwrap();
        crate::analysis::analyse_with(&sc, &run, std::slice::from_ref(rule))
            .violations
            .iter()
            .map(|v| (v.t, v.rule))
            .collect()
    }

    #[test]
    fn vip_added_and_removed_with_mastership_at_the_same_instant_holds() {
        let events = vec![
            to(0, State::Init, State::Backup),
            to(3_610, State::Backup, State::Master),
            vip(3_610, true),
            vip(5_000, false),
            to(5_000, State::Master, State::Backup),
        ];
        assert!(rules(events).is_empty());
    }

    #[test]
    fn vip_kept_after_leaving_master_is_reported_once_when_it_begins() {
        let events = vec![
            to(0, State::Init, State::Backup),
            to(3_610, State::Backup, State::Master),
            vip(3_610, true),
            to(5_000, State::Master, State::Backup),
            to(6_000, State::Backup, State::Backup),
            vip(7_000, false),
        ];
        assert_eq!(rules(events), vec![(5.0, "vip-only-on-master")]);
    }

    #[test]
    fn vip_added_without_mastership_breaks_the_rule() {
        let events = vec![to(0, State::Init, State::Backup), vip(1_000, true)];
        assert_eq!(rules(events), vec![(1.0, "vip-only-on-master")]);
    }
}
