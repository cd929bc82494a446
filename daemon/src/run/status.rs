//! The daemon's state as JSON (SIGUSR1 dump): instances with state, priority and counters,
//! node-level discards and driver error counts.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use vrrplab_core::node::{InstanceStatus, NodeCounters};
use vrrplab_core::vrrp::Counters;

/// Errors the driver counted (not the core's discards).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriverCounters {
    /// Failed or undecodable receives.
    pub receive_errors: u64,
    /// Datagrams dropped because the driver loop fell behind.
    pub receive_overflow: u64,
    /// Datagrams the kernel dropped from a full socket receive queue before they were read.
    pub kernel_dropped: u64,
    /// Failed VRRP sends.
    pub send_errors: u64,
    /// Failed address changes.
    pub netlink_errors: u64,
    /// Virtual addresses that could not be added (each put its instance in FAULT).
    pub address_add_failures: u64,
    /// Failed updates of the `no_accept` nftables sets.
    pub firewall_errors: u64,
    /// Configured addresses found on the host at start (a previous run's) and removed.
    pub leftover_addresses_removed: u64,
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

/// The whole state document; `reasons` holds each instance's last transition reason.
pub fn json(
    instances: &[InstanceStatus],
    node: &NodeCounters,
    driver: &DriverCounters,
    reasons: &BTreeMap<String, String>,
) -> Value {
    let instances: Vec<Value> = instances
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "vrid": i.vrid,
                "family": i.family.to_string(),
                "interface": i.interface,
                "state": i.state.to_string(),
                "reason": reasons.get(&i.name),
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
            "receive_overflow": driver.receive_overflow,
            "kernel_dropped": driver.kernel_dropped,
            "send_errors": driver.send_errors,
            "netlink_errors": driver.netlink_errors,
            "address_add_failures": driver.address_add_failures,
            "firewall_errors": driver.firewall_errors,
            "leftover_addresses_removed": driver.leftover_addresses_removed,
            "announce_errors": driver.announce_errors,
            "reload_failures": driver.reload_failures,
        },
    })
}

/// Reads one number out of an instance's counters.
type CounterOf = fn(&Counters) -> u64;

/// A Prometheus label value, escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The state as Prometheus text exposition (version 0.0.4).
pub fn metrics(
    instances: &[InstanceStatus],
    node: &NodeCounters,
    driver: &DriverCounters,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, u64)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in rows {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let id = |i: &InstanceStatus| {
        format!(
            "instance=\"{}\",vrid=\"{}\",interface=\"{}\",family=\"{}\"",
            label(&i.name),
            i.vrid,
            label(&i.interface),
            i.family
        )
    };
    let per = |f: &dyn Fn(&InstanceStatus) -> u64| -> Vec<(String, u64)> {
        instances
            .iter()
            .map(|i| (format!("{{{}}}", id(i)), f(i)))
            .collect()
    };
    family(
        "vrrplab_instance_state",
        "gauge",
        "1 for the instance's current state.",
        instances
            .iter()
            .map(|i| (format!("{{{},state=\"{}\"}}", id(i), i.state), 1))
            .collect(),
    );
    family(
        "vrrplab_instance_priority",
        "gauge",
        "Effective priority.",
        per(&|i| u64::from(i.effective_priority)),
    );
    family(
        "vrrplab_adverts_received_total",
        "counter",
        "Adverts accepted.",
        per(&|i| i.counters.adverts_received),
    );
    family(
        "vrrplab_adverts_sent_total",
        "counter",
        "Adverts sent.",
        per(&|i| i.counters.adverts_sent),
    );
    family(
        "vrrplab_became_master_total",
        "counter",
        "Transitions to MASTER.",
        per(&|i| i.counters.became_master),
    );
    family(
        "vrrplab_priority_zero_received_total",
        "counter",
        "Priority-0 adverts received.",
        per(&|i| i.counters.priority_zero_received),
    );
    let reasons: [(&str, CounterOf); 8] = [
        ("ttl", |c| c.ttl_errors),
        ("auth", |c| {
            c.auth_failures + c.auth_type_mismatches + c.auth_unsupported
        }),
        ("checksum", |c| c.checksum_errors),
        ("interval", |c| c.interval_errors),
        ("length", |c| c.packet_length_errors),
        ("version", |c| c.version_errors),
        ("address_list", |c| {
            c.address_count_mismatches + c.address_list_mismatches
        }),
        ("other", |c| {
            c.invalid_type + c.destination_errors + c.unicast_source_errors
        }),
    ];
    family(
        "vrrplab_discards_total",
        "counter",
        "Adverts discarded, by reason.",
        instances
            .iter()
            .flat_map(|i| {
                reasons
                    .iter()
                    .map(move |(r, f)| (format!("{{{},reason=\"{r}\"}}", id(i)), f(&i.counters)))
            })
            .collect(),
    );
    family(
        "vrrplab_node_discards_total",
        "counter",
        "Datagrams no instance took.",
        vec![
            ("{reason=\"too_short\"}".to_string(), node.too_short),
            ("{reason=\"unknown_vrid\"}".to_string(), node.unknown_vrid),
        ],
    );
    family(
        "vrrplab_driver_errors_total",
        "counter",
        "I/O errors of the daemon.",
        vec![
            ("{kind=\"receive\"}".to_string(), driver.receive_errors),
            ("{kind=\"overflow\"}".to_string(), driver.receive_overflow),
            (
                "{kind=\"kernel_dropped\"}".to_string(),
                driver.kernel_dropped,
            ),
            ("{kind=\"send\"}".to_string(), driver.send_errors),
            ("{kind=\"netlink\"}".to_string(), driver.netlink_errors),
            (
                "{kind=\"address_add\"}".to_string(),
                driver.address_add_failures,
            ),
            ("{kind=\"firewall\"}".to_string(), driver.firewall_errors),
            ("{kind=\"announce\"}".to_string(), driver.announce_errors),
            ("{kind=\"reload\"}".to_string(), driver.reload_failures),
        ],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use vrrplab_core::vrrp::State;
    use vrrplab_core::wire::Family;

    fn instance() -> InstanceStatus {
        let counters = Counters {
            adverts_sent: 12,
            ttl_errors: 2,
            ..Default::default()
        };
        InstanceStatus {
            name: "VI \"1\"".to_string(),
            vrid: 51,
            family: Family::Ipv4,
            state: State::Master,
            effective_priority: 150,
            interface: "eth0".to_string(),
            primary_address: "10.0.0.1".parse().unwrap(),
            master: None,
            master_adver_interval: Duration::from_secs(1),
            master_down_interval: Duration::from_millis(3414),
            accept: true,
            wants_master: false,
            counters,
        }
    }

    #[test]
    fn metrics_text_has_state_priority_counters_and_escaped_labels() {
        let text = metrics(
            &[instance()],
            &NodeCounters::default(),
            &DriverCounters::default(),
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn json_dump_has_state_priority_and_counters() {
        let reasons = BTreeMap::from([("VI \"1\"".to_string(), "startup".to_string())]);
        let doc = json(
            &[instance()],
            &NodeCounters::default(),
            &DriverCounters::default(),
            &reasons,
        );
        assert_eq!(doc["instances"][0]["reason"], "startup");
        let i = &doc["instances"][0];
        assert_eq!(i["state"], "MASTER");
        assert_eq!(i["priority"], 150);
        assert_eq!(i["counters"]["adverts_sent"], 12);
        assert_eq!(i["counters"]["ttl_errors"], 2);
        assert_eq!(doc["driver"]["send_errors"], 0);
    }
}
