//! Pairs the core's transitions with the captured router's, within [`TOLERANCE_NS`]; what the
//! protocol cannot produce (a killed process, adverts the router did not hear, a start before
//! the capture) is explained instead of counted.

use super::{CoreTransition, Driver, TOLERANCE_NS};
use crate::analysis::RUN_BREAK_INTERVALS;
use crate::report::conformance::{
    AdvertCounts, Agreement, AgreementNote, AnnouncementCounts, ConformanceReport, Difference,
    DifferenceWhy, Explained, Explanation, Observed, Transition,
};
use crate::report::{Report, RouterReport, SpanEnd};
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::vrrp::timing;
use vrrplab_core::wire::Version;

/// How much later than the router the core may take over after a start, when the start
/// instant is only known from the group join.
const STARTUP_SLACK_NS: u64 = 20_000_000;
/// Process start-up allowed before a first takeover.
const STARTUP_NS: u64 = 1_000_000_000;

/// A first takeover within the router's Master_Down_Interval (core's timing) plus
/// [`STARTUP_NS`] of process start-up after a start.
fn startup_limit(r: &RouterReport) -> u64 {
    let interval = r.interval.unwrap_or(Duration::from_secs(1));
    let priority = r
        .priorities
        .iter()
        .copied()
        .find(|p| *p != 0)
        .unwrap_or(100);
    let mdi = timing::master_down_interval(
        r.version.unwrap_or(Version::V2),
        priority,
        interval,
        timing::DEFAULT_DOWN_TIMER_ADVERTS,
    );
    u64::try_from(mdi.as_nanos()).unwrap_or(u64::MAX) + STARTUP_NS
}

/// Unused core transitions, taken one at a time by the router's transitions they match.
struct Pool<'a> {
    transitions: &'a [CoreTransition],
    used: Vec<bool>,
}

impl Pool<'_> {
    /// The unused core transition of `vrid` in direction `to_master` within
    /// [`TOLERANCE_NS`] of [lo, hi], nearest to `lo`.
    fn take(&mut self, to_master: bool, vrid: u8, lo: u64, hi: u64) -> Option<CoreTransition> {
        let (i, c) = self
            .transitions
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                !self.used[*i]
                    && c.vrid == vrid
                    && c.to_master == to_master
                    && c.time_ns + TOLERANCE_NS >= lo
                    && c.time_ns <= hi + TOLERANCE_NS
            })
            .min_by_key(|(_, c)| c.time_ns.abs_diff(lo))?;
        self.used[i] = true;
        Some(*c)
    }
}

