//! Health checkers in the world: each node's `virtual_server` checks run through
//! `core::check::Health` on the node's host against simulated real servers that the fault plan
//! stops, starts, slows and makes answer errors.

use super::helpers::*;
use std::net::SocketAddr;
use vrrplab_core::check::PoolAction;
use vrrplab_sim::observe::EventKind;
use vrrplab_sim::scenario::{load_keepalived_conf, load_keepalived_health};
use vrrplab_sim::{FaultAction, NodeSpec, Scenario};

const WEB1: &str = "192.0.2.21:80";
const WEB2: &str = "192.0.2.22:80";
const SORRY: &str = "192.0.2.30:80";

/// An LVS node: VRRP instance VI_1 (VRID 51) and `virtual_server 192.0.2.100 80` with two
/// HTTP-checked real servers (delay_loop 5, retry 2, delay_before_retry 1, connect_timeout 2).
fn lvs_conf(state: &str, priority: u8, quorum_lines: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{
  state {state}
  interface eth0
  virtual_router_id 51
  priority {priority}
  advert_int 1
  virtual_ipaddress {{ 192.0.2.100 }}
}}
virtual_server 192.0.2.100 80 {{
  delay_loop 5
  lb_algo rr
  lb_kind DR
  protocol TCP
{quorum_lines}
  real_server 192.0.2.21 80 {{
    weight 1
    HTTP_GET {{
      url {{ path /health status_code 200 }}
      connect_timeout 2
      retry 2
      delay_before_retry 1
    }}
  }}
  real_server 192.0.2.22 80 {{
    weight 1
    HTTP_GET {{
      url {{ path /health status_code 200 }}
      connect_timeout 2
      retry 2
      delay_before_retry 1
    }}
  }}
}}
"
    )
}

fn lvs_pair(name: &str, quorum_lines: &str) -> Scenario {
    let nodes = [("a", "MASTER", 150, 11), ("b", "BACKUP", 100, 12)]
        .iter()
        .map(|(n, state, priority, octet)| {
            let text = lvs_conf(state, *priority, quorum_lines);
            let origin = format!("{n}.conf");
            let config = load_keepalived_conf(&text, &origin).expect("conf parses");
            let health = load_keepalived_health(&text, &origin);
            assert_eq!(health.virtual_servers.len(), 1, "{origin}");
            NodeSpec::new(n, std::net::Ipv4Addr::new(192, 0, 2, *octet), config).with_health(health)
        })
        .collect();
    let mut sc = Scenario::new(name, nodes);
    sc.settings.duration = s(60.0);
    sc
}

fn addr(a: &str) -> SocketAddr {
    a.parse().expect("socket address")
}

/// Pool operations on `node` for `destination`: (time, action).
fn pool_ops(o: &Outcome, node: &str, destination: SocketAddr) -> Vec<(f64, PoolAction)> {
    o.record
        .events
        .iter()
        .filter(|e| e.node == node)
        .filter_map(|e| match &e.kind {
            EventKind::RealServer {
                address, action, ..
            } if *address == destination => Some((e.t.as_secs_f64(), *action)),
            _ => None,
        })
        .collect()
}

