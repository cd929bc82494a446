//! `vrrp_instance`: directives are collected as written, then keepalived's defaults and
//! inference are applied (`vrrp_complete_instance` in keepalived's `vrrp.c`).

use super::values::Ctx;
use crate::config::diagnostic::Diagnostic;
use crate::config::model::{
    AuthSettings, AuthType, BlockSpans, GlobalDefs, InitialState, UnicastPeer, VipEntry,
    VrrpInstance,
};
use crate::config::source::Span;
use crate::config::tree::Statement;
use crate::vrrp::config::NotifyConfig;
use crate::vrrp::{GarpConfig, Preempt, TrackRef, TrackedInterface};
use crate::wire::{Family, Version};
use std::net::IpAddr;
use std::time::Duration;

const KNOWN: &[&str] = &[
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
];

/// `vrrp_instance` directives as written, before inference.
#[derive(Default)]
struct Written {
    state: Option<InitialState>,
    interface: Option<String>,
    vrid: Option<u8>,
    priority: Option<u8>,
    advert_int: Option<(Duration, Span)>,
    version: Option<Version>,
    nopreempt: bool,
    preempt_delay: Option<Duration>,
    auth_type: Option<AuthType>,
    auth_pass: Option<String>,
    vips: Vec<(VipEntry, Span)>,
    excluded: Vec<VipEntry>,
    unicast_src_ip: Option<IpAddr>,
    unicast_peers: Vec<UnicastPeer>,
    mcast_src_ip: Option<IpAddr>,
    mcast_dst_ip: Option<IpAddr>,
    track_interfaces: Vec<TrackedInterface>,
    track_scripts: Vec<TrackRef>,
    track_files: Vec<TrackRef>,
    notify: NotifyConfig,
    accept: Option<bool>,
    garp_master_delay: Option<Option<Duration>>,
    garp_master_repeat: Option<u32>,
    garp_master_refresh: Option<Option<Duration>>,
    garp_master_refresh_repeat: Option<u32>,
    garp_lower_prio_repeat: Option<u32>,
    lower_prio_no_advert: Option<bool>,
    higher_prio_send_advert: Option<bool>,
    v3_checksum_as_v2: bool,
    strict: Option<bool>,
    skip_check_adv_addr: Option<bool>,
    down_timer_adverts: Option<u32>,
    dont_track_primary: bool,
    check_unicast_src: bool,
}

/// Reads one `vrrp_instance NAME { … }`; `None` when it cannot run (no valid VRID).
pub fn vrrp_instance(
    ctx: &mut Ctx,
    block: &Statement,
    g: &GlobalDefs,
) -> Option<(VrrpInstance, BlockSpans)> {
    let name = match block.args.first() {
        Some(t) => t.text.clone(),
        None => {
            ctx.diags.push(
                Diagnostic::error(block.span(), "vrrp_instance needs a name")
                    .with_help("write `vrrp_instance VI_1 {`"),
            );
            return None;
        }
    };
    let mut spans = BlockSpans {
        block: block.span(),
        ..BlockSpans::default()
    };
    let mut w = Written::default();
    for st in block.items() {
        spans.directives.insert(st.keyword.text.clone(), st.span());
        directive(ctx, st, &mut w);
    }
    let w = w;
    let Some(vrid) = w.vrid else {
        if !spans.directives.contains_key("virtual_router_id") {
            ctx.diags.push(
                Diagnostic::error(block.span(), format!("vrrp_instance {name} has no virtual_router_id"))
                    .with_label("VRID missing")
                    .with_help("add `virtual_router_id N` (1–255, the same on every node of this virtual router)"),
            );
        }
        return None;
    };
    Some((resolve(ctx, name, vrid, w, g, &spans), spans))
}

