//! The daemon's state as JSON (SIGUSR1 dump): instances with state, priority and counters,
//! node-level discards and driver error counts.

use serde_json::{Value, json};
use vrrplab_core::node::{InstanceStatus, NodeCounters};
use vrrplab_core::vrrp::Counters;

/// Errors the driver counted (not the core's discards).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriverCounters {
    /// Failed or undecodable receives.
    pub receive_errors: u64,
    /// Failed VRRP sends.
    pub send_errors: u64,
    /// Failed address changes.
    pub netlink_errors: u64,
    /// Failed GARP / NA sends.
    pub announce_errors: u64,
    /// Reloads that were refused (invalid configuration).
    pub reload_failures: u64,
}

fn counters(c: &Counters) -> Value {
    json!({
        "adverts_received": c.adverts_received,
        "adverts_sent": c.adverts_sent,
        "priority_zero_received": c.priority_zero_received,
        "priority_zero_sent": c.priority_zero_sent,
        "became_master": c.became_master,
        "lower_priority_ignored": c.lower_priority_ignored,
        "packet_length_errors": c.packet_length_errors,
        "ttl_errors": c.ttl_errors,
        "version_errors": c.version_errors,
        "auth_type_mismatches": c.auth_type_mismatches,
        "auth_failures": c.auth_failures,
        "interval_errors": c.interval_errors,
        "checksum_errors": c.checksum_errors,
        "interval_mismatches_v3": c.interval_mismatches_v3,
        "invalid_type": c.invalid_type,
        "destination_errors": c.destination_errors,
        "unicast_source_errors": c.unicast_source_errors,
        "address_count_mismatches": c.address_count_mismatches,
        "address_list_mismatches": c.address_list_mismatches,
    })
}

/// The whole state document.
pub fn json(instances: &[InstanceStatus], node: &NodeCounters, driver: &DriverCounters) -> Value {
    let instances: Vec<Value> = instances
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "vrid": i.vrid,
                "family": i.family.to_string(),
                "interface": i.interface,
                "state": i.state.to_string(),
                "priority": i.effective_priority,
                "primary_address": i.primary_address.to_string(),
                "master": i.master.map(|(a, p)| json!({"address": a.to_string(), "priority": p})),
                "master_down_interval_ms": i.master_down_interval.as_millis() as u64,
                "counters": counters(&i.counters),
            })
        })
        .collect();
    json!({
        "instances": instances,
        "node": {"too_short": node.too_short, "unknown_vrid": node.unknown_vrid},
        "driver": {
            "receive_errors": driver.receive_errors,
            "send_errors": driver.send_errors,
            "netlink_errors": driver.netlink_errors,
            "announce_errors": driver.announce_errors,
            "reload_failures": driver.reload_failures,
        },
    })
}
