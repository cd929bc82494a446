//! Mastership endings no takeover explained: resignations nobody took over from (a `resign`
//! finding without takeover, or held by a master that never left MASTER) and silences (a
//! timeline event naming the master whose adverts it rejected, when a rejection explains it).

use super::transitions::Walk;
use super::{Ctx, RunEnd, RunRef, resign};
use crate::report::EventKind;

/// `resign` findings of the resignations no router took over from.
pub(super) fn unanswered_resignations(ctx: &mut Ctx<'_>, runs: &[RunRef], walk: &Walk) {
    for (j, r) in runs.iter().enumerate() {
        if let RunEnd::Resigned { time_ns, frame } = r.run.end
            && !walk.takeovers.contains(&j)
        {
            match walk.resigned_while_held.get(&j) {
                Some(holder) => resign::resign_while_held_finding(ctx, r, time_ns, frame, *holder),
                None => resign::resign_finding(ctx, r, time_ns, frame, None),
            }
        }
    }
}

/// A `silent` event for each run that ended without priority 0.
pub(super) fn silences(ctx: &mut Ctx<'_>, runs: &[RunRef], walk: &Walk) {
    for &i in &walk.silent {
        let r = &runs[i];
        // The hold explains the silence only if the other master was still advertising then.
        let rejecting = walk
            .holds
            .iter()
            .find(|h| {
                let by = &runs[h.by_run];
                h.run == i && by.end_ns() + by.interval_ns() >= r.run.last_ns
            })
            .map(|h| (runs[h.by_run].router, h.reason));
        ctx.event(
            r.run.last_ns,
            r.run.last_frame,
            r.router,
            EventKind::Silent {
                priority: r.run.last_priority,
                rejecting,
            },
        );
    }
}
