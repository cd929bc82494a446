//! Hand-made captures: every link type (Ethernet, 802.1Q, SLL, SLL2, raw IP), pcapng with
//! nanosecond and default (µs) timestamps, IPv6, a truncated file, ICMP-quoted VRRP, invalid
//! adverts and parameter mismatches.

use super::util::*;
use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use std::borrow::Cow;
use std::time::Duration;
use vrrplab_core::wire::{Authentication, ChecksumConvention, Version};
use vrrplab_replay::report::AdvertChecksum;
use vrrplab_replay::{FindingDetail, FindingKind, Report};

/// The story's failover: A → B after `GAP_NS`, expected MDI 3.613 s (priority 99, 1 s).
fn assert_story_failover(report: &Report) {
    assert!(report.error.is_none(), "{:?}", report.error);
    let failovers: Vec<_> = report.of_kind(FindingKind::Failover).collect();
    assert_eq!(failovers.len(), 1, "{:#?}", report.findings);
    let f = failovers[0];
    assert_eq!(f.start_ns, T0 + 4 * S);
    assert_eq!(f.end_ns - f.start_ns, GAP_NS);
    let FindingDetail::Failover(d) = &f.detail else {
        panic!("{f:?}")
    };
    assert_eq!(
        d.expected_master_down_interval,
        std::time::Duration::from_nanos(3_613_281_250)
    );
    assert_eq!(report.routers.len(), 2);
}

fn ethernet_story(version: Version, vlan: Option<u16>) -> Vec<(u64, Vec<u8>)> {
    let st = story(
        version,
        ip("192.0.2.11"),
        ip("192.0.2.12"),
        ip("192.0.2.100"),
    );
    let mut frames: Vec<(u64, Vec<u8>)> = st
        .adverts
        .iter()
        .map(|(t, p, m)| (*t, ethernet_ip(*m, vlan, p)))
        .collect();
    frames.extend(st.garps.iter().filter(|_| vlan.is_none()).cloned());
    frames.sort_by_key(|f| f.0);
    frames
}

#[test]
fn ethernet_v2_failover_is_found_with_exact_gap_and_garp() {
    let report = replay(
        "eth.pcap",
        &pcap(DataLink::ETHERNET, &ethernet_story(Version::V2, None)),
    );
    assert_story_failover(&report);
    assert_eq!(report.of_kind(FindingKind::MissingGarp).count(), 0);
    assert_eq!(report.counts.garp, 5);
    insta::assert_snapshot!(vrrplab_replay::render::render(&report));
}

#[test]
fn vlan_tagged_adverts_form_their_own_segment_and_missing_garp_is_reported() {
    let report = replay(
        "vlan.pcap",
        &pcap(DataLink::ETHERNET, &ethernet_story(Version::V2, Some(10))),
    );
    assert_story_failover(&report);
    assert!(report.routers.iter().all(|r| r.segment.vlan == Some(10)));
    let missing: Vec<_> = report.of_kind(FindingKind::MissingGarp).collect();
    assert_eq!(missing.len(), 1, "{:#?}", report.findings);
    assert_eq!(missing[0].routers, vec![ip("192.0.2.12")]);
}

#[test]
fn linux_sll_capture_reads_adverts_and_source_macs() {
    let st = story(
        Version::V3,
        ip("192.0.2.11"),
        ip("192.0.2.12"),
        ip("192.0.2.100"),
    );
    let frames: Vec<_> = st
        .adverts
        .iter()
        .map(|(t, p, m)| (*t, sll(*m, p)))
        .collect();
    let report = replay("sll.pcap", &pcap(DataLink::LINUX_SLL, &frames));
    assert_story_failover(&report);
    assert_eq!(report.routers[0].mac, Some(mac(1)));
    assert_eq!(report.links, vec![vrrplab_replay::LinkType::LINUX_SLL]);
}

#[test]
fn linux_sll2_capture_keys_segments_by_interface_index() {
    let st = story(
        Version::V3,
        ip("192.0.2.11"),
        ip("192.0.2.12"),
        ip("192.0.2.100"),
    );
    let frames: Vec<_> = st
        .adverts
        .iter()
        .map(|(t, p, m)| (*t, sll2(*m, 7, p)))
        .collect();
    let report = replay("sll2.pcap", &pcap(DataLink::LINUX_SLL2, &frames));
    assert_story_failover(&report);
    assert!(report.routers.iter().all(|r| r.segment.interface == 7));
    assert_eq!(report.routers[1].mac, Some(mac(2)));
}

#[test]
fn raw_ip_capture_reads_adverts_and_skips_the_garp_check() {
    let st = story(
        Version::V2,
        ip("192.0.2.11"),
        ip("192.0.2.12"),
        ip("192.0.2.100"),
    );
    let frames: Vec<_> = st.adverts.iter().map(|(t, p, _)| (*t, p.clone())).collect();
    let report = replay("raw.pcap", &pcap(DataLink::RAW, &frames));
    assert_story_failover(&report);
    assert_eq!(report.of_kind(FindingKind::MissingGarp).count(), 0);
    assert_eq!(report.routers[0].mac, None);
}

