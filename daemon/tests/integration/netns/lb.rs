//! `vrrplab run` as an LVS-NAT director with the nftables data plane, real processes only.
//!
//! Topology (one segment, 192.0.2.0/24): h1 (and h2) directors holding the VIP 192.0.2.100,
//! h3–h5 real servers (`python3 -m http.server` answering their own name) with weights 1, 2
//! and 3, h6 the sorry server, `cl` the client. As with LVS-NAT, the replies must go back
//! through the director: each real server routes the client's address via the VIP.
//!
//! What is shown: requests to VIP:80 spread by weight (counted); a killed real server leaves
//! the rotation within `delay_loop × (retry + 1) + connect_timeout` (plus slack for this
//! loaded machine) and is back after one successful check; the sorry server takes the traffic
//! when the quorum is lost; the table goes with the daemon; with two directors a master crash
//! moves the VIP and the service. Bad input: an unreachable real server, a URL answering
//! garbage and a hanging MISC_CHECK each get a clear state and log line while the daemon keeps
//! answering and stays master.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use vrrplab_netns::peer::Daemon;
use vrrplab_netns::{Need, Role};

use super::common::Lab;
use super::daemon::Vrrplab;

const NEEDS: &[Need] = &[Need::Netns, Need::Nft];
const VIP: &str = "192.0.2.100";

/// The director's configuration: the tutorial's LVS director (examples/lvs-director.conf)
/// adapted to the topology and to NAT, with `priority` for its instance.
fn director_config(router_id: &str, priority: u8, quorum: u32) -> String {
    format!(
        r#"global_defs {{
    router_id {router_id}
}}
vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 1
    virtual_ipaddress {{
        {VIP}/24
    }}
}}
virtual_server {VIP} 80 {{
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    quorum {quorum}
    sorry_server 192.0.2.16 80

    real_server 192.0.2.13 80 {{
        weight 1
        TCP_CHECK {{
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }}
    }}
    real_server 192.0.2.14 80 {{
        weight 2
        HTTP_GET {{
            url {{
                path /
                status_code 200
            }}
            connect_timeout 2
            retry 1
            delay_before_retry 1
        }}
    }}
    real_server 192.0.2.15 80 {{
        weight 3
        TCP_CHECK {{
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }}
    }}
}}
"#
    )
}

/// An HTTP server on router `n` answering its name (`h3`) to every GET of `/`.
fn web_server(lab: &Lab, n: u8) -> Daemon {
    let host = lab.topo.router(n).clone();
    let root = lab.topo.artifacts().join(format!("www-{}", host.name));
    std::fs::create_dir_all(&root).expect("web root");
    std::fs::write(root.join("index.html"), &host.name).expect("index.html");
    let mut d = Daemon::new(
        lab.topo.processes(),
        &format!("web-{}", host.name),
        &host.namespace,
        "python3",
        vec![
            "-m".into(),
            "http.server".into(),
            "80".into(),
            "--directory".into(),
            root.display().to_string(),
        ],
        lab.topo.artifacts().join(format!("web-{}.log", host.name)),
    );
    d.start().expect("start web server");
    d
}

/// Real servers answer clients through the VIP (LVS-NAT: the director un-NATs the replies).
fn route_replies_via_vip(lab: &Lab, n: u8) {
    let host = lab.topo.router(n).clone();
    lab.topo
        .ip_in(&host, &["route", "add", "192.0.2.200/32", "via", VIP])
        .expect("route the client via the VIP");
}

/// A director forwards (and sends no redirects: the client and servers share the segment).
fn make_director(lab: &Lab, n: u8) {
    let host = lab.topo.router(n).clone();
    for setting in [
        "net.ipv4.ip_forward=1",
        "net.ipv4.conf.all.send_redirects=0",
        "net.ipv4.conf.eth0.send_redirects=0",
    ] {
        lab.topo
            .exec_in(&host, "sysctl", &["-qw", setting])
            .expect("sysctl");
    }
}

/// `count` requests from the client, one connection each: answers by body, and failures.
fn requests(lab: &Lab, count: usize) -> (BTreeMap<String, usize>, usize) {
    let client = lab
        .topo
        .host_with_role(Role::Client)
        .expect("client")
        .clone();
    let script = format!(
        "for i in $(seq {count}); do curl -s -m 2 http://{VIP}/ || printf FAIL; echo; done"
    );
    let out = lab
        .topo
        .exec_in(&client, "sh", &["-c", &script])
        .unwrap_or_else(|e| format!("{e}"));
    let mut answers = BTreeMap::new();
    let mut failures = 0;
    for line in out.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.ends_with("FAIL") {
            failures += 1;
        } else {
            *answers.entry(line.to_string()).or_insert(0) += 1;
        }
    }
    (answers, failures)
}

