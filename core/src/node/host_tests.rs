//! Node tests for what the host tells the driver: interface addresses appearing and vanishing,
//! host faults (no socket, a VIP that could not be added), and the hooks of a shutdown.

use super::*;
use crate::lan::host_config;
use crate::vrrp::{InstanceConfig, TransitionReason};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn instance(name: &str, vrid: u8, priority: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new(name, "eth0", vrid, &[ip("192.0.2.100")]);
    c.priority = priority;
    c
}

fn drain(n: &mut Node) -> Vec<Output> {
    std::iter::from_fn(|| n.poll_output()).collect()
}

fn changes(outputs: &[Output]) -> Vec<(State, State, TransitionReason)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::StateChange(c) => Some((c.from, c.to, c.reason.clone())),
            _ => None,
        })
        .collect()
}

fn owner_master() -> Node {
    let mut n = Node::new(
        host_config(
            "h1",
            Ipv4Addr::new(192, 0, 2, 11),
            vec![instance("A", 51, 255)],
        ),
        Instant::ZERO,
    );
    drain(&mut n);
    assert_eq!(n.instances()[0].state, State::Master);
    n
}

#[test]
fn interface_without_ipv4_address_faults_until_one_appears_and_then_sends_from_it() {
    let mut config = host_config(
        "h1",
        Ipv4Addr::new(192, 0, 2, 11),
        vec![instance("A", 51, 255)],
    );
    config.interfaces[0].primary_v4 = None;
    let mut n = Node::new(config, Instant::ZERO);
    let out = drain(&mut n);
    assert_eq!(
        changes(&out),
        vec![(
            State::Init,
            State::Fault,
            TransitionReason::NoSourceAddress {
                interface: "eth0".into(),
                family: Family::Ipv4,
            }
        )]
    );
    assert!(!out.iter().any(|o| matches!(o, Output::Transmit(_))));
    let mut eth0 = n.config().interfaces[0].clone();
    eth0.primary_v4 = Some(ip("192.0.2.21"));
    n.handle_interface_info(Instant::from_millis(10), eth0.clone());
    let out = drain(&mut n);
    assert_eq!(
        changes(&out),
        vec![(State::Fault, State::Master, TransitionReason::FaultCleared)]
    );
    let sent: Vec<IpAddr> = out
        .iter()
        .filter_map(|o| match o {
            Output::Transmit(t) => Some(t.src),
            _ => None,
        })
        .collect();
    assert_eq!(sent, vec![ip("192.0.2.21")]);
    // The address goes again: FAULT, priority 0 first.
    eth0.primary_v4 = None;
    n.handle_interface_info(Instant::from_millis(20), eth0);
    let out = drain(&mut n);
    assert_eq!(changes(&out)[0].1, State::Fault);
}

#[test]
fn host_fault_resigns_a_master_and_clearing_it_starts_again() {
    let mut n = owner_master();
    n.handle_host_fault(
        Instant::from_millis(5),
        "A",
        Some("cannot add 192.0.2.100/32 on eth0: Operation not permitted".into()),
    );
    let out = drain(&mut n);
    let priorities: Vec<u8> = out
        .iter()
        .filter_map(|o| match o {
            Output::Transmit(t) => Some(t.payload[2]),
            _ => None,
        })
        .collect();
    assert_eq!(priorities, vec![0], "a resigning master sends priority 0");
    assert!(out.iter().any(|o| matches!(o, Output::RemoveAddress(_))));
    assert!(matches!(
        changes(&out)[..],
        [(
            State::Master,
            State::Fault,
            TransitionReason::HostFault { .. }
        )]
    ));
    // The same fault again changes nothing.
    n.handle_host_fault(
        Instant::from_millis(6),
        "A",
        Some("cannot add 192.0.2.100/32 on eth0: Operation not permitted".into()),
    );
    assert!(drain(&mut n).is_empty());
    n.handle_host_fault(Instant::from_millis(7), "A", None);
    assert_eq!(
        changes(&drain(&mut n)),
        vec![(State::Fault, State::Master, TransitionReason::FaultCleared)]
    );
}

#[test]
fn shutdown_runs_notify_stop_and_the_generic_hook_with_stop() {
    let mut a = instance("A", 51, 150);
    a.notify.stop = Some("/bin/stop-hook".into());
    a.notify.generic = Some("/bin/all".into());
    let mut n = Node::new(
        host_config("h1", Ipv4Addr::new(192, 0, 2, 11), vec![a]),
        Instant::ZERO,
    );
    drain(&mut n);
    n.shutdown(Instant::from_millis(10));
    let hooks: Vec<(State, String)> = drain(&mut n)
        .into_iter()
        .filter_map(|o| match o {
            Output::Notify(h) => Some((h.state, h.command)),
            _ => None,
        })
        .collect();
    assert_eq!(
        hooks,
        vec![
            (State::Init, "/bin/stop-hook".to_string()),
            (State::Init, "/bin/all INSTANCE A STOP 150".to_string()),
        ]
    );
}

