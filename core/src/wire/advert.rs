//! The VRRP advertisement: a checked view over bytes ([`Packet`]) and an owned repr ([`Advert`]).
//!
//! Layout (RFC 3768 §5.1 for v2, RFC 5798 §5.1 for v3):
//!
//! ```text
//!  0               1               2               3
//! |Version| Type  |   VRID        |   Priority    | Count IPvX Addr|
//! v2: | Auth Type     | Adver Int (s) |          Checksum             |
//! v3: |(rsvd)| Max Adver Int (cs, 12 bits)      |      Checksum    |
//! | IPvX address 1 … Count |  v2 only: Authentication Data (8 bytes) |
//! ```

use super::Family;
use super::checksum::{self, ChecksumConvention};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod field {
    use std::ops::Range;
    pub const VERSION_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT_ADDRS: usize = 3;
    pub const AUTH_TYPE_V2: usize = 4;
    pub const ADVER_INT_V2: usize = 5;
    pub const MAX_ADVER_INT_V3: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
    pub const ADDRESSES: usize = 8;
    pub const AUTH_DATA_LEN_V2: usize = 8;
    pub const CISCO_MD5_DIGEST: usize = 16;
}

/// Length of the fixed VRRP header, before the addresses.
pub const HEADER_LEN: usize = field::ADDRESSES;
/// The only defined VRRP message type (RFC 5798 §5.2.2).
pub const TYPE_ADVERTISEMENT: u8 = 1;
/// Largest v3 Max Advertise Interval: 12 bits of centiseconds (40.95 s).
pub const MAX_INTERVAL_CS_V3: u16 = 0x0fff;
/// v2 auth type of Cisco IOS's MD5 authentication (tshark: "Cisco VRRP MD5 authentication").
pub const AUTH_TYPE_CISCO_MD5: u8 = 254;
/// Length of the MD5 digest that ends a Cisco MD5 advert.
pub const CISCO_MD5_DIGEST_LEN: usize = field::CISCO_MD5_DIGEST;
/// Largest v2 Advertisement Interval in centiseconds: 255 whole seconds.
pub const MAX_INTERVAL_CS_V2: u16 = 255 * 100;

/// VRRP protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// VRRPv2, RFC 3768: IPv4 only, interval in seconds, optional authentication.
    V2,
    /// VRRPv3, RFC 5798 / RFC 9568: IPv4 and IPv6, interval in centiseconds.
    V3,
}

impl Version {
    /// The version number carried in the header's high nibble.
    pub const fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}", self.number())
    }
}

/// VRRPv2 authentication (RFC 2338 §5.3.6; removed in RFC 3768 but used by keepalived).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Authentication {
    /// Auth type 0 (and every v3 advert).
    None,
    /// Auth type 1: an 8-byte password, zero padded.
    SimplePassword([u8; 8]),
    /// Auth type 2: IP Authentication Header. Recognised, not supported.
    IpAh,
    /// Auth type 254: Cisco IOS's MD5 authentication. After the addresses comes vendor data
    /// ending in a 16-byte MD5 digest, and the checksum covers all of it (the whole IP payload),
    /// as tshark checks it. Recognised, not verified: the key is not known here.
    CiscoMd5,
    /// Any other auth type value.
    Unknown(u8),
}

impl Authentication {
    /// The v2 auth type number.
    pub fn type_number(&self) -> u8 {
        match self {
            Authentication::None => 0,
            Authentication::SimplePassword(_) => 1,
            Authentication::IpAh => 2,
            Authentication::CiscoMd5 => AUTH_TYPE_CISCO_MD5,
            Authentication::Unknown(t) => *t,
        }
    }

    /// A simple password from configuration text, truncated or zero padded to 8 bytes
    /// (keepalived keeps the first 8 characters).
    pub fn simple_password(text: &str) -> Authentication {
        let mut pass = [0u8; 8];
        for (dst, src) in pass.iter_mut().zip(text.as_bytes()) {
            *dst = *src;
        }
        Authentication::SimplePassword(pass)
    }
}

