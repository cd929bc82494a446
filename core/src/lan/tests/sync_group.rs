//! 13. Sync groups: all members master or none; one member leaving drags the others.

use super::*;
use crate::node::NodeConfig;
use crate::vrrp::{SyncGroupConfig, TransitionReason};

fn member(name: &str, vrid: u8, priority: u8, vip_last: u8) -> InstanceConfig {
    let vip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, vip_last));
    let mut c = InstanceConfig::new(name, "eth0", vrid, &[vip]);
    c.priority = priority;
    c
}

fn grouped(index: usize, prio_a: u8, prio_b: u8) -> NodeConfig {
    let name = format!("h{}", index + 1);
    let mut cfg = host_config(
        &name,
        host_addr(index),
        vec![
            member("VI_A", 51, prio_a, 100),
            member("VI_B", 52, prio_b, 101),
        ],
    );
    cfg.sync_groups.push(SyncGroupConfig {
        name: "G".into(),
        members: vec!["VI_A".into(), "VI_B".into()],
        ..SyncGroupConfig::default()
    });
    cfg
}

fn states(lan: &Lan, host: usize) -> Vec<State> {
    lan.node(host)
        .unwrap()
        .instances()
        .iter()
        .map(|s| s.state)
        .collect()
}

#[test]
fn members_go_master_together_when_all_want_master() {
    let mut lan = Lan::new(1);
    lan.add_host("h1", grouped(0, 100, 100));
    lan.run_until(at_secs(10.0));
    assert_eq!(states(&lan, 0), vec![State::Master, State::Master]);
    let t = lan.history().transitions();
    let masters: Vec<_> = t.iter().filter(|t| t.4 == State::Master).collect();
    assert_eq!(masters.len(), 2);
    assert_eq!(masters[0].0, masters[1].0);
}

#[test]
fn member_waits_while_another_member_hears_a_master() {
    // h2 runs only VI_B (higher priority); h1's VI_A wants master but VI_B does not.
    let mut lan = Lan::new(1);
    lan.add_host("h1", grouped(0, 100, 100));
    lan.run_until(at_secs(10.0));
    let other = host_config("h2", host_addr(1), vec![member("VI_B", 52, 200, 101)]);
    lan.add_host("h2", other);
    lan.run_until(at_secs(30.0));
    assert_eq!(states(&lan, 0), vec![State::Backup, State::Backup]);
    let st = lan.node(0).unwrap().instances();
    assert!(st[0].wants_master, "VI_A waits for VI_B");
    assert!(!st[1].wants_master);
}

#[test]
fn one_member_going_backup_drags_the_other_masters() {
    let mut lan = Lan::new(1);
    lan.add_host("h1", grouped(0, 100, 100));
    lan.run_until(at_secs(10.0));
    lan.add_host(
        "h2",
        host_config("h2", host_addr(1), vec![member("VI_A", 51, 200, 100)]),
    );
    lan.run_until(at_secs(20.0));
    assert_eq!(states(&lan, 0), vec![State::Backup, State::Backup]);
    let dragged = lan
        .history()
        .transitions()
        .into_iter()
        .find(|t| t.2 == "VI_B" && t.4 == State::Backup && t.0 > at_secs(5.0))
        .unwrap();
    assert_eq!(
        dragged.5,
        &TransitionReason::SyncGroup {
            group: "G".into(),
            member: "VI_A".into()
        }
    );
    assert!(
        lan.history()
            .holders_at(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 101)), at_secs(20.0))
            .is_empty()
    );
}

#[test]
fn one_member_in_fault_puts_every_member_in_fault() {
    let mut cfg = grouped(0, 100, 100);
    cfg.instances[1].interface = "eth1".into();
    cfg.interfaces.push(crate::node::InterfaceInfo::up(
        "eth1",
        Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1))),
        None,
    ));
    let mut lan = Lan::new(1);
    lan.add_host("h1", cfg);
    lan.run_until(at_secs(10.0));
    lan.set_interface(0, "eth1", false);
    assert_eq!(states(&lan, 0), vec![State::Fault, State::Fault]);
    lan.set_interface(0, "eth1", true);
    assert_eq!(states(&lan, 0), vec![State::Backup, State::Backup]);
    lan.run_until(at_secs(20.0));
    assert_eq!(states(&lan, 0), vec![State::Master, State::Master]);
}

#[test]
fn two_grouped_routers_fail_over_as_a_whole() {
    let mut lan = Lan::new(1);
    lan.add_host("h1", grouped(0, 200, 200));
    lan.add_host("h2", grouped(1, 100, 100));
    lan.run_until(at_secs(10.0));
    assert_eq!(states(&lan, 0), vec![State::Master, State::Master]);
    assert_eq!(states(&lan, 1), vec![State::Backup, State::Backup]);
    lan.crash(0);
    lan.run_until(at_secs(20.0));
    assert_eq!(states(&lan, 1), vec![State::Master, State::Master]);
}

#[test]
fn member_weights_are_ignored_unless_sync_group_tracking_weight() {
    use crate::vrrp::{TrackRef, TrackScriptConfig};
    let build = |tracking_weight: bool| {
        let mut cfg = grouped(0, 100, 100);
        cfg.instances[0].track_scripts.push(TrackRef {
            name: "chk".into(),
            weight: Some(-30),
        });
        cfg.scripts.push(TrackScriptConfig::new("chk", "/bin/true"));
        cfg.sync_groups[0].tracking_weight = tracking_weight;
        let mut lan = Lan::new(1);
        lan.add_host("h1", cfg);
        lan.set_script(0, "chk", false);
        lan.node(0).unwrap().instances()[0].effective_priority
    };
    assert_eq!(build(false), 100);
    assert_eq!(build(true), 70);
}

#[test]
fn group_notify_hooks_run_on_group_state_changes() {
    let mut cfg = grouped(0, 100, 100);
    cfg.sync_groups[0].notify.master = Some("/bin/group-master".into());
    cfg.sync_groups[0].notify.generic = Some("/bin/notify".into());
    let mut lan = Lan::new(1);
    lan.add_host("h1", cfg);
    lan.run_until(at_secs(10.0));
    lan.stop(0);
    let commands: Vec<String> = lan
        .history()
        .records()
        .iter()
        .filter_map(|r| match &r.event {
            crate::lan::Event::Notify { command } => Some(command.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        commands,
        vec![
            "/bin/notify GROUP G BACKUP 0",
            "/bin/group-master",
            "/bin/notify GROUP G MASTER 0",
            "/bin/notify GROUP G STOP 0",
        ]
    );
}
