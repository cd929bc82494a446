//! Reading a capture back: VRRP adverts, gratuitous ARPs and unsolicited neighbour
//! advertisements with their timestamps, for timing assertions.
//!
//! L2/L3 are decoded with etherparse, VRRP with `vrrplab_core::wire`. Frames that are not
//! VRRP/ARP/NA, and VRRP quoted inside ICMP errors, are skipped; a malformed frame is counted in
//! [`CaptureLog::undecodable`], never a panic. Works on any Ethernet-link-type pcap or pcapng
//! (ours or tcpdump's), read by replay's capture reader.

use std::fs::File;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use etherparse::{IpNumber, NetSlice, SlicedPacket, TransportSlice};
use vrrplab_core::wire::{Advert, Family};
use vrrplab_replay::{CaptureReader, LinkType};

use crate::error::{HarnessError, Result};

/// A VRRP advertisement seen on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvertFrame {
    /// IP source (the sending router's primary / link-local address).
    pub source: IpAddr,
    /// IP destination (the group, or a unicast peer).
    pub destination: IpAddr,
    /// TTL / hop limit.
    pub hop_limit: u8,
    /// The decoded advert.
    pub advert: Advert,
}

/// What a captured frame was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A VRRP advertisement.
    Advert(AdvertFrame),
    /// A gratuitous ARP (sender IP = target IP) announcing `address`.
    GratuitousArp {
        /// The announced IPv4 address.
        address: IpAddr,
    },
    /// An unsolicited neighbour advertisement for `target`.
    NeighbourAdvert {
        /// The announced IPv6 address.
        target: IpAddr,
    },
}

/// One decoded frame of interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Capture timestamp (Unix epoch).
    pub time: Duration,
    /// Ethernet source MAC.
    pub source_mac: [u8; 6],
    /// What it was.
    pub kind: EventKind,
}

/// The frames of interest in one capture, in capture order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureLog {
    /// Decoded events.
    pub events: Vec<Event>,
    /// Frames read in total.
    pub frames: u64,
    /// Frames that claimed to be VRRP but could not be decoded.
    pub undecodable: u64,
}

impl CaptureLog {
    /// Reads and decodes a capture file (classic pcap or pcapng, Ethernet link type) with the
    /// workspace's one capture reader, `vrrplab_replay::CaptureReader`.
    pub fn read(path: &Path) -> Result<CaptureLog> {
        let file = File::open(path)
            .map_err(|e| HarnessError::io(format!("open {}", path.display()), e))?;
        let mut reader = CaptureReader::new(file)
            .map_err(|e| HarnessError::Invalid(format!("{}: {e}", path.display())))?;
        let mut log = CaptureLog::default();
        // A truncated last record (capture killed mid-write) ends the log.
        while let Ok(Some(frame)) = reader.next_frame() {
            if frame.link != LinkType::ETHERNET {
                return Err(HarnessError::Invalid(format!(
                    "{}: link type {}, expected Ethernet",
                    path.display(),
                    frame.link.name()
                )));
            }
            log.push_frame(Duration::from_nanos(frame.time_ns), frame.data);
        }
        Ok(log)
    }

    /// Decodes one Ethernet frame captured at `time` and keeps it if it is of interest.
    pub fn push_frame(&mut self, time: Duration, frame: &[u8]) {
        self.frames += 1;
        let Ok(sliced) = SlicedPacket::from_ethernet(frame) else {
            return;
        };
        let Some(source_mac) = frame.get(6..12).and_then(|m| <[u8; 6]>::try_from(m).ok()) else {
            return;
        };
        let kind = match &sliced.net {
            Some(NetSlice::Ipv4(ip)) if ip.payload().ip_number == IpNumber::VRRP => {
                let h = ip.header();
                advert(
                    IpAddr::V4(h.source_addr()),
                    IpAddr::V4(h.destination_addr()),
                    h.ttl(),
                    ip.payload().payload,
                    Family::Ipv4,
                )
            }
            Some(NetSlice::Ipv6(ip)) if ip.payload().ip_number == IpNumber::VRRP => {
                let h = ip.header();
                advert(
                    IpAddr::V6(h.source_addr()),
                    IpAddr::V6(h.destination_addr()),
                    h.hop_limit(),
                    ip.payload().payload,
                    Family::Ipv6,
                )
            }
            Some(NetSlice::Arp(arp)) => {
                let (sender, target) = (arp.sender_protocol_addr(), arp.target_protocol_addr());
                match <[u8; 4]>::try_from(sender) {
                    Ok(s) if sender == target => Some(Ok(EventKind::GratuitousArp {
                        address: IpAddr::from(s),
                    })),
                    _ => None,
                }
            }
            Some(NetSlice::Ipv6(_)) => neighbour_advert(&sliced),
            _ => None,
        };
        match kind {
            Some(Ok(kind)) => self.events.push(Event {
                time,
                source_mac,
                kind,
            }),
            Some(Err(())) => self.undecodable += 1,
            None => {}
        }
    }

