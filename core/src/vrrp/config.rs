//! Configuration of one instance, already validated and with keepalived's defaults applied.
//!
//! `config` (keepalived.conf) converts into these types; tests and the simulator may build them
//! directly with [`InstanceConfig::new`] and struct update syntax.

use crate::wire::{Authentication, ChecksumConvention, Family, Version};
use std::net::IpAddr;
use std::time::Duration;

/// Preemption mode (keepalived: `preempt` is the default; `nopreempt`; `preempt_delay`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preempt {
    /// A higher-priority backup takes over from a lower-priority master.
    Enabled,
    /// `nopreempt`: a backup never takes over from a live lower-priority master.
    Disabled,
    /// `preempt_delay`: lower-priority adverts are accepted for this long after the first one.
    Delay(Duration),
}

/// One virtual (or excluded) address with its prefix length and optional `dev`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VirtualAddress {
    /// The address.
    pub address: IpAddr,
    /// Prefix length (keepalived default: /32 or /128 when not given).
    pub prefix_len: u8,
    /// Interface to add it on (`dev`); the instance's interface when `None`.
    pub interface: Option<String>,
}

/// A tracked interface with its weight (0 ⇒ FAULT while down).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackedInterface {
    /// Interface name.
    pub name: String,
    /// Weight: 0 ⇒ FAULT while down; negative subtracted while down; positive added while up.
    pub weight: i32,
    /// `weight N reverse`: the interface counts as down while up and up while down (`weight 0
    /// reverse` is FAULT while the interface is up).
    pub reverse: bool,
}

/// `use_vmac [NAME] [MAC]` (+ `vmac_xmit_base`): the instance runs on a macvlan of its
/// interface carrying the virtual MAC (RFC 5798 §7.3), resolved with keepalived's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vmac {
    /// Interface name (default `vrrp.VRID`).
    pub name: String,
    /// MAC address (default 00:00:5e:00:01:VRID, IPv6 00:00:5e:00:02:VRID).
    pub mac: [u8; 6],
    /// `vmac_xmit_base`: adverts go out (and come in) on the base interface; only the
    /// addresses and their announcements use the macvlan.
    pub xmit_base: bool,
}

/// A reference from an instance (or sync group) to a named script or file tracker.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackRef {
    /// Name of the `vrrp_script` / `vrrp_track_file`.
    pub name: String,
    /// Weight override given at the reference (`track_script { name weight -20 }`).
    pub weight: Option<i32>,
}

/// Gratuitous ARP / unsolicited NA schedule when becoming master.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GarpConfig {
    /// `garp_master_delay`: delay of the second burst (default 5 s; `None` = no second burst).
    pub master_delay: Option<Duration>,
    /// `garp_master_repeat`: announcements per burst (default 5).
    pub master_repeat: u32,
    /// `garp_master_refresh`: periodic refresh while master (default off).
    pub master_refresh: Option<Duration>,
    /// `garp_master_refresh_repeat`: announcements per refresh (default 1).
    pub master_refresh_repeat: u32,
    /// `vrrp_garp_interval` / `vrrp_gna_interval`: spacing inside a burst (default 0).
    pub interval: Duration,
    /// `garp_lower_prio_repeat`: announcements when a master hears a lower priority (keepalived
    /// default: `garp_master_repeat`; the split-brain capture shows a burst of 5 per advert).
    pub lower_prio_repeat: u32,
    /// `garp_lower_prio_delay`: a second lower-priority burst this long after each first one
    /// (keepalived default: `garp_master_delay`; `None` = no second burst).
    pub lower_prio_delay: Option<Duration>,
}

impl Default for GarpConfig {
    fn default() -> Self {
        GarpConfig {
            master_delay: Some(Duration::from_secs(5)),
            master_repeat: 5,
            master_refresh: None,
            master_refresh_repeat: 1,
            interval: Duration::ZERO,
            lower_prio_repeat: 5,
            lower_prio_delay: Some(Duration::from_secs(5)),
        }
    }
}

