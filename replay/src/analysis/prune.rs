//! Forgetting the distant past, for analyses that never end (`vrrplab watch`).
//!
//! Contract: after [`Analyzer::forget_before`]`(t)`, every finding the analysis derives whose
//! start is at or after `t` is the one it would have derived without forgetting, provided no
//! finding of the runs involved spans `t` (the caller picks `t` outside every such interval).
//! What is forgotten: mastership runs that ended before `t` and that are no longer the latest
//! run their router had at `t` (the latest ones decide who was master before later runs),
//! announcement bursts that began before `t`, timeline events before `t` and parameter
//! mismatches closed before `t`. Per-router counters, parameters and invalid-advert aggregates
//! are kept (their size does not grow with time).

use super::Analyzer;
use super::router::{Run, RunEnd};

fn end_of(run: &Run) -> u64 {
    match run.end {
        RunEnd::Resigned { time_ns, .. } => time_ns.max(run.last_ns),
        _ => run.last_ns,
    }
}

impl Analyzer {
    /// Forgets what only describes the time before `before_ns` (see the module contract).
    pub fn forget_before(&mut self, before_ns: u64) {
        for group in &mut self.groups {
            for router in &mut group.routers {
                let runs = &router.runs;
                // Run i may go when it ended before the cut and its successor started before it:
                // then, from the cut on, the successor (or a later run) is the router's latest.
                let keep_from = (0..runs.len())
                    .find(|&i| {
                        end_of(&runs[i]) >= before_ns
                            || runs
                                .get(i + 1)
                                .is_none_or(|next| next.start_ns >= before_ns)
                    })
                    .unwrap_or(runs.len());
                router.runs.drain(..keep_from);
            }
            group.events.retain(|e| e.time_ns >= before_ns);
            group
                .mismatches
                .retain(|m| m.end_ns.is_none_or(|end| end >= before_ns));
        }
        self.announcements.forget_before(before_ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrplab_core::wire::Version;

    fn run(start_ns: u64, last_ns: u64) -> Run {
        Run {
            start_ns,
            start_frame: 0,
            last_ns,
            last_frame: 0,
            adverts: 1,
            priority: 100,
            last_priority: 100,
            priority_changes: Vec::new(),
            interval_cs: 100,
            version: Version::V2,
            end: RunEnd::Silent,
            first_sample: None,
            last_sample: None,
        }
    }

    #[test]
    fn runs_before_the_cut_go_but_the_latest_one_at_the_cut_stays() {
        let mut a = Analyzer::new("x", crate::reader::Format::Pcap);
        let key = super::super::GroupKey {
            segment: Default::default(),
            family: vrrplab_core::wire::Family::Ipv4,
            vrid: 1,
        };
        let gi = a.group_index(key);
        let group = &mut a.groups[gi];
        let ri = group.router_index("192.0.2.1".parse().unwrap(), 0);
        group.routers[ri].runs = vec![run(0, 10), run(20, 30), run(40, 50), run(100, 110)];
        a.forget_before(60);
        let starts: Vec<u64> = a.groups[0].routers[0]
            .runs
            .iter()
            .map(|r| r.start_ns)
            .collect();
        // 0–10 and 20–30 go; 40–50 was the latest run at 60; 100 is after the cut
        assert_eq!(starts, vec![40, 100]);
        a.forget_before(200);
        let starts: Vec<u64> = a.groups[0].routers[0]
            .runs
            .iter()
            .map(|r| r.start_ns)
            .collect();
        assert_eq!(starts, vec![100], "the router's last run always stays");
    }
}
