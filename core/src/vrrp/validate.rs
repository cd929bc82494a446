//! The receiver's judgement of one advert, as a pure function: keepalived's
//! `vrrp_check_packet` order (docs/keepalived-behaviour.md, "Validation order") applied to an
//! instance configuration. [`crate::vrrp::Instance`] uses it for every packet it receives;
//! `vrrplab replay` uses it to decide whether a captured router would have accepted another's
//! adverts (and so could have been demoted by them).
//!
//! Contract: never panics on any payload; the first failing check is the [`DiscardReason`];
//! checks that keepalived only counts are returned in [`Accepted`], not as errors.

use super::config::InstanceConfig;
use super::discard::DiscardReason;
use super::timing::interval_centis;
use crate::io::RxMeta;
use crate::wire::advert::{HEADER_LEN, TYPE_ADVERTISEMENT};
use crate::wire::{Advert, Authentication, Packet, VRRP_HOP_LIMIT, Version, WireError};

/// An advert the receiver accepts, with the count-only findings about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The parsed advert.
    pub advert: Advert,
    /// v3 Max Adver Int differs from the receiver's (counted, not discarded).
    pub interval_mismatch_v3: bool,
}

/// Compares two 8-byte passwords without an early exit.
fn same_password(a: &[u8; 8], b: &[u8; 8]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Judges `payload` received with `meta` by an instance configured as `config` that is
/// listening (BACKUP or MASTER): length, TTL (multicast only), version, v2 auth, v2 interval,
/// type, v3 interval (count only), checksum, destination kind, unicast source, strict owner.
/// Address count / list comparisons are the caller's (they need the effective addresses).
pub fn check(
    config: &InstanceConfig,
    meta: &RxMeta,
    payload: &[u8],
) -> Result<Accepted, DiscardReason> {
    if payload.len() < HEADER_LEN {
        return Err(DiscardReason::PacketLength { len: payload.len() });
    }
    let packet = match Packet::new_checked(payload, config.family) {
        Ok(p) => p,
        Err(WireError::Truncated { len, .. }) => {
            return Err(DiscardReason::PacketLength { len });
        }
        Err(_) => {
            return Err(DiscardReason::Version {
                received: payload[0] >> 4,
            });
        }
    };
    let unicast = !config.unicast_peers.is_empty();
    if !unicast && meta.hop_limit != VRRP_HOP_LIMIT {
        return Err(DiscardReason::HopLimit {
            received: meta.hop_limit,
        });
    }
    if packet.version_number() != config.version.number() {
        return Err(DiscardReason::Version {
            received: packet.version_number(),
        });
    }
    let our_interval_cs = interval_centis(config.advert_interval);
    if config.version == Version::V2 {
        let received = packet.auth_type();
        if received != config.authentication.type_number() {
            return Err(DiscardReason::AuthType { received });
        }
        match &config.authentication {
            Authentication::SimplePassword(ours) => {
                if !same_password(ours, &packet.auth_data()) {
                    return Err(DiscardReason::AuthFailure);
                }
            }
            Authentication::IpAh | Authentication::CiscoMd5 | Authentication::Unknown(_) => {
                return Err(DiscardReason::AuthUnsupported);
            }
            Authentication::None => {}
        }
        if packet.interval_cs() != our_interval_cs {
            return Err(DiscardReason::IntervalMismatch {
                received_cs: packet.interval_cs(),
            });
        }
    }
    if packet.msg_type() != TYPE_ADVERTISEMENT {
        return Err(DiscardReason::Type {
            received: packet.msg_type(),
        });
    }
    let interval_mismatch_v3 =
        config.version == Version::V3 && packet.interval_cs() != our_interval_cs;
    if !packet.verify_checksum(meta.src, meta.dst, config.checksum_convention) {
        return Err(DiscardReason::Checksum);
    }
    if meta.dst.is_multicast() == unicast {
        return Err(DiscardReason::Destination { received: meta.dst });
    }
    if unicast && config.check_unicast_src && !config.unicast_peers.contains(&meta.src) {
        return Err(DiscardReason::UnicastSource { received: meta.src });
    }
    if config.strict && config.priority == 255 {
        return Err(DiscardReason::OwnerIgnoresAdverts);
    }
    let advert = Advert::parse(&packet).map_err(|_| DiscardReason::Type {
        received: packet.msg_type(),
    })?;
    Ok(Accepted {
        advert,
        interval_mismatch_v3,
    })
}