/// Why bytes are not a VRRP advert. Never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireError {
    /// Shorter than the header, or than the header plus the addresses (and v2 auth data) it
    /// announces.
    Truncated {
        /// Bytes received.
        len: usize,
        /// Bytes the header announces.
        needed: usize,
    },
    /// Version nibble other than 2 or 3.
    UnknownVersion(u8),
    /// VRRPv2 with IPv6 addresses (RFC 3768 is IPv4 only; keepalived always runs IPv6 as v3).
    V2OverIpv6,
    /// Type other than 1 (ADVERTISEMENT).
    UnknownType(u8),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Truncated { len, needed } => {
                write!(
                    f,
                    "truncated advert: {len} bytes, header announces {needed}"
                )
            }
            WireError::UnknownVersion(v) => write!(f, "unknown VRRP version {v}"),
            WireError::V2OverIpv6 => f.write_str("VRRPv2 advert over IPv6"),
            WireError::UnknownType(t) => write!(f, "unknown VRRP message type {t}"),
        }
    }
}

impl std::error::Error for WireError {}

/// A read/write view of a VRRP message in a buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    family: Family,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it; accessors may panic on a short buffer. For emitting.
    pub const fn new_unchecked(buffer: T, family: Family) -> Packet<T> {
        Packet { buffer, family }
    }

    /// Wraps untrusted bytes: after `Ok`, no accessor panics.
    ///
    /// Checks the version (2 or 3; v2 only over IPv4) and that the buffer holds the header, the
    /// `count` addresses and, for v2, the 8 authentication bytes (Cisco MD5: at least the
    /// 16-byte digest). Trailing bytes (link padding, keepalived's `auth_hmac` trailer) are
    /// tolerated and ignored.
    pub fn new_checked(buffer: T, family: Family) -> Result<Packet<T>, WireError> {
        let packet = Packet::new_unchecked(buffer, family);
        packet.check_len()?;
        Ok(packet)
    }

    fn check_len(&self) -> Result<(), WireError> {
        let data = self.buffer.as_ref();
        if data.len() < HEADER_LEN {
            return Err(WireError::Truncated {
                len: data.len(),
                needed: HEADER_LEN,
            });
        }
        let version = match data[field::VERSION_TYPE] >> 4 {
            2 => Version::V2,
            3 => Version::V3,
            v => return Err(WireError::UnknownVersion(v)),
        };
        if version == Version::V2 && self.family == Family::Ipv6 {
            return Err(WireError::V2OverIpv6);
        }
        let needed = self.min_len_for(version, data[field::COUNT_ADDRS]);
        if data.len() < needed {
            return Err(WireError::Truncated {
                len: data.len(),
                needed,
            });
        }
        Ok(())
    }

    /// Length of the VRRP message the header announces: header, `count` addresses and, for v2,
    /// the 8 authentication bytes. Bytes past it (link padding, keepalived's `auth_hmac`
    /// trailer) are not part of the message; a receiver that wants keepalived's exact-length
    /// rule compares this with the IP payload length. Cisco MD5 (auth type 254) has no length
    /// of its own: its message is the whole buffer (give it the IP payload).
    pub fn message_len(&self) -> usize {
        self.message_len_for(self.version(), self.count_addrs())
    }

    /// True for a v2 advert with Cisco's MD5 authentication (auth type 254).
    pub fn is_cisco_md5(&self) -> bool {
        self.version() == Version::V2 && self.auth_type() == AUTH_TYPE_CISCO_MD5
    }

    fn message_len_for(&self, version: Version, count: u8) -> usize {
        let min = self.min_len_for(version, count);
        if version == Version::V2
            && self.buffer.as_ref()[field::AUTH_TYPE_V2] == AUTH_TYPE_CISCO_MD5
        {
            return self.buffer.as_ref().len().max(min);
        }
        min
    }

    /// The shortest message: header, addresses, then v2's 8 authentication bytes (Cisco MD5:
    /// its 16-byte digest).
    fn min_len_for(&self, version: Version, count: u8) -> usize {
        let data = self.buffer.as_ref();
        let auth = match version {
            Version::V3 => 0,
            Version::V2 if data.get(field::AUTH_TYPE_V2) == Some(&AUTH_TYPE_CISCO_MD5) => {
                field::CISCO_MD5_DIGEST
            }
            Version::V2 => field::AUTH_DATA_LEN_V2,
        };
        HEADER_LEN + usize::from(count) * self.family.address_len() + auth
    }

    /// The address family the buffer was read as.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Version nibble as a number.
    pub fn version_number(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION_TYPE] >> 4
    }

    /// Version; `V2` for anything that is not 3 (only reachable through `new_unchecked`).
    pub fn version(&self) -> Version {
        if self.version_number() == 3 {
            Version::V3
        } else {
            Version::V2
        }
    }

    /// Message type nibble (1 = ADVERTISEMENT).
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION_TYPE] & 0x0f
    }

    /// Virtual router identifier.
    pub fn vrid(&self) -> u8 {
        self.buffer.as_ref()[field::VRID]
    }

    /// Sender's priority (0 = resigning master, 255 = address owner).
    pub fn priority(&self) -> u8 {
        self.buffer.as_ref()[field::PRIORITY]
    }

    /// Number of addresses announced.
    pub fn count_addrs(&self) -> u8 {
        self.buffer.as_ref()[field::COUNT_ADDRS]
    }

    /// v2 auth type (meaningless for v3).
    pub fn auth_type(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE_V2]
    }

    /// Advertisement interval in centiseconds: v3's 12-bit field, or v2's seconds × 100.
    pub fn interval_cs(&self) -> u16 {
        let data = self.buffer.as_ref();
        match self.version() {
            Version::V2 => u16::from(data[field::ADVER_INT_V2]) * 100,
            Version::V3 => {
                u16::from_be_bytes([
                    data[field::MAX_ADVER_INT_V3.start],
                    data[field::MAX_ADVER_INT_V3.start + 1],
                ]) & 0x0fff
            }
        }
    }

    /// Checksum field as carried.
    pub fn checksum(&self) -> u16 {
        let d = &self.buffer.as_ref()[field::CHECKSUM];
        u16::from_be_bytes([d[0], d[1]])
    }

    /// The `index`-th announced address. Panics if `index >= count_addrs()` (a caller bug, never
    /// reachable from packet contents); [`Packet::addresses`] cannot.
    pub fn address(&self, index: usize) -> IpAddr {
        let len = self.family.address_len();
        let start = field::ADDRESSES + index * len;
        let d = &self.buffer.as_ref()[start..start + len];
        match self.family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::new(d[0], d[1], d[2], d[3])),
            Family::Ipv6 => {
                let mut o = [0u8; 16];
                o.copy_from_slice(d);
                IpAddr::V6(Ipv6Addr::from(o))
            }
        }
    }

    /// The announced addresses, in packet order.
    pub fn addresses(&self) -> impl ExactSizeIterator<Item = IpAddr> + '_ {
        (0..usize::from(self.count_addrs())).map(|i| self.address(i))
    }

    /// v2 authentication data (8 bytes after the addresses); all zeroes for v3, which has none,
    /// and for Cisco MD5, whose data is vendor-specific.
    pub fn auth_data(&self) -> [u8; 8] {
        let start = field::ADDRESSES + usize::from(self.count_addrs()) * self.family.address_len();
        let mut o = [0u8; 8];
        let data = self.buffer.as_ref();
        if self.version() == Version::V2
            && !self.is_cisco_md5()
            && let Some(d) = data.get(start..start + field::AUTH_DATA_LEN_V2)
        {
            o.copy_from_slice(d);
        }
        o
    }

    /// The VRRP message proper: header, addresses and v2 auth data, without trailing bytes.
    pub fn message(&self) -> &[u8] {
        let len = self.message_len_for(self.version(), self.count_addrs());
        &self.buffer.as_ref()[..len]
    }

    /// Whether the checksum verifies for `src` → `dst` under `convention`.
    pub fn verify_checksum(
        &self,
        src: IpAddr,
        dst: IpAddr,
        convention: ChecksumConvention,
    ) -> bool {
        checksum::verify(self.version(), convention, src, dst, self.message())
    }

    /// Which checksum convention the sender used, if the checksum verifies under either.
    pub fn detect_checksum(&self, src: IpAddr, dst: IpAddr) -> Option<ChecksumConvention> {
        checksum::detect(self.version(), src, dst, self.message())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets version and type.
    pub fn set_version_type(&mut self, version: Version, msg_type: u8) {
        self.buffer.as_mut()[field::VERSION_TYPE] = (version.number() << 4) | (msg_type & 0x0f);
    }

    /// Sets the VRID.
    pub fn set_vrid(&mut self, vrid: u8) {
        self.buffer.as_mut()[field::VRID] = vrid;
    }

    /// Sets the priority.
    pub fn set_priority(&mut self, priority: u8) {
        self.buffer.as_mut()[field::PRIORITY] = priority;
    }

    /// Sets the address count.
    pub fn set_count_addrs(&mut self, count: u8) {
        self.buffer.as_mut()[field::COUNT_ADDRS] = count;
    }

    /// Sets the v2 auth type and interval in seconds (from centiseconds, rounded down).
    fn set_v2_auth_and_interval(&mut self, auth_type: u8, interval_cs: u16) {
        let d = self.buffer.as_mut();
        d[field::AUTH_TYPE_V2] = auth_type;
        d[field::ADVER_INT_V2] = u8::try_from(interval_cs / 100).unwrap_or(u8::MAX);
    }

    /// Sets the v3 12-bit max advert interval (centiseconds, saturating at 4095) with zero
    /// reserved bits.
    fn set_v3_interval(&mut self, interval_cs: u16) {
        let v = interval_cs.min(MAX_INTERVAL_CS_V3).to_be_bytes();
        self.buffer.as_mut()[field::MAX_ADVER_INT_V3].copy_from_slice(&v);
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Zeroes the checksum field and fills it for `src` → `dst` under `convention`.
    pub fn fill_checksum(&mut self, src: IpAddr, dst: IpAddr, convention: ChecksumConvention) {
        self.set_checksum(0);
        let c = checksum::compute(self.version(), convention, src, dst, self.message());
        self.set_checksum(c);
    }
}

/// An owned, parsed VRRP advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Advert {
    /// Protocol version.
    pub version: Version,
    /// Virtual router identifier (1–255; 0 is parsed, and rejected by instances).
    pub vrid: u8,
    /// Sender's priority.
    pub priority: u8,
    /// Advertisement interval in centiseconds (v2 carries whole seconds: a multiple of 100).
    pub interval_cs: u16,
    /// v2 authentication; always `None` for v3.
    pub authentication: Authentication,
    /// The virtual addresses announced (all of the packet's family).
    pub addresses: Vec<IpAddr>,
}

