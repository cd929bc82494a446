//! The core's wire codec against real captures: every VRRP advert, gratuitous ARP and unsolicited
//! NA in the reference captures goes through `core::wire`, field by field against tshark's
//! decode. Frames come from the workspace's one capture reader ([`CaptureReader`]), the IPv4
//! layer from `core::wire::Ipv4Header` (its header checksum verified too).
//!
//! Captures: `testdata/corpus/*.pcap` (keepalived 2.2.7, IPv4 v2/v3)
//! with tshark's field table in `NAME.tshark.txt`, plus
//! `testdata/keepalived-extra/keepalived-extra.pcap` (v2 without auth and with AH, v3 IPv4 at
//! 50 cs, v3 IPv6, unsolicited NAs; made from `keepalived-extra.conf`, see its README) with
//! `keepalived-extra.tshark.tsv`.
//!
//! For each VRRP frame: the message parses, has no trailing bytes, arrived with TTL / hop limit
//! 255, its checksum verifies under the convention keepalived uses (v2: message only; v3: with
//! the pseudo-header) and `detect_checksum` names it, its fields equal tshark's, and the parsed
//! advert re-emits byte-identical. For each ARP / NA: it is recognised as an announcement for
//! the address tshark shows, and keepalived's frame is rebuilt byte-identical.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use vrrplab_core::wire::{
    Advert, ArpFrame, ChecksumConvention, EthernetFrame, Family, IP_PROTOCOL_VRRP, Ipv4Header,
    Packet, Version,
    ethernet::{ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6},
    ipv6::Ipv6Header,
    ndp::NeighbourAdvertFrame,
};
use vrrplab_replay::{CaptureReader, LinkType};

/// IP protocol number of the IPsec Authentication Header (keepalived `auth_type AH`).
const IP_PROTOCOL_AH: u8 = 51;

/// One captured frame.
struct Frame {
    number: usize,
    data: Vec<u8>,
}

/// Reads a capture of Ethernet frames with replay's [`CaptureReader`]. Test input: any
/// malformation fails the test with the file name.
fn read_pcap(path: &Path) -> Vec<Frame> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = CaptureReader::new(file).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut frames = Vec::new();
    while let Some(frame) = reader
        .next_frame()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    {
        assert_eq!(
            frame.link,
            LinkType::ETHERNET,
            "{}: link type is not Ethernet",
            path.display()
        );
        frames.push(Frame {
            number: usize::try_from(frame.number).unwrap(),
            data: frame.data.to_vec(),
        });
    }
    frames
}

/// tshark's per-frame field table: frame number → field name → value (empty fields omitted).
fn read_tshark_table(text: &str) -> BTreeMap<usize, BTreeMap<String, String>> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with("frame.number\t"))
        .take_while(|l| !l.is_empty() && !l.starts_with("###"));
    let header: Vec<&str> = lines
        .next()
        .expect("field table header")
        .split('\t')
        .collect();
    lines
        .map(|line| {
            let row: BTreeMap<String, String> = header
                .iter()
                .zip(line.split('\t'))
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            (row["frame.number"].parse().unwrap(), row)
        })
        .collect()
}

/// The VRRP message of a frame, with the IP metadata a driver would hand the core.
struct Vrrp<'a> {
    src: IpAddr,
    dst: IpAddr,
    hop_limit: u8,
    message: &'a [u8],
}

/// The VRRP payload of an IPv4 (directly or behind AH) or IPv6 frame; None for anything else
/// (IGMP, MLD, ARP, NA …).
fn vrrp_of(frame: &[u8]) -> Option<Vrrp<'_>> {
    let eth = EthernetFrame::parse(frame).ok()?;
    match eth.ethertype {
        ETHERTYPE_IPV4 => {
            let (ip, mut payload) = Ipv4Header::parse(eth.payload).ok()?;
            assert!(ip.checksum_valid(eth.payload), "IPv4 header checksum");
            match ip.protocol {
                IP_PROTOCOL_VRRP => {}
                IP_PROTOCOL_AH if payload[0] == IP_PROTOCOL_VRRP => {
                    payload = &payload[(usize::from(payload[1]) + 2) * 4..];
                }
                _ => return None,
            }
            Some(Vrrp {
                src: IpAddr::V4(ip.source),
                dst: IpAddr::V4(ip.destination),
                hop_limit: ip.ttl,
                message: payload,
            })
        }
        ETHERTYPE_IPV6 => {
            let (ip, payload) = Ipv6Header::parse(eth.payload).ok()?;
            (ip.next_header == IP_PROTOCOL_VRRP).then_some(Vrrp {
                src: IpAddr::V6(ip.source),
                dst: IpAddr::V6(ip.destination),
                hop_limit: ip.hop_limit,
                message: payload,
            })
        }
        _ => None,
    }
}