#[test]
fn dont_track_primary_keeps_running_when_its_own_interface_goes_down() {
    let mut a = instance("A", 51, 255);
    a.dont_track_primary = true;
    let mut b = instance("B", 52, 255);
    b.interface = "eth0".into();
    let mut n = Node::new(
        host_config("h1", Ipv4Addr::new(192, 0, 2, 11), vec![a, b]),
        Instant::ZERO,
    );
    drain(&mut n);
    n.handle_interface(Instant::from_millis(5), "eth0", false);
    let st = n.instances();
    assert_eq!(
        st[0].state,
        State::Master,
        "dont_track_primary ignores eth0"
    );
    assert_eq!(st[1].state, State::Fault);
}

#[test]
fn reversed_tracked_interface_counts_up_as_down() {
    use crate::vrrp::TrackedInterface;
    let mut a = instance("A", 51, 100);
    a.track_interfaces = vec![
        TrackedInterface {
            name: "wan".into(),
            weight: 0,
            reverse: true,
        },
        TrackedInterface {
            name: "lan".into(),
            weight: 20,
            reverse: true,
        },
    ];
    let mut n = Node::new(
        host_config("h1", Ipv4Addr::new(192, 0, 2, 11), vec![a]),
        Instant::ZERO,
    );
    drain(&mut n);
    n.handle_interface(Instant::from_millis(1), "wan", true);
    n.handle_interface(Instant::from_millis(1), "lan", true);
    drain(&mut n);
    assert_eq!(
        n.instances()[0].state,
        State::Fault,
        "weight 0 reverse: FAULT while up"
    );
    n.handle_interface(Instant::from_millis(2), "wan", false);
    drain(&mut n);
    assert_eq!(n.instances()[0].state, State::Backup);
    assert_eq!(
        n.instances()[0].effective_priority,
        100,
        "lan up: +20 only while down"
    );
    n.handle_interface(Instant::from_millis(3), "lan", false);
    assert_eq!(n.instances()[0].effective_priority, 120);
}

#[test]
fn dont_track_primary_instance_with_a_source_address_faults_while_its_interface_is_absent() {
    let mut a = instance("A", 51, 255);
    a.dont_track_primary = true;
    a.source_address = Some(ip("192.0.2.11"));
    a.unicast_peers = vec![ip("192.0.2.12")];
    let mut config = host_config("h1", Ipv4Addr::new(192, 0, 2, 11), vec![a]);
    let present = config.interfaces[0].clone();
    let absent = InterfaceInfo {
        exists: false,
        up: false,
        primary_v4: None,
        link_local_v6: None,
        ..present.clone()
    };
    config.interfaces[0] = absent.clone();
    let mut n = Node::new(config, Instant::ZERO);
    let out = drain(&mut n);
    let gone = TransitionReason::InterfaceAbsent {
        interface: "eth0".into(),
    };
    assert_eq!(
        changes(&out),
        vec![(State::Init, State::Fault, gone.clone())]
    );
    let acts = |out: &[Output]| {
        out.iter()
            .any(|o| matches!(o, Output::Transmit(_) | Output::AddAddress(_)))
    };
    assert!(!acts(&out), "no advert, no address: {out:?}");
    // Time passes: nothing lets it leave FAULT while eth0 is missing.
    n.handle_timeout(Instant::from_millis(10_000));
    let out = drain(&mut n);
    assert!(changes(&out).is_empty() && !acts(&out), "{out:?}");
    // eth0 appears, down: dont_track_primary ignores its link, so it runs.
    let down = InterfaceInfo {
        up: false,
        ..present.clone()
    };
    n.handle_interface_info(Instant::from_millis(10_010), down);
    let out = drain(&mut n);
    assert_eq!(
        changes(&out),
        vec![(State::Fault, State::Master, TransitionReason::FaultCleared)]
    );
    // eth0 is deleted: FAULT again, the master resigns.
    n.handle_interface_info(Instant::from_millis(10_020), absent);
    let out = drain(&mut n);
    assert_eq!(changes(&out), vec![(State::Master, State::Fault, gone)]);
}

#[test]
fn owner_without_a_socket_at_start_or_reload_starts_in_fault_and_never_as_master() {
    let no_socket = || {
        BTreeMap::from([(
            "A".to_string(),
            "no IPv4 VRRP socket on eth0: No buffer space available".to_string(),
        )])
    };
    let fault = (
        State::Init,
        State::Fault,
        TransitionReason::HostFault {
            reason: no_socket()["A"].clone(),
        },
    );
    let config = || {
        host_config(
            "h1",
            Ipv4Addr::new(192, 0, 2, 11),
            vec![instance("A", 51, 255)],
        )
    };
    let mut n = Node::with_host_faults(config(), Instant::ZERO, no_socket());
    let out = drain(&mut n);
    assert_eq!(changes(&out), vec![fault.clone()]);
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::Transmit(_) | Output::AddAddress(_))),
        "{out:?}"
    );
    // A reload that adds the owner, its socket failing: it starts in FAULT too.
    let mut n = Node::new(NodeConfig::default(), Instant::ZERO);
    n.reload_with_host_faults(Instant::from_millis(5), config(), no_socket());
    let out = drain(&mut n);
    assert_eq!(changes(&out), vec![fault]);
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::Transmit(_) | Output::AddAddress(_))),
        "{out:?}"
    );
}
