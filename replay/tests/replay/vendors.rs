//! Other vendors' VRRP: Cisco IOS MD5 authentication (auth type 254) and routers that send
//! adverts and gratuitous ARPs from the virtual MAC. Conformant adverts are never invalid; an
//! announcement from a MAC several routers use goes to the master of the moment, or to nobody.

use super::util::*;
use pcap_file::DataLink;
use vrrplab_core::wire::virtual_mac;
use vrrplab_core::wire::{Authentication, Family};
use vrrplab_replay::FindingKind;

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
