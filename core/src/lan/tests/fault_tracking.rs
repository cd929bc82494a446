//! 11. FAULT and 12. tracking weights.

use super::*;
use crate::node::NodeConfig;
use crate::vrrp::{
    TrackFileConfig, TrackRef, TrackScriptConfig, TrackedInterface, TransitionReason,
};

fn with_script(mut c: InstanceConfig, weight: Option<i32>) -> (InstanceConfig, TrackScriptConfig) {
    c.track_scripts.push(TrackRef {
        name: "chk".into(),
        weight,
    });
    (c, TrackScriptConfig::new("chk", "/bin/true"))
}

fn host(index: usize, c: InstanceConfig, scripts: Vec<TrackScriptConfig>) -> NodeConfig {
    let name = format!("h{}", index + 1);
    let mut cfg = host_config(&name, host_addr(index), vec![c]);
    cfg.scripts = scripts;
    cfg
}

fn priority(lan: &Lan, host: usize) -> u8 {
    lan.node(host).unwrap().instances()[0].effective_priority
}

#[test]
fn interface_down_master_sends_priority_zero_drops_vips_and_enters_fault() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.run_until(at_secs(10.0));
    lan.set_interface(0, "eth0", false);
    assert_eq!(state(&lan, 0), Some(State::Fault));
    assert_eq!(
        lan.history().adverts(0, 51).last(),
        Some(&(at_secs(10.0), 0))
    );
    assert!(!lan.history().holders_at(vip(), at_secs(10.0)).contains(&0));
    let t = lan.history().transitions();
    assert_eq!(
        t.last().unwrap().5,
        &TransitionReason::InterfaceDown {
            interface: "eth0".into()
        }
    );
    lan.run_until(at_secs(11.0));
    assert_eq!(lan.masters(51), vec![1], "backup took over after Skew_Time");
}

#[test]
fn leaving_fault_enters_backup_then_preempts_by_the_normal_rules() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.run_until(at_secs(10.0));
    lan.set_interface(0, "eth0", false);
    lan.run_until(at_secs(20.0));
    lan.set_interface(0, "eth0", true);
    assert_eq!(state(&lan, 0), Some(State::Backup));
    assert_eq!(
        lan.history().transitions().last().unwrap().5,
        &TransitionReason::FaultCleared
    );
    lan.run_until(at_secs(40.0));
    assert_eq!(lan.masters(51), vec![0]);
    assert_eq!(
        lan.history()
            .first_entry(0, "VI_1", State::Master, at_secs(20.0)),
        Some(at_secs(20.0) + Duration::from_nanos(MDI_V2_100_NS))
    );
}

#[test]
fn weight_zero_script_failure_is_fault_and_recovery_is_backup() {
    let (c, s) = with_script(instance(100), None);
    let mut lan = Lan::new(1);
    lan.add_host("h1", host(0, c, vec![s]));
    lan.run_until(at_secs(10.0));
    assert_eq!(state(&lan, 0), Some(State::Master));
    lan.set_script(0, "chk", false);
    assert_eq!(state(&lan, 0), Some(State::Fault));
    assert_eq!(
        lan.history().transitions().last().unwrap().5,
        &TransitionReason::TrackerFailed {
            tracker: "chk".into()
        }
    );
    lan.set_script(0, "chk", true);
    assert_eq!(state(&lan, 0), Some(State::Backup));
}

#[test]
fn init_fail_script_starts_the_instance_in_fault() {
    let (c, mut s) = with_script(instance(100), None);
    s.init_fail = true;
    let mut lan = Lan::new(1);
    lan.add_host("h1", host(0, c, vec![s]));
    assert_eq!(state(&lan, 0), Some(State::Fault));
}

