//! `vrrplab watch` in a third namespace on the segment (the client's), next to a keepalived
//! pair split by a one-way VRRP block: it says the split brain opened while it happens and
//! closed once healed, and the findings it gives over the whole run are the ones
//! `vrrplab replay --json` gives on the capture it kept (`--pcap`).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use vrrplab_netns::peer::Daemon;
use vrrplab_netns::{Need, Role};

use super::common::{Lab, vip4};
use super::replay_check;

pub(super) const KEEPALIVED_NFT: &[Need] = &[Need::Netns, Need::Keepalived, Need::Nft];

/// A `vrrplab watch` running in one of the lab's namespaces.
pub(super) struct Watch {
    pub(super) daemon: Daemon,
    pub(super) pcap: PathBuf,
}

impl Watch {
    /// Starts `vrrplab watch -i eth0 --pcap <artifacts>/<name>.pcap` plus `extra` in the client
    /// namespace, and waits until it captures.
    pub(super) fn start(lab: &Lab, name: &str, extra: &[&str]) -> Watch {
        let client = lab.topo.host_with_role(Role::Client).expect("client host");
        Watch::start_on(lab, &client.namespace, "eth0", name, extra)
    }

    /// Starts `vrrplab watch -i <interface> --pcap <artifacts>/<name>.pcap` plus `extra` in
    /// `namespace`, and waits until it captures.
    pub(super) fn start_on(
        lab: &Lab,
        namespace: &str,
        interface: &str,
        name: &str,
        extra: &[&str],
    ) -> Watch {
        let pcap = lab.topo.artifacts().join(format!("{name}.pcap"));
        let args: Vec<String> = ["watch", "-i", interface, "--pcap"]
            .iter()
            .map(|s| s.to_string())
            .chain([pcap.display().to_string()])
            .chain(extra.iter().map(|s| s.to_string()))
            .collect();
        let mut daemon = Daemon::new(
            lab.topo.processes(),
            name,
            namespace,
            env!("CARGO_BIN_EXE_vrrplab"),
            args,
            lab.topo.artifacts().join(format!("{name}.log")),
        );
        daemon.start().expect("start vrrplab watch");
        let watch = Watch { daemon, pcap };
        watch.wait_for(&format!("watching {interface}"), Duration::from_secs(5));
        watch
    }

