//! keepalived's defaults and inference for one `vrrp_instance` (`vrrp_complete_instance`):
//! family, version, state/priority, advert_int rounding, preempt, authentication, strict mode,
//! accept, GARP inheritance from `global_defs`.

use super::super::values::Ctx;
use super::Written;
use crate::config::diagnostic::Diagnostic;
use crate::config::model::{
    AuthSettings, AuthType, BlockSpans, GlobalDefs, InitialState, VrrpInstance,
};
use crate::vrrp::{GarpConfig, Preempt};
use crate::wire::{Family, Version};
use std::net::IpAddr;
use std::time::Duration;

/// Applies keepalived's inference to what was written.
pub(super) fn resolve(
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
    // keepalived: "No VIP specified" (exit status 5). When the block was written, its
    // entries' own errors (if any) come first; an empty block is reported at its keyword.
    if w.vips.is_empty() && !w.vips_written {
        let written = spans.directives.get("virtual_ipaddress").copied();
        ctx.diags.push(
            Diagnostic::error(
                written.unwrap_or(spans.block),
                if written.is_some() {
                    format!("virtual_ipaddress of vrrp_instance {name} is empty")
                } else {
                    format!("vrrp_instance {name} has no virtual_ipaddress")
                },
            )
            .with_label("keepalived -t: \"No VIP specified\"")
            .keepalived_runs()
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
                        Diagnostic::error(
                            span,
                            format!(
                                "VRRPv2 advert_int must be whole seconds; {} is rounded to {secs}",
                                super::super::values::format_seconds(d)
                            ),
                        )
                        .with_label(format!("keepalived rounds it to {secs} and reports it"))
                        .keepalived_runs()
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
                                super::super::values::format_seconds(d)
                            ),
                        )
                        .with_label("must be 0.01–40.95 s")
                        .with_help("write an interval from 0.01 to 40.95 seconds"),
                    );
                } else {
                    if !micros.is_multiple_of(10_000) {
                        ctx.diags.push(
                            Diagnostic::error(
                                span,
                                "VRRPv3 advert_int is in centiseconds; the value is rounded",
                            )
                            .with_label("keepalived rounds it and reports it")
                            .keepalived_runs()
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
                Diagnostic::error(
                    spans.of("preempt_delay"),
                    format!(
                        "vrrp_instance {name} sets both nopreempt and preempt_delay; nopreempt wins"
                    ),
                )
                .with_label("keepalived resets preempt_delay and reports it")
                .keepalived_runs()
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
            Diagnostic::error(
                spans.of(which),
                format!("{which} is ignored because vrrp_instance {name} has state MASTER"),
            )
            .with_label("keepalived clears it and reports it")
            .keepalived_runs()
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
            Diagnostic::error(
                spans.of("authentication"),
                "VRRP version 3 does not support authentication; it is ignored",
            )
            .with_label("keepalived ignores it and reports it")
            .keepalived_runs()
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
        // keepalived 2.2.7 -t accepts this (exit status 0), though RFC-strict VRRP is multicast.
        ctx.diags.push(
            Diagnostic::warning(
                spans.of("unicast_peer"),
                "unicast_peer with vrrp_strict: VRRP as the RFC defines it is multicast",
            )
            .with_label("keepalived accepts this")
            .with_help(
                "remove unicast_peer (use multicast) or vrrp_strict if strict compliance matters",
            ),
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
    let master_delay = w.garp_master_delay.unwrap_or(g.vrrp_garp_master_delay);
    let master_repeat = w.garp_master_repeat.unwrap_or(g.vrrp_garp_master_repeat);
    let garp = GarpConfig {
        master_delay,
        master_repeat,
        master_refresh: w.garp_master_refresh.unwrap_or(g.vrrp_garp_master_refresh),
        master_refresh_repeat: w
            .garp_master_refresh_repeat
            .unwrap_or(g.vrrp_garp_master_refresh_repeat),
        interval: match family {
            Family::Ipv4 => g.vrrp_garp_interval,
            Family::Ipv6 => g.vrrp_gna_interval,
        }
        .unwrap_or(Duration::ZERO),
        // keepalived: lower-priority bursts default to the master burst settings; strict
        // mode allows neither.
        lower_prio_repeat: if strict {
            0
        } else {
            w.garp_lower_prio_repeat
                .or(g.vrrp_garp_lower_prio_repeat)
                .unwrap_or(master_repeat)
        },
        lower_prio_delay: if strict {
            None
        } else {
            w.garp_lower_prio_delay
                .or(g.vrrp_garp_lower_prio_delay)
                .unwrap_or(master_delay)
        },
    };
    if let Some(own) = w.interface.as_deref()
        && w.track_interfaces.iter().any(|t| t.name == own)
    {
        ctx.diags.push(
            Diagnostic::warning(
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
    let use_vmac = vmac(
        ctx,
        VmacWritten {
            use_vmac: w.use_vmac.clone(),
            xmit_base: w.vmac_xmit_base,
            unicast: !w.unicast_peers.is_empty(),
        },
        vrid,
        family,
        strict,
        spans,
    );
    let interface = match w.interface {
        Some(i) => i,
        None => {
            ctx.diags.push(
                Diagnostic::error(spans.block, format!("vrrp_instance {name} has no interface"))
                    .with_label(format!("keepalived -t: \"Unknown interface!\" (vrrplab would use default_interface {})", g.default_interface))
                    .keepalived_runs()
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
        notify_priority_changes: w
            .notify_priority_changes
            .unwrap_or(g.vrrp_notify_priority_changes),
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
        use_vmac,
    }
}

/// `use_vmac` resolved: keepalived's default name `vrrp.VRID` and the family's virtual MAC (a
/// MAC written with five octets takes the VRID as its sixth). With unicast peers keepalived
/// requires `vmac_xmit_base`; vrrp_strict forbids it.
/// What the instance wrote about VMACs.
struct VmacWritten {
    use_vmac: Option<super::address::VmacArgs>,
    xmit_base: bool,
    unicast: bool,
}

fn vmac(
    ctx: &mut Ctx,
    w: VmacWritten,
    vrid: u8,
    family: Family,
    strict: bool,
    spans: &BlockSpans,
) -> Option<crate::vrrp::Vmac> {
    let Some((name, mac)) = w.use_vmac else {
        if w.xmit_base {
            ctx.diags.push(
                Diagnostic::warning(
                    spans.of("vmac_xmit_base"),
                    "vmac_xmit_base without use_vmac",
                )
                .with_label("ignored")
                .with_help("add `use_vmac`, or remove `vmac_xmit_base`"),
            );
        }
        return None;
    };
    let mut xmit_base = w.xmit_base;
    if xmit_base && strict {
        ctx.diags.push(
            Diagnostic::error(
                spans.of("vmac_xmit_base"),
                "vmac_xmit_base is not allowed with vrrp_strict",
            )
            .with_help("remove vmac_xmit_base or vrrp_strict"),
        );
    }
    if w.unicast && !xmit_base {
        ctx.diags.push(
            Diagnostic::warning(
                spans.of("use_vmac"),
                "use_vmac with unicast_peer needs vmac_xmit_base",
            )
            .with_label("vmac_xmit_base assumed")
            .with_help("add `vmac_xmit_base` (keepalived requires it with unicast peers)"),
        );
        xmit_base = true;
    }
    Some(crate::vrrp::Vmac {
        name: name.unwrap_or_else(|| format!("vrrp.{vrid}")),
        mac: match mac {
            Some((mut bytes, 5)) => {
                bytes[5] = vrid;
                bytes
            }
            Some((bytes, _)) => bytes,
            None => crate::wire::virtual_mac(family, vrid),
        },
        xmit_base,
    })
}
