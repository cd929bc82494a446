//! What `vrrplab run` accepts from a keepalived.conf but does not act on — one list, read by
//! `vrrplab run` at start (a warning per item in the log) and by `vrrplab check` (the same
//! warnings, with file:line:column). Nothing a configuration asks for is dropped silently.
//!
//! The parser already warns, for every driver, about directives vrrplab recognises and does not
//! implement at all ([`vrrplab_core::config::keywords::RECOGNISED_UNSUPPORTED`]). This list is
//! the daemon's part: what the model holds (the simulator may use it) and `vrrplab run` does not
//! carry out. When `run` learns to act on an item, its entry goes.

use vrrplab_core::config::model::{VipEntry, VirtualServerAddress};
use vrrplab_core::config::{Diagnostic, Parsed, Span};

/// The start of every message from this list.
pub const PREFIX: &str = "accepted, not acted on by `vrrplab run`";

fn warning(span: Span, what: impl std::fmt::Display, help: &str) -> Diagnostic {
    Diagnostic::warning(span, format!("{PREFIX}: {what}"))
        .with_label("not acted on")
        .with_help(help)
}

/// The first line of any file of `parsed` whose first word is `keyword` (for `global_defs`
/// settings, whose locations the model does not keep).
fn keyword_span(parsed: &Parsed, keyword: &str) -> Option<Span> {
    for (index, file) in parsed.sources.files().iter().enumerate() {
        for (n, line) in file.text.split('\n').enumerate() {
            let trimmed = line.trim_start();
            if trimmed.split_whitespace().next() == Some(keyword) {
                let column = line.chars().count() - trimmed.chars().count() + 1;
                return Some(Span {
                    file: vrrplab_core::config::FileId(index),
                    line: n as u32 + 1,
                    column: column as u32,
                    len: keyword.chars().count() as u32,
                });
            }
        }
    }
    None
}

/// Per-address options of a VIP line that `vrrplab run` does not apply (it adds the address
/// with its prefix length on its interface, nothing more).
fn vip_options(v: &VipEntry) -> Vec<String> {
    let mut options = Vec::new();
    if let Some(b) = v.brd {
        options.push(format!("brd {b}"));
    }
    if let Some(s) = &v.scope {
        options.push(format!("scope {s}"));
    }
    if let Some(l) = &v.label {
        options.push(format!("label {l}"));
    }
    if let Some(p) = &v.peer {
        options.push(format!("peer {p}"));
    }
    if let Some(p) = v.preferred_lft {
        options.push(format!("preferred_lft {p}"));
    }
    options.extend(v.flags.iter().cloned());
    options
}

