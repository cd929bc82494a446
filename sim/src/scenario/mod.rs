//! A scenario: the nodes (each a keepalived-style [`NodeConfig`] at an address), the fault plan,
//! the simulation settings and the expectations a run is judged against.
//!
//! Scenarios are built in Rust (tests, property tests) or read from a TOML file
//! ([`Scenario::from_toml`]); the embedded default is [`default_scenario`].

mod conf;
mod default;
mod file;

pub use conf::{load_keepalived_conf, load_keepalived_health};
pub use default::{DEFAULT_CONF_A, DEFAULT_CONF_B, default_scenario};
pub use file::{ConfigLoader, ScenarioError, default_address};

use crate::fault::FaultPlan;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use vrrplab_core::check::{CheckKind, HealthConfig};
use vrrplab_core::node::NodeConfig;
use vrrplab_core::wire::Family;

/// Simulation settings that are always explicit (see `docs/architecture.md`, "Simulator").
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
    /// The node's `virtual_server` health checks (run by `core::check::Health` on the node's
    /// host against simulated real servers); its `scripts` are ignored (the node runs those).
    pub health: HealthConfig,
}

impl NodeSpec {
    /// A node with no gateway script and no virtual servers.
    pub fn new(name: &str, address: Ipv4Addr, config: NodeConfig) -> Self {
        NodeSpec {
            name: name.to_string(),
            address,
            config,
            gateway_script: None,
            health: HealthConfig::default(),
        }
    }

    /// The node's IPv6 link-local address in an IPv6 scenario: `fe80::` followed by the last
    /// octet of [`NodeSpec::address`] written in decimal digits (192.0.2.11 → `fe80::11`).
    pub fn link_local(&self) -> Ipv6Addr {
        link_local_of(self.address)
    }

    /// The same node with these health checks (builder style).
    pub fn with_health(mut self, health: HealthConfig) -> Self {
        self.health = health;
        self
    }
}

