//! The driver's side of `no_accept` ([`crate::run::firewall`]): which VIPs the firewall drops,
//! kept in step with the address changes. A `no_accept` instance's VIP enters the drop set
//! before its add is queued, and leaves it after its removal is queued, so the host never
//! accepts traffic to it in between; both go through the host worker, in order.

use super::{Driver, needs_firewall};
use crate::run::firewall;
use crate::run::host::Job;
use std::net::IpAddr;

impl Driver {
    /// Whether `instance` runs with `no_accept` (the owner always accepts).
    fn drops_traffic(&self, instance: &str) -> bool {
        self.node
            .config()
            .instances
            .iter()
            .any(|i| i.name == instance && !i.accept)
    }

    /// Before an address add: a `no_accept` instance's VIP joins the drop set.
    pub(super) fn drop_before_add(&mut self, instance: &str, address: IpAddr) {
        if self.firewall.is_some() && self.drops_traffic(instance) && self.dropped.insert(address) {
            self.queue_sets();
        }
    }

    /// After an address removal was queued: the VIP leaves the drop set.
    pub(super) fn accept_after_remove(&mut self, address: IpAddr) {
        if self.firewall.is_some() && self.dropped.remove(&address) {
            self.queue_sets();
        }
    }

    fn queue_sets(&mut self) {
        self.host
            .queue(Job::Firewall(firewall::sets_script(&self.dropped)));
    }

    /// A firewall update's result.
    pub(super) fn on_firewall_done(&mut self, result: Result<(), String>) {
        if let Err(e) = result {
            self.counters.firewall_errors += 1;
            tracing::error!(
                "no_accept: cannot update nftables table inet {}: {e}",
                firewall::TABLE
            );
        }
    }

    /// After a reload: the table exists when the new configuration needs it, and drops only
    /// VIPs that still belong to a `no_accept` instance.
    pub(super) fn reload_firewall(&mut self) {
        if self.firewall.is_none() && needs_firewall(self.node.config()) {
            match firewall::Table::create() {
                Ok(t) => self.firewall = Some(t),
                Err(e) => {
                    self.counters.firewall_errors += 1;
                    tracing::error!("no_accept: cannot create nftables table: {e}");
                }
            }
        }
        let kept: std::collections::BTreeSet<IpAddr> = self
            .node
            .config()
            .instances
            .iter()
            .filter(|i| !i.accept)
            .flat_map(|i| i.virtual_addresses.iter().chain(&i.excluded_addresses))
            .map(|v| v.address)
            .filter(|a| self.dropped.contains(a))
            .collect();
        if kept != self.dropped {
            self.dropped = kept;
            self.queue_sets();
        }
    }
}