    /// Its output lines, without the harness's time and label prefix.
    pub(super) fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.daemon.log())
            .unwrap_or_default()
            .lines()
            .map(|l| l.splitn(3, ' ').nth(2).unwrap_or_default().to_string())
            .collect()
    }

    /// Waits until a line contains `text`; panics with the output otherwise.
    pub(super) fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.poll(&format!("printing {text:?}"), timeout, |w| {
            w.lines().into_iter().find(|l| l.contains(text))
        })
    }

    /// Waits until a JSON line says `event` (`opened`, `closed` …) of a finding of `kind`;
    /// panics with the output otherwise.
    pub(super) fn wait_for_event(&self, event: &str, kind: &str, timeout: Duration) -> Value {
        self.poll(&format!("giving {event} {kind}"), timeout, |w| {
            w.events()
                .into_iter()
                .find(|e| e["event"] == event && e["finding"]["kind"] == kind)
        })
    }

    /// Polls `find` every 20 ms until it gives something; panics with `what` and the output
    /// after `timeout`.
    fn poll<T>(&self, what: &str, timeout: Duration, find: impl Fn(&Self) -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = find(self) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "vrrplab watch {what} within {timeout:?}:\n{}",
                self.lines().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGINT, and the exit that follows (with its summary).
    pub(super) fn interrupt(&mut self) {
        self.daemon
            .stop_with(libc::SIGINT, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("{e}\n{}", self.lines().join("\n")));
    }

    /// The JSON lines it printed.
    pub(super) fn events(&self) -> Vec<Value> {
        self.lines()
            .iter()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// A finding, comparable: kind, VRID, start, end, routers and detail as one string.
fn comparable(
    kind: &str,
    vrid: u64,
    start: f64,
    end: f64,
    routers: &[String],
    detail: &Value,
) -> String {
    format!("{kind} {vrid} {start:.6} {end:.6} {routers:?} {detail}")
}

pub(super) fn replayed(pcap: &Path) -> Vec<String> {
    let mut v: Vec<String> = replay_check::replay(pcap)
        .iter()
        .map(|f| comparable(&f.kind, f.vrid, f.start, f.end, &f.routers, &f.detail))
        .collect();
    v.sort();
    v
}

pub(super) fn given(events: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = events
        .iter()
        .filter(|e| e["event"] == "finding")
        .map(|e| {
            let f = &e["finding"];
            let routers: Vec<String> = f["routers"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            comparable(
                f["kind"].as_str().unwrap_or_default(),
                f["vrid"].as_u64().unwrap_or_default(),
                f["start"].as_f64().unwrap_or(f64::NAN),
                f["end"].as_f64().unwrap_or(f64::NAN),
                &routers,
                &f["detail"],
            )
        })
        .collect();
    v.sort();
    v
}

/// What a `--json` watch that ran over a whole one-way-block split brain between `routers` must
/// have said: the dual master opened, closed and was given as a finding, in that order, with
/// both routers; nothing revised; the summary counts one dual master; and `vrrplab replay
/// --json` on the watch's own `--pcap` gives the same findings.
pub(super) fn assert_split_brain_given_as_replay_does(
    watch: &Watch,
    routers: [IpAddr; 2],
    ctx: &str,
) {
    let events = watch.events();
    let duals: Vec<&Value> = events
        .iter()
        .filter(|e| e["finding"]["kind"] == "dual-master")
        .collect();
    let kinds: Vec<&str> = duals
        .iter()
        .map(|e| e["event"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["opened", "closed", "finding"], "{ctx}");
    for r in routers {
        assert!(
            duals.iter().all(|e| e["finding"]["routers"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(&r.to_string())))),
            "dual master without {r}\n{ctx}"
        );
    }
    assert!(
        !events.iter().any(|e| e["event"] == "revised"),
        "nothing revised at the end\n{ctx}"
    );
    let summary = events.last().expect("a summary line");
    assert_eq!(summary["event"], "summary", "{ctx}");
    assert_eq!(summary["findings"]["dual-master"], 1, "{ctx}");
    assert_eq!(given(&events), replayed(&watch.pcap), "{ctx}");
}

#[test]
fn watch_in_a_third_namespace_reports_the_one_way_block_split_brain_live_as_replay_does() {
    let test =
        "watch_in_a_third_namespace_reports_the_one_way_block_split_brain_live_as_replay_does";
    let Some(mut lab) = Lab::master_and_backup(test, KEEPALIVED_NFT) else {
        return;
    };
    let mut json = Watch::start(&lab, "watch-json", &["--json"]);
    let mut text = Watch::start(&lab, "watch-text", &[]);
    std::thread::sleep(Duration::from_millis(300));
    let (host1, host2) = (lab.topo.router(1).clone(), lab.topo.router(2).clone());
    lab.topo.block_vrrp(&host1, &host2).expect("block h1 → h2");
    lab.wait_holders(vip4(), &["h1", "h2"], Duration::from_secs(3));
    // the split brain is reported while it goes on, before the block is lifted
    json.wait_for("\"event\":\"opened\"", Duration::from_secs(3));
    let opened = text.wait_for("opened   dual-master", Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(500));
    lab.topo.unblock(&host2).expect("unblock");
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    // … and closed once h2 is silent again, still while the watch runs
    let closed = text.wait_for("closed   dual-master", Duration::from_secs(3));
    json.wait_for("\"event\":\"closed\"", Duration::from_secs(3));
    json.interrupt();
    text.interrupt();
    let done = lab.finish();
    let ctx = format!(
        "{}\n--- watch --json\n{}\n--- watch\n{}",
        lab.context(&done),
        json.lines().join("\n"),
        text.lines().join("\n")
    );
    let (h1, h2) = (lab.router_ip(1), lab.router_ip(2));
    assert!(opened.contains(&format!("{h1} and {h2}")), "{ctx}");
    assert!(closed.contains("split brain"), "{ctx}");

    // opened, closed, given; nothing revised; one in the summary; the same as replay's
    assert_split_brain_given_as_replay_does(&json, [h1, h2], &ctx);
    let events = json.events();
    let summary = events.last().expect("a summary line");
    assert!(
        summary["status"]["counters"]["dual_master_seconds"]
            .as_f64()
            .is_some_and(|s| s > 0.5),
        "{ctx}"
    );
    let watched = given(&events);
    assert!(
        watched.iter().any(|f| f.starts_with("dual-master")),
        "{ctx}"
    );
    // the text watch (started a moment later) kept the same split brain
    let spans = |pcap: &Path| -> Vec<(f64, f64)> {
        replay_check::of_kind(
            &replay_check::replay(pcap),
            "dual-master",
            super::common::VRID,
        )
        .iter()
        .map(|f| (f.start, f.end))
        .collect()
    };
    assert_eq!(spans(&text.pcap), spans(&json.pcap), "{ctx}");
    // and the bridge's own capture agrees on the split brain (another capture point: µs apart)
    let bridge = replay_check::replay(&done.pcap);
    let watched_dual = events
        .iter()
        .find(|e| e["event"] == "finding" && e["finding"]["kind"] == "dual-master")
        .map(|e| e["finding"].clone())
        .unwrap_or_default();
    let bridge_dual = replay_check::of_kind(&bridge, "dual-master", super::common::VRID);
    assert_eq!(bridge_dual.len(), 1, "{ctx}");
    for (k, v) in [("start", bridge_dual[0].start), ("end", bridge_dual[0].end)] {
        let w = watched_dual[k].as_f64().unwrap_or(f64::NAN);
        // Both are kernel stamps of the same frame, taken on two paths: a stall of the VM
        // between them (measured by the harness) may separate them further.
        let at = Duration::from_secs_f64(v.max(0.0));
        let stalled = done.stalls.within(
            at.saturating_sub(Duration::from_millis(100)),
            at + Duration::from_millis(100),
        );
        let allowed = 0.005 + stalled.as_secs_f64();
        assert!(
            (w - v).abs() < allowed,
            "{k}: watch {w:.6}, bridge {v:.6}, allowed ±{allowed:.6} s\n{ctx}"
        );
    }
    eprintln!(
        "{test}: vrrplab watch printed:\n{}",
        text.lines().join("\n")
    );
}

#[test]
fn watch_interface_that_goes_away_is_an_error_or_awaited_with_wait_for_interface() {
    let test = "watch_interface_that_goes_away_is_an_error_or_awaited_with_wait_for_interface";
    let Some(lab) = Lab::new(test, &[Need::Netns], 1, &[]) else {
        return;
    };
    let client = lab
        .topo
        .host_with_role(Role::Client)
        .expect("client")
        .clone();
    // a veth pair inside the client's namespace (no dummy module on the target kernel);
    // deleting one end deletes both
    let dummy = |verb: &str, name: &str| {
        let peer = format!("{name}p");
        let args: Vec<&str> = match verb {
            "add" => vec!["link", "add", name, "type", "veth", "peer", "name", &peer],
            _ => vec!["link", "del", name],
        };
        lab.topo.ip_in(&client, &args).expect("ip link");
        if verb == "add" {
            lab.topo
                .ip_in(&client, &["link", "set", name, "up"])
                .expect("ip link set up");
        }
    };
    let start = |name: &str, iface: &str, extra: &[&str]| {
        let args: Vec<String> = ["watch", "-i", iface]
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect();
        let mut d = Daemon::new(
            lab.topo.processes(),
            name,
            &client.namespace,
            env!("CARGO_BIN_EXE_vrrplab"),
            args,
            lab.topo.artifacts().join(format!("{name}.log")),
        );
        d.start().expect("start vrrplab watch");
        Watch {
            daemon: d,
            pcap: PathBuf::new(),
        }
    };
    let timeout = Duration::from_secs(5);

    // without the flag: an absent interface is an error at once …
    let absent = start("watch-absent", "nosuch0", &[]);
    assert!(absent.daemon.wait_exit(timeout), "{:?}", absent.lines());
    absent.wait_for("vrrplab watch: interface nosuch0 does not exist", timeout);
    // … and one that goes away ends the watch with a summary and the reason
    dummy("add", "wd0");
    let strict = start("watch-strict", "wd0", &[]);
    strict.wait_for("watching wd0", timeout);
    dummy("del", "wd0");
    assert!(strict.daemon.wait_exit(timeout), "{:?}", strict.lines());
    strict.wait_for("summary", timeout);
    strict.wait_for("vrrplab watch: interface wd0 went away", timeout);

    // with it: waits for the interface, and again when it goes away and comes back
    let mut patient = start("watch-patient", "wd1", &["--wait-for-interface", "--json"]);
    patient.wait_for("waiting for interface wd1", timeout);
    dummy("add", "wd1");
    patient.wait_for("watching wd1", timeout);
    dummy("del", "wd1");
    patient.wait_for("went away; waiting for it", timeout);
    dummy("add", "wd1");
    patient.wait_for("wd1 is back", timeout);
    assert!(patient.daemon.is_running(), "{:?}", patient.lines());
    patient.interrupt();
    let summary = patient.wait_for("\"event\":\"summary\"", timeout);
    assert!(summary.contains("\"interface\":\"wd1\""), "{summary}");
}
