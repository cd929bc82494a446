//! Virtual-server pool rules: liveness, weights, inhibit, quorum, hysteresis, sorry server,
//! hooks.

use super::world::{Backend, World, at, secs};
use crate::Instant;
use crate::check::{
    CheckerConfig, HealthConfig, HookKind, Output, PoolAction, ProbeAction, ProbeResult,
    RealServerConfig, SorryServerConfig, VirtualServerConfig,
};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

pub(super) fn addr(i: u8) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, i], 80))
}

fn sorry() -> SocketAddr {
    SocketAddr::from(([198, 51, 100, 1], 80))
}

/// A TCP checker on `address` (port `port`), retry 0, probing every second.
pub(super) fn tcp_on(address: SocketAddr) -> CheckerConfig {
    let mut c = CheckerConfig::tcp(address);
    c.retry = 0;
    c.delay_loop = secs(1.0);
    c.connect_timeout = secs(0.5);
    c
}

pub(super) fn server(i: u8, weight: u32) -> RealServerConfig {
    let mut rs = RealServerConfig::new(addr(i));
    rs.weight = weight;
    rs.checkers = vec![tcp_on(addr(i))];
    rs
}

/// Each destination is down during its listed windows `[from, to)`; answers after 1 ms.
pub(super) fn outages(plan: Vec<(SocketAddr, f64, f64)>) -> Backend {
    Box::new(move |now, probe| {
        let ProbeAction::TcpConnect { address, .. } = &probe.action else {
            return None;
        };
        let down = plan
            .iter()
            .any(|(a, from, to)| a == address && now >= at(*from) && now < at(*to));
        let result = if down {
            ProbeResult::ConnectFailed
        } else {
            ProbeResult::Connected
        };
        Some((Duration::from_millis(1), result))
    })
}

pub(super) fn one_vs(vs: VirtualServerConfig, backend: Backend) -> World {
    World::new(
        HealthConfig {
            virtual_servers: vec![vs],
            ..HealthConfig::default()
        },
        backend,
    )
}

/// The pool after replaying every pool operation up to `until`.
pub(super) fn pool_at(w: &World, until: Instant) -> BTreeMap<SocketAddr, u32> {
    let mut pool = BTreeMap::new();
    for (t, o) in &w.log {
        if *t > until {
            break;
        }
        if let Output::Pool(p) = o {
            match p.action {
                PoolAction::Add { weight } | PoolAction::Reweight { weight } => {
                    pool.insert(p.destination, weight);
                }
                PoolAction::Remove => {
                    pool.remove(&p.destination);
                }
            }
        }
    }
    pool
}

fn hooks(w: &World) -> Vec<(Instant, HookKind, String)> {
    w.find(|o| match o {
        Output::RunHook(h) => Some((h.kind, h.command.clone())),
        _ => None,
    })
    .into_iter()
    .map(|(t, (k, c))| (t, k, c))
    .collect()
}

fn quorum_changes(w: &World) -> Vec<(Instant, bool)> {
    w.find(|o| match o {
        Output::Quorum(q) => Some(q.up),
        _ => None,
    })
}

#[test]
fn all_servers_enter_the_pool_at_start_with_their_weights() {
    let w = one_vs(
        VirtualServerConfig::new("vs", vec![server(1, 3), server(2, 5)]),
        outages(vec![]),
    );
    assert_eq!(
        pool_at(&w, at(0.0)),
        BTreeMap::from([(addr(1), 3), (addr(2), 5)])
    );
}

#[test]
fn real_server_is_alive_only_while_all_its_checkers_are_up() {
    let mut rs = server(1, 1);
    // A second checker on another port that fails between 3 and 6.
    let other = SocketAddr::from(([192, 0, 2, 1], 8080));
    rs.checkers.push(tcp_on(other));
    let mut w = one_vs(
        VirtualServerConfig::new("vs", vec![rs]),
        outages(vec![(other, 3.0, 6.0)]),
    );
    w.run_until(at(10.0));
    assert_eq!(pool_at(&w, at(2.5)), BTreeMap::from([(addr(1), 1)]));
    assert_eq!(pool_at(&w, at(4.5)), BTreeMap::new());
    assert_eq!(pool_at(&w, at(9.0)), BTreeMap::from([(addr(1), 1)]));
}

