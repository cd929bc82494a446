//! `resign`: a master sent priority 0; who took over and how long after, against the new
//! master's Skew_Time (core's timing).

use super::{Ctx, RunRef};
use crate::report::{EventKind, FindingDetail, MasterEvent, ResignDetail, ResignOutcome, Takeover};
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::vrrp::timing;

pub(super) fn resign_finding(
    ctx: &mut Ctx<'_>,
    prev: &RunRef,
    time_ns: u64,
    frame: u64,
    next: Option<&RunRef>,
) {
    let Some(n) = next else {
        untaken(ctx, prev, time_ns, frame, ResignOutcome::NoTakeover);
        return;
    };
    let after = n.run.start_ns.saturating_sub(time_ns);
    let skew = timing::skew_time(n.run.version, n.run.priority, n.interval());
    ctx.event(
        n.run.start_ns,
        n.run.start_frame,
        n.router,
        EventKind::Master(MasterEvent::AfterResign {
            from: prev.router,
            after: Duration::from_nanos(after),
        }),
    );
    ctx.finding(
        time_ns,
        n.run.start_ns,
        vec![prev.router, n.router],
        FindingDetail::Resign(ResignDetail {
            from: prev.router,
            resign_frame: frame,
            outcome: ResignOutcome::TakenOver(Takeover {
                to: n.router,
                takeover_frame: n.run.start_frame,
                after: Duration::from_nanos(after),
                expected_skew_time: skew,
                difference_ns: after as i64 - skew.as_nanos() as i64,
                new_master_priority: n.run.priority,
                interval: n.interval(),
            }),
        }),
    );
}

/// A resignation while another router was held master: nobody took over, the held master
/// had never left MASTER.
pub(super) fn resign_while_held_finding(
    ctx: &mut Ctx<'_>,
    prev: &RunRef,
    time_ns: u64,
    frame: u64,
    holder: IpAddr,
) {
    untaken(ctx, prev, time_ns, frame, ResignOutcome::HeldBy(holder));
}

/// A resignation no router took over.
fn untaken(ctx: &mut Ctx<'_>, prev: &RunRef, time_ns: u64, frame: u64, outcome: ResignOutcome) {
    ctx.finding(
        time_ns,
        time_ns,
        vec![prev.router],
        FindingDetail::Resign(ResignDetail {
            from: prev.router,
            resign_frame: frame,
            outcome,
        }),
    );
}
