//! Property: every valid advert survives emit → new_checked → parse unchanged, its checksum
//! verifies under the convention it was emitted with, and emit writes every byte of the buffer.
//! And for arbitrary bytes: parsing never panics, and whatever parses re-emits to the same advert.

use crate::wire::{Advert, Authentication, ChecksumConvention, Family, Packet, Version};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn address(family: Family) -> BoxedStrategy<IpAddr> {
    match family {
        Family::Ipv4 => any::<[u8; 4]>()
            .prop_map(|o| IpAddr::V4(Ipv4Addr::from(o)))
            .boxed(),
        Family::Ipv6 => any::<[u8; 16]>()
            .prop_map(|o| IpAddr::V6(Ipv6Addr::from(o)))
            .boxed(),
    }
}

fn authentication() -> impl Strategy<Value = Authentication> {
    prop_oneof![
        Just(Authentication::None),
        any::<[u8; 8]>().prop_map(Authentication::SimplePassword),
        Just(Authentication::IpAh),
        Just(Authentication::CiscoMd5),
        (3u8..=255)
            .prop_filter("254 is Cisco MD5", |t| *t != 254)
            .prop_map(Authentication::Unknown),
    ]
}

fn convention() -> impl Strategy<Value = ChecksumConvention> {
    prop_oneof![
        Just(ChecksumConvention::PseudoHeader),
        Just(ChecksumConvention::MessageOnly),
    ]
}

/// A valid advert with its family, source and destination.
fn valid_advert() -> impl Strategy<Value = (Advert, IpAddr, IpAddr)> {
    prop_oneof![
        Just((Version::V2, Family::Ipv4)),
        Just((Version::V3, Family::Ipv4)),
        Just((Version::V3, Family::Ipv6)),
    ]
    .prop_flat_map(|(version, family)| {
        let interval_cs = match version {
            Version::V2 => (0u16..=255).prop_map(|s| s * 100).boxed(),
            Version::V3 => (0u16..=0x0fff).boxed(),
        };
        let authentication = match version {
            Version::V2 => authentication().boxed(),
            Version::V3 => Just(Authentication::None).boxed(),
        };
        (
            any::<u8>(),
            any::<u8>(),
            interval_cs,
            authentication,
            proptest::collection::vec(address(family), 0..=255),
            address(family),
            address(family),
        )
            .prop_map(
                move |(vrid, priority, interval_cs, authentication, addresses, src, dst)| {
                    let advert = Advert {
                        version,
                        vrid,
                        priority,
                        interval_cs,
                        authentication,
                        addresses,
                    };
                    (advert, src, dst)
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_advert_round_trips_and_its_checksum_verifies(
        (advert, src, dst) in valid_advert(),
        convention in convention(),
    ) {
        let family = Family::of(&src);
        let bytes = advert.to_bytes(src, dst, convention);
        prop_assert_eq!(bytes.len(), advert.buffer_len(family));

        let mut prefilled = vec![0xa5u8; bytes.len()];
        advert.emit(&mut Packet::new_unchecked(&mut prefilled[..], family), src, dst, convention);
        prop_assert_eq!(&prefilled, &bytes, "emit left a byte unwritten");

        let packet = Packet::new_checked(&bytes[..], family).unwrap();
        prop_assert_eq!(packet.message_len(), bytes.len());
        prop_assert!(packet.verify_checksum(src, dst, convention));
        prop_assert!(packet.detect_checksum(src, dst).is_some());
        prop_assert_eq!(Advert::parse(&packet).unwrap(), advert);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_what_parses_re_emits_equal(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        ipv6 in any::<bool>(),
    ) {
        let (family, src, dst) = if ipv6 {
            (Family::Ipv6, IpAddr::V6(Ipv6Addr::LOCALHOST), crate::wire::Family::Ipv6.multicast_group())
        } else {
            (Family::Ipv4, IpAddr::V4(Ipv4Addr::LOCALHOST), crate::wire::Family::Ipv4.multicast_group())
        };
        if let Ok(packet) = Packet::new_checked(&bytes[..], family) {
            let _ = packet.addresses().count();
            let _ = (packet.auth_data(), packet.interval_cs(), packet.detect_checksum(src, dst));
            if let Ok(advert) = Advert::parse(&packet) {
                let again = advert.to_bytes(src, dst, ChecksumConvention::PseudoHeader);
                prop_assert_eq!(Advert::parse_bytes(&again, family).unwrap(), advert);
            }
        }
    }
}
