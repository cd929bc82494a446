//! `invalid-packet`: adverts that failed validation, per router and reason.

use super::Ctx;
use crate::report::FindingKind;
use serde_json::json;

pub(super) fn invalid_packets(ctx: &mut Ctx<'_>) {
    let items: Vec<_> = ctx
        .group
        .invalid
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    for ((router, defect), inv) in items {
        let frames: Vec<String> = inv.frames.iter().map(|f| f.to_string()).collect();
        let more = if inv.count as usize > inv.frames.len() {
            ", …"
        } else {
            ""
        };
        let text = format!(
            "{} invalid advert{} from {} ({}: {}), frame{} {}{}",
            inv.count,
            if inv.count == 1 { "" } else { "s" },
            router,
            defect.name(),
            inv.example,
            if inv.frames.len() == 1 { "" } else { "s" },
            frames.join(", "),
            more
        );
        ctx.finding(
            FindingKind::InvalidPacket,
            inv.first_ns,
            inv.last_ns,
            vec![router],
            text,
            json!({
                "router": router.to_string(),
                "reason": defect.name(),
                "example": inv.example,
                "count": inv.count,
                "frames": inv.frames,
            }),
        );
    }
}
