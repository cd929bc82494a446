//! Simulator throughput.
//!
//! - `sim_default_plan_60s` (criterion's elements/s = plans per wall second): one plan of
//!   `vrrplab sim` with no arguments (the default LVS-DR pair and client, 60 simulated
//!   seconds, judged) through the event engine and through turmoil stepping every 1 ms tick,
//!   next to bare turmoil with as many hosts for as long (`vrrplab_benches::sim`). The same
//!   three, measured in one run with their ratios, are printed by `benches/compare-sim.sh`.
//! - `sim_3_nodes_advert_1s` (elements/s = simulated seconds per wall second): 3 vrrplab nodes
//!   (advert_int 1 s, priorities 150/100/50), no faults, no packet recording, through both
//!   engines, and bare turmoil's 3 hosts each sending one 40-byte multicast datagram per
//!   simulated second; at a 10 ms tick over one simulated hour and a 1 ms tick over ten
//!   simulated minutes.
//! - `sim_sweep`: 10 seeds of the default scenario (`vrrplab sim --sweep 10`).
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use vrrplab_benches::sim::{bare_turmoil, default_plan, run_plan};
use vrrplab_core::node::NodeConfig;
use vrrplab_core::vrrp::InstanceConfig;
use vrrplab_sim::{Engine, NodeSpec, Scenario, sweep};

fn three_nodes(tick: Duration, simulated: Duration) -> Scenario {
    let vip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));
    let nodes = [150u8, 100, 50]
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut i = InstanceConfig::new("VI_1", "eth0", 51, &[vip]);
            i.priority = *p;
            NodeSpec::new(
                &((b'a' + k as u8) as char).to_string(),
                Ipv4Addr::new(192, 0, 2, 11 + k as u8),
                NodeConfig {
                    instances: vec![i],
                    ..NodeConfig::default()
                },
            )
        })
        .collect();
    let mut sc = Scenario::new("bench", nodes);
    sc.settings.tick = tick;
    sc.settings.duration = simulated;
    sc.settings.record_packets = false;
    sc
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sim_default_plan_60s");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(1));
    let plan = default_plan();
    let (tick, simulated) = (plan.settings.tick, plan.settings.duration);
    g.bench_function("bare_turmoil/3_hosts/tick_1ms", |b| {
        b.iter(|| black_box(bare_turmoil(3, tick, simulated)))
    });
    g.bench_function("vrrplab/turmoil_engine/tick_1ms", |b| {
        b.iter(|| black_box(run_plan(&plan, Engine::Turmoil)))
    });
    g.bench_function("vrrplab/event_engine/tick_1ms", |b| {
        b.iter(|| black_box(run_plan(&plan, Engine::Events)))
    });
    g.finish();

    let mut g = c.benchmark_group("sim_3_nodes_advert_1s");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for (tick_ms, secs) in [(10u64, 3600u64), (1, 600)] {
        let tick = Duration::from_millis(tick_ms);
        let simulated = Duration::from_secs(secs);
        g.throughput(Throughput::Elements(secs));
        g.bench_function(format!("bare_turmoil/tick_{tick_ms}ms/{secs}s"), |b| {
            b.iter(|| black_box(bare_turmoil(3, tick, simulated)))
        });
        let sc = three_nodes(tick, simulated);
        for (name, engine) in [("turmoil", Engine::Turmoil), ("events", Engine::Events)] {
            g.bench_function(format!("vrrplab/{name}/tick_{tick_ms}ms/{secs}s"), |b| {
                b.iter(|| black_box(run_plan(&sc, engine)))
            });
        }
    }
    g.finish();

    let mut g = c.benchmark_group("sim_sweep");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(600));
    g.bench_function("default_scenario/10_seeds/60s/tick_1ms", |b| {
        b.iter(|| black_box(sweep::sweep(&plan, 10, |_| {}).expect("sweep").passed))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
