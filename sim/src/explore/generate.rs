//! Deterministic plan generation: plan `index` of an exploration seeded with `seed` is a pure
//! function of (seed, index, nemesis, scenario), drawn from the core's SplitMix64
//! (`vrrplab_core::prng`), so any plan can be regenerated alone (shards, reruns).
//!
//! Times are multiples of 100 ms; every fault starts at or after the warm-up, lasts at least
//! 500 ms and is undone before `warmup + window`.

use super::nemesis::{Cap, FaultKind, KindSpec, Nemesis, Targets};
use super::plan::{Episode, Plan};
use crate::fault::FaultAction;
use crate::scenario::Scenario;
use std::time::Duration;
use vrrplab_core::prng::SplitMix64;

const STEP: Duration = Duration::from_millis(100);
const MIN_LENGTH_STEPS: u64 = 5;

/// The generator of plan `index`: its own stream, independent of every other index.
pub fn plan_rng(seed: u64, index: u64) -> SplitMix64 {
    let base = SplitMix64::new(seed).next_u64();
    SplitMix64::new(SplitMix64::new(base ^ index).next_u64())
}

fn pick<'a, T>(rng: &mut SplitMix64, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

/// Two different items (the list has at least two).
fn pick_two(rng: &mut SplitMix64, items: &[String]) -> (String, String) {
    let a = rng.below(items.len() as u64) as usize;
    let mut b = rng.below(items.len() as u64 - 1) as usize;
    if b >= a {
        b += 1;
    }
    (items[a].clone(), items[b].clone())
}

/// Plan `index` of the exploration `seed` under `nemesis`.
pub fn generate(scenario: &Scenario, nemesis: &Nemesis, seed: u64, index: u64) -> Plan {
    let targets = Targets::of(scenario);
    let mut rng = plan_rng(seed, index);
    // 63 bits: a TOML integer holds it.
    let run_seed = rng.next_u64() >> 1;
    let count = 1 + rng.below(nemesis.max_faults as u64);
    let steps = (nemesis.window.as_millis() / STEP.as_millis()) as u64;
    let mut episodes = Vec::new();
    for _ in 0..count {
        let spec = pick(&mut rng, &nemesis.kinds);
        let start_steps = rng.below(steps.saturating_sub(MIN_LENGTH_STEPS).max(1));
        let room = steps.saturating_sub(start_steps).max(MIN_LENGTH_STEPS);
        let length_steps = MIN_LENGTH_STEPS + rng.below(room - MIN_LENGTH_STEPS + 1);
        let (begin, end) = actions(&mut rng, spec, &targets, scenario);
        episodes.push(Episode {
            kind: spec.kind,
            start: nemesis.warmup + STEP * start_steps as u32,
            length: STEP * length_steps as u32,
            begin,
            end,
        });
    }
    episodes.sort_by_key(|e| e.start);
    Plan {
        index,
        seed: run_seed,
        episodes,
        warmup: nemesis.warmup,
        quiet: nemesis.quiet,
    }
}

/// Nodes whose configuration satisfies `has`, or every node when none does.
fn nodes_with(
    scenario: &Scenario,
    has: impl Fn(&crate::scenario::NodeSpec) -> bool,
) -> Vec<String> {
    let v: Vec<String> = scenario
        .nodes
        .iter()
        .filter(|n| has(n))
        .map(|n| n.name.clone())
        .collect();
    if v.is_empty() {
        scenario.nodes.iter().map(|n| n.name.clone()).collect()
    } else {
        v
    }
}

