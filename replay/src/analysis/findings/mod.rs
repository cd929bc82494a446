//! From the streamed state to findings and a timeline (run once, at the end of the capture).
//!
//! Rules (the observer sees only the wire):
//! - A router is master from the first to the last advert of each run of priority > 0 adverts
//!   at its interval (a gap over 3 intervals ends a run: every backup would have timed out).
//! - A new run classifies the transition by the previous master: none → first master; it sent
//!   priority 0 → `resign` (takeover time against the new master's Skew_Time); it went silent
//!   more than 1.5 of its intervals before → `failover` (gap against the new master's
//!   Master_Down_Interval); it was still advertising on time → preemption (timeline only); it
//!   kept advertising → `dual-master`.
//! - `dual-master`: runs of two or more routers overlap for at least the longest advert
//!   interval involved (one crossing advert during a preemption is not a split brain).
//! - `missing-garp`: a new master (not one already master when the capture began) with no
//!   gratuitous ARP / unsolicited NA for any of its addresses from its MAC (or the VRID's
//!   virtual MAC) within [`GARP_WINDOW_NS`] of its first advert. Not checked for IPv4 when the
//!   link type shows no link layer (raw IP), nor when the capture ends inside the window.
//! - `flapping`: [`FLAP_CHANGES`] or more master changes within [`FLAP_WINDOW_INTERVALS`]
//!   advert intervals (about five Master_Down_Intervals): masters changing faster than the
//!   failure detector can explain, unlike the kill/restart cycles of the corpus.
//!
//! Layout: `assemble` builds the report group by group; `group` analyses one virtual router:
//! `transitions` walks its runs in start order, `endings` covers the resignations and silences
//! no takeover explained, then one file per rule. `Ctx` is where they all write, `RunRef` the
//! run they reason over; `announcements` and `router_report` add the rest of the report.

mod announcements;
mod assemble;
mod ctx;
mod dual_master;
mod endings;
mod failover;
mod flapping;
mod group;
mod hold;
mod invalid;
mod missing_garp;
mod parameter_mismatch;
mod resign;
mod router_report;
mod run_ref;
mod transitions;

pub(super) use assemble::build;

use super::Group;
use super::router::{RUN_BREAK_INTERVALS, RouterState, Run, RunEnd, interval_ns};
use ctx::Ctx;
use run_ref::RunRef;

/// How long after (and before) a new master's first advert its announcements are looked for.
pub const GARP_WINDOW_NS: u64 = 1_000_000_000;
/// Master changes that make `flapping` …
pub const FLAP_CHANGES: usize = 5;
/// … within this many advert intervals.
pub const FLAP_WINDOW_INTERVALS: u64 = 20;
