//! Where frames come from: a small trait so the engine runs the same on a capture file and on
//! a live socket (implemented by the daemon).

use crate::reader::{CaptureError, CaptureReader, Frame, LinkType};
use std::io::Read;

/// A frame owned by its source (a live socket hands out owned buffers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedFrame {
    /// 1-based frame number in the source.
    pub number: u64,
    /// Receive time, ns since the Unix epoch.
    pub time_ns: u64,
    /// Link-layer type of the bytes.
    pub link: LinkType,
    /// Capture interface (pcapng interface index; 0 for one interface).
    pub interface: u32,
    /// Captured bytes.
    pub data: Vec<u8>,
    /// Length on the wire.
    pub orig_len: u32,
}

impl OwnedFrame {
    /// The frame as the analysis reads it.
    pub fn as_frame(&self) -> Frame<'_> {
        Frame {
            number: self.number,
            time_ns: self.time_ns,
            link: self.link,
            interface: self.interface,
            data: &self.data,
            orig_len: self.orig_len,
        }
    }
}

/// Something that yields frames one by one.
pub trait FrameSource {
    /// Why the source stopped.
    type Error: std::fmt::Display;

    /// The next frame, `Ok(None)` when there is none (end of file, or nothing queued yet on a
    /// live source).
    fn next_frame(&mut self) -> Result<Option<OwnedFrame>, Self::Error>;
}

impl<R: Read> FrameSource for CaptureReader<R> {
    type Error = CaptureError;

    fn next_frame(&mut self) -> Result<Option<OwnedFrame>, CaptureError> {
        Ok(CaptureReader::next_frame(self)?.map(|f| OwnedFrame {
            number: f.number,
            time_ns: f.time_ns,
            link: f.link,
            interface: f.interface,
            data: f.data.to_vec(),
            orig_len: f.orig_len,
        }))
    }
}
