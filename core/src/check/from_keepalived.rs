//! keepalived.conf model ([`crate::config::KeepalivedConfig`]) → [`HealthConfig`].
//!
//! keepalived's inheritance and defaults are resolved here (`check_data.c`: checker values
//! default to the virtual server's): `delay_loop` checker → virtual server → 60 s; `warmup`
//! checker → the checker's `delay_loop`; `alpha` checker or virtual server; `retry` 1 (MISC 0);
//! `delay_before_retry` 1 s (HTTP/SSL 3 s); `connect_timeout` 5 s; connect address and port
//! default to the real server's. `vrrp_script`s that no instance or sync group tracks are not
//! run (keepalived: "script … is not used").
//!
//! What the check types cannot express is reported as a [`ConversionNote`] and left out:
//! `regex` URL matching, negative real-server weights, checkers without a `url` or
//! `misc_path` (keepalived ignores those too).

use super::config::{
    CheckKind, CheckerConfig, ConnectOptions, DEFAULT_DELAY_LOOP, HealthConfig, HttpVersion,
    RealServerConfig, SorryServerConfig, StatusCodes, TlsOptions, UrlCheck, VirtualServerConfig,
    parse_digest,
};
use crate::config::model::{
    Checker, CheckerCommon, HttpCheck, HttpProtocol, MiscCheck, RealServer, VirtualServer,
    VirtualServerAddress,
};
use crate::config::{Diagnostic, KeepalivedConfig, Parsed, Severity};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Something in the model the health checks do not carry over, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionNote {
    /// The virtual server (its name), or `None` for a `vrrp_script`.
    pub virtual_server: Option<String>,
    /// The `vrrp_script` (its name) the note is about, if any.
    pub vrrp_script: Option<String>,
    /// What was left out or changed, and why.
    pub message: String,
}

