//! The turmoil engine: every host is a turmoil host, and turmoil steps every tick.
//!
//! Hosts are registered in this order (it is turmoil's polling order and the order of events
//! at one instant): the routers in scenario order, the gateway, one host per real-server
//! address (ascending), the client. Between steps the fault plan is applied
//! ([`World::apply`](super::apply::World::apply)); the run stops at the first tick boundary at or
//! after `settings.duration`.

use super::net::{CLIENT_ADDR, GATEWAY_ADDR, host_ip};
use super::{RunRecord, Setup, SimError, driver, extras, finish};
use crate::backends::{BackendControl, BackendKind};
use crate::scenario::Scenario;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};

/// Runs `scenario` (already validated) in turmoil, stepping every tick.
pub(crate) fn run(scenario: &Scenario) -> Result<RunRecord, SimError> {
    let settings = &scenario.settings;
    let fail = |at: Duration, message: String| SimError {
        seed: settings.seed,
        at,
        message,
    };
    let v6 = scenario.ipv6();
    let mut sim = turmoil::Builder::new()
        .ip_version(if v6 {
            turmoil::IpVersion::V6
        } else {
            turmoil::IpVersion::V4
        })
        .simulation_duration(settings.duration + Duration::from_secs(1))
        .tick_duration(settings.tick)
        .rng_seed(settings.seed)
        .min_message_latency(settings.min_latency)
        .max_message_latency(settings.max_latency)
        .epoch(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        .build();
    let Setup {
        shared,
        mut world,
        routers,
    } = Setup::new(scenario);
    for (spec, ctl) in routers {
        let shared = shared.clone();
        sim.host(spec.ip, move || {
            driver::router(spec.clone(), shared.clone(), ctl.clone())
        });
    }
    if scenario.gateway {
        sim.host(host_ip(GATEWAY_ADDR, v6), move || extras::gateway(v6));
    }
    // One host per real-server address, serving every checked port on it.
    let mut by_ip: BTreeMap<IpAddr, Vec<(u16, BackendKind, BackendControl)>> = BTreeMap::new();
    for (address, http) in scenario.backends() {
        let control = BackendControl::new();
        world.backends.insert(address, control.clone());
        let kind = if http {
            BackendKind::Http
        } else {
            BackendKind::Tcp
        };
        by_ip
            .entry(address.ip())
            .or_default()
            .push((address.port(), kind, control));
    }
    for (ip, ports) in by_ip {
        world.hosts_extra.push(ip);
        let ports = Rc::new(ports);
        sim.host(ip, move || extras::real_server(ports.clone()));
    }
    if scenario.client {
        let shared = shared.clone();
        sim.host(host_ip(CLIENT_ADDR, v6), move || {
            extras::client(shared.clone())
        });
    }
    let faults = scenario.faults.faults();
    let mut next = 0;
    loop {
        let now = sim.elapsed();
        while next < faults.len() && faults[next].at <= now {
            world.apply(&mut sim, &faults[next].action);
            next += 1;
        }
        if now >= settings.duration {
            break;
        }
        sim.step().map_err(|e| fail(sim.elapsed(), e.to_string()))?;
    }
    let simulated = sim.elapsed();
    drop(world);
    drop(sim);
    finish(scenario, shared, simulated)
}
