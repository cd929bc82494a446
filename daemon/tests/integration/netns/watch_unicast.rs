//! `vrrplab watch` on a unicast keepalived pair (`unicast_src_ip` / `unicast_peer`) split by a
//! one-way VRRP block.
//!
//! Where the watch runs: unicast adverts go from one router's MAC to the other's, so once the
//! bridge has learnt the two MACs it forwards them to the peer's port only, and a watch in a
//! third host's namespace (the client's, as for multicast) sees none of them: the test runs one
//! there too and checks that it analysed no advert, only the broadcast GARPs. A real
//! deployment watches where the traffic passes: a mirror (SPAN) port or the switch itself. Here
//! the watch runs in the switch namespace on the bridge device `br0`; its capture socket is
//! promiscuous, which puts the bridge in promiscuous mode, and a promiscuous bridge passes every
//! frame it forwards up to itself (the harness's own capture works the same way). It is still
//! passive: nothing is sent and the routers' namespaces are not touched.
//!
//! The dual master is opened while both routers hold the VIP, closed once the block is lifted,
//! and the findings are the ones `vrrplab replay --json` gives on the watch's own capture, in
//! which every advert is unicast between the two routers.

use std::time::Duration;

use vrrplab_netns::CaptureLog;
use vrrplab_netns::topology::BRIDGE;

use super::common::{Lab, instance4, vip4};
use super::watch::{KEEPALIVED_NFT, Watch, assert_split_brain_given_as_replay_does};

#[test]
fn watch_on_the_bridge_reports_the_unicast_one_way_block_split_brain_live_as_replay_does() {
    let test =
        "watch_on_the_bridge_reports_the_unicast_one_way_block_split_brain_live_as_replay_does";
    let h1: std::net::IpAddr = "192.0.2.11".parse().expect("h1");
    let h2: std::net::IpAddr = "192.0.2.12".parse().expect("h2");
    let unicast = |priority, src, peer| {
        let mut i = instance4(priority, 100);
        i.unicast = Some((src, vec![peer]));
        i
    };
    let pair = [unicast(150, h1, h2), unicast(100, h2, h1)];
    let Some(mut lab) = Lab::master_and_backup_of(test, KEEPALIVED_NFT, vip4(), pair) else {
        return;
    };
    assert_eq!((lab.router_ip(1), lab.router_ip(2)), (h1, h2));
    let secs = Duration::from_secs;
    let switch = lab.topo.switch_namespace().to_string();
    let mut watch = Watch::start_on(&lab, &switch, BRIDGE, "watch-unicast", &["--json"]);
    let mut off_path = Watch::start(&lab, "watch-client", &["--json"]);
    std::thread::sleep(Duration::from_millis(300));
    let (host1, host2) = (lab.topo.router(1).clone(), lab.topo.router(2).clone());
    lab.topo.block_vrrp(&host1, &host2).expect("block h1 → h2");
    lab.wait_holders(vip4(), &["h1", "h2"], secs(3));
    watch.wait_for_event("opened", "dual-master", secs(3));
    std::thread::sleep(Duration::from_millis(500));
    lab.topo.unblock(&host2).expect("unblock");
    lab.wait_holders(vip4(), &["h1"], secs(3));
    watch.wait_for_event("closed", "dual-master", secs(3));
    watch.interrupt();
    off_path.interrupt();
    let done = lab.finish();
    let ctx = format!(
        "{}\n--- watch --json\n{}",
        lab.context(&done),
        watch.lines().join("\n")
    );
    assert_split_brain_given_as_replay_does(&watch, [h1, h2], &ctx);
    // what the watch analysed is the unicast traffic, both ways, and nothing multicast
    let kept = CaptureLog::read(&watch.pcap).expect("read the watch's pcap");
    let adverts: Vec<_> = kept
        .adverts()
        .map(|(_, a)| (a.source, a.destination))
        .collect();
    assert!(adverts.contains(&(h1, h2)), "{adverts:?}\n{ctx}");
    assert!(adverts.contains(&(h2, h1)), "{adverts:?}\n{ctx}");
    assert!(
        adverts.iter().all(|a| *a == (h1, h2) || *a == (h2, h1)),
        "{adverts:?}\n{ctx}"
    );
    // off the path, in the client's namespace: the GARPs of h2 taking the VIP, no advert
    let client = CaptureLog::read(&off_path.pcap).expect("read the client watch's pcap");
    let seen: Vec<_> = client
        .adverts()
        .map(|(_, a)| (a.source, a.destination))
        .collect();
    assert_eq!(seen, [], "{}\n{ctx}", off_path.lines().join("\n"));
    let h2_mac = lab.topo.router(2).mac;
    assert!(
        !client.announcements_from(h2_mac, Duration::ZERO).is_empty(),
        "the client's watch saw h2's GARPs\n{ctx}"
    );
    assert!(
        off_path
            .lines()
            .iter()
            .any(|l| l.contains("\"event\":\"summary\"")),
        "{}\n{ctx}",
        off_path.lines().join("\n")
    );
}
