//! Classic libpcap files: a 24-byte header, then 16-byte record headers each followed by data.

use super::buffer::{Buffer, MAX_RECORD};
use super::{CaptureErrorKind, LinkType, RawFrame};
use std::io::Read;

/// Size of the file header.
pub(super) const HEADER_LEN: usize = 24;
const RECORD_HEADER_LEN: usize = 16;

/// Byte order and timestamp resolution, from the magic number, plus the link type.
pub(super) struct State {
    big_endian: bool,
    nanos: bool,
    link: LinkType,
    max_record: u32,
}

impl State {
    /// Recognises the four magic numbers (µs or ns, little or big endian).
    pub(super) fn detect(magic: [u8; 4]) -> Option<State> {
        let (big_endian, nanos) = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
            [0xa1, 0xb2, 0xc3, 0xd4] => (true, false),
            [0x4d, 0x3c, 0xb2, 0xa1] => (false, true),
            [0xa1, 0xb2, 0x3c, 0x4d] => (true, true),
            _ => return None,
        };
        Some(State {
            big_endian,
            nanos,
            link: LinkType::ETHERNET,
            max_record: 262_144,
        })
    }

    fn u32_at(&self, bytes: &[u8], at: usize) -> u32 {
        let b = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }

    /// Takes the link type from the 24-byte file header (its low 16 bits; the upper bits carry
    /// FCS information).
    pub(super) fn with_header(mut self, header: &[u8]) -> State {
        self.link = LinkType((self.u32_at(header, 20) & 0xffff) as u16);
        self.max_record = self.u32_at(header, 16).clamp(262_144, MAX_RECORD as u32);
        self
    }

    /// The next record, `None` at a clean end of file.
    pub(super) fn next<R: Read>(
        &mut self,
        buffer: &mut Buffer<R>,
    ) -> Result<Option<RawFrame>, CaptureErrorKind> {
        if buffer.at_end()? {
            return Ok(None);
        }
        let header = buffer.take(RECORD_HEADER_LEN)?;
        let secs = u64::from(self.u32_at(header, 0));
        let frac = u64::from(self.u32_at(header, 4));
        let incl_len = self.u32_at(header, 8);
        let orig_len = self.u32_at(header, 12);
        if incl_len > self.max_record {
            return Err(CaptureErrorKind::Corrupt(format!(
                "record length {incl_len} exceeds the snapshot length {}",
                self.max_record
            )));
        }
        let frac_ns = if self.nanos { frac } else { frac * 1000 };
        if frac_ns >= 1_000_000_000 {
            return Err(CaptureErrorKind::Corrupt(format!(
                "timestamp fraction {frac} out of range"
            )));
        }
        let data = buffer.take_range(incl_len as usize)?;
        Ok(Some(RawFrame {
            time_ns: secs * 1_000_000_000 + frac_ns,
            link: self.link,
            interface: 0,
            data,
            orig_len,
        }))
    }
}
