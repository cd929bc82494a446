//! `missing-garp`: a new master sent no gratuitous ARP / unsolicited NA for its addresses.

use super::{Ctx, GARP_WINDOW_NS, RunRef, s3};
use crate::analysis::{Burst, addresses_text};
use crate::report::{FindingKind, dur, mac_text};
use serde_json::json;
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
    let what = if key.family == Family::Ipv4 {
        "gratuitous ARP"
    } else {
        "unsolicited neighbour advertisement"
    };
    let text = format!(
        "{} became master but sent no {} for {} within {} of its first advert",
        r.router,
        what,
        addresses_text(&params.addresses),
        s3(GARP_WINDOW_NS)
    );
    ctx.finding(
        FindingKind::MissingGarp,
        start,
        start + GARP_WINDOW_NS,
        vec![r.router],
        text,
        json!({
            "router": r.router.to_string(),
            "mac": router.mac.as_ref().map(mac_text),
            "virtual_addresses": params.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            "first_advert_frame": r.run.start_frame,
            "window": dur(GARP_WINDOW_NS),
        }),
    );
}
