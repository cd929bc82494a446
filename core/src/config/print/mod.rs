//! Model → keepalived.conf text. Reading the output again gives the same model (property-tested),
//! so VRRP instance settings are written out explicitly, defaults included.

mod lvs;
mod vrrp;

use super::model::{GlobalDefs, KeepalivedConfig};
use super::parse::format_seconds;
use std::fmt::Write as _;
use std::time::Duration;

/// Quotes a word when it holds anything the lexer would split, strip or substitute.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '"' | '\'' | '{' | '}' | '#' | '!' | '\\' | '$' | '~' | '@'
                )
        });
    if plain {
        return word.to_string();
    }
    let mut out = String::from("\"");
    for c in word.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

pub(super) fn secs(d: Duration) -> String {
    format_seconds(d)
}

pub(super) fn onoff(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

impl KeepalivedConfig {
    /// This configuration as keepalived.conf text.
    pub fn to_keepalived_conf(&self) -> String {
        let mut o = String::new();
        global(&mut o, &self.global);
        for s in &self.scripts {
            let _ = writeln!(o, "vrrp_script {} {{", quote(&s.name));
            let _ = writeln!(o, "    script {}", quote(&s.script));
            let _ = writeln!(o, "    interval {}", secs(s.interval));
            let _ = writeln!(o, "    timeout {}", secs(s.timeout));
            let _ = writeln!(
                o,
                "    weight {}{}",
                s.weight,
                if s.reverse { " reverse" } else { "" }
            );
            let _ = writeln!(o, "    rise {}\n    fall {}", s.rise, s.fall);
            if s.init_fail {
                o.push_str("    init_fail\n");
            }
            if let Some(u) = &s.user {
                let _ = writeln!(o, "    user {}", quote(u));
            }
            o.push_str("}\n\n");
        }
        for f in &self.track_files {
            let _ = writeln!(o, "vrrp_track_file {} {{", quote(&f.name));
            let _ = writeln!(o, "    file {}", quote(&f.file));
            let _ = writeln!(
                o,
                "    weight {}{}",
                f.weight,
                if f.reverse { " reverse" } else { "" }
            );
            o.push_str("}\n\n");
        }
        for i in &self.instances {
            vrrp::instance(&mut o, i);
        }
        for g in &self.sync_groups {
            vrrp::sync_group(&mut o, g);
        }
        if let Some(ssl) = &self.ssl {
            lvs::ssl(&mut o, ssl);
        }
        for v in &self.virtual_servers {
            lvs::virtual_server(&mut o, v);
        }
        o
    }
}

fn global(o: &mut String, g: &GlobalDefs) {
    let d = GlobalDefs::default();
    o.push_str("global_defs {\n");
    if let Some(r) = &g.router_id {
        let _ = writeln!(o, "    router_id {}", quote(r));
    }
    let _ = writeln!(o, "    vrrp_version {}", g.vrrp_version.number());
    if g.vrrp_strict {
        o.push_str("    vrrp_strict\n");
    }
    if g.vrrp_mcast_group4 != d.vrrp_mcast_group4 {
        let _ = writeln!(o, "    vrrp_mcast_group4 {}", g.vrrp_mcast_group4);
    }
    if g.vrrp_mcast_group6 != d.vrrp_mcast_group6 {
        let _ = writeln!(o, "    vrrp_mcast_group6 {}", g.vrrp_mcast_group6);
    }
    let _ = writeln!(
        o,
        "    vrrp_garp_master_delay {}",
        g.vrrp_garp_master_delay.map(|d| d.as_secs()).unwrap_or(0)
    );
    let _ = writeln!(
        o,
        "    vrrp_garp_master_repeat {}",
        g.vrrp_garp_master_repeat
    );
    let _ = writeln!(
        o,
        "    vrrp_garp_master_refresh {}",
        g.vrrp_garp_master_refresh.map(|d| d.as_secs()).unwrap_or(0)
    );
    let _ = writeln!(
        o,
        "    vrrp_garp_master_refresh_repeat {}",
        g.vrrp_garp_master_refresh_repeat
    );
    if let Some(i) = g.vrrp_garp_interval {
        let _ = writeln!(o, "    vrrp_garp_interval {}", secs(i));
    }
    if let Some(i) = g.vrrp_gna_interval {
        let _ = writeln!(o, "    vrrp_gna_interval {}", secs(i));
    }
    if let Some(r) = g.vrrp_garp_lower_prio_repeat {
        let _ = writeln!(o, "    vrrp_garp_lower_prio_repeat {r}");
    }
    if let Some(dl) = g.vrrp_garp_lower_prio_delay {
        let secs = dl.map(|d| d.as_secs()).unwrap_or(0);
        let _ = writeln!(o, "    vrrp_garp_lower_prio_delay {secs}");
    }
    let _ = writeln!(
        o,
        "    vrrp_skip_check_adv_addr {}",
        onoff(g.vrrp_skip_check_adv_addr)
    );
    if g.vrrp_check_unicast_src {
        o.push_str("    vrrp_check_unicast_src\n");
    }
    let _ = writeln!(
        o,
        "    vrrp_lower_prio_no_advert {}",
        onoff(g.vrrp_lower_prio_no_advert)
    );
    let _ = writeln!(
        o,
        "    vrrp_higher_prio_send_advert {}",
        onoff(g.vrrp_higher_prio_send_advert)
    );
    let _ = writeln!(o, "    default_interface {}", quote(&g.default_interface));
    if let Some((u, grp)) = &g.script_user {
        let _ = write!(o, "    script_user {}", quote(u));
        if let Some(grp) = grp {
            let _ = write!(o, " {}", quote(grp));
        }
        o.push('\n');
    }
    if g.enable_script_security {
        o.push_str("    enable_script_security\n");
    }
    for (kw, fifo) in [
        ("notify_fifo", &g.notify_fifo),
        ("vrrp_notify_fifo", &g.vrrp_notify_fifo),
    ] {
        let with_user = |o: &mut String, kw: &str, first: &str, user: &Option<String>| {
            let _ = write!(o, "    {kw} {}", quote(first));
            for word in user.iter().flat_map(|u| u.split_whitespace()) {
                let _ = write!(o, " {}", quote(word));
            }
            o.push('\n');
        };
        if let Some(path) = &fifo.path {
            with_user(o, kw, path, &fifo.user);
        }
        if let Some(script) = &fifo.script {
            with_user(o, &format!("{kw}_script"), &script.command, &script.user);
        }
    }
    if g.vrrp_notify_priority_changes {
        o.push_str("    vrrp_notify_priority_changes\n");
    }
    if !g.notification_email.is_empty() {
        o.push_str("    notification_email {\n");
        for e in &g.notification_email {
            let _ = writeln!(o, "        {}", quote(e));
        }
        o.push_str("    }\n");
    }
    if let Some(f) = &g.notification_email_from {
        let _ = writeln!(o, "    notification_email_from {}", quote(f));
    }
    if let Some(s) = &g.smtp_server {
        let _ = write!(o, "    smtp_server {}", quote(&s.host));
        if let Some(p) = s.port {
            let _ = write!(o, " {p}");
        }
        o.push('\n');
    }
    if let Some(t) = g.smtp_connect_timeout {
        let _ = writeln!(o, "    smtp_connect_timeout {t}");
    }
    if let Some(p) = g.vrrp_rt_priority {
        let _ = writeln!(o, "    vrrp_rt_priority {p}");
    }
    if let Some(t) = g.vrrp_rlimit_rttime {
        let _ = writeln!(o, "    vrrp_rlimit_rttime {t}");
    }
    o.push_str("}\n\n");
}
