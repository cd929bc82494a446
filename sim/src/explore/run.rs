//! Running an exploration: the plans of a shard on `jobs` threads (each plan its own turmoil
//! world), outcomes put back in plan-index order, then the lowest-index failures shrunk (also in
//! parallel). The summary is the same for any number of jobs.

use super::generate::generate;
use super::nemesis::Nemesis;
use super::outcome::{PlanOutcome, evaluate};
use super::property::Property;
use super::reproduce::{Source, command};
use super::shrink::shrink;
use super::summary::{Failure, SHRUNK_FAILURES, Shards, ShrunkPlan, Summary};
use crate::fault::format_duration;
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Everything an exploration needs.
#[derive(Debug, Clone)]
pub struct Exploration<'a> {
    /// The scenario the plans run over (its own fault plan is ignored).
    pub base: &'a Scenario,
    /// What the plans may do.
    pub nemesis: &'a Nemesis,
    /// What must hold.
    pub property: &'a Property,
    /// What the reproduction command names.
    pub source: &'a Source,
    /// Exploration seed.
    pub seed: u64,
    /// Plans in the whole exploration.
    pub plans: u64,
    /// `(k, m)`: run only plans whose index is `k` modulo `m`.
    pub shard: Option<(u64, u64)>,
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Runs allowed to shrink one failure.
    pub shrink_budget: u32,
}

/// Maps `f` over `items` on `jobs` threads; results in the order of `items`. `progress` is
/// called on the calling thread with the number done.
pub fn parallel_map<T: Send + Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> R + Sync,
    progress: &mut dyn FnMut(u64),
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, R)>();
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            let tx = tx.clone();
            let (next, f) = (&next, &f);
            scope.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(k) else { break };
                    if tx.send((k, f(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for (k, r) in rx {
            out[k] = Some(r);
            done += 1;
            progress(done);
        }
    });
    out.into_iter().flatten().collect()
}

/// A hash of what makes two summaries comparable: the scenario without its plan, the nemesis,
/// the property and the shrink budget (FNV-1a over their debug form).
pub fn fingerprint(x: &Exploration<'_>) -> String {
    let mut base = x.base.clone();
    base.faults = Default::default();
    let text = format!(
        "{base:?}|{}|{:?}|{}",
        x.nemesis.spec(),
        x.property,
        x.shrink_budget
    );
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The plan indices of the exploration's shard.
pub fn indices(x: &Exploration<'_>) -> Vec<u64> {
    match x.shard {
        None => (0..x.plans).collect(),
        Some((k, m)) => (0..x.plans).filter(|i| i % m == k).collect(),
    }
}

/// What an exploration produced: the summary and the shrunk plans of its reported failures
/// (same order as `summary.failures`).
#[derive(Debug, Clone)]
pub struct Explored {
    /// The summary.
    pub summary: Summary,
    /// The shrunk plans.
    pub shrunk: Vec<super::plan::Plan>,
}

/// Runs the exploration; `progress(done, total)` after each plan.
pub fn explore(x: &Exploration<'_>, progress: &mut dyn FnMut(u64, u64)) -> Explored {
    let mut summary = Summary::new(
        &x.base.name,
        &fingerprint(x),
        x.seed,
        x.plans,
        &x.nemesis.spec(),
    );
    if let Some((k, m)) = x.shard {
        summary.shards = Some(Shards {
            of: m,
            covered: vec![k],
        });
    }
    let idx = indices(x);
    let total = idx.len() as u64;
    let sbf = x.nemesis.split_brain_fails;
    let outcomes: Vec<(super::plan::Plan, PlanOutcome)> = parallel_map(
        &idx,
        x.jobs,
        |&i| {
            let plan = generate(x.base, x.nemesis, x.seed, i);
            let o = evaluate(x.base, &plan, sbf, x.property);
            (plan, o)
        },
        &mut |done| progress(done, total),
    );
    for (_, o) in &outcomes {
        summary.add(o);
    }
    let failing: Vec<&(super::plan::Plan, PlanOutcome)> = outcomes
        .iter()
        .filter(|(_, o)| !o.failures.is_empty())
        .take(SHRUNK_FAILURES)
        .collect();
    let failures = parallel_map(
        &failing,
        x.jobs,
        |(plan, o)| {
            let s = shrink(x.base, plan, o, sbf, x.property, x.shrink_budget);
            let f = Failure {
                index: plan.index,
                seed: plan.seed,
                faults: o.faults.clone(),
                reasons: o.failures.clone(),
                shrunk: ShrunkPlan {
                    seed: s.plan.seed,
                    duration: format_duration(s.plan.duration()),
                    faults: s.plan.fault_lines(),
                    reasons: s.outcome.failures.clone(),
                    shrink_runs: s.runs,
                    command: command(x.source, x.base, &s.plan, sbf),
                },
            };
            (f, s.plan)
        },
        &mut |_| {},
    );
    let mut shrunk = Vec::new();
    for (f, plan) in failures {
        summary.add_failure(f);
        shrunk.push(plan);
    }
    Explored { summary, shrunk }
}
