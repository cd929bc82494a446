//! `flapping`: the master changed faster than the failure detector can explain.

use super::{Ctx, FLAP_CHANGES, FLAP_WINDOW_INTERVALS};
use crate::report::{FindingDetail, FlappingDetail};
use std::net::IpAddr;
use std::time::Duration;

pub(super) fn flapping(ctx: &mut Ctx<'_>, changes: &[(u64, IpAddr)]) {
    let longest = ctx
        .group
        .routers
        .iter()
        .filter_map(|r| r.params.as_ref().map(|p| p.interval_ns()))
        .max()
        .unwrap_or(1_000_000_000);
    let window = FLAP_WINDOW_INTERVALS * longest;
    let mut flagged = vec![false; changes.len()];
    let mut j = 0;
    for i in 0..changes.len() {
        j = j.max(i);
        while j + 1 < changes.len() && changes[j + 1].0 - changes[i].0 <= window {
            j += 1;
        }
        if j + 1 - i >= FLAP_CHANGES {
            flagged[i..=j].iter_mut().for_each(|f| *f = true);
        }
    }
    let mut i = 0;
    while i < changes.len() {
        if !flagged[i] {
            i += 1;
            continue;
        }
        let mut k = i;
        while k + 1 < changes.len() && flagged[k + 1] {
            k += 1;
        }
        let slice = &changes[i..=k];
        let mut routers: Vec<IpAddr> = slice.iter().map(|c| c.1).collect();
        routers.sort();
        routers.dedup();
        let span = slice[slice.len() - 1].0 - slice[0].0;
        ctx.finding(
            slice[0].0,
            slice[slice.len() - 1].0,
            routers,
            FindingDetail::Flapping(FlappingDetail {
                changes: slice.len(),
                span: Duration::from_nanos(span),
                window: Duration::from_nanos(window),
            }),
        );
        i = k + 1;
    }
}