/// What was checked in one capture.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    adverts: usize,
    garps: usize,
    other_arps: usize,
    nas: usize,
}

fn field<'a>(row: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    row.get(name).map(String::as_str).unwrap_or("")
}

fn check_advert(number: usize, vrrp: &Vrrp<'_>, row: &BTreeMap<String, String>) {
    let at = format!("frame {number}");
    let family = Family::of(&vrrp.src);
    let packet = Packet::new_checked(vrrp.message, family).unwrap_or_else(|e| panic!("{at}: {e}"));
    let advert = Advert::parse(&packet).unwrap_or_else(|e| panic!("{at}: {e}"));
    assert_eq!(
        packet.message_len(),
        vrrp.message.len(),
        "{at}: trailing bytes"
    );
    assert_eq!(vrrp.hop_limit, 255, "{at}: TTL / hop limit");

    let convention = match advert.version {
        Version::V2 => ChecksumConvention::MessageOnly,
        Version::V3 => ChecksumConvention::PseudoHeader,
    };
    assert!(
        packet.verify_checksum(vrrp.src, vrrp.dst, convention),
        "{at}: checksum"
    );
    assert_eq!(
        packet.detect_checksum(vrrp.src, vrrp.dst),
        Some(convention),
        "{at}: detected convention"
    );
    assert_eq!(
        field(row, "vrrp.checksum.status"),
        "1",
        "{at}: tshark checksum"
    );

    assert_eq!(
        field(row, "vrrp.version"),
        advert.version.number().to_string(),
        "{at}"
    );
    assert_eq!(field(row, "vrrp.type"), "1", "{at}");
    assert_eq!(
        field(row, "vrrp.virt_rtr_id"),
        advert.vrid.to_string(),
        "{at}"
    );
    assert_eq!(field(row, "vrrp.prio"), advert.priority.to_string(), "{at}");
    assert_eq!(
        field(row, "vrrp.addr_count"),
        advert.addresses.len().to_string(),
        "{at}"
    );
    match advert.version {
        Version::V2 => {
            assert_eq!(
                field(row, "vrrp.adver_int"),
                (advert.interval_cs / 100).to_string(),
                "{at}"
            );
            let auth = advert.authentication.type_number().to_string();
            assert_eq!(field(row, "vrrp.auth_type"), auth, "{at}");
            let text: String = packet
                .auth_data()
                .iter()
                .take_while(|b| **b != 0)
                .map(|b| char::from(*b))
                .collect();
            if advert.authentication.type_number() == 1 {
                assert_eq!(field(row, "vrrp.auth_string"), text, "{at}: password");
            }
        }
        Version::V3 => {
            assert_eq!(
                field(row, "vrrp.short_adver_int"),
                advert.interval_cs.to_string(),
                "{at}"
            );
        }
    }
    let (ip_src, ip_dst) = match family {
        Family::Ipv4 => ("ip.src", "ip.dst"),
        Family::Ipv6 => ("ipv6.src", "ipv6.dst"),
    };
    assert_eq!(field(row, ip_src), vrrp.src.to_string(), "{at}");
    assert_eq!(field(row, ip_dst), vrrp.dst.to_string(), "{at}");

    let mut buf = vec![0xa5u8; advert.buffer_len(family)];
    advert.emit(
        &mut Packet::new_unchecked(&mut buf[..], family),
        vrrp.src,
        vrrp.dst,
        convention,
    );
    assert_eq!(buf, vrrp.message, "{at}: re-emitted bytes differ");
}

/// Checks an ARP frame against tshark; returns whether it is a gratuitous ARP (then also
/// rebuilt byte-identical). The split-brain capture also holds a client's ordinary ARPs.
fn check_arp(number: usize, data: &[u8], row: &BTreeMap<String, String>) -> bool {
    let at = format!("frame {number}");
    let frame = ArpFrame::parse(data).unwrap_or_else(|e| panic!("{at}: {e}"));
    let arp = frame.arp;
    assert_eq!(
        field(row, "arp.opcode"),
        arp.operation.code().to_string(),
        "{at}"
    );
    assert_eq!(
        field(row, "arp.src.proto_ipv4"),
        arp.sender_ip.to_string(),
        "{at}"
    );
    assert_eq!(
        field(row, "arp.dst.proto_ipv4"),
        arp.target_ip.to_string(),
        "{at}"
    );
    assert_eq!(field(row, "eth.src"), frame.source.to_string(), "{at}");
    assert_eq!(field(row, "eth.dst"), frame.destination.to_string(), "{at}");
    let Some(address) = arp.gratuitous_address() else {
        assert_ne!(arp.sender_ip, arp.target_ip, "{at}: announcement missed");
        return false;
    };
    assert_eq!(
        ArpFrame::gratuitous(frame.source, address).to_bytes(),
        data,
        "{at}: rebuilt"
    );
    true
}