    /// Every advert, with its time and source MAC.
    pub fn adverts(&self) -> impl Iterator<Item = (&Event, &AdvertFrame)> {
        self.events.iter().filter_map(|e| match &e.kind {
            EventKind::Advert(a) => Some((e, a)),
            _ => None,
        })
    }

    /// Adverts sent from `source` for `vrid`, in order: `(time, priority)`.
    pub fn adverts_from(&self, source: IpAddr, vrid: u8) -> Vec<(Duration, u8)> {
        self.adverts()
            .filter(|(_, a)| a.source == source && a.advert.vrid == vrid)
            .map(|(e, a)| (e.time, a.advert.priority))
            .collect()
    }

    /// Time of the first advert from `source` for `vrid` at or after `after`.
    pub fn first_advert_from(&self, source: IpAddr, vrid: u8, after: Duration) -> Option<Duration> {
        self.adverts_from(source, vrid)
            .into_iter()
            .map(|(t, _)| t)
            .find(|t| *t >= after)
    }

    /// Time of the last advert from `source` for `vrid` strictly before `before`.
    pub fn last_advert_from(&self, source: IpAddr, vrid: u8, before: Duration) -> Option<Duration> {
        self.adverts_from(source, vrid)
            .into_iter()
            .map(|(t, _)| t)
            .take_while(|t| *t < before)
            .last()
    }

    /// Time of the first priority-0 advert (resignation) from `source` for `vrid`.
    pub fn first_resignation_from(&self, source: IpAddr, vrid: u8) -> Option<Duration> {
        self.adverts_from(source, vrid)
            .into_iter()
            .find(|(_, p)| *p == 0)
            .map(|(t, _)| t)
    }

    /// Distinct advert sources for `vrid` with a non-zero priority within `[from, to]`: who
    /// acted as master in that window.
    pub fn advertisers(&self, vrid: u8, from: Duration, to: Duration) -> Vec<IpAddr> {
        let mut sources: Vec<IpAddr> = self
            .adverts()
            .filter(|(e, a)| {
                a.advert.vrid == vrid && a.advert.priority > 0 && e.time >= from && e.time <= to
            })
            .map(|(_, a)| a.source)
            .collect();
        sources.sort();
        sources.dedup();
        sources
    }

    /// Announcements (GARP / unsolicited NA) from `mac` at or after `after`.
    pub fn announcements_from(&self, mac: [u8; 6], after: Duration) -> Vec<Duration> {
        self.events
            .iter()
            .filter(|e| {
                e.source_mac == mac
                    && e.time >= after
                    && matches!(
                        e.kind,
                        EventKind::GratuitousArp { .. } | EventKind::NeighbourAdvert { .. }
                    )
            })
            .map(|e| e.time)
            .collect()
    }
}

fn advert(
    source: IpAddr,
    destination: IpAddr,
    hop_limit: u8,
    payload: &[u8],
    family: Family,
) -> Option<std::result::Result<EventKind, ()>> {
    Some(
        Advert::parse_bytes(payload, family)
            .map(|advert| {
                EventKind::Advert(AdvertFrame {
                    source,
                    destination,
                    hop_limit,
                    advert,
                })
            })
            .map_err(drop),
    )
}

