//! Conformance: does the core decide like the captured router at ADDRESS did?
//!
//! A core [`Node`] is configured like the router (from the parameters its own adverts carry:
//! priority, interval, version, authentication, addresses, checksum convention; keepalived
//! defaults otherwise) and fed every *other* router's adverts at their capture timestamps. Its
//! life follows the captured process: it starts when the router joins the VRRP multicast group
//! (IGMP/MLD report; keepalived opens its socket at start), is shut down when the router sends
//! priority 0, and is dropped when the router leaves the group without priority 0 (killed).
//! Its MASTER entries and exits are compared with the router's observed ones within
//! [`TOLERANCE_NS`]. Observed changes the protocol cannot produce (a killed process, a router
//! that did not hear adverts the capture shows) are listed with the reason, not counted as
//! disagreements. The router's gratuitous ARPs / unsolicited NAs are the bursts the analysis
//! attributes to it ([`announcements`]) that began while the core ran.

mod announcements;
mod compare;
mod config;

use crate::decode::{Decoded, Membership, decode, membership};
use crate::reader::CaptureReader;
use crate::report::conformance::{ConformanceNote, ConformanceReport, NoteKind, StartCause};
use crate::report::{Report, RouterReport};
use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::Instant;
use vrrplab_core::node::{InterfaceInfo, Node, NodeConfig, Output, RxMeta};
use vrrplab_core::vrrp::State;
use vrrplab_core::wire::{Family, Packet};

/// Agreement tolerance between the core's and the captured router's transitions.
pub const TOLERANCE_NS: u64 = 10_000_000;
const INTERFACE: &str = "capture0";

/// One transition of the core (into or out of MASTER) with its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CoreTransition {
    time_ns: u64,
    vrid: u8,
    to_master: bool,
}

/// The VRID and priority of a VRRP message, read through the core's wire format (None when
/// it is too malformed to carry them; the core discards those without effect).
fn vrid_priority(payload: &[u8], family: Family) -> Option<(u8, u8)> {
    let packet = Packet::new_checked(payload, family).ok()?;
    Some((packet.vrid(), packet.priority()))
}

struct Driver {
    config: NodeConfig,
    family: Family,
    node: Option<Node>,
    shut_down: bool,
    origin_ns: u64,
    transitions: Vec<CoreTransition>,
    notes: Vec<ConformanceNote>,
    starts: Vec<u64>,
    /// Adverts with priority > 0 the core sent, and the router's own while the core ran.
    core_adverts: u64,
    router_adverts: u64,
    /// When the core sent each of its adverts (priority > 0).
    core_advert_times: Vec<u64>,
    /// When the core answered a received advert with one of its own at once.
    answer_times: Vec<u64>,
    /// Gratuitous ARPs / unsolicited NAs the core asked for, and the router's (in bursts the
    /// analysis attributes to it that began while the core ran).
    core_announcements: u64,
    router_announcements: u64,
}

impl Driver {
    fn at(&self, t: u64) -> Instant {
        Instant::from_duration(Duration::from_nanos(t.saturating_sub(self.origin_ns)))
    }

    fn ns(&self, i: Instant) -> u64 {
        self.origin_ns + i.as_duration().as_nanos() as u64
    }

    fn note(&mut self, time_ns: u64, what: NoteKind) {
        self.notes.push(ConformanceNote {
            time_ns: Some(time_ns),
            what,
        });
    }

    /// Runs timers up to `t` and drains outputs.
    fn advance(&mut self, t: u64) {
        let until = self.at(t);
        loop {
            let Some(node) = &mut self.node else { return };
            let due = match node.poll_timeout() {
                Some(d) if d <= until => d,
                _ => break,
            };
            node.handle_timeout(due);
            self.drain(due);
        }
    }

    fn drain(&mut self, now: Instant) {
        let t = self.ns(now);
        let family = self.family;
        let Some(node) = &mut self.node else { return };
        while let Some(out) = node.poll_output() {
            match out {
                Output::StateChange(c) if (c.to == State::Master) != (c.from == State::Master) => {
                    self.transitions.push(CoreTransition {
                        time_ns: t,
                        vrid: c.vrid,
                        to_master: c.to == State::Master,
                    });
                }
                Output::Transmit(tx)
                    if vrid_priority(&tx.payload, family).is_some_and(|(_, p)| p != 0) =>
                {
                    self.core_adverts += 1;
                    self.core_advert_times.push(t);
                }
                Output::Announce(_) => self.core_announcements += 1,
                _ => {}
            }
        }
    }

