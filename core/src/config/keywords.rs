//! Keyword knowledge beyond what vrrplab implements: directives keepalived has that vrrplab
//! recognises but does not support (a warning naming them), deprecated aliases (a note), and
//! the closest-keyword suggestion for unknown words.

/// keepalived directives vrrplab knows but does not implement. Using one is a warning
/// "recognised, not supported", never silently dropped.
pub const RECOGNISED_UNSUPPORTED: &[&str] = &[
    // global_defs
    "vrrp_iptables",
    "vrrp_ipsets",
    "vrrp_nftables",
    "nftables",
    "nftables_priority",
    "nftables_ifindex",
    "nftables_counters",
    "lvs_id",
    "lvs_sync_daemon",
    "lvs_timeouts",
    "lvs_flush",
    "lvs_flush_on_stop",
    "enable_snmp_vrrp",
    "enable_snmp_checker",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_traps",
    "snmp_socket",
    "enable_dbus",
    "dbus_service_name",
    "lvs_notify_fifo",
    "lvs_notify_fifo_script",
    "vrrp_priority",
    "checker_priority",
    "bfd_priority",
    "vrrp_no_swap",
    "checker_no_swap",
    "checker_rt_priority",
    "checker_rlimit_rttime",
    "max_auto_priority",
    "min_auto_priority_delay",
    "vrrp_cpu_affinity",
    "checker_cpu_affinity",
    "net_namespace",
    "net_namespace_ipvs",
    "instance",
    "use_pid_dir",
    "linkbeat_use_polling",
    "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs",
    "vrrp_startup_delay",
    "vrrp_min_garp",
    "vrrp_garp_extra_if",
    "vrrp_gna_interval_startup",
    "dynamic_interfaces",
    "log_unknown_vrids",
    "script_security",
    "process_names",
    "process_name",
    "vrrp_process_name",
    "checker_process_name",
    "bfd_process_name",
    "random_seed",
    "reload_check_config",
    "reload_time_file",
    "reload_file",
    "config_save_dir",
    "data_use_instance",
    "state_file_location",
    "stats_file_location",
    "json_file_location",
    "json_version",
    "tmp_config_directory",
    "umask",
    "fifo_write_vrrp_states_on_reload",
    "vrrp_owner_ignore_adverts",
    "vrrp_version_mismatch",
    "smtp_helo_name",
    "smtp_alert",
    "smtp_alert_vrrp",
    "smtp_alert_checker",
    "no_email_faults",
    "checker_log_all_failures",
    "vrrp_dont_check_priority",
    "child_wait_time",
    "shutdown_script",
    "shutdown_script_timeout",
    "startup_script",
    "startup_script_timeout",
    "vrrp_delay_after_boot",
    "garp_group",
    "vrrp_auth_hmac",
    // vrrp_instance
    "use_vmac_addr",
    "use_ipvlan",
    "native_ipv6",
    "track_process",
    "track_bfd",
    "track_src_ip",
    "virtual_routes",
    "virtual_rules",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "track_group",
    "unicast_ttl",
    "unicast_fault_no_peer",
    "old_unicast_checksum",
    "vrf",
    "kernel_rx_buf_size",
    "promote_secondaries",
    "linkbeat_use_polling",
    "debug",
    "notify_deleted",
    "owner_ignore_adverts",
    "no_virtual_ipaddress",
    "auth_hmac",
    "garp_extra_if",
    "interface_up_down_delays",
    "unicast_peer_group",
    "version_mismatch",
    // checkers and lvs
    "SMTP_CHECK",
    "DNS_CHECK",
    "PING_CHECK",
    "UDP_CHECK",
    "FILE_CHECK",
    "BFD_CHECK",
    "virtual_server_group",
    "persistence_engine",
    "ip_family",
    "ops",
    "flag-1",
    "flag-2",
    "flag-3",
    "sh-port",
    "sh-fallback",
    "mh-port",
    "mh-fallback",
    "smtp_alert",
    "sorry_server_lvs_method",
    "rs_init_notifies",
    "tunnel_type",
    "vrrp_track_process",
    "vrrp_track_bfd",
    "bfd_instance",
    "track_interface_weight",
];

/// Deprecated spellings keepalived (or its tutorials) use, and what to write instead.
pub const DEPRECATED_ALIASES: &[(&str, &str)] = &[
    ("nb_get_retry", "retry"),
    ("lb_algo", "lvs_sched"),
    ("lb_kind", "lvs_method"),
    ("nb_sock_retry", "retry"),
];

/// Deprecated spellings that `keepalived -t` (2.2.7) reports as a configuration error
/// ("nb_get_retry is deprecated - please use 'retry'", exit status 5) although it applies
/// them; the others it accepts silently.
pub const REPORTED_ALIASES: &[&str] = &["nb_get_retry"];

/// Whether keepalived's config test fails on this deprecated spelling.
pub fn alias_is_reported(word: &str) -> bool {
    REPORTED_ALIASES.contains(&word)
}

/// The replacement of a deprecated alias.
pub fn alias_of(word: &str) -> Option<&'static str> {
    DEPRECATED_ALIASES
        .iter()
        .find(|(old, _)| *old == word)
        .map(|(_, new)| *new)
}

/// Whether keepalived has this directive but vrrplab does not implement it.
pub fn is_recognised_unsupported(word: &str) -> bool {
    RECOGNISED_UNSUPPORTED.contains(&word)
}

/// The closest of `candidates` to `word`, if close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|c| {
            (
                edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                *c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggests_the_closest_keyword_and_nonsense_suggests_nothing() {
        let known = ["virtual_router_id", "priority", "advert_int"];
        assert_eq!(
            closest("virtual_route_id", &known),
            Some("virtual_router_id")
        );
        assert_eq!(closest("prority", &known), Some("priority"));
        assert_eq!(closest("zzzzzzzz", &known), None);
    }

    #[test]
    fn aliases_map_to_their_current_names() {
        assert_eq!(alias_of("nb_get_retry"), Some("retry"));
        assert!(is_recognised_unsupported("use_ipvlan"));
        assert!(!is_recognised_unsupported("priority"));
    }
}
