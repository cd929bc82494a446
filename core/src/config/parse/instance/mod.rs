//! `vrrp_instance`: directives are collected as written, then keepalived's defaults and
//! inference are applied (`vrrp_complete_instance` in keepalived's `vrrp.c`).

mod address;
mod resolve;

use super::values::Ctx;
use crate::config::diagnostic::Diagnostic;
use crate::config::grammar;
use crate::config::model::{
    AuthType, BlockSpans, GlobalDefs, InitialState, UnicastPeer, VipEntry, VrrpInstance,
};
use crate::config::source::Span;
use crate::config::tree::Statement;
use crate::vrrp::config::NotifyConfig;
use crate::vrrp::{TrackRef, TrackedInterface};
use crate::wire::Version;
use std::net::IpAddr;
use std::time::Duration;

/// `vrrp_instance` directives as written, before inference.
#[derive(Default)]
pub(super) struct Written {
    pub(super) state: Option<InitialState>,
    pub(super) interface: Option<String>,
    pub(super) vrid: Option<u8>,
    pub(super) priority: Option<u8>,
    pub(super) advert_int: Option<(Duration, Span)>,
    pub(super) version: Option<Version>,
    pub(super) nopreempt: bool,
    pub(super) preempt_delay: Option<Duration>,
    pub(super) auth_type: Option<AuthType>,
    pub(super) auth_pass: Option<String>,
    pub(super) vips: Vec<(VipEntry, Span)>,
    /// Whether `virtual_ipaddress` had entries (valid or not).
    pub(super) vips_written: bool,
    pub(super) excluded: Vec<VipEntry>,
    pub(super) unicast_src_ip: Option<IpAddr>,
    pub(super) unicast_peers: Vec<UnicastPeer>,
    pub(super) mcast_src_ip: Option<IpAddr>,
    pub(super) mcast_dst_ip: Option<IpAddr>,
    pub(super) track_interfaces: Vec<TrackedInterface>,
    pub(super) track_scripts: Vec<TrackRef>,
    pub(super) track_files: Vec<TrackRef>,
    pub(super) notify: NotifyConfig,
    pub(super) accept: Option<bool>,
    pub(super) garp_master_delay: Option<Option<Duration>>,
    pub(super) garp_master_repeat: Option<u32>,
    pub(super) garp_master_refresh: Option<Option<Duration>>,
    pub(super) garp_master_refresh_repeat: Option<u32>,
    pub(super) garp_lower_prio_repeat: Option<u32>,
    pub(super) garp_lower_prio_delay: Option<Option<Duration>>,
    pub(super) lower_prio_no_advert: Option<bool>,
    pub(super) notify_priority_changes: Option<bool>,
    pub(super) higher_prio_send_advert: Option<bool>,
    pub(super) v3_checksum_as_v2: bool,
    pub(super) strict: Option<bool>,
    pub(super) skip_check_adv_addr: Option<bool>,
    pub(super) down_timer_adverts: Option<u32>,
    pub(super) dont_track_primary: bool,
    pub(super) check_unicast_src: bool,
    /// `use_vmac [NAME] [MAC]` as written.
    pub(super) use_vmac: Option<address::VmacArgs>,
    pub(super) vmac_xmit_base: bool,
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
    Some((resolve::resolve(ctx, name, vrid, w, g, &spans), spans))
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
                    _ => ctx.unknown(item, "authentication", grammar::Context::Authentication),
                }
            }
        }
        "virtual_ipaddress" => {
            for item in st.items() {
                w.vips_written = true;
                if let Some(v) = address::vip(ctx, item) {
                    w.vips.push((v, item.span()));
                }
            }
        }
        "virtual_ipaddress_excluded" => {
            for item in st.items() {
                if let Some(v) = address::vip(ctx, item) {
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
        "track_interface" | "track_script" | "track_file" => super::tracking::push_tracked(
            ctx,
            st,
            &mut w.track_interfaces,
            &mut w.track_scripts,
            &mut w.track_files,
        ),
        "notify_master" => w.notify.master = ctx.hook(st),
        "notify_backup" => w.notify.backup = ctx.hook(st),
        "notify_fault" => w.notify.fault = ctx.hook(st),
        "notify_stop" => w.notify.stop = ctx.hook(st),
        "notify" => w.notify.generic = ctx.hook(st),
        "notify_master_rx_lower_pri" => w.notify.master_rx_lower_pri = ctx.hook(st),
        "notify_priority_changes" => w.notify_priority_changes = Some(ctx.flag(st)),
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
            w.garp_lower_prio_delay = ctx
                .uint(st, 0, 0, 4_294_967, "")
                .map(|v| (v > 0).then(|| Duration::from_secs(v)))
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
        "use_vmac" => w.use_vmac = Some(address::vmac_args(ctx, st)),
        "vmac_xmit_base" => w.vmac_xmit_base = true,
        _ => ctx.unknown(st, "vrrp_instance", grammar::Context::Instance),
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
