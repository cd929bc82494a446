//! The embedded default scenario of `vrrplab sim`: the classic two-node LVS-DR director pair
//! (modelled on `testdata/corpus/configs/lvs-dr-{master,backup}.conf`).
//!
//! Plan: the master crashes, the backup takes over; the master returns and preempts; then a
//! firewall on the backup drops the master's VRRP (split-brain); then the rule is removed and
//! the pair recovers.

use super::{Expectations, NodeSpec, Scenario, SimSettings};
use crate::fault::{FaultAction, FaultPlan};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use vrrplab_core::node::{InterfaceInfo, NodeConfig};
use vrrplab_core::vrrp::InstanceConfig;
use vrrplab_core::wire::Authentication;

/// keepalived.conf of node `a` (LVS_A, the master, priority 100).
pub const DEFAULT_CONF_A: &str = r#"! LVS-DR director A (master), as in the keepalived tutorial.
global_defs {
   router_id LVS_A
   vrrp_skip_check_adv_addr
}

vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.0.2.100/24 dev eth0 label eth0:1
    }
}
"#;

/// keepalived.conf of node `b` (LVS_B, the backup, priority 99).
pub const DEFAULT_CONF_B: &str = r#"! LVS-DR director B (backup), as in the keepalived tutorial.
global_defs {
   router_id LVS_B
   vrrp_skip_check_adv_addr
}

vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 99
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.0.2.100/24 dev eth0 label eth0:1
    }
}
"#;

/// The same two configurations built directly, for builds where keepalived.conf parsing is
/// not available: identical values to the text above.
fn lvs_node(router_id: &str, address: Ipv4Addr, priority: u8, master: bool) -> NodeConfig {
    let vip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));
    let mut instance = InstanceConfig::new("VI_1", "eth0", 51, &[vip]);
    instance.priority = priority;
    instance.initial_master = master;
    instance.authentication = Authentication::simple_password("1111");
    instance.skip_check_adv_addr = true;
    instance.virtual_addresses[0].prefix_len = 24;
    instance.virtual_addresses[0].interface = Some("eth0".to_string());
    NodeConfig {
        router_id: router_id.to_string(),
        interfaces: vec![InterfaceInfo::up("eth0", Some(IpAddr::V4(address)), None)],
        instances: vec![instance],
        ..NodeConfig::default()
    }
}

/// The embedded default scenario. `parse` turns keepalived.conf text into a [`NodeConfig`];
/// when it is `None` (or fails) the equivalent hand-built configuration is used.
pub fn default_scenario(parse: Option<&super::ConfigLoader>) -> Scenario {
    let a_addr = Ipv4Addr::new(192, 0, 2, 11);
    let b_addr = Ipv4Addr::new(192, 0, 2, 12);
    let load = |text: &str, origin: &str, fallback: NodeConfig| match parse {
        Some(p) => p(text, origin).unwrap_or(fallback),
        None => fallback,
    };
    let a = load(
        DEFAULT_CONF_A,
        "a.conf",
        lvs_node("LVS_A", a_addr, 100, true),
    );
    let b = load(
        DEFAULT_CONF_B,
        "b.conf",
        lvs_node("LVS_B", b_addr, 99, false),
    );
    let s = Duration::from_secs;
    let faults = FaultPlan::new()
        .at(s(10), FaultAction::Crash("a".into()))
        .at(s(20), FaultAction::Restart("a".into()))
        .at(
            s(35),
            FaultAction::Block {
                receiver: "b".into(),
                sender: "a".into(),
            },
        )
        .at(
            s(50),
            FaultAction::Unblock {
                receiver: "b".into(),
                sender: "a".into(),
            },
        );
    Scenario {
        name: "LVS-DR director pair (lvs-dr-master.conf + lvs-dr-backup.conf)".to_string(),
        description: "a (priority 100) and b (priority 99) share VRID 51 and VIP 192.0.2.100. \
            a crashes at 10s and returns at 20s (preempt); at 35s a firewall on b drops a's VRRP \
            (split-brain); at 50s the rule is removed."
            .to_string(),
        nodes: vec![NodeSpec::new("a", a_addr, a), NodeSpec::new("b", b_addr, b)],
        configs: Default::default(),
        faults,
        settings: SimSettings {
            duration: s(60),
            ..SimSettings::default()
        },
        gateway: false,
        client: true,
        expect: Expectations {
            split_brain: Some(true),
            split_brain_heals: Some(true),
            final_master: [(51, "a".to_string())].into_iter().collect(),
            max_failover_gap: Some(Duration::from_secs(4)),
            allow_violations: false,
        },
    }
}
