//! Why a received advert was discarded, and the per-instance counters keepalived keeps
//! (the RFC 2787 / RFC 6527 MIB statistics).
//!
//! Bad network input is never fatal: every discard is a [`DiscardReason`] and increments one
//! counter in [`Counters`]. Some checks only count (v3 interval mismatch, address count or list
//! mismatch) and let the advert through, as keepalived does.

use std::net::IpAddr;

/// Why an instance discarded a received packet, in keepalived's check order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiscardReason {
    /// The instance is in INIT or FAULT: it does not listen.
    NotListening,
    /// Shorter than the header, or than the addresses (and v2 auth data) the header announces.
    PacketLength {
        /// Bytes received.
        len: usize,
    },
    /// TTL / hop limit other than 255 (checked in multicast mode only, like keepalived).
    HopLimit {
        /// The received TTL / hop limit.
        received: u8,
    },
    /// Version other than the configured one.
    Version {
        /// The received version nibble.
        received: u8,
    },
    /// v2 auth type other than the configured one.
    AuthType {
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
    /// Type other than 1 (ADVERTISEMENT).
    Type {
        /// The received type.
        received: u8,
    },
    /// The checksum does not verify under the instance's convention.
    Checksum,
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
    /// Stable kebab-case name (JSON, reports), one per counter.
    pub fn name(&self) -> &'static str {
        match self {
            DiscardReason::NotListening => "not-listening",
            DiscardReason::PacketLength { .. } => "packet-length",
            DiscardReason::HopLimit { .. } => "hop-limit",
            DiscardReason::Version { .. } => "version",
            DiscardReason::AuthType { .. } => "auth-type",
            DiscardReason::AuthFailure => "auth-failure",
            DiscardReason::AuthUnsupported => "auth-unsupported",
            DiscardReason::IntervalMismatch { .. } => "interval-mismatch",
            DiscardReason::Type { .. } => "type",
            DiscardReason::Checksum => "checksum",
            DiscardReason::Destination { .. } => "destination",
            DiscardReason::UnicastSource { .. } => "unicast-source",
            DiscardReason::OwnerIgnoresAdverts => "owner-ignores-adverts",
        }
    }
}

impl std::fmt::Display for DiscardReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiscardReason::NotListening => f.write_str("instance not listening (INIT/FAULT)"),
            DiscardReason::PacketLength { len } => write!(f, "invalid packet length {len}"),
            DiscardReason::HopLimit { received } => write!(f, "invalid ttl/hop limit {received}"),
            DiscardReason::Version { received } => write!(f, "wrong version {received}"),
            DiscardReason::AuthType { received } => write!(f, "auth type mismatch ({received})"),
            DiscardReason::AuthFailure => f.write_str("authentication failure"),
            DiscardReason::AuthUnsupported => f.write_str("IP AH authentication not supported"),
            DiscardReason::IntervalMismatch { received_cs } => {
                write!(f, "advert interval mismatch ({received_cs} cs)")
            }
            DiscardReason::Type { received } => write!(f, "invalid type {received}"),
            DiscardReason::Checksum => f.write_str("invalid checksum"),
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
    /// Counts one discard.
    pub fn count(&mut self, reason: DiscardReason) {
        let slot = match reason {
            DiscardReason::NotListening => &mut self.not_listening,
            DiscardReason::PacketLength { .. } => &mut self.packet_length_errors,
            DiscardReason::HopLimit { .. } => &mut self.ttl_errors,
            DiscardReason::Version { .. } => &mut self.version_errors,
            DiscardReason::AuthType { .. } => &mut self.auth_type_mismatches,
            DiscardReason::AuthFailure => &mut self.auth_failures,
            DiscardReason::AuthUnsupported => &mut self.auth_unsupported,
            DiscardReason::IntervalMismatch { .. } => &mut self.interval_errors,
            DiscardReason::Type { .. } => &mut self.invalid_type,
            DiscardReason::Checksum => &mut self.checksum_errors,
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