/// The IPv6 link-local address an IPv6 scenario gives the host that would have `v4` in an IPv4
/// one: `fe80::` and the last octet's decimal digits read as hex (192.0.2.11 → `fe80::11`).
pub fn link_local_of(v4: Ipv4Addr) -> Ipv6Addr {
    let last = v4.octets()[3];
    let digits = u16::from_str_radix(&last.to_string(), 16).unwrap_or(u16::from(last));
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, digits)
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
    /// Add a gateway host (192.0.2.1, or fe80::1 in an IPv6 scenario) that answers pings.
    pub gateway: bool,
    /// Add a client host (192.0.2.200 / fe80::200) whose ARP or neighbour cache is fed by the
    /// routers' GARPs or unsolicited NAs.
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

    /// Each node's name and host address (what the pcap writer needs to give frames MACs).
    pub fn host_addresses(&self) -> BTreeMap<String, Ipv4Addr> {
        self.nodes
            .iter()
            .map(|n| (n.name.clone(), n.address))
            .collect()
    }

    /// Checks that the plan only names known nodes, configs and checked real servers, that the
    /// instances are all IPv4 or all IPv6, and that real servers have addresses of their own;
    /// the message says what to fix.
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
        }
        let families: std::collections::BTreeSet<Family> = self
            .nodes
            .iter()
            .flat_map(|n| n.config.instances.iter().map(|i| i.family))
            .collect();
        if families.len() > 1 {
            let list = |f: Family| {
                self.nodes
                    .iter()
                    .flat_map(|n| {
                        n.config
                            .instances
                            .iter()
                            .filter(move |i| i.family == f)
                            .map(move |i| format!("{}/{}", n.name, i.name))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(ScenarioError::new(format!(
                "the scenario mixes IPv4 instances ({}) and IPv6 instances ({}); a simulated host \
                 has one address (turmoil), so one scenario is either IPv4 or IPv6: split it into \
                 an IPv4 scenario and an IPv6 scenario",
                list(Family::Ipv4),
                list(Family::Ipv6)
            )));
        }
        let backends = self.backends();
        if self.ipv6() && !backends.is_empty() {
            return Err(ScenarioError::new(
                "an IPv6 scenario cannot simulate real servers (the backends are IPv4 hosts): \
                 run the virtual_server checks in an IPv4 scenario",
            ));
        }
        for (address, _) in &backends {
            let clash = self
                .nodes
                .iter()
                .find(|n| std::net::IpAddr::V4(n.address) == address.ip());
            if let Some(n) = clash {
                return Err(ScenarioError::new(format!(
                    "real server {address} has the address of node `{}`: give the real servers \
                     their own addresses (each is a simulated host)",
                    n.name
                )));
            }
            if !address.is_ipv4() {
                return Err(ScenarioError::new(format!(
                    "real server {address}: the simulated network is IPv4, so IPv6 real servers \
                     cannot be simulated in this scenario"
                )));
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
            if let Some(b) = f.action.backend()
                && !backends.iter().any(|(a, _)| *a == b)
            {
                return Err(ScenarioError::new(format!(
                    "fault `{f}` names real server {b}, but no node checks it; checked real servers: {}",
                    if backends.is_empty() {
                        "none (no virtual_server with HTTP_GET or TCP_CHECK)".to_string()
                    } else {
                        backends
                            .iter()
                            .map(|(a, _)| a.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                )));
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

    /// True when the scenario's instances are IPv6 (VRRPv3 over IPv6): the world runs in
    /// turmoil's IPv6 mode, hosts get [`link_local_of`] addresses.
    pub fn ipv6(&self) -> bool {
        self.nodes
            .iter()
            .flat_map(|n| &n.config.instances)
            .any(|i| i.family == Family::Ipv6)
    }

    /// Every simulated real server: a checker's connect address, and whether some checker
    /// speaks HTTP to it (otherwise it is a plain TCP server). MISC_CHECK has no server.
    pub fn backends(&self) -> Vec<(std::net::SocketAddr, bool)> {
        let mut out: BTreeMap<std::net::SocketAddr, bool> = BTreeMap::new();
        for vs in self.nodes.iter().flat_map(|n| &n.health.virtual_servers) {
            for c in vs.real_servers.iter().flat_map(|r| &r.checkers) {
                match &c.kind {
                    CheckKind::Tcp { connect } => {
                        out.entry(*connect).or_insert(false);
                    }
                    CheckKind::Http { connect, .. } => {
                        out.insert(*connect, true);
                    }
                    CheckKind::Misc { .. } => {}
                }
            }
        }
        out.into_iter().collect()
    }

    /// The node with this name.
    pub fn node(&self, name: &str) -> Option<&NodeSpec> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::{Fault, FaultAction};
    use vrrplab_core::check::{CheckerConfig, RealServerConfig, VirtualServerConfig};
    use vrrplab_core::vrrp::InstanceConfig;

    fn node(name: &str, octet: u8, vip: &str) -> NodeSpec {
        let vip: std::net::IpAddr = vip.parse().unwrap();
        let mut i = InstanceConfig::new("VI_1", "eth0", 51, &[vip]);
        if vip.is_ipv6() {
            i = InstanceConfig::new("VI_6", "eth0", 52, &[vip]);
        }
        NodeSpec::new(
            name,
            Ipv4Addr::new(192, 0, 2, octet),
            NodeConfig {
                instances: vec![i],
                ..NodeConfig::default()
            },
        )
    }

    fn checked(n: NodeSpec, rs: &str) -> NodeSpec {
        let address = rs.parse().unwrap();
        let mut r = RealServerConfig::new(address);
        r.checkers = vec![CheckerConfig::tcp(address)];
        n.with_health(HealthConfig {
            virtual_servers: vec![VirtualServerConfig::new("192.0.2.100 80", vec![r])],
            ..HealthConfig::default()
        })
    }

    #[test]
    fn link_local_addresses_repeat_the_last_octet_digits() {
        assert_eq!(
            link_local_of(Ipv4Addr::new(192, 0, 2, 11)).to_string(),
            "fe80::11"
        );
        assert_eq!(
            link_local_of(Ipv4Addr::new(192, 0, 2, 200)).to_string(),
            "fe80::200"
        );
    }

    #[test]
    fn an_all_ipv6_scenario_is_valid_and_marked_ipv6() {
        let sc = Scenario::new(
            "v6",
            vec![
                node("a", 11, "2001:db8::100"),
                node("b", 12, "2001:db8::100"),
            ],
        );
        sc.validate().unwrap();
        assert!(sc.ipv6());
    }

    #[test]
    fn a_real_server_on_a_node_address_is_rejected() {
        let sc = Scenario::new(
            "clash",
            vec![checked(node("a", 11, "192.0.2.100"), "192.0.2.11:80")],
        );
        let e = sc.validate().unwrap_err();
        assert!(e.message.contains("node `a`"), "{}", e.message);
    }

    #[test]
    fn backend_faults_must_name_a_checked_real_server() {
        let mut sc = Scenario::new(
            "b",
            vec![checked(node("a", 11, "192.0.2.100"), "192.0.2.21:80")],
        );
        sc.faults
            .push(Fault::parse("5s backend-down 192.0.2.21:80").unwrap());
        sc.validate().unwrap();
        assert_eq!(
            sc.backends(),
            vec![("192.0.2.21:80".parse().unwrap(), false)]
        );
        sc.faults.push(Fault {
            at: Duration::from_secs(6),
            action: FaultAction::BackendUp("192.0.2.22:80".parse().unwrap()),
        });
        let e = sc.validate().unwrap_err();
        assert!(
            e.message.contains("checked real servers: 192.0.2.21:80"),
            "{}",
            e.message
        );
    }
}
