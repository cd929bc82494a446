//! Internet checksums for VRRP (RFC 1071), with and without the IP pseudo-header.
//!
//! VRRPv2 sums the VRRP message alone. VRRPv3 over IPv6 always prepends the IPv6 pseudo-header.
//! VRRPv3 over IPv4 is ambiguous in practice: keepalived and FRR prepend the IPv4 pseudo-header
//! (RFC 5798 §5.2.8), while RFC 9568 implementations (Cisco, Juniper, Arista) and keepalived with
//! `v3_checksum_as_v2` do not. [`ChecksumConvention`] names that per-instance choice.

use std::net::IpAddr;

/// How a VRRPv3-over-IPv4 checksum is computed. (v2 and IPv6 have only one way.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum ChecksumConvention {
    /// Include the IP pseudo-header (keepalived and FRR default; always for IPv6).
    #[default]
    PseudoHeader,
    /// The VRRP message alone, like v2 (RFC 9568 for IPv4; keepalived `v3_checksum_as_v2`).
    MessageOnly,
}

/// Running one's-complement sum over 16-bit big-endian words.
///
/// Every `add` starts on a word boundary, so callers add even-length pieces first (the
/// pseudo-header fields are) and the message last. The accumulator is folded after every piece
/// and a u64 cannot overflow within one piece of any length a slice can have.
#[derive(Debug, Clone, Copy, Default)]
struct Sum(u64);

impl Sum {
    fn add(mut self, bytes: &[u8]) -> Self {
        let mut chunks = bytes.chunks_exact(2);
        for c in &mut chunks {
            self.0 += u64::from(u16::from_be_bytes([c[0], c[1]]));
        }
        if let [last] = chunks.remainder() {
            self.0 += u64::from(u16::from_be_bytes([*last, 0]));
        }
        self.fold()
    }

    fn fold(mut self) -> Self {
        while self.0 > 0xffff {
            self.0 = (self.0 & 0xffff) + (self.0 >> 16);
        }
        self
    }

    fn finish(self) -> u16 {
        // fold() leaves at most 0xffff, so the cast keeps every bit.
        !(self.fold().0 as u16)
    }
}

/// Sum of the pseudo-header for `len` bytes of upper-layer `protocol` from `src` to `dst`
/// (RFC 768 layout for IPv4, RFC 8200 §8.1 for IPv6). Lengths beyond the field saturate (no VRRP
/// or ICMPv6 message built here comes near). Mixed families (a caller bug) contribute only the
/// length and protocol.
fn pseudo_header(src: IpAddr, dst: IpAddr, protocol: u8, len: usize) -> Sum {
    let len16 = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => Sum::default()
            .add(&s.octets())
            .add(&d.octets())
            .add(&[0, protocol])
            .add(&len16),
        (IpAddr::V6(s), IpAddr::V6(d)) => Sum::default()
            .add(&s.octets())
            .add(&d.octets())
            .add(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes())
            .add(&[0, 0, 0, protocol]),
        _ => Sum::default().add(&[0, protocol]).add(&len16),
    }
}

/// Checksum of `message` (with its checksum field zeroed or included, see [`verify`]) alone.
pub fn message_only(message: &[u8]) -> u16 {
    Sum::default().add(message).finish()
}

/// Checksum of the VRRP `message` preceded by the pseudo-header (protocol 112) for `src` → `dst`.
///
/// `dst` is the packet's real IP destination. keepalived ≤ 1.3.6 put the multicast group there
/// even for unicast (`old_unicast_checksum`): to check for that form, pass the group as `dst`.
pub fn with_pseudo_header(src: IpAddr, dst: IpAddr, message: &[u8]) -> u16 {
    pseudo_header(src, dst, super::IP_PROTOCOL_VRRP, message.len())
        .add(message)
        .finish()
}

