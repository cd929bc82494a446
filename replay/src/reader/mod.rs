//! Capture files, frame by frame: classic pcap (µs and ns, either byte order) and pcapng
//! (several interfaces, `if_tsresol` and `if_tsoffset` honoured).
//!
//! Contract: [`CaptureReader::next_frame`] streams one frame at a time from a fixed buffer (no
//! allocation per frame, memory independent of the file size) and never panics on bad input.
//! A truncated or corrupt file yields a [`CaptureError`] naming the frame number and byte offset
//! where reading stopped; every frame returned before it stays valid for the caller's report.
//!
//! Own reader rather than pcap-file's: pcap-file 2.0.0 reads pcapng timestamps as nanoseconds
//! whatever the interface's `if_tsresol` says (foreign pcapng defaults to µs), and rejects
//! classic records longer than the header's snaplen, which some writers produce.

mod buffer;
mod pcap;
mod pcapng;

use buffer::Buffer;
use std::io::Read;

/// A link-layer header type (pcap LINKTYPE_* value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkType(pub u16);

impl LinkType {
    /// BSD loopback: a 4-byte address family in host byte order, then IP.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II, possibly with 802.1Q tags.
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP: the frame starts with an IPv4 or IPv6 header.
    pub const RAW: LinkType = LinkType(101);
    /// Linux cooked capture v1 (`tcpdump -i any` before libpcap 1.10).
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Raw IPv4 only.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6 only.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux cooked capture v2 (`tcpdump -i any` with libpcap ≥ 1.10).
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// A short name for reports.
    pub fn name(self) -> String {
        match self {
            LinkType::NULL => "null".into(),
            LinkType::ETHERNET => "ethernet".into(),
            LinkType::RAW | LinkType::IPV4 | LinkType::IPV6 => "raw-ip".into(),
            LinkType::LINUX_SLL => "linux-sll".into(),
            LinkType::LINUX_SLL2 => "linux-sll2".into(),
            LinkType(other) => format!("linktype-{other}"),
        }
    }
}

/// The container format of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap format.
    Pcap,
    /// pcapng.
    PcapNg,
}

impl Format {
    /// `pcap` or `pcapng`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
        }
    }
}

/// One captured frame, borrowed from the reader's buffer until the next call.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 1-based frame number (as Wireshark counts).
    pub number: u64,
    /// Capture timestamp in nanoseconds since the Unix epoch.
    pub time_ns: u64,
    /// Link-layer header type of the capturing interface.
    pub link: LinkType,
    /// pcapng interface index (0 for classic pcap).
    pub interface: u32,
    /// Captured bytes (maybe fewer than `orig_len` when the snaplen cut them).
    pub data: &'a [u8],
    /// Length of the frame on the wire.
    pub orig_len: u32,
}

/// Why reading a capture stopped early.
#[derive(Debug)]
pub struct CaptureError {
    /// The frame number being read (frames before it were returned).
    pub frame: u64,
    /// Byte offset in the file where the bad record starts.
    pub offset: u64,
    /// What went wrong.
    pub kind: CaptureErrorKind,
}

/// The kinds of capture errors.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureErrorKind {
    /// The file does not start with a pcap or pcapng magic number.
    NotACapture {
        /// The first four bytes.
        magic: [u8; 4],
    },
    /// The file ends inside a header or record.
    Truncated {
        /// Bytes the record needs.
        needed: u64,
        /// Bytes left in the file.
        available: u64,
    },
    /// A header field is impossible (length, interface id, block size …).
    Corrupt(String),
    /// The operating system failed to read the file.
    Io(std::io::Error),
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "frame {} (byte offset {}): ", self.frame, self.offset)?;
        match &self.kind {
            CaptureErrorKind::NotACapture { magic } => write!(
                f,
                "not a pcap or pcapng file (magic {:02x}{:02x}{:02x}{:02x})",
                magic[0], magic[1], magic[2], magic[3]
            ),
            CaptureErrorKind::Truncated { needed, available } => write!(
                f,
                "file truncated: the record needs {needed} bytes, only {available} left"
            ),
            CaptureErrorKind::Corrupt(what) => write!(f, "corrupt capture: {what}"),
            CaptureErrorKind::Io(e) => write!(f, "read error: {e}"),
        }
    }
}

impl std::error::Error for CaptureError {}

enum Inner {
    Pcap(pcap::State),
    PcapNg(pcapng::State),
}

