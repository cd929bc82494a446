//! The result of conformance mode (`vrrplab replay --as ADDRESS`): the core's transitions
//! against the captured router's, typed; [`crate::render`] writes its sentences.
//!
//! JSON (`conformance` in `--json`): `{"adverts", "agreements", "announcements",
//! "differences", "explained", "notes", "router", "text", "tolerance"}`.

use super::json::{self, secs, signed_secs};
use crate::render;
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::wire::Family;

/// What the core and the router were compared on.
#[derive(Debug, Clone, PartialEq)]
pub struct ConformanceReport {
    /// The captured router.
    pub router: IpAddr,
    /// Agreement tolerance.
    pub tolerance: Duration,
    /// Adverts while the core ran.
    pub adverts: AdvertCounts,
    /// Gratuitous ARPs / unsolicited NAs while the core ran.
    pub announcements: AnnouncementCounts,
    /// Transitions both made within the tolerance.
    pub agreements: Vec<Agreement>,
    /// Transitions only one of them made.
    pub differences: Vec<Difference>,
    /// Transitions the capture explains without the core (a killed process, a router that did
    /// not hear adverts the capture shows, a start before the capture).
    pub explained: Vec<Explained>,
    /// What was adapted or noticed on the way.
    pub notes: Vec<ConformanceNote>,
    /// First frame of the capture, ns (times in the text are relative to it).
    pub origin_ns: Option<u64>,
}

impl ConformanceReport {
    /// Whether the core decided differently from the router at least once.
    pub fn differs(&self) -> bool {
        !self.differences.is_empty()
    }
}

impl Serialize for ConformanceReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("ConformanceReport", 9)?;
        map.serialize_field("adverts", &self.adverts)?;
        map.serialize_field("agreements", &self.agreements)?;
        map.serialize_field("announcements", &self.announcements)?;
        map.serialize_field("differences", &self.differences)?;
        map.serialize_field("explained", &self.explained)?;
        map.serialize_field("notes", &self.notes)?;
        map.serialize_field("router", &self.router)?;
        map.serialize_field("text", &render::conformance_text(self))?;
        map.serialize_field("tolerance", &json::duration_secs(self.tolerance))?;
        map.end()
    }
}

/// Adverts with priority > 0: the core's, and the router's while the core ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AdvertCounts {
    /// The core's.
    pub core: u64,
    /// The core's periodic adverts sent just before it answered a received advert at once
    /// (two where keepalived sends one).
    pub core_timer_before_answer: u64,
    /// The router's.
    pub router: u64,
}

/// Announcements the core asked for, and the router's while the core ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AnnouncementCounts {
    /// The core's.
    pub core: u64,
    /// The router's.
    pub router: u64,
}

/// Into or out of MASTER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Into MASTER.
    Master,
    /// Out of MASTER.
    LeaveMaster,
}

impl Transition {
    /// `MASTER`, `leave MASTER`.
    pub fn name(self) -> &'static str {
        match self {
            Transition::Master => "MASTER",
            Transition::LeaveMaster => "leave MASTER",
        }
    }
}

/// What the capture shows of a router's transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// At this time (its first advert, its priority 0), ns.
    At(u64),
    /// It left MASTER after its last advert; the other master's first advert after it, if
    /// any, is the cause.
    AfterLastAdvert {
        /// Its last advert, ns.
        last_ns: u64,
        /// The other master's first advert in the next interval, ns.
        cause_ns: Option<u64>,
    },
    /// The router did not do it.
    Nothing,
}

impl Observed {
    /// The instant the core is compared with: the time, the cause, or the last advert.
    pub fn reference_ns(self) -> Option<u64> {
        match self {
            Observed::At(t) => Some(t),
            Observed::AfterLastAdvert { last_ns, cause_ns } => Some(cause_ns.unwrap_or(last_ns)),
            Observed::Nothing => None,
        }
    }

    fn serialize_fields<M: SerializeStruct>(self, map: &mut M) -> Result<(), M::Error> {
        match self {
            Observed::At(t) => map.serialize_field("observed", &secs(t)),
            Observed::AfterLastAdvert { last_ns, cause_ns } => {
                if let Some(c) = cause_ns {
                    map.serialize_field("observed_cause", &secs(c))?;
                }
                map.serialize_field("observed_last_advert", &secs(last_ns))
            }
            Observed::Nothing => map.serialize_field("observed", &None::<f64>),
        }
    }
}

/// The core made the router's transition within the tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// VRID.
    pub vrid: u8,
    /// Which transition.
    pub transition: Transition,
    /// The router's.
    pub observed: Observed,
    /// The core's, ns.
    pub core_ns: u64,
    /// Set when the transition was an input rather than a decision.
    pub note: Option<AgreementNote>,
}

impl Agreement {
    /// Core minus observed, ns.
    pub fn offset_ns(&self) -> i64 {
        let reference = self.observed.reference_ns().unwrap_or(self.core_ns);
        self.core_ns as i64 - reference as i64
    }
}

/// A remark on an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementNote {
    /// Priority 0 was applied to the core as its shutdown.
    ShutdownIsAnInput,
}

