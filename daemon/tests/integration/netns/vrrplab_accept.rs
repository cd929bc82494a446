//! `no_accept` next to keepalived: both routers run the same instance with `no_accept`
//! (vrrplab h1 priority 150, keepalived h2 priority 100). Whoever is master, the client
//! resolves the VIP (ARP passes, as keepalived lets it) and gets no answer to a ping to it; the
//! routers' own addresses still answer. keepalived starts first; vrrplab preempts it. vrrplab's nftables table exists while it runs and is
//! gone once it exits.

use std::net::IpAddr;
use std::time::Duration;

use vrrplab_netns::{Need, Role};

use super::common::{Lab, instance4, vip4};
use super::daemon::Vrrplab;

const KEEPALIVED: &[Need] = &[Need::Netns, Need::Keepalived];

/// Pings `target` twice from the client; `true` when an answer came back.
fn client_reaches(lab: &Lab, target: IpAddr) -> bool {
    let client = lab.topo.host_with_role(Role::Client).expect("client host");
    lab.topo
        .exec_in(client, "ping", &["-c", "2", "-W", "1", &target.to_string()])
        .is_ok()
}

/// vrrplab's table in h1, as `nft list` prints it (`Err` when there is none).
fn vrrplab_table(lab: &Lab) -> Result<String, String> {
    lab.topo
        .exec_in(
            lab.topo.router(1),
            "nft",
            &["list", "table", "inet", "vrrplab_run"],
        )
        .map_err(|e| e.to_string())
}

#[test]
fn vrrplab_no_accept_master_drops_traffic_to_its_vip_as_keepalived_does() {
    let test = "vrrplab_no_accept_master_drops_traffic_to_its_vip_as_keepalived_does";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    let no_accept = |priority| {
        let mut i = instance4(priority, 100);
        i.extra.push("no_accept".to_string());
        i
    };
    lab.start_keepalived(2, 3, &[no_accept(100)]);
    // keepalived is master before vrrplab starts, and vrrplab preempts it: started together,
    // both go master at once and keepalived's paced GARPs could follow vrrplab's (which leave
    // with its first advert), pointing the client at h2 until the 5 s repeat.
    lab.wait_holders(vip4(), &["h2"], Duration::from_secs(4));
    let v = Vrrplab::start(&lab, 1, &[no_accept(150)]);
    v.wait_alone(&mut lab, vip4(), &["h1"], Duration::from_secs(4));
    let ours_reached = client_reaches(&lab, vip4());
    lab.wait_client_neighbour(vip4(), "h1", Duration::from_secs(2));
    let own_reached = client_reaches(&lab, lab.router_ip(1));
    let table = vrrplab_table(&lab);
    v.daemon
        .signal_main(libc::SIGTERM)
        .expect("SIGTERM vrrplab");
    assert!(
        v.daemon.wait_exit(Duration::from_secs(3)),
        "vrrplab ignored SIGTERM:\n{}",
        v.log()
    );
    let table_after = vrrplab_table(&lab);
    v.wait_alone(&mut lab, vip4(), &["h2"], Duration::from_secs(3));
    let theirs_reached = client_reaches(&lab, vip4());
    lab.wait_client_neighbour(vip4(), "h2", Duration::from_secs(2));
    let log = v.log();
    let done = lab.finish();
    let ctx = format!(
        "{}\n--- vrrplab h1\n{log}\n--- table while running\n{table:?}",
        lab.context(&done)
    );

    assert!(
        !theirs_reached,
        "keepalived's no_accept master drops pings to the VIP\n{ctx}"
    );
    assert!(
        !ours_reached,
        "vrrplab's no_accept master drops pings to the VIP\n{ctx}"
    );
    assert!(own_reached, "h1's own address still answers\n{ctx}");
    let table = table.unwrap_or_else(|e| panic!("no table while running: {e}\n{ctx}"));
    assert!(
        table.contains("elements = { 192.0.2.100 }"),
        "the master's VIP is in the drop set\n{ctx}"
    );
    assert!(
        table_after.is_err(),
        "the table goes with the daemon: {table_after:?}\n{ctx}"
    );
}
