//! Topology, capture, observer and teardown against the real kernel.

use std::net::IpAddr;
use std::time::Duration;

use vrrplab_netns::{Capture, CaptureLog, Need, Observer, Role, Topology, names, require};

#[test]
fn hosts_reach_each_other_and_capture_sees_the_traffic() {
    if !require(
        "hosts_reach_each_other_and_capture_sees_the_traffic",
        &[Need::Netns],
    ) {
        return;
    }
    let topo = Topology::builder("harness_hosts_reach_each_other")
        .routers(2)
        .gateway(true)
        .client(true)
        .build()
        .expect("topology");
    let capture = Capture::start(&topo, "capture.pcap").expect("capture");
    let (h1, h2) = (topo.router(1), topo.router(2));
    topo.exec_in(h1, "ping", &["-c", "1", "-W", "2", &h2.ipv4.to_string()])
        .expect("h1 pings h2 over IPv4");
    topo.exec_in(h1, "ping", &["-c", "1", "-W", "2", &h2.ipv6.to_string()])
        .expect("h1 pings h2 over IPv6");
    let gw = topo.host_with_role(Role::Gateway).expect("gateway");
    topo.exec_in(h1, "ping", &["-c", "1", "-W", "2", &gw.ipv4.to_string()])
        .expect("h1 pings the gateway");
    let (path, frames) = capture.stop().expect("stop capture");
    assert!(
        frames >= 4,
        "only {frames} frames captured in {}",
        path.display()
    );
    let log = CaptureLog::read(&path).expect("read capture");
    assert_eq!(log.frames, frames);
    // tshark (when installed) reads the file and sees the same number of frames
    if let Ok(out) = vrrplab_netns::command::run("tshark", &["-r", &path.display().to_string()]) {
        assert_eq!(out.lines().count() as u64, frames, "tshark output:\n{out}");
    }
    // the link-local and MAC plan is what the docs say
    let addrs = topo
        .ip_in(h2, &["-br", "addr", "show", "dev", "eth0"])
        .unwrap();
    assert!(addrs.contains("fe80::ff:fe00:2/64"), "{addrs}");
    assert!(addrs.contains("192.0.2.12/24"), "{addrs}");
}

#[test]
fn observer_sees_an_address_come_and_go_and_client_neighbour() {
    if !require("observer_sees_an_address_come_and_go", &[Need::Netns]) {
        return;
    }
    let topo = Topology::builder("harness_observer")
        .routers(1)
        .client(true)
        .build()
        .expect("topology");
    let vip: IpAddr = "192.0.2.100".parse().unwrap();
    let observer = Observer::start(&topo, &[vip], Duration::from_millis(10)).expect("observer");
    let h1 = topo.router(1);
    topo.ip_in(h1, &["addr", "add", "192.0.2.100/24", "dev", "eth0"])
        .unwrap();
    observer
        .wait_for("h1 holds the VIP", Duration::from_secs(2), |s| {
            s.holders_of(vip) == ["h1"]
        })
        .unwrap();
    let client = topo.host_with_role(Role::Client).unwrap();
    topo.exec_in(client, "ping", &["-c", "1", "-W", "2", "192.0.2.100"])
        .unwrap();
    observer
        .wait_for(
            "client resolves the VIP to h1",
            Duration::from_secs(2),
            |s| s.client_neighbour.get(&vip).map(String::as_str) == Some("h1"),
        )
        .unwrap();
    topo.ip_in(h1, &["addr", "del", "192.0.2.100/24", "dev", "eth0"])
        .unwrap();
    observer
        .wait_for("nobody holds the VIP", Duration::from_secs(2), |s| {
            s.holders_of(vip).is_empty()
        })
        .unwrap();
    let timeline = observer.stop().unwrap();
    assert!(timeline.segments.len() >= 3, "{timeline:?}");
    assert!(timeline.multiple_holders(vip).is_empty());
}

#[test]
fn teardown_deletes_namespaces_and_processes_even_on_panic() {
    if !require("teardown_deletes_namespaces_even_on_panic", &[Need::Netns]) {
        return;
    }
    let mut seen = Vec::new();
    let mut pid = 0;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let topo = Topology::builder("harness_teardown")
            .routers(1)
            .build()
            .expect("topology");
        seen = topo.hosts().iter().map(|h| h.namespace.clone()).collect();
        seen.push(topo.switch_namespace().to_string());
        let log = topo.artifacts().join("sleep.log");
        pid = topo
            .processes()
            .spawn_in(&topo.router(1).namespace, "sleep", "sleep", &["60"], &log)
            .expect("spawn")
            .0;
        panic!("deliberate");
    }));
    assert!(result.is_err());
    let left = names::list_namespaces();
    for ns in &seen {
        assert!(!left.contains(ns), "{ns} survived teardown: {left:?}");
    }
    assert!(pid > 0);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "process {pid} survived teardown"
    );
}