impl std::fmt::Display for ConversionNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.virtual_server {
            Some(vs) => write!(f, "virtual_server {vs}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl HealthConfig {
    /// The health checks `model` asks for; `warmup_seed` seeds the `warmup` jitter.
    pub fn from_keepalived(
        model: &KeepalivedConfig,
        warmup_seed: u64,
    ) -> (HealthConfig, Vec<ConversionNote>) {
        let mut notes = Vec::new();
        let node = model.to_node_config();
        let used = |name: &str| {
            node.instances
                .iter()
                .flat_map(|i| &i.track_scripts)
                .chain(node.sync_groups.iter().flat_map(|g| &g.track_scripts))
                .any(|r| r.name == name)
        };
        let scripts = node
            .scripts
            .iter()
            .filter(|s| {
                let in_use = used(&s.name);
                if !in_use {
                    notes.push(ConversionNote {
                        virtual_server: None,
                        vrrp_script: Some(s.name.clone()),
                        message: format!(
                            "vrrp_script {} is not tracked by any instance or sync group: not run",
                            s.name
                        ),
                    });
                }
                in_use
            })
            .cloned()
            .collect();
        let virtual_servers = model
            .virtual_servers
            .iter()
            .map(|vs| virtual_server(vs, &mut notes))
            .collect();
        (
            HealthConfig {
                scripts,
                virtual_servers,
                warmup_seed,
            },
            notes,
        )
    }
}

/// `notes` as warnings at the `virtual_server` or `vrrp_script` block they concern in `parsed`
/// (for `vrrplab check`: what is parsed but not carried into the health checks is said, never
/// dropped silently).
pub fn conversion_warnings(parsed: &Parsed, notes: &[ConversionNote]) -> Vec<Diagnostic> {
    notes
        .iter()
        .map(|n| {
            let vs_span = n.virtual_server.as_deref().and_then(|name| {
                let i = parsed
                    .model
                    .virtual_servers
                    .iter()
                    .position(|vs| virtual_server_name(&vs.address) == name)?;
                parsed.spans.virtual_servers.get(i).map(|b| b.block)
            });
            let script_span = n.vrrp_script.as_deref().and_then(|name| {
                let i = parsed.model.scripts.iter().position(|s| s.name == name)?;
                parsed.spans.scripts.get(i).copied()
            });
            Diagnostic::new(Severity::Warning, vs_span.or(script_span), n.to_string())
                .with_label("not carried into the health checks")
        })
        .collect()
}

/// The name outputs use for a virtual server: `IP:PORT` (`[IPv6]:PORT`), `IP`, `fwmark N` or
/// `group NAME`.
pub fn virtual_server_name(address: &VirtualServerAddress) -> String {
    match address {
        VirtualServerAddress::Ip {
            address,
            port: Some(port),
        } => SocketAddr::new(*address, *port).to_string(),
        VirtualServerAddress::Ip {
            address,
            port: None,
        } => address.to_string(),
        VirtualServerAddress::Fwmark(mark) => format!("fwmark {mark}"),
        VirtualServerAddress::Group(name) => format!("group {name}"),
    }
}

fn virtual_server(vs: &VirtualServer, notes: &mut Vec<ConversionNote>) -> VirtualServerConfig {
    let name = virtual_server_name(&vs.address);
    let real_servers = vs
        .real_servers
        .iter()
        .map(|rs| real_server(vs, &name, rs, notes))
        .collect();
    let mut config = VirtualServerConfig::new(&name, real_servers);
    config.quorum = vs.quorum.map(u64::from).unwrap_or(1);
    config.hysteresis = vs.hysteresis.map(u64::from).unwrap_or(0);
    config.quorum_up = vs.quorum_up.clone();
    config.quorum_down = vs.quorum_down.clone();
    config.omega = vs.omega;
    config.sorry_server = vs.sorry_server.as_ref().map(|s| SorryServerConfig {
        address: SocketAddr::new(s.address, s.port.unwrap_or(0)),
        inhibit: vs.sorry_server_inhibit,
    });
    config
}

fn real_server(
    vs: &VirtualServer,
    vs_name: &str,
    rs: &RealServer,
    notes: &mut Vec<ConversionNote>,
) -> RealServerConfig {
    let address = SocketAddr::new(rs.address, rs.port.unwrap_or(0));
    let mut config = RealServerConfig::new(address);
    config.weight = match rs.weight {
        None => 1,
        Some(w) if w < 0 => {
            notes.push(ConversionNote {
                virtual_server: Some(vs_name.to_string()),
                vrrp_script: None,
                message: format!("real_server {address}: negative weight {w} used as 0"),
            });
            0
        }
        Some(w) => w.unsigned_abs(),
    };
    config.inhibit_on_failure = rs.inhibit_on_failure;
    config.notify_up = rs.notify_up.clone();
    config.notify_down = rs.notify_down.clone();
    let mut checkers = Vec::new();
    for c in &rs.checkers {
        let empty = match c {
            Checker::Http(h) | Checker::Ssl(h) => h.urls.is_empty(),
            Checker::Misc(m) => m.misc_path.is_empty(),
            Checker::Tcp(_) => false,
        };
        if empty {
            notes.push(ConversionNote {
                virtual_server: Some(vs_name.to_string()),
                vrrp_script: None,
                message: format!(
                    "real_server {address}: checker without url / misc_path ignored (as keepalived does)"
                ),
            });
            continue;
        }
        checkers.push(checker(vs, vs_name, rs, c, notes));
    }
    config.checkers = checkers;
    config
}

/// The values every checker kind shares, resolved against the virtual and real server.
struct Common {
    connect: SocketAddr,
    options: ConnectOptions,
    connect_timeout: Option<Duration>,
    retry: Option<u32>,
    delay_before_retry: Option<Duration>,
    delay_loop: Option<Duration>,
    warmup: Option<Duration>,
    alpha: bool,
}

fn common(rs: &RealServer, c: &CheckerCommon) -> Common {
    let ip: IpAddr = c.connect_ip.unwrap_or(rs.address);
    let port = c.connect_port.or(rs.port).unwrap_or(0);
    Common {
        connect: SocketAddr::new(ip, port),
        options: ConnectOptions {
            bind_address: c.bindto,
            bind_port: c.bind_port,
            bind_interface: c.bind_if.clone(),
            fwmark: c.fwmark,
        },
        connect_timeout: c.connect_timeout,
        retry: c.retry,
        delay_before_retry: c.delay_before_retry,
        delay_loop: c.delay_loop,
        warmup: c.warmup,
        alpha: c.alpha,
    }
}

fn checker(
    vs: &VirtualServer,
    vs_name: &str,
    rs: &RealServer,
    checker: &Checker,
    notes: &mut Vec<ConversionNote>,
) -> CheckerConfig {
    let (mut config, common) = match checker {
        Checker::Tcp(tcp) => {
            let common = common(rs, &tcp.common);
            (CheckerConfig::tcp(common.connect), common)
        }
        Checker::Http(http) => http_checker(rs, http, false, vs_name, notes),
        Checker::Ssl(http) => http_checker(rs, http, true, vs_name, notes),
        Checker::Misc(misc) => misc_checker(rs, misc),
    };
    config.connect_options = common.options;
    if let Some(t) = common.connect_timeout {
        config.connect_timeout = t;
    }
    if let Some(r) = common.retry {
        config.retry = r;
    }
    if let Some(d) = common.delay_before_retry {
        config.delay_before_retry = d;
    }
    config.delay_loop = common
        .delay_loop
        .or(vs.delay_loop)
        .unwrap_or(DEFAULT_DELAY_LOOP);
    // keepalived: warmup defaults to the checker's delay_loop.
    config.warmup = Some(common.warmup.unwrap_or(config.delay_loop));
    config.alpha = common.alpha || vs.alpha;
    config
}

fn http_checker(
    rs: &RealServer,
    http: &HttpCheck,
    tls: bool,
    vs_name: &str,
    notes: &mut Vec<ConversionNote>,
) -> (CheckerConfig, Common) {
    let common = common(rs, &http.common);
    let urls = http
        .urls
        .iter()
        .map(|u| {
            let mut url = UrlCheck::new(&u.path);
            if !u.status_code.is_empty() {
                url.status_codes =
                    StatusCodes::new(u.status_code.iter().map(|(a, b)| *a..=*b).collect());
            }
            url.virtualhost = u.virtualhost.clone();
            if let Some(text) = &u.digest {
                match parse_digest(text) {
                    Ok(d) => url.digest = Some(d),
                    Err(e) => notes.push(ConversionNote {
                        virtual_server: Some(vs_name.to_string()),
                        vrrp_script: None,
                        message: format!("url {}: {e}; digest not checked", u.path),
                    }),
                }
            }
            if u.regex.is_some() {
                notes.push(ConversionNote {
                    virtual_server: Some(vs_name.to_string()),
                    vrrp_script: None,
                    message: format!(
                        "url {}: regex is not supported; only status and digest are checked",
                        u.path
                    ),
                });
            }
            url
        })
        .collect();
    let mut config = CheckerConfig::http(common.connect, urls);
    if let CheckKind::Http {
        virtualhost,
        version,
        tls: tls_options,
        fast_recovery,
        ..
    } = &mut config.kind
    {
        *virtualhost = http.virtualhost.clone();
        *fast_recovery = http.fast_recovery;
        *version = match http.http_protocol {
            None | Some(HttpProtocol::Http10) => HttpVersion::Http10,
            Some(HttpProtocol::Http10C) => HttpVersion::Http10Close,
            Some(HttpProtocol::Http11) => HttpVersion::Http11,
        };
        if tls {
            let sni = http.enable_sni.then(|| {
                http.sni_name
                    .clone()
                    .or_else(|| http.virtualhost.clone())
                    .unwrap_or_else(|| common.connect.ip().to_string())
            });
            *tls_options = Some(TlsOptions { sni });
        }
    }
    (config, common)
}

fn misc_checker(rs: &RealServer, misc: &MiscCheck) -> (CheckerConfig, Common) {
    let mut config = CheckerConfig::misc(&misc.misc_path);
    if let CheckKind::Misc {
        timeout,
        dynamic,
        user,
        ..
    } = &mut config.kind
    {
        *timeout = misc.misc_timeout;
        *dynamic = misc.misc_dynamic;
        *user = misc.user.clone();
    }
    let common = Common {
        connect: SocketAddr::new(rs.address, rs.port.unwrap_or(0)),
        options: ConnectOptions::default(),
        connect_timeout: None,
        retry: misc.retry,
        delay_before_retry: misc.delay_before_retry,
        delay_loop: misc.delay_loop,
        warmup: misc.warmup,
        alpha: false,
    };
    (config, common)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ParseOptions, parse_str};

