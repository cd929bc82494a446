//! The sentences of conformance mode: the summary block, one line per compared transition,
//! and the text of every reason and note.

use crate::report::conformance::{
    AgreementNote, ConformanceReport, DifferenceWhy, Explanation, NoteKind, Observed, StartCause,
};
use crate::report::json::{secs, signed_secs};

/// Why the core can send more adverts than keepalived while it hears lower-priority adverts.
const EARLY_TIMER_WHY: &str = "periodic adverts the core sent within 10 ms before a lower-priority advert it then answered at once; keepalived answers 0.3-2 ms after receipt and re-arms its advert timer after that work (answer and GARPs), so its periodic advert falls after the peer's next advert and only the answer is sent";

/// The remark of an agreement.
pub fn agreement_note(n: AgreementNote) -> &'static str {
    match n {
        AgreementNote::ShutdownIsAnInput => "priority 0 (shutdown) is an input applied to the core",
    }
}

/// What a difference was.
pub fn difference_why(w: DifferenceWhy) -> &'static str {
    match w {
        DifferenceWhy::CoreNotMaster => "the core did not become master within 10 ms",
        DifferenceWhy::CoreIgnoredShutdown => "the core did not leave MASTER on shutdown",
        DifferenceWhy::CoreStayedMaster => "the core stayed master",
        DifferenceWhy::RouterDidNot => "the captured router did not do this",
    }
}

/// Why a transition needs no core decision to match.
pub fn explanation(e: Explanation) -> String {
    match e {
        Explanation::StartKnownFromJoin => "first takeover after start: the start instant is only known from the router's IGMP/MLD join, which keepalived sends after arming its Master_Down timer".to_string(),
        Explanation::RunningBeforeCapture => {
            "the router was already running when the capture began".to_string()
        }
        Explanation::DidNotHear {
            master,
            priority,
            router,
        } => format!(
            "{master} (priority {priority}) was advertising as master: {router} did not receive its adverts (filtered or lost before it), which the capture cannot show"
        ),
        Explanation::YieldedOnHearing => "ends the mastership the core could not reproduce (above): the router yielded once it heard the other master again".to_string(),
        Explanation::Killed(left_ns) => format!(
            "process killed (left the group at {:.6} without priority 0)",
            secs(left_ns)
        ),
    }
}

/// A note about the run.
pub fn conformance_note(n: &NoteKind) -> String {
    match n {
        NoteKind::BuiltFromAdverts => {
            "instances built from the router's adverts (keepalived defaults otherwise)".to_string()
        }
        NoteKind::NoConfiguredInstance { family, vrid } => format!(
            "the configuration has no {family} instance for VRID {vrid}: built from the adverts"
        ),
        NoteKind::TrackersLeftOut { instance } => {
            format!("{instance}: trackers are not visible in a capture and were left out")
        }
        NoteKind::PriorityDiffers {
            instance,
            configured,
            router,
            advertised,
        } => format!(
            "{instance}: configured priority {configured} but {router} advertised {advertised} (trackers or a different config?)"
        ),
        NoteKind::IntervalDiffers {
            instance,
            configured,
            router,
            advertised,
        } => format!(
            "{instance}: configured advert_int {} s but {router} advertised {} s",
            configured.as_secs_f64(),
            advertised.as_secs_f64()
        ),
        NoteKind::SyncGroupsLeftOut => {
            "sync groups were left out (one capture interface)".to_string()
        }
        NoteKind::Started(cause) => format!(
            "core instance started ({})",
            match cause {
                StartCause::Joined => "joined the VRRP group",
                StartCause::FirstAdvert => "first advert seen without a group join: started late",
            }
        ),
        NoteKind::Killed { router } => format!(
            "{router} left the VRRP group without sending priority 0: the process was killed; core instance dropped"
        ),
        NoteKind::ShutdownApplied { router } => {
            format!("{router} sent priority 0 (shutdown): applied to the core")
        }
    }
}

