//! Real adverts: every field as tshark decodes it, the checksum under the right convention, and
//! the advert emitted back byte-identical into a buffer pre-filled with 0xa5.

use super::frames::*;
use super::{ip, ip_layer};
use crate::wire::{Advert, Authentication, ChecksumConvention, Family, Packet, Version};

/// Parses the VRRP message of `frame`, compares it with `expected`, checks the carried checksum
/// and that it verifies (and is detected) under `convention`, then emits `expected` back and
/// compares bytes.
fn check(frame: &[u8], expected: &Advert, checksum: u16, convention: ChecksumConvention) {
    let layer = ip_layer(frame);
    assert_eq!(layer.hop_limit, 255, "TTL / hop limit");
    let family = Family::of(&layer.src);
    let packet = Packet::new_checked(layer.vrrp, family).unwrap();
    assert_eq!(packet.version_number(), expected.version.number());
    assert_eq!(packet.msg_type(), 1, "type ADVERTISEMENT");
    assert_eq!(packet.vrid(), expected.vrid);
    assert_eq!(packet.priority(), expected.priority);
    assert_eq!(usize::from(packet.count_addrs()), expected.addresses.len());
    assert_eq!(packet.checksum(), checksum);
    assert_eq!(packet.message_len(), layer.vrrp.len(), "no trailing bytes");
    assert!(packet.verify_checksum(layer.src, layer.dst, convention));
    assert_eq!(
        packet.detect_checksum(layer.src, layer.dst),
        Some(convention)
    );
    assert_eq!(&Advert::parse(&packet).unwrap(), expected);

    let mut buf = vec![0xa5u8; expected.buffer_len(family)];
    let mut out = Packet::new_unchecked(&mut buf[..], family);
    expected.emit(&mut out, layer.src, layer.dst, convention);
    assert_eq!(buf, layer.vrrp, "emitted bytes differ from the capture");
}

fn v2_pass(priority: u8) -> Advert {
    Advert {
        version: Version::V2,
        vrid: 51,
        priority,
        interval_cs: 100,
        authentication: Authentication::simple_password("1111"),
        addresses: vec![ip("192.0.2.100")],
    }
}

#[test]
fn keepalived_v2_pass_advert_parses_field_by_field_and_emits_identically() {
    // tshark: version 2, type 1, VRID 51, prio 100, count 1, auth type 1 "1111", adver_int 1,
    // checksum 0x5503 good, 192.0.2.100.
    check(
        &V2_PASS_PRIO_100,
        &v2_pass(100),
        0x5503,
        ChecksumConvention::MessageOnly,
    );
    let layer = ip_layer(&V2_PASS_PRIO_100);
    let packet = Packet::new_checked(layer.vrrp, Family::Ipv4).unwrap();
    assert_eq!(packet.auth_type(), 1);
    assert_eq!(packet.interval_cs(), 100);
    assert_eq!(&packet.auth_data(), b"1111\0\0\0\0");
    assert_eq!((layer.src, layer.dst), (ip("192.0.2.11"), ip("224.0.0.18")));
}

#[test]
fn keepalived_v2_priority_zero_advert_parses_and_emits_identically() {
    // tshark: prio 0, checksum 0xb903 good; everything else as the prio-100 advert.
    check(
        &V2_PASS_PRIO_0,
        &v2_pass(0),
        0xb903,
        ChecksumConvention::MessageOnly,
    );
}

#[test]
fn keepalived_v2_without_auth_carries_three_addresses_and_zero_auth_data() {
    // tshark: version 2, VRID 61, prio 150, count 3, auth type 0, adver_int 1, checksum 0x00d6.
    let advert = Advert {
        version: Version::V2,
        vrid: 61,
        priority: 150,
        interval_cs: 100,
        authentication: Authentication::None,
        addresses: vec![ip("192.0.2.161"), ip("192.0.2.162"), ip("192.0.2.163")],
    };
    check(
        &V2_NOAUTH_3_ADDRS,
        &advert,
        0x00d6,
        ChecksumConvention::MessageOnly,
    );
    let layer = ip_layer(&V2_NOAUTH_3_ADDRS);
    let packet = Packet::new_checked(layer.vrrp, Family::Ipv4).unwrap();
    assert_eq!(packet.auth_type(), 0);
    assert_eq!(packet.auth_data(), [0; 8]);
    let resign = Advert {
        priority: 0,
        ..advert
    };
    check(
        &V2_NOAUTH_PRIO_0,
        &resign,
        0x96d6,
        ChecksumConvention::MessageOnly,
    );
}

