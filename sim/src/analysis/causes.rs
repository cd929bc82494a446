//! Why two masters did not hear each other: the active faults between them, or a
//! configuration mismatch that makes one discard the other's adverts.

use super::faults::FaultState;
use crate::observe::Event;
use crate::scenario::Scenario;
use std::time::Duration;
use vrrplab_core::vrrp::InstanceConfig;
use vrrplab_core::wire::{Authentication, Version};

fn auth_text(a: &Authentication) -> String {
    match a {
        Authentication::None => "none".to_string(),
        Authentication::SimplePassword(p) => {
            let end = p.iter().position(|b| *b == 0).unwrap_or(p.len());
            format!("PASS \"{}\"", String::from_utf8_lossy(&p[..end]))
        }
        Authentication::IpAh => "AH".to_string(),
        Authentication::CiscoMd5 => "Cisco MD5".to_string(),
        Authentication::Unknown(n) => format!("type {n}"),
    }
}

/// A configuration difference that makes `x` or `y` drop the other's adverts for `vrid`.
pub(crate) fn config_mismatch(
    x: (&str, &InstanceConfig),
    y: (&str, &InstanceConfig),
) -> Option<String> {
    let ((xn, xi), (yn, yi)) = (x, y);
    if xi.version != yi.version {
        return Some(format!(
            "VRRP version mismatch ({xn} {}, {yn} {}): each drops the other's adverts",
            xi.version, yi.version
        ));
    }
    if xi.version == Version::V2 && xi.authentication != yi.authentication {
        return Some(format!(
            "authentication mismatch ({xn} {}, {yn} {}): each drops the other's adverts",
            auth_text(&xi.authentication),
            auth_text(&yi.authentication)
        ));
    }
    if xi.version == Version::V2 && xi.advert_interval != yi.advert_interval {
        return Some(format!(
            "advert_int mismatch ({xn} {}s, {yn} {}s): keepalived drops VRRPv2 adverts with another interval",
            xi.advert_interval.as_secs_f64(),
            yi.advert_interval.as_secs_f64()
        ));
    }
    if xi.checksum_convention != yi.checksum_convention && xi.version == Version::V3 {
        return Some(format!(
            "v3 checksum convention mismatch ({xn} {:?}, {yn} {:?})",
            xi.checksum_convention, yi.checksum_convention
        ));
    }
    if xi.multicast_group != yi.multicast_group && xi.unicast_peers.is_empty() {
        return Some(format!(
            "multicast group mismatch ({xn} {}, {yn} {})",
            xi.multicast_group, yi.multicast_group
        ));
    }
    None
}

/// The instance of `node` for `vrid`.
pub(crate) fn instance<'a>(
    scenario: &'a Scenario,
    node: &str,
    vrid: u8,
) -> Option<&'a InstanceConfig> {
    scenario
        .node(node)?
        .config
        .instances
        .iter()
        .find(|i| i.vrid == vrid)
}

/// Why `nodes` were all master of `vrid` at `start`.
pub(crate) fn cause(
    scenario: &Scenario,
    events: &[Event],
    start: Duration,
    vrid: u8,
    nodes: &[String],
) -> String {
    let state = FaultState::at(events, start);
    let mut causes: Vec<String> = Vec::new();
    let mut add = |c: String| {
        if !causes.contains(&c) {
            causes.push(c);
        }
    };
    for (i, x) in nodes.iter().enumerate() {
        for y in &nodes[i + 1..] {
            let before = causes_len(&state, x, y);
            for c in before {
                add(c);
            }
            if let (Some(xi), Some(yi)) = (instance(scenario, x, vrid), instance(scenario, y, vrid))
                && let Some(c) = config_mismatch((x, xi), (y, yi))
            {
                add(c);
            }
        }
    }
    for (node, rate) in &state.drift {
        if nodes.contains(node) {
            add(format!("clock drift on {node} (rate {rate})"));
        }
    }
    if causes.is_empty() {
        "no fault active between the masters (check timers and priorities)".to_string()
    } else {
        causes.join("; ")
    }
}

fn causes_len(state: &FaultState, x: &str, y: &str) -> Vec<String> {
    let mut out = Vec::new();
    if state.partitioned(x, y) {
        out.push(format!("network partition {x}<->{y}"));
    }
    for (r, s) in [(x, y), (y, x)] {
        if state.blocks.contains(&(r.to_string(), s.to_string())) {
            out.push(format!(
                "one-way block: {r} drops VRRP from {s} (firewall on {r})"
            ));
        }
    }
    let loss = state.loss(x, y);
    if loss > 0 {
        out.push(format!("{loss}% packet loss between {x} and {y}"));
    }
    out
}
