//! Why a received advert was discarded, and the per-instance counters keepalived keeps
//! (the RFC 2787 / RFC 6527 MIB statistics).
//!
//! Bad network input is never fatal: every discard is a [`DiscardReason`] and increments one
//! counter in [`Counters`]. Some checks only count (v3 interval mismatch, address count or list
//! mismatch) and let the advert through, as keepalived does.

use super::defect::Defect;
use std::net::IpAddr;

/// Why an instance discarded a received packet, in keepalived's check order.
///
/// A packet wrong whatever the receiver is [`DiscardReason::Malformed`], with the same
/// [`Defect`] `vrrplab replay` reports for it; the other reasons are about this receiver. An
/// instance reports only the defects keepalived checks (truncated, hop limit, version, auth
/// type, type, checksum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiscardReason {
    /// The instance is in INIT or FAULT: it does not listen.
    NotListening,
    /// Defective whatever the receiver (the first defect in check order).
    Malformed(Defect),
    /// A valid version (2 or 3) other than the configured one.
    VersionMismatch {
        /// The received version nibble.
        received: u8,
    },
    /// v2: a defined auth type other than the configured one.
    AuthTypeMismatch {
        /// The received auth type.
        received: u8,
    },
    /// v2 simple password differs.
    AuthFailure,
    /// v2 IP AH authentication: recognised but not supported.
    AuthUnsupported,
    /// v2 Adver Int differs from ours: dropped "to prevent concurrent VRID running".
    IntervalMismatch {
        /// The received interval in centiseconds.
        received_cs: u16,
    },
    /// The checksum verifies, but not under the instance's convention.
    ChecksumConvention,
    /// Unicast destination in multicast mode, or multicast destination in unicast mode.
    Destination {
        /// The received destination.
        received: IpAddr,
    },
    /// Unicast source that is not a configured peer (`check_unicast_src`).
    UnicastSource {
        /// The received source.
        received: IpAddr,
    },
    /// Strict mode: an address owner ignores adverts (`owner_ignore_adverts`).
    OwnerIgnoresAdverts,
}

impl DiscardReason {
    /// Stable kebab-case name (JSON, reports), one per counter. A defect keeps its own name,
    /// except that both length defects are keepalived's `packet-length`.
    pub fn name(&self) -> &'static str {
        match self {
            DiscardReason::NotListening => "not-listening",
            DiscardReason::Malformed(Defect::Truncated { .. } | Defect::Length { .. }) => {
                "packet-length"
            }
            DiscardReason::Malformed(d) => d.name(),
            DiscardReason::VersionMismatch { .. } => "version",
            DiscardReason::AuthTypeMismatch { .. } => "auth-type",
            DiscardReason::AuthFailure => "auth-failure",
            DiscardReason::AuthUnsupported => "auth-unsupported",
            DiscardReason::IntervalMismatch { .. } => "interval-mismatch",
            DiscardReason::ChecksumConvention => "checksum",
            DiscardReason::Destination { .. } => "destination",
            DiscardReason::UnicastSource { .. } => "unicast-source",
            DiscardReason::OwnerIgnoresAdverts => "owner-ignores-adverts",
        }
    }
}

