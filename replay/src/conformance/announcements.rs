//! The captured router's gratuitous ARPs / unsolicited NAs, as the analysis attributed them.
//!
//! Conformance does not tell senders apart itself: it reads the report's announcement events
//! (one per burst, [`crate::report::EventSource`] says whose), so a burst from the virtual MAC
//! or a MAC several routers share counts for the master of that moment, or for nobody — never
//! for every router of the VRID (Cisco, FRR and keepalived with `use_vmac` send from the
//! virtual MAC). The rule itself is the analysis's, in one place.

use crate::report::{EventKind, EventSource, Report};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The bursts the report attributes to `router` on one of `vrids`: first frame → how many
/// announcements (a burst tied to the router on two VRIDs counts once).
pub(super) fn attributed(report: &Report, router: IpAddr, vrids: &[u8]) -> BTreeMap<u64, u64> {
    report
        .timeline
        .iter()
        .filter(|e| {
            e.source == EventSource::Router(router) && e.vrid.is_some_and(|v| vrids.contains(&v))
        })
        .filter_map(|e| match &e.what {
            EventKind::Announce(a) => Some((e.frame, a.count)),
            _ => None,
        })
        .collect()
}