/// One compared transition, for the text block.
struct Line<'a> {
    label: &'static str,
    vrid: u8,
    transition: &'static str,
    /// Observed instant (the cause before the last advert), Unix seconds.
    observed: Option<f64>,
    core: Option<f64>,
    offset: Option<f64>,
    why: Option<String>,
    note: Option<&'a str>,
}

fn observed_secs(o: Observed) -> Option<f64> {
    match o {
        Observed::At(t) => Some(secs(t)),
        Observed::AfterLastAdvert { last_ns, cause_ns } => Some(secs(cause_ns.unwrap_or(last_ns))),
        Observed::Nothing => None,
    }
}

/// The conformance block of the text report (also the JSON `text`).
pub fn conformance_text(c: &ConformanceReport) -> String {
    let mut text = format!(
        "  as {}: {} agreements, {} differences, {} explained (tolerance {} ms)\n",
        c.router,
        c.agreements.len(),
        c.differences.len(),
        c.explained.len(),
        c.tolerance.as_millis()
    );
    let base = c.origin_ns.map_or(0.0, secs);
    let mut lines: Vec<Line<'_>> = Vec::new();
    lines.extend(c.agreements.iter().map(|a| Line {
        label: "agree",
        vrid: a.vrid,
        transition: a.transition.name(),
        observed: observed_secs(a.observed),
        core: Some(secs(a.core_ns)),
        offset: Some(signed_secs(a.offset_ns())),
        why: None,
        note: a.note.map(agreement_note),
    }));
    lines.extend(c.differences.iter().map(|d| Line {
        label: "DIFFER",
        vrid: d.vrid,
        transition: d.transition.name(),
        observed: observed_secs(d.observed),
        core: d.core_ns.map(secs),
        offset: None,
        why: Some(difference_why(d.why).to_string()),
        note: None,
    }));
    lines.extend(c.explained.iter().map(|e| {
        Line {
            label: "explained",
            vrid: e.vrid,
            transition: e.transition.name(),
            observed: Some(secs(e.observed_ns)),
            core: e.core_ns.map(secs),
            offset: e
                .core_ns
                .map(|core| signed_secs(core as i64 - e.observed_ns as i64)),
            why: Some(explanation(e.why)),
            note: None,
        }
    }));
    let mut items: Vec<(f64, String)> = lines.iter().map(|l| item_line(l, base)).collect();
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, line) in items {
        text.push_str(&line);
    }
    let (core, router, early) = (
        c.adverts.core,
        c.adverts.router,
        c.adverts.core_timer_before_answer,
    );
    let adverts_note = if core == router {
        String::new()
    } else if early > 0 && core.checked_sub(early) == Some(router) {
        format!(" (differ by {early}: {EARLY_TIMER_WHY})")
    } else if early > 0 {
        format!(" (differ; {early} of the core's: {EARLY_TIMER_WHY})")
    } else {
        " (differ)".to_string()
    };
    let a = c.announcements;
    text.push_str(&format!(
        "  adverts (priority > 0) while the core ran: core {core}, router {router}{adverts_note}; gratuitous ARPs / NAs: core {}, router {}{}\n",
        a.core,
        a.router,
        if a.core == a.router { "" } else { " (differ)" },
    ));
    text
}

/// One line, with its observed time for sorting.
fn item_line(l: &Line<'_>, base: f64) -> (f64, String) {
    let observed = l.observed.or(l.core).unwrap_or(base);
    let mut line = format!(
        "  {:<9} +{:<10.6} vrid {} {:<12}",
        l.label,
        observed - base,
        l.vrid,
        l.transition
    );
    match (l.core, l.offset) {
        (Some(_), Some(offset)) => line.push_str(&format!(" core {:+.1} ms", offset * 1e3)),
        (Some(core), None) => line.push_str(&format!(" core at +{:.6}", core - base)),
        (None, _) => line.push_str(" core: none"),
    }
    if let Some(why) = &l.why {
        line.push_str(&format!(" — {why}"));
    } else if let Some(note) = l.note {
        line.push_str(&format!(" ({note})"));
    }
    line.push('\n');
    (observed, line)
}