/// A `vrrp_instance`, validated, with keepalived's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstanceConfig {
    /// Instance name (`vrrp_instance NAME`).
    pub name: String,
    /// Interface adverts are sent and received on.
    pub interface: String,
    /// Virtual router identifier, 1–255.
    pub vrid: u8,
    /// Protocol version (IPv6 is always v3).
    pub version: Version,
    /// Address family (decided by the virtual addresses).
    pub family: Family,
    /// `state MASTER` was configured (only an owner starts as master; kept for reporting).
    pub initial_master: bool,
    /// Configured priority, 1–255 (255 = address owner).
    pub priority: u8,
    /// `advert_int` (v2: whole seconds; v3: multiple of 10 ms, 10 ms–40.95 s).
    pub advert_interval: Duration,
    /// Preemption mode.
    pub preempt: Preempt,
    /// v2 authentication (`None` for v3).
    pub authentication: Authentication,
    /// `virtual_ipaddress`: announced in adverts and added when master.
    pub virtual_addresses: Vec<VirtualAddress>,
    /// `virtual_ipaddress_excluded`: added when master, not announced.
    pub excluded_addresses: Vec<VirtualAddress>,
    /// `mcast_src_ip` / `unicast_src_ip`; the interface's primary address when `None`.
    pub source_address: Option<IpAddr>,
    /// `unicast_peer`: one transmit per peer instead of multicast when not empty.
    pub unicast_peers: Vec<IpAddr>,
    /// `check_unicast_src`: a unicast advert must come from a configured peer.
    pub check_unicast_src: bool,
    /// Multicast destination (`mcast_dst_ip` / `vrrp_mcast_group4|6`).
    pub multicast_group: IpAddr,
    /// Accept mode (keepalived default: on, unless strict; owners always accept).
    pub accept: bool,
    /// `lower_prio_no_advert`: a master does not answer a lower-priority advert.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`: a master sends one advert before yielding.
    pub higher_prio_send_advert: bool,
    /// v3 over IPv4 checksum convention (`v3_checksum_as_v2` ⇒ `MessageOnly`).
    pub checksum_convention: ChecksumConvention,
    /// `vrrp_strict`.
    pub strict: bool,
    /// `vrrp_skip_check_adv_addr`: don't compare advert address lists.
    pub skip_check_adv_addr: bool,
    /// `down_timer_adverts` (default 3): adverts missed before Master_Down.
    pub down_timer_adverts: u32,
    /// Announcement schedule.
    pub garp: GarpConfig,
    /// `track_interface`.
    pub track_interfaces: Vec<TrackedInterface>,
    /// `dont_track_primary`: the instance's own interface going down is not a FAULT (only
    /// tracked interfaces count).
    pub dont_track_primary: bool,
    /// `use_vmac`: the addresses live on a macvlan with the virtual MAC.
    pub vmac: Option<Vmac>,
    /// `track_script`.
    pub track_scripts: Vec<TrackRef>,
    /// `track_file`.
    pub track_files: Vec<TrackRef>,
    /// `notify_master`, `notify_backup`, `notify_fault`, `notify_stop`, `notify` commands.
    pub notify: NotifyConfig,
    /// `notify_priority_changes` (default: the global `vrrp_notify_priority_changes`): report
    /// effective priority changes as [`crate::io::NotifyEventKind::MasterPriority`] /
    /// [`crate::io::NotifyEventKind::BackupPriority`] events.
    pub notify_priority_changes: bool,
}

/// One notify hook: `notify_master "/path/script arg" [USER [GROUP]]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hook {
    /// The command line (the first word of the directive, quoted when it has arguments).
    pub command: String,
    /// `USER [GROUP]` to run it as (`None`: `script_user` or keepalived's default).
    pub user: Option<String>,
}

impl From<&str> for Hook {
    fn from(command: &str) -> Hook {
        Hook {
            command: command.to_string(),
            user: None,
        }
    }
}

/// Notify hooks of an instance or sync group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NotifyConfig {
    /// `notify_master`.
    pub master: Option<Hook>,
    /// `notify_backup`.
    pub backup: Option<Hook>,
    /// `notify_fault`.
    pub fault: Option<Hook>,
    /// `notify_stop`.
    pub stop: Option<Hook>,
    /// `notify` (gets `INSTANCE name STATE priority` appended).
    pub generic: Option<Hook>,
    /// `notify_master_rx_lower_pri` (instances only): run each time a master receives an
    /// advert of lower priority.
    pub master_rx_lower_pri: Option<Hook>,
}

