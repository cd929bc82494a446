//! The incremental engine: [`Watcher`].
//!
//! Sans-IO, as the core: frames go in with [`Watcher::handle_frame`], the clock with
//! [`Watcher::handle_timeout`]; notices come out of [`Watcher::poll_notice`] (drain it after
//! every call). Same frames, same notices.

use super::finality::{self, FindingKey, Timing};
use super::notice::{Notice, NoticeKind};
use super::status::{self, WatchCounters, WatchStatus};
use crate::analysis::Analyzer;
use crate::reader::{Format, Frame};
use crate::report::{Finding, FindingKind, Report};
use std::collections::{BTreeMap, VecDeque};

/// Findings are derived again at most this often (frame time), and on every timeout.
pub const EVALUATION_PERIOD_NS: u64 = 100_000_000;

/// What was said about one finding.
#[derive(Debug, Clone)]
struct Seen {
    /// The finding as last derived.
    latest: Finding,
    /// Announced (opened, or given as final at once).
    opened: bool,
    /// A dual master's end was announced.
    closed: bool,
    /// The finding given as final.
    given: Option<Finding>,
}

/// The replay analysis, fed incrementally.
#[derive(Debug)]
pub struct Watcher {
    analyzer: Analyzer,
    seen: BTreeMap<FindingKey, Seen>,
    notices: VecDeque<Notice>,
    next_evaluation_ns: u64,
    horizon_ns: u64,
    /// Run-derived state before this was forgotten (see [`Analyzer::forget_before`]).
    forgotten_before: u64,
    retired_dual_master_ns: u64,
    retired_dual_masters: u64,
    counters: WatchCounters,
    status: WatchStatus,
}

impl Watcher {
    /// A watcher for a source called `name` (the report's `file`).
    pub fn new(name: &str) -> Watcher {
        Watcher {
            analyzer: Analyzer::new(name, Format::Pcap),
            seen: BTreeMap::new(),
            notices: VecDeque::new(),
            next_evaluation_ns: 0,
            horizon_ns: 0,
            forgotten_before: 0,
            retired_dual_master_ns: 0,
            retired_dual_masters: 0,
            counters: WatchCounters::default(),
            status: WatchStatus::default(),
        }
    }

    /// Takes one frame into account; derives findings when [`EVALUATION_PERIOD_NS`] of frame
    /// time passed since the last time.
    pub fn handle_frame(&mut self, frame: &Frame<'_>) {
        self.analyzer.feed(frame);
        self.horizon_ns = self.horizon_ns.max(frame.time_ns);
        if frame.time_ns >= self.next_evaluation_ns {
            self.evaluate();
        }
    }

    /// The clock (ns since the epoch) moved on: findings are derived with it as the horizon
    /// (no later frame will be older), so a split brain closes even when the line goes quiet.
    pub fn handle_timeout(&mut self, now_ns: u64) {
        self.horizon_ns = self.horizon_ns.max(now_ns);
        self.evaluate();
    }

    /// The next notice, if any.
    #[must_use]
    pub fn poll_notice(&mut self) -> Option<Notice> {
        self.notices.pop_front()
    }

    /// Before this time (ns), state whose findings were all given has been forgotten (0 while
    /// nothing has been).
    pub fn forgotten_before(&self) -> u64 {
        self.forgotten_before
    }

    /// Current masters and counters (as of the last evaluation).
    pub fn status(&self) -> &WatchStatus {
        &self.status
    }

    fn evaluate(&mut self) {
        let h = self.horizon_ns;
        self.next_evaluation_ns = h.saturating_add(EVALUATION_PERIOD_NS);
        let report = self.analyzer.snapshot();
        let timing = Timing::of(self.analyzer.groups());
        for f in &report.findings {
            let k = finality::key(f);
            if finality::run_derived(f.kind())
                && f.start_ns < self.forgotten_before
                && !self.seen.contains_key(&k)
            {
                continue;
            }
            let done = finality::is_final(f, h, timing, self.analyzer.groups());
            let closed = finality::closed(f, h, timing);
            let seen = self.seen.entry(k).or_insert_with(|| Seen {
                latest: f.clone(),
                opened: false,
                closed: false,
                given: None,
            });
            if seen.given.is_some() {
                continue;
            }
            if !seen.opened {
                seen.opened = true;
                if f.kind() == FindingKind::Failover {
                    self.counters.failovers += 1;
                }
                if !done {
                    push(&mut self.notices, NoticeKind::Opened, h, f);
                }
            }
            if closed && !seen.closed {
                seen.closed = true;
                push(&mut self.notices, NoticeKind::Closed, h, f);
            }
            seen.latest = f.clone();
            if done {
                seen.given = Some(f.clone());
                self.counters.findings += 1;
                push(&mut self.notices, NoticeKind::Finding, h, f);
            }
        }
        self.forget(&report, h, timing);
        self.update_status(&report, h);
    }