#[test]
fn keepalived_v2_inside_ip_ah_is_auth_type_two_recognised_as_unsupported() {
    // tshark: IP proto 51 (AH, next header 112, SPI = 192.0.2.11), then VRRP version 2, VRID 64,
    // prio 130, auth type 2, adver_int 2, checksum 0x9816, 192.0.2.165, zero auth data.
    let advert = Advert {
        version: Version::V2,
        vrid: 64,
        priority: 130,
        interval_cs: 200,
        authentication: Authentication::IpAh,
        addresses: vec![ip("192.0.2.165")],
    };
    check(&V2_AH, &advert, 0x9816, ChecksumConvention::MessageOnly);
}

fn v3_ipv4(priority: u8) -> Advert {
    Advert {
        version: Version::V3,
        vrid: 51,
        priority,
        interval_cs: 10,
        authentication: Authentication::None,
        addresses: vec![ip("192.0.2.100")],
    }
}

#[test]
fn keepalived_v3_ipv4_advert_uses_the_pseudo_header_and_emits_identically() {
    // tshark: version 3, VRID 51, prio 200, count 1, short_adver_int 10, checksum 0xa1c1 good
    // (tshark's default: with the IPv4 pseudo-header).
    check(
        &V3_IPV4_PRIO_200,
        &v3_ipv4(200),
        0xa1c1,
        ChecksumConvention::PseudoHeader,
    );
    let layer = ip_layer(&V3_IPV4_PRIO_200);
    let packet = Packet::new_checked(layer.vrrp, Family::Ipv4).unwrap();
    assert!(!packet.verify_checksum(layer.src, layer.dst, ChecksumConvention::MessageOnly));
    assert_eq!(packet.auth_data(), [0; 8], "v3 has no auth data");
}

#[test]
fn keepalived_v3_ipv4_priority_zero_and_half_second_adverts_round_trip() {
    check(
        &V3_IPV4_PRIO_0,
        &v3_ipv4(0),
        0x69c2,
        ChecksumConvention::PseudoHeader,
    );
    // tshark: VRID 62, prio 120, short_adver_int 50, checksum 0xf14e, 192.0.2.164.
    let advert = Advert {
        vrid: 62,
        priority: 120,
        interval_cs: 50,
        addresses: vec![ip("192.0.2.164")],
        ..v3_ipv4(0)
    };
    check(
        &V3_IPV4_50CS,
        &advert,
        0xf14e,
        ChecksumConvention::PseudoHeader,
    );
}

#[test]
fn v3_ipv4_message_only_checksum_matches_what_tshark_accepts_as_rfc_9568() {
    // keepalived 2.2.7 has no `v3_checksum_as_v2` ("Unknown keyword"), so this vector was checked
    // with tshark -o vrrp.v3_checksum_as_in_v2:TRUE (status good) on the same message: 0x445c.
    let layer = ip_layer(&V3_IPV4_PRIO_200);
    let bytes = v3_ipv4(200).to_bytes(layer.src, layer.dst, ChecksumConvention::MessageOnly);
    let packet = Packet::new_checked(&bytes[..], Family::Ipv4).unwrap();
    assert_eq!(packet.checksum(), 0x445c);
    assert!(packet.verify_checksum(layer.src, layer.dst, ChecksumConvention::MessageOnly));
    assert!(!packet.verify_checksum(layer.src, layer.dst, ChecksumConvention::PseudoHeader));
    assert_eq!(
        packet.detect_checksum(layer.src, layer.dst),
        Some(ChecksumConvention::MessageOnly)
    );
    // Only the checksum differs from keepalived's bytes.
    assert_eq!(bytes[..6], layer.vrrp[..6]);
    assert_eq!(bytes[8..], layer.vrrp[8..]);
}

