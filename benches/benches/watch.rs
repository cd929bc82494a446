//! Watch cost: frames per second of `vrrplab watch`'s engine (`replay::live::Watcher`, findings
//! derived again every 100 ms of capture time, state forgotten once final) against the batch
//! analysis (`replay_reader`) on the same generated capture, in the same run, with the ratio
//! printed. The capture is 200 000 adverts at 1 s (2.3 days) with a failover every 1 000
//! adverts (10 000 adverts under `cargo test --benches`): a watcher whose cost grew with the
//! past would fall further behind the batch analysis the longer the capture.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Instant;
use vrrplab_benches::capture::alternating_masters;
use vrrplab_replay::live::{FrameSource, Watcher};
use vrrplab_replay::{CaptureReader, replay_reader};

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Feeds every frame to a watcher; returns (frames, findings given).
fn watch(bytes: &[u8]) -> (u64, u64) {
    let mut reader = CaptureReader::new(bytes).expect("generated capture");
    let mut w = Watcher::new("bench");
    let (mut frames, mut given) = (0, 0);
    while let Ok(Some(f)) = FrameSource::next_frame(&mut reader) {
        frames += 1;
        w.handle_frame(&f.as_frame());
        while let Some(n) = w.poll_notice() {
            given += u64::from(n.kind == vrrplab_replay::live::NoticeKind::Finding);
        }
    }
    let _ = w.finish(None);
    while let Some(n) = w.poll_notice() {
        given += u64::from(n.kind == vrrplab_replay::live::NoticeKind::Finding);
    }
    (frames, given)
}

fn bench(c: &mut Criterion) {
    let adverts = if full_run() { 200_000 } else { 10_000 };
    let bytes = alternating_masters(adverts, 1_000);
    let batch_started = Instant::now();
    let report = replay_reader("bench.pcap", &bytes[..]).expect("generated capture");
    let batch = batch_started.elapsed().as_secs_f64();
    let watch_started = Instant::now();
    let (frames, given) = watch(&bytes);
    let watched = watch_started.elapsed().as_secs_f64();
    assert_eq!(frames, report.counts.packets);
    assert_eq!(
        given,
        report.findings.len() as u64,
        "watch gives the batch findings"
    );
    println!(
        "watch vs replay: {frames} frames, {given} findings; replay {:.0} frames/s, watch {:.0} frames/s; watch costs {:.1}x replay",
        frames as f64 / batch,
        frames as f64 / watched,
        watched / batch
    );
    let mut group = c.benchmark_group("watch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(frames));
    group.bench_function(format!("{adverts}_adverts_fed_live"), |b| {
        b.iter(|| black_box(watch(black_box(&bytes))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
