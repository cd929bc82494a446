//! Model → keepalived.conf text. Reading the output again gives the same model (property-tested),
//! so VRRP instance settings are written out explicitly, defaults included.

use super::model::{
    AuthType, Checker, CheckerCommon, GlobalDefs, HttpCheck, HttpProtocol, InitialState,
    KeepalivedConfig, LvsMethod, MiscCheck, Protocol, RealServer, VipEntry, VirtualServer,
    VirtualServerAddress, VrrpInstance,
};
use super::parse::format_seconds;
use crate::vrrp::config::NotifyConfig;
use crate::vrrp::{Preempt, SyncGroupConfig, TrackRef, TrackedInterface};
use crate::wire::Version;
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

fn secs(d: Duration) -> String {
    format_seconds(d)
}

fn onoff(b: bool) -> &'static str {
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
            instance(&mut o, i);
        }
        for g in &self.sync_groups {
            sync_group(&mut o, g);
        }
        for v in &self.virtual_servers {
            virtual_server(&mut o, v);
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
    let _ = writeln!(
        o,
        "    vrrp_garp_lower_prio_repeat {}",
        g.vrrp_garp_lower_prio_repeat
    );
    if let Some(dl) = g.vrrp_garp_lower_prio_delay {
        let _ = writeln!(o, "    vrrp_garp_lower_prio_delay {}", dl.as_secs());
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
    o.push_str("}\n\n");
}

fn vip_line(o: &mut String, v: &VipEntry) {
    let _ = write!(o, "        {}/{}", v.address, v.prefix_len);
    if let Some(b) = v.brd {
        let _ = write!(o, " brd {b}");
    }
    for (k, val) in [
        ("dev", &v.dev),
        ("scope", &v.scope),
        ("label", &v.label),
        ("peer", &v.peer),
    ] {
        if let Some(val) = val {
            let _ = write!(o, " {k} {}", quote(val));
        }
    }
    if let Some(p) = v.preferred_lft {
        let _ = write!(o, " preferred_lft {p}");
    }
    for f in &v.flags {
        let _ = write!(o, " {f}");
    }
    o.push('\n');
}

fn tracked(
    o: &mut String,
    interfaces: &[TrackedInterface],
    scripts: &[TrackRef],
    files: &[TrackRef],
) {
    if !interfaces.is_empty() {
        o.push_str("    track_interface {\n");
        for t in interfaces {
            let _ = write!(o, "        {}", quote(&t.name));
            if t.weight != 0 {
                let _ = write!(o, " weight {}", t.weight);
            }
            o.push('\n');
        }
        o.push_str("    }\n");
    }
    for (kw, refs) in [("track_script", scripts), ("track_file", files)] {
        if refs.is_empty() {
            continue;
        }
        let _ = writeln!(o, "    {kw} {{");
        for r in refs {
            let _ = write!(o, "        {}", quote(&r.name));
            if let Some(w) = r.weight {
                let _ = write!(o, " weight {w}");
            }
            o.push('\n');
        }
        o.push_str("    }\n");
    }
}

fn notify(o: &mut String, n: &NotifyConfig) {
    for (kw, v) in [
        ("notify_master", &n.master),
        ("notify_backup", &n.backup),
        ("notify_fault", &n.fault),
        ("notify_stop", &n.stop),
        ("notify", &n.generic),
    ] {
        if let Some(cmd) = v {
            let _ = writeln!(o, "    {kw} {}", quote(cmd));
        }
    }
}

fn instance(o: &mut String, i: &VrrpInstance) {
    let _ = writeln!(o, "vrrp_instance {} {{", quote(&i.name));
    let state = match i.state {
        InitialState::Master => "MASTER",
        InitialState::Backup => "BACKUP",
    };
    let _ = writeln!(o, "    state {state}");
    let _ = writeln!(o, "    interface {}", quote(&i.interface));
    let _ = writeln!(o, "    virtual_router_id {}", i.vrid);
    let _ = writeln!(o, "    priority {}", i.priority);
    let _ = writeln!(
        o,
        "    version {}",
        if i.version == Version::V3 { 3 } else { 2 }
    );
    let _ = writeln!(o, "    advert_int {}", secs(i.advert_int));
    match i.preempt {
        Preempt::Enabled => {}
        Preempt::Disabled => o.push_str("    nopreempt\n"),
        Preempt::Delay(d) => {
            let _ = writeln!(o, "    preempt_delay {}", secs(d));
        }
    }
    if let Some(a) = &i.authentication {
        o.push_str("    authentication {\n");
        let _ = writeln!(
            o,
            "        auth_type {}",
            if a.auth_type == AuthType::Ah {
                "AH"
            } else {
                "PASS"
            }
        );
        if !a.password.is_empty() {
            let _ = writeln!(o, "        auth_pass {}", quote(&a.password));
        }
        o.push_str("    }\n");
    }
    for (kw, list) in [
        ("virtual_ipaddress", &i.virtual_ipaddress),
        ("virtual_ipaddress_excluded", &i.virtual_ipaddress_excluded),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(o, "    {kw} {{");
        for v in list {
            vip_line(o, v);
        }
        o.push_str("    }\n");
    }
    if let Some(a) = i.unicast_src_ip {
        let _ = writeln!(o, "    unicast_src_ip {a}");
    }
    if !i.unicast_peers.is_empty() {
        o.push_str("    unicast_peer {\n");
        for p in &i.unicast_peers {
            let _ = write!(o, "        {}", p.address);
            if let Some(t) = p.min_ttl {
                let _ = write!(o, " min_ttl {t}");
            }
            if let Some(t) = p.max_ttl {
                let _ = write!(o, " max_ttl {t}");
            }
            o.push('\n');
        }
        o.push_str("    }\n");
    }
    if let Some(a) = i.mcast_src_ip {
        let _ = writeln!(o, "    mcast_src_ip {a}");
    }
    let _ = writeln!(o, "    mcast_dst_ip {}", i.mcast_dst_ip);
    tracked(o, &i.track_interfaces, &i.track_scripts, &i.track_files);
    notify(o, &i.notify);
    let _ = writeln!(o, "    {}", if i.accept { "accept" } else { "no_accept" });
    let g = &i.garp;
    let _ = writeln!(
        o,
        "    garp_master_delay {}",
        g.master_delay.map(|d| d.as_secs()).unwrap_or(0)
    );
    let _ = writeln!(o, "    garp_master_repeat {}", g.master_repeat);
    let _ = writeln!(
        o,
        "    garp_master_refresh {}",
        g.master_refresh.map(|d| d.as_secs()).unwrap_or(0)
    );
    let _ = writeln!(
        o,
        "    garp_master_refresh_repeat {}",
        g.master_refresh_repeat
    );
    let _ = writeln!(o, "    garp_lower_prio_repeat {}", g.lower_prio_repeat);
    let _ = writeln!(
        o,
        "    lower_prio_no_advert {}",
        onoff(i.lower_prio_no_advert)
    );
    let _ = writeln!(
        o,
        "    higher_prio_send_advert {}",
        onoff(i.higher_prio_send_advert)
    );
    if i.v3_checksum_as_v2 {
        o.push_str("    v3_checksum_as_v2\n");
    }
    let _ = writeln!(o, "    strict_mode {}", onoff(i.strict));
    let _ = writeln!(
        o,
        "    skip_check_adv_addr {}",
        onoff(i.skip_check_adv_addr)
    );
    let _ = writeln!(o, "    down_timer_adverts {}", i.down_timer_adverts);
    let _ = writeln!(o, "    check_unicast_src {}", onoff(i.check_unicast_src));
    if i.dont_track_primary {
        o.push_str("    dont_track_primary\n");
    }
    o.push_str("}\n\n");
}

fn sync_group(o: &mut String, g: &SyncGroupConfig) {
    let _ = writeln!(o, "vrrp_sync_group {} {{", quote(&g.name));
    o.push_str("    group {\n");
    for m in &g.members {
        let _ = writeln!(o, "        {}", quote(m));
    }
    o.push_str("    }\n");
    tracked(o, &g.track_interfaces, &g.track_scripts, &g.track_files);
    notify(o, &g.notify);
    if g.tracking_weight {
        o.push_str("    sync_group_tracking_weight\n");
    }
    o.push_str("}\n\n");
}

fn method(m: LvsMethod) -> &'static str {
    match m {
        LvsMethod::Nat => "NAT",
        LvsMethod::Dr => "DR",
        LvsMethod::Tun => "TUN",
    }
}

