//! Model → the core's node configuration ([`NodeConfig`]). `NodeConfig::interfaces` is left
//! empty: drivers fill it from the host (netlink, simulator topology).
//!
//! Not carried over because the target types have no place for them (yet): per-address
//! options other than `dev` (brd, scope, label, flags), unicast peers' min/max TTL, `vrrp_script`
//! `user`, `virtual_server` blocks (for `core::check`), and notification
//! settings of `global_defs`.

use super::model::{AuthType, InitialState, KeepalivedConfig, VipEntry, VrrpInstance};
use crate::node::NodeConfig;
use crate::vrrp::{InstanceConfig, TrackFileConfig, TrackScriptConfig, VirtualAddress};
use crate::wire::{Authentication, ChecksumConvention};

impl KeepalivedConfig {
    /// The node configuration the core runs (interfaces to be filled by the driver).
    pub fn to_node_config(&self) -> NodeConfig {
        NodeConfig {
            router_id: self.global.router_id.clone().unwrap_or_default(),
            interfaces: Vec::new(),
            instances: self.instances.iter().map(instance_config).collect(),
            sync_groups: self.sync_groups.clone(),
            scripts: self
                .scripts
                .iter()
                .map(|s| TrackScriptConfig {
                    name: s.name.clone(),
                    command: s.script.clone(),
                    interval: s.interval,
                    timeout: s.timeout,
                    weight: if s.reverse { -s.weight } else { s.weight },
                    reverse: s.reverse,
                    rise: s.rise,
                    fall: s.fall,
                    init_fail: s.init_fail,
                    user: s.user.clone(),
                })
                .collect(),
            track_files: self
                .track_files
                .iter()
                .map(|f| TrackFileConfig {
                    name: f.name.clone(),
                    path: f.file.clone(),
                    weight: f.weight,
                    reverse: f.reverse,
                })
                .collect(),
        }
    }
}

fn address(v: &VipEntry) -> VirtualAddress {
    VirtualAddress {
        address: v.address,
        prefix_len: v.prefix_len,
        interface: v.dev.clone(),
    }
}

/// One instance in the core's terms.
pub fn instance_config(i: &VrrpInstance) -> InstanceConfig {
    let authentication = match &i.authentication {
        None => Authentication::None,
        Some(a) if a.auth_type == AuthType::Ah => Authentication::IpAh,
        Some(a) => {
            let mut pass = [0u8; 8];
            for (slot, b) in pass.iter_mut().zip(a.password.bytes()) {
                *slot = b;
            }
            Authentication::SimplePassword(pass)
        }
    };
    InstanceConfig {
        name: i.name.clone(),
        interface: i.interface.clone(),
        vrid: i.vrid,
        version: i.version,
        family: i.family,
        initial_master: i.state == InitialState::Master,
        priority: i.priority,
        advert_interval: i.advert_int,
        preempt: i.preempt,
        authentication,
        virtual_addresses: i.virtual_ipaddress.iter().map(address).collect(),
        excluded_addresses: i.virtual_ipaddress_excluded.iter().map(address).collect(),
        source_address: i.unicast_src_ip.or(i.mcast_src_ip),
        unicast_peers: i.unicast_peers.iter().map(|p| p.address).collect(),
        multicast_group: i.mcast_dst_ip,
        accept: i.accept,
        lower_prio_no_advert: i.lower_prio_no_advert,
        higher_prio_send_advert: i.higher_prio_send_advert,
        checksum_convention: if i.v3_checksum_as_v2 {
            ChecksumConvention::MessageOnly
        } else {
            ChecksumConvention::PseudoHeader
        },
        strict: i.strict,
        skip_check_adv_addr: i.skip_check_adv_addr,
        check_unicast_src: i.check_unicast_src,
        down_timer_adverts: i.down_timer_adverts,
        garp: i.garp.clone(),
        track_interfaces: i.track_interfaces.clone(),
        dont_track_primary: i.dont_track_primary,
        vmac: i.use_vmac.clone(),
        track_scripts: i.track_scripts.clone(),
        track_files: i.track_files.clone(),
        notify: i.notify.clone(),
        notify_priority_changes: i.notify_priority_changes,
    }
}
