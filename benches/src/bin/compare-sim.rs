//! `compare-sim [SECONDS]`: plans per wall second of the default `vrrplab sim` plan (60
//! simulated seconds) through the event engine and through turmoil stepping every
//! millisecond, next to bare turmoil running as many hosts for as long — measured one after
//! the other in this one process (at least SECONDS of wall time each, default 5), with the
//! ratios. Run it in release: `benches/compare-sim.sh`. `compare-sim SECONDS events` runs only
//! the event engine (for a profiler: `perf record target/release/compare-sim 20 events`).

use std::time::Duration;
use vrrplab_benches::sim::{compare, events_only};

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5.0);
    let budget = Duration::from_secs_f64(secs);
    if std::env::args().nth(2).as_deref() == Some("events") {
        for r in events_only(budget) {
            println!(
                "{:<48} {:>10.1} plans/s {:>10.0}× real time",
                r.name, r.plans_per_s, r.realtime
            );
        }
        return;
    }
    let rows = compare(budget);
    let bare = rows[0].plans_per_s;
    let stepped = rows[1].plans_per_s;
    println!(
        "{:<48} {:>12} {:>14} {:>10} {:>12}",
        "workload (60 simulated s)", "plans/s", "× real time", "× bare", "× turmoil"
    );
    for r in &rows {
        println!(
            "{:<48} {:>12.1} {:>14.0} {:>10.2} {:>12.2}",
            r.name,
            r.plans_per_s,
            r.realtime,
            r.plans_per_s / bare,
            r.plans_per_s / stepped
        );
    }
    let events = rows[2].plans_per_s;
    println!(
        "\n10,000 plans of 60 s on one core: {:.0} s with the event engine, {:.0} s stepping turmoil",
        10_000.0 / events,
        10_000.0 / stepped
    );
}
