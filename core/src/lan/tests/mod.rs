//! Exact-instant behaviour tests on a virtual-clock Lan, one module per area.

mod announce;
mod election;
mod fault_tracking;
mod harness;
mod preempt;
mod priority_zero;
mod properties;
mod startup;
mod sync_group;
mod timeline;
mod unicast;

use super::{Lan, host_config};
use crate::Instant;
use crate::vrrp::{InstanceConfig, State};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// The VIP every test instance protects.
pub(super) fn vip() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))
}

/// Address of host `index` (192.0.2.11, .12, …): higher index, higher address.
pub(super) fn host_addr(index: usize) -> Ipv4Addr {
    Ipv4Addr::new(192, 0, 2, 11 + index as u8)
}

/// `VI_1`, VRID 51, eth0, one VIP, v2, advert_int 1 s: keepalived defaults with `priority`.
pub(super) fn instance(priority: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", "eth0", 51, &[vip()]);
    c.priority = priority;
    c
}

/// A Lan whose host `i` runs `configs[i]`, all started at time zero.
pub(super) fn lan_of(configs: Vec<InstanceConfig>) -> Lan {
    let mut lan = Lan::new(1);
    for (i, c) in configs.into_iter().enumerate() {
        let name = format!("h{}", i + 1);
        lan.add_host(&name, host_config(&name, host_addr(i), vec![c]));
    }
    lan
}

/// Seconds as an instant (exact for the values used in tests).
pub(super) fn at_secs(secs: f64) -> Instant {
    Instant::from_duration(Duration::from_secs_f64(secs))
}

/// Nanoseconds as an instant.
pub(super) fn at_nanos(nanos: u64) -> Instant {
    Instant::from_duration(Duration::from_nanos(nanos))
}

/// v2, priority 100, 1 s: 3 s + 156/256 s.
pub(super) const MDI_V2_100_NS: u64 = 3_609_375_000;

/// The state of `VI_1` on `host`.
pub(super) fn state(lan: &Lan, host: usize) -> Option<State> {
    lan.state(host, "VI_1")
}