#[test]
fn real_server_dies_removed_after_retries_and_back_after_one_success() {
    let mut sc = lvs_pair("real server dies and comes back", "");
    at(&mut sc, 20.0, FaultAction::BackendDown(addr(WEB1)));
    at(&mut sc, 40.0, FaultAction::BackendUp(addr(WEB1)));
    let o = run_scenario(sc);
    o.assert_invariants();
    for node in ["a", "b"] {
        let ops = pool_ops(&o, node, addr(WEB1));
        let removed: Vec<f64> = ops
            .iter()
            .filter(|(_, a)| *a == PoolAction::Remove)
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(removed.len(), 1, "{node}: {ops:?}{}", o.ctx());
        // Three refused connects (the check and `retry 2` retries, 1 s apart) after the death:
        // at least 2 s after it, at most one delay_loop + 2 retries later.
        assert!(
            removed[0] >= 22.0 && removed[0] <= 20.0 + 5.0 + 2.0 + 0.1,
            "{node}: removed at {}{}",
            removed[0],
            o.ctx()
        );
        // Back with the first successful check: within one delay_loop of the restart.
        let back: Vec<f64> = ops
            .iter()
            .filter(|(t, a)| *t > 40.0 && matches!(a, PoolAction::Add { weight: 1 }))
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(back.len(), 1, "{node}: {ops:?}{}", o.ctx());
        assert!(back[0] <= 45.1, "{node}: back at {}{}", back[0], o.ctx());
        // The other real server never left the pool.
        assert!(
            pool_ops(&o, node, addr(WEB2))
                .iter()
                .all(|(_, a)| *a != PoolAction::Remove),
            "{node}{}",
            o.ctx()
        );
    }
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn quorum_lost_brings_in_the_sorry_server() {
    let mut sc = lvs_pair(
        "quorum lost brings in the sorry server",
        "  quorum 2\n  sorry_server 192.0.2.30 80",
    );
    at(
        &mut sc,
        20.0,
        FaultAction::BackendStatus {
            backend: addr(WEB2),
            status: 500,
        },
    );
    at(&mut sc, 40.0, FaultAction::BackendUp(addr(WEB2)));
    let o = run_scenario(sc);
    o.assert_invariants();
    for node in ["a", "b"] {
        let quorum: Vec<(f64, bool)> = o
            .record
            .events
            .iter()
            .filter(|e| e.node == node)
            .filter_map(|e| match &e.kind {
                EventKind::Quorum { up, .. } => Some((e.t.as_secs_f64(), *up)),
                _ => None,
            })
            .collect();
        let lost = quorum.iter().find(|(_, up)| !up).map(|(t, _)| *t);
        let gained = quorum
            .iter()
            .find(|(t, up)| *up && *t > 40.0)
            .map(|(t, _)| *t);
        let (Some(lost), Some(gained)) = (lost, gained) else {
            panic!("{node}: quorum changes {quorum:?}{}", o.ctx());
        };
        assert!(
            lost > 20.0 && lost <= 27.1,
            "{node}: lost at {lost}{}",
            o.ctx()
        );
        assert!(
            gained > 40.0 && gained <= 45.1,
            "{node}: gained at {gained}{}",
            o.ctx()
        );
        let sorry = pool_ops(&o, node, addr(SORRY));
        let added: Vec<f64> = sorry
            .iter()
            .filter(|(_, a)| matches!(a, PoolAction::Add { .. }))
            .map(|(t, _)| *t)
            .collect();
        let removed: Vec<f64> = sorry
            .iter()
            .filter(|(_, a)| *a == PoolAction::Remove)
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(
            added,
            vec![lost],
            "{node}: sorry server {sorry:?}{}",
            o.ctx()
        );
        assert_eq!(
            removed,
            vec![gained],
            "{node}: sorry server {sorry:?}{}",
            o.ctx()
        );
    }
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn stop_and_crash_clear_the_nodes_pool_and_start_or_restart_fill_it_again() {
    let mut sc = lvs_pair("checker follows the daemon", "");
    at(&mut sc, 10.0, FaultAction::Stop("a".into()));
    at(&mut sc, 20.0, FaultAction::Start("a".into()));
    at(&mut sc, 25.0, FaultAction::Crash("b".into()));
    at(&mut sc, 30.0, FaultAction::Restart("b".into()));
    sc.settings.duration = s(40.0);
    let o = run_scenario(sc);
    o.assert_invariants();
    for (node, gone, back) in [("a", 10.0, 20.0), ("b", 25.0, 30.0)] {
        for rs in [WEB1, WEB2] {
            let ops = pool_ops(&o, node, addr(rs));
            let expected = vec![
                (0.0, PoolAction::Add { weight: 1 }),
                (gone, PoolAction::Remove),
                (back, PoolAction::Add { weight: 1 }),
            ];
            assert_eq!(ops, expected, "{node} {rs}{}", o.ctx());
        }
    }
}
