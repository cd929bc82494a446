//! Health checks in the simulator: a load-balancer host runs `core::check::Health` against
//! simulated HTTP/TCP backends on turmoil hosts that are stopped, started, slowed past the
//! timeout or made to answer 500.

use std::net::SocketAddr;
use std::time::Duration;
use vrrplab_core::check::{
    CheckerConfig, FailureReason, HealthConfig, Output, ProbeAction, RealServerConfig,
    SorryServerConfig, UrlCheck, VirtualServerConfig,
};
use vrrplab_core::vrrp::TrackScriptConfig;
use vrrplab_sim::backends::{
    BackendControl, BackendKind, HealthRecord, ScriptBehaviour, ScriptOutcomes, run_health, serve,
};

const SEED: u64 = 6;

/// Seed, tick, latency and epoch always explicit (turmoil's defaults break timing).
fn sim_builder() -> turmoil::Builder {
    let mut b = turmoil::Builder::new();
    b.rng_seed(SEED)
        .tick_duration(Duration::from_millis(1))
        .min_message_latency(Duration::from_millis(1))
        .max_message_latency(Duration::from_millis(1))
        .epoch(std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        .simulation_duration(Duration::from_secs(3600));
    b
}

fn run_until(sim: &mut turmoil::Sim<'_>, t: f64) {
    let until = Duration::from_secs_f64(t);
    while sim.elapsed() < until {
        sim.step()
            .unwrap_or_else(|e| panic!("simulation failed (seed {SEED}): {e}"));
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Registers an HTTP backend host on port 80 and returns its control and address.
fn http_backend(sim: &mut turmoil::Sim<'_>, name: &str) -> (BackendControl, SocketAddr) {
    let control = BackendControl::new();
    let c = control.clone();
    sim.host(name, move || serve(c.clone(), 80, BackendKind::Http));
    (control, SocketAddr::new(sim.lookup(name), 80))
}

fn http_check(address: SocketAddr) -> CheckerConfig {
    let mut c = CheckerConfig::http(address, vec![UrlCheck::new("/health")]);
    c.delay_loop = secs(5.0);
    c.retry = 2;
    c.delay_before_retry = secs(1.0);
    c.connect_timeout = secs(2.0);
    c
}

fn real_server(address: SocketAddr) -> RealServerConfig {
    let mut rs = RealServerConfig::new(address);
    rs.checkers = vec![http_check(address)];
    rs
}

fn start_director(sim: &mut turmoil::Sim<'_>, config: HealthConfig) -> HealthRecord {
    start_director_with_scripts(sim, config, ScriptOutcomes::new())
}

fn start_director_with_scripts(
    sim: &mut turmoil::Sim<'_>,
    config: HealthConfig,
    scripts: ScriptOutcomes,
) -> HealthRecord {
    let record = HealthRecord::new();
    let r = record.clone();
    sim.host("lvs", move || {
        run_health(config.clone(), scripts.clone(), r.clone())
    });
    record
}

/// Times at which `address` was removed from / added to the pool.
fn pool_changes(record: &HealthRecord, address: SocketAddr) -> Vec<(Duration, bool)> {
    record.find(|o| match o {
        Output::Pool(p) if p.destination == address => {
            Some(!matches!(p.action, vrrplab_core::check::PoolAction::Remove))
        }
        _ => None,
    })
}

/// Start times of HTTP probes to `address`.
fn probes_to(record: &HealthRecord, address: SocketAddr) -> Vec<Duration> {
    record
        .find(|o| match o {
            Output::StartProbe(p) => match &p.action {
                ProbeAction::HttpGet { address: a, .. } if *a == address => Some(()),
                _ => None,
            },
            _ => None,
        })
        .into_iter()
        .map(|(t, ())| t)
        .collect()
}

fn down_reasons(record: &HealthRecord) -> Vec<FailureReason> {
    record
        .find(|o| match o {
            Output::Checker(c) if !c.up => c.reason.clone(),
            _ => None,
        })
        .into_iter()
        .map(|(_, r)| r)
        .collect()
}

#[test]
fn real_server_dies_removed_after_the_retries_back_after_one_success() {
    let mut sim = sim_builder().build();
    let (web1, a1) = http_backend(&mut sim, "web1");
    let (_web2, a2) = http_backend(&mut sim, "web2");
    let record = start_director(
        &mut sim,
        HealthConfig {
            virtual_servers: vec![VirtualServerConfig::new(
                "vip:80",
                vec![real_server(a1), real_server(a2)],
            )],
            ..HealthConfig::default()
        },
    );
    run_until(&mut sim, 20.0);
    web1.stop();
    run_until(&mut sim, 40.0);
    web1.start();
    run_until(&mut sim, 60.0);

    let changes = pool_changes(&record, a1);
    assert_eq!(changes.len(), 3, "add, remove, add: {changes:?}");
    let (removed, added) = (changes[1], changes[2]);
    assert!(!removed.1 && added.1);
    // Removed only after the first failure and `retry` = 2 retries 1 s apart …
    let failing: Vec<Duration> = probes_to(&record, a1)
        .into_iter()
        .filter(|t| *t >= secs(20.0) && *t <= removed.0)
        .collect();
    assert_eq!(failing.len(), 3, "1 probe + 2 retries: {failing:?}");
    assert!(removed.0 - failing[0] >= secs(2.0));
    // … and within one delay_loop + the retries of the stop.
    assert!(removed.0 <= secs(20.0 + 5.0 + 2.0 + 0.1), "{removed:?}");
    // Back on the first probe after the restart: exactly one success.
    let after_start: Vec<Duration> = probes_to(&record, a1)
        .into_iter()
        .filter(|t| *t >= secs(40.0) && *t <= added.0)
        .collect();
    assert_eq!(after_start.len(), 1, "{after_start:?}");
    assert!(added.0 <= secs(40.0 + 5.0 + 0.1), "{added:?}");
    // The other server never moved.
    assert_eq!(pool_changes(&record, a2).len(), 1);
}

#[test]
fn backend_slowed_past_connect_timeout_is_removed_as_timed_out() {
    let mut sim = sim_builder().build();
    let (web1, a1) = http_backend(&mut sim, "web1");
    let record = start_director(
        &mut sim,
        HealthConfig {
            virtual_servers: vec![VirtualServerConfig::new("vip:80", vec![real_server(a1)])],
            ..HealthConfig::default()
        },
    );
    run_until(&mut sim, 10.0);
    web1.slow(secs(3.0));
    run_until(&mut sim, 30.0);
    assert_eq!(down_reasons(&record), vec![FailureReason::Timeout]);
    assert_eq!(record.pool_at("vip:80", secs(30.0)).get(&a1), None);
    let cancels = record.find(|o| matches!(o, Output::CancelProbe(_)).then_some(()));
    // 1 probe + 2 retries timed out before the removal, more while down: each is cancelled.
    assert!(cancels.len() >= 3, "{cancels:?}");
}

#[test]
fn backend_answering_500_is_removed_with_its_status() {
    let mut sim = sim_builder().build();
    let (web1, a1) = http_backend(&mut sim, "web1");
    let record = start_director(
        &mut sim,
        HealthConfig {
            virtual_servers: vec![VirtualServerConfig::new("vip:80", vec![real_server(a1)])],
            ..HealthConfig::default()
        },
    );
    run_until(&mut sim, 10.0);
    web1.answer(500);
    run_until(&mut sim, 30.0);
    assert_eq!(down_reasons(&record), vec![FailureReason::Status(500)]);
    web1.answer(200);
    run_until(&mut sim, 40.0);
    assert_eq!(record.pool_at("vip:80", secs(40.0)).get(&a1), Some(&1));
}

#[test]
fn tcp_check_follows_a_stopped_and_restarted_backend() {
    let mut sim = sim_builder().build();
    let control = BackendControl::new();
    let c = control.clone();
    sim.host("db1", move || serve(c.clone(), 5432, BackendKind::Tcp));
    let address = SocketAddr::new(sim.lookup("db1"), 5432);
    let mut check = CheckerConfig::tcp(address);
    check.delay_loop = secs(2.0);
    check.retry = 0;
    let mut rs = RealServerConfig::new(address);
    rs.checkers = vec![check];
    let record = start_director(
        &mut sim,
        HealthConfig {
            virtual_servers: vec![VirtualServerConfig::new("db:5432", vec![rs])],
            ..HealthConfig::default()
        },
    );
    run_until(&mut sim, 5.0);
    control.stop();
    run_until(&mut sim, 10.0);
    control.start();
    run_until(&mut sim, 15.0);
    let changes: Vec<bool> = pool_changes(&record, address)
        .into_iter()
        .map(|(_, up)| up)
        .collect();
    assert_eq!(changes, vec![true, false, true]);
    assert_eq!(down_reasons(&record), vec![FailureReason::ConnectFailed]);
}

fn quorum_world() -> (turmoil::Sim<'static>, Vec<BackendControl>, HealthRecord) {
    let mut sim = sim_builder().build();
    let mut controls = Vec::new();
    let mut servers = Vec::new();
    for name in ["web1", "web2", "web3"] {
        let (c, a) = http_backend(&mut sim, name);
        controls.push(c);
        servers.push(real_server(a));
    }
    let (_sorry, sorry_address) = http_backend(&mut sim, "sorry");
    let mut vs = VirtualServerConfig::new("vip:80", servers);
    vs.quorum = 2;
    vs.quorum_up = Some("/usr/local/bin/quorum-up".into());
    vs.quorum_down = Some("/usr/local/bin/quorum-down".into());
    vs.sorry_server = Some(SorryServerConfig {
        address: sorry_address,
        inhibit: false,
    });
    let record = start_director(
        &mut sim,
        HealthConfig {
            virtual_servers: vec![vs],
            ..HealthConfig::default()
        },
    );
    (sim, controls, record)
}

#[test]
fn quorum_lost_puts_the_sorry_server_in_and_regained_takes_it_out() {
    let (mut sim, webs, record) = quorum_world();
    let sorry = SocketAddr::new(sim.lookup("sorry"), 80);
    run_until(&mut sim, 10.0);
    webs[0].stop();
    webs[1].stop();
    run_until(&mut sim, 30.0);
    let pool = record.pool_at("vip:80", secs(30.0));
    assert_eq!(pool.keys().copied().collect::<Vec<_>>(), vec![sorry]);
    webs[0].start();
    run_until(&mut sim, 45.0);
    let pool = record.pool_at("vip:80", secs(45.0));
    assert!(!pool.contains_key(&sorry));
    assert_eq!(pool.len(), 2);
    insta::assert_snapshot!(record.timeline());
}

#[test]
fn vrrp_script_flapping_within_rise_fall_never_changes_state() {
    let mut sim = sim_builder().build();
    let scripts = ScriptOutcomes::new();
    scripts.exit("/etc/keepalived/chk_nginx", 0);
    let mut script = TrackScriptConfig::new("chk_nginx", "/etc/keepalived/chk_nginx");
    script.rise = 3;
    script.fall = 3;
    let record = start_director_with_scripts(
        &mut sim,
        HealthConfig {
            scripts: vec![script],
            ..HealthConfig::default()
        },
        scripts.clone(),
    );
    // Fails 2 s, works 1 s, fails 2 s …: never 3 failures in a row.
    for cycle in 0..10 {
        let t = 2.5 + 3.0 * cycle as f64;
        run_until(&mut sim, t);
        scripts.exit("/etc/keepalived/chk_nginx", 1);
        run_until(&mut sim, t + 2.0);
        scripts.exit("/etc/keepalived/chk_nginx", 0);
    }
    run_until(&mut sim, 35.0);
    let results = record.find(|o| match o {
        Output::ScriptResult(r) => Some(r.up),
        _ => None,
    });
    assert_eq!(results.len(), 1, "only the first result: {results:?}");
    assert!(results[0].1);
}

#[test]
fn gateway_reachability_script_fails_while_the_gateway_is_partitioned() {
    let mut sim = sim_builder().build();
    let gw = BackendControl::new();
    let g = gw.clone();
    sim.host("gateway", move || serve(g.clone(), 7, BackendKind::Tcp));
    let gateway = SocketAddr::new(sim.lookup("gateway"), 7);
    let scripts = ScriptOutcomes::new();
    scripts.set("ping-gw", ScriptBehaviour::Reach { address: gateway });
    let mut script = TrackScriptConfig::new("chk_gw", "ping-gw");
    script.fall = 2;
    script.rise = 2;
    let record = start_director_with_scripts(
        &mut sim,
        HealthConfig {
            scripts: vec![script],
            ..HealthConfig::default()
        },
        scripts,
    );
    run_until(&mut sim, 5.0);
    sim.partition("lvs", "gateway");
    run_until(&mut sim, 10.0);
    sim.repair("lvs", "gateway");
    run_until(&mut sim, 15.0);
    let results: Vec<(Duration, bool)> = record.find(|o| match o {
        Output::ScriptResult(r) => Some(r.up),
        _ => None,
    });
    let ups: Vec<bool> = results.iter().map(|r| r.1).collect();
    assert_eq!(ups, vec![true, false, true], "{results:?}");
    // Down after 2 timed-out runs (timeout = interval = 1 s), up after 2 successes.
    assert!(results[1].0 > secs(5.0) && results[1].0 <= secs(8.0));
    assert!(results[2].0 > secs(10.0) && results[2].0 <= secs(14.0));
}

// ---- vrrp_script tracking in the VRRP simulator (the world's driver applies rise/fall) ----

mod vrrp_tracking {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;
    use vrrplab_core::node::NodeConfig;
    use vrrplab_core::vrrp::{InstanceConfig, State, TrackRef, TrackScriptConfig};
    use vrrplab_sim::observe::EventKind;
    use vrrplab_sim::{
        Fault, FaultAction, NodeSpec, RunRecord, Scenario, analyse, analysis::Analysis, run,
    };

    fn node(name: &str, octet: u8, priority: u8) -> NodeSpec {
        let mut instance = InstanceConfig::new(
            "VI_1",
            "eth0",
            51,
            &[IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))],
        );
        instance.priority = priority;
        instance.track_scripts = vec![TrackRef {
            name: "chk_nginx".into(),
            weight: None,
        }];
        let mut script = TrackScriptConfig::new("chk_nginx", "pidof nginx");
        script.weight = -20;
        script.fall = 3;
        script.rise = 2;
        NodeSpec::new(
            name,
            Ipv4Addr::new(192, 0, 2, octet),
            NodeConfig {
                router_id: name.to_uppercase(),
                instances: vec![instance],
                scripts: vec![script],
                ..NodeConfig::default()
            },
        )
    }

    /// a (100) and b (90) both track chk_nginx (weight −20, fall 3, rise 2, interval 1 s).
    fn pair(faults: Vec<(f64, bool)>, duration: f64) -> (Scenario, RunRecord, Analysis) {
        let mut sc = Scenario::new("nginx pair", vec![node("a", 11, 100), node("b", 12, 90)]);
        sc.settings.duration = Duration::from_secs_f64(duration);
        for (at, ok) in faults {
            sc.faults.push(Fault {
                at: Duration::from_secs_f64(at),
                action: FaultAction::Script {
                    node: "a".into(),
                    script: "chk_nginx".into(),
                    ok,
                },
            });
        }
        let record = run(&sc).unwrap_or_else(|e| panic!("seed {}: {e}", sc.settings.seed));
        let analysis = analyse(&sc, &record);
        (sc, record, analysis)
    }

    fn became_master(record: &RunRecord, node: &str) -> Vec<f64> {
        record
            .events
            .iter()
            .filter(|e| e.node == node)
            .filter_map(|e| match &e.kind {
                EventKind::Transition {
                    to: State::Master, ..
                } => Some(e.t.as_secs_f64()),
                _ => None,
            })
            .collect()
    }

    /// v2, 1 s adverts: 3 × 1 s + Skew_Time of priority 90.
    fn master_down_interval_of_b() -> f64 {
        3.0 + (256.0 - 90.0) / 256.0
    }

    #[test]
    fn nginx_dies_on_the_master_vip_moves_within_fall_intervals_plus_master_down_interval() {
        let (sc, record, analysis) = pair(vec![(10.5, false)], 30.0);
        let b: Vec<f64> = became_master(&record, "b");
        let bound = 10.5 + 3.0 * 1.0 + master_down_interval_of_b() + 0.01;
        assert!(
            b.iter().any(|t| *t > 10.5 && *t <= bound),
            "seed {}: b became master at {b:?}, bound {bound}",
            sc.settings.seed
        );
        assert!(analysis.split_brain.is_empty(), "seed {}", sc.settings.seed);
        assert_eq!(
            analysis.final_masters[&51],
            ["b"],
            "seed {}",
            sc.settings.seed
        );
    }

    #[test]
    fn flapping_nginx_within_rise_fall_does_not_flap_the_vip() {
        // Two failed runs, one good run, over and over: never `fall` = 3 failures in a row.
        let mut faults = Vec::new();
        for k in 0..10 {
            let t = 10.5 + 3.0 * f64::from(k);
            faults.push((t, false));
            faults.push((t + 2.0, true));
        }
        let (sc, record, analysis) = pair(faults, 45.0);
        assert_eq!(
            became_master(&record, "a").len(),
            1,
            "seed {}: a left and retook MASTER",
            sc.settings.seed
        );
        assert!(
            became_master(&record, "b").is_empty(),
            "seed {}",
            sc.settings.seed
        );
        assert!(analysis.split_brain.is_empty(), "seed {}", sc.settings.seed);
        assert!(analysis.violations.is_empty(), "seed {}", sc.settings.seed);
    }
}