impl NotifyConfig {
    /// Whether any hook is configured.
    pub fn any(&self) -> bool {
        [
            &self.master,
            &self.backup,
            &self.fault,
            &self.stop,
            &self.generic,
            &self.master_rx_lower_pri,
        ]
        .iter()
        .any(|h| h.is_some())
    }
}

impl InstanceConfig {
    /// An instance with keepalived's defaults: priority 100, advert_int 1 s, preempt, accept,
    /// v2 for IPv4 and v3 for IPv6, the family's multicast group, GARP 5 + 5 after 5 s.
    pub fn new(name: &str, interface: &str, vrid: u8, virtual_addresses: &[IpAddr]) -> Self {
        let family = virtual_addresses
            .first()
            .map(Family::of)
            .unwrap_or(Family::Ipv4);
        InstanceConfig {
            name: name.to_string(),
            interface: interface.to_string(),
            vrid,
            version: if family == Family::Ipv6 {
                Version::V3
            } else {
                Version::V2
            },
            family,
            initial_master: false,
            priority: 100,
            advert_interval: Duration::from_secs(1),
            preempt: Preempt::Enabled,
            authentication: Authentication::None,
            virtual_addresses: virtual_addresses
                .iter()
                .map(|a| VirtualAddress {
                    address: *a,
                    prefix_len: if a.is_ipv4() { 32 } else { 128 },
                    interface: None,
                })
                .collect(),
            excluded_addresses: Vec::new(),
            source_address: None,
            unicast_peers: Vec::new(),
            check_unicast_src: false,
            multicast_group: family.multicast_group(),
            accept: true,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            checksum_convention: ChecksumConvention::PseudoHeader,
            strict: false,
            skip_check_adv_addr: false,
            down_timer_adverts: 3,
            garp: GarpConfig::default(),
            track_interfaces: Vec::new(),
            dont_track_primary: false,
            vmac: None,
            track_scripts: Vec::new(),
            track_files: Vec::new(),
            notify: NotifyConfig::default(),
            notify_priority_changes: false,
        }
    }
}

/// A `vrrp_sync_group`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SyncGroupConfig {
    /// Group name.
    pub name: String,
    /// Member instance names (`group { … }`).
    pub members: Vec<String>,
    /// Group-level `track_interface` (applies to every member).
    pub track_interfaces: Vec<TrackedInterface>,
    /// Group-level `track_script`.
    pub track_scripts: Vec<TrackRef>,
    /// Group-level `track_file`.
    pub track_files: Vec<TrackRef>,
    /// `sync_group_tracking_weight`: members' weighted trackers count.
    pub tracking_weight: bool,
    /// Group notify hooks.
    pub notify: NotifyConfig,
}

/// A `vrrp_script`: a command run every `interval`, with rise/fall hysteresis.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackScriptConfig {
    /// Script name.
    pub name: String,
    /// `script` command line.
    pub command: String,
    /// `interval` (default 1 s).
    pub interval: Duration,
    /// `timeout` (default: the interval).
    pub timeout: Duration,
    /// `weight` (default 0 ⇒ FAULT when failed); `reverse` already applied as a sign flip.
    pub weight: i32,
    /// `weight … reverse`.
    pub reverse: bool,
    /// `rise` (default 1).
    pub rise: u32,
    /// `fall` (default 1).
    pub fall: u32,
    /// `init_fail`: start in the failed state.
    pub init_fail: bool,
    /// `user USER [GROUP]` (`None`: the default script user).
    pub user: Option<String>,
}

impl TrackScriptConfig {
    /// A script with keepalived's defaults (interval 1 s, timeout = interval, weight 0, rise 1,
    /// fall 1).
    pub fn new(name: &str, command: &str) -> Self {
        TrackScriptConfig {
            name: name.to_string(),
            command: command.to_string(),
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            weight: 0,
            reverse: false,
            rise: 1,
            fall: 1,
            init_fail: false,
            user: None,
        }
    }
}

/// A `vrrp_track_file`: an integer read from a file, multiplied by the weight.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackFileConfig {
    /// Tracker name.
    pub name: String,
    /// File path (read by the driver).
    pub path: String,
    /// `weight` (default 1); value × weight adjusts priority; weight 0 ⇒ non-zero value = FAULT.
    pub weight: i32,
    /// `weight … reverse`.
    pub reverse: bool,
}
