//! The scenario file format (TOML). Example:
//!
//! ```toml
//! name = "firewall on the backup"
//! seed = 7
//! duration = "60s"
//! tick = "10ms"
//! latency = "1ms"            # or min_latency / max_latency
//! client = true
//! gateway = false
//! faults = ["12s block b<-a", "30s unblock b<-a"]
//!
//! [[node]]
//! name = "a"
//! address = "192.0.2.11"
//! config = "a.conf"          # keepalived.conf, relative to this file
//!
//! [[node]]
//! name = "b"
//! address = "192.0.2.12"
//! conf = """                 # or inline keepalived.conf text
//! vrrp_instance VI_1 { … }
//! """
//!
//! [configs]                  # for `reload` actions
//! b2 = "b-reloaded.conf"
//!
//! [expect]
//! split_brain = true
//! split_brain_heals = true
//! final_master = { 51 = "a" }
//! max_failover_gap = "4s"
//!
//! [nemesis]                  # for `--explore` (see `explore::nemesis`); a single run ignores it
//! kinds = "crash,block,loss<=30%"
//! faults = 2
//! window = "30s"
//! ```

use super::{Expectations, NodeSpec, Scenario, SimSettings};
use crate::fault::{Fault, FaultPlan, parse_duration};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::Path;
use vrrplab_core::node::NodeConfig;

/// Turns keepalived.conf text into a node configuration: `(text, origin for messages)`.
pub type ConfigLoader = dyn Fn(&str, &str) -> Result<NodeConfig, String>;

/// A scenario that cannot be loaded or is inconsistent; the message names what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// What is wrong.
    pub message: String,
}

impl ScenarioError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        ScenarioError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<String>,
    description: Option<String>,
    seed: Option<u64>,
    duration: Option<String>,
    tick: Option<String>,
    latency: Option<String>,
    min_latency: Option<String>,
    max_latency: Option<String>,
    #[serde(default)]
    gateway: bool,
    #[serde(default)]
    client: bool,
    #[serde(default)]
    faults: Vec<String>,
    #[serde(default)]
    node: Vec<RawNode>,
    #[serde(default)]
    configs: BTreeMap<String, String>,
    #[serde(default)]
    expect: RawExpect,
    /// Read by `explore::Nemesis::from_scenario_toml`; ignored by a single run.
    #[serde(default, rename = "nemesis")]
    _nemesis: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    name: String,
    address: Option<String>,
    config: Option<String>,
    conf: Option<String>,
    gateway_script: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    split_brain: Option<bool>,
    split_brain_heals: Option<bool>,
    #[serde(default)]
    final_master: BTreeMap<String, String>,
    max_failover_gap: Option<String>,
    #[serde(default)]
    allow_violations: bool,
}

/// The address of the `index`-th node when the file gives none: 192.0.2.11, .12, …
pub fn default_address(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(192, 0, 2, 11 + index.min(180) as u8)
}