fn check_na(number: usize, data: &[u8], row: &BTreeMap<String, String>) {
    let at = format!("frame {number}");
    let frame = NeighbourAdvertFrame::parse(data).unwrap_or_else(|e| panic!("{at}: {e}"));
    let address = frame
        .unsolicited_address()
        .unwrap_or_else(|| panic!("{at}: solicited"));
    assert_eq!(
        field(row, "icmpv6.nd.na.target_address"),
        address.to_string(),
        "{at}"
    );
    assert_eq!(field(row, "ipv6.hlim"), "255", "{at}");
    let rebuilt = NeighbourAdvertFrame::unsolicited(frame.source, address, frame.advert.router);
    assert_eq!(rebuilt.to_bytes(), data, "{at}: rebuilt");
}

/// Checks every VRRP / ARP / NA frame of `pcap` against the tshark table in `table`.
fn check_capture(pcap: &Path, table: &str) -> Counts {
    let rows = read_tshark_table(table);
    let mut counts = Counts::default();
    for frame in read_pcap(pcap) {
        let name = format!("{} frame {}", pcap.display(), frame.number);
        if let Some(vrrp) = vrrp_of(&frame.data) {
            let row = rows
                .get(&frame.number)
                .unwrap_or_else(|| panic!("{name}: not in tshark table"));
            check_advert(frame.number, &vrrp, row);
            counts.adverts += 1;
        } else if EthernetFrame::parse(&frame.data).is_ok_and(|e| e.ethertype == ETHERTYPE_ARP) {
            let row = rows
                .get(&frame.number)
                .unwrap_or_else(|| panic!("{name}: not in tshark table"));
            if check_arp(frame.number, &frame.data, row) {
                counts.garps += 1;
            } else {
                counts.other_arps += 1;
            }
        } else if let Some(row) = rows.get(&frame.number)
            && row.contains_key("icmpv6.nd.na.target_address")
        {
            check_na(frame.number, &frame.data, row);
            counts.nas += 1;
        }
    }
    let in_table = |key: &str| rows.values().filter(|r| r.contains_key(key)).count();
    assert_eq!(
        counts.adverts,
        in_table("vrrp.version"),
        "{}: VRRP frames",
        pcap.display()
    );
    assert_eq!(
        counts.garps + counts.other_arps,
        in_table("arp.opcode"),
        "{}: ARP frames",
        pcap.display()
    );
    assert_eq!(
        counts.nas,
        in_table("icmpv6.nd.na.target_address"),
        "{}: NAs",
        pcap.display()
    );
    counts
}

/// The corpus of real keepalived captures and configs in this repository (`testdata/corpus`).
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus")
}

fn extra_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/keepalived-extra")
}

#[test]
fn every_corpus_advert_and_garp_parses_verifies_and_re_emits_identically() {
    let dir = corpus_dir();
    let mut pcaps: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .collect();
    pcaps.sort();
    assert!(!pcaps.is_empty(), "no pcap in {}", dir.display());
    let mut total = Counts::default();
    for pcap in &pcaps {
        let table = std::fs::read_to_string(pcap.with_extension("tshark.txt")).unwrap();
        let counts = check_capture(pcap, &table);
        assert!(counts.adverts > 0, "{}: no adverts", pcap.display());
        total.adverts += counts.adverts;
        total.garps += counts.garps;
        total.other_arps += counts.other_arps;
        total.nas += counts.nas;
    }
    // The corpus as of MANIFEST.md: five IPv4 captures with 397 adverts, 280 gratuitous ARPs and
    // 12 ordinary ARPs (split-brain's ping client resolving the VIP).
    assert!(total.adverts >= 397, "{total:?}");
    assert!(total.garps >= 280, "{total:?}");
}

#[test]
fn extra_capture_with_v2_noauth_ah_v3_ipv6_and_nas_matches_tshark() {
    let dir = extra_dir();
    let table = std::fs::read_to_string(dir.join("keepalived-extra.tshark.tsv")).unwrap();
    let counts = check_capture(&dir.join("keepalived-extra.pcap"), &table);
    assert_eq!(
        counts,
        Counts {
            adverts: 33,
            garps: 45,
            other_arps: 0,
            nas: 20
        }
    );
}