fn virtual_server(o: &mut String, v: &VirtualServer) {
    match &v.address {
        VirtualServerAddress::Ip { address, port } => {
            let _ = write!(o, "virtual_server {address}");
            if let Some(p) = port {
                let _ = write!(o, " {p}");
            }
        }
        VirtualServerAddress::Fwmark(m) => {
            let _ = write!(o, "virtual_server fwmark {m}");
        }
        VirtualServerAddress::Group(g) => {
            let _ = write!(o, "virtual_server group {}", quote(g));
        }
    }
    o.push_str(" {\n");
    if let Some(d) = v.delay_loop {
        let _ = writeln!(o, "    delay_loop {}", secs(d));
    }
    if let Some(s) = &v.lvs_sched {
        let _ = writeln!(o, "    lvs_sched {}", quote(s));
    }
    if let Some(m) = v.lvs_method {
        let _ = writeln!(o, "    lvs_method {}", method(m));
    }
    if let Some(t) = v.persistence_timeout {
        let _ = writeln!(o, "    persistence_timeout {t}");
    }
    if let Some(g) = &v.persistence_granularity {
        let _ = writeln!(o, "    persistence_granularity {}", quote(g));
    }
    if let Some(p) = v.protocol {
        let p = match p {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        };
        let _ = writeln!(o, "    protocol {p}");
    }
    for (flag, kw) in [
        (v.ha_suspend, "ha_suspend"),
        (v.sorry_server_inhibit, "sorry_server_inhibit"),
        (v.alpha, "alpha"),
        (v.omega, "omega"),
    ] {
        if flag {
            let _ = writeln!(o, "    {kw}");
        }
    }
    if let Some(h) = &v.virtualhost {
        let _ = writeln!(o, "    virtualhost {}", quote(h));
    }
    if let Some(q) = v.quorum {
        let _ = writeln!(o, "    quorum {q}");
    }
    if let Some(h) = v.hysteresis {
        let _ = writeln!(o, "    hysteresis {h}");
    }
    if let Some(c) = &v.quorum_up {
        let _ = writeln!(o, "    quorum_up {}", quote(c));
    }
    if let Some(c) = &v.quorum_down {
        let _ = writeln!(o, "    quorum_down {}", quote(c));
    }
    if let Some(s) = &v.sorry_server {
        let _ = write!(o, "    sorry_server {}", s.address);
        if let Some(p) = s.port {
            let _ = write!(o, " {p}");
        }
        o.push('\n');
    }
    for rs in &v.real_servers {
        real_server(o, rs);
    }
    o.push_str("}\n\n");
}

