//! Machine-readable result of a run (`vrrplab sim --json`).
//!
//! Schema (stable keys): `{"scenario", "seed", "duration_s", "tick_s", "faults": [{"t",
//! "action"}], "transitions": [{"t", "node", "instance", "vrid", "from", "to", "reason",
//! "priority"}], "split_brain": [{"start", "end", "vrid", "nodes", "vips", "cause",
//! "client_reached"}], "failovers": [{"t", "vrid", "from", "to", "gap_s"}], "violations":
//! [{"t", "rule", "message"}], "expectation_failures": [..], "final_masters": {"51": [..]},
//! "real_servers": [{"t", "node", "virtual_server", "address", "sorry_server", "action"
//! ("add"|"weight"|"remove"), "weight"}], "checkers": [{"t", "node", "virtual_server",
//! "real_server", "up", "reason"}], "quorum": [{"t", "node", "virtual_server", "up",
//! "live_weight"}], "packets": {..}, "verdict": "PASS"|"FAIL"}`.

use crate::analysis::Analysis;
use crate::observe::EventKind;
use crate::scenario::Scenario;
use crate::world::RunRecord;
use serde_json::{Value, json};
use vrrplab_core::check::PoolAction;

/// The JSON document for one run.
pub fn render(scenario: &Scenario, run: &RunRecord, a: &Analysis) -> Value {
    let mut transitions = Vec::new();
    let mut faults = Vec::new();
    let mut real_servers = Vec::new();
    let mut checkers = Vec::new();
    let mut quorum = Vec::new();
    for e in &run.events {
        match &e.kind {
            EventKind::Transition {
                instance,
                vrid,
                from,
                to,
                reason,
                priority,
            } => transitions.push(json!({
                "t": e.t.as_secs_f64(),
                "node": e.node,
                "instance": instance,
                "vrid": vrid,
                "from": from.name(),
                "to": to.name(),
                "reason": reason,
                "priority": priority,
            })),
            EventKind::Fault(action) => faults.push(json!({
                "t": e.t.as_secs_f64(),
                "action": action.to_string(),
            })),
            EventKind::RealServer {
                virtual_server,
                address,
                sorry_server,
                action,
            } => {
                let (change, weight) = match action {
                    PoolAction::Add { weight } => ("add", Some(*weight)),
                    PoolAction::Reweight { weight } => ("weight", Some(*weight)),
                    PoolAction::Remove => ("remove", None),
                };
                real_servers.push(json!({
                    "t": e.t.as_secs_f64(),
                    "node": e.node,
                    "virtual_server": virtual_server,
                    "address": address.to_string(),
                    "sorry_server": sorry_server,
                    "action": change,
                    "weight": weight,
                }));
            }
            EventKind::Checker {
                virtual_server,
                real_server,
                up,
                reason,
            } => checkers.push(json!({
                "t": e.t.as_secs_f64(),
                "node": e.node,
                "virtual_server": virtual_server,
                "real_server": real_server.to_string(),
                "up": up,
                "reason": reason,
            })),
            EventKind::Quorum {
                virtual_server,
                up,
                live_weight,
            } => quorum.push(json!({
                "t": e.t.as_secs_f64(),
                "node": e.node,
                "virtual_server": virtual_server,
                "up": up,
                "live_weight": live_weight,
            })),
            _ => {}
        }
    }
    let final_masters: serde_json::Map<String, Value> = a
        .final_masters
        .iter()
        .map(|(v, m)| (v.to_string(), json!(m)))
        .collect();
    json!({
        "scenario": scenario.name,
        "seed": scenario.settings.seed,
        "duration_s": run.simulated.as_secs_f64(),
        "tick_s": scenario.settings.tick.as_secs_f64(),
        "faults": faults,
        "transitions": transitions,
        "split_brain": a.split_brain,
        "failovers": a.failovers,
        "violations": a.violations,
        "expectation_failures": a.expectation_failures,
        "final_masters": final_masters,
        "real_servers": real_servers,
        "checkers": checkers,
        "quorum": quorum,
        "packets": a.counters,
        "verdict": if a.passed(scenario) { "PASS" } else { "FAIL" },
    })
}
