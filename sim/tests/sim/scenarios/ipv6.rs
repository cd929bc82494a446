//! IPv6 clusters: VRRPv3 over IPv6 (group ff02::12) in turmoil's IPv6 mode, hosts at `fe80::N`,
//! unsolicited neighbour advertisements feeding the client's neighbour cache.

use super::helpers::*;
use std::net::{IpAddr, Ipv6Addr};
use vrrplab_sim::FaultAction::*;
use vrrplab_sim::observe::{EventKind, PacketKind};
use vrrplab_sim::scenario::load_keepalived_conf;
use vrrplab_sim::{NodeSpec, Scenario};

const VIP6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100);

fn v6_conf(router_id: &str, state: &str, priority: u8) -> String {
    format!(
        "global_defs {{
  router_id {router_id}
  vrrp_version 3
}}
vrrp_instance VI_6 {{
  state {state}
  interface eth0
  virtual_router_id 52
  priority {priority}
  advert_int 1
  virtual_ipaddress {{
    2001:db8::100/64
  }}
}}
"
    )
}

/// Two IPv6 nodes: a (priority 150, fe80::11) and b (priority 100, fe80::12), with a client.
fn v6_pair(name: &str) -> Scenario {
    let nodes = [
        ("a", "R1", "MASTER", 150, 11),
        ("b", "R2", "BACKUP", 100, 12),
    ]
    .iter()
    .map(|(n, id, state, priority, octet)| {
        let config = load_keepalived_conf(&v6_conf(id, state, *priority), &format!("{n}.conf"))
            .expect("conf parses");
        NodeSpec::new(n, std::net::Ipv4Addr::new(192, 0, 2, *octet), config)
    })
    .collect();
    let mut sc = Scenario::new(name, nodes);
    sc.client = true;
    sc.settings.duration = s(30.0);
    sc
}

fn became_master(o: &Outcome, node: &str) -> Vec<f64> {
    o.became_master(node, 52)
}

#[test]
fn ipv6_master_crash_backup_takes_over_within_master_down_interval() {
    let mut sc = v6_pair("IPv6 master crash");
    assert!(sc.ipv6());
    at(&mut sc, 10.0, Crash("a".into()));
    let o = run_scenario(sc);
    let t = became_master(&o, "b")
        .into_iter()
        .find(|t| *t > 10.0)
        .unwrap_or_else(|| panic!("b never took over{}", o.ctx()));
    // VRRPv3, advert 1 s, priority 100: Master_Down_Interval = 3 + 156/256 s, counted from
    // a's last advert (at most one interval before the crash).
    let mdi = mdi_v2(100);
    assert!(
        t >= 10.0 + mdi - 1.0 - TOL && t <= 10.0 + mdi + TOL,
        "takeover at {t}{}",
        o.ctx()
    );
    assert_eq!(o.analysis.failovers.len(), 1, "{}", o.ctx());
    assert!(o.analysis.split_brain.is_empty(), "{}", o.ctx());
    o.assert_invariants();
    // Adverts are IPv6 from the nodes' link-local addresses to ff02::12, hop limit 255.
    let group: IpAddr = "ff02::12".parse().expect("group");
    let adverts: Vec<_> = o
        .record
        .packets
        .iter()
        .filter(|p| p.kind == PacketKind::Vrrp)
        .collect();
    assert!(!adverts.is_empty(), "{}", o.ctx());
    for p in &adverts {
        let expected_src: IpAddr = if p.node == "a" {
            "fe80::11".parse().expect("a")
        } else {
            "fe80::12".parse().expect("b")
        };
        assert_eq!(
            (p.src, p.dst, p.hop_limit),
            (expected_src, group, 255),
            "{p:?}"
        );
        assert_eq!(p.payload[0] >> 4, 3, "VRRPv3: {p:?}");
    }
    // The VIP moves with unsolicited NAs, and the client's neighbour cache follows them.
    let nas: Vec<(&str, f64)> = o
        .record
        .packets
        .iter()
        .filter(|p| matches!(p.kind, PacketKind::Na { address, vrid: 52 } if address == VIP6))
        .map(|p| (p.node.as_str(), p.t.as_secs_f64()))
        .collect();
    assert!(nas.iter().any(|(n, _)| *n == "a"), "{nas:?}");
    assert!(nas.iter().any(|(n, t)| *n == "b" && *t > 10.0), "{nas:?}");
    let cache: Vec<(String, f64)> = o
        .record
        .events
        .iter()
        .filter(
            |e| matches!(e.kind, EventKind::ClientArp { address } if address == IpAddr::V6(VIP6)),
        )
        .map(|e| (e.node.clone(), e.t.as_secs_f64()))
        .collect();
    assert_eq!(
        cache.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["a", "b"],
        "{cache:?}{}",
        o.ctx()
    );
    assert!(cache[1].1 >= t && cache[1].1 <= t + 0.1, "{cache:?}");
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn mixed_ipv4_and_ipv6_instances_are_rejected_with_the_reason_and_the_fix() {
    let mut sc = v6_pair("mixed");
    sc.nodes[1].config.instances[0] = instance(100);
    let e = sc.validate().expect_err("mixed families");
    assert!(e.message.contains("a/VI_6"), "{}", e.message);
    assert!(e.message.contains("b/VI_1"), "{}", e.message);
    assert!(e.message.contains("one address"), "{}", e.message);
    assert!(e.message.contains("split it"), "{}", e.message);
    let run = vrrplab_sim::run(&sc).expect_err("run refuses");
    assert!(run.message.contains("split it"), "{run}");
}

#[test]
fn ipv6_runs_repeat_byte_for_byte_with_the_same_seed() {
    let mut sc = v6_pair("IPv6 determinism");
    at(&mut sc, 8.0, Crash("a".into()));
    at(&mut sc, 15.0, Restart("a".into()));
    let one = run_scenario(sc.clone());
    let two = run_scenario(sc);
    assert_eq!(one.record.events, two.record.events);
    assert_eq!(one.record.packets, two.record.packets);
}
