//! `vrrp_script`, `vrrp_track_file` and `vrrp_instance`, resolved.

use crate::vrrp::config::NotifyConfig;
use crate::vrrp::{GarpConfig, Preempt, TrackRef, TrackedInterface};
use crate::wire::{Family, Version};
use std::net::IpAddr;
use std::time::Duration;

/// A `vrrp_script` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VrrpScript {
    /// Script name.
    pub name: String,
    /// `script` command line (quotes removed).
    pub script: String,
    /// `interval` (default 1 s).
    pub interval: Duration,
    /// `timeout` (default: the interval).
    pub timeout: Duration,
    /// `weight` (default 0 ⇒ FAULT on failure), range −253..=253.
    pub weight: i32,
    /// `weight N reverse`.
    pub reverse: bool,
    /// `rise` (default 1).
    pub rise: u32,
    /// `fall` (default 1).
    pub fall: u32,
    /// `init_fail`.
    pub init_fail: bool,
    /// `user USER [GROUP]`.
    pub user: Option<String>,
}

/// A `vrrp_track_file` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VrrpTrackFile {
    /// Tracker name.
    pub name: String,
    /// `file` path.
    pub file: String,
    /// `weight` (default 1).
    pub weight: i32,
    /// `weight N reverse`.
    pub reverse: bool,
}

/// The configured start state (`state`, inferred from priority when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InitialState {
    /// `state MASTER` (only an owner actually starts as master).
    Master,
    /// `state BACKUP`.
    Backup,
}

/// v2 authentication type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// `auth_type PASS`: simple password.
    Pass,
    /// `auth_type AH`: IPsec AH (recognised, not supported).
    Ah,
}

/// `authentication { auth_type …; auth_pass … }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthSettings {
    /// Type.
    pub auth_type: AuthType,
    /// Password as used on the wire: at most 8 bytes (keepalived truncates longer ones).
    pub password: String,
}

/// One `virtual_ipaddress` / `virtual_ipaddress_excluded` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VipEntry {
    /// The address.
    pub address: IpAddr,
    /// Prefix length (default /32 or /128).
    pub prefix_len: u8,
    /// `brd ADDRESS`.
    pub brd: Option<IpAddr>,
    /// `dev IFNAME`.
    pub dev: Option<String>,
    /// `scope SCOPE`.
    pub scope: Option<String>,
    /// `label LABEL`.
    pub label: Option<String>,
    /// `peer ADDRESS[/LEN]` (point-to-point).
    pub peer: Option<String>,
    /// `preferred_lft N` (IPv6).
    pub preferred_lft: Option<u32>,
    /// Flags written alone: `home`, `-nodad`, `mngtmpaddr`, `noprefixroute`, `autojoin`,
    /// `no_track`, in the order given.
    pub flags: Vec<String>,
}

impl VipEntry {
    /// An address with its family's host prefix and no options.
    pub fn new(address: IpAddr) -> Self {
        VipEntry {
            address,
            prefix_len: if address.is_ipv4() { 32 } else { 128 },
            brd: None,
            dev: None,
            scope: None,
            label: None,
            peer: None,
            preferred_lft: None,
            flags: Vec::new(),
        }
    }
}

/// `unicast_peer { ADDRESS [min_ttl N] [max_ttl N] }` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnicastPeer {
    /// Peer address.
    pub address: IpAddr,
    /// `min_ttl`.
    pub min_ttl: Option<u8>,
    /// `max_ttl`.
    pub max_ttl: Option<u8>,
}

/// A `vrrp_instance`, with keepalived's defaults and inference applied.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VrrpInstance {
    /// Instance name.
    pub name: String,
    /// Start state (written or inferred: MASTER iff priority 255).
    pub state: InitialState,
    /// `interface` (default: `default_interface`).
    pub interface: String,
    /// `virtual_router_id`, 1–255.
    pub vrid: u8,
    /// `priority` (written or inferred: 255 for MASTER, else 100).
    pub priority: u8,
    /// `advert_int` (default 1 s; v2 rounded to whole seconds).
    pub advert_int: Duration,
    /// `version` / global `vrrp_version` (IPv6 ⇒ 3).
    pub version: Version,
    /// Family of `virtual_ipaddress` (IPv4 when empty).
    pub family: Family,
    /// `nopreempt` / `preempt_delay` (both cleared when `state MASTER`).
    pub preempt: Preempt,
    /// v2 `authentication` (`None` without it, and always for v3).
    pub authentication: Option<AuthSettings>,
    /// `virtual_ipaddress`.
    pub virtual_ipaddress: Vec<VipEntry>,
    /// `virtual_ipaddress_excluded`.
    pub virtual_ipaddress_excluded: Vec<VipEntry>,
    /// `unicast_src_ip`.
    pub unicast_src_ip: Option<IpAddr>,
    /// `unicast_peer` entries.
    pub unicast_peers: Vec<UnicastPeer>,
    /// `mcast_src_ip`.
    pub mcast_src_ip: Option<IpAddr>,
    /// `mcast_dst_ip` (default: the global group of the family).
    pub mcast_dst_ip: IpAddr,
    /// `track_interface`.
    pub track_interfaces: Vec<TrackedInterface>,
    /// `track_script`.
    pub track_scripts: Vec<TrackRef>,
    /// `track_file`.
    pub track_files: Vec<TrackRef>,
    /// `notify_*` and `notify`.
    pub notify: NotifyConfig,
    /// `notify_priority_changes` / global `vrrp_notify_priority_changes`.
    pub notify_priority_changes: bool,
    /// `accept` / `no_accept` (default accept, unless strict; owners always accept).
    pub accept: bool,
    /// GARP / NA schedule (instance values over `global_defs` ones).
    pub garp: GarpConfig,
    /// `lower_prio_no_advert` (forced on by strict).
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert` (forced off by strict).
    pub higher_prio_send_advert: bool,
    /// `v3_checksum_as_v2`: v3 IPv4 checksum without the pseudo-header.
    pub v3_checksum_as_v2: bool,
    /// `strict_mode` / global `vrrp_strict`.
    pub strict: bool,
    /// `skip_check_adv_addr` / global `vrrp_skip_check_adv_addr`.
    pub skip_check_adv_addr: bool,
    /// `down_timer_adverts` (default 3, 1–100).
    pub down_timer_adverts: u32,
    /// `check_unicast_src` / global `vrrp_check_unicast_src`, or implied by a peer's
    /// `min_ttl`/`max_ttl`: unicast adverts must come from a listed peer.
    pub check_unicast_src: bool,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `use_vmac [NAME] [MAC]` and `vmac_xmit_base`, resolved.
    pub use_vmac: Option<crate::vrrp::Vmac>,
}
