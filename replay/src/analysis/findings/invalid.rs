//! `invalid-packet`: adverts that failed validation, per router and reason.

use super::Ctx;
use crate::report::{FindingDetail, InvalidPacketDetail};

pub(super) fn invalid_packets(ctx: &mut Ctx<'_>) {
    let items: Vec<_> = ctx
        .group
        .invalid
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    for ((router, _), inv) in items {
        ctx.finding(
            inv.first_ns,
            inv.last_ns,
            vec![router],
            FindingDetail::InvalidPacket(InvalidPacketDetail {
                count: inv.count,
                frames: inv.frames,
                reason: inv.example,
                router,
            }),
        );
    }
}
