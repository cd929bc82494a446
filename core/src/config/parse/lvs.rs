//! `virtual_server`, `real_server`, and the TCP_CHECK / HTTP_GET / SSL_GET / MISC_CHECK
//! checkers. Values are kept as written; deprecated aliases are accepted with a note.

use super::global::TIMER_MAX_US;
use super::values::Ctx;
use crate::config::diagnostic::Diagnostic;
use crate::config::grammar;
use crate::config::keywords;
use crate::config::model::{
    BlockSpans, Checker, CheckerCommon, HttpCheck, HttpProtocol, LvsMethod, MiscCheck, Protocol,
    RealServer, SorryServer, SslSettings, TcpCheck, UrlCheck, VirtualServer, VirtualServerAddress,
};
use crate::config::tree::Statement;

/// The current name of a possibly deprecated keyword, noting the alias.
fn canonical<'s>(ctx: &mut Ctx, st: &'s Statement) -> &'s str {
    match keywords::alias_of(&st.keyword.text) {
        Some(new) => {
            ctx.alias_note(st, new);
            new
        }
        None => st.keyword.text.as_str(),
    }
}

/// `nb_get_retry` / `nb_sock_retry` outside HTTP_GET / SSL_GET: keepalived 2.2.7 accepts the
/// alias only in its HTTP checker (`check_http.c`); in TCP_CHECK and MISC_CHECK it says "Unknown
/// keyword" and the checker keeps its default `retry`. vrrplab applies the value as `retry`, so
/// the two would differ: a warning, not just the alias note.
fn retry_alias_outside_http(ctx: &mut Ctx, st: &Statement, kind: &str) {
    let word = &st.keyword.text;
    ctx.diags.push(
        Diagnostic::error(
            st.span(),
            format!("`{word}` is not a {kind} keyword: keepalived reports \"Unknown keyword\" and keeps the default retry"),
        )
        .with_label("keepalived -t fails on this line")
        .keepalived_runs()
        .with_help(format!("write `retry {}` so keepalived and vrrplab agree", st.args.first().map_or("N", |t| t.text.as_str()))),
    );
}

fn lvs_method(ctx: &mut Ctx, st: &Statement) -> Option<LvsMethod> {
    let t = ctx.arg(st, 0, "lvs_method DR")?;
    match t.text.to_ascii_uppercase().as_str() {
        "NAT" => Some(LvsMethod::Nat),
        "DR" => Some(LvsMethod::Dr),
        "TUN" => Some(LvsMethod::Tun),
        _ => {
            ctx.diags.push(
                Diagnostic::error(t.span, format!("unknown {} `{}`", st.keyword.text, t.text))
                    .with_label("expected NAT, DR or TUN")
                    .with_help("write `lvs_method NAT`, `lvs_method DR` or `lvs_method TUN`"),
            );
            None
        }
    }
}

