//! Every number in a narrative is the one in the frame it describes: priorities that change
//! while a router is master show up with their new value in "silent", "preempts" and the
//! conformance explanations.

use super::util::*;
use pcap_file::DataLink;
use vrrplab_core::wire::{Authentication, Version};

/// A (.11) is master at priority 105 (adverts at 0–4 s), then at 95 (5–8 s); B (.12, 100)
/// ignores the lower priority, times out Master_Down_Interval (3.609 s) after A's first
/// advert at 95 and preempts; A yields at once and falls silent; B advertises 6 times.
fn priority_drop_story() -> Vec<(u64, Vec<u8>)> {
    let (a, b, vip) = (ip("192.0.2.11"), ip("192.0.2.12"), [ip("192.0.2.100")]);
    let mut frames = Vec::new();
    for k in 0..9u64 {
        let prio = if k < 5 { 105 } else { 95 };
        let p = advert(Version::V2, 51, prio, 100, a, &vip, Authentication::None);
        frames.push((
            T0 + k * S,
            ethernet_ip(mac(1), None, &ip_packet(a, 255, &p)),
        ));
    }
    let takeover = T0 + 5 * S + 3_609_375_000;
    for k in 0..6u64 {
        let p = advert(Version::V2, 51, 100, 100, b, &vip, Authentication::None);
        frames.push((
            takeover + k * S,
            ethernet_ip(mac(2), None, &ip_packet(b, 255, &p)),
        ));
        frames.push((takeover + k * S + 2_000_000, garp(mac(2), [192, 0, 2, 100])));
    }
    frames.sort_by_key(|f| f.0);
    frames
}

fn detail_of(report: &vrrplab_replay::Report, event: &str, router: &str) -> Vec<String> {
    report
        .timeline
        .iter()
        .filter(|e| e.name() == event && e.source.to_string() == router)
        .map(|e| e.text())
        .collect()
}

#[test]
fn silent_after_a_priority_drop_quotes_the_last_advert_priority() {
    let report = replay(
        "prio-drop.pcap",
        &pcap(DataLink::ETHERNET, &priority_drop_story()),
    );
    assert_eq!(
        detail_of(&report, "silent", "192.0.2.11"),
        vec!["last advert (priority 95), then silent"]
    );
    assert_eq!(
        detail_of(&report, "priority", "192.0.2.11"),
        vec!["priority 105 → 95"]
    );
}

#[test]
fn preemption_after_a_priority_drop_quotes_both_current_priorities() {
    let report = replay(
        "prio-drop.pcap",
        &pcap(DataLink::ETHERNET, &priority_drop_story()),
    );
    let masters = detail_of(&report, "master", "192.0.2.12");
    assert_eq!(masters.len(), 1, "{:#?}", report.timeline);
    assert!(
        masters[0].starts_with("preempts 192.0.2.11 (priority 100 over 95), 0.609 s"),
        "{}",
        masters[0]
    );
}

#[test]
fn conformance_explanation_quotes_the_other_masters_priority_at_that_moment() {
    let bytes = pcap(DataLink::ETHERNET, &priority_drop_story());
    let report = replay("prio-drop.pcap", &bytes);
    let r = report
        .routers
        .iter()
        .find(|r| r.address == ip("192.0.2.11"))
        .unwrap();
    let span = &r.master[0];
    assert_eq!(span.priority_at(T0 + 4 * S), 105);
    assert_eq!(span.priority_at(T0 + 5 * S), 95);
    assert_eq!(span.priority_at(T0 + 8 * S), 95);
}
