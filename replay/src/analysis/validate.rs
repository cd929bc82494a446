//! Validation of one captured advert, in keepalived's receive order where it applies
//! (`vrrp_check_packet`): length, hop limit, version, auth, type, checksum.

use crate::decode::VrrpFrame;
use serde::Serialize;
use vrrplab_core::wire::{
    Advert, Authentication, ChecksumConvention, Family, Packet, VRRP_HOP_LIMIT, Version, WireError,
};

/// What an invalid advert showed of its defect (the first one of a router and reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefectExample {
    /// The TTL / hop limit it came with.
    HopLimit(u8),
    /// Its IPv4 header checksum is wrong.
    IpHeaderChecksum,
    /// Its length, bytes.
    Truncated(usize),
    /// Its IP payload length, bytes.
    Length(usize),
    /// Its version number.
    Version(u8),
    /// Its message type.
    Type(u8),
    /// Its checksum field.
    Checksum(u16),
    /// Its auth type.
    AuthType(u8),
    /// VRID 0.
    VridZero,
    /// Interval 0.
    IntervalZero,
}

/// One reason an advert is invalid. The names are stable (JSON `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Defect {
    /// TTL / hop limit other than 255 on a multicast advert (RFC 5798 §5.1.1.3). keepalived
    /// skips this check for unicast peers, so unicast adverts are not flagged.
    HopLimit,
    /// The IPv4 header checksum is wrong (the kernel would drop it).
    IpHeaderChecksum,
    /// Shorter than the header plus the addresses (and v2 auth data) it announces.
    Truncated,
    /// The IP payload is longer than the VRRP message (keepalived's exact-length check).
    Length,
    /// Version other than 2 or 3, or VRRPv2 over IPv6.
    Version,
    /// Message type other than 1 (ADVERTISEMENT).
    Type,
    /// The checksum verifies under no convention.
    Checksum,
    /// v2 authentication type other than 0, 1 or 2.
    AuthType,
    /// VRID 0.
    VridZero,
    /// Advertisement interval 0 (RFC 9568 erratum 8301).
    IntervalZero,
}

impl Defect {
    /// Every defect, in bit order.
    pub const ALL: [Defect; 10] = [
        Defect::HopLimit,
        Defect::IpHeaderChecksum,
        Defect::Truncated,
        Defect::Length,
        Defect::Version,
        Defect::Type,
        Defect::Checksum,
        Defect::AuthType,
        Defect::VridZero,
        Defect::IntervalZero,
    ];

    /// Stable name (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Defect::HopLimit => "hop-limit",
            Defect::IpHeaderChecksum => "ip-header-checksum",
            Defect::Truncated => "truncated",
            Defect::Length => "length",
            Defect::Version => "version",
            Defect::Type => "type",
            Defect::Checksum => "checksum",
            Defect::AuthType => "auth-type",
            Defect::VridZero => "vrid-zero",
            Defect::IntervalZero => "interval-zero",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of defects (a bit set: cheap to copy for repeated identical adverts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Defects(u16);

impl Defects {
    /// Adds one.
    pub fn insert(&mut self, d: Defect) {
        self.0 |= d.bit();
    }

    /// True when there is none.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the advert could be read at all (fields below are meaningful).
    pub fn readable(self) -> bool {
        self.0 & (Defect::Truncated.bit() | Defect::Version.bit() | Defect::Type.bit()) == 0
    }

    /// The defects, in a fixed order.
    pub fn iter(self) -> impl Iterator<Item = Defect> {
        Defect::ALL
            .into_iter()
            .filter(move |d| self.0 & d.bit() != 0)
    }
}

/// Result of validating one advert.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The parsed advert, when the bytes could be read.
    pub advert: Option<Advert>,
    /// Everything wrong with it.
    pub defects: Defects,
    /// Which checksum convention verified (`None` when none did).
    pub convention: Option<ChecksumConvention>,
}

/// Validates a captured VRRP message.
pub fn check(frame: &VrrpFrame<'_>) -> Checked {
    let family = Family::of(&frame.src);
    let mut defects = Defects::default();
    if !frame.ip_checksum_ok {
        defects.insert(Defect::IpHeaderChecksum);
    }
    if frame.hop_limit != VRRP_HOP_LIMIT && frame.dst.is_multicast() {
        defects.insert(Defect::HopLimit);
    }
    let packet = match Packet::new_checked(frame.payload, family) {
        Ok(p) => p,
        Err(e) => {
            defects.insert(match e {
                WireError::Truncated { .. } => Defect::Truncated,
                WireError::UnknownType(_) => Defect::Type,
                _ => Defect::Version,
            });
            return Checked {
                advert: None,
                defects,
                convention: None,
            };
        }
    };
    let advert = match Advert::parse(&packet) {
        Ok(a) => a,
        Err(e) => {
            defects.insert(match e {
                WireError::Truncated { .. } => Defect::Truncated,
                WireError::UnknownType(_) => Defect::Type,
                _ => Defect::Version,
            });
            return Checked {
                advert: None,
                defects,
                convention: None,
            };
        }
    };
    if packet.message().len() != frame.payload.len() {
        defects.insert(Defect::Length);
    }
    if let Authentication::Unknown(_) = advert.authentication {
        defects.insert(Defect::AuthType);
    }
    let convention = packet.detect_checksum(frame.src, frame.dst);
    if convention.is_none() {
        defects.insert(Defect::Checksum);
    }
    if advert.vrid == 0 {
        defects.insert(Defect::VridZero);
    }
    if advert.interval_cs == 0 {
        defects.insert(Defect::IntervalZero);
    }
    let convention = match (advert.version, family) {
        (Version::V3, Family::Ipv4) => convention,
        _ => None,
    };
    Checked {
        advert: Some(advert),
        defects,
        convention,
    }
}
