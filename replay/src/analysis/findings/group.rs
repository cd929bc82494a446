//! One virtual router's analysis: its routers' mastership runs in start order, walked
//! ([`super::transitions`]), then the endings no takeover explained ([`super::endings`]) and
//! the rules over the whole group.

use super::{
    Ctx, Group, RunRef, dual_master, endings, flapping, invalid, parameter_mismatch, transitions,
};
use crate::analysis::Burst;
use crate::report::{Event, Finding};

/// Adds the findings and timeline events of `group` (capture from `start_ns` to `end_ns`;
/// `bursts` are the capture's announcements).
pub(super) fn analyse_group(
    group: &Group,
    start_ns: u64,
    end_ns: u64,
    bursts: &[Burst],
    findings: &mut Vec<Finding>,
    timeline: &mut Vec<Event>,
) {
    let mut runs: Vec<RunRef> = group
        .routers
        .iter()
        .flat_map(|r| {
            r.runs.iter().map(|run| RunRef {
                router: r.address,
                run: run.clone(),
            })
        })
        .collect();
    runs.sort_by_key(|r| (r.run.start_ns, r.run.start_frame));
    let mut ctx = Ctx {
        group,
        findings,
        timeline,
    };
    let walk = transitions::walk(&mut ctx, &runs, start_ns, end_ns, bursts);
    endings::unanswered_resignations(&mut ctx, &runs, &walk);
    endings::silences(&mut ctx, &runs, &walk);
    dual_master::dual_masters(&mut ctx, &runs, &walk.holds);
    flapping::flapping(&mut ctx, &walk.changes);
    invalid::invalid_packets(&mut ctx);
    parameter_mismatch::mismatches(&mut ctx);
}