fn actions(
    rng: &mut SplitMix64,
    spec: &KindSpec,
    targets: &Targets,
    scenario: &Scenario,
) -> (FaultAction, Option<FaultAction>) {
    let all = if spec.targets.is_empty() {
        targets.of_kind(spec.kind)
    } else {
        spec.targets.clone()
    };
    let node = |rng: &mut SplitMix64| pick(rng, &all).clone();
    use FaultAction as A;
    match spec.kind {
        FaultKind::Crash => {
            let n = node(rng);
            (A::Crash(n.clone()), Some(A::Restart(n)))
        }
        FaultKind::Stop => {
            let n = node(rng);
            (A::Stop(n.clone()), Some(A::Start(n)))
        }
        FaultKind::Partition => {
            let (a, b) = pick_two(rng, &all);
            (A::Partition(a.clone(), b.clone()), Some(A::Heal(a, b)))
        }
        FaultKind::Isolate => (A::Isolate(node(rng)), Some(A::HealAll)),
        FaultKind::Block => {
            let (receiver, sender) = pick_two(rng, &all);
            (
                A::Block {
                    receiver: receiver.clone(),
                    sender: sender.clone(),
                },
                Some(A::Unblock { receiver, sender }),
            )
        }
        FaultKind::Loss => {
            let cap = match spec.cap {
                Some(Cap::Percent(p)) => p,
                _ => 30,
            };
            let percent = 1 + rng.below(u64::from(cap)) as u8;
            let link = if all.len() < 2 || rng.chance_in(1, 3) {
                None
            } else {
                Some(pick_two(rng, &all))
            };
            (
                A::Loss {
                    link: link.clone(),
                    percent,
                },
                Some(A::Loss { link, percent: 0 }),
            )
        }
        FaultKind::Latency => {
            let cap = match spec.cap {
                Some(Cap::Duration(d)) => d,
                _ => Duration::from_secs(2),
            };
            let (a, b) = pick_two(rng, &all);
            let ms = 1 + rng.below(cap.as_millis().max(1) as u64);
            (
                A::Latency {
                    a: a.clone(),
                    b: b.clone(),
                    latency: Duration::from_millis(ms),
                },
                Some(A::Latency {
                    a,
                    b,
                    latency: scenario.settings.min_latency,
                }),
            )
        }
        FaultKind::Drift => {
            let cap = match spec.cap {
                Some(Cap::Percent(p)) => i64::from(p),
                _ => 5,
            };
            let n = node(rng);
            let magnitude = 1 + rng.below(cap as u64 * 10) as i64;
            let per_mille = if rng.chance_in(1, 2) {
                magnitude
            } else {
                -magnitude
            };
            let rate = (1000 + per_mille) as f64 / 1000.0;
            (
                A::Drift {
                    node: n.clone(),
                    rate,
                },
                Some(A::Drift { node: n, rate: 1.0 }),
            )
        }
        FaultKind::Ifdown => {
            let interface = pick(rng, &all).clone();
            let owners = nodes_with(scenario, |n| {
                n.config.instances.iter().any(|i| {
                    i.interface == interface
                        || i.track_interfaces.iter().any(|t| t.name == interface)
                })
            });
            let n = pick(rng, &owners).clone();
            (
                A::InterfaceDown {
                    node: n.clone(),
                    interface: interface.clone(),
                },
                Some(A::InterfaceUp { node: n, interface }),
            )
        }
        FaultKind::Script => {
            let script = pick(rng, &all).clone();
            let owners = nodes_with(scenario, |n| {
                n.config.scripts.iter().any(|s| s.name == script)
            });
            let n = pick(rng, &owners).clone();
            (
                A::Script {
                    node: n.clone(),
                    script: script.clone(),
                    ok: false,
                },
                Some(A::Script {
                    node: n,
                    script,
                    ok: true,
                }),
            )
        }
        FaultKind::Trackfile => {
            let name = pick(rng, &all).clone();
            let owners = nodes_with(scenario, |n| {
                n.config.track_files.iter().any(|s| s.name == name)
            });
            let n = pick(rng, &owners).clone();
            let magnitude = 1 + rng.below(100) as i64;
            let value = if rng.chance_in(1, 2) {
                magnitude
            } else {
                -magnitude
            };
            (
                A::TrackFile {
                    node: n.clone(),
                    name: name.clone(),
                    value,
                },
                Some(A::TrackFile {
                    node: n,
                    name,
                    value: 0,
                }),
            )
        }
        FaultKind::Gateway => {
            let n = node(rng);
            (A::GatewayCut(n.clone()), Some(A::GatewayRestore(n)))
        }
        FaultKind::Backend => {
            let backend: std::net::SocketAddr = pick(rng, &all)
                .parse()
                .unwrap_or_else(|_| std::net::SocketAddr::from(([192, 0, 2, 21], 80)));
            let begin = match rng.below(4) {
                0 => A::BackendDown(backend),
                1 => A::BackendHang(backend),
                2 => A::BackendSlow {
                    backend,
                    delay: Duration::from_millis(500 * (1 + rng.below(10))),
                },
                _ => A::BackendStatus {
                    backend,
                    status: if rng.chance_in(1, 2) { 500 } else { 503 },
                },
            };
            (begin, Some(A::BackendUp(backend)))
        }
        FaultKind::Reload => {
            let config = pick(rng, &all).clone();
            let n = pick(rng, &targets.nodes).clone();
            (A::Reload { node: n, config }, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{NodeSpec, default_address};
    use vrrplab_core::node::NodeConfig;
    use vrrplab_core::vrrp::InstanceConfig;

    fn pair() -> Scenario {
        let node = |name: &str, k: usize| {
            let vip = std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));
            NodeSpec::new(
                name,
                default_address(k),
                NodeConfig {
                    instances: vec![InstanceConfig::new("VI_1", "eth0", 51, &[vip])],
                    ..NodeConfig::default()
                },
            )
        };
        Scenario::new("pair", vec![node("a", 0), node("b", 1)])
    }

    #[test]
    fn a_plan_depends_on_seed_and_index_only_and_stays_in_the_window() {
        let sc = pair();
        let n = Nemesis::defaults(&sc);
        for index in 0..50 {
            let p = generate(&sc, &n, 9, index);
            assert_eq!(p, generate(&sc, &n, 9, index));
            assert!(!p.episodes.is_empty() && p.episodes.len() <= n.max_faults);
            for e in &p.episodes {
                assert!(e.start >= n.warmup, "{e:?}");
                assert!(e.stop() <= n.warmup + n.window, "{e:?}");
                assert!(e.length >= Duration::from_millis(500), "{e:?}");
                assert_eq!(e.start.as_millis() % 100, 0, "{e:?}");
            }
        }
        assert_ne!(generate(&sc, &n, 9, 0), generate(&sc, &n, 9, 1));
        assert_ne!(generate(&sc, &n, 9, 0), generate(&sc, &n, 10, 0));
    }

    #[test]
    fn every_default_kind_round_trips_through_the_fault_text_form() {
        let sc = pair();
        let n = Nemesis::defaults(&sc);
        for index in 0..200 {
            for line in generate(&sc, &n, 1, index).fault_lines() {
                let f = crate::fault::Fault::parse(&line).expect(&line);
                assert_eq!(f.to_string(), line);
            }
        }
    }
}