#[test]
fn ipv6_v3_failover_over_ethernet_reports_missing_unsolicited_na() {
    let st = story(
        Version::V3,
        ip("fe80::11"),
        ip("fe80::12"),
        ip("2001:db8::100"),
    );
    let frames: Vec<_> = st
        .adverts
        .iter()
        .map(|(t, p, m)| (*t, ethernet_ip(*m, None, p)))
        .collect();
    let report = replay("v6.pcap", &pcap(DataLink::ETHERNET, &frames));
    assert_story_failover(&report);
    assert!(
        report
            .routers
            .iter()
            .all(|r| r.family.to_string() == "ipv6")
    );
    assert_eq!(
        report.routers[0].checksum,
        Some(AdvertChecksum::V3(ChecksumConvention::PseudoHeader))
    );
    assert_eq!(report.of_kind(FindingKind::InvalidPacket).count(), 0);
    assert_eq!(report.of_kind(FindingKind::MissingGarp).count(), 1);
}

#[test]
fn raw_ipv6_capture_with_either_raw_link_type_reads_v3_adverts() {
    let st = story(
        Version::V3,
        ip("fe80::11"),
        ip("fe80::12"),
        ip("2001:db8::100"),
    );
    let frames: Vec<_> = st.adverts.iter().map(|(t, p, _)| (*t, p.clone())).collect();
    for link in [DataLink::RAW, DataLink::IPV6] {
        let report = replay("raw6.pcap", &pcap(link, &frames));
        assert_story_failover(&report);
        assert!(
            report
                .routers
                .iter()
                .all(|r| r.family.to_string() == "ipv6" && r.mac.is_none()),
            "{link:?}"
        );
        assert_eq!(report.of_kind(FindingKind::InvalidPacket).count(), 0);
        // Unlike ARP, an unsolicited NA is an IP packet a raw capture would hold: still checked.
        assert_eq!(report.of_kind(FindingKind::MissingGarp).count(), 1);
    }
}

#[test]
fn pcapng_with_nanosecond_resolution_keeps_exact_timestamps() {
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: DataLink::ETHERNET,
        snaplen: 0,
        options: vec![InterfaceDescriptionOption::IfTsResol(9)],
    })
    .unwrap();
    for (t, f) in ethernet_story(Version::V2, None) {
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: Duration::from_nanos(t),
            original_len: f.len() as u32,
            data: Cow::Owned(f),
            options: vec![],
        })
        .unwrap();
    }
    let report = replay("ns.pcapng", &w.into_inner());
    assert_eq!(report.format, vrrplab_replay::reader::Format::PcapNg);
    assert_story_failover(&report);
}

