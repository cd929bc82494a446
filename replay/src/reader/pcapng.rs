//! pcapng: a sequence of blocks (type, total length, body, total length). Reads section headers
//! (byte order), interface descriptions (link type, `if_tsresol`, `if_tsoffset`), enhanced,
//! simple and obsolete packet blocks; skips every other block type.

use super::buffer::Buffer;
use super::{CaptureErrorKind, LinkType, RawFrame};
use std::io::Read;

/// Block type of the section header block, identical in both byte orders.
pub(super) const SHB_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const BLOCK_IDB: u32 = 0x0000_0001;
const BLOCK_OPB: u32 = 0x0000_0002;
const BLOCK_SPB: u32 = 0x0000_0003;
const BLOCK_EPB: u32 = 0x0000_0006;
const BLOCK_SHB: u32 = 0x0a0d_0d0a;
const OPT_END: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;

/// Timestamp units of one interface.
#[derive(Debug, Clone, Copy)]
enum Resolution {
    /// 10^-n seconds.
    Decimal(u8),
    /// 2^-n seconds.
    Binary(u8),
}

impl Resolution {
    fn to_ns(self, ticks: u64) -> u64 {
        match self {
            Resolution::Decimal(n) if n <= 9 => ticks.saturating_mul(10u64.pow(9 - u32::from(n))),
            Resolution::Decimal(n) => {
                let div = 10u128.checked_pow(u32::from(n) - 9).unwrap_or(u128::MAX);
                (u128::from(ticks) / div) as u64
            }
            Resolution::Binary(n) => {
                let ns = (u128::from(ticks) * 1_000_000_000) >> n.min(127);
                u64::try_from(ns).unwrap_or(u64::MAX)
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    link: LinkType,
    snaplen: u32,
    resolution: Resolution,
    offset_secs: i64,
}

/// Byte order of the current section and its interfaces.
pub(super) struct State {
    big_endian: bool,
    interfaces: Vec<Interface>,
    last_time_ns: u64,
}

impl State {
    pub(super) fn new() -> State {
        State {
            big_endian: false,
            interfaces: Vec::new(),
            last_time_ns: 0,
        }
    }

    fn u16_at(&self, b: &[u8], at: usize) -> u16 {
        let v = [b[at], b[at + 1]];
        if self.big_endian {
            u16::from_be_bytes(v)
        } else {
            u16::from_le_bytes(v)
        }
    }

    fn u32_at(&self, b: &[u8], at: usize) -> u32 {
        let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        if self.big_endian {
            u32::from_be_bytes(v)
        } else {
            u32::from_le_bytes(v)
        }
    }

    fn interface(&self, id: u32) -> Result<Interface, CaptureErrorKind> {
        self.interfaces.get(id as usize).copied().ok_or_else(|| {
            CaptureErrorKind::Corrupt(format!(
                "packet refers to interface {id}, but only {} are described",
                self.interfaces.len()
            ))
        })
    }

    /// The next packet, skipping non-packet blocks; `None` at a clean end of file.
    pub(super) fn next<R: Read>(
        &mut self,
        buffer: &mut Buffer<R>,
    ) -> Result<Option<RawFrame>, CaptureErrorKind> {
        loop {
            if buffer.at_end()? {
                return Ok(None);
            }
            let head = buffer.peek(12)?;
            let block_type_raw = [head[0], head[1], head[2], head[3]];
            if block_type_raw == SHB_MAGIC {
                self.big_endian = match [head[8], head[9], head[10], head[11]] {
                    [0x1a, 0x2b, 0x3c, 0x4d] => true,
                    [0x4d, 0x3c, 0x2b, 0x1a] => false,
                    other => {
                        return Err(CaptureErrorKind::Corrupt(format!(
                            "section header with byte-order magic {other:02x?}"
                        )));
                    }
                };
                self.interfaces.clear();
            }
            let block_type = self.u32_at(head, 0);
            let total = self.u32_at(head, 4) as usize;
            if total < 12 || !total.is_multiple_of(4) {
                return Err(CaptureErrorKind::Corrupt(format!(
                    "block of type {block_type:#x} with length {total}"
                )));
            }
            let range = buffer.take_range(total)?;
            let start = range.start;
            let block = buffer.record(range.clone());
            let trailer = self.u32_at(block, total - 4) as usize;
            if trailer != total {
                return Err(CaptureErrorKind::Corrupt(format!(
                    "block length {total} does not match its trailer {trailer}"
                )));
            }
            let body = &block[8..total - 4];
            let found = match block_type {
                BLOCK_SHB => None,
                BLOCK_IDB => {
                    self.read_interface(body)?;
                    None
                }
                BLOCK_EPB => Some(self.enhanced_packet(body)?),
                BLOCK_OPB => Some(self.obsolete_packet(body)?),
                BLOCK_SPB => Some(self.simple_packet(body)?),
                _ => None,
            };
            if let Some((time_ns, link, interface, data, orig_len)) = found {
                self.last_time_ns = time_ns;
                let data = start + 8 + data.start..start + 8 + data.end;
                return Ok(Some(RawFrame {
                    time_ns,
                    link,
                    interface,
                    data,
                    orig_len,
                }));
            }
        }
    }

    fn read_interface(&mut self, body: &[u8]) -> Result<(), CaptureErrorKind> {
        if body.len() < 8 {
            return Err(CaptureErrorKind::Corrupt(
                "interface description block shorter than 8 bytes".into(),
            ));
        }
        let mut interface = Interface {
            link: LinkType(self.u16_at(body, 0)),
            snaplen: self.u32_at(body, 4),
            resolution: Resolution::Decimal(6),
            offset_secs: 0,
        };
        let mut at = 8;
        while at + 4 <= body.len() {
            let code = self.u16_at(body, at);
            let len = usize::from(self.u16_at(body, at + 2));
            let value = body.get(at + 4..at + 4 + len).ok_or_else(|| {
                CaptureErrorKind::Corrupt(format!("interface option {code} overruns its block"))
            })?;
            match code {
                OPT_END => break,
                OPT_IF_TSRESOL if len >= 1 => {
                    let v = value[0];
                    interface.resolution = if v & 0x80 == 0 {
                        Resolution::Decimal(v)
                    } else {
                        Resolution::Binary(v & 0x7f)
                    };
                }
                OPT_IF_TSOFFSET if len >= 8 => {
                    let b: [u8; 8] = value[..8].try_into().unwrap_or([0; 8]);
                    interface.offset_secs = if self.big_endian {
                        i64::from_be_bytes(b)
                    } else {
                        i64::from_le_bytes(b)
                    };
                }
                _ => {}
            }
            at += 4 + len.div_ceil(4) * 4;
        }
        self.interfaces.push(interface);
        Ok(())
    }

    fn time_ns(&self, interface: &Interface, high: u32, low: u32) -> u64 {
        let ticks = (u64::from(high) << 32) | u64::from(low);
        let ns = interface.resolution.to_ns(ticks);
        let offset_ns = interface.offset_secs.saturating_mul(1_000_000_000);
        if offset_ns >= 0 {
            ns.saturating_add(offset_ns as u64)
        } else {
            ns.saturating_sub(offset_ns.unsigned_abs())
        }
    }

    fn packet_data(
        body: &[u8],
        at: usize,
        captured: usize,
    ) -> Result<std::ops::Range<usize>, CaptureErrorKind> {
        if at + captured > body.len() {
            return Err(CaptureErrorKind::Corrupt(format!(
                "packet of {captured} bytes does not fit its block"
            )));
        }
        Ok(at..at + captured)
    }

    #[allow(clippy::type_complexity)]
    fn enhanced_packet(
        &self,
        body: &[u8],
    ) -> Result<(u64, LinkType, u32, std::ops::Range<usize>, u32), CaptureErrorKind> {
        if body.len() < 20 {
            return Err(CaptureErrorKind::Corrupt(
                "enhanced packet block too short".into(),
            ));
        }
        self.timed_packet(body, self.u32_at(body, 0))
    }

    /// The obsolete Packet Block: like the enhanced one, with a 16-bit interface id followed by
    /// a 16-bit drop count.
    #[allow(clippy::type_complexity)]
    fn obsolete_packet(
        &self,
        body: &[u8],
    ) -> Result<(u64, LinkType, u32, std::ops::Range<usize>, u32), CaptureErrorKind> {
        if body.len() < 20 {
            return Err(CaptureErrorKind::Corrupt("packet block too short".into()));
        }
        self.timed_packet(body, u32::from(self.u16_at(body, 0)))
    }

    /// The fields enhanced and obsolete packet blocks share after the interface id: timestamp
    /// (high, low) at 4 and 8, captured length at 12, original length at 16, data from 20.
    /// `body` is at least 20 bytes.
    #[allow(clippy::type_complexity)]
    fn timed_packet(
        &self,
        body: &[u8],
        id: u32,
    ) -> Result<(u64, LinkType, u32, std::ops::Range<usize>, u32), CaptureErrorKind> {
        let interface = self.interface(id)?;
        let time = self.time_ns(&interface, self.u32_at(body, 4), self.u32_at(body, 8));
        let captured = self.u32_at(body, 12) as usize;
        let orig_len = self.u32_at(body, 16);
        let data = Self::packet_data(body, 20, captured)?;
        Ok((time, interface.link, id, data, orig_len))
    }

    /// Simple packet blocks carry no timestamp: they get the previous packet's.
    #[allow(clippy::type_complexity)]
    fn simple_packet(
        &self,
        body: &[u8],
    ) -> Result<(u64, LinkType, u32, std::ops::Range<usize>, u32), CaptureErrorKind> {
        if body.len() < 4 {
            return Err(CaptureErrorKind::Corrupt(
                "simple packet block too short".into(),
            ));
        }
        let interface = self.interface(0)?;
        let orig_len = self.u32_at(body, 0);
        let snap = if interface.snaplen == 0 {
            u32::MAX
        } else {
            interface.snaplen
        };
        let captured = (orig_len.min(snap) as usize).min(body.len() - 4);
        let data = Self::packet_data(body, 4, captured)?;
        Ok((self.last_time_ns, interface.link, 0, data, orig_len))
    }
}

#[cfg(test)]
mod tests {
    use super::Resolution;

    #[test]
    fn timestamp_resolutions_convert_to_nanoseconds() {
        assert_eq!(Resolution::Decimal(6).to_ns(1_500_000), 1_500_000_000);
        assert_eq!(Resolution::Decimal(9).to_ns(7), 7);
        assert_eq!(Resolution::Decimal(12).to_ns(5_000), 5);
        assert_eq!(Resolution::Binary(10).to_ns(1024), 1_000_000_000);
        assert_eq!(Resolution::Binary(0).to_ns(3), 3_000_000_000);
    }
}
