//! `gateway`: a node cut off from the gateway stops holding the VIP once its (weight 0)
//! gateway script had time to fail, and does not take it again until the gateway is back.

use super::{Context, secs, violation};
use crate::analysis::Violation;
use crate::fault::FaultAction;
use crate::observe::{Event, EventKind};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

/// The addresses `node` holds after its events before `until`.
fn held(events: &[Event], node: &str, until: Duration) -> BTreeSet<IpAddr> {
    let mut s = BTreeSet::new();
    for e in events.iter().filter(|e| e.node == node && e.t < until) {
        match &e.kind {
            EventKind::VipAdded { address } => {
                s.insert(*address);
            }
            EventKind::VipRemoved { address } => {
                s.remove(address);
            }
            _ => {}
        }
    }
    s
}

pub(super) fn gateway(cx: &Context<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let events = cx.events();
    for vrid in cx.vrids() {
        for (t, action) in &cx.faults {
            let t = *t;
            let (FaultAction::GatewayCut(x) | FaultAction::Isolate(x)) = action else {
                continue;
            };
            let Some(spec) = cx.scenario.node(x) else {
                continue;
            };
            let Some(script) = spec
                .gateway_script
                .as_ref()
                .and_then(|g| spec.config.scripts.iter().find(|s| &s.name == g))
            else {
                continue;
            };
            if !cx.scenario.gateway || script.weight != 0 {
                continue;
            }
            let restored = cx
                .faults
                .iter()
                .find(|(ft, a)| {
                    *ft > t
                        && (matches!(a, FaultAction::GatewayRestore(n) if n == x)
                            || matches!(a, FaultAction::HealAll))
                })
                .map(|(ft, _)| *ft)
                .unwrap_or(cx.run.simulated);
            // Each failing run may cost interval + timeout (a timed-out run makes the next
            // start be skipped), and the first run may have just started.
            let grace =
                (script.interval + script.timeout) * script.fall + script.interval + cx.tolerance;
            let check_from = t + grace;
            if check_from >= restored {
                continue;
            }
            let mut holding: BTreeSet<IpAddr> = BTreeSet::new();
            let mut reported = false;
            for e in events.iter().filter(|e| e.node == *x && e.t < restored) {
                match &e.kind {
                    EventKind::VipAdded { address } => {
                        holding.insert(*address);
                    }
                    EventKind::VipRemoved { address } => {
                        holding.remove(address);
                    }
                    _ => {}
                }
                if !reported && e.t >= check_from && !holding.is_empty() {
                    reported = true;
                    out.push(violation(
                        e.t,
                        "gateway",
                        format!(
                            "{x} holds {:?} at {} although it cannot reach the gateway since {}",
                            holding,
                            secs(e.t),
                            secs(t)
                        ),
                    ));
                }
            }
            let still = held(events, x, check_from);
            if !reported && !still.is_empty() && vrid == spec.config.instances[0].vrid {
                out.push(violation(
                    check_from,
                    "gateway",
                    format!(
                        "{x} still holds {:?} {} after losing the gateway at {}",
                        still,
                        secs(grace),
                        secs(t)
                    ),
                ));
            }
        }
    }
    out
}
