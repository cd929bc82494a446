//! `vrrp_script` tracking end to end on the virtual clock: each host runs a
//! `check::Health` whose script transitions feed its `Node` (`handle_script_result`), on a
//! `lan::Lan`. Scripts are answered by a model of the host's services.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use vrrplab_core::Instant;
use vrrplab_core::check::{Health, HealthConfig, Output, ProbeId, ProbeResult};
use vrrplab_core::lan::{Lan, host_config};
use vrrplab_core::vrrp::{InstanceConfig, State, TrackRef, TrackScriptConfig};

/// What a script run on `host` started at `now` returns: `(run time, result)`, `None` = hangs.
type ScriptModel = Box<dyn FnMut(usize, Instant) -> Option<(Duration, ProbeResult)>>;

/// A Lan whose hosts each also run a `Health`; script results go to the host's node.
struct TrackedLan {
    lan: Lan,
    health: Vec<Health>,
    model: ScriptModel,
    pending: Vec<(Instant, u64, usize, ProbeId, ProbeResult)>,
    seq: u64,
    /// (at, host, up) of every script transition.
    script_results: Vec<(Instant, usize, bool)>,
}

impl TrackedLan {
    fn new(hosts: Vec<(u8, TrackScriptConfig)>, model: ScriptModel) -> Self {
        let mut lan = Lan::new(1);
        let mut health = Vec::new();
        for (i, (priority, script)) in hosts.into_iter().enumerate() {
            let name = format!("h{}", i + 1);
            let mut instance = InstanceConfig::new("VI_1", "eth0", 51, &[vip()]);
            instance.priority = priority;
            instance.track_scripts = vec![TrackRef {
                name: script.name.clone(),
                weight: None,
            }];
            let mut config = host_config(
                &name,
                Ipv4Addr::new(192, 0, 2, 11 + i as u8),
                vec![instance],
            );
            config.scripts = vec![script.clone()];
            lan.add_host(&name, config);
            health.push(Health::new(
                HealthConfig {
                    scripts: vec![script],
                    ..HealthConfig::default()
                },
                Instant::ZERO,
            ));
        }
        let mut world = TrackedLan {
            lan,
            health,
            model,
            pending: Vec::new(),
            seq: 0,
            script_results: Vec::new(),
        };
        world.drain_all();
        world
    }

    fn drain_all(&mut self) {
        let now = self.lan.now();
        for host in 0..self.health.len() {
            while let Some(output) = self.health[host].poll_output() {
                match output {
                    Output::StartProbe(probe) => {
                        if let Some((after, result)) = (self.model)(host, now) {
                            self.pending
                                .push((now + after, self.seq, host, probe.id, result));
                            self.seq += 1;
                        }
                    }
                    Output::ScriptResult(r) => {
                        self.script_results.push((now, host, r.up));
                        self.lan.set_script(host, &r.script, r.up);
                    }
                    _ => {}
                }
            }
        }
    }

    fn next_check_event(&self) -> Option<Instant> {
        let results = self.pending.iter().map(|p| p.0);
        let timers = self.health.iter().filter_map(Health::poll_timeout);
        results.chain(timers).min()
    }

    fn run_until(&mut self, end: Instant) {
        while let Some(next) = self.next_check_event().filter(|t| *t <= end) {
            self.lan.run_until(next);
            let mut due: Vec<_> = self
                .pending
                .iter()
                .filter(|p| p.0 <= next)
                .cloned()
                .collect();
            due.sort_by_key(|p| (p.0, p.1));
            self.pending.retain(|p| p.0 > next);
            for (_, _, host, id, result) in due {
                self.health[host].handle_probe_result(next, id, result);
                self.drain_all();
            }
            for host in 0..self.health.len() {
                if self.health[host].poll_timeout().is_some_and(|t| t <= next) {
                    self.health[host].handle_timeout(next);
                }
            }
            self.drain_all();
        }
        self.lan.run_until(end);
    }

    fn holder(&self, at: Instant) -> Vec<usize> {
        self.lan
            .history()
            .holders_at(vip(), at)
            .into_iter()
            .collect()
    }
}

fn vip() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))
}

fn at(secs: f64) -> Instant {
    Instant::from_duration(Duration::from_secs_f64(secs))
}

fn chk_nginx(weight: i32, rise: u32, fall: u32) -> TrackScriptConfig {
    let mut s = TrackScriptConfig::new("chk_nginx", "pidof nginx");
    s.interval = Duration::from_secs(2);
    s.timeout = Duration::from_secs(2);
    s.weight = weight;
    s.rise = rise;
    s.fall = fall;
    s
}

