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