#[test]
fn server_with_no_checker_is_always_in_the_pool() {
    let mut w = one_vs(
        VirtualServerConfig::new("vs", vec![RealServerConfig::new(addr(1))]),
        outages(vec![]),
    );
    w.run_until(at(100.0));
    assert_eq!(pool_at(&w, at(100.0)), BTreeMap::from([(addr(1), 1)]));
    assert_eq!(w.health.poll_timeout(), None);
}

#[test]
fn dead_server_is_removed_and_comes_back_with_its_weight() {
    let mut w = one_vs(
        VirtualServerConfig::new("vs", vec![server(1, 4), server(2, 2)]),
        outages(vec![(addr(1), 2.5, 5.5)]),
    );
    w.run_until(at(8.0));
    assert_eq!(pool_at(&w, at(3.5)), BTreeMap::from([(addr(2), 2)]));
    assert_eq!(
        pool_at(&w, at(8.0)),
        BTreeMap::from([(addr(1), 4), (addr(2), 2)])
    );
}

#[test]
fn inhibit_on_failure_sets_weight_zero_instead_of_removing() {
    let mut rs = server(1, 4);
    rs.inhibit_on_failure = true;
    let mut w = one_vs(
        VirtualServerConfig::new("vs", vec![rs, server(2, 1)]),
        outages(vec![(addr(1), 2.5, 5.5)]),
    );
    w.run_until(at(8.0));
    let ops: Vec<PoolAction> = w
        .find(|o| match o {
            Output::Pool(p) if p.destination == addr(1) => Some(p.action),
            _ => None,
        })
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        ops,
        vec![
            PoolAction::Add { weight: 4 },
            PoolAction::Reweight { weight: 0 },
            PoolAction::Reweight { weight: 4 },
        ]
    );
}

#[test]
fn notify_hooks_run_when_a_real_server_goes_down_and_up() {
    let mut rs = server(1, 1);
    rs.notify_down = Some("/bin/rs-down".into());
    rs.notify_up = Some("/bin/rs-up".into());
    let mut w = one_vs(
        VirtualServerConfig::new("vs", vec![rs, server(2, 1)]),
        outages(vec![(addr(1), 2.5, 5.5)]),
    );
    w.run_until(at(8.0));
    let ms = Duration::from_millis(1);
    assert_eq!(
        hooks(&w),
        vec![
            (
                at(3.0) + 3 * ms,
                HookKind::NotifyDown,
                "/bin/rs-down".into()
            ),
            (at(6.0) + 6 * ms, HookKind::NotifyUp, "/bin/rs-up".into()),
        ]
    );
}

fn quorum_vs(quorum: u64, hysteresis: u64) -> VirtualServerConfig {
    let mut vs = VirtualServerConfig::new("vs", vec![server(1, 1), server(2, 1), server(3, 1)]);
    vs.quorum = quorum;
    vs.hysteresis = hysteresis;
    vs.quorum_up = Some("/bin/q-up".into());
    vs.quorum_down = Some("/bin/q-down".into());
    vs.sorry_server = Some(SorryServerConfig {
        address: sorry(),
        inhibit: false,
    });
    vs
}

#[test]
fn quorum_lost_puts_the_sorry_server_in_and_takes_live_servers_out() {
    // quorum 2 of 3: server 1 dies at 2.5, server 2 at 4.5 ⇒ 1 live < 2.
    let mut w = one_vs(
        quorum_vs(2, 0),
        outages(vec![(addr(1), 2.5, 1e9), (addr(2), 4.5, 1e9)]),
    );
    w.run_until(at(6.0));
    assert_eq!(
        pool_at(&w, at(4.0)),
        BTreeMap::from([(addr(2), 1), (addr(3), 1)])
    );
    assert_eq!(pool_at(&w, at(6.0)), BTreeMap::from([(sorry(), 1)]));
    assert_eq!(quorum_changes(&w).len(), 1);
    assert!(!quorum_changes(&w)[0].1);
    assert!(
        hooks(&w)
            .iter()
            .any(|(_, k, c)| *k == HookKind::QuorumDown && c == "/bin/q-down")
    );
}

