//! `global_defs`.

use crate::wire::Version;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// `smtp_server ADDRESS [PORT]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmtpServer {
    /// Host name or address.
    pub host: String,
    /// Port (default 25).
    pub port: Option<u16>,
}

/// `notify_fifo` / `vrrp_notify_fifo` with its `*_script`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NotifyFifo {
    /// `notify_fifo PATH [USER [GROUP]]`: the FIFO (created when missing).
    pub path: Option<String>,
    /// The `USER [GROUP]` written after the path.
    pub user: Option<String>,
    /// `notify_fifo_script "command" [USER [GROUP]]`: started with the FIFO's path as its last
    /// argument, to read the FIFO.
    pub script: Option<crate::vrrp::Hook>,
}

/// `global_defs` with keepalived's defaults. Notification settings are kept but unused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GlobalDefs {
    /// `router_id` (default: the host name, filled in by the driver when needed).
    pub router_id: Option<String>,
    /// `vrrp_version` (default 2).
    pub vrrp_version: Version,
    /// `vrrp_strict`.
    pub vrrp_strict: bool,
    /// `vrrp_mcast_group4` (default 224.0.0.18).
    pub vrrp_mcast_group4: Ipv4Addr,
    /// `vrrp_mcast_group6` (default ff02::12).
    pub vrrp_mcast_group6: Ipv6Addr,
    /// `vrrp_garp_master_delay` (default 5 s; 0 ⇒ no second burst).
    pub vrrp_garp_master_delay: Option<Duration>,
    /// `vrrp_garp_master_repeat` (default 5).
    pub vrrp_garp_master_repeat: u32,
    /// `vrrp_garp_master_refresh` (default off).
    pub vrrp_garp_master_refresh: Option<Duration>,
    /// `vrrp_garp_master_refresh_repeat` (default 1).
    pub vrrp_garp_master_refresh_repeat: u32,
    /// `vrrp_garp_interval`: spacing of gratuitous ARPs (default none).
    pub vrrp_garp_interval: Option<Duration>,
    /// `vrrp_gna_interval`: spacing of unsolicited NAs (default none).
    pub vrrp_gna_interval: Option<Duration>,
    /// `vrrp_garp_lower_prio_repeat` (default: the instance's `garp_master_repeat`).
    pub vrrp_garp_lower_prio_repeat: Option<u32>,
    /// `vrrp_garp_lower_prio_delay` (default: the instance's `garp_master_delay`; `Some(None)`
    /// = written as 0, no second burst).
    pub vrrp_garp_lower_prio_delay: Option<Option<Duration>>,
    /// `vrrp_skip_check_adv_addr`.
    pub vrrp_skip_check_adv_addr: bool,
    /// `vrrp_check_unicast_src`.
    pub vrrp_check_unicast_src: bool,
    /// `vrrp_lower_prio_no_advert` (global default for instances).
    pub vrrp_lower_prio_no_advert: bool,
    /// `vrrp_higher_prio_send_advert` (global default for instances).
    pub vrrp_higher_prio_send_advert: bool,
    /// `default_interface` (default eth0): used by instances without `interface`.
    pub default_interface: String,
    /// `script_user USER [GROUP]`.
    pub script_user: Option<(String, Option<String>)>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `notify_fifo` and `notify_fifo_script`: every notify event, one line each.
    pub notify_fifo: NotifyFifo,
    /// `vrrp_notify_fifo` and `vrrp_notify_fifo_script`: the VRRP notify events.
    pub vrrp_notify_fifo: NotifyFifo,
    /// `vrrp_notify_priority_changes`: the instances' default for `notify_priority_changes`.
    pub vrrp_notify_priority_changes: bool,
    /// `notification_email { … }` (kept, unused).
    pub notification_email: Vec<String>,
    /// `notification_email_from` (kept, unused).
    pub notification_email_from: Option<String>,
    /// `smtp_server` (kept, unused).
    pub smtp_server: Option<SmtpServer>,
    /// `smtp_connect_timeout` in seconds (kept, unused).
    pub smtp_connect_timeout: Option<u32>,
    /// `vrrp_rt_priority` (1–99): the VRRP side runs `SCHED_RR` at this priority (default:
    /// the normal scheduler).
    pub vrrp_rt_priority: Option<u8>,
    /// `vrrp_rlimit_rttime` in µs: with `vrrp_rt_priority`, the `RLIMIT_RTTIME` hard limit (its
    /// half the soft limit); default [`DEFAULT_RLIMIT_RTTIME_US`].
    pub vrrp_rlimit_rttime: Option<u32>,
}

/// keepalived's `vrrp_rlimit_rttime` when none is written: 10 ms of CPU without blocking.
pub const DEFAULT_RLIMIT_RTTIME_US: u32 = 10_000;

impl Default for GlobalDefs {
    fn default() -> Self {
        GlobalDefs {
            router_id: None,
            vrrp_version: Version::V2,
            vrrp_strict: false,
            vrrp_mcast_group4: crate::wire::MULTICAST_GROUP_V4,
            vrrp_mcast_group6: crate::wire::MULTICAST_GROUP_V6,
            vrrp_garp_master_delay: Some(Duration::from_secs(5)),
            vrrp_garp_master_repeat: 5,
            vrrp_garp_master_refresh: None,
            vrrp_garp_master_refresh_repeat: 1,
            vrrp_garp_interval: None,
            vrrp_gna_interval: None,
            vrrp_garp_lower_prio_repeat: None,
            vrrp_garp_lower_prio_delay: None,
            vrrp_skip_check_adv_addr: false,
            vrrp_check_unicast_src: false,
            vrrp_lower_prio_no_advert: false,
            vrrp_higher_prio_send_advert: false,
            default_interface: "eth0".to_string(),
            script_user: None,
            enable_script_security: false,
            notify_fifo: NotifyFifo::default(),
            vrrp_notify_fifo: NotifyFifo::default(),
            vrrp_notify_priority_changes: false,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_connect_timeout: None,
            vrrp_rt_priority: None,
            vrrp_rlimit_rttime: None,
        }
    }
}
