//! `use_vmac`: a macvlan per instance carrying the virtual MAC (RFC 5798 §7.3), created and
//! removed by the daemon, as keepalived does (`vrrp_vmac.c`, measured against 2.2.7 here):
//!
//! - a macvlan in **private** mode on the instance's interface, named `vrrp.VRID` unless
//!   `use_vmac NAME`, with MAC 00:00:5e:00:01:VRID (IPv6 00:00:5e:00:02:VRID) unless given;
//! - on it: `arp_ignore=1` (it answers ARP only for its own addresses), `accept_local=1`,
//!   `promote_secondaries=1`, no automatic IPv6 address (`addr_gen_mode=1`), no router
//!   solicitations, and for an IPv4 instance IPv6 disabled; an IPv6 one gets the base's
//!   link-local address, deprecated (`preferred_lft 0`), so adverts can leave from it;
//! - on the base interface of an IPv4 instance: `arp_ignore=1` and `arp_filter=1`, so only the
//!   macvlan answers for the VIPs (keepalived leaves them set; vrrplab restores them at exit);
//! - the instance's addresses of its family go on the macvlan, GARPs / NAs leave from it with
//!   the virtual MAC, and adverts too — unless `vmac_xmit_base`, which sends them from the base.
//!   Adverts are always received on the base interface (multicast reaches both).

use super::addresses::Addresses;
use super::host::describe;
use rtnetlink::packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, CacheInfo,
};
use rtnetlink::packet_route::link::MacVlanMode;
use rtnetlink::{LinkMacVlan, LinkUnspec};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};
use vrrplab_core::node::NodeConfig;
use vrrplab_core::wire::Family;

/// One instance's VMAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The instance.
    pub instance: String,
    /// VRID (adverts carry it: how a transmit finds its VMAC).
    pub vrid: u8,
    /// The instance's family.
    pub v6: bool,
    /// The base interface.
    pub base: String,
    /// The macvlan's name.
    pub name: String,
    /// Its MAC.
    pub mac: [u8; 6],
    /// `vmac_xmit_base`.
    pub xmit_base: bool,
}

/// The VMACs `config` asks for, by instance name.
pub fn plans(config: &NodeConfig) -> BTreeMap<String, Plan> {
    config
        .instances
        .iter()
        .filter_map(|i| {
            let v = i.vmac.as_ref()?;
            Some((
                i.name.clone(),
                Plan {
                    instance: i.name.clone(),
                    vrid: i.vrid,
                    v6: i.family == Family::Ipv6,
                    base: i.interface.clone(),
                    name: v.name.clone(),
                    mac: v.mac,
                    xmit_base: v.xmit_base,
                },
            ))
        })
        .collect()
}

/// Writes one sysctl under `/proc/sys/net/`; returns the old value.
fn sysctl(path: &str, value: &str) -> Result<String, String> {
    let full = format!("/proc/sys/net/{path}");
    let old = std::fs::read_to_string(&full).map_err(|e| format!("{full}: {e}"))?;
    std::fs::write(&full, value).map_err(|e| format!("{full}: {e}"))?;
    Ok(old.trim().to_string())
}

/// The macvlan's settings, before it goes up (see the module docs).
fn configure(plan: &Plan) -> Result<(), String> {
    let n = &plan.name;
    sysctl(&format!("ipv6/conf/{n}/addr_gen_mode"), "1")?;
    sysctl(&format!("ipv6/conf/{n}/router_solicitations"), "0")?;
    sysctl(&format!("ipv6/conf/{n}/accept_dad"), "0")?;
    if !plan.v6 {
        sysctl(&format!("ipv6/conf/{n}/disable_ipv6"), "1")?;
    }
    sysctl(&format!("ipv4/conf/{n}/arp_ignore"), "1")?;
    sysctl(&format!("ipv4/conf/{n}/accept_local"), "1")?;
    sysctl(&format!("ipv4/conf/{n}/promote_secondaries"), "1")?;
    Ok(())
}