fn directive(ctx: &mut Ctx, st: &Statement, w: &mut Written) {
    let kw = st.keyword.text.as_str();
    match kw {
        "state" => {
            if let Some(t) = ctx.arg(st, 0, "state BACKUP") {
                match t.text.as_str() {
                    "MASTER" => w.state = Some(InitialState::Master),
                    "BACKUP" => w.state = Some(InitialState::Backup),
                    other => ctx.diags.push(
                        Diagnostic::error(t.span, format!("unknown state `{other}`"))
                            .with_label("expected MASTER or BACKUP")
                            .with_help("write `state MASTER` or `state BACKUP` (upper case)"),
                    ),
                }
            }
        }
        "interface" => w.interface = ctx.arg(st, 0, "interface eth0").map(|t| t.text.clone()),
        "virtual_router_id" => {
            w.vrid = ctx
                .uint(
                    st,
                    0,
                    1,
                    255,
                    "write a VRID from 1 to 255, the same on every node of this virtual router",
                )
                .map(|v| v as u8);
        }
        "priority" => {
            w.priority = ctx
                .uint(
                    st,
                    0,
                    1,
                    255,
                    "write a priority from 1 to 254 (255 only on the address owner)",
                )
                .map(|v| v as u8);
        }
        "advert_int" => {
            w.advert_int = ctx
                .timer(
                    st,
                    0,
                    10_000,
                    255_000_000,
                    "write seconds: whole seconds 1–255 for VRRPv2, or 0.01–40.95 for VRRPv3",
                )
                .map(|d| (d, st.args[0].span));
        }
        "version" => {
            if let Some(v) = ctx.uint(st, 0, 2, 3, "write `version 2` or `version 3`") {
                w.version = Some(if v == 3 { Version::V3 } else { Version::V2 });
            }
        }
        "preempt" => {}
        "nopreempt" => w.nopreempt = true,
        "preempt_delay" => {
            w.preempt_delay = ctx.timer(
                st,
                0,
                0,
                1_000_000_000,
                "write a delay in seconds from 0 to 1000",
            );
        }
        "authentication" => {
            for item in st.items() {
                match item.keyword.text.as_str() {
                    "auth_type" => {
                        if let Some(t) = ctx.arg(item, 0, "auth_type PASS") {
                            match t.text.as_str() {
                                "PASS" => w.auth_type = Some(AuthType::Pass),
                                "AH" => w.auth_type = Some(AuthType::Ah),
                                other => ctx.diags.push(
                                    Diagnostic::error(
                                        t.span,
                                        format!("unknown auth_type `{other}`"),
                                    )
                                    .with_label("expected PASS or AH")
                                    .with_help("write `auth_type PASS`"),
                                ),
                            }
                        }
                    }
                    "auth_pass" => {
                        if let Some(t) = ctx.arg(item, 0, "auth_pass secret12") {
                            let mut pass = t.text.clone();
                            if pass.len() > 8 {
                                ctx.diags.push(
                                    Diagnostic::warning(
                                        t.span,
                                        format!(
                                            "auth_pass is {} bytes; only the first 8 are used",
                                            pass.len()
                                        ),
                                    )
                                    .with_label("truncated to 8 bytes")
                                    .with_help("write a password of at most 8 characters"),
                                );
                                let mut cut = 8;
                                while !pass.is_char_boundary(cut) {
                                    cut -= 1;
                                }
                                pass.truncate(cut);
                            }
                            w.auth_pass = Some(pass);
                        }
                    }
                    _ => ctx.unknown(item, "authentication", &["auth_type", "auth_pass"]),
                }
            }
        }
        "virtual_ipaddress" => {
            for item in st.items() {
                if let Some(v) = vip(ctx, item) {
                    w.vips.push((v, item.span()));
                }
            }
        }
        "virtual_ipaddress_excluded" => {
            for item in st.items() {
                if let Some(v) = vip(ctx, item) {
                    w.excluded.push(v);
                }
            }
        }
        "unicast_src_ip" => {
            if let Some(t) = ctx.arg(st, 0, "unicast_src_ip 192.0.2.11") {
                w.unicast_src_ip = ctx.ip(t, "the local address");
            }
        }
        "mcast_src_ip" => {
            if let Some(t) = ctx.arg(st, 0, "mcast_src_ip 192.0.2.11") {
                w.mcast_src_ip = ctx.ip(t, "the local address");
            }
        }
        "mcast_dst_ip" => {
            if let Some(t) = ctx.arg(st, 0, "mcast_dst_ip 224.0.0.18") {
                w.mcast_dst_ip = ctx.ip(t, "a multicast group");
            }
        }
        "unicast_peer" => {
            for item in st.items() {
                let Some(address) = ctx.ip(&item.keyword, "a peer address") else {
                    continue;
                };
                let mut peer = UnicastPeer {
                    address,
                    min_ttl: None,
                    max_ttl: None,
                };
                let mut i = 0;
                while i < item.args.len() {
                    let opt = &item.args[i];
                    let value = item.args.get(i + 1).and_then(|v| v.text.parse::<u8>().ok());
                    match (opt.text.as_str(), value) {
                        ("min_ttl", Some(v)) => peer.min_ttl = Some(v),
                        ("max_ttl", Some(v)) => peer.max_ttl = Some(v),
                        _ => {
                            ctx.diags.push(
                                Diagnostic::error(
                                    opt.span,
                                    format!("unknown unicast_peer option `{}`", opt.text),
                                )
                                .with_help(
                                    "write `ADDRESS [min_ttl N] [max_ttl N]` with N in 0–255",
                                ),
                            );
                            break;
                        }
                    }
                    i += 2;
                }
                w.unicast_peers.push(peer);
            }
        }
        "track_interface" => {
            for item in st.items() {
                let weight = weight_option(ctx, item, -253, 253).unwrap_or(0);
                w.track_interfaces.push(TrackedInterface {
                    name: item.keyword.text.clone(),
                    weight,
                });
            }
        }
        "track_script" | "track_file" => {
            for item in st.items() {
                let r = TrackRef {
                    name: item.keyword.text.clone(),
                    weight: weight_option(ctx, item, -253, 253),
                };
                if kw == "track_script" {
                    w.track_scripts.push(r);
                } else {
                    w.track_files.push(r);
                }
            }
        }
        "notify_master" => w.notify.master = ctx.command(st),
        "notify_backup" => w.notify.backup = ctx.command(st),
        "notify_fault" => w.notify.fault = ctx.command(st),
        "notify_stop" => w.notify.stop = ctx.command(st),
        "notify" => w.notify.generic = ctx.command(st),
        "accept" => w.accept = Some(true),
        "no_accept" => w.accept = Some(false),
        "garp_master_delay" => {
            w.garp_master_delay = ctx
                .uint(
                    st,
                    0,
                    0,
                    4_294_967,
                    "write seconds; 0 disables the second burst",
                )
                .map(|v| (v > 0).then(|| Duration::from_secs(v)));
        }
        "garp_master_repeat" => {
            w.garp_master_repeat = ctx.uint(st, 0, 1, 4_294_967_295, "").map(|v| v as u32)
        }
        "garp_master_refresh" => {
            w.garp_master_refresh = ctx
                .uint(st, 0, 0, 4_294_967, "write seconds; 0 disables refresh")
                .map(|v| (v > 0).then(|| Duration::from_secs(v)));
        }
        "garp_master_refresh_repeat" => {
            w.garp_master_refresh_repeat = ctx.uint(st, 0, 1, 4_294_967_295, "").map(|v| v as u32)
        }
        "garp_lower_prio_repeat" => {
            w.garp_lower_prio_repeat = ctx.uint(st, 0, 0, 4_294_967_295, "").map(|v| v as u32)
        }
        "garp_lower_prio_delay" => {
            let _ = ctx.uint(st, 0, 0, 4_294_967, "");
        }
        "lower_prio_no_advert" => w.lower_prio_no_advert = Some(ctx.flag(st)),
        "higher_prio_send_advert" => w.higher_prio_send_advert = Some(ctx.flag(st)),
        "v3_checksum_as_v2" => w.v3_checksum_as_v2 = ctx.flag(st),
        "strict_mode" => w.strict = Some(ctx.flag(st)),
        "skip_check_adv_addr" => w.skip_check_adv_addr = Some(ctx.flag(st)),
        "down_timer_adverts" => {
            w.down_timer_adverts = ctx.uint(st, 0, 1, 100, "").map(|v| v as u32)
        }
        "dont_track_primary" => w.dont_track_primary = true,
        "check_unicast_src" => w.check_unicast_src = ctx.flag(st),
        _ => ctx.unknown(st, "vrrp_instance", KNOWN),
    }
}