fn v3_ipv6(priority: u8) -> Advert {
    Advert {
        version: Version::V3,
        vrid: 63,
        priority,
        interval_cs: 100,
        authentication: Authentication::None,
        addresses: vec![ip("2001:db8::100"), ip("2001:db8::101")],
    }
}

#[test]
fn keepalived_v3_ipv6_advert_uses_the_ipv6_pseudo_header_and_emits_identically() {
    // tshark: fe80::ff:fe00:1 -> ff02::12, hop limit 255, version 3, VRID 63, prio 110,
    // count 2, short_adver_int 100, checksum 0x05b8 good.
    check(
        &V3_IPV6_2_ADDRS,
        &v3_ipv6(110),
        0x05b8,
        ChecksumConvention::PseudoHeader,
    );
    check(
        &V3_IPV6_PRIO_0,
        &v3_ipv6(0),
        0x73b8,
        ChecksumConvention::PseudoHeader,
    );
    let layer = ip_layer(&V3_IPV6_2_ADDRS);
    assert_eq!(
        (layer.src, layer.dst),
        (ip("fe80::ff:fe00:1"), ip("ff02::12"))
    );
    // Wrong source in the pseudo-header: no convention verifies.
    let packet = Packet::new_checked(layer.vrrp, Family::Ipv6).unwrap();
    assert_eq!(packet.detect_checksum(ip("fe80::1"), layer.dst), None);
}

#[test]
fn trailing_padding_is_ignored_by_the_parser_and_excluded_from_the_checksum() {
    let layer = ip_layer(&V2_PASS_PRIO_100);
    let mut padded = layer.vrrp.to_vec();
    padded.extend_from_slice(&[0; 6]);
    let packet = Packet::new_checked(&padded[..], Family::Ipv4).unwrap();
    assert_eq!(packet.message_len(), layer.vrrp.len());
    assert_eq!(packet.message(), layer.vrrp);
    assert!(packet.verify_checksum(layer.src, layer.dst, ChecksumConvention::MessageOnly));
    assert_eq!(Advert::parse(&packet).unwrap(), v2_pass(100));
}

/// A Cisco IOS VRRPv2 advert with MD5 authentication (auth type 254), one address, 50 bytes of
/// IP payload: header, address, 8 zero bytes and a 30-byte MD5 block whose last 16 bytes are
/// the digest. Built for this test; tshark 4.0.17 decodes it as "Cisco VRRP MD5
/// authentication (254)", "Checksum: 0x229b [correct]" (a checksum over the whole payload),
/// and shows the last 16 bytes as "MD5 Authentication Data".
const CISCO_MD5: &str = "21016e01fe01229b0a0000010000000000000000031c010000000a00000200000001\
                         000102030405060708090a0b0c0d0e0f";

#[test]
fn cisco_md5_advert_is_recognised_its_whole_payload_is_the_message_and_the_checksum_verifies() {
    let bytes: Vec<u8> = (0..CISCO_MD5.len() / 2)
        .map(|i| u8::from_str_radix(&CISCO_MD5[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    assert_eq!(bytes.len(), 50);
    let packet = Packet::new_checked(&bytes[..], Family::Ipv4).unwrap();
    assert!(packet.is_cisco_md5());
    assert_eq!(packet.message_len(), 50);
    let (src, dst) = (ip("10.0.0.2"), ip("224.0.0.18"));
    assert_eq!(
        packet.detect_checksum(src, dst),
        Some(ChecksumConvention::MessageOnly)
    );
    let advert = Advert::parse(&packet).unwrap();
    assert_eq!(advert.authentication, Authentication::CiscoMd5);
    assert_eq!(advert.addresses, vec![ip("10.0.0.1")]);
    assert_eq!((advert.priority, advert.interval_cs), (110, 100));
    // Shorter than header + address + digest: truncated, not misread.
    assert!(Packet::new_checked(&bytes[..27], Family::Ipv4).is_err());
    assert!(Packet::new_checked(&bytes[..28], Family::Ipv4).is_ok());
}