/// Reads `virtual_server IP PORT | fwmark N | group NAME { … }`.
pub fn virtual_server(ctx: &mut Ctx, block: &Statement) -> Option<(VirtualServer, BlockSpans)> {
    let address = match block.args.first().map(|t| t.text.as_str()) {
        Some("fwmark") => {
            let t = ctx.arg(block, 1, "virtual_server fwmark 1")?;
            match t.text.parse::<u32>() {
                Ok(m) => VirtualServerAddress::Fwmark(m),
                Err(_) => {
                    ctx.diags.push(
                        Diagnostic::error(t.span, "fwmark must be a number")
                            .with_help("write `virtual_server fwmark 1 {`"),
                    );
                    return None;
                }
            }
        }
        Some("group") => VirtualServerAddress::Group(
            ctx.arg(block, 1, "virtual_server group NAME")?.text.clone(),
        ),
        Some(_) => {
            let address = ctx.ip(&block.args[0], "the virtual address")?;
            let port = match block.args.get(1) {
                Some(p) => Some(ctx.port(p)?),
                None => None,
            };
            VirtualServerAddress::Ip { address, port }
        }
        None => {
            ctx.diags.push(
                Diagnostic::error(block.span(), "virtual_server needs an address")
                    .with_help("write `virtual_server 192.0.2.100 80 {`"),
            );
            return None;
        }
    };
    let mut spans = BlockSpans {
        block: block.span(),
        ..BlockSpans::default()
    };
    let mut vs = VirtualServer {
        address,
        delay_loop: None,
        lvs_sched: None,
        lvs_method: None,
        persistence_timeout: None,
        persistence_granularity: None,
        protocol: None,
        ha_suspend: false,
        virtualhost: None,
        quorum: None,
        hysteresis: None,
        quorum_up: None,
        quorum_down: None,
        sorry_server: None,
        sorry_server_inhibit: false,
        alpha: false,
        omega: false,
        real_servers: Vec::new(),
    };
    for st in block.items() {
        spans.directives.insert(st.keyword.text.clone(), st.span());
        match canonical(ctx, st) {
            "delay_loop" => vs.delay_loop = ctx.timer(st, 0, 1, TIMER_MAX_US, ""),
            "lvs_sched" => vs.lvs_sched = ctx.arg(st, 0, "lvs_sched rr").map(|t| t.text.clone()),
            "lvs_method" => vs.lvs_method = lvs_method(ctx, st),
            "persistence_timeout" => {
                vs.persistence_timeout = if st.args.is_empty() {
                    Some(360)
                } else {
                    ctx.uint(st, 0, 1, 2_678_400, "remove the line for no persistence, or write seconds from 1 to 2678400 (31 days)")
                        .map(|v| v as u32)
                };
            }
            "persistence_granularity" => {
                vs.persistence_granularity = ctx
                    .arg(st, 0, "persistence_granularity 255.255.255.0")
                    .map(|t| t.text.clone())
            }
            "protocol" => {
                if let Some(t) = ctx.arg(st, 0, "protocol TCP") {
                    vs.protocol = match t.text.to_ascii_uppercase().as_str() {
                        "TCP" => Some(Protocol::Tcp),
                        "UDP" => Some(Protocol::Udp),
                        "SCTP" => Some(Protocol::Sctp),
                        _ => {
                            ctx.diags.push(
                                Diagnostic::error(t.span, format!("unknown protocol `{}`", t.text))
                                    .with_label("expected TCP, UDP or SCTP")
                                    .with_help("write `protocol TCP`"),
                            );
                            None
                        }
                    };
                }
            }
            "ha_suspend" => vs.ha_suspend = true,
            "virtualhost" => {
                vs.virtualhost = ctx
                    .arg(st, 0, "virtualhost www.example.com")
                    .map(|t| t.text.clone())
            }
            "quorum" => vs.quorum = ctx.uint(st, 0, 1, u32::MAX as u64, "").map(|v| v as u32),
            "hysteresis" => {
                vs.hysteresis = ctx.uint(st, 0, 0, u32::MAX as u64, "").map(|v| v as u32)
            }
            "quorum_up" => vs.quorum_up = ctx.command(st),
            "quorum_down" => vs.quorum_down = ctx.command(st),
            "sorry_server" => {
                if let Some(t) = ctx.arg(st, 0, "sorry_server 192.0.2.30 80")
                    && let Some(address) = ctx.ip(t, "the sorry server's address")
                {
                    let port = st.args.get(1).and_then(|p| ctx.port(p));
                    vs.sorry_server = Some(SorryServer { address, port });
                }
            }
            "sorry_server_inhibit" => vs.sorry_server_inhibit = true,
            "alpha" => vs.alpha = true,
            "omega" => vs.omega = true,
            "real_server" => {
                if let Some(rs) = real_server(ctx, st) {
                    vs.real_servers.push(rs);
                }
            }
            _ => ctx.unknown(st, "virtual_server", grammar::Context::VirtualServer),
        }
    }
    Some((vs, spans))
}

