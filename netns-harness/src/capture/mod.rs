//! Capture: every frame crossing the bridge, written to a classic pcap file.
//!
//! A dedicated thread enters the switch namespace, opens an `AF_PACKET` socket bound to
//! [`crate::topology::BRIDGE`] with promiscuous membership (a promiscuous bridge passes every
//! forwarded frame up to itself, unicast VRRP included) and kernel nanosecond timestamps
//! (`SO_TIMESTAMPNS`, the same Unix clock as logs and observer), and writes each frame with
//! pcap-file (Ethernet link type, nanosecond resolution). [`Capture::stop`] ends the thread
//! once it has written every frame the kernel had already queued (the thread may lag on a
//! loaded machine), flushes the file and returns its path; the file is then readable by tshark
//! and by `vrrplab replay`. Nothing is filtered: IGMP/MLD joins and ARP are kept too.

pub mod analysis;
mod socket;

pub use analysis::{AdvertFrame, CaptureLog, Event, EventKind};

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, TsResolution};

use crate::error::{HarnessError, Result};
use crate::topology::{BRIDGE, Topology};

/// A running capture on the topology's bridge.
pub struct Capture {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<u64>>>,
}

impl Capture {
    /// Starts capturing on the bridge of `topology` into `<artifacts>/<file_name>`; returns once
    /// the socket is open, so no frame sent after this call is missed.
    pub fn start(topology: &Topology, file_name: &str) -> Result<Capture> {
        let path = topology.artifacts().join(file_name);
        let namespace = topology.switch_namespace().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = mpsc::channel::<Result<()>>();
        let (stop2, path2) = (Arc::clone(&stop), path.clone());
        let thread = std::thread::Builder::new()
            .name("netns-capture".into())
            .spawn(move || -> Result<u64> {
                let opened = crate::netns::enter(&namespace)
                    .and_then(|()| socket::PacketSocket::open(BRIDGE))
                    .and_then(|s| Ok((s, pcap_writer(&path2)?)));
                let (socket, mut writer) = match opened {
                    Ok(v) => {
                        let _ = ready_tx.send(Ok(()));
                        v
                    }
                    Err(e) => {
                        let message = e.to_string();
                        let _ = ready_tx.send(Err(e));
                        return Err(HarnessError::Invalid(message));
                    }
                };
                let frames = record(&socket, &mut writer, &stop2)?;
                let mut inner = writer.into_writer();
                std::io::Write::flush(&mut inner)
                    .map_err(|e| HarnessError::io("flush capture", e))?;
                Ok(frames)
            })
            .map_err(|e| HarnessError::io("spawn capture thread", e))?;
        let ready = ready_rx
            .recv()
            .map_err(|_| HarnessError::Invalid("capture thread exited before opening".into()));
        let mut capture = Capture {
            path,
            stop,
            thread: Some(thread),
        };
        if let Err(e) = ready.and_then(|r| r) {
            let _ = capture.finish();
            return Err(e);
        }
        Ok(capture)
    }

    /// The pcap file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops the capture, flushes the file and returns its path and the number of frames.
    pub fn stop(mut self) -> Result<(PathBuf, u64)> {
        let frames = self.finish()?;
        Ok((self.path.clone(), frames))
    }

    fn finish(&mut self) -> Result<u64> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| HarnessError::Invalid("capture thread panicked".into()))?,
            None => Ok(0),
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Writes every frame to `writer` until `stop` is set, then the frames still queued; returns
/// how many were written.
fn record(
    socket: &socket::PacketSocket,
    writer: &mut PcapWriter<BufWriter<File>>,
    stop: &AtomicBool,
) -> Result<u64> {
    let mut frames = 0u64;
    let mut buf = vec![0u8; 262_144];
    let mut write = |buf: &[u8], (len, orig_len, timestamp): socket::Received| {
        frames += 1;
        writer
            .write_packet(&PcapPacket::new(timestamp, orig_len, &buf[..len]))
            .map(drop)
            .map_err(|e| HarnessError::Invalid(format!("pcap write: {e}")))
    };
    while !stop.load(Ordering::Relaxed) {
        // a receive timeout (None) just checks the stop flag again
        if let Some(frame) = socket.receive(&mut buf)? {
            write(&buf, frame)?;
        }
    }
    // This thread may lag behind the kernel on a loaded machine: frames the kernel queued (and
    // timestamped) before the stop are still in the socket. Keep them, or a scenario that stops
    // right after a takeover loses the new master's first adverts.
    while let Some(frame) = socket.receive_queued(&mut buf)? {
        write(&buf, frame)?;
    }
    Ok(frames)
}

fn pcap_writer(path: &Path) -> Result<PcapWriter<BufWriter<File>>> {
    let file = File::create(path)
        .map_err(|e| HarnessError::io(format!("create {}", path.display()), e))?;
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        ts_resolution: TsResolution::NanoSecond,
        snaplen: 262_144,
        ..PcapHeader::default()
    };
    PcapWriter::with_header(BufWriter::new(file), header)
        .map_err(|e| HarnessError::Invalid(format!("pcap header: {e}")))
}
