//! Node tests: demultiplexing, the driver contract, reload.

use super::*;
use crate::lan::host_config;
use crate::vrrp::{InstanceConfig, TransitionReason};
use crate::wire::{Advert, Authentication, ChecksumConvention, Version};
use std::net::Ipv4Addr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub(super) fn inst(name: &str, vrid: u8, priority: u8, vips: &[&str]) -> InstanceConfig {
    let vips: Vec<IpAddr> = vips.iter().map(|v| ip(v)).collect();
    let mut c = InstanceConfig::new(name, "eth0", vrid, &vips);
    c.priority = priority;
    c
}

pub(super) fn node(instances: Vec<InstanceConfig>) -> Node {
    let mut n = Node::new(
        host_config("h1", Ipv4Addr::new(192, 0, 2, 11), instances),
        Instant::ZERO,
    );
    drain(&mut n);
    n
}

pub(super) fn drain(n: &mut Node) -> Vec<Output> {
    std::iter::from_fn(|| n.poll_output()).collect()
}

pub(super) fn advert_from(vrid: u8, priority: u8, src: &str) -> (RxMeta, Vec<u8>) {
    let a = Advert {
        version: Version::V2,
        vrid,
        priority,
        interval_cs: 100,
        authentication: Authentication::None,
        addresses: vec![ip("192.0.2.100")],
    };
    let dst = ip("224.0.0.18");
    let meta = RxMeta {
        interface: "eth0".into(),
        src: ip(src),
        dst,
        hop_limit: 255,
    };
    (
        meta,
        a.to_bytes(ip(src), dst, ChecksumConvention::PseudoHeader),
    )
}

#[test]
fn packets_go_to_the_instance_with_their_vrid() {
    let mut n = node(vec![
        inst("A", 51, 100, &["192.0.2.100"]),
        inst("B", 52, 100, &["192.0.2.100"]),
    ]);
    let (meta, bytes) = advert_from(52, 200, "192.0.2.12");
    n.handle_packet(Instant::from_millis(100), &meta, &bytes);
    let st = n.instances();
    assert_eq!(st[0].counters.adverts_received, 0);
    assert_eq!(st[1].counters.adverts_received, 1);
    assert_eq!(st[1].master, Some((ip("192.0.2.12"), 200)));
}

#[test]
fn unknown_vrid_other_interface_and_short_packets_are_counted_at_node_level() {
    let mut n = node(vec![inst("A", 51, 100, &["192.0.2.100"])]);
    let (mut meta, bytes) = advert_from(99, 200, "192.0.2.12");
    n.handle_packet(Instant::ZERO, &meta, &bytes);
    let (_, bytes51) = advert_from(51, 200, "192.0.2.12");
    meta.interface = "eth9".into();
    n.handle_packet(Instant::ZERO, &meta, &bytes51);
    n.handle_packet(Instant::ZERO, &meta, &[0x21]);
    assert_eq!(
        *n.counters(),
        NodeCounters {
            too_short: 1,
            unknown_vrid: 2
        }
    );
    assert_eq!(n.instances()[0].counters.adverts_received, 0);
}

#[test]
fn unicast_instances_sharing_a_vrid_are_told_apart_by_peer() {
    let mut a = inst("A", 51, 100, &["192.0.2.100"]);
    a.unicast_peers = vec![ip("192.0.2.12")];
    let mut b = inst("B", 51, 100, &["192.0.2.200"]);
    b.unicast_peers = vec![ip("192.0.2.13")];
    let mut n = node(vec![a, b]);
    let (mut meta, _) = advert_from(51, 200, "192.0.2.13");
    meta.dst = ip("192.0.2.11");
    let adv = Advert {
        version: Version::V2,
        vrid: 51,
        priority: 200,
        interval_cs: 100,
        authentication: Authentication::None,
        addresses: vec![ip("192.0.2.200")],
    };
    let bytes = adv.to_bytes(meta.src, meta.dst, ChecksumConvention::PseudoHeader);
    n.handle_packet(Instant::ZERO, &meta, &bytes);
    let st = n.instances();
    assert_eq!(st[0].counters.adverts_received, 0);
    assert_eq!(st[1].counters.adverts_received, 1);
}

#[test]
fn early_and_repeated_timeouts_are_harmless() {
    let mut n = node(vec![inst("A", 51, 100, &["192.0.2.100"])]);
    let deadline = n.poll_timeout().unwrap();
    n.handle_timeout(Instant::from_millis(1));
    n.handle_timeout(Instant::from_millis(1));
    assert!(drain(&mut n).is_empty());
    assert_eq!(n.poll_timeout(), Some(deadline));
    n.handle_timeout(deadline);
    assert_eq!(n.instances()[0].state, State::Master);
    let first = drain(&mut n).len();
    n.handle_timeout(deadline);
    assert!(drain(&mut n).is_empty());
    assert!(first > 0);
}