#[test]
fn nft_faults_apply_and_remove_and_link_down_cuts_the_host_off() {
    if !require("nft_faults_apply_and_link_down", &[Need::Netns, Need::Nft]) {
        return;
    }
    let topo = Topology::builder("harness_faults")
        .routers(2)
        .build()
        .expect("topology");
    let (h1, h2) = (topo.router(1), topo.router(2));
    topo.block_vrrp_both(h1, h2).expect("block both ways");
    topo.vrrp_loss(h1, 30).expect("loss");
    let rules = topo.nft_counters(h1).expect("list");
    assert!(rules.contains("ip saddr 192.0.2.12"), "{rules}");
    assert!(rules.contains("ip6 saddr fe80::ff:fe00:2"), "{rules}");
    assert!(rules.contains("numgen random mod 100 < 30"), "{rules}");
    topo.unblock(h1).expect("unblock h1");
    assert!(topo.nft_counters(h1).is_err(), "table gone from h1");
    assert!(topo.nft_counters(h2).is_ok(), "h2 keeps its own table");

    let target = h2.ipv4.to_string();
    topo.link_down(h2).expect("link down");
    assert!(
        topo.exec_in(h1, "ping", &["-c", "1", "-W", "1", &target])
            .is_err()
    );
    let carrier = topo
        .ip_in(h2, &["-br", "link", "show", "dev", "eth0"])
        .unwrap();
    assert!(
        carrier.contains("LOWERLAYERDOWN") || carrier.contains("NO-CARRIER"),
        "{carrier}"
    );
    topo.link_up(h2).expect("link up");
    topo.exec_in(h1, "ping", &["-c", "1", "-W", "2", &target])
        .expect("reachable again after link up");
}

#[test]
fn stale_namespaces_of_dead_test_processes_are_removed_at_start() {
    if !require("stale_namespaces_are_removed", &[Need::Netns]) {
        return;
    }
    // a pid above pid_max never runs: its namespaces are stale by definition
    let pid_max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4_194_304);
    let stale = format!("{}{}-0-sw", names::PREFIX, pid_max + 1);
    vrrplab_netns::command::ip(&["netns", "add", &stale]).expect("create a stale namespace");
    let foreign = format!("vlabx-{}-h1", std::process::id());
    vrrplab_netns::command::ip(&["netns", "add", &foreign]).expect("create a foreign namespace");
    let topo = Topology::builder("harness_stale").routers(1).build();
    let left = names::list_namespaces();
    let _ = vrrplab_netns::command::ip(&["netns", "del", &foreign]);
    let _ = vrrplab_netns::command::ip(&["netns", "del", &stale]);
    topo.expect("topology");
    assert!(!left.contains(&stale), "{stale} still there: {left:?}");
    assert!(
        left.contains(&foreign),
        "a name without the harness shape was touched: {left:?}"
    );
}

/// Polls `done` every 10 ms until it holds (`true`) or `timeout` passed (`false`).
fn within(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while !done() {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

fn alive(pid: i32) -> bool {
    // a zombie (state Z) has exited; only its parent has yet to reap it
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit(')').next().map(|r| r.trim_start().to_string()))
        .is_some_and(|r| !r.starts_with('Z'))
}

#[test]
fn keepalived_crash_kills_parent_and_vrrp_child_and_stop_is_graceful() {
    use vrrplab_netns::{Keepalived, KeepalivedInstance, Peer, keepalived_config};
    if !require(
        "keepalived_crash_kills_parent_and_vrrp_child",
        &[Need::Netns, Need::Keepalived],
    ) {
        return;
    }
    let topo = Topology::builder("harness_keepalived_peer")
        .routers(1)
        .build()
        .expect("topology");
    let h1 = topo.router(1).clone();
    let config = keepalived_config(
        "h1",
        3,
        &[KeepalivedInstance::new(51, 100, 100, "192.0.2.100/24")],
    );
    let mut k = Keepalived::new(&topo, &h1, &config).expect("keepalived");
    let pids = |topo: &Topology| -> Vec<i32> {
        ["h1.keepalived.pid", "h1.keepalived-vrrp.pid"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(topo.artifacts().join(f)).ok())
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    };
    for round in 0..2 {
        k.start().expect("start");
        let both = pids(&topo);
        assert_eq!(both.len(), 2, "parent and VRRP child pid files");
        assert!(both.iter().all(|p| alive(*p)), "{both:?} running");
        assert!(k.is_running());
        if round == 0 {
            k.crash().expect("crash");
        } else {
            k.stop().expect("graceful stop");
            // the last lines pass the harness's log thread after the exit: waited for
            assert!(
                within(Duration::from_secs(2), || k.logs().contains("Stopped")),
                "{}",
                k.logs()
            );
        }
        assert!(!k.is_running());
        // a SIGKILLed child is gone once the kernel has run its exit: waited for, not slept on
        for p in &both {
            assert!(
                within(Duration::from_secs(2), || !alive(*p)),
                "pid {p} survived round {round}\n{}",
                k.logs()
            );
        }
    }
}
