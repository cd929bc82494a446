//! Same seed ⇒ byte-identical trace (events, JSON and pcap); another seed ⇒ another trace.

use super::helpers::*;
use vrrplab_sim::FaultAction::*;
use vrrplab_sim::report::{json, pcap};

fn noisy(seed: u64) -> (String, Vec<u8>) {
    let mut sc = cluster("noisy", &[100, 99, 98]);
    sc.settings.seed = seed;
    sc.settings.max_latency = s(0.02);
    sc.client = true;
    at(
        &mut sc,
        5.0,
        Loss {
            link: None,
            percent: 30,
        },
    );
    at(&mut sc, 12.0, Crash("a".into()));
    at(&mut sc, 20.0, Restart("a".into()));
    at(
        &mut sc,
        25.0,
        Block {
            receiver: "c".into(),
            sender: "a".into(),
        },
    );
    at(&mut sc, 30.0, HealAll);
    let o = run_scenario(sc);
    let doc = json::render(&o.scenario, &o.record, &o.analysis).to_string();
    let hosts = o.scenario.host_addresses();
    let mut bytes = Vec::new();
    pcap::write(&mut bytes, &o.record.packets, &hosts).expect("pcap");
    (format!("{doc}\n{:?}", o.record.events), bytes)
}

#[test]
fn same_seed_gives_byte_identical_trace() {
    let (a, pa) = noisy(42);
    let (b, pb) = noisy(42);
    assert!(a == b, "same seed, different trace (seed 42)");
    assert!(pa == pb, "same seed, different pcap (seed 42)");
    assert!(pa.len() > 1000);
}

#[test]
fn another_seed_gives_another_trace() {
    let (a, _) = noisy(42);
    let (b, _) = noisy(43);
    assert_ne!(a, b, "seeds 42 and 43 gave the same trace");
}
