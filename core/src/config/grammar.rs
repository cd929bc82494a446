//! Which keywords open a block, per block kind: the part of keepalived's keyword table
//! (`install_keyword` / `install_sublevel` in keepalived's `*_parser.c`) that the statement tree
//! needs to tell a stray brace from a block.
//!
//! Contract: [`child`] says whether `KEYWORD {` opens a block in a given context and what is
//! inside it. Everything else written in a modelled context is a *value keyword*: keepalived
//! reads its words up to the end of the line, and a `{` after it is "Unexpected '{'" (an
//! error; keepalived ignores the brace). Keywords nobody knows keep their block so that the
//! model can report them as unknown and skip what they contain.

use super::keepalived_keywords;
use super::keywords;

/// What a block contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The top level of the file.
    Top,
    /// `global_defs`.
    GlobalDefs,
    /// `vrrp_instance`.
    Instance,
    /// `authentication` inside an instance.
    Authentication,
    /// `vrrp_sync_group`.
    SyncGroup,
    /// `vrrp_script`.
    Script,
    /// `vrrp_track_file`.
    TrackFile,
    /// `virtual_server`.
    VirtualServer,
    /// `real_server` (and `sorry_server` is a value there).
    RealServer,
    /// `TCP_CHECK`, `MISC_CHECK`, `HTTP_GET`, `SSL_GET` …
    Checker,
    /// `url` inside `HTTP_GET` / `SSL_GET`.
    Url,
    /// The top-level `SSL` block (the files of SSL_GET's TLS client).
    Ssl,
    /// A list of values, one or more per line (`virtual_ipaddress`, `track_script`,
    /// `unicast_peer`, `group`, `notification_email` …): no line opens a block.
    Values,
    /// A block vrrplab does not model (unknown or unsupported keywords, `garp_group`,
    /// `bfd_instance`, `SMTP_CHECK`'s `host` …): braces inside are taken as written.
    Opaque,
}

/// The context of the block `keyword {` opens inside `parent`, or `None` when `keyword`
/// takes values (or is unknown) there.
pub fn child(parent: Context, keyword: &str) -> Option<Context> {
    use Context::*;
    let c = match (parent, keyword) {
        (Top, "global_defs") => GlobalDefs,
        (Top, "vrrp_instance") => Instance,
        (Top, "vrrp_sync_group") => SyncGroup,
        (Top, "vrrp_script") => Script,
        (Top, "vrrp_track_file") => TrackFile,
        (Top, "virtual_server") => VirtualServer,
        (Top, "SSL") => Ssl,
        (
            Top,
            "virtual_server_group"
            | "static_ipaddress"
            | "static_routes"
            | "static_rules"
            | "linkbeat_interfaces",
        ) => Values,
        (Top, "vrrp_track_process" | "garp_group" | "bfd_instance") => Opaque,
        (GlobalDefs, "notification_email") => Values,
        (Instance, "authentication") => Authentication,
        (
            Instance,
            "virtual_ipaddress"
            | "virtual_ipaddress_excluded"
            | "virtual_routes"
            | "virtual_rules"
            | "track_interface"
            | "track_script"
            | "track_file"
            | "track_process"
            | "track_bfd"
            | "unicast_peer",
        ) => Values,
        (
            SyncGroup,
            "group" | "track_interface" | "track_script" | "track_file" | "track_process"
            | "track_bfd",
        ) => Values,
        (VirtualServer, "real_server") => RealServer,
        (
            RealServer,
            "TCP_CHECK" | "HTTP_GET" | "SSL_GET" | "MISC_CHECK" | "SMTP_CHECK" | "DNS_CHECK"
            | "UDP_CHECK" | "PING_CHECK" | "FILE_CHECK" | "BFD_CHECK",
        ) => Checker,
        (Checker, "url") => Url,
        (Checker, "host") => Opaque,
        (Opaque, _) => Opaque,
        _ => return None,
    };
    Some(c)
}

/// Whether `keyword` is a keyword keepalived knows in `context` that takes values, not a
/// block: a `{` after it is a stray brace. In a [`Context::Values`] list every line is values.
pub fn is_value_keyword(context: Context, keyword: &str) -> bool {
    if child(context, keyword).is_some() {
        return false;
    }
    match context {
        Context::Values => true,
        Context::Opaque => false,
        c => {
            known_in(c).contains(&keyword)
                || keepalived_keywords::known_by_keepalived(c).contains(&keyword)
                || keywords::is_recognised_unsupported(keyword)
                || keywords::alias_of(keyword).is_some()
        }
    }
}

/// The keywords vrrplab reads in `context` (used for suggestions and stray-brace detection).
pub fn known_in(context: Context) -> &'static [&'static str] {
    match context {
        Context::Top => TOP,
        Context::GlobalDefs => GLOBAL_DEFS,
        Context::Instance => INSTANCE,
        Context::Authentication => AUTHENTICATION,
        Context::SyncGroup => SYNC_GROUP,
        Context::Script => SCRIPT,
        Context::TrackFile => TRACK_FILE,
        Context::VirtualServer => VIRTUAL_SERVER,
        Context::RealServer => REAL_SERVER,
        Context::Checker => CHECKER,
        Context::Url => URL,
        Context::Ssl => SSL,
        Context::Values | Context::Opaque => &[],
    }
}