fn real_server(ctx: &mut Ctx, block: &Statement) -> Option<RealServer> {
    let t = ctx.arg(block, 0, "real_server 192.0.2.21 80")?;
    let address = ctx.ip(t, "the real server's address")?;
    let port = match block.args.get(1) {
        Some(p) => Some(ctx.port(p)?),
        None => None,
    };
    let mut rs = RealServer {
        address,
        port,
        weight: None,
        lvs_method: None,
        inhibit_on_failure: false,
        notify_up: None,
        notify_down: None,
        uthreshold: None,
        lthreshold: None,
        checkers: Vec::new(),
    };
    for st in block.items() {
        match canonical(ctx, st) {
            "weight" => {
                rs.weight = ctx
                    .int(st, 0, 0, 65535, "write a weight from 0 to 65535")
                    .map(|v| v as i32)
            }
            "lvs_method" => rs.lvs_method = lvs_method(ctx, st),
            "inhibit_on_failure" => rs.inhibit_on_failure = true,
            "notify_up" => rs.notify_up = ctx.command(st),
            "notify_down" => rs.notify_down = ctx.command(st),
            "uthreshold" => {
                rs.uthreshold = ctx.uint(st, 0, 0, u32::MAX as u64, "").map(|v| v as u32)
            }
            "lthreshold" => {
                rs.lthreshold = ctx.uint(st, 0, 0, u32::MAX as u64, "").map(|v| v as u32)
            }
            "TCP_CHECK" => rs.checkers.push(Checker::Tcp(TcpCheck {
                common: checker_items(ctx, st, None, None),
            })),
            "HTTP_GET" | "SSL_GET" => {
                let mut http = HttpCheck::default();
                http.common = checker_items(ctx, st, Some(&mut http), None);
                rs.checkers.push(if st.keyword.text == "HTTP_GET" {
                    Checker::Http(http)
                } else {
                    Checker::Ssl(http)
                });
            }
            "MISC_CHECK" => {
                let mut misc = MiscCheck::default();
                let common = checker_items(ctx, st, None, Some(&mut misc));
                misc.retry = common.retry;
                misc.delay_before_retry = common.delay_before_retry;
                misc.delay_loop = common.delay_loop;
                misc.warmup = common.warmup;
                if misc.misc_path.is_empty() {
                    ctx.diags.push(
                        Diagnostic::error(st.span(), "MISC_CHECK has no misc_path")
                            .with_help("add `misc_path \"/path/to/check arg\"`"),
                    );
                    continue;
                }
                rs.checkers.push(Checker::Misc(misc));
            }
            _ => ctx.unknown(st, "real_server", grammar::Context::RealServer),
        }
    }
    Some(rs)
}

/// Reads a checker block; HTTP- and MISC-specific options go to the given targets.
fn checker_items(
    ctx: &mut Ctx,
    block: &Statement,
    mut http: Option<&mut HttpCheck>,
    mut misc: Option<&mut MiscCheck>,
) -> CheckerCommon {
    let mut c = CheckerCommon::default();
    let kind = block.keyword.text.clone();
    for st in block.items() {
        let kw = if http.is_none() && keywords::alias_of(&st.keyword.text) == Some("retry") {
            retry_alias_outside_http(ctx, st, &kind);
            "retry"
        } else {
            canonical(ctx, st)
        };
        let network = misc.is_none();
        match kw {
            "connect_ip" if network => {
                c.connect_ip = ctx
                    .arg(st, 0, "connect_ip 192.0.2.21")
                    .and_then(|t| ctx.ip(t, "an address"))
            }
            "connect_port" if network => {
                c.connect_port = ctx.arg(st, 0, "connect_port 80").and_then(|t| ctx.port(t))
            }
            "bindto" if network => {
                c.bindto = ctx
                    .arg(st, 0, "bindto 192.0.2.10")
                    .and_then(|t| ctx.ip(t, "an address"))
            }
            "bind_port" if network => {
                c.bind_port = ctx.arg(st, 0, "bind_port 10000").and_then(|t| ctx.port(t))
            }
            "bind_if" if network => {
                c.bind_if = ctx.arg(st, 0, "bind_if eth0").map(|t| t.text.clone())
            }
            "fwmark" if network => {
                c.fwmark = ctx.uint(st, 0, 0, u32::MAX as u64, "").map(|v| v as u32)
            }
            "connect_timeout" if network => {
                c.connect_timeout = ctx.timer(st, 0, 1, TIMER_MAX_US, "")
            }
            "retry" => c.retry = ctx.uint(st, 0, 0, u32::MAX as u64, "").map(|v| v as u32),
            "delay_before_retry" => c.delay_before_retry = ctx.timer(st, 0, 0, TIMER_MAX_US, ""),
            "delay_loop" => c.delay_loop = ctx.timer(st, 0, 1, TIMER_MAX_US, ""),
            "warmup" => c.warmup = ctx.timer(st, 0, 0, TIMER_MAX_US, ""),
            "alpha" => c.alpha = true,
            "log_all_failures" => c.log_all_failures = true,
            _ => {
                if let Some(h) = http.as_deref_mut()
                    && http_item(ctx, st, kw, h, &kind)
                {
                    continue;
                }
                if let Some(m) = misc.as_deref_mut() {
                    match kw {
                        "misc_path" => {
                            m.misc_path = ctx.command(st).unwrap_or_default();
                            continue;
                        }
                        "misc_timeout" => {
                            m.misc_timeout = ctx.timer(st, 0, 1, TIMER_MAX_US, "");
                            continue;
                        }
                        "misc_dynamic" => {
                            m.misc_dynamic = true;
                            continue;
                        }
                        "user" => {
                            m.user = ctx.command(st);
                            continue;
                        }
                        _ => {}
                    }
                }
                ctx.unknown(st, &kind, grammar::Context::Checker);
            }
        }
    }
    c
}

