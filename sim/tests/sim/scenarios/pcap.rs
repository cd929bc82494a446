//! The pcap writer's output read back by the workspace's own readers: every frame through
//! replay's `CaptureReader` and core's wire parsers (Ethernet, IPv4 with its header checksum,
//! IPv6, VRRP with its checksum, gratuitous ARP, unsolicited NA), in record order with the
//! record's fields, and the whole file through replay's analyser with nothing malformed.
//! Scenarios: IPv4 multicast with a crash (GARPs), IPv4 unicast, IPv6 with a crash (NAs).

use super::helpers::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use vrrplab_core::wire::{
    Advert, ArpFrame, ChecksumConvention, Family, IP_PROTOCOL_VRRP, IpFrame, IpHeader,
    NeighbourAdvertFrame, Packet,
};
use vrrplab_replay::{CaptureReader, LinkType, replay_reader};
use vrrplab_sim::FaultAction::*;
use vrrplab_sim::observe::PacketKind;
use vrrplab_sim::report::pcap;
use vrrplab_sim::scenario::load_keepalived_conf;
use vrrplab_sim::{NodeSpec, Scenario};

/// The pcap of a run and its records.
fn written(o: &Outcome) -> Vec<u8> {
    let hosts = o.scenario.host_addresses();
    let mut bytes = Vec::new();
    let n = pcap::write(&mut bytes, &o.record.packets, &hosts).expect("pcap");
    assert_eq!(n, o.record.packets.len());
    bytes
}

/// Reads `bytes` back frame by frame and checks each against its record; returns the counts of
/// (VRRP, GARP, NA) frames.
fn read_back(o: &Outcome, bytes: &[u8]) -> (u64, u64, u64) {
    let mut reader = CaptureReader::new(bytes).expect("capture header");
    let mut records = o.record.packets.iter();
    let mut counts = (0, 0, 0);
    while let Some(frame) = reader.next_frame().expect("frame") {
        let p = records.next().expect("no more frames than records");
        let ctx = format!("frame {} ({p:?})", frame.number);
        assert_eq!(frame.link, LinkType::ETHERNET, "{ctx}");
        let micros = (pcap::CAPTURE_EPOCH + p.t).as_micros();
        assert_eq!(u128::from(frame.time_ns), micros * 1000, "{ctx}");
        assert_eq!(frame.orig_len as usize, frame.data.len(), "{ctx}");
        match &p.kind {
            PacketKind::Vrrp => {
                counts.0 += 1;
                let ip = IpFrame::parse(frame.data).expect(&ctx);
                assert_eq!(ip.header.protocol(), IP_PROTOCOL_VRRP, "{ctx}");
                assert_eq!(
                    (ip.header.source(), ip.header.destination()),
                    (p.src, p.dst),
                    "{ctx}"
                );
                assert_eq!(ip.header.hop_limit(), p.hop_limit, "{ctx}");
                if let IpHeader::V4(h) = ip.header {
                    assert!(h.checksum_valid(&frame.data[14..]), "{ctx}");
                }
                assert_eq!(ip.payload, &p.payload[..], "{ctx}");
                let packet = Packet::new_checked(ip.payload, Family::of(&p.src)).expect(&ctx);
                Advert::parse(&packet).expect(&ctx);
                assert!(
                    packet.verify_checksum(p.src, p.dst, ChecksumConvention::PseudoHeader),
                    "{ctx}"
                );
            }
            PacketKind::Garp { address, .. } => {
                counts.1 += 1;
                let garp = ArpFrame::parse(frame.data).expect(&ctx);
                assert_eq!(garp.arp.gratuitous_address(), Some(*address), "{ctx}");
            }
            PacketKind::Na { address, .. } => {
                counts.2 += 1;
                let na = NeighbourAdvertFrame::parse(frame.data).expect(&ctx);
                assert_eq!(na.unsolicited_address(), Some(*address), "{ctx}");
            }
        }
    }
    assert!(records.next().is_none(), "fewer frames than records");
    counts
}

/// Reads back and replays the run's pcap; returns the (VRRP, GARP, NA) counts.
fn round_trip(o: &Outcome) -> (u64, u64, u64) {
    let bytes = written(o);
    let counts = read_back(o, &bytes);
    let report = replay_reader("sim.pcap", &bytes[..]).expect("replay");
    let c = &report.counts;
    assert_eq!(report.error, None);
    assert_eq!(c.malformed, 0, "{c:?}");
    assert_eq!(
        (c.vrrp, c.garp, c.unsolicited_na),
        counts,
        "replay counts {c:?}"
    );
    assert_eq!(c.packets, o.record.packets.len() as u64);
    counts
}

#[test]
fn ipv4_multicast_pcap_reads_back_frame_for_frame_with_garps() {
    let mut sc = cluster("pcap v4", &[100, 99]);
    sc.settings.duration = s(20.0);
    at(&mut sc, 8.0, Crash("a".into()));
    let o = run_scenario(sc);
    let (vrrp, garp, na) = round_trip(&o);
    assert!(vrrp > 10 && garp > 0 && na == 0, "{vrrp} {garp} {na}");
}

#[test]
fn ipv4_unicast_pcap_reads_back_frame_for_frame() {
    let mut sc = cluster("pcap unicast", &[100, 99]);
    sc.settings.duration = s(10.0);
    let addrs: Vec<Ipv4Addr> = sc.nodes.iter().map(|n| n.address).collect();
    for (k, spec) in sc.nodes.iter_mut().enumerate() {
        let i = &mut spec.config.instances[0];
        i.unicast_peers = vec![IpAddr::V4(addrs[1 - k])];
        i.source_address = Some(IpAddr::V4(addrs[k]));
    }
    let o = run_scenario(sc);
    assert!(
        o.record
            .packets
            .iter()
            .any(|p| p.kind == PacketKind::Vrrp && !p.dst.is_multicast()),
        "no unicast advert{}",
        o.ctx()
    );
    let (vrrp, _, _) = round_trip(&o);
    assert!(vrrp > 5, "{vrrp}");
}

#[test]
fn ipv6_pcap_reads_back_frame_for_frame_with_unsolicited_nas() {
    let vip: Ipv6Addr = "2001:db8::100".parse().expect("vip");
    let nodes = [("a", "MASTER", 150, 11), ("b", "BACKUP", 100, 12)]
        .iter()
        .map(|(n, state, priority, octet)| {
            let conf = format!(
                "global_defs {{\n  vrrp_version 3\n}}\nvrrp_instance VI_6 {{\n  state {state}\n  \
                 interface eth0\n  virtual_router_id 52\n  priority {priority}\n  advert_int 1\n  \
                 virtual_ipaddress {{\n    {vip}/64\n  }}\n}}\n"
            );
            let config = load_keepalived_conf(&conf, &format!("{n}.conf")).expect("conf parses");
            NodeSpec::new(n, Ipv4Addr::new(192, 0, 2, *octet), config)
        })
        .collect();
    let mut sc = Scenario::new("pcap v6", nodes);
    sc.settings.duration = s(20.0);
    at(&mut sc, 8.0, Crash("a".into()));
    assert!(sc.ipv6());
    let o = run_scenario(sc);
    let (vrrp, garp, na) = round_trip(&o);
    assert!(vrrp > 10 && garp == 0 && na > 0, "{vrrp} {garp} {na}");
}
