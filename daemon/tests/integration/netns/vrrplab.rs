//! `vrrplab run` against keepalived on one bridge: the daemon takes over from a crashed
//! keepalived master, hands over to a keepalived backup with priority 0 on SIGTERM, and keeps
//! running (still master) when SIGHUP brings a broken configuration.
//!
//! vrrplab reads the very keepalived.conf the harness renders for keepalived ([`Vrrplab`]).

use std::net::IpAddr;
use std::time::Duration;

use vrrplab_netns::{KeepalivedInstance, Need, keepalived_config};

use super::common::{
    Finished, Lab, V3_ADVERT, VRID, allowance, instance4, instance6, ms, vip4, vip6,
};
use super::daemon::Vrrplab;
use super::scenario::{Takeover, Timer};

const KEEPALIVED: &[Need] = &[Need::Netns, Need::Keepalived];
const NETNS: &[Need] = &[Need::Netns];

fn ip(host: &vrrplab_netns::Host) -> IpAddr {
    IpAddr::V4(host.ipv4)
}

/// keepalived `master` on h1, then `vrrplab run` with `backup` on h2: returns once vrrplab has
/// run 500 ms (more than its Master_Down_Interval) as the backup while h1 still holds `vip`.
fn keepalived_master_vrrplab_backup(
    lab: &mut Lab,
    vip: IpAddr,
    master: KeepalivedInstance,
    backup: KeepalivedInstance,
) -> Vrrplab {
    lab.start_keepalived(1, 3, &[master]);
    lab.wait_holders(vip, &["h1"], Duration::from_secs(3));
    let v = Vrrplab::start(lab, 2, &[backup]);
    // From its BACKUP transition, not from the spawn: a slow start on a loaded machine must not
    // eat the time it is meant to spend as backup.
    v.wait_log("INIT -> BACKUP", Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(500));
    assert!(v.daemon.is_running(), "vrrplab exited:\n{}", v.log());
    lab.wait_holders(vip, &["h1"], Duration::from_secs(1));
    v
}

/// Crashes keepalived on h1 and waits until vrrplab on h2 holds `vip`; returns when h1 was
/// frozen.
fn crash_keepalived_until_vrrplab_holds(lab: &mut Lab, v: &Vrrplab, vip: IpAddr) -> Duration {
    let crash_at = lab.crash_keepalived(1);
    lab.observer()
        .wait_for("h2 holds the VIP", Duration::from_secs(3), |s| {
            s.holders_of(vip).contains(&"h2".to_string())
        })
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", lab.logs(), v.log()));
    crash_at
}

/// Asserts `source` sent no advert before `since` (vrrplab stayed backup while keepalived was
/// master).
fn assert_no_advert_before(done: &Finished, source: IpAddr, since: Duration, ctx: &str) {
    assert!(
        done.capture
            .adverts_from(source, VRID)
            .iter()
            .all(|(t, _)| *t >= since),
        "vrrplab advertised while keepalived was master\n{ctx}"
    );
}

/// Master_Down_Interval of the priority-100 backup every crash test measures.
fn backup_master_down_interval() -> Timer {
    Timer::master_down_interval(3, V3_ADVERT, 100)
}

/// keepalived master (h1, priority 150) + vrrplab backup (h2, priority 100): SIGKILL keepalived
/// ⇒ vrrplab takes over within Master_Down_Interval (+ tolerance) of h1's last advert, holds the
/// VIP and announces it.
#[test]
fn vrrplab_backup_takes_over_from_crashed_keepalived_within_master_down_interval() {
    let test = "vrrplab_backup_takes_over_from_crashed_keepalived_within_master_down_interval";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    let mut v = keepalived_master_vrrplab_backup(
        &mut lab,
        vip4(),
        instance4(150, 100),
        instance4(100, 100),
    );
    lab.client_ping(vip4());
    let crash_at = crash_keepalived_until_vrrplab_holds(&mut lab, &v, vip4());
    std::thread::sleep(Duration::from_millis(300));
    let done = lab.finish();
    let ctx = v.context(&lab, &done, 2);
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));

    let takeover = Takeover::find(&done.capture, h1, h2, crash_at, &ctx);
    assert_no_advert_before(&done, h2, crash_at, &ctx);
    takeover.assert_gap_is(backup_master_down_interval(), &done.stalls, test, &ctx);
    let priorities: Vec<u8> = done
        .capture
        .adverts_from(h2, VRID)
        .iter()
        .map(|(_, p)| *p)
        .collect();
    assert!(
        priorities.iter().all(|p| *p == 100),
        "vrrplab advertises priority 100: {priorities:?}\n{ctx}"
    );
    takeover.assert_announced(
        &done.capture,
        lab.topo.router(2).mac,
        "vrrplab announces the VIP (GARP)",
        &ctx,
    );
    assert!(v.daemon.is_running(), "{ctx}");
    v.stop();
}

