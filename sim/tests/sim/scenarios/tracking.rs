//! Tracking: gateway arbitration, track scripts, sync groups, lossy links.

use super::helpers::*;
use std::net::{IpAddr, Ipv4Addr};
use vrrplab_core::vrrp::{Preempt, SyncGroupConfig, TrackRef, TrackScriptConfig};
use vrrplab_sim::FaultAction::*;
use vrrplab_sim::Scenario;

/// The unicast pair of `testdata/corpus/configs/unicast-gateway-arbiter.conf`: nopreempt, unicast
/// peers, a weight-0 `check_gateway` script (interval 1 s, timeout 1 s, fall 3, rise 2) on
/// both nodes.
fn gateway_pair(tracking: bool) -> Scenario {
    gateway_pair_with(tracking, 1.0, 3)
}

fn gateway_pair_with(tracking: bool, timeout: f64, fall: u32) -> Scenario {
    let mut sc = cluster("gateway arbiter", &[110, 100]);
    sc.gateway = tracking;
    let addrs = [Ipv4Addr::new(192, 0, 2, 11), Ipv4Addr::new(192, 0, 2, 12)];
    for (k, n) in sc.nodes.iter_mut().enumerate() {
        let i = &mut n.config.instances[0];
        i.vrid = 60;
        i.preempt = Preempt::Disabled;
        i.unicast_peers = vec![IpAddr::V4(addrs[1 - k])];
        i.source_address = Some(IpAddr::V4(addrs[k]));
        if tracking {
            let mut script = TrackScriptConfig::new(
                "check_gateway",
                "/usr/local/bin/check_gateway.sh 192.0.2.1",
            );
            script.fall = fall;
            script.rise = 2;
            script.timeout = s(timeout);
            n.config.scripts = vec![script];
            i.track_scripts = vec![TrackRef {
                name: "check_gateway".into(),
                weight: None,
            }];
            n.gateway_script = Some("check_gateway".into());
        }
    }
    sc
}

