//! The simulated world: one host per router (a thin driver around the core's `Node`, plus the
//! node's `virtual_server` checks run by `core::check::Health`), one host per checked
//! real-server address, optional gateway and client hosts, and a step loop that applies the
//! fault plan. An IPv6 scenario ([`Scenario::ipv6`]) runs in turmoil's IPv6 mode: every host
//! is the `fe80::` twin of its IPv4 address (one address per host, so one family per run).
//!
//! Two engines run that world ([`Engine`]):
//!
//! - [`Engine::Turmoil`] ([`stepped`]): turmoil steps every tick, every host polled each step;
//!   the reference.
//! - [`Engine::Events`] ([`events`]): the same world, the same [`Router`](router) logic and
//!   the same rules of delivery as turmoil's (a datagram reaches its receiver at the first
//!   step boundary after its latency has run out past the end of the sending step; timers
//!   fire on the millisecond grid; hosts take turns in registration order; a fresh host
//!   misses what arrives in its first step), but only the steps in which something happens are
//!   run: the world jumps from one core deadline, delivery or fault to the next. It covers
//!   worlds without real servers and with a fixed latency; [`run`] uses it whenever it can.
//!   The two are compared record for record by the integration tests.
//!
//! Contract: [`run`] is deterministic — the same [`Scenario`] (seed included) gives the same
//! [`RunRecord`] byte for byte, whichever engine ran it. Time is virtual; faults are applied at
//! the first tick boundary at or after their time; the run stops after `settings.duration`.

mod apply;
mod carrier;
mod driver;
mod events;
mod extras;
mod net;
mod router;
mod stepped;

use crate::observe::{Event, EventKind, Observer, PacketCounters, PacketRecord};
use crate::scenario::Scenario;
use apply::World;
use net::{Control, NetState, Shared, SharedRef, host_ip, loss_rng};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;
use vrrplab_core::vrrp::State;

/// Everything a run produced, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Events (transitions, VIP changes, faults, client ARP, live violations).
    pub events: Vec<Event>,
    /// Packets put on the segment (empty unless `record_packets`).
    pub packets: Vec<PacketRecord>,
    /// Datagram counters.
    pub counters: PacketCounters,
    /// Simulated time actually run.
    pub simulated: Duration,
}

/// A run that could not complete: turmoil reported an error (a host failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    /// The seed, so the run can be repeated.
    pub seed: u64,
    /// Simulated time of the failure.
    pub at: Duration,
    /// What failed.
    pub message: String,
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "simulation failed at {:.3}s (seed {}): {}",
            self.at.as_secs_f64(),
            self.seed,
            self.message
        )
    }
}

impl std::error::Error for SimError {}

/// Records "host gone" for every instance and VIP of a node (crash, or a reload restart).
pub(crate) fn clear_node(observer: &mut Observer, t: Duration, node: &str, reason: &str) {
    for (instance, view) in observer.instances_of(node) {
        if view.state != State::Init {
            observer.push(
                t,
                node,
                EventKind::Transition {
                    instance,
                    vrid: view.vrid,
                    from: view.state,
                    to: State::Init,
                    reason: reason.to_string(),
                    priority: view.priority,
                },
            );
        }
    }
    for address in observer.vips_of(node) {
        observer.push(t, node, EventKind::VipRemoved { address });
    }
    // The IPVS table goes with the host (keepalived's checker rebuilds it on start).
    for (virtual_server, address, sorry_server) in observer.pool_of(node) {
        observer.push(
            t,
            node,
            EventKind::RealServer {
                virtual_server,
                address,
                sorry_server,
                action: vrrplab_core::check::PoolAction::Remove,
            },
        );
    }
}

/// How a run advances simulated time (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The event engine when the scenario allows it ([`events_unsupported`]), else turmoil.
    Auto,
    /// turmoil, stepping every tick.
    Turmoil,
    /// The event engine; a scenario it does not cover is an error.
    Events,
}

/// Why the event engine cannot run `scenario` (then [`run`] uses turmoil); `None` when it can.
pub fn events_unsupported(scenario: &Scenario) -> Option<String> {
    events::unsupported(scenario)
}

