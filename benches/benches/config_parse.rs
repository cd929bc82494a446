//! keepalived.conf parse time: a generated configuration with 1,000 `vrrp_instance` blocks
//! (VRIDs 1–250 on four interfaces, authentication, two VIPs, tracking, notify hooks).
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use vrrplab_core::config::{ParseOptions, parse_str};

fn generated(instances: usize) -> String {
    let mut s = String::from(
        "global_defs {\n    router_id bench\n    vrrp_garp_master_delay 5\n}\nvrrp_script chk {\n    script \"/bin/true\"\n    interval 2\n    weight -20\n}\n",
    );
    for n in 0..instances {
        let vrid = n % 250 + 1;
        let ifname = n / 250;
        s.push_str(&format!(
            "vrrp_instance VI_{n} {{\n    state BACKUP\n    interface eth{ifname}\n    virtual_router_id {vrid}\n    priority {}\n    advert_int 1\n    authentication {{\n        auth_type PASS\n        auth_pass p{vrid}\n    }}\n    virtual_ipaddress {{\n        10.{ifname}.{vrid}.1/24 dev eth{ifname} label eth{ifname}:{vrid}\n        10.{ifname}.{vrid}.2/24\n    }}\n    track_script {{\n        chk\n    }}\n    notify_master \"/etc/keepalived/notify.sh master VI_{n}\"\n}}\n",
            100 + n % 50
        ));
    }
    s
}

fn parse_1000_instances(c: &mut Criterion) {
    let text = generated(1000);
    let parsed = parse_str("bench.conf", &text, &ParseOptions::default());
    assert!(parsed.is_valid(), "{}", parsed.render_diagnostics());
    assert_eq!(parsed.model.instances.len(), 1000);
    let mut group = c.benchmark_group("config_parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("1000_instances", |b| {
        b.iter(|| parse_str("bench.conf", black_box(&text), &ParseOptions::default()))
    });
    group.bench_function("1000_instances_to_node_config", |b| {
        b.iter(|| black_box(&parsed.model).to_node_config())
    });
    group.finish();
}

criterion_group!(benches, parse_1000_instances);
criterion_main!(benches);
