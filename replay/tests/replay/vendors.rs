//! Other vendors' VRRP: Cisco IOS MD5 authentication (auth type 254) and routers that send
//! adverts and gratuitous ARPs from the virtual MAC. Conformant adverts are never invalid; an
//! announcement from a MAC several routers use goes to the master of the moment, or to nobody,
//! in the timeline and in conformance's count of the router's announcements alike.

use super::util::*;
use pcap_file::DataLink;
use vrrplab_core::wire::virtual_mac;
use vrrplab_core::wire::{ArpFrame, Authentication, Family, MacAddress};
use vrrplab_replay::FindingKind;
use vrrplab_replay::conformance::conformance;

/// Two Cisco routers on VRID 1: A (10.0.0.2, priority 110) advertises 5 times and goes silent,
/// B (10.0.0.3, priority 100) takes over `GAP_NS` later and announces the VIP from the virtual
/// MAC 2 ms after. One GARP from the virtual MAC comes before anyone advertised.
fn cisco_story() -> Vec<(u64, Vec<u8>)> {
    let (a, b, vip) = (ip("10.0.0.2"), ip("10.0.0.3"), ip("10.0.0.1"));
    let vmac = virtual_mac(Family::Ipv4, 1);
    let mut frames = vec![(T0 - 10 * S, garp(vmac, [10, 0, 0, 1]))];
    for k in 0..5 {
        let p = cisco_md5_advert(1, 110, a, &[vip]);
        frames.push((T0 + k * S, ethernet_ip(vmac, None, &ip_packet(a, 255, &p))));
    }
    let takeover = T0 + 4 * S + GAP_NS;
    for k in 0..4 {
        let p = cisco_md5_advert(1, 100, b, &[vip]);
        frames.push((
            takeover + k * S,
            ethernet_ip(vmac, None, &ip_packet(b, 255, &p)),
        ));
    }
    frames.push((takeover + 2_000_000, garp(vmac, [10, 0, 0, 1])));
    frames.sort_by_key(|f| f.0);
    frames
}

#[test]
fn cisco_md5_adverts_of_50_bytes_are_valid_with_auth_recognised_not_verified() {
    let report = replay("cisco.pcap", &pcap(DataLink::ETHERNET, &cisco_story()));
    assert_eq!(report.counts.vrrp, 9);
    assert_eq!(
        report.of_kind(FindingKind::InvalidPacket).count(),
        0,
        "{:#?}",
        report.findings
    );
    assert_eq!(report.of_kind(FindingKind::ParameterMismatch).count(), 0);
    assert_eq!(report.routers.len(), 2);
    for r in &report.routers {
        assert_eq!(r.auth, Some(Authentication::CiscoMd5), "{r:?}");
        assert_eq!(r.addresses, vec![ip("10.0.0.1")]);
    }
    let failovers: Vec<_> = report.of_kind(FindingKind::Failover).collect();
    assert_eq!(failovers.len(), 1, "{:#?}", report.findings);
    assert_eq!(failovers[0].routers, vec![ip("10.0.0.2"), ip("10.0.0.3")]);
}

#[test]
fn garp_from_the_virtual_mac_goes_to_the_master_of_the_moment_or_to_nobody() {
    let report = replay("cisco-garp.pcap", &pcap(DataLink::ETHERNET, &cisco_story()));
    let garps: Vec<(u64, String)> = report
        .timeline
        .iter()
        .filter(|e| e.name() == "garp")
        .map(|e| (e.time_ns, e.source.to_string()))
        .collect();
    let takeover = T0 + 4 * S + GAP_NS;
    assert_eq!(
        garps,
        vec![
            (T0 - 10 * S, "unknown".to_string()),
            (takeover + 2_000_000, "10.0.0.3".to_string())
        ]
    );
    // B's announcement counts for B; A announced nothing around its first advert.
    let missing: Vec<_> = report
        .of_kind(FindingKind::MissingGarp)
        .map(|f| f.routers.clone())
        .collect();
    assert_eq!(missing, vec![vec![ip("10.0.0.2")]]);
}

/// keepalived with `use_vmac` on VRID 7: A (10.0.7.2, priority 110) advertises 5 times from
/// the virtual MAC with a GARP burst 2 ms after its first advert, goes silent; B (10.0.7.3,
/// priority 100) takes over `GAP_NS` later with a burst of its own, from the same MAC. Every
/// frame is built by the core's wire emitters.
fn use_vmac_story() -> Vec<(u64, Vec<u8>)> {
    let (a, b) = (ip("10.0.7.2"), ip("10.0.7.3"));
    let vip = std::net::Ipv4Addr::new(10, 0, 7, 1);
    let vmac = virtual_mac(Family::Ipv4, 7);
    let advert = |src, priority| {
        let p = advert(
            vrrplab_core::wire::Version::V2,
            7,
            priority,
            100,
            src,
            &[vip.into()],
            Authentication::None,
        );
        ethernet_ip(vmac, None, &ip_packet(src, 255, &p))
    };
    let burst = |start: u64| {
        (0..5).map(move |k| {
            let frame = ArpFrame::gratuitous(MacAddress(vmac), vip);
            (start + 2_000_000 + k * 300_000, frame.to_bytes())
        })
    };
    let takeover = T0 + 4 * S + GAP_NS;
    let mut frames: Vec<(u64, Vec<u8>)> = (0..5).map(|k| (T0 + k * S, advert(a, 110))).collect();
    frames.extend((0..4).map(|k| (takeover + k * S, advert(b, 100))));
    frames.extend(burst(T0).chain(burst(takeover)));
    frames.sort_by_key(|f| f.0);
    frames
}

#[test]
fn conformance_counts_only_the_virtual_mac_announcements_the_analysis_gives_the_router() {
    let bytes = pcap(DataLink::ETHERNET, &use_vmac_story());
    let report = replay("use-vmac.pcap", &bytes);
    for (router, own_burst_at) in [("10.0.7.2", T0), ("10.0.7.3", T0 + 4 * S + GAP_NS)] {
        let result = conformance(&bytes[..], &report, ip(router), None).unwrap();
        // its own burst of 5, not the other router's from the same MAC
        assert_eq!(result.announcements.router, 5, "{router}: {result:#?}");
        let senders: Vec<String> = report
            .timeline
            .iter()
            .filter(|e| e.name() == "garp" && e.time_ns == own_burst_at + 2_000_000)
            .map(|e| e.source.to_string())
            .collect();
        assert_eq!(senders, vec![router.to_string()]);
    }
}
