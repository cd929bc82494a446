//! `virtual_server`, `real_server` and checkers as keepalived.conf text.

use super::{quote, secs};
use crate::config::model::{
    Checker, CheckerCommon, HttpCheck, HttpProtocol, LvsMethod, MiscCheck, Protocol, RealServer,
    SslSettings, VirtualServer, VirtualServerAddress,
};
use std::fmt::Write as _;
use std::time::Duration;

fn method(m: LvsMethod) -> &'static str {
    match m {
        LvsMethod::Nat => "NAT",
        LvsMethod::Dr => "DR",
        LvsMethod::Tun => "TUN",
    }
}

/// The `SSL` block, with the values that were written.
pub(super) fn ssl(o: &mut String, s: &SslSettings) {
    o.push_str("SSL {\n");
    let fields = [
        ("password", &s.password),
        ("ca", &s.ca),
        ("certificate", &s.certificate),
        ("key", &s.key),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            let _ = writeln!(o, "    {name} {}", quote(v));
        }
    }
    o.push_str("}\n\n");
}

pub(super) fn virtual_server(o: &mut String, v: &VirtualServer) {
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
