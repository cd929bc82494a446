//! Inputs from the host: link and address events (rtnetlink) and the results of the host
//! changes the worker made.
//!
//! A link or address event updates the link table; when it changes what the node knows about
//! a configured interface (up/down, its primary IPv4 or link-local IPv6 address, whether it
//! exists) the node is told, and the interface's VRRP socket is opened or reopened. A failed
//! address add is a host fault: the instance goes to FAULT (a master resigns with priority 0)
//! and tries again after [`super::ADDRESS_RETRY`].

use super::{ADDRESS_RETRY, Driver};
use crate::run::host::Done;
use crate::run::{config, interfaces};
use rtnetlink::packet_route::RouteNetlinkMessage;

impl Driver {
    /// One rtnetlink link or address event.
    pub(super) fn on_link_event(&mut self, event: RouteNetlinkMessage) {
        let Some(name) = self.links.apply(&event) else {
            return;
        };
        if self
            .vmacs
            .values()
            .any(|p| p.name == name || p.base == name)
        {
            self.reconcile_vmacs();
            let config = self.node.config().clone();
            if let Err(e) = self.open_sockets(&config, false) {
                tracing::error!("{e}");
            }
            self.sync_host_faults();
        }
        let configured = config::interface_names(self.node.config());
        if !configured.contains(&name) {
            return;
        }
        let info = interfaces::info_of(&self.links, &name, &self.vips);
        if self.seen.get(&name) != Some(&info) {
            let exists = self.links.get(&name).is_some();
            tracing::info!(
                interface = name,
                exists,
                up = info.up,
                ipv4 = info.primary_v4.map(|a| a.to_string()),
                ipv6_link_local = info.link_local_v6.map(|a| a.to_string()),
                "interface {name} changed: {}",
                describe(exists, &info)
            );
            self.seen.insert(name.clone(), info.clone());
            let now = self.now();
            self.node.handle_interface_info(now, info);
            self.drain();
        }
        let config = self.node.config().clone();
        if config.instances.iter().any(|i| i.interface == name) {
            if let Err(e) = self.open_sockets(&config, false) {
                tracing::error!("{e}");
            }
            self.sync_host_faults();
        }
    }

    /// The result of one host change.
    pub(super) fn on_host_done(&mut self, done: Done) {
        match done {
            Done::Added(job, Ok(())) => {
                tracing::info!(
                    instance = job.instance,
                    "added {}/{} on {}",
                    job.address,
                    job.prefix_len,
                    job.interface
                );
            }
            Done::Added(job, Err(e)) => {
                self.counters.netlink_errors += 1;
                self.counters.address_add_failures += 1;
                let reason = format!(
                    "cannot add {}/{} on {}: {e}",
                    job.address, job.prefix_len, job.interface
                );
                tracing::error!(
                    instance = job.instance,
                    "({}) {reason}: FAULT, retrying in {}s",
                    job.instance,
                    ADDRESS_RETRY.as_secs()
                );
                self.address_faults.insert(
                    job.instance.clone(),
                    (reason, tokio::time::Instant::now() + ADDRESS_RETRY),
                );
                self.sync_host_faults();
            }
            Done::Firewall(result) => self.on_firewall_done(result),
            Done::VmacCreated(plan, result) => self.on_vmac_created(plan, result),
            Done::VmacDeleted(name, Ok(())) => tracing::info!("removed VMAC {name}"),
            Done::VmacDeleted(name, Err(e)) => {
                self.counters.netlink_errors += 1;
                tracing::error!("cannot remove VMAC {name}: {e}");
            }
            Done::Removed(job, Ok(())) => tracing::info!(
                instance = job.instance,
                "removed {}/{} from {}",
                job.address,
                job.prefix_len,
                job.interface
            ),
            Done::Removed(job, Err(e)) => {
                self.counters.netlink_errors += 1;
                tracing::error!(
                    instance = job.instance,
                    "cannot remove {}/{} from {}: {e}",
                    job.address,
                    job.prefix_len,
                    job.interface
                );
            }
        }
    }
}

/// "up, IPv4 192.0.2.11, IPv6 link-local fe80::1" / "gone".
fn describe(exists: bool, info: &vrrplab_core::node::InterfaceInfo) -> String {
    if !exists {
        return "gone".to_string();
    }
    let state = if info.up { "up" } else { "down" };
    let v4 = info
        .primary_v4
        .map_or("no IPv4 address".to_string(), |a| format!("IPv4 {a}"));
    let v6 = info
        .link_local_v6
        .map_or("no IPv6 link-local".to_string(), |a| {
            format!("IPv6 link-local {a}")
        });
    format!("{state}, {v4}, {v6}")
}
