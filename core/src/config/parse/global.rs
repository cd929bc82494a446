//! `global_defs`.

use super::values::Ctx;
use crate::config::grammar;
use crate::config::model::{GlobalDefs, SmtpServer};
use crate::config::tree::Statement;
use crate::wire::Version;
use std::net::IpAddr;

/// Max of keepalived's `<TIMER>` values (`4294.967295` s), in µs.
pub const TIMER_MAX_US: u64 = 4_294_967_295;

/// Reads a `global_defs` block into `g`.
pub fn global_defs(ctx: &mut Ctx, block: &Statement, g: &mut GlobalDefs) {
    for st in block.items() {
        let kw = st.keyword.text.as_str();
        match kw {
            "router_id" => {
                if let Some(t) = ctx.arg(st, 0, "router_id LVS_A") {
                    g.router_id = Some(t.text.clone());
                }
            }
            "vrrp_version" => {
                if let Some(v) = ctx.uint(st, 0, 2, 3, "write `vrrp_version 2` or `vrrp_version 3`")
                {
                    g.vrrp_version = if v == 3 { Version::V3 } else { Version::V2 };
                }
            }
            "vrrp_strict" => g.vrrp_strict = true,
            "vrrp_mcast_group4" => {
                if let Some(t) = ctx.arg(st, 0, "vrrp_mcast_group4 224.0.0.18") {
                    match ctx.ip(t, "an IPv4 multicast group") {
                        Some(IpAddr::V4(a)) if a.is_multicast() => g.vrrp_mcast_group4 = a,
                        Some(_) => ctx.diags.push(
                            crate::config::diagnostic::Diagnostic::error(
                                t.span,
                                "vrrp_mcast_group4 must be an IPv4 multicast address",
                            )
                            .with_label("not 224.0.0.0/4")
                            .with_help("write `vrrp_mcast_group4 224.0.0.18` (the VRRP group)"),
                        ),
                        None => {}
                    }
                }
            }
            "vrrp_mcast_group6" => {
                if let Some(t) = ctx.arg(st, 0, "vrrp_mcast_group6 ff02::12") {
                    match ctx.ip(t, "an IPv6 multicast group") {
                        Some(IpAddr::V6(a)) if a.is_multicast() => g.vrrp_mcast_group6 = a,
                        Some(_) => ctx.diags.push(
                            crate::config::diagnostic::Diagnostic::error(
                                t.span,
                                "vrrp_mcast_group6 must be an IPv6 multicast address",
                            )
                            .with_label("not ff00::/8")
                            .with_help("write `vrrp_mcast_group6 ff02::12` (the VRRP group)"),
                        ),
                        None => {}
                    }
                }
            }
            "vrrp_garp_master_delay" => {
                if let Some(v) = ctx.uint(
                    st,
                    0,
                    0,
                    4_294_967,
                    "write a number of seconds; 0 disables the second burst",
                ) {
                    g.vrrp_garp_master_delay = (v > 0).then(|| std::time::Duration::from_secs(v));
                }
            }
            "vrrp_garp_master_repeat" => {
                if let Some(v) = ctx.uint(st, 0, 1, 4_294_967_295, "") {
                    g.vrrp_garp_master_repeat = v as u32;
                }
            }
            "vrrp_garp_master_refresh" => {
                if let Some(v) = ctx.uint(
                    st,
                    0,
                    0,
                    4_294_967,
                    "write a number of seconds; 0 disables refresh",
                ) {
                    g.vrrp_garp_master_refresh = (v > 0).then(|| std::time::Duration::from_secs(v));
                }
            }
            "vrrp_garp_master_refresh_repeat" => {
                if let Some(v) = ctx.uint(st, 0, 1, 4_294_967_295, "") {
                    g.vrrp_garp_master_refresh_repeat = v as u32;
                }
            }
            "vrrp_garp_interval" | "vrrp_gna_interval" => {
                let help = format!(
                    "remove the line to send the burst without pauses, or write a delay from 0.000001 to 4294.967295 seconds (e.g. `{kw} 0.001`)"
                );
                if let Some(v) = ctx.timer(st, 0, 1, TIMER_MAX_US, &help) {
                    if kw == "vrrp_garp_interval" {
                        g.vrrp_garp_interval = Some(v);
                    } else {
                        g.vrrp_gna_interval = Some(v);
                    }
                }
            }
            "vrrp_garp_lower_prio_repeat" => {
                if let Some(v) = ctx.uint(st, 0, 0, 4_294_967_295, "") {
                    g.vrrp_garp_lower_prio_repeat = Some(v as u32);
                }
            }
            "vrrp_garp_lower_prio_delay" => {
                if let Some(v) = ctx.uint(st, 0, 0, 4_294_967, "") {
                    g.vrrp_garp_lower_prio_delay =
                        Some((v > 0).then(|| std::time::Duration::from_secs(v)));
                }
            }
            "vrrp_skip_check_adv_addr" => g.vrrp_skip_check_adv_addr = ctx.flag(st),
            "vrrp_check_unicast_src" => g.vrrp_check_unicast_src = true,
            "vrrp_lower_prio_no_advert" => g.vrrp_lower_prio_no_advert = ctx.flag(st),
            "vrrp_higher_prio_send_advert" => g.vrrp_higher_prio_send_advert = ctx.flag(st),
            "default_interface" => {
                if let Some(t) = ctx.arg(st, 0, "default_interface eth0") {
                    g.default_interface = t.text.clone();
                }
            }
            "script_user" => {
                if let Some(t) = ctx.arg(st, 0, "script_user keepalived_script") {
                    g.script_user = Some((t.text.clone(), st.args.get(1).map(|t| t.text.clone())));
                }
            }
            "enable_script_security" => g.enable_script_security = true,
            "notify_fifo" | "vrrp_notify_fifo" => {
                let fifo = if kw == "notify_fifo" {
                    &mut g.notify_fifo
                } else {
                    &mut g.vrrp_notify_fifo
                };
                if let Some(hook) = ctx.hook(st) {
                    fifo.path = Some(hook.command);
                    fifo.user = hook.user;
                }
            }
            "notify_fifo_script" | "vrrp_notify_fifo_script" => {
                let hook = ctx.hook(st);
                if kw == "notify_fifo_script" {
                    g.notify_fifo.script = hook;
                } else {
                    g.vrrp_notify_fifo.script = hook;
                }
            }
            "vrrp_notify_priority_changes" => g.vrrp_notify_priority_changes = ctx.flag(st),
            "notification_email" => {
                let mut emails = Vec::new();
                for item in st.items() {
                    emails.push(item.keyword.text.clone());
                    emails.extend(item.args.iter().map(|t| t.text.clone()));
                }
                g.notification_email = emails;
            }
            "notification_email_from" => {
                if let Some(t) = ctx.arg(st, 0, "notification_email_from keepalived@localhost") {
                    g.notification_email_from = Some(t.text.clone());
                }
            }
            "smtp_server" => {
                if let Some(t) = ctx.arg(st, 0, "smtp_server 127.0.0.1") {
                    let port = st.args.get(1).and_then(|p| ctx.port(p));
                    g.smtp_server = Some(SmtpServer {
                        host: t.text.clone(),
                        port,
                    });
                }
            }
            "smtp_connect_timeout" => {
                if let Some(v) = ctx.uint(st, 0, 1, 4_294_967_295, "") {
                    g.smtp_connect_timeout = Some(v as u32);
                }
            }
            "vrrp_rt_priority" => {
                if let Some(v) = ctx.uint(
                    st,
                    0,
                    1,
                    99,
                    "write a SCHED_RR priority from 1 to 99 (keepalived clamps other values \
                     into that range at start, and `keepalived -t` reports them)",
                ) {
                    g.vrrp_rt_priority = Some(v as u8);
                }
            }
            "vrrp_rlimit_rttime" => {
                if let Some(v) = ctx.uint(
                    st,
                    0,
                    1,
                    4_294_967_295,
                    "write the CPU time, in microseconds, the VRRP side may run in real time \
                     without blocking (keepalived's default is 10000)",
                ) {
                    g.vrrp_rlimit_rttime = Some(v as u32);
                }
            }
            _ => ctx.unknown(st, "global_defs", grammar::Context::GlobalDefs),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{ParseOptions, parse_str};

    const HEAD: &str = "global_defs {\n    router_id r1\n";

    fn parse(lines: &str) -> crate::config::Parsed {
        parse_str(
            "k.conf",
            &format!("{HEAD}{lines}}}\n"),
            &ParseOptions::default(),
        )
    }

    #[test]
    fn vrrp_rt_priority_and_rlimit_rttime_are_read_and_printed_back() {
        let parsed = parse("    vrrp_rt_priority 30\n    vrrp_rlimit_rttime 5000000\n");
        assert!(parsed.is_valid(), "{}", parsed.render_diagnostics());
        assert!(
            parsed.diagnostics.items.is_empty(),
            "no 'not supported' warning"
        );
        let g = &parsed.model.global;
        assert_eq!(g.vrrp_rt_priority, Some(30));
        assert_eq!(g.vrrp_rlimit_rttime, Some(5_000_000));
        let printed = parsed.model.to_keepalived_conf();
        assert!(printed.contains("    vrrp_rt_priority 30\n"), "{printed}");
        assert!(
            printed.contains("    vrrp_rlimit_rttime 5000000\n"),
            "{printed}"
        );
        let unset = parse("");
        assert_eq!(unset.model.global.vrrp_rt_priority, None);
        assert_eq!(unset.model.global.vrrp_rlimit_rttime, None);
        assert!(!unset.model.to_keepalived_conf().contains("vrrp_rt"));
    }

    #[test]
    fn vrrp_rt_priority_outside_1_to_99_is_an_error_at_its_line_and_column() {
        for (value, range) in [("0", true), ("100", true), ("-1", false), ("abc", false)] {
            let parsed = parse(&format!("    vrrp_rt_priority {value}\n"));
            assert!(!parsed.is_valid(), "{value} is refused");
            let text = parsed.render_diagnostics();
            assert!(text.contains("k.conf:3:22"), "{value}: {text}");
            assert!(text.contains("from 1 to 99"), "{value}: {text}");
            if range {
                assert!(text.contains("must be 1–99"), "{value}: {text}");
                assert!(
                    text.contains(&format!("vrrp_rt_priority {value} is out of range")),
                    "{text}"
                );
            }
            assert_eq!(parsed.model.global.vrrp_rt_priority, None);
        }
        for edge in ["1", "99"] {
            let parsed = parse(&format!("    vrrp_rt_priority {edge}\n"));
            assert!(parsed.is_valid(), "{}", parsed.render_diagnostics());
        }
    }

    #[test]
    fn vrrp_rlimit_rttime_of_zero_is_an_error_at_its_line_and_column() {
        let parsed = parse("    vrrp_rlimit_rttime 0\n");
        let text = parsed.render_diagnostics();
        assert!(!parsed.is_valid(), "{text}");
        assert!(text.contains("k.conf:3:24"), "{text}");
        assert!(
            text.contains("vrrp_rlimit_rttime 0 is out of range"),
            "{text}"
        );
        let missing = parse("    vrrp_rt_priority\n");
        assert!(!missing.is_valid(), "a priority is required");
        assert!(missing.render_diagnostics().contains("k.conf:3:"));
    }
}