fn real_server(o: &mut String, rs: &RealServer) {
    let _ = write!(o, "    real_server {}", rs.address);
    if let Some(p) = rs.port {
        let _ = write!(o, " {p}");
    }
    o.push_str(" {\n");
    if let Some(w) = rs.weight {
        let _ = writeln!(o, "        weight {w}");
    }
    if let Some(m) = rs.lvs_method {
        let _ = writeln!(o, "        lvs_method {}", method(m));
    }
    if rs.inhibit_on_failure {
        o.push_str("        inhibit_on_failure\n");
    }
    if let Some(c) = &rs.notify_up {
        let _ = writeln!(o, "        notify_up {}", quote(c));
    }
    if let Some(c) = &rs.notify_down {
        let _ = writeln!(o, "        notify_down {}", quote(c));
    }
    if let Some(t) = rs.uthreshold {
        let _ = writeln!(o, "        uthreshold {t}");
    }
    if let Some(t) = rs.lthreshold {
        let _ = writeln!(o, "        lthreshold {t}");
    }
    for c in &rs.checkers {
        match c {
            Checker::Tcp(t) => {
                o.push_str("        TCP_CHECK {\n");
                common(o, &t.common);
            }
            Checker::Http(h) => {
                o.push_str("        HTTP_GET {\n");
                http(o, h);
            }
            Checker::Ssl(h) => {
                o.push_str("        SSL_GET {\n");
                http(o, h);
            }
            Checker::Misc(m) => {
                o.push_str("        MISC_CHECK {\n");
                misc(o, m);
            }
        }
        o.push_str("        }\n");
    }
    o.push_str("    }\n");
}