/// A warning for every item of `parsed` that `vrrplab run` accepts and does not act on.
pub fn diagnostics(parsed: &Parsed) -> Vec<Diagnostic> {
    let model = &parsed.model;
    let spans = &parsed.spans;
    let mut out = Vec::new();
    if let (Some(ssl), Some(ssl_spans)) = (&model.ssl, &spans.ssl)
        && ssl.ca.is_some()
    {
        out.push(warning(
            ssl_spans.of("ca"),
            "SSL ca (the file is read, but SSL_GET never fails on a real server's certificate)",
            "keepalived does the same: it loads the CA file and never verifies the peer, so \
             the check is that the service answers over TLS, not that its certificate is trusted",
        ));
    }
    for (i, vs) in model.virtual_servers.iter().enumerate() {
        let Some(span) = spans.virtual_servers.get(i).map(|s| s.block) else {
            continue;
        };
        let name = match &vs.address {
            VirtualServerAddress::Ip {
                address,
                port: Some(port),
            } => format!("{address} {port}"),
            VirtualServerAddress::Ip {
                address,
                port: None,
            } => address.to_string(),
            VirtualServerAddress::Fwmark(m) => format!("fwmark {m}"),
            VirtualServerAddress::Group(g) => format!("group {g}"),
        };
        let service = crate::run::lb::Service::from_config(vs);
        for caveat in crate::run::lb::nft::caveats(&service) {
            out.push(warning(
                span,
                format!("virtual_server {name} with the nftables data plane: {caveat}"),
                "the nftables backend runs where the kernel has no IPVS (or with \
                 `--lb-backend nftables`); the IPVS backend honours it",
            ));
        }
        let mut unused = Vec::new();
        if vs.ha_suspend {
            unused.push("ha_suspend (the checkers always run)".to_string());
        }
        if let Some(g) = &vs.persistence_granularity {
            unused.push(format!(
                "persistence_granularity {g} (persistence is per address)"
            ));
        }
        for rs in &vs.real_servers {
            if rs.uthreshold.is_some() || rs.lthreshold.is_some() {
                unused.push(format!(
                    "uthreshold/lthreshold of real server {} (no connection limits)",
                    rs.address
                ));
            }
            if rs.lvs_method.is_some() {
                unused.push(format!(
                    "lvs_method of real server {} (the virtual server's method is used)",
                    rs.address
                ));
            }
        }
        for what in unused {
            out.push(warning(
                span,
                format!("virtual_server {name}: {what}"),
                "remove it, or keep keepalived's checker process for this virtual server",
            ));
        }
    }
    for (i, instance) in model.instances.iter().enumerate() {
        let Some(block) = spans.instances.get(i) else {
            continue;
        };
        let ttl_peers: Vec<String> = instance
            .unicast_peers
            .iter()
            .filter(|p| p.min_ttl.is_some() || p.max_ttl.is_some())
            .map(|p| p.address.to_string())
            .collect();
        if !ttl_peers.is_empty() {
            out.push(warning(
                block.of("unicast_peer"),
                format!(
                    "min_ttl/max_ttl of unicast peer {} ({}): adverts from listed peers are \
                     accepted with any TTL",
                    ttl_peers.join(", "),
                    instance.name
                ),
                "only the peer check (`check_unicast_src`) applies; filter TTLs with a firewall \
                 rule if you rely on them",
            ));
        }
        for (directive, list) in [
            ("virtual_ipaddress", &instance.virtual_ipaddress),
            (
                "virtual_ipaddress_excluded",
                &instance.virtual_ipaddress_excluded,
            ),
        ] {
            for vip in list {
                let options = vip_options(vip);
                if options.is_empty() {
                    continue;
                }
                out.push(warning(
                    block.of(directive),
                    format!(
                        "{} of {} in {} ({}): the address is added with its prefix length only",
                        options.join(", "),
                        vip.address,
                        directive,
                        instance.name
                    ),
                    "remove the options, or set them with a notify_master hook",
                ));
            }
        }
    }
    let global = &model.global;
    let mail = [
        ("notification_email", !global.notification_email.is_empty()),
        (
            "notification_email_from",
            global.notification_email_from.is_some(),
        ),
        ("smtp_server", global.smtp_server.is_some()),
        (
            "smtp_connect_timeout",
            global.smtp_connect_timeout.is_some(),
        ),
    ];
    for (keyword, set) in mail {
        if let (true, Some(span)) = (set, keyword_span(parsed, keyword)) {
            out.push(warning(
                span,
                format!("{keyword}: no e-mail is sent"),
                "send mail from a notify hook if you need it",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrplab_core::config::{ParseOptions, parse_str};

    const CONF: &str = "global_defs {\n  notification_email {\n    ops@example.com\n  }\n  smtp_server 192.0.2.25\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  no_accept\n  unicast_peer {\n    192.0.2.12 min_ttl 250\n  }\n  virtual_ipaddress {\n    192.0.2.100/24 label eth0:vip\n    192.0.2.101/24\n  }\n}\nvirtual_server 192.0.2.100 80 {\n  real_server 192.0.2.21 80 {\n    TCP_CHECK {\n    }\n  }\n}\n";

    fn rendered() -> Vec<String> {
        let parsed = parse_str("k.conf", CONF, &ParseOptions::default());
        assert!(parsed.is_valid(), "{}", parsed.render_diagnostics());
        diagnostics(&parsed)
            .iter()
            .map(|d| d.render(&parsed.sources))
            .collect()
    }

    #[test]
    fn every_item_run_ignores_is_warned_about_with_its_location() {
        let all = rendered();
        let expect = [
            (
                "virtual_server 192.0.2.100 80 with the nftables data plane: lvs_sched wlc",
                "k.conf:19:",
            ),
            ("min_ttl/max_ttl of unicast peer 192.0.2.12", "k.conf:11:"),
            ("label eth0:vip of 192.0.2.100", "k.conf:14:"),
            ("notification_email: no e-mail", "k.conf:2:"),
            ("smtp_server: no e-mail", "k.conf:5:"),
        ];
        for (what, location) in expect {
            assert!(
                all.iter()
                    .any(|d| d.contains(what) && d.contains(location) && d.contains(PREFIX)),
                "{what} at {location} in {all:#?}"
            );
        }
        assert_eq!(all.len(), expect.len(), "{all:#?}");
    }

    #[test]
    fn ssl_ca_is_named_at_its_line_and_an_ssl_block_without_ca_is_not() {
        let with_ca = "SSL {\n  certificate /c.pem\n  key /k.pem\n  ca /ca.pem\n}\n";
        let parsed = parse_str("k.conf", with_ca, &ParseOptions::default());
        assert!(parsed.is_valid(), "{}", parsed.render_diagnostics());
        let all: Vec<String> = diagnostics(&parsed)
            .iter()
            .map(|d| d.render(&parsed.sources))
            .collect();
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(
            all[0].contains("k.conf:4:3") && all[0].contains("SSL ca") && all[0].contains(PREFIX),
            "{}",
            all[0]
        );
        let without = parse_str(
            "k.conf",
            "SSL {\n  certificate /c.pem\n  key /k.pem\n}\n",
            &ParseOptions::default(),
        );
        assert!(without.is_valid(), "{}", without.render_diagnostics());
        assert!(diagnostics(&without).is_empty());
    }

    #[test]
    fn a_plain_instance_has_nothing_to_warn_about() {
        let parsed = parse_str(
            "k.conf",
            "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n",
            &ParseOptions::default(),
        );
        assert!(diagnostics(&parsed).is_empty());
    }
}
