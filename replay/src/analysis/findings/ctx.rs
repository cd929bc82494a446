//! [`Ctx`]: where the analysis of one virtual router writes, each timeline event and finding
//! stamped with the group's segment, family and VRID.

use super::Group;
use crate::report::{Event, EventKind, EventSource, Finding, FindingDetail};
use std::net::IpAddr;

/// The group being analysed and the report's lists it adds to.
pub(super) struct Ctx<'a> {
    pub(super) group: &'a Group,
    pub(super) findings: &'a mut Vec<Finding>,
    pub(super) timeline: &'a mut Vec<Event>,
}

impl Ctx<'_> {
    /// A timeline event of `router`.
    pub(super) fn event(&mut self, time_ns: u64, frame: u64, router: IpAddr, what: EventKind) {
        let k = self.group.key;
        self.timeline.push(Event {
            time_ns,
            frame,
            segment: k.segment,
            family: k.family,
            vrid: Some(k.vrid),
            source: EventSource::Router(router),
            what,
        });
    }

    /// A finding about `routers`.
    pub(super) fn finding(
        &mut self,
        start_ns: u64,
        end_ns: u64,
        routers: Vec<IpAddr>,
        detail: FindingDetail,
    ) {
        let k = self.group.key;
        self.findings.push(Finding {
            segment: k.segment,
            family: k.family,
            vrid: k.vrid,
            start_ns,
            end_ns,
            routers,
            detail,
        });
    }
}
