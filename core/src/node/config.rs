//! Everything one host runs, as one value: the input to [`super::Node::new`].

use crate::vrrp::{InstanceConfig, SyncGroupConfig, TrackFileConfig, TrackScriptConfig};
use std::net::IpAddr;

/// An interface of the host as the driver sees it (from netlink, or from the simulator).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InterfaceInfo {
    /// Interface name.
    pub name: String,
    /// The interface exists on the host. An instance whose interface is absent has no VRRP
    /// socket to send from: it is in FAULT even with `dont_track_primary`.
    pub exists: bool,
    /// Operational state at start.
    pub up: bool,
    /// Primary IPv4 address: the source of IPv4 adverts and the tie-break address.
    pub primary_v4: Option<IpAddr>,
    /// IPv6 link-local address: the source of IPv6 adverts.
    pub link_local_v6: Option<IpAddr>,
}

impl InterfaceInfo {
    /// An interface that exists and is up with the given addresses.
    pub fn up(name: &str, primary_v4: Option<IpAddr>, link_local_v6: Option<IpAddr>) -> Self {
        InterfaceInfo {
            name: name.to_string(),
            exists: true,
            up: true,
            primary_v4,
            link_local_v6,
        }
    }
}

/// One host's whole VRRP configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeConfig {
    /// `router_id` (for logs and reports).
    pub router_id: String,
    /// The host's interfaces (filled by the driver, not by keepalived.conf).
    pub interfaces: Vec<InterfaceInfo>,
    /// `vrrp_instance` blocks, in file order.
    pub instances: Vec<InstanceConfig>,
    /// `vrrp_sync_group` blocks.
    pub sync_groups: Vec<SyncGroupConfig>,
    /// `vrrp_script` blocks.
    pub scripts: Vec<TrackScriptConfig>,
    /// `vrrp_track_file` blocks.
    pub track_files: Vec<TrackFileConfig>,
}
