//! Real gratuitous ARPs and unsolicited neighbour advertisements: every field as tshark decodes
//! it, and keepalived's frame rebuilt byte-identical into a buffer pre-filled with 0xa5.

use super::frames::*;
use crate::wire::arp::{ArpFrame, ArpOperation, FRAME_LEN};
use crate::wire::ndp::{ALL_NODES, NeighbourAdvertFrame};
use crate::wire::{MacAddress, is_gratuitous_arp, is_unsolicited_na};
use std::net::{Ipv4Addr, Ipv6Addr};

const H1: MacAddress = MacAddress([0x02, 0, 0, 0, 0, 0x01]);

#[test]
fn keepalived_gratuitous_arp_parses_field_by_field() {
    // tshark: eth 02:00:00:00:00:01 -> ff:ff:ff:ff:ff:ff, ARP request, is_gratuitous True,
    // sender 02:00:00:00:00:01 / 192.0.2.100, target ff:ff:ff:ff:ff:ff / 192.0.2.100.
    let frame = ArpFrame::parse(&GARP_H1_VIP).unwrap();
    assert_eq!(frame.destination, MacAddress::BROADCAST);
    assert_eq!(frame.source, H1);
    assert_eq!(frame.arp.operation, ArpOperation::Request);
    assert_eq!(frame.arp.sender_mac, H1);
    assert_eq!(frame.arp.sender_ip, Ipv4Addr::new(192, 0, 2, 100));
    assert_eq!(frame.arp.target_mac, MacAddress::BROADCAST);
    assert_eq!(frame.arp.target_ip, Ipv4Addr::new(192, 0, 2, 100));
    assert_eq!(
        frame.arp.gratuitous_address(),
        Some(Ipv4Addr::new(192, 0, 2, 100))
    );
    assert!(is_gratuitous_arp(&GARP_H1_VIP));
}

#[test]
fn gratuitous_arp_emitter_rebuilds_keepalived_frames_byte_for_byte() {
    for (captured, vip) in [
        (&GARP_H1_VIP, Ipv4Addr::new(192, 0, 2, 100)),
        (&GARP_EXTRA_161, Ipv4Addr::new(192, 0, 2, 161)),
    ] {
        let garp = ArpFrame::gratuitous(H1, vip);
        assert_eq!(garp.buffer_len(), FRAME_LEN);
        let mut buf = [0xa5u8; FRAME_LEN];
        garp.emit(&mut buf);
        assert_eq!(&buf, captured);
        assert_eq!(ArpFrame::parse(captured).unwrap(), garp);
    }
}

#[test]
fn gratuitous_arp_padded_to_the_ethernet_minimum_still_parses() {
    let mut padded = GARP_H1_VIP.to_vec();
    padded.resize(60, 0);
    assert!(is_gratuitous_arp(&padded));
}

#[test]
fn vrrp_advert_frame_is_neither_garp_nor_na() {
    assert!(!is_gratuitous_arp(&V2_PASS_PRIO_100));
    assert!(!is_unsolicited_na(&V3_IPV6_2_ADDRS));
    assert!(!is_gratuitous_arp(&NA_VIP_100));
    assert!(!is_unsolicited_na(&GARP_H1_VIP));
}

fn vip() -> Ipv6Addr {
    "2001:db8::100".parse().unwrap()
}

#[test]
fn keepalived_unsolicited_na_parses_field_by_field() {
    // tshark: eth 02:00:00:00:00:01 -> 33:33:00:00:00:01, 2001:db8::100 -> ff02::1, hop limit
    // 255, ICMPv6 type 136 code 0, checksum 0xf72c good, flags 0x20000000 (override only),
    // target 2001:db8::100, option type 2 (target link-layer address) 02:00:00:00:00:01.
    let frame = NeighbourAdvertFrame::parse(&NA_VIP_100).unwrap();
    assert_eq!(frame.destination, MacAddress([0x33, 0x33, 0, 0, 0, 1]));
    assert_eq!(frame.source, H1);
    assert_eq!(frame.ip_source, vip());
    assert_eq!(frame.ip_destination, ALL_NODES);
    assert_eq!(frame.hop_limit, 255);
    assert!(!frame.advert.router);
    assert!(!frame.advert.solicited);
    assert!(frame.advert.override_flag);
    assert_eq!(frame.advert.target, vip());
    assert_eq!(frame.advert.target_mac, Some(H1));
    assert_eq!(frame.unsolicited_address(), Some(vip()));
    assert_eq!(u16::from_be_bytes([NA_VIP_100[56], NA_VIP_100[57]]), 0xf72c);
    assert!(is_unsolicited_na(&NA_VIP_100));
}

#[test]
fn unsolicited_na_emitter_rebuilds_keepalived_frame_byte_for_byte() {
    let na = NeighbourAdvertFrame::unsolicited(H1, vip(), false);
    assert_eq!(na.buffer_len(), NA_VIP_100.len());
    let mut buf = [0xa5u8; 86];
    na.emit(&mut buf);
    assert_eq!(buf, NA_VIP_100);
}

#[test]
fn router_flag_changes_flags_and_checksum_and_still_verifies() {
    let na = NeighbourAdvertFrame::unsolicited(H1, vip(), true);
    let bytes = na.to_bytes();
    assert_eq!(bytes[14 + 40 + 4], 0xa0, "R and O set");
    assert_ne!(bytes[56..58], NA_VIP_100[56..58]);
    assert_eq!(NeighbourAdvertFrame::parse(&bytes).unwrap(), na);
}

#[test]
fn na_with_a_flipped_byte_fails_its_checksum() {
    let mut bytes = NA_VIP_100;
    bytes[14 + 40 + 8 + 15] ^= 0x01; // last byte of the target address
    assert_eq!(
        NeighbourAdvertFrame::parse(&bytes).unwrap_err(),
        crate::wire::FrameError::Checksum
    );
    assert!(!is_unsolicited_na(&bytes));
}
