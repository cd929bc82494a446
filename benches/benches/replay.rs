//! Replay throughput: packets per second of `vrrplab_replay` on a generated capture of a
//! million VRRPv2 adverts (two routers, a failover every 100 000 adverts, GARP bursts), and the
//! same file through `tshark -r FILE -Y vrrp -T fields -e vrrp.prio` in the same run, with the
//! ratio printed. Under `cargo test --benches` (no `--bench` argument) the capture has 10 000
//! adverts and the tshark comparison is skipped. `VRRPLAB_REPLAY_BENCH_KEEP=1` keeps the
//! generated capture in the temp directory (to run `vrrplab replay` on it by hand).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;
use vrrplab_benches::capture::alternating_masters;

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The generated capture: two routers, a failover every 100,000 adverts (`capture.rs`).
fn generate(adverts: u64) -> Vec<u8> {
    alternating_masters(adverts, 100_000)
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
