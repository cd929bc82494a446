//! The defects a VRRP advert can have whatever its receiver: the one vocabulary an instance's
//! [`crate::vrrp::DiscardReason::Malformed`] and `vrrplab replay`'s invalid-advert findings
//! share. [`crate::vrrp::inspect`] finds them.
//!
//! Contract: a [`Defect`] carries what the advert showed of it (the TTL, the length, the
//! checksum …) and its [`DefectKind`]; kind names are stable (replay's JSON `reason`) and the
//! kinds' order is fixed (it orders replay's findings). [`Defects`] holds at most one defect
//! per kind and is cheap to copy.

use std::fmt;

/// What is wrong with an advert, without the value it showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefectKind {
    /// TTL / hop limit other than 255 on a multicast advert (RFC 5798 §5.1.1.3).
    HopLimit,
    /// The IPv4 header checksum is wrong (a kernel drops it before any receiver).
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
    /// v2 authentication type that no implementation defines (not 0, 1, 2 or Cisco's 254).
    AuthType,
    /// VRID 0.
    VridZero,
    /// Advertisement interval 0 (RFC 9568 erratum 8301).
    IntervalZero,
}

impl DefectKind {
    /// Every kind, in order.
    pub const ALL: [DefectKind; 10] = [
        DefectKind::HopLimit,
        DefectKind::IpHeaderChecksum,
        DefectKind::Truncated,
        DefectKind::Length,
        DefectKind::Version,
        DefectKind::Type,
        DefectKind::Checksum,
        DefectKind::AuthType,
        DefectKind::VridZero,
        DefectKind::IntervalZero,
    ];

    /// Stable kebab-case name (replay's JSON `reason`).
    pub fn name(self) -> &'static str {
        match self {
            DefectKind::HopLimit => "hop-limit",
            DefectKind::IpHeaderChecksum => "ip-header-checksum",
            DefectKind::Truncated => "truncated",
            DefectKind::Length => "length",
            DefectKind::Version => "version",
            DefectKind::Type => "type",
            DefectKind::Checksum => "checksum",
            DefectKind::AuthType => "auth-type",
            DefectKind::VridZero => "vrid-zero",
            DefectKind::IntervalZero => "interval-zero",
        }
    }

    /// True for the kinds that leave the advert unreadable: its fields mean nothing.
    pub fn makes_unreadable(self) -> bool {
        matches!(
            self,
            DefectKind::Truncated | DefectKind::Version | DefectKind::Type
        )
    }
}

/// One defect of an advert, with what the advert showed of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Defect {
    /// See [`DefectKind::HopLimit`].
    HopLimit {
        /// The TTL / hop limit it came with.
        received: u8,
    },
    /// See [`DefectKind::IpHeaderChecksum`].
    IpHeaderChecksum,
    /// See [`DefectKind::Truncated`].
    Truncated {
        /// Its length, bytes.
        len: usize,
    },
    /// See [`DefectKind::Length`].
    Length {
        /// Its IP payload length, bytes.
        len: usize,
    },
    /// See [`DefectKind::Version`].
    Version {
        /// Its version number.
        received: u8,
    },
    /// See [`DefectKind::Type`].
    Type {
        /// Its message type.
        received: u8,
    },
    /// See [`DefectKind::Checksum`].
    Checksum {
        /// Its checksum field.
        received: u16,
    },
    /// See [`DefectKind::AuthType`].
    AuthType {
        /// Its auth type.
        received: u8,
    },
    /// See [`DefectKind::VridZero`].
    VridZero,
    /// See [`DefectKind::IntervalZero`].
    IntervalZero,
}

impl Defect {
    /// What is wrong, without the value.
    pub fn kind(self) -> DefectKind {
        match self {
            Defect::HopLimit { .. } => DefectKind::HopLimit,
            Defect::IpHeaderChecksum => DefectKind::IpHeaderChecksum,
            Defect::Truncated { .. } => DefectKind::Truncated,
            Defect::Length { .. } => DefectKind::Length,
            Defect::Version { .. } => DefectKind::Version,
            Defect::Type { .. } => DefectKind::Type,
            Defect::Checksum { .. } => DefectKind::Checksum,
            Defect::AuthType { .. } => DefectKind::AuthType,
            Defect::VridZero => DefectKind::VridZero,
            Defect::IntervalZero => DefectKind::IntervalZero,
        }
    }