/// Creates the macvlan for `plan` on the base interface `base_index` and brings it up (with
/// `link_local`, the base's IPv6 link-local address, for an IPv6 instance).
pub async fn create(
    addresses: &Addresses,
    plan: &Plan,
    base_index: u32,
    link_local: Option<Ipv6Addr>,
) -> Result<(), String> {
    let handle = addresses.handle();
    let message = LinkMacVlan::new(&plan.name, base_index, MacVlanMode::Private)
        .address(plan.mac.to_vec())
        .build();
    handle
        .link()
        .add(message)
        .execute()
        .await
        .map_err(|e| format!("cannot create {}: {}", plan.name, describe(&e)))?;
    let index = index_of(addresses, &plan.name).await?;
    tokio::task::spawn_blocking({
        let plan = plan.clone();
        move || configure(&plan)
    })
    .await
    .map_err(|e| e.to_string())??;
    if let (true, Some(ll)) = (plan.v6, link_local) {
        let mut request = handle.address().add(index, IpAddr::V6(ll), 64);
        let m = request.message_mut();
        m.header.flags |= AddressHeaderFlags::Nodad;
        m.attributes
            .push(AddressAttribute::Flags(AddressFlags::Nodad));
        // Deprecated at once (preferred 0, valid forever): never chosen as a source otherwise.
        let mut lifetimes = CacheInfo::default();
        lifetimes.ifa_valid = u32::MAX;
        m.attributes.push(AddressAttribute::CacheInfo(lifetimes));
        request
            .execute()
            .await
            .map_err(|e| format!("cannot add {ll} to {}: {}", plan.name, describe(&e)))?;
    }
    handle
        .link()
        .set(LinkUnspec::new_with_index(index).up().build())
        .execute()
        .await
        .map_err(|e| format!("cannot bring {} up: {}", plan.name, describe(&e)))
}

async fn index_of(addresses: &Addresses, name: &str) -> Result<u32, String> {
    use futures_util::TryStreamExt;
    let mut links = addresses
        .handle()
        .link()
        .get()
        .match_name(name.to_string())
        .execute();
    match links.try_next().await {
        Ok(Some(link)) => Ok(link.header.index),
        Ok(None) => Err(format!("{name} vanished after its creation")),
        Err(e) => Err(format!("cannot find {name}: {}", describe(&e))),
    }
}

/// Deletes the link `index` (an already gone link is not an error).
pub async fn delete(addresses: &Addresses, index: u32) -> Result<(), String> {
    match addresses.handle().link().del(index).execute().await {
        Err(rtnetlink::Error::NetlinkError(m)) if -m.raw_code() == libc::ENODEV => Ok(()),
        Err(e) => Err(describe(&e)),
        Ok(()) => Ok(()),
    }
}

/// The base interfaces' sysctls the VMACs changed, restored when dropped.
#[derive(Debug, Default)]
pub struct BaseSettings {
    saved: BTreeMap<String, String>,
}

impl BaseSettings {
    /// `arp_ignore=1`, `arp_filter=1` on `base` (IPv4 VMACs), remembering the old values once.
    pub fn apply(&mut self, base: &str) {
        for key in ["arp_ignore", "arp_filter"] {
            let path = format!("ipv4/conf/{base}/{key}");
            if self.saved.contains_key(&path) {
                continue;
            }
            match sysctl(&path, "1") {
                Ok(old) => {
                    self.saved.insert(path, old);
                }
                Err(e) => tracing::warn!("VMAC: cannot set {e}"),
            }
        }
    }
}

impl Drop for BaseSettings {
    fn drop(&mut self) {
        for (path, old) in std::mem::take(&mut self.saved) {
            if let Err(e) = sysctl(&path, &old) {
                tracing::warn!("VMAC: cannot restore {e}");
            }
        }
    }
}

/// Removes, when dropped, the VMACs still listed (an error return or a panic unwinding past the
/// normal stop): `ip link delete NAME`, best effort.
#[derive(Debug, Default)]
pub struct Leftovers {
    /// Names of VMACs that exist now.
    pub names: std::collections::BTreeSet<String>,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        for name in std::mem::take(&mut self.names) {
            let _ = std::process::Command::new("ip")
                .args(["link", "delete", &name])
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrplab_core::vrrp::{InstanceConfig, Vmac};

    #[test]
    fn plans_come_from_instances_with_use_vmac_only() {
        let mut a = InstanceConfig::new("A", "eth0", 51, &["192.0.2.100".parse().unwrap()]);
        a.vmac = Some(Vmac {
            name: "vrrp.51".into(),
            mac: [0, 0, 0x5e, 0, 1, 51],
            xmit_base: false,
        });
        let b = InstanceConfig::new("B", "eth0", 52, &["192.0.2.101".parse().unwrap()]);
        let config = NodeConfig {
            instances: vec![a, b],
            ..Default::default()
        };
        let p = plans(&config);
        assert_eq!(p.len(), 1);
        assert_eq!(
            p["A"],
            Plan {
                instance: "A".into(),
                vrid: 51,
                v6: false,
                base: "eth0".into(),
                name: "vrrp.51".into(),
                mac: [0, 0, 0x5e, 0, 1, 51],
                xmit_base: false,
            }
        );
    }
}
