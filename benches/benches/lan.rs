//! Virtual-clock Lan throughput: 3 routers running one simulated hour, and one backup node
//! handling one advert (validation + backup rules + drain).
//!
//! Report: simulated seconds per wall second = 3600 s / (time per `lan_3_routers_1h`
//! iteration); ns per advert = the `node_backup_receives_advert` time, and the Lan's time per
//! element (criterion prints elements/s; elements = adverts sent in the hour).
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use vrrplab_core::Instant;
use vrrplab_core::lan::{Event, Lan, host_config};
use vrrplab_core::node::{Node, RxMeta};
use vrrplab_core::vrrp::InstanceConfig;
use vrrplab_core::wire::{Advert, Authentication, ChecksumConvention, Version};

const HOUR: Duration = Duration::from_secs(3600);

fn vip() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))
}

fn three_routers() -> Lan {
    let mut lan = Lan::new(7);
    lan.set_default_latency(Duration::from_micros(200));
    for (i, prio) in [150u8, 100, 50].into_iter().enumerate() {
        let mut c = InstanceConfig::new("VI_1", "eth0", 51, &[vip()]);
        c.priority = prio;
        let name = format!("h{}", i + 1);
        lan.add_host(
            &name,
            host_config(&name, Ipv4Addr::new(192, 0, 2, 11 + i as u8), vec![c]),
        );
    }
    lan
}

fn adverts_in_an_hour() -> u64 {
    let mut lan = three_routers();
    lan.run_for(HOUR);
    lan.history()
        .records()
        .iter()
        .filter(|r| matches!(r.event, Event::Advert { .. }))
        .count() as u64
}

fn lan_hour(c: &mut Criterion) {
    let adverts = adverts_in_an_hour();
    println!("lan_3_routers_1h: {adverts} adverts sent per simulated hour");
    let mut group = c.benchmark_group("lan");
    group.sample_size(20);
    group.throughput(Throughput::Elements(adverts));
    group.bench_function("lan_3_routers_1h", |b| {
        b.iter(|| {
            let mut lan = three_routers();
            lan.run_for(HOUR);
            black_box(lan.deliveries())
        })
    });
    group.finish();
}

fn node_step(c: &mut Criterion) {
    let mut cfg = InstanceConfig::new("VI_1", "eth0", 51, &[vip()]);
    cfg.priority = 100;
    let mut node = Node::new(
        host_config("h1", Ipv4Addr::new(192, 0, 2, 11), vec![cfg]),
        Instant::ZERO,
    );
    while node.poll_output().is_some() {}
    let src = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12));
    let dst = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
    let advert = Advert {
        version: Version::V2,
        vrid: 51,
        priority: 150,
        interval_cs: 100,
        authentication: Authentication::None,
        addresses: vec![vip()],
    };
    let bytes = advert.to_bytes(src, dst, ChecksumConvention::PseudoHeader);
    let meta = RxMeta {
        interface: "eth0".into(),
        src,
        dst,
        hop_limit: 255,
    };
    let mut now = Instant::ZERO;
    c.bench_function("node_backup_receives_advert", |b| {
        b.iter(|| {
            now += Duration::from_secs(1);
            node.handle_packet(now, &meta, black_box(&bytes));
            while let Some(o) = node.poll_output() {
                let _ = black_box(o);
            }
        })
    });
}

criterion_group!(benches, lan_hour, node_step);
criterion_main!(benches);
