//! `failover`: a master went silent and another took over, against the new master's
//! Master_Down_Interval (core's timing, keepalived's default `down_timer_adverts`).

use super::{Ctx, RunRef};
use crate::report::{EventKind, FailoverDetail, FindingDetail, MasterEvent};
use std::time::Duration;
use vrrplab_core::vrrp::timing;

pub(super) fn failover_finding(ctx: &mut Ctx<'_>, prev: &RunRef, next: &RunRef, gap: u64) {
    let interval = next.interval();
    let (version, priority) = (next.run.version, next.run.priority);
    let skew = timing::skew_time(version, priority, interval);
    let mdi = timing::master_down_interval(
        version,
        priority,
        interval,
        timing::DEFAULT_DOWN_TIMER_ADVERTS,
    );
    let gap = Duration::from_nanos(gap);
    ctx.event(
        next.run.start_ns,
        next.run.start_frame,
        next.router,
        EventKind::Master(MasterEvent::AfterFailover {
            from: prev.router,
            gap,
        }),
    );
    ctx.finding(
        prev.run.last_ns,
        next.run.start_ns,
        vec![prev.router, next.router],
        FindingDetail::Failover(FailoverDetail {
            difference_ns: gap.as_nanos() as i64 - mdi.as_nanos() as i64,
            expected_master_down_interval: mdi,
            first_advert_frame: next.run.start_frame,
            from: prev.router,
            gap,
            interval,
            last_advert_frame: prev.run.last_frame,
            new_master_priority: priority,
            skew_time: skew,
            to: next.router,
        }),
    );
}
