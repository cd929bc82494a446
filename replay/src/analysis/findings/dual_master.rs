//! `dual-master`: two or more routers of one VRID master at the same time (split brain).

use super::hold::{Hold, master_end};
use super::{Ctx, RunRef, s3};
use crate::report::{FindingKind, dur};
use serde_json::json;
use std::collections::BTreeSet;
use std::net::IpAddr;
use vrrplab_core::vrrp::DiscardReason;

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
    let masters: Vec<serde_json::Value> = involved
        .iter()
        .map(|&i| {
            let r = &runs[i];
            json!({
                "router": r.router.to_string(),
                "priority": r.run.priority,
                "master_from": dur(r.run.start_ns),
                "master_to": dur(master_end(runs, holds, i)),
            })
        })
        .collect();
    let names: Vec<String> = routers.iter().map(|r| r.to_string()).collect();
    let causes: Vec<(IpAddr, IpAddr, DiscardReason)> = holds
        .iter()
        .filter(|h| involved.contains(&h.run) && involved.contains(&h.by_run))
        .flat_map(|h| {
            let (held, by) = (runs[h.run].router, runs[h.by_run].router);
            std::iter::once((held, by, h.reason)).chain(h.back.map(|b| (by, held, b)))
        })
        .collect();
    let mut text = if causes.is_empty() {
        format!(
            "{} advertised as master at the same time for {} (split brain)",
            names.join(" and "),
            s3(end - start)
        )
    } else {
        format!(
            "{} were master at the same time for {} (split brain): ",
            names.join(" and "),
            s3(end - start)
        )
    };
    let because: Vec<String> = causes
        .iter()
        .map(|(rx, tx, why)| format!("{rx} rejects {tx}'s adverts ({why})"))
        .collect();
    text.push_str(&because.join(", "));
    let mut detail = json!({ "duration": dur(end - start), "masters": masters });
    if !causes.is_empty()
        && let Some(obj) = detail.as_object_mut()
    {
        obj.insert(
            "causes".into(),
            causes
                .iter()
                .map(|(rx, tx, why)| {
                    json!({"receiver": rx.to_string(), "sender": tx.to_string(),
                           "reason": why.name(), "text": why.to_string()})
                })
                .collect(),
        );
    }
    ctx.finding(FindingKind::DualMaster, start, end, routers, text, detail);
}
