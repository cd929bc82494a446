//! Replay throughput: packets per second of `vrrplab_replay` on a generated capture of a
//! million VRRPv2 adverts (two routers, a failover every 100 000 adverts, GARP bursts), and the
//! same file through `tshark -r FILE -Y vrrp -T fields -e vrrp.prio` in the same run, with the
//! ratio printed. Under `cargo test --benches` (no `--bench` argument) the capture has 10 000
//! adverts and the tshark comparison is skipped. `VRRPLAB_REPLAY_BENCH_KEEP=1` keeps the
//! generated capture in the temp directory (to run `vrrplab replay` on it by hand).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Instant;
use vrrplab_core::wire::{Advert, Authentication, ChecksumConvention, Version};

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn ipv4_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Ethernet + IPv4 (TTL 255, DSCP CS6 like keepalived) around a VRRP message.
fn frame(mac: u8, src: Ipv4Addr, vrrp: &[u8]) -> Vec<u8> {
    let mut f = vec![
        0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x02, 0, 0, 0, 0, mac, 0x08, 0x00,
    ];
    let total = (20 + vrrp.len()) as u16;
    let mut ip = vec![0x45, 0xc0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0, 0, 0x40, 0, 255, 112, 0, 0]);
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&[224, 0, 0, 18]);
    let sum = ipv4_checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(vrrp);
    f
}

fn garp(mac: u8, vip: Ipv4Addr) -> Vec<u8> {
    let m = [0x02, 0, 0, 0, 0, mac];
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&m);
    f.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    f.extend_from_slice(&m);
    f.extend_from_slice(&vip.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&vip.octets());
    f
}

/// A classic pcap (µs) with `adverts` adverts; returns the bytes.
fn generate(adverts: u64) -> Vec<u8> {
    let vip = Ipv4Addr::new(192, 0, 2, 100);
    let routers = [
        (1u8, Ipv4Addr::new(192, 0, 2, 11), 100u8),
        (2, Ipv4Addr::new(192, 0, 2, 12), 99),
    ];
    let payloads: Vec<Vec<u8>> = routers
        .iter()
        .map(|(mac, src, prio)| {
            let bytes = Advert {
                version: Version::V2,
                vrid: 51,
                priority: *prio,
                interval_cs: 100,
                authentication: Authentication::simple_password("1111"),
                addresses: vec![IpAddr::V4(vip)],
            }
            .to_bytes(
                IpAddr::V4(*src),
                IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
                ChecksumConvention::PseudoHeader,
            );
            frame(*mac, *src, &bytes)
        })
        .collect();
    let mut out = Vec::with_capacity(adverts as usize * 100);
    out.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    let mut push = |t_us: u64, f: &[u8]| {
        out.extend_from_slice(&((t_us / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((t_us % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    };
    let mut t: u64 = 1_795_300_000_000_000;
    let mut master = 0usize;
    for n in 0..adverts {
        if n > 0 && n % 100_000 == 0 {
            master = 1 - master;
            t += 2_620_000; // the old master stopped: Master_Down_Interval later the other one adverts
        }
        push(t + (n % 7), &payloads[master]);
        if n % 100_000 == 0 {
            for k in 0..5 {
                push(t + 1_000 + k * 300, &garp(routers[master].0, vip));
            }
        }
        t += 1_000_000;
    }
    out
}

fn capture_path(adverts: u64) -> PathBuf {
    std::env::temp_dir().join(format!("vrrplab-replay-bench-{adverts}.pcap"))
}

fn compare_with_tshark(path: &PathBuf, adverts: u64, ours_pps: f64) {
    let started = Instant::now();
    let out = std::process::Command::new("tshark")
        .args(["-r"])
        .arg(path)
        .args(["-Y", "vrrp", "-T", "fields", "-e", "vrrp.prio"])
        .stderr(std::process::Stdio::null())
        .output();
    match out {
        Err(e) => println!("replay vs tshark: tshark not run ({e}); comparison skipped"),
        Ok(o) if !o.status.success() => println!(
            "replay vs tshark: tshark failed ({}); comparison skipped",
            o.status
        ),
        Ok(o) => {
            let secs = started.elapsed().as_secs_f64();
            let lines = o.stdout.iter().filter(|b| **b == b'\n').count();
            let tshark_pps = adverts as f64 / secs;
            println!(
                "replay vs tshark: {adverts} adverts ({lines} lines from tshark) in {secs:.2} s = {tshark_pps:.0} adverts/s; \
                 vrrplab replay {ours_pps:.0} adverts/s; ratio {:.1}x",
                ours_pps / tshark_pps
            );
        }
    }
}

fn bench(c: &mut Criterion) {
    let adverts = if full_run() { 1_000_000 } else { 10_000 };
    let bytes = generate(adverts);
    let path = capture_path(adverts);
    if let Err(e) = std::fs::write(&path, &bytes) {
        println!("cannot write {}: {e}", path.display());
    }
    let report =
        vrrplab_replay::replay_reader("bench.pcap", &bytes[..]).expect("generated capture");
    assert_eq!(report.counts.vrrp, adverts);
    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    group.throughput(Throughput::Elements(adverts));
    group.bench_function(format!("{adverts}_adverts_in_memory"), |b| {
        b.iter(|| {
            black_box(vrrplab_replay::replay_reader(
                "bench.pcap",
                black_box(&bytes[..]),
            ))
        })
    });
    group.finish();
    if full_run() {
        let started = Instant::now();
        let file = std::fs::File::open(&path).expect("capture written above");
        let report = vrrplab_replay::replay_reader("bench.pcap", file).expect("replay");
        let secs = started.elapsed().as_secs_f64();
        let ours = report.counts.vrrp as f64 / secs;
        println!(
            "vrrplab replay from file: {adverts} adverts in {secs:.3} s = {ours:.0} adverts/s"
        );
        compare_with_tshark(&path, adverts, ours);
    } else {
        println!("replay vs tshark: comparison only under `cargo bench` (1 000 000 adverts)");
    }
    if std::env::var_os("VRRPLAB_REPLAY_BENCH_KEEP").is_some() {
        println!("capture kept at {}", path.display());
    } else {
        let _ = std::fs::remove_file(&path);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
