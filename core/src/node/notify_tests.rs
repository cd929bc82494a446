//! Notify events and hooks as keepalived 2.2.7 emits them (its FIFO lines were recorded in a
//! network namespace; see docs/keepalived-behaviour.md, "Notifications"): a group's initial
//! state before its members', members before the group afterwards, MASTER_RX_LOWER_PRI per
//! lower advert heard as master, priority changes only with `notify_priority_changes`.

use super::tests::{advert_from, drain, inst};
use super::*;
use crate::lan::host_config;
use crate::vrrp::{Hook, SyncGroupConfig};
use std::net::Ipv4Addr;

fn lines(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::NotifyEvent(e) => Some(e.to_string()),
            _ => None,
        })
        .collect()
}

fn hooks(outputs: &[Output]) -> Vec<(String, Option<String>)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Notify(n) => Some((n.command.clone(), n.user.clone())),
            _ => None,
        })
        .collect()
}

/// Runs timers until nothing is due before `until`; returns every output.
fn run_until(n: &mut Node, until: Instant) -> Vec<Output> {
    let mut out = Vec::new();
    while let Some(t) = n.poll_timeout().filter(|t| *t <= until) {
        n.handle_timeout(t);
        out.extend(drain(n));
    }
    out
}

fn grouped() -> NodeConfig {
    let mut cfg = host_config(
        "h1",
        Ipv4Addr::new(192, 0, 2, 11),
        vec![
            inst("VI_51", 51, 150, &["192.0.2.100"]),
            inst("VI_52", 52, 150, &["192.0.2.101"]),
        ],
    );
    cfg.sync_groups.push(SyncGroupConfig {
        name: "G".into(),
        members: vec!["VI_51".into(), "VI_52".into()],
        ..SyncGroupConfig::default()
    });
    cfg
}

#[test]
fn group_lines_frame_member_lines_from_start_to_stop() {
    let mut n = Node::new(grouped(), Instant::ZERO);
    let mut out = drain(&mut n);
    out.extend(run_until(&mut n, Instant::from_millis(5_000)));
    n.shutdown(Instant::from_millis(5_000));
    out.extend(drain(&mut n));
    assert_eq!(
        lines(&out),
        [
            r#"GROUP "G" BACKUP 0"#,
            r#"INSTANCE "VI_51" BACKUP 150"#,
            r#"INSTANCE "VI_52" BACKUP 150"#,
            r#"INSTANCE "VI_51" MASTER 150"#,
            r#"INSTANCE "VI_52" MASTER 150"#,
            r#"GROUP "G" MASTER 0"#,
            r#"INSTANCE "VI_51" STOP 150"#,
            r#"INSTANCE "VI_52" STOP 150"#,
            r#"GROUP "G" STOP 0"#,
        ]
    );
}

#[test]
fn reload_keeps_a_group_state_without_new_lines() {
    let mut n = Node::new(grouped(), Instant::ZERO);
    run_until(&mut n, Instant::from_millis(5_000));
    drain(&mut n);
    n.reload(Instant::from_millis(5_000), grouped());
    assert_eq!(lines(&drain(&mut n)), Vec::<String>::new());
}

#[test]
fn master_hearing_a_lower_priority_runs_its_hook_and_reports_each_advert() {
    let mut c = inst("VI_51", 51, 150, &["192.0.2.100"]);
    c.notify.master_rx_lower_pri = Some(Hook {
        command: "/usr/local/bin/reclaim.sh eip".into(),
        user: Some("nobody nogroup".into()),
    });
    let mut n = super::tests::node(vec![c]);
    run_until(&mut n, Instant::from_millis(5_000));
    let (meta, bytes) = advert_from(51, 100, "192.0.2.12");
    n.handle_packet(Instant::from_millis(5_010), &meta, &bytes);
    n.handle_packet(Instant::from_millis(5_020), &meta, &bytes);
    let out = drain(&mut n);
    assert_eq!(
        lines(&out),
        [r#"INSTANCE "VI_51" MASTER_RX_LOWER_PRI 150"#; 2]
    );
    let reclaim = (
        "/usr/local/bin/reclaim.sh eip".to_string(),
        Some("nobody nogroup".to_string()),
    );
    assert_eq!(hooks(&out), [reclaim.clone(), reclaim]);
    // A higher priority is no such event.
    let (meta, bytes) = advert_from(51, 200, "192.0.2.12");
    n.handle_packet(Instant::from_millis(5_030), &meta, &bytes);
    assert_eq!(lines(&drain(&mut n)), [r#"INSTANCE "VI_51" BACKUP 150"#]);
}

#[test]
fn priority_changes_are_reported_only_with_notify_priority_changes() {
    let build = |notify: bool| {
        let mut c = inst("VI_51", 51, 150, &["192.0.2.100"]);
        c.notify_priority_changes = notify;
        c.track_files.push(crate::vrrp::TrackRef {
            name: "tf".into(),
            weight: Some(10),
        });
        let mut cfg = host_config("h1", Ipv4Addr::new(192, 0, 2, 11), vec![c]);
        cfg.track_files.push(crate::vrrp::TrackFileConfig {
            name: "tf".into(),
            path: "/run/tf".into(),
            weight: 1,
            reverse: false,
        });
        let mut n = Node::new(cfg, Instant::ZERO);
        drain(&mut n);
        n.handle_track_file(Instant::from_millis(100), "tf", 2);
        let backup = lines(&drain(&mut n));
        run_until(&mut n, Instant::from_millis(5_000));
        n.handle_track_file(Instant::from_millis(5_000), "tf", 1);
        let master = lines(&drain(&mut n));
        (backup, master)
    };
    assert_eq!(
        build(true),
        (
            vec![r#"INSTANCE "VI_51" BACKUP_PRIORITY 170"#.to_string()],
            vec![r#"INSTANCE "VI_51" MASTER_PRIORITY 160"#.to_string()]
        )
    );
    assert_eq!(build(false), (vec![], vec![]));
}

#[test]
fn generic_notify_keeps_its_user_and_gets_four_words() {
    let mut c = inst("VI_51", 51, 150, &["192.0.2.100"]);
    c.notify.generic = Some(Hook {
        command: "/bin/notify.sh".into(),
        user: Some("keepalived_script".into()),
    });
    let mut n = Node::new(
        host_config("h1", Ipv4Addr::new(192, 0, 2, 11), vec![c]),
        Instant::ZERO,
    );
    assert_eq!(
        hooks(&drain(&mut n)),
        [(
            "/bin/notify.sh INSTANCE VI_51 BACKUP 150".to_string(),
            Some("keepalived_script".to_string())
        )]
    );
}
