//! The sentence of each finding.

use super::{addresses_text, param_value};
use crate::analysis::{FLAP_CHANGES, FLAP_WINDOW_INTERVALS};
use crate::report::{Finding, FindingDetail, ResignOutcome};
use std::time::Duration;
use vrrplab_core::wire::Family;

/// `1.234 s`.
pub(super) fn s3(d: Duration) -> String {
    format!("{:.3} s", d.as_nanos() as f64 / 1e9)
}

/// `+4.3 ms`.
fn ms(ns: i64) -> String {
    format!("{:+.1} ms", ns as f64 / 1e6)
}

/// The one sentence a finding says (`text` in the JSON, the findings list of the text report,
/// `vrrplab watch` lines).
pub fn finding_text(f: &Finding) -> String {
    match &f.detail {
        FindingDetail::Failover(d) => format!(
            "{} went silent; {} (priority {}) took over {} after its last advert (Master_Down_Interval {}, {})",
            d.from,
            d.to,
            d.new_master_priority,
            s3(d.gap),
            s3(d.expected_master_down_interval),
            ms(d.difference_ns)
        ),
        FindingDetail::Resign(d) => match d.outcome {
            ResignOutcome::TakenOver(t) => format!(
                "{} resigned (priority 0); {} (priority {}) took over {} later (Skew_Time {}, {})",
                d.from,
                t.to,
                t.new_master_priority,
                s3(t.after),
                s3(t.expected_skew_time),
                ms(t.difference_ns)
            ),
            ResignOutcome::NoTakeover => format!(
                "{} resigned (priority 0); no router took over in the capture",
                d.from
            ),
            ResignOutcome::HeldBy(holder) => format!(
                "{} resigned (priority 0); {holder} was master all along (it rejected {}'s adverts), no takeover",
                d.from, d.from
            ),
        },
        FindingDetail::DualMaster(d) => {
            let names: Vec<String> = f.routers.iter().map(|r| r.to_string()).collect();
            if d.causes.is_empty() {
                return format!(
                    "{} advertised as master at the same time for {} (split brain)",
                    names.join(" and "),
                    s3(d.duration)
                );
            }
            let because: Vec<String> = d
                .causes
                .iter()
                .map(|c| {
                    format!(
                        "{} rejects {}'s adverts ({})",
                        c.receiver, c.sender, c.reason
                    )
                })
                .collect();
            format!(
                "{} were master at the same time for {} (split brain): {}",
                names.join(" and "),
                s3(d.duration),
                because.join(", ")
            )
        }
        FindingDetail::Flapping(d) => format!(
            "master changed {} times in {} (threshold: {} changes within {} = {} advert intervals)",
            d.changes,
            s3(d.span),
            FLAP_CHANGES,
            s3(d.window),
            FLAP_WINDOW_INTERVALS
        ),
        FindingDetail::InvalidPacket(d) => {
            let frames: Vec<String> = d.frames.iter().map(|f| f.to_string()).collect();
            format!(
                "{} invalid advert{} from {} ({}: {}), frame{} {}{}",
                d.count,
                if d.count == 1 { "" } else { "s" },
                d.router,
                d.reason.name(),
                d.reason,
                if d.frames.len() == 1 { "" } else { "s" },
                frames.join(", "),
                if d.count as usize > d.frames.len() {
                    ", …"
                } else {
                    ""
                }
            )
        }
        FindingDetail::ParameterMismatch(d) => {
            let [(a, va), (b, vb)] = &d.sides;
            format!(
                "{} differs: {a} announces {}, {b} announces {}",
                d.field(),
                param_value(va),
                param_value(vb)
            )
        }
        FindingDetail::MissingGarp(d) => format!(
            "{} became master but sent no {} for {} within {} of its first advert",
            d.router,
            match f.family {
                Family::Ipv4 => "gratuitous ARP",
                Family::Ipv6 => "unsolicited neighbour advertisement",
            },
            addresses_text(&d.virtual_addresses),
            s3(d.window)
        ),
    }
}
