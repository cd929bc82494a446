//! Masters held in MASTER because they reject the new master's adverts (the core's validation
//! decides, as a receiver would).

use super::RunRef;
use crate::analysis::receiver;
use crate::analysis::router::RunEnd;
use std::collections::BTreeMap;
use std::net::IpAddr;
use vrrplab_core::vrrp::DiscardReason;

/// A master that stays MASTER (maybe silent) because it rejects the adverts of the router that
/// started advertising as master: it cannot be demoted by them.
#[derive(Debug, Clone)]
pub(super) struct Hold {
    /// The held master's run.
    pub(super) run: usize,
    /// The run of the router whose adverts it rejects.
    pub(super) by_run: usize,
    /// Why it rejects them (the core's validation).
    pub(super) reason: DiscardReason,
    /// Why the other rejects the held master's adverts, if it does.
    pub(super) back: Option<DiscardReason>,
}

/// The masters at the start of run `i` that reject its adverts: the latest runs of other
/// routers still advertising, or silent for at most 1.5 of their intervals (a preemption's
/// gap), or already held, whose own advert makes the core's validation drop run `i`'s.
pub(super) fn holds_at_start(
    runs: &[RunRef],
    i: usize,
    others: &[usize],
    holding: &BTreeMap<IpAddr, Hold>,
) -> Vec<Hold> {
    let r = &runs[i];
    let Some(sent) = &r.run.first_sample else {
        return Vec::new();
    };
    others
        .iter()
        .filter_map(|&j| {
            let p = &runs[j];
            let resigned = matches!(p.run.end, RunEnd::Resigned { .. });
            if p.run.adverts == 0 || (resigned && p.end_ns() <= r.run.start_ns) {
                return None;
            }
            let gap = r.run.start_ns.saturating_sub(p.run.last_ns);
            let master = gap * 2 <= p.interval_ns() * 3 || holding.contains_key(&p.router);
            if !master {
                return None;
            }
            let own = p.run.last_sample.as_ref()?;
            let reason = receiver::rejects(own, sent)?;
            Some(Hold {
                run: j,
                by_run: i,
                reason,
                back: receiver::rejects(sent, own),
            })
        })
        .collect()
}

/// When run `i` stopped being master: its last advert, or for a held master the first of its
/// own next run (it resumed or resigned) and the end of the mastership that held it.
pub(super) fn master_end(runs: &[RunRef], holds: &[Hold], i: usize) -> u64 {
    let r = &runs[i];
    let Some(h) = holds.iter().find(|h| h.run == i) else {
        return r.run.last_ns;
    };
    let own_next = runs[i + 1..]
        .iter()
        .find(|n| n.router == r.router)
        .map_or(u64::MAX, |n| n.run.start_ns);
    own_next.min(runs[h.by_run].end_ns()).max(r.run.last_ns)
}