/// ICMPv6 checksum (RFC 4443 §2.3): `message` preceded by the IPv6 pseudo-header, next header 58.
pub fn icmpv6(src: std::net::Ipv6Addr, dst: std::net::Ipv6Addr, message: &[u8]) -> u16 {
    pseudo_header(
        IpAddr::V6(src),
        IpAddr::V6(dst),
        super::ndp::IP_PROTOCOL_ICMPV6,
        message.len(),
    )
    .add(message)
    .finish()
}

/// Computes the checksum a VRRP message of `version` should carry (checksum field zeroed).
pub fn compute(
    version: super::Version,
    convention: ChecksumConvention,
    src: IpAddr,
    dst: IpAddr,
    message: &[u8],
) -> u16 {
    match (version, src, convention) {
        (super::Version::V2, _, _) => message_only(message),
        (super::Version::V3, IpAddr::V6(_), _) => with_pseudo_header(src, dst, message),
        (super::Version::V3, IpAddr::V4(_), ChecksumConvention::PseudoHeader) => {
            with_pseudo_header(src, dst, message)
        }
        (super::Version::V3, IpAddr::V4(_), ChecksumConvention::MessageOnly) => {
            message_only(message)
        }
    }
}

/// True when `message` (checksum field included, as received) sums to zero under the given rule.
pub fn verify(
    version: super::Version,
    convention: ChecksumConvention,
    src: IpAddr,
    dst: IpAddr,
    message: &[u8],
) -> bool {
    compute(version, convention, src, dst, message) == 0
}

/// Which convention a received VRRPv3-over-IPv4 message was checksummed with, if either.
/// For v2 and IPv6 there is one rule: `Some(PseudoHeader)` for IPv6 v3, `Some(MessageOnly)` for
/// v2, when it verifies. When the IPv4 pseudo-header happens to sum to zero (about one address
/// pair in 65535) both conventions verify and the answer is `PseudoHeader`, keepalived's default.
pub fn detect(
    version: super::Version,
    src: IpAddr,
    dst: IpAddr,
    message: &[u8],
) -> Option<ChecksumConvention> {
    [
        ChecksumConvention::PseudoHeader,
        ChecksumConvention::MessageOnly,
    ]
    .into_iter()
    .find(|c| verify(version, *c, src, dst, message))
    .map(|c| match (version, src) {
        (super::Version::V2, _) => ChecksumConvention::MessageOnly,
        (super::Version::V3, IpAddr::V6(_)) => ChecksumConvention::PseudoHeader,
        _ => c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_sums_to_the_published_value() {
        // RFC 1071 §3 example words 0001 f203 f4f5 f6f7 sum to ddf2; checksum is its complement.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(message_only(&data), !0xddf2);
    }

    #[test]
    fn pseudo_header_summing_to_zero_verifies_both_ways_and_detects_pseudo_header() {
        // 224.0.0.18 + proto 112 + length 12 sum to 0xe08e; a source of 0x1f71_0000 brings the
        // pseudo-header to 0xffff, which adds nothing in one's complement.
        let (src, dst) = (
            IpAddr::V4(std::net::Ipv4Addr::new(0x1f, 0x71, 0, 0)),
            IpAddr::V4(super::super::MULTICAST_GROUP_V4),
        );
        let mut message = [0x31, 51, 100, 1, 0, 100, 0, 0, 192, 0, 2, 100];
        let sum = compute(
            super::super::Version::V3,
            ChecksumConvention::PseudoHeader,
            src,
            dst,
            &message,
        );
        message[6..8].copy_from_slice(&sum.to_be_bytes());
        for convention in [
            ChecksumConvention::PseudoHeader,
            ChecksumConvention::MessageOnly,
        ] {
            assert!(verify(
                super::super::Version::V3,
                convention,
                src,
                dst,
                &message
            ));
        }
        assert_eq!(
            detect(super::super::Version::V3, src, dst, &message),
            Some(ChecksumConvention::PseudoHeader)
        );
    }

    #[test]
    fn odd_length_message_pads_with_a_zero_byte() {
        assert_eq!(message_only(&[0x12]), !0x1200);
    }
}