    fn health(text: &str) -> (HealthConfig, Vec<ConversionNote>) {
        let parsed = parse_str("keepalived.conf", text, &ParseOptions::default());
        assert!(parsed.is_valid(), "{}", parsed.render_diagnostics());
        HealthConfig::from_keepalived(&parsed.model, 7)
    }

    const LVS: &str = r#"
virtual_server 10.0.0.100 80 {
    delay_loop 6
    lb_algo wrr
    lb_kind DR
    protocol TCP
    quorum 2
    hysteresis 1
    quorum_up "/bin/q-up"
    quorum_down "/bin/q-down"
    sorry_server 10.0.0.9 8080
    sorry_server_inhibit
    alpha

    real_server 10.0.0.11 80 {
        weight 3
        inhibit_on_failure
        notify_up "/bin/up"
        notify_down "/bin/down"
        HTTP_GET {
            url {
                path /health
                digest 9b3a0c85a887a256d6939da88aabd8cd
                status_code 200-299 301
            }
            virtualhost www.example.com
            connect_timeout 3
            retry 4
            delay_before_retry 2
        }
        TCP_CHECK {
            connect_port 8443
            bindto 10.0.0.1
            warmup 2
        }
    }
    real_server 10.0.0.12 80 {
        MISC_CHECK {
            misc_path "/usr/local/bin/check web2"
            misc_timeout 4
            misc_dynamic
        }
    }
}
"#;

