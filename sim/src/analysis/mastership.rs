//! Who was master of each VRID when: split-brain intervals, handover overlaps, failovers.

use super::causes;
use crate::observe::EventKind;
use crate::scenario::Scenario;
use crate::world::RunRecord;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::vrrp::State;

/// Two or more nodes MASTER for one VRID for longer than one advert interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitBrain {
    /// Start (seconds).
    pub start: f64,
    /// End (seconds), `None` while still split at the end of the run.
    pub end: Option<f64>,
    /// VRID.
    pub vrid: u8,
    /// Every node that was master during the interval.
    pub nodes: Vec<String>,
    /// The VIPs of the VRID.
    pub vips: Vec<IpAddr>,
    /// Why the masters did not hear each other.
    pub cause: String,
    /// Where the client's ARP cache pointed the VIPs during the interval, in time order
    /// (`"b from 38.226s"`), following the GARPs it heard.
    pub client_reached: Vec<String>,
}

/// The master of a VRID moved from one node to another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failover {
    /// When the new master took over (seconds).
    pub t: f64,
    /// VRID.
    pub vrid: u8,
    /// Previous master.
    pub from: String,
    /// New master.
    pub to: String,
    /// Time without any master (0 when the new one took over before the old one left).
    pub gap_s: f64,
}

pub(crate) struct Mastership {
    pub(crate) split_brain: Vec<SplitBrain>,
    pub(crate) handover_overlaps: usize,
    pub(crate) failovers: Vec<Failover>,
    pub(crate) final_masters: BTreeMap<u8, Vec<String>>,
    pub(crate) master_entries: BTreeMap<String, usize>,
    /// Per VRID: (time, masters after the change), every change.
    pub(crate) history: BTreeMap<u8, Vec<(Duration, BTreeSet<String>)>>,
}

/// The longest advert interval configured for `vrid`.
pub(crate) fn advert_interval(scenario: &Scenario, vrid: u8) -> Duration {
    scenario
        .nodes
        .iter()
        .flat_map(|n| &n.config.instances)
        .filter(|i| i.vrid == vrid)
        .map(|i| i.advert_interval)
        .max()
        .unwrap_or(Duration::from_secs(1))
}

fn vips(scenario: &Scenario, vrid: u8) -> Vec<IpAddr> {
    let mut v: Vec<IpAddr> = scenario
        .nodes
        .iter()
        .flat_map(|n| &n.config.instances)
        .filter(|i| i.vrid == vrid)
        .flat_map(|i| i.virtual_addresses.iter().map(|a| a.address))
        .collect();
    v.sort();
    v.dedup();
    v
}

struct Open {
    start: Duration,
    nodes: BTreeSet<String>,
    /// Where the client's ARP entry pointed, in time order (consecutive repeats collapsed).
    arp: Vec<(Duration, String)>,
}

pub(crate) fn mastership(scenario: &Scenario, run: &RunRecord) -> Mastership {
    let mut masters: BTreeMap<u8, BTreeSet<String>> = BTreeMap::new();
    let mut since: BTreeMap<(u8, String), Duration> = BTreeMap::new();
    let mut current: BTreeMap<u8, String> = BTreeMap::new();
    let mut lost: BTreeMap<u8, (String, Duration)> = BTreeMap::new();
    let mut open: BTreeMap<u8, Open> = BTreeMap::new();
    let mut arp: BTreeMap<IpAddr, String> = BTreeMap::new();
    let mut out = Mastership {
        split_brain: Vec::new(),
        handover_overlaps: 0,
        failovers: Vec::new(),
        final_masters: BTreeMap::new(),
        master_entries: BTreeMap::new(),
        history: BTreeMap::new(),
    };
    let close = |out: &mut Mastership, vrid: u8, o: Open, end: Option<Duration>| {
        let length = end.unwrap_or(run.simulated).saturating_sub(o.start);
        if end.is_some() && length < advert_interval(scenario, vrid) {
            out.handover_overlaps += 1;
            return;
        }
        let nodes: Vec<String> = o.nodes.into_iter().collect();
        out.split_brain.push(SplitBrain {
            start: o.start.as_secs_f64(),
            end: end.map(|e| e.as_secs_f64()),
            vrid,
            cause: causes::cause(scenario, &run.events, o.start, vrid, &nodes),
            nodes,
            vips: vips(scenario, vrid),
            client_reached: o
                .arp
                .into_iter()
                .map(|(t, n)| format!("{n} from {:.3}s", t.as_secs_f64()))
                .collect(),
        });
    };
    for e in &run.events {
        match &e.kind {
            EventKind::ClientArp { address } => {
                arp.insert(*address, e.node.clone());
                for (vrid, o) in open.iter_mut() {
                    if vips(scenario, *vrid).contains(address)
                        && o.arp.last().map(|(_, n)| n) != Some(&e.node)
                    {
                        o.arp.push((e.t, e.node.clone()));
                    }
                }
                continue;
            }
            EventKind::Transition { vrid, from, to, .. } => {
                let set = masters.entry(*vrid).or_default();
                let before = set.clone();
                if *to == State::Master {
                    set.insert(e.node.clone());
                    since.insert((*vrid, e.node.clone()), e.t);
                    *out.master_entries.entry(e.node.clone()).or_default() += 1;
                } else if *from == State::Master {
                    set.remove(&e.node);
                }
                if *set == before {
                    continue;
                }
                let set = set.clone();
                out.history
                    .entry(*vrid)
                    .or_default()
                    .push((e.t, set.clone()));
                // split-brain bookkeeping
                if set.len() >= 2 {
                    let o = open.entry(*vrid).or_insert_with(|| Open {
                        start: e.t,
                        nodes: BTreeSet::new(),
                        arp: vips(scenario, *vrid)
                            .iter()
                            .filter_map(|v| arp.get(v).cloned())
                            .take(1)
                            .map(|n| (e.t, n))
                            .collect(),
                    });
                    o.nodes.extend(set.iter().cloned());
                } else if let Some(o) = open.remove(vrid) {
                    close(&mut out, *vrid, o, Some(e.t));
                }
                // failover bookkeeping
                match set.len() {
                    0 => {
                        if let Some(x) = current.remove(vrid) {
                            lost.insert(*vrid, (x, e.t));
                        }
                    }
                    1 => {
                        let y = set.iter().next().cloned().unwrap_or_default();
                        let became = since.get(&(*vrid, y.clone())).copied().unwrap_or(e.t);
                        match current.get(vrid).cloned() {
                            Some(x) if x != y => out.failovers.push(Failover {
                                t: became.as_secs_f64(),
                                vrid: *vrid,
                                from: x,
                                to: y.clone(),
                                gap_s: 0.0,
                            }),
                            Some(_) => {}
                            None => {
                                if let Some((x, at)) = lost.remove(vrid)
                                    && x != y
                                {
                                    out.failovers.push(Failover {
                                        t: became.as_secs_f64(),
                                        vrid: *vrid,
                                        from: x,
                                        to: y.clone(),
                                        gap_s: became.saturating_sub(at).as_secs_f64(),
                                    });
                                }
                            }
                        }
                        current.insert(*vrid, y);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    for (vrid, o) in std::mem::take(&mut open) {
        close(&mut out, vrid, o, None);
    }
    out.split_brain
        .sort_by(|a, b| a.start.total_cmp(&b.start).then(a.vrid.cmp(&b.vrid)));
    out.final_masters = masters
        .into_iter()
        .map(|(v, s)| (v, s.into_iter().collect()))
        .collect();
    out
}