/// Runs a scenario to its end with the fastest engine that covers it. Errors carry the seed.
pub fn run(scenario: &Scenario) -> Result<RunRecord, SimError> {
    run_with(scenario, Engine::Auto)
}

/// Runs a scenario to its end with `engine`. Errors carry the seed.
pub fn run_with(scenario: &Scenario, engine: Engine) -> Result<RunRecord, SimError> {
    let settings = &scenario.settings;
    let fail = |at: Duration, message: String| SimError {
        seed: settings.seed,
        at,
        message,
    };
    scenario
        .validate()
        .map_err(|e| fail(Duration::ZERO, e.message))?;
    let why_not = match engine {
        Engine::Turmoil => Some("turmoil asked for".to_string()),
        Engine::Auto | Engine::Events => events::unsupported(scenario),
    };
    match (why_not, engine) {
        (None, _) => match events::run(scenario) {
            Ok(record) => Ok(record),
            // Something only turmoil models happened (a datagram to the sender itself, a
            // broadcast): the run is repeated there, from the start.
            Err(events::Outcome::Unsupported(reason)) => match engine {
                Engine::Events => Err(fail(Duration::ZERO, reason)),
                _ => stepped::run(scenario),
            },
            Err(events::Outcome::Failed(e)) => Err(e),
        },
        (Some(reason), Engine::Events) => Err(fail(
            Duration::ZERO,
            format!("the event engine does not cover this scenario: {reason}"),
        )),
        (Some(_), _) => stepped::run(scenario),
    }
}

/// What both engines start from: the shared state and the routers' controls and specs.
pub(crate) struct Setup<'a> {
    pub(crate) shared: SharedRef,
    pub(crate) world: World<'a>,
    /// Per node, in scenario order: its static facts and its control.
    pub(crate) routers: Vec<(Rc<router::RouterSpec>, Rc<Control>)>,
}

impl<'a> Setup<'a> {
    pub(crate) fn new(scenario: &'a Scenario) -> Self {
        let settings = &scenario.settings;
        let v6 = scenario.ipv6();
        let shared: SharedRef = Rc::new(RefCell::new(Shared {
            observer: Observer::new(settings.record_packets),
            net: NetState::default(),
            rng: loss_rng(settings.seed),
            names: scenario
                .nodes
                .iter()
                .map(|n| (host_ip(n.address, v6), n.name.clone()))
                .collect(),
            v6,
        }));
        let mut world = World {
            scenario,
            shared: shared.clone(),
            controls: BTreeMap::new(),
            hosts: BTreeMap::new(),
            backends: BTreeMap::new(),
            hosts_extra: Vec::new(),
            v6,
        };
        let mut routers = Vec::new();
        for node in &scenario.nodes {
            let ctl = Rc::new(Control::new(node.config.clone()));
            let spec = Rc::new(router::RouterSpec {
                name: node.name.clone(),
                address: node.address,
                ip: host_ip(node.address, v6),
                gateway_script: node.gateway_script.clone().filter(|_| scenario.gateway),
                client: scenario.client,
                health: vrrplab_core::check::HealthConfig {
                    warmup_seed: settings.seed,
                    ..node.health.clone()
                },
            });
            world.controls.insert(node.name.clone(), ctl.clone());
            world
                .hosts
                .insert(node.name.clone(), host_ip(node.address, v6));
            routers.push((spec, ctl));
        }
        Setup {
            shared,
            world,
            routers,
        }
    }
}

/// The record of a finished run; every host must have let go of the shared state.
pub(crate) fn finish(
    scenario: &Scenario,
    shared: SharedRef,
    simulated: Duration,
) -> Result<RunRecord, SimError> {
    let shared = Rc::try_unwrap(shared)
        .map_err(|_| SimError {
            seed: scenario.settings.seed,
            at: simulated,
            message: "a host still holds the shared state".into(),
        })?
        .into_inner();
    let (events, packets, counters) = shared.observer.finish();
    Ok(RunRecord {
        events,
        packets,
        counters,
        simulated,
    })
}