    #[test]
    fn virtual_server_options_are_carried_over() {
        let (config, notes) = health(LVS);
        assert!(notes.is_empty(), "{notes:?}");
        let vs = &config.virtual_servers[0];
        assert_eq!(vs.name, "10.0.0.100:80");
        assert_eq!((vs.quorum, vs.hysteresis), (2, 1));
        assert_eq!(vs.quorum_up.as_deref(), Some("/bin/q-up"));
        assert_eq!(vs.quorum_down.as_deref(), Some("/bin/q-down"));
        let sorry = vs.sorry_server.as_ref().unwrap();
        assert_eq!(sorry.address, "10.0.0.9:8080".parse().unwrap());
        assert!(sorry.inhibit);
        let rs = &vs.real_servers[0];
        assert_eq!(rs.weight, 3);
        assert!(rs.inhibit_on_failure);
        assert_eq!(rs.notify_up.as_deref(), Some("/bin/up"));
        assert_eq!(rs.notify_down.as_deref(), Some("/bin/down"));
        assert_eq!(config.warmup_seed, 7);
    }

    #[test]
    fn http_get_options_and_inherited_defaults_are_resolved() {
        let (config, _) = health(LVS);
        let http = &config.virtual_servers[0].real_servers[0].checkers[0];
        assert_eq!(http.retry, 4, "retry");
        assert_eq!(http.delay_before_retry, Duration::from_secs(2));
        assert_eq!(http.connect_timeout, Duration::from_secs(3));
        assert_eq!(
            http.delay_loop,
            Duration::from_secs(6),
            "from the virtual server"
        );
        assert_eq!(
            http.warmup,
            Some(Duration::from_secs(6)),
            "warmup = delay_loop"
        );
        assert!(http.alpha, "alpha from the virtual server");
        let CheckKind::Http {
            connect,
            virtualhost,
            urls,
            ..
        } = &http.kind
        else {
            panic!("not HTTP: {http:?}");
        };
        assert_eq!(*connect, "10.0.0.11:80".parse().unwrap());
        assert_eq!(virtualhost.as_deref(), Some("www.example.com"));
        assert_eq!(urls[0].path, "/health");
        assert!(urls[0].status_codes.accepts(301));
        assert!(!urls[0].status_codes.accepts(302));
        assert_eq!(urls[0].digest.map(|d| d[0]), Some(0x9b));
    }