/// `weight N` after a tracked name (`None` when not given).
pub fn weight_option(ctx: &mut Ctx, item: &Statement, min: i64, max: i64) -> Option<i32> {
    let first = item.args.first()?;
    if first.text != "weight" {
        ctx.diags.push(
            Diagnostic::warning(
                first.span,
                format!("unexpected `{}` after `{}`", first.text, item.keyword.text),
            )
            .with_label("ignored")
            .with_help(format!("write `{} weight N`", item.keyword.text)),
        );
        return None;
    }
    let Some(value) = item.args.get(1) else {
        ctx.diags.push(
            Diagnostic::error(first.span, "`weight` needs a number")
                .with_help(format!("write `{} weight -20`", item.keyword.text)),
        );
        return None;
    };
    match value.text.parse::<i64>() {
        Ok(v) if (min..=max).contains(&v) => Some(v as i32),
        _ => {
            ctx.diags.push(
                Diagnostic::error(value.span, format!("weight {} is out of range", value.text))
                    .with_label(format!("must be {min}–{max}"))
                    .with_help(format!("write a weight from {min} to {max}")),
            );
            None
        }
    }
}

/// One `virtual_ipaddress` line: `ADDRESS[/LEN] [brd A] [dev IF] [scope S] [label L] …`.
fn vip(ctx: &mut Ctx, item: &Statement) -> Option<VipEntry> {
    let (address, len) = ctx.ip_prefix(&item.keyword)?;
    let mut v = VipEntry::new(address);
    if let Some(l) = len {
        v.prefix_len = l;
    }
    let mut i = 0;
    while i < item.args.len() {
        let opt = &item.args[i];
        let value = item.args.get(i + 1);
        let needs_value = [
            "brd",
            "broadcast",
            "dev",
            "scope",
            "label",
            "peer",
            "preferred_lft",
        ];
        if needs_value.contains(&opt.text.as_str()) {
            let Some(value) = value else {
                ctx.diags.push(
                    Diagnostic::error(opt.span, format!("`{}` needs a value", opt.text))
                        .with_help(format!("write `{} VALUE` after the address", opt.text)),
                );
                return None;
            };
            match opt.text.as_str() {
                "brd" | "broadcast" => v.brd = ctx.ip(value, "a broadcast address"),
                "dev" => v.dev = Some(value.text.clone()),
                "scope" => v.scope = Some(value.text.clone()),
                "label" => v.label = Some(value.text.clone()),
                "peer" => v.peer = Some(value.text.clone()),
                _ => match value.text.parse::<u32>() {
                    Ok(n) => v.preferred_lft = Some(n),
                    Err(_) => ctx.diags.push(
                        Diagnostic::error(value.span, "preferred_lft needs a number of seconds")
                            .with_help("write `preferred_lft 0` or `preferred_lft forever` is not accepted; use a number"),
                    ),
                },
            }
            i += 2;
            continue;
        }
        match opt.text.as_str() {
            "home" | "-nodad" | "nodad" | "mngtmpaddr" | "noprefixroute" | "autojoin"
            | "no_track" => v.flags.push(opt.text.clone()),
            "use_vmac" => ctx.diags.push(
                Diagnostic::warning(opt.span, "recognised, not supported: use_vmac")
                    .with_label("ignored by vrrplab")
                    .with_help(
                        "remove `use_vmac`; vrrplab adds the address to the interface itself",
                    ),
            ),
            other => {
                ctx.diags.push(
                    Diagnostic::error(opt.span, format!("unknown address option `{other}`"))
                        .with_label("not an ip-address option")
                        .with_help("options are brd, dev, scope, label, peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, preferred_lft"),
                );
                return None;
            }
        }
        i += 1;
    }
    Some(v)
}