/// Top-level blocks.
pub const TOP: &[&str] = &[
    "global_defs",
    "vrrp_script",
    "vrrp_track_file",
    "vrrp_instance",
    "vrrp_sync_group",
    "virtual_server",
    "SSL",
];

/// `SSL` block keywords (keepalived's `check_parser.c`: the TLS client of SSL_GET).
pub const SSL: &[&str] = &["password", "ca", "certificate", "key"];

/// `global_defs` keywords vrrplab reads.
pub const GLOBAL_DEFS: &[&str] = &[
    "router_id",
    "vrrp_version",
    "vrrp_strict",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_repeat",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_skip_check_adv_addr",
    "vrrp_check_unicast_src",
    "vrrp_lower_prio_no_advert",
    "vrrp_higher_prio_send_advert",
    "default_interface",
    "script_user",
    "enable_script_security",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "vrrp_notify_priority_changes",
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_connect_timeout",
    "vrrp_rt_priority",
    "vrrp_rlimit_rttime",
];

/// `vrrp_instance` keywords vrrplab reads.
pub const INSTANCE: &[&str] = &[
    "state",
    "interface",
    "virtual_router_id",
    "priority",
    "advert_int",
    "version",
    "preempt",
    "nopreempt",
    "preempt_delay",
    "authentication",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "unicast_src_ip",
    "unicast_peer",
    "mcast_src_ip",
    "mcast_dst_ip",
    "track_interface",
    "track_script",
    "track_file",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "notify_master_rx_lower_pri",
    "notify_priority_changes",
    "accept",
    "no_accept",
    "garp_master_delay",
    "garp_master_repeat",
    "garp_master_refresh",
    "garp_master_refresh_repeat",
    "garp_lower_prio_repeat",
    "garp_lower_prio_delay",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "v3_checksum_as_v2",
    "strict_mode",
    "skip_check_adv_addr",
    "down_timer_adverts",
    "dont_track_primary",
    "check_unicast_src",
    "use_vmac",
    "vmac_xmit_base",
];

/// `authentication` keywords.
pub const AUTHENTICATION: &[&str] = &["auth_type", "auth_pass"];

/// `vrrp_sync_group` keywords vrrplab reads.
pub const SYNC_GROUP: &[&str] = &[
    "group",
    "track_interface",
    "track_script",
    "track_file",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "sync_group_tracking_weight",
    "smtp_alert",
];

/// `vrrp_script` keywords.
pub const SCRIPT: &[&str] = &[
    "script",
    "interval",
    "timeout",
    "weight",
    "rise",
    "fall",
    "init_fail",
    "user",
];

/// `vrrp_track_file` keywords.
pub const TRACK_FILE: &[&str] = &["file", "weight", "init_file"];

/// `virtual_server` keywords vrrplab reads.
pub const VIRTUAL_SERVER: &[&str] = &[
    "delay_loop",
    "lvs_sched",
    "lvs_method",
    "persistence_timeout",
    "persistence_granularity",
    "protocol",
    "ha_suspend",
    "virtualhost",
    "quorum",
    "hysteresis",
    "quorum_up",
    "quorum_down",
    "sorry_server",
    "sorry_server_inhibit",
    "alpha",
    "omega",
    "real_server",
];

/// `real_server` keywords vrrplab reads.
pub const REAL_SERVER: &[&str] = &[
    "weight",
    "lvs_method",
    "inhibit_on_failure",
    "notify_up",
    "notify_down",
    "uthreshold",
    "lthreshold",
    "TCP_CHECK",
    "HTTP_GET",
    "SSL_GET",
    "MISC_CHECK",
];

/// Checker keywords vrrplab reads (all checker kinds together).
pub const CHECKER: &[&str] = &[
    "connect_ip",
    "connect_port",
    "bindto",
    "bind_port",
    "bind_if",
    "fwmark",
    "connect_timeout",
    "retry",
    "delay_before_retry",
    "delay_loop",
    "warmup",
    "alpha",
    "log_all_failures",
    "url",
    "virtualhost",
    "http_protocol",
    "enable_sni",
    "sni_name",
    "tls_compliant",
    "fast_recovery",
    "misc_path",
    "misc_timeout",
    "misc_dynamic",
    "user",
];

/// `url` keywords.
pub const URL: &[&str] = &[
    "path",
    "digest",
    "status_code",
    "virtualhost",
    "regex",
    "regex_no_match",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_keywords_open_blocks_and_value_keywords_do_not() {
        assert_eq!(
            child(Context::Top, "vrrp_instance"),
            Some(Context::Instance)
        );
        assert_eq!(
            child(Context::Instance, "virtual_ipaddress"),
            Some(Context::Values)
        );
        assert_eq!(child(Context::Instance, "priority"), None);
        assert!(is_value_keyword(Context::Instance, "priority"));
        assert!(is_value_keyword(Context::Instance, "use_ipvlan"));
        assert!(!is_value_keyword(Context::Instance, "frobnicate"));
        assert!(is_value_keyword(Context::Values, "192.0.2.1/24"));
        assert!(!is_value_keyword(Context::Opaque, "anything"));
    }
}
