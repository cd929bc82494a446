//! The property a plan's run must satisfy.
//!
//! Default ([`Property::healthy_network`]): the run passes `vrrplab sim`'s own verdict — every
//! invariant of [`crate::analysis::invariants`] (they judge connected, stable periods and the
//! fault bounds: one master per VRID, the expected master, the VIP only on a master, no flapping
//! in steady state, takeover within Master_Down_Interval) and the scenario's expectations. The
//! plan's quiet tail is a connected, stable period, so those rules are judged after every plan.
//! A split-brain while the masters cannot hear each other is not a violation of them (VRRP's
//! documented behaviour); it is reported as a statistic unless the nemesis says
//! `split_brain=fail`. Extra checks ([`Property::and`]) add conditions of the user's own; the
//! printed reproduction command then shows the run but judges only the default part.

use crate::analysis::Analysis;
use crate::scenario::Scenario;
use crate::world::RunRecord;
use std::sync::Arc;

/// A user check: `Err(reason)` fails the plan.
pub type Check = Arc<dyn Fn(&Scenario, &RunRecord, &Analysis) -> Result<(), String> + Send + Sync>;

/// What every plan's run must satisfy.
#[derive(Clone)]
pub struct Property {
    verdict: bool,
    checks: Vec<(String, Check)>,
}

impl Default for Property {
    fn default() -> Self {
        Property::healthy_network()
    }
}

impl std::fmt::Debug for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.checks.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Property")
            .field("verdict", &self.verdict)
            .field("checks", &names)
            .finish()
    }
}

impl Property {
    /// The invariants and the scenario's expectations (`vrrplab sim`'s verdict).
    pub fn healthy_network() -> Self {
        Property {
            verdict: true,
            checks: Vec::new(),
        }
    }

    /// Only the checks added with [`Property::and`] (the verdict is not judged).
    pub fn only_checks() -> Self {
        Property {
            verdict: false,
            checks: Vec::new(),
        }
    }

    /// Adds a named check (builder style).
    pub fn and(
        mut self,
        name: &str,
        check: impl Fn(&Scenario, &RunRecord, &Analysis) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.checks.push((name.to_string(), Arc::new(check)));
        self
    }

    /// Why the run fails the property (empty: it holds), in a stable order: violations in
    /// time order, then expectations, then the added checks.
    pub fn failures(
        &self,
        scenario: &Scenario,
        run: &RunRecord,
        analysis: &Analysis,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if self.verdict {
            if !scenario.expect.allow_violations {
                out.extend(
                    analysis
                        .violations
                        .iter()
                        .map(|v| format!("{:.3}s {}: {}", v.t, v.rule, v.message)),
                );
            }
            out.extend(analysis.expectation_failures.iter().cloned());
        }
        for (name, check) in &self.checks {
            if let Err(reason) = check(scenario, run, analysis) {
                out.push(format!("{name}: {reason}"));
            }
        }
        out
    }
}
