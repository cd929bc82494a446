//! parse → emit → parse → equal, for VRRP adverts of both families and both v3-over-IPv4
//! checksum conventions. The first input byte picks family and convention; the rest is the
//! VRRP message. Also: every accessor of a checked packet is panic-free, emitted bytes verify
//! under the convention they were emitted with, and a second emit gives the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use vrrplab_core::wire::{Advert, ChecksumConvention, Family, Packet};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, message)) = data.split_first() else {
        return;
    };
    let (family, src, dst) = if selector & 1 == 0 {
        (
            Family::Ipv4,
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11)),
            Family::Ipv4.multicast_group(),
        )
    } else {
        (
            Family::Ipv6,
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1)),
            Family::Ipv6.multicast_group(),
        )
    };
    let convention = if selector & 2 == 0 {
        ChecksumConvention::PseudoHeader
    } else {
        ChecksumConvention::MessageOnly
    };

    let Ok(packet) = Packet::new_checked(message, family) else {
        return;
    };
    // No accessor may panic once new_checked said Ok.
    let _ = (
        packet.version(),
        packet.msg_type(),
        packet.vrid(),
        packet.priority(),
        packet.auth_type(),
        packet.interval_cs(),
        packet.checksum(),
        packet.auth_data(),
        packet.message_len(),
        packet.detect_checksum(src, dst),
    );
    let _ = packet.addresses().count();

    let Ok(advert) = Advert::parse(&packet) else {
        return;
    };
    let bytes = advert.to_bytes(src, dst, convention);
    assert_eq!(bytes.len(), advert.buffer_len(family));
    let again = Packet::new_checked(&bytes[..], family).expect("emitted advert must be valid");
    assert!(again.verify_checksum(src, dst, convention));
    let reparsed = Advert::parse(&again).expect("emitted advert must parse");
    assert_eq!(reparsed, advert);
    assert_eq!(reparsed.to_bytes(src, dst, convention), bytes);
});
