//! The driver's VMACs ([`crate::run::vmac`]): made at start (a crashed run's are replaced),
//! made again when their base interface comes back or someone deletes them, removed when the
//! configuration drops them and at exit. While an instance's VMAC is missing the instance is in
//! FAULT (a host fault): it must not take its addresses without their virtual MAC.
//!
//! Routing of outputs: an address of the instance's family on its base interface goes on the
//! VMAC, and so do its GARPs / NAs; its adverts leave from the VMAC (a send-only socket) unless
//! `vmac_xmit_base`.

use super::Driver;
use crate::run::addresses::Addresses;
use crate::run::host::Job;
use crate::run::interfaces::Links;
use crate::run::{monitor, vmac};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};
use vrrplab_core::node::{NodeConfig, Transmit};

/// The base's IPv6 link-local address (IPv6 VMACs send from it).
fn link_local(links: &Links, base: &str) -> Option<Ipv6Addr> {
    match links.get(base)?.link_local_v6(&Default::default()) {
        Some(IpAddr::V6(a)) => Some(a),
        _ => None,
    }
}

/// At start, before the instances: every VMAC of `config` is made afresh (one a previous run
/// left is deleted first, with the leftover addresses on it). Returns the links as they are
/// then, the names made, and why the others could not be.
pub(super) async fn start(
    addresses: &Addresses,
    config: &NodeConfig,
    mut links: Links,
    base_settings: &mut vmac::BaseSettings,
) -> (Links, Vec<String>, BTreeMap<String, String>) {
    let plans = vmac::plans(config);
    let mut made = Vec::new();
    let mut failed = BTreeMap::new();
    if plans.is_empty() {
        return (links, made, failed);
    }
    for plan in plans.values() {
        if let Some(old) = links.get(&plan.name) {
            tracing::warn!(
                instance = plan.instance,
                "({}) removing {}: left over from a previous run",
                plan.instance,
                plan.name
            );
            if let Err(e) = vmac::delete(addresses, old.index).await {
                tracing::error!("cannot remove {}: {e}", plan.name);
            }
        }
        let Some(base) = links.get(&plan.base) else {
            continue;
        };
        if !plan.v6 {
            base_settings.apply(&plan.base);
        }
        match vmac::create(addresses, plan, base.index, link_local(&links, &plan.base)).await {
            Ok(()) => {
                tracing::info!(
                    instance = plan.instance,
                    "({}) created VMAC {}",
                    plan.instance,
                    plan.name
                );
                made.push(plan.name.clone());
            }
            Err(e) => {
                tracing::error!(instance = plan.instance, "({}) {e}", plan.instance);
                failed.insert(plan.instance.clone(), e);
            }
        }
    }
    if let Ok(fresh) = monitor::dump(addresses.handle()).await {
        links = fresh;
    }
    (links, made, failed)
}

impl Driver {
    /// The VMAC an address (or its announcement) of `instance` on `interface` goes on.
    pub(super) fn vmac_of_address(
        &self,
        instance: &str,
        interface: &str,
        address: IpAddr,
    ) -> Option<String> {
        let plan = self.vmacs.get(instance)?;
        (plan.base == interface && plan.v6 == address.is_ipv6()).then(|| plan.name.clone())
    }

    /// The VMAC an advert leaves from (its VRID is the payload's second byte).
    pub(super) fn vmac_of_transmit(&self, t: &Transmit) -> Option<String> {
        let vrid = *t.payload.get(1)?;
        self.vmacs
            .values()
            .find(|p| {
                !p.xmit_base && p.base == t.interface && p.v6 == t.dst.is_ipv6() && p.vrid == vrid
            })
            .map(|p| p.name.clone())
    }

    /// Why an instance's VMAC keeps it in FAULT, if it does.
    pub(super) fn vmac_fault(&self, instance: &str) -> Option<String> {
        let plan = self.vmacs.get(instance)?;
        if let Some(e) = self.vmac_faults.get(instance) {
            return Some(e.clone());
        }
        // Its carrier follows the base's, whose state the node tracks already.
        let present = self.links.get(&plan.name).is_some();
        (!present).then(|| format!("VMAC {} is missing", plan.name))
    }

    /// Makes the VMACs that are missing while their base exists, and deletes ours that the
    /// configuration no longer names.
    pub(super) fn reconcile_vmacs(&mut self) {
        let wanted: Vec<vmac::Plan> = self.vmacs.values().cloned().collect();
        for plan in wanted {
            if self.links.get(&plan.name).is_some() || self.vmac_pending.contains(&plan.name) {
                continue;
            }
            let Some(base) = self.links.get(&plan.base) else {
                continue;
            };
            if !plan.v6 {
                self.base_settings.apply(&plan.base);
            }
            let job = Job::CreateVmac(
                plan.clone(),
                base.index,
                link_local(&self.links, &plan.base),
            );
            self.vmac_pending.insert(plan.name.clone());
            self.host.queue(job);
        }
        let names: Vec<String> = self.vmacs.values().map(|p| p.name.clone()).collect();
        let unwanted: Vec<String> = self
            .vmac_made
            .names
            .iter()
            .filter(|n| !names.contains(n))
            .cloned()
            .collect();
        for name in unwanted {
            if let Some(link) = self.links.get(&name) {
                self.host.queue(Job::DeleteVmac(name.clone(), link.index));
            }
            self.vmac_made.names.remove(&name);
        }
    }

    /// A VMAC creation's result.
    pub(super) fn on_vmac_created(&mut self, plan: vmac::Plan, result: Result<(), String>) {
        self.vmac_pending.remove(&plan.name);
        match result {
            Ok(()) => {
                tracing::info!(
                    instance = plan.instance,
                    "({}) created VMAC {}",
                    plan.instance,
                    plan.name
                );
                self.vmac_made.names.insert(plan.name.clone());
                self.vmac_faults.remove(&plan.instance);
            }
            Err(e) => {
                self.counters.netlink_errors += 1;
                tracing::error!(instance = plan.instance, "({}) {e}", plan.instance);
                self.vmac_faults.insert(plan.instance.clone(), e);
            }
        }
        self.sync_host_faults();
    }

    /// At exit, after the addresses went: the VMACs go too.
    pub(super) async fn remove_vmacs(&mut self, addresses: &Addresses) {
        for name in std::mem::take(&mut self.vmac_made.names) {
            let Some(index) = self.links.get(&name).map(|l| l.index) else {
                continue;
            };
            match vmac::delete(addresses, index).await {
                Ok(()) => tracing::info!("removed VMAC {name}"),
                Err(e) => tracing::error!("cannot remove VMAC {name}: {e}"),
            }
        }
    }
}