#[test]
fn gateway_tracking_prevents_split_brain() {
    // A check that fails faster than Master_Down_Interval (3.6 s): timeout 0.5 s, fall 2 ⇒
    // FAULT 1.5 s after the cut.
    let mut sc = gateway_pair_with(true, 0.5, 2);
    at(&mut sc, 10.0, Isolate("b".into()));
    at(&mut sc, 25.0, HealAll);
    let o = run_scenario(sc);
    assert!(o.analysis.split_brain.is_empty(), "{}", o.ctx());
    let b_master: Vec<f64> = o.became_master("b", 60);
    assert!(
        b_master.is_empty(),
        "b took the VIP while cut off: {b_master:?}{}",
        o.ctx()
    );
    assert_eq!(o.analysis.final_masters[&60], ["a"], "{}", o.ctx());
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn corpus_arbiter_timing_lets_a_short_split_brain_through() {
    // The corpus config (interval 1, timeout 1, fall 3): a timed-out run makes the next one be
    // skipped, so the third failure lands 5 s after the cut — after b's Master_Down_Interval.
    let mut sc = gateway_pair(true);
    at(&mut sc, 10.0, Isolate("b".into()));
    at(&mut sc, 25.0, HealAll);
    let o = run_scenario(sc);
    assert_eq!(o.analysis.split_brain.len(), 1, "{}", o.ctx());
    let sb = &o.analysis.split_brain[0];
    let end = sb.end.unwrap_or_else(|| panic!("not healed{}", o.ctx()));
    assert!(sb.start >= 13.0 && end <= 15.0 + TOL, "{}", o.ctx());
    o.assert_invariants();
}

#[test]
fn isolation_without_gateway_tracking_splits_the_brain() {
    let mut sc = gateway_pair(false);
    at(&mut sc, 10.0, Isolate("b".into()));
    at(&mut sc, 25.0, HealAll);
    let o = run_scenario(sc);
    assert_eq!(o.analysis.split_brain.len(), 1, "{}", o.ctx());
    assert!(o.analysis.split_brain[0].end.is_some(), "{}", o.ctx());
}

#[test]
fn failing_track_script_moves_vip() {
    let mut sc = cluster("track script", &[100, 90]);
    let mut script = TrackScriptConfig::new("chk_nginx", "/usr/bin/pgrep nginx");
    script.weight = -20;
    script.fall = 2;
    script.rise = 2;
    sc.nodes[0].config.scripts = vec![script];
    sc.nodes[0].config.instances[0].track_scripts = vec![TrackRef {
        name: "chk_nginx".into(),
        weight: None,
    }];
    at(
        &mut sc,
        10.0,
        vrrplab_sim::FaultAction::Script {
            node: "a".into(),
            script: "chk_nginx".into(),
            ok: false,
        },
    );
    at(
        &mut sc,
        25.0,
        vrrplab_sim::FaultAction::Script {
            node: "a".into(),
            script: "chk_nginx".into(),
            ok: true,
        },
    );
    let o = run_scenario(sc);
    // fall 2 at a 1 s interval: a's priority drops to 80 by 12 s; b (90) stops resetting its
    // timer on a's lower-priority adverts and takes over within its Master_Down_Interval.
    let b = o
        .master_after("b", 10.0)
        .unwrap_or_else(|| panic!("b never took over{}", o.ctx()));
    assert!(
        b <= 12.0 + mdi_v2(90) + TOL,
        "b took over at {b}{}",
        o.ctx()
    );
    let a = o
        .master_after("a", 25.0)
        .unwrap_or_else(|| panic!("a never took back{}", o.ctx()));
    assert!(
        a <= 27.0 + mdi_v2(100) + TOL,
        "a took back at {a}{}",
        o.ctx()
    );
    assert!(o.analysis.split_brain.is_empty(), "{}", o.ctx());
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn sync_group_members_move_together() {
    let mk = |prio: u8| {
        let mut v1 = instance(prio);
        let mut v2 = instance(prio);
        v2.name = "VI_2".into();
        v2.interface = "eth1".into();
        v2.vrid = 52;
        v2.virtual_addresses[0].address = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));
        v1.name = "VI_1".into();
        vec![v1, v2]
    };
    let mut sc = Scenario::new(
        "sync group",
        vec![node("a", 11, mk(100)), node("b", 12, mk(99))],
    );
    for n in &mut sc.nodes {
        n.config.sync_groups = vec![SyncGroupConfig {
            name: "G1".into(),
            members: vec!["VI_1".into(), "VI_2".into()],
            ..SyncGroupConfig::default()
        }];
    }
    sc.settings.duration = s(35.0);
    at(
        &mut sc,
        10.0,
        InterfaceDown {
            node: "a".into(),
            interface: "eth1".into(),
        },
    );
    at(
        &mut sc,
        20.0,
        InterfaceUp {
            node: "a".into(),
            interface: "eth1".into(),
        },
    );
    let o = run_scenario(sc);
    for vrid in [51, 52] {
        let b = o.became_master("b", vrid);
        assert!(
            b.iter()
                .any(|t| *t >= 10.0 && *t <= 10.0 + mdi_v2(99) + TOL),
            "b did not take VRID {vrid} with the group: {b:?}{}",
            o.ctx()
        );
    }
    assert_eq!(o.analysis.final_masters[&51], ["a"], "{}", o.ctx());
    assert_eq!(o.analysis.final_masters[&52], ["a"], "{}", o.ctx());
    assert!(o.analysis.split_brain.is_empty(), "{}", o.ctx());
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn lossy_link_flap_count() {
    // Flaps per hour (entries into MASTER by the backup) at 10/30/60 % loss, 10 simulated
    // minutes each with a 10 ms tick.
    let mut report = String::new();
    let mut previous = 0.0;
    for percent in [10u8, 30, 60] {
        let mut sc = cluster("lossy link", &[100, 99]);
        sc.settings.duration = s(600.0);
        sc.settings.tick = s(0.01);
        sc.settings.record_packets = false;
        at(
            &mut sc,
            10.0,
            Loss {
                link: None,
                percent,
            },
        );
        let o = run_scenario(sc);
        let flaps = o.analysis.master_entries.get("b").copied().unwrap_or(0);
        let per_hour = flaps as f64 * 3600.0 / 590.0;
        report.push_str(&format!(
            "{percent}% loss: {flaps} backup takeovers in 590 s = {per_hour:.0} per hour; {} split-brain intervals\n",
            o.analysis.split_brain.len()
        ));
        assert!(per_hour >= previous, "flaps fell as loss rose{}", report);
        previous = per_hour;
    }
    assert!(previous > 0.0, "{report}");
    insta::assert_snapshot!(report);
}

#[test]
fn slow_master_clock_and_fast_backup_clock_cause_takeovers() {
    // a's timers run at half speed (adverts every 2 s of real time), b's at double speed
    // (Master_Down_Interval 3.6 s of its clock = 1.8 s real): b keeps timing a out.
    let mut sc = cluster("clock drift", &[100, 99]);
    at(
        &mut sc,
        10.0,
        Drift {
            node: "a".into(),
            rate: 0.5,
        },
    );
    at(
        &mut sc,
        10.0,
        Drift {
            node: "b".into(),
            rate: 2.0,
        },
    );
    let o = run_scenario(sc);
    let b = o.became_master("b", 51);
    assert!(
        b.iter().any(|t| *t > 10.0),
        "b never timed a out: {b:?}{}",
        o.ctx()
    );
    assert!(
        !o.analysis.split_brain.is_empty() || o.analysis.handover_overlaps > 0,
        "{}",
        o.ctx()
    );
    assert!(
        o.analysis
            .split_brain
            .iter()
            .all(|sb| sb.cause.contains("clock drift")),
        "{}",
        o.ctx()
    );
}

#[test]
fn reload_keeps_the_master_and_applies_the_new_priority() {
    let mut sc = cluster("reload", &[100, 99]);
    let mut lowered = sc.nodes[0].config.clone();
    lowered.instances[0].priority = 50;
    sc.configs.insert("a_low".into(), lowered);
    at(
        &mut sc,
        10.0,
        Reload {
            node: "a".into(),
            config: "a_low".into(),
        },
    );
    let o = run_scenario(sc);
    // a stays master through the reload (matched instance keeps its state); b (99) then
    // preempts the lower-priority master.
    let reload_drop = o.record.events.iter().any(|e| {
        e.node == "a"
            && (e.t.as_secs_f64() - 10.0).abs() < 0.001
            && matches!(
                &e.kind,
                vrrplab_sim::observe::EventKind::Transition {
                    to: vrrplab_core::vrrp::State::Init,
                    ..
                }
            )
    });
    assert!(!reload_drop, "a went through INIT on reload{}", o.ctx());
    let b = o
        .master_after("b", 10.0)
        .unwrap_or_else(|| panic!("b never preempted{}", o.ctx()));
    assert!(b <= 10.0 + mdi_v2(99) + 1.0 + TOL, "{}", o.ctx());
    assert_eq!(o.analysis.final_masters[&51], ["b"], "{}", o.ctx());
}
