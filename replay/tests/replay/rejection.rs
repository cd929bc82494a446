//! Adverts a receiver rejects cannot demote it: two routers of one VRID that reject each
//! other's adverts (password, auth type, version, v2 interval) are both master. keepalived's
//! master even falls silent (it re-arms its advert timer on every packet it rejects) and
//! resumes when the other stops. Replay judges with the core's validation and reports one
//! dual-master interval with its cause — no preemption, no failover, no takeover.

use super::util::*;
use pcap_file::DataLink;
use vrrplab_core::wire::{Authentication, Version};
use vrrplab_replay::report::ResignOutcome;
use vrrplab_replay::{FindingDetail, FindingKind, Report};

/// A (.11, priority 100, v2, 1 s, password "1111") advertises at 0–5 s. B (.12, priority 99,
/// with `b_version` / `b_interval_cs` / `b_auth`) becomes master at 5.6 s, advertises every
/// second until 15.6 s and resigns at 16 s. A, silent from 5 s on, resumes at 17–19 s.
fn rejection_story(b_version: Version, b_interval_cs: u16, b_auth: Authentication) -> Report {
    let (a, b, vip) = (ip("192.0.2.11"), ip("192.0.2.12"), [ip("192.0.2.100")]);
    let a_auth = Authentication::simple_password("1111");
    let mut frames = Vec::new();
    let mut send = |t: u64, who, m, p: Vec<u8>| {
        frames.push((t, ethernet_ip(mac(m), None, &ip_packet(who, 255, &p))));
    };
    for k in (0..=5).chain(17..=19) {
        let p = advert(Version::V2, 51, 100, 100, a, &vip, a_auth.clone());
        send(T0 + k * S, a, 1, p);
    }
    for k in 0..=10 {
        let p = advert(b_version, 51, 99, b_interval_cs, b, &vip, b_auth.clone());
        send(T0 + 5 * S + 600_000_000 + k * S, b, 2, p);
    }
    let p = advert(b_version, 51, 0, b_interval_cs, b, &vip, b_auth.clone());
    send(T0 + 16 * S, b, 2, p);
    frames.sort_by_key(|f| f.0);
    replay("rejection.pcap", &pcap(DataLink::ETHERNET, &frames))
}

fn assert_dual_master_not_failover(report: &Report, reason: &str, back: &str) {
    let duals: Vec<_> = report.of_kind(FindingKind::DualMaster).collect();
    assert_eq!(duals.len(), 1, "{:#?}", report.findings);
    let d = duals[0];
    assert_eq!(d.routers, vec![ip("192.0.2.11"), ip("192.0.2.12")]);
    assert_eq!(
        (d.start_ns, d.end_ns),
        (T0 + 5 * S + 600_000_000, T0 + 15 * S + 600_000_000)
    );
    let FindingDetail::DualMaster(detail) = &d.detail else {
        panic!("{d:?}")
    };
    let receivers: Vec<String> = detail
        .causes
        .iter()
        .map(|c| c.receiver.to_string())
        .collect();
    let causes: Vec<(&str, &str)> = receivers
        .iter()
        .zip(&detail.causes)
        .map(|(r, c)| (r.as_str(), c.reason.name()))
        .collect();
    assert_eq!(
        causes,
        vec![("192.0.2.11", reason), ("192.0.2.12", back)],
        "{}",
        d.text()
    );
    assert_eq!(report.of_kind(FindingKind::Failover).count(), 0);
    let resigns: Vec<_> = report.of_kind(FindingKind::Resign).collect();
    assert_eq!(resigns.len(), 1);
    assert!(
        resigns[0].text().contains("was master all along")
            && matches!(
                &resigns[0].detail,
                FindingDetail::Resign(r) if matches!(r.outcome, ResignOutcome::HeldBy(_))
            ),
        "{}",
        resigns[0].text()
    );
    let a_events: Vec<(&str, String)> = report
        .timeline
        .iter()
        .filter(|e| e.source.to_string() == "192.0.2.11")
        .map(|e| (e.name(), e.text()))
        .collect();
    assert!(
        a_events
            .iter()
            .any(|(e, d)| *e == "master" && d.starts_with("resumes advertising (priority 100)")),
        "{a_events:#?}"
    );
    assert!(
        a_events
            .iter()
            .any(|(e, d)| *e == "silent" && d.contains("while still master")),
        "{a_events:#?}"
    );
    assert!(
        !report
            .timeline
            .iter()
            .any(|e| e.text().contains("preempts")),
        "{:#?}",
        report.timeline
    );
}

#[test]
fn different_passwords_are_one_dual_master_until_the_resignation_not_a_preemption() {
    let report = rejection_story(Version::V2, 100, Authentication::simple_password("2222"));
    assert_dual_master_not_failover(&report, "auth-failure", "auth-failure");
}

#[test]
fn different_auth_types_are_a_dual_master() {
    let report = rejection_story(Version::V2, 100, Authentication::None);
    assert_dual_master_not_failover(&report, "auth-type", "auth-type");
}

#[test]
fn different_versions_are_a_dual_master() {
    let report = rejection_story(Version::V3, 100, Authentication::None);
    assert_dual_master_not_failover(&report, "version", "version");
}

#[test]
fn different_v2_intervals_are_a_dual_master() {
    let report = rejection_story(Version::V2, 200, Authentication::simple_password("1111"));
    assert_dual_master_not_failover(&report, "interval-mismatch", "interval-mismatch");
}

#[test]
fn accepted_adverts_hold_nobody_and_keep_the_timeline_reading() {
    // Control: A accepts B's adverts (same password): no hold, no dual master, the
    // timeline reads as before.
    let report = rejection_story(Version::V2, 100, Authentication::simple_password("1111"));
    assert_eq!(report.of_kind(FindingKind::DualMaster).count(), 0);
    assert!(
        report
            .timeline
            .iter()
            .any(|e| e.source.to_string() == "192.0.2.12"
                && e.text().starts_with("preempts 192.0.2.11")),
        "{:#?}",
        report.timeline
    );
}
