//! Health-check benches: the cost of driving `check::Health` on a virtual clock.
//!
//! `pool_1000_servers_one_hour`: 100 virtual servers × 10 real servers, one TCP_CHECK each
//! (delay_loop 6 s, answers after 1 ms, a tenth of the servers refusing for ten minutes), one
//! simulated hour per iteration — about 1.2 million probe start/result pairs. Throughput is in
//! probes, so criterion reports probes per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Duration;
use vrrplab_core::Instant;
use vrrplab_core::check::{
    CheckerConfig, Health, HealthConfig, Output, ProbeAction, ProbeResult, RealServerConfig,
    VirtualServerConfig,
};

fn config() -> HealthConfig {
    let virtual_servers = (0..100u32)
        .map(|v| {
            let real_servers = (0..10u32)
                .map(|r| {
                    let address =
                        SocketAddr::from(([10, (v / 250) as u8, (v % 250) as u8, r as u8 + 1], 80));
                    let mut check = CheckerConfig::tcp(address);
                    check.delay_loop = Duration::from_secs(6);
                    check.warmup = Some(Duration::from_secs(6));
                    let mut rs = RealServerConfig::new(address);
                    rs.checkers = vec![check];
                    rs
                })
                .collect();
            VirtualServerConfig::new(&format!("vs{v}"), real_servers)
        })
        .collect();
    HealthConfig {
        virtual_servers,
        warmup_seed: 1,
        ..HealthConfig::default()
    }
}

/// Runs one simulated hour; returns the number of probes.
fn run_hour(config: HealthConfig) -> u64 {
    let mut health = Health::new(config, Instant::ZERO);
    let end = Instant::from_duration(Duration::from_secs(3600));
    let outage = Instant::from_duration(Duration::from_secs(1200))
        ..Instant::from_duration(Duration::from_secs(1800));
    let mut pending = std::collections::VecDeque::new();
    let mut probes = 0u64;
    let mut now = Instant::ZERO;
    loop {
        while let Some(output) = health.poll_output() {
            if let Output::StartProbe(p) = output {
                probes += 1;
                let ProbeAction::TcpConnect { address, .. } = p.action else {
                    continue;
                };
                let refused = address.ip().to_string().ends_with(".1") && outage.contains(&now);
                let result = if refused {
                    ProbeResult::ConnectFailed
                } else {
                    ProbeResult::Connected
                };
                pending.push_back((now + Duration::from_millis(1), p.id, result));
            }
        }
        // Results come back in start order (same 1 ms latency for all).
        let next_result = pending.front().map(|p| p.0);
        let next = match (next_result, health.poll_timeout()) {
            (Some(r), Some(t)) => r.min(t),
            (r, t) => match r.or(t) {
                Some(n) => n,
                None => break,
            },
        };
        if next > end {
            break;
        }
        now = next;
        if next_result == Some(now) {
            if let Some((_, id, result)) = pending.pop_front() {
                health.handle_probe_result(now, id, result);
            }
        } else {
            health.handle_timeout(now);
        }
    }
    probes
}

fn bench_pool(c: &mut Criterion) {
    let probes = run_hour(config());
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.throughput(Throughput::Elements(probes));
    group.bench_function("pool_1000_servers_one_hour", |b| {
        b.iter(|| black_box(run_hour(config())))
    });
    group.finish();
}

criterion_group!(benches, bench_pool);
criterion_main!(benches);