/// nginx runs on every host except `host` during `[from, to)`; a check takes 10 ms.
fn nginx_dies(dead: usize, from: f64, to: f64) -> ScriptModel {
    Box::new(move |host, now| {
        let down = host == dead && now >= at(from) && now < at(to);
        Some((
            Duration::from_millis(10),
            ProbeResult::Exited(i32::from(down)),
        ))
    })
}

/// v2, advert_int 1 s, priority 90 on the backup: 3 × 1 s + (256 − 90)/256 s.
fn master_down_interval(backup_priority: u8) -> Duration {
    Duration::from_secs(3)
        + Duration::from_secs_f64(f64::from(256 - u32::from(backup_priority)) / 256.0)
}

#[test]
fn nginx_dies_on_the_master_weight_zero_fault_moves_the_vip_within_fall_intervals() {
    // fall 3 × interval 2 s; weight 0 ⇒ FAULT ⇒ priority 0 ⇒ the backup waits Skew_Time only.
    let mut w = TrackedLan::new(
        vec![(100, chk_nginx(0, 2, 3)), (90, chk_nginx(0, 2, 3))],
        nginx_dies(0, 20.0, 1e9),
    );
    w.run_until(at(19.9));
    assert_eq!(w.holder(at(19.9)), vec![0]);
    w.run_until(at(40.0));
    let fault = w
        .lan
        .history()
        .first_entry(0, "VI_1", State::Fault, at(20.0))
        .expect("master went to FAULT");
    let taken = w
        .lan
        .history()
        .first_entry(1, "VI_1", State::Master, at(20.0))
        .expect("backup took over");
    let bound = at(20.0) + 3 * Duration::from_secs(2) + master_down_interval(90);
    assert!(taken <= bound, "took over at {taken}, bound {bound}");
    assert!(
        fault >= at(20.0) + 2 * Duration::from_secs(2),
        "needs fall failures"
    );
    assert!(
        taken - fault < Duration::from_secs(1),
        "priority 0 ⇒ Skew_Time"
    );
    assert_eq!(w.holder(at(40.0)), vec![1]);
}

#[test]
fn nginx_dies_on_the_master_negative_weight_moves_the_vip_within_fall_intervals_plus_master_down() {
    // 100 − 20 = 80 < 90: the backup stops accepting the master's adverts and takes over.
    let mut w = TrackedLan::new(
        vec![(100, chk_nginx(-20, 2, 3)), (90, chk_nginx(-20, 2, 3))],
        nginx_dies(0, 20.0, 1e9),
    );
    w.run_until(at(40.0));
    let taken = w
        .lan
        .history()
        .first_entry(1, "VI_1", State::Master, at(20.0))
        .expect("backup took over");
    let bound = at(20.0) + 3 * Duration::from_secs(2) + master_down_interval(90);
    assert!(taken <= bound, "took over at {taken}, bound {bound}");
    assert_eq!(w.lan.state(0, "VI_1"), Some(State::Backup));
    assert_eq!(
        w.lan.node(0).map(|n| n.instances()[0].effective_priority),
        Some(80)
    );
}

#[test]
fn flapping_nginx_within_rise_fall_does_not_flap_the_vip() {
    // Down 2 runs out of 3 (fall 3 never reached): the master keeps the VIP throughout.
    let mut w = TrackedLan::new(
        vec![(100, chk_nginx(0, 2, 3)), (90, chk_nginx(0, 2, 3))],
        Box::new(|host, now| {
            let run = now.as_duration().as_secs() / 2;
            let down = host == 0 && run >= 5 && run % 3 != 0;
            Some((
                Duration::from_millis(10),
                ProbeResult::Exited(i32::from(down)),
            ))
        }),
    );
    w.run_until(at(120.0));
    let transitions = w.lan.history().transitions();
    assert!(
        transitions.iter().all(|t| t.0 < at(5.0)),
        "no transition after start-up: {transitions:?}"
    );
    assert_eq!(w.holder(at(120.0)), vec![0]);
    assert!(w.script_results.iter().all(|r| r.2), "never reported down");
}