pub(super) fn compare(
    report: &Report,
    mine: &[&RouterReport],
    target: IpAddr,
    d: Driver,
    deaths: &[u64],
    late_start: bool,
) -> ConformanceReport {
    let starts = &d.starts;
    let mut agreements = Vec::new();
    let mut differences = Vec::new();
    let mut explained = Vec::new();
    let mut pool = Pool {
        transitions: &d.transitions,
        used: vec![false; d.transitions.len()],
    };
    for r in mine {
        let interval = r.interval.map_or(1_000_000_000, |i| i.as_nanos() as u64);
        let vrid = r.vrid;
        for (k, span) in r.master.iter().enumerate() {
            // Entering MASTER at the first advert.
            let t = span.start_ns;
            let mut not_heard = false;
            let explain = |why: Explanation, core_ns: Option<u64>| Explained {
                vrid,
                transition: Transition::Master,
                observed_ns: t,
                core_ns,
                why,
            };
            match pool.take(true, vrid, t, t) {
                Some(c) => agreements.push(Agreement {
                    vrid,
                    transition: Transition::Master,
                    observed: Observed::At(t),
                    core_ns: c.time_ns,
                    note: None,
                }),
                None if starts.iter().any(|&s| s <= t && t <= s + startup_limit(r))
                    && let Some(c) = pool.take(
                        true,
                        vrid,
                        t.saturating_sub(TOLERANCE_NS),
                        t + STARTUP_SLACK_NS,
                    ) =>
                {
                    explained.push(explain(Explanation::StartKnownFromJoin, Some(c.time_ns)));
                }
                None if k == 0 && late_start => {
                    explained.push(explain(Explanation::RunningBeforeCapture, None));
                }
                None => match others_master_at(report, r, t) {
                    Some((master, priority)) => {
                        not_heard = true;
                        explained.push(explain(
                            Explanation::DidNotHear {
                                master,
                                priority,
                                router: target,
                            },
                            None,
                        ));
                    }
                    None => differences.push(Difference {
                        vrid,
                        transition: Transition::Master,
                        observed: Observed::At(t),
                        core_ns: None,
                        why: DifferenceWhy::CoreNotMaster,
                    }),
                },
            }
            // Leaving MASTER.
            match span.end {
                SpanEnd::Resigned(t) => match pool.take(false, vrid, t, t) {
                    Some(c) => agreements.push(Agreement {
                        vrid,
                        transition: Transition::LeaveMaster,
                        observed: Observed::At(t),
                        core_ns: c.time_ns,
                        note: Some(AgreementNote::ShutdownIsAnInput),
                    }),
                    None => differences.push(Difference {
                        vrid,
                        transition: Transition::LeaveMaster,
                        observed: Observed::At(t),
                        core_ns: None,
                        why: DifferenceWhy::CoreIgnoredShutdown,
                    }),
                },
                SpanEnd::Silent => {
                    let last = span.end_ns;
                    let explain = |why| Explained {
                        vrid,
                        transition: Transition::LeaveMaster,
                        observed_ns: last,
                        core_ns: None,
                        why,
                    };
                    if not_heard {
                        explained.push(explain(Explanation::YieldedOnHearing));
                        continue;
                    }
                    // A death before the observer took the run as ended by silence.
                    if let Some(death) = deaths
                        .iter()
                        .find(|&&x| x >= last && x <= last + RUN_BREAK_INTERVALS * interval)
                    {
                        explained.push(explain(Explanation::Killed(*death)));
                        continue;
                    }
                    match pool.take(false, vrid, last, last + interval) {
                        Some(c) => {
                            // The router left between its last advert and its next one; the
                            // cause on the wire is the other master's first advert in that
                            // window (the last advert itself when there is none).
                            let cause = report
                                .routers
                                .iter()
                                .filter(|o| {
                                    o.vrid == r.vrid
                                        && o.family == r.family
                                        && o.segment == r.segment
                                        && o.address != r.address
                                })
                                .flat_map(|o| o.master.iter().map(|m| m.start_ns))
                                .filter(|&s| s > last && s <= last + interval)
                                .min()
                                .unwrap_or(last);
                            agreements.push(Agreement {
                                vrid,
                                transition: Transition::LeaveMaster,
                                observed: Observed::AfterLastAdvert {
                                    last_ns: last,
                                    cause_ns: Some(cause),
                                },
                                core_ns: c.time_ns,
                                note: None,
                            });
                        }
                        None => differences.push(Difference {
                            vrid,
                            transition: Transition::LeaveMaster,
                            observed: Observed::AfterLastAdvert {
                                last_ns: last,
                                cause_ns: None,
                            },
                            core_ns: None,
                            why: DifferenceWhy::CoreStayedMaster,
                        }),
                    }
                }
                SpanEnd::Open => {}
            }
        }
    }
    for (i, c) in d.transitions.iter().enumerate() {
        if !pool.used[i] {
            differences.push(Difference {
                vrid: c.vrid,
                transition: if c.to_master {
                    Transition::Master
                } else {
                    Transition::LeaveMaster
                },
                observed: Observed::Nothing,
                core_ns: Some(c.time_ns),
                why: DifferenceWhy::RouterDidNot,
            });
        }
    }
    ConformanceReport {
        router: target,
        tolerance: Duration::from_nanos(TOLERANCE_NS),
        adverts: AdvertCounts {
            core: d.core_adverts,
            core_timer_before_answer: timer_adverts_just_before_answers(&d),
            router: d.router_adverts,
        },
        announcements: AnnouncementCounts {
            core: d.core_announcements,
            router: d.router_announcements,
        },
        agreements,
        differences,
        explained,
        notes: d.notes,
        origin_ns: report.first_ns,
    }
}

/// How many of the core's periodic adverts were followed, within [`TOLERANCE_NS`], by an
/// immediate answer to a received advert (two core adverts where keepalived sends one).
fn timer_adverts_just_before_answers(d: &Driver) -> u64 {
    let mut count = 0;
    let mut i = 0;
    for &answer in &d.answer_times {
        while i < d.core_advert_times.len() && d.core_advert_times[i] + TOLERANCE_NS < answer {
            i += 1;
        }
        if d.core_advert_times.get(i).is_some_and(|&c| c < answer) {
            count += 1;
            i += 1;
        }
    }
    count
}

/// Another router of the same VRID advertising as master with a higher priority around `t`.
fn others_master_at(report: &Report, me: &RouterReport, t: u64) -> Option<(IpAddr, u8)> {
    report
        .routers
        .iter()
        .filter(|r| {
            r.vrid == me.vrid
                && r.family == me.family
                && r.segment == me.segment
                && r.address != me.address
        })
        .find_map(|r| {
            r.master
                .iter()
                .find(|m| m.start_ns < t && m.end_ns > t)
                .map(|m| (r.address, m.priority_at(t)))
        })
}
