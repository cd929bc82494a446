//! vrrplab-replay: what a capture of VRRP traffic says happened.
//!
//! [`reader`] streams frames from pcap/pcapng; [`decode`] takes each frame's link and IP layers
//! apart; [`analysis`] validates every advert with `core::wire` and follows, per
//! (segment, family, VRID), who advertised as master when; [`report`] is the result, typed (timeline,
//! routers, findings with stable kind names and one detail struct per kind), serialised to
//! JSON by its `Serialize` impls; [`render`] writes every sentence, for the text report and the
//! JSON's `text` fields. [`live`] is the same analysis fed frame by frame (`vrrplab watch`), with findings
//! out as soon as they are known. [`conformance`] drives a core node with the captured adverts of the other routers
//! and compares its decisions with what the captured router did.
//!
//! Memory is flat in the number of frames: per router only counters and the last advert are
//! kept; what grows is bounded by mastership changes and announcement bursts.

pub mod analysis;
pub mod conformance;
pub mod decode;
pub mod live;
pub mod reader;
pub mod render;
pub mod report;

pub use analysis::{Analyzer, replay_file, replay_reader};
pub use reader::{CaptureError, CaptureReader, Frame, LinkType};
pub use report::{Finding, FindingDetail, FindingKind, Report};