/// IPv6: keepalived master (h1) + vrrplab backup (h2) with one VIP; vrrplab stays backup while
/// keepalived's adverts arrive (hop limit and source read from ancillary data), takes over after
/// the crash within Master_Down_Interval, advertises from its link-local address to ff02::12
/// with hop limit 255 and moves the client with unsolicited NAs.
#[test]
fn vrrplab_ipv6_backup_takes_over_from_crashed_keepalived_and_sends_unsolicited_na() {
    let test = "vrrplab_ipv6_backup_takes_over_from_crashed_keepalived_and_sends_unsolicited_na";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip6()]) else {
        return;
    };
    let mut v = keepalived_master_vrrplab_backup(
        &mut lab,
        vip6(),
        instance6(150, 100),
        instance6(100, 100),
    );
    lab.client_ping(vip6());
    lab.wait_client_neighbour(vip6(), "h1", Duration::from_secs(2));
    let crash_at = crash_keepalived_until_vrrplab_holds(&mut lab, &v, vip6());
    lab.wait_client_neighbour(vip6(), "h2", Duration::from_secs(2));
    let done = lab.finish();
    let ctx = v.context(&lab, &done, 2);
    let (h1, h2) = (lab.router_link_local(1), lab.router_link_local(2));

    let takeover = Takeover::find(&done.capture, h1, h2, crash_at, &ctx);
    assert_no_advert_before(&done, h2, crash_at, &ctx);
    for (_, a) in done.capture.adverts().filter(|(_, a)| a.source == h2) {
        assert_eq!(
            a.destination,
            "ff02::12".parse::<IpAddr>().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            (a.hop_limit, a.advert.addresses.clone()),
            (255, vec![vip6()]),
            "{ctx}"
        );
    }
    takeover.assert_gap_is(backup_master_down_interval(), &done.stalls, test, &ctx);
    takeover.assert_announced(
        &done.capture,
        lab.topo.router(2).mac,
        "vrrplab sends unsolicited NAs",
        &ctx,
    );
    v.stop();
}

/// vrrplab master (h1, priority 150) + keepalived backup (h2, priority 100): SIGTERM vrrplab
/// ⇒ priority 0 on the wire, keepalived takes over within Skew_Time (+ tolerance), the VIP is
/// gone from h1, and vrrplab exits 0.
#[test]
fn vrrplab_sigterm_sends_priority_zero_and_keepalived_takes_over_within_skew_time() {
    let test = "vrrplab_sigterm_sends_priority_zero_and_keepalived_takes_over_within_skew_time";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    let v = Vrrplab::start(&lab, 1, &[instance4(150, 100)]).then_keepalived_backup(
        &mut lab,
        &[instance4(100, 100)],
        &[vip4()],
    );
    std::thread::sleep(Duration::from_millis(300));
    let stop_at = vrrplab_netns::processes::epoch_now();
    v.daemon
        .signal_main(libc::SIGTERM)
        .expect("SIGTERM vrrplab");
    assert!(
        v.daemon.wait_exit(Duration::from_secs(3)),
        "vrrplab ignored SIGTERM:\n{}",
        v.log()
    );
    v.wait_alone(&mut lab, vip4(), &["h2"], Duration::from_secs(3));
    let done = lab.finish();
    let ctx = v.context(&lab, &done, 1);
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));

    let takeover = Takeover::after_resignation(&done.capture, h1, h2, &ctx);
    assert!(takeover.last_old >= stop_at, "{ctx}");
    takeover.assert_gap_within(
        Timer::skew_time(3, V3_ADVERT, 100),
        &done.stalls,
        test,
        &ctx,
    );
    assert!(
        done.capture
            .adverts_from(h1, VRID)
            .iter()
            .all(|(t, _)| *t <= takeover.last_old),
        "vrrplab advertised after resigning\n{ctx}"
    );
    assert!(
        done.timeline.multiple_holders(vip4()).is_empty(),
        "a graceful stop never leaves two holders\n{ctx}"
    );
}