    fn start(&mut self, t: u64, cause: StartCause) {
        let now = self.at(t);
        self.node = Some(Node::new(self.config.clone(), now));
        self.shut_down = false;
        self.starts.push(t);
        self.note(t, NoteKind::Started(cause));
        self.drain(now);
    }
}

/// Runs conformance for the router at `target` over the capture in `reader` (the same bytes
/// `report` was made from). With `config` (the router's keepalived.conf as a node
/// configuration) its instances are used; without, instances are built from the adverts.
pub fn conformance<R: Read>(
    reader: R,
    report: &Report,
    target: IpAddr,
    config: Option<&NodeConfig>,
) -> Result<ConformanceReport, String> {
    let mine: Vec<&RouterReport> = report
        .routers
        .iter()
        .filter(|r| r.address == target)
        .collect();
    if mine.is_empty() {
        return Err(format!("no VRRP adverts from {target} in the capture"));
    }
    let (instances, config_notes) = match config {
        Some(c) => config::from_config(c, &mine, target),
        None => (
            mine.iter()
                .filter_map(|r| config::instance_for(r))
                .collect(),
            vec![NoteKind::BuiltFromAdverts],
        ),
    };
    let family = Family::of(&target);
    let group = mine[0].destination.unwrap_or(family.multicast_group());
    let vrids: Vec<u8> = instances.iter().map(|i| i.vrid).collect();
    let config = NodeConfig {
        router_id: config.map_or_else(|| target.to_string(), |c| c.router_id.clone()),
        interfaces: vec![InterfaceInfo::up(
            INTERFACE,
            (family == Family::Ipv4).then_some(target),
            (family == Family::Ipv6).then_some(target),
        )],
        instances,
        ..NodeConfig::default()
    };
    let mut d = Driver {
        config,
        family,
        node: None,
        shut_down: false,
        origin_ns: report.first_ns.unwrap_or(0),
        transitions: Vec::new(),
        notes: config_notes
            .into_iter()
            .map(|what| ConformanceNote {
                time_ns: None,
                what,
            })
            .collect(),
        starts: Vec::new(),
        core_adverts: 0,
        router_adverts: 0,
        core_advert_times: Vec::new(),
        answer_times: Vec::new(),
        core_announcements: 0,
        router_announcements: 0,
    };
    let my_bursts = announcements::attributed(report, target, &vrids);
    let mut capture = CaptureReader::new(reader).map_err(|e| e.to_string())?;
    let mut deaths: Vec<u64> = Vec::new();
    let mut late_start = false;
    while let Ok(Some(frame)) = capture.next_frame() {
        let t = frame.time_ns;
        d.advance(t);
        if let Some(m) = membership(frame.link, frame.data, target, group) {
            match (m, d.node.is_some()) {
                (Membership::Join, false) => d.start(t, StartCause::Joined),
                (Membership::Leave, true) => {
                    if !d.shut_down {
                        deaths.push(t);
                        d.note(t, NoteKind::Killed { router: target });
                    }
                    d.node = None;
                }
                _ => {}
            }
            continue;
        }
        let v = match decode(frame.link, frame.interface, frame.data) {
            Decoded::Vrrp(v) => v,
            Decoded::Announce(_) => {
                if let Some(count) = my_bursts.get(&frame.number)
                    && d.node.is_some()
                    && !d.shut_down
                {
                    d.router_announcements += count;
                }
                continue;
            }
            _ => continue,
        };
        if Family::of(&v.src) != family {
            continue;
        }
        let Some((vrid, priority)) = vrid_priority(v.payload, family) else {
            continue;
        };
        if !vrids.contains(&vrid) {
            continue;
        }
        if v.src == target {
            if d.node.is_none() {
                late_start = true;
                d.start(t, StartCause::FirstAdvert);
            }
            if priority != 0 && d.node.is_some() && !d.shut_down {
                d.router_adverts += 1;
            }
            if priority == 0 && !d.shut_down {
                let now = d.at(t);
                if let Some(node) = &mut d.node {
                    node.shutdown(now);
                }
                d.drain(now);
                d.shut_down = true;
                d.note(t, NoteKind::ShutdownApplied { router: target });
            }
            continue;
        }
        let now = d.at(t);
        let meta = RxMeta {
            interface: INTERFACE.to_string(),
            src: v.src,
            dst: v.dst,
            hop_limit: v.hop_limit,
        };
        if let Some(node) = &mut d.node {
            node.handle_packet(now, &meta, v.payload);
        }
        let sent_before = d.core_adverts;
        d.drain(now);
        if d.core_adverts > sent_before {
            d.answer_times.push(t);
        }
    }
    if let Some(end) = report.last_ns {
        d.advance(end);
    }
    Ok(compare::compare(
        report, &mine, target, d, &deaths, late_start,
    ))
}
