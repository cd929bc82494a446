//! Reload (SIGHUP): checkers whose real server and configuration are unchanged keep their
//! verdict, as keepalived carries checker state across a reload; changed or new ones start
//! over.

use super::pool::{addr, one_vs, outages, pool_at, server};
use super::world::{World, at, secs};
use crate::check::{HealthConfig, VirtualServerConfig};

fn vs(servers: &[u8]) -> VirtualServerConfig {
    VirtualServerConfig::new(
        "192.0.2.100 80",
        servers.iter().map(|&i| server(i, 1)).collect(),
    )
}

fn config(vs: VirtualServerConfig) -> HealthConfig {
    HealthConfig {
        virtual_servers: vec![vs],
        ..HealthConfig::default()
    }
}

/// Server 2 is dead for the whole run; the others answer.
fn world(servers: &[u8]) -> World {
    one_vs(vs(servers), outages(vec![(addr(2), 0.0, 1e9)]))
}

#[test]
fn reload_keeps_a_dead_real_server_out_of_the_pool_and_adds_a_new_one() {
    let mut w = world(&[1, 2, 3]);
    w.run_until(at(10.0));
    let before: Vec<_> = pool_at(&w, at(10.0)).into_keys().collect();
    assert_eq!(before, vec![addr(1), addr(3)]);
    let reload_at = w.log.len();
    w.reload(config(vs(&[1, 2, 3, 4])));
    // Right after the reload: 2 is still out (a fresh checker would have put it back until its
    // first failed probe), 4 is in (a new checker without alpha starts up).
    let after: Vec<_> = pool_at(&w, at(10.0)).into_keys().collect();
    assert_eq!(after, vec![addr(1), addr(3), addr(4)]);
    assert_eq!(in_pool(&w), after);
    let re_added_dead = w.log[reload_at..].iter().any(|(_, o)| {
        matches!(o, crate::check::Output::Pool(p) if p.destination == addr(2)
            && !matches!(p.action, crate::check::PoolAction::Remove))
    });
    assert!(!re_added_dead, "{}", w.timeline());
    w.run_until(at(20.0));
    let later: Vec<_> = pool_at(&w, at(20.0)).into_keys().collect();
    assert_eq!(later, vec![addr(1), addr(3), addr(4)]);
}

#[test]
fn reload_with_a_changed_checker_starts_that_checker_over() {
    let mut w = world(&[1, 2, 3]);
    w.run_until(at(10.0));
    let mut changed = vs(&[1, 2, 3]);
    changed.real_servers[1].checkers[0].connect_timeout = secs(0.25);
    w.reload(config(changed));
    // A new checker for 2 (not alpha) starts up: 2 is back until it fails again.
    let after: Vec<_> = pool_at(&w, at(10.0)).into_keys().collect();
    assert_eq!(after, vec![addr(1), addr(2), addr(3)]);
    assert_eq!(in_pool(&w), after);
    w.run_until(at(20.0));
    let later: Vec<_> = pool_at(&w, at(20.0)).into_keys().collect();
    assert_eq!(later, vec![addr(1), addr(3)]);
}

#[test]
fn reload_keeps_live_alpha_servers_in_the_pool() {
    let mut alpha = vs(&[1, 3]);
    for rs in &mut alpha.real_servers {
        rs.checkers[0].alpha = true;
    }
    let mut w = one_vs(alpha.clone(), outages(Vec::new()));
    w.run_until(at(10.0));
    assert_eq!(pool_at(&w, at(10.0)).len(), 2);
    w.reload(config(alpha));
    // Fresh alpha checkers would start down and empty the pool until their first success.
    assert_eq!(in_pool(&w), vec![addr(1), addr(3)], "{}", w.timeline());
}

/// The real servers in the pool now, from the pool's own state.
fn in_pool(w: &World) -> Vec<std::net::SocketAddr> {
    w.health.virtual_servers()[0]
        .real_servers
        .iter()
        .filter(|r| r.in_pool.is_some())
        .map(|r| r.address)
        .collect()
}

#[test]
fn reload_matches_checkers_by_settings_when_they_are_reordered() {
    let second = super::pool::tcp_on(std::net::SocketAddr::from(([192, 0, 2, 2], 8080)));
    let mut two = vs(&[1, 2]);
    two.real_servers[1].checkers.push(second);
    let mut w = one_vs(two.clone(), outages(vec![(addr(2), 0.0, 1e9)]));
    w.run_until(at(10.0));
    assert_eq!(in_pool(&w), vec![addr(1)]);
    two.real_servers[1].checkers.reverse();
    w.reload(config(two));
    assert_eq!(in_pool(&w), vec![addr(1)], "{}", w.timeline());
}