#[test]
fn same_inputs_give_the_same_outputs_in_the_same_order() {
    let run = || {
        let mut n = node(vec![
            inst("A", 51, 100, &["192.0.2.100"]),
            inst("B", 52, 150, &["192.0.2.101", "192.0.2.102"]),
        ]);
        let mut all = Vec::new();
        while let Some(t) = n.poll_timeout() {
            if t > Instant::from_millis(20_000) {
                break;
            }
            n.handle_timeout(t);
            all.extend(drain(&mut n));
        }
        n.shutdown(Instant::from_millis(20_000));
        all.extend(drain(&mut n));
        all
    };
    assert_eq!(run(), run());
}

#[test]
fn shutdown_puts_every_instance_in_init_and_stops_timers() {
    let mut n = node(vec![inst("A", 51, 255, &["192.0.2.100"])]);
    n.shutdown(Instant::from_millis(10));
    let out = drain(&mut n);
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Transmit(t) if t.payload[2] == 0))
    );
    assert!(out.iter().any(|o| matches!(o, Output::RemoveAddress(_))));
    assert_eq!(n.instances()[0].state, State::Init);
    assert_eq!(n.poll_timeout(), None);
}

fn run_until_master(n: &mut Node) -> Instant {
    let t = n.poll_timeout().unwrap();
    n.handle_timeout(t);
    drain(n);
    t
}

#[test]
fn instances_of_a_node_queue_their_takeover_burst_in_the_nodes_queue_in_order() {
    let mut n = node(vec![
        inst("A", 51, 100, &["192.0.2.100", "192.0.2.101"]),
        inst("B", 52, 100, &["192.0.2.102"]),
    ]);
    let at = n.poll_timeout().expect("master down timers armed");
    n.handle_timeout(at);
    let outputs = drain(&mut n);
    let first = |name: &str| {
        outputs
            .iter()
            .position(|o| matches!(o, Output::StateChange(c) if c.instance == name))
    };
    let (a, b) = (first("A").unwrap(), first("B").unwrap());
    assert!(a < b, "A's burst before B's: {outputs:?}");
    assert!(
        matches!(&outputs[a + 1], Output::Transmit(_)),
        "the advert right after A's transition: {outputs:?}"
    );
    let announced = outputs
        .iter()
        .filter(|o| matches!(o, Output::Announce(_)))
        .count();
    assert!(announced >= 3, "GARPs of both instances: {outputs:?}");
    for i in &n.instances {
        assert_eq!(
            i.outputs_capacity(),
            0,
            "{} kept a buffer of its own",
            i.name()
        );
    }
}

#[test]
fn reload_keeps_a_master_master_and_applies_only_address_differences() {
    let mut n = node(vec![inst("A", 51, 100, &["192.0.2.100", "192.0.2.101"])]);
    let t = run_until_master(&mut n);
    let cfg = host_config(
        "h1",
        Ipv4Addr::new(192, 0, 2, 11),
        vec![inst("A", 51, 100, &["192.0.2.100", "192.0.2.102"])],
    );
    n.reload(t + Duration::from_millis(100), cfg);
    let out = drain(&mut n);
    assert!(!out.iter().any(|o| matches!(o, Output::StateChange(_))));
    let removed: Vec<IpAddr> = out
        .iter()
        .filter_map(|o| match o {
            Output::RemoveAddress(a) => Some(a.address),
            _ => None,
        })
        .collect();
    let added: Vec<IpAddr> = out
        .iter()
        .filter_map(|o| match o {
            Output::AddAddress(a) => Some(a.address),
            _ => None,
        })
        .collect();
    assert_eq!(removed, vec![ip("192.0.2.101")]);
    assert_eq!(added, vec![ip("192.0.2.102")]);
    assert_eq!(n.instances()[0].state, State::Master);
    assert_eq!(n.instances()[0].counters.became_master, 1);
}

#[test]
fn reload_removing_a_master_instance_sends_priority_zero_and_a_new_one_starts_as_backup() {
    let mut n = node(vec![inst("A", 51, 100, &["192.0.2.100"])]);
    let t = run_until_master(&mut n);
    let cfg = host_config(
        "h1",
        Ipv4Addr::new(192, 0, 2, 11),
        vec![inst("B", 52, 100, &["192.0.2.200"])],
    );
    n.reload(t, cfg);
    let out = drain(&mut n);
    assert!(matches!(&out[0], Output::Transmit(t) if t.payload[2] == 0 && t.payload[1] == 51));
    let changes: Vec<(String, State, TransitionReason)> = out
        .iter()
        .filter_map(|o| match o {
            Output::StateChange(c) => Some((c.instance.clone(), c.to, c.reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            ("A".into(), State::Init, TransitionReason::Reload),
            ("B".into(), State::Backup, TransitionReason::Startup),
        ]
    );
}

#[test]
fn reload_of_a_backup_keeps_its_master_down_deadline() {
    let mut n = node(vec![inst("A", 51, 100, &["192.0.2.100"])]);
    let deadline = n.poll_timeout().unwrap();
    let cfg = n.config().clone();
    n.reload(Instant::from_millis(500), cfg);
    assert_eq!(n.poll_timeout(), Some(deadline));
    assert!(drain(&mut n).is_empty());
}