    /// The kind's stable name.
    pub fn name(self) -> &'static str {
        self.kind().name()
    }
}

/// What the advert showed: `hop limit 64`, `checksum 0x1234`, `auth type 7` …
impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Defect::HopLimit { received } => write!(f, "hop limit {received}"),
            Defect::IpHeaderChecksum => f.write_str("IPv4 header checksum wrong"),
            Defect::Truncated { len } => write!(f, "{len} bytes"),
            Defect::Length { len } => write!(f, "IP payload of {len} bytes"),
            Defect::Version { received } => write!(f, "version {received}"),
            Defect::Type { received } => write!(f, "type {received}"),
            Defect::Checksum { received } => write!(f, "checksum {received:#06x}"),
            Defect::AuthType { received } => write!(f, "auth type {received}"),
            Defect::VridZero => f.write_str("VRID 0"),
            Defect::IntervalZero => f.write_str("interval 0"),
        }
    }
}

/// The defects of one advert, at most one per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Defects([Option<Defect>; DefectKind::ALL.len()]);

impl Defects {
    /// Adds one (replacing an earlier one of its kind).
    pub fn insert(&mut self, defect: Defect) {
        self.0[defect.kind() as usize] = Some(defect);
    }

    /// The defect of `kind`, if there is one.
    pub fn get(&self, kind: DefectKind) -> Option<Defect> {
        self.0[kind as usize]
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// Whether the advert could be read at all (its fields are meaningful).
    pub fn readable(&self) -> bool {
        self.iter().all(|d| !d.kind().makes_unreadable())
    }

    /// The defects, in kind order.
    pub fn iter(&self) -> impl Iterator<Item = Defect> + '_ {
        self.0.iter().flatten().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One defect of each kind, in kind order.
    fn one_of_each() -> [Defect; 10] {
        [
            Defect::HopLimit { received: 64 },
            Defect::IpHeaderChecksum,
            Defect::Truncated { len: 7 },
            Defect::Length { len: 24 },
            Defect::Version { received: 4 },
            Defect::Type { received: 2 },
            Defect::Checksum { received: 0x1234 },
            Defect::AuthType { received: 7 },
            Defect::VridZero,
            Defect::IntervalZero,
        ]
    }

    #[test]
    fn each_defect_has_its_kinds_stable_name_and_shows_its_value() {
        let shown: Vec<(&str, String)> = one_of_each()
            .iter()
            .map(|d| (d.name(), d.to_string()))
            .collect();
        assert_eq!(
            shown,
            [
                ("hop-limit", "hop limit 64"),
                ("ip-header-checksum", "IPv4 header checksum wrong"),
                ("truncated", "7 bytes"),
                ("length", "IP payload of 24 bytes"),
                ("version", "version 4"),
                ("type", "type 2"),
                ("checksum", "checksum 0x1234"),
                ("auth-type", "auth type 7"),
                ("vrid-zero", "VRID 0"),
                ("interval-zero", "interval 0"),
            ]
            .map(|(n, t)| (n, t.to_string()))
        );
    }

    #[test]
    fn kinds_are_listed_in_their_order_and_each_defect_maps_to_its_own() {
        let kinds: Vec<DefectKind> = one_of_each().iter().map(|d| d.kind()).collect();
        assert_eq!(kinds, DefectKind::ALL);
        assert!(DefectKind::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn defects_iterate_in_kind_order_whatever_the_insertion_order() {
        let mut set = Defects::default();
        assert!(set.is_empty());
        for d in one_of_each().into_iter().rev() {
            set.insert(d);
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), one_of_each());
        assert_eq!(
            set.get(DefectKind::Checksum),
            Some(Defect::Checksum { received: 0x1234 })
        );
    }

    #[test]
    fn only_truncated_version_and_type_make_an_advert_unreadable() {
        for d in one_of_each() {
            let mut set = Defects::default();
            set.insert(d);
            let unreadable = matches!(
                d,
                Defect::Truncated { .. } | Defect::Version { .. } | Defect::Type { .. }
            );
            assert_eq!(set.readable(), !unreadable, "{d:?}");
        }
    }
}
