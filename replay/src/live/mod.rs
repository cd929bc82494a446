//! The replay analysis fed incrementally (`vrrplab watch`): frames in, notices out as soon as
//! a finding is known.
//!
//! [`Watcher`] wraps the same [`crate::Analyzer`] `vrrplab replay` uses. Every
//! [`EVALUATION_PERIOD_NS`] of frame time (and on [`Watcher::handle_timeout`]) it derives the
//! findings the capture so far gives, and compares them with what it already said: a finding
//! seen for the first time is [`NoticeKind::Opened`] (still developing: a split brain that goes
//! on, invalid adverts being counted) or, once nothing later can change it
//! ([`finality`]), a [`NoticeKind::Finding`] equal to the one `vrrplab replay` reports for the
//! same frames; a dual master's end is [`NoticeKind::Closed`]. [`Watcher::finish`] says the
//! rest, so the `finding` notices of a whole run are the findings of `vrrplab replay` on a
//! capture of the same frames.
//!
//! Cost stays bounded over long runs: state older than [`finality::Timing::keep_ns`] (about 40
//! advert intervals) whose findings are all final is forgotten
//! ([`crate::Analyzer::forget_before`]), so one evaluation costs what the recent past holds.
//!
//! Frames come from a [`FrameSource`]: a capture file here, a live AF_PACKET socket in the
//! daemon (this crate has no I/O of its own beyond files and no async runtime).

mod engine;
pub mod finality;
mod notice;
mod source;
mod status;

pub use engine::{EVALUATION_PERIOD_NS, Watcher};
pub use notice::{Notice, NoticeKind, time_of_day};
pub use source::{FrameSource, OwnedFrame};
pub use status::{MasterNow, VridStatus, WatchCounters, WatchStatus};
