//! 9. Unicast peers, multicast group choice, accept mode.

use super::*;
use crate::node::Output;
use crate::node::{Node, NodeConfig};

fn transmits(node: &mut Node) -> Vec<crate::node::Transmit> {
    std::iter::from_fn(|| node.poll_output())
        .filter_map(|o| match o {
            Output::Transmit(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn owner_node(c: InstanceConfig) -> Node {
    let cfg: NodeConfig = host_config("h1", host_addr(0), vec![c]);
    Node::new(cfg, Instant::ZERO)
}

#[test]
fn unicast_peers_get_one_transmit_each_with_their_own_destination() {
    let mut c = instance(255);
    c.unicast_peers = vec![IpAddr::V4(host_addr(1)), IpAddr::V4(host_addr(2))];
    let mut node = owner_node(c);
    let t = transmits(&mut node);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].dst, IpAddr::V4(host_addr(1)));
    assert_eq!(t[1].dst, IpAddr::V4(host_addr(2)));
    assert!(
        t.iter()
            .all(|t| t.src == IpAddr::V4(host_addr(0)) && t.hop_limit == 255)
    );
}

#[test]
fn unicast_lan_elects_one_master_and_backups_hear_it() {
    let peers = |me: usize| -> Vec<IpAddr> {
        (0..3)
            .filter(|&i| i != me)
            .map(|i| IpAddr::V4(host_addr(i)))
            .collect()
    };
    let mut configs = Vec::new();
    for (i, p) in [150u8, 100, 50].into_iter().enumerate() {
        let mut c = instance(p);
        c.unicast_peers = peers(i);
        configs.push(c);
    }
    let mut lan = lan_of(configs);
    lan.run_until(at_secs(30.0));
    assert_eq!(lan.masters(51), vec![0]);
    let st = lan.node(1).unwrap().instances()[0].clone();
    assert_eq!(st.master, Some((IpAddr::V4(host_addr(0)), 150)));
    assert_eq!(st.counters.discarded(), 0);
}

#[test]
fn multicast_group_is_the_configured_one() {
    let mut c = instance(255);
    let group: IpAddr = "224.0.0.99".parse().unwrap();
    c.multicast_group = group;
    let mut node = owner_node(c);
    assert_eq!(transmits(&mut node)[0].dst, group);
}

#[test]
fn ipv6_instance_sends_v3_from_the_link_local_to_ff02_12() {
    let v6vip: IpAddr = "2001:db8::100".parse().unwrap();
    let mut c = InstanceConfig::new("VI_6", "eth0", 51, &[v6vip]);
    c.priority = 255;
    let mut node = owner_node(c);
    let t = transmits(&mut node);
    assert_eq!(t[0].dst, "ff02::12".parse::<IpAddr>().unwrap());
    assert!(matches!(t[0].src, IpAddr::V6(a) if a.segments()[0] == 0xfe80));
    assert_eq!(t[0].payload[0] >> 4, 3);
}

#[test]
fn accept_mode_defaults_on_and_is_always_on_for_the_owner() {
    let mut c = instance(100);
    c.accept = false;
    let node = owner_node(c);
    assert!(!node.instances()[0].accept);
    let mut owner = instance(255);
    owner.accept = false;
    assert!(owner_node(owner).instances()[0].accept);
    assert!(owner_node(instance(100)).instances()[0].accept);
}

#[test]
fn v2_and_v3_instances_with_the_same_vrid_on_ipv4_and_ipv6_are_demultiplexed_by_family() {
    let v6vip: IpAddr = "2001:db8::100".parse().unwrap();
    let v4 = instance(100);
    let mut v6 = InstanceConfig::new("VI_6", "eth0", 51, &[v6vip]);
    v6.priority = 100;
    let mut lan = Lan::new(1);
    lan.add_host(
        "h1",
        host_config("h1", host_addr(0), vec![v4.clone(), v6.clone()]),
    );
    let mut v4b = v4;
    v4b.priority = 50;
    let mut v6b = v6;
    v6b.priority = 50;
    lan.add_host("h2", host_config("h2", host_addr(1), vec![v4b, v6b]));
    lan.run_until(at_secs(20.0));
    let h2 = lan.node(1).unwrap().instances();
    assert!(h2.iter().all(|s| s.state == State::Backup));
    assert!(h2.iter().all(|s| s.counters.adverts_received > 10));
    assert!(h2.iter().all(|s| s.counters.discarded() == 0));
}