/// A pcapng written byte by byte with no `if_tsresol`: timestamps are microseconds.
fn pcapng_microseconds(frames: &[(u64, Vec<u8>)]) -> Vec<u8> {
    fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
        let padded = body.len().div_ceil(4) * 4;
        let total = (12 + padded) as u32;
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&total.to_le_bytes());
        out.extend_from_slice(body);
        out.resize(out.len() + padded - body.len(), 0);
        out.extend_from_slice(&total.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut shb = vec![0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0];
    shb.extend_from_slice(&u64::MAX.to_le_bytes());
    block(&mut out, 0x0a0d_0d0a, &shb);
    block(&mut out, 1, &[1, 0, 0, 0, 0, 0, 0, 0]);
    for (t, f) in frames {
        let us = t / 1000;
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((us >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(us as u32).to_le_bytes());
        epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
        epb.extend_from_slice(f);
        block(&mut out, 6, &epb);
    }
    out
}

#[test]
fn foreign_pcapng_without_tsresol_is_read_as_microseconds() {
    let report = replay(
        "us.pcapng",
        &pcapng_microseconds(&ethernet_story(Version::V2, None)),
    );
    assert_story_failover(&report);
    assert_eq!(report.first_ns, Some(T0));
}

#[test]
fn truncated_file_names_the_frame_and_still_reports_what_came_before() {
    let frames = ethernet_story(Version::V2, None);
    let mut bytes = pcap(DataLink::ETHERNET, &frames);
    bytes.truncate(bytes.len() - 10);
    let report = replay("cut.pcap", &bytes);
    let error = report.error.clone().expect("a truncation error");
    assert!(
        error.starts_with(&format!("frame {} ", frames.len())),
        "{error}"
    );
    assert!(error.contains("truncated"), "{error}");
    assert_eq!(report.counts.packets, frames.len() as u64 - 1);
    assert_eq!(report.of_kind(FindingKind::Failover).count(), 1);
}

#[test]
fn garbage_is_not_a_capture() {
    let err = vrrplab_replay::replay_reader("junk", &b"hello world, not a pcap"[..]).unwrap_err();
    assert!(
        err.to_string().contains("not a pcap or pcapng file"),
        "{err}"
    );
}

#[test]
fn vrrp_quoted_in_an_icmp_error_is_not_an_advert() {
    let payload = advert(
        Version::V2,
        51,
        100,
        100,
        ip("192.0.2.11"),
        &[ip("192.0.2.100")],
        Authentication::None,
    );
    let inner = ip_packet(ip("192.0.2.11"), 255, &payload);
    let mut icmp = vec![3, 2, 0, 0, 0, 0, 0, 0];
    icmp.extend_from_slice(&inner[..28]);
    let mut outer = Vec::new();
    etherparse::PacketBuilder::ipv4([192, 0, 2, 12], [192, 0, 2, 11], 64)
        .write(&mut outer, etherparse::IpNumber::ICMP, &icmp)
        .unwrap();
    let frames = vec![(T0, ethernet(mac(2), mac(1), None, [0x08, 0x00], &outer))];
    let report = replay("icmp.pcap", &pcap(DataLink::ETHERNET, &frames));
    assert_eq!(report.counts.vrrp, 0);
    assert_eq!(report.counts.icmp_quoted_vrrp, 1);
    assert!(report.routers.is_empty());
}

#[test]
fn bad_ttl_and_bad_checksum_are_invalid_packet_findings_with_frame_numbers() {
    let a = ip("192.0.2.11");
    let vip = [ip("192.0.2.100")];
    let good = advert(Version::V2, 51, 100, 100, a, &vip, Authentication::None);
    let mut bad_sum = good.clone();
    bad_sum[6] ^= 0xff;
    let frames = vec![
        (T0, ethernet_ip(mac(1), None, &ip_packet(a, 255, &good))),
        (T0 + S, ethernet_ip(mac(1), None, &ip_packet(a, 64, &good))),
        (
            T0 + 2 * S,
            ethernet_ip(mac(1), None, &ip_packet(a, 255, &bad_sum)),
        ),
        (
            T0 + 3 * S,
            ethernet_ip(mac(1), None, &ip_packet(a, 255, &good)),
        ),
    ];
    let report = replay("bad.pcap", &pcap(DataLink::ETHERNET, &frames));
    let invalid: Vec<_> = report.of_kind(FindingKind::InvalidPacket).collect();
    let reasons: Vec<_> = invalid
        .iter()
        .map(|f| match &f.detail {
            FindingDetail::InvalidPacket(d) => (d.reason.name(), serde_json::json!(d.frames)),
            _ => panic!("{f:?}"),
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("hop-limit", serde_json::json!([2])),
            ("checksum", serde_json::json!([3]))
        ]
    );
}

#[test]
fn routers_disagreeing_on_password_and_interval_are_parameter_mismatches() {
    let (a, b) = (ip("192.0.2.11"), ip("192.0.2.12"));
    let vip = [ip("192.0.2.100")];
    let pa = advert(
        Version::V2,
        51,
        100,
        100,
        a,
        &vip,
        Authentication::simple_password("1111"),
    );
    let pb = advert(
        Version::V2,
        51,
        99,
        200,
        b,
        &vip,
        Authentication::simple_password("2222"),
    );
    let frames = vec![
        (T0, ethernet_ip(mac(1), None, &ip_packet(a, 255, &pa))),
        (
            T0 + S / 2,
            ethernet_ip(mac(2), None, &ip_packet(b, 255, &pb)),
        ),
        (T0 + S, ethernet_ip(mac(1), None, &ip_packet(a, 255, &pa))),
    ];
    let report = replay("mismatch.pcap", &pcap(DataLink::ETHERNET, &frames));
    let fields: Vec<_> = report
        .of_kind(FindingKind::ParameterMismatch)
        .map(|f| match &f.detail {
            FindingDetail::ParameterMismatch(d) => d.field().to_string(),
            _ => panic!("{f:?}"),
        })
        .collect();
    assert_eq!(fields, vec!["advert_int", "auth"]);
}

#[test]
fn masters_changing_every_interval_are_flapping() {
    let (a, b) = (ip("192.0.2.11"), ip("192.0.2.12"));
    let vip = [ip("192.0.2.100")];
    let mut frames = Vec::new();
    // A and B alternate mastership every 4 s (each run 2 adverts, then 2 s of silence).
    for k in 0..8u64 {
        let (who, m, prio) = if k % 2 == 0 {
            (a, mac(1), 100)
        } else {
            (b, mac(2), 99)
        };
        let p = advert(Version::V2, 51, prio, 100, who, &vip, Authentication::None);
        for j in 0..2 {
            frames.push((
                T0 + k * 4 * S + j * S,
                ethernet_ip(m, None, &ip_packet(who, 255, &p)),
            ));
        }
    }
    let report = replay("flap.pcap", &pcap(DataLink::ETHERNET, &frames));
    let flaps: Vec<_> = report.of_kind(FindingKind::Flapping).collect();
    assert_eq!(flaps.len(), 1, "{:#?}", report.findings);
    let FindingDetail::Flapping(d) = &flaps[0].detail else {
        panic!("{:?}", flaps[0])
    };
    assert_eq!(d.changes, 7);
}