impl Advert {
    /// Parses a checked packet. Does not verify the checksum (that needs the IP addresses: see
    /// [`Packet::verify_checksum`]); rejects message types other than ADVERTISEMENT.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Advert, WireError> {
        packet.check_len()?;
        if packet.msg_type() != TYPE_ADVERTISEMENT {
            return Err(WireError::UnknownType(packet.msg_type()));
        }
        let version = packet.version();
        let authentication = match version {
            Version::V3 => Authentication::None,
            Version::V2 => match packet.auth_type() {
                0 => Authentication::None,
                1 => Authentication::SimplePassword(packet.auth_data()),
                2 => Authentication::IpAh,
                AUTH_TYPE_CISCO_MD5 => Authentication::CiscoMd5,
                t => Authentication::Unknown(t),
            },
        };
        Ok(Advert {
            version,
            vrid: packet.vrid(),
            priority: packet.priority(),
            interval_cs: packet.interval_cs(),
            authentication,
            addresses: packet.addresses().collect(),
        })
    }

    /// Parses untrusted bytes of the given family (no checksum verification).
    pub fn parse_bytes(bytes: &[u8], family: Family) -> Result<Advert, WireError> {
        Advert::parse(&Packet::new_checked(bytes, family)?)
    }

    /// Family of the announced addresses (IPv4 when there are none and the version is 2).
    pub fn family(&self) -> Family {
        self.addresses
            .first()
            .map(Family::of)
            .unwrap_or(Family::Ipv4)
    }

    /// Number of bytes [`Advert::emit`] writes.
    pub fn buffer_len(&self, family: Family) -> usize {
        let auth = match (self.version, &self.authentication) {
            (Version::V3, _) => 0,
            (Version::V2, Authentication::CiscoMd5) => field::CISCO_MD5_DIGEST,
            (Version::V2, _) => field::AUTH_DATA_LEN_V2,
        };
        HEADER_LEN + self.addresses.len().min(255) * family.address_len() + auth
    }

    /// Advertisement interval as a duration.
    pub fn interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(u64::from(self.interval_cs) * 10)
    }

    /// Writes the advert into `packet` (at least [`Advert::buffer_len`] bytes) and fills the
    /// checksum for `src` → `dst`. Addresses of another family than the packet's are written as
    /// zeroes; at most 255 addresses are written. Cisco MD5 is written in its shortest form, a
    /// zero digest right after the addresses (vrrplab never sends it; tests and fuzzing do).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        src: IpAddr,
        dst: IpAddr,
        convention: ChecksumConvention,
    ) {
        let family = packet.family();
        let count = self.addresses.len().min(255);
        packet.set_version_type(self.version, TYPE_ADVERTISEMENT);
        packet.set_vrid(self.vrid);
        packet.set_priority(self.priority);
        packet.set_count_addrs(count as u8);
        match self.version {
            Version::V2 => {
                packet.set_v2_auth_and_interval(self.authentication.type_number(), self.interval_cs)
            }
            Version::V3 => packet.set_v3_interval(self.interval_cs),
        }
        let alen = family.address_len();
        let data = packet.buffer.as_mut();
        for (i, addr) in self.addresses.iter().take(count).enumerate() {
            let slot = &mut data[field::ADDRESSES + i * alen..field::ADDRESSES + (i + 1) * alen];
            match (addr, family) {
                (IpAddr::V4(a), Family::Ipv4) => slot.copy_from_slice(&a.octets()),
                (IpAddr::V6(a), Family::Ipv6) => slot.copy_from_slice(&a.octets()),
                _ => slot.fill(0),
            }
        }
        if self.version == Version::V2 {
            let start = field::ADDRESSES + count * alen;
            match &self.authentication {
                Authentication::SimplePassword(p) => data[start..start + 8].copy_from_slice(p),
                Authentication::CiscoMd5 => {
                    data[start..start + field::CISCO_MD5_DIGEST].fill(0);
                }
                _ => data[start..start + 8].fill(0),
            }
        }
        packet.fill_checksum(src, dst, convention);
    }

    /// Emits into a fresh vector sized for `src`'s family.
    pub fn to_bytes(&self, src: IpAddr, dst: IpAddr, convention: ChecksumConvention) -> Vec<u8> {
        let family = Family::of(&src);
        let mut buf = vec![0u8; self.buffer_len(family)];
        let mut packet = Packet::new_unchecked(&mut buf[..], family);
        self.emit(&mut packet, src, dst, convention);
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn v3_ipv4_round_trip_keeps_every_field_and_verifies_with_pseudo_header() {
        let advert = Advert {
            version: Version::V3,
            vrid: 51,
            priority: 100,
            interval_cs: 10,
            authentication: Authentication::None,
            addresses: vec![v4("192.0.2.100")],
        };
        let (src, dst) = (v4("192.0.2.11"), v4("224.0.0.18"));
        let bytes = advert.to_bytes(src, dst, ChecksumConvention::PseudoHeader);
        let packet = Packet::new_checked(&bytes[..], Family::Ipv4).unwrap();
        assert!(packet.verify_checksum(src, dst, ChecksumConvention::PseudoHeader));
        assert!(!packet.verify_checksum(src, dst, ChecksumConvention::MessageOnly));
        assert_eq!(
            packet.detect_checksum(src, dst),
            Some(ChecksumConvention::PseudoHeader)
        );
        assert_eq!(Advert::parse(&packet).unwrap(), advert);
    }

    #[test]
    fn v2_with_password_round_trips_and_interval_is_whole_seconds() {
        let advert = Advert {
            version: Version::V2,
            vrid: 51,
            priority: 150,
            interval_cs: 100,
            authentication: Authentication::simple_password("secret"),
            addresses: vec![v4("192.0.2.100"), v4("192.0.2.101")],
        };
        let bytes = advert.to_bytes(
            v4("192.0.2.11"),
            v4("224.0.0.18"),
            ChecksumConvention::PseudoHeader,
        );
        assert_eq!(bytes.len(), 8 + 8 + 8);
        assert_eq!(bytes[5], 1);
        assert_eq!(Advert::parse_bytes(&bytes, Family::Ipv4).unwrap(), advert);
    }

    #[test]
    fn short_buffer_is_truncated_not_a_panic() {
        assert_eq!(
            Packet::new_checked(&[0x31, 51, 100][..], Family::Ipv4).unwrap_err(),
            WireError::Truncated { len: 3, needed: 8 }
        );
        let header_claims_two = [0x31, 51, 100, 2, 0, 100, 0, 0, 192, 0, 2, 100];
        assert_eq!(
            Packet::new_checked(&header_claims_two[..], Family::Ipv4).unwrap_err(),
            WireError::Truncated {
                len: 12,
                needed: 16
            }
        );
    }
}
