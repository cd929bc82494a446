//! Notify hooks, side by side: keepalived (h2) and vrrplab (h1) run the same configuration —
//! two instances in a sync group, every instance and group hook (`notify_master`,
//! `notify_backup`, `notify_fault`, `notify_stop` and the generic `notify`) — each on its own
//! VRIDs, through the same events at the same time: start, link down, link up, SIGTERM. A
//! hook script records its arguments; per phase, the two hosts' records must be the same
//! (hooks are forked asynchronously, so within a phase order is not compared — keepalived
//! does not guarantee it either).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use vrrplab_netns::{Need, Peer};

use super::common::Lab;
use super::daemon::Vrrplab;

const KEEPALIVED: &[Need] = &[Need::Netns, Need::Keepalived];

/// The configuration for `host`, with VRIDs `base` and `base + 1`; every hook calls `hook`
/// with the host's name first (stripped when comparing).
fn hooks_config(host: &str, base: u8, hook: &Path) -> String {
    let hook = hook.display();
    let hooks = |who: &str| {
        format!(
            "    notify_master \"{hook} {host} {who}-master\"\n    notify_backup \"{hook} {host} {who}-backup\"\n    notify_fault \"{hook} {host} {who}-fault\"\n    notify_stop \"{hook} {host} {who}-stop\"\n    notify \"{hook} {host} {who}-notify\"\n"
        )
    };
    let instance = |name: &str, vrid: u8, priority: u8, vip: &str| {
        format!(
            "vrrp_instance {name} {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {vrid}\n    priority {priority}\n    advert_int 0.1\n{}    virtual_ipaddress {{\n        {vip}/24\n    }}\n}}\n",
            hooks(&name.to_ascii_lowercase())
        )
    };
    format!(
        "global_defs {{\n    router_id {host}\n    vrrp_version 3\n    vrrp_rt_priority 50\n    vrrp_rlimit_rttime 5000000\n}}\n\
         vrrp_sync_group G {{\n    group {{\n        VI_1\n        VI_2\n    }}\n{}}}\n{}{}",
        hooks("g"),
        instance("VI_1", base, 150, &format!("198.51.100.{base}")),
        instance("VI_2", base + 1, 120, &format!("198.51.100.{}", base + 1)),
    )
}

/// How long a phase's records must stay the same before the next phase starts.
const SETTLED: Duration = Duration::from_millis(500);

/// The longest wait for a phase to settle (a stalled VM; the assertion then shows the records).
const PHASE_LIMIT: Duration = Duration::from_secs(10);

/// Waits until both hosts recorded `last` (the hook that ends the phase: the sync group's
/// hook of the state the phase leads to) in `phase`, their records of the phase are the same,
/// and nothing more was recorded for [`SETTLED`]; at most [`PHASE_LIMIT`]. Fixed sleeps here
/// let a hook forked late on a loaded machine land in the next phase.
fn settle(record: &Path, phase: &str, last: &str) {
    let deadline = std::time::Instant::now() + PHASE_LIMIT;
    let mut seen = String::new();
    let mut since = std::time::Instant::now();
    while std::time::Instant::now() < deadline {
        let now = std::fs::read_to_string(record).unwrap_or_default();
        if now != seen {
            seen = now;
            since = std::time::Instant::now();
        }
        let (ours, theirs) = (phases(&seen, "h1"), phases(&seen, "h2"));
        let ended = |p: &BTreeMap<String, Vec<String>>| {
            p.get(phase).is_some_and(|l| l.iter().any(|x| x == last))
        };
        if ended(&ours)
            && ended(&theirs)
            && ours.get(phase) == theirs.get(phase)
            && since.elapsed() >= SETTLED
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The recorded hooks of `host`, by phase, each phase sorted.
fn phases(log: &str, host: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut phase = String::from("0 before");
    for line in log.lines() {
        if let Some(p) = line.strip_prefix("--- ") {
            phase = p.to_string();
            continue;
        }
        if let Some(rest) = line.strip_prefix(&format!("{host} ")) {
            out.entry(phase.clone()).or_default().push(rest.to_string());
        }
    }
    for lines in out.values_mut() {
        lines.sort();
    }
    out
}

/// Start, link down, link up, SIGTERM: every hook keepalived runs, vrrplab runs, with the
/// same arguments ("INSTANCE VI_1 MASTER 150", "GROUP G STOP 0", …).
#[test]
fn vrrplab_runs_every_instance_and_group_hook_with_keepalived_arguments() {
    let test = "vrrplab_runs_every_instance_and_group_hook_with_keepalived_arguments";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[]) else {
        return;
    };
    let dir = lab.topo.artifacts().to_path_buf();
    let hook = dir.join("hook.sh");
    let record = dir.join("hooks.log");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\necho \"$*\" >> {}\n", record.display()),
    )
    .expect("write hook");
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod hook");
    let mark = |phase: &str| {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&record)
            .expect("open hooks log");
        std::io::Write::write_all(&mut f, format!("--- {phase}\n").as_bytes()).expect("mark phase");
    };
    let (h1, h2) = (lab.topo.router(1).clone(), lab.topo.router(2).clone());
    mark("1 start");
    let keepalived = vrrplab_netns::Keepalived::new(&lab.topo, &h2, &hooks_config("h2", 61, &hook))
        .expect("keepalived config");
    lab.keepalived[1] = Some(keepalived);
    lab.keepalived(2).start().expect("start keepalived");
    let mut v = Vrrplab::start_raw(&lab, 1, &hooks_config("h1", 51, &hook), &[]);
    settle(&record, "1 start", "g-master");
    mark("2 link down");
    lab.topo.link_down(&h1).expect("h1 port down");
    lab.topo.link_down(&h2).expect("h2 port down");
    settle(&record, "2 link down", "g-fault");
    mark("3 link up");
    lab.topo.link_up(&h1).expect("h1 port up");
    lab.topo.link_up(&h2).expect("h2 port up");
    settle(&record, "3 link up", "g-master");
    mark("4 stop");
    v.stop();
    lab.keepalived(2).stop().expect("stop keepalived");
    settle(&record, "4 stop", "g-stop");
    let recorded = std::fs::read_to_string(&record).unwrap_or_default();
    let done = lab.finish();
    let ctx = format!(
        "{}\n--- vrrplab h1\n{}\n--- hooks\n{recorded}",
        lab.context(&done),
        v.log()
    );
    let (ours, theirs) = (phases(&recorded, "h1"), phases(&recorded, "h2"));
    assert_eq!(ours, theirs, "vrrplab (left) and keepalived (right)\n{ctx}");
    let stop = &ours["4 stop"];
    for needle in [
        "vi_1-stop",
        "vi_1-notify INSTANCE VI_1 STOP 150",
        "vi_2-notify INSTANCE VI_2 STOP 120",
        "g-stop",
        "g-notify GROUP G STOP 0",
    ] {
        assert!(stop.iter().any(|l| l == needle), "{needle} at stop\n{ctx}");
    }
}
