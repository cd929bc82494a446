//! What is kept per captured router (one IP source on one VRID): its advertised parameters,
//! its mastership runs and interval statistics. Constant size per advert.

use super::receiver::Sample;
use std::net::IpAddr;
use vrrplab_core::vrrp::Defects;
use vrrplab_core::wire::{Authentication, ChecksumConvention, Version};

/// Adverts closer than this to an identical one from the same router are capture duplicates.
pub const DUPLICATE_WINDOW_NS: u64 = 1_000_000;
/// A master that misses this many of its own intervals is taken to have stopped (a backup
/// waits at least as long: Master_Down_Interval = 3 × interval + Skew_Time).
pub const RUN_BREAK_INTERVALS: u64 = 3;

/// Priority changes kept per run for [`crate::report::MasterSpan::priority_at`].
pub const PRIORITY_CHANGES_KEPT: usize = 16;

/// The parameters an advert announces (what routers of one VRID must agree on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Protocol version.
    pub version: Version,
    /// Advertisement interval, centiseconds.
    pub interval_cs: u16,
    /// v2 authentication.
    pub authentication: Authentication,
    /// Announced virtual addresses, in packet order.
    pub addresses: Vec<IpAddr>,
    /// v3-over-IPv4 checksum convention that verified.
    pub checksum: Option<ChecksumConvention>,
    /// IP destination (multicast group or unicast peer).
    pub destination: IpAddr,
}

impl Params {
    /// Interval in nanoseconds, 1 s when the advert says 0.
    pub fn interval_ns(&self) -> u64 {
        interval_ns(self.interval_cs)
    }
}

/// Centiseconds to nanoseconds, 1 s for an (invalid) zero interval.
pub fn interval_ns(interval_cs: u16) -> u64 {
    if interval_cs == 0 {
        1_000_000_000
    } else {
        u64::from(interval_cs) * 10_000_000
    }
}

/// How a mastership run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Still advertising at the end of the capture.
    Open,
    /// Went silent after its last advert.
    Silent,
    /// Sent priority 0 at this time (frame number).
    Resigned {
        /// Time of the priority-0 advert.
        time_ns: u64,
        /// Its frame number.
        frame: u64,
    },
}

/// A stretch of adverts with priority > 0 at the router's interval: it considered itself master.
#[derive(Debug, Clone)]
pub struct Run {
    /// First advert.
    pub start_ns: u64,
    /// Its frame.
    pub start_frame: u64,
    /// Last advert with priority > 0 (equal to start for a bare resignation).
    pub last_ns: u64,
    /// Its frame.
    pub last_frame: u64,
    /// Adverts with priority > 0 in the run.
    pub adverts: u64,
    /// Priority of the first advert (0 for a resignation heard without a run before it).
    pub priority: u8,
    /// Priority of the last advert with priority > 0 (a master's priority can change while it
    /// stays master: tracking, reload).
    pub last_priority: u8,
    /// Priority changes inside the run after its first advert (time, new priority); at most
    /// [`PRIORITY_CHANGES_KEPT`], later ones only move `last_priority`.
    pub priority_changes: Vec<(u64, u8)>,
    /// Interval of the first advert, centiseconds.
    pub interval_cs: u16,
    /// Version of the first advert.
    pub version: Version,
    /// How it ended.
    pub end: RunEnd,
    /// The run's first advert as captured (what a receiver judged when it began).
    pub first_sample: Option<Sample>,
    /// The run's latest distinct advert (what the router was configured with lately).
    pub last_sample: Option<Sample>,
}

/// Online statistics of the time between consecutive adverts inside a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Jitter {
    /// Samples.
    pub count: u64,
    mean: f64,
    m2: f64,
    /// Smallest gap, ns.
    pub min_ns: u64,
    /// Largest gap, ns.
    pub max_ns: u64,
    /// Largest |gap − interval|, ns.
    pub max_deviation_ns: u64,
    /// Gaps shorter than half the interval (extra adverts, e.g. answers to lower priorities).
    pub early: u64,
    /// Gaps longer than 1.5 intervals (a missed or late advert).
    pub late: u64,
}

impl Jitter {
    /// Adds one gap measured against the advertised interval.
    pub fn add(&mut self, gap_ns: u64, interval_ns: u64) {
        if self.count == 0 {
            self.min_ns = gap_ns;
        }
        self.count += 1;
        let x = gap_ns as f64;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
        self.min_ns = self.min_ns.min(gap_ns);
        self.max_ns = self.max_ns.max(gap_ns);
        self.max_deviation_ns = self.max_deviation_ns.max(gap_ns.abs_diff(interval_ns));
        if gap_ns * 2 < interval_ns {
            self.early += 1;
        } else if gap_ns * 2 > interval_ns * 3 {
            self.late += 1;
        }
    }

    /// Mean gap, ns.
    pub fn mean_ns(&self) -> f64 {
        self.mean
    }