impl Scenario {
    /// Reads a scenario file; keepalived.conf paths are relative to `base_dir`.
    pub fn from_toml(
        text: &str,
        origin: &str,
        base_dir: &Path,
        load: &ConfigLoader,
    ) -> Result<Scenario, ScenarioError> {
        let raw: RawScenario =
            toml::from_str(text).map_err(|e| ScenarioError::new(format!("{origin}: {e}")))?;
        let dur = |field: &str,
                   v: &Option<String>|
         -> Result<Option<std::time::Duration>, ScenarioError> {
            v.as_deref()
                .map(|t| {
                    parse_duration(t).map_err(|e| {
                        ScenarioError::new(format!("{origin}: `{field}`: {}", e.message))
                    })
                })
                .transpose()
        };
        let mut settings = SimSettings::default();
        if let Some(seed) = raw.seed {
            settings.seed = seed;
        }
        if let Some(d) = dur("duration", &raw.duration)? {
            settings.duration = d;
        }
        if let Some(d) = dur("tick", &raw.tick)? {
            settings.tick = d;
        }
        if let Some(d) = dur("latency", &raw.latency)? {
            settings.min_latency = d;
            settings.max_latency = d;
        }
        if let Some(d) = dur("min_latency", &raw.min_latency)? {
            settings.min_latency = d;
        }
        if let Some(d) = dur("max_latency", &raw.max_latency)? {
            settings.max_latency = d;
        }
        let read_conf = |path: &str| -> Result<NodeConfig, ScenarioError> {
            let full = base_dir.join(path);
            let text = std::fs::read_to_string(&full).map_err(|e| {
                ScenarioError::new(format!("{origin}: cannot read {}: {e}", full.display()))
            })?;
            load(&text, &full.display().to_string()).map_err(ScenarioError::new)
        };
        let mut nodes = Vec::new();
        for (index, n) in raw.node.iter().enumerate() {
            let address = match &n.address {
                Some(a) => a.parse().map_err(|_| {
                    ScenarioError::new(format!(
                        "{origin}: node `{}`: address `{a}` is not an IPv4 address",
                        n.name
                    ))
                })?,
                None => default_address(index),
            };
            let (config, health) = match (&n.config, &n.conf) {
                (Some(path), None) => {
                    let full = base_dir.join(path);
                    let text = std::fs::read_to_string(&full).unwrap_or_default();
                    let health =
                        crate::scenario::load_keepalived_health(&text, &full.display().to_string());
                    (read_conf(path)?, health)
                }
                (None, Some(text)) => {
                    let origin = format!("{origin} (node {})", n.name);
                    let config = load(text, &origin).map_err(ScenarioError::new)?;
                    (
                        config,
                        crate::scenario::load_keepalived_health(text, &origin),
                    )
                }
                _ => {
                    return Err(ScenarioError::new(format!(
                        "{origin}: node `{}` needs exactly one of `config = \"path\"` or `conf = \"\"\"…\"\"\"`",
                        n.name
                    )));
                }
            };
            nodes.push(NodeSpec {
                name: n.name.clone(),
                address,
                config,
                gateway_script: n.gateway_script.clone(),
                health,
            });
        }
        let mut configs = BTreeMap::new();
        for (name, path) in &raw.configs {
            configs.insert(name.clone(), read_conf(path)?);
        }
        let faults: FaultPlan = raw
            .faults
            .iter()
            .map(|line| {
                Fault::parse(line).map_err(|e| ScenarioError::new(format!("{origin}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .collect();
        let mut final_master = BTreeMap::new();
        for (vrid, node) in &raw.expect.final_master {
            let vrid: u8 = vrid.parse().map_err(|_| {
                ScenarioError::new(format!(
                    "{origin}: expect.final_master: `{vrid}` is not a VRID (1–255)"
                ))
            })?;
            final_master.insert(vrid, node.clone());
        }
        let scenario = Scenario {
            name: raw.name.unwrap_or_else(|| origin.to_string()),
            description: raw.description.unwrap_or_default(),
            nodes,
            configs,
            faults,
            settings,
            gateway: raw.gateway,
            client: raw.client,
            expect: Expectations {
                split_brain: raw.expect.split_brain,
                split_brain_heals: raw.expect.split_brain_heals,
                final_master,
                max_failover_gap: dur("expect.max_failover_gap", &raw.expect.max_failover_gap)?,
                allow_violations: raw.expect.allow_violations,
            },
        };
        scenario
            .validate()
            .map_err(|e| ScenarioError::new(format!("{origin}: {}", e.message)))?;
        Ok(scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultAction;

    fn loader(text: &str, origin: &str) -> Result<NodeConfig, String> {
        crate::scenario::load_keepalived_conf(text, origin)
    }

    const NODE: &str = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 7\n priority 100\n virtual_ipaddress { 192.0.2.100 }\n}\n";

    fn file(extra: &str) -> String {
        format!(
            "seed = 9\nduration = \"30s\"\ntick = \"10ms\"\nlatency = \"2ms\"\n{extra}\n\
             [[node]]\nname = \"a\"\nconf = \"\"\"\n{NODE}\"\"\"\n\
             [[node]]\nname = \"b\"\naddress = \"192.0.2.50\"\nconf = \"\"\"\n{NODE}\"\"\"\n"
        )
    }

    #[test]
    fn a_scenario_file_sets_every_explicit_setting() {
        let text = file(
            "faults = [\"5s partition a<->b\"]\n[expect]\nsplit_brain = true\nfinal_master = { 7 = \"b\" }\nmax_failover_gap = \"4s\"",
        );
        let sc = Scenario::from_toml(&text, "s.toml", Path::new("."), &loader).expect("valid");
        assert_eq!(sc.settings.seed, 9);
        assert_eq!(sc.settings.duration, std::time::Duration::from_secs(30));
        assert_eq!(sc.settings.tick, std::time::Duration::from_millis(10));
        assert_eq!(sc.settings.max_latency, std::time::Duration::from_millis(2));
        assert_eq!(sc.nodes[0].address, default_address(0));
        assert_eq!(sc.nodes[1].address, Ipv4Addr::new(192, 0, 2, 50));
        assert_eq!(
            sc.faults.faults()[0].action,
            FaultAction::Partition("a".into(), "b".into())
        );
        assert_eq!(sc.expect.final_master[&7], "b");
    }

    #[test]
    fn inline_confs_bring_their_virtual_servers_and_backend_faults_may_name_them() {
        let vs = "virtual_server 192.0.2.100 80 {\n delay_loop 5\n real_server 192.0.2.21 80 {\n  TCP_CHECK {\n   connect_timeout 2\n  }\n }\n}\n";
        let text = format!(
            "faults = [\"5s backend-down 192.0.2.21:80\"]\n[[node]]\nname = \"a\"\nconf = \"\"\"\n{NODE}{vs}\"\"\"\n"
        );
        let sc = Scenario::from_toml(&text, "s.toml", Path::new("."), &loader).expect("valid");
        assert_eq!(sc.nodes[0].health.virtual_servers.len(), 1);
        assert!(sc.nodes[0].health.scripts.is_empty());
        assert_eq!(
            sc.backends(),
            vec![("192.0.2.21:80".parse().unwrap(), false)]
        );
    }

    #[test]
    fn inconsistent_scenarios_are_errors_that_name_the_problem() {
        for (extra, needle) in [
            ("faults = [\"5s crash z\"]", "names node `z`"),
            ("faults = [\"5s reload a other\"]", "does not define"),
            ("faults = [\"5s gateway-cut a\"]", "gateway = true"),
            ("faults = [\"5s explode a\"]", "unknown action"),
            ("unknown_key = 1", "unknown field"),
            ("duration = \"soon\"", "duration"),
        ] {
            let e = Scenario::from_toml(&file(extra), "s.toml", Path::new("."), &loader)
                .expect_err(extra);
            assert!(e.message.contains(needle), "{extra}: {}", e.message);
        }
    }
}
