//! The summary as text a person reads (`vrrplab sim --explore`, `vrrplab sim merge`).

use super::summary::{GAP_BUCKETS_US, Summary};
use std::fmt::Write;

fn s(us: u64) -> String {
    format!("{:.3}s", us as f64 / 1e6)
}

fn span(us: u64) -> String {
    let secs = us / 1_000_000;
    if secs >= 3600 {
        format!("{}h {:02}m {:02}s", secs / 3600, secs / 60 % 60, secs % 60)
    } else if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

fn bucket_label(k: usize) -> String {
    let lo = if k == 0 { 0 } else { GAP_BUCKETS_US[k - 1] };
    match GAP_BUCKETS_US.get(k) {
        Some(hi) => format!("{:>5} – {:<5}", trim(lo), trim(*hi)),
        None => format!("{:>5} – {:<5}", trim(lo), ""),
    }
}

fn trim(us: u64) -> String {
    let t = format!("{}", us as f64 / 1e6);
    format!("{t}s")
}

/// Renders `summary`.
pub fn render(summary: &Summary) -> String {
    let mut o = String::new();
    let sm = summary;
    let _ = writeln!(o, "vrrplab sim --explore — {}", sm.scenario);
    let shard = match &sm.shards {
        None => String::new(),
        Some(sh) => {
            let c: Vec<String> = sh.covered.iter().map(u64::to_string).collect();
            format!(", shard {}/{}", c.join("+"), sh.of)
        }
    };
    let _ = writeln!(o, "  seed {}, {} plans{shard}", sm.seed, sm.plans);
    let _ = writeln!(o, "  nemesis: {}", sm.nemesis);
    let _ = writeln!(
        o,
        "  plans run: {}, property held in {}, failed in {}; simulated {} ({:.0} s)",
        sm.plans_run,
        sm.passed,
        sm.failed,
        span(sm.simulated_us),
        sm.simulated_us as f64 / 1e6
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "split-brain by fault kind in force when it began (statistics, a failure only with split_brain=fail;\n  plans (of): plans with such an interval / plans using the kind):"
    );
    if sm.split_brain.is_empty() {
        let _ = writeln!(o, "  none");
    } else {
        let _ = writeln!(
            o,
            "  {:<10} {:>14} {:>10} {:>10} {:>10}",
            "kind", "plans (of)", "intervals", "mean", "longest"
        );
        for (k, st) in &sm.split_brain {
            let of = sm
                .kind_plans
                .get(k)
                .map(|n| format!("{}/{n}", st.plans))
                .unwrap_or_else(|| st.plans.to_string());
            let _ = writeln!(
                o,
                "  {:<10} {:>14} {:>10} {:>10} {:>10}",
                k,
                of,
                st.intervals,
                s(st.total_us / st.intervals.max(1)),
                s(st.max_us)
            );
        }
    }
    let g = &sm.failover_gaps;
    let _ = writeln!(o);
    if g.count == 0 {
        let _ = writeln!(o, "failover gaps: no failover");
    } else {
        let _ = writeln!(
            o,
            "failover gaps: {} failover(s), min {} / mean {} / max {}",
            g.count,
            s(g.min_us.unwrap_or(0)),
            s(g.total_us / g.count),
            s(g.max_us)
        );
        let top = g.buckets.iter().copied().max().unwrap_or(1).max(1);
        for (k, n) in g.buckets.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let bar = "#".repeat(((n * 40).div_ceil(top)) as usize);
            let _ = writeln!(o, "  {} {:>7}  {bar}", bucket_label(k), n);
        }
    }
    let _ = writeln!(o);
    if sm.slowest.is_empty() {
        let _ = writeln!(
            o,
            "slowest to settle: every plan settled when its last fault ended"
        );
    } else {
        let _ = writeln!(
            o,
            "slowest to settle (last master change after the last fault):"
        );
        for sl in &sm.slowest {
            let _ = writeln!(
                o,
                "  plan {:<6} {:>9}  {}",
                sl.index,
                s(sl.settle_us),
                sl.faults.join("; ")
            );
        }
    }
    let _ = writeln!(o);
    if sm.failed == 0 {
        let _ = writeln!(o, "failures: none");
        return o;
    }
    let listed: Vec<String> = sm.failing_plans.iter().map(u64::to_string).collect();
    let more = if sm.failed as usize > sm.failing_plans.len() {
        ", …"
    } else {
        ""
    };
    let _ = writeln!(
        o,
        "failures: {} plan(s): {}{more}",
        sm.failed,
        listed.join(", ")
    );
    for f in &sm.failures {
        let _ = writeln!(o);
        let _ = writeln!(o, "plan {} (seed {}) failed:", f.index, f.seed);
        for r in &f.reasons {
            let _ = writeln!(o, "    {r}");
        }
        let _ = writeln!(o, "  plan: {}", f.faults.join("; "));
        let sh = &f.shrunk;
        let _ = writeln!(
            o,
            "  shrunk in {} runs to {} fault line(s), {} run:",
            sh.shrink_runs,
            sh.faults.len(),
            sh.duration
        );
        for line in &sh.faults {
            let _ = writeln!(o, "    {line}");
        }
        for r in &sh.reasons {
            let _ = writeln!(o, "    ✗ {r}");
        }
        let _ = writeln!(o, "  reproduce: {}", sh.command);
    }
    o
}
