//! Timeline entries of gratuitous ARP / unsolicited NA bursts, tied to their sender.

use super::{Group, RUN_BREAK_INTERVALS, RouterState, RunEnd, interval_ns};
use crate::analysis::Burst;
use crate::report::{AnnounceEvent, Event, EventKind, EventSource};
use std::time::Duration;
use vrrplab_core::wire::{Family, virtual_mac};

/// One timeline entry per announcement burst, tied to the router that sent it.
///
/// A burst whose source MAC belongs to one router only is that router's. A burst from the
/// VRID's virtual MAC, or from a MAC several routers of the VRID share (Cisco and FRR send
/// adverts and announcements from the virtual MAC; a raw-IP capture shows no MAC at all), is
/// the router's that was master when it was sent ([`master_at`]); when none was, the sender is
/// `unknown`. Never every router of the VRID.
pub(super) fn announcement_events(groups: &[Group], bursts: &[Burst], timeline: &mut Vec<Event>) {
    for b in bursts {
        let mut matched = false;
        for g in groups.iter().filter(|g| g.key.segment == b.segment) {
            let vmac = virtual_mac(g.key.family, g.key.vrid);
            let claimants: Vec<&RouterState> = g
                .routers
                .iter()
                .filter(|r| {
                    r.params
                        .as_ref()
                        .is_some_and(|p| p.addresses.contains(&b.address))
                        && (r.mac.is_none_or(|m| b.from_mac(&m)) || b.from_mac(&vmac))
                })
                .collect();
            if claimants.is_empty() {
                continue;
            }
            matched = true;
            let own_mac = |r: &RouterState| {
                r.mac.is_some_and(|m| {
                    m != vmac
                        && b.from_mac(&m)
                        && g.routers.iter().filter(|o| o.mac == Some(m)).count() == 1
                })
            };
            let owners: Vec<&RouterState> =
                claimants.iter().copied().filter(|r| own_mac(r)).collect();
            let senders = if owners.is_empty() {
                master_at(&claimants, b.first_ns).into_iter().collect()
            } else {
                owners
            };
            if senders.is_empty() {
                timeline.push(burst_event(
                    b,
                    Some(g.key.vrid),
                    g.key.family,
                    EventSource::Unknown,
                ));
            }
            for r in senders {
                timeline.push(burst_event(
                    b,
                    Some(g.key.vrid),
                    g.key.family,
                    EventSource::Router(r.address),
                ));
            }
        }
        if !matched {
            let family = Family::of(&b.address);
            let who = EventSource::Mac(b.mac.or(b.l2_src));
            timeline.push(burst_event(b, None, family, who));
        }
    }
}

/// Announcements this long before a master's first advert are taken as its own (the capture
/// may order a router's advert and its first GARP either way).
pub const ANNOUNCE_LEAD_NS: u64 = 100_000_000;

/// The router among `routers` that was master at `t`: the latest mastership run that started
/// at most [`ANNOUNCE_LEAD_NS`] after `t` and had not yet ended (its last advert, or its
/// priority 0, less than [`RUN_BREAK_INTERVALS`] intervals before `t`).
fn master_at<'a>(routers: &[&'a RouterState], t: u64) -> Option<&'a RouterState> {
    routers
        .iter()
        .flat_map(|r| r.runs.iter().map(move |run| (*r, run)))
        .filter(|(_, run)| {
            let end = match run.end {
                RunEnd::Resigned { time_ns, .. } => time_ns,
                _ => run.last_ns + RUN_BREAK_INTERVALS * interval_ns(run.interval_cs),
            };
            run.adverts > 0 && run.start_ns <= t + ANNOUNCE_LEAD_NS && t <= end
        })
        .max_by_key(|(_, run)| run.start_ns)
        .map(|(r, _)| r)
}

fn burst_event(b: &Burst, vrid: Option<u8>, family: Family, source: EventSource) -> Event {
    Event {
        time_ns: b.first_ns,
        frame: b.first_frame,
        segment: b.segment,
        family,
        vrid,
        source,
        what: EventKind::Announce(AnnounceEvent {
            kind: b.kind,
            count: b.count,
            address: b.address,
            mac: b.mac,
            span: Duration::from_nanos(b.last_ns - b.first_ns),
            shared_mac: source == EventSource::Unknown,
        }),
    }
}
