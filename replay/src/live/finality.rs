//! When a finding derived from a capture in progress can no longer change, and what identifies
//! it while it develops.
//!
//! The horizon `h` is the latest time the watcher knows about (its last frame, or the clock
//! when it is later): no frame still to come is older. `L` is the longest advert interval of
//! the routers heard; a run of adverts ends when its router misses
//! [`RUN_BREAK_INTERVALS`] of its intervals, so `settle` = (that + 1) × `L`.
//!
//! - `failover`, `missing-garp`, `resign` with a takeover: final `settle` after their end (the
//!   old master can no longer resume the run the finding measured).
//! - `resign` with no takeover yet: final after `patience` (a takeover that late is not one).
//! - `dual-master`: closed `settle` after its end; final `settle` after the last advert of
//!   every master it names (its detail quotes each one's mastership).
//! - `flapping`: final once the flap window plus `settle` passed since its last change.
//! - `parameter-mismatch`: final once the routers agree again.
//! - `invalid-packet`: counts until the end ([`super::Watcher::finish`]).

use crate::analysis::{
    FLAP_WINDOW_INTERVALS, GARP_WINDOW_NS, Group, RUN_BREAK_INTERVALS, interval_ns,
};
use crate::decode::Segment;
use crate::report::{Finding, FindingDetail, FindingKind};
use std::net::IpAddr;
use vrrplab_core::wire::Family;

/// What identifies one finding while it develops: kind, virtual router, start, the first
/// router named and the reason or field it is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingKey {
    /// Kind.
    pub kind: FindingKind,
    /// Segment.
    pub segment: Segment,
    /// Family.
    pub family: Family,
    /// VRID.
    pub vrid: u8,
    /// Start, ns.
    pub start_ns: u64,
    /// First router named.
    pub router: Option<IpAddr>,
    /// The invalid-advert reason or mismatching field.
    pub facet: String,
}

/// The key of a finding.
pub fn key(f: &Finding) -> FindingKey {
    let facet = match &f.detail {
        FindingDetail::InvalidPacket(d) => d.reason.name(),
        FindingDetail::ParameterMismatch(d) => d.field(),
        _ => "",
    }
    .to_string();
    FindingKey {
        kind: f.kind(),
        segment: f.segment,
        family: f.family,
        vrid: f.vrid,
        start_ns: f.start_ns,
        router: f.routers.first().copied(),
        facet,
    }
}

/// Whether a finding is derived from mastership runs (those the watcher forgets once final).
pub fn run_derived(kind: FindingKind) -> bool {
    !matches!(
        kind,
        FindingKind::InvalidPacket | FindingKind::ParameterMismatch
    )
}

/// The delays of the rules, from the longest advert interval heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Longest advert interval, ns (1 s before any advert).
    pub longest_interval_ns: u64,
}

impl Timing {
    /// The timing of the routers in `groups`.
    pub fn of(groups: &[Group]) -> Timing {
        let longest = groups
            .iter()
            .flat_map(|g| g.routers.iter())
            .filter_map(|r| r.params.as_ref().map(|p| interval_ns(p.interval_cs)))
            .max()
            .unwrap_or(1_000_000_000);
        Timing {
            longest_interval_ns: longest,
        }
    }

    /// After this, a router that stopped advertising cannot resume the same run.
    pub fn settle_ns(&self) -> u64 {
        (RUN_BREAK_INTERVALS + 1) * self.longest_interval_ns
    }

    /// The flapping window.
    pub fn flap_window_ns(&self) -> u64 {
        FLAP_WINDOW_INTERVALS * self.longest_interval_ns
    }

    /// How long a resignation waits for a takeover before it is final without one.
    pub fn patience_ns(&self) -> u64 {
        self.flap_window_ns() + 2 * self.settle_ns() + GARP_WINDOW_NS
    }

    /// How much past the watcher keeps: longer than every delay above, so findings are final
    /// before the state they come from is forgotten.
    pub fn keep_ns(&self) -> u64 {
        self.patience_ns() + 2 * self.settle_ns()
    }
}

/// Latest end of mastership quoted in a dual-master's detail (its `masters`).
fn last_master_to_ns(f: &Finding) -> u64 {
    match &f.detail {
        FindingDetail::DualMaster(d) => d.masters.iter().map(|m| m.to_ns).max(),
        _ => None,
    }
    .unwrap_or(f.end_ns)
    .max(f.end_ns)
}

/// Whether a dual master's interval has ended for good at horizon `h`.
pub fn closed(f: &Finding, h: u64, t: Timing) -> bool {
    f.kind() == FindingKind::DualMaster && h >= f.end_ns.saturating_add(t.settle_ns())
}

/// Whether nothing later can change `f` at horizon `h`; `groups` are the analyser's.
pub fn is_final(f: &Finding, h: u64, t: Timing, groups: &[Group]) -> bool {
    let after = |ns: u64, delay: u64| h >= ns.saturating_add(delay);
    match f.kind() {
        FindingKind::Failover | FindingKind::MissingGarp => after(f.end_ns, t.settle_ns()),
        FindingKind::Resign => {
            (f.routers.len() > 1 && after(f.end_ns, t.settle_ns()))
                || after(f.end_ns, t.patience_ns())
        }
        FindingKind::DualMaster => after(last_master_to_ns(f), t.settle_ns()),
        FindingKind::Flapping => after(f.end_ns, t.flap_window_ns() + t.settle_ns()),
        FindingKind::ParameterMismatch => mismatch_closed(f, groups),
        FindingKind::InvalidPacket => false,
    }
}

fn mismatch_closed(f: &Finding, groups: &[Group]) -> bool {
    let FindingDetail::ParameterMismatch(d) = &f.detail else {
        return false;
    };
    groups
        .iter()
        .filter(|g| g.key.segment == f.segment && g.key.family == f.family && g.key.vrid == f.vrid)
        .flat_map(|g| g.mismatches.iter())
        .any(|m| m.field() == d.field() && m.start_ns == f.start_ns && m.end_ns.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_delay_is_shorter_than_what_is_kept() {
        let t = Timing {
            longest_interval_ns: 1_000_000_000,
        };
        assert_eq!(t.settle_ns(), 4_000_000_000);
        assert!(t.patience_ns() < t.keep_ns());
        assert!(t.flap_window_ns() + t.settle_ns() < t.keep_ns());
        assert_eq!(t.keep_ns(), 37_000_000_000);
    }
}
