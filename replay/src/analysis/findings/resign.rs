//! `resign`: a master sent priority 0; who took over and how long after, against Skew_Time.

use super::{Ctx, RunRef, ms, s3, skew_time_ns};
use crate::report::{FindingKind, dur, signed_dur};
use serde_json::json;
use std::net::IpAddr;

pub(super) fn resign_finding(
    ctx: &mut Ctx<'_>,
    prev: &RunRef,
    time_ns: u64,
    frame: u64,
    next: Option<&RunRef>,
) {
    match next {
        Some(n) => {
            let after = n.run.start_ns.saturating_sub(time_ns);
            let skew = skew_time_ns(n.run.version, n.run.priority, n.interval_ns());
            let diff = after as i64 - skew as i64;
            let text = format!(
                "{} resigned (priority 0); {} (priority {}) took over {} later (Skew_Time {}, {})",
                prev.router,
                n.router,
                n.run.priority,
                s3(after),
                s3(skew),
                ms(diff)
            );
            ctx.event(
                n.run.start_ns,
                n.run.start_frame,
                n.router,
                "master",
                format!("takes over {} after {} resigned", s3(after), prev.router),
            );
            ctx.finding(
                FindingKind::Resign,
                time_ns,
                n.run.start_ns,
                vec![prev.router, n.router],
                text,
                json!({
                    "from": prev.router.to_string(),
                    "to": n.router.to_string(),
                    "resign_frame": frame,
                    "takeover_frame": n.run.start_frame,
                    "takeover": dur(after),
                    "expected_skew_time": dur(skew),
                    "difference": signed_dur(diff),
                    "new_master_priority": n.run.priority,
                    "interval": dur(n.interval_ns()),
                }),
            );
        }
        None => {
            let text = format!(
                "{} resigned (priority 0); no router took over in the capture",
                prev.router
            );
            ctx.finding(
                FindingKind::Resign,
                time_ns,
                time_ns,
                vec![prev.router],
                text,
                json!({
                    "from": prev.router.to_string(),
                    "to": null,
                    "resign_frame": frame,
                    "takeover_frame": null,
                    "takeover": null,
                    "expected_skew_time": null,
                    "difference": null,
                }),
            );
        }
    }
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
    let text = format!(
        "{} resigned (priority 0); {holder} was master all along (it rejected {}'s adverts), no takeover",
        prev.router, prev.router
    );
    ctx.finding(
        FindingKind::Resign,
        time_ns,
        time_ns,
        vec![prev.router],
        text,
        json!({
            "from": prev.router.to_string(),
            "to": null,
            "resign_frame": frame,
            "takeover_frame": null,
            "takeover": null,
            "expected_skew_time": null,
            "difference": null,
        }),
    );
}
