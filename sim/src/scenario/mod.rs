//! A scenario: the nodes (each a keepalived-style [`NodeConfig`] at an address), the fault plan,
//! the simulation settings and the expectations a run is judged against.
//!
//! Scenarios are built in Rust (tests, property tests) or read from a TOML file
//! ([`Scenario::from_toml`]); the embedded default is [`default_scenario`].

mod conf;
mod default;
mod file;

pub use conf::load_keepalived_conf;
pub use default::{DEFAULT_CONF_A, DEFAULT_CONF_B, default_scenario};
pub use file::{ConfigLoader, ScenarioError, default_address};

use crate::fault::FaultPlan;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;
use vrrplab_core::node::NodeConfig;

/// Simulation settings that are always explicit (see DESIGN.md §sim).
#[derive(Debug, Clone, PartialEq)]
pub struct SimSettings {
    /// turmoil RNG seed and the seed of the loss RNG.
    pub seed: u64,
    /// Simulated time to run.
    pub duration: Duration,
    /// turmoil tick: network delivery is rounded up to it (up to two ticks late); timers inside
    /// a host stay exact. Default 1 ms: a 10 ms tick cannot order skew times that differ by
    /// less than a tick (priority 100 vs 99 differ by 3.9 ms), so both nodes may briefly win.
    pub tick: Duration,
    /// Minimum one-way latency.
    pub min_latency: Duration,
    /// Maximum one-way latency (turmoil draws Exp(λ=5) over the range, in whole ms).
    pub max_latency: Duration,
    /// Keep every transmitted packet (needed for pcap output and the byte-identical trace).
    pub record_packets: bool,
}

impl Default for SimSettings {
    fn default() -> Self {
        SimSettings {
            seed: 1,
            duration: Duration::from_secs(60),
            tick: Duration::from_millis(1),
            min_latency: Duration::from_millis(1),
            max_latency: Duration::from_millis(1),
            record_packets: true,
        }
    }
}

/// One simulated router.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    /// Short name used in fault plans and reports (`a`, `b`).
    pub name: String,
    /// The host's (only) IPv4 address: primary address of every interface, advert source.
    pub address: Ipv4Addr,
    /// What the node runs.
    pub config: NodeConfig,
    /// The `vrrp_script` whose result is "can this node reach the gateway host" (simulated by
    /// real UDP pings to the gateway host), if any.
    pub gateway_script: Option<String>,
}

impl NodeSpec {
    /// A node with no gateway script.
    pub fn new(name: &str, address: Ipv4Addr, config: NodeConfig) -> Self {
        NodeSpec {
            name: name.to_string(),
            address,
            config,
            gateway_script: None,
        }
    }
}

/// What a run must show for the scenario to pass (`vrrplab sim` exits 1 otherwise).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expectations {
    /// `Some(true)`: at least one split-brain interval must occur; `Some(false)`: none may.
    pub split_brain: Option<bool>,
    /// Every split-brain interval must have ended before the end of the run.
    pub split_brain_heals: Option<bool>,
    /// The master of each VRID at the end of the run (node name).
    pub final_master: BTreeMap<u8, String>,
    /// Every failover's gap must be at most this long.
    pub max_failover_gap: Option<Duration>,
    /// Invariant violations are tolerated (scenarios that break the rules on purpose).
    pub allow_violations: bool,
}

/// A complete scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Title for reports.
    pub name: String,
    /// What the scenario shows, one paragraph.
    pub description: String,
    /// The routers, in registration order.
    pub nodes: Vec<NodeSpec>,
    /// Named alternative configurations for `reload` actions.
    pub configs: BTreeMap<String, NodeConfig>,
    /// The fault plan.
    pub faults: FaultPlan,
    /// Seed, duration, tick, latency.
    pub settings: SimSettings,
    /// Add a gateway host (192.0.2.1) that answers pings.
    pub gateway: bool,
    /// Add a client host (192.0.2.200) whose ARP cache is fed by the routers' GARPs.
    pub client: bool,
    /// What must hold.
    pub expect: Expectations,
}

impl Scenario {
    /// A scenario with these nodes, an empty plan and default settings.
    pub fn new(name: &str, nodes: Vec<NodeSpec>) -> Self {
        Scenario {
            name: name.to_string(),
            description: String::new(),
            nodes,
            configs: BTreeMap::new(),
            faults: FaultPlan::new(),
            settings: SimSettings::default(),
            gateway: false,
            client: false,
            expect: Expectations::default(),
        }
    }

    /// Checks that the plan only names known nodes and configs; the message says what to fix.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.nodes.is_empty() {
            return Err(ScenarioError::new("the scenario has no node"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for n in &self.nodes {
            if !seen.insert(n.name.as_str()) {
                return Err(ScenarioError::new(format!(
                    "node name `{}` is used twice",
                    n.name
                )));
            }
            if self.nodes.iter().filter(|m| m.address == n.address).count() > 1 {
                return Err(ScenarioError::new(format!(
                    "address {} is used by two nodes",
                    n.address
                )));
            }
            if n.config.instances.is_empty() {
                return Err(ScenarioError::new(format!(
                    "node `{}` has no vrrp_instance",
                    n.name
                )));
            }
            for i in &n.config.instances {
                if i.family != vrrplab_core::wire::Family::Ipv4 {
                    return Err(ScenarioError::new(format!(
                        "node `{}` instance `{}`: the simulator carries IPv4 instances only \
                         (turmoil gives each host one address; run IPv6 separately)",
                        n.name, i.name
                    )));
                }
            }
        }
        if self.settings.tick.is_zero() {
            return Err(ScenarioError::new("tick must be greater than zero"));
        }
        if self.settings.max_latency < self.settings.min_latency {
            return Err(ScenarioError::new("max latency is below min latency"));
        }
        for f in self.faults.faults() {
            for name in f.action.nodes() {
                if !seen.contains(name) {
                    return Err(ScenarioError::new(format!(
                        "fault `{f}` names node `{name}`, but the nodes are: {}",
                        self.nodes
                            .iter()
                            .map(|n| n.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
            if let crate::fault::FaultAction::Drift { rate, .. } = &f.action
                && !(rate.is_finite() && *rate >= 0.01 && *rate <= 100.0)
            {
                return Err(ScenarioError::new(format!(
                    "fault `{f}`: the clock rate must be a number between 0.01 and 100"
                )));
            }
            if let crate::fault::FaultAction::Reload { config, .. } = &f.action
                && !self.configs.contains_key(config)
            {
                return Err(ScenarioError::new(format!(
                    "fault `{f}` reloads config `{config}`, which the scenario's [configs] does not define"
                )));
            }
            if matches!(
                f.action,
                crate::fault::FaultAction::GatewayCut(_)
                    | crate::fault::FaultAction::GatewayRestore(_)
            ) && !self.gateway
            {
                return Err(ScenarioError::new(format!(
                    "fault `{f}` needs the gateway host: set `gateway = true`"
                )));
            }
        }
        Ok(())
    }

    /// The node with this name.
    pub fn node(&self, name: &str) -> Option<&NodeSpec> {
        self.nodes.iter().find(|n| n.name == name)
    }
}
