//! Finding an advert's intrinsic [`Defect`]s: the checks whose outcome does not depend on who
//! receives it. [`crate::vrrp::validate::check`] (every instance's receive path) and
//! `vrrplab replay` both start from [`inspect`], so an instance and a capture analysis name the
//! same malformed bytes the same way.
//!
//! Contract: never panics on any bytes. Every defect found is reported, except that reading
//! stops at the first one that leaves the message unreadable (truncated, version, type): the
//! fields after it mean nothing. The checksum is tried under both conventions; which one
//! verified is returned for the caller to compare with what it expects.

use super::defect::{Defect, Defects};
use crate::wire::{
    Advert, Authentication, ChecksumConvention, Family, Packet, VRRP_HOP_LIMIT, WireError,
};
use std::net::IpAddr;

/// What the IP header around a VRRP message said, as far as the inspection needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// TTL / hop limit.
    pub hop_limit: u8,
    /// The IPv4 header checksum verifies (always true for IPv6, and for what a kernel hands
    /// over).
    pub ip_header_ok: bool,
    /// The advert is judged as a multicast one, whose TTL must be 255: a capture knows it from
    /// the destination, an instance from its own mode (keepalived checks the TTL whenever no
    /// unicast peer is configured, and skips it otherwise).
    pub multicast: bool,
}

/// An advert's intrinsic defects, and as much of it as could be read.
#[derive(Debug, Clone)]
pub struct Inspection<'a> {
    /// The message, when its length and version could be read.
    pub packet: Option<Packet<&'a [u8]>>,
    /// The parsed advert, when the message could be read at all (type 1 as well).
    pub advert: Option<Advert>,
    /// Everything found wrong with it.
    pub defects: Defects,
    /// Which checksum convention verified, when one did.
    pub convention: Option<ChecksumConvention>,
}

/// The defect a parser's rejection stands for.
fn unreadable(error: WireError) -> Defect {
    match error {
        WireError::Truncated { len, .. } => Defect::Truncated { len },
        WireError::UnknownVersion(received) => Defect::Version { received },
        WireError::V2OverIpv6 => Defect::Version { received: 2 },
        WireError::UnknownType(received) => Defect::Type { received },
    }
}