impl std::fmt::Display for DiscardReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use DiscardReason::{AuthTypeMismatch, Malformed, VersionMismatch};
        match self {
            DiscardReason::NotListening => f.write_str("instance not listening (INIT/FAULT)"),
            Malformed(Defect::Truncated { len } | Defect::Length { len }) => {
                write!(f, "invalid packet length {len}")
            }
            Malformed(Defect::HopLimit { received }) => {
                write!(f, "invalid ttl/hop limit {received}")
            }
            Malformed(Defect::Version { received }) | VersionMismatch { received } => {
                write!(f, "wrong version {received}")
            }
            Malformed(Defect::AuthType { received }) | AuthTypeMismatch { received } => {
                write!(f, "auth type mismatch ({received})")
            }
            Malformed(Defect::Type { received }) => write!(f, "invalid type {received}"),
            Malformed(Defect::Checksum { .. }) | DiscardReason::ChecksumConvention => {
                f.write_str("invalid checksum")
            }
            Malformed(Defect::IpHeaderChecksum) => f.write_str("invalid IPv4 header checksum"),
            Malformed(Defect::VridZero) => f.write_str("invalid VRID 0"),
            Malformed(Defect::IntervalZero) => f.write_str("invalid advert interval 0"),
            DiscardReason::AuthFailure => f.write_str("authentication failure"),
            DiscardReason::AuthUnsupported => f.write_str("IP AH authentication not supported"),
            DiscardReason::IntervalMismatch { received_cs } => {
                write!(f, "advert interval mismatch ({received_cs} cs)")
            }
            DiscardReason::Destination { received } => {
                write!(f, "unexpected destination {received}")
            }
            DiscardReason::UnicastSource { received } => {
                write!(f, "unicast source {received} is not a configured peer")
            }
            DiscardReason::OwnerIgnoresAdverts => f.write_str("address owner ignores adverts"),
        }
    }
}

/// Per-instance statistics (keepalived's `vrrp_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Counters {
    /// Adverts accepted by validation.
    pub adverts_received: u64,
    /// Adverts sent (one per unicast peer counts once per peer).
    pub adverts_sent: u64,
    /// Priority-0 adverts received.
    pub priority_zero_received: u64,
    /// Priority-0 adverts sent.
    pub priority_zero_sent: u64,
    /// Transitions to MASTER.
    pub became_master: u64,
    /// Transitions out of MASTER (keepalived `release_master`).
    pub released_master: u64,
    /// Lower-priority adverts a preempting backup ignored (timer not reset).
    pub lower_priority_ignored: u64,
    /// Packets received in INIT or FAULT.
    pub not_listening: u64,
    /// Packet length errors.
    pub packet_length_errors: u64,
    /// TTL / hop limit errors.
    pub ttl_errors: u64,
    /// Version errors.
    pub version_errors: u64,
    /// Auth type mismatches.
    pub auth_type_mismatches: u64,
    /// Authentication failures (wrong password).
    pub auth_failures: u64,
    /// IP AH adverts (unsupported).
    pub auth_unsupported: u64,
    /// v2 interval mismatches (discarded).
    pub interval_errors: u64,
    /// v3 interval mismatches (logged only, not discarded).
    pub interval_mismatches_v3: u64,
    /// Invalid message types.
    pub invalid_type: u64,
    /// Checksum errors.
    pub checksum_errors: u64,
    /// Wrong destination (multicast vs unicast).
    pub destination_errors: u64,
    /// Unicast sources that are not configured peers.
    pub unicast_source_errors: u64,
    /// Strict-mode owner ignoring adverts.
    pub owner_ignored: u64,
    /// Address count differs from ours (counted, not discarded).
    pub address_count_mismatches: u64,
    /// Address list differs from ours (counted, not discarded).
    pub address_list_mismatches: u64,
}

impl Counters {
    /// Counts one discard. Defects an instance never reports go where keepalived would count
    /// them if it checked them: an over-long packet as a length error, a bad IPv4 header
    /// checksum as a checksum error, interval 0 as an interval error, VRID 0 (which the node
    /// already counts as an unknown VRID) as an invalid header field with the type.
    pub fn count(&mut self, reason: DiscardReason) {
        use DiscardReason::Malformed;
        let slot = match reason {
            DiscardReason::NotListening => &mut self.not_listening,
            Malformed(Defect::Truncated { .. } | Defect::Length { .. }) => {
                &mut self.packet_length_errors
            }
            Malformed(Defect::HopLimit { .. }) => &mut self.ttl_errors,
            Malformed(Defect::Version { .. }) | DiscardReason::VersionMismatch { .. } => {
                &mut self.version_errors
            }
            Malformed(Defect::AuthType { .. }) | DiscardReason::AuthTypeMismatch { .. } => {
                &mut self.auth_type_mismatches
            }
            DiscardReason::AuthFailure => &mut self.auth_failures,
            DiscardReason::AuthUnsupported => &mut self.auth_unsupported,
            Malformed(Defect::IntervalZero) | DiscardReason::IntervalMismatch { .. } => {
                &mut self.interval_errors
            }
            Malformed(Defect::Type { .. } | Defect::VridZero) => &mut self.invalid_type,
            Malformed(Defect::Checksum { .. } | Defect::IpHeaderChecksum)
            | DiscardReason::ChecksumConvention => &mut self.checksum_errors,
            DiscardReason::Destination { .. } => &mut self.destination_errors,
            DiscardReason::UnicastSource { .. } => &mut self.unicast_source_errors,
            DiscardReason::OwnerIgnoresAdverts => &mut self.owner_ignored,
        };
        *slot += 1;
    }