/// Streams frames out of a pcap or pcapng file.
pub struct CaptureReader<R: Read> {
    buffer: Buffer<R>,
    inner: Inner,
    frames: u64,
    failed: bool,
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header and detects the format.
    pub fn new(reader: R) -> Result<CaptureReader<R>, CaptureError> {
        let mut buffer = Buffer::new(reader);
        let err = |kind| CaptureError {
            frame: 1,
            offset: 0,
            kind,
        };
        let head = buffer.peek(4).map_err(err)?;
        let magic = [head[0], head[1], head[2], head[3]];
        let inner = if magic == pcapng::SHB_MAGIC {
            Inner::PcapNg(pcapng::State::new())
        } else if let Some(state) = pcap::State::detect(magic) {
            let header = buffer.take(pcap::HEADER_LEN).map_err(err)?;
            Inner::Pcap(state.with_header(header))
        } else {
            return Err(err(CaptureErrorKind::NotACapture { magic }));
        };
        Ok(CaptureReader {
            buffer,
            inner,
            frames: 0,
            failed: false,
        })
    }

    /// The container format.
    pub fn format(&self) -> Format {
        match self.inner {
            Inner::Pcap(_) => Format::Pcap,
            Inner::PcapNg(_) => Format::PcapNg,
        }
    }

    /// Frames returned so far.
    pub fn frames_read(&self) -> u64 {
        self.frames
    }

    /// The next frame, `Ok(None)` at the end of the file, or the error that ends reading (after
    /// an error every further call returns `Ok(None)`).
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.failed {
            return Ok(None);
        }
        let number = self.frames + 1;
        let offset = self.buffer.offset();
        let result = match &mut self.inner {
            Inner::Pcap(state) => state.next(&mut self.buffer),
            Inner::PcapNg(state) => state.next(&mut self.buffer),
        };
        match result {
            Ok(Some(raw)) => {
                self.frames = number;
                Ok(Some(Frame {
                    number,
                    time_ns: raw.time_ns,
                    link: raw.link,
                    interface: raw.interface,
                    data: self.buffer.record(raw.data),
                    orig_len: raw.orig_len,
                }))
            }
            Ok(None) => Ok(None),
            Err(kind) => {
                self.failed = true;
                Err(CaptureError {
                    frame: number,
                    offset,
                    kind,
                })
            }
        }
    }
}

/// A frame located in the buffer (positions, so the borrow is taken once at the end).
struct RawFrame {
    time_ns: u64,
    link: LinkType,
    interface: u32,
    data: std::ops::Range<usize>,
    orig_len: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big_endian_microsecond_pcap() -> Vec<u8> {
        let mut f = vec![0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4];
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&65535u32.to_be_bytes());
        f.extend_from_slice(&101u32.to_be_bytes());
        for (secs, micros, data) in [
            (10u32, 250_000u32, &[0x45u8, 0, 0][..]),
            (11, 999_999, &[0x60][..]),
        ] {
            f.extend_from_slice(&secs.to_be_bytes());
            f.extend_from_slice(&micros.to_be_bytes());
            f.extend_from_slice(&(data.len() as u32).to_be_bytes());
            f.extend_from_slice(&(data.len() as u32 + 40).to_be_bytes());
            f.extend_from_slice(data);
        }
        f
    }

    #[test]
    fn big_endian_microsecond_pcap_gives_nanosecond_times_and_raw_link() {
        let bytes = big_endian_microsecond_pcap();
        let mut r = CaptureReader::new(&bytes[..]).unwrap();
        assert_eq!(r.format(), Format::Pcap);
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!(
            (f.number, f.time_ns, f.link, f.data, f.orig_len),
            (1, 10_250_000_000, LinkType::RAW, &[0x45, 0, 0][..], 43)
        );
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!((f.number, f.time_ns), (2, 11_999_999_000));
        assert!(r.next_frame().unwrap().is_none());
    }

    #[test]
    fn record_longer_than_the_snapshot_length_is_corrupt_with_its_frame_number() {
        let mut bytes = big_endian_microsecond_pcap();
        // Second record's captured length (header at 24 + 16 + 3 = 43, length at +8).
        bytes[51..55].copy_from_slice(&0x0100_0000u32.to_be_bytes());
        let mut r = CaptureReader::new(&bytes[..]).unwrap();
        assert!(r.next_frame().unwrap().is_some());
        let e = r.next_frame().unwrap_err();
        assert_eq!((e.frame, e.offset), (2, 43));
        assert!(e.to_string().contains("exceeds the snapshot length"), "{e}");
        assert!(r.next_frame().unwrap().is_none());
    }
}
