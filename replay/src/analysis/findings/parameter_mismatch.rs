//! `parameter-mismatch`: routers of one VRID announce different parameters.

use super::Ctx;
use crate::report::{FindingDetail, ParameterMismatchDetail};
use std::net::IpAddr;

pub(super) fn mismatches(ctx: &mut Ctx<'_>) {
    let last_of = |a: IpAddr| {
        ctx.group
            .routers
            .iter()
            .find(|r| r.address == a)
            .map_or(0, |r| r.last_ns)
    };
    let items: Vec<_> = ctx
        .group
        .mismatches
        .iter()
        .map(|m| {
            let end = m
                .end_ns
                .unwrap_or_else(|| last_of(m.sides[0].0).min(last_of(m.sides[1].0)))
                .max(m.start_ns);
            (m.clone(), end)
        })
        .collect();
    for (m, end) in items {
        let routers = vec![m.sides[0].0, m.sides[1].0];
        ctx.finding(
            m.start_ns,
            end,
            routers,
            FindingDetail::ParameterMismatch(ParameterMismatchDetail { sides: m.sides }),
        );
    }
}
