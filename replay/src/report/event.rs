//! Timeline entries, typed: who (a router, an unknown sender, a MAC) and what (mastership
//! changes, silence, resignation, parameter changes, announcements). The sentence of each is
//! [`crate::render::event_text`].
//!
//! JSON (`timeline` of `--json`): `{"detail", "event", "family", "frame", "router",
//! "segment", "time", "vrid"}`; `event` is a stable name: `master`, `silent`, `resign`,
//! `priority`, `parameters`, `garp`, `unsolicited-na`.

use super::json::{mac_text, secs};
use super::params::ParamValue;
use crate::decode::{AnnounceKind, Segment};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::vrrp::DiscardReason;
use vrrplab_core::wire::Family;

/// One timeline entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When, ns since the epoch.
    pub time_ns: u64,
    /// Frame number.
    pub frame: u64,
    /// Segment.
    pub segment: Segment,
    /// Family.
    pub family: Family,
    /// VRID (None for an announcement no router could be tied to).
    pub vrid: Option<u8>,
    /// Who.
    pub source: EventSource,
    /// What.
    pub what: EventKind,
}

impl Event {
    /// Stable event name (JSON `event`).
    pub fn name(&self) -> &'static str {
        self.what.name()
    }

    /// The sentence ([`crate::render::event_text`]).
    pub fn text(&self) -> String {
        crate::render::event_text(&self.what)
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("Event", 8)?;
        map.serialize_field("detail", &self.text())?;
        map.serialize_field("event", self.name())?;
        map.serialize_field("family", &self.family.to_string())?;
        map.serialize_field("frame", &self.frame)?;
        map.serialize_field("router", &self.source.to_string())?;
        map.serialize_field("segment", &self.segment.to_string())?;
        map.serialize_field("time", &secs(self.time_ns))?;
        map.serialize_field("vrid", &self.vrid)?;
        map.end()
    }
}

/// Who a timeline entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// A router (its IP source).
    Router(IpAddr),
    /// An announcement from a MAC several routers use, when none of them was master.
    Unknown,
    /// An announcement no router could be tied to: its MAC, if any.
    Mac(Option<[u8; 6]>),
}

impl std::fmt::Display for EventSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventSource::Router(a) => write!(f, "{a}"),
            EventSource::Unknown => f.write_str("unknown"),
            EventSource::Mac(Some(m)) => f.write_str(&mac_text(m)),
            EventSource::Mac(None) => f.write_str("?"),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A router started (or resumed) advertising as master.
    Master(MasterEvent),
    /// A master's last advert before silence.
    Silent {
        /// Priority of that advert.
        priority: u8,
        /// The router whose adverts it rejects while it stays master, and why.
        rejecting: Option<(IpAddr, DiscardReason)>,
    },
    /// A priority-0 advert.
    Resign,
    /// A router's advertised parameters or priority changed.
    Changed {
        /// The fields whose value changed.
        params: Vec<ParamChange>,
        /// Old and new priority, when it changed.
        priority: Option<(u8, u8)>,
        /// Whether the parameters changed (`parameters`) or only the priority (`priority`).
        parameters: bool,
    },
    /// A burst of gratuitous ARPs / unsolicited NAs.
    Announce(AnnounceEvent),
}

impl EventKind {
    /// Stable name.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Master(_) => "master",
            EventKind::Silent { .. } => "silent",
            EventKind::Resign => "resign",
            EventKind::Changed {
                parameters: true, ..
            } => "parameters",
            EventKind::Changed { .. } => "priority",
            EventKind::Announce(a) => match a.kind {
                AnnounceKind::Garp => "garp",
                AnnounceKind::UnsolicitedNa => "unsolicited-na",
            },
        }
    }
}

/// How a router came to advertise as master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterEvent {
    /// It resumes advertising: it never left MASTER, it rejected the other's adverts.
    Resumes {
        /// Priority of its advert.
        priority: u8,
        /// The router whose adverts it rejected.
        rejected: IpAddr,
        /// Why.
        reason: DiscardReason,
    },
    /// It starts while masters that reject its adverts stay master: no demotion.
    StartsRejected {
        /// Priority of its first advert.
        priority: u8,
        /// The masters that reject its adverts, and why.
        rejecters: Vec<(IpAddr, DiscardReason)>,
    },
    /// It starts while others are still master.
    StartsOverlapping {
        /// Priority of its first advert.
        priority: u8,
        /// The masters still advertising.
        masters: Vec<IpAddr>,
    },
    /// It preempts a master that was advertising on time.
    Preempts {
        /// The old master.
        old: IpAddr,
        /// Its own priority.
        priority: u8,
        /// The old master's last priority.
        old_priority: u8,
        /// From the old master's last advert.
        after: Duration,
    },
    /// It was master when the capture started.
    AtCaptureStart {
        /// Priority.
        priority: u8,
    },
    /// The first master in the capture.
    First {
        /// Priority.
        priority: u8,
    },
    /// It took over after a resignation.
    AfterResign {
        /// The router that resigned.
        from: IpAddr,
        /// From the priority-0 advert.
        after: Duration,
    },
    /// It took over from a silent master.
    AfterFailover {
        /// The silent master.
        from: IpAddr,
        /// From that master's last advert.
        gap: Duration,
    },
}

/// One advertised field that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamChange {
    /// Before.
    pub from: ParamValue,
    /// After.
    pub to: ParamValue,
}

/// A burst of announcements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnounceEvent {
    /// GARP or NA.
    pub kind: AnnounceKind,
    /// How many.
    pub count: u64,
    /// The address announced.
    pub address: IpAddr,
    /// The MAC it is claimed for.
    pub mac: Option<[u8; 6]>,
    /// From the first to the last.
    pub span: Duration,
    /// From a MAC several routers use, when none of them was master.
    pub shared_mac: bool,
}