fn neighbour_advert(sliced: &SlicedPacket<'_>) -> Option<std::result::Result<EventKind, ()>> {
    let Some(TransportSlice::Icmpv6(icmp)) = &sliced.transport else {
        return None;
    };
    // Type 136 = neighbour advertisement; the target address follows the 8-byte header.
    if icmp.type_u8() != 136 {
        return None;
    }
    let bytes = icmp.slice();
    let target = <[u8; 16]>::try_from(bytes.get(8..24)?).ok()?;
    let solicited = bytes.get(4).is_some_and(|flags| flags & 0x40 != 0);
    (!solicited).then_some(Ok(EventKind::NeighbourAdvert {
        target: IpAddr::from(target),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;
    use vrrplab_core::wire::{Authentication, ChecksumConvention, Version};

    fn v3_frame(src: [u8; 4], prio: u8) -> Vec<u8> {
        let advert = Advert {
            version: Version::V3,
            vrid: 51,
            priority: prio,
            interval_cs: 10,
            authentication: Authentication::None,
            addresses: vec!["192.0.2.100".parse().unwrap()],
        };
        let bytes = advert.to_bytes(
            IpAddr::from(src),
            "224.0.0.18".parse().unwrap(),
            ChecksumConvention::PseudoHeader,
        );
        let mut frame = Vec::new();
        PacketBuilder::ethernet2([2, 0, 0, 0, 0, src[3] - 10], [1, 0, 0x5e, 0, 0, 0x12])
            .ipv4(src, [224, 0, 0, 18], 255)
            .write(&mut frame, IpNumber::VRRP, &bytes)
            .unwrap();
        frame
    }

    /// A classic pcap (ns timestamps, link type `datalink`) of `frames` in a fresh temp file,
    /// with `tail` appended raw (a cut record).
    fn pcap_file(
        name: &str,
        datalink: pcap_file::DataLink,
        frames: &[(Duration, Vec<u8>)],
        tail: &[u8],
    ) -> std::path::PathBuf {
        use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
        let path =
            std::env::temp_dir().join(format!("vrrplab-netns-{}-{name}.pcap", std::process::id()));
        let header = PcapHeader {
            datalink,
            ts_resolution: pcap_file::TsResolution::NanoSecond,
            ..PcapHeader::default()
        };
        let mut w = PcapWriter::with_header(File::create(&path).unwrap(), header).unwrap();
        for (t, f) in frames {
            w.write_packet(&PcapPacket::new(*t, f.len() as u32, f))
                .unwrap();
        }
        let mut file = w.into_writer();
        std::io::Write::write_all(&mut file, tail).unwrap();
        path
    }

    #[test]
    fn written_capture_reads_back_with_nanosecond_times_and_a_cut_last_record_ends_it() {
        let frames = [
            (
                Duration::new(1_700_000_000, 123_456_789),
                v3_frame([192, 0, 2, 11], 200),
            ),
            (
                Duration::new(1_700_000_001, 5),
                v3_frame([192, 0, 2, 12], 100),
            ),
        ];
        let path = pcap_file(
            "readback",
            pcap_file::DataLink::ETHERNET,
            &frames,
            &[0x42; 7],
        );
        let log = CaptureLog::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(log.frames, 2);
        let times: Vec<Duration> = log.adverts().map(|(e, _)| e.time).collect();
        assert_eq!(times, [frames[0].0, frames[1].0]);
    }

    #[test]
    fn capture_of_another_link_type_is_an_error() {
        let frames = [(Duration::ZERO, vec![0x45; 20])];
        let path = pcap_file("raw", pcap_file::DataLink::RAW, &frames, &[]);
        let err = CaptureLog::read(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(err.to_string().contains("expected Ethernet"), "{err}");
    }

    #[test]
    fn adverts_are_decoded_with_source_priority_and_time() {
        let mut log = CaptureLog::default();
        log.push_frame(Duration::from_millis(100), &v3_frame([192, 0, 2, 11], 200));
        log.push_frame(Duration::from_millis(200), &v3_frame([192, 0, 2, 11], 0));
        log.push_frame(Duration::from_millis(260), &v3_frame([192, 0, 2, 12], 100));
        let h1: IpAddr = "192.0.2.11".parse().unwrap();
        let h2: IpAddr = "192.0.2.12".parse().unwrap();
        assert_eq!(log.adverts_from(h1, 51).len(), 2);
        assert_eq!(
            log.first_resignation_from(h1, 51),
            Some(Duration::from_millis(200))
        );
        assert_eq!(
            log.first_advert_from(h2, 51, Duration::ZERO),
            Some(Duration::from_millis(260))
        );
        assert_eq!(
            log.last_advert_from(h1, 51, Duration::from_millis(150)),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            log.advertisers(51, Duration::ZERO, Duration::from_secs(1)),
            vec![h1, h2]
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_and_mutated_frames_never_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120),
            flips in proptest::collection::vec((0usize..60, proptest::prelude::any::<u8>()), 0..6),
        ) {
            let mut log = CaptureLog::default();
            log.push_frame(Duration::ZERO, &bytes);
            let mut frame = v3_frame([192, 0, 2, 11], 200);
            for (i, b) in flips {
                if let Some(x) = frame.get_mut(i) {
                    *x = b;
                }
            }
            log.push_frame(Duration::ZERO, &frame);
            proptest::prop_assert_eq!(log.frames, 2);
        }
    }

    #[test]
    fn truncated_vrrp_is_counted_not_fatal() {
        let mut frame = v3_frame([192, 0, 2, 11], 200);
        frame.truncate(frame.len() - 6);
        let mut log = CaptureLog::default();
        log.push_frame(Duration::ZERO, &frame);
        log.push_frame(Duration::ZERO, &[0u8; 5]);
        assert_eq!(log.frames, 2);
        assert!(log.events.is_empty());
    }
}