fn common(o: &mut String, c: &CheckerCommon) {
    let p = "            ";
    if let Some(a) = c.connect_ip {
        let _ = writeln!(o, "{p}connect_ip {a}");
    }
    if let Some(v) = c.connect_port {
        let _ = writeln!(o, "{p}connect_port {v}");
    }
    if let Some(a) = c.bindto {
        let _ = writeln!(o, "{p}bindto {a}");
    }
    if let Some(v) = c.bind_port {
        let _ = writeln!(o, "{p}bind_port {v}");
    }
    if let Some(v) = &c.bind_if {
        let _ = writeln!(o, "{p}bind_if {}", quote(v));
    }
    if let Some(v) = c.fwmark {
        let _ = writeln!(o, "{p}fwmark {v}");
    }
    timers(
        o,
        c.connect_timeout,
        c.retry,
        c.delay_before_retry,
        c.delay_loop,
        c.warmup,
    );
    if c.alpha {
        let _ = writeln!(o, "{p}alpha");
    }
    if c.log_all_failures {
        let _ = writeln!(o, "{p}log_all_failures");
    }
}

fn timers(
    o: &mut String,
    connect_timeout: Option<Duration>,
    retry: Option<u32>,
    dbr: Option<Duration>,
    delay_loop: Option<Duration>,
    warmup: Option<Duration>,
) {
    let p = "            ";
    if let Some(d) = connect_timeout {
        let _ = writeln!(o, "{p}connect_timeout {}", secs(d));
    }
    if let Some(r) = retry {
        let _ = writeln!(o, "{p}retry {r}");
    }
    if let Some(d) = dbr {
        let _ = writeln!(o, "{p}delay_before_retry {}", secs(d));
    }
    if let Some(d) = delay_loop {
        let _ = writeln!(o, "{p}delay_loop {}", secs(d));
    }
    if let Some(d) = warmup {
        let _ = writeln!(o, "{p}warmup {}", secs(d));
    }
}

fn http(o: &mut String, h: &HttpCheck) {
    let p = "            ";
    common(o, &h.common);
    for u in &h.urls {
        let _ = writeln!(o, "{p}url {{");
        let _ = writeln!(o, "{p}    path {}", quote(&u.path));
        if let Some(d) = &u.digest {
            let _ = writeln!(o, "{p}    digest {}", quote(d));
        }
        if !u.status_code.is_empty() {
            let codes: Vec<String> = u
                .status_code
                .iter()
                .map(|(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}-{b}")
                    }
                })
                .collect();
            let _ = writeln!(o, "{p}    status_code {}", codes.join(" "));
        }
        if let Some(v) = &u.virtualhost {
            let _ = writeln!(o, "{p}    virtualhost {}", quote(v));
        }
        if let Some(r) = &u.regex {
            let _ = writeln!(o, "{p}    regex {}", quote(r));
        }
        if u.regex_no_match {
            let _ = writeln!(o, "{p}    regex_no_match");
        }
        let _ = writeln!(o, "{p}}}");
    }
    if let Some(v) = &h.virtualhost {
        let _ = writeln!(o, "{p}virtualhost {}", quote(v));
    }
    if let Some(hp) = h.http_protocol {
        let v = match hp {
            HttpProtocol::Http10 => "1.0",
            HttpProtocol::Http10C => "1.0C",
            HttpProtocol::Http11 => "1.1",
        };
        let _ = writeln!(o, "{p}http_protocol {v}");
    }
    if h.enable_sni {
        let _ = writeln!(o, "{p}enable_sni");
    }
    if let Some(s) = &h.sni_name {
        let _ = writeln!(o, "{p}sni_name {}", quote(s));
    }
    if h.tls_compliant {
        let _ = writeln!(o, "{p}tls_compliant");
    }
    if h.fast_recovery {
        let _ = writeln!(o, "{p}fast_recovery");
    }
}

fn misc(o: &mut String, m: &MiscCheck) {
    let p = "            ";
    let _ = writeln!(o, "{p}misc_path {}", quote(&m.misc_path));
    if let Some(t) = m.misc_timeout {
        let _ = writeln!(o, "{p}misc_timeout {}", secs(t));
    }
    if m.misc_dynamic {
        let _ = writeln!(o, "{p}misc_dynamic");
    }
    if let Some(u) = &m.user {
        let _ = writeln!(o, "{p}user {}", quote(u));
    }
    timers(
        o,
        None,
        m.retry,
        m.delay_before_retry,
        m.delay_loop,
        m.warmup,
    );
}
