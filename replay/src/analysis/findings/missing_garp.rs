//! `missing-garp`: a new master sent no gratuitous ARP / unsolicited NA for its addresses.

use super::{Ctx, GARP_WINDOW_NS, RunRef};
use crate::analysis::Burst;
use crate::report::{FindingDetail, MissingGarpDetail};
use std::time::Duration;
use vrrplab_core::wire::{Family, virtual_mac};

pub(super) fn missing_garp(ctx: &mut Ctx<'_>, r: &RunRef, bursts: &[Burst], end_ns: u64) {
    let key = ctx.group.key;
    let Some(router) = ctx.group.routers.iter().find(|x| x.address == r.router) else {
        return;
    };
    let Some(params) = &router.params else {
        return;
    };
    if params.addresses.is_empty() || (key.family == Family::Ipv4 && router.mac.is_none()) {
        return;
    }
    let start = r.run.start_ns;
    if end_ns < start + GARP_WINDOW_NS {
        return;
    }
    let vmac = virtual_mac(key.family, key.vrid);
    // Bursts are in order of their first announcement: look only inside the window.
    let from = bursts.partition_point(|b| b.first_ns + GARP_WINDOW_NS < start);
    let found = bursts[from..]
        .iter()
        .take_while(|b| b.first_ns <= start + GARP_WINDOW_NS)
        .any(|b| {
            b.segment == key.segment
                && params.addresses.contains(&b.address)
                && b.first_ns + GARP_WINDOW_NS >= start
                && b.first_ns <= start + GARP_WINDOW_NS
                && (router.mac.is_none_or(|m| b.from_mac(&m)) || b.from_mac(&vmac))
        });
    if found {
        return;
    }
    ctx.finding(
        start,
        start + GARP_WINDOW_NS,
        vec![r.router],
        FindingDetail::MissingGarp(MissingGarpDetail {
            first_advert_frame: r.run.start_frame,
            mac: router.mac,
            router: r.router,
            virtual_addresses: params.addresses.clone(),
            window: Duration::from_nanos(GARP_WINDOW_NS),
        }),
    );
}
