//! The per-router part of a report: parameters, mastership spans, interval statistics.

use super::{Group, RouterState, RunEnd};
use crate::report::{AdvertChecksum, JitterReport, MasterSpan, RouterReport, SpanEnd};
use std::time::Duration;
use vrrplab_core::wire::{ChecksumConvention, Family, Version};

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
        version: p.map(|p| p.version),
        priorities: r.priorities.clone(),
        interval: p.map(|p| Duration::from_millis(u64::from(p.interval_cs) * 10)),
        addresses: p.map(|p| p.addresses.clone()).unwrap_or_default(),
        auth: p.map(|p| p.authentication.clone()),
        checksum: p.map(|p| match (p.version, group.key.family) {
            (Version::V2, _) => AdvertChecksum::V2,
            (Version::V3, Family::Ipv6) => AdvertChecksum::V3(ChecksumConvention::PseudoHeader),
            (Version::V3, Family::Ipv4) => {
                p.checksum.map_or(AdvertChecksum::Bad, AdvertChecksum::V3)
            }
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
                    RunEnd::Open => SpanEnd::Open,
                    RunEnd::Silent => SpanEnd::Silent,
                    RunEnd::Resigned { time_ns, .. } => SpanEnd::Resigned(time_ns),
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
