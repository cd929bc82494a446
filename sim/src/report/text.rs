//! The readable timeline and verdict printed by `vrrplab sim`.

use crate::analysis::Analysis;
use crate::fault::format_duration;
use crate::observe::EventKind;
use crate::scenario::Scenario;
use crate::world::RunRecord;
use std::fmt::Write;
use vrrplab_core::check::PoolAction;
use vrrplab_core::vrrp::Preempt;

fn s(t: std::time::Duration) -> String {
    format!("{:>8.3}s", t.as_secs_f64())
}

/// One line per node and instance: address, router id, VRID, version, priority, interval,
/// preemption, VIPs.
pub fn nodes(scenario: &Scenario) -> String {
    let mut out = String::new();
    for n in &scenario.nodes {
        for i in &n.config.instances {
            let preempt = match i.preempt {
                Preempt::Enabled => "preempt".to_string(),
                Preempt::Disabled => "nopreempt".to_string(),
                Preempt::Delay(d) => format!("preempt_delay {}", format_duration(d)),
            };
            let vips: Vec<String> = i
                .virtual_addresses
                .iter()
                .map(|v| v.address.to_string())
                .collect();
            let _ = writeln!(
                out,
                "  {:<4} {:<12} {:<8} {} vrid {} {} priority {} advert {} {}  VIP {}",
                n.name,
                if scenario.ipv6() {
                    n.link_local().to_string()
                } else {
                    n.address.to_string()
                },
                if n.config.router_id.is_empty() {
                    "-"
                } else {
                    &n.config.router_id
                },
                i.name,
                i.vrid,
                i.version,
                i.priority,
                format_duration(i.advert_interval),
                preempt,
                vips.join(", ")
            );
        }
    }
    out
}

/// The event timeline: faults, state changes with reasons, VIP changes, client ARP updates.
pub fn timeline(run: &RunRecord) -> String {
    let mut out = String::new();
    let mut last: Option<(std::time::Duration, String)> = None;
    // Within one instant of one node, print the state change first and its VIP changes after.
    let mut events: Vec<&crate::observe::Event> = run.events.iter().collect();
    events.sort_by_key(|e| {
        let order = match e.kind {
            EventKind::Fault(_) => 0,
            EventKind::Transition { .. } => 1,
            _ => 2,
        };
        (e.t, order != 0, e.node.clone(), order)
    });
    for e in events {
        let same_line = last
            .as_ref()
            .is_some_and(|(t, n)| *t == e.t && *n == e.node);
        match &e.kind {
            EventKind::Fault(a) => {
                let _ = write!(out, "\n{}  ----  FAULT {a}", s(e.t));
                last = None;
            }
            EventKind::Transition {
                instance,
                from,
                to,
                reason,
                priority,
                ..
            } => {
                let _ = write!(
                    out,
                    "\n{}  {:<4}  {instance} {from} → {to} ({reason}; priority {priority})",
                    s(e.t),
                    e.node
                );
                last = Some((e.t, e.node.clone()));
            }
            EventKind::VipAdded { address } | EventKind::VipRemoved { address } => {
                let sign = if matches!(e.kind, EventKind::VipAdded { .. }) {
                    "+"
                } else {
                    "-"
                };
                if same_line {
                    let _ = write!(out, "  {sign}VIP {address}");
                } else {
                    let _ = write!(out, "\n{}  {:<4}  {sign}VIP {address}", s(e.t), e.node);
                    last = Some((e.t, e.node.clone()));
                }
            }
            EventKind::Priority {
                instance, priority, ..
            } => {
                let _ = write!(
                    out,
                    "\n{}  {:<4}  {instance} effective priority now {priority}",
                    s(e.t),
                    e.node
                );
                last = None;
            }
            EventKind::ClientArp { address } => {
                let (cache, message) = if address.is_ipv6() {
                    ("neighbour cache", "unsolicited NA")
                } else {
                    ("ARP", "GARP")
                };
                let _ = write!(
                    out,
                    "\n{}  client {cache}: {address} is at {} ({message})",
                    s(e.t),
                    e.node
                );
                last = None;
            }
            EventKind::Violation(m) => {
                let _ = write!(out, "\n{}  {:<4}  VIOLATION {m}", s(e.t), e.node);
                last = None;
            }
            EventKind::Checker {
                virtual_server,
                real_server,
                up,
                reason,
            } => {
                let state = if *up {
                    "up".to_string()
                } else {
                    format!("down ({reason})")
                };
                let _ = write!(
                    out,
                    "\n{}  {:<4}  [{virtual_server}] checker {real_server} {state}",
                    s(e.t),
                    e.node
                );
                last = None;
            }
            EventKind::RealServer {
                virtual_server,
                address,
                sorry_server,
                action,
            } => {
                let what = if *sorry_server {
                    "sorry server"
                } else {
                    "real server"
                };
                let change = match action {
                    PoolAction::Add { weight } => format!("+{what} {address} weight {weight}"),
                    PoolAction::Reweight { weight } => format!("{what} {address} weight {weight}"),
                    PoolAction::Remove => format!("-{what} {address}"),
                };
                let _ = write!(
                    out,
                    "\n{}  {:<4}  [{virtual_server}] {change}",
                    s(e.t),
                    e.node
                );
                last = None;
            }
            EventKind::Quorum {
                virtual_server,
                up,
                live_weight,
            } => {
                let _ = write!(
                    out,
                    "\n{}  {:<4}  [{virtual_server}] quorum {} (live weight {live_weight})",
                    s(e.t),
                    e.node,
                    if *up { "gained" } else { "lost" }
                );
                last = None;
            }
        }
    }
    out.push('\n');
    out
}

