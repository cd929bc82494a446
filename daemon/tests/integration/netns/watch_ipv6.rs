//! `vrrplab watch` in the client's namespace next to an IPv6 keepalived pair (VRRPv3 from the
//! routers' link-local addresses to ff02::12) split by a one-way VRRP block: the dual master is
//! opened while both routers hold the IPv6 VIP, closed once the block is lifted, and the
//! findings it gives are the ones `vrrplab replay --json` gives on the capture it kept.

use std::time::Duration;

use super::common::{Lab, instance6, vip6};
use super::watch::{KEEPALIVED_NFT, Watch, assert_split_brain_given_as_replay_does};

#[test]
fn watch_reports_the_ipv6_one_way_block_split_brain_live_as_replay_does() {
    let test = "watch_reports_the_ipv6_one_way_block_split_brain_live_as_replay_does";
    let pair = [instance6(150, 100), instance6(100, 100)];
    let Some(mut lab) = Lab::master_and_backup_of(test, KEEPALIVED_NFT, vip6(), pair) else {
        return;
    };
    let secs = Duration::from_secs;
    let mut watch = Watch::start(&lab, "watch-v6", &["--json"]);
    std::thread::sleep(Duration::from_millis(300));
    let (host1, host2) = (lab.topo.router(1).clone(), lab.topo.router(2).clone());
    lab.topo.block_vrrp(&host1, &host2).expect("block h1 → h2");
    lab.wait_holders(vip6(), &["h1", "h2"], secs(3));
    watch.wait_for_event("opened", "dual-master", secs(3));
    std::thread::sleep(Duration::from_millis(500));
    lab.topo.unblock(&host2).expect("unblock");
    lab.wait_holders(vip6(), &["h1"], secs(3));
    watch.wait_for_event("closed", "dual-master", secs(3));
    watch.interrupt();
    let done = lab.finish();
    let ctx = format!(
        "{}\n--- watch --json\n{}",
        lab.context(&done),
        watch.lines().join("\n")
    );
    let (h1, h2) = (lab.router_link_local(1), lab.router_link_local(2));
    assert_split_brain_given_as_replay_does(&watch, [h1, h2], &ctx);
}