/// The director's table as `nft list` prints it.
fn lb_table(lab: &Lab, n: u8) -> Result<String, String> {
    lab.topo
        .exec_in(
            lab.topo.router(n),
            "nft",
            &["list", "table", "inet", "vrrplab_lb"],
        )
        .map_err(|e| e.to_string())
}

/// The table of director `n` once it contains `needle` (or as it is after `timeout`).
fn lb_table_with(lab: &Lab, n: u8, needle: &str, timeout: Duration) -> Result<String, String> {
    let until = Instant::now() + timeout;
    loop {
        let table = lb_table(lab, n);
        if table.as_ref().is_ok_and(|t| t.contains(needle)) || Instant::now() >= until {
            return table;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many times `needle` is in the daemon's log so far.
fn seen(v: &Vrrplab, needle: &str) -> usize {
    v.log().matches(needle).count()
}

/// Waits until `needle` is in the log more often than `before` times (a new occurrence),
/// returning how long it took from `since`.
fn wait_new(
    v: &Vrrplab,
    needle: &str,
    before: usize,
    since: Instant,
    timeout: Duration,
) -> Duration {
    while seen(v, needle) <= before {
        if since.elapsed() > timeout {
            panic!("no new {needle:?} within {timeout:?}\n{}", v.log());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    since.elapsed()
}

#[test]
fn lb_director_spreads_by_weight_drops_a_dead_server_and_falls_back_to_the_sorry_server() {
    let test =
        "lb_director_spreads_by_weight_drops_a_dead_server_and_falls_back_to_the_sorry_server";
    let Some(mut lab) = Lab::new(test, NEEDS, 6, &[VIP.parse().unwrap()]) else {
        return;
    };
    make_director(&lab, 1);
    let mut servers: BTreeMap<u8, Daemon> = BTreeMap::new();
    for n in 3..=6 {
        route_replies_via_vip(&lab, n);
        servers.insert(n, web_server(&lab, n));
    }
    // quorum 3: h4 (2) + h5 (3) keep it; h4 alone (2) loses it.
    let mut v = Vrrplab::start_raw(
        &lab,
        1,
        &director_config("LVS_A", 150, 3),
        &["--lb-backend", "nftables"],
    );
    v.wait_alone(
        &mut lab,
        VIP.parse().unwrap(),
        &["h1"],
        Duration::from_secs(6),
    );
    v.wait_log(
        "load balancer: 192.0.2.100:80 -> 192.0.2.13:80 weight 1, 192.0.2.14:80 weight 2, 192.0.2.15:80 weight 3",
        Duration::from_secs(10),
    );
    // The log line is written when the driver hands the pool to the data-plane worker; the
    // worker's nft transaction follows it, so wait for the table to show the whole pool.
    let table = lb_table_with(&lab, 1, "numgen random mod 6", Duration::from_secs(3));
    let (spread, spread_failures) = requests(&lab, 300);

    // A real server dies: out within delay_loop × (retry + 1) + connect_timeout. Counting
    // lines makes an earlier flap of h4 (a slow answer on this loaded machine) not count.
    let out_line = "real server 192.0.2.14:80 out of the pool";
    let without_line =
        "load balancer: 192.0.2.100:80 -> 192.0.2.13:80 weight 1, 192.0.2.15:80 weight 3";
    let (outs, withouts) = (seen(&v, out_line), seen(&v, without_line));
    let killed_at = Instant::now();
    servers
        .get_mut(&4)
        .unwrap()
        .crash()
        .expect("kill h4's server");
    let out_after = wait_new(&v, out_line, outs, killed_at, Duration::from_secs(12));
    wait_new(
        &v,
        without_line,
        withouts,
        killed_at,
        Duration::from_secs(15),
    );
    let (without_h4, without_failures) = requests(&lab, 60);

    // It comes back after one successful check.
    let up_line = "real server 192.0.2.14:80 checker 0 up";
    let with_line = "192.0.2.14:80 weight 2, 192.0.2.15:80 weight 3 backend";
    let (ups, withs) = (seen(&v, up_line), seen(&v, with_line));
    let restarted_at = Instant::now();
    servers
        .get_mut(&4)
        .unwrap()
        .start()
        .expect("restart h4's server");
    let back_after = wait_new(&v, up_line, ups, restarted_at, Duration::from_secs(12));
    wait_new(&v, with_line, withs, restarted_at, Duration::from_secs(15));
    let (with_h4, _) = requests(&lab, 60);

    // h3 and h5 die: live weight 2 < quorum 3, the sorry server takes the traffic.
    servers
        .get_mut(&3)
        .unwrap()
        .crash()
        .expect("kill h3's server");
    servers
        .get_mut(&5)
        .unwrap()
        .crash()
        .expect("kill h5's server");
    v.wait_log("quorum lost", Duration::from_secs(10));
    v.wait_log(
        "load balancer: 192.0.2.100:80 -> 192.0.2.16:80 weight 1",
        Duration::from_secs(5),
    );
    let (sorry, sorry_failures) = requests(&lab, 20);

    v.stop();
    let table_after = lb_table(&lab, 1);
    let done = lab.finish();
    let ctx = format!(
        "{}\ntable: {table:?}\nspread {spread:?} ({spread_failures} failed), without h4 \
         {without_h4:?} ({without_failures} failed), with h4 {with_h4:?}, sorry {sorry:?} \
         ({sorry_failures} failed); h4 out after {out_after:?}, back after {back_after:?}",
        v.context(&lab, &done, 1)
    );
    eprintln!(
        "spread over 300 requests {spread:?}; h4 out of the pool {out_after:?} after its kill, \
         back {back_after:?} after its restart"
    );

    let table = table.unwrap_or_else(|e| panic!("no table while running: {e}\n{ctx}"));
    assert!(table.contains("numgen random mod 6"), "{ctx}");
    assert_eq!(spread_failures, 0, "every request answered\n{ctx}");
    let n = |m: &BTreeMap<String, usize>, k: &str| m.get(k).copied().unwrap_or(0);
    assert_eq!(
        spread.len(),
        3,
        "exactly the three real servers answer\n{ctx}"
    );
    assert!(
        n(&spread, "h3") < n(&spread, "h4") && n(&spread, "h4") < n(&spread, "h5"),
        "weights 1 < 2 < 3 show in the counts\n{ctx}"
    );
    // delay_loop 1 s × (retry 1 + 1) + connect_timeout 2 s, and 3 s for the loaded machine.
    assert!(out_after < Duration::from_secs(7), "h4 out in time\n{ctx}");
    assert_eq!(without_failures, 0, "{ctx}");
    assert_eq!(
        n(&without_h4, "h4"),
        0,
        "no request reaches the dead h4\n{ctx}"
    );
    assert!(n(&with_h4, "h4") > 0, "h4 is back in rotation\n{ctx}");
    assert_eq!(sorry_failures, 0, "{ctx}");
    assert_eq!(
        sorry.keys().collect::<Vec<_>>(),
        vec!["h6"],
        "the sorry server answers everything\n{ctx}"
    );
    assert!(
        table_after.is_err(),
        "the table goes with the daemon: {table_after:?}\n{ctx}"
    );
}

#[test]
fn lb_master_director_crash_moves_the_vip_and_the_service_to_the_backup() {
    let test = "lb_master_director_crash_moves_the_vip_and_the_service_to_the_backup";
    let Some(mut lab) = Lab::new(test, NEEDS, 5, &[VIP.parse().unwrap()]) else {
        return;
    };
    make_director(&lab, 1);
    make_director(&lab, 2);
    let mut servers = Vec::new();
    for n in 3..=5 {
        route_replies_via_vip(&lab, n);
        servers.push(web_server(&lab, n));
    }
    let mut master = Vrrplab::start_raw(
        &lab,
        1,
        &director_config("LVS_A", 150, 1),
        &["--lb-backend", "nftables"],
    );
    // The backup starts once the master holds the VIP, and runs as backup before the crash:
    // started together, the two Master_Down_Intervals (3.41 and 3.61 s) are only 195 ms
    // apart, a loaded machine could let the backup time out first, and its start-up
    // BACKUP -> MASTER would then satisfy the waits below before the crash had any effect.
    master.wait_alone(
        &mut lab,
        VIP.parse().unwrap(),
        &["h1"],
        Duration::from_secs(6),
    );
    let backup = Vrrplab::start_raw(
        &lab,
        2,
        &director_config("LVS_B", 100, 1),
        &["--lb-backend", "nftables"],
    );
    backup.wait_log("(VI_1) INIT -> BACKUP", Duration::from_secs(5));
    master.wait_alone(
        &mut lab,
        VIP.parse().unwrap(),
        &["h1"],
        Duration::from_secs(1),
    );
    master.wait_log("load balancer: 192.0.2.100:80 -> ", Duration::from_secs(10));
    let backup_table_before = lb_table(&lab, 2).unwrap_or_default();
    let (before, before_failures) = requests(&lab, 30);

    // The master director dies with its host: the process is killed and the host drops off
    // the segment (a killed keepalived or vrrplab leaves its VIP on the interface; a dead
    // machine answers nothing).
    master.daemon.crash().expect("crash the master director");
    lab.topo
        .ip_in(lab.topo.router(1), &["link", "set", "eth0", "down"])
        .expect("take h1 off the segment");
    backup.wait_log("BACKUP -> MASTER", Duration::from_secs(6));
    backup.wait_log("load balancer: 192.0.2.100:80 -> ", Duration::from_secs(5));
    // The client and the real servers follow the backup's gratuitous ARP.
    lab.wait_client_neighbour(VIP.parse().unwrap(), "h2", Duration::from_secs(3));
    let (after, after_failures) = requests(&lab, 30);
    let backup_table = lb_table(&lab, 2);
    let done = lab.finish();
    let ctx = format!(
        "{}\n--- backup\n{}\nbefore {before:?} ({before_failures} failed), after {after:?} \
         ({after_failures} failed)\nbackup table before: {backup_table_before}",
        master.context(&lab, &done, 1),
        backup.log()
    );
    assert_eq!(before_failures, 0, "{ctx}");
    assert_eq!(before.values().sum::<usize>(), 30, "{ctx}");
    assert!(
        !backup_table_before.contains("dnat"),
        "the backup director installs no service for a VIP it does not hold\n{ctx}"
    );
    assert!(
        backup_table
            .as_deref()
            .is_ok_and(|t| t.contains("ip daddr 192.0.2.100 tcp dport 80 dnat")),
        "the new master installed the service: {backup_table:?}\n{ctx}"
    );
    assert_eq!(
        after_failures, 0,
        "the service answers through the new master\n{ctx}"
    );
    assert_eq!(after.values().sum::<usize>(), 30, "{ctx}");
}

/// One director with three broken real servers (an address nobody has, a URL answering
/// garbage, a MISC_CHECK that hangs) and one good one: each broken one is down with its reason
/// in the log and `--status`, and the daemon stays master and answers its status endpoint.
#[test]
fn lb_unreachable_garbage_and_hanging_checks_are_down_with_reasons_and_the_daemon_stays_responsive()
{
    let test = "lb_unreachable_garbage_and_hanging_checks_are_down_with_reasons_and_the_daemon_stays_responsive";
    let Some(mut lab) = Lab::new(test, NEEDS, 3, &[VIP.parse().unwrap()]) else {
        return;
    };
    // h3:80 answers every connection with bytes that are not HTTP.
    let h3 = lab.topo.router(3).clone();
    let mut garbage = Daemon::new(
        lab.topo.processes(),
        "garbage-h3",
        &h3.namespace,
        "python3",
        vec![
            "-c".into(),
            "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',80))\ns.listen(16)\nwhile True:\n    c,_=s.accept()\n    c.recv(1024)\n    c.sendall(b'SSH-2.0-garbage\\r\\n\\r\\nnot http')\n    c.close()\n".into(),
        ],
        lab.topo.artifacts().join("garbage-h3.log"),
    );
    garbage.start().expect("start the garbage server");
    let good = web_server(&lab, 2);
    let notify = lab.topo.artifacts().join("notify-down-77");
    let notify = notify.display();
    let config = format!(
        r#"vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {{
        {VIP}/24
    }}
}}
virtual_server {VIP} 80 {{
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    real_server 192.0.2.77 80 {{
        notify_down "/bin/sh -c 'echo down >> {notify}'"
        TCP_CHECK {{
            connect_timeout 1
            retry 0
        }}
    }}
    real_server 192.0.2.13 80 {{
        HTTP_GET {{
            url {{
                path /
            }}
            connect_timeout 1
            retry 0
        }}
    }}
    real_server 192.0.2.12 80 {{
        MISC_CHECK {{
            misc_path "/bin/sleep 600"
            misc_timeout 1
        }}
    }}
    real_server 192.0.2.12 8080 {{
        TCP_CHECK {{
            connect_port 80
            connect_timeout 1
        }}
    }}
}}
"#
    );
    let status = "127.0.0.1:9181";
    let mut v = Vrrplab::start_raw(
        &lab,
        1,
        &config,
        &["--lb-backend", "nftables", "--status", status],
    );
    v.wait_alone(
        &mut lab,
        VIP.parse().unwrap(),
        &["h1"],
        Duration::from_secs(6),
    );
    v.wait_log(
        "real server 192.0.2.77:80 checker 0 down",
        Duration::from_secs(10),
    );
    v.wait_log(
        "real server 192.0.2.13:80 checker 0 down",
        Duration::from_secs(10),
    );
    v.wait_log(
        "real server 192.0.2.12:80 checker 0 down",
        Duration::from_secs(10),
    );
    let h1 = lab.topo.router(1).clone();
    let doc = lab
        .topo
        .exec_in(
            &h1,
            "curl",
            &["-s", "-m", "2", &format!("http://{status}/")],
        )
        .unwrap_or_default();
    let metrics = lab
        .topo
        .exec_in(
            &h1,
            "curl",
            &["-s", "-m", "2", &format!("http://{status}/metrics")],
        )
        .unwrap_or_default();
    let table = lb_table(&lab, 1).unwrap_or_default();
    // The hook is a child of its own: give it a moment to write.
    let hook_file = lab.topo.artifacts().join("notify-down-77");
    let deadline = Instant::now() + Duration::from_secs(3);
    while !hook_file.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let notified = std::fs::read_to_string(&hook_file);
    // SIGUSR1: the same state as one JSON line in the log.
    v.daemon.signal_main(libc::SIGUSR1).expect("SIGUSR1");
    v.wait_log("\"virtual_servers\":[{", Duration::from_secs(3));
    v.stop();
    drop(good);
    let done = lab.finish();
    let ctx = format!(
        "{}\nstatus: {doc}\nmetrics: {metrics}\ntable: {table}",
        v.context(&lab, &done, 1)
    );
    let log = v.log();
    assert!(
        log.contains("192.0.2.77:80 checker 0 down: connect failed (TCP_CHECK: ")
            || log.contains("192.0.2.77:80 checker 0 down: timeout (TCP_CHECK: "),
        "the unreachable server is down with its reason\n{ctx}"
    );
    assert!(
        log.contains(
            "192.0.2.13:80 checker 0 down: malformed HTTP response (HTTP_GET: no HTTP status line"
        ),
        "the garbage URL is down as malformed\n{ctx}"
    );
    assert!(
        log.contains("192.0.2.12:80 checker 0 down: timeout (MISC_CHECK: no result in time"),
        "the hanging script is down by its timeout\n{ctx}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&doc).unwrap_or_else(|e| panic!("status JSON: {e}\n{ctx}"));
    let servers = doc["virtual_servers"][0]["real_servers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let up: Vec<(String, bool)> = servers
        .iter()
        .map(|s| {
            (
                s["address"].as_str().unwrap_or("").to_string(),
                s["up"] == true,
            )
        })
        .collect();
    assert_eq!(
        up,
        vec![
            ("192.0.2.77:80".to_string(), false),
            ("192.0.2.13:80".to_string(), false),
            ("192.0.2.12:80".to_string(), false),
            ("192.0.2.12:8080".to_string(), true),
        ],
        "{ctx}"
    );
    assert!(servers[..3].iter().all(|s| s["error"].is_string()), "{ctx}");
    assert!(
        metrics.contains("vrrplab_real_server_up{virtual_server=\"192.0.2.100:80\",real_server=\"192.0.2.12:8080\"} 1"),
        "{ctx}"
    );
    assert!(
        table.contains("numgen random mod 1 map { 0 : 192.0.2.12 . 8080 }"),
        "only the good server is a destination\n{ctx}"
    );
    assert_eq!(doc["instances"][0]["state"], "MASTER", "{ctx}");
    assert_eq!(
        notified.ok().as_deref(),
        Some("down\n"),
        "notify_down ran once for the unreachable server\n{ctx}"
    );
}