/// Split-brain intervals, failovers, invariants, counters and the verdict.
pub fn summary(scenario: &Scenario, a: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "split-brain");
    if a.split_brain.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for sb in &a.split_brain {
        let end = match sb.end {
            Some(e) => format!("{e:.3}s ({:.3}s)", e - sb.start),
            None => "end of run (not healed)".to_string(),
        };
        let vips: Vec<String> = sb.vips.iter().map(|v| v.to_string()).collect();
        let _ = writeln!(
            out,
            "  VRID {}  {:.3}s – {end}  masters {}  VIP {}",
            sb.vrid,
            sb.start,
            sb.nodes.join(" + "),
            vips.join(", ")
        );
        let _ = writeln!(out, "    cause: {}", sb.cause);
        if !sb.client_reached.is_empty() {
            let _ = writeln!(
                out,
                "    client traffic to the VIP went to: {}",
                sb.client_reached.join(", then ")
            );
        }
    }
    if a.handover_overlaps > 0 {
        let _ = writeln!(
            out,
            "  ({} brief overlap(s) shorter than one advert interval during handovers, not counted)",
            a.handover_overlaps
        );
    }
    let _ = writeln!(out, "failovers");
    if a.failovers.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in &a.failovers {
        let _ = writeln!(
            out,
            "  {:>8.3}s  VRID {}  {} → {}  gap {:.3}s",
            f.t, f.vrid, f.from, f.to, f.gap_s
        );
    }
    let _ = writeln!(out, "invariants");
    if a.violations.is_empty() {
        let _ = writeln!(
            out,
            "  all hold (single master when connected and stable, expected master, takeover \
             within Master_Down_Interval / Skew_Time, preempt bounds, heal within one advert, \
             no steady-state flap, VIP only on MASTER, gateway arbitration; tolerance {})",
            format_duration(a.tolerance)
        );
    }
    for v in &a.violations {
        let _ = writeln!(out, "  {:>8.3}s  [{}] {}", v.t, v.rule, v.message);
    }
    let c = &a.counters;
    let _ = writeln!(
        out,
        "packets: {} VRRP sent, {} delivered, {} dropped by firewall blocks, {} lost, {} \
         dropped on a down interface; {} {}",
        c.sent,
        c.delivered,
        c.dropped_block,
        c.dropped_loss,
        c.dropped_interface_down,
        c.garps,
        if scenario.ipv6() {
            "unsolicited NAs"
        } else {
            "gratuitous ARPs"
        }
    );
    let finals: Vec<String> = a
        .final_masters
        .iter()
        .map(|(v, m)| {
            format!(
                "VRID {v}: {}",
                if m.is_empty() {
                    "none".to_string()
                } else {
                    m.join(" + ")
                }
            )
        })
        .collect();
    let _ = writeln!(out, "masters at the end: {}", finals.join("; "));
    let e = &scenario.expect;
    let mut expected: Vec<String> = Vec::new();
    match e.split_brain {
        Some(true) => expected.push("a split-brain occurs".into()),
        Some(false) => expected.push("no split-brain".into()),
        None => {}
    }
    if e.split_brain_heals == Some(true) {
        expected.push("every split-brain heals".into());
    }
    for (vrid, node) in &e.final_master {
        expected.push(format!("{node} is master of VRID {vrid} at the end"));
    }
    if let Some(max) = e.max_failover_gap {
        expected.push(format!("failover gaps ≤ {}", format_duration(max)));
    }
    if !expected.is_empty() {
        let _ = writeln!(
            out,
            "expected: {} — {}",
            expected.join("; "),
            if a.expectation_failures.is_empty() {
                "all met"
            } else {
                "NOT met"
            }
        );
    }
    for f in &a.expectation_failures {
        let _ = writeln!(out, "expectation failed: {f}");
    }
    let verdict = if a.passed(scenario) { "PASS" } else { "FAIL" };
    let _ = writeln!(
        out,
        "verdict: {verdict} — {} split-brain interval(s), {} failover(s), {} invariant violation(s), {} expectation(s) failed (seed {})",
        a.split_brain.len(),
        a.failovers.len(),
        a.violations.len(),
        a.expectation_failures.len(),
        scenario.settings.seed
    );
    out
}

/// Header + nodes + timeline + summary, as `vrrplab sim` prints it.
pub fn render(scenario: &Scenario, run: &RunRecord, a: &Analysis) -> String {
    let st = &scenario.settings;
    let mut out = String::new();
    let _ = writeln!(out, "vrrplab sim — {}", scenario.name);
    if !scenario.description.is_empty() {
        let _ = writeln!(out, "{}", scenario.description);
    }
    let _ = writeln!(
        out,
        "seed {} · {} simulated · tick {} · latency {}–{}",
        st.seed,
        format_duration(run.simulated),
        format_duration(st.tick),
        format_duration(st.min_latency),
        format_duration(st.max_latency)
    );
    let _ = writeln!(out, "\nnodes");
    out.push_str(&nodes(scenario));
    let _ = write!(out, "\ntimeline");
    out.push_str(&timeline(run));
    out.push('\n');
    out.push_str(&summary(scenario, a));
    out
}