#[test]
fn quorum_regained_removes_the_sorry_server_and_restores_the_pool() {
    let mut w = one_vs(
        quorum_vs(2, 0),
        outages(vec![(addr(1), 2.5, 8.5), (addr(2), 4.5, 1e9)]),
    );
    w.run_until(at(12.0));
    assert_eq!(
        pool_at(&w, at(12.0)),
        BTreeMap::from([(addr(1), 1), (addr(3), 1)])
    );
    let q = quorum_changes(&w);
    assert_eq!(q.iter().map(|c| c.1).collect::<Vec<_>>(), vec![false, true]);
    assert!(
        hooks(&w)
            .iter()
            .any(|(t, k, _)| *k == HookKind::QuorumUp && *t == q[1].0)
    );
}

#[test]
fn hysteresis_widens_the_quorum_band_both_ways() {
    // quorum 2, hysteresis 1: lost below 1 (i.e. at 0), regained at ≥ 3.
    let mut w = one_vs(
        quorum_vs(2, 1),
        outages(vec![
            (addr(1), 2.5, 10.5),
            (addr(2), 4.5, 12.5),
            (addr(3), 6.5, 8.5),
        ]),
    );
    w.run_until(at(16.0));
    let q = quorum_changes(&w);
    // Lost only when all three are down (≈7), regained only when all three are up again
    // (≈13), although 2 live servers (≈11) meet the plain quorum.
    assert_eq!(q.len(), 2);
    assert!(!q[0].1 && q[0].0 > at(7.0) && q[0].0 < at(8.0));
    assert!(q[1].1 && q[1].0 > at(13.0) && q[1].0 < at(14.0));
}

#[test]
fn sorry_server_inhibit_keeps_it_at_weight_zero_while_quorum_holds() {
    let mut vs = quorum_vs(1, 0);
    vs.sorry_server = Some(SorryServerConfig {
        address: sorry(),
        inhibit: true,
    });
    let mut w = one_vs(vs, outages(vec![]));
    w.run_until(at(3.0));
    assert_eq!(pool_at(&w, at(3.0)).get(&sorry()), Some(&0));
}

#[test]
fn quorum_is_not_announced_at_start_up() {
    let mut w = one_vs(quorum_vs(2, 0), outages(vec![]));
    w.run_until(at(5.0));
    assert!(quorum_changes(&w).is_empty());
    assert!(hooks(&w).is_empty());
}

#[test]
fn same_inputs_give_the_same_outputs() {
    let run = || {
        let mut w = one_vs(
            quorum_vs(2, 0),
            outages(vec![(addr(1), 2.5, 8.5), (addr(2), 4.5, 9.5)]),
        );
        w.run_until(at(20.0));
        w.timeline()
    };
    assert_eq!(run(), run());
}

#[test]
fn pool_timeline_real_server_dies_quorum_lost_sorry_server_in_and_back() {
    let mut w = one_vs(
        quorum_vs(2, 0),
        outages(vec![(addr(1), 2.5, 8.5), (addr(2), 4.5, 1e9)]),
    );
    w.run_until(at(10.0));
    let timeline: String = w
        .timeline()
        .lines()
        .filter(|l| !l.contains(" probe "))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(timeline);
}

#[test]
fn shutdown_empties_the_pool_cancels_probes_and_stops_the_timers() {
    let mut w = one_vs(quorum_vs(2, 0), Box::new(|_, _| None)); // probes hang
    w.run_until(at(1.2));
    w.health.shutdown(at(1.2));
    let mut cancels = 0;
    let mut removed = Vec::new();
    while let Some(o) = w.health.poll_output() {
        match o {
            Output::CancelProbe(_) => cancels += 1,
            Output::Pool(p) => {
                assert_eq!(p.action, PoolAction::Remove);
                removed.push(p.destination);
            }
            Output::RunHook(h) => panic!("no hook without omega: {h:?}"),
            _ => {}
        }
    }
    assert_eq!(cancels, 3, "one running probe per server");
    assert_eq!(removed, vec![addr(1), addr(2), addr(3)]);
    assert_eq!(w.health.poll_timeout(), None);
}