impl Serialize for Agreement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("Agreement", 7)?;
        map.serialize_field("core", &secs(self.core_ns))?;
        if let Some(n) = self.note {
            map.serialize_field("note", render::agreement_note(n))?;
        }
        self.observed.serialize_fields(&mut map)?;
        map.serialize_field("offset", &signed_secs(self.offset_ns()))?;
        map.serialize_field("transition", self.transition.name())?;
        map.serialize_field("vrid", &self.vrid)?;
        map.end()
    }
}

/// Only one of the core and the router made a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Difference {
    /// VRID.
    pub vrid: u8,
    /// Which transition.
    pub transition: Transition,
    /// The router's ([`Observed::Nothing`] when only the core made it).
    pub observed: Observed,
    /// The core's, ns (None when only the router made it).
    pub core_ns: Option<u64>,
    /// What happened.
    pub why: DifferenceWhy,
}

/// How the core and the router differed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DifferenceWhy {
    /// The router became master, the core did not within the tolerance.
    CoreNotMaster,
    /// The router sent priority 0, the core did not leave MASTER.
    CoreIgnoredShutdown,
    /// The router left MASTER, the core stayed.
    CoreStayedMaster,
    /// The core made a transition the router did not.
    RouterDidNot,
}

impl Serialize for Difference {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("Difference", 5)?;
        map.serialize_field("core", &self.core_ns.map(secs))?;
        self.observed.serialize_fields(&mut map)?;
        map.serialize_field("transition", self.transition.name())?;
        map.serialize_field("vrid", &self.vrid)?;
        map.serialize_field("why", render::difference_why(self.why))?;
        map.end()
    }
}

/// A router transition the capture explains without the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explained {
    /// VRID.
    pub vrid: u8,
    /// Which transition.
    pub transition: Transition,
    /// The router's, ns.
    pub observed_ns: u64,
    /// The core's, when it made one nearby, ns.
    pub core_ns: Option<u64>,
    /// The explanation.
    pub why: Explanation,
}

/// Why a router transition needs no core decision to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explanation {
    /// The first takeover after a start: the start instant is only known from the group join.
    StartKnownFromJoin,
    /// The router was running before the capture began.
    RunningBeforeCapture,
    /// Another router was master: the captured one did not receive its adverts.
    DidNotHear {
        /// The other master.
        master: IpAddr,
        /// Its priority then.
        priority: u8,
        /// The captured router.
        router: IpAddr,
    },
    /// The end of a mastership the core could not reproduce.
    YieldedOnHearing,
    /// The process was killed: it left the group at this time (ns) without priority 0.
    Killed(u64),
}

impl Serialize for Explained {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("Explained", 6)?;
        if let Some(c) = self.core_ns {
            map.serialize_field("core", &secs(c))?;
        }
        map.serialize_field("observed", &secs(self.observed_ns))?;
        if let Some(c) = self.core_ns {
            map.serialize_field("offset", &signed_secs(c as i64 - self.observed_ns as i64))?;
        }
        map.serialize_field("transition", self.transition.name())?;
        map.serialize_field("vrid", &self.vrid)?;
        map.serialize_field("why", &render::explanation(self.why))?;
        map.end()
    }
}

/// A note about the run: what was adapted, when the core started or stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct ConformanceNote {
    /// When, ns (None for notes about the configuration).
    pub time_ns: Option<u64>,
    /// What.
    pub what: NoteKind,
}

/// What a conformance note says.
#[derive(Debug, Clone, PartialEq)]
pub enum NoteKind {
    /// No configuration given: instances come from the adverts.
    BuiltFromAdverts,
    /// The configuration has no instance for a VRID the router advertised.
    NoConfiguredInstance {
        /// Family.
        family: Family,
        /// VRID.
        vrid: u8,
    },
    /// An instance's trackers were left out.
    TrackersLeftOut {
        /// Instance name.
        instance: String,
    },
    /// The configured priority is not the advertised one.
    PriorityDiffers {
        /// Instance name.
        instance: String,
        /// Configured.
        configured: u8,
        /// The router.
        router: IpAddr,
        /// Advertised.
        advertised: u8,
    },
    /// The configured interval is not the advertised one.
    IntervalDiffers {
        /// Instance name.
        instance: String,
        /// Configured.
        configured: Duration,
        /// The router.
        router: IpAddr,
        /// Advertised.
        advertised: Duration,
    },
    /// Sync groups were left out.
    SyncGroupsLeftOut,
    /// The core instance started.
    Started(StartCause),
    /// The router left the group without priority 0: the core instance was dropped.
    Killed {
        /// The router.
        router: IpAddr,
    },
    /// The router sent priority 0: applied to the core.
    ShutdownApplied {
        /// The router.
        router: IpAddr,
    },
}

/// Why the core instance was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartCause {
    /// The router joined the VRRP group.
    Joined,
    /// Its first advert came without a group join.
    FirstAdvert,
}

impl Serialize for ConformanceNote {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("ConformanceNote", 2)?;
        map.serialize_field("note", &render::conformance_note(&self.what))?;
        map.serialize_field("time", &self.time_ns.map(secs))?;
        map.end()
    }
}
