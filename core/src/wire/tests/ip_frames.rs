//! keepalived's VRRP frames read with `IpFrame::parse` and rebuilt byte-identical with
//! `IpFrame::vrrp` once the fields the kernel picks per packet (IPv4 identification, IPv6 flow
//! label) are copied over.

use super::frames::*;
use crate::wire::{
    IP_PROTOCOL_VRRP, IpFrame, IpHeader, MULTICAST_GROUP_V4, MULTICAST_GROUP_V6, MacAddress,
};
use std::net::{IpAddr, Ipv4Addr};

const H1: MacAddress = MacAddress([0x02, 0, 0, 0, 0, 0x01]);

#[test]
fn keepalived_ipv4_vrrp_frames_are_rebuilt_byte_for_byte() {
    for captured in [&V2_PASS_PRIO_100[..], &V3_IPV4_PRIO_200, &V2_NOAUTH_3_ADDRS] {
        let parsed = IpFrame::parse(captured).unwrap();
        assert_eq!(parsed.header.protocol(), IP_PROTOCOL_VRRP);
        let IpHeader::V4(seen) = parsed.header else {
            panic!("IPv4 frame parsed as {:?}", parsed.header)
        };
        let mut frame = IpFrame::vrrp(
            MacAddress::ipv4_multicast(MULTICAST_GROUP_V4),
            H1,
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11)),
            IpAddr::V4(MULTICAST_GROUP_V4),
            255,
            parsed.payload,
        )
        .unwrap();
        if let IpHeader::V4(h) = &mut frame.header {
            h.identification = seen.identification;
        }
        assert_eq!(frame.to_bytes(), captured);
    }
}

#[test]
fn keepalived_ipv6_vrrp_frame_is_rebuilt_byte_for_byte() {
    for captured in [&V3_IPV6_2_ADDRS, &V3_IPV6_PRIO_0] {
        let parsed = IpFrame::parse(captured).unwrap();
        let IpHeader::V6(seen) = parsed.header else {
            panic!("IPv6 frame parsed as {:?}", parsed.header)
        };
        assert_eq!(parsed.header.destination(), IpAddr::V6(MULTICAST_GROUP_V6));
        let mut frame = IpFrame::vrrp(
            MacAddress::ipv6_multicast(MULTICAST_GROUP_V6),
            H1,
            parsed.header.source(),
            IpAddr::V6(MULTICAST_GROUP_V6),
            255,
            parsed.payload,
        )
        .unwrap();
        if let IpHeader::V6(h) = &mut frame.header {
            h.flow_label = seen.flow_label;
        }
        let mut buf = [0xa5u8; 94];
        frame.emit(&mut buf);
        assert_eq!(&buf, captured);
    }
}