    /// Standard deviation of the gap, ns.
    pub fn stddev_ns(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            (self.m2 / (self.count - 1) as f64).sqrt()
        }
    }
}

/// Everything kept about one router on one VRID.
#[derive(Debug, Clone)]
pub struct RouterState {
    /// IP source of its adverts.
    pub address: IpAddr,
    /// Link-layer source of its adverts (last seen).
    pub mac: Option<[u8; 6]>,
    /// Adverts received (valid or not, duplicates excluded).
    pub adverts: u64,
    /// Capture duplicates skipped.
    pub duplicates: u64,
    /// First advert.
    pub first_ns: u64,
    /// Last advert.
    pub last_ns: u64,
    /// Distinct priorities seen, in order of first appearance (at most 16 kept).
    pub priorities: Vec<u8>,
    /// Distinct TTL / hop limits seen (at most 8 kept).
    pub hop_limits: Vec<u8>,
    /// Latest parameters (None until a readable advert arrived).
    pub params: Option<Params>,
    /// Mastership runs, closed ones first; the last may be open.
    pub runs: Vec<Run>,
    /// Interval statistics.
    pub jitter: Jitter,
    // Fast path: the previous advert, to skip re-validating identical bytes.
    pub(super) last_payload: Vec<u8>,
    pub(super) last_hop_limit: u8,
    pub(super) last_dst: Option<IpAddr>,
    pub(super) last_ip_ok: bool,
    pub(super) last_defects: Defects,
    pub(super) last_priority: u8,
    pub(super) last_interval_cs: u16,
    pub(super) last_version: Version,
}

impl RouterState {
    /// A router first seen at `time_ns`.
    pub fn new(address: IpAddr, time_ns: u64) -> Self {
        RouterState {
            address,
            mac: None,
            adverts: 0,
            duplicates: 0,
            first_ns: time_ns,
            last_ns: time_ns,
            priorities: Vec::new(),
            hop_limits: Vec::new(),
            params: None,
            runs: Vec::new(),
            jitter: Jitter::default(),
            last_payload: Vec::new(),
            last_hop_limit: 0,
            last_dst: None,
            last_ip_ok: true,
            last_defects: Defects::default(),
            last_priority: 0,
            last_interval_cs: 0,
            last_version: Version::V2,
        }
    }

    /// Records one advert's priority in the mastership runs.
    pub fn advance_runs(
        &mut self,
        time_ns: u64,
        frame: u64,
        priority: u8,
        interval_cs: u16,
        version: Version,
    ) {
        let open = self.runs.last_mut().filter(|r| r.end == RunEnd::Open);
        if priority == 0 {
            match open {
                Some(run) => run.end = RunEnd::Resigned { time_ns, frame },
                None => self.runs.push(Run {
                    start_ns: time_ns,
                    start_frame: frame,
                    last_ns: time_ns,
                    last_frame: frame,
                    adverts: 0,
                    priority: 0,
                    last_priority: 0,
                    priority_changes: Vec::new(),
                    interval_cs,
                    version,
                    end: RunEnd::Resigned { time_ns, frame },
                    first_sample: None,
                    last_sample: None,
                }),
            }
            return;
        }
        if let Some(run) = open {
            let gap = time_ns.saturating_sub(run.last_ns);
            let interval = interval_ns(run.interval_cs);
            if gap <= interval * RUN_BREAK_INTERVALS {
                self.jitter.add(gap, interval);
                run.last_ns = time_ns;
                run.last_frame = frame;
                run.adverts += 1;
                if priority != run.last_priority {
                    run.last_priority = priority;
                    if run.priority_changes.len() < PRIORITY_CHANGES_KEPT {
                        run.priority_changes.push((time_ns, priority));
                    }
                }
                return;
            }
            run.end = RunEnd::Silent;
        }
        self.runs.push(Run {
            start_ns: time_ns,
            start_frame: frame,
            last_ns: time_ns,
            last_frame: frame,
            adverts: 1,
            priority,
            last_priority: priority,
            priority_changes: Vec::new(),
            interval_cs,
            version,
            end: RunEnd::Open,
            first_sample: None,
            last_sample: None,
        });
    }

    /// Keeps the advert just counted by [`RouterState::advance_runs`] as its run's sample
    /// when it is the run's first or differs from the previous one (`changed`).
    pub fn sample(&mut self, changed: bool, make: impl FnOnce() -> Sample) {
        if let Some(run) = self.runs.last_mut()
            && (changed || run.first_sample.is_none())
        {
            let sample = make();
            if run.first_sample.is_none() {
                run.first_sample = Some(sample.clone());
            }
            run.last_sample = Some(sample);
        }
    }

    /// Remembers a value in a small distinct list.
    pub(super) fn remember<T: PartialEq + Copy>(list: &mut Vec<T>, value: T, cap: usize) {
        if list.len() < cap && !list.contains(&value) {
            list.push(value);
        }
    }
}