    /// Forgets state older than [`Timing::keep_ns`], never cutting through a finding of runs.
    fn forget(&mut self, report: &Report, h: u64, timing: Timing) {
        let mut cut = h.saturating_sub(timing.keep_ns());
        loop {
            let inside = report
                .findings
                .iter()
                .filter(|f| finality::run_derived(f.kind()))
                .filter(|f| {
                    let seen = self.seen.get(&finality::key(f));
                    // given and retired, or an echo of forgotten runs: decided already
                    if seen.is_none() && f.start_ns < self.forgotten_before {
                        return false;
                    }
                    let given = seen.is_some_and(|s| s.given.is_some());
                    f.start_ns < cut
                        && (!given || cut <= f.end_ns.saturating_add(timing.settle_ns()))
                })
                .map(|f| f.start_ns)
                .min();
            match inside {
                Some(start) => cut = start,
                None => break,
            }
        }
        if cut <= self.forgotten_before {
            return;
        }
        self.analyzer.forget_before(cut);
        self.forgotten_before = cut;
        let (mut retired_ns, mut retired) = (0, 0);
        self.seen.retain(|k, s| {
            let old = s.given.is_some()
                && s.latest.end_ns < cut
                && (finality::run_derived(k.kind) || k.kind == FindingKind::ParameterMismatch);
            if old && k.kind == FindingKind::DualMaster {
                retired_ns += s.latest.end_ns - s.latest.start_ns;
                retired += 1;
            }
            !old
        });
        self.retired_dual_master_ns += retired_ns;
        self.retired_dual_masters += retired;
    }

    fn update_status(&mut self, report: &Report, h: u64) {
        let duals = self
            .seen
            .iter()
            .filter(|(k, _)| k.kind == FindingKind::DualMaster)
            .map(|(_, s)| s.latest.end_ns - s.latest.start_ns);
        let (n, ns) = duals.fold((0u64, 0u64), |(n, t), d| (n + 1, t + d));
        self.counters.dual_masters = self.retired_dual_masters + n;
        self.counters.dual_master_seconds = (self.retired_dual_master_ns + ns) as f64 / 1e9;
        self.status = WatchStatus {
            at_ns: h,
            vrids: status::masters(self.analyzer.groups(), h),
            counters: self.counters,
            frames: report.counts,
        };
    }

    /// Ends the watch: the final report of everything still remembered, and the notices that
    /// make the `finding` notices of the whole run equal to its findings (queued for
    /// [`Watcher::poll_notice`]). Findings given as final earlier are not repeated; one that
    /// differs now is [`NoticeKind::Revised`].
    pub fn finish(&mut self, error: Option<String>) -> Report {
        let mut report = self.analyzer.snapshot();
        report.error = error;
        let h = self.horizon_ns;
        for f in &report.findings {
            let k = finality::key(f);
            let forgotten = finality::run_derived(f.kind()) && f.start_ns < self.forgotten_before;
            match self.seen.get_mut(&k) {
                Some(s) if s.given.as_ref() == Some(f) => {}
                Some(s) if s.given.is_some() => {
                    if !forgotten {
                        s.given = Some(f.clone());
                        push(&mut self.notices, NoticeKind::Revised, h, f);
                    }
                }
                Some(s) => {
                    if f.kind() == FindingKind::DualMaster && !s.closed {
                        s.closed = true;
                        push(&mut self.notices, NoticeKind::Closed, h, f);
                    }
                    s.given = Some(f.clone());
                    self.counters.findings += 1;
                    push(&mut self.notices, NoticeKind::Finding, h, f);
                }
                None if forgotten => {}
                None => {
                    if f.kind() == FindingKind::Failover {
                        self.counters.failovers += 1;
                    }
                    self.seen.insert(
                        k,
                        Seen {
                            latest: f.clone(),
                            opened: true,
                            closed: true,
                            given: Some(f.clone()),
                        },
                    );
                    self.counters.findings += 1;
                    push(&mut self.notices, NoticeKind::Finding, h, f);
                }
            }
        }
        self.update_status(&report, h);
        report
    }
}

fn push(notices: &mut VecDeque<Notice>, kind: NoticeKind, at_ns: u64, f: &Finding) {
    notices.push_back(Notice {
        kind,
        at_ns,
        finding: f.clone(),
    });
}