/// Inspects the VRRP message `payload` (the IP payload) of `family` that arrived in
/// `envelope`: IPv4 header checksum, hop limit, length and version, type, exact length, auth
/// type, checksum, VRID 0, interval 0.
pub fn inspect<'a>(payload: &'a [u8], family: Family, envelope: &Envelope) -> Inspection<'a> {
    let mut defects = Defects::default();
    if !envelope.ip_header_ok {
        defects.insert(Defect::IpHeaderChecksum);
    }
    if envelope.multicast && envelope.hop_limit != VRRP_HOP_LIMIT {
        defects.insert(Defect::HopLimit {
            received: envelope.hop_limit,
        });
    }
    let mut inspection = Inspection {
        packet: None,
        advert: None,
        defects,
        convention: None,
    };
    let packet = match Packet::new_checked(payload, family) {
        Ok(p) => inspection.packet.insert(p),
        Err(e) => {
            inspection.defects.insert(unreadable(e));
            return inspection;
        }
    };
    let advert = match Advert::parse(packet) {
        Ok(a) => a,
        Err(e) => {
            inspection.defects.insert(unreadable(e));
            return inspection;
        }
    };
    let defects = &mut inspection.defects;
    if packet.message().len() != payload.len() {
        defects.insert(Defect::Length { len: payload.len() });
    }
    if let Authentication::Unknown(received) = advert.authentication {
        defects.insert(Defect::AuthType { received });
    }
    inspection.convention = packet.detect_checksum(envelope.src, envelope.dst);
    if inspection.convention.is_none() {
        defects.insert(Defect::Checksum {
            received: packet.checksum(),
        });
    }
    if advert.vrid == 0 {
        defects.insert(Defect::VridZero);
    }
    if advert.interval_cs == 0 {
        defects.insert(Defect::IntervalZero);
    }
    inspection.advert = Some(advert);
    inspection
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::DefectKind;
    use crate::wire::Version;

    fn v3() -> Advert {
        Advert {
            version: Version::V3,
            vrid: 51,
            priority: 100,
            interval_cs: 100,
            authentication: Authentication::None,
            addresses: vec!["192.0.2.100".parse().unwrap()],
        }
    }

    fn envelope(hop_limit: u8) -> Envelope {
        Envelope {
            src: "192.0.2.12".parse().unwrap(),
            dst: Family::Ipv4.multicast_group(),
            hop_limit,
            ip_header_ok: true,
            multicast: true,
        }
    }

    fn bytes_of(a: &Advert) -> Vec<u8> {
        let e = envelope(255);
        a.to_bytes(e.src, e.dst, ChecksumConvention::PseudoHeader)
    }

    fn defects(payload: &[u8], envelope: &Envelope) -> Vec<Defect> {
        inspect(payload, Family::Ipv4, envelope)
            .defects
            .iter()
            .collect()
    }

    #[test]
    fn well_formed_advert_has_no_defect_and_is_read_with_its_convention() {
        let bytes = bytes_of(&v3());
        let i = inspect(&bytes, Family::Ipv4, &envelope(255));
        assert!(i.defects.is_empty());
        assert_eq!(i.advert, Some(v3()));
        assert_eq!(i.convention, Some(ChecksumConvention::PseudoHeader));
    }

    #[test]
    fn every_readable_defect_is_found_with_the_value_it_showed() {
        let mut a = v3();
        a.version = Version::V2;
        a.vrid = 0;
        a.interval_cs = 0;
        a.authentication = Authentication::Unknown(7);
        let mut bytes = bytes_of(&a);
        bytes[6] ^= 0xff;
        let checksum = u16::from_be_bytes([bytes[6], bytes[7]]);
        bytes.push(0);
        let mut e = envelope(64);
        e.ip_header_ok = false;
        assert_eq!(
            defects(&bytes, &e),
            [
                Defect::HopLimit { received: 64 },
                Defect::IpHeaderChecksum,
                Defect::Length { len: bytes.len() },
                Defect::Checksum { received: checksum },
                Defect::AuthType { received: 7 },
                Defect::VridZero,
                Defect::IntervalZero,
            ]
        );
    }

    #[test]
    fn reading_stops_at_a_defect_that_leaves_the_advert_unreadable() {
        let bytes = bytes_of(&v3());
        let mut bad_type = bytes.clone();
        bad_type[0] = 0x32;
        bad_type[6] ^= 0xff;
        let i = inspect(&bad_type, Family::Ipv4, &envelope(1));
        assert!(i.packet.is_some() && i.advert.is_none() && !i.defects.readable());
        assert_eq!(
            i.defects.iter().collect::<Vec<_>>(),
            [
                Defect::HopLimit { received: 1 },
                Defect::Type { received: 2 }
            ]
        );
        let mut bad_version = bytes.clone();
        bad_version[0] = 0x41;
        assert_eq!(
            defects(&bad_version, &envelope(255)),
            [Defect::Version { received: 4 }]
        );
        let i = inspect(&bytes[..7], Family::Ipv4, &envelope(255));
        assert!(i.packet.is_none());
        assert_eq!(
            i.defects.iter().collect::<Vec<_>>(),
            [Defect::Truncated { len: 7 }]
        );
    }

    #[test]
    fn vrrpv2_over_ipv6_is_a_version_defect() {
        let mut a = v3();
        a.addresses = vec!["2001:db8::100".parse().unwrap()];
        let e = Envelope {
            src: "fe80::12".parse().unwrap(),
            dst: Family::Ipv6.multicast_group(),
            ..envelope(255)
        };
        let mut bytes = a.to_bytes(e.src, e.dst, ChecksumConvention::PseudoHeader);
        assert!(inspect(&bytes, Family::Ipv6, &e).defects.is_empty());
        bytes[0] = 0x21;
        let i = inspect(&bytes, Family::Ipv6, &e);
        assert_eq!(
            i.defects.get(DefectKind::Version),
            Some(Defect::Version { received: 2 })
        );
    }

    #[test]
    fn hop_limit_is_judged_only_for_a_multicast_advert() {
        let bytes = bytes_of(&v3());
        let unicast = Envelope {
            multicast: false,
            ..envelope(64)
        };
        assert!(defects(&bytes, &unicast).is_empty());
        assert_eq!(
            defects(&bytes, &envelope(64)),
            [Defect::HopLimit { received: 64 }]
        );
    }
}