#[test]
fn omega_shutdown_runs_notify_down_and_quorum_down() {
    let mut vs = quorum_vs(2, 0);
    vs.omega = true;
    for rs in &mut vs.real_servers {
        rs.notify_down = Some(format!("/bin/down {}", rs.address));
    }
    let mut w = one_vs(vs, outages(vec![]));
    w.run_until(at(3.0));
    w.health.shutdown(at(3.0));
    let mut hooks = Vec::new();
    let mut quorum = Vec::new();
    while let Some(o) = w.health.poll_output() {
        match o {
            Output::RunHook(h) => hooks.push(h.command),
            Output::Quorum(q) => quorum.push(q.up),
            _ => {}
        }
    }
    // Live weight 3 → 2 (still ≥ 2) → 1 (< 2: quorum lost) → 0.
    assert_eq!(
        hooks,
        vec![
            "/bin/down 192.0.2.1:80",
            "/bin/down 192.0.2.2:80",
            "/bin/q-down",
            "/bin/down 192.0.2.3:80",
        ]
    );
    assert_eq!(quorum, vec![false]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// After any history of outages: the pool the driver was told to build is exactly what
    /// liveness, inhibit, quorum and the sorry server say, and quorum respects its band.
    #[test]
    fn pool_always_matches_liveness_quorum_and_sorry_server(
        weights in proptest::collection::vec(1u32..4, 1..5),
        inhibit in proptest::collection::vec(proptest::bool::ANY, 5),
        quorum in 1u64..8,
        hysteresis in 0u64..3,
        with_sorry in proptest::bool::ANY,
        outages_plan in proptest::collection::vec((0usize..5, 0u32..30, 1u32..10), 0..8),
    ) {
        let servers: Vec<RealServerConfig> = weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let mut rs = server(i as u8 + 1, *w);
                rs.inhibit_on_failure = inhibit[i];
                rs
            })
            .collect();
        let n = servers.len();
        let mut vs = VirtualServerConfig::new("vs", servers);
        vs.quorum = quorum;
        vs.hysteresis = hysteresis;
        if with_sorry {
            vs.sorry_server = Some(SorryServerConfig { address: sorry(), inhibit: false });
        }
        let plan: Vec<(SocketAddr, f64, f64)> = outages_plan
            .iter()
            .filter(|(i, _, _)| *i < n)
            .map(|(i, from, len)| (addr(*i as u8 + 1), f64::from(*from), f64::from(from + len)))
            .collect();
        let mut w = one_vs(vs, outages(plan));
        for t in (0..40).map(|s| at(f64::from(s) + 0.25)) {
            w.run_until(t);
            let status = &w.health.virtual_servers()[0];
            let live: u64 = status
                .real_servers
                .iter()
                .filter(|r| r.alive)
                .map(|r| u64::from(r.weight))
                .sum();
            proptest::prop_assert_eq!(live, status.live_weight);
            if live >= quorum + hysteresis {
                proptest::prop_assert!(status.quorum_up, "live {} at {}", live, t);
            }
            if live == 0 || live < quorum.saturating_sub(hysteresis) {
                proptest::prop_assert!(!status.quorum_up, "live {} at {}", live, t);
            }
            let sorry_in = with_sorry && !status.quorum_up;
            let mut expected = BTreeMap::new();
            for (rs, inhibited) in status.real_servers.iter().zip(&inhibit) {
                if rs.alive && !sorry_in {
                    expected.insert(rs.address, rs.weight);
                } else if *inhibited {
                    expected.insert(rs.address, 0);
                }
            }
            if sorry_in {
                expected.insert(sorry(), 1);
            }
            proptest::prop_assert_eq!(pool_at(&w, t), expected);
        }
    }
}
