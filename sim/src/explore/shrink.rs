//! Shrinking a failing plan: fewest faults, then earliest starts, then shortest faults (and so
//! the shortest run), keeping the run seed, as long as the property still fails.
//!
//! Greedy and deterministic: passes over the episodes (remove one; move its start to the
//! warm-up, else halve the distance; cut its length to the minimum, else halve the excess, all in
//! 100 ms steps) repeat until a pass changes nothing or the run budget is spent. The result is a
//! function of the plan alone, so a shard shrinks a failure exactly as the whole run would.

use super::outcome::{PlanOutcome, evaluate};
use super::plan::Plan;
use super::property::Property;
use crate::scenario::Scenario;
use std::time::Duration;

const STEP: Duration = Duration::from_millis(100);
const MIN_LENGTH: Duration = Duration::from_millis(500);

/// A shrunk plan and what it took.
#[derive(Debug, Clone)]
pub struct Shrunk {
    /// The smallest failing plan found.
    pub plan: Plan,
    /// Its outcome (failures non-empty).
    pub outcome: PlanOutcome,
    /// Runs spent shrinking.
    pub runs: u32,
}

struct Shrinker<'a> {
    base: &'a Scenario,
    property: &'a Property,
    split_brain_fails: bool,
    budget: u32,
    runs: u32,
}

impl Shrinker<'_> {
    /// The outcome of `plan` when it still fails and the budget allows a run.
    fn fails(&mut self, plan: &Plan) -> Option<PlanOutcome> {
        if self.runs >= self.budget {
            return None;
        }
        self.runs += 1;
        let o = evaluate(self.base, plan, self.split_brain_fails, self.property);
        (!o.failures.is_empty()).then_some(o)
    }
}

fn round_down(d: Duration) -> Duration {
    STEP * (d.as_millis() / STEP.as_millis()) as u32
}

/// Shrinks `plan` (whose outcome `failed` has failures) within `budget` runs.
pub fn shrink(
    base: &Scenario,
    plan: &Plan,
    failed: &PlanOutcome,
    split_brain_fails: bool,
    property: &Property,
    budget: u32,
) -> Shrunk {
    let mut s = Shrinker {
        base,
        property,
        split_brain_fails,
        budget,
        runs: 0,
    };
    let mut best = plan.clone();
    let mut outcome = failed.clone();
    // No fault at all: the configurations fail on their own.
    let empty = Plan {
        episodes: Vec::new(),
        ..best.clone()
    };
    if let Some(o) = s.fails(&empty) {
        return Shrunk {
            plan: empty,
            outcome: o,
            runs: s.runs,
        };
    }
    loop {
        let mut changed = false;
        // Fewest faults: drop episodes, last first.
        let mut i = best.episodes.len();
        while i > 0 && best.episodes.len() > 1 {
            i -= 1;
            let mut cand = best.clone();
            cand.episodes.remove(i);
            if let Some(o) = s.fails(&cand) {
                (best, outcome) = (cand, o);
                changed = true;
            }
        }
        // Earliest starts, then shortest lengths: a binary search between the smallest value
        // (tried first) and the current one, which fails.
        for i in 0..best.episodes.len() {
            let floor = best.warmup;
            let set = |p: &mut Plan, v: Duration| p.episodes[i].start = v;
            let get = |p: &Plan| p.episodes[i].start;
            changed |= search(&mut s, &mut best, &mut outcome, floor, get, set);
        }
        for i in 0..best.episodes.len() {
            if best.episodes[i].end.is_none() {
                continue;
            }
            let set = |p: &mut Plan, v: Duration| p.episodes[i].length = v;
            let get = |p: &Plan| p.episodes[i].length;
            changed |= search(&mut s, &mut best, &mut outcome, MIN_LENGTH, get, set);
        }
        best.episodes.sort_by_key(|e| e.start);
        if !changed || s.runs >= s.budget {
            break;
        }
    }
    Shrunk {
        plan: best,
        outcome,
        runs: s.runs,
    }
}

/// Lowers one value of `best` (read by `get`, written by `set`) towards `floor` while the plan
/// still fails; true when it moved.
fn search(
    s: &mut Shrinker<'_>,
    best: &mut Plan,
    outcome: &mut PlanOutcome,
    floor: Duration,
    get: impl Fn(&Plan) -> Duration,
    set: impl Fn(&mut Plan, Duration),
) -> bool {
    let mut hi = get(best);
    if hi <= floor {
        return false;
    }
    let mut cand = best.clone();
    set(&mut cand, floor);
    if let Some(o) = s.fails(&cand) {
        (*best, *outcome) = (cand, o);
        return true;
    }
    let mut lo = floor;
    let mut moved = false;
    loop {
        let mid = lo + round_down((hi - lo) / 2);
        if mid <= lo || mid >= hi {
            return moved;
        }
        let mut cand = best.clone();
        set(&mut cand, mid);
        match s.fails(&cand) {
            Some(o) => {
                (*best, *outcome) = (cand, o);
                hi = mid;
                moved = true;
            }
            None if s.runs >= s.budget => return moved,
            None => lo = mid,
        }
    }
}