#[test]
fn negative_script_weight_lowers_priority_while_down_and_the_backup_preempts() {
    let (c, s) = with_script(instance(100), Some(-20));
    let mut lan = Lan::new(1);
    lan.add_host("h1", host(0, c, vec![s]));
    lan.add_host("h2", host(1, instance(90), vec![]));
    lan.run_until(at_secs(10.0));
    assert_eq!(lan.masters(51), vec![0]);
    lan.set_script(0, "chk", false);
    assert_eq!(priority(&lan, 0), 80);
    lan.run_until(at_secs(20.0));
    assert_eq!(lan.masters(51), vec![1]);
    lan.set_script(0, "chk", true);
    assert_eq!(priority(&lan, 0), 100);
    lan.run_until(at_secs(30.0));
    assert_eq!(lan.masters(51), vec![0]);
}

#[test]
fn positive_weight_is_added_while_up_and_clamped_to_254() {
    let (c, s) = with_script(instance(250), Some(10));
    let mut lan = Lan::new(1);
    lan.add_host("h1", host(0, c, vec![s]));
    assert_eq!(priority(&lan, 0), 254);
    lan.set_script(0, "chk", false);
    assert_eq!(priority(&lan, 0), 250);
}

#[test]
fn weights_never_push_priority_below_1() {
    let (c, s) = with_script(instance(10), Some(-100));
    let mut lan = Lan::new(1);
    lan.add_host("h1", host(0, c, vec![s]));
    lan.set_script(0, "chk", false);
    assert_eq!(priority(&lan, 0), 1);
}

#[test]
fn weights_never_change_an_owners_255() {
    let (c, s) = with_script(instance(255), Some(-50));
    let mut lan = Lan::new(1);
    lan.add_host("h1", host(0, c, vec![s]));
    lan.set_script(0, "chk", false);
    assert_eq!(priority(&lan, 0), 255);
    assert_eq!(state(&lan, 0), Some(State::Master));
}

#[test]
fn tracked_interface_weights_and_weight_zero_fault() {
    let mut c = instance(100);
    c.track_interfaces = vec![
        TrackedInterface {
            name: "uplink".into(),
            weight: -30,
            reverse: false,
        },
        TrackedInterface {
            name: "mgmt".into(),
            weight: 0,
            reverse: false,
        },
    ];
    let mut lan = Lan::new(1);
    lan.add_host("h1", host(0, c, vec![]));
    lan.set_interface(0, "uplink", false);
    assert_eq!(priority(&lan, 0), 70);
    assert_eq!(state(&lan, 0), Some(State::Backup));
    lan.set_interface(0, "mgmt", false);
    assert_eq!(state(&lan, 0), Some(State::Fault));
    lan.set_interface(0, "mgmt", true);
    assert_eq!(state(&lan, 0), Some(State::Backup));
}

#[test]
fn track_file_value_times_weight_adjusts_priority_and_weight_zero_faults() {
    let mut c = instance(100);
    c.track_files = vec![
        TrackRef {
            name: "f1".into(),
            weight: None,
        },
        TrackRef {
            name: "f0".into(),
            weight: Some(0),
        },
    ];
    let mut cfg = host(0, c, vec![]);
    for name in ["f1", "f0"] {
        cfg.track_files.push(TrackFileConfig {
            name: name.into(),
            path: format!("/run/{name}"),
            weight: 2,
            reverse: false,
        });
    }
    let mut lan = Lan::new(1);
    lan.add_host("h1", cfg);
    lan.set_track_file(0, "f1", -15);
    assert_eq!(priority(&lan, 0), 70);
    lan.set_track_file(0, "f0", 1);
    assert_eq!(state(&lan, 0), Some(State::Fault));
}

#[test]
fn unicast_instance_leaving_fault_announces_its_own_address() {
    let mut c = instance(100);
    c.unicast_peers = vec![IpAddr::V4(host_addr(1))];
    let mut lan = lan_of(vec![c]);
    lan.set_interface(0, "eth0", false);
    lan.set_interface(0, "eth0", true);
    let own = lan.history().records().iter().any(|r| {
        matches!(r.event, crate::lan::Event::Announce { address } if address == IpAddr::V4(host_addr(0)))
    });
    assert!(own);
}
