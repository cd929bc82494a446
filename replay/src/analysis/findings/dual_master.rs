//! `dual-master`: two or more routers of one VRID master at the same time (split brain).

use super::hold::{Hold, master_end};
use super::{Ctx, RunRef};
use crate::report::{DualMasterDetail, FindingDetail, MasterInterval, Rejection};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

pub(super) fn dual_masters(ctx: &mut Ctx<'_>, runs: &[RunRef], holds: &[Hold]) {
    // (time, is_start, run index); ends sort before starts at the same instant.
    let mut edges: Vec<(u64, bool, usize)> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let end = master_end(runs, holds, i);
        if r.run.adverts > 0 && end > r.run.start_ns {
            edges.push((r.run.start_ns, true, i));
            edges.push((end, false, i));
        }
    }
    edges.sort();
    let mut active: BTreeSet<usize> = BTreeSet::new();
    let mut open: Option<(u64, BTreeSet<usize>)> = None;
    for (t, is_start, i) in edges {
        if is_start {
            active.insert(i);
        } else {
            active.remove(&i);
        }
        match (&mut open, active.len() >= 2) {
            (None, true) => open = Some((t, active.clone())),
            (Some((_, involved)), true) => involved.extend(active.iter().copied()),
            (Some(_), false) => {
                if let Some((start, involved)) = open.take() {
                    dual_master_finding(ctx, runs, holds, start, t, &involved);
                }
            }
            (None, false) => {}
        }
    }
}

fn dual_master_finding(
    ctx: &mut Ctx<'_>,
    runs: &[RunRef],
    holds: &[Hold],
    start: u64,
    end: u64,
    involved: &BTreeSet<usize>,
) {
    let longest = involved
        .iter()
        .map(|&i| runs[i].interval_ns())
        .max()
        .unwrap_or(0);
    if end - start < longest {
        return;
    }
    let mut routers: Vec<IpAddr> = involved.iter().map(|&i| runs[i].router).collect();
    routers.sort();
    routers.dedup();
    let masters: Vec<MasterInterval> = involved
        .iter()
        .map(|&i| {
            let r = &runs[i];
            MasterInterval {
                from_ns: r.run.start_ns,
                to_ns: master_end(runs, holds, i),
                priority: r.run.priority,
                router: r.router,
            }
        })
        .collect();
    let causes: Vec<Rejection> = holds
        .iter()
        .filter(|h| involved.contains(&h.run) && involved.contains(&h.by_run))
        .flat_map(|h| {
            let (held, by) = (runs[h.run].router, runs[h.by_run].router);
            let back = h.back.map(|reason| Rejection {
                receiver: by,
                sender: held,
                reason,
            });
            std::iter::once(Rejection {
                receiver: held,
                sender: by,
                reason: h.reason,
            })
            .chain(back)
        })
        .collect();
    ctx.finding(
        start,
        end,
        routers,
        FindingDetail::DualMaster(DualMasterDetail {
            causes,
            duration: Duration::from_nanos(end - start),
            masters,
        }),
    );
}
