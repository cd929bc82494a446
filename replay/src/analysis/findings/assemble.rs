//! The report of a capture from the analyser's state: per virtual router, its routers'
//! reports, findings and timeline ([`super::group`]), announcement events, all sorted.

use super::{Group, RUN_BREAK_INTERVALS, RunEnd, announcements, group, interval_ns, router_report};
use crate::analysis::Analyzer;
use crate::report::{Event, Finding, Report, RouterReport};

/// The report of everything `a` took in; `error` is why reading stopped early, if it did.
pub(in crate::analysis) fn build(a: Analyzer, error: Option<String>) -> Report {
    let start_ns = a.first_ns.unwrap_or(0);
    let end_ns = a.last_ns.unwrap_or(0);
    let mut groups = a.groups;
    groups.sort_by_key(|g| g.key);
    let mut routers = Vec::new();
    let mut findings = Vec::new();
    let mut timeline = Vec::new();
    for group in &mut groups {
        close_runs(group, end_ns);
        routers.extend(
            group
                .routers
                .iter()
                .map(|r| router_report::router_report(group, r)),
        );
        group::analyse_group(
            group,
            start_ns,
            end_ns,
            &a.announcements.bursts,
            &mut findings,
            &mut timeline,
        );
        timeline.append(&mut group.events);
    }
    announcements::announcement_events(&groups, &a.announcements.bursts, &mut timeline);
    routers.sort_by(|x: &RouterReport, y| {
        (x.segment, x.family, x.vrid, x.address).cmp(&(y.segment, y.family, y.vrid, y.address))
    });
    findings.sort_by(|x: &Finding, y| {
        (x.start_ns, x.kind(), x.vrid, &x.routers).cmp(&(y.start_ns, y.kind(), y.vrid, &y.routers))
    });
    timeline.sort_by(|x: &Event, y| {
        (x.time_ns, x.frame, x.name()).cmp(&(y.time_ns, y.frame, y.name()))
    });
    Report {
        file: a.file,
        format: a.format,
        links: a.links.clone(),
        counts: a.counts,
        first_ns: a.first_ns,
        last_ns: a.last_ns,
        routers,
        findings,
        timeline,
        error,
        conformance: None,
    }
}

/// Runs still open whose router fell silent long before the capture ended are silent.
fn close_runs(group: &mut Group, end_ns: u64) {
    for r in &mut group.routers {
        if let Some(run) = r.runs.last_mut()
            && run.end == RunEnd::Open
            && end_ns.saturating_sub(run.last_ns)
                > RUN_BREAK_INTERVALS * interval_ns(run.interval_cs)
        {
            run.end = RunEnd::Silent;
        }
    }
}
