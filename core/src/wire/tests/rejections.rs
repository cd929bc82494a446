//! One test per rejection rule of the VRRP codec, each starting from a real advert and breaking
//! exactly one thing.

use super::frames::*;
use super::ip_layer;
use crate::wire::{Advert, ChecksumConvention, Family, Packet, WireError};

fn v2() -> Vec<u8> {
    ip_layer(&V2_PASS_PRIO_100).vrrp.to_vec()
}

fn v3_ipv6() -> Vec<u8> {
    ip_layer(&V3_IPV6_2_ADDRS).vrrp.to_vec()
}

#[test]
fn shorter_than_the_fixed_header_is_truncated() {
    let bytes = v2();
    assert_eq!(
        Advert::parse_bytes(&bytes[..7], Family::Ipv4).unwrap_err(),
        WireError::Truncated { len: 7, needed: 8 }
    );
    assert_eq!(
        Advert::parse_bytes(&[], Family::Ipv4).unwrap_err(),
        WireError::Truncated { len: 0, needed: 8 }
    );
}

#[test]
fn count_announcing_more_addresses_than_present_is_truncated() {
    let mut bytes = v3_ipv6();
    bytes[3] = 3; // three IPv6 addresses announced, two present
    assert_eq!(
        Advert::parse_bytes(&bytes, Family::Ipv6).unwrap_err(),
        WireError::Truncated {
            len: 40,
            needed: 56
        }
    );
}

#[test]
fn v2_missing_its_eight_auth_bytes_is_truncated() {
    let bytes = v2();
    assert_eq!(
        Advert::parse_bytes(&bytes[..12], Family::Ipv4).unwrap_err(),
        WireError::Truncated {
            len: 12,
            needed: 20
        }
    );
}

#[test]
fn version_other_than_two_or_three_is_unknown() {
    for version in [0u8, 1, 4, 15] {
        let mut bytes = v2();
        bytes[0] = (version << 4) | 1;
        assert_eq!(
            Advert::parse_bytes(&bytes, Family::Ipv4).unwrap_err(),
            WireError::UnknownVersion(version)
        );
    }
}

#[test]
fn version_two_read_as_ipv6_is_refused() {
    let mut bytes = v3_ipv6();
    bytes[0] = 0x21;
    assert_eq!(
        Advert::parse_bytes(&bytes, Family::Ipv6).unwrap_err(),
        WireError::V2OverIpv6
    );
}

#[test]
fn type_other_than_advertisement_is_unknown_but_the_view_still_reads() {
    let mut bytes = v2();
    bytes[0] = 0x22;
    let packet = Packet::new_checked(&bytes[..], Family::Ipv4).unwrap();
    assert_eq!(packet.msg_type(), 2);
    assert_eq!(
        Advert::parse(&packet).unwrap_err(),
        WireError::UnknownType(2)
    );
}

#[test]
fn any_flipped_bit_fails_the_checksum_under_every_convention() {
    let layer = ip_layer(&V3_IPV4_PRIO_200);
    let clean = layer.vrrp.to_vec();
    for byte in 0..clean.len() {
        let mut bytes = clean.clone();
        bytes[byte] ^= 0x01; // the low bit: byte 0 keeps its version nibble
        let packet = Packet::new_checked(&bytes[..], Family::Ipv4).unwrap();
        assert_eq!(
            packet.detect_checksum(layer.src, layer.dst),
            None,
            "byte {byte}"
        );
        assert!(!packet.verify_checksum(layer.src, layer.dst, ChecksumConvention::PseudoHeader));
    }
}

#[test]
fn unchecked_view_over_short_bytes_parses_to_an_error_not_a_panic() {
    let packet = Packet::new_unchecked(&[0x31u8, 51][..], Family::Ipv4);
    assert_eq!(
        Advert::parse(&packet).unwrap_err(),
        WireError::Truncated { len: 2, needed: 8 }
    );
}
