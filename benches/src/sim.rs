//! Simulator workloads shared by the `sim` criterion bench and the `compare-sim` binary.
//!
//! - [`bare_turmoil`]: turmoil alone — `hosts` hosts each sending one 40-byte multicast datagram
//!   per simulated second and receiving the others', nothing else (the floor any turmoil world
//!   stands on).
//! - [`default_plan`]: one plan of `vrrplab sim` with no arguments — the embedded default
//!   scenario (the LVS-DR director pair and a client host, 60 simulated seconds: crash,
//!   restart, one-way block, unblock) run by an [`Engine`] and judged by `analyse`.
//! - [`compare`]: plans per wall second of each, measured one after the other in one process,
//!   with the ratios between them.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};
use vrrplab_sim::scenario::default_scenario;
use vrrplab_sim::{Engine, Scenario, analyse, run_with};

const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// Runs `hosts` bare turmoil hosts for `simulated` at `tick`; returns the steps taken.
pub fn bare_turmoil(hosts: u8, tick: Duration, simulated: Duration) -> usize {
    let mut sim = turmoil::Builder::new()
        .tick_duration(tick)
        .rng_seed(7)
        .min_message_latency(Duration::from_millis(1))
        .max_message_latency(Duration::from_millis(1))
        .build();
    for k in 0..hosts {
        sim.host(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11 + k)), || async {
            let sock = turmoil::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 112)).await?;
            sock.set_multicast_loop_v4(false)?;
            sock.join_multicast_v4(GROUP, Ipv4Addr::UNSPECIFIED)?;
            let mut buf = [0u8; 64];
            let mut next = tokio::time::Instant::now();
            loop {
                tokio::select! {
                    biased;
                    r = sock.recv_from(&mut buf) => { black_box(r?); }
                    _ = tokio::time::sleep_until(next) => {
                        let _ = sock.try_send_to(&[0u8; 40], (GROUP, 112));
                        next += Duration::from_secs(1);
                    }
                }
            }
        });
    }
    let mut steps = 0;
    while sim.elapsed() < simulated {
        sim.step().expect("step");
        steps += 1;
    }
    steps
}

/// The embedded default scenario (what `vrrplab sim` runs without arguments).
pub fn default_plan() -> Scenario {
    default_scenario(None)
}

/// Runs and judges one plan; returns the number of failovers (so nothing is optimised away).
pub fn run_plan(scenario: &Scenario, engine: Engine) -> usize {
    let record = run_with(scenario, engine).expect("run");
    analyse(scenario, &record).failovers.len()
}

/// One measured workload.
#[derive(Debug, Clone)]
pub struct Row {
    /// What ran.
    pub name: String,
    /// Plans (or bare-turmoil runs of the same simulated length) per wall second.
    pub plans_per_s: f64,
    /// Simulated seconds per wall second.
    pub realtime: f64,
}

/// Repeats `f` until `min_runs` runs and `budget` of wall time have passed; runs per second.
fn measure(min_runs: u32, budget: Duration, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let start = Instant::now();
    let mut runs = 0u32;
    while runs < min_runs || start.elapsed() < budget {
        f();
        runs += 1;
    }
    f64::from(runs) / start.elapsed().as_secs_f64()
}

/// The default plan through the event engine alone, for at least `budget` of wall time each:
/// the whole plan (run and analysis), the run alone, and the run without packet recording
/// (where the time goes).
pub fn events_only(budget: Duration) -> Vec<Row> {
    let sc = default_plan();
    let secs = sc.settings.duration.as_secs_f64();
    let row = |name: &str, plans_per_s: f64| Row {
        name: name.to_string(),
        plans_per_s,
        realtime: plans_per_s * secs,
    };
    let whole = measure(30, budget, || {
        black_box(run_plan(&sc, Engine::Events));
    });
    let run_only = measure(30, budget, || {
        black_box(run_with(&sc, Engine::Events).expect("run").events.len());
    });
    let mut quiet = sc.clone();
    quiet.settings.record_packets = false;
    let unrecorded = measure(30, budget, || {
        black_box(run_with(&quiet, Engine::Events).expect("run").events.len());
    });
    vec![
        row("default plan, event engine (run + analyse)", whole),
        row("default plan, event engine, run only", run_only),
        row("  … without packet recording", unrecorded),
    ]
}

/// Bare turmoil (3 hosts: as many as the default pair's world), the default plan through
/// turmoil stepping every millisecond, and the default plan through the event engine, each
/// for at least `budget` of wall time.
pub fn compare(budget: Duration) -> Vec<Row> {
    let sc = default_plan();
    let simulated = sc.settings.duration;
    let secs = simulated.as_secs_f64();
    let row = |name: &str, plans_per_s: f64| Row {
        name: name.to_string(),
        plans_per_s,
        realtime: plans_per_s * secs,
    };
    let bare = measure(3, budget, || {
        black_box(bare_turmoil(3, sc.settings.tick, simulated));
    });
    let stepped = measure(3, budget, || {
        black_box(run_plan(&sc, Engine::Turmoil));
    });
    let events = measure(30, budget, || {
        black_box(run_plan(&sc, Engine::Events));
    });
    vec![
        row("bare turmoil, 3 hosts, 1 ms tick", bare),
        row("default plan, turmoil engine (every 1 ms tick)", stepped),
        row("default plan, event engine", events),
    ]
}