/// SIGHUP with an invalid value in the file: the error is logged with file:line, the daemon
/// keeps running the old configuration (still master, still advertising, VIP kept); SIGUSR1
/// and the status endpoint report it as MASTER.
#[test]
fn vrrplab_sighup_with_broken_config_keeps_running_as_master() {
    let test = "vrrplab_sighup_with_broken_config_keeps_running_as_master";
    let Some(mut lab) = Lab::new(test, NETNS, 1, &[vip4()]) else {
        return;
    };
    let status = ["--status", "127.0.0.1:9480"];
    let v = Vrrplab::start_with(&lab, 1, &[instance4(150, 100)], &status);
    v.wait_alone(&mut lab, vip4(), &["h1"], Duration::from_secs(4));
    let good = std::fs::read_to_string(&v.config).expect("read config");
    let broken = good.replacen("virtual_router_id 51", "virtual_router_id 300", 1);
    assert_ne!(good, broken);
    let bad_line = broken
        .lines()
        .position(|l| l.contains("virtual_router_id 300"))
        .expect("broken line")
        + 1;
    std::fs::write(&v.config, broken).expect("write broken config");
    let hup_at = vrrplab_netns::processes::epoch_now();
    v.daemon.signal_main(libc::SIGHUP).expect("SIGHUP vrrplab");
    // the reload has been refused (not just 800 ms passed) before the state is asked for
    v.wait_log("reload refused", Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(800));
    v.daemon
        .signal_main(libc::SIGUSR1)
        .expect("SIGUSR1 vrrplab");
    let h1_host = lab.topo.router(1).clone();
    let curl = |path: &str| {
        lab.topo
            .exec_in(
                &h1_host,
                "curl",
                &["-s", "-m", "2", &format!("http://127.0.0.1:9480{path}")],
            )
            .unwrap_or_else(|e| format!("curl failed: {e}"))
    };
    let state = curl("/");
    let metrics = curl("/metrics");
    // the dump reaches the log through the harness's log thread: waited for, not slept on
    v.wait_log(r#""state":"MASTER""#, Duration::from_secs(3));
    let log = v.log();
    let location = format!("{}:{bad_line}:", v.config.display());
    let done = lab.finish();
    let ctx = format!("{}\n--- vrrplab h1\n{log}", lab.context(&done));
    assert!(v.daemon.is_running(), "vrrplab exited after SIGHUP\n{ctx}");
    assert!(log.contains(&location), "the log names {location}\n{ctx}");
    assert!(log.contains("reload refused"), "{ctx}");
    assert!(
        log.contains(r#""state":"MASTER""#),
        "SIGUSR1 dumps the state\n{ctx}"
    );
    assert!(
        state.contains(r#""state":"MASTER""#),
        "GET / → {state}\n{ctx}"
    );
    assert!(
        state.contains(r#""reload_failures":1"#),
        "GET / → {state}\n{ctx}"
    );
    assert!(
        metrics.contains(r#"vrrplab_instance_priority{instance="VI_51",vrid="51",interface="eth0",family="ipv4"} 150"#),
        "GET /metrics → {metrics}\n{ctx}"
    );
    let h1 = ip(lab.topo.router(1));
    let after: Vec<(Duration, u8)> = done
        .capture
        .adverts_from(h1, VRID)
        .into_iter()
        .filter(|(t, _)| *t >= hup_at)
        .collect();
    assert!(
        after.len() >= 5,
        "still advertising after SIGHUP: {after:?}\n{ctx}"
    );
    assert!(after.iter().all(|(_, p)| *p == 150), "{ctx}");
    assert_eq!(
        done.timeline
            .holder_sequence(vip4())
            .last()
            .map(String::as_str),
        Some("h1"),
        "still holding the VIP\n{ctx}"
    );
}

/// Unicast: keepalived master (h1) and vrrplab backup (h2) with `unicast_peer` each other;
/// after the crash vrrplab takes over within Master_Down_Interval and sends its adverts to h1's
/// address, not to the group.
#[test]
fn vrrplab_unicast_backup_takes_over_from_crashed_keepalived_and_sends_to_its_peer() {
    let test = "vrrplab_unicast_backup_takes_over_from_crashed_keepalived_and_sends_to_its_peer";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));
    let unicast = |prio, src, peer| {
        let mut i = instance4(prio, 100);
        i.unicast = Some((src, vec![peer]));
        i
    };
    let mut v = keepalived_master_vrrplab_backup(
        &mut lab,
        vip4(),
        unicast(150, h1, h2),
        unicast(100, h2, h1),
    );
    let crash_at = crash_keepalived_until_vrrplab_holds(&mut lab, &v, vip4());
    std::thread::sleep(Duration::from_millis(300));
    let done = lab.finish();
    let ctx = v.context(&lab, &done, 2);

    let takeover = Takeover::find(&done.capture, h1, h2, crash_at, &ctx);
    assert_no_advert_before(&done, h2, crash_at, &ctx);
    let destinations: Vec<IpAddr> = done
        .capture
        .adverts()
        .filter(|(_, a)| a.source == h2)
        .map(|(_, a)| a.destination)
        .collect();
    assert!(
        !destinations.is_empty() && destinations.iter().all(|d| *d == h1),
        "{destinations:?}\n{ctx}"
    );
    takeover.assert_gap_is(backup_master_down_interval(), &done.stalls, test, &ctx);
    v.stop();
}

/// vrrplab master (h1) loses carrier: it goes to FAULT (link state polled), keepalived (h2)
/// takes over; when the link returns vrrplab preempts back and holds the VIP again.
#[test]
fn vrrplab_master_link_down_faults_and_preempts_back_on_link_up() {
    let test = "vrrplab_master_link_down_faults_and_preempts_back_on_link_up";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    let mut v = Vrrplab::start(&lab, 1, &[instance4(150, 100)]).then_keepalived_backup(
        &mut lab,
        &[instance4(100, 100)],
        &[vip4()],
    );
    std::thread::sleep(Duration::from_millis(200));
    let host1 = lab.topo.router(1).clone();
    let down_at = vrrplab_netns::processes::epoch_now();
    lab.topo.link_down(&host1).expect("h1's port down");
    v.wait_alone(&mut lab, vip4(), &["h2"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(300));
    let up_at = vrrplab_netns::processes::epoch_now();
    lab.topo.link_up(&host1).expect("h1's port up");
    v.wait_alone(&mut lab, vip4(), &["h1"], Duration::from_secs(5));
    let done = lab.finish();
    let log = v.log();
    let ctx = format!("{}\n--- vrrplab h1\n{log}", lab.context(&done));
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));

    assert!(
        log.contains("MASTER -> FAULT"),
        "vrrplab went to FAULT\n{ctx}"
    );
    assert!(
        log.contains("FAULT -> BACKUP"),
        "vrrplab left FAULT on link up\n{ctx}"
    );
    let takeover = done
        .capture
        .first_advert_from(h2, VRID, down_at)
        .unwrap_or_else(|| panic!("no advert from keepalived after the link went down\n{ctx}"));
    assert_eq!(
        done.capture.advertisers(VRID, takeover, up_at),
        vec![h2],
        "the bridge hears only h2 while h1's port is down\n{ctx}"
    );
    assert!(
        done.capture.first_advert_from(h1, VRID, up_at).is_some(),
        "vrrplab preempts after the link comes back\n{ctx}"
    );
    v.stop();
}

/// SIGHUP with a valid change (a second VIP): the instance stays MASTER without a pause in its
/// adverts (the sockets are reopened), and the new VIP is added.
#[test]
fn vrrplab_sighup_with_new_vip_stays_master_and_adds_it() {
    let test = "vrrplab_sighup_with_new_vip_stays_master_and_adds_it";
    let vip2: IpAddr = "192.0.2.101".parse().unwrap();
    let Some(mut lab) = Lab::new(test, NETNS, 1, &[vip4(), vip2]) else {
        return;
    };
    let v = Vrrplab::start(&lab, 1, &[instance4(150, 100)]);
    v.wait_alone(&mut lab, vip4(), &["h1"], Duration::from_secs(4));
    let mut two = instance4(150, 100);
    two.virtual_addresses.push("192.0.2.101/24".to_string());
    let host = lab.topo.router(1).clone();
    std::fs::write(&v.config, keepalived_config(&host.name, 3, &[two])).expect("write config");
    let hup_at = vrrplab_netns::processes::epoch_now();
    v.daemon.signal_main(libc::SIGHUP).expect("SIGHUP vrrplab");
    lab.observer()
        .wait_for("h1 holds the second VIP", Duration::from_secs(2), |s| {
            s.holders_of(vip2) == ["h1"] && s.holders_of(vip4()) == ["h1"]
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", v.log()));
    std::thread::sleep(Duration::from_millis(500));
    let done = lab.finish();
    let log = v.log();
    let ctx = format!("{}\n--- vrrplab h1\n{log}", lab.context(&done));
    assert!(v.daemon.is_running(), "{ctx}");
    assert!(
        !log.contains("MASTER -> "),
        "no transition out of MASTER on reload\n{ctx}"
    );
    let h1 = ip(lab.topo.router(1));
    let adverts = done.capture.adverts_from(h1, VRID);
    let around: Vec<Duration> = adverts
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| *t + Duration::from_millis(500) >= hup_at)
        .collect();
    assert!(
        around.len() >= 5,
        "adverts across the reload: {around:?}\n{ctx}"
    );
    for w in around.windows(2) {
        let allowed = allowance(&done.stalls, w[0], w[1]);
        assert!(
            w[1] - w[0] <= V3_ADVERT + allowed,
            "adverts keep their 100 ms pace across the reload: {:.1} ms from {:.6} (+{:.1} ms \
             allowed)\n{}{ctx}",
            ms(w[1] - w[0]),
            w[0].as_secs_f64(),
            ms(allowed),
            done.stalls.describe(w[0], w[1])
        );
    }
    let last = done
        .capture
        .adverts()
        .filter(|(_, a)| a.source == h1)
        .last()
        .map(|(_, a)| a.advert.addresses.clone())
        .unwrap_or_default();
    assert_eq!(
        last,
        vec![vip4(), vip2],
        "the adverts list both VIPs\n{ctx}"
    );
}

/// Start-up with an invalid file needs no namespace: exit status 1 and rustc-style diagnostics
/// naming file:line:column on stderr, before any socket is opened.
#[test]
fn vrrplab_run_with_invalid_config_exits_1_with_file_line_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("bad.conf"),
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 300\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n}\n",
    )
    .expect("write config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .args(["run", "-f", "bad.conf"])
        .current_dir(dir.path())
        .output()
        .expect("run vrrplab");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}

/// `vrrp_script` end to end: vrrplab (h1, priority 150) tracks a script with weight −60; when
/// the script starts failing its priority drops to 90 and keepalived (h2, priority 100,
/// preempting) takes over; when it succeeds again vrrplab preempts back.
#[test]
fn vrrplab_failing_track_script_lowers_priority_and_keepalived_preempts() {
    let test = "vrrplab_failing_track_script_lowers_priority_and_keepalived_preempts";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    let flag = lab.topo.artifacts().join("healthy");
    std::fs::write(&flag, "").expect("create flag file");
    let mut tracked = instance4(150, 100);
    tracked
        .extra
        .push("track_script {\n        chk\n    }".to_string());
    let script = format!(
        "\nvrrp_script chk {{\n    script \"test -e {}\"\n    interval 1\n    weight -60\n    fall 1\n    rise 1\n}}\n",
        flag.display()
    );
    let mut v = Vrrplab::start_text(&lab, 1, &[tracked], &script, &[]).then_keepalived_backup(
        &mut lab,
        &[instance4(100, 100)],
        &[vip4()],
    );
    let fail_at = vrrplab_netns::processes::epoch_now();
    std::fs::remove_file(&flag).expect("remove flag file");
    v.wait_alone(&mut lab, vip4(), &["h2"], Duration::from_secs(4));
    let heal_at = vrrplab_netns::processes::epoch_now();
    std::fs::write(&flag, "").expect("recreate flag file");
    v.wait_alone(&mut lab, vip4(), &["h1"], Duration::from_secs(4));
    let done = lab.finish();
    let ctx = v.context(&lab, &done, 1);
    let h1 = ip(lab.topo.router(1));
    let priorities = |from: Duration, to: Duration| -> Vec<u8> {
        let mut p: Vec<u8> = done
            .capture
            .adverts_from(h1, VRID)
            .into_iter()
            .filter(|(t, _)| *t >= from && *t <= to)
            .map(|(_, p)| p)
            .collect();
        p.dedup();
        p
    };
    assert_eq!(priorities(Duration::ZERO, fail_at), vec![150], "{ctx}");
    assert!(
        priorities(fail_at, heal_at).contains(&90),
        "priority 90 while failing\n{ctx}"
    );
    assert_eq!(
        priorities(heal_at, Duration::MAX).last(),
        Some(&150),
        "{ctx}"
    );
    v.stop();
}
