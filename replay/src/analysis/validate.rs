//! Validation of one captured advert: core's [`inspect`] finds its defects, in the vocabulary
//! an instance's discard reasons share ([`Defect`]).

use crate::decode::VrrpFrame;
use vrrplab_core::vrrp::{Defects, Envelope, inspect};
use vrrplab_core::wire::{Advert, ChecksumConvention, Family, Version};

/// Result of validating one advert.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The parsed advert, when the bytes could be read.
    pub advert: Option<Advert>,
    /// Everything wrong with it.
    pub defects: Defects,
    /// Which checksum convention verified: only for VRRPv3 over IPv4, the one case where the
    /// two conventions differ (`None` there when none did).
    pub convention: Option<ChecksumConvention>,
}

/// Validates a captured VRRP message. Its hop limit is checked when it was sent to a
/// multicast group (keepalived skips the check for unicast peers, so unicast adverts are not
/// flagged).
pub fn check(frame: &VrrpFrame<'_>) -> Checked {
    let family = Family::of(&frame.src);
    let envelope = Envelope {
        src: frame.src,
        dst: frame.dst,
        hop_limit: frame.hop_limit,
        ip_header_ok: frame.ip_checksum_ok,
        multicast: frame.dst.is_multicast(),
    };
    let inspection = inspect(frame.payload, family, &envelope);
    let convention = match (&inspection.advert, family) {
        (Some(a), Family::Ipv4) if a.version == Version::V3 => inspection.convention,
        _ => None,
    };
    Checked {
        advert: inspection.advert,
        defects: inspection.defects,
        convention,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::receiver::{Sample, rejects};
    use crate::decode::Segment;
    use proptest::prelude::*;
    use std::net::IpAddr;
    use vrrplab_core::vrrp::{DefectKind, DiscardReason};
    use vrrplab_core::wire::Authentication;

    fn sample(src: &str, advert: &Advert, hop_limit: u8) -> Sample {
        let src: IpAddr = src.parse().unwrap();
        let dst = Family::of(&src).multicast_group();
        Sample {
            src,
            dst,
            hop_limit,
            payload: advert.to_bytes(src, dst, ChecksumConvention::PseudoHeader),
        }
    }

    fn frame(s: &Sample) -> VrrpFrame<'_> {
        VrrpFrame {
            segment: Segment::default(),
            l2_src: None,
            src: s.src,
            dst: s.dst,
            hop_limit: s.hop_limit,
            ip_checksum_ok: true,
            payload: &s.payload,
        }
    }

    proptest! {
        /// A captured router that would discard another's mutated advert as malformed names
        /// the very defect (and value) the capture's validation reports for that advert, and
        /// one that would accept it leaves no defect a receiver checks.
        #[test]
        fn a_captured_receiver_and_the_capture_name_the_same_defect(
            v3 in any::<bool>(),
            header in proptest::collection::vec((0usize..8, any::<u8>()), 0..3),
            cut in proptest::option::of(0usize..40),
            hop_limit in prop_oneof![Just(255u8), any::<u8>()],
        ) {
            let advert = Advert {
                version: if v3 { Version::V3 } else { Version::V2 },
                vrid: 51,
                priority: 100,
                interval_cs: 100,
                authentication: Authentication::None,
                addresses: vec!["192.0.2.100".parse().unwrap()],
            };
            let receiver = sample("192.0.2.11", &advert, 255);
            let mut sent = sample("192.0.2.12", &advert, hop_limit);
            for (at, value) in header {
                sent.payload[at] = value;
            }
            if let Some(cut) = cut {
                sent.payload.truncate(cut);
            }
            let checked = check(&frame(&sent));
            match rejects(&receiver, &sent) {
                Some(DiscardReason::Malformed(d)) => {
                    prop_assert_eq!(checked.defects.get(d.kind()), Some(d));
                }
                None => {
                    let shared = [
                        DefectKind::Truncated,
                        DefectKind::Version,
                        DefectKind::HopLimit,
                        DefectKind::AuthType,
                        DefectKind::Type,
                        DefectKind::Checksum,
                    ];
                    let found: Vec<_> = checked.defects.iter().filter(|d| shared.contains(&d.kind())).collect();
                    prop_assert!(found.is_empty(), "accepted despite {found:?}");
                }
                Some(_) => {}
            }
        }
    }
}