fn resolve(
    ctx: &mut Ctx,
    name: String,
    vrid: u8,
    w: Written,
    g: &GlobalDefs,
    spans: &BlockSpans,
) -> VrrpInstance {
    // Family: decided by the first virtual address; all must agree (man5 ~2097).
    let family = w
        .vips
        .first()
        .map(|(v, _)| Family::of(&v.address))
        .unwrap_or(Family::Ipv4);
    for (v, span) in &w.vips {
        if Family::of(&v.address) != family {
            ctx.diags.push(
                Diagnostic::error(*span, format!("virtual_ipaddress mixes IPv4 and IPv6 in vrrp_instance {name}"))
                    .with_label("different family from the first address")
                    .with_help("put addresses of the other family in virtual_ipaddress_excluded or in a second vrrp_instance"),
            );
        }
    }
    if w.vips.is_empty() {
        ctx.diags.push(
            Diagnostic::warning(
                spans.block,
                format!("vrrp_instance {name} has no virtual_ipaddress"),
            )
            .with_label("adverts will carry no address")
            .with_help("add `virtual_ipaddress { ADDRESS/PREFIX }`"),
        );
    }
    let strict = w.strict.unwrap_or(g.vrrp_strict);
    let mut version = w.version.unwrap_or(g.vrrp_version);
    if family == Family::Ipv6 && version == Version::V2 {
        if w.version == Some(Version::V2) {
            ctx.diags.push(
                Diagnostic::warning(
                    spans.of("version"),
                    format!("vrrp_instance {name} is IPv6, which needs VRRPv3; using version 3"),
                )
                .with_help("write `version 3` or remove the line"),
            );
        }
        version = Version::V3;
    }
    // state / priority inference (vrrp.c 3300–3318).
    let (state, priority) = match (w.state, w.priority) {
        (Some(s), Some(p)) => (s, p),
        (Some(InitialState::Master), None) => (InitialState::Master, 255),
        (Some(InitialState::Backup), None) => (InitialState::Backup, 100),
        (None, Some(255)) => (InitialState::Master, 255),
        (None, Some(p)) => (InitialState::Backup, p),
        (None, None) => (InitialState::Backup, 100),
    };
    if w.state == Some(InitialState::Backup) && priority == 255 {
        ctx.diags.push(
            Diagnostic::warning(
                spans.of("state"),
                format!("vrrp_instance {name} has priority 255 (address owner) but state BACKUP"),
            )
            .with_help(
                "an owner always starts as MASTER; write `state MASTER` or lower the priority",
            ),
        );
    }
    // advert_int: v2 whole seconds (rounded), v3 centiseconds up to 40.95 s (vrrp.c ~3716).
    let mut advert_int = Duration::from_secs(1);
    if let Some((d, span)) = w.advert_int {
        let micros = d.as_micros() as u64;
        match version {
            Version::V2 => {
                let secs = ((micros + 500_000) / 1_000_000).clamp(1, 255);
                if !micros.is_multiple_of(1_000_000) {
                    ctx.diags.push(
                        Diagnostic::warning(
                            span,
                            format!(
                                "VRRPv2 advert_int must be whole seconds; {} is rounded to {secs}",
                                super::values::format_seconds(d)
                            ),
                        )
                        .with_label(format!("used as {secs}"))
                        .with_help("write whole seconds, or `version 3` for sub-second adverts"),
                    );
                }
                advert_int = Duration::from_secs(secs);
            }
            Version::V3 => {
                let centis = (micros + 5_000) / 10_000;
                if centis > 4095 {
                    ctx.diags.push(
                        Diagnostic::error(
                            span,
                            format!(
                                "advert_int {} is out of range for VRRPv3",
                                super::values::format_seconds(d)
                            ),
                        )
                        .with_label("must be 0.01–40.95 s")
                        .with_help("write an interval from 0.01 to 40.95 seconds"),
                    );
                } else {
                    if !micros.is_multiple_of(10_000) {
                        ctx.diags.push(
                            Diagnostic::warning(
                                span,
                                "VRRPv3 advert_int is in centiseconds; the value is rounded",
                            )
                            .with_help("write a multiple of 0.01 s"),
                        );
                    }
                    advert_int = Duration::from_millis(centis.max(1) * 10);
                }
            }
        }
    }
    // preempt (vrrp.c ~3546–3570).
    let mut preempt = match (w.nopreempt, w.preempt_delay) {
        (true, Some(_)) => {
            ctx.diags.push(
                Diagnostic::warning(
                    spans.of("preempt_delay"),
                    format!(
                        "vrrp_instance {name} sets both nopreempt and preempt_delay; nopreempt wins"
                    ),
                )
                .with_help("keep only one of them"),
            );
            Preempt::Disabled
        }
        (true, None) => Preempt::Disabled,
        (false, Some(d)) if strict => {
            ctx.diags.push(
                Diagnostic::error(
                    spans.of("preempt_delay"),
                    "preempt_delay is not allowed with vrrp_strict",
                )
                .with_help("remove preempt_delay or vrrp_strict"),
            );
            let _ = d;
            Preempt::Enabled
        }
        (false, Some(d)) if d.is_zero() => Preempt::Enabled,
        (false, Some(d)) => Preempt::Delay(d),
        (false, None) => Preempt::Enabled,
    };
    if state == InitialState::Master && preempt != Preempt::Enabled {
        let which = if w.nopreempt {
            "nopreempt"
        } else {
            "preempt_delay"
        };
        ctx.diags.push(
            Diagnostic::warning(
                spans.of(which),
                format!("{which} is ignored because vrrp_instance {name} has state MASTER"),
            )
            .with_label("cleared by keepalived")
            .with_help(format!(
                "write `state BACKUP` on every node when using {which}"
            )),
        );
        preempt = Preempt::Enabled;
    }
    // authentication: v2 only; refused in strict mode.
    let mut authentication = match (w.auth_type, w.auth_pass) {
        (Some(AuthType::Pass), Some(password)) => Some(AuthSettings {
            auth_type: AuthType::Pass,
            password,
        }),
        (Some(AuthType::Pass), None) => {
            ctx.diags.push(
                Diagnostic::error(
                    spans.of("authentication"),
                    "auth_type PASS without auth_pass",
                )
                .with_help("add `auth_pass PASSWORD` (up to 8 characters) inside authentication"),
            );
            None
        }
        (Some(AuthType::Ah), pass) => {
            ctx.diags.push(
                Diagnostic::warning(
                    spans.of("authentication"),
                    "recognised, not supported: auth_type AH",
                )
                .with_help("use auth_type PASS, or no authentication"),
            );
            Some(AuthSettings {
                auth_type: AuthType::Ah,
                password: pass.unwrap_or_default(),
            })
        }
        (None, Some(password)) => {
            ctx.diags.push(
                Diagnostic::note(
                    spans.of("authentication"),
                    "auth_pass without auth_type: PASS is assumed",
                )
                .with_help("write `auth_type PASS`"),
            );
            Some(AuthSettings {
                auth_type: AuthType::Pass,
                password,
            })
        }
        (None, None) => None,
    };
    if authentication.is_some() && version == Version::V3 {
        ctx.diags.push(
            Diagnostic::warning(
                spans.of("authentication"),
                "VRRP version 3 does not support authentication; it is ignored",
            )
            .with_help("remove the authentication block"),
        );
        authentication = None;
    }
    if authentication.is_some() && strict {
        ctx.diags.push(
            Diagnostic::error(
                spans.of("authentication"),
                "authentication is not allowed with vrrp_strict",
            )
            .with_help("remove the authentication block or vrrp_strict"),
        );
        authentication = None;
    }
    if strict && !w.unicast_peers.is_empty() {
        ctx.diags.push(
            Diagnostic::error(
                spans.of("unicast_peer"),
                "unicast_peer is not allowed with vrrp_strict",
            )
            .with_help("remove unicast_peer (use multicast) or remove vrrp_strict"),
        );
    }
    for (what, addr) in [
        ("unicast_src_ip", w.unicast_src_ip),
        ("mcast_src_ip", w.mcast_src_ip),
    ] {
        if let Some(a) = addr
            && Family::of(&a) != family
        {
            ctx.diags.push(
                Diagnostic::error(
                    spans.of(what),
                    format!("{what} {a} is not of the instance's address family"),
                )
                .with_help("use an address of the same family as the virtual addresses"),
            );
        }
    }
    for p in &w.unicast_peers {
        if Family::of(&p.address) != family {
            ctx.diags.push(
                Diagnostic::error(
                    spans.of("unicast_peer"),
                    format!(
                        "unicast_peer {} is not of the instance's address family",
                        p.address
                    ),
                )
                .with_help("list peers of the same family as the virtual addresses"),
            );
        }
    }
    // accept (vrrp.c ~3595): default on unless strict; owners always accept.
    let mut accept = w.accept.unwrap_or(!strict) || priority == 255;
    if strict && version == Version::V2 && w.accept == Some(true) && priority != 255 {
        ctx.diags.push(
            Diagnostic::error(
                spans.of("accept"),
                "accept mode is not allowed with vrrp_strict and VRRPv2",
            )
            .with_help("remove `accept`, or use `version 3`"),
        );
        accept = false;
    }
    let mcast_dst_ip = w.mcast_dst_ip.unwrap_or(match family {
        Family::Ipv4 => IpAddr::V4(g.vrrp_mcast_group4),
        Family::Ipv6 => IpAddr::V6(g.vrrp_mcast_group6),
    });
    let garp = GarpConfig {
        master_delay: w.garp_master_delay.unwrap_or(g.vrrp_garp_master_delay),
        master_repeat: w.garp_master_repeat.unwrap_or(g.vrrp_garp_master_repeat),
        master_refresh: w.garp_master_refresh.unwrap_or(g.vrrp_garp_master_refresh),
        master_refresh_repeat: w
            .garp_master_refresh_repeat
            .unwrap_or(g.vrrp_garp_master_refresh_repeat),
        interval: match family {
            Family::Ipv4 => g.vrrp_garp_interval,
            Family::Ipv6 => g.vrrp_gna_interval,
        }
        .unwrap_or(Duration::ZERO),
        lower_prio_repeat: w
            .garp_lower_prio_repeat
            .unwrap_or(g.vrrp_garp_lower_prio_repeat),
    };
    if let Some(own) = w.interface.as_deref()
        && w.track_interfaces.iter().any(|t| t.name == own)
    {
        ctx.diags.push(
            Diagnostic::note(
                spans.of("track_interface"),
                format!(
                    "track_interface {own} is the instance's own interface, which is always tracked"
                ),
            )
            .with_help(format!(
                "remove {own} from track_interface (keepalived ignores it)"
            )),
        );
    }
    let check_unicast_src = w.check_unicast_src
        || g.vrrp_check_unicast_src
        || w.unicast_peers
            .iter()
            .any(|p| p.min_ttl.is_some() || p.max_ttl.is_some());
    let interface = match w.interface {
        Some(i) => i,
        None => {
            ctx.diags.push(
                Diagnostic::warning(spans.block, format!("vrrp_instance {name} has no interface; keepalived uses default_interface {}", g.default_interface))
                    .with_help("add `interface IFNAME`"),
            );
            g.default_interface.clone()
        }
    };
    VrrpInstance {
        name,
        state,
        interface,
        vrid,
        priority,
        advert_int,
        version,
        family,
        preempt,
        authentication,
        virtual_ipaddress: w.vips.into_iter().map(|(v, _)| v).collect(),
        virtual_ipaddress_excluded: w.excluded,
        unicast_src_ip: w.unicast_src_ip,
        unicast_peers: w.unicast_peers,
        mcast_src_ip: w.mcast_src_ip,
        mcast_dst_ip,
        track_interfaces: w.track_interfaces,
        track_scripts: w.track_scripts,
        track_files: w.track_files,
        notify: w.notify,
        accept,
        garp,
        lower_prio_no_advert: strict
            || w.lower_prio_no_advert
                .unwrap_or(g.vrrp_lower_prio_no_advert),
        higher_prio_send_advert: !strict
            && w.higher_prio_send_advert
                .unwrap_or(g.vrrp_higher_prio_send_advert),
        v3_checksum_as_v2: w.v3_checksum_as_v2,
        strict,
        skip_check_adv_addr: w.skip_check_adv_addr.unwrap_or(g.vrrp_skip_check_adv_addr),
        down_timer_adverts: w.down_timer_adverts.unwrap_or(3),
        dont_track_primary: w.dont_track_primary,
        check_unicast_src,
    }
}
