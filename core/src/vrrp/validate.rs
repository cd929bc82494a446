//! The receiver's judgement of one advert, as a pure function: keepalived's
//! `vrrp_check_packet` order (docs/keepalived-behaviour.md, "Validation order") applied to an
//! instance configuration. [`crate::vrrp::Instance`] uses it for every packet it receives;
//! `vrrplab replay` uses it to decide whether a captured router would have accepted another's
//! adverts (and so could have been demoted by them).
//!
//! Contract: never panics on any payload; the first failing check is the [`DiscardReason`]; a
//! packet defective whatever the receiver is [`DiscardReason::Malformed`] with the
//! [`crate::vrrp::Defect`] that [`crate::vrrp::inspect`] (and so `vrrplab replay`) finds;
//! checks that keepalived only counts are returned in [`Accepted`], not as errors.

use super::config::InstanceConfig;
use super::defect::{Defect, DefectKind};
use super::discard::DiscardReason;
use super::inspect::{Envelope, inspect};
use super::timing::interval_centis;
use crate::io::RxMeta;
use crate::wire::{Advert, Authentication, Version};

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
/// listening (BACKUP or MASTER). The intrinsic defects come from [`inspect`]; each check, in
/// keepalived's order, names the defect when there is one and this receiver's mismatch
/// otherwise: length (and an unreadable version), TTL (multicast mode only), version, v2 auth
/// type, password and interval, type, v3 interval (count only), checksum, destination kind,
/// unicast source, strict owner. Address count / list comparisons are the caller's (they need
/// the effective addresses).
pub fn check(
    config: &InstanceConfig,
    meta: &RxMeta,
    payload: &[u8],
) -> Result<Accepted, DiscardReason> {
    let unicast = !config.unicast_peers.is_empty();
    let envelope = Envelope {
        src: meta.src,
        dst: meta.dst,
        hop_limit: meta.hop_limit,
        ip_header_ok: true,
        multicast: !unicast,
    };
    let inspection = inspect(payload, config.family, &envelope);
    let defect = |kind: DefectKind| inspection.defects.get(kind);
    let malformed =
        |kind: DefectKind| defect(kind).map_or(Ok(()), |d| Err(DiscardReason::Malformed(d)));
    let Some(packet) = &inspection.packet else {
        let unreadable = defect(DefectKind::Truncated).or(defect(DefectKind::Version));
        return Err(DiscardReason::Malformed(
            unreadable.unwrap_or(Defect::Truncated { len: payload.len() }),
        ));
    };
    malformed(DefectKind::HopLimit)?;
    let received = packet.version_number();
    if received != config.version.number() {
        return Err(DiscardReason::VersionMismatch { received });
    }
    let our_interval_cs = interval_centis(config.advert_interval);
    if config.version == Version::V2 {
        let received = packet.auth_type();
        if received != config.authentication.type_number() {
            malformed(DefectKind::AuthType)?;
            return Err(DiscardReason::AuthTypeMismatch { received });
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
    malformed(DefectKind::Type)?;
    let interval_mismatch_v3 =
        config.version == Version::V3 && packet.interval_cs() != our_interval_cs;
    // The inspection already found which convention verifies; only when it names another one
    // is ours tried (both verify where the pseudo-header sums to zero).
    let verified = inspection.convention.is_some_and(|found| {
        found == config.checksum_convention
            || packet.verify_checksum(meta.src, meta.dst, config.checksum_convention)
    });
    if !verified {
        malformed(DefectKind::Checksum)?;
        return Err(DiscardReason::ChecksumConvention);
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
    // Type 1 passed, so the inspection parsed the advert.
    let advert = inspection
        .advert
        .ok_or(DiscardReason::Malformed(Defect::Type {
            received: packet.msg_type(),
        }))?;
    Ok(Accepted {
        advert,
        interval_mismatch_v3,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::inspect::Inspection;
    use crate::wire::{ChecksumConvention, Family};
    use proptest::prelude::*;
    use std::net::IpAddr;
    use std::time::Duration;

    /// Where each reason stands in keepalived's order (docs/keepalived-behaviour.md).
    fn step(reason: &DiscardReason) -> u8 {
        match reason {
            DiscardReason::Malformed(d) => defect_step(d.kind()),
            DiscardReason::VersionMismatch { .. } => 2,
            DiscardReason::AuthTypeMismatch { .. }
            | DiscardReason::AuthFailure
            | DiscardReason::AuthUnsupported => 3,
            DiscardReason::IntervalMismatch { .. } => 4,
            DiscardReason::ChecksumConvention => 6,
            _ => 7,
        }
    }

    /// The step of the defects both an instance and replay check; None for replay's own.
    fn shared_step(kind: DefectKind) -> Option<u8> {
        match kind {
            DefectKind::Truncated | DefectKind::Version => Some(0),
            DefectKind::HopLimit => Some(1),
            DefectKind::AuthType => Some(3),
            DefectKind::Type => Some(5),
            DefectKind::Checksum => Some(6),
            DefectKind::IpHeaderChecksum
            | DefectKind::Length
            | DefectKind::VridZero
            | DefectKind::IntervalZero => None,
        }
    }

    fn defect_step(kind: DefectKind) -> u8 {
        shared_step(kind).unwrap_or(u8::MAX)
    }

    /// The first defect of the inspection that an instance also checks, in keepalived's order.
    fn first_shared(inspection: &Inspection<'_>) -> Option<Defect> {
        inspection
            .defects
            .iter()
            .filter_map(|d| shared_step(d.kind()).map(|s| (s, d)))
            .min_by_key(|(s, _)| *s)
            .map(|(_, d)| d)
    }

    /// A listening receiver configured like the sender of `advert` (multicast mode).
    fn receiver_of(advert: &Advert) -> InstanceConfig {
        let mut c = InstanceConfig::new("VI_1", "eth0", advert.vrid, &advert.addresses);
        c.version = advert.version;
        c.authentication = advert.authentication.clone();
        c.advert_interval = Duration::from_millis(u64::from(advert.interval_cs) * 10);
        c
    }

    fn advert_strategy() -> impl Strategy<Value = Advert> {
        (
            any::<bool>(),
            any::<bool>(),
            prop_oneof![Just(None), Just(Some(*b"secret\0\0"))],
            1u8..=255,
            1u8..=254,
            1u16..=5,
            1usize..=3,
        )
            .prop_map(|(ipv6, v3, password, vrid, priority, secs, count)| {
                let version = if ipv6 || v3 { Version::V3 } else { Version::V2 };
                let addresses = (1..=count)
                    .map(|n| -> IpAddr {
                        if ipv6 {
                            format!("2001:db8::{n}").parse().unwrap()
                        } else {
                            format!("192.0.2.{n}").parse().unwrap()
                        }
                    })
                    .collect();
                let authentication = match (version, password) {
                    (Version::V2, Some(p)) => Authentication::SimplePassword(p),
                    _ => Authentication::None,
                };
                Advert {
                    version,
                    vrid,
                    priority,
                    interval_cs: secs * 100,
                    authentication,
                    addresses,
                }
            })
    }

    proptest! {
        /// Mutated adverts: an instance names a malformed one by the first defect (in
        /// keepalived's order) of those replay finds that it checks too, never accepts one
        /// replay finds such a defect in, and lets a receiver-relative reason win only where
        /// keepalived checks it first.
        #[test]
        fn instance_discards_malformed_bytes_for_the_first_defect_replay_finds(
            advert in advert_strategy(),
            version_type in proptest::option::of(any::<u8>()),
            auth_type in proptest::option::of(any::<u8>()),
            flips in proptest::collection::vec((prop_oneof![0usize..8, any::<usize>()], 1u8..=255), 0..3),
            cut in proptest::option::of(any::<usize>()),
            hop_limit in prop_oneof![Just(255u8), any::<u8>()],
        ) {
            let family = advert.family();
            let src: IpAddr = match family {
                Family::Ipv4 => "192.0.2.12".parse().unwrap(),
                Family::Ipv6 => "fe80::12".parse().unwrap(),
            };
            let dst = family.multicast_group();
            let mut bytes = advert.to_bytes(src, dst, ChecksumConvention::PseudoHeader);
            // Whole header fields first (version and type, v2 auth type), then stray bits.
            if let Some(v) = version_type {
                bytes[0] = v;
            }
            if let Some(t) = auth_type {
                bytes[4] = t;
            }
            for (at, mask) in flips {
                let at = at % bytes.len();
                bytes[at] ^= mask;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut % (bytes.len() + 1));
            }
            let meta = RxMeta { interface: "eth0".into(), src, dst, hop_limit };
            let envelope = Envelope { src, dst, hop_limit, ip_header_ok: true, multicast: true };
            let first = first_shared(&inspect(&bytes, family, &envelope));
            match check(&receiver_of(&advert), &meta, &bytes) {
                Ok(_) => prop_assert_eq!(first, None),
                Err(DiscardReason::Malformed(d)) => prop_assert_eq!(Some(d), first),
                Err(reason) => {
                    let later = first.is_none_or(|d| defect_step(d.kind()) > step(&reason));
                    prop_assert!(later, "{reason:?} reported before {first:?}");
                }
            }
        }
    }
}