    /// Total packets discarded, over every reason.
    pub fn discarded(&self) -> u64 {
        self.not_listening
            + self.packet_length_errors
            + self.ttl_errors
            + self.version_errors
            + self.auth_type_mismatches
            + self.auth_failures
            + self.auth_unsupported
            + self.interval_errors
            + self.invalid_type
            + self.checksum_errors
            + self.destination_errors
            + self.unicast_source_errors
            + self.owner_ignored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type CounterOf = fn(&Counters) -> u64;

    #[test]
    fn each_defect_keeps_the_discard_name_and_counter_keepalived_gives_its_check() {
        let table: [(Defect, &str, &str, CounterOf); 10] = [
            (
                Defect::HopLimit { received: 64 },
                "hop-limit",
                "invalid ttl/hop limit 64",
                |c| c.ttl_errors,
            ),
            (
                Defect::IpHeaderChecksum,
                "ip-header-checksum",
                "invalid IPv4 header checksum",
                |c| c.checksum_errors,
            ),
            (
                Defect::Truncated { len: 7 },
                "packet-length",
                "invalid packet length 7",
                |c| c.packet_length_errors,
            ),
            (
                Defect::Length { len: 30 },
                "packet-length",
                "invalid packet length 30",
                |c| c.packet_length_errors,
            ),
            (
                Defect::Version { received: 4 },
                "version",
                "wrong version 4",
                |c| c.version_errors,
            ),
            (
                Defect::Type { received: 2 },
                "type",
                "invalid type 2",
                |c| c.invalid_type,
            ),
            (
                Defect::Checksum { received: 0xbeef },
                "checksum",
                "invalid checksum",
                |c| c.checksum_errors,
            ),
            (
                Defect::AuthType { received: 7 },
                "auth-type",
                "auth type mismatch (7)",
                |c| c.auth_type_mismatches,
            ),
            (Defect::VridZero, "vrid-zero", "invalid VRID 0", |c| {
                c.invalid_type
            }),
            (
                Defect::IntervalZero,
                "interval-zero",
                "invalid advert interval 0",
                |c| c.interval_errors,
            ),
        ];
        for (defect, name, text, counter) in table {
            let reason = DiscardReason::Malformed(defect);
            assert_eq!((reason.name(), reason.to_string().as_str()), (name, text));
            let mut c = Counters::default();
            c.count(reason);
            assert_eq!((counter(&c), c.discarded()), (1, 1), "{defect:?}");
        }
    }

    #[test]
    fn a_receivers_mismatch_shares_name_text_and_counter_with_the_defect_of_its_check() {
        let pairs = [
            (
                DiscardReason::VersionMismatch { received: 3 },
                Defect::Version { received: 3 },
            ),
            (
                DiscardReason::AuthTypeMismatch { received: 1 },
                Defect::AuthType { received: 1 },
            ),
            (
                DiscardReason::ChecksumConvention,
                Defect::Checksum { received: 0 },
            ),
        ];
        for (mismatch, defect) in pairs {
            let malformed = DiscardReason::Malformed(defect);
            assert_eq!(mismatch.name(), malformed.name());
            assert_eq!(mismatch.to_string(), malformed.to_string());
            let (mut a, mut b) = (Counters::default(), Counters::default());
            a.count(mismatch);
            b.count(malformed);
            assert_eq!(a, b);
        }
    }
}