fn http_item(ctx: &mut Ctx, st: &Statement, kw: &str, h: &mut HttpCheck, kind: &str) -> bool {
    match kw {
        "url" => {
            let mut url = UrlCheck::default();
            for item in st.items() {
                match item.keyword.text.as_str() {
                    "path" => {
                        url.path = ctx
                            .arg(item, 0, "path /health")
                            .map(|t| t.text.clone())
                            .unwrap_or_default()
                    }
                    "digest" => {
                        url.digest = ctx
                            .arg(item, 0, "digest 9b3a0c85a887a256d6939da88aabd8cd")
                            .map(|t| t.text.clone())
                    }
                    "status_code" => {
                        for t in &item.args {
                            let range = match t.text.split_once('-') {
                                Some((a, b)) => a.parse::<u16>().ok().zip(b.parse::<u16>().ok()),
                                None => t.text.parse::<u16>().ok().map(|c| (c, c)),
                            };
                            match range {
                                Some((a, b)) if (100..=599).contains(&a) && a <= b && b <= 599 => {
                                    url.status_code.push((a, b))
                                }
                                _ => ctx.diags.push(
                                    Diagnostic::error(
                                        t.span,
                                        format!("`{}` is not an HTTP status code or range", t.text),
                                    )
                                    .with_label("must be 100–599")
                                    .with_help("write `status_code 200` or `status_code 200-299`"),
                                ),
                            }
                        }
                    }
                    "virtualhost" => {
                        url.virtualhost = ctx
                            .arg(item, 0, "virtualhost www.example.com")
                            .map(|t| t.text.clone())
                    }
                    "regex" => url.regex = ctx.arg(item, 0, "regex \"OK\"").map(|t| t.text.clone()),
                    "regex_no_match" => url.regex_no_match = true,
                    _ => ctx.unknown(item, "url", grammar::Context::Url),
                }
            }
            if url.path.is_empty() {
                ctx.diags.push(
                    Diagnostic::error(st.span(), format!("url in {kind} has no path"))
                        .with_help("add `path /`"),
                );
            } else {
                h.urls.push(url);
            }
        }
        "virtualhost" => {
            h.virtualhost = ctx
                .arg(st, 0, "virtualhost www.example.com")
                .map(|t| t.text.clone())
        }
        "http_protocol" => {
            if let Some(t) = ctx.arg(st, 0, "http_protocol 1.1") {
                h.http_protocol = match t.text.as_str() {
                    "1.0" => Some(HttpProtocol::Http10),
                    "1.0C" | "1.0c" => Some(HttpProtocol::Http10C),
                    "1.1" => Some(HttpProtocol::Http11),
                    _ => {
                        ctx.diags.push(
                            Diagnostic::error(
                                t.span,
                                format!("unknown http_protocol `{}`", t.text),
                            )
                            .with_help("write `http_protocol 1.0`, `1.0C` or `1.1`"),
                        );
                        None
                    }
                };
            }
        }
        "enable_sni" => h.enable_sni = true,
        "sni_name" => {
            h.sni_name = ctx
                .arg(st, 0, "sni_name www.example.com")
                .map(|t| t.text.clone())
        }
        "tls_compliant" => h.tls_compliant = true,
        "fast_recovery" => h.fast_recovery = true,
        _ => return false,
    }
    true
}

/// Reads the top-level `SSL { password … ca … certificate … key … }` block. keepalived reads
/// each value as one word; an unknown keyword inside is reported like anywhere else.
pub fn ssl(ctx: &mut Ctx, block: &Statement) -> (SslSettings, BlockSpans) {
    let mut ssl = SslSettings::default();
    let mut spans = BlockSpans {
        block: block.span(),
        ..BlockSpans::default()
    };
    for st in block.items() {
        spans.directives.insert(st.keyword.text.clone(), st.span());
        let slot = match st.keyword.text.as_str() {
            "password" => &mut ssl.password,
            "ca" => &mut ssl.ca,
            "certificate" => &mut ssl.certificate,
            "key" => &mut ssl.key,
            _ => {
                ctx.unknown(st, "SSL", grammar::Context::Ssl);
                continue;
            }
        };
        let example = format!("{} /etc/keepalived/file.pem", st.keyword.text);
        if let Some(t) = ctx.arg(st, 0, &example) {
            *slot = Some(t.text.clone());
        }
    }
    (ssl, spans)
}
