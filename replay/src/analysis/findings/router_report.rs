//! The per-router part of a report: parameters, mastership spans, interval statistics.

use super::super::password_text;
use super::{Group, RouterState, RunEnd};
use crate::report::{JitterReport, MasterSpan, RouterReport};
use vrrplab_core::wire::{Authentication, Family, Version};

/// ns → seconds rounded to the microsecond (what captures resolve).
fn micros(ns: f64) -> f64 {
    (ns / 1e3).round() / 1e6
}

pub(super) fn router_report(group: &Group, r: &RouterState) -> RouterReport {
    let p = r.params.as_ref();
    let j = &r.jitter;
    RouterReport {
        segment: group.key.segment,
        family: group.key.family,
        vrid: group.key.vrid,
        address: r.address,
        mac: r.mac,
        version: p.map(|p| p.version.to_string()),
        priorities: r.priorities.clone(),
        interval: p.map(|p| f64::from(p.interval_cs) / 100.0),
        addresses: p.map(|p| p.addresses.clone()).unwrap_or_default(),
        auth: p.map(|p| match &p.authentication {
            Authentication::None => "none".to_string(),
            Authentication::SimplePassword(_) => "pass".to_string(),
            Authentication::IpAh => "ah".to_string(),
            Authentication::CiscoMd5 => "cisco-md5".to_string(),
            Authentication::Unknown(t) => format!("unknown-{t}"),
        }),
        auth_pass: p.and_then(|p| match &p.authentication {
            Authentication::SimplePassword(pw) => Some(password_text(pw)),
            _ => None,
        }),
        checksum: p.and_then(|p| match (p.version, group.key.family) {
            (Version::V2, _) => Some("v2"),
            (Version::V3, Family::Ipv6) => Some("pseudo-header"),
            (Version::V3, Family::Ipv4) => match p.checksum {
                Some(vrrplab_core::wire::ChecksumConvention::PseudoHeader) => Some("pseudo-header"),
                Some(vrrplab_core::wire::ChecksumConvention::MessageOnly) => Some("message-only"),
                None => None,
            },
        }),
        destination: p.map(|p| p.destination),
        hop_limits: r.hop_limits.clone(),
        adverts: r.adverts,
        duplicates: r.duplicates,
        first_ns: r.first_ns,
        last_ns: r.last_ns,
        master: r
            .runs
            .iter()
            .filter(|run| run.adverts > 0)
            .map(|run| MasterSpan {
                start_ns: run.start_ns,
                end_ns: run.last_ns,
                adverts: run.adverts,
                end: match run.end {
                    RunEnd::Open => "open",
                    RunEnd::Silent => "silent",
                    RunEnd::Resigned { .. } => "resigned",
                },
                resigned_ns: match run.end {
                    RunEnd::Resigned { time_ns, .. } => Some(time_ns),
                    _ => None,
                },
                priority: run.priority,
                priority_changes: run.priority_changes.clone(),
            })
            .collect(),
        jitter: JitterReport {
            samples: j.count,
            mean: micros(j.mean_ns()),
            stddev: micros(j.stddev_ns()),
            min: micros(j.min_ns as f64),
            max: micros(j.max_ns as f64),
            max_deviation: micros(j.max_deviation_ns as f64),
            early: j.early,
            late: j.late,
        },
    }
}