    #[test]
    fn tcp_check_connect_port_bindto_and_warmup_are_resolved() {
        let (config, _) = health(LVS);
        let tcp = &config.virtual_servers[0].real_servers[0].checkers[1];
        assert_eq!(
            tcp.kind,
            CheckKind::Tcp {
                connect: "10.0.0.11:8443".parse().unwrap()
            }
        );
        assert_eq!(tcp.connect_options.bind_address, "10.0.0.1".parse().ok());
        assert_eq!(tcp.retry, 1);
        assert_eq!(tcp.delay_before_retry, Duration::from_secs(1));
        assert_eq!(tcp.warmup, Some(Duration::from_secs(2)));
    }

    #[test]
    fn misc_check_path_timeout_dynamic_and_defaults_are_resolved() {
        let (config, _) = health(LVS);
        let misc = &config.virtual_servers[0].real_servers[1].checkers[0];
        assert_eq!(
            misc.kind,
            CheckKind::Misc {
                command: "/usr/local/bin/check web2".into(),
                timeout: Some(Duration::from_secs(4)),
                dynamic: true,
                user: None,
            }
        );
        assert_eq!(misc.retry, 0, "MISC_CHECK default retry");
        assert_eq!(misc.delay_loop, Duration::from_secs(6));
    }

    #[test]
    fn unused_vrrp_script_is_not_run_and_noted() {
        let (config, notes) = health(
            r#"
vrrp_script chk_used { script "/bin/true" }
vrrp_script chk_unused { script "/bin/false" }
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress { 192.0.2.100 }
    track_script { chk_used }
}
"#,
        );
        let names: Vec<&str> = config.scripts.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["chk_used"]);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].message.contains("chk_unused"));
    }

    #[test]
    fn http_get_without_url_is_ignored_with_a_note() {
        let (config, notes) = health(
            r#"
virtual_server 10.0.0.100 80 {
    real_server 10.0.0.11 80 {
        HTTP_GET {
            connect_timeout 3
        }
        TCP_CHECK {
        }
    }
}
"#,
        );
        let checkers = &config.virtual_servers[0].real_servers[0].checkers;
        assert_eq!(checkers.len(), 1);
        assert!(matches!(checkers[0].kind, CheckKind::Tcp { .. }));
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn regex_and_bad_digest_are_noted_not_silently_dropped() {
        let (_, notes) = health(
            r#"
virtual_server 10.0.0.100 80 {
    real_server 10.0.0.11 80 {
        HTTP_GET {
            url {
                path /
                regex "ok"
            }
        }
    }
}
"#,
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].to_string().contains("regex"));
    }

    #[test]
    fn conversion_notes_become_warnings_at_the_block_they_concern() {
        let text = r#"vrrp_script chk_unused {
    script "/bin/true"
}
virtual_server 10.0.0.100 80 {
    real_server 10.0.0.11 80 {
        HTTP_GET {
            url {
                path /
                regex "ok"
            }
        }
    }
}
"#;
        let parsed = parse_str("keepalived.conf", text, &ParseOptions::default());
        let (_, notes) = HealthConfig::from_keepalived(&parsed.model, 0);
        let warnings = conversion_warnings(&parsed, &notes);
        let at: Vec<(Severity, Option<u32>, bool)> = warnings
            .iter()
            .map(|d| {
                (
                    d.severity,
                    d.span.map(|s| s.line),
                    d.message.contains("regex"),
                )
            })
            .collect();
        assert_eq!(
            at,
            vec![
                (Severity::Warning, Some(1), false),
                (Severity::Warning, Some(4), true)
            ]
        );
        assert!(warnings[0].message.contains("chk_unused"));
    }
}
