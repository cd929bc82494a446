//! Shared builders for scenario tests: nodes, pairs, running with the seed in every failure.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use vrrplab_core::node::NodeConfig;
use vrrplab_core::vrrp::InstanceConfig;
use vrrplab_sim::analysis::Analysis;
use vrrplab_sim::report::text;
use vrrplab_sim::{
    Engine, FaultAction, NodeSpec, RunRecord, Scenario, analyse, events_unsupported, run, run_with,
};

/// The VIP every test cluster shares.
pub const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);

/// Seconds.
pub fn s(secs: f64) -> Duration {
    Duration::from_secs_f64(secs)
}

/// One VRRPv2 instance `VI_1`, VRID 51, on eth0, with `priority`.
pub fn instance(priority: u8) -> InstanceConfig {
    let mut i = InstanceConfig::new("VI_1", "eth0", 51, &[IpAddr::V4(VIP)]);
    i.priority = priority;
    i
}

/// A node `name` at 192.0.2.`octet` running `instances`.
pub fn node(name: &str, octet: u8, instances: Vec<InstanceConfig>) -> NodeSpec {
    NodeSpec::new(
        name,
        Ipv4Addr::new(192, 0, 2, octet),
        NodeConfig {
            router_id: name.to_uppercase(),
            instances,
            ..NodeConfig::default()
        },
    )
}

/// Nodes a (.11), b (.12), c (.13)… with these priorities, one instance each.
pub fn cluster(name: &str, priorities: &[u8]) -> Scenario {
    let nodes = priorities
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let n = ((b'a' + k as u8) as char).to_string();
            node(&n, 11 + k as u8, vec![instance(*p)])
        })
        .collect();
    let mut sc = Scenario::new(name, nodes);
    sc.settings.duration = s(40.0);
    sc
}

/// A finished run with everything a test asserts on.
pub struct Outcome {
    pub scenario: Scenario,
    pub record: RunRecord,
    pub analysis: Analysis,
}

impl Outcome {
    /// Context printed with every failed assertion: seed, plan, timeline and summary.
    pub fn ctx(&self) -> String {
        format!(
            "\n--- seed {} (repeat with this seed) ---\n{}",
            self.scenario.settings.seed,
            text::render(&self.scenario, &self.record, &self.analysis)
        )
    }

    /// Timeline + summary, for snapshots.
    pub fn timeline(&self) -> String {
        format!(
            "{}\n{}",
            text::timeline(&self.record).trim_start(),
            text::summary(&self.scenario, &self.analysis)
        )
    }

    /// Times `node` entered MASTER for `vrid`.
    pub fn became_master(&self, node: &str, vrid: u8) -> Vec<f64> {
        self.record
            .events
            .iter()
            .filter(|e| e.node == node)
            .filter_map(|e| match &e.kind {
                vrrplab_sim::observe::EventKind::Transition {
                    vrid: v,
                    to: vrrplab_core::vrrp::State::Master,
                    ..
                } if *v == vrid => Some(e.t.as_secs_f64()),
                _ => None,
            })
            .collect()
    }

    /// The first time after `t` that `node` entered MASTER for VRID 51.
    pub fn master_after(&self, node: &str, t: f64) -> Option<f64> {
        self.became_master(node, 51).into_iter().find(|x| *x > t)
    }

    /// Asserts that no invariant was broken.
    pub fn assert_invariants(&self) {
        assert!(
            self.analysis.violations.is_empty(),
            "invariants broken{}",
            self.ctx()
        );
    }
}

/// Runs a scenario (panics with the seed if the simulation itself fails). When the event
/// engine covers the scenario, the run is repeated in turmoil stepping every tick and the two
/// records must be identical.
pub fn run_scenario(scenario: Scenario) -> Outcome {
    let record = run(&scenario).unwrap_or_else(|e| panic!("{e}"));
    if events_unsupported(&scenario).is_none() {
        assert_same_record(&scenario, &record);
    }
    let analysis = analyse(&scenario, &record);
    Outcome {
        scenario,
        record,
        analysis,
    }
}

/// Runs `scenario` in turmoil stepping every tick and asserts that `record` (the event engine's)
/// is the same, event for event, packet for packet, counter for counter; a difference names the
/// first diverging event.
pub fn assert_same_record(scenario: &Scenario, record: &RunRecord) {
    let stepped = run_with(scenario, Engine::Turmoil).unwrap_or_else(|e| panic!("{e}"));
    if &stepped == record {
        return;
    }
    let first = stepped
        .events
        .iter()
        .zip(&record.events)
        .position(|(a, b)| a != b)
        .unwrap_or(stepped.events.len().min(record.events.len()));
    panic!(
        "seed {}: the engines differ (events {} vs {}, packets {} vs {}, counters {:?} vs {:?}, \
         simulated {:?} vs {:?}); first differing event #{first}:\n  turmoil: {:?}\n  events:  {:?}",
        scenario.settings.seed,
        stepped.events.len(),
        record.events.len(),
        stepped.packets.len(),
        record.packets.len(),
        stepped.counters,
        record.counters,
        stepped.simulated,
        record.simulated,
        stepped.events.get(first),
        record.events.get(first),
    );
}

/// Adds a fault at `secs`.
pub fn at(sc: &mut Scenario, secs: f64, action: FaultAction) {
    sc.faults.push(vrrplab_sim::Fault {
        at: s(secs),
        action,
    });
}

/// Master_Down_Interval of a v2 node with a 1 s interval: 3 + (256 − p)/256 s.
pub fn mdi_v2(priority: u8) -> f64 {
    3.0 + f64::from(256 - u32::from(priority)) / 256.0
}

/// Skew_Time of a v2 node: (256 − p)/256 s.
pub fn skew_v2(priority: u8) -> f64 {
    f64::from(256 - u32::from(priority)) / 256.0
}

/// Tolerance for a 1 ms tick and 1 ms latency: two ticks + latency + 1 ms.
pub const TOL: f64 = 0.004;
