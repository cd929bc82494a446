//! What `vrrplab watch` says as the capture goes on: one notice per line, as text or JSON.

use crate::report::{Finding, secs};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

/// What a notice says about its finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoticeKind {
    /// First seen, still developing (a split brain going on, invalid adverts being counted,
    /// a takeover just seen).
    Opened,
    /// A dual master's interval ended.
    Closed,
    /// Final: what `vrrplab replay` reports for the same frames.
    Finding,
    /// At the end, a finding differs from the one given as final earlier.
    Revised,
}

impl NoticeKind {
    /// Stable name (JSON `event`).
    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::Opened => "opened",
            NoticeKind::Closed => "closed",
            NoticeKind::Finding => "finding",
            NoticeKind::Revised => "revised",
        }
    }
}

/// One notice.
#[derive(Debug, Clone)]
pub struct Notice {
    /// What it says.
    pub kind: NoticeKind,
    /// When the watcher knew (its horizon), ns since the epoch.
    pub at_ns: u64,
    /// The finding as known then.
    pub finding: Finding,
}

impl Notice {
    /// One line for people: time of day (UTC), event, kind, VRID, family and the finding's text.
    pub fn to_text(&self) -> String {
        crate::render::notice_line(self)
    }
}

/// `{"event", "finding", "time"}`; `finding` has the shape of `vrrplab replay --json`'s.
impl Serialize for Notice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("Notice", 3)?;
        map.serialize_field("event", self.kind.name())?;
        map.serialize_field("finding", &self.finding)?;
        map.serialize_field("time", &secs(self.at_ns))?;
        map.end()
    }
}

/// `HH:MM:SS.mmm` (UTC) of a Unix time in ns.
pub fn time_of_day(ns: u64) -> String {
    let s = ns / 1_000_000_000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        (s / 3600) % 24,
        (s / 60) % 60,
        s % 60,
        (ns % 1_000_000_000) / 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_of_day_is_utc_with_milliseconds() {
        // 2026-12-05T06:13:28.123Z
        assert_eq!(time_of_day(1_796_451_208_123_456_789), "06:13:28.123");
    }
}
