//! The sentence of each timeline entry and of advertised parameter values.

use super::finding::s3;
use crate::decode::AnnounceKind;
use crate::report::{AnnounceEvent, EventKind, MasterEvent, ParamValue, mac_text, password_text};
use std::net::IpAddr;
use vrrplab_core::wire::{Authentication, ChecksumConvention};

/// What a timeline entry says (JSON `detail` of a `timeline` entry).
pub fn event_text(what: &EventKind) -> String {
    match what {
        EventKind::Master(m) => master_text(m),
        EventKind::Silent {
            priority,
            rejecting,
        } => {
            let mut text = format!("last advert (priority {priority}), then silent");
            if let Some((by, reason)) = rejecting {
                text.push_str(&format!(
                    " while still master: it rejects {by}'s adverts ({reason}) and re-arms its advert timer on each"
                ));
            }
            text
        }
        EventKind::Resign => "sends priority 0 (resigns mastership)".to_string(),
        EventKind::Changed {
            params, priority, ..
        } => {
            let mut parts: Vec<String> = params
                .iter()
                .map(|c| {
                    format!(
                        "{} {} → {}",
                        c.from.field(),
                        param_value(&c.from),
                        param_value(&c.to)
                    )
                })
                .collect();
            if let Some((from, to)) = priority {
                parts.push(format!("priority {from} → {to}"));
            }
            parts.join(", ")
        }
        EventKind::Announce(a) => announce_text(a),
    }
}

fn master_text(m: &MasterEvent) -> String {
    match m {
        MasterEvent::Resumes {
            priority,
            rejected,
            reason,
        } => format!(
            "resumes advertising (priority {priority}): it never left MASTER, it rejected {rejected}'s adverts ({reason})"
        ),
        MasterEvent::StartsRejected {
            priority,
            rejecters,
        } => {
            let list: Vec<String> = rejecters
                .iter()
                .map(|(router, reason)| format!("{router} rejects its adverts ({reason})"))
                .collect();
            format!(
                "starts advertising as master (priority {priority}) while {}: no demotion",
                list.join(", ")
            )
        }
        MasterEvent::StartsOverlapping { priority, masters } => format!(
            "starts advertising as master (priority {priority}) while {} is still master",
            addresses_list(masters, ", ")
        ),
        MasterEvent::Preempts {
            old,
            priority,
            old_priority,
            after,
        } => format!(
            "preempts {old} (priority {priority} over {old_priority}), {} after its last advert",
            s3(*after)
        ),
        MasterEvent::AtCaptureStart { priority } => {
            format!("master when the capture starts (priority {priority})")
        }
        MasterEvent::First { priority } => {
            format!("first master in the capture (priority {priority})")
        }
        MasterEvent::AfterResign { from, after } => {
            format!("takes over {} after {from} resigned", s3(*after))
        }
        MasterEvent::AfterFailover { from, gap } => {
            format!(
                "takes over {} after {from}'s last advert (failover)",
                s3(*gap)
            )
        }
    }
}

fn announce_text(a: &AnnounceEvent) -> String {
    let noun = match (a.kind, a.count) {
        (AnnounceKind::Garp, 1) => "gratuitous ARP",
        (AnnounceKind::UnsolicitedNa, 1) => "unsolicited NA",
        (kind, _) => kind.plural(),
    };
    let mut text = format!(
        "{} {noun} for {} at {} over {:.1} ms",
        a.count,
        a.address,
        a.mac.as_ref().map(mac_text).unwrap_or_default(),
        a.span.as_nanos() as f64 / 1e6
    );
    if a.shared_mac {
        text.push_str(" (from a MAC several routers use, when none of them was master)");
    }
    text
}

fn addresses_list(a: &[IpAddr], separator: &str) -> String {
    a.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(separator)
}

/// Comma-separated addresses.
pub fn addresses_text(a: &[IpAddr]) -> String {
    addresses_list(a, ",")
}

/// An advertised parameter's value: `v3`, `1 s`, `pass "1111"`, `192.0.2.100,192.0.2.101`,
/// `pseudo-header`, `224.0.0.18`.
pub fn param_value(v: &ParamValue) -> String {
    match v {
        ParamValue::Version(v) => v.to_string(),
        ParamValue::AdvertInt(cs) => format!("{} s", f64::from(*cs) / 100.0),
        ParamValue::Auth(a) => auth_text(a),
        ParamValue::VirtualAddresses(a) => addresses_text(a),
        ParamValue::Checksum(Some(ChecksumConvention::PseudoHeader)) => "pseudo-header".into(),
        ParamValue::Checksum(Some(ChecksumConvention::MessageOnly)) => "message-only".into(),
        ParamValue::Checksum(None) => "invalid".into(),
        ParamValue::Destination(d) => d.to_string(),
    }
}

/// `none`, `pass "1111"`, `ah`, `cisco-md5 (not verified)`, `unknown-N`.
fn auth_text(a: &Authentication) -> String {
    match a {
        Authentication::None => "none".into(),
        Authentication::SimplePassword(p) => format!("pass \"{}\"", password_text(p)),
        Authentication::IpAh => "ah".into(),
        Authentication::CiscoMd5 => "cisco-md5 (not verified)".into(),
        Authentication::Unknown(t) => format!("unknown-{t}"),
    }
}
