//! `failover`: a master went silent and another took over, against Master_Down_Interval.

use super::{Ctx, RunRef, master_down_interval_ns, ms, s3, skew_time_ns};
use crate::report::{FindingKind, dur, signed_dur};
use serde_json::json;

pub(super) fn failover_finding(ctx: &mut Ctx<'_>, prev: &RunRef, next: &RunRef, gap: u64) {
    let interval = next.interval_ns();
    let skew = skew_time_ns(next.run.version, next.run.priority, interval);
    let mdi = master_down_interval_ns(next.run.version, next.run.priority, interval);
    let diff = gap as i64 - mdi as i64;
    let text = format!(
        "{} went silent; {} (priority {}) took over {} after its last advert (Master_Down_Interval {}, {})",
        prev.router,
        next.router,
        next.run.priority,
        s3(gap),
        s3(mdi),
        ms(diff)
    );
    ctx.event(
        next.run.start_ns,
        next.run.start_frame,
        next.router,
        "master",
        format!(
            "takes over {} after {}'s last advert (failover)",
            s3(gap),
            prev.router
        ),
    );
    ctx.finding(
        FindingKind::Failover,
        prev.run.last_ns,
        next.run.start_ns,
        vec![prev.router, next.router],
        text,
        json!({
            "from": prev.router.to_string(),
            "to": next.router.to_string(),
            "last_advert_frame": prev.run.last_frame,
            "first_advert_frame": next.run.start_frame,
            "gap": dur(gap),
            "expected_master_down_interval": dur(mdi),
            "skew_time": dur(skew),
            "difference": signed_dur(diff),
            "new_master_priority": next.run.priority,
            "interval": dur(interval),
        }),
    );
}
