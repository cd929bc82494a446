//! `--pcap FILE`: the frames analysed, in a classic pcap (nanosecond resolution) written with
//! pcap-file, as the netns harness writes its captures; `vrrplab replay` reads it back.
//!
//! Unbuffered: each frame is in the file when [`PcapFile::write`] returns, so the file can be
//! read while the watch goes on and nothing is lost when it is killed (VRRP traffic is a few
//! frames per second).

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, TsResolution};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;
use vrrplab_replay::LinkType;

/// Largest frame kept.
pub const SNAPLEN: u32 = 262_144;

/// An open capture file.
pub struct PcapFile {
    path: PathBuf,
    writer: PcapWriter<File>,
}

impl PcapFile {
    /// Creates (truncates) `path` for frames of `link`.
    pub fn create(path: &Path, link: LinkType) -> Result<PcapFile, String> {
        let what = |e: &dyn std::fmt::Display| format!("--pcap {}: {e}", path.display());
        let file = File::create(path).map_err(|e| what(&e))?;
        let header = PcapHeader {
            datalink: DataLink::from(u32::from(link.0)),
            ts_resolution: TsResolution::NanoSecond,
            snaplen: SNAPLEN,
            ..PcapHeader::default()
        };
        let writer = PcapWriter::with_header(file, header).map_err(|e| what(&e))?;
        Ok(PcapFile {
            path: path.to_path_buf(),
            writer,
        })
    }

    /// Appends one frame.
    pub fn write(&mut self, time_ns: u64, orig_len: u32, data: &[u8]) -> Result<(), String> {
        self.writer
            .write_packet(&PcapPacket::new(
                Duration::from_nanos(time_ns),
                orig_len,
                data,
            ))
            .map(drop)
            .map_err(|e| format!("--pcap {}: {e}", self.path.display()))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