#[test]
fn nginx_back_after_rise_successes_the_master_preempts_again() {
    let mut w = TrackedLan::new(
        vec![(100, chk_nginx(0, 2, 3)), (90, chk_nginx(0, 2, 3))],
        nginx_dies(0, 20.0, 40.0),
    );
    w.run_until(at(60.0));
    let up_again = w
        .script_results
        .iter()
        .find(|r| r.1 == 0 && r.2 && r.0 > at(40.0))
        .map(|r| r.0)
        .expect("script came back");
    // rise 2: runs at 40 and 42 succeed ⇒ up at 42.01.
    assert_eq!(up_again, at(42.01));
    let back = w
        .lan
        .history()
        .first_entry(0, "VI_1", State::Master, at(40.0))
        .expect("preempted back");
    assert!(back - up_again <= master_down_interval(100));
    assert_eq!(w.holder(at(60.0)), vec![0]);
}

#[test]
fn hung_check_script_times_out_and_moves_the_vip() {
    let mut w = TrackedLan::new(
        vec![(100, chk_nginx(0, 1, 2)), (90, chk_nginx(0, 1, 2))],
        Box::new(|host, now| {
            if host == 0 && now >= at(20.0) {
                None // hangs: only the timeout ends it
            } else {
                Some((Duration::from_millis(10), ProbeResult::Exited(0)))
            }
        }),
    );
    w.run_until(at(40.0));
    assert_eq!(w.holder(at(40.0)), vec![1]);
    assert!(w.health[0].stats().probe_timeouts >= 2);
}

#[test]
fn gateway_arbitration_keeps_the_cut_off_backup_out_of_master() {
    // Both track a gateway ping (fall 2, interval 1 s, weight 0). At 10.5 s the backup's link
    // fails: it loses the master's adverts *and* the gateway, so its ping fails and it goes to
    // FAULT before its Master_Down timer would have made it a second master.
    let mut ping = TrackScriptConfig::new("chk_gw", "ping -c1 -W1 192.0.2.1");
    ping.fall = 2;
    ping.rise = 2;
    ping.timeout = Duration::from_secs(2);
    let mut w = TrackedLan::new(
        vec![(100, ping.clone()), (90, ping)],
        Box::new(|host, now| {
            let cut_off = host == 1 && now >= at(10.5);
            Some(if cut_off {
                (Duration::from_millis(500), ProbeResult::Exited(1))
            } else {
                (Duration::from_millis(5), ProbeResult::Exited(0))
            })
        }),
    );
    w.run_until(at(10.5));
    w.lan.isolate(1);
    w.run_until(at(30.0));
    assert_eq!(w.lan.state(1, "VI_1"), Some(State::Fault));
    let masters_1 = w
        .lan
        .history()
        .first_entry(1, "VI_1", State::Master, at(10.5));
    assert_eq!(masters_1, None, "the cut-off backup never became master");
    assert_eq!(w.holder(at(30.0)), vec![0]);
}

#[test]
fn without_gateway_arbitration_the_cut_off_backup_becomes_a_second_master() {
    // Same cut, but the backup's ping still succeeds (its gateway link is fine): split brain.
    let mut ping = TrackScriptConfig::new("chk_gw", "ping -c1 -W1 192.0.2.1");
    ping.fall = 2;
    ping.rise = 2;
    ping.timeout = Duration::from_secs(2);
    let mut w = TrackedLan::new(
        vec![(100, ping.clone()), (90, ping)],
        Box::new(|_, _| Some((Duration::from_millis(5), ProbeResult::Exited(0)))),
    );
    w.run_until(at(10.5));
    w.lan.isolate(1);
    w.run_until(at(30.0));
    assert_eq!(w.holder(at(30.0)), vec![0, 1]);
}

#[test]
fn node_running_its_own_scripts_goes_to_fault_after_fall_failed_runs() {
    use vrrplab_core::node::{Node, Output as NodeOutput};
    let mut instance = InstanceConfig::new("VI_1", "eth0", 51, &[vip()]);
    instance.track_scripts = vec![TrackRef {
        name: "chk_nginx".into(),
        weight: None,
    }];
    let mut config = host_config("h1", Ipv4Addr::new(192, 0, 2, 11), vec![instance]);
    config.scripts = vec![chk_nginx(0, 1, 2)];
    let mut node = Node::new(config, Instant::ZERO);
    node.run_scripts(Instant::ZERO);
    let mut now = Instant::ZERO;
    let mut starts = Vec::new();
    while now < at(10.0) {
        while let Some(o) = node.poll_output() {
            if let NodeOutput::StartProbe(p) = o {
                starts.push(now);
                node.handle_probe_result(now, p.id, ProbeResult::Exited(1));
            }
        }
        let Some(next) = node.poll_timeout() else {
            break;
        };
        now = next;
        node.handle_timeout(now);
    }
    assert_eq!(starts[..3], [at(0.0), at(2.0), at(4.0)]);
    assert_eq!(node.instances()[0].state, State::Fault);
}
