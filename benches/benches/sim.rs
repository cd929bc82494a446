//! Simulator throughput: simulated seconds per wall second (criterion's elements/s, one element
//! = one simulated second).
//!
//! - `bare_turmoil`: the baseline of `docs/crates.md` ("turmoil") — 3 turmoil hosts each
//!   sending one 40-byte multicast datagram per simulated second, nothing else.
//! - `vrrplab`: 3 vrrplab nodes (advert_int 1 s, priorities 150/100/50) in the simulator world
//!   with the observer, no faults, no packet recording.
//!
//! Both at a 10 ms tick over one simulated hour, and at a 1 ms tick over ten simulated minutes;
//! plus a sweep of 10 seeds of the embedded default scenario (60 s each, 1 ms tick).
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use vrrplab_core::node::NodeConfig;
use vrrplab_core::vrrp::InstanceConfig;
use vrrplab_sim::scenario::default_scenario;
use vrrplab_sim::{NodeSpec, Scenario, analyse, run, sweep};

const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

fn bare_turmoil(tick: Duration, simulated: Duration) -> usize {
    let mut sim = turmoil::Builder::new()
        .tick_duration(tick)
        .rng_seed(7)
        .min_message_latency(Duration::from_millis(1))
        .max_message_latency(Duration::from_millis(1))
        .build();
    for k in 0..3u8 {
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
    let mut g = c.benchmark_group("sim_3_nodes_advert_1s");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for (tick_ms, secs) in [(10u64, 3600u64), (1, 600)] {
        let tick = Duration::from_millis(tick_ms);
        let simulated = Duration::from_secs(secs);
        g.throughput(Throughput::Elements(secs));
        g.bench_function(format!("bare_turmoil/tick_{tick_ms}ms/{secs}s"), |b| {
            b.iter(|| black_box(bare_turmoil(tick, simulated)))
        });
        let sc = three_nodes(tick, simulated);
        g.bench_function(format!("vrrplab/tick_{tick_ms}ms/{secs}s"), |b| {
            b.iter(|| {
                let record = run(&sc).expect("run");
                black_box(analyse(&sc, &record).failovers.len())
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("sim_sweep");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    let sc = default_scenario(None);
    g.throughput(Throughput::Elements(600));
    g.bench_function("default_scenario/10_seeds/60s/tick_1ms", |b| {
        b.iter(|| black_box(sweep::sweep(&sc, 10, |_| {}).expect("sweep").passed))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
